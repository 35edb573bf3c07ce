"""Reading a real engine: what comes back, read-only, and how a dead engine reads."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
from pathlib import Path

import engine_rig
import pytest

from reviewtui.live import LiveSettings, read_engines
from reviewtui.live.client import describe
from reviewtui.live.hosts import Endpoint, resolve_endpoints


def _engine(all_containers: bool = True, all_images: bool = False):  # type: ignore[no-untyped-def]
    (engine,) = read_engines(LiveSettings(all_containers=all_containers, all_images=all_images))
    assert engine.error is None, engine.error
    return engine


def test_reads_containers_images_and_daemon(live_rig: engine_rig.Rig) -> None:
    engine = _engine()
    names = {c.name for c in engine.containers}
    for short in ("hardened", "weak", "weak-running", "privileged", "compose-web"):
        assert live_rig.container(short) in names
    hardened = next(c for c in engine.containers if c.name == live_rig.container("hardened"))
    assert hardened.get("HostConfig.CapDrop") == ["ALL"]
    assert hardened.image is not None and hardened.image.reference == engine_rig.HARDENED_IMAGE
    assert hardened.image.history, "the image's history is read"
    assert engine.info["ServerVersion"]
    assert engine.version["ApiVersion"]
    evidence = hardened.evidence("HostConfig.ReadonlyRootfs")
    assert evidence.path == f"default: container {hardened.name}"
    assert (evidence.field, evidence.snippet) == ("HostConfig.ReadonlyRootfs", "true")
    assert evidence.location == f"default: container {hardened.name} HostConfig.ReadonlyRootfs"


def test_running_only_by_default(live_rig: engine_rig.Rig) -> None:
    names = {c.name for c in _engine(all_containers=False).containers}
    assert live_rig.container("hardened") in names
    assert live_rig.container("weak-running") in names
    assert live_rig.container("privileged") not in names, "created, not running"


def test_all_images_adds_unused_ones(live_rig: engine_rig.Rig) -> None:
    used = {image.reference for image in _engine(all_containers=False).images.values()}
    every = {image.reference for image in _engine(all_images=True).images.values()}
    assert engine_rig.WEAK_IMAGE not in used, "only created containers use it"
    assert engine_rig.WEAK_IMAGE in every


def test_inspection_changes_nothing(live_rig: engine_rig.Rig) -> None:
    listing = ("ps", "-a", "--no-trunc", "--format", "")
    before = engine_rig.docker(*listing[:-1], "{{.ID}} {{.State}}")
    _engine(all_images=True)
    after = engine_rig.docker(*listing[:-1], "{{.ID}} {{.State}}")
    assert before == after


def test_dead_socket_gives_one_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()  # the socket file stays, nobody listens on it
    (engine,) = read_engines(LiveSettings(docker_hosts=(f"unix://{path}",), timeout=2))
    assert engine.error == "no engine is listening there (is dockerd running?)"
    assert not engine.reachable and not engine.containers


def test_missing_socket_and_closed_port(tmp_path: Path) -> None:
    hosts = (f"unix://{tmp_path}/absent.sock", "tcp://127.0.0.1:9")
    engines = read_engines(LiveSettings(docker_hosts=hosts, timeout=2))
    assert [e.host for e in engines] == list(hosts)
    for engine in engines:
        assert engine.error is not None and "no engine is listening" in engine.error


def test_engine_that_never_answers_times_out(tmp_path: Path) -> None:
    path = tmp_path / "silent.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(8)  # accepts connections, never answers
    try:
        (engine,) = read_engines(LiveSettings(docker_hosts=(f"unix://{path}",), timeout=1))
    finally:
        listener.close()
    assert engine.error == "no answer within 1 s"


def test_permission_denied_names_the_way_out() -> None:
    endpoint = Endpoint("default", "unix:///var/run/docker.sock", "the default context")
    error = ConnectionError(PermissionError(13, "Permission denied"))
    message = describe(endpoint, error, 10)
    assert message.startswith("permission denied on the socket")
    assert "docker group" in message


def test_bad_names_leave_the_other_engines_alone() -> None:
    settings = LiveSettings(
        docker_hosts=("localhost:2375", "unix:///var/run/docker.sock", "tcp://h:99999"),
        contexts=("no-such-context",),
        environment={},
    )
    errors = {e.name: e.error for e in resolve_endpoints(settings)}

    assert errors == {
        "no-such-context": "--context no-such-context: no such docker context",
        "localhost:2375": (
            "--docker-host localhost:2375: give a URL such as unix:///var/run/docker.sock"
        ),
        "unix:///var/run/docker.sock": "",
        "tcp://h:99999": "--docker-host tcp://h:99999: not a valid address "
        "(Port out of range 0-65535)",
    }


def test_live_with_other_engines_keeps_the_default_one() -> None:
    settings = LiveSettings(
        default_engine=True, docker_hosts=("unix:///other.sock",), environment={}
    )
    assert [e.name for e in resolve_endpoints(settings)] == ["default", "unix:///other.sock"]
    alone = LiveSettings(docker_hosts=("unix:///other.sock",), environment={})
    assert [e.name for e in resolve_endpoints(alone)] == ["unix:///other.sock"]


def test_contexts_are_read_without_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The docker CLI writes contexts without ever writing config.json.
    context_id = hashlib.sha256(b"build-box").hexdigest()
    meta = tmp_path / "contexts" / "meta" / context_id / "meta.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(
        json.dumps(
            {
                "Name": "build-box",
                "Metadata": {},
                "Endpoints": {"docker": {"Host": "ssh://ops@build-box", "SkipTLSVerify": False}},
            }
        )
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))

    (endpoint,) = resolve_endpoints(LiveSettings(contexts=("build-box",), environment={}))
    assert (endpoint.name, endpoint.url, endpoint.error) == (
        "build-box",
        "ssh://ops@build-box",
        "",
    )
    (current,) = resolve_endpoints(LiveSettings(environment={"DOCKER_CONTEXT": "build-box"}))
    assert current.url == "ssh://ops@build-box"


def test_endpoints_from_environment_and_flags() -> None:
    settings = LiveSettings(environment={"DOCKER_HOST": "tcp://127.0.0.1:2375"})
    (endpoint,) = resolve_endpoints(settings)
    assert (endpoint.name, endpoint.url, endpoint.plain_tcp) == (
        "tcp://127.0.0.1:2375",
        "tcp://127.0.0.1:2375",
        True,
    )
    settings = LiveSettings(
        docker_hosts=("unix:///a.sock", "unix:///a.sock", "unix:///b.sock"), environment={}
    )
    assert [e.url for e in resolve_endpoints(settings)] == ["unix:///a.sock", "unix:///b.sock"]
    (default,) = resolve_endpoints(LiveSettings(environment={}))
    assert default.name == "default"


class _Relay:
    """A unix socket that relays to the real engine until :meth:`cut`, like an engine
    that dies in the middle of an inspection."""

    def __init__(self, path: Path) -> None:
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(str(path))
        self.listener.listen(64)
        self.open: list[socket.socket] = []
        self.cut_off = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.cut_off.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX)
            engine.connect(str(engine_rig.SOCKET))
            self.open += [client, engine]
            for source, sink in ((client, engine), (engine, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        self.cut_off.set()
        self.listener.close()
        for each in self.open:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
                each.close()


def test_engine_that_stops_mid_scan_keeps_what_it_said(
    live_rig: engine_rig.Rig, tmp_path: Path
) -> None:
    relay = _Relay(tmp_path / "relay.sock")

    def progress(step: str, done: int, total: int) -> None:
        if done > 0:  # the containers are read; the images come next
            relay.cut()

    try:
        (engine,) = read_engines(
            LiveSettings(docker_hosts=(f"unix://{tmp_path}/relay.sock",), timeout=3),
            progress,
        )
    finally:
        relay.cut()

    assert engine.error is not None
    assert engine.error.endswith(
        "(it stopped answering during the inspection; what it said is kept)"
    )
    assert engine.reachable and engine.info["ServerVersion"]
    assert live_rig.container("hardened") in {c.name for c in engine.containers}
