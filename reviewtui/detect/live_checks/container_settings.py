"""Per-container settings of live containers: kernel and cgroup settings, ulimits, init,
health check, restart policy, secrets in the environment, the image reference and log
rotation (CIS 2.13, 4.6, 4.10, 5.15, 5.19, 5.25, 5.27, 5.28)."""

from __future__ import annotations

import re
from typing import Any

from reviewtui.detect.compose_checks.findings import names
from reviewtui.detect.compose_checks.kernel import (
    PROTECTED_OOM_SCORE,
    ROUTING_SYSCTL,
    sysctl_enabled,
)
from reviewtui.detect.compose_checks.lifecycle import (
    INIT_PROGRAMS,
    MAX_RETRIES,
    NEVER_RESTART,
    UNBOUNDED_POLICIES,
    first_program,
)
from reviewtui.detect.compose_checks.limits import GUARDING_ULIMITS
from reviewtui.detect.compose_checks.secrets import URL_CREDENTIALS, secret_flag
from reviewtui.detect.daemon_checks.log_rotation import judge_logging
from reviewtui.detect.image_tags import floating_reason
from reviewtui.detect.live_checks.findings import Detector, per_container
from reviewtui.live.facts import ContainerFacts, EngineFacts, ImageFacts, shown
from reviewtui.masking import MASK, is_secret_name, looks_like_reference
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import parse_image_ref

# Labels the swarm puts on the containers of its tasks: their restart policy is the
# service's, answered with the swarm service.
_SWARM_TASK_LABEL = "com.docker.swarm.task.id"
_IMAGE_ID = re.compile(r"^(sha256:)?[0-9a-f]{1,64}$")


def _finding(
    container: ContainerFacts, status: Status, reason: str, *evidence: Evidence
) -> Finding:
    return Finding(container.target, status, reason, evidence)


def _routing_sysctls(container: ContainerFacts) -> list[tuple[str, Evidence]]:
    sysctls = container.get("HostConfig.Sysctls")
    if not isinstance(sysctls, dict):
        return []
    return [
        (f"{name}={value}", container.evidence("HostConfig.Sysctls", f"{name}={value}"))
        for name, value in sysctls.items()
        if ROUTING_SYSCTL.match(str(name).strip()) and sysctl_enabled(value)
    ]


def _oom_problems(container: ContainerFacts) -> list[tuple[str, Evidence]]:
    problems = []
    memory = container.get("HostConfig.Memory") or 0
    if container.get("HostConfig.OomKillDisable") is True and not memory:
        problems.append(
            (
                "OomKillDisable without a memory limit can leave the host out of memory",
                container.evidence("HostConfig.OomKillDisable"),
            )
        )
    score = container.get("HostConfig.OomScoreAdj")
    if isinstance(score, int) and score <= PROTECTED_OOM_SCORE:
        problems.append(
            (
                f"OomScoreAdj {score} makes the OOM killer take other host processes first",
                container.evidence("HostConfig.OomScoreAdj"),
            )
        )
    return problems


def _kernel_settings(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for sysctls that turn the container into a router (``ip_forward``,
    ``forwarding``, ``route_localnet``, ``accept_source_route``), OomKillDisable without a
    memory limit, OomScoreAdj at -500 or below, and a CgroupParent other than Docker's
    (CIS 5.25)."""
    problems = [(f"sysctl {text}", where) for text, where in _routing_sysctls(container)]
    problems += _oom_problems(container)
    parent = str(container.get("HostConfig.CgroupParent") or "").strip()
    if parent:
        problems.append(
            (
                f"CgroupParent {parent} places it outside Docker's cgroup",
                container.evidence("HostConfig.CgroupParent"),
            )
        )
    if problems:
        return _finding(
            container,
            Status.FAIL,
            names([text for text, _ in problems], "; "),
            *(where for _, where in problems),
        )
    evidence = [
        container.evidence(dotted)
        for dotted in (
            "HostConfig.Sysctls",
            "HostConfig.OomKillDisable",
            "HostConfig.OomScoreAdj",
            "HostConfig.CgroupParent",
        )
    ]
    sysctls = container.get("HostConfig.Sysctls")
    if isinstance(sysctls, dict) and sysctls:
        return _finding(
            container,
            Status.PASS,
            f"sysctls {names([str(name) for name in sysctls])} do not open routing; "
            "the OOM killer and cgroup parent keep their defaults",
            *evidence,
        )
    return _finding(
        container,
        Status.PASS,
        "no routing sysctls; the OOM killer and cgroup parent keep their defaults",
        *evidence,
    )


def _ulimit_entries(container: ContainerFacts) -> list[dict[str, Any]]:
    value = container.get("HostConfig.Ulimits")
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


def _unlimited(entry: dict[str, Any]) -> bool:
    return any(str(entry.get(key)).strip() == "-1" for key in ("Soft", "Hard"))


def _ulimits(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS where ``HostConfig.Ulimits`` is set (listed in the reason) or the engine's
    daemon.json sets ``default-ulimits``; FAIL where ``nproc`` or ``nofile`` is made
    unlimited; UNKNOWN where only the limits dockerd runs with apply, since whether they
    fit is for a person to judge (CIS 5.19)."""
    entries = _ulimit_entries(container)
    if entries:
        removed = [
            entry
            for entry in entries
            if str(entry.get("Name", "")).lower() in GUARDING_ULIMITS and _unlimited(entry)
        ]
        if removed:
            return _finding(
                container,
                Status.FAIL,
                f"Ulimits lift the {names([str(e.get('Name')) for e in removed])} limit: "
                "unlimited",
                *(container.evidence("HostConfig.Ulimits", entry) for entry in removed),
            )
        listed = [
            f"{e.get('Name')} {shown(e.get('Soft', '?'))}/{shown(e.get('Hard', '?'))}"
            for e in entries
        ]
        return _finding(
            container,
            Status.PASS,
            f"ulimits set: {names(listed)}",
            container.evidence("HostConfig.Ulimits"),
        )
    daemon = engine.daemon_config
    defaults = daemon.get("default-ulimits") if daemon is not None else None
    if daemon is not None and isinstance(defaults, dict) and defaults:
        return _finding(
            container,
            Status.PASS,
            f"no Ulimits: the default-ulimits of {daemon.path} apply",
            container.evidence("HostConfig.Ulimits"),
            daemon.evidence("default-ulimits"),
        )
    return _finding(
        container,
        Status.UNKNOWN,
        "no Ulimits: the limits dockerd runs with apply (often a million open files); "
        "confirm they fit",
        container.evidence("HostConfig.Ulimits"),
    )


def _words(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(word) for word in value]
    return str(value).split() if value else []


def _init_process(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS for ``HostConfig.Init`` true (or ``"init": true`` in the engine's daemon.json
    when the container leaves it unset), or an entrypoint that starts an init such as
    tini or dumb-init; FAIL when the application itself is PID 1."""
    init = container.get("HostConfig.Init")
    if init is True:
        return _finding(
            container,
            Status.PASS,
            "HostConfig.Init is true: docker-init runs as PID 1",
            container.evidence("HostConfig.Init"),
        )
    daemon = engine.daemon_config
    if init is None and daemon is not None and daemon.get("init") is True:
        return _finding(
            container,
            Status.PASS,
            f"{daemon.path} sets init for every container",
            daemon.evidence("init"),
            container.evidence("HostConfig.Init"),
        )
    # TODO: dockerd's --init flag, like a remote engine's daemon.json, is not seen.
    entrypoint = _words(container.get("Config.Entrypoint"))
    dotted = "Config.Entrypoint" if entrypoint else "Config.Cmd"
    words = entrypoint or _words(container.get("Config.Cmd"))
    program = first_program(words)
    if program is None:
        return _finding(
            container,
            Status.UNKNOWN,
            "HostConfig.Init is not set and the container has no entrypoint or command",
            container.evidence("HostConfig.Init"),
            container.evidence("Config.Cmd"),
        )
    if program in INIT_PROGRAMS:
        return _finding(
            container,
            Status.PASS,
            f"{dotted} starts {program} as PID 1",
            container.evidence(dotted),
        )
    return _finding(
        container,
        Status.FAIL,
        f"HostConfig.Init is not set: {program} from {dotted} runs as PID 1 and must reap "
        "zombies and handle signals itself",
        container.evidence("HostConfig.Init"),
        container.evidence(dotted),
    )


def _service_healthcheck(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``Config.Healthcheck`` (the container's own, or the image's copied into
    it) has a test; FAIL for none, for ``Test: ["NONE"]`` and while the engine reports
    the container unhealthy (CIS 5.27, 4.6)."""
    healthcheck = container.get("Config.Healthcheck")
    test = healthcheck.get("Test") if isinstance(healthcheck, dict) else None
    if not test:
        return _finding(
            container,
            Status.FAIL,
            "Config.Healthcheck is not set: neither the container nor its image has one",
            container.evidence("Config.Healthcheck"),
        )
    evidence = container.evidence("Config.Healthcheck.Test")
    first = test[0] if isinstance(test, list) else test
    if str(first).strip().upper() == "NONE":
        return _finding(
            container, Status.FAIL, 'Config.Healthcheck.Test ["NONE"] turns it off', evidence
        )
    status = str(container.get("State.Health.Status") or "")
    if status == "unhealthy":
        streak = container.get("State.Health.FailingStreak")
        times = f" after {streak} failed checks" if isinstance(streak, int) and streak else ""
        return _finding(
            container,
            Status.FAIL,
            f"the health check reports unhealthy{times}",
            container.evidence("State.Health.Status"),
            evidence,
        )
    image = container.image
    source = (
        "the HEALTHCHECK of its image applies"
        if image is not None and image.get("Config.Healthcheck") == healthcheck
        else "Config.Healthcheck sets a test"
    )
    if status:
        return _finding(
            container,
            Status.PASS,
            f"{source}; the container is {status}",
            evidence,
            container.evidence("State.Health.Status"),
        )
    return _finding(container, Status.PASS, source, evidence)


def _restart_policy(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL when a failing container is restarted more than five times: ``on-failure``
    without a count or above five (CIS 5.15). ``no`` passes; so do ``always`` and
    ``unless-stopped``, which restart without a count but with a doubling delay between
    attempts. A swarm task's policy is its service's, answered with the service."""
    evidence = container.evidence("HostConfig.RestartPolicy")
    labels = container.get("Config.Labels") or {}
    if isinstance(labels, dict) and _SWARM_TASK_LABEL in labels:
        return _finding(
            container,
            Status.NOT_APPLICABLE,
            "a swarm task: the restart policy of its service applies",
            container.evidence(
                "Config.Labels", f"{_SWARM_TASK_LABEL}={labels[_SWARM_TASK_LABEL]}"
            ),
        )
    name = str(container.get("HostConfig.RestartPolicy.Name") or "").strip().lower()
    retries = container.get("HostConfig.RestartPolicy.MaximumRetryCount") or 0
    if name in NEVER_RESTART:
        return _finding(
            container, Status.PASS, "RestartPolicy no: never restarted automatically", evidence
        )
    if name in UNBOUNDED_POLICIES:
        return _finding(
            container,
            Status.PASS,
            f"RestartPolicy {name}: restarted without limit, each time after a longer delay",
            evidence,
        )
    if name != "on-failure":
        return _finding(container, Status.UNKNOWN, f"unknown restart policy {name}", evidence)
    if not isinstance(retries, int) or retries <= 0:
        return _finding(
            container,
            Status.FAIL,
            "on-failure without a retry count: a crashing container is restarted forever",
            evidence,
        )
    if retries > MAX_RETRIES:
        return _finding(
            container,
            Status.FAIL,
            f"on-failure retries {retries} times; CIS asks for at most {MAX_RETRIES}",
            evidence,
        )
    return _finding(
        container, Status.PASS, f"on-failure gives up after {retries} retries", evidence
    )


def _env_entries(data: ImageFacts | ContainerFacts | None) -> list[str]:
    value = data.get("Config.Env") if data is not None else None
    return [str(entry) for entry in value] if isinstance(value, list) else []


def _masked_url(value: str) -> str:
    """The value with the password of every ``scheme://user:password@`` in it masked."""

    def mask(match: re.Match[str]) -> str:
        cut = match.start("pw") - match.start(0)
        return match.group(0)[:cut] + MASK + "@"

    return URL_CREDENTIALS.sub(mask, value)


def _env_secrets(container: ContainerFacts) -> tuple[list[str], list[Evidence]]:
    """Secret-looking variables of ``Config.Env`` with literal values, and evidence whose
    snippet names the variable with its value masked. A variable the image's ENV set
    also cites the image."""
    from_image = set(_env_entries(container.image))
    reasons: list[str] = []
    evidence: list[Evidence] = []
    for entry in _env_entries(container):
        name, _, value = entry.partition("=")
        stripped = value.strip()
        if not stripped or stripped.startswith("/run/secrets/"):
            continue
        if is_secret_name(name) and not looks_like_reference(value):
            problem, snippet = f"{name} holds a literal value", f"{name}={MASK}"
        elif URL_CREDENTIALS.search(value):
            problem, snippet = f"{name} holds a URL with a password", _masked_url(entry)
        else:
            # TODO: a token under a harmless name (NOTES=ghp_...) is masked, not flagged.
            continue
        # The value is never put in a reason, and the snippet is masked here rather than
        # left to the masking of evidence, which stops at blanks and quotes.
        evidence.append(container.evidence("Config.Env", snippet))
        if entry in from_image and container.image is not None:
            problem += " from the image's ENV"
            evidence.append(container.image.evidence("Config.Env", snippet))
        reasons.append(problem)
    return reasons, evidence


def _command_secrets(container: ContainerFacts) -> tuple[list[str], list[Evidence]]:
    """Passwords given as ``--flag value`` or ``--flag=value`` in the entrypoint or
    command; a value that is a variable or a file under /run/secrets/ is not one."""
    reasons: list[str] = []
    evidence: list[Evidence] = []
    for dotted in ("Config.Entrypoint", "Config.Cmd"):
        tokens = [word for item in _words(container.get(dotted)) for word in item.split()]
        for index, token in enumerate(tokens):
            if not token.startswith("-"):
                continue
            flag, equals, value = token.partition("=")
            if not equals and index + 1 < len(tokens):
                value = tokens[index + 1]
            value = value.strip("\"'")
            if not value or value.startswith(("-", "$", "/run/secrets/")):
                continue
            if secret_flag(flag):
                reasons.append(f"{dotted} passes {flag} in plain text")
                evidence.append(container.evidence(dotted, f"{flag} {MASK}"))
    return reasons, evidence


def _secrets_not_in_env(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL for secret-looking variables with literal values in ``Config.Env`` (the
    container's own and those its image's ENV set), URLs with a password, and passwords
    given as flags in the entrypoint or command (CIS 4.10)."""
    reasons, evidence = _env_secrets(container)
    more_reasons, more_evidence = _command_secrets(container)
    reasons += more_reasons
    evidence += more_evidence
    if reasons:
        return _finding(
            container, Status.FAIL, f"secrets in plain text: {names(reasons)}", *evidence
        )
    return _finding(
        container,
        Status.PASS,
        "no secret-looking variable holds a literal value",
        container.evidence("Config.Env"),
    )


def _image_id_reference(container: ContainerFacts, reference: str) -> bool:
    """Whether the container was made from an image id (``sha256:...`` or a prefix of the
    id): it names fixed content, as a digest does. A name that merely looks like hex
    (``cafe``) is a tag when the image carries it (``cafe:latest``)."""
    image_id = str(container.get("Image") or "").removeprefix("sha256:")
    bare = reference.removeprefix("sha256:")
    if not (_IMAGE_ID.match(reference) and image_id and image_id.startswith(bare)):
        return False
    tags = container.image.get("RepoTags") if container.image is not None else None
    return not (isinstance(tags, list) and {reference, f"{reference}:latest"} & set(tags))


def _reference(container: ContainerFacts) -> tuple[str, Evidence] | Finding:
    """``Config.Image`` and its evidence, or the finding that says why it cannot be read."""
    reference = str(container.get("Config.Image") or "").strip()
    evidence = container.evidence("Config.Image")
    if not reference:
        return _finding(container, Status.UNKNOWN, "Config.Image is empty", evidence)
    return reference, evidence


def _by_id(container: ContainerFacts, reference: str, evidence: Evidence) -> Finding:
    return _finding(
        container,
        Status.PASS,
        f"created from the image id {reference}, which names fixed content as a digest does",
        evidence,
        container.evidence("Image"),
    )


def _compose_image_tag(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """FAIL when ``Config.Image``, the reference the container was made from, has no tag,
    ``latest`` or another moving tag; a digest or an image id pins it whatever the tag
    says (CIS 5.28)."""
    found = _reference(container)
    if isinstance(found, Finding):
        return found
    reference, evidence = found
    if _image_id_reference(container, reference):
        return _by_id(container, reference, evidence)
    ref = parse_image_ref(reference)
    if ref is None:
        return _finding(container, Status.UNKNOWN, f"cannot read image {reference}", evidence)
    reason = floating_reason(ref)
    if reason is not None:
        return _finding(container, Status.FAIL, f"image {ref.text} {reason}", evidence)
    if ref.digest:
        return _finding(container, Status.PASS, f"image {ref.text} is pinned by digest", evidence)
    return _finding(container, Status.PASS, f"image {ref.text} pins version {ref.tag}", evidence)


def _compose_image_digest(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """PASS when ``Config.Image`` is pinned by ``@sha256:`` or is an image id; a tag alone
    can be moved to other content."""
    found = _reference(container)
    if isinstance(found, Finding):
        return found
    reference, evidence = found
    if _image_id_reference(container, reference):
        return _by_id(container, reference, evidence)
    ref = parse_image_ref(reference)
    if ref is None:
        return _finding(container, Status.UNKNOWN, f"cannot read image {reference}", evidence)
    if ref.digest:
        return _finding(container, Status.PASS, f"image {ref.text} is pinned by digest", evidence)
    reason = f"image {ref.text} is not pinned by digest: its tag can be moved to other content"
    image = container.image
    if image is None:
        return _finding(container, Status.FAIL, reason, evidence)
    digests = image.get("RepoDigests")
    if not digests:
        reason += "; the image has no registry digest, so it was built or loaded here"
    return _finding(container, Status.FAIL, reason, evidence, image.evidence("RepoDigests"))


def _logging_rotation(engine: EngineFacts, container: ContainerFacts) -> Finding:
    """Logs rotate (json-file with max-size, the local driver) or go to another driver;
    the driver ``none`` keeps no logs (CIS 2.13).

    The engine writes its default driver and log-opts into ``HostConfig.LogConfig`` when
    it creates the container, and later changes to daemon.json do not reach it, so this
    field alone decides."""
    status, reason = judge_logging(
        container.get("HostConfig.LogConfig.Type"), container.get("HostConfig.LogConfig.Config")
    )
    return _finding(container, status, reason, container.evidence("HostConfig.LogConfig"))


kernel_settings = per_container(_kernel_settings)
ulimits = per_container(_ulimits)
init_process = per_container(_init_process)
service_healthcheck = per_container(_service_healthcheck)
restart_policy = per_container(_restart_policy)
secrets_not_in_env = per_container(_secrets_not_in_env)
compose_image_tag = per_container(_compose_image_tag)
compose_image_digest = per_container(_compose_image_digest)
logging_rotation = per_container(_logging_rotation)

DETECTORS: dict[str, Detector] = {
    "kernel_settings": kernel_settings,
    "ulimits": ulimits,
    "init_process": init_process,
    "service_healthcheck": service_healthcheck,
    "restart_policy": restart_policy,
    "secrets_not_in_env": secrets_not_in_env,
    "compose_image_tag": compose_image_tag,
    "compose_image_digest": compose_image_digest,
    "logging_rotation": logging_rotation,
}
"""The container detectors of this module, by the names the checklists use."""
