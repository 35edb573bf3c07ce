"""The ``.env`` file beside a compose file, and ``${VAR}`` interpolation as compose does it.

Variables come only from the ``.env`` file, never from the process environment: a review
must say the same whoever runs it. A variable set nowhere becomes the empty string, as
compose makes it, and the :class:`Substitution` records that it was unset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.model import Problem
from reviewtui.project.compose_yaml import Substitution
from reviewtui.project.textfile import read_text

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INLINE_COMMENT = re.compile(r"\s#")
_BACKSLASH_ESCAPE = re.compile(r"\\(.)")
_ENV_KEY = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*[=:]\s?")
# ``\$`` becomes compose's own escape ``$$``, so interpolation leaves it a plain dollar.
_DOUBLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$$"}
# Longest first, so ``:-`` is not read as ``:`` followed by ``-``.
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


@dataclass
class EnvFile:
    """The variables of one ``.env`` file and the line each was set on."""

    path: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class _Trace:
    """What one interpolation touched."""

    names: list[str] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)
    from_file: list[str] = field(default_factory=list)
    defaulted: list[str] = field(default_factory=list)

    def absorb(self, other: _Trace) -> None:
        self.names += other.names
        self.unset += other.unset
        self.from_file += other.from_file
        self.defaulted += other.defaulted


class Environment:
    """Interpolates compose strings with the variables of one ``.env`` file."""

    def __init__(self, env_file: EnvFile) -> None:
        self.env_file = env_file
        self.values = env_file.values

    def interpolate(self, text: str) -> tuple[str, Substitution | None]:
        """The value of ``text`` after interpolation, and how it was made.

        The substitution is None when no variable was involved (``$$`` alone is a plain
        dollar sign, not a variable).
        """
        if "$" not in text:
            return text, None
        trace = _Trace()
        value, _ = self._expand(text, 0, False, trace)
        if not trace.names:
            return value, None
        return value, Substitution(
            text,
            _unique(trace.names),
            _unique(trace.unset),
            _unique(trace.from_file),
            _unique(trace.defaulted),
            self.env_file.path,
        )

    def _expand(self, text: str, start: int, in_braces: bool, trace: _Trace) -> tuple[str, int]:
        """Expands from ``start``; inside braces, stops at the closing ``}`` (its index)."""
        parts: list[str] = []
        position, end = start, len(text)
        while position < end:
            dollar = text.find("$", position)
            if in_braces:
                brace = text.find("}", position)
                if brace != -1 and (dollar == -1 or brace < dollar):
                    parts.append(text[position:brace])
                    return "".join(parts), brace
            if dollar == -1:
                parts.append(text[position:])
                position = end
                break
            parts.append(text[position:dollar])
            following = text[dollar + 1 : dollar + 2]
            if following == "$":
                parts.append("$")
                position = dollar + 2
            elif following == "{":
                value, position = self._braced(text, dollar + 2, trace)
                parts.append(value)
            else:
                match = _NAME.match(text, dollar + 1)
                if match is None:
                    parts.append("$")
                    position = dollar + 1
                else:
                    parts.append(self._lookup(match.group(), trace) or "")
                    position = match.end()
        return "".join(parts), position

    def _braced(self, text: str, start: int, trace: _Trace) -> tuple[str, int]:
        """Expands ``${...}`` whose name starts at ``start``; returns the index after it."""
        match = _NAME.match(text, start)
        if match is None:
            # Compose refuses an invalid template; keep the text as written.
            close = text.find("}", start)
            close = len(text) if close == -1 else close + 1
            return text[start - 2 : close], close
        name, after = match.group(), match.end()
        if text.startswith("}", after):
            return self._lookup(name, trace) or "", after + 1
        operator = next((op for op in _OPERATORS if text.startswith(op, after)), None)
        if operator is None:
            close = text.find("}", after)
            close = len(text) if close == -1 else close + 1
            return text[start - 2 : close], close
        inner = _Trace()
        word, close = self._expand(text, after + len(operator), True, inner)
        value = self._apply(name, operator, word, inner, trace)
        return value, min(close + 1, len(text))

    def _apply(self, name: str, operator: str, word: str, inner: _Trace, trace: _Trace) -> str:
        value = self._lookup(name, trace)
        empty = value is None or (operator.startswith(":") and value == "")
        if operator in (":-", "-"):
            if not empty:
                return value or ""
            trace.defaulted.append(name)
            trace.absorb(inner)
            return word
        if operator in (":?", "?"):
            return "" if empty else value or ""
        if empty:
            return ""
        trace.absorb(inner)
        return word

    def _lookup(self, name: str, trace: _Trace) -> str | None:
        trace.names.append(name)
        value = self.values.get(name)
        if value is None:
            trace.unset.append(name)
        else:
            trace.from_file.append(name)
        return value


def read_env_file(root: Path, rel: str) -> tuple[EnvFile, list[Problem]]:
    """The variables of the ``.env`` file at ``root/rel``; lines compose would refuse
    become problems and are skipped."""
    text, problem = read_text(root, rel)
    problems = [problem] if problem is not None else []
    if text is None:
        return EnvFile(rel), problems
    env_file = parse_env_text(text, rel, problems)
    return env_file, problems


def parse_env_text(text: str, rel: str | None, problems: list[Problem]) -> EnvFile:
    """Parses ``KEY=VALUE`` lines: ``export``, quotes, comments and earlier ``${VAR}``s."""
    env_file = EnvFile(rel)
    environment = Environment(env_file)
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line_number = index + 1
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ENV_KEY.match(line)
        if match is None:
            if rel is not None:
                problems.append(Problem(rel, line_number, "not a variable assignment; skipped"))
            continue
        rest = line[match.end() :]
        value, index = _env_value(rest, lines, index, environment)
        env_file.values[match.group(1)] = value
        env_file.lines[match.group(1)] = line_number
    return env_file


def _env_value(
    rest: str, lines: list[str], index: int, environment: Environment
) -> tuple[str, int]:
    """The value that starts with ``rest``; quoted values may go on over later lines."""
    rest = rest.lstrip()
    if rest[:1] in ("'", '"'):
        quote = rest[0]
        body = rest[1:]
        while _closing_quote(body, quote) == -1 and index < len(lines):
            body += "\n" + lines[index]
            index += 1
        close = _closing_quote(body, quote)
        body = body if close == -1 else body[:close]
        if quote == "'":
            return body, index
        unescaped = _BACKSLASH_ESCAPE.sub(
            lambda m: _DOUBLE_ESCAPES.get(m.group(1), m.group(0)), body
        )
        return _expand_value(unescaped, environment), index
    comment = _INLINE_COMMENT.search(rest)
    if comment is not None:
        rest = rest[: comment.start()]
    return _expand_value(rest.strip(), environment), index


def _expand_value(value: str, environment: Environment) -> str:
    expanded, _ = environment.interpolate(value)
    return expanded


def _closing_quote(body: str, quote: str) -> int:
    position = 0
    while True:
        found = body.find(quote, position)
        if found == -1:
            return -1
        if quote == "'" or not _escaped(body, found):
            return found
        position = found + 1


def _escaped(text: str, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and text[position - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _unique(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))
