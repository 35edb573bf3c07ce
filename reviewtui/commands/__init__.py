"""Headless commands that have a module of their own (sign, verify, diff, ...).

Each module holds ``NAME`` (the word after ``reviewtui``), ``HELP`` (one line for the
list of commands), ``add_arguments(parser)`` and ``run(options) -> int`` (the exit
code; raise :class:`~reviewtui.commands.base.UsageError` for a usage problem). Modules
import what they need inside ``run``, so listing them here costs no start-up time.
"""

from __future__ import annotations

from types import ModuleType

from reviewtui.commands import baseline, diff, fix, sign, verify

MODULES: tuple[ModuleType, ...] = (baseline, diff, fix, sign, verify)
"""Every such command, in the order ``reviewtui --help`` lists them."""
