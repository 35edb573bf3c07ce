"""Running a ``match:`` rule over a project: one finding per target, with evidence lines.

Dockerfile rules judge each Dockerfile (its final stage and the stages it builds on, or
every stage), compose rules each service, daemon rules each daemon.json, as the built-in
detectors do, so custom items read like shipped ones in the app and the reports.
"""

from __future__ import annotations

from typing import Any

from reviewtui.custom.schema import (
    ComposeMatch,
    DaemonMatch,
    DockerfileMatch,
    MatchRule,
    ValueTest,
    as_text,
    dotted,
    plain,
)
from reviewtui.masking import is_secret_name
from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.compose_model import ComposeService
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.dockerfile import Dockerfile, Instruction
from reviewtui.project.facts import ProjectFacts

MAX_EVIDENCE = 5
"""Matching instructions cited per Dockerfile; the reason counts the rest."""
_MAX_VALUE = 60
_MISSING: Any = object()


def run_match(rule: MatchRule, facts: ProjectFacts) -> list[Finding]:
    """The findings of a declarative rule: one per target of its kind; [] with none."""
    if isinstance(rule, DockerfileMatch):
        return [_dockerfile(rule, dockerfile) for dockerfile in facts.dockerfiles]
    if isinstance(rule, ComposeMatch):
        return [
            _service(rule, service)
            for project in facts.compose_projects
            for service in project.services
        ]
    return [_daemon(rule, config) for config in facts.daemon_configs]


# -- Dockerfiles ----------------------------------------------------------------------------


def _dockerfile(rule: DockerfileMatch, dockerfile: Dockerfile) -> Finding:
    target = Target(TargetKind.DOCKERFILE, dockerfile.path, dockerfile.path)
    final = dockerfile.final_stage
    if final is None:
        return Finding(target, Status.UNKNOWN, "no FROM instruction could be read")

    matches = [ins for ins in _instructions(rule, dockerfile) if _matches(rule, ins)]
    evidence = tuple(_match_evidence(rule, dockerfile, ins) for ins in matches[:MAX_EVIDENCE])
    what = "/".join(sorted(rule.instructions)) or "instruction"
    where = "the final stage" if rule.stage == "final" else "any stage"
    pattern = rule.pattern.pattern
    if matches:
        first = matches[0]
        more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
        reason = f"{first.keyword} on line {evidence[0].line} matches /{pattern}/{more}"
        status = Status.FAIL if rule.expect == "absent" else Status.PASS
        return Finding(target, status, reason, evidence)

    from_line = final.from_instruction.start_line
    at_from = (Evidence(dockerfile.path, from_line, dockerfile.snippet_at(from_line)),)
    if rule.expect == "absent":
        return Finding(target, Status.PASS, f"no {what} in {where} matches /{pattern}/", at_from)
    return Finding(target, Status.FAIL, f"no {what} in {where} matches /{pattern}/", at_from)


def _instructions(rule: DockerfileMatch, dockerfile: Dockerfile) -> list[Instruction]:
    """The instructions a rule looks at, FROM lines included, in file order."""
    if rule.stage == "any":
        return list(dockerfile.instructions)
    chosen: list[Instruction] = []
    for stage in dockerfile.lineage():
        chosen.append(stage.from_instruction)
        chosen.extend(stage.instructions)
    return sorted(chosen, key=lambda ins: ins.start_line)


def _matches(rule: DockerfileMatch, instruction: Instruction) -> bool:
    if rule.instructions and instruction.keyword not in rule.instructions:
        return False
    text = instruction.value
    if instruction.heredocs:
        text = "\n".join([text, *(doc.body for doc in instruction.heredocs)])
    return rule.pattern.search(text) is not None


def _match_evidence(
    rule: DockerfileMatch, dockerfile: Dockerfile, instruction: Instruction
) -> Evidence:
    line = dockerfile.line_matching(instruction, rule.pattern)
    return Evidence(dockerfile.path, line, dockerfile.snippet_at(line))


# -- compose services and daemon.json -------------------------------------------------------


def _service(rule: ComposeMatch, service: ComposeService) -> Finding:
    target = Target(TargetKind.SERVICE, service.path, service.name)
    value = service.get(*rule.path, default=_MISSING)
    present = value is not _MISSING
    evidence = service.evidence(*rule.path) if present else service.evidence()
    return _judged(target, rule.path, rule.test, value, present, evidence)


def _daemon(rule: DaemonMatch, config: DaemonConfig) -> Finding:
    target = Target(TargetKind.DAEMON, config.path, config.path)
    if not config.settings and config.problems:
        return Finding(target, Status.UNKNOWN, "daemon.json could not be read; see the problems")
    value: Any = config.settings
    for part in rule.path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            value = _MISSING
            break
    present = value is not _MISSING
    top = str(rule.path[0])
    evidence = config.evidence(top) if config.has(top) else config.evidence("")
    return _judged(target, rule.path, rule.test, value, present, evidence)


def _judged(
    target: Target,
    path: tuple[str | int, ...],
    test: ValueTest,
    value: Any,
    present: bool,
    evidence: Evidence,
) -> Finding:
    """The finding for one value: pass or fail, with a reason that names the key."""
    name = dotted(path)
    value = plain(value) if present else None
    passed = test.check(value, present)
    status = Status.PASS if passed else Status.FAIL
    if present and test.test == "exists":
        shown = "set"
    elif not present:
        shown = "not set"
        if test.has_default and test.test != "exists":
            shown += f" (default {as_text(test.default)})"
    elif any(is_secret_name(str(part)) for part in path):
        shown = "set (value hidden)"
    else:
        shown = _short(as_text(value))
    reason = f"{name} is {shown}"
    if not passed:
        reason += f", expected {test.describe()}"
    return Finding(target, status, reason, (evidence,))


def _short(text: str) -> str:
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"
