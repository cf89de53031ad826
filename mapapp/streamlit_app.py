"""The script Streamlit runs (``streamlit run mapapp/streamlit_app.py``): the page is :mod:`mapapp.app.page`.

It stays beside ``static/``, which Streamlit serves from the running script's folder at ``/app/static/``.
"""

from mapapp.app.page import main

main()
