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

  var FAINT = { color: "#555", weight: 1, opacity: 0.35, dashArray: "1 4", fill: false };
  var DIMMED = { opacity: 0.3, fillOpacity: 0.12 };

  function intervalAt(t, day) { // [from, to, style, label, colour] containing day, or null
    for (var i = 0; i < t.length; i++) if (t[i][0] <= day && day <= t[i][1]) return t[i];
    return null;
  }

  function MapappStory(map, groups, source, state, formats) {
    this.map = map;
    this.formats = formats || {}; // the data formats the page expects (mapapp/contract.py)
    this.groups = groups; // layer id -> L.featureGroup (listed in the layer control)
    this.state = state || { day: null, selected: null };
    // id -> {layer, intervals, circle, circles, geo, shown}; no prototype: ids come from links (?place=constructor)
    this.features = Object.create(null);
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
    if (this.formats.story !== undefined && data.format !== this.formats.story) { // a stale cached file, another release
      this.stats.error = "the story's data is of format " + data.format + ", this page reads " + this.formats.story + ": reload the page";
      console.error(this.stats.error);
      var note = L.control({ position: "topright" });
      note.onAdd = function () { var el = L.DomUtil.create("div", "mapapp-date"); el.textContent = self.stats.error; return el; };
      note.addTo(this.map);
      return;
    }
    this.data = data;
    Object.keys(data.layers).forEach(function (layerId) {
      var group = self.groups[layerId];
      if (!group) return;
      var circles = L.featureGroup().addTo(group); // uncertainty first: markers on top take the clicks
      var geo = L.geoJSON(data.layers[layerId], {
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, data.styles[f.properties.t[0][2]]); },
        onEachFeature: function (f, layer) {
          var entry = { layer: layer, layerId: layerId, intervals: f.properties.t, circle: null, circles: circles, shown: true, geo: null };
          if (f.properties.precision === "approximate" && f.properties.precision_m && f.geometry.type === "Point") {
            // How far off the point may be: faint, so it never competes with the symbols (rings mean sieges).
            entry.circle = L.circle(layer.getLatLng(), L.extend({ radius: f.properties.precision_m, interactive: false }, FAINT));
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
    this._buildLabels(data.labels || []);
    this._buildMapText(data);
    this._buildTimeControl();
    this.ready = true;
    this.apply();
    this.restack(); // across layers too: a post's point must not sit under the province it is in
  };

  /* --- labels: text in the page, placed greedily in rank order, re-placed after every move ---------
     Why greedy with candidate positions (Imhof's eight positions around a point, tried in order of
     preference): at most a few dozen labels, so an O(n^2) check in rank order is well under a
     millisecond and keeps the most important names; a label that fits nowhere is hidden, never drawn
     over another label or over a marker's centre. */
  var DIAGONAL = 0.7;
  function candidates(r, w, h) { // top-left corners, in order of preference, for a label of w x h beside a marker of radius r
    var d = r * DIAGONAL;
    return [[r, -h / 2], [-r - w, -h / 2], [-w / 2, -r - h], [-w / 2, r], [d, -d - h], [d, d], [-d - w, -d - h], [-d - w, d]];
  }

  MapappStory.prototype._buildLabels = function (labels) {
    var self = this, map = this.map;
    var pane = map.getPane("mapappLabels") || map.createPane("mapappLabels");
    pane.style.zIndex = 640; // above markers (600) and tooltips' anchors, below popups (700)
    pane.style.pointerEvents = "none"; // clicks go through to the markers
    this.labels = labels.map(function (l, rank) {
      var el = L.DomUtil.create("div", "mapapp-label", pane);
      el.setAttribute("data-id", l.id);
      return { id: l.id, rank: rank, text: l.text, textAr: l.textAr, el: el, size: null, lang: null };
    });
    map.on("zoomstart", function () { pane.style.visibility = "hidden"; }); // re-placed once the zoom ends
    map.on("moveend resize", function () { pane.style.visibility = ""; self.layoutLabels(); });
    map.on("overlayadd overlayremove", function () { self._queueLabels(); }); // a layer switched in the control
    this._walkKeys();
    // The page may resize the map's frame without a resize event reaching Leaflet (a phone's layout is applied
    // after the map is drawn): Leaflet learns the new size, and the labels are placed again for it.
    if (window.ResizeObserver) {
      var last = null;
      new ResizeObserver(function (entries) {
        var box = entries[0].contentRect, size = Math.round(box.width) + "x" + Math.round(box.height);
        if (size === last) return;
        last = size;
        map.invalidateSize({ pan: false });
        self._queueLabels();
      }).observe(map.getContainer());
    }
  };

  /* In the app, the walk's ← → and Esc are the page's button shortcuts; after a click on the map the keys go to
     this frame instead. During the walk they press the page's buttons from here (same origin), unless the map was
     reached with the keyboard (Tab), where the arrows pan it. Capture phase: before Leaflet's keyboard handler. */
  MapappStory.prototype._walkKeys = function () {
    var self = this, byPointer = false, buttons = { ArrowLeft: "walk_previous", ArrowRight: "walk_next", Escape: "walk_leave" };
    this.map.getContainer().addEventListener("pointerdown", function () { byPointer = true; });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Tab") byPointer = false;
      var key = buttons[e.key], page = null;
      if (!key || !self.state.dim || (!byPointer && e.key !== "Escape")) return;
      try { page = window.parent !== window ? window.parent.document : null; } catch (_err) { page = null; }
      var button = page && page.querySelector(".st-key-" + key + " button");
      if (!button || button.disabled) return;
      e.preventDefault();
      e.stopPropagation();
      button.click();
    }, true);
  };

  MapappStory.prototype._queueLabels = function () {
    var self = this;
    if (this._labelsQueued) return;
    this._labelsQueued = true;
    setTimeout(function () { self._labelsQueued = false; self.layoutLabels(); }, 0);
  };

  MapappStory.prototype._labelText = function (label) {
    var lang = this.state.lang === "ar" && label.textAr ? "ar" : "en";
    if (label.lang !== lang) { // texts arrive HTML-escaped (mapbuild.escape_text)
      label.el.innerHTML = lang === "ar" ? label.textAr : label.text;
      label.el.setAttribute("lang", lang);
      label.el.setAttribute("dir", lang === "ar" ? "rtl" : "ltr");
      label.lang = lang;
      label.size = null;
    }
  };

  /* --- text written on the map: callouts, place labels, road shields, area names ----------------------
     One greedy pass in order of importance, so nothing overlaps: the callouts of what happened (ranked
     first), the selected place and the current passage's places, the roads' names, the other places,
     then the names of countries and provinces in the free space left. Texts from the data go in with
     textContent, except place labels, which arrive escaped (mapbuild.escape_text). */
  var SVG_NS = "http://www.w3.org/2000/svg";
  var LEADER = 22; // px from a callout's feature to its box
  var SHIELD_SPACING = 320; // px between two shields of one road

  MapappStory.prototype._buildMapText = function (data) {
    var pane = this.map.getPane("mapappLabels");
    function make(cls, text) {
      var el = L.DomUtil.create("div", cls, pane);
      el.textContent = text;
      el.style.display = "none";
      return el;
    }
    this.callouts = (data.callouts || []).map(function (c) {
      var el = make("mapapp-callout", c.text);
      el.setAttribute("data-id", c.id);
      return { id: c.id, target: c.target, from: c.from, to: c.to, anchor: L.latLng(c.anchor[0], c.anchor[1]), el: el, size: null };
    });
    this.shields = (data.lines || []).map(function (l) { return { id: l.id, text: l.text, els: [], size: null }; });
    this.areas = (data.areas || []).map(function (a) {
      var el = make("mapapp-area mapapp-area-" + a.kind, a.text);
      return { text: a.text, minZoom: a.minZoom, maxZoom: a.maxZoom, points: a.points.map(function (q) { return L.latLng(q[0], q[1]); }), el: el, size: null };
    });
    this.leaders = document.createElementNS(SVG_NS, "svg");
    this.leaders.setAttribute("class", "mapapp-leaders");
    this.leaders.setAttribute("aria-hidden", "true");
    pane.appendChild(this.leaders);
    var shieldPool = [];
    this.shieldPool = shieldPool;
    this._shield = function (i, text) {
      if (!shieldPool[i]) shieldPool[i] = make("mapapp-shield", "");
      if (shieldPool[i].textContent !== text) shieldPool[i].textContent = text;
      return shieldPool[i];
    };
  };

  /* Every callout's, area name's and road name's size, read in one pass the first time (reading each one
     between placements forced a layout per element: the first layout took 30-60 ms instead of 5-10). */
  MapappStory.prototype._measureMapText = function () {
    if (this._measured) return;
    var self = this, items = [];
    (this.callouts || []).concat(this.areas || []).forEach(function (item) { items.push([item, item.el]); });
    (this.shields || []).forEach(function (shield, i) { items.push([shield, self._shield(i, shield.text)]); });
    items.forEach(function (pair) { pair[1].style.visibility = "hidden"; pair[1].style.display = "block"; });
    items.forEach(function (pair) { pair[0].size = { w: pair[1].offsetWidth, h: pair[1].offsetHeight }; });
    items.forEach(function (pair) { pair[1].style.display = "none"; pair[1].style.visibility = ""; });
    this._measured = items.every(function (pair) { return pair[0].size.w > 0; }); // not yet laid out: again next time
    if (!this._measured) items.forEach(function (pair) { pair[0].size = null; });
  };

  function sizeOf(item, el) {
    if (!item.size) item.size = { w: el.offsetWidth, h: el.offsetHeight };
    return item.size;
  }

  /* The story's features drawn inside the view (a print page's credits, the legend's blocks). */
  MapappStory.prototype.featuresInView = function () {
    var self = this, view = this.map.getBounds(), ids = [];
    Object.keys(this.features).forEach(function (id) {
      var f = self.features[id];
      if (!f.shown || !f.geo || !self.map.hasLayer(f.geo)) return;
      var where = f.layer.getBounds ? f.layer.getBounds() : L.latLngBounds([f.layer.getLatLng()]);
      if (view.intersects(where)) ids.push(id);
    });
    return ids;
  };

  /* The legend explains what the map shows: in ``this.legendDoc`` (the site's page, or the app's page around
     this frame) a legend block whose layer draws nothing in the view is hidden, with a note saying so. */
  MapappStory.prototype.legendInView = function () {
    var doc = this.legendDoc, self = this;
    if (!doc || !this.ready) return;
    var inView = Object.create(null), hidden = 0;
    this.featuresInView().forEach(function (id) { inView[self.features[id].layerId] = true; });
    if (this.stats && this.stats.mapText && this.stats.mapText.callouts) inView.callouts = true;
    doc.querySelectorAll(".mapapp-legend [data-layer]").forEach(function (block) {
      var layer = block.getAttribute("data-layer");
      block.hidden = Boolean(layer) && !inView[layer];
      if (block.hidden) hidden++;
    });
    doc.querySelectorAll(".mapapp-legend-note").forEach(function (note) {
      note.textContent = hidden ? "Only what is in view; move the map for the rest." : "";
    });
  };

  MapappStory.prototype.layoutLabels = function () {
    if (!this.labels) { this.legendInView(); return; }
    var t0 = performance.now(), self = this, map = this.map, size = map.getSize();
    var strong = Object.create(null);
    if (this.state.selected) strong[this.state.selected] = 0;
    (this.state.focus || []).forEach(function (id) { if (!(id in strong)) strong[id] = 1; });
    var centres = [];
    Object.keys(this.features).forEach(function (id) {
      var entry = self.features[id];
      if (entry.shown && entry.layer._map && entry.layer.getLatLng) {
        centres.push(map.latLngToContainerPoint(entry.layer.getLatLng()));
      }
    });
    var placed = [], shown = 0, box0 = map.getContainer().getBoundingClientRect();
    // The map's own controls (zoom, date, playback, layers, scale) are obstacles too.
    map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
      var r = c.getBoundingClientRect();
      if (r.width && r.height) placed.push({ x: r.left - box0.left, y: r.top - box0.top, w: r.width, h: r.height });
    });
    function fits(box, anchorOk) {
      if (box.x < 2 || box.y < 2 || box.x + box.w > size.x - 2 || box.y + box.h > size.y - 2) return false; // inside the map
      if (placed.some(function (o) { return overlaps(o, box, 2); })) return false; // over other text
      return !centres.some(function (q) { return inside(q, box, 3) && !(anchorOk && anchorOk(q)); }); // over a marker's centre
    }
    function onScreen(p) { return p && p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y; }
    var day = this.currentDay(), counts = { callouts: 0, places: 0, shields: 0, areas: 0 };

    this._measureMapText();
    // 1. callouts: a box at a leader line's length from the feature, the line drawn to the box's edge
    var lines = [];
    (this.callouts || []).forEach(function (c) {
      var entry = self.features[c.target], el = c.el;
      var active = entry && entry.shown && entry.layer._map && (c.from === null || day >= c.from) && (c.to === null || day <= c.to);
      var p = active ? map.latLngToContainerPoint(c.anchor) : null;
      if (!onScreen(p)) { el.style.display = "none"; return; }
      el.style.display = "block";
      // During the walk, the callouts of other steps recede with their features.
      if (self.state.dim && !(c.target in strong)) L.DomUtil.addClass(el, "mapapp-label-dim"); else L.DomUtil.removeClass(el, "mapapp-label-dim");
      var sz = sizeOf(c, el), w = sz.w, h = sz.h, spot = null;
      [LEADER, LEADER * 2].forEach(function (d) {
        var options = [[d, -d - h], [-d - w, -d - h], [d, d], [-d - w, d], [d + 4, -h / 2], [-d - 4 - w, -h / 2], [-w / 2, -d - h - 4], [-w / 2, d + 4]];
        for (var i = 0; i < options.length && !spot; i++) {
          var box = { x: p.x + options[i][0], y: p.y + options[i][1], w: w, h: h };
          if (!inside(p, box, 4) && fits(box)) spot = box;
        }
      });
      if (!spot) { el.style.display = "none"; return; }
      placed.push(spot);
      L.DomUtil.setPosition(el, map.containerPointToLayerPoint([spot.x, spot.y]));
      var ex = Math.max(spot.x, Math.min(p.x, spot.x + w)), ey = Math.max(spot.y, Math.min(p.y, spot.y + h));
      lines.push([p.x, p.y, ex, ey]);
      counts.callouts++;
    });
    this._drawLeaders(lines);

    // 2. place labels: the selected place and the passage's places, then (after the roads) the others
    var order = this.labels.slice().sort(function (a, b) {
      var pa = a.id in strong ? strong[a.id] : 2, pb = b.id in strong ? strong[b.id] : 2;
      return pa - pb || a.rank - b.rank;
    });
    // Measure first, then place: reading a size after moving another label forces a layout each time.
    order.forEach(function (label) {
      var entry = self.features[label.id], el = label.el;
      var visible = entry && entry.shown && entry.layer._map && entry.layer.getLatLng;
      label.p = visible ? map.latLngToContainerPoint(entry.layer.getLatLng()) : null;
      if (!onScreen(label.p)) { label.p = null; el.style.display = "none"; return; }
      self._labelText(label);
      L.DomUtil.addClass(el, "mapapp-label");
      if (label.id in strong) L.DomUtil.addClass(el, "mapapp-label-strong"); else L.DomUtil.removeClass(el, "mapapp-label-strong");
      if (self.state.dim && !(label.id in strong)) L.DomUtil.addClass(el, "mapapp-label-dim"); else L.DomUtil.removeClass(el, "mapapp-label-dim");
      // a place no source gives a holder is context: its name is small and light
      if (entry.layer.options && entry.layer.options.context && !(label.id in strong)) L.DomUtil.addClass(el, "mapapp-label-context");
      else L.DomUtil.removeClass(el, "mapapp-label-context");
      el.style.display = "block";
    });
    order.forEach(function (label) {
      var key = label.p && label.el.className;
      if (label.p && (!label.size || label.sizeKey !== key)) {
        label.size = { w: label.el.offsetWidth, h: label.el.offsetHeight };
        label.sizeKey = key;
      }
    });
    function placeLabel(label) {
      var entry = self.features[label.id], el = label.el, p = label.p;
      if (!p) return;
      var w = label.size.w, h = label.size.h, r = (entry.layer.options.radius || 6) + 3;
      var spot = null, options = candidates(r, w, h);
      for (var i = 0; i < options.length && !spot; i++) {
        var box = { x: p.x + options[i][0], y: p.y + options[i][1], w: w, h: h };
        if (fits(box)) spot = box;
      }
      if (!spot) { el.style.display = "none"; return; }
      placed.push(spot);
      L.DomUtil.setPosition(el, map.containerPointToLayerPoint([spot.x, spot.y]));
      counts.places++;
    }
    order.filter(function (l) { return l.id in strong; }).forEach(placeLabel);

    // 3. road shields along each named line's visible part, repeated on long lines, upright
    var used = 0;
    (this.shields || []).forEach(function (shield) {
      var entry = self.features[shield.id];
      if (!entry || !entry.shown || !entry.layer._map || !entry.layer.getLatLngs) return;
      var path = visiblePath(map, entry.layer.getLatLngs(), size);
      if (path.length < 80) return;
      var n = Math.max(1, Math.floor(path.length / SHIELD_SPACING));
      for (var k = 0; k < n; k++) {
        var el = self._shield(used, shield.text);
        el.style.display = "block";
        var sz = sizeOf(shield, el), spot = null;
        [0, 40, -40, 80, -80].forEach(function (shift) {
          if (spot) return;
          var q = path.at(((k + 0.5) * path.length) / n + shift);
          if (!q) return;
          var box = { x: q.x - sz.w / 2, y: q.y - sz.h / 2, w: sz.w, h: sz.h };
          if (fits(box)) spot = box;
        });
        if (!spot) { el.style.display = "none"; continue; }
        placed.push(spot);
        L.DomUtil.setPosition(el, map.containerPointToLayerPoint([spot.x, spot.y]));
        used++;
        counts.shields++;
      }
    });
    for (var u = used; u < (this.shieldPool || []).length; u++) this.shieldPool[u].style.display = "none";

    order.filter(function (l) { return !(l.id in strong); }).forEach(placeLabel);

    // 4. countries and provinces, in the space left: the candidate point nearest the view's centre that fits
    var zoom = map.getZoom(), middle = L.point(size.x / 2, size.y / 2);
    (this.areas || []).forEach(function (area) {
      var el = area.el;
      if (zoom < area.minZoom || zoom > area.maxZoom) { el.style.display = "none"; return; }
      var points = area.points.map(function (q) { return map.latLngToContainerPoint(q); })
        .filter(function (q) { return q.x > size.x * 0.08 && q.x < size.x * 0.92 && q.y > size.y * 0.08 && q.y < size.y * 0.92; })
        .sort(function (a, b) { return a.distanceTo(middle) - b.distanceTo(middle); });
      if (!points.length) { el.style.display = "none"; return; }
      el.style.display = "block";
      var sz = sizeOf(area, el), spot = null;
      for (var i = 0; i < Math.min(points.length, 8) && !spot; i++) {
        var box = { x: points[i].x - sz.w / 2, y: points[i].y - sz.h / 2, w: sz.w, h: sz.h };
        if (fits(box)) spot = box;
      }
      if (!spot) { el.style.display = "none"; return; }
      placed.push(spot);
      L.DomUtil.setPosition(el, map.containerPointToLayerPoint([spot.x, spot.y]));
      counts.areas++;
    });

    shown = counts.places;
    this.stats.labelsShown = shown;
    this.stats.mapText = counts;
    this.stats.labelMs = performance.now() - t0;
    this.stats.labelLayouts = (this.stats.labelLayouts || 0) + 1;
    this.legendInView(); // after the callouts are placed: whether any is in view is known now
  };

  MapappStory.prototype._drawLeaders = function (lines) {
    var svg = this.leaders;
    if (!svg) return;
    var size = this.map.getSize();
    svg.setAttribute("width", size.x);
    svg.setAttribute("height", size.y);
    L.DomUtil.setPosition(svg, this.map.containerPointToLayerPoint([0, 0]));
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    lines.forEach(function (l) {
      var line = document.createElementNS(SVG_NS, "line");
      line.setAttribute("x1", l[0]); line.setAttribute("y1", l[1]); line.setAttribute("x2", l[2]); line.setAttribute("y2", l[3]);
      svg.appendChild(line);
      var dot = document.createElementNS(SVG_NS, "circle");
      dot.setAttribute("cx", l[0]); dot.setAttribute("cy", l[1]); dot.setAttribute("r", 2.5);
      svg.appendChild(dot);
    });
  };

  /* The part of a (multi)line inside the view, in container pixels: its length and a point at any distance. */
  function visiblePath(map, latlngs, size) {
    var parts = L.LineUtil.isFlat(latlngs) ? [latlngs] : latlngs, runs = [], total = 0, margin = 16;
    var view = L.bounds([margin, margin], [size.x - margin, size.y - margin]);
    parts.forEach(function (part) {
      for (var i = 1; i < part.length; i++) {
        var a = map.latLngToContainerPoint(part[i - 1]), b = map.latLngToContainerPoint(part[i]);
        var clipped = L.LineUtil.clipSegment(a, b, view, false, true);
        if (!clipped) continue;
        var length = clipped[0].distanceTo(clipped[1]);
        if (length > 0) { runs.push({ a: clipped[0], b: clipped[1], from: total, length: length }); total += length; }
      }
    });
    return {
      length: total,
      at: function (d) {
        if (d < 0 || d > total) return null;
        for (var i = 0; i < runs.length; i++) {
          var r = runs[i];
          if (d <= r.from + r.length) { var f = (d - r.from) / r.length; return L.point(r.a.x + (r.b.x - r.a.x) * f, r.a.y + (r.b.y - r.a.y) * f); }
        }
        return null;
      },
    };
  }

  function inside(q, box, pad) {
    return q.x > box.x - pad && q.x < box.x + box.w + pad && q.y > box.y - pad && q.y < box.y + box.h + pad;
  }

  function overlaps(a, b, pad) {
    return a.x < b.x + b.w + pad && b.x < a.x + a.w + pad && a.y < b.y + b.h + pad && b.y < a.y + a.h + pad;
  }

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

  /* {day: days since 1970-01-01, selected: feature id or null, focus: ids of the current passage's places,
      lang: "en" or "ar" (label language)} */
  MapappStory.prototype.setState = function (state) {
    var next = { day: state.day, selected: state.selected || null, focus: state.focus || [], lang: state.lang || "en",
      dim: !!state.dim, compare: state.compare === undefined ? null : state.compare };
    var same = this.ready && next.day === this.state.day && next.selected === this.state.selected &&
      next.lang === this.state.lang && String(next.focus) === String(this.state.focus || []) && next.dim === !!this.state.dim &&
      next.compare === (this.state.compare === undefined ? null : this.state.compare);
    if (same) return; // re-sent every rerun
    if (this.dayReportPending) next.day = this.state.day; // the app has not heard of the day paused on yet
    this.state = next;
    if (this.ready) this.apply();
  };

  MapappStory.prototype.apply = function () {
    var data = this.data, day = this.state.day === null || this.state.day === undefined ? data.defaultDay : this.state.day;
    day = Math.min(Math.max(day, data.start), data.end); // the date control is clamped to the same range
    var self = this, readded = false;
    var focus = Object.create(null);
    (this.state.dim ? this.state.focus || [] : []).forEach(function (id) { focus[id] = true; });
    var dimming = Object.keys(focus).length > 0; // the walk: what the passage is not about steps back
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
      if (dimming && !focus[id] && id !== self.state.selected) entry.layer.setStyle(DIMMED);
      entry.layer.setTooltipContent(look[3]);
      if (entry.circle) entry.circle.setStyle(id === self.state.selected ? { color: look[4], opacity: 0.9, weight: 1.5 } : FAINT);
    });
    this._ring();
    if (readded) this.restack();
    this._showDate(day); // first: the date box is an obstacle the labels avoid
    this._compare();
    this.layoutLabels();
    this.stats.restyles++;
    this.stats.day = day;
  };

  /* --- the date on the map, and playback: every day drawn in the browser, no server rerun per day ----
     The day is looked up in the published timeline, the event layer's window follows it; the server
     hears of the day only when playback stops (any interaction pauses it), so the permalink keeps it. */
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function dayText(day) {
    var d = new Date(day * 86400000);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }
  var SPEEDS = [1, 2, 4, 8]; // days per second

  MapappStory.prototype._buildTimeControl = function () {
    var self = this, map = this.map, data = this.data;
    var dateBox = L.control({ position: "topright" });
    dateBox.onAdd = function () {
      var el = L.DomUtil.create("div", "mapapp-date");
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      return el;
    };
    dateBox.addTo(map);
    this.dateEl = dateBox.getContainer();
    // A popup lies under the map's controls (Leaflet's panes): the date fades while a popup is under it, so the
    // popup's lines stay readable.
    var openPopup = null;
    function fadeDateOverPopup() {
      var el = self.dateEl, box = openPopup && openPopup.getElement(), over = false;
      if (box && map.hasLayer(openPopup)) {
        var a = box.getBoundingClientRect(), b = el.getBoundingClientRect();
        over = a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
      }
      el.style.opacity = over ? "0.15" : "";
    }
    map.on("popupopen", function (e) { openPopup = e.popup; fadeDateOverPopup(); });
    map.on("popupclose", function () { openPopup = null; fadeDateOverPopup(); });
    map.on("moveend mapapp:popupresized", fadeDateOverPopup);
    var bar = L.control({ position: "bottomright" }); // the south-west of the default view has the story's places
    bar.onAdd = function () {
      var el = L.DomUtil.create("div", "mapapp-play");
      el.innerHTML =
        '<button type="button" class="mapapp-play-button" aria-label="Play the days">&#9654;</button>' +
        '<input type="range" class="mapapp-play-day" aria-label="Date" min="' + data.start + '" max="' + data.end + '" step="1">' +
        '<select class="mapapp-play-speed" aria-label="Speed">' +
        SPEEDS.map(function (s) { return '<option value="' + s + '"' + (s === 4 ? " selected" : "") + ">" + s + " d/s</option>"; }).join("") +
        "</select>";
      L.DomEvent.disableClickPropagation(el);
      L.DomEvent.disableScrollPropagation(el);
      return el;
    };
    bar.addTo(map);
    var el = bar.getContainer();
    this.playButton = el.querySelector(".mapapp-play-button");
    this.dayInput = el.querySelector(".mapapp-play-day");
    this.speedInput = el.querySelector(".mapapp-play-speed");
    L.DomEvent.on(this.playButton, "click", function () { if (self.playing) self.pause(); else self.play(); });
    L.DomEvent.on(this.dayInput, "input", function () { self.pause(true); self.showDay(Number(self.dayInput.value)); });
    L.DomEvent.on(this.dayInput, "change", function () { self.report(); });
    L.DomEvent.on(this.speedInput, "change", function () { if (self.playing) { self.pause(true); self.play(); } });
    // Any other interaction with the map pauses playback.
    L.DomEvent.on(map.getContainer(), "mousedown touchstart wheel keydown", function (e) {
      if (!self.playing || el.contains(e.target)) return;
      self.pause(true);
      // A click on a feature is about to report itself through the same value (streamlit-folium writes the
      // feature's tooltip there): report the day after it, so both reach the app. Meanwhile the click keeps
      // streamlit-folium's debounce (mirrorPage), so that the day is the last value sent.
      // The day is the one paused on: a rerun that answers the click meanwhile must not change it.
      var day = self.currentDay();
      self.dayReportPending = true;
      setTimeout(function () { self.dayReportPending = false; self.report(day); }, 350);
    });
    this.stats.playedDays = 0;
  };

  MapappStory.prototype.play = function () {
    var self = this, data = this.data;
    if (this.currentDay() >= data.end) this.showDay(data.start); // from the start again
    this.playing = true;
    this.playButton.innerHTML = "&#10074;&#10074;";
    this.playButton.setAttribute("aria-label", "Pause");
    this.timer = setInterval(function () {
      var next = self.currentDay() + 1;
      if (next > data.end) { self.pause(); return; }
      self.showDay(next);
      self.stats.playedDays++;
    }, 1000 / Number(this.speedInput.value));
  };

  /* ``quiet``: the caller reports the day itself (or will, when the slider is let go). */
  MapappStory.prototype.pause = function (quiet) {
    if (!this.playing) return;
    clearInterval(this.timer);
    this.playing = false;
    this.playButton.innerHTML = "&#9654;";
    this.playButton.setAttribute("aria-label", "Play the days");
    if (!quiet) this.report();
  };

  MapappStory.prototype.currentDay = function () {
    var data = this.data, day = this.state.day === null || this.state.day === undefined ? data.defaultDay : this.state.day;
    return Math.min(Math.max(day, data.start), data.end);
  };

  /* Draw ``day`` here and now: the story's layers, the event layer's window, the date. With ``eventsAfter``
     the event layer (a canvas of up to 100,000 points: ~25 ms) is redrawn once the story's new colours have
     been painted, so a picked date shows the story's change first. */
  MapappStory.prototype.showDay = function (day, eventsAfter) {
    var t0 = performance.now();
    this.state = L.extend({}, this.state, { day: day });
    this.apply();
    var events = window.mapappEvents;
    if (events && events._filter) {
      var f = events._filter, span = f.from === null || f.from === undefined ? null : f.to - f.from;
      var window_ = { from: span === null ? null : day - span, to: day, types: f.types };
      if (eventsAfter) requestAnimationFrame(function () { setTimeout(function () { events.setFilter(window_); }, 0); });
      else events.setFilter(window_);
    }
    this.stats.dayMs = performance.now() - t0;
    this.stats.dayTimes = this.stats.dayTimes || [];
    this.stats.dayTimes.push(this.stats.dayMs);
  };

  /* Tell the app the day shown (the sidebar, the panel and the permalink follow). */
  MapappStory.prototype.report = function (day) {
    if (typeof window.mapappReport === "function") window.mapappReport("day:" + (day === undefined ? this.currentDay() : day));
  };

  MapappStory.prototype._showDate = function (day) {
    if (this.dateEl) this.dateEl.textContent = "As of " + dayText(day);
    if (this.dayInput && Number(this.dayInput.value) !== day) this.dayInput.value = String(day);
  };

  /* --- two dates with a swipe: the compared date left of the divider, the map's date right of it ----------
     Every feature is drawn a second time, in its look on the compared day, in a pane of its own; the two
     panes are clipped at the divider (as leaflet-side-by-side clips tile panes), so the view is the same. */
  MapappStory.prototype._compare = function () {
    var self = this, map = this.map, day = this.state.compare;
    if (day === null || day === undefined) { this._endCompare(); return; }
    if (!this.compare) {
      var pane = map.getPane("mapappCompare") || map.createPane("mapappCompare");
      pane.style.zIndex = 410;
      pane.style.pointerEvents = "none";
      var renderer = L.svg({ pane: "mapappCompare" });
      var group = L.featureGroup().addTo(map);
      var divider = L.DomUtil.create("div", "mapapp-swipe", map.getContainer());
      divider.setAttribute("role", "separator");
      divider.setAttribute("aria-label", "Drag to compare the two dates");
      divider.innerHTML = '<span class="mapapp-swipe-left"></span><span class="mapapp-swipe-right"></span>';
      this.compare = { pane: pane, renderer: renderer, group: group, divider: divider, x: null, clones: Object.create(null) };
      L.DomEvent.disableClickPropagation(divider);
      L.DomEvent.on(divider, "pointerdown", function (e) {
        divider.setPointerCapture(e.pointerId);
        var move = function (ev) {
          var box = map.getContainer().getBoundingClientRect();
          self.compare.x = Math.min(Math.max(ev.clientX - box.left, 0), box.width);
          self._clip();
        };
        var up = function () { L.DomEvent.off(divider, "pointermove", move); L.DomEvent.off(divider, "pointerup", up); };
        L.DomEvent.on(divider, "pointermove", move);
        L.DomEvent.on(divider, "pointerup", up);
        L.DomEvent.preventDefault(e);
      });
      map.on("move zoom resize", this._clip, this);
    }
    var data = this.data, clones = this.compare.clones;
    Object.keys(this.features).forEach(function (id) {
      var entry = self.features[id], look = intervalAt(entry.intervals, day), clone = clones[id];
      if (!clone) {
        var f = entry.layer.feature, options = { renderer: self.compare.renderer, interactive: false, pane: "mapappCompare" };
        clone = entry.layer.getLatLng ? L.circleMarker(entry.layer.getLatLng(), options)
          : L.geoJSON(f.geometry, { style: function () { return {}; }, renderer: self.compare.renderer, interactive: false, pane: "mapappCompare" });
        clones[id] = clone;
      }
      var shown = look && entry.layer._map; // not that day, or its layer switched off: not drawn
      if (shown) { clone.setStyle(data.styles[look[2]]); if (!self.compare.group.hasLayer(clone)) self.compare.group.addLayer(clone); }
      else if (self.compare.group.hasLayer(clone)) self.compare.group.removeLayer(clone);
    });
    var spans = this.compare.divider.querySelectorAll("span");
    spans[0].textContent = dayText(day);
    spans[1].textContent = dayText(this.currentDay());
    this.stats.compareDay = day;
    this._clip();
  };

  MapappStory.prototype._clip = function () {
    var c = this.compare, map = this.map;
    if (!c) return;
    var size = map.getSize();
    if (c.x === null) c.x = size.x / 2;
    var nw = map.containerPointToLayerPoint([0, 0]), se = map.containerPointToLayerPoint(size), x = nw.x + c.x;
    c.pane.style.clip = "rect(" + nw.y + "px, " + x + "px, " + se.y + "px, " + nw.x + "px)"; // compared day: left
    map.getPane("overlayPane").style.clip = "rect(" + nw.y + "px, " + se.x + "px, " + se.y + "px, " + x + "px)";
    c.divider.style.left = c.x + "px";
  };

  MapappStory.prototype._endCompare = function () {
    var c = this.compare;
    if (!c) return;
    this.map.off("move zoom resize", this._clip, this);
    this.map.removeLayer(c.group);
    L.DomUtil.remove(c.divider);
    this.map.getPane("overlayPane").style.clip = "";
    c.pane.style.clip = "";
    this.compare = null;
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

  /* --- the app's page around this frame ---------------------------------------------------------------
     In the dashboard the map is a frame inside the Streamlit page (same origin). A new frame opens at the
     view the last one had (kept on the page's window, for the page's lifetime). The page's layer checkboxes
     switch their layer here at once and a new date recolours the story at once; the rerun they start then
     re-sends the same state. Without this both waited for the server's round trip (the map's own controls
     never did). Streamlit's checkbox (react-aria) fires no change event: its label's data-selected attribute
     is watched, and the date input's value attribute; nothing else, so a hover or a focus never moves a layer.
     ``update`` is streamlit-folium's own (undebounced) value update: after a click on the map it sends the
     click now rather than after the 250 ms debounce meant for pans; it sends only a value that changed, so
     the debounced call that follows sends nothing (tests/test_internals.py pins both).
     Installed once per frame; re-called on every rerun (with the rerun's layer groups). */
  MapappStory.prototype.mirrorPage = function (groups, classes, update) {
    var self = this, page;
    this.pageGroups = groups;
    try { page = window.parent !== window && window.parent.document; } catch (_err) { page = null; }
    if (!page || !page.body || this.mirroring) return;
    this.mirroring = true;
    this.legendDoc = page; // the app's legend is in the page around this frame
    // The reader's view outlives this frame: a new map replaces it when an event dataset arrives or is
    // lost (a server restart), and opens where the reader was, not at the story's default view.
    var host = window.parent;
    if (host.mapappView) this.map.setView([host.mapappView.lat, host.mapappView.lng], host.mapappView.zoom, { animate: false });
    this.map.on("moveend", function () {
      var size = self.map.getSize();
      if (!size.x || !size.y || !window.frameElement || !window.frameElement.isConnected) return; // a frame going away
      var c = self.map.getCenter();
      host.mapappView = { lat: c.lat, lng: c.lng, zoom: self.map.getZoom() };
    });
    var prefix = classes.layerPrefix;
    function groupOf(box) {
      var name = Array.prototype.find.call(box.classList, function (c) { return c.indexOf(prefix) === 0; });
      return name && self.pageGroups[name.slice(prefix.length)];
    }
    function showDate(value) { // "YYYY-MM-DD" -> days since 1970-01-01, as the timeline counts
      var m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value || "");
      if (!m || !self.ready) return;
      var day = Math.round(Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000);
      if (day !== self.currentDay()) self.showDay(day, true);
    }
    var watcher = new MutationObserver(function (changes) {
      if (!window.frameElement || !window.frameElement.isConnected) { watcher.disconnect(); return; }
      changes.forEach(function (change) {
        var el = change.target;
        if (change.attributeName === "value") {
          if (el.closest("." + classes.date)) showDate(el.getAttribute("value"));
          return;
        }
        var box = el.closest("[class*='" + prefix + "']"), group = box && groupOf(box);
        if (!group) return;
        var on = el.getAttribute("data-selected") === "true";
        if (on === self.map.hasLayer(group)) return;
        if (on) self.map.addLayer(group); else self.map.removeLayer(group);
        self._queueLabels();
      });
    });
    watcher.observe(page.body, { subtree: true, attributes: true, attributeFilter: ["data-selected", "value"] });
    if (update) { // after Leaflet's own click handling on the container (added first), which records the click
      this.map.getContainer().addEventListener("click", function () { if (!self.dayReportPending) update(self.map); });
    }
  };

  L.mapappStory = function (map, groups, source, state, formats) { return new MapappStory(map, groups, source, state, formats); };
})();
