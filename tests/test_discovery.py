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


def test_names_match_as_the_shell_patterns_do() -> None:
    names = [
        "Dockerfile",
        "dockerfile.dev",
        "Dockerfile-alpine",
        "Dockerfile_test",
        "web.Dockerfile",
        "Containerfile",
        "Containerfile.arm",
        "Dockerfiles",
        "MyDockerfile",
        "Dockerfile.sh",
        "compose.yaml",
        "compose.prod.yml",
        "docker-compose.yml",
        "docker-compose-dev.yaml",
        "compose.yaml.bak",
        "compose.json",
        "my-compose.yml",
        "docker-compose.yml\n",
    ]

    assert [n for n in names if is_dockerfile(n)] == [
        "Dockerfile",
        "dockerfile.dev",
        "Dockerfile-alpine",
        "Dockerfile_test",
        "web.Dockerfile",
        "Containerfile",
        "Containerfile.arm",
    ]
    assert [n for n in names if is_compose_file(n)] == [
        "compose.yaml",
        "compose.prod.yml",
        "docker-compose.yml",
        "docker-compose-dev.yaml",
    ]


def test_folders_are_walked_in_order_and_a_link_inside_the_tree_once(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "b/Dockerfile": "FROM scratch\n",
            "a/z/Dockerfile": "FROM scratch\n",
            "a/Dockerfile": "FROM scratch\n",
            "Dockerfile": "FROM scratch\n",
        },
    )
    os.symlink(root / "a", root / "c")  # walked where it really is: under a/
    os.symlink(root / "missing", root / "Dockerfile.dangling")
    os.mkdir(root / "bad\x1bname")
    os.mkdir(root / "aa\u202e")
    counted: list[int] = []

    found = discover(root, on_file=counted.append)

    assert found.dockerfiles == [
        "Dockerfile",
        "Dockerfile.dangling",
        "a/Dockerfile",
        "a/z/Dockerfile",
        "b/Dockerfile",
    ]
    assert counted == [1, 2, 3, 4, 5]
    assert sorted((p.path, p.reason) for p in found.problems) == [
        ("aa\\u202e", "name holds control or bidi characters; not read"),
        ("bad\\x1bname", "name holds control or bidi characters; not read"),
    ]
