"""The build context: which folders a Dockerfile is built from, and the .dockerignore check."""

from __future__ import annotations

import posixpath
import re

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    each_dockerfile,
    evidence_of,
    make_finding,
    worst,
)
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import Dockerfile, Instruction
from reviewtui.project.dockerignore import IgnorePattern
from reviewtui.project.facts import ProjectFacts

# Sources that COPY or ADD fetch from elsewhere than the build context.
REMOTE_SOURCE = re.compile(r"(?i)^(https?|ftp)://|^git@")


def copy_sources(instruction: Instruction) -> list[str]:
    """The source arguments of a COPY or ADD (everything but the destination)."""
    words = instruction.words
    return [word for word in words[:-1] if not word.startswith("<<")]


def build_contexts(facts: ProjectFacts) -> dict[str, list[str]]:
    """The build contexts compose services give each Dockerfile, by Dockerfile path."""
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

# Paths a .dockerignore must keep out of the context, grouped by what they stand for.
_MUST_EXCLUDE = (
    (".git", (".git/config",)),
    (".env files", (".env", ".env.local")),
    ("private keys", ("id_rsa", "secrets/server.key", "secrets/server.pem")),
)


def dockerignore(facts: ProjectFacts) -> list[Finding]:
    """Whether a .dockerignore keeps ``.git``, ``.env`` files and private keys out of the
    build context.

    The context is the one a compose service gives, else the Dockerfile's folder;
    ``<Dockerfile>.dockerignore`` beside the file wins over ``.dockerignore`` at the
    context root, as Docker does. Judged on sample
    paths (``.git/config``, ``.env``, ``.env.local``, ``id_rsa``, ``secrets/server.key``,
    ``secrets/server.pem``). NOT_APPLICABLE when no stage COPYs or ADDs from the context.
    """
    compose_contexts = build_contexts(facts)

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
                _judge_dockerignore(facts, dockerfile, context, context_copies[0])
                for context in contexts_of(dockerfile, compose_contexts)
            ]
        )

    return each_dockerfile(facts, judge)


def _judge_dockerignore(
    facts: ProjectFacts, dockerfile: Dockerfile, context: str, first_copy: Instruction
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
    missing: list[str] = []
    deciding: list[IgnorePattern] = []
    for concern, samples in _MUST_EXCLUDE:
        patterns = [ignore.deciding_pattern(sample) for sample in samples]
        if not all(ignore.excludes(sample) for sample in samples):
            missing.append(concern)
        deciding.extend(p for p in patterns if p is not None and not p.exception)
    if missing:
        first_line = ignore.patterns[0].line if ignore.patterns else None
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"{ignore.path} does not exclude {', '.join(missing)}",
            [Evidence(ignore.path, first_line, ""), evidence_of(dockerfile, first_copy)],
        )
    unique = {pattern.line: pattern for pattern in deciding}
    return make_finding(
        dockerfile,
        Status.PASS,
        f"{ignore.path} excludes .git, .env files and private keys",
        [
            Evidence(ignore.path, p.line, p.text)
            for p in sorted(unique.values(), key=lambda p: p.line)
        ],
    )


DETECTORS: dict[str, Detector] = {
    "dockerignore": dockerignore,
}
"""The detectors of this module, by the names the checklists use."""
