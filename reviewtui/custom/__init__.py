"""A team's own checks: checklist files in the project or given on the command line, and
declarative detectors (``match:``) that need no Python.

:mod:`reviewtui.custom.schema` reads the ``match:`` blocks (the checklist loader uses it),
:mod:`reviewtui.custom.matchers` runs them, :mod:`reviewtui.custom.catalogue` finds the
project's own checklist files.
"""
