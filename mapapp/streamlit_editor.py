"""The script Streamlit runs for the editor (``python -m mapapp edit DIR``): its pages are
:func:`mapapp.app.editor.pages` (the editor, and the story as a reader sees it).

Beside ``static/`` for the same reason as ``streamlit_app.py``.
"""

from mapapp.app.editor import pages

pages()
