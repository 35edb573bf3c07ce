"""Shared fixtures: small projects written for the tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import engine_rig
import pytest

WEAK_DOCKERFILE = """\
FROM python:latest
ENV API_TOKEN=supersecretvalue123
ADD app.tar.gz /app
ADD . /app
CMD ["python", "/app/main.py"]
"""

WEAK_COMPOSE = """\
services:
  web:
    build: .
    privileged: true
    ports:
      - "8080:80"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
  db:
    image: postgres:16.3
    environment:
      POSTGRES_PASSWORD: hunter2hunter2
"""


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root`` and return it."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def weak_project(tmp_path: Path) -> Path:
    """A project that fails many items: root, latest tag, socket mount, privileged."""
    return write_project(
        tmp_path / "weak",
        {
            "Dockerfile": WEAK_DOCKERFILE,
            "compose.yaml": WEAK_COMPOSE,
            "main.py": "print('hello')\n",
        },
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With pytest-xdist (``-n auto --dist loadgroup``), every test of the Docker engine
    runs in one worker: the engine holds one swarm, and the rig is built once."""
    for item in items:
        if "live_rig" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("docker-engine"))


@pytest.fixture(scope="session")
def live_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[engine_rig.Rig]:
    """A real Docker engine with the rig's images and containers (see tests/engine_rig.py).

    dockerd is started when none answers. Where no engine can run the live tests are
    skipped, except when REVIEWTUI_REQUIRE_DOCKER is set (CI sets it): then they fail.
    """
    workdir = tmp_path_factory.mktemp("rig")
    rig = engine_rig.Rig(project_dir=workdir / "rigdemo", workdir=workdir / "build")
    rig.workdir.mkdir()
    if not engine_rig.engine_answers():
        rig.dockerd = engine_rig.start_dockerd(workdir)
        rig.started_dockerd = rig.dockerd is not None
        if rig.dockerd is None:
            message = "no Docker engine answers and dockerd cannot be started here"
            if os.environ.get("REVIEWTUI_REQUIRE_DOCKER"):
                pytest.fail(message)
            pytest.skip(message)
    engine_rig.remove_stale()
    rig.workdir.mkdir(exist_ok=True)
    try:
        engine_rig.build_images(rig.workdir)
        engine_rig.create_containers(rig)
        yield rig
    finally:
        engine_rig.remove_all(rig)
        engine_rig.stop_dockerd(rig)


@pytest.fixture(scope="session")
def live_swarm(live_rig: engine_rig.Rig) -> Iterator[engine_rig.Rig]:
    """The rig's engine as a one-node swarm manager on 127.0.0.1, with two services."""
    try:
        engine_rig.start_swarm(live_rig)
        yield live_rig
    finally:
        engine_rig.stop_swarm(live_rig)
