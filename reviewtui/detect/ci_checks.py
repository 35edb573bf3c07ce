"""Detectors for the CI items: image scanning and its gate, linting, signing, SBOMs.

Each CI file that builds images gets one finding per item. What a pipeline does is read
from its steps: shell commands are matched against the command lines of the tools, and
actions, tasks, orb commands and GitLab templates by name and inputs. A scanner or
linter that runs in another CI file of the project also counts, since projects often
keep security jobs in a workflow of their own; the reason then names that file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.ci import CIFile, CIKind, CIStep
from reviewtui.project.facts import ProjectFacts

# --- what a command line does -------------------------------------------------------------

_BUILD = re.compile(
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
_PUSH = re.compile(
    r"""(?ix)
      \b(?:docker|podman|nerdctl)(?:\s+image)?\s+push\b
    | \bbuildah\s+push\b
    | \b(?:docker|podman)[\s-]compose\b[^|;&]*?\spush\b
    | \bcrane\s+(?:push|copy|cp)\b
    | \bskopeo\s+copy\b
    """
)
_BUILDX = re.compile(r"(?i)\bbuildx\s+(?:build|b|bake)\b|\b(?:docker|podman)\s+build\b")
_BUILDX_PUSH = re.compile(r"(?i)--push\b|type=registry|push=true")
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
_BUILD_CHECK = re.compile(r"(?i)\b(?:docker|buildx)\s+(?:buildx\s+)?build\b[^|;&]*\s--check\b")
_KICS = re.compile(r"(?i)(?<![\w.\-])kics(?::[\w.\-]+)?\s+scan\b")
_SHELL_BREAK = re.compile(r"\s*(?:&&|\|\||\||;)\s*")
_SWALLOWED = re.compile(r"^\s*\|\|\s*(?P<op>true|:|exit\s+0|echo\b)")
_PIPED = re.compile(r"^\s*\|(?!\|)")
_INSTALLING = re.compile(r"(?i)\b(?:install|add|get|brew|choco|scoop)\b")
_PIPEFAIL = re.compile(r"(?i)\bset\s+-\w*o\s+pipefail|\bpipefail\b")
_SEVERITIES = ("negligible", "low", "medium", "high", "critical")
_SBOM_FORMATS = ("cyclonedx", "spdx", "spdx-json", "github")
_TRIVY_VULN_TARGETS = frozenset("image i fs filesystem rootfs repo repository sbom vm".split())
_GRYPE_SUBCOMMANDS = frozenset("db version completion help config explain".split())
_TRIVY_FLAGS_WITH_VALUE = ("--cache-dir", "--config", "-c", "--timeout")


def _tool(name: str) -> re.Pattern[str]:
    """A tool called by name, path (``./bin/trivy``) or image (``aquasec/trivy:0.50``)."""
    return re.compile(
        rf"(?i)(?<![\w.\-]){name}(?::[\w.\-]+)?(?:@sha256:[0-9a-f]+)?(?=\s|$)(?P<rest>.*)"
    )


_TRIVY = _tool("trivy")
_GRYPE = _tool("grype")
_SNYK = _tool("snyk")
_CLAIR = _tool("(?P<name>clair-scanner|clairctl)")
_SYFT = _tool("syft")
_LINTERS = {
    "hadolint": (_tool("hadolint"), "lints Dockerfiles"),
    "checkov": (_tool("checkov"), "checks Dockerfiles for misconfigurations"),
    "dockle": (_tool("dockle"), "lints the image"),
    "gitleaks": (_tool("gitleaks"), "scans for committed secrets"),
    "trufflehog": (_tool("trufflehog"), "scans for committed secrets"),
    "detect-secrets": (_tool("detect-secrets(?:-hook)?"), "scans for committed secrets"),
}

# --- what an action, task, orb or template does -------------------------------------------

_CIRCLECI_IMAGE_ORB = re.compile(
    r"^(?:docker|aws-ecr|gcp-gcr|azure-acr)/(?P<cmd>build[-_]and[-_]push[-_]image"
    r"|build[-_]image|build|publish|push[-_]image|push)$"
)
_BUILD_AND_PUSH_ACTIONS = (
    "mr-smithers-excellent/docker-build-push",
    "elgohr/publish-docker-github-action",
    "aevea/action-kaniko",
)
_GITLAB_BUILD_TEMPLATES = (
    "template:jobs/build.gitlab-ci.yml",
    "template:auto-devops.gitlab-ci.yml",
)
_SUPER_LINTERS = ("github/super-linter", "super-linter/super-linter")


_Gate = tuple[bool | None, str]
"""Whether a scan fails the build on critical findings (None: cannot tell), and why."""


@dataclass(frozen=True)
class _Hit:
    """One thing a pipeline does that an item cares about, and where it is written.

    For scanners, ``gate`` says whether the scan fails the build on critical findings
    (None when the files cannot settle it) and ``note`` says why.
    """

    tool: str
    path: str
    line: int
    snippet: str
    note: str = ""
    gate: bool | None = None

    def evidence(self) -> Evidence:
        """The place that proves this hit."""
        return Evidence(self.path, self.line, self.snippet)


@dataclass(eq=False)
class _Pipeline:
    """What one CI file does, step by step sorted into the things the items ask about.

    Compared by identity: two files that do the same things are still two pipelines.
    """

    path: str
    calls: list[str] = field(default_factory=list)
    builds: list[_Hit] = field(default_factory=list)
    pushes: list[_Hit] = field(default_factory=list)
    scans: list[_Hit] = field(default_factory=list)
    lints: list[_Hit] = field(default_factory=list)
    signs: list[_Hit] = field(default_factory=list)
    sboms: list[_Hit] = field(default_factory=list)
    provenance: list[_Hit] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    """What a step's meaning depends on beyond the step itself."""

    ci_file: CIFile
    tool_configs: frozenset[str]

    def hit(
        self, tool: str, step: CIStep, line: int, note: str = "", gate: bool | None = None
    ) -> _Hit:
        return _Hit(tool, step.path, line, self.ci_file.line_text(step.path, line), note, gate)


def _analyse(ci_file: CIFile, tool_configs: frozenset[str]) -> _Pipeline:
    """Sort every step of a CI file into builds, pushes, scans, lints, signatures, SBOMs."""
    context = _Context(ci_file, tool_configs)
    pipeline = _Pipeline(ci_file.path, list(ci_file.calls))
    for step in ci_file.steps:
        if step.uses:
            _read_uses(context, step, pipeline)
        for command in step.commands:
            _read_command(context, step, command.line, command.text, pipeline)
        _read_env(context, step, pipeline)
    return pipeline


def _read_env(context: _Context, step: CIStep, pipeline: _Pipeline) -> None:
    trust = step.env.get("DOCKER_CONTENT_TRUST")
    if trust is not None and trust.value.strip() == "1":
        hit = context.hit(
            "Docker Content Trust", step, trust.line, "DOCKER_CONTENT_TRUST=1 signs on push"
        )
        if hit not in pipeline.signs:
            pipeline.signs.append(hit)


# --- commands -----------------------------------------------------------------------------


def _read_command(
    context: _Context, step: CIStep, line: int, text: str, pipeline: _Pipeline
) -> None:
    build = _BUILD.search(text)
    if build:
        pipeline.builds.append(context.hit(build.group(0).strip(), step, line))
        if _pushes(text):
            pipeline.pushes.append(context.hit(build.group(0).strip(), step, line))
    push = _PUSH.search(text)
    if push:
        pipeline.pushes.append(context.hit(push.group(0).strip(), step, line))

    if _SIGN.search(text) or _DCT.search(text):
        tool = "Docker Content Trust" if _DCT.search(text) else _first_words(_SIGN, text)
        pipeline.signs.append(context.hit(tool, step, line))
    _read_attestations(context, step, line, text, pipeline)
    _read_scanners(context, step, line, text, pipeline)
    _read_linters(context, step, line, text, pipeline)


def _pushes(text: str) -> bool:
    """True when a build command also pushes (buildx --push, kaniko, ko, jib, pack)."""
    if _BUILDX.search(text) and _BUILDX_PUSH.search(text):
        return True
    if _KANIKO.search(text):
        return "--no-push" not in text
    if _KO.search(text):
        return not _KO_LOCAL.search(text)
    return bool(_JIB_PUSH.search(text) or _PACK_PUBLISH.search(text))


def _read_attestations(
    context: _Context, step: CIStep, line: int, text: str, pipeline: _Pipeline
) -> None:
    if _BUILD.search(text):
        if _SBOM_FLAG.search(text):
            pipeline.sboms.append(context.hit("buildx --sbom", step, line))
        if _PROVENANCE_FLAG.search(text):
            pipeline.provenance.append(context.hit("buildx --provenance", step, line))
    if _invocations(_SYFT, text):
        pipeline.sboms.append(context.hit("syft", step, line))
    attest = _COSIGN_ATTEST.search(text)
    if attest:
        kind = _flag_value(attest.group(1), ("--type",)) or ""
        target = pipeline.provenance if "slsa" in kind or "provenance" in kind else pipeline.sboms
        target.append(context.hit("cosign attest", step, line))
    scout = _SCOUT.search(text)
    if (scout and scout.group("sub").lower() == "sbom") or _DOCKER_SBOM.search(text):
        pipeline.sboms.append(context.hit("docker scout sbom", step, line))


def _read_scanners(
    context: _Context, step: CIStep, line: int, text: str, pipeline: _Pipeline
) -> None:
    for segment, after in _invocations(_TRIVY, text):
        _read_trivy(context, step, line, segment, after, pipeline)

    for segment, after in _invocations(_GRYPE, text):
        target = _first_argument(segment, ())
        if target and target.lower() not in _GRYPE_SUBCOMMANDS:
            gate = _grype_gate(segment, step, context)
            pipeline.scans.append(_scan_hit(context, step, line, "grype", gate, after))

    scout = _SCOUT.search(text)
    if scout and scout.group("sub").lower() in ("cves", "quickview", "qv", "compare"):
        segment, after = _split_command(scout.group("rest"))
        gate = _scout_gate(scout.group("sub").lower(), segment)
        pipeline.scans.append(_scan_hit(context, step, line, "docker scout", gate, after))

    for segment, after in _invocations(_SNYK, text):
        words = segment.split()
        if words[:1] == ["container"] and words[1:2] in (["test"], ["monitor"]):
            gate = (
                (True, "snyk container test exits non-zero on vulnerabilities")
                if words[1] == "test"
                else (False, "snyk container monitor only records a snapshot")
            )
            pipeline.scans.append(_scan_hit(context, step, line, "snyk", gate, after))

    for match in _CLAIR.finditer(text):
        segment, after = _split_command(match.group("rest"))
        name = match.group("name").lower()
        gate = (
            (True, "clair-scanner exits non-zero on unapproved vulnerabilities")
            if name == "clair-scanner"
            else (False, "clairctl reports without failing")
        )
        pipeline.scans.append(_scan_hit(context, step, line, name, gate, after))


def _read_trivy(
    context: _Context, step: CIStep, line: int, segment: str, after: str, pipeline: _Pipeline
) -> None:
    sub = (_first_argument(segment, _TRIVY_FLAGS_WITH_VALUE) or "").lower()
    scanners = _flag_value(segment, ("--scanners", "--security-checks"))
    sbom_format = (_flag_value(segment, ("--format", "-f")) or "").lower() in _SBOM_FORMATS
    if sub in ("config", "conf"):
        pipeline.lints.append(
            context.hit("trivy config", step, line, "checks Dockerfiles for misconfigurations")
        )
        return
    if sub not in _TRIVY_VULN_TARGETS:
        return
    if sbom_format:
        pipeline.sboms.append(context.hit(f"trivy {sub}", step, line))
    if sub in ("fs", "filesystem", "repo", "repository") and _finds_secrets(scanners):
        pipeline.lints.append(
            context.hit(f"trivy {sub}", step, line, "scans the repository for secrets")
        )
    scans_vulns = "vuln" in scanners.lower() if scanners else not sbom_format
    if scans_vulns:
        gate = _trivy_gate(segment, step, context)
        pipeline.scans.append(_scan_hit(context, step, line, f"trivy {sub}", gate, after))


def _finds_secrets(scanners: str | None) -> bool:
    """trivy fs and repo look for secrets unless ``--scanners`` leaves them out."""
    if scanners is None:
        return True
    lowered = scanners.lower()
    return "secret" in lowered or "misconfig" in lowered or "config" in lowered


def _read_linters(
    context: _Context, step: CIStep, line: int, text: str, pipeline: _Pipeline
) -> None:
    for name, (pattern, note) in _LINTERS.items():
        for segment, _ in _invocations(pattern, text):
            if segment.strip() and segment.split()[0] not in ("--version", "version"):
                pipeline.lints.append(context.hit(name, step, line, note))
                break
    if _KICS.search(text):
        pipeline.lints.append(
            context.hit("kics", step, line, "checks Dockerfiles for misconfigurations")
        )
    if _BUILD_CHECK.search(text):
        pipeline.lints.append(context.hit("docker build --check", step, line, "lints Dockerfiles"))


# --- actions, tasks, orbs and templates ---------------------------------------------------


def _read_uses(context: _Context, step: CIStep, pipeline: _Pipeline) -> None:
    action = step.action
    uses_lower = step.uses.lower()
    hit = context.hit(_name(step), step, step.line)

    if action in ("docker/build-push-action", "docker/bake-action"):
        _read_build_push_action(context, step, pipeline)
    elif "kaniko" in action or action in _BUILD_AND_PUSH_ACTIONS:
        pipeline.builds.append(hit)
        if action in _BUILD_AND_PUSH_ACTIONS or _input_true(step, "push"):
            pipeline.pushes.append(hit)
    elif action == "redhat-actions/buildah-build":
        pipeline.builds.append(hit)
    elif action == "redhat-actions/push-to-registry":
        pipeline.pushes.append(hit)
    elif uses_lower.startswith("docker@"):
        _read_azure_docker_task(step, hit, pipeline)
    elif orb := _CIRCLECI_IMAGE_ORB.match(action):
        command = orb.group("cmd")
        if "build" in command or command == "publish":
            pipeline.builds.append(hit)
        if "push" in command or command == "publish":
            pipeline.pushes.append(hit)
    elif action in _GITLAB_BUILD_TEMPLATES:
        pipeline.builds.append(hit)
        pipeline.pushes.append(hit)
    else:
        _read_security_uses(context, step, pipeline)


def _read_build_push_action(context: _Context, step: CIStep, pipeline: _Pipeline) -> None:
    call = step.input("call")
    if call is not None and call.value.strip().lower() == "check":
        # `call: check` runs the Dockerfile checks instead of a build.
        pipeline.lints.append(
            context.hit("docker build --check", step, call.line, "lints Dockerfiles")
        )
        return
    pipeline.builds.append(context.hit(_name(step), step, step.line))

    push = step.input("push")
    outputs = step.input("outputs")
    if push is not None and push.value.strip().lower() not in ("", "false"):
        pipeline.pushes.append(context.hit(_name(step), step, push.line))
    elif outputs is not None and _BUILDX_PUSH.search(outputs.value):
        pipeline.pushes.append(context.hit(_name(step), step, outputs.line))

    sbom = step.input("sbom")
    if sbom is not None and sbom.value.strip().lower() not in ("", "false", "0"):
        pipeline.sboms.append(context.hit(f"{step.action} sbom", step, sbom.line))
    provenance = step.input("provenance")
    if provenance is not None and provenance.value.strip().lower() not in ("", "false", "0"):
        pipeline.provenance.append(context.hit(f"{step.action} provenance", step, provenance.line))
    attests = step.input("attests")
    if attests is not None:
        if "type=sbom" in attests.value:
            pipeline.sboms.append(context.hit(f"{step.action} attests", step, attests.line))
        if "type=provenance" in attests.value:
            pipeline.provenance.append(context.hit(f"{step.action} attests", step, attests.line))


def _read_azure_docker_task(step: CIStep, hit: _Hit, pipeline: _Pipeline) -> None:
    """Azure's Docker task: build, push or buildAndPush (the default of version 2)."""
    command = step.input("command")
    default = "buildandpush" if step.uses.endswith("@2") else "build"
    value = command.value.strip().lower() if command is not None else default
    if value in ("build", "buildandpush"):
        pipeline.builds.append(hit)
    if value in ("push", "buildandpush"):
        pipeline.pushes.append(hit)


def _read_security_uses(context: _Context, step: CIStep, pipeline: _Pipeline) -> None:
    """Scanners, linters, signers and attesters that run as actions, orbs or templates."""
    action = step.action
    hit = context.hit(_name(step), step, step.line)
    if action == "aquasecurity/trivy-action":
        _read_trivy_action(context, step, pipeline)
    elif action == "anchore/scan-action":
        pipeline.scans.append(
            _scan_hit(context, step, step.line, _name(step), _anchore_gate(step), "")
        )
    elif action == "docker/scout-action":
        _read_scout_action(context, step, pipeline)
    elif action == "snyk/actions/docker":
        command = (_input_value(step, "command") or "test").lower()
        gate = (
            (True, "snyk container test exits non-zero on vulnerabilities")
            if command == "test"
            else (False, f"snyk container {command} does not fail")
        )
        pipeline.scans.append(_scan_hit(context, step, step.line, _name(step), gate, ""))
    elif action == "snyk/scan" and step.input("docker-image-name") is not None:
        fails = (_input_value(step, "fail-on-issues") or "true").lower() != "false"
        gate = (fails, "fail-on-issues is on" if fails else "fail-on-issues: false")
        pipeline.scans.append(_scan_hit(context, step, step.line, _name(step), gate, ""))
    elif "container-scanning" in action:
        pipeline.scans.append(
            _scan_hit(
                context,
                step,
                step.line,
                "GitLab container scanning",
                (False, "it reports findings to GitLab and does not fail the pipeline"),
                "",
            )
        )
    elif action.startswith(("hadolint/", "jbergstroem/hadolint", "reviewdog/action-hadolint")):
        pipeline.lints.append(_note(hit, "hadolint", "lints Dockerfiles"))
    elif action.startswith(("bridgecrewio/checkov-action", "checkmarx/kics-github-action")):
        pipeline.lints.append(
            _note(hit, action.split("/")[1], "checks Dockerfiles for misconfigurations")
        )
    elif "dockle" in action:
        pipeline.lints.append(_note(hit, "dockle", "lints the image"))
    elif "gitleaks" in action or "trufflehog" in action or "secret-detection" in action:
        pipeline.lints.append(_note(hit, _name(step), "scans for committed secrets"))
    elif "sast-iac" in action:
        pipeline.lints.append(
            _note(hit, "GitLab IaC scanning", "checks Dockerfiles for misconfigurations")
        )
    elif action.startswith(_SUPER_LINTERS) and _super_linter_runs_hadolint(step):
        pipeline.lints.append(_note(hit, "super-linter", "runs hadolint on Dockerfiles"))
    elif "megalinter" in action:
        pipeline.lints.append(_note(hit, "MegaLinter", "runs hadolint on Dockerfiles"))
    else:
        _read_attesting_uses(step, hit, pipeline)


def _read_attesting_uses(step: CIStep, hit: _Hit, pipeline: _Pipeline) -> None:
    action = step.action
    if action == "notaryproject/notation-action/sign":
        pipeline.signs.append(hit)
    elif action.startswith(("anchore/sbom-action", "actions/attest-sbom")):
        pipeline.sboms.append(hit)
    elif action.startswith(("actions/attest-build-provenance", "slsa-framework/")) or (
        action == "actions/attest"
    ):
        pipeline.provenance.append(hit)


def _read_trivy_action(context: _Context, step: CIStep, pipeline: _Pipeline) -> None:
    scan_type = (_input_value(step, "scan-type") or "image").lower()
    scanners = _input_value(step, "scanners") or None
    sbom_format = (_input_value(step, "format") or "").lower() in _SBOM_FORMATS
    hit = context.hit(_name(step), step, step.line)
    if scan_type in ("config", "conf"):
        pipeline.lints.append(
            _note(hit, "trivy config", "checks Dockerfiles for misconfigurations")
        )
        return
    if sbom_format:
        pipeline.sboms.append(hit)
    if scan_type in ("fs", "repo", "filesystem", "repository") and _finds_secrets(scanners):
        pipeline.lints.append(_note(hit, f"trivy {scan_type}", "scans the repository for secrets"))
    if ("vuln" in scanners.lower()) if scanners else not sbom_format:
        gate = _trivy_action_gate(step, context)
        pipeline.scans.append(_scan_hit(context, step, step.line, _name(step), gate, ""))


def _read_scout_action(context: _Context, step: CIStep, pipeline: _Pipeline) -> None:
    commands = {c.strip().lower() for c in (_input_value(step, "command") or "").split(",")}
    if "sbom" in commands:
        pipeline.sboms.append(context.hit(_name(step), step, step.line))
    if not commands & {"cves", "quickview", "compare"}:
        return
    exit_code = _input_true(step, "exit-code")
    only = _input_value(step, "only-severities")
    if not commands & {"cves", "compare"}:
        gate: _Gate = (False, "quickview only summarises")
    elif not exit_code:
        gate = (False, "exit-code is not set, so the action succeeds whatever it finds")
    elif only and "critical" not in only.lower():
        gate = (False, f"only-severities {only} leaves out critical")
    else:
        gate = (True, "exit-code: true" + (f", only-severities {only}" if only else ""))
    pipeline.scans.append(_scan_hit(context, step, step.line, _name(step), gate, ""))


def _super_linter_runs_hadolint(step: CIStep) -> bool:
    """super-linter runs hadolint unless it is switched off, or others are switched on."""
    validate = {
        k: v.value.strip().lower() for k, v in step.env.items() if k.startswith("VALIDATE_")
    }
    hadolint = validate.get("VALIDATE_DOCKERFILE_HADOLINT")
    if hadolint is not None:
        return hadolint == "true"
    return "true" not in validate.values()


def _name(step: CIStep) -> str:
    """The action, task or template a step uses, without its version."""
    return step.uses.split("@", 1)[0]


def _note(hit: _Hit, tool: str, note: str) -> _Hit:
    return _Hit(tool, hit.path, hit.line, hit.snippet, note)


# --- scan gates ---------------------------------------------------------------------------


def _scan_hit(
    context: _Context, step: CIStep, line: int, tool: str, gate: _Gate, after: str
) -> _Hit:
    """A scanner hit, with its gate overruled when the CI ignores the step's exit code."""
    fails, why = gate
    if fails is not False:
        overruled = _exit_code_ignored(context.ci_file.kind, step, after)
        if overruled:
            fails, why = False, overruled
    return context.hit(tool, step, line, why, fails)


def _exit_code_ignored(kind: CIKind, step: CIStep, after: str) -> str:
    """Why the pipeline goes on when the scan fails, or an empty string."""
    if step.may_fail:
        key = {CIKind.GITLAB: "allow_failure", CIKind.AZURE: "continueOnError: true"}.get(
            kind, "continue-on-error: true"
        )
        return f"{key} on the scan step lets the pipeline go on"
    swallowed = _SWALLOWED.match(after)
    if swallowed:
        return f"`|| {swallowed.group('op')}` after the scan discards its exit code"
    # TODO: only GitHub's shell defaults are known; other CIs' pipes are trusted.
    if kind is CIKind.GITHUB and _PIPED.match(after) and not _has_pipefail(step):
        return (
            "the scan is piped into another command without pipefail, which discards its exit code"
        )
    return ""


def _has_pipefail(step: CIStep) -> bool:
    # GitHub runs `shell: bash` with -o pipefail, but an unset shell without it.
    if step.shell.strip() == "bash":
        return True
    return any(_PIPEFAIL.search(command.text) for command in step.commands)


def _trivy_gate(segment: str, step: CIStep, context: _Context) -> _Gate:
    exit_code = _setting(
        _flag_value(segment, ("--exit-code",)),
        "--exit-code {}",
        _env(step, "TRIVY_EXIT_CODE"),
        "TRIVY_EXIT_CODE={}",
    )
    severity = _setting(
        _flag_value(segment, ("--severity", "-s")),
        "--severity {}",
        _env(step, "TRIVY_SEVERITY"),
        "TRIVY_SEVERITY={}",
    )
    configured = bool(_flag_value(segment, ("--config", "-c"))) or (
        "trivy.yaml" in context.tool_configs
    )
    return _trivy_verdict(exit_code, severity, configured, "--exit-code")


def _trivy_action_gate(step: CIStep, context: _Context) -> _Gate:
    exit_code = _setting(
        _input_value(step, "exit-code"),
        "exit-code {}",
        _env(step, "TRIVY_EXIT_CODE"),
        "TRIVY_EXIT_CODE={}",
    )
    severity = _setting(
        _input_value(step, "severity"),
        "severity {}",
        _env(step, "TRIVY_SEVERITY"),
        "TRIVY_SEVERITY={}",
    )
    configured = bool(_input_value(step, "trivy-config")) or "trivy.yaml" in context.tool_configs
    return _trivy_verdict(exit_code, severity, configured, "exit-code")


def _setting(
    given: str | None, given_text: str, env: str | None, env_text: str
) -> tuple[str, str] | None:
    """A setting given directly or through an environment variable, and how it reads."""
    if given:
        return given, given_text.format(given)
    if env:
        return env, env_text.format(env)
    return None


# TODO: trivy.yaml and .grype.yaml are noticed but not read, so a gate set there is unknown.
def _trivy_verdict(
    exit_code: tuple[str, str] | None,
    severity: tuple[str, str] | None,
    configured: bool,
    exit_name: str,
) -> _Gate:
    if exit_code is None:
        if configured:
            return None, f"no {exit_name} here, and a trivy.yaml (not read) may set one"
        return False, f"no {exit_name}, so trivy exits 0 whatever it finds"
    value, text = exit_code
    if not value.isdigit():
        return None, f"{text}: the exit code comes from a variable the files do not settle"
    if int(value) == 0:
        return False, f"{text}, so trivy exits 0 whatever it finds"
    if severity is not None and "CRITICAL" not in severity[0].upper():
        return False, f"{text} applies only to {severity[0]}, not to CRITICAL"
    if severity is not None:
        return True, f"{text} with {severity[1]}"
    return True, f"{text} on findings of any severity"


def _grype_gate(segment: str, step: CIStep, context: _Context) -> _Gate:
    fail_on = _flag_value(segment, ("--fail-on", "-f")) or _env(step, "GRYPE_FAIL_ON_SEVERITY")
    if not fail_on:
        if _flag_value(segment, ("--config", "-c")) or ".grype.yaml" in context.tool_configs:
            return None, "no --fail-on here, and a grype config (not read) may set one"
        return False, "no --fail-on, so grype exits 0 whatever it finds"
    if fail_on.lower() in _SEVERITIES:
        return True, f"--fail-on {fail_on}"
    return None, f"--fail-on comes from {fail_on}, which the files do not settle"


def _anchore_gate(step: CIStep) -> _Gate:
    fail_build = (_input_value(step, "fail-build") or "true").strip().lower()
    cutoff = _input_value(step, "severity-cutoff") or "medium"
    if fail_build == "false":
        return False, "fail-build: false"
    if fail_build != "true":
        return None, f"fail-build comes from {fail_build}, which the files do not settle"
    if cutoff.lower() not in _SEVERITIES:
        return None, f"severity-cutoff comes from {cutoff}, which the files do not settle"
    return True, f"fail-build defaults to true, failing on {cutoff} or worse"


def _scout_gate(sub: str, segment: str) -> _Gate:
    if sub not in ("cves", "compare"):
        return False, "docker scout quickview only summarises"
    if not re.search(r"(?:^|\s)(?:--exit-code|-e)\b", segment):
        return False, "no --exit-code, so docker scout exits 0 whatever it finds"
    only = _flag_value(segment, ("--only-severity", "--only-severities"))
    if only and "critical" not in only.lower():
        return False, f"--only-severity {only} leaves out critical"
    return True, "--exit-code" + (f" with --only-severity {only}" if only else "")


# --- small parsing helpers ----------------------------------------------------------------


def _invocations(pattern: re.Pattern[str], text: str) -> list[tuple[str, str]]:
    """Each call of a tool in a command line: its arguments up to the next shell operator,
    and what follows them. Calls inside an install command are left out."""
    found = []
    for match in pattern.finditer(text):
        before = _SHELL_BREAK.split(text[: match.start()])[-1]
        if _INSTALLING.search(before):
            continue
        found.append(_split_command(match.group("rest")))
    return found


def _split_command(rest: str) -> tuple[str, str]:
    parts = _SHELL_BREAK.search(rest)
    if parts is None:
        return rest, ""
    return rest[: parts.start()], rest[parts.start() :]


def _first_argument(segment: str, flags_with_value: Iterable[str]) -> str | None:
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


def _flag_value(segment: str, names: Iterable[str]) -> str | None:
    """The value given to any of these flags, as ``--flag value`` or ``--flag=value``."""
    for name in names:
        match = re.search(rf"(?:^|\s){re.escape(name)}(?:=|\s+)(\S+)", segment)
        if match:
            return match.group(1).strip("\"'")
    return None


def _first_words(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return " ".join(match.group(0).split()) if match else ""


def _env(step: CIStep, name: str) -> str | None:
    value = step.env.get(name)
    return value.value.strip().strip("\"'") if value is not None and value.value else None


def _input_value(step: CIStep, name: str) -> str | None:
    value = step.input(name)
    return value.value.strip() if value is not None else None


def _input_true(step: CIStep, name: str) -> bool:
    return (_input_value(step, name) or "").lower() == "true"


# --- per CI file findings -----------------------------------------------------------------

_TOOL_CONFIGS = {
    "trivy.yaml": "trivy.yaml",
    ".grype.yaml": ".grype.yaml",
    ".grype/config.yaml": ".grype.yaml",
}


@dataclass(frozen=True)
class _View:
    """A building pipeline, the pipelines it calls, and every other pipeline."""

    own: _Pipeline
    related: tuple[_Pipeline, ...]
    others: tuple[_Pipeline, ...]

    def hits(self, kind: str) -> list[_Hit]:
        """Hits of a kind in this pipeline and the ones it calls."""
        return [hit for pipeline in self.related for hit in getattr(pipeline, kind)]

    def elsewhere(self, kind: str) -> list[_Hit]:
        """Hits of a kind in the project's other pipelines."""
        return [hit for pipeline in self.others for hit in getattr(pipeline, kind)]

    def here_or_elsewhere(self, kind: str) -> tuple[list[_Hit], bool]:
        """Hits in this pipeline, else in the others (and True for the others)."""
        hits = self.hits(kind)
        return (hits, False) if hits else (self.elsewhere(kind), True)


_Judge = Callable[[Target, _View], Finding]


def _judge_each(facts: ProjectFacts, judge: _Judge) -> list[Finding]:
    """One finding per CI file: not applicable when it builds no image, else ``judge``."""
    if not facts.ci_files:
        return []
    pipelines = _pipelines(facts)

    findings = []
    for ci_file in facts.ci_files:
        target = Target(TargetKind.CI, ci_file.path, ci_file.path)
        own = pipelines[ci_file.path]
        if not own.builds:
            findings.append(
                Finding(target, Status.NOT_APPLICABLE, "does not build container images")
            )
            continue
        related = _related(own, pipelines)
        others = tuple(p for p in pipelines.values() if all(p is not r for r in related))
        findings.append(judge(target, _View(own, related, others)))
    return findings


# The five detectors ask about the same files one after the other: keep the last analysis.
# It holds the CIFile objects themselves, so their ids cannot be reused while cached.
_last_analysis: tuple[tuple[CIFile, ...], frozenset[str], dict[str, _Pipeline]] | None = None


def _pipelines(facts: ProjectFacts) -> dict[str, _Pipeline]:
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
    pipelines = {ci.path: _analyse(ci, configs) for ci in ci_files}
    _last_analysis = (ci_files, configs, pipelines)
    return pipelines


def _related(own: _Pipeline, pipelines: dict[str, _Pipeline]) -> tuple[_Pipeline, ...]:
    """This pipeline and every pipeline it calls, directly or through others."""
    seen = [own]
    pending = list(own.calls)
    while pending:
        called = pipelines.get(pending.pop())
        if called is not None and all(called is not s for s in seen):
            seen.append(called)
            pending.extend(called.calls)
    return tuple(seen)


def _where(hit: _Hit, elsewhere: bool) -> str:
    return f" (in {hit.path})" if elsewhere else ""


def _judge_scanning(target: Target, view: _View) -> Finding:
    scans, elsewhere = view.here_or_elsewhere("scans")
    if scans:
        scan = scans[0]
        return Finding(
            target,
            Status.PASS,
            f"{scan.tool} scans for vulnerabilities{_where(scan, elsewhere)}",
            (scan.evidence(),),
        )
    build = view.own.builds[0]
    return Finding(
        target,
        Status.FAIL,
        "builds images but runs no vulnerability scanner (Trivy, Grype, Docker Scout, Snyk)",
        (build.evidence(),),
    )


def _judge_gate(target: Target, view: _View) -> Finding:
    # TODO: the order of steps is not checked; a gate after the push stops nothing.
    scans, elsewhere = view.here_or_elsewhere("scans")
    build = view.own.builds[0]
    if not scans:
        return Finding(
            target,
            Status.FAIL,
            "no vulnerability scanner runs, so nothing fails the build on critical findings",
            (build.evidence(),),
        )
    for scan in scans:
        if scan.gate is True:
            return Finding(
                target,
                Status.PASS,
                f"{scan.tool} fails the build on critical findings: {scan.note}"
                f"{_where(scan, elsewhere)}",
                (scan.evidence(),),
            )
    for scan in scans:
        if scan.gate is None:
            return Finding(target, Status.UNKNOWN, f"{scan.tool}: {scan.note}", (scan.evidence(),))
    scan = scans[0]
    return Finding(
        target,
        Status.FAIL,
        f"{scan.tool} reports but never fails the build: {scan.note}{_where(scan, elsewhere)}",
        (scan.evidence(), build.evidence()),
    )


def _judge_lint(target: Target, view: _View) -> Finding:
    lints, elsewhere = view.here_or_elsewhere("lints")
    if not lints:
        build = view.own.builds[0]
        return Finding(
            target,
            Status.FAIL,
            "no Dockerfile linter or secret scanner runs in CI",
            (build.evidence(),),
        )

    linter = next((hit for hit in lints if "secret" not in hit.note), None)
    secrets = next((hit for hit in lints if "secret" in hit.note), None)
    parts = [f"{hit.tool} {hit.note}" for hit in (linter, secrets) if hit is not None]
    if linter is None:
        parts.append("no Dockerfile linter found")
    if secrets is None:
        parts.append("no secret scanner found")
    found = [hit for hit in (linter, secrets) if hit is not None]
    return Finding(
        target,
        Status.PASS,
        "; ".join(parts) + _where(found[0], elsewhere),
        tuple(hit.evidence() for hit in found),
    )


def _judge_signing(target: Target, view: _View) -> Finding:
    pushes = view.own.pushes
    if not pushes:
        return Finding(target, Status.NOT_APPLICABLE, "builds images but does not push them")
    signs = view.hits("signs")
    if signs:
        sign = signs[0]
        if sign.tool == "Docker Content Trust":
            reason = (
                "pushes with DOCKER_CONTENT_TRUST=1 (deprecated; check that pulls "
                "verify signatures)"
            )
        else:
            reason = f"{sign.tool} signs the pushed images"
        return Finding(target, Status.PASS, reason, (sign.evidence(),))
    return Finding(
        target,
        Status.FAIL,
        "pushes images without signing them (no cosign sign or notation sign)",
        (pushes[0].evidence(),),
    )


def _judge_sbom(target: Target, view: _View) -> Finding:
    sboms = view.hits("sboms")
    provenance = view.hits("provenance")
    if sboms and provenance:
        return Finding(
            target,
            Status.PASS,
            f"attaches an SBOM ({sboms[0].tool}) and provenance ({provenance[0].tool})",
            (sboms[0].evidence(), provenance[0].evidence()),
        )
    if sboms:
        return Finding(
            target,
            Status.PASS,
            f"produces an SBOM ({sboms[0].tool}); no provenance attestation found",
            (sboms[0].evidence(),),
        )
    if provenance:
        return Finding(
            target,
            Status.PASS,
            f"records provenance ({provenance[0].tool}); no SBOM found",
            (provenance[0].evidence(),),
        )
    build = view.own.builds[0]
    return Finding(
        target,
        Status.FAIL,
        "builds images without an SBOM or provenance attestation",
        (build.evidence(),),
    )


def ci_image_scanning(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does a vulnerability scanner run on what it builds?"""
    return _judge_each(facts, _judge_scanning)


def ci_scan_gate(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does a scan fail the build on critical findings?"""
    return _judge_each(facts, _judge_gate)


def ci_dockerfile_lint(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does CI lint Dockerfiles or scan for secrets?"""
    return _judge_each(facts, _judge_lint)


def ci_image_signing(facts: ProjectFacts) -> list[Finding]:
    """Per image-pushing CI file: are the pushed images signed?"""
    return _judge_each(facts, _judge_signing)


def ci_sbom_provenance(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: does the build produce an SBOM or provenance?"""
    return _judge_each(facts, _judge_sbom)


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "ci_image_scanning": ci_image_scanning,
    "ci_scan_gate": ci_scan_gate,
    "ci_dockerfile_lint": ci_dockerfile_lint,
    "ci_image_signing": ci_image_signing,
    "ci_sbom_provenance": ci_sbom_provenance,
}
