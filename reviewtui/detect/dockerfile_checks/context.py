"""The build context: which folders a Dockerfile is built from, and the .dockerignore check."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    each_dockerfile,
    evidence_of,
    make_finding,
    worst,
)
from reviewtui.detect.dockerfile_checks.secret_files import project_secret_files
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import Dockerfile, Instruction
from reviewtui.project.dockerignore import DockerIgnore, IgnorePattern
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.textfile import read_text

# Sources that COPY or ADD fetch from elsewhere than the build context.
REMOTE_SOURCE = re.compile(r"(?i)^(https?|ftp)://|^git@")


def copy_sources(instruction: Instruction) -> list[str]:
    """The source arguments of a COPY or ADD (everything but the destination)."""
    words = instruction.words
    return [word for word in words[:-1] if not word.startswith("<<")]


def build_contexts(facts: ProjectFacts) -> dict[str, list[str]]:
    """The build contexts compose services give each Dockerfile, by Dockerfile path.

    Worked out once per project: a scan judges its Dockerfiles a batch at a time, each
    batch with facts of its own that share the compose projects. Read only.
    """
    return facts.derived("build_contexts", facts.compose_projects, lambda: _build_contexts(facts))


def _build_contexts(facts: ProjectFacts) -> dict[str, list[str]]:
    contexts: dict[str, list[str]] = {}
    for project in facts.compose_projects:
        for service in project.services:
            build = service.build()
            if build is None or build.context is None or build.dockerfile is None:
                continue
            found = contexts.setdefault(build.dockerfile, [])
            if build.context not in found:
                found.append(build.context)
    return contexts


def contexts_of(dockerfile: Dockerfile, compose_contexts: dict[str, list[str]]) -> list[str]:
    """The folders a Dockerfile is built from: what compose says, else its own folder."""
    return compose_contexts.get(dockerfile.path) or [posixpath.dirname(dockerfile.path) or "."]


def context_prefix(context_dir: str) -> str:
    return "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"


def reads_context(instruction: Instruction) -> bool:
    """True for a COPY or ADD that takes at least one file from the build context."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    return any(not REMOTE_SOURCE.match(source) for source in copy_sources(instruction))


# -- build context ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Concern:
    """What a .dockerignore must keep out: sample paths, the pattern that covers each,
    and how to tell the context's own files of that kind."""

    label: str
    samples: tuple[tuple[str, str], ...]
    kinds: frozenset[str]


# The samples stand for files added later as much as for those there today: a key
# belongs in no context, wherever it sits, so a pattern that only covers the top of the
# context (Docker's ``*.key``) leaves keys in subfolders to be sent. ``.env`` files and
# ``.git`` live at the top of a project, so top-level patterns cover them.
_CONCERNS = (
    _Concern(".git", ((".git/config", ".git"),), frozenset()),
    _Concern(
        ".env files",
        ((".env", ".env*"), (".env.local", ".env*")),
        frozenset({"an environment file"}),
    ),
    _Concern(
        "private keys",
        (
            ("id_rsa", "id_rsa*"),
            ("secrets/server.key", "**/*.key"),
            ("secrets/server.pem", "**/*.pem"),
        ),
        frozenset({"an SSH private key", "a private key", "a PEM key or certificate"}),
    ),
)


@dataclass
class _Gaps:
    """What one .dockerignore lets through, gathered concern by concern."""

    missing: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)
    top_only: list[IgnorePattern] = field(default_factory=list)
    reincluding: list[IgnorePattern] = field(default_factory=list)
    related: list[IgnorePattern] = field(default_factory=list)
    covering: list[IgnorePattern] = field(default_factory=list)

    def add_fix(self, pattern: str) -> None:
        if pattern not in self.fixes:
            self.fixes.append(pattern)


def dockerignore(facts: ProjectFacts) -> list[Finding]:
    """Whether a .dockerignore keeps ``.git``, ``.env`` files and private keys out of the
    build context.

    The context is the one a compose service gives, else the Dockerfile's folder;
    ``<Dockerfile>.dockerignore`` beside the file wins over ``.dockerignore`` at the
    context root, as Docker does. "Excluded" means what Docker's matcher makes of the
    patterns, as for ``image.no-secrets-in-layers``: ``*.key`` covers only the top of the
    context. Judged on sample paths that stand for files added later (``.git/config``,
    ``.env``, ``.env.local``, ``id_rsa``, ``secrets/server.key``, ``secrets/server.pem``)
    and on the context's own ``.env`` and key files; the reason names the patterns to
    add. NOT_APPLICABLE when no stage COPYs or ADDs from the context.
    """
    compose_contexts = build_contexts(facts)
    secret_files = project_secret_files(facts)

    def judge(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
        context_copies = [ins for ins in dockerfile.instructions if reads_context(ins)]
        if not context_copies:
            return make_finding(
                dockerfile,
                Status.NOT_APPLICABLE,
                "no COPY or ADD reads the build context",
                [evidence_of(dockerfile, dockerfile.stages[0].from_instruction)],
            )
        return worst(
            [
                _judge_dockerignore(facts, dockerfile, context, context_copies[0], secret_files)
                for context in contexts_of(dockerfile, compose_contexts)
            ]
        )

    return each_dockerfile(facts, judge)


def _judge_dockerignore(
    facts: ProjectFacts,
    dockerfile: Dockerfile,
    context: str,
    first_copy: Instruction,
    secret_files: list[tuple[str, str]],
) -> Finding:
    ignore = facts.dockerignore_for(context, dockerfile.path)
    if ignore is None:
        expected = ".dockerignore" if context == "." else f"{context}/.dockerignore"
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"no .dockerignore: expected {expected} at the root of the build context",
            [evidence_of(dockerfile, first_copy)],
        )
    gaps = _Gaps()
    prefix = context_prefix(context)
    own_files = [
        (rel[len(prefix) :], kind) for rel, kind in secret_files if rel.startswith(prefix)
    ]
    for concern in _CONCERNS:
        _find_gaps(ignore, concern, own_files, gaps)
    if gaps.missing:
        shown = gaps.top_only + gaps.reincluding + gaps.related
        cited = sorted({p.line: p for p in shown}.values(), key=lambda p: p.line)
        evidence = [_pattern_evidence(ignore.path, p) for p in cited] or [
            _first_line_evidence(facts, ignore)
        ]
        return make_finding(
            dockerfile,
            Status.FAIL,
            _gap_reason(ignore.path, gaps),
            [*evidence, evidence_of(dockerfile, first_copy)],
        )
    unique = sorted({p.line: p for p in gaps.covering}.values(), key=lambda p: p.line)
    return make_finding(
        dockerfile,
        Status.PASS,
        f"{ignore.path} excludes .git, .env files and private keys",
        [_pattern_evidence(ignore.path, p) for p in unique],
    )


def _find_gaps(
    ignore: DockerIgnore, concern: _Concern, own_files: list[tuple[str, str]], gaps: _Gaps
) -> None:
    """Add to ``gaps`` what of ``concern`` the .dockerignore lets through, and why."""
    missing_before = len(gaps.missing)
    lacking = []
    covering = []
    for sample, fix in concern.samples:
        deciding = ignore.deciding_pattern(sample)
        if deciding is not None and not deciding.exception:
            covering.append(deciding)
            continue
        lacking.append(sample)
        gaps.add_fix(fix)
        if deciding is not None:
            gaps.reincluding.append(deciding)
        elif "/" in sample:
            top = ignore.deciding_pattern(sample.rsplit("/", 1)[-1])
            if top is not None and not top.exception and top not in gaps.top_only:
                gaps.top_only.append(top)
    if lacking:
        gaps.missing.append(_missing_words(concern, lacking))
    for path, kind in own_files:
        if kind in concern.kinds and not ignore.excludes(path):
            # A file that is there today is named first.
            if len(gaps.missing) == missing_before:
                gaps.missing.append(path)
            else:
                gaps.missing[-1] = f"{path} and {gaps.missing[-1]}"
            name = path.rsplit("/", 1)[-1]
            gaps.add_fix(f"**/{name}" if "/" in path else name)
            break
    # The patterns that do cover part of a concern show where it falls short.
    (gaps.related if len(gaps.missing) > missing_before else gaps.covering).extend(covering)


def _missing_words(concern: _Concern, lacking: list[str]) -> str:
    """How a reason names the part of a concern that gets through."""
    if concern.label == ".env files":
        if lacking == [".env.local"]:
            return "`.env.local` and other `.env.*` files"
        return ".env files"
    if concern.label == "private keys":
        if all("/" in sample for sample in lacking):
            return "private keys in subfolders"
        return "private keys"
    return concern.label


def _gap_reason(path: str, gaps: _Gaps) -> str:
    """``X does not exclude A and B: `*.key` matches only at the top ...; add ...``."""
    reason = f"{path} does not exclude {_join(gaps.missing, 'or')}"
    notes = []
    if gaps.top_only:
        names = [f"`{p.pattern}`" for p in gaps.top_only]
        verb = "matches" if len(names) == 1 else "match"
        notes.append(f"{_join(names)} {verb} only at the top of the context")
    if gaps.reincluding:
        names = [f"`!{p.pattern}`" for p in gaps.reincluding]
        notes.append(f"{_join(names)} sends them again")
    fixes = _join([f"`{fix}`" for fix in gaps.fixes])
    return f"{reason}: {'; '.join(notes + [f'add {fixes}'])}"


def _join(words: list[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (or ``or`` for ``last``)."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def _pattern_evidence(path: str, pattern: IgnorePattern) -> Evidence:
    return Evidence(path, pattern.line, pattern.text)


def _first_line_evidence(facts: ProjectFacts, ignore: DockerIgnore) -> Evidence:
    """The .dockerignore's first pattern, else its first line: what shows it falls short."""
    if ignore.patterns:
        return _pattern_evidence(ignore.path, ignore.patterns[0])
    text, _ = read_text(facts.root, ignore.path, max_bytes=64 * 1024)
    first = text.split("\n", 1)[0] if text else ""
    return Evidence(ignore.path, 1 if text else None, first)


DETECTORS: dict[str, Detector] = {
    "dockerignore": dockerignore,
}
"""The detectors of this module, by the names the checklists use."""
