"""Widgets of the app: the checklist table, problem list, scan status and item view."""
