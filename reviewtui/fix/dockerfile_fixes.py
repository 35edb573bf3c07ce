"""Fixers for Dockerfile targets: minimal line edits, each checked by the item's detector.

Every fixer parses the text it is given with the project's own reader, edits only the
lines that reader located, then parses the result again and runs the Dockerfile
detectors over both: the edit is offered only when the item now passes for the file,
the reader finds no new problem, and no other item of the file gets worse (to fail, or
from pass or not applicable to needs a person). Otherwise the fixer gives None, and
:func:`explain` says why.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from reviewtui.detect.dockerfile_checks import DETECTORS
from reviewtui.detect.registry import Detector
from reviewtui.fix.dockerfile_copy import copy_for_add
from reviewtui.fix.dockerfile_final_stage import healthcheck_template, non_root_user
from reviewtui.fix.dockerfile_secrets import secret_mounts
from reviewtui.fix.dockerfile_tags import pinned_tags
from reviewtui.fix.dockerfile_text import NoFix
from reviewtui.fix.model import Covered, Edit
from reviewtui.fix.registry import fixer
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project.dockerfile import Dockerfile, parse_dockerfile
from reviewtui.project.facts import ProjectFacts

log = logging.getLogger(__name__)

Maker = Callable[[Dockerfile, str], Edit | NoFix]
"""Makes one item's edit from the parsed file and its text, or says why it cannot."""

MAKERS: dict[str, tuple[str, Maker]] = {
    "image.base-tag-pinned": ("base_image_tag", pinned_tags),
    "build.non-root-user": ("final_user", non_root_user),
    "build.no-secrets-in-arg-env": ("secrets_in_arg_env", secret_mounts),
    "build.copy-not-add": ("copy_not_add", copy_for_add),
    "build.healthcheck": ("healthcheck", healthcheck_template),
}
"""Each fixable item: the detector that judges it, and the function making its edit."""

# Statuses from which a change is no loss; any move to FAIL is, and so is a move from
# these to UNKNOWN.
_SETTLED = frozenset({Status.PASS, Status.NOT_APPLICABLE})


def explain(item_id: str, text: str, path: str) -> Edit | NoFix:
    """The checked edit of ``item_id`` for the Dockerfile ``text`` read from ``path``, or
    why there is none: the fixers' answer with its reason kept, for tools and tests."""
    detector, maker = MAKERS[item_id]
    if "\r" in text:
        return NoFix("the file mixes line ends; fix it by hand")
    before = _parsed(text, path)
    if before.final_stage is None:
        return NoFix("no FROM instruction could be read")
    # The item's own detector first: most files get no edit, and judging the file with
    # every detector (to see that nothing else gets worse) is only needed for one.
    status = _statuses(before, {detector: DETECTORS[detector]}).get(detector)
    if status is not Status.FAIL:
        return NoFix("the item does not fail for this file", passes=status in _SETTLED)
    made = maker(before, text)
    if isinstance(made, NoFix) or made.text == text:
        return made if isinstance(made, NoFix) else NoFix("the edit changes nothing")
    return _checked(detector, before, _read(text, path)[1], made)


def _checked(
    detector: str, before: Dockerfile, statuses: Mapping[str, Status], made: Edit
) -> Edit | NoFix:
    """``made`` when the edited file passes the item and loses nothing, else why not."""
    after, results = _read(made.text, before.path)
    new_problems = {p.reason for p in after.problems} - {p.reason for p in before.problems}
    if new_problems:
        return NoFix(f"the edit would make the reader report: {sorted(new_problems)[0]}")
    if results.get(detector) is not Status.PASS:
        return NoFix(f"the edit would leave the item {results.get(detector)}")
    for name, old in statuses.items():
        new = results.get(name)
        if name == detector or new is old or new is None:
            continue
        if new is Status.FAIL or (new is Status.UNKNOWN and old in _SETTLED):
            return NoFix(f"the edit would make the detector {name} go from {old} to {new}")
    return made


@functools.lru_cache(maxsize=16)
def _read(text: str, path: str) -> tuple[Dockerfile, Mapping[str, Status]]:
    """The file parsed and every detector's answer for it (read only: both are shared).

    The last few are kept: a plan of fixes judges each text twice (after one fix and
    before the next), and a report asks every item of the same text.
    """
    dockerfile = _parsed(text, path)
    return dockerfile, MappingProxyType(_statuses(dockerfile, DETECTORS))


@functools.lru_cache(maxsize=16)
def _parsed(text: str, path: str) -> Dockerfile:
    """The file parsed, shared by the calls about the same text (read only)."""
    return parse_dockerfile(text, path)


def _statuses(dockerfile: Dockerfile, detectors: Mapping[str, Detector]) -> dict[str, Status]:
    """Each detector's answer for this file alone; a detector that raises is left out (it
    answers nothing either way)."""
    facts = ProjectFacts(root=Path("/nonexistent"), dockerfiles=[dockerfile])
    statuses = {}
    for name, detector in detectors.items():
        try:
            found = detector(facts)
        except Exception:  # noqa: BLE001 - a detector's bug must not cost the fix
            log.exception("detector %s failed while checking a fix", name)
            continue
        for finding in found:
            if finding.target.path == dockerfile.path:
                statuses[name] = finding.status
    return statuses


def _fix(item_id: str, text: str, target: Target) -> Edit | None:
    if target.kind is not TargetKind.DOCKERFILE:
        return None
    made = explain(item_id, text, target.path)
    if isinstance(made, NoFix):
        log.debug("no fix of %s for %s: %s", item_id, target.path, made.reason)
        if made.passes:
            raise Covered(made.reason)
        return None
    return made


@fixer("image.base-tag-pinned")
def fix_base_tag(text: str, target: Target, finding: Finding) -> Edit | None:
    """Pins floating images to the version tag the Dockerfile pins elsewhere."""
    return _fix("image.base-tag-pinned", text, target)


@fixer("build.non-root-user")
def fix_non_root_user(text: str, target: Target, finding: Finding) -> Edit | None:
    """Adds a non-root USER to the final stage."""
    return _fix("build.non-root-user", text, target)


@fixer("build.no-secrets-in-arg-env")
def fix_secrets_in_arg_env(text: str, target: Target, finding: Finding) -> Edit | None:
    """Moves secret ARG and ENV values to secret mounts of the RUN steps using them."""
    return _fix("build.no-secrets-in-arg-env", text, target)


@fixer("build.copy-not-add")
def fix_copy_not_add(text: str, target: Target, finding: Finding) -> Edit | None:
    """Turns ADD of local files into COPY."""
    return _fix("build.copy-not-add", text, target)


@fixer("build.healthcheck")
def fix_healthcheck(text: str, target: Target, finding: Finding) -> Edit | None:
    """Adds a HEALTHCHECK template to the final stage."""
    return _fix("build.healthcheck", text, target)
