"""Fixers for compose services: each edits the compose file the service is written in.

Every fixer runs the same way (:func:`_fixer`): it refuses when the finding's evidence
lives in another file (an override, an included file, the base of ``extends``), finds the
service in the file's text, makes its change through
:class:`~reviewtui.fix.compose_edit.ComposeText` (which keeps every other byte and checks
that the file still holds the same values plus the change), and offers the result only
when the compose detectors, run on the changed file, pass the item for the service and
answer no other item worse for any service of the file.

A change that touches only its service's mapping is made and judged on that service's
lines (:mod:`reviewtui.fix.compose_shape`), which gives the same edit and the same
answers as the whole file at a fraction of the cost; the rest goes through the whole
file. A fixer raises :class:`~reviewtui.fix.model.Covered` when its item passes already.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass

from reviewtui.fix import compose_hardening, compose_limits, compose_network
from reviewtui.fix.compose_change import Change, Changed, Failing
from reviewtui.fix.compose_edit import ComposeText, EditRefused
from reviewtui.fix.compose_judge import Verdicts, judged, worsened
from reviewtui.fix.compose_shape import FileShape, follows, shape_of
from reviewtui.fix.model import Covered, Edit, Fixer
from reviewtui.fix.registry import fixer
from reviewtui.model import Finding, Status, Target

log = logging.getLogger(__name__)

CHANGES: dict[str, tuple[str, Change]] = {
    "runtime.cap-drop-all": ("cap_drop_all", compose_hardening.cap_drop_all),
    "runtime.no-new-privileges": ("no_new_privileges", compose_hardening.no_new_privileges),
    "runtime.read-only-rootfs": ("read_only_rootfs", compose_hardening.read_only_rootfs),
    "runtime.no-docker-socket": ("docker_socket", compose_hardening.no_docker_socket),
    "runtime.memory-limit": ("memory_limit", compose_limits.memory_limit),
    "runtime.cpu-limit": ("cpu_limit", compose_limits.cpu_limit),
    "runtime.pids-limit": ("pids_limit", compose_limits.pids_limit),
    "operations.log-rotation": ("logging_rotation", compose_limits.log_rotation),
    "runtime.port-binding": ("port_bindings", compose_network.port_binding),
    "runtime.network-segmentation": ("network_segmentation", compose_network.network_segmentation),
}
"""Each item with a compose fix: the detector that answers it, and the change."""

# Evidence from these files says what the engine does, not what the compose file says.
_ENGINE_FILES = frozenset({"daemon.json"})


# The change that closes networks edits the top-level networks, outside its service.
_BEYOND_THE_SERVICE = frozenset({"runtime.network-segmentation"})


@dataclass(frozen=True)
class _Made:
    """A change made, with the answers it could move before and after it."""

    changed: Changed
    before: Verdicts
    after: Verdicts
    text: str


def _fixer(item_id: str, detector: str, change: Change) -> Fixer:
    """The fixer of ``item_id``: ``change`` applied and checked with ``detector``."""

    def fix(text: str, target: Target, finding: Finding) -> Edit | None:
        if _evidence_elsewhere(target, finding):
            return None
        name = target.name.split(" [")[0]
        where = (target.path, item_id, name)
        try:
            made = None
            shape = None if item_id in _BEYOND_THE_SERVICE else shape_of(text, target.path)
            if shape is not None and name in shape.local:
                _still_fails(shape.verdicts, detector, name, where)
                made = _on_its_lines(shape, name, change)
            if made is None:
                made = _on_the_file(text, target.path, name, detector, change, where)
                follows(text, made.text, target.path)
        except EditRefused as refused:
            log.debug("%s: no fix of %s for %s: %s", *where, refused)
            return None
        worse = worsened(made.before, made.after)
        status = made.after.get((detector, name))
        if status is not Status.PASS or worse:
            reason = "; ".join(worse) or f"the item is {status.value if status else 'gone'}"
            log.debug("%s: no fix of %s for %s: %s after the change", *where, reason)
            return None
        changed = made.changed
        return Edit(made.text, changed.summary, changed.behaviour, changed.check)

    fix.__name__ = f"fix_{detector}"
    fix.__doc__ = change.__doc__
    return fix


def _on_its_lines(shape: FileShape, name: str, change: Change) -> _Made | None:
    """The change made and judged on the service's own lines; None when it must be made
    on the whole file instead. Raises EditRefused when the change refuses."""
    try:
        piece = shape.piece(name)
    except EditRefused:
        return None
    service = shape.project.service(name)
    if service is None:
        return None
    changed = change(Failing(piece, service, shape.project, shape.written))
    edited = shape.edited(name, piece, changed.doc)
    if edited is None:
        return None
    return _Made(changed, edited.before, edited.after, edited.text)


def _on_the_file(
    text: str, rel: str, name: str, detector: str, change: Change, where: tuple[str, ...]
) -> _Made:
    """The change made on the whole file, which is read and judged again after it."""
    failing, before = _failing(text, rel, name)
    _still_fails(before, detector, name, where)
    changed = change(failing)
    _, after = judged(changed.doc.text, rel)
    return _Made(changed, before, after, changed.doc.text)


def _still_fails(found: Verdicts, detector: str, name: str, where: tuple[str, ...]) -> None:
    """Raises Covered when the item passes already for the service (an earlier fix of the
    file may have seen to it), EditRefused when it does not fail for the file alone."""
    status = found.get((detector, name))
    if status is Status.PASS or status is Status.NOT_APPLICABLE:
        log.debug("%s: no fix of %s for %s: %s", *where, "the item passes already")
        raise Covered(f"{detector} answers {status.value} for {name}")
    if status is not Status.FAIL:
        raise EditRefused("the file alone does not fail the item")


def _failing(text: str, rel: str, name: str) -> tuple[Failing, Verdicts]:
    """The failing service in the file, and how the file alone is judged."""
    doc = ComposeText.parse(text)
    project, before = judged(text, rel)
    service = project.service(name) if project is not None else None
    if project is None or service is None:
        raise EditRefused(f"no service {name} in the file")
    if not doc.owns(("services", name)) or not isinstance(doc.value(("services", name)), dict):
        raise EditRefused(f"service {name} is an alias or not a mapping")
    return Failing(doc, service, project), before


def _evidence_elsewhere(target: Target, finding: Finding) -> bool:
    """True when the finding cites a compose file other than the service's own."""
    return any(
        evidence.path
        and evidence.path != target.path
        and posixpath.basename(evidence.path) not in _ENGINE_FILES
        for evidence in finding.evidence
    )


for _item_id, (_detector, _change) in CHANGES.items():
    fixer(_item_id)(_fixer(_item_id, _detector, _change))
