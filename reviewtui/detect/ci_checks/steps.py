"""Step recognition per CI file, analysed once, and the per-file judging the items share.

Each CI file's steps are sorted into builds, pushes, scans, lints, signatures, SBOMs and
provenance: shell commands by the command lines of the tools, actions, tasks, orb
commands and GitLab templates by name and inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reviewtui.detect.ci_checks.actions import read_uses
from reviewtui.detect.ci_checks.commands import read_command, read_env
from reviewtui.detect.ci_checks.hits import Context, Hit, Pipeline
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project.ci import CIFile
from reviewtui.project.facts import ProjectFacts


def analyse(ci_file: CIFile, tool_configs: frozenset[str]) -> Pipeline:
    """Sort every step of a CI file into builds, pushes, scans, lints, signatures, SBOMs."""
    context = Context(ci_file, tool_configs)
    pipeline = Pipeline(ci_file.path, list(ci_file.calls))
    for step in ci_file.steps:
        if step.uses:
            read_uses(context, step, pipeline)
        for command in step.commands:
            read_command(context, step, command.line, command.text, pipeline)
        read_env(context, step, pipeline)
    return pipeline


_TOOL_CONFIGS = {
    "trivy.yaml": "trivy.yaml",
    ".grype.yaml": ".grype.yaml",
    ".grype/config.yaml": ".grype.yaml",
}


@dataclass(frozen=True)
class View:
    """A building pipeline, the pipelines it calls, and every other pipeline."""

    own: Pipeline
    related: tuple[Pipeline, ...]
    others: tuple[Pipeline, ...]

    def hits(self, kind: str) -> list[Hit]:
        """Hits of a kind in this pipeline and the ones it calls."""
        return [hit for pipeline in self.related for hit in getattr(pipeline, kind)]

    def elsewhere(self, kind: str) -> list[Hit]:
        """Hits of a kind in the project's other pipelines."""
        return [hit for pipeline in self.others for hit in getattr(pipeline, kind)]

    def here_or_elsewhere(self, kind: str) -> tuple[list[Hit], bool]:
        """Hits in this pipeline, else in the others (and True for the others)."""
        hits = self.hits(kind)
        return (hits, False) if hits else (self.elsewhere(kind), True)


Judge = Callable[[Target, View], Finding]


def judge_each(facts: ProjectFacts, judge: Judge) -> list[Finding]:
    """One finding per CI file: not applicable when it builds no image, else ``judge``."""
    if not facts.ci_files:
        return []
    pipelines = analysed_pipelines(facts)

    findings = []
    for ci_file in facts.ci_files:
        target = Target(TargetKind.CI, ci_file.path, ci_file.path)
        own = pipelines[ci_file.path]
        if not own.builds:
            findings.append(
                Finding(target, Status.NOT_APPLICABLE, "does not build container images")
            )
            continue
        related = related_pipelines(own, pipelines)
        others = tuple(p for p in pipelines.values() if all(p is not r for r in related))
        findings.append(judge(target, View(own, related, others)))
    return findings


FileJudge = Callable[[Target, CIFile, Pipeline], Finding]


def judge_every_file(facts: ProjectFacts, judge: FileJudge) -> list[Finding]:
    """One finding per CI file, whatever it builds, from ``judge``; [] without CI files."""
    if not facts.ci_files:
        return []
    pipelines = analysed_pipelines(facts)
    return [
        judge(ci_target(ci_file), ci_file, pipelines[ci_file.path]) for ci_file in facts.ci_files
    ]


def ci_target(ci_file: CIFile) -> Target:
    """The target a CI file's findings are about."""
    return Target(TargetKind.CI, ci_file.path, ci_file.path)


# The detectors ask about the same files one after the other: keep the last analysis.
# It holds the CIFile objects themselves, so their ids cannot be reused while cached.
_last_analysis: tuple[tuple[CIFile, ...], frozenset[str], dict[str, Pipeline]] | None = None


def analysed_pipelines(facts: ProjectFacts) -> dict[str, Pipeline]:
    """Every CI file's pipeline by path, analysed once per set of CI files."""
    global _last_analysis
    configs = frozenset(name for rel, name in _TOOL_CONFIGS.items() if rel in facts.files)
    ci_files = tuple(facts.ci_files)
    if _last_analysis is not None:
        cached_files, cached_configs, cached = _last_analysis
        same = len(cached_files) == len(ci_files) and all(
            a is b for a, b in zip(cached_files, ci_files, strict=True)
        )
        if same and cached_configs == configs:
            return cached
    pipelines = {ci.path: analyse(ci, configs) for ci in ci_files}
    _last_analysis = (ci_files, configs, pipelines)
    return pipelines


def related_pipelines(own: Pipeline, pipelines: dict[str, Pipeline]) -> tuple[Pipeline, ...]:
    """This pipeline and every pipeline it calls, directly or through others."""
    seen = [own]
    pending = list(own.calls)
    while pending:
        called = pipelines.get(pending.pop())
        if called is not None and all(called is not s for s in seen):
            seen.append(called)
            pending.extend(called.calls)
    return tuple(seen)


def where(hit: Hit, elsewhere: bool) -> str:
    """`` (in PATH)`` for a hit found in another CI file, else nothing."""
    return f" (in {hit.path})" if elsewhere else ""
