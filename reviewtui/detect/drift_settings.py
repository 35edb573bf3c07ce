"""The settings a container is compared on with the compose service it was made from: one
comparison per setting, each giving the differences it finds, and the table of them in the
order a reason names them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reviewtui.detect.compose_checks.privileges import capabilities
from reviewtui.detect.drift_values import (
    as_number,
    bind_path,
    declared_limit,
    dropped_caps,
    health_state,
    host_address,
    image_key,
    is_root,
    memory_bytes,
    network_class,
    port_pairs,
    restart_policy,
    restarts_unbounded,
    running_number,
)
from reviewtui.detect.live_checks.container_mounts import container_mounts
from reviewtui.detect.live_checks.container_privileges import capability_names, security_options
from reviewtui.live.facts import ContainerFacts, EngineFacts
from reviewtui.masking import is_secret_name
from reviewtui.model import Evidence
from reviewtui.project.compose import ComposeService
from reviewtui.project.compose_views import Limit, is_true
from reviewtui.project.compose_yaml import Location, spelled

_NANO = 1e9
_DEFAULT_CPU_PERIOD = 100_000
_UNCONFINED = frozenset(
    {
        ("seccomp", "unconfined"),
        ("apparmor", "unconfined"),
        ("systempaths", "unconfined"),
        ("label", "disable"),
    }
)
# deploy.restart_policy conditions in the engine's words, as compose maps them.
_CONDITIONS = {"any": "always", "none": "no"}

# The items whose container findings each setting explains.
_IMAGE_ITEMS = ("runtime.image-tag-pinned", "runtime.image-digest-pinned")
_PRIVILEGED_ITEMS = ("runtime.not-privileged", "runtime.cap-drop-all", "runtime.seccomp-apparmor")
_NETWORK_ITEMS = (
    "runtime.host-namespaces",
    "runtime.port-binding",
    "runtime.network-segmentation",
    "runtime.default-bridge",
)
_PORT_ITEMS = ("runtime.port-binding", "runtime.privileged-ports")
_MOUNT_ITEMS = ("runtime.no-docker-socket", "runtime.no-sensitive-mounts")


@dataclass(frozen=True)
class Join:
    """A container and the compose service it was made from.

    ``project`` is the project name in the container's labels; ``folder`` the project
    directory compose resolved relative paths against: the labelled working directory,
    else the reviewed project's folder.
    """

    container: ContainerFacts
    service: ComposeService
    engine: EngineFacts
    project: str
    folder: str


@dataclass(frozen=True)
class Difference:
    """One setting on which a container differs from its service.

    ``setting`` names it in compose's words; ``declared`` says what the file declares,
    for the note on the container's findings; ``weakens`` is True when the container is
    less confined than the file declares; ``evidence`` holds the compose key's line and
    the inspect field with its value; ``items`` are the items whose container findings
    the difference explains.
    """

    setting: str
    declared: str
    weakens: bool
    evidence: tuple[Evidence, ...]
    items: tuple[str, ...]


Compare = Callable[[Join], list[Difference] | None]
"""Compares one setting: the differences ([] when none), None when it cannot be compared."""
# The settings compared. Each comparison cites the compose key (or the service's line when
# the key is missing) and the inspect field with its value.


def _difference(
    setting: str,
    declared: str,
    weakens: bool,
    compose: Evidence,
    running: Iterable[Evidence],
    items: tuple[str, ...],
) -> list[Difference]:
    return [Difference(setting, declared, weakens, (compose, *running), items)]


def _written(service: ComposeService, key: str) -> str:
    """``key: value`` as the file declares it, or ``no key``."""
    value = service.get(key)
    return f"no {key}" if value is None else f"{key}: {spelled(value)}"


def _unset(service: ComposeService, key: str) -> bool:
    """Whether the key's value uses a variable set nowhere in the project and without a
    default: its value comes from the shell compose ran in, which the files do not show."""
    substitution = service.data.substitution_of(key)
    return substitution is not None and bool(set(substitution.unset) - set(substitution.defaulted))


def _image(join: Join) -> list[Difference] | None:
    """The image reference: ``image:`` against ``Config.Image`` (or a tag or digest of
    the image the container runs). A built service without ``image:`` gets the name
    compose gives it, PROJECT-SERVICE (PROJECT_SERVICE before Compose v2). An image that
    differs is content nobody reviewed, so it counts as weakening."""
    service, container = join.service, join.container
    running = str(container.get("Config.Image") or "").strip()
    if not running:
        return None
    if service.get("image") is not None:
        if _unset(service, "image"):
            return None
        written = [str(service.get("image")).strip()]
        keys: tuple[str, ...] = ("image",)
        declared = _written(service, "image")
    elif service.get("build") is not None:
        written = [f"{join.project}-{service.name}", f"{join.project}_{service.name}"]
        keys = ("build",)
        declared = f"build: (image {written[0]})"
    else:
        return None
    wanted = {key for key in map(image_key, written) if key is not None}
    if not wanted:
        return None
    image = container.image
    carried = [running]
    if image is not None:
        for field in ("RepoTags", "RepoDigests"):
            value = image.get(field)
            carried += [str(entry) for entry in value] if isinstance(value, list) else []
    if wanted & {key for key in map(image_key, carried) if key is not None}:
        return []
    return _difference(
        "image",
        declared,
        True,
        service.evidence(*keys),
        [container.evidence("Config.Image")],
        _IMAGE_ITEMS,
    )


def _user(join: Join) -> list[Difference] | None:
    """``user:`` against ``Config.User``. Where either leaves it empty the image's USER
    applies, read from the image the container runs. Running as root (or as a user that
    cannot be told) where the file does not declare root weakens it."""
    service, container = join.service, join.container
    if service.get("user") is not None and _unset(service, "user"):
        return None
    declared = spelled(service.get("user")).strip() if service.get("user") is not None else ""
    running = str(container.get("Config.User") or "").strip()
    image = container.image
    image_user = str(image.get("Config.User") or "").strip() if image is not None else None
    declared_user = declared or image_user
    running_user = running or image_user
    if declared == running or (declared_user is not None and declared_user == running_user):
        return []
    if is_root(declared_user) and is_root(running_user):
        return []  # root by any spelling (root, 0, 0:0, the image's default) is root
    weakens = is_root(running_user) is not False and is_root(declared_user) is not True
    return _difference(
        "user",
        _written(service, "user"),
        weakens,
        service.evidence("user"),
        [container.evidence("Config.User")],
        ("runtime.non-root-user",),
    )


def _flag(key: str, field: str, safe: bool, items: tuple[str, ...]) -> Compare:
    """A yes-or-no setting: ``key`` against ``field``; running without the safe value the
    file declares weakens it."""

    def compare(join: Join) -> list[Difference] | None:
        service, container = join.service, join.container
        declared = is_true(service.get(key))
        running = container.get(field) is True
        if declared == running:
            return []
        return _difference(
            key,
            _written(service, key),
            running is not safe,
            service.evidence(key),
            [container.evidence(field)],
            items,
        )

    compare.__doc__ = f"``{key}`` against ``{field}``."
    return compare


def _cap_add(join: Join) -> list[Difference] | None:
    """``cap_add`` against ``HostConfig.CapAdd`` as sets of names (upper case, no
    ``CAP_``); a capability added at run time weakens it."""
    service, container = join.service, join.container
    declared = {name for name, _ in capabilities(service, "cap_add")}
    running = {name for name, _ in capability_names(container, "HostConfig.CapAdd")}
    if declared == running:
        return []
    weakens = "ALL" not in declared and bool(running - declared)
    return _difference(
        "cap_add",
        f"cap_add: {', '.join(sorted(declared))}" if declared else "no cap_add",
        weakens,
        service.evidence("cap_add"),
        [container.evidence("HostConfig.CapAdd")],
        ("runtime.cap-drop-all",),
    )


def _cap_drop(join: Join) -> list[Difference] | None:
    """``cap_drop`` against ``HostConfig.CapDrop``; a capability the file drops that the
    container keeps weakens it (``ALL`` drops the 14 defaults)."""
    service, container = join.service, join.container
    declared = {name for name, _ in capabilities(service, "cap_drop")}
    running = {name for name, _ in capability_names(container, "HostConfig.CapDrop")}
    if declared == running:
        return []
    return _difference(
        "cap_drop",
        f"cap_drop: {', '.join(sorted(declared))}" if declared else "no cap_drop",
        bool(dropped_caps(declared) - dropped_caps(running)),
        service.evidence("cap_drop"),
        [container.evidence("HostConfig.CapDrop")],
        ("runtime.cap-drop-all",),
    )


def _no_new_privileges(join: Join) -> list[Difference] | None:
    """no-new-privileges in ``security_opt`` against ``HostConfig.SecurityOpt``, either
    separator; the engine's daemon.json may set it for every container instead."""
    service, container = join.service, join.container
    option = next((o for o in service.security_options() if o.name == "no-new-privileges"), None)
    declared = option is not None and option.value.lower() in ("", "true", "1")
    running = any(
        o.name == "no-new-privileges" and o.value.lower() in ("", "true", "1")
        for o in security_options(container)
    )
    daemon = join.engine.daemon_config
    # TODO: a daemon.json changed after the container was made is taken as its setting.
    if not running and daemon is not None and daemon.get("no-new-privileges") is True:
        running = True
    if declared == running:
        return []
    return _difference(
        "no-new-privileges",
        f"security_opt {option.text}" if option is not None else "no no-new-privileges",
        declared,
        service.evidence_at(option.location)
        if option is not None
        else service.evidence("security_opt"),
        [container.evidence("HostConfig.SecurityOpt")],
        ("runtime.no-new-privileges",),
    )


def _confinement(join: Join) -> list[Difference] | None:
    """seccomp, AppArmor and systempaths ``unconfined`` and ``label=disable`` in
    ``security_opt`` against ``HostConfig.SecurityOpt``, ``=`` and ``:`` alike."""
    service, container = join.service, join.container
    declared = {
        f"{o.name}={o.value.lower()}"
        for o in service.security_options()
        if (o.name, o.value.lower()) in _UNCONFINED
    }
    running = {
        f"{o.name}={o.value.lower()}"
        for o in security_options(container)
        if (o.name, o.value.lower()) in _UNCONFINED
    }
    # The engine adds label=disable itself to privileged containers and to those sharing
    # the host's PID or IPC namespace; those settings are compared on their own.
    if (
        container.get("HostConfig.Privileged") is True
        or str(container.get("HostConfig.PidMode") or "").lower() == "host"
        or str(container.get("HostConfig.IpcMode") or "").lower() == "host"
    ):
        running.discard("label=disable")
    if declared == running:
        return []
    listed = [
        o.text for o in service.security_options() if (o.name, o.value.lower()) in _UNCONFINED
    ]
    return _difference(
        "seccomp/apparmor",
        f"security_opt {', '.join(listed)}" if listed else "no unconfined security_opt",
        bool(running - declared),
        service.evidence("security_opt"),
        [container.evidence("HostConfig.SecurityOpt")],
        ("runtime.seccomp-apparmor",),
    )


def _limit(
    join: Join,
    setting: str,
    top_key: str,
    limits: list[Limit],
    parse: Callable[[Any], float | None],
    running: tuple[float, str] | None,
    items: tuple[str, ...],
) -> list[Difference] | None:
    """A resource limit: 0 means none on either side. Running without the declared limit
    or with a higher one weakens the container; a lower one, or one the file leaves out,
    only tightens it."""
    found = declared_limit(limits, parse)
    if found is None or running is None:
        return None
    declared, limit = found
    value, field = running
    if abs(declared - value) < 1e-6:
        return []
    service = join.service
    return _difference(
        setting,
        f"{limit.key}: {spelled(limit.value)}" if limit is not None else f"no {setting} limit",
        declared > 0 and (value <= 0 or value > declared),
        service.evidence_at(limit.location) if limit is not None else service.evidence(top_key),
        [join.container.evidence(field)],
        items,
    )


def _memory(join: Join) -> list[Difference] | None:
    """``mem_limit`` or ``deploy.resources.limits.memory`` against ``HostConfig.Memory``."""
    field = "HostConfig.Memory"
    running = running_number(join.container, field)

    def parse(value: Any) -> float | None:
        size = memory_bytes(value)
        return None if size is None else float(size)

    return _limit(
        join,
        "memory",
        "mem_limit",
        join.service.memory_limits(),
        parse,
        None if running is None else (running, field),
        ("runtime.memory-limit",),
    )


def _cpus(join: Join) -> list[Difference] | None:
    """``cpus`` or ``deploy.resources.limits.cpus`` against ``HostConfig.NanoCpus`` /
    1e9 (or CpuQuota / CpuPeriod); a file limiting by ``cpu_quota`` is not compared."""
    container = join.container
    limits = join.service.cpu_limits()
    if any(limit.key == "cpu_quota" for limit in limits):
        # TODO: a CPU limit written as cpu_quota (with cpu_period) is not compared.
        return None
    nano = running_number(container, "HostConfig.NanoCpus")
    quota = running_number(container, "HostConfig.CpuQuota")
    if nano is None or quota is None:
        return None
    running = (nano / _NANO, "HostConfig.NanoCpus")
    if nano <= 0 and quota > 0:
        period = running_number(container, "HostConfig.CpuPeriod") or _DEFAULT_CPU_PERIOD
        running = (quota / period, "HostConfig.CpuQuota")
    return _limit(join, "cpus", "cpus", limits, as_number, running, ("runtime.cpu-limit",))


def _pids(join: Join) -> list[Difference] | None:
    """``pids_limit`` or ``deploy.resources.limits.pids`` against ``HostConfig.PidsLimit``
    (null, 0 and -1 mean none)."""
    field = "HostConfig.PidsLimit"
    running = running_number(join.container, field)
    return _limit(
        join,
        "pids",
        "pids_limit",
        join.service.pids_limits(),
        as_number,
        None if running is None else (running, field),
        ("runtime.pids-limit",),
    )


def _network(join: Join) -> list[Difference] | None:
    """``network_mode`` (or ``networks``) against ``HostConfig.NetworkMode``, as host,
    none or any other network. The host's network, or a network where the file declares
    none, weakens the container."""
    service, container = join.service, join.container
    if service.get("network_mode") is not None and _unset(service, "network_mode"):
        return None
    declared = network_class(str(service.get("network_mode") or ""))
    running = network_class(str(container.get("HostConfig.NetworkMode") or ""))
    if declared == running:
        return []
    key = "networks" if service.get("network_mode") is None else "network_mode"
    networks = service.get("networks")
    written = _written(service, "network_mode")
    if key == "networks" and isinstance(networks, dict) and networks:
        written = f"networks: {', '.join(str(name) for name in networks)}"
    return _difference(
        "network_mode",
        written,
        running == "host" or (declared == "none" and running != "none"),
        service.evidence(key),
        [container.evidence("HostConfig.NetworkMode")],
        _NETWORK_ITEMS,
    )


def _namespace(key: str, field: str) -> Compare:
    """A namespace shared with the host: ``key: host`` against ``field`` host."""

    def compare(join: Join) -> list[Difference] | None:
        service, container = join.service, join.container
        declared = str(service.get(key) or "").strip().lower() == "host"
        running = str(container.get(field) or "").strip().lower() == "host"
        if declared == running:
            return []
        return _difference(
            key,
            _written(service, key),
            running,
            service.evidence(key),
            [container.evidence(field)],
            ("runtime.host-namespaces",),
        )

    compare.__doc__ = f"``{key}: host`` against ``{field}``."
    return compare


def _ports(join: Join) -> list[Difference] | None:
    """Published ports, as (container port, host address, host port) sets, against
    ``HostConfig.PortBindings``. A binding at run time that no declared one covers (a
    new port, or every interface where the file names one) weakens the container."""
    service, container = join.service, join.container
    modes = (
        str(service.get("network_mode") or "").strip().lower(),
        str(container.get("HostConfig.NetworkMode") or "").strip().lower(),
    )
    if "host" in modes:
        return None  # nothing is published on the host's network; compared as network_mode
    bindings = service.ports()
    if any(binding.from_unset_variable for binding in bindings):
        return None
    declared = {
        (f"{port}/{binding.protocol.lower()}", host_address(binding.host_ip), published)
        for binding in bindings
        for published, port in port_pairs(binding.published, binding.target)
    }
    value = container.get("HostConfig.PortBindings")
    running: dict[tuple[str, str, str], dict[str, Any]] = {}
    for key, entries in value.items() if isinstance(value, dict) else []:
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                address = host_address(str(entry.get("HostIp") or ""))
                port = str(entry.get("HostPort") or "")
                running[(str(key), address, port)] = {str(key): [entry]}
    if declared == set(running):
        return []
    uncovered = [
        binding
        for binding in running
        if not any(
            d[0] == binding[0] and d[2] == binding[2] and d[1] in ("", binding[1])
            for d in declared
        )
    ]
    shown = uncovered or list(running)
    return _difference(
        "ports",
        f"ports: {', '.join(b.text for b in bindings)}" if bindings else "no ports",
        bool(uncovered),
        service.evidence("ports"),
        [container.evidence("HostConfig.PortBindings", running[b]) for b in shown]
        or [container.evidence("HostConfig.PortBindings")],
        _PORT_ITEMS,
    )


def _volumes(join: Join) -> list[Difference] | None:
    """Host paths bound (the Docker socket among them) against the container's bind
    mounts. A host path bound at run time that the file does not bind, or bound writable
    where the file binds it read-only, weakens the container; named volumes and tmpfs are
    not compared."""
    service, container = join.service, join.container
    mounts = service.volumes()
    if any(mount.from_unset_variable for mount in mounts):
        return None
    declared: dict[str, tuple[bool, Location]] = {}
    unknown = False
    for mount in mounts:
        if mount.kind != "bind":
            continue
        path = bind_path(join.folder, mount.source)
        if path is None:
            unknown = True
        else:
            declared[path] = (mount.read_only, mount.location)
    if unknown:
        # TODO: a bind whose source starts with ~ or is a variable cannot be placed on the
        # engine's host, so the service's binds are not compared at all.
        return None
    running = {
        path: mount
        for mount in container_mounts(container)
        if mount.kind == "bind" and (path := mount.host_path) is not None
    }
    added = [path for path in running if path not in declared]
    loosened = [p for p in running if p in declared and declared[p][0] and running[p].writable]
    changed = [p for p in running if p in declared and declared[p][0] != (not running[p].writable)]
    missing = [path for path in declared if path not in running]
    if not (added or changed or missing):
        return []
    binds = [mount.text for mount in mounts if mount.kind == "bind"]
    compose = (
        service.evidence_at(declared[changed[0]][1]) if changed else service.evidence("volumes")
    )
    cited = [running[path].evidence for path in added + changed]
    return _difference(
        "volumes",
        f"volumes: {', '.join(binds)}" if binds else "no host path bound",
        bool(added or loosened),
        compose,
        cited or [container.evidence("Mounts")],
        _MOUNT_ITEMS,
    )


def _environment(join: Join) -> list[Difference] | None:
    """Environment variable names, never their values: a name the file declares with a
    value that the container lacks, or one set at run time that neither the file nor the
    image's ENV sets. A secret-looking name set at run time weakens the container; other
    names set or missing only differ."""
    service, container = join.service, join.container
    variables = service.environment()
    declared = {variable.name for variable in variables}
    # A variable without a value is taken from the shell compose ran in, if set there.
    required = {variable.name for variable in variables if variable.value is not None}
    complete = True
    for env_file in service.env_files:
        if env_file.variables is None:
            complete = False
        else:
            declared |= set(env_file.variables.values)
            required |= set(env_file.variables.values)
    entries = container.get("Config.Env")
    running = [str(entry) for entry in entries] if isinstance(entries, list) else []
    running_names = {entry.partition("=")[0] for entry in running}
    missing = sorted(required - running_names)
    added: list[str] = []
    image = container.image
    if image is not None and complete:
        # What the image's ENV sets is the same on both sides and not compared.
        image_env = image.get("Config.Env")
        from_image = {str(e) for e in image_env} if isinstance(image_env, list) else set()
        added = sorted(
            {entry.partition("=")[0] for entry in running if entry not in from_image} - declared
        )
    if not (missing or added):
        return []
    compose = (
        service.evidence("environment", missing[0]) if missing else service.evidence("environment")
    )
    # Only names are cited: the values stay out of the evidence altogether.
    cited = []
    if added:
        cited.append(container.evidence("Config.Env", f"set at run time: {', '.join(added)}"))
    if missing:
        cited.append(container.evidence("Config.Env", f"missing: {', '.join(missing)}"))
    written = f"environment: {', '.join(missing)}"
    if added:
        written = f"no {', '.join(added)} in environment"
    return _difference(
        "environment",
        written,
        any(is_secret_name(name) for name in added),
        compose,
        cited,
        ("runtime.secrets-not-env",),
    )


def _restart(join: Join) -> list[Difference] | None:
    """``restart`` (else ``deploy.restart_policy``) against ``HostConfig.RestartPolicy``.
    Only a policy that restarts a failing container without bound, where the file's does
    not, weakens it."""
    service, container = join.service, join.container
    keys: tuple[str, ...] = ("restart",)
    # The file detector's order: restart first, then deploy.restart_policy.
    # TODO: where a file sets both, check which one compose applies to the container.
    if service.get("restart") is not None:
        if _unset(service, "restart"):
            return None
        name, _, count = str(service.get("restart")).partition(":")
        declared = restart_policy(name, count)
        written = _written(service, "restart")
    elif isinstance(service.get("deploy", "restart_policy"), dict):
        keys = ("deploy", "restart_policy")
        condition = str(service.get("deploy", "restart_policy", "condition") or "any")
        attempts = service.get("deploy", "restart_policy", "max_attempts")
        declared = restart_policy(_CONDITIONS.get(condition.lower(), condition), attempts)
        written = f"deploy.restart_policy condition {condition}"
    else:
        declared, written = ("no", 0), "no restart"
    running = restart_policy(
        str(container.get("HostConfig.RestartPolicy.Name") or ""),
        container.get("HostConfig.RestartPolicy.MaximumRetryCount"),
    )
    if declared is None or running is None:
        return None
    if declared == running:
        return []
    return _difference(
        "restart",
        written,
        restarts_unbounded(running) and not restarts_unbounded(declared),
        service.evidence(*keys),
        [container.evidence("HostConfig.RestartPolicy")],
        ("runtime.restart-policy",),
    )


def _healthcheck(join: Join) -> list[Difference] | None:
    """Whether the health check is switched off: ``healthcheck`` (``disable: true``,
    ``test: ["NONE"]``) against ``Config.Healthcheck``. A check the file declares or
    leaves to the image, switched off or missing at run time, weakens the container."""
    service, container = join.service, join.container
    healthcheck = service.get("healthcheck")
    keys: tuple[str, ...] = ("healthcheck",)
    declared = ""
    if isinstance(healthcheck, dict):
        if is_true(healthcheck.get("disable")):
            declared, keys = "off", ("healthcheck", "disable")
        else:
            declared = health_state(healthcheck.get("test"))
            keys = ("healthcheck", "test") if declared else keys
    running = health_state(container.get("Config.Healthcheck.Test"))
    if declared == running or (not declared and running == "test"):
        return []  # a test from the image where the file leaves it to the image
    if declared == "off" and not running:
        return []  # switched off, or never there: no check runs either way
    weakens = running == "off" or (declared == "test" and not running)
    written = {"off": "healthcheck off", "test": "healthcheck test", "": "no healthcheck"}
    return _difference(
        "healthcheck",
        written[declared],
        weakens,
        service.evidence(*keys),
        [container.evidence("Config.Healthcheck")],
        ("runtime.healthcheck",),
    )


SETTINGS: tuple[Compare, ...] = (
    _image,
    _user,
    _flag("privileged", "HostConfig.Privileged", False, _PRIVILEGED_ITEMS),
    _flag("read_only", "HostConfig.ReadonlyRootfs", True, ("runtime.read-only-rootfs",)),
    _cap_add,
    _cap_drop,
    _no_new_privileges,
    _confinement,
    _memory,
    _cpus,
    _pids,
    _network,
    _namespace("pid", "HostConfig.PidMode"),
    _namespace("ipc", "HostConfig.IpcMode"),
    _namespace("uts", "HostConfig.UTSMode"),
    _namespace("userns_mode", "HostConfig.UsernsMode"),
    _ports,
    _volumes,
    _environment,
    _restart,
    _healthcheck,
    _flag("init", "HostConfig.Init", True, ("runtime.init-process",)),
)
"""The settings compared, in the order a reason names them."""


def compare_settings(join: Join) -> tuple[list[Difference], int]:
    """The differences between a container and its service, and how many settings could
    be compared."""
    differences: list[Difference] = []
    compared = 0
    for compare in SETTINGS:
        found = compare(join)
        if found is not None:
            compared += 1
            differences.extend(found)
    return differences, compared
