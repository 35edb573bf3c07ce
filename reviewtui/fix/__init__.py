"""Fixes: concrete changes to the project's own files that make failing targets pass.

:mod:`model` says what a fix is, :mod:`registry` which items have one, :mod:`plan`
makes them from the files on disk and combines them per file, :mod:`write` writes them.
The fixers themselves are in :mod:`compose_fixes` and :mod:`dockerfile_fixes`.
"""
