"""Live swarm service detectors for what the tasks run and how: the image reference, the
health check, the init process and log rotation."""

from __future__ import annotations

from typing import Any

from reviewtui.detect.compose_checks.lifecycle import INIT_PROGRAMS, first_program
from reviewtui.detect.daemon_checks.log_rotation import judge_logging
from reviewtui.detect.image_tags import floating_reason
from reviewtui.detect.live_checks.findings import Detector, per_swarm_service
from reviewtui.detect.live_checks.swarm_common import (
    CONTAINER,
    local_image,
    service_finding,
    without_digest,
)
from reviewtui.live.facts import EngineFacts, ImageFacts, SwarmServiceFacts
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import ImageRef, parse_image_ref

# -- the image ------------------------------------------------------------------------------

_IMAGE = f"{CONTAINER}.Image"


def _image_reference(service: SwarmServiceFacts) -> ImageRef | Finding:
    """The service's image reference, or the finding that says why it cannot be read."""
    reference = str(service.get(_IMAGE) or "").strip()
    evidence = service.evidence(_IMAGE)
    if not reference:
        return service_finding(service, Status.UNKNOWN, "ContainerSpec.Image is empty", evidence)
    ref = parse_image_ref(reference)
    if ref is None:
        return service_finding(service, Status.UNKNOWN, f"cannot read image {reference}", evidence)
    return ref


def _compose_image_tag(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """FAIL when ``ContainerSpec.Image`` has no tag, ``latest`` or another moving tag; a
    digest pins it whatever the tag says (CIS 5.28). Swarm stores the digest it resolved
    when the service was made, unless told not to (``--no-resolve-image``) or the
    registry could not be reached."""
    ref = _image_reference(service)
    if isinstance(ref, Finding):
        return ref
    evidence = service.evidence(_IMAGE)
    reason = floating_reason(ref)
    if reason is not None:
        return service_finding(service, Status.FAIL, f"image {ref.text} {reason}", evidence)
    if ref.digest:
        return service_finding(
            service, Status.PASS, f"image {ref.text} is pinned by digest", evidence
        )
    return service_finding(
        service, Status.PASS, f"image {ref.text} pins version {ref.tag}", evidence
    )


def _compose_image_digest(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS when ``ContainerSpec.Image`` carries ``@sha256:`` (swarm adds the digest it
    resolved when the service was made); a tag alone can be moved to other content, and
    each node pulls whatever it names then."""
    ref = _image_reference(service)
    if isinstance(ref, Finding):
        return ref
    evidence = [service.evidence(_IMAGE)]
    if ref.digest:
        return service_finding(
            service, Status.PASS, f"image {ref.text} is pinned by digest", *evidence
        )
    reason = (
        f"image {ref.text} is not pinned by digest: its tag can be moved to other content; "
        "swarm pinned no digest (--no-resolve-image, or no registry)"
    )
    image = local_image(engine, ref.text)
    if image is not None:
        evidence.append(image.evidence("RepoDigests"))
    return service_finding(service, Status.FAIL, reason, *evidence)


# -- health check and init ------------------------------------------------------------------

_HEALTHCHECK = f"{CONTAINER}.Healthcheck"


def _test_of(healthcheck: Any) -> list[Any] | None:
    test = healthcheck.get("Test") if isinstance(healthcheck, dict) else None
    return test if isinstance(test, list) and test else None


def _is_none_test(test: list[Any]) -> bool:
    return str(test[0]).strip().upper() == "NONE"


def _service_healthcheck(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS when ``ContainerSpec.Healthcheck`` sets a test, or sets none and the image's
    ``Config.Healthcheck`` has one; FAIL for ``Test: ["NONE"]`` in either and for an
    image on this engine without one; UNKNOWN when the service sets none and its image is
    not on this engine (CIS 5.27, 4.6)."""
    own = _test_of(service.get(_HEALTHCHECK))
    if own is not None and _is_none_test(own):
        return service_finding(
            service,
            Status.FAIL,
            'ContainerSpec.Healthcheck.Test ["NONE"] turns it off',
            service.evidence(f"{_HEALTHCHECK}.Test"),
        )
    if own is not None:
        return service_finding(
            service,
            Status.PASS,
            "ContainerSpec.Healthcheck sets a test",
            service.evidence(f"{_HEALTHCHECK}.Test"),
        )
    reference = str(service.get(_IMAGE) or "")
    image = local_image(engine, reference)
    if image is None:
        return service_finding(
            service,
            Status.UNKNOWN,
            f"ContainerSpec.Healthcheck is not set and the image {without_digest(reference)} "
            "is not on this engine: its HEALTHCHECK, if any, decides",
            service.evidence(_HEALTHCHECK),
            service.evidence(_IMAGE),
        )
    test = _test_of(image.get("Config.Healthcheck"))
    evidence = (service.evidence(_HEALTHCHECK), image.evidence("Config.Healthcheck"))
    if test is None:
        return service_finding(
            service,
            Status.FAIL,
            "no health check: ContainerSpec.Healthcheck is not set and the image's "
            "Config.Healthcheck neither",
            *evidence,
        )
    if _is_none_test(test):
        return service_finding(
            service,
            Status.FAIL,
            'no health check: the image\'s Config.Healthcheck.Test ["NONE"] turns it off',
            *evidence,
        )
    return service_finding(service, Status.PASS, "the HEALTHCHECK of its image applies", *evidence)


def _words(value: Any) -> list[str]:
    return [str(word) for word in value] if isinstance(value, list) else []


def _program(
    service: SwarmServiceFacts, image: ImageFacts | None
) -> tuple[str | None, Evidence] | None:
    """The program PID 1 runs and the field that says so: ``ContainerSpec.Command``
    (which replaces the image's entrypoint and command), else the image's
    ``Config.Entrypoint``, else ``ContainerSpec.Args`` or the image's ``Config.Cmd``.
    None when that depends on an image that is not on this engine."""
    command = _words(service.get(f"{CONTAINER}.Command"))
    if command:
        return first_program(command), service.evidence(f"{CONTAINER}.Command")
    entrypoint = _words(image.get("Config.Entrypoint")) if image is not None else []
    if entrypoint and image is not None:
        return first_program(entrypoint), image.evidence("Config.Entrypoint")
    args = _words(service.get(f"{CONTAINER}.Args"))
    if args and image is not None:
        return first_program(args), service.evidence(f"{CONTAINER}.Args")
    if image is None:
        return None
    return first_program(_words(image.get("Config.Cmd"))), image.evidence("Config.Cmd")


def _init_process(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """PASS for ``ContainerSpec.Init`` true (or left unset where the engine's daemon.json
    sets ``"init": true``), or a PID 1 that is an init such as tini or dumb-init; FAIL
    when the application itself is PID 1. The docker CLI writes ``Init: false`` when
    ``--init`` is not given, and the daemon's default then does not apply."""
    field_name = f"{CONTAINER}.Init"
    init = service.get(field_name)
    spec = service.evidence(field_name)
    if init is True:
        return service_finding(
            service, Status.PASS, "ContainerSpec.Init is true: docker-init runs as PID 1", spec
        )
    daemon = engine.daemon_config
    if init is None and daemon is not None and daemon.get("init") is True:
        return service_finding(
            service,
            Status.PASS,
            f"{daemon.path} sets init for every container",
            daemon.evidence("init"),
            spec,
        )
    reference = str(service.get(_IMAGE) or "")
    found = _program(service, local_image(engine, reference))
    state = "false" if init is False else "not set"
    if found is None:
        return service_finding(
            service,
            Status.UNKNOWN,
            f"ContainerSpec.Init is {state} and the image {without_digest(reference)} is not "
            "on this engine: its entrypoint decides what runs as PID 1",
            spec,
            service.evidence(_IMAGE),
        )
    program, where = found
    if program is None:
        return service_finding(
            service,
            Status.UNKNOWN,
            f"ContainerSpec.Init is {state} and neither the service nor its image names a command",
            spec,
            where,
        )
    if program in INIT_PROGRAMS:
        return service_finding(
            service, Status.PASS, f"{where.field} starts {program} as PID 1", where
        )
    return service_finding(
        service,
        Status.FAIL,
        f"ContainerSpec.Init is {state}: {program} from {where.field} runs as PID 1 and must "
        "reap zombies and handle signals itself",
        spec,
        where,
    )


# -- logs -----------------------------------------------------------------------------------

_LOG_DRIVER = "Spec.TaskTemplate.LogDriver"
_TASK_DEFAULT_LOGS = "Spec.TaskDefaults.LogDriver"
_JSON_FILE = "json-file"


def _logging_rotation(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    """Logs rotate (json-file with max-size, the local driver) or go to another driver;
    the driver ``none`` keeps no logs (CIS 2.13). ``Spec.TaskTemplate.LogDriver`` decides,
    else the swarm's ``TaskDefaults.LogDriver``, else the default driver of the engine
    that runs each task: ``LoggingDriver`` in ``/info``, whose json-file options only the
    engine's daemon.json shows."""
    driver = service.get(_LOG_DRIVER)
    if isinstance(driver, dict) and driver.get("Name"):
        status, reason = judge_logging(driver.get("Name"), driver.get("Options"))
        return service_finding(service, status, reason, service.evidence(_LOG_DRIVER))
    swarm = engine.swarm
    defaults = swarm.get(_TASK_DEFAULT_LOGS) if swarm is not None else None
    if swarm is not None and isinstance(defaults, dict) and defaults.get("Name"):
        status, reason = judge_logging(defaults.get("Name"), defaults.get("Options"))
        return service_finding(
            service,
            status,
            f"no LogDriver: the swarm's task default applies; {reason}",
            service.evidence(_LOG_DRIVER),
            swarm.evidence(_TASK_DEFAULT_LOGS),
        )
    return _engine_logging(engine, service)


def _engine_logging(engine: EngineFacts, service: SwarmServiceFacts) -> Finding:
    # TODO: this engine's default stands for that of every node that runs a task.
    name = str(engine.info.get("LoggingDriver") or "").strip().lower()
    evidence = [service.evidence(_LOG_DRIVER), engine.evidence("LoggingDriver")]
    if not name:
        return service_finding(
            service,
            Status.UNKNOWN,
            "no LogDriver, and the engine does not say which driver it uses by default",
            *evidence,
        )
    daemon = engine.daemon_config
    if name == _JSON_FILE and daemon is None:
        return service_finding(
            service,
            Status.UNKNOWN,
            "no LogDriver: the engine's default json-file driver applies, and whether it "
            "rotates (log-opts max-size) is only in the engine's daemon.json; check it",
            *evidence,
        )
    options = daemon.get("log-opts") if daemon is not None and name == _JSON_FILE else None
    status, reason = judge_logging(name, options)
    if daemon is not None and name == _JSON_FILE:
        evidence.append(daemon.evidence("log-opts"))
    return service_finding(
        service, status, f"no LogDriver: the engine's default applies; {reason}", *evidence
    )


DETECTORS: dict[str, Detector] = {
    "compose_image_tag": per_swarm_service(_compose_image_tag),
    "compose_image_digest": per_swarm_service(_compose_image_digest),
    "service_healthcheck": per_swarm_service(_service_healthcheck),
    "init_process": per_swarm_service(_init_process),
    "logging_rotation": per_swarm_service(_logging_rotation),
}
"""The detectors of this module, by the names the checklists use."""
