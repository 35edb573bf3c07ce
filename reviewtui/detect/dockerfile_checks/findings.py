"""Shared helpers of the Dockerfile detectors: targets, evidence, findings, stages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.dockerfile import Dockerfile, Instruction, Stage
from reviewtui.project.facts import ProjectFacts

Detector = Callable[[ProjectFacts], list[Finding]]
Judge = Callable[[ProjectFacts, Dockerfile], Finding]


# -- shared helpers -------------------------------------------------------------------------


def target_of(dockerfile: Dockerfile) -> Target:
    """The target a Dockerfile's findings are about: the file itself (made once per file)."""
    target = dockerfile.memo.get("target")
    if target is None:
        target = dockerfile.memo["target"] = Target(
            TargetKind.DOCKERFILE, dockerfile.path, dockerfile.path
        )
    return target  # type: ignore[no-any-return]


def evidence_at(dockerfile: Dockerfile, line: int, snippet: str | None = None) -> Evidence:
    """Evidence at a line of the Dockerfile, with that line's text unless told otherwise.

    Evidence is immutable, and masking its snippet is the costly part, so each line's
    evidence is made once per file and shared by every detector that cites it.
    """
    text = dockerfile.snippet_at(line) if snippet is None else snippet
    cache: dict[tuple[int, str], Evidence] = dockerfile.memo.setdefault("evidence", {})
    found = cache.get((line, text))
    if found is None:
        found = cache[(line, text)] = Evidence(dockerfile.path, line, text)
    return found


def evidence_of(dockerfile: Dockerfile, instruction: Instruction) -> Evidence:
    """Evidence at an instruction's first line."""
    return evidence_at(dockerfile, instruction.start_line, instruction.snippet)


def assignment_line(dockerfile: Dockerfile, instruction: Instruction, name: str) -> int:
    """The physical line of a continued ARG or ENV that sets ``name``."""
    if instruction.end_line == instruction.start_line or not name:
        return instruction.start_line
    # Not after $ or {: that is a reference to the variable, not its assignment.
    pattern = re.compile(r"(?<![A-Za-z0-9_${])" + re.escape(name) + r"""(?=[=\s"']|$)""")
    return dockerfile.line_matching(instruction, pattern)


def make_finding(
    dockerfile: Dockerfile, status: Status, reason: str, evidence: Iterable[Evidence] = ()
) -> Finding:
    """A finding about the Dockerfile; equal evidence is one tuple per file, shared by
    its findings (most cite the same FROM line), as a big tree keeps them all."""
    cited = tuple(evidence)
    shared: dict[tuple[Evidence, ...], tuple[Evidence, ...]] = dockerfile.memo.setdefault(
        "evidence_tuples", {}
    )
    return Finding(target_of(dockerfile), status, reason, shared.setdefault(cited, cited))


_DECIDING_ORDER = (Status.FAIL, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)


def worst(findings: list[Finding]) -> Finding:
    """The finding that decides when one Dockerfile is judged several ways (contexts)."""
    return min(findings, key=lambda finding: _DECIDING_ORDER.index(finding.status))


def worst_status(statuses: Iterable[Status]) -> Status:
    """The status that decides among several: fail, then unknown, pass, not applicable."""
    return min(statuses, key=_DECIDING_ORDER.index, default=Status.NOT_APPLICABLE)


def each_dockerfile(facts: ProjectFacts, judge: Judge) -> list[Finding]:
    """One finding per Dockerfile; a file without any readable FROM is left to a person."""
    # TODO: a compose build.target (or docker build --target) ships an earlier stage; the
    # last stage is judged here whatever the target.
    findings = []
    for dockerfile in facts.dockerfiles:
        if dockerfile.final_stage is None:
            findings.append(
                make_finding(
                    dockerfile,
                    Status.UNKNOWN,
                    "no FROM instruction could be read; see the problems",
                )
            )
            continue
        findings.append(judge(facts, dockerfile))
    return findings


def final_stage(dockerfile: Dockerfile) -> Stage:
    stage = dockerfile.final_stage
    assert stage is not None  # each_dockerfile skips files without stages
    return stage


def root_stage(dockerfile: Dockerfile) -> Stage:
    root = dockerfile.root_stage()
    assert root is not None
    return root


def base_evidence(dockerfile: Dockerfile) -> list[Evidence]:
    """The root stage's FROM line, and the final FROM when the chain has several."""
    root, final = root_stage(dockerfile), final_stage(dockerfile)
    evidence = [evidence_of(dockerfile, root.from_instruction)]
    if final is not root:
        evidence.append(evidence_of(dockerfile, final.from_instruction))
    return evidence


@dataclass(frozen=True, slots=True)
class Hit:
    """One offending place a detector found: the Dockerfile line and why it offends."""

    line: int
    reason: str


_MAX_EVIDENCE = 8
# A pass is shown by the first few lines it rests on; masking each snippet costs time.
_MAX_PASS_EVIDENCE = 3


def judge_hits(
    dockerfile: Dockerfile,
    hits: list[Hit],
    pass_reason: str,
    pass_lines: Iterable[int] = (),
    not_applicable: str | None = None,
) -> Finding:
    """FAIL on the first hit (evidence: every offending line), else PASS or N/A.

    ``not_applicable`` is the reason when nothing the detector judges is there; PASS
    evidence is ``pass_lines``, or the final stage's FROM line when none is given.
    """
    if hits:
        more = len(hits) - 1
        reason = hits[0].reason + (f" (and {more} more)" if more else "")
        lines = sorted({hit.line for hit in hits})[:_MAX_EVIDENCE]
        return make_finding(
            dockerfile, Status.FAIL, reason, [evidence_at(dockerfile, line) for line in lines]
        )
    from_line = final_stage(dockerfile).from_instruction
    if not_applicable is not None:
        return make_finding(
            dockerfile,
            Status.NOT_APPLICABLE,
            not_applicable,
            [evidence_of(dockerfile, from_line)],
        )
    lines = sorted(set(pass_lines))[:_MAX_PASS_EVIDENCE]
    evidence = [evidence_at(dockerfile, line) for line in lines] or [
        evidence_of(dockerfile, from_line)
    ]
    return make_finding(dockerfile, Status.PASS, pass_reason, evidence)


def unique_lines(hits: Iterable[Hit]) -> list[Hit]:
    """The hits with the first of each line only, in order."""
    seen: set[int] = set()
    unique = []
    for hit in hits:
        if hit.line not in seen:
            seen.add(hit.line)
            unique.append(hit)
    return unique
