/* Snapping for the editor's drawing tools (leaflet-draw has none).
 *
 * A vertex drawn or dragged within SNAP_PX screen pixels of one of the story's features lands on it:
 * on a vertex (a place's point, a road's bend, an area's corner) first, else on the nearest point of a
 * line or an area's edge. A ring shows where the vertex will go before the click. Holding Alt draws
 * where the mouse is. Only the story's own features are guides: the basemap's outlines are not
 * interactive and are skipped, as are the shape being drawn or edited and the tools' handles.
 * Everything happens in the page: drawing never waits for the server.
 */
(function () {
  "use strict";
  if (!L.Draw || !L.Edit) return;
  const SNAP_PX = 12;
  let alt = false;
  let ring = null;

  function paths(latlngs, closed, out) {
    // Polylines nest one level per part, polygons one more per ring: collect flat paths of LatLngs.
    if (!latlngs.length) return out;
    if (latlngs[0] instanceof L.LatLng) out.push({ path: latlngs, closed: closed });
    else for (const part of latlngs) paths(part, closed, out);
    return out;
  }

  function isGuide(layer, skip) {
    if (layer === ring || skip.indexOf(layer) >= 0) return false;
    if (layer.options && layer.options.interactive === false) return false;
    return layer instanceof L.CircleMarker || layer instanceof L.Polyline;
  }

  // The snapped position for `latlng`, or null (nothing within reach, or Alt held).
  function snapped(map, latlng, skip) {
    if (alt || !map) return null;
    const at = map.latLngToLayerPoint(latlng);
    let vertex = null;
    let vertexPx = SNAP_PX;
    let edge = null;
    let edgePx = SNAP_PX;
    map.eachLayer(function (layer) {
      if (!isGuide(layer, skip)) return;
      const found =
        layer instanceof L.CircleMarker
          ? [{ path: [layer.getLatLng()], closed: false }]
          : paths(layer.getLatLngs(), layer instanceof L.Polygon, []);
      for (const entry of found) {
        const points = entry.path.map(function (ll) {
          return map.latLngToLayerPoint(ll);
        });
        for (let i = 0; i < points.length; i++) {
          const d = points[i].distanceTo(at);
          if (d <= vertexPx) {
            vertex = entry.path[i];
            vertexPx = d;
          }
          const j = i + 1 < points.length ? i + 1 : entry.closed && points.length > 2 ? 0 : -1;
          if (j < 0) continue;
          const onEdge = L.LineUtil.closestPointOnSegment(at, points[i], points[j]);
          const e = onEdge.distanceTo(at);
          if (e <= edgePx) {
            edge = onEdge;
            edgePx = e;
          }
        }
      }
    });
    if (vertex) return L.latLng(vertex.lat, vertex.lng);
    return edge ? map.layerPointToLatLng(edge) : null;
  }

  function showRing(map, latlng) {
    if (!latlng) {
      if (ring) ring.remove();
      ring = null;
      return;
    }
    if (!ring) {
      ring = L.circleMarker(latlng, {
        radius: 7,
        color: "#0b6e4f",
        weight: 3,
        fill: false,
        interactive: false,
        className: "mapapp-snap-ring",
      });
    }
    ring.setLatLng(latlng);
    if (!map.hasLayer(ring)) ring.addTo(map);
  }

  // The tool drawing now, when it snaps (lines, areas, points; not rectangles), and the path it draws.
  let tool = null;
  function tracked(proto) {
    const addHooks = proto.addHooks;
    const removeHooks = proto.removeHooks;
    proto.addHooks = function (...args) {
      addHooks.apply(this, args);
      tool = this;
    };
    proto.removeHooks = function (...args) {
      if (tool === this) tool = null;
      if (this._map) showRing(this._map, null);
      return removeHooks.apply(this, args);
    };
  }
  tracked(L.Draw.Polyline.prototype);
  tracked(L.Draw.Marker.prototype);

  // Drawing a line or an area: each new vertex snaps (the drawn path itself is no guide).
  const addVertex = L.Draw.Polyline.prototype.addVertex;
  L.Draw.Polyline.prototype.addVertex = function (latlng) {
    return addVertex.call(this, snapped(this._map, latlng, [this._poly]) || latlng);
  };
  // Drawing a point: it snaps where it is placed.
  const createMarker = L.Draw.Marker.prototype._fireCreatedEvent;
  L.Draw.Marker.prototype._fireCreatedEvent = function (...args) {
    const to = this._marker && snapped(this._map, this._marker.getLatLng(), [this._marker]);
    if (to) this._marker.setLatLng(to);
    return createMarker.apply(this, args);
  };
  // Editing a shape: a dragged vertex snaps to the other features (not to its own shape).
  const dragVertex = L.Edit.PolyVerticesEdit.prototype._onMarkerDrag;
  L.Edit.PolyVerticesEdit.prototype._onMarkerDrag = function (e) {
    const to = snapped(this._poly._map, e.target.getLatLng(), [this._poly]);
    if (to) e.target.setLatLng(to);
    showRing(this._poly._map, to);
    return dragVertex.call(this, e);
  };
  const dragEnd = L.Edit.PolyVerticesEdit.prototype._fireEdit;
  L.Edit.PolyVerticesEdit.prototype._fireEdit = function (...args) {
    showRing(this._poly._map, null);
    return dragEnd.apply(this, args);
  };
  const dragPoint = L.Edit.Marker.prototype._onDragEnd;
  L.Edit.Marker.prototype._onDragEnd = function (e) {
    const to = snapped(this._map, this.getLatLng(), [this]);
    if (to) this.setLatLng(to);
    return dragPoint.call(this, e);
  };

  // Alt read from every mouse event and key press; the ring follows the mouse while a tool that snaps is on.
  L.mapappSnap = function (map) {
    const container = map.getContainer();
    L.DomEvent.on(container, "mousemove mousedown", function (e) {
      alt = e.altKey;
      if (tool && tool._map === map) {
        const skip = [tool._poly, tool._marker, tool._mouseMarker];
        showRing(map, snapped(map, map.mouseEventToLatLng(e), skip));
      }
    });
    L.DomEvent.on(document, "keydown keyup", function (e) {
      alt = e.altKey;
    });
    return map;
  };
})();
