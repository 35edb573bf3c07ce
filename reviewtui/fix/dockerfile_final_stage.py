"""Fixes that add an instruction to the shipped image: a non-root USER and a HEALTHCHECK.

Both go into the final stage, before the CMD or ENTRYPOINT that follows its last build
step (RUN, COPY, ADD, WORKDIR), so no build step runs as the new user; without such a
start instruction, after the stage's last instruction.
"""

from __future__ import annotations

import re

from reviewtui.detect.dockerfile_checks.shell import run_steps
from reviewtui.fix.dockerfile_text import (
    NoFix,
    Slot,
    apply_changes,
    final_stage_slot,
    in_case_of,
    indent_of,
    insert_before,
    lineage_instructions,
    other_shell,
    written_keyword,
)
from reviewtui.fix.model import Edit
from reviewtui.project.dockerfile import Dockerfile, ImageRef

NUMERIC_USER = "10001:10001"
"""The user a fix picks when the image names none: a numeric uid and gid need no entry
in /etc/passwd, so they work on any base, scratch included."""

_WINDOWS_BASE = re.compile(r"servercore|nanoserver|^windows/|/windows/")
# Official images that ship a non-root user of their own, documented by the image.
_IMAGE_USERS = {"library/node": "node"}
# Options of useradd and adduser (shadow, Debian and BusyBox) that take a value.
_USER_OPTIONS_WITH_VALUE = frozenset(
    "-b -c -d -e -f -g -G -h -k -K -p -s -u -R -P -Z --base-dir --comment --home "
    "--home-dir --expiredate --inactive --gid --groups --skel --key --password --shell "
    "--uid --root --prefix --selinux-user --ingroup --gecos --firstuid --lastuid "
    "--firstgid --lastgid --conf".split()
)
_PRIVILEGE_DROPPERS = ("gosu", "su-exec", "setpriv", "chpst", "s6-setuidgid", "runuser")
_PRIVILEGED_PORTS = 1024


def non_root_user(dockerfile: Dockerfile, text: str) -> Edit | NoFix:
    """A USER line for the final stage: the user a RUN of the shipped stages creates,
    the base image's own non-root user, or the numeric 10001:10001."""
    slot = final_stage_slot(dockerfile)
    if isinstance(slot, NoFix):
        return slot
    user, why = _pick_user(dockerfile)
    keyword = in_case_of(written_keyword(dockerfile, slot.like), "USER")
    line = f"{indent_of(dockerfile, slot.like.start_line)}{keyword} {user}"
    return Edit(
        apply_changes(text, [insert_before(slot.line, line)]),
        f"Run the final stage as {user} ({why}): add USER {user} {_where(slot)}.",
        _user_behaviour(dockerfile, user),
        f"Start the container and check that the program still starts and can write "
        f"where it must (give those folders to {user} with COPY --chown or RUN chown), "
        "and that it needs no root at run time.",
    )


def _pick_user(dockerfile: Dockerfile) -> tuple[str, str]:
    """The user to run as, and why that one."""
    root = dockerfile.root_stage()
    ref = root.image_ref if root is not None else None
    if _windows(dockerfile, ref):
        return "ContainerUser", "the unprivileged user of Windows base images"
    if ref is not None and ref.registry == "gcr.io" and ref.repository.startswith("distroless/"):
        return "nonroot", "the unprivileged user distroless images ship"
    created = _created_user(dockerfile)
    if created is not None:
        return created, "the user a RUN of the image creates"
    if ref is not None and ref.registry == "docker.io" and ref.repository in _IMAGE_USERS:
        return _IMAGE_USERS[ref.repository], f"the unprivileged user of the {ref.name} image"
    return NUMERIC_USER, "a numeric uid and gid, which need no entry in /etc/passwd"


def _windows(dockerfile: Dockerfile, ref: ImageRef | None) -> bool:
    if ref is not None and _WINDOWS_BASE.search(f"{ref.repository}:{ref.tag or ''}".lower()):
        return True
    return dockerfile.escape == "`"


def _created_user(dockerfile: Dockerfile) -> str | None:
    """The last user a useradd or adduser of the shipped stages creates, when its name
    is known from the file."""
    found = None
    for step in run_steps(dockerfile):
        if not step.ships or step.onbuild or not step.holds("useradd", "adduser"):
            continue
        for command in step.named("useradd", "adduser"):
            name = _login_of(list(command.args))
            if name is None:
                continue
            stage = dockerfile.stages[step.instruction.stage]
            value, complete = dockerfile.expand(name, stage, step.instruction.start_line)
            if complete and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*\$?", value):
                found = value
    return found


def _login_of(args: list[str]) -> str | None:
    """The login name in useradd or adduser arguments: the first word that is neither an
    option nor an option's value."""
    skip = False
    for word in args:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _USER_OPTIONS_WITH_VALUE
            continue
        return word
    return None


def _user_behaviour(dockerfile: Dockerfile, user: str) -> str:
    parts = [
        f"The container runs as {user} instead of root: it can no longer write files and "
        "folders that root owns (the WORKDIR, files copied without --chown) or install "
        "anything at run time."
    ]
    low = _privileged_ports(dockerfile)
    if low:
        ports = ", ".join(str(port) for port in low)
        parts.append(
            f"It may not bind port {ports} (below 1024) where the runtime does not allow "
            "unprivileged ports: give the program a higher port or the NET_BIND_SERVICE "
            "capability."
        )
    text = "\n".join(ins.value for ins in lineage_instructions(dockerfile))
    droppers = [name for name in _PRIVILEGE_DROPPERS if name in text]
    if droppers:
        parts.append(
            f"The image uses {droppers[0]} to switch users itself, which a non-root user "
            "cannot do: drop that switch, or keep root and accept the risk."
        )
    return " ".join(parts)


def _privileged_ports(dockerfile: Dockerfile) -> list[int]:
    """The ports below 1024 the final stage EXPOSEs."""
    return sorted({port for port, _ in _exposed(dockerfile) if port < _PRIVILEGED_PORTS})


def _exposed(dockerfile: Dockerfile) -> list[tuple[int, str]]:
    """The ports and protocols the final stage EXPOSEs, in order, variables expanded."""
    ports = []
    for instruction in dockerfile.effective_all("EXPOSE"):
        stage = dockerfile.stages[instruction.stage]
        for word in instruction.words:
            value, complete = dockerfile.expand(word, stage, instruction.start_line)
            match = re.fullmatch(r"(\d+)(?:-\d+)?(?:/([A-Za-z]+))?", value) if complete else None
            if match and int(match.group(1)) <= 65535:
                ports.append((int(match.group(1)), (match.group(2) or "tcp").lower()))
    return ports


def _where(slot: Slot) -> str:
    if slot.like.keyword in ("CMD", "ENTRYPOINT"):
        return f"before its {slot.like.keyword}"
    return "at its end"


# -- HEALTHCHECK ------------------------------------------------------------------------------

TEMPLATE_COMMENT = "# Health check template: adapt the probe to the program."
"""The comment a HEALTHCHECK template carries into the file, so nobody takes it for a
finished check."""

_OPTIONS = "--interval=30s --timeout=5s --start-period=30s --retries=3"
# Default ports of servers that speak something other than HTTP, which an HTTP probe
# would always find unhealthy.
_NOT_HTTP = {
    21: "FTP",
    22: "SSH",
    23: "telnet",
    25: "SMTP",
    53: "DNS",
    110: "POP3",
    143: "IMAP",
    389: "LDAP",
    445: "SMB",
    465: "SMTP",
    587: "SMTP",
    636: "LDAP",
    993: "IMAP",
    995: "POP3",
    1433: "the SQL Server protocol",
    1521: "the Oracle protocol",
    1883: "MQTT",
    2181: "the ZooKeeper protocol",
    3306: "the MySQL protocol",
    3389: "RDP",
    4222: "NATS",
    4369: "the Erlang port mapper protocol",
    5222: "XMPP",
    5432: "the PostgreSQL protocol",
    5671: "AMQP",
    5672: "AMQP",
    5900: "VNC",
    5901: "VNC",
    6379: "the Redis protocol",
    8883: "MQTT",
    9042: "the Cassandra protocol",
    9092: "the Kafka protocol",
    9300: "the Elasticsearch transport protocol",
    11211: "the memcached protocol",
    25672: "the RabbitMQ cluster protocol",
    27017: "the MongoDB protocol",
    50000: "the Jenkins agent protocol",
    61616: "the ActiveMQ protocol",
}
_FASTCGI_PORT = 9000
_HTTPS_PORTS = frozenset({443, 8443, 6443})


def healthcheck_template(dockerfile: Dockerfile, text: str) -> Edit | NoFix:
    """A HEALTHCHECK template for the final stage that probes its first EXPOSEd TCP port
    over HTTP, with curl, or wget on Alpine and BusyBox bases."""
    slot = final_stage_slot(dockerfile)
    if isinstance(slot, NoFix):
        return slot
    effective = dockerfile.effective("HEALTHCHECK")
    if effective is not None:
        return NoFix("HEALTHCHECK NONE turns the check off on purpose; decide by hand")
    unsuited = _no_shell_probe(dockerfile)
    if unsuited is not None:
        return NoFix(unsuited)
    tcp = [port for port, protocol in _exposed(dockerfile) if protocol == "tcp"]
    if not tcp:
        return NoFix("the final stage EXPOSEs no TCP port to probe; write the check by hand")
    web = [port for port in tcp if _protocol(dockerfile, port) is None]
    if not web:
        return NoFix(
            f"port {tcp[0]} speaks {_protocol(dockerfile, tcp[0])}, not HTTP: probe it with "
            "the program's own client by hand"
        )
    port = web[0]
    tool, probe = _probe(dockerfile, port)
    written = written_keyword(dockerfile, slot.like)
    indent = indent_of(dockerfile, slot.like.start_line)
    lines = (
        f"{indent}{TEMPLATE_COMMENT}",
        f"{indent}{in_case_of(written, 'HEALTHCHECK')} {_OPTIONS} "
        f"{in_case_of(written, 'CMD')} {probe} || exit 1",
    )
    return Edit(
        apply_changes(text, [insert_before(slot.line, *lines)]),
        f"Add a HEALTHCHECK template to the final stage {_where(slot)}: it probes "
        f"{_url(port)} with {tool}. A template: adapt it before relying on it.",
        "Docker marks the container unhealthy after three failed probes; orchestrators "
        "restart or replace unhealthy containers (swarm does), and compose's "
        "depends_on: condition: service_healthy waits for it. A probe that does not fit "
        "the program makes a working container unhealthy.",
        f"This is a template: set the path and port the program answers on, make sure "
        f"{tool} is in the image (or probe with a tool it has), then check that "
        "docker inspect --format '{{.State.Health.Status}}' says healthy.",
    )


def _no_shell_probe(dockerfile: Dockerfile) -> str | None:
    """Why a shell-form probe cannot run in the final image, or None."""
    root = dockerfile.root_stage()
    ref = root.image_ref if root is not None else None
    if root is not None and root.is_scratch:
        return "the final stage starts from scratch: no shell or HTTP client to probe with"
    if ref is not None and (
        (ref.registry == "gcr.io" and ref.repository.startswith("distroless/"))
        or (ref.registry == "cgr.dev" and not (ref.tag or "").endswith("-dev"))
    ):
        return f"{ref.short} has no shell or HTTP client: the probe must be the program's own"
    if _windows(dockerfile, ref):
        return "a Windows base image: write the probe by hand (PowerShell or the program)"
    shell = other_shell(dockerfile)
    if shell is not None:
        return f"SHELL {shell} is not a POSIX shell: write the probe by hand"
    return None


def _protocol(dockerfile: Dockerfile, port: int) -> str | None:
    """The protocol other than HTTP a port is known to speak, or None."""
    if port == _FASTCGI_PORT:
        root = dockerfile.root_stage()
        starts = [dockerfile.effective(keyword) for keyword in ("CMD", "ENTRYPOINT")]
        said = [ins.value for ins in starts if ins is not None]
        if root is not None and root.image:
            said.append(root.image)
        if any("fpm" in text for text in said):
            return "FastCGI (php-fpm)"
    return _NOT_HTTP.get(port)


def _url(port: int) -> str:
    scheme = "https" if port in _HTTPS_PORTS else "http"
    return f"{scheme}://localhost:{port}/"


def _probe(dockerfile: Dockerfile, port: int) -> tuple[str, str]:
    """The HTTP client to probe with, and the command."""
    url = _url(port)
    secure = url.startswith("https")
    text = "\n".join(step.text for step in run_steps(dockerfile) if step.ships)
    root = dockerfile.root_stage()
    ref = root.image_ref if root is not None else None
    busybox = ref is not None and (
        "alpine" in ref.repository or "alpine" in (ref.tag or "") or ref.name == "busybox"
    )
    # The certificate of a server probed on localhost names another host.
    if "curl" in text or ("wget" not in text and not busybox):
        return "curl", f"curl -fsS{'k' if secure else ''} {url}"
    insecure = " --no-check-certificate" if secure else ""
    return "wget", f"wget -q{insecure} -O /dev/null {url}"
