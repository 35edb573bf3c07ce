"""Lifecycle detectors: health checks, the restart policy and an init process as PID 1
(CIS 5.15, 5.27, 4.6)."""

from __future__ import annotations

import posixpath
from typing import Any

from reviewtui.detect.compose_checks.builds import BuiltStage, built_stage
from reviewtui.detect.compose_checks.findings import (
    Check,
    finding,
    per_service,
    per_service_with_facts,
)
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import is_true
from reviewtui.project.compose_yaml import YamlMap, spelled
from reviewtui.project.facts import ProjectFacts

MAX_RETRIES = 5
UNBOUNDED_POLICIES = frozenset({"always", "unless-stopped"})
NEVER_RESTART = frozenset({"no", "false", "none", ""})
# Programs that, as PID 1, reap orphaned children and pass signals on.
INIT_PROGRAMS = frozenset(
    {
        "tini",
        "tini-static",
        "dumb-init",
        "catatonit",
        "docker-init",
        "s6-svscan",
        "init",
        "my_init",
        "runsvdir",
        "supervisord",
        "systemd",
        "pid1",
    }
)


def _compose_test(service: ComposeService) -> tuple[str, tuple[str, str]] | None:
    """How the compose file sets the health check (``disabled``, ``none`` or ``test``)
    and the key that says so; None when it leaves the check to the image."""
    healthcheck = service.get("healthcheck")
    if not isinstance(healthcheck, dict):
        return None
    if is_true(healthcheck.get("disable")):
        return "disabled", ("healthcheck", "disable")
    test = healthcheck.get("test")
    if test is None or test == [] or test == "":
        return None
    first = test[0] if isinstance(test, list) else test
    if str(first).strip().upper() == "NONE":
        return "none", ("healthcheck", "test")
    return "test", ("healthcheck", "test")


def _service_healthcheck_for(facts: ProjectFacts) -> Check:
    """PASS when the service has a health check: its own ``healthcheck.test``, or the
    HEALTHCHECK of the Dockerfile stage it builds. FAIL for ``disable: true``,
    ``test: ["NONE"]`` and a built image without one; UNKNOWN for a pulled image, whose
    own HEALTHCHECK the files do not show (CIS 5.27, 4.6)."""

    def check(project: ComposeProject, service: ComposeService) -> Finding:
        compose = _compose_test(service)
        if compose is not None:
            kind, keys = compose
            if kind == "disabled":
                return finding(
                    service,
                    Status.FAIL,
                    "healthcheck: disable: true turns it off",
                    service.evidence(*keys),
                )
            if kind == "none":
                return finding(
                    service,
                    Status.FAIL,
                    'healthcheck test ["NONE"] turns it off',
                    service.evidence(*keys),
                )
            return finding(
                service, Status.PASS, "healthcheck: sets a test", service.evidence(*keys)
            )
        return _image_healthcheck(service, built_stage(facts, service))

    return check


def _image_healthcheck(service: ComposeService, built: BuiltStage | str | None) -> Finding:
    evidence = service.evidence("healthcheck")
    if built is None:
        return finding(
            service,
            Status.UNKNOWN,
            "no healthcheck: and the image is pulled: its own HEALTHCHECK, if any, "
            "is not in the files",
            service.evidence("image"),
        )
    if isinstance(built, str):
        return finding(service, Status.UNKNOWN, f"no healthcheck: and {built}", evidence)
    instruction = built.effective("HEALTHCHECK")
    path = built.label
    if instruction is None:
        return finding(
            service,
            Status.FAIL,
            f"no healthcheck: and {path} sets no HEALTHCHECK",
            evidence,
            built.from_evidence(),
        )
    if instruction.arguments.strip().upper().startswith("NONE"):
        return finding(
            service,
            Status.FAIL,
            f"no healthcheck: and {path} turns it off with HEALTHCHECK NONE",
            built.evidence(instruction),
            evidence,
        )
    return finding(
        service,
        Status.PASS,
        f"the HEALTHCHECK of {path} applies",
        built.evidence(instruction),
        evidence,
    )


def _retries(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _restart_key(service: ComposeService) -> Finding:
    value = str(service.get("restart")).strip().lower()
    evidence = service.evidence("restart")
    name, _, count = value.partition(":")
    substitution = service.data.substitution_of("restart")
    if substitution is not None and substitution.unset and not value:
        return finding(
            service,
            Status.UNKNOWN,
            f"restart comes from {', '.join(substitution.unset)}, set nowhere in the project",
            evidence,
        )
    if name in NEVER_RESTART:
        return finding(
            service, Status.PASS, "restart: no: never restarted automatically", evidence
        )
    if name in UNBOUNDED_POLICIES:
        return finding(
            service,
            Status.PASS,
            f"restart: {name}: restarted without limit, each time after a longer delay",
            evidence,
        )
    if name != "on-failure":
        return finding(service, Status.UNKNOWN, f"unknown restart policy {value}", evidence)
    return _on_failure(service, _retries(count) if count else 0, count, evidence)


def _on_failure(
    service: ComposeService, retries: int | None, written: str, evidence: Any
) -> Finding:
    if retries is None:
        return finding(
            service, Status.UNKNOWN, f"cannot read on-failure retries {written}", evidence
        )
    if retries <= 0:
        return finding(
            service,
            Status.FAIL,
            "on-failure without a retry count: a crashing container is restarted forever",
            evidence,
        )
    if retries > MAX_RETRIES:
        return finding(
            service,
            Status.FAIL,
            f"on-failure retries {retries} times; CIS asks for at most {MAX_RETRIES}",
            evidence,
        )
    return finding(service, Status.PASS, f"on-failure gives up after {retries} retries", evidence)


def _deploy_restart(service: ComposeService, policy: YamlMap) -> Finding:
    condition = str(policy.get("condition") or "any").strip().lower()
    attempts = policy.get("max_attempts")
    evidence = service.evidence("deploy", "restart_policy")
    if condition == "none":
        return finding(
            service, Status.PASS, "restart_policy condition none: never restarted", evidence
        )
    if attempts is None:
        if condition == "on-failure":
            return _on_failure(service, 0, "", evidence)
        return finding(
            service,
            Status.PASS,
            f"restart_policy condition {condition}: restarted without limit, "
            "each time after a longer delay",
            evidence,
        )
    retries = None if isinstance(attempts, bool) else _retries(str(attempts))
    return _on_failure(
        service,
        retries,
        spelled(attempts),
        service.evidence("deploy", "restart_policy", "max_attempts"),
    )


def _restart_policy(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL when a failing container is restarted more than five times with ``on-failure``
    (CIS 5.15): ``on-failure`` without a count or above five. ``no`` passes; so do
    ``always`` and ``unless-stopped``, which restart without a count but with a doubling
    delay between attempts, as the engine does. ``deploy.restart_policy`` counts when
    ``restart`` is not set."""
    if service.get("restart") is not None:
        return _restart_key(service)
    policy = service.get("deploy", "restart_policy")
    if isinstance(policy, YamlMap):
        return _deploy_restart(service, policy)
    return finding(
        service,
        Status.PASS,
        "no restart policy: never restarted automatically",
        service.evidence("restart"),
    )


def first_program(words: list[str]) -> str | None:
    """The program a command line runs first, past a shell's ``-c`` and ``exec``; None
    when there is none."""
    words = [word for word in words if word]
    if words and words[0] in ("/bin/sh", "sh", "/bin/bash", "bash") and len(words) > 2:
        words = words[2].split()  # ``sh -c "exec tini -- app"``
    if words and words[0] == "exec":
        words = words[1:]
    return posixpath.basename(words[0]) if words else None


def _init_process_for(facts: ProjectFacts) -> Check:
    """PASS for ``init: true`` (or ``"init": true`` in the project's daemon.json), or a
    built image whose ENTRYPOINT starts an init such as tini or dumb-init; FAIL for a
    built image whose PID 1 is the application itself; UNKNOWN for a pulled image."""
    daemon = next((c for c in facts.daemon_configs if c.get("init") is True), None)

    def check(project: ComposeProject, service: ComposeService) -> Finding:
        if is_true(service.get("init")):
            return finding(
                service,
                Status.PASS,
                "init: true: docker-init runs as PID 1",
                service.evidence("init"),
            )
        if daemon is not None and service.get("init") is None:
            return finding(
                service,
                Status.PASS,
                f"{daemon.path} sets init for every container",
                daemon.evidence("init"),
            )
        return _image_init(service, built_stage(facts, service))

    return check


def _image_init(service: ComposeService, built: BuiltStage | str | None) -> Finding:
    evidence = service.evidence("init")
    if built is None:
        return finding(
            service,
            Status.UNKNOWN,
            "no init: true and the image is pulled: whether its entrypoint is an init "
            "is not in the files",
            evidence,
        )
    if isinstance(built, str):
        return finding(service, Status.UNKNOWN, f"no init: true and {built}", evidence)
    entrypoint = built.effective("ENTRYPOINT")
    command = built.effective("CMD")
    instruction = entrypoint if entrypoint is not None else command
    if instruction is None:
        return finding(
            service,
            Status.UNKNOWN,
            f"no init: true and {built.label} sets no ENTRYPOINT or CMD",
            evidence,
        )
    program = first_program(instruction.words)
    if program in INIT_PROGRAMS:
        return finding(
            service,
            Status.PASS,
            f"{instruction.keyword} of {built.label} starts {program} as PID 1",
            built.evidence(instruction),
        )
    return finding(
        service,
        Status.FAIL,
        f"no init: true: {program or 'the program'} from the {instruction.keyword} of "
        f"{built.label} runs as PID 1 and must reap zombies and handle "
        "signals itself",
        evidence,
        built.evidence(instruction),
    )


service_healthcheck = per_service_with_facts(_service_healthcheck_for)
restart_policy = per_service(_restart_policy)
init_process = per_service_with_facts(_init_process_for)

DETECTORS = {
    "service_healthcheck": service_healthcheck,
    "restart_policy": restart_policy,
    "init_process": init_process,
}
"""The detectors of this module, by the names the checklists use."""
