"""Fixers for compose services: each edits the compose file the service is written in.

Every fixer runs the same way (:func:`_fixer`): it refuses when the finding's evidence
lives in another file (an override, an included file, the base of ``extends``), finds the
service in the file's text, makes its change through
:class:`~reviewtui.fix.compose_edit.ComposeText` (which keeps every other byte and checks
that the file still holds the same values plus the change), and offers the result only
when the compose detectors, run on the changed file, pass the item for the service and
answer no other item worse for any service of the file.
"""

from __future__ import annotations

import logging
import posixpath

from reviewtui.fix import compose_hardening, compose_limits, compose_network
from reviewtui.fix.compose_change import Change, Failing
from reviewtui.fix.compose_edit import ComposeText, EditRefused
from reviewtui.fix.compose_judge import Verdicts, judged, worsened
from reviewtui.fix.model import Edit, Fixer
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


def _fixer(item_id: str, detector: str, change: Change) -> Fixer:
    """The fixer of ``item_id``: ``change`` applied and checked with ``detector``."""

    def fix(text: str, target: Target, finding: Finding) -> Edit | None:
        if _evidence_elsewhere(target, finding):
            return None
        name = target.name.split(" [")[0]
        where = (target.path, item_id, name)
        try:
            failing, before = _failing(text, target.path, name)
            if before.get((detector, name)) is not Status.FAIL:
                # TODO: after an earlier fix of the same plan (one network made internal
                # for two back ends) the plan lists this target as having no fix.
                raise EditRefused("the file alone does not fail the item")
            changed = change(failing)
        except EditRefused as refused:
            log.debug("%s: no fix of %s for %s: %s", *where, refused)
            return None
        _, after = judged(changed.doc.text, target.path)
        worse = worsened(before, after)
        status = after.get((detector, name))
        if status is not Status.PASS or worse:
            reason = "; ".join(worse) or f"the item is {status.value if status else 'gone'}"
            log.debug("%s: no fix of %s for %s: %s after the change", *where, reason)
            return None
        return Edit(changed.doc.text, changed.summary, changed.behaviour, changed.check)

    fix.__name__ = f"fix_{detector}"
    fix.__doc__ = change.__doc__
    return fix


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
