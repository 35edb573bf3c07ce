"""Detectors for what a pipeline runs of other people's: actions and job images.

Third-party GitHub actions must be pinned by full commit SHA: a tag or branch can be moved
to new code by whoever controls the action's repository, and that code then runs with the
workflow's secrets and token. Actions owned by GitHub (``actions/``, ``github/``) may be
pinned by tag, since trusting GitHub is already a premise of running on it; local
actions (``./``) are part of the repository, and ``docker://`` actions must carry a digest.
Job and service images (GitLab ``image:``, CircleCI ``docker:``, Azure ``container:``,
GitHub ``container:`` and ``services:``, Bitbucket ``image:``) must name a version tag and
should be pinned by digest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reviewtui.detect.ci_checks.hits import Pipeline
from reviewtui.detect.ci_checks.steps import judge_every_file
from reviewtui.model import Evidence, Finding, Status, Target
from reviewtui.project.ci import CIFile, CIImage, CIKind, CIStep
from reviewtui.project.facts import ProjectFacts

GITHUB_OWNERS = frozenset({"actions", "github"})
MAX_EVIDENCE = 5
_COMMIT_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_DIGEST = re.compile(r"@sha256:[0-9a-fA-F]+")
_EXPRESSION = re.compile(r"\$|<<|%[A-Za-z_]+%")


# --- actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Use:
    """One ``uses:`` of a workflow, and whether it is pinned as the policy asks."""

    step: CIStep
    third_party: bool
    pinned: bool

    def evidence(self, ci_file: CIFile) -> Evidence:
        """The ``uses:`` line of the step."""
        path, line = self.step.path, self.step.line
        return Evidence(path, line, ci_file.line_text(path, line))


def _classify(step: CIStep) -> _Use | None:
    """How a step's action is pinned; None for local actions, which need no pin."""
    uses = step.uses.strip()
    if uses.startswith(("./", "../")):
        return None
    if uses.lower().startswith("docker://"):
        return _Use(step, True, bool(_DIGEST.search(uses)))
    name, _, ref = uses.partition("@")
    owner = name.split("/", 1)[0].lower()
    if owner in GITHUB_OWNERS:
        return _Use(step, False, bool(ref))
    return _Use(step, True, bool(_COMMIT_SHA.match(ref)))


def _judge_actions(target: Target, ci_file: CIFile, _: Pipeline) -> Finding:
    if ci_file.kind is not CIKind.GITHUB:
        return Finding(target, Status.NOT_APPLICABLE, "not a GitHub Actions workflow")
    uses = [use for step in ci_file.steps if step.uses if (use := _classify(step))]
    if not uses:
        return Finding(target, Status.NOT_APPLICABLE, "uses no actions from other repositories")

    unpinned = [use for use in uses if not use.pinned]
    third_party = [use for use in uses if use.third_party]
    if unpinned:
        names = ", ".join(dict.fromkeys(use.step.uses for use in unpinned[:3]))
        more = ", …" if len(unpinned) > 3 else ""
        return Finding(
            target,
            Status.FAIL,
            f"{len(unpinned)} action(s) not pinned by commit SHA: {names}{more}",
            tuple(use.evidence(ci_file) for use in unpinned[:MAX_EVIDENCE]),
        )
    if third_party:
        return Finding(
            target,
            Status.PASS,
            f"every third-party action is pinned by commit SHA ({len(third_party)})",
            (third_party[0].evidence(ci_file),),
        )
    return Finding(
        target,
        Status.PASS,
        "uses only GitHub's own actions, which may be pinned by tag",
        (uses[0].evidence(ci_file),),
    )


# --- job and service images ---------------------------------------------------------------


@dataclass(frozen=True)
class _ImageRef:
    """A job image reference taken apart: its tag ("" when none) and digest."""

    image: CIImage
    tag: str
    digest: bool
    variable_tag: bool

    @property
    def label(self) -> str:
        """The reference as written."""
        return self.image.reference


def _parse(image: CIImage) -> _ImageRef:
    reference = image.reference
    digest = bool(_DIGEST.search(reference))
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    # `$IMAGE` or `${{ matrix.image }}` may carry its own tag: the files cannot tell.
    variable = bool(_EXPRESSION.search(tag)) or (not tag and bool(_EXPRESSION.search(last)))
    return _ImageRef(image, tag, digest, variable)


def _evidence(ref: _ImageRef, ci_file: CIFile) -> Evidence:
    path, line = ref.image.path, ref.image.line
    return Evidence(path, line, ci_file.line_text(path, line))


def _judge_image_tags(target: Target, ci_file: CIFile, _: Pipeline) -> Finding:
    refs = [_parse(image) for image in ci_file.images]
    if not refs:
        return Finding(target, Status.NOT_APPLICABLE, "names no job or service images")

    floating = [r for r in refs if not r.digest and not r.variable_tag and r.tag in ("", "latest")]
    if floating:
        return Finding(
            target,
            Status.FAIL,
            _listing(floating, "untagged or `latest` image(s)"),
            tuple(_evidence(r, ci_file) for r in floating[:MAX_EVIDENCE]),
        )
    unknown = [r for r in refs if r.variable_tag and not r.digest]
    if unknown:
        return Finding(
            target,
            Status.UNKNOWN,
            _listing(unknown, "image(s) whose tag comes from a variable"),
            tuple(_evidence(r, ci_file) for r in unknown[:MAX_EVIDENCE]),
        )
    return Finding(
        target,
        Status.PASS,
        f"every job and service image names a version or digest ({len(refs)})",
        (_evidence(refs[0], ci_file),),
    )


def _judge_image_digests(target: Target, ci_file: CIFile, _: Pipeline) -> Finding:
    refs = [_parse(image) for image in ci_file.images]
    if not refs:
        return Finding(target, Status.NOT_APPLICABLE, "names no job or service images")

    by_tag = [r for r in refs if not r.digest and not r.variable_tag]
    if by_tag:
        return Finding(
            target,
            Status.FAIL,
            _listing(by_tag, "image(s) without a digest"),
            tuple(_evidence(r, ci_file) for r in by_tag[:MAX_EVIDENCE]),
        )
    unknown = [r for r in refs if not r.digest]
    if unknown:
        return Finding(
            target,
            Status.UNKNOWN,
            _listing(unknown, "image(s) named by a variable"),
            tuple(_evidence(r, ci_file) for r in unknown[:MAX_EVIDENCE]),
        )
    return Finding(
        target,
        Status.PASS,
        f"every job and service image is pinned by digest ({len(refs)})",
        (_evidence(refs[0], ci_file),),
    )


def _listing(refs: list[_ImageRef], what: str) -> str:
    names = ", ".join(dict.fromkeys(r.label for r in refs[:3]))
    more = ", …" if len(refs) > 3 else ""
    return f"{len(refs)} {what}: {names}{more}"


def ci_actions_pinned(facts: ProjectFacts) -> list[Finding]:
    """Per GitHub workflow: is every third-party action pinned by full commit SHA?"""
    return judge_every_file(facts, _judge_actions)


def ci_job_image_tag(facts: ProjectFacts) -> list[Finding]:
    """Per CI file: does every job and service image name a version tag (not latest)?"""
    return judge_every_file(facts, _judge_image_tags)


def ci_job_image_digest(facts: ProjectFacts) -> list[Finding]:
    """Per CI file: is every job and service image pinned by digest?"""
    return judge_every_file(facts, _judge_image_digests)


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "ci_actions_pinned": ci_actions_pinned,
    "ci_job_image_tag": ci_job_image_tag,
    "ci_job_image_digest": ci_job_image_digest,
}
