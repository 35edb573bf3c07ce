"""What a compose change gets and gives: the file, the failing service, the changed file.

A change function edits the text through :class:`~reviewtui.fix.compose_edit.ComposeText`
and raises :class:`~reviewtui.fix.compose_edit.EditRefused` when the file gives no safe
mechanical fix; :mod:`reviewtui.fix.compose_fixes` then checks the result with the
detectors before offering it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reviewtui.fix.compose_edit import ComposeText, DataPath
from reviewtui.project.compose_model import ComposeProject, ComposeService


@dataclass(frozen=True)
class Failing:
    """The failing service: its file's text and nodes, and the file read as the scan
    reads it (``service`` is the service there, ``project`` the whole file).

    ``doc`` may hold only the service's own lines (see
    :mod:`reviewtui.fix.compose_shape`); ``written`` then gives every service of the
    file as written, which a change that follows the other services' habits reads.
    """

    doc: ComposeText
    service: ComposeService
    project: ComposeProject
    written: Mapping[str, Any] | None = None

    def services(self) -> Mapping[Any, Any]:
        """Every service of the file as written (plain values, merges applied)."""
        if self.written is not None:
            return self.written
        services = self.doc.value(("services",), {})
        return services if isinstance(services, dict) else {}

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
