/*
 * The published site's renderer (mapapp/publish.py): the place panel, the reader, the walk, the date,
 * the layer toggles and the permalink, drawn from the view model (mapapp/viewmodel.py: site_view, in
 * window.MAPAPP_SITE). The map itself is story-layers.js, as in the app.
 *
 * Nothing is decided here that Python decides for the app: statuses, texts and highlighted mentions are
 * in the view model; this script looks up the interval that holds the chosen day. Every string from the
 * data goes into the page with textContent (never innerHTML), so no data can run as script.
 *
 * Permalinks are the app's: ?place=ID&layers=a,b&date=YYYY-MM-DD&passage=pNN&step=pNN
 */
(function () {
  "use strict";
  var V = window.MAPAPP_SITE;
  // Look-ups by an id from the address bar: no prototype, so ?place=constructor or __proto__ finds nothing.
  function lookup(obj) { var d = Object.create(null); Object.keys(obj || {}).forEach(function (k) { d[k] = obj[k]; }); return d; }
  var places = lookup(V.places);
  var story = window.mapappStory;
  var map = story.map;
  if (story.formats && story.formats.view !== undefined && V.format !== story.formats.view) { // mapapp/contract.py
    document.getElementById("site-description").textContent =
      "This page's text is of format " + V.format + " and its scripts read " + story.formats.view + ": reload the page.";
    return;
  }
  window.map = map; // as in the app's map frame (the tests and the snapshot ask it)
  var SELECTED_ZOOM = 12;
  var STEP_MAX_ZOOM = 11;
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function toDay(iso) { var p = iso.split("-"); return Math.round(Date.UTC(+p[0], +p[1] - 1, +p[2]) / 86400000); }
  function toIso(day) { return new Date(day * 86400000).toISOString().slice(0, 10); }
  function dayText(iso) { var d = new Date(toDay(iso) * 86400000); return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear(); }
  function validIso(s) { return typeof s === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(toDay(s)); }
  function clampIso(s) { return s < V.timeline.start ? V.timeline.start : s > V.timeline.end ? V.timeline.end : s; }
  function intervalOn(list, iso) {
    for (var i = 0; i < (list || []).length; i++) if (list[i].from <= iso && iso <= list[i].to) return list[i];
    return null;
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function safeUrl(url) { return typeof url === "string" && /^https?:\/\/[^\s<>"]+$/.test(url) ? url : null; }

  var passages = Object.create(null);
  V.passages.forEach(function (p) { passages[p.id] = p; });
  var layerIds = V.layers.map(function (l) { return l.id; });
  if (window.mapappEvents) layerIds.push("events");

  // --- state, from the permalink --------------------------------------------------------------
  var q = new URLSearchParams(window.location.search);
  // A print page of a paper size (snapshot --paper): the window is the page, the map fills what the text leaves.
  var PAPERS = ["a4", "a4-landscape", "letter", "letter-landscape"];
  var paper = PAPERS.indexOf(q.get("paper")) >= 0 ? q.get("paper") : null;
  var state = {
    day: validIso(q.get("date")) ? clampIso(q.get("date")) : V.events_date,
    place: places[q.get("place")] ? q.get("place") : null,
    passage: passages[q.get("passage")] ? q.get("passage") : null,
    step: null,
    layers: q.get("layers") !== null ? q.get("layers").split(",").filter(function (id) { return layerIds.indexOf(id) >= 0; }) : layerIds.slice(),
    tab: "place",
    compare: validIso(q.get("compare")) ? clampIso(q.get("compare")) : null,
  };
  var stepIndex = V.walk.map(function (s) { return s.passage; }).indexOf(q.get("step"));
  if (stepIndex >= 0) state.step = stepIndex;
  if (state.passage && !state.place) state.tab = "article";

  function writeUrl() {
    var p = new URLSearchParams();
    if (state.place) p.set("place", state.place);
    p.set("layers", state.layers.join(","));
    p.set("date", state.day);
    if (state.passage) p.set("passage", state.passage);
    if (state.step !== null) p.set("step", V.walk[state.step].passage);
    if (state.compare) p.set("compare", state.compare);
    if (q.get("print")) p.set("print", q.get("print"));
    if (paper) p.set("paper", paper);
    window.history.replaceState(null, "", "?" + p.toString());
  }

  // --- the map ------------------------------------------------------------------------------------
  function focusIds() {
    if (state.step !== null) return V.walk[state.step].places;
    if (state.passage) return passages[state.passage].places;
    return [];
  }
  function applyMap() {
    var mapState = { day: toDay(state.day), selected: state.place, focus: focusIds(), lang: "en", dim: state.step !== null };
    if (state.compare && state.compare !== state.day) mapState.compare = toDay(state.compare); // the swipe, as in the app
    story.setState(mapState);
    if (window.mapappEvents) window.mapappEvents.setFilter({ from: toDay(state.day) - 29, to: toDay(state.day), types: null });
  }
  function boundsOf(ids) {
    var b = null;
    ids.forEach(function (id) {
      var f = story.features[id];
      if (!f || !f.layer) return;
      var lb = f.layer.getBounds ? f.layer.getBounds() : L.latLngBounds([f.layer.getLatLng()]);
      // An approximate point counts with its circle: the view never zooms closer than the position is known.
      if (f.circle) lb = L.latLngBounds(lb.getSouthWest(), lb.getNorthEast()).extend(f.circle.getLatLng().toBounds(2 * f.circle.getRadius()));
      b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
    });
    return b;
  }
  function moveTo(ids, still, maxZoom) {
    var b = boundsOf(ids), most = maxZoom || SELECTED_ZOOM;
    if (!b) return;
    var how = { animate: !still }; // the first view is set without animation: it is there when the page is
    if (ids.length === 1 && b.getSouthWest().equals(b.getNorthEast())) map.setView(b.getCenter(), most, how);
    else map.fitBounds(b, L.extend({ padding: [40, 40], maxZoom: most }, how));
    var box = map.getContainer().getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) map.getContainer().scrollIntoView({ block: "start" });
  }
  function showLayers() {
    Object.keys(story.groups).forEach(function (id) {
      var on = state.layers.indexOf(id) >= 0, group = story.groups[id];
      if (on && !map.hasLayer(group)) map.addLayer(group);
      if (!on && map.hasLayer(group)) map.removeLayer(group);
    });
    if (window.mapappEvents) {
      var on = state.layers.indexOf("events") >= 0;
      if (on && !map.hasLayer(window.mapappEvents)) map.addLayer(window.mapappEvents);
      if (!on && map.hasLayer(window.mapappEvents)) map.removeLayer(window.mapappEvents);
    }
  }

  // --- the panel ----------------------------------------------------------------------------------
  function passageBlock(p, markId, every) {
    var wrap = el("div", null, "site-passage");
    var meta = el("small", p.id + " · speaker: " + (p.speakers.join(", ") || "unattributed"));
    wrap.appendChild(meta);
    var para = el("p", null, "passage");
    para.setAttribute("data-passage", p.id);
    p.segments.forEach(function (seg) {
      var marked = every ? seg[1].length > 0 : seg[1].indexOf(markId) >= 0;
      para.appendChild(marked ? el("mark", seg[0]) : document.createTextNode(seg[0]));
    });
    wrap.appendChild(para);
    if (p.dates.length) {
      wrap.appendChild(el("small", "Dates: " + p.dates.map(function (d) {
        return "“" + d.phrase + "” = " + dateText(d.date) + (d.date_to ? " to " + dateText(d.date_to) : "");
      }).join("; "), "site-dates"));
    }
    return wrap;
  }
  function sourcesList(sources) {
    var ul = el("ul", null, "site-sources");
    sources.forEach(function (s) {
      var li = el("li", "Source [" + s.leaning + "]: " + s.title);
      var url = safeUrl(s.url);
      if (url) { li.appendChild(document.createTextNode(" (")); var a = el("a", "link"); a.href = url; a.rel = "noopener"; li.appendChild(a); li.appendChild(document.createTextNode(")")); }
      ul.appendChild(li);
    });
    return ul;
  }
  function dateText(value) { return validIso(value) ? dayText(value) : String(value || ""); }
  function sourceNote(text) { return text ? " (" + text + ")" : ""; }
  function renderPlace() {
    var box = document.getElementById("site-place");
    box.replaceChildren();
    if (!state.place) { box.appendChild(el("p", "Click a place on the map, or a passage in the Article tab.", "site-hint")); return; }
    var v = places[state.place];
    box.appendChild(el("h2", v.name));
    if (v.draft) box.appendChild(el("p", "Draft, not yet reviewed: " + v.draft, "site-warning"));
    // Who holds it first (a reader's question), then what the place is and where its position comes from.
    renderStatus(box, v);
    var facts = el("ul", null, "site-facts");
    v.facts.forEach(function (f) { var li = el("li"); li.appendChild(el("b", f[0] + ": ")); li.appendChild(document.createTextNode(f[1])); facts.appendChild(li); });
    box.appendChild(facts);
    box.appendChild(sourcesList(v.sources));
    box.appendChild(el("h3", "Passages (" + v.passages.length + ")"));
    v.passages.forEach(function (pid) { box.appendChild(passageBlock(passages[pid], state.place, false)); });
  }
  function renderStatus(box, v) {
    if (v.panel === "control-history") {
      var s = intervalOn(v.status, state.day);
      if (!s) { box.appendChild(el("p", "No dated control claim for this place in the dataset.", "site-hint site-status")); return; }
      var p = el("p", null, "site-status");
      p.appendChild(el("b", "As of " + dayText(state.day) + ": "));
      p.appendChild(el("b", s.phrase, "site-holder"));
      if (s.since) p.appendChild(document.createTextNode(" since " + dayText(s.since)));
      box.appendChild(p);
      if (s.disputed) {
        box.appendChild(el("p", s.note, "site-warning"));
        s.claims.forEach(function (c) { box.appendChild(el("p", dateText(c.date) + ": " + c.text + sourceNote(c.source_text), "site-claim")); });
      }
      box.appendChild(el("h3", "Control history"));
      v.history.forEach(function (c) {
        box.appendChild(el("p", dayText(c.date) + " (" + c.precision + "): " + c.name + ": " + c.before + " → " + c.after));
        c.claims.forEach(function (k) { box.appendChild(el("p", dateText(k.date) + " " + k.text + sourceNote(k.source_text), "site-claim")); });
        box.appendChild(sourcesList(c.sources));
      });
    } else if (v.panel === "states") {
      var st = intervalOn(v.status, state.day);
      var sp = el("p", null, "site-status");
      sp.appendChild(el("b", "As of " + dayText(state.day) + ": "));
      sp.appendChild(document.createTextNode(st ? st.words : "no dated state"));
      box.appendChild(sp);
      v.states.forEach(function (e) {
        box.appendChild(el("p", dateText(e.date) + ": " + e.words + ". " + e.note));
        e.claims.forEach(function (c) { box.appendChild(el("p", "other account: " + dateText(c.date) + " " + c.text + sourceNote(c.source_text), "site-claim")); });
      });
    } else if (v.panel === "dated") {
      box.appendChild(el("p", "Date: " + dateText(v.dated.date) + (v.dated.date_to ? " to " + dateText(v.dated.date_to) : ""), "site-status"));
      v.dated.claims.forEach(function (c) { box.appendChild(el("p", c.text + sourceNote(c.source), "site-claim")); });
    }
  }
  function renderArticle() {
    var box = document.getElementById("site-article");
    box.replaceChildren();
    box.appendChild(el("p", V.headline, "site-headline"));
    box.appendChild(el("small", V.outlet + " · events " + dateText(V.events_date) + " · published " + dateText(V.published)));
    V.passages.forEach(function (p) {
      box.appendChild(passageBlock(p, null, false));
      var b = el("button", "Show its places on the map", p.id === state.passage ? "site-current" : "");
      b.type = "button";
      b.addEventListener("click", function () { selectPassage(p.id); });
      box.appendChild(b);
      if (p.id === state.passage) {
        var names = p.places.map(function (id) { return places[id] ? places[id].name : id; });
        box.appendChild(el("p", "Places in this passage: " + (names.join(", ") || "none"), "site-found"));
      }
    });
  }
  // On a phone the walk's panel is under the map: the step's words are also a caption on the map.
  var caption = L.control({ position: "topleft" });
  caption.onAdd = function () { var c = L.DomUtil.create("div", "site-step-caption"); c.setAttribute("aria-hidden", "true"); return c; };
  caption.addTo(map);
  function renderCaption() {
    var c = caption.getContainer();
    c.hidden = state.step === null;
    if (state.step === null) { c.textContent = ""; return; }
    var s = V.walk[state.step], text = passages[s.passage].segments.map(function (seg) { return seg[0]; }).join("");
    c.textContent = (state.step + 1) + "/" + V.walk.length + " · " + (text.length > 140 ? text.slice(0, 140).replace(/\s+\S*$/, "") + "…" : text);
  }
  function renderWalk() {
    var box = document.getElementById("site-walk-panel");
    box.replaceChildren();
    box.hidden = state.step === null;
    renderCaption();
    if (state.step === null) return;
    var s = V.walk[state.step];
    box.appendChild(el("p", "Step " + (state.step + 1) + " / " + V.walk.length + (s.day ? " · " + dayText(s.day) : ""), "site-step"));
    box.appendChild(passageBlock(passages[s.passage], null, true));
    [["Back", -1], ["Next", 1]].forEach(function (b) {
      var button = el("button", b[0]); button.type = "button";
      button.disabled = (b[1] < 0 && state.step === 0) || (b[1] > 0 && state.step === V.walk.length - 1);
      button.addEventListener("click", function () { walkBy(b[1]); });
      box.appendChild(button);
    });
    var leave = el("button", "Leave the walk"); leave.type = "button";
    leave.addEventListener("click", leaveWalk);
    box.appendChild(leave);
  }
  function renderDescription() {
    var d = intervalOn(V.descriptions, state.day);
    var text = "As of " + dayText(state.day) + ": " + (d ? d.text : "");
    if (state.place) text = text.replace(/\.$/, "") + "; selected: " + places[state.place].name + ".";
    if (state.step !== null) text = "Story step " + (state.step + 1) + " of " + V.walk.length + ". " + text;
    document.getElementById("site-description").textContent = text;
  }
  function featuresInView() { return story.featuresInView(); }
  function legendInView() { story.legendDoc = document; story.legendInView(); }
  function siteOf(url) { return url ? url.replace(/^https?:\/\/(www\.)?/, "").split("/")[0] : ""; }
  function renderPrintSources() {
    // The print layout (snapshots) names the sources of what the map shows on its day.
    var box = document.getElementById("site-print-sources");
    if (!box || !q.get("print")) return;
    box.replaceChildren();
    var seen = Object.create(null), rows = [];
    featuresInView().forEach(function (id) {
      var v = places[id];
      if (!v) return;
      var sources = v.sources.slice();
      (v.history || []).forEach(function (c) { sources = sources.concat(c.sources); });
      sources.forEach(function (src) { if (!seen[src.key]) { seen[src.key] = true; rows.push(src); } });
    });
    window.mapappPrintSources = rows; // the PDF's last page lists them in full
    if (paper) {
      // A newspaper's credit line: the outlets of what the map shows (titles and addresses on the last page).
      var outlets = [];
      rows.forEach(function (src) {
        var name = src.publisher || siteOf(safeUrl(src.url)) || src.title;
        if (outlets.indexOf(name) < 0) outlets.push(name);
      });
      box.appendChild(el("p", "Sources: " + (outlets.length ? outlets.join("; ") : "none for what is in view") + "."));
      // The map takes what the text leaves, in pixels: printing lays the page out again, where a flexible
      // height would not hold (the window is the paper, so the sizes are the printed ones).
      var frame = document.querySelector(".site-map");
      frame.style.flex = "";
      frame.style.height = "";
      var height = frame.getBoundingClientRect().height;
      frame.style.flex = "none";
      frame.style.height = height + "px";
      map.invalidateSize({ animate: false });
    } else {
      box.appendChild(el("h3", "Sources (" + rows.length + "):"));
      var ul = el("ul");
      // A credit line per source, as a newspaper prints it: the title and the site's name, not a long address.
      rows.forEach(function (src) {
        var site = siteOf(safeUrl(src.url));
        ul.appendChild(el("li", src.title + (site ? " (" + site + ")" : "") + " [" + src.leaning + "]"));
      });
      box.appendChild(ul);
    }
    box.hidden = false;
  }
  var TABS = ["place", "article", "timeline"];
  function renderTabs() {
    TABS.forEach(function (tab) {
      document.getElementById("site-" + tab).hidden = state.tab !== tab;
      document.getElementById("tab-" + tab).setAttribute("aria-selected", String(state.tab === tab));
    });
  }
  // --- the timeline: every dated event (the app's Timeline tab, from the same view model) ---------------------
  function renderTimeline() {
    var box = document.getElementById("site-timeline");
    if (state.tab !== "timeline") return;
    box.replaceChildren(el("p", "Every dated event; click one to move the map to that day and place.", "site-hint"));
    var list = el("ul", null, "site-timeline");
    V.timeline_events.forEach(function (event) {
      var item = el("li"), button = el("button");
      button.type = "button";
      var current = event.day === state.day;
      if (current) { button.className = "site-current"; button.setAttribute("aria-current", "date"); }
      button.appendChild(el("small", (current ? "▶ " : "") + dayText(event.date) + " · " + event.kind));
      button.appendChild(document.createTextNode(" " + event.title));
      button.addEventListener("click", function () {
        state.day = event.day;
        if (event.places.length) { state.place = places[event.places[0]] ? event.places[0] : state.place; moveTo(event.places); }
        render();
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  // --- two dates compared: who held what on each, from the places' status intervals (the app's list) ----------
  function holderOn(v, iso) { var s = intervalOn(v.status, iso); return s ? s.label : null; }
  function renderChanges() {
    var box = document.getElementById("site-changes");
    document.getElementById("site-compare-off").hidden = !state.compare;
    document.getElementById("site-compare-text").textContent = state.compare ? dayText(state.compare) : "";
    box.replaceChildren();
    box.hidden = !state.compare || state.compare === state.day;
    if (box.hidden) return;
    var first = state.compare < state.day ? state.compare : state.day, second = first === state.compare ? state.day : state.compare;
    var rows = [];
    Object.keys(places).forEach(function (id) {
      var v = places[id];
      if (!v.status || !v.status.length) return;
      var a = holderOn(v, first), b = holderOn(v, second);
      if (a && b && a !== b) rows.push({ id: id, text: v.name + ": " + a + " → " + b });
    });
    rows.sort(function (x, y) { return x.text < y.text ? -1 : 1; });
    box.appendChild(el("h2", "What changed from " + dayText(first) + " to " + dayText(second) + " (" + rows.length + ")"));
    var ul = el("ul");
    rows.forEach(function (r) {
      var li = el("li"), b = el("button", r.text);
      b.type = "button";
      b.addEventListener("click", function () { selectPlace(r.id, true); });
      li.appendChild(b); ul.appendChild(li);
    });
    if (!rows.length) ul.appendChild(el("li", "No place in this story changed hands between the two dates."));
    box.appendChild(ul);
  }

  function render() {
    document.getElementById("site-date").value = state.day;
    // Dates in one format, the map's ("5 Mar 2021"), whatever the browser's locale writes in the date box.
    document.getElementById("site-date-text").textContent = dayText(state.day);
    document.getElementById("site-compare").value = state.compare || "";
    renderChanges();
    applyMap();
    renderPlace();
    renderArticle();
    renderWalk();
    renderDescription();
    renderTabs();
    renderTimeline();
    renderPrintSources();
    legendInView();
    writeUrl();
  }

  // --- the locator: where the picture is, in its region (print pages) ---------------------------------------
  function addLocator() {
    var outlines = window.mapappOutlines && window.mapappOutlines.country;
    if (!outlines) return;
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () { var box = L.DomUtil.create("div", "site-locator"); box.setAttribute("aria-hidden", "true"); return box; };
    control.addTo(map);
    var inset = L.map(control.getContainer(), {
      zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false,
      boxZoom: false, keyboard: false, touchZoom: false, zoomSnap: 0, fadeAnimation: false, zoomAnimation: false,
    });
    inset.setView(map.getCenter(), Math.max(map.getZoom() - 4, 2), { animate: false }); // a view before any layer
    var frame = null;
    function follow() {
      if (!frame) return;
      frame.setBounds(map.getBounds());
      inset.setView(map.getCenter(), Math.max(map.getZoom() - 4, 2), { animate: false });
    }
    window.mapappPending = (window.mapappPending || 0) + 1; // a snapshot waits for the inset too
    outlines.then(function (data) {
      L.geoJSON(data, { style: { color: "#8a8a8a", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 }, interactive: false }).addTo(inset);
      frame = L.rectangle(map.getBounds(), { color: "#c62828", weight: 2, fill: false, interactive: false }).addTo(inset);
      follow();
      map.on("moveend", follow);
    }).catch(function (err) {
      window.mapappErrors = window.mapappErrors || [];
      window.mapappErrors.push("locator: " + err);
    }).then(function () { window.mapappPending -= 1; });
  }

  // On a phone the panel is under the map: a tap on a place brings who holds it into view.
  function statusIntoView() {
    if (!window.matchMedia("(max-width: 640px)").matches) return;
    var status = document.querySelector("#site-place .site-status") || document.getElementById("site-place");
    status.scrollIntoView({ block: "center" });
  }

  // --- actions --------------------------------------------------------------------------------------
  function selectPlace(id, move) {
    state.place = id; state.tab = "place";
    if (move) moveTo([id]);
    render();
  }
  function selectPassage(pid) {
    state.passage = pid; state.tab = "article";
    var ids = passages[pid].places;
    if (ids.length) moveTo(ids);
    render();
  }
  function goStep(i, still) {
    state.step = i;
    var s = V.walk[i];
    if (s.day) state.day = clampIso(s.day);
    state.passage = s.passage;
    if (s.places.length) moveTo(s.places, still, STEP_MAX_ZOOM); // a step keeps its surroundings in view
    render();
  }
  function walkBy(delta) { goStep(Math.min(Math.max((state.step || 0) + delta, 0), V.walk.length - 1)); }
  function leaveWalk() { state.step = null; render(); }

  // --- controls -----------------------------------------------------------------------------------
  var dateInput = document.getElementById("site-date");
  dateInput.min = V.timeline.start; dateInput.max = V.timeline.end;
  dateInput.addEventListener("change", function () { if (validIso(dateInput.value)) { state.day = clampIso(dateInput.value); render(); } });
  var compareInput = document.getElementById("site-compare");
  compareInput.min = V.timeline.start; compareInput.max = V.timeline.end;
  compareInput.addEventListener("change", function () { state.compare = validIso(compareInput.value) ? clampIso(compareInput.value) : null; render(); });
  document.getElementById("site-compare-off").addEventListener("click", function () { state.compare = null; render(); });
  document.getElementById("site-walk").addEventListener("click", function () { goStep(state.step === null ? 0 : state.step); });
  TABS.forEach(function (tab) {
    document.getElementById("tab-" + tab).addEventListener("click", function () { state.tab = tab; renderTabs(); renderTimeline(); });
  });
  // During the walk, ← → and Esc step and leave it, also after a click on the map. Only a map reached with the
  // keyboard (Tab) keeps its arrow keys for panning (Leaflet's keyboard navigation). Capture phase: before Leaflet.
  var mapByPointer = false;
  map.getContainer().addEventListener("pointerdown", function () { mapByPointer = true; });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Tab") mapByPointer = false;
    if (state.step === null || /INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) return;
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft" && e.key !== "Escape") return;
    if (map.getContainer().contains(e.target) && !mapByPointer && e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    if (e.key === "ArrowRight") walkBy(1);
    else if (e.key === "ArrowLeft") walkBy(-1);
    else leaveWalk();
  }, true);
  var toggles = document.getElementById("site-toggles");
  V.layers.concat(window.mapappEvents ? [{ id: "events", short: "Events" }] : []).forEach(function (l) {
    var label = el("label"), box = el("input");
    box.type = "checkbox"; box.checked = state.layers.indexOf(l.id) >= 0; box.setAttribute("data-layer", l.id);
    box.addEventListener("change", function () {
      state.layers = layerIds.filter(function (id) { var b = toggles.querySelector('[data-layer="' + id + '"]'); return b && b.checked; });
      showLayers(); story.layoutLabels(); writeUrl();
    });
    label.appendChild(box); label.appendChild(document.createTextNode(" " + l.short));
    toggles.appendChild(label);
  });
  Object.keys(story.features).forEach(function (id) {
    if (places[id]) story.features[id].layer.on("click", function () { selectPlace(id, false); statusIntoView(); });
  });
  // The playback bar reports the day it stopped on (as it tells the app): the panel follows.
  window.mapappReport = function (text) {
    if (typeof text === "string" && text.indexOf("day:") === 0) { state.day = clampIso(toIso(Number(text.slice(4)))); render(); }
  };

  if (q.get("print") || paper) document.documentElement.classList.add("site-print");
  if (paper) document.documentElement.classList.add("site-paper", /landscape/.test(paper) ? "site-paper-landscape" : "site-paper-portrait");
  if (q.get("share")) document.documentElement.classList.add("site-share");
  // The print and share layouts resize the map's box: Leaflet must know before anything is drawn in it, or the
  // picture shows the map drawn for the old size with empty strips beside it.
  map.invalidateSize({ animate: false });
  if (q.get("print") || paper) addLocator();
  map.on("moveend", legendInView);
  showLayers();
  if (state.step !== null) goStep(state.step, true);
  else {
    if (state.place) moveTo([state.place], true);
    else if (state.passage) moveTo(passages[state.passage].places, true);
    render();
  }
  // Embedded in an article's page (embed.html): tell it this page's height, so the frame needs no scroll bar.
  if (window.parent !== window) {
    var lastHeight = 0;
    var tellHeight = function () {
      var h = document.documentElement.scrollHeight;
      if (h !== lastHeight) { lastHeight = h; window.parent.postMessage({ mapappHeight: h }, "*"); }
    };
    new ResizeObserver(tellHeight).observe(document.body);
    tellHeight();
  }
  window.mapappSite = { state: state, ready: true, printCredits: renderPrintSources, select: selectPlace, passage: selectPassage, render: render };
})();
