"""A real Docker engine for the live tests, with containers whose settings are known.

The rig uses the docker CLI, not reviewtui's code, so the tests compare reviewtui's
answers with what the engine was told. It starts dockerd when none is running (the
flags make it create no network of its own), builds images from a busybox-static rootfs
with the classic builder (no registry is reachable), creates the containers below, and
removes everything it made afterwards.

Containers, all named ``reviewtui-test-<run>-*`` (see :func:`Rig.container`) and
labelled ``reviewtui.test=1``:

- ``hardened`` (running): user 1000, read-only root, cap-drop ALL, no-new-privileges,
  memory, CPU and PID limits, on-failure restart, init, rotated logs, noexec tmpfs,
  healthcheck from its image.
- ``weak`` (created, not started): root, writable, default capabilities, the Docker
  socket and /etc mounted, ports on all interfaces, seccomp unconfined, host PID, a
  password in the environment.
- ``weak-running`` (running, no network, from the base image: the weak image's VOLUME
  /proc cannot start): root, writable, the socket, seccomp unconfined, a token in the
  environment.
- ``privileged`` (created, not started: privileged containers cannot start here).
- ``compose-web`` (created): carries the labels compose gives to service ``web`` of
  project ``rigdemo``, whose compose file (see :data:`COMPOSE_TEXT`) declares it
  hardened while the container is not.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Each test run names what it makes after its process, so two runs sharing one engine
# (two engineers, or a run beside CI) never remove each other's containers or images.
# The process that owns the run: under pytest-xdist the controller, whose workers must
# all collect the same test names (some hold the run's image tags).
_OWNER = os.getppid() if os.environ.get("PYTEST_XDIST_WORKER") else os.getpid()
RUN = f"r{_OWNER}"
PREFIX = f"reviewtui-test-{RUN}-"
LABEL = "reviewtui.test=1"
RUN_LABEL = f"reviewtui.test.run={RUN}"
BASE_IMAGE = f"reviewtui-test/busybox:{RUN}"
HARDENED_IMAGE = f"reviewtui-test/hardened:{RUN}"
WEAK_IMAGE = f"reviewtui-test/weak:{RUN}"
SOCKET = Path("/var/run/docker.sock")
# The weak swarm service publishes this port through the routing mesh (no task ever
# runs, so nothing listens); one per run, since two runs cannot publish the same one.
SWARM_PORT = 20000 + _OWNER % 20000
PLANTED_PASSWORD = "hunter2hunter2rig"
PLANTED_TOKEN = "ghp_R1gT0kenAbcdefghijklmnopqrstuvwxyz12"
PLANTED_BUILD_ARG = "npm_rigBuildArgSecret0987"

HARDENED_DOCKERFILE = f"""\
FROM {BASE_IMAGE}
USER 1000
HEALTHCHECK --interval=30s CMD ["/bin/true"]
CMD ["sleep", "3600"]
"""

WEAK_DOCKERFILE = f"""\
FROM {BASE_IMAGE}
ARG NPM_TOKEN={PLANTED_BUILD_ARG}
ENV GITHUB_TOKEN={PLANTED_TOKEN}
RUN echo "$NPM_TOKEN" > /dev/null
RUN apt-get update || true
RUN sudo true || true
ADD hello.txt /hello.txt
VOLUME /proc
EXPOSE 22
CMD ["sleep", "3600"]
"""

COMPOSE_TEXT = f"""\
name: rigdemo
services:
  web:
    image: {HARDENED_IMAGE}
    user: "1000"
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
    network_mode: none
"""


@dataclass
class Rig:
    """What the rig made: the compose project's directory and whether it started things."""

    project_dir: Path
    started_dockerd: bool = False
    started_swarm: bool = False
    dockerd: subprocess.Popen[bytes] | None = None
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="reviewtui-rig-")))

    def container(self, short: str) -> str:
        return PREFIX + short


def docker(*args: str, stdin: bytes | None = None, check: bool = True) -> str:
    """Run the docker CLI; the classic builder, since BuildKit cannot work here."""
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    result = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, env=env, timeout=120
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode(errors="replace").strip()


def engine_answers() -> bool:
    try:
        return (
            subprocess.run(["docker", "version"], capture_output=True, timeout=15).returncode == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def start_dockerd(log_dir: Path) -> subprocess.Popen[bytes] | None:
    """Start dockerd the way these machines allow, and wait for it; None if impossible."""
    if shutil.which("dockerd") is None or os.geteuid() != 0:
        return None
    log = (log_dir / "dockerd.log").open("wb")
    process = subprocess.Popen(
        [
            "dockerd",
            "--bridge=none",
            "--iptables=false",
            "--ip-forward=false",
            "--ip-masq=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(120):
        if engine_answers():
            return process
        if process.poll() is not None:
            return None
        time.sleep(0.5)
    process.terminate()
    return None


def build_images(workdir: Path) -> None:
    rootfs = workdir / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "etc").mkdir()
    (rootfs / "tmp").mkdir()
    shutil.copy2(_busybox(), rootfs / "bin" / "busybox")
    for tool in ("sh", "sleep", "id", "true", "cat", "echo"):
        (rootfs / "bin" / tool).symlink_to("busybox")
    (rootfs / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    archive = subprocess.run(
        ["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True
    )
    docker("import", "-", BASE_IMAGE, stdin=archive.stdout)
    for name, text in ((HARDENED_IMAGE, HARDENED_DOCKERFILE), (WEAK_IMAGE, WEAK_DOCKERFILE)):
        context = workdir / name.replace("/", "_").replace(":", "_")
        context.mkdir()
        (context / "Dockerfile").write_text(text)
        (context / "hello.txt").write_text("hello\n")
        docker("build", "-q", "-t", name, str(context))


def _busybox() -> str:
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        if Path(candidate).is_file():
            return candidate
    raise RuntimeError("busybox-static is not installed (apt-get install busybox-static)")


def create_containers(rig: Rig) -> None:
    common = ["--label", LABEL, "--label", RUN_LABEL]
    docker(
        "run",
        "-d",
        "--name",
        rig.container("hardened"),
        *common,
        "--network",
        "none",
        "--user",
        "1000",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "-m",
        "64m",
        "--cpus",
        "0.5",
        "--pids-limit",
        "64",
        "--restart",
        "on-failure:3",
        "--init",
        "--log-opt",
        "max-size=10m",
        "--log-opt",
        "max-file=3",
        "--tmpfs",
        "/tmp:rw,noexec,nosuid,size=16m",
        HARDENED_IMAGE,
    )
    docker(
        "create",
        "--name",
        rig.container("weak"),
        *common,
        "-v",
        f"{SOCKET}:/var/run/docker.sock",
        "-v",
        "/etc:/host-etc",
        "-p",
        "8080:80",
        "-p",
        "127.0.0.1:8443:443",
        "-p",
        "80:8081",
        "--security-opt",
        "seccomp=unconfined",
        "--pid",
        "host",
        "-e",
        f"DB_PASSWORD={PLANTED_PASSWORD}",
        "--restart",
        "always",
        WEAK_IMAGE,
    )
    docker(
        "run",
        "-d",
        "--name",
        rig.container("weak-running"),
        *common,
        "--network",
        "none",
        "-v",
        f"{SOCKET}:/var/run/docker.sock",
        "--security-opt",
        "seccomp:unconfined",
        "-e",
        f"API_TOKEN={PLANTED_TOKEN}",
        BASE_IMAGE,
        "sleep",
        "3600",
    )
    docker(
        "create",
        "--name",
        rig.container("privileged"),
        *common,
        "--privileged",
        "--network",
        "none",
        BASE_IMAGE,
        "sleep",
        "3600",
    )
    rig.project_dir.mkdir(parents=True, exist_ok=True)
    (rig.project_dir / "compose.yaml").write_text(COMPOSE_TEXT)
    docker(
        "create",
        "--name",
        rig.container("compose-web"),
        *common,
        "--label",
        "com.docker.compose.project=rigdemo",
        "--label",
        "com.docker.compose.service=web",
        "--label",
        f"com.docker.compose.project.working_dir={rig.project_dir}",
        "--label",
        f"com.docker.compose.project.config_files={rig.project_dir / 'compose.yaml'}",
        "--network",
        "none",
        "--user",
        "1000",
        HARDENED_IMAGE,
    )


def start_swarm(rig: Rig) -> None:
    """A one-node swarm on loopback with services that never start a task."""
    state = docker("info", "--format", "{{.Swarm.LocalNodeState}}")
    if state != "active":
        docker("swarm", "init", "--advertise-addr", "127.0.0.1")
        rig.started_swarm = True
    docker(
        "secret",
        "create",
        "--label",
        RUN_LABEL,
        PREFIX + "db-password",
        "-",
        stdin=PLANTED_PASSWORD.encode(),
    )
    docker(
        "network",
        "create",
        "--label",
        RUN_LABEL,
        "-d",
        "overlay",
        "--opt",
        "encrypted",
        PREFIX + "encrypted",
    )
    docker("network", "create", "--label", RUN_LABEL, "-d", "overlay", PREFIX + "plain")
    common = [
        "--detach",
        "--no-resolve-image",
        "--replicas",
        "0",
        "--label",
        LABEL,
        "--label",
        RUN_LABEL,
    ]
    docker(
        "service",
        "create",
        *common,
        "--name",
        PREFIX + "svc-hardened",
        "--user",
        "1000",
        "--read-only",
        "--cap-drop",
        "ALL",
        "--limit-memory",
        "64m",
        "--limit-cpu",
        "0.5",
        "--limit-pids",
        "64",
        "--restart-condition",
        "on-failure",
        "--restart-max-attempts",
        "3",
        "--secret",
        PREFIX + "db-password",
        "--network",
        PREFIX + "encrypted",
        HARDENED_IMAGE,
    )
    docker(
        "service",
        "create",
        *common,
        "--name",
        PREFIX + "svc-weak",
        "-e",
        f"DB_PASSWORD={PLANTED_PASSWORD}",
        "-p",
        f"{SWARM_PORT}:80",
        "--network",
        PREFIX + "plain",
        WEAK_IMAGE,
    )


def stop_swarm(rig: Rig) -> None:
    """Remove this run's swarm objects; leave the swarm if this run made it and no other
    run still has services in it."""
    for service in _names("service", "ls", "--filter", f"label={RUN_LABEL}"):
        docker("service", "rm", service, check=False)
    time.sleep(1)
    for network in _names("network", "ls", "--filter", f"label={RUN_LABEL}"):
        docker("network", "rm", network, check=False)
    for secret in _names("secret", "ls", "--filter", f"label={RUN_LABEL}"):
        docker("secret", "rm", secret, check=False)
    others = _names("service", "ls", "--filter", "label=reviewtui.test.run")
    if rig.started_swarm and not others:
        docker("swarm", "leave", "--force", check=False)
        docker("network", "rm", "docker_gwbridge", check=False)


def remove_all(rig: Rig) -> None:
    """Everything the rig made, whether or not its making finished."""
    containers = docker("ps", "-aq", "--filter", f"label={RUN_LABEL}", check=False).split()
    if containers:
        docker("rm", "-f", "-v", *containers, check=False)
    for image in (WEAK_IMAGE, HARDENED_IMAGE, BASE_IMAGE):
        docker("rmi", "-f", image, check=False)
    shutil.rmtree(rig.workdir, ignore_errors=True)


def remove_stale() -> None:
    """What earlier runs left behind when they were killed: their process is gone."""
    output = docker(
        "ps",
        "-a",
        "--filter",
        "name=reviewtui-test-r",
        "--format",
        "{{.ID}} {{.Names}}",
        check=False,
    )
    stale = []
    for line in output.splitlines():
        container_id, name = line.split(maxsplit=1)
        run = name.removeprefix("reviewtui-test-").split("-", 1)[0]
        if not _alive(run):
            stale.append(container_id)
    if stale:
        docker("rm", "-f", "-v", *stale, check=False)
    images = docker(
        "images", "reviewtui-test/*", "--format", "{{.Repository}}:{{.Tag}}", check=False
    )
    for image in images.splitlines():
        if not _alive(image.rsplit(":", 1)[-1]):
            docker("rmi", "-f", image, check=False)


def _alive(run: str) -> bool:
    if not (run.startswith("r") and run[1:].isdigit()):
        return True  # not a run's name: leave it alone
    try:
        os.kill(int(run[1:]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_dockerd(rig: Rig) -> None:
    if rig.dockerd is None:
        return
    rig.dockerd.terminate()
    try:
        rig.dockerd.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rig.dockerd.kill()


def _names(*args: str) -> list[str]:
    output = docker(*args, "--format", "{{.Name}}", check=False)
    return [line for line in output.splitlines() if line]


def inspect(name: str) -> dict[str, object]:
    """The engine's own inspect data for a container, to compare reviewtui's evidence with."""
    return dict(json.loads(docker("inspect", name))[0])
