"""The ``match:`` block of a checklist item: a declarative detector, parsed and validated.

One of three kinds, each answering every target of its kind::

    match:
      dockerfile:                # each Dockerfile's final stage
        instruction: RUN         # a keyword or a list of them; default: any instruction
        pattern: 'curl[^|]*\\|\\s*(ba)?sh'   # a Python regular expression, searched
        stage: final             # final (the stages that ship) or any; default final
        expect: absent           # absent (a match fails) or present; default absent

    match:
      compose:                   # each compose service
        path: read_only          # a key path in the service ("services.*." may lead)
        equals: true             # or: in, contains, pattern, exists
        default: false           # the value compose uses when the key is not set

    match:
      daemon:                    # each daemon.json
        key: icc                 # a key path in the file
        equals: false

Errors are :class:`MatchError` with the 1-based line of the offending key, so the loader
can name the file, line and item.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DOCKERFILE_KEYWORDS = frozenset(
    "FROM RUN CMD LABEL MAINTAINER EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG "
    "ONBUILD STOPSIGNAL HEALTHCHECK SHELL".split()
)
_KINDS = ("dockerfile", "compose", "daemon")
_DOCKERFILE_KEYS = ("instruction", "pattern", "stage", "expect")
_TESTS = ("equals", "in", "contains", "pattern", "exists")
_VALUE_KEYS = {"compose": ("path", *_TESTS, "default"), "daemon": ("key", *_TESTS, "default")}
_SERVICES_PREFIX = ("services", "*")


class MatchError(ValueError):
    """A ``match:`` block that cannot be used; ``line`` is the line of the fault."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


_MISSING: Any = object()


@dataclass(frozen=True)
class ValueTest:
    """What a value of a compose service or daemon.json must be.

    ``test`` is one of equals, in, contains, pattern, exists; ``expected`` holds the
    values to compare with (one for equals and contains, several for in, True or False
    for exists); ``regex`` is set for pattern. ``default`` stands for an unset key
    (``has_default`` False: an unset key fails every test but ``exists: false``).
    """

    test: str
    expected: tuple[Any, ...] = ()
    regex: re.Pattern[str] | None = None
    default: Any = None
    has_default: bool = False

    def describe(self) -> str:
        """The expectation in words: ``true``, ``one of a, b``, ``set``..."""
        if self.test == "exists":
            return "set" if self.expected[0] else "not set"
        if self.test == "in":
            return "one of " + ", ".join(as_text(value) for value in self.expected)
        if self.test == "contains":
            return f"a list holding {as_text(self.expected[0])}"
        if self.test == "pattern":
            assert self.regex is not None
            return f"matching /{self.regex.pattern}/"
        return as_text(self.expected[0])

    def check(self, value: Any, present: bool) -> bool:
        """True when ``value`` (``present`` False: the key is unset) passes the test."""
        if self.test == "exists":
            return present is bool(self.expected[0])
        if not present:
            if not self.has_default:
                return False
            value = self.default
        if self.test == "equals":
            return same_value(value, self.expected[0])
        if self.test == "in":
            return any(same_value(value, wanted) for wanted in self.expected)
        if self.test == "contains":
            return _contains(value, self.expected[0])
        assert self.regex is not None
        return not isinstance(value, dict | list) and bool(self.regex.search(as_text(value)))


@dataclass(frozen=True)
class DockerfileMatch:
    """Instructions of each Dockerfile that must (or must not) match a pattern."""

    instructions: frozenset[str]
    pattern: re.Pattern[str]
    stage: str = "final"
    expect: str = "absent"

    def describe(self) -> str:
        """The rule in words, for the catalogue and the item's heading."""
        what = "/".join(sorted(self.instructions)) or "any instruction"
        stage = "the final stage" if self.stage == "final" else "any stage"
        verb = "must not match" if self.expect == "absent" else "must match"
        return f"{what} in {stage} {verb} /{self.pattern.pattern}/"


@dataclass(frozen=True)
class ComposeMatch:
    """A key of each compose service and what its value must be."""

    path: tuple[str | int, ...]
    test: ValueTest

    def describe(self) -> str:
        """The rule in words."""
        return f"each service's {dotted(self.path)} must be {self.test.describe()}"


@dataclass(frozen=True)
class DaemonMatch:
    """A key of each daemon.json and what its value must be."""

    path: tuple[str | int, ...]
    test: ValueTest

    def describe(self) -> str:
        """The rule in words."""
        return f"daemon.json {dotted(self.path)} must be {self.test.describe()}"


MatchRule = DockerfileMatch | ComposeMatch | DaemonMatch
"""A declarative detector."""


def parse_match(raw: Any, line: int | None) -> MatchRule:
    """The rule a ``match:`` block describes; raises :class:`MatchError` naming the line.

    ``line`` is the line of the ``match:`` key, used when a nested key has none.
    """
    if not isinstance(raw, dict) or len(raw) != 1:
        raise MatchError(f"'match' must hold exactly one of {', '.join(_KINDS)}", line)
    kind = next(iter(raw))
    body = raw[kind]
    here = _key_line(raw, kind, line)
    if kind not in _KINDS:
        raise MatchError(f"unknown match kind {kind!r} (known: {', '.join(_KINDS)})", here)
    if not isinstance(body, dict):
        raise MatchError(f"match.{kind} must be a mapping", here)
    known = _DOCKERFILE_KEYS if kind == "dockerfile" else _VALUE_KEYS[kind]
    for key in body:
        if key not in known:
            raise MatchError(
                f"match.{kind}: unknown key {key!r} (known: {', '.join(known)})",
                _key_line(body, key, here),
            )
    if kind == "dockerfile":
        return _dockerfile(body, here)
    path_key = "path" if kind == "compose" else "key"
    path = _path(body, path_key, kind, here)
    if kind == "compose":
        return ComposeMatch(path, _value_test(body, kind, here))
    return DaemonMatch(path, _value_test(body, kind, here))


def _dockerfile(body: dict[Any, Any], line: int | None) -> DockerfileMatch:
    instructions = _instructions(body, line)
    if "pattern" not in body:
        raise MatchError("match.dockerfile: 'pattern' is required", line)
    pattern = _regex(body, "pattern", "dockerfile", line)
    stage = _choice(body, "stage", ("final", "any"), line)
    expect = _choice(body, "expect", ("absent", "present"), line)
    return DockerfileMatch(instructions, pattern, stage, expect)


def _instructions(body: dict[Any, Any], line: int | None) -> frozenset[str]:
    raw = body.get("instruction")
    if raw is None:
        return frozenset()
    here = _key_line(body, "instruction", line)
    words = [raw] if isinstance(raw, str) else raw
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words) or not words:
        raise MatchError("match.dockerfile.instruction must be a keyword or a list", here)
    upper = [word.strip().upper() for word in words]
    unknown = [word for word in upper if word not in DOCKERFILE_KEYWORDS]
    if unknown:
        raise MatchError(f"match.dockerfile.instruction: unknown instruction {unknown[0]}", here)
    return frozenset(upper)


def _choice(body: dict[Any, Any], key: str, choices: Sequence[str], line: int | None) -> str:
    value = body.get(key, choices[0])
    if value not in choices:
        raise MatchError(
            f"match.dockerfile.{key} must be {' or '.join(choices)}, not {value!r}",
            _key_line(body, key, line),
        )
    return str(value)


def _regex(body: dict[Any, Any], key: str, kind: str, line: int | None) -> re.Pattern[str]:
    here = _key_line(body, key, line)
    value = body[key]
    if not isinstance(value, str) or not value:
        raise MatchError(f"match.{kind}.{key} must be a regular expression (text)", here)
    try:
        return re.compile(value)
    except re.error as error:
        raise MatchError(f"match.{kind}.{key}: bad regular expression: {error}", here) from None


def _path(body: dict[Any, Any], key: str, kind: str, line: int | None) -> tuple[str | int, ...]:
    here = _key_line(body, key, line)
    raw = body.get(key)
    if raw is None:
        raise MatchError(f"match.{kind}: '{key}' is required", line)
    parts: list[Any]
    if isinstance(raw, str):
        parts = [int(p) if p.isdigit() else p for p in raw.split(".")]
    elif isinstance(raw, list):
        parts = list(raw)
    else:
        raise MatchError(f"match.{kind}.{key} must be a dotted path or a list of keys", here)
    if kind == "compose" and tuple(parts[:2]) == _SERVICES_PREFIX:
        parts = parts[2:]
    if not parts or any(
        isinstance(p, bool) or not isinstance(p, str | int) or p in ("", "*") for p in parts
    ):
        raise MatchError(
            f"match.{kind}.{key}: every part must be a key or list index; "
            "only a leading 'services.*.' may hold a wildcard",
            here,
        )
    return tuple(p if isinstance(p, int) else str(p) for p in parts)


def _value_test(body: dict[Any, Any], kind: str, line: int | None) -> ValueTest:
    given = [test for test in _TESTS if test in body]
    if len(given) > 1:
        raise MatchError(
            f"match.{kind}: give one of {', '.join(_TESTS)}, not {' and '.join(given)}",
            _key_line(body, given[1], line),
        )
    has_default = "default" in body
    default = plain(body["default"]) if has_default else None
    if not given:
        return ValueTest("exists", (True,))
    test = given[0]
    here = _key_line(body, test, line)
    value = body[test]
    if test == "exists":
        if not isinstance(value, bool):
            raise MatchError(f"match.{kind}.exists must be true or false", here)
        return ValueTest("exists", (value,))
    if test == "pattern":
        regex = _regex(body, "pattern", kind, line)
        return ValueTest("pattern", regex=regex, default=default, has_default=has_default)
    if test == "in":
        if not isinstance(value, list) or not value:
            raise MatchError(f"match.{kind}.in must be a non-empty list of values", here)
        return ValueTest("in", tuple(plain(v) for v in value), None, default, has_default)
    if isinstance(value, dict | list) and test == "contains":
        raise MatchError(f"match.{kind}.contains must be one value", here)
    return ValueTest(test, (plain(value),), None, default, has_default)


def plain(value: Any) -> Any:
    """A loaded YAML value as plain Python (round-trip scalars become str, int, ...)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return str(value)


def as_text(value: Any) -> str:
    """A value as a reviewer reads it: ``true``, ``256m``, ``1``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(as_text(v) for v in value) + "]"
    return str(value)


def same_value(actual: Any, expected: Any) -> bool:
    """True when two values mean the same: equal, or the same text (``"true"`` is true)."""
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(
            same_value(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(actual, dict | list) or isinstance(expected, dict | list):
        return bool(actual == expected)
    left, right = as_text(actual), as_text(expected)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return left.lower() == right.lower()
    return left == right


def dotted(path: Sequence[str | int]) -> str:
    """A key path as written: ``deploy.resources.limits.memory``."""
    return ".".join(str(part) for part in path)


def _contains(value: Any, wanted: Any) -> bool:
    if isinstance(value, list):
        return any(same_value(entry, wanted) for entry in value)
    if isinstance(value, dict):
        return as_text(wanted) in {str(key) for key in value}
    if isinstance(value, str):
        return as_text(wanted) in value
    return False


def _key_line(mapping: Any, key: Any, fallback: int | None) -> int | None:
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return fallback
