/*
 * The map as one SVG document (`python -m mapapp snapshot --out FILE.svg`), for editors who finish graphics in
 * Illustrator or Inkscape: the map's own SVG layers as drawn (countries, rivers, roads, areas, markers, leader
 * lines), the relief as an embedded image, then every label, callout, road shield, the date box, the scale bar and
 * the locator, at the positions the page laid them out. Text stays text (editable, searchable).
 *
 * Built with DOM calls and serialized by XMLSerializer: the story's words are text nodes, never markup.
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var TEXT_BOXES = ".mapapp-label, .mapapp-area, .mapapp-shield, .mapapp-callout, .mapapp-date, .leaflet-control-scale-line";

  function visible(el) {
    if (!el.getClientRects().length) return false;
    var s = getComputedStyle(el);
    return s.visibility !== "hidden" && s.display !== "none";
  }
  function opacity(el, stop) {
    var o = 1;
    for (var e = el; e && e !== stop; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  }
  function paneZ(el) {
    for (var e = el; e; e = e.parentElement) if (e.classList.contains("leaflet-pane") && e.parentElement.classList.contains("leaflet-map-pane")) return Number(getComputedStyle(e).zIndex) || 0;
    return 0;
  }
  function transparent(colour) { return !colour || colour === "transparent" || /rgba\(.*,\s*0\)$/.test(colour); }

  window.mapappSvg = function (map) {
    var container = map.getContainer(), origin = container.getBoundingClientRect();
    var doc = document.implementation.createDocument(NS, "svg", null), root = doc.documentElement;
    function node(tag, attrs, parent) {
      var n = doc.createElementNS(NS, tag);
      Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
      (parent || root).appendChild(n);
      return n;
    }
    function at(r) { return { x: +(r.left - origin.left).toFixed(2), y: +(r.top - origin.top).toFixed(2), w: +r.width.toFixed(2), h: +r.height.toFixed(2) }; }
    var W = Math.round(origin.width), H = Math.round(origin.height);
    root.setAttribute("width", W);
    root.setAttribute("height", H);
    root.setAttribute("viewBox", "0 0 " + W + " " + H);
    node("title", {}).textContent = document.title;
    node("rect", { x: 0, y: 0, width: W, height: H, fill: getComputedStyle(container).backgroundColor });

    function drawSvg(el, parent) {
      // A Leaflet renderer's <svg>, placed where it is on the page; its map's frame clips it (as the page does).
      var frame = el.closest(".leaflet-container"), f = at(frame.getBoundingClientRect());
      var clip = node("svg", { x: f.x, y: f.y, width: f.w, height: f.h, overflow: "hidden" }, parent);
      var r = el.getBoundingClientRect(), copy = doc.importNode(el, true);
      copy.removeAttribute("style");
      copy.removeAttribute("class");
      copy.setAttribute("x", +(r.left - f.x - origin.left).toFixed(2));
      copy.setAttribute("y", +(r.top - f.y - origin.top).toFixed(2));
      copy.setAttribute("overflow", "visible");
      // An <svg> of no size draws nothing in SVG (the page's overlays of no size still show what overflows them).
      if (!(Number(copy.getAttribute("width")) > 0)) copy.setAttribute("width", Math.max(r.width, f.w));
      if (!(Number(copy.getAttribute("height")) > 0)) copy.setAttribute("height", Math.max(r.height, f.h));
      // Styles set by the page's CSS (leader lines) become attributes: the file has no stylesheet.
      var shapes = el.querySelectorAll("path, line, circle, rect, polygon, polyline"), copies = copy.querySelectorAll("path, line, circle, rect, polygon, polyline");
      for (var i = 0; i < shapes.length; i++) {
        var cs = getComputedStyle(shapes[i]);
        ["fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity", "fill-opacity", "stroke-linecap", "stroke-linejoin"].forEach(function (name) {
          var value = cs.getPropertyValue(name);
          if (value && value !== "none" || name === "fill" || name === "stroke") copies[i].setAttribute(name, value);
        });
        copies[i].removeAttribute("class");
      }
      clip.appendChild(copy);
    }
    function drawImage(img, parent) {
      var r = at(img.getBoundingClientRect()), canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      canvas.getContext("2d").drawImage(img, 0, 0);
      var frame = at(img.closest(".leaflet-container").getBoundingClientRect());
      var clip = node("svg", { x: frame.x, y: frame.y, width: frame.w, height: frame.h, overflow: "hidden" }, parent);
      node("image", {
        x: r.x - frame.x, y: r.y - frame.y, width: r.w, height: r.h, preserveAspectRatio: "none",
        opacity: opacity(img, container).toFixed(2), href: canvas.toDataURL("image/png"),
      }, clip);
    }
    function drawBox(el, parent) {
      var s = getComputedStyle(el), r = at(el.getBoundingClientRect()), g = node("g", { opacity: opacity(el, container).toFixed(2) }, parent);
      if (!transparent(s.backgroundColor)) {
        node("rect", { x: r.x, y: r.y, width: r.w, height: r.h, rx: parseFloat(s.borderTopLeftRadius) || 0, fill: s.backgroundColor }, g);
      }
      [["Top", r.x, r.y, r.x + r.w, r.y], ["Bottom", r.x, r.y + r.h, r.x + r.w, r.y + r.h],
        ["Left", r.x, r.y, r.x, r.y + r.h], ["Right", r.x + r.w, r.y, r.x + r.w, r.y + r.h]].forEach(function (side) {
        var width = parseFloat(s["border" + side[0] + "Width"]);
        if (width > 0 && s["border" + side[0] + "Style"] !== "none") {
          node("line", { x1: side[1], y1: side[2], x2: side[3], y2: side[4], stroke: s["border" + side[0] + "Color"], "stroke-width": width }, g);
        }
      });
      var size = parseFloat(s.fontSize), halo = /rgb\(255, 255, 255\)/.test(s.textShadow);
      var upper = s.textTransform === "uppercase";
      lines(el).forEach(function (line) {
        var t = node("text", {
          x: line.left, y: +(line.bottom - size * 0.22).toFixed(2), fill: s.color, "font-family": s.fontFamily,
          "font-size": size, "font-weight": s.fontWeight,
        }, g);
        if (s.letterSpacing !== "normal") t.setAttribute("letter-spacing", parseFloat(s.letterSpacing));
        if (halo) { t.setAttribute("stroke", "#ffffff"); t.setAttribute("stroke-width", 3); t.setAttribute("stroke-linejoin", "round"); t.setAttribute("paint-order", "stroke"); }
        t.textContent = upper ? line.text.toUpperCase() : line.text;
      });
    }
    function lines(el) {
      // The text as the page wrapped it: words grouped by the line box they sit on.
      var out = [], walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), text = walker.nextNode();
      for (; text; text = walker.nextNode()) {
        var word = /\S+/g, m = word.exec(text.data);
        for (; m; m = word.exec(text.data)) {
          var range = document.createRange();
          range.setStart(text, m.index);
          range.setEnd(text, m.index + m[0].length);
          var r = range.getBoundingClientRect(), last = out[out.length - 1];
          if (last && Math.abs(last.top - r.top) < 2) last.text += " " + m[0];
          else out.push({ top: r.top, bottom: r.bottom - origin.top, left: +(r.left - origin.left).toFixed(2), text: m[0] });
        }
      }
      return out;
    }
    function draw(el, parent) {
      if (el.matches(TEXT_BOXES)) drawBox(el, parent);
      else if (el.tagName.toLowerCase() === "img") drawImage(el, parent);
      else drawSvg(el, parent);
    }

    // The map's panes bottom to top (by their z-index; page order within a pane), then its controls.
    var panes = node("g", { id: "map" }), controls = node("g", { id: "furniture" });
    var drawn = [].slice.call(container.querySelectorAll(".leaflet-map-pane svg, .leaflet-map-pane img.leaflet-image-layer, .leaflet-map-pane " + TEXT_BOXES.split(", ").join(", .leaflet-map-pane ")));
    drawn = drawn.filter(function (el) { return visible(el) && !el.parentElement.closest(".leaflet-map-pane svg") && !el.closest(".leaflet-control-container"); });
    drawn.map(function (el, i) { return [paneZ(el), i, el]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .forEach(function (item) { draw(item[2], panes); });
    container.querySelectorAll(".leaflet-control-container " + TEXT_BOXES.split(", ").join(", .leaflet-control-container ") + ", .site-locator").forEach(function (el) {
      if (!visible(el)) return;
      if (el.classList.contains("site-locator")) {
        var r = at(el.getBoundingClientRect());
        node("rect", { x: r.x, y: r.y, width: r.w, height: r.h, fill: getComputedStyle(el).backgroundColor, stroke: "#666666" }, controls);
        el.querySelectorAll(".leaflet-map-pane svg").forEach(function (svg) { if (!svg.parentElement.closest("svg")) drawSvg(svg, controls); });
      } else drawBox(el, controls);
    });
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
  };
})();
