"""ProjectFacts: everything the readers learned about a project, for the detectors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from reviewtui.model import Problem
from reviewtui.project.ci import CIFile
from reviewtui.project.compose import ComposeProject
from reviewtui.project.daemon import DaemonConfig
from reviewtui.project.dockerfile import Dockerfile
from reviewtui.project.dockerignore import DockerIgnore
from reviewtui.project.scanner_reports import ScannerReport

if TYPE_CHECKING:
    from reviewtui.live.facts import EngineFacts

_Derived = TypeVar("_Derived")


@dataclass
class ProjectFacts:
    """The typed facts read from one project directory.

    Paths are relative to ``root`` in POSIX form. ``files`` lists every file found, so
    detectors can ask whether, say, a ``.env`` sits in a build context. ``problems``
    holds everything that could not be read, with file, line and reason.
    ``scanner_reports`` holds the vulnerability scanner reports named on the command line,
    found in the project or written by scanners run for the review. ``engines`` holds
    what the Docker engines of a live review answered (empty without ``--live``).
    ``dockerfiles_gone`` says that a scan let the Dockerfiles go (see
    :meth:`let_dockerfiles_go`): looking one up then raises.
    """

    root: Path
    dockerfiles: list[Dockerfile] = field(default_factory=list)
    compose_projects: list[ComposeProject] = field(default_factory=list)
    daemon_configs: list[DaemonConfig] = field(default_factory=list)
    dockerignores: list[DockerIgnore] = field(default_factory=list)
    ci_files: list[CIFile] = field(default_factory=list)
    scanner_reports: list[ScannerReport] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    engines: list[EngineFacts] = field(default_factory=list)
    _indexes: dict[str, tuple[list[Any], int, dict[str, Any]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _derived: dict[str, tuple[list[Any], int, Any]] = field(
        default_factory=dict, repr=False, compare=False
    )
    dockerfiles_gone: bool = field(default=False, repr=False, compare=False)

    def dockerfile(self, rel: str) -> Dockerfile | None:
        """The parsed Dockerfile at this relative path, if there is one.

        Raises LookupError once the Dockerfiles were let go: None would tell a detector
        that the file is not in the project.
        """
        if self.dockerfiles_gone:
            raise LookupError(f"{rel} was looked up after the Dockerfiles were let go")
        found: Dockerfile | None = self._index("dockerfiles", self.dockerfiles).get(rel)
        return found

    def let_dockerfiles_go(self) -> None:
        """Drop the parsed Dockerfiles, and the index of them that would keep them."""
        self.dockerfiles = []
        self._indexes.pop("dockerfiles", None)
        self.dockerfiles_gone = True

    def let_compose_go(self) -> None:
        """Drop the compose projects, and what was derived from them that would keep them."""
        gone = self.compose_projects
        self.compose_projects = []
        for name in [name for name, kept in self._derived.items() if kept[0] is gone]:
            del self._derived[name]

    def _index(self, name: str, entries: list[Any]) -> dict[str, Any]:
        """``entries`` by path, the first of each path, made again when the list grew or
        was replaced: a lookup per compose service must not scan thousands of files."""
        kept = self._indexes.get(name)
        if kept is None or kept[0] is not entries or kept[1] != len(entries):
            index: dict[str, Any] = {}
            for entry in entries:
                index.setdefault(entry.path, entry)
            kept = self._indexes[name] = (entries, len(entries), index)
        return kept[2]

    def derived(self, name: str, source: list[Any], make: Callable[[], _Derived]) -> _Derived:
        """``make()``, worked out once while ``source`` (one of the facts' lists) is the
        same list of the same length: what a detector derives from the whole project
        (the build contexts compose gives) is shared by the facts of every batch of
        Dockerfiles judged, which share these lists."""
        kept = self._derived.get(name)
        if kept is None or kept[0] is not source or kept[1] != len(source):
            kept = self._derived[name] = (source, len(source), make())
        value: _Derived = kept[2]
        return value

    def dockerignore_for(self, context_dir: str, dockerfile_rel: str = "") -> DockerIgnore | None:
        """The .dockerignore that applies to a build: ``<Dockerfile>.dockerignore`` beside
        the Dockerfile wins, then ``.dockerignore`` at the root of the context."""
        wanted = []
        if dockerfile_rel:
            wanted.append(dockerfile_rel + ".dockerignore")
        prefix = "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"
        wanted.append(prefix + ".dockerignore")
        index = self._index("dockerignores", self.dockerignores)
        for rel in wanted:
            ignore: DockerIgnore | None = index.get(rel)
            if ignore is not None:
                return ignore
        return None
