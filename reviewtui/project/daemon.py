"""daemon.json: the Docker engine's settings file, parsed with the line of each top-level key."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewtui.model import Evidence, Problem
from reviewtui.project.textfile import parse_json, read_text

# The types dockerd accepts for the settings a review looks at; dockerd refuses to start
# when one has another type, so such a value is reported as a problem.
_EXPECTED_TYPES: dict[str, tuple[type, ...]] = {
    "icc": (bool,),
    "live-restore": (bool,),
    "userns-remap": (str,),
    "no-new-privileges": (bool,),
    "tls": (bool,),
    "tlsverify": (bool,),
    "tlscacert": (str,),
    "tlscert": (str,),
    "tlskey": (str,),
    "hosts": (list,),
    "log-driver": (str,),
    "log-opts": (dict,),
    "log-level": (str,),
    "iptables": (bool,),
    "userland-proxy": (bool,),
    "experimental": (bool,),
    "insecure-registries": (list,),
    "authorization-plugins": (list,),
    "selinux-enabled": (bool,),
    "seccomp-profile": (str,),
    "debug": (bool,),
    "init": (bool,),
    "ip": (str,),
    "storage-driver": (str,),
    "storage-opts": (list,),
    "cgroup-parent": (str,),
    "default-ulimits": (dict,),
    "registry-mirrors": (list,),
}
_TYPE_WORDS = {bool: "true or false", str: "a string", list: "a list", dict: "an object"}
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]|\n')
_COLON_AFTER = re.compile(r"\s*:")


@dataclass
class DaemonConfig:
    """A parsed daemon.json: its settings, the line each top-level key is on, the problems.

    ``settings`` is empty when the file cannot be read or is not a JSON object; then
    ``readable`` is False, and a setting's absence proves nothing.
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    readable: bool = False
    key_lines: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list, repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of a top-level setting, or ``default`` when it is not set."""
        return self.settings.get(key, default)

    def has(self, key: str) -> bool:
        """True when the file sets ``key``."""
        return key in self.settings

    def line_of(self, key: str) -> int:
        """The line of ``key``, or 1 when the file does not set it."""
        return self.key_lines.get(key, 1)

    def evidence(self, key: str) -> Evidence:
        """Evidence for a setting: its line (line 1 when absent) and that line's text."""
        line = self.line_of(key)
        snippet = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        return Evidence(self.path, line, snippet)


def read_daemon_config(root: Path, rel: str) -> DaemonConfig:
    """Parse the daemon.json at ``root/rel``; what cannot be read becomes a problem."""
    config = DaemonConfig(rel)
    text, problem = read_text(root, rel)
    if problem is not None:
        config.problems.append(problem)
    if text is None:
        return config
    config.lines = text.splitlines()
    settings, error = parse_json(text)
    if error is not None:
        config.problems.append(Problem(rel, error.line, error.describe()))
        return config
    if not isinstance(settings, dict):
        config.problems.append(
            Problem(rel, 1, "not a daemon.json: the top level is not an object")
        )
        return config
    config.settings = settings
    config.readable = True
    config.key_lines = top_level_key_lines(text)
    config.problems.extend(_type_problems(config))
    return config


def top_level_key_lines(text: str) -> dict[str, int]:
    """The 1-based line of each key of the outermost JSON object; for a repeated key, the
    last one, whose value is the one that counts."""
    lines: dict[str, int] = {}
    depth = 0
    line = 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token == "\n":
            line += 1
        elif token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1 and _COLON_AFTER.match(text, match.end()):
            try:
                key = json.loads(token)
            except json.JSONDecodeError:
                continue
            lines[key] = line
    return lines


def _type_problems(config: DaemonConfig) -> list[Problem]:
    problems = []
    for key, types in _EXPECTED_TYPES.items():
        if key not in config.settings:
            continue
        value = config.settings[key]
        if isinstance(value, types) and not (bool not in types and isinstance(value, bool)):
            continue
        wanted = _TYPE_WORDS.get(types[0], types[0].__name__)
        problems.append(
            Problem(
                config.path,
                config.line_of(key),
                f"{key} should be {wanted}, not {type(value).__name__}; "
                "dockerd would refuse this file",
            )
        )
    return sorted(problems, key=lambda problem: problem.line or 0)
