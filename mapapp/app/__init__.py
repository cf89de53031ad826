"""The Streamlit dashboard, the only part of mapapp that imports Streamlit.

``page`` (the page, region by region), ``preload`` (work done before the server accepts connections).
Streamlit runs ``mapapp/streamlit_app.py``, which calls :func:`mapapp.app.page.main`.
"""
