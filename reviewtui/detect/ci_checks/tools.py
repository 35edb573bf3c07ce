"""Small helpers for reading tool command lines and step settings in CI files."""

from __future__ import annotations

import re
from collections.abc import Iterable

from reviewtui.project.ci import CIStep

SHELL_BREAK = re.compile(r"\s*(?:&&|\|\||\||;)\s*")
_INSTALLING = re.compile(r"(?i)\b(?:install|add|get|brew|choco|scoop)\b")
BUILDX_PUSH = re.compile(r"(?i)--push\b|type=registry|push=true")
SEVERITIES = ("negligible", "low", "medium", "high", "critical")
# How CI files refer to a value kept elsewhere: GitHub and Azure expressions, shell and
# Azure variables, CircleCI parameters, Windows variables.
_CI_REFERENCE = re.compile(
    r"\$\{\{.*?\}\}|\$\[.*?\]|\$\(\s*[\w.]+\s*\)|\$\{?[A-Za-z_][\w]*\}?|<<.*?>>|%[A-Za-z_]\w*%"
)
SBOM_FORMATS = ("cyclonedx", "spdx", "spdx-json", "github")


def tool_pattern(name: str) -> re.Pattern[str]:
    """A tool called by name, path (``./bin/trivy``) or image (``aquasec/trivy:0.50``)."""
    return re.compile(
        rf"(?i)(?<![\w.\-]){name}(?::[\w.\-]+)?(?:@sha256:[0-9a-f]+)?(?=\s|$)(?P<rest>.*)"
    )


def invocations(pattern: re.Pattern[str], text: str) -> list[tuple[str, str]]:
    """Each call of a tool in a command line: its arguments up to the next shell operator,
    and what follows them. Calls inside an install command are left out."""
    found = []
    for match in pattern.finditer(text):
        before = SHELL_BREAK.split(text[: match.start()])[-1]
        if _INSTALLING.search(before):
            continue
        found.append(split_command(match.group("rest")))
    return found


def split_command(rest: str) -> tuple[str, str]:
    parts = SHELL_BREAK.search(rest)
    if parts is None:
        return rest, ""
    return rest[: parts.start()], rest[parts.start() :]


def first_argument(segment: str, flags_with_value: Iterable[str]) -> str | None:
    """The first word of a command's arguments that is not a flag (nor a flag's value)."""
    words = segment.split()
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            skip_next = "=" not in word and word in flags_with_value
            continue
        return word.strip("\"'")
    return None


def flag_value(segment: str, names: Iterable[str]) -> str | None:
    """The value given to any of these flags, as ``--flag value`` or ``--flag=value``."""
    for name in names:
        match = re.search(rf"(?:^|\s){re.escape(name)}(?:=|\s+)(\S+)", segment)
        if match:
            return match.group(1).strip("\"'")
    return None


def first_words(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return " ".join(match.group(0).split()) if match else ""


def env_value(step: CIStep, name: str) -> str | None:
    """The step's environment variable, unquoted, or None when unset or empty."""
    value = step.env.get(name)
    return value.value.strip().strip("\"'") if value is not None and value.value else None


def input_value(step: CIStep, name: str) -> str | None:
    """The step's input of this name, stripped, or None when unset."""
    value = step.input(name)
    return value.value.strip() if value is not None else None


def input_true(step: CIStep, name: str) -> bool:
    """True when the step's input is the literal ``true``."""
    return (input_value(step, name) or "").lower() == "true"


def is_ci_reference(value: str) -> bool:
    """True when a value refers to a secret kept elsewhere instead of holding it:
    ``${{ secrets.X }}``, ``$(var)``, ``$VAR``, ``<< parameters.x >>``, ``%VAR%``."""
    return bool(_CI_REFERENCE.search(value))
