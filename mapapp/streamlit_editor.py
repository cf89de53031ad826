"""The script Streamlit runs for the editor (``python -m mapapp edit DIR``): the page is :mod:`mapapp.app.editor`.

Beside ``static/`` for the same reason as ``streamlit_app.py``.
"""

from mapapp.app.editor import main

main()
