"""Shared fixtures: small projects written for the tests."""

from __future__ import annotations

from pathlib import Path

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
