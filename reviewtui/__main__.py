"""Run reviewtui as ``python -m reviewtui``."""

from reviewtui.cli import main

raise SystemExit(main())
