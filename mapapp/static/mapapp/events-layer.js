/*
 * Event layer of the story map (mapapp/events.py publishes the data).
 *
 * Why a layer of its own: 100,000 Leaflet markers cost seconds to create and
 * every pan redraws them all. This layer fetches one binary file of typed
 * arrays (lon, lat, day, type; sorted by day), keeps it in memory, and paints
 * the events in the current date window on a single canvas after each move.
 * A date window is a binary search, not a scan. Details are fetched only
 * when an event is clicked, in chunks, and shown with textContent: nothing
 * from the file is ever parsed as HTML.
 *
 * Exposes window.mapappEvents (the layer) with .stats for tests and benchmarks.
 */
(function () {
  "use strict";

  var PANE = "mapappEvents";
  var PAD = 0.5; // canvas reaches half a map beyond each edge, so short pans show no gap
  var HIT_PX = 6; // click tolerance around a dot
  var POPUP_MAX = 10; // events listed in one popup (the rest are counted)

  function mercX(lon) { return (lon + 180) / 360; }
  function mercY(lat) {
    var s = Math.sin(Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180);
    return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
  }
  function lowerBound(arr, value, n) { // first index with arr[i] >= value
    var lo = 0, hi = n;
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (arr[mid] < value) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function dayText(day) { return new Date(day * 86400000).toISOString().slice(0, 10); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  // The layer's styles live here, not in the map's header: the header is re-sent on every rerun.
  var CSS = ".mapapp-events-status { background: rgba(255,255,255,.92); padding: 4px 8px; border-radius: 5px;" +
    " font: 12px/1.4 sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-width: 320px; }" +
    ".mapapp-event { margin: 0 0 8px; font: 12px/1.35 sans-serif; border-top: 1px solid #ddd; padding-top: 4px; }" +
    ".mapapp-event dt { font-weight: bold; float: left; clear: left; width: 70px; }" +
    ".mapapp-event dd { margin: 0 0 2px 74px; }" +
    ".mapapp-event-count { font: bold 12px sans-serif; margin-bottom: 4px; }";
  function addStyles() {
    if (document.getElementById("mapapp-events-css")) return;
    var style = el("style", CSS);
    style.id = "mapapp-events-css";
    document.head.appendChild(style);
  }

  L.MapappEvents = L.Layer.extend({
    // gridMin: above this many events in view, a density grid of gridPx cells is drawn instead of points
    // (millions of dots are one blot; counts per cell say more), and points come back on zooming in.
    options: { pane: PANE, radius: 3, gridMin: 20000, gridPx: 12 },

    initialize: function (source, options) { // source: the manifest, or its URL
      L.setOptions(this, options);
      this._source = source;
      this._m = null;
      this._filter = { from: null, to: null, types: null };
      this._chunks = {};
      this._ready = false;
      this.stats = { loaded: false, drawn: 0, inWindow: 0, draws: 0, drawMs: 0, loadMs: 0, error: null };
      window.mapappEvents = this;
    },

    onAdd: function (map) {
      addStyles();
      if (!map.getPane(PANE)) {
        var pane = map.createPane(PANE);
        pane.style.zIndex = 350; // under the story's vector layers (400): their clicks come first
        pane.style.pointerEvents = "none"; // clicks reach the map, which hit-tests the events
      }
      this._canvas = L.DomUtil.create("canvas", "mapapp-events-canvas");
      map.getPane(PANE).appendChild(this._canvas);
      this._status = L.control({ position: "topleft" });
      this._status.onAdd = function () { return L.DomUtil.create("div", "mapapp-events-status"); };
      this._status.addTo(map);
      map.on("moveend resize viewreset", this._redraw, this);
      map.on("zoomstart", this._hide, this);
      map.on("click", this._onClick, this);
      if (!this._loading) { this._load(); } else { this._redraw(); }
    },

    onRemove: function (map) {
      map.off("moveend resize viewreset", this._redraw, this);
      map.off("zoomstart", this._hide, this);
      map.off("click", this._onClick, this);
      L.DomUtil.remove(this._canvas);
      this._status.remove();
      this.stats.drawn = 0;
    },

    /* {from: day or null, to: day or null, types: [type codes] or null}; days are days since 1970-01-01. */
    setFilter: function (filter) {
      var next = { from: filter.from, to: filter.to, types: filter.types ? filter.types.slice() : null };
      if (JSON.stringify(next) === JSON.stringify(this._filter)) return; // every rerun re-sends it: redraw only on change
      this._filter = next;
      if (this._map) this._redraw();
    },

    _load: function () {
      var self = this, t0 = performance.now(), n = 0;
      var manifest = typeof this._source === "string"
        ? fetch(this._source).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status + " for the event manifest"); return r.json(); })
        : Promise.resolve(this._source);
      this._loading = manifest
        .then(function (m) {
          if (self.options.format !== undefined && m.format !== self.options.format) { // mapapp/contract.py
            throw new Error("the event data is of format " + m.format + ", this page reads " + self.options.format + ": reload the page");
          }
          self._m = m; n = m.count; return fetch(m.points);
        })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status + " for the event points"); return r.arrayBuffer(); })
        .then(function (buf) {
          if (buf.byteLength !== 13 * n) throw new Error("event points file has " + buf.byteLength + " bytes, expected " + 13 * n);
          var lon = new Float32Array(buf, 0, n), lat = new Float32Array(buf, 4 * n, n);
          self._day = new Int32Array(buf, 8 * n, n);
          self._type = new Uint8Array(buf, 12 * n, n);
          self._lon = lon; self._lat = lat;
          self._mx = new Float64Array(n); self._my = new Float64Array(n);
          for (var i = 0; i < n; i++) { self._mx[i] = mercX(lon[i]); self._my[i] = mercY(lat[i]); }
          self._ready = true;
          self.stats.loaded = true;
          self.stats.loadMs = performance.now() - t0;
          if (self._map) self._redraw();
        })
        .catch(function (err) { self.stats.error = String(err); self._setStatus(["Event layer: " + err]); });
    },

    _range: function () { // [lo, hi) indices of the date window
      var n = this._m.count, f = this._filter;
      var lo = f.from === null || f.from === undefined ? 0 : lowerBound(this._day, f.from, n);
      var hi = f.to === null || f.to === undefined ? n : lowerBound(this._day, f.to + 1, n);
      return [lo, Math.max(lo, hi)];
    },

    _typeMask: function () {
      var mask = new Uint8Array(256), types = this._filter.types;
      for (var t = 0; t < this._m.types.length; t++) mask[t] = types === null ? 1 : 0;
      if (types !== null) types.forEach(function (t) { mask[t] = 1; });
      return mask;
    },

    _hide: function () { if (this._canvas) this._canvas.style.visibility = "hidden"; },

    _redraw: function () {
      if (!this._map || !this._ready) return;
      var t0 = performance.now(), map = this._map, size = map.getSize();
      var w = Math.round(size.x * (1 + 2 * PAD)), h = Math.round(size.y * (1 + 2 * PAD));
      var topLeft = map.containerPointToLayerPoint([-size.x * PAD, -size.y * PAD]).round();
      var dpr = window.devicePixelRatio || 1, canvas = this._canvas;
      L.DomUtil.setPosition(canvas, topLeft);
      canvas.width = w * dpr; canvas.height = h * dpr;
      canvas.style.width = w + "px"; canvas.style.height = h + "px";
      canvas.style.visibility = "visible";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      var scale = map.options.crs.scale(map.getZoom());
      var origin = map.getPixelOrigin().add(topLeft);
      var range = this._range(), mask = this._typeMask(), r = this.options.radius;
      var mx = this._mx, my = this._my, type = this._type, drawn = 0, inWindow = 0;
      if (this._drawGrid(ctx, w, h, scale, origin, range, mask, topLeft)) { this._finishDraw(t0); return; }
      // ACLED codes most events to a town's point, so thousands share a pixel: paint each pixel once per type.
      var seen = new Uint8Array(w * h), cw = w;
      ctx.globalAlpha = 0.8;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.lineWidth = 0.75;
      for (var t = 0; t < this._m.types.length; t++) { // one path per type: few colour switches
        if (!mask[t]) continue;
        ctx.fillStyle = this._m.colours[t];
        ctx.beginPath();
        if (t > 0) seen.fill(0);
        for (var i = range[0]; i < range[1]; i++) {
          if (type[i] !== t) continue;
          inWindow++;
          var x = mx[i] * scale - origin.x, y = my[i] * scale - origin.y;
          if (x < 0 || y < 0 || x >= w || y >= h) continue;
          drawn++;
          var cell = (y | 0) * cw + (x | 0);
          if (seen[cell]) continue;
          seen[cell] = 1;
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
        ctx.fill();
        ctx.stroke();
      }
      this.stats.drawn = drawn;
      this.stats.inWindow = inWindow;
      this._finishDraw(t0);
    },

    _finishDraw: function (t0) {
      this.stats.draws++;
      this.stats.drawMs = performance.now() - t0;
      var f = this._filter, grid = this._grid;
      this._setStatus([
        this._m.name + ": " + this.stats.inWindow.toLocaleString("en") + " of " + this._m.count.toLocaleString("en") + " events",
        (f.from !== null && f.from !== undefined ? dayText(f.from) : dayText(this._m.firstDay)) + " to " +
          (f.to !== null && f.to !== undefined ? dayText(f.to) : dayText(this._m.lastDay)) +
          (grid ? " · " + this.stats.drawn.toLocaleString("en") + " in view, as a density grid: zoom in for points"
            : " · click a dot for details"),
      ], true);
    },

    /* Count the events in view per grid cell; when there are more than gridMin, draw the cells (darker: more
       events, on a log scale) and keep the counts for clicks. Returns whether the grid was drawn. */
    _drawGrid: function (ctx, w, h, scale, origin, range, mask, topLeft) {
      var px = this.options.gridPx, gw = Math.ceil(w / px), gh = Math.ceil(h / px), counts = new Uint32Array(gw * gh);
      var mx = this._mx, my = this._my, type = this._type, inView = 0, inWindow = 0;
      for (var i = range[0]; i < range[1]; i++) {
        if (!mask[type[i]]) continue;
        inWindow++;
        var x = mx[i] * scale - origin.x, y = my[i] * scale - origin.y;
        if (x < 0 || y < 0 || x >= w || y >= h) continue;
        inView++;
        counts[((y / px) | 0) * gw + ((x / px) | 0)]++;
      }
      this._grid = null;
      if (inView <= this.options.gridMin) return false;
      var most = 1;
      for (var k = 0; k < counts.length; k++) if (counts[k] > most) most = counts[k];
      var logMost = Math.log(1 + most);
      for (var c = 0; c < counts.length; c++) {
        if (!counts[c]) continue;
        ctx.fillStyle = "rgba(136, 14, 79, " + (0.15 + 0.75 * Math.log(1 + counts[c]) / logMost).toFixed(3) + ")";
        ctx.fillRect((c % gw) * px, Math.floor(c / gw) * px, px - 1, px - 1);
      }
      var offset = this._map.layerPointToContainerPoint(topLeft);
      this._grid = { px: px, gw: gw, gh: gh, counts: counts, x: offset.x, y: offset.y };
      this.stats.drawn = inView;
      this.stats.inWindow = inWindow;
      this.stats.gridCells = counts.reduce(function (n, v) { return n + (v ? 1 : 0); }, 0);
      return true;
    },

    /* The events counted in the grid cell under a container point (0 without a grid). */
    gridCount: function (containerPoint) {
      var g = this._grid;
      if (!g) return 0;
      var cx = Math.floor((containerPoint.x - g.x) / g.px), cy = Math.floor((containerPoint.y - g.y) / g.px);
      return cx < 0 || cy < 0 || cx >= g.gw || cy >= g.gh ? 0 : g.counts[cy * g.gw + cx];
    },

    _setStatus: function (lines, legend) {
      var box = this._status && this._status.getContainer();
      if (!box) return;
      box.textContent = "";
      lines.forEach(function (line) { box.appendChild(el("div", line)); });
      if (legend) {
        var mask = this._typeMask(), m = this._m;
        m.types.forEach(function (name, t) {
          if (!mask[t]) return;
          var row = el("div", null, "mapapp-events-type");
          var dot = el("span");
          dot.style.cssText = "display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:4px;background:" + m.colours[t];
          row.appendChild(dot);
          row.appendChild(document.createTextNode(name));
          box.appendChild(row);
        });
      }
    },

    /* Events under a container point, nearest first, then newest first. */
    hitTest: function (containerPoint) {
      if (!this._ready || !this._map) return [];
      var map = this._map, scale = map.options.crs.scale(map.getZoom());
      var p = map.containerPointToLayerPoint(containerPoint).add(map.getPixelOrigin());
      var range = this._range(), mask = this._typeMask(), tol = HIT_PX, hits = [];
      for (var i = range[0]; i < range[1]; i++) {
        if (!mask[this._type[i]]) continue;
        var dx = this._mx[i] * scale - p.x, dy = this._my[i] * scale - p.y;
        if (dx > tol || dx < -tol || dy > tol || dy < -tol) continue;
        hits.push({ index: i, d: Math.round(Math.sqrt(dx * dx + dy * dy)), day: this._day[i] });
      }
      hits.sort(function (a, b) { return a.d - b.d || b.day - a.day || a.index - b.index; });
      return hits.map(function (h) { return h.index; });
    },

    /* Up to max indices of shown events inside the visible map, at least margin px from its edges. */
    inView: function (max, margin) {
      var out = [], size = this._map.getSize(), range = this._range(), mask = this._typeMask();
      margin = margin === undefined ? 40 : margin;
      for (var i = range[1] - 1; i >= range[0] && out.length < max; i--) {
        if (!mask[this._type[i]]) continue;
        var p = this.pointOf(i);
        if (p.x > margin && p.y > margin && p.x < size.x - margin && p.y < size.y - margin) out.push(i);
      }
      return out;
    },

    /* Container point of event i (tests and benchmarks click it). */
    pointOf: function (i) {
      return this._map.latLngToContainerPoint([this._lat[i], this._lon[i]]);
    },

    _onClick: function (e) {
      if (this._grid) { // a density grid: say how many, and how to see them
        var n = this.gridCount(e.containerPoint);
        if (n) {
          var box = el("div", n.toLocaleString("en") + (n === 1 ? " event" : " events") + " in this cell; zoom in to see them as points", "mapapp-event-count");
          L.popup({ maxWidth: 260 }).setLatLng(e.latlng).setContent(box).openOn(this._map);
        }
        return;
      }
      var hits = this.hitTest(e.containerPoint);
      if (!hits.length) return;
      var target = e.originalEvent && e.originalEvent.target;
      if (target && target.classList && target.classList.contains("leaflet-interactive")) {
        // A story feature took the click (its place is being selected). ACLED codes most events to a
        // town's point, so events often sit right under a place marker: offer them, fetch nothing yet.
        this.offerDetails(hits, e.latlng);
      } else {
        this.openDetails(hits, e.latlng);
      }
    },

    offerDetails: function (indices, latlng) {
      var self = this, box = el("div", null, "mapapp-event-offer");
      box.appendChild(el("div", indices.length.toLocaleString("en") + (indices.length === 1 ? " event" : " events") + " of the dataset at this point", "mapapp-event-count"));
      var button = el("button", "Show event details", "mapapp-event-show");
      button.type = "button";
      L.DomEvent.on(button, "click", function (ev) { L.DomEvent.stop(ev); self.openDetails(indices, latlng); });
      box.appendChild(button);
      L.DomEvent.disableClickPropagation(box);
      L.popup({ maxWidth: 300, autoPanPadding: [20, 20] }).setLatLng(latlng).setContent(box).openOn(this._map);
    },

    _chunk: function (k) {
      if (!this._chunks[k]) {
        var url = this._m.details + ("000" + k).slice(-4) + ".json";
        this._chunks[k] = fetch(url).then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
          return r.json();
        });
      }
      return this._chunks[k];
    },

    _record: function (i) {
      var m = this._m, k = Math.floor(i / m.chunk);
      return this._chunk(k).then(function (rows) {
        var row = rows[i - k * m.chunk], rec = {};
        m.fields.forEach(function (f, j) { rec[f] = row[j]; });
        return rec;
      });
    },

    openDetails: function (indices, latlng) {
      var self = this, shown = indices.slice(0, POPUP_MAX);
      var box = el("div", null, "mapapp-event-details");
      box.appendChild(el("div", indices.length === 1 ? "1 event here" : indices.length.toLocaleString("en") + " events here" +
        (indices.length > shown.length ? " (newest " + shown.length + " shown)" : ""), "mapapp-event-count"));
      var body = el("div", "Loading details…");
      box.appendChild(body);
      var popup = L.popup({ minWidth: 280, maxWidth: 380, maxHeight: 300, autoPanPadding: [20, 20] }).setLatLng(latlng || [this._lat[shown[0]], this._lon[shown[0]]]).setContent(box);
      popup.openOn(this._map);
      return Promise.all(shown.map(function (i) { return self._record(i); })).then(function (records) {
        body.textContent = "";
        records.forEach(function (rec) { body.appendChild(self._describe(rec)); });
        popup.update(); // sized and panned for the details, not for "Loading details…"
        if (self._map) self._map.fire("mapapp:popupresized");
        return records;
      }).catch(function (err) { body.textContent = "Could not load details: " + err; });
    },

    _describe: function (rec) {
      var m = this._m, dl = el("dl", null, "mapapp-event");
      function add(label, value) {
        if (value === undefined || value === null || value === "") return;
        dl.appendChild(el("dt", label));
        dl.appendChild(el("dd", value));
      }
      // UCDP GED rows carry UCDP's own codes (mapapp/events/ucdp.py): shown as UCDP gives them, not as ACLED's.
      var ranged = rec.date_end && rec.date_end !== rec.event_date;
      add("Date", ranged ? rec.event_date + " to " + rec.date_end + " (UCDP gives a range; drawn on its first day)"
        : rec.event_date + (rec.time_precision && m.timePrecision[rec.time_precision] ? " (" + m.timePrecision[rec.time_precision] + ")" : ""));
      if (rec.date_prec) add("Date code", "UCDP date_prec " + rec.date_prec);
      add("Type", rec.event_type + (rec.sub_event_type ? " — " + rec.sub_event_type : ""));
      add("Conflict", rec.conflict_name);
      add("Actors", [rec.actor1, rec.actor2].filter(Boolean).join("; "));
      add("Location", [rec.location, rec.admin3, rec.admin2, rec.admin1, rec.country].filter(Boolean).join(", "));
      add("Position", rec.latitude + ", " + rec.longitude + (rec.where_prec ? " (UCDP where_prec " + rec.where_prec + ")"
        : m.geoPrecision[rec.geo_precision] ? " (" + m.geoPrecision[rec.geo_precision] + ")" : ""));
      add("Fatalities", rec.fatalities + (rec.low || rec.high ? " (UCDP best; low " + rec.low + ", high " + rec.high + ")" : ""));
      add("Source", rec.source);
      add("Notes", rec.notes);
      add("Event id", rec.event_id_cnty + " · row " + rec.row + " of " + m.name);
      return dl;
    },
  });

  L.mapappEvents = function (manifest, options) { return new L.MapappEvents(manifest, options); };
})();
