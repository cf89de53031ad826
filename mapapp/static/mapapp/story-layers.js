/*
 * The story's layers of the map (data from mapapp/mapbuild.py: story_timeline).
 *
 * Why in the browser: st_folium re-sends everything a rerun puts in the map,
 * so drawing the story's features from Python on each date change or click
 * cost ~75 KB and most of an interaction's time. The features and their look on
 * every day of the timeline are computed once in Python (the only place the
 * rules live) and fetched once as a static file; this script only looks up
 * the interval that contains the chosen day. Per rerun, the app sends
 * {day, selected}: a few bytes.
 *
 * Labels arrive HTML-escaped (mapbuild.escape_text); nothing else from the data
 * is put into HTML. Exposes window.mapappStory.
 */
(function () {
  "use strict";

  function intervalAt(t, day) { // [from, to, style, label, colour] containing day, or null
    for (var i = 0; i < t.length; i++) if (t[i][0] <= day && day <= t[i][1]) return t[i];
    return null;
  }

  function MapappStory(map, groups, source, state) {
    this.map = map;
    this.groups = groups; // layer id -> L.featureGroup (listed in the layer control)
    this.state = state || { day: null, selected: null };
    this.features = {}; // id -> {layer, intervals, circle, circles, geo, shown}
    this.ring = L.featureGroup().addTo(map); // the selection, never in the layer control
    this.ready = false;
    this.stats = { restyles: 0, error: null };
    window.mapappStory = this;
    var self = this;
    if (typeof source === "string") {
      fetch(source)
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status + " for the story layers"); return r.json(); })
        .then(function (data) { self._build(data); })
        .catch(function (err) { self.stats.error = String(err); console.error(err); });
    } else {
      this._build(source);
    }
  }

  MapappStory.prototype._build = function (data) {
    var self = this;
    this.data = data;
    Object.keys(data.layers).forEach(function (layerId) {
      var group = self.groups[layerId];
      if (!group) return;
      var circles = L.featureGroup().addTo(group); // uncertainty first: markers on top take the clicks
      var geo = L.geoJSON(data.layers[layerId], {
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, data.styles[f.properties.t[0][2]]); },
        onEachFeature: function (f, layer) {
          var entry = { layer: layer, intervals: f.properties.t, circle: null, circles: circles, shown: true, geo: null };
          if (f.properties.precision === "approximate" && f.properties.precision_m && f.geometry.type === "Point") {
            entry.circle = L.circle(layer.getLatLng(), { radius: f.properties.precision_m, weight: 1, dashArray: "4 4", fill: false, interactive: false });
            circles.addLayer(entry.circle);
          }
          layer.bindTooltip("", { sticky: false });
          self.features[f.id] = entry;
        },
      });
      geo.eachLayer(function (layer) { self.features[layer.feature.id].geo = geo; });
      geo.addTo(group);
    });
    var groupSet = Object.keys(this.groups).map(function (k) { return self.groups[k]; });
    this.map.on("layeradd", function (e) { // a group switched back on lands on top: restore the order
      if (groupSet.indexOf(e.layer) >= 0 && !self._restackQueued) {
        self._restackQueued = true;
        setTimeout(function () { self._restackQueued = false; self.restack(); }, 0);
      }
    });
    this.ready = true;
    this.apply();
    this.restack(); // across layers too: a post's point must not sit under the province it is in
  };

  /* Areas under lines under points, across layers (data.order, bottom first), so that a point
     inside an area keeps its clicks after features or groups are added back. */
  MapappStory.prototype.restack = function () {
    var self = this;
    this.data.order.forEach(function (id) {
      var entry = self.features[id];
      if (entry && entry.shown && entry.layer._map) entry.layer.bringToFront();
    });
    this.ring.eachLayer(function (l) { if (l.bringToFront) l.bringToFront(); });
  };

  /* {day: days since 1970-01-01, selected: feature id or null} */
  MapappStory.prototype.setState = function (state) {
    var next = { day: state.day, selected: state.selected || null };
    if (this.ready && next.day === this.state.day && next.selected === this.state.selected) return; // re-sent every rerun
    this.state = next;
    if (this.ready) this.apply();
  };

  MapappStory.prototype.apply = function () {
    var data = this.data, day = this.state.day === null || this.state.day === undefined ? data.defaultDay : this.state.day;
    day = Math.min(Math.max(day, data.start), data.end); // the date control is clamped to the same range
    var self = this, readded = false;
    Object.keys(this.features).forEach(function (id) {
      var entry = self.features[id], look = intervalAt(entry.intervals, day);
      if (!look) { // not on the map that day (a control change or an incident still to come)
        if (entry.shown) {
          entry.geo.removeLayer(entry.layer);
          if (entry.circle) entry.circles.removeLayer(entry.circle);
          entry.shown = false;
        }
        return;
      }
      if (!entry.shown) {
        entry.geo.addLayer(entry.layer);
        if (entry.circle) entry.circles.addLayer(entry.circle);
        entry.shown = true;
        readded = true;
      }
      entry.layer.setStyle(data.styles[look[2]]);
      entry.layer.setTooltipContent(look[3]);
      if (entry.circle) entry.circle.setStyle({ color: look[4] });
    });
    this._ring();
    if (readded) this.restack();
    this.stats.restyles++;
    this.stats.day = day;
  };

  MapappStory.prototype._ring = function () {
    this.ring.clearLayers();
    var entry = this.features[this.state.selected];
    if (!entry || !entry.shown) return;
    var style = { color: this.data.selectedColour, weight: 5, fill: false, interactive: false };
    if (entry.layer.getLatLng) {
      L.circleMarker(entry.layer.getLatLng(), L.extend({ radius: 18, weight: 4 }, style)).addTo(this.ring);
    } else {
      L.geoJSON(entry.layer.feature.geometry, { style: style, interactive: false }).addTo(this.ring);
    }
  };

  L.mapappStory = function (map, groups, source, state) { return new MapappStory(map, groups, source, state); };
})();
