"""The Textual app: an overview of the checklists, a walk through items, and sign-off."""
