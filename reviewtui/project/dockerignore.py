""".dockerignore reader: patterns with their lines, and Docker's rules for what they exclude.

Matching follows Docker's pattern matcher: Go ``filepath.Match`` syntax (``*`` and ``?``
stop at ``/``, ``[...]`` classes, ``\\`` escapes) plus ``**`` for any number of folders;
patterns are cleaned like paths with a leading ``/`` dropped; the last pattern that
matches a path or one of its parent folders decides, and ``!`` patterns re-include.
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem
from reviewtui.project.textfile import read_text

log = logging.getLogger(__name__)

# Characters that mean something to Python's re but nothing to Go's filepath.Match.
_REGEX_SPECIAL = frozenset(".+()|{}$")


@dataclass(frozen=True)
class IgnorePattern:
    """One pattern of a .dockerignore file.

    ``pattern`` is the cleaned pattern without its ``!``; ``exception`` is True for a
    ``!`` pattern that re-includes what earlier ones excluded; ``line`` is 1-based and
    ``text`` the line as written.
    """

    pattern: str
    exception: bool
    line: int
    text: str
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, rel_path: str) -> bool:
        """True when the pattern matches this path itself (not counting parents)."""
        return self.regex.match(rel_path) is not None


@dataclass
class DockerIgnore:
    """A parsed .dockerignore file: its patterns in order, and problems."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    patterns: list[IgnorePattern] = field(default_factory=list)

    def deciding_pattern(self, rel_path: str) -> IgnorePattern | None:
        """The last pattern matching ``rel_path`` or a parent folder of it, if any.

        An exclusion pattern means the path is left out of the build context, an
        exception pattern that it is sent after all.
        """
        path = _normalise(rel_path)
        if not path:
            return None
        parents = _parents(path)
        deciding = None
        for pattern in self.patterns:
            if pattern.matches(path) or any(pattern.matches(parent) for parent in parents):
                deciding = pattern
        return deciding

    def excludes(self, rel_path: str) -> bool:
        """True when Docker leaves ``rel_path`` (relative to the context) out of the build."""
        deciding = self.deciding_pattern(rel_path)
        return deciding is not None and not deciding.exception


def read_dockerignore(root: Path, rel: str) -> DockerIgnore:
    """Read and parse the .dockerignore at ``root/rel``; problems instead of exceptions."""
    text, problem = read_text(root, rel)
    ignore = DockerIgnore(rel, problems=[problem] if problem else [])
    if text is not None:
        ignore.patterns.extend(parse_patterns(text, rel, ignore.problems))
    return ignore


def parse_patterns(text: str, rel: str, problems: list[Problem]) -> list[IgnorePattern]:
    """The patterns of .dockerignore ``text``; bad patterns become problems for ``rel``."""
    patterns = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("#"):
            continue
        pattern = raw.strip()
        if not pattern:
            continue
        exception = pattern.startswith("!")
        if exception:
            pattern = pattern[1:].strip()
        pattern = _clean(pattern)
        try:
            regex = re.compile(_to_regex(pattern), re.S)
        except re.error as error:
            problems.append(
                Problem(
                    rel,
                    number,
                    f"pattern {raw.strip()!r} is not valid: {error}; Docker refuses the build",
                )
            )
            continue
        patterns.append(IgnorePattern(pattern, exception, number, raw.rstrip(), regex))
    return patterns


def _clean(pattern: str) -> str:
    """The pattern cleaned as Docker cleans it: like a path, without a leading ``/``."""
    if not pattern:
        return pattern
    cleaned = posixpath.normpath(pattern)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if len(cleaned) > 1 and cleaned.startswith("/"):
        cleaned = cleaned[1:]
    return cleaned


def _to_regex(pattern: str) -> str:
    """A Python regex equivalent to Docker's reading of ``pattern``."""
    out = ["^"]
    index, size = 0, len(pattern)
    while index < size:
        char = pattern[index]
        index += 1
        if char == "*":
            if index < size and pattern[index] == "*":
                index += 1
                if index < size and pattern[index] == "/":
                    index += 1
                # "**" at the end takes everything; elsewhere any number of folders.
                out.append(".*" if index >= size else "(.*/)?")
            else:
                out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\":
            if index < size:
                out.append(re.escape(pattern[index]))
                index += 1
            else:
                out.append(r"\\")
        elif char in "[]":
            out.append(char)
        elif char in _REGEX_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    out.append("$")
    return "".join(out)


def _normalise(rel_path: str) -> str:
    path = posixpath.normpath(rel_path.replace("\\", "/")) if rel_path else ""
    path = path.lstrip("/")
    return "" if path == "." else path


def _parents(path: str) -> list[str]:
    """``a``, ``a/b`` for ``a/b/c``: the folders a path sits in, shortest first."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: count + 1]) for count in range(len(parts))]
