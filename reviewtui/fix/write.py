"""Writing a fix: atomically, and only over the text the fix was made from."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from reviewtui.fix.plan import FilePlan, FixError


def write_plan(root: Path, plan: FilePlan) -> None:
    """Replace ``plan.path`` by ``plan.after``. Raises FixError, writing nothing, when the
    file changed since the fix was made or cannot be replaced."""
    write_text(root, plan.path, plan.before, plan.after)


def write_text(root: Path, rel: str, before: str, after: str) -> None:
    """Replace the file ``root/rel`` holding ``before`` by ``after``: a temporary file
    beside it, fsync, rename, with the file's permissions kept. Raises FixError."""
    path = root / rel
    try:
        current = path.read_bytes().decode("utf-8")
        mode = stat.S_IMODE(path.stat().st_mode)
    except (OSError, UnicodeDecodeError) as error:
        raise FixError(f"{rel}: cannot be read again: {error}; not changed") from None
    if current != before:
        raise FixError(f"{rel} changed since the scan; not changed (scan again first)")
    if path.is_symlink():
        # Renaming over a link would replace the link, not the file it names.
        raise FixError(f"{rel} is a symbolic link; not changed (edit the file it names)")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        # A folder that takes no new file (read-only, full): nothing was written.
        raise FixError(
            f"{rel}: cannot be written: {error.strerror or error}; not changed"
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(after.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        reason = error.strerror or error
        raise FixError(f"{rel}: cannot be written: {reason}; not changed") from None
