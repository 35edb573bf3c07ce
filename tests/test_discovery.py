"""Discovery finds the files a review reads, skips vendored folders, stays in the tree."""

from __future__ import annotations

import os
from pathlib import Path

from reviewtui.project.discovery import discover, is_ci_file, is_compose_file, is_dockerfile
from tests.conftest import write_project


def test_file_roles(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "Dockerfile": "FROM scratch\n",
            "api/Dockerfile.prod": "FROM scratch\n",
            "worker/worker.Dockerfile": "FROM scratch\n",
            "Containerfile": "FROM scratch\n",
            "docs/Dockerfile.md": "not one\n",
            "compose.yaml": "services: {}\n",
            "docker-compose.override.yml": "services: {}\n",
            "etc/docker/daemon.json": "{}\n",
            ".dockerignore": ".git\n",
            ".github/workflows/ci.yml": "on: push\n",
            ".gitlab-ci.yml": "build: {}\n",
            "node_modules/x/Dockerfile": "FROM scratch\n",
            ".venv/lib/Dockerfile": "FROM scratch\n",
            ".git/Dockerfile": "FROM scratch\n",
        },
    )

    found = discover(root)

    assert found.dockerfiles == [
        "Containerfile",
        "Dockerfile",
        "api/Dockerfile.prod",
        "worker/worker.Dockerfile",
    ]
    assert found.compose_files == ["compose.yaml", "docker-compose.override.yml"]
    assert found.daemon_files == ["etc/docker/daemon.json"]
    assert found.dockerignore_files == [".dockerignore"]
    assert found.ci_files == [".github/workflows/ci.yml", ".gitlab-ci.yml"]
    assert not any(f.startswith(("node_modules", ".venv", ".git/")) for f in found.all_files)


def test_links_out_of_the_tree_are_problems(tmp_path: Path) -> None:
    outside = write_project(tmp_path / "outside", {"Dockerfile": "FROM scratch\n"})
    root = write_project(tmp_path / "p", {"Dockerfile": "FROM scratch\n"})
    os.symlink(outside / "Dockerfile", root / "Dockerfile.linked")
    os.symlink(outside, root / "vendor")
    os.symlink(root, root / "loop")

    found = discover(root)

    assert found.dockerfiles == ["Dockerfile"]
    reasons = {p.path: p.reason for p in found.problems}
    assert "out of the project" in reasons["Dockerfile.linked"]
    assert "out of the project" in reasons["vendor"]


def test_name_rules() -> None:
    assert is_dockerfile("Dockerfile") and is_dockerfile("dockerfile.dev")
    assert is_dockerfile("app.Dockerfile") and not is_dockerfile("Dockerfile.sh")
    assert is_compose_file("docker-compose.prod.yaml") and not is_compose_file("compose.json")
    assert is_ci_file(".github/workflows/release.yaml") and is_ci_file("Jenkinsfile")
    assert is_ci_file(".circleci/config.yml") and not is_ci_file("src/.gitlab-ci.yml")
