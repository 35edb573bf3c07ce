"""Recognising what a CI shell command does: builds, pushes, scans, lints, signatures."""

from __future__ import annotations

import re

from reviewtui.detect.ci_checks.gates import grype_gate, scan_hit, scout_gate, trivy_gate
from reviewtui.detect.ci_checks.hits import Context, Pipeline
from reviewtui.detect.ci_checks.lint_gates import FAILS, command_gate, lint_hit, trivy_lint_gate
from reviewtui.detect.ci_checks.tools import (
    BUILDX_PUSH,
    SBOM_FORMATS,
    first_argument,
    first_words,
    flag_value,
    invocations,
    split_command,
    tool_pattern,
)
from reviewtui.project.ci import CIStep

BUILD = re.compile(
    r"""(?ix)
      \b(?:docker|podman|nerdctl)(?:\s+image)?\s+build\b
    | \bbuildx\s+(?:build|b|bake)\b
    | \bbuildah\s+(?:bud|build|build-using-dockerfile)\b
    | \b(?:docker|podman)[\s-]compose\b[^|;&]*?\sbuild\b
    | /kaniko/executor\b
    | \bexecutor\s+[^|;&]*--(?:context|dockerfile)\b
    | \bko\s+(?:build|publish|resolve|apply)\b
    | \bjib(?::build|:dockerbuild|:buildtar)?\b
    | \bjibDockerBuild\b
    | \bpack\s+build\b
    """
)
PUSH = re.compile(
    r"""(?ix)
      \b(?:docker|podman|nerdctl)(?:\s+image)?\s+push\b
    | \bbuildah\s+push\b
    | \b(?:docker|podman)[\s-]compose\b[^|;&]*?\spush\b
    | \bcrane\s+(?:push|copy|cp)\b
    | \bskopeo\s+copy\b
    """
)
_BUILDX = re.compile(r"(?i)\bbuildx\s+(?:build|b|bake)\b|\b(?:docker|podman)\s+build\b")
_KANIKO = re.compile(r"(?i)/kaniko/executor\b|\bexecutor\s+[^|;&]*--(?:context|dockerfile)\b")
_KO = re.compile(r"(?i)\bko\s+(?:build|publish|resolve|apply)\b")
_KO_LOCAL = re.compile(r"(?i)\s(?:-L|--local|--push=false)\b")
_JIB_PUSH = re.compile(r"(?i)\bjib(?::build)?\b(?!:)")
_PACK_PUBLISH = re.compile(r"(?i)\bpack\s+build\b.*\s--publish\b")

_SIGN = re.compile(
    r"(?i)(?<![\w.\-])(?:cosign(?::[\w.\-]+)?\s+sign(?![\w-])|notation\s+sign\b"
    r"|docker\s+trust\s+sign\b)"
)
_DCT = re.compile(r"\bDOCKER_CONTENT_TRUST\s*=\s*[\"']?1\b")
_COSIGN_ATTEST = re.compile(r"(?i)(?<![\w.\-])cosign(?::[\w.\-]+)?\s+attest(?![\w-])(.*)")
_SBOM_FLAG = re.compile(r"(?i)(?:^|\s)--sbom(?!=(?:false|0)\b)(?=[=\s]|$)|--attest[=\s]+type=sbom")
_PROVENANCE_FLAG = re.compile(
    r"(?i)(?:^|\s)--provenance(?!=(?:false|0)\b)(?=[=\s]|$)|--attest[=\s]+type=provenance"
)
_SCOUT = re.compile(r"(?i)\bdocker\s+scout\s+(?P<sub>[\w-]+)(?P<rest>.*)")
_DOCKER_SBOM = re.compile(r"(?i)\bdocker\s+sbom\b")
_BUILD_CHECK = re.compile(
    r"(?i)\b(?:docker|buildx)\s+(?:buildx\s+)?build\b[^|;&]*\s--check\b(?P<rest>.*)"
)
_KICS = re.compile(r"(?i)(?<![\w.\-])kics(?::[\w.\-]+)?\s+scan\b(?P<rest>.*)")
# First arguments that ask a tool about itself instead of running it.
_NOT_A_RUN = frozenset({"--version", "version", "--help", "-h", "help"})
_TRIVY_VULN_TARGETS = frozenset("image i fs filesystem rootfs repo repository sbom vm".split())
_GRYPE_SUBCOMMANDS = frozenset("db version completion help config explain".split())
_TRIVY_FLAGS_WITH_VALUE = ("--cache-dir", "--config", "-c", "--timeout")


_TRIVY = tool_pattern("trivy")
_GRYPE = tool_pattern("grype")
_SNYK = tool_pattern("snyk")
_CLAIR = tool_pattern("(?P<name>clair-scanner|clairctl)")
_SYFT = tool_pattern("syft")
_LINTERS = {
    "hadolint": (tool_pattern("hadolint"), "lints Dockerfiles"),
    "checkov": (tool_pattern("checkov"), "checks Dockerfiles for misconfigurations"),
    "dockle": (tool_pattern("dockle"), "lints the image"),
    "gitleaks": (tool_pattern("gitleaks"), "scans for committed secrets"),
    "trufflehog": (tool_pattern("trufflehog"), "scans for committed secrets"),
    "detect-secrets": (tool_pattern("detect-secrets(?:-hook)?"), "scans for committed secrets"),
}


def read_env(context: Context, step: CIStep, pipeline: Pipeline) -> None:
    """Note the pipeline-wide settings of a step that sign images (content trust)."""
    trust = step.env.get("DOCKER_CONTENT_TRUST")
    if trust is not None and trust.value.strip() == "1":
        hit = context.hit(
            "Docker Content Trust", step, trust.line, "DOCKER_CONTENT_TRUST=1 signs on push"
        )
        if hit not in pipeline.signs:
            pipeline.signs.append(hit)


def read_command(context: Context, step: CIStep, line: int, text: str, pipeline: Pipeline) -> None:
    """Sort one shell command into the pipeline: build, push, sign, attest, scan, lint."""
    build = BUILD.search(text)
    if build:
        pipeline.builds.append(context.hit(build.group(0).strip(), step, line))
        if _pushes(text):
            pipeline.pushes.append(context.hit(build.group(0).strip(), step, line))
    push = PUSH.search(text)
    if push:
        pipeline.pushes.append(context.hit(push.group(0).strip(), step, line))

    if _SIGN.search(text) or _DCT.search(text):
        tool = "Docker Content Trust" if _DCT.search(text) else first_words(_SIGN, text)
        pipeline.signs.append(context.hit(tool, step, line))
    _read_attestations(context, step, line, text, pipeline)
    _read_scanners(context, step, line, text, pipeline)
    _read_linters(context, step, line, text, pipeline)


def _pushes(text: str) -> bool:
    """True when a build command also pushes (buildx --push, kaniko, ko, jib, pack)."""
    if _BUILDX.search(text) and BUILDX_PUSH.search(text):
        return True
    if _KANIKO.search(text):
        return "--no-push" not in text
    if _KO.search(text):
        return not _KO_LOCAL.search(text)
    return bool(_JIB_PUSH.search(text) or _PACK_PUBLISH.search(text))


def _read_attestations(
    context: Context, step: CIStep, line: int, text: str, pipeline: Pipeline
) -> None:
    if BUILD.search(text):
        if _SBOM_FLAG.search(text):
            pipeline.sboms.append(context.hit("buildx --sbom", step, line))
        if _PROVENANCE_FLAG.search(text):
            pipeline.provenance.append(context.hit("buildx --provenance", step, line))
    if invocations(_SYFT, text):
        pipeline.sboms.append(context.hit("syft", step, line))
    attest = _COSIGN_ATTEST.search(text)
    if attest:
        kind = flag_value(attest.group(1), ("--type",)) or ""
        target = pipeline.provenance if "slsa" in kind or "provenance" in kind else pipeline.sboms
        target.append(context.hit("cosign attest", step, line))
    scout = _SCOUT.search(text)
    if (scout and scout.group("sub").lower() == "sbom") or _DOCKER_SBOM.search(text):
        pipeline.sboms.append(context.hit("docker scout sbom", step, line))


def _read_scanners(
    context: Context, step: CIStep, line: int, text: str, pipeline: Pipeline
) -> None:
    for segment, after in invocations(_TRIVY, text):
        _read_trivy(context, step, line, segment, after, pipeline)

    for segment, after in invocations(_GRYPE, text):
        target = first_argument(segment, ())
        if target and target.lower() not in _GRYPE_SUBCOMMANDS:
            gate = grype_gate(segment, step, context)
            pipeline.scans.append(scan_hit(context, step, line, "grype", gate, after))

    scout = _SCOUT.search(text)
    if scout and scout.group("sub").lower() in ("cves", "quickview", "qv", "compare"):
        segment, after = split_command(scout.group("rest"))
        gate = scout_gate(scout.group("sub").lower(), segment)
        pipeline.scans.append(scan_hit(context, step, line, "docker scout", gate, after))

    for segment, after in invocations(_SNYK, text):
        words = segment.split()
        if words[:1] == ["container"] and words[1:2] in (["test"], ["monitor"]):
            gate = (
                (True, "snyk container test exits non-zero on vulnerabilities")
                if words[1] == "test"
                else (False, "snyk container monitor only records a snapshot")
            )
            pipeline.scans.append(scan_hit(context, step, line, "snyk", gate, after))

    for match in _CLAIR.finditer(text):
        segment, after = split_command(match.group("rest"))
        name = match.group("name").lower()
        gate = (
            (True, "clair-scanner exits non-zero on unapproved vulnerabilities")
            if name == "clair-scanner"
            else (False, "clairctl reports without failing")
        )
        pipeline.scans.append(scan_hit(context, step, line, name, gate, after))


def _read_trivy(
    context: Context, step: CIStep, line: int, segment: str, after: str, pipeline: Pipeline
) -> None:
    sub = (first_argument(segment, _TRIVY_FLAGS_WITH_VALUE) or "").lower()
    scanners = flag_value(segment, ("--scanners", "--security-checks"))
    sbom_format = (flag_value(segment, ("--format", "-f")) or "").lower() in SBOM_FORMATS
    configured = bool(flag_value(segment, ("--config", "-c"))) or (
        "trivy.yaml" in context.tool_configs
    )
    lint_gate = trivy_lint_gate(segment, step, configured)
    if sub in ("config", "conf"):
        note = "checks Dockerfiles for misconfigurations"
        pipeline.lints.append(
            lint_hit(context, step, line, "trivy config", note, lint_gate, after)
        )
        return
    if sub not in _TRIVY_VULN_TARGETS:
        return
    if sbom_format:
        pipeline.sboms.append(context.hit(f"trivy {sub}", step, line))
    if sub in ("fs", "filesystem", "repo", "repository") and finds_secrets(scanners):
        note = "scans the repository for secrets"
        pipeline.lints.append(
            lint_hit(context, step, line, f"trivy {sub}", note, lint_gate, after)
        )
    scans_vulns = "vuln" in scanners.lower() if scanners else not sbom_format
    if scans_vulns:
        gate = trivy_gate(segment, step, context)
        pipeline.scans.append(scan_hit(context, step, line, f"trivy {sub}", gate, after))


def finds_secrets(scanners: str | None) -> bool:
    """trivy fs and repo look for secrets unless ``--scanners`` leaves them out."""
    if scanners is None:
        return True
    lowered = scanners.lower()
    return "secret" in lowered or "misconfig" in lowered or "config" in lowered


def _read_linters(
    context: Context, step: CIStep, line: int, text: str, pipeline: Pipeline
) -> None:
    for name, (pattern, note) in _LINTERS.items():
        for segment, after in invocations(pattern, text):
            if segment.strip() and segment.split()[0] not in _NOT_A_RUN:
                gate = command_gate(name, segment, step)
                pipeline.lints.append(lint_hit(context, step, line, name, note, gate, after))
                break
    kics = _KICS.search(text)
    if kics:
        segment, after = split_command(kics.group("rest"))
        gate = command_gate("kics", segment, step)
        note = "checks Dockerfiles for misconfigurations"
        pipeline.lints.append(lint_hit(context, step, line, "kics", note, gate, after))
    check = _BUILD_CHECK.search(text)
    if check:
        _, after = split_command(check.group("rest"))
        tool = "docker build --check"
        pipeline.lints.append(
            lint_hit(context, step, line, tool, "lints Dockerfiles", FAILS, after)
        )
