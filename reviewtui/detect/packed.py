"""Findings packed into columns, for their trip from a forked child to its parent.

Pickled as objects, each finding and each evidence entry would travel with a tuple of
its fields, and the unpickler keeps every such tuple until the whole load ends: on a big
tree that doubles what the findings weigh at the parent's peak. Packed, the numbers go
as arrays and only the strings and the few targets as objects; what was one object in
the child (a target, an evidence tuple that findings share) is one object again.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Callable, Iterator
from typing import Any

from reviewtui.model import Evidence, Finding, Status, Target

_NO_LINE = -1


def _indexes() -> array[int]:
    return array("i")


@dataclasses.dataclass
class PackedFindings:
    """Each item's findings, as columns."""

    items: list[str] = dataclasses.field(default_factory=list)
    counts: array[int] = dataclasses.field(default_factory=_indexes)
    """How many findings each item has, in the order of ``items``."""
    targets: list[Target] = dataclasses.field(default_factory=list)
    statuses: list[Status] = dataclasses.field(default_factory=lambda: list(Status))
    # Per finding:
    target: array[int] = dataclasses.field(default_factory=_indexes)
    status: array[int] = dataclasses.field(default_factory=lambda: array("b"))
    reason: list[str] = dataclasses.field(default_factory=list)
    proof: array[int] = dataclasses.field(default_factory=_indexes)
    """The finding's evidence tuple, as an index into the proofs."""
    # Per evidence tuple, the evidence it holds: ``proof_evidence[starts[i]:starts[i+1]]``.
    starts: array[int] = dataclasses.field(default_factory=lambda: array("i", [0]))
    proof_evidence: array[int] = dataclasses.field(default_factory=_indexes)
    # Per evidence entry:
    path: list[str] = dataclasses.field(default_factory=list)
    line: array[int] = dataclasses.field(default_factory=lambda: array("q"))
    snippet: list[str] = dataclasses.field(default_factory=list)
    field: list[str] = dataclasses.field(default_factory=list)


def pack(findings: dict[str, list[Finding]]) -> PackedFindings:
    """``findings`` as columns."""
    packed = PackedFindings()
    targets: dict[int, int] = {}
    proofs: dict[int, int] = {}
    evidence_index: dict[int, int] = {}
    status_index = {status: index for index, status in enumerate(packed.statuses)}
    for item_id, found in findings.items():
        packed.items.append(item_id)
        packed.counts.append(len(found))
        for finding in found:
            packed.target.append(_index(targets, finding.target, packed.targets))
            packed.status.append(status_index[finding.status])
            packed.reason.append(finding.reason)
            packed.proof.append(_proof(packed, proofs, evidence_index, finding.evidence))
    return packed


def unpack(packed: PackedFindings) -> Iterator[tuple[str, list[Finding]]]:
    """The findings of :func:`pack`, item by item, sharing what they shared there. The
    columns are emptied as they are used: at the peak of a scan, megabytes."""
    new_evidence = _maker(Evidence)
    evidence = [
        new_evidence(path, None if line == _NO_LINE else line, snippet, field)
        for path, line, snippet, field in zip(
            packed.path, packed.line, packed.snippet, packed.field, strict=True
        )
    ]
    packed.path, packed.line, packed.snippet, packed.field = [], array("q"), [], []
    starts, held = packed.starts, packed.proof_evidence
    proofs = [
        tuple([evidence[index] for index in held[starts[at] : starts[at + 1]]])
        for at in range(len(starts) - 1)
    ]
    del evidence
    packed.starts, packed.proof_evidence = _indexes(), _indexes()
    new_finding = _maker(Finding)
    targets, statuses = packed.targets, packed.statuses
    target, status, reason, proof = packed.target, packed.status, packed.reason, packed.proof
    start = 0
    for item_id, count in zip(packed.items, packed.counts, strict=True):
        found = [
            new_finding(targets[target[at]], statuses[status[at]], reason[at], proofs[proof[at]])
            for at in range(start, start + count)
        ]
        start += count
        yield item_id, found


def _index(seen: dict[int, int], value: Target, into: list[Target]) -> int:
    at = seen.get(id(value))
    if at is None:
        at = seen[id(value)] = len(into)
        into.append(value)
    return at


def _proof(
    packed: PackedFindings,
    proofs: dict[int, int],
    evidence_index: dict[int, int],
    proof: tuple[Evidence, ...],
) -> int:
    """The index of ``proof`` among the packed evidence tuples, packed if new."""
    at = proofs.get(id(proof))
    if at is not None:
        return at
    for evidence in proof:
        index = evidence_index.get(id(evidence))
        if index is None:
            index = evidence_index[id(evidence)] = len(packed.path)
            packed.path.append(evidence.path)
            packed.line.append(_NO_LINE if evidence.line is None else evidence.line)
            packed.snippet.append(evidence.snippet)
            packed.field.append(evidence.field)
        packed.proof_evidence.append(index)
    packed.starts.append(len(packed.proof_evidence))
    at = proofs[id(proof)] = len(packed.starts) - 2
    return at


def _maker(cls: type) -> Callable[..., Any]:
    """A function making a ``cls`` from its fields' values without ``__post_init__``: the
    values were cleaned when the object was first made, in the child."""
    setters = [getattr(cls, field.name).__set__ for field in dataclasses.fields(cls)]
    new = object.__new__

    def make(*values: object) -> Any:
        made: Any = new(cls)
        for setter, value in zip(setters, values, strict=True):
            setter(made, value)
        return made

    return make
