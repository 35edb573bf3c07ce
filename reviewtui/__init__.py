"""reviewtui: Docker security reviews in the terminal, answered from a project's own files."""

__version__ = "0.1.0"
