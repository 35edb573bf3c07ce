""".dockerignore reader: patterns with their lines, and Docker's rules for what they exclude.

Matching follows Docker's pattern matcher: Go ``filepath.Match`` syntax (``*`` and ``?``
stop at ``/``, ``[...]`` classes, ``\\`` escapes) plus ``**`` for any number of folders;
patterns are cleaned like paths with a leading ``/`` dropped; the last pattern that
matches a path or one of its parent folders decides, and ``!`` patterns re-include.

Docker turns a pattern into a Go regular expression, which matches in linear time. A
Python regular expression of the same pattern can take minutes on ``*a*a*a*a*a*b``, so
patterns are matched by :func:`_matches`, a state machine over the pattern's tokens that
takes time proportional to the path's length times the pattern's; the regular
expression is only compiled to refuse the patterns Docker refuses.
"""

from __future__ import annotations

import logging
import posixpath
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem
from reviewtui.project.textfile import read_text

log = logging.getLogger(__name__)

MAX_PATTERN = 65536
"""Longest pattern read, sixteen times Linux's longest path: a longer one only costs time."""

# Characters that mean something to Python's re but nothing to Go's filepath.Match.
_REGEX_SPECIAL = frozenset(".+()|{}$")
# Characters a Python character class would read as set operations (or warn about).
_CLASS_SPECIAL = frozenset("[&~|")

# Tokens of a pattern: one literal character, ``?``, ``*``, a trailing ``**`` (anything),
# ``**/`` or an inner ``**`` (any number of folders), a ``[...]`` class, and ``^``, which
# Docker leaves in its regular expression, where it matches only at the start.
_LITERAL, _ONE, _STAR, _ALL, _FOLDERS, _CLASS, _START = range(7)
_Token = tuple[int, object]


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
    tokens: tuple[_Token, ...] = field(default=(), compare=False, repr=False)

    def matches(self, rel_path: str) -> bool:
        """True when the pattern matches this path itself (not counting parents)."""
        return _matches(self.tokens, rel_path)


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
        if len(pattern) > MAX_PATTERN:
            problems.append(
                Problem(
                    rel,
                    number,
                    f"pattern of {len(pattern)} characters is too long to read; not used",
                )
            )
            continue
        pattern = _clean(pattern)
        try:
            with warnings.catch_warnings():
                # Python warns of sets nested in a class ("[[a]"); Go reads "[" there as
                # a plain character, and so does Python today.
                warnings.simplefilter("ignore", FutureWarning)
                regex = re.compile(_to_regex(pattern), re.S)
                tokens = _tokens(pattern)
        except (re.error, RecursionError, OverflowError) as error:
            problems.append(
                Problem(
                    rel,
                    number,
                    f"pattern {raw.strip()[:80]!r} is not valid: {error}; "
                    "Docker refuses the build",
                )
            )
            continue
        patterns.append(IgnorePattern(pattern, exception, number, raw.rstrip(), regex, tokens))
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


def _tokens(pattern: str) -> tuple[_Token, ...]:
    """The pattern's tokens, read as :func:`_to_regex` reads it; raises ``re.error`` for
    a class that does not close or that Python cannot compile."""
    tokens: list[_Token] = []
    index, size = 0, len(pattern)
    while index < size:
        char = pattern[index]
        index += 1
        if char == "*":
            if index < size and pattern[index] == "*":
                index += 1
                if index < size and pattern[index] == "/":
                    index += 1
                tokens.append((_ALL, None) if index >= size else (_FOLDERS, None))
            else:
                tokens.append((_STAR, None))
        elif char == "?":
            tokens.append((_ONE, None))
        elif char == "\\":
            tokens.append((_LITERAL, pattern[index] if index < size else "\\"))
            index += 1
        elif char == "[":
            regex, index = _class(pattern, index)
            tokens.append((_CLASS, regex))
        elif char == "^":
            tokens.append((_START, None))
        else:
            tokens.append((_LITERAL, char))
    return tuple(tokens)


def _class(pattern: str, index: int) -> tuple[re.Pattern[str], int]:
    """The one-character regular expression of the class opened just before ``index``,
    and the index after its ``]``. A ``]`` right after ``[`` or ``[^`` is a member, as
    in Go's regular expressions; ``*`` and ``?`` inside a class are plain characters."""
    parts = ["["]
    size = len(pattern)
    if index < size and pattern[index] == "^":
        parts.append("^")
        index += 1
    first = True
    while index < size:
        char = pattern[index]
        index += 1
        if char == "]" and not first:
            return re.compile("".join([*parts, "]"]), re.S), index
        first = False
        if char == "\\" and index < size:
            parts.append(re.escape(pattern[index]))
            index += 1
        elif char in _CLASS_SPECIAL or char == "\\" or char == "]":
            parts.append("\\" + char)
        else:
            parts.append(char)
    raise re.error("missing ], unterminated character set")


def _matches(tokens: tuple[_Token, ...], path: str) -> bool:
    """True when the tokens match the whole of ``path``.

    The set of token positions the path can have reached is carried along the path, one
    character at a time (negative positions stand inside a ``**`` folder run), so no
    pattern can make a match take more than ``len(path) * len(tokens)`` steps.
    """
    end = len(tokens)
    states = _closure(tokens, {0}, at_start=True)
    for char in path:
        following: set[int] = set()
        for state in states:
            if state < 0:
                # Inside the folders of a "**": any character, and a "/" may end them.
                following.add(state)
                if char == "/":
                    following.add(-state)
                continue
            if state == end:
                continue
            kind, value = tokens[state]
            if kind == _STAR:
                if char != "/":
                    following.add(state)
            elif kind == _ALL:
                following.add(state)
            elif kind == _ONE:
                if char != "/":
                    following.add(state + 1)
            elif kind == _LITERAL:
                if char == value:
                    following.add(state + 1)
            elif kind == _CLASS:
                assert isinstance(value, re.Pattern)
                if value.fullmatch(char):
                    following.add(state + 1)
        if not following:
            return False
        states = _closure(tokens, following, at_start=False)
    return end in states


def _closure(tokens: tuple[_Token, ...], states: set[int], at_start: bool) -> set[int]:
    """``states`` with every position reachable from them without reading a character
    (``^`` only ``at_start``, before the first character of the path)."""
    reached = set(states)
    waiting = list(states)
    while waiting:
        state = waiting.pop()
        if state < 0 or state >= len(tokens):
            continue
        kind = tokens[state][0]
        if kind in (_STAR, _ALL, _FOLDERS) or (kind == _START and at_start):
            for next_state in (state + 1, -(state + 1)) if kind == _FOLDERS else (state + 1,):
                if next_state not in reached:
                    reached.add(next_state)
                    waiting.append(next_state)
    return reached


def _normalise(rel_path: str) -> str:
    path = posixpath.normpath(rel_path.replace("\\", "/")) if rel_path else ""
    path = path.lstrip("/")
    return "" if path == "." else path


def _parents(path: str) -> list[str]:
    """``a``, ``a/b`` for ``a/b/c``: the folders a path sits in, shortest first."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: count + 1]) for count in range(len(parts))]
