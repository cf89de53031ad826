"""The Streamlit dashboard, the only part of mapapp that imports Streamlit.

``page`` (the map and the layout), ``state`` (session, permalink, callbacks), ``sidebar``, ``panel`` (the reading
pane), ``text`` (escaping, dates, sources by name), ``editor`` (``mapapp edit``), ``preload`` (work done before the
server accepts connections) and ``server`` (``mapapp serve``).
Streamlit runs ``mapapp/streamlit_app.py``, which calls :func:`mapapp.app.page.main`.
"""
