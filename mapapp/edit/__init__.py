"""The editor's server side: a library of operations on a story folder, each validated, written whole, reversible.

``operations`` (what an editor can do to a story's files, each with a sentence saying what it did) and
``session`` (a folder opened for editing: every save validated by the same code as ``mapapp validate``, written
atomically, kept as a version with undo and redo, refused when another editor saved first). The page is
:mod:`mapapp.app.editor`.
"""
