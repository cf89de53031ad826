"""What a reader sees, built from the story model: folium maps, the view model, the static site, print.

``mapbuild`` (the folium map and its scripts), ``labels`` (which names the map shows), ``assets``
(offline Leaflet, published static files), ``viewmodel`` (texts and statuses for a page), ``publish``
(the static site), ``chromium`` (Debian's headless Chromium) and ``snapshot`` (PNG and PDF prints).
Nothing here imports Streamlit.
"""
