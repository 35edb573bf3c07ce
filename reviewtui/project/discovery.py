"""Finding the files of a project that a review reads, without leaving the tree."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.masking import escape_controls, has_controls
from reviewtui.model import Problem
from reviewtui.project.scanner_reports import is_scanner_report_name

# Folders that never hold the project's own container setup, and cost most to walk.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".vscode",
        "site-packages",
        ".reviewtui",
        "bower_components",
        ".terraform",
        ".cache",
    }
)
MAX_FILES = 200_000

_DOCKERFILE_PATTERNS = (
    "dockerfile",
    "dockerfile.*",
    "dockerfile-*",
    "dockerfile_*",
    "*.dockerfile",
    "containerfile",
    "containerfile.*",
)
_NOT_DOCKERFILE_SUFFIXES = (
    ".md",
    ".txt",
    ".sh",
    ".py",
    ".go",
    ".json",
    ".yml",
    ".yaml",
    ".tmpl",
    ".tpl",
    ".template",
    ".j2",
    ".m4",
    ".in",
    ".bak",
    ".orig",
    ".rej",
    ".swp",
    ".dockerignore",
    ".lock",
)
_COMPOSE_PATTERNS = (
    "compose.yaml",
    "compose.yml",
    "compose.*.yaml",
    "compose.*.yml",
    "docker-compose*.yml",
    "docker-compose*.yaml",
)
_CI_ROOT_FILES = (
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    "jenkinsfile",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    ".drone.yml",
    "bitbucket-pipelines.yml",
    ".travis.yml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
)


@dataclass
class DiscoveredFiles:
    """The project's files by role, as paths relative to the root in POSIX form."""

    dockerfiles: list[str] = field(default_factory=list)
    compose_files: list[str] = field(default_factory=list)
    daemon_files: list[str] = field(default_factory=list)
    dockerignore_files: list[str] = field(default_factory=list)
    ci_files: list[str] = field(default_factory=list)
    scanner_reports: list[str] = field(default_factory=list)
    all_files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_dockerfile(name: str) -> bool:
    """True for Dockerfile, Dockerfile.*, *.Dockerfile and Containerfile names."""
    lower = name.lower()
    if lower.endswith(_NOT_DOCKERFILE_SUFFIXES):
        return False
    return _DOCKERFILE_NAME.match(lower) is not None


def is_compose_file(name: str) -> bool:
    """True for the file names docker compose looks for, and their variants."""
    return _COMPOSE_NAME.match(name.lower()) is not None


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching a name when any of the shell ``patterns`` matches it whole, as
    ``fnmatch.fnmatchcase`` does; one match per name instead of one per pattern."""
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


_DOCKERFILE_NAME = _any_of(_DOCKERFILE_PATTERNS)
_COMPOSE_NAME = _any_of(_COMPOSE_PATTERNS)


def is_ci_file(rel: str) -> bool:
    """True for CI pipeline definitions (GitHub, GitLab, Jenkins, Azure, CircleCI, ...)."""
    lower = rel.lower()
    name = lower.rsplit("/", 1)[-1]
    if lower.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
        return True
    if lower.startswith(".circleci/") and name in ("config.yml", "config.yaml"):
        return True
    if name == "jenkinsfile" or name.startswith("jenkinsfile."):
        return True
    return "/" not in lower and name in _CI_ROOT_FILES


def discover(root: Path, on_file: Callable[[int], None] | None = None) -> DiscoveredFiles:
    """Walk ``root`` and sort out the files a review reads.

    Links are followed only when they stay inside the tree; a link that leaves it, a
    folder that cannot be listed, or a name with control or bidi characters becomes a
    problem entry instead.
    """
    found = DiscoveredFiles()
    root = root.resolve()
    seen_dirs: set[tuple[int, int]] = set()
    # Folders still to walk, as (path, path relative to the root with a trailing "/"),
    # the next one last: each folder's subfolders are walked in order of name, each
    # whole before the next, as os.walk would walk them.
    waiting = [(str(root), "")]
    while waiting:
        folder, prefix = waiting.pop()
        listed = _list_folder(root, folder, found)
        if listed is None:
            continue
        subfolders, files = listed
        kept = sorted(
            (entry.name, entry.path)
            for entry in subfolders
            if entry.name not in SKIP_DIRS
            and not _odd_name(prefix + entry.name, found)
            and not _leaves_tree(root, entry, prefix + entry.name, found, seen_dirs)
        )
        for entry in sorted(files, key=_name):
            name = entry.name
            rel = prefix + name
            if _odd_name(rel, found):
                continue
            if _is_link(entry) and not _inside(root, Path(entry.path)):
                found.problems.append(Problem(rel, None, _link_fault(Path(entry.path))))
                continue
            found.all_files.append(rel)
            _sort_file(found, rel, name)
            if on_file is not None:
                on_file(len(found.all_files))
        if len(found.all_files) >= MAX_FILES:
            found.problems.append(Problem(".", None, f"stopped after {MAX_FILES} files"))
            break
        waiting.extend((path, f"{prefix}{name}/") for name, path in reversed(kept))
    for paths in (
        found.dockerfiles,
        found.compose_files,
        found.daemon_files,
        found.dockerignore_files,
        found.ci_files,
        found.scanner_reports,
        found.all_files,
    ):
        paths.sort()
    return found


def _list_folder(
    root: Path, folder: str, found: DiscoveredFiles
) -> tuple[list[os.DirEntry[str]], list[os.DirEntry[str]]] | None:
    """The entries of ``folder``: those that are folders or links to one, and the rest,
    in the order the system lists them; None (and a problem) when it cannot be listed.

    Directory entries carry their type, so sorting them costs no call per file.
    """
    subfolders: list[os.DirEntry[str]] = []
    files: list[os.DirEntry[str]] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_folder = entry.is_dir()
                except OSError:
                    is_folder = False
                (subfolders if is_folder else files).append(entry)
    except OSError as error:
        found.problems.append(
            Problem(
                _rel(root, Path(error.filename or root)),
                None,
                f"cannot list folder: {error.strerror or error}",
            )
        )
        return None
    return subfolders, files


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return False


def _sort_file(found: DiscoveredFiles, rel: str, name: str) -> None:
    lower = name.lower()
    if is_dockerfile(name):
        found.dockerfiles.append(rel)
    elif is_compose_file(name):
        found.compose_files.append(rel)
    elif lower == "daemon.json":
        found.daemon_files.append(rel)
    elif lower == ".dockerignore" or lower.endswith(".dockerignore"):
        found.dockerignore_files.append(rel)
    elif is_scanner_report_name(name):
        found.scanner_reports.append(rel)
    if is_ci_file(rel):
        found.ci_files.append(rel)


def _odd_name(rel: str, found: DiscoveredFiles) -> bool:
    """True (and a problem entry) for a name with control or bidi characters: its path
    would carry them onto the screen and into every report, so it is left alone."""
    if not has_controls(rel.rsplit("/", 1)[-1]):
        return False
    found.problems.append(
        Problem(escape_controls(rel), None, "name holds control or bidi characters; not read")
    )
    return True


def _leaves_tree(
    root: Path,
    entry: os.DirEntry[str],
    rel: str,
    found: DiscoveredFiles,
    seen: set[tuple[int, int]],
) -> bool:
    """True when a folder must not be walked: a link out of the tree, or a loop."""
    if _is_link(entry):
        path = Path(entry.path)
        if not _inside(root, path):
            found.problems.append(Problem(rel, None, _link_fault(path)))
            return True
        return True  # a link inside the tree: its target is walked where it really is
    try:
        stat = entry.stat()
    except OSError:
        return True
    key = (stat.st_dev, stat.st_ino)
    if key in seen:
        return True
    seen.add(key)
    return False


def _link_fault(path: Path) -> str:
    """Why a link that does not resolve inside the tree is not followed."""
    try:
        path.resolve(strict=False)
    except (OSError, RuntimeError):  # RuntimeError: the link loops back on itself
        return "link loops back on itself; not followed"
    return "link leads out of the project; not followed"


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()
