"""What a .dockerignore keeps out of the build context: the patterns a reason asks for,
the lines it cites, and agreement with the secret-files check on what "excluded" means."""

from __future__ import annotations

from pathlib import Path

from reviewtui.detect import dockerfile_checks
from reviewtui.model import Finding, Status
from reviewtui.project import read_project

COPY_ALL = "FROM python:3.12.4-slim\nCOPY . /app\n"


def findings(root: Path, dockerfile: str, **files: str) -> dict[str, Finding]:
    """The dockerignore and secret_files_in_image findings of a one-Dockerfile project."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(dockerfile)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    facts = read_project(root)
    found = {}
    for name in ("dockerignore", "secret_files_in_image"):
        results = dockerfile_checks.DETECTORS[name](facts)
        assert len(results) == 1
        found[name] = results[0]
    return found


def located(finding: Finding) -> list[tuple[str, int | None, str]]:
    return [(e.path, e.line, e.snippet) for e in finding.evidence]


def test_top_level_key_patterns_name_the_patterns_to_add(tmp_path: Path) -> None:
    ignore = ".git\n.env*\n*.pem\n*.key\nid_rsa*\n"

    result = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore, "app.py": "print()\n"})

    finding = result["dockerignore"]
    assert finding.status is Status.FAIL
    assert finding.reason == (
        ".dockerignore does not exclude private keys in subfolders: `*.key` and `*.pem` "
        "match only at the top of the context; add `**/*.key` and `**/*.pem`"
    )
    assert located(finding) == [
        (".dockerignore", 3, "*.pem"),
        (".dockerignore", 4, "*.key"),
        (".dockerignore", 5, "id_rsa*"),
        ("Dockerfile", 2, "COPY . /app"),
    ]
    # No key sits in the context today, so nothing reaches the image: both answers hold.
    assert result["secret_files_in_image"].status is Status.PASS


def test_a_key_in_a_subfolder_fails_both_checks_and_is_named(tmp_path: Path) -> None:
    ignore = ".git\n.env*\n*.pem\n*.key\nid_rsa*\n"

    result = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore, "certs/server.key": "x\n"})

    assert result["dockerignore"].reason.startswith(
        ".dockerignore does not exclude certs/server.key and private keys in subfolders: "
    )
    assert "`**/*.key`" in result["dockerignore"].reason
    assert result["secret_files_in_image"].status is Status.FAIL
    assert result["secret_files_in_image"].reason == (
        "COPY . sends certs/server.key (a private key) into the image; "
        ".dockerignore does not exclude it"
    )


def test_nested_patterns_pass_both_and_the_pass_names_what_is_kept_out(tmp_path: Path) -> None:
    ignore = ".git\n.env*\n**/*.key\n**/*.pem\n**/id_rsa*\n"

    result = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore, "certs/server.key": "x\n"})

    assert result["dockerignore"].status is Status.PASS
    assert result["secret_files_in_image"].status is Status.PASS
    assert result["secret_files_in_image"].reason.endswith(
        "; .dockerignore keeps certs/server.key out of the build context"
    )


def test_env_without_a_wildcard_misses_other_env_files(tmp_path: Path) -> None:
    ignore = ".git\n.env\n**/.env\n**/*.key\n**/*.pem\n**/id_rsa*\n"

    finding = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore})["dockerignore"]

    assert finding.status is Status.FAIL
    assert finding.reason == (
        ".dockerignore does not exclude `.env.local` and other `.env.*` files: add `.env*`"
    )
    assert located(finding)[0] == (".dockerignore", 3, "**/.env")


def test_evidence_snippets_hold_the_cited_line(tmp_path: Path) -> None:
    ignore = "# build context\n.git\nnode_modules\n"

    finding = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore})["dockerignore"]

    assert finding.status is Status.FAIL
    assert finding.reason == (
        ".dockerignore does not exclude .env files or private keys: "
        "add `.env*`, `id_rsa*`, `**/*.key` and `**/*.pem`"
    )
    assert located(finding)[0] == (".dockerignore", 2, ".git")


def test_a_dockerignore_of_comments_only_is_cited_at_its_first_line(tmp_path: Path) -> None:
    finding = findings(tmp_path, COPY_ALL, **{".dockerignore": "# nothing yet\n"})["dockerignore"]

    assert finding.reason.startswith(".dockerignore does not exclude .git, .env files or ")
    assert located(finding)[0] == (".dockerignore", 1, "# nothing yet")


def test_an_exception_that_sends_a_file_again_is_named(tmp_path: Path) -> None:
    ignore = ".git\n.env*\n!.env.local\n**/*.key\n**/*.pem\n**/id_rsa*\n"

    finding = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore})["dockerignore"]

    assert finding.status is Status.FAIL
    assert finding.reason == (
        ".dockerignore does not exclude `.env.local` and other `.env.*` files: "
        "`!.env.local` sends them again; add `.env*`"
    )
    assert (".dockerignore", 3, "!.env.local") in located(finding)


def test_a_nested_env_file_of_the_context_is_named(tmp_path: Path) -> None:
    ignore = ".git\n.env*\n**/*.key\n**/*.pem\n**/id_rsa*\n"

    result = findings(tmp_path, COPY_ALL, **{".dockerignore": ignore, "config/.env": "A=1\n"})

    assert result["dockerignore"].reason == (
        ".dockerignore does not exclude config/.env: add `**/.env`"
    )
    assert result["secret_files_in_image"].status is Status.FAIL


def test_no_reason_is_a_double_negative(tmp_path: Path) -> None:
    result = findings(tmp_path, COPY_ALL, **{"config/.env": "A=1\n"})

    for finding in result.values():
        assert "no .dockerignore does not" not in finding.reason
    assert result["secret_files_in_image"].reason.endswith("no .dockerignore excludes it")
