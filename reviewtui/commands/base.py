"""What every command shares: its exit codes and the error for a usage problem."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with what the user asked for; reported as one line, exit status 2."""
