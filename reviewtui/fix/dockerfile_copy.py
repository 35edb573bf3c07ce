"""The fix for ADD of local files: the keyword becomes COPY, every flag and source kept.

Only where COPY does exactly what ADD did: no URL or git source (COPY cannot fetch),
no source that looks like a tar archive (ADD unpacks those, COPY does not) and no flag
COPY lacks (``--checksum``, ``--keep-git-dir``, ``--unpack``).
"""

from __future__ import annotations

import re

from reviewtui.detect.dockerfile_checks.context import REMOTE_SOURCE, copy_sources
from reviewtui.detect.dockerfile_checks.instructions import add_kind
from reviewtui.fix.dockerfile_text import (
    LineChange,
    NoFix,
    apply_changes,
    in_case_of,
    replace_line,
    written_keyword,
)
from reviewtui.fix.model import Edit
from reviewtui.project.dockerfile import Dockerfile, Instruction

_COPY_FLAGS = frozenset({"chown", "chmod", "link", "exclude"})
# Names ADD may unpack: tar archives, compressed or not, and files whose compression
# ADD reads (it unpacks any tar inside).
_ARCHIVE_NAME = re.compile(r"(?i)\.(tar|tgz|tbz2?|txz|tzst|tlz|taz|gz|bz2|xz|zst|lz|lzma|lz4|z)$")
_GLOB = re.compile(r"[*?\[]")


def copy_for_add(dockerfile: Dockerfile, text: str) -> Edit | NoFix:
    """Every ADD of local files in every stage turned into COPY, or why not."""
    adds = [
        ins
        for ins in dockerfile.instructions
        if ins.keyword == "ADD" and (ins.heredocs or copy_sources(ins))
    ]
    changes: list[LineChange] = []
    globbed = False
    for instruction in adds:
        kind = add_kind(instruction)
        if kind == "archive":
            continue  # ADD unpacks it; the item passes it as it is
        if kind != "local":
            return NoFix(
                f"ADD at line {instruction.start_line} downloads {copy_sources(instruction)[0]}:"
                " COPY cannot; replace it with a verified download by hand"
            )
        refusal = _refusal(dockerfile, instruction)
        if refusal is not None:
            return NoFix(refusal)
        globbed = globbed or any(_GLOB.search(s) for s in copy_sources(instruction))
        changes.append(_as_copy(dockerfile, instruction))
    if not changes:
        return NoFix("no ADD of local files to turn into COPY")
    lines = ", ".join(str(change.first) for change in changes)
    behaviour = (
        "A source pattern may match a tar archive, which ADD unpacked and COPY copies as it is."
        if globbed
        else ""
    )
    return Edit(
        apply_changes(text, changes),
        f"Use COPY instead of ADD for local files (line{'s' if len(changes) > 1 else ''} "
        f"{lines}); the flags and sources stay.",
        behaviour,
        "Build the image and check that the copied files are where they were; a source "
        "that is a tar archive under another name was unpacked by ADD and is now copied "
        "as it is.",
    )


def _refusal(dockerfile: Dockerfile, instruction: Instruction) -> str | None:
    """Why this local ADD cannot simply become COPY, or None."""
    line = instruction.start_line
    flags = [name for name, _ in instruction.flags if name not in _COPY_FLAGS]
    if flags:
        return f"ADD at line {line} uses --{flags[0]}, which COPY does not have"
    if instruction.wrapped is not None or instruction.stage < 0:
        return f"ADD at line {line} is not in a build stage"
    stage = dockerfile.stages[instruction.stage]
    for source in copy_sources(instruction):
        value, complete = dockerfile.expand(source, stage, line)
        if not complete:
            return (
                f"ADD at line {line} takes {source}, a variable without a default that may "
                "name a URL or an archive"
            )
        if REMOTE_SOURCE.match(value) or value.endswith(".git") or "://" in value:
            return f"ADD at line {line} downloads {value}: COPY cannot"
        if _ARCHIVE_NAME.search(value.rstrip("/")):
            return f"ADD at line {line} takes {value}, an archive ADD unpacks and COPY would not"
    return None


def _as_copy(dockerfile: Dockerfile, instruction: Instruction) -> LineChange:
    """The ADD's first line with its keyword spelt COPY (in the file's case)."""
    number = instruction.start_line
    line = dockerfile.lines[number - 1]
    start = len(line) - len(line.lstrip(" \t"))
    written = written_keyword(dockerfile, instruction)
    return replace_line(
        number, line[:start] + in_case_of(written, "COPY") + line[start + len(written) :]
    )
