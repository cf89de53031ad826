"""The bare baseline of the benchmark: Streamlit + streamlit-folium, one marker, one echo.

Served exactly like the dashboard (same server config, Leaflet from the app's
static folder, no internet) and written the competent way (fixed element ids,
the marker through ``feature_group_to_add``), so that the ratio to it measures
what the dashboard adds, not a slow baseline. It has the same three
interactions: click the marker (echoed as text), a checkbox that hides it, a
date that recolours it.
"""

from datetime import date

import folium
import streamlit as st
from streamlit_folium import st_folium

LEAFLET = "/app/static/vendor/leaflet@1.9.3/dist"
SARAQEB = (35.86447, 36.80591)  # lat, lon: Saraqeb as in geodata/places.geojson

st.set_page_config(page_title="baseline", layout="wide")
show = st.sidebar.checkbox("Marker", value=True, key="show")
day = st.sidebar.date_input("Date", value=date(2020, 2, 27), key="day")

m = folium.Map(location=(35.75, 36.62), zoom_start=10, tiles=None)
m.default_js = [("leaflet", f"{LEAFLET}/leaflet.js")]
m.default_css = [("leaflet_css", f"{LEAFLET}/leaflet.css")]
m._id = "base"
group = folium.FeatureGroup(name="Marker")
if show:
    colour = "#2e7d32" if day >= date(2020, 2, 27) else "#c0392b"
    marker = folium.CircleMarker(
        SARAQEB, radius=8, color="#fff", fill=True, fill_color=colour, fill_opacity=0.95, tooltip="Saraqeb"
    )
    marker._id = "m"
    marker.add_to(group)
event = st_folium(
    m,
    key="map",
    height=620,
    use_container_width=True,
    returned_objects=["last_object_clicked_tooltip"],
    feature_group_to_add=[group],
)
st.write(f"Clicked: {(event or {}).get('last_object_clicked_tooltip') or 'nothing yet'}")
