"""What a compose change gets and gives: the file, the failing service, the changed file.

A change function edits the text through :class:`~reviewtui.fix.compose_edit.ComposeText`
and raises :class:`~reviewtui.fix.compose_edit.EditRefused` when the file gives no safe
mechanical fix; :mod:`reviewtui.fix.compose_fixes` then checks the result with the
detectors before offering it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reviewtui.fix.compose_edit import ComposeText, DataPath
from reviewtui.project.compose_model import ComposeProject, ComposeService


@dataclass(frozen=True)
class Failing:
    """The failing service: its file's text and nodes, and the file read as the scan
    reads it (``service`` is the service there, ``project`` the whole file)."""

    doc: ComposeText
    service: ComposeService
    project: ComposeProject

    @property
    def path(self) -> DataPath:
        """Where the service's mapping is in the document."""
        return ("services", self.service.name)

    def key(self, *keys: str | int) -> DataPath:
        """The document path of a key of the service."""
        return self.path + keys


@dataclass(frozen=True)
class Changed:
    """The changed file and what the change means for the reviewer (see
    :class:`reviewtui.fix.model.Edit`)."""

    doc: ComposeText
    summary: str
    behaviour: str
    check: str


Change = Callable[[Failing], Changed]
"""Makes the change for one failing service; raises EditRefused when there is none."""
