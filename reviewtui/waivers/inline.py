"""Waivers written as comments in Dockerfiles and compose files.

Dockerfiles: a comment waives the next instruction below it (other comments and blank
lines may stand between): every finding of the named item with evidence on that
instruction's lines. ``ignore-file`` (above the first instruction), ``hadolint global
ignore`` and ``checkov:skip`` (anywhere) waive the Dockerfile as a target; a file-wide
comment of another tool waives an item only when the file skips every rule of that tool
the item lists (checkov's CKV_DOCKER_3 alone says "no USER is fine", not "root is fine",
so it does not waive ``build.non-root-user``, which also lists CKV_DOCKER_8).

Compose files (reviewtui's own comments only): a comment above a service's name waives
that service; above any other key or list entry, it waives the findings with evidence in
that key's block. ``ignore-file`` above ``services:`` waives every service the file
declares.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from reviewtui.model import Problem, Target, TargetKind
from reviewtui.project.dockerfile import Dockerfile, Instruction
from reviewtui.waivers.comments import (
    Directive,
    DirectiveError,
    Reach,
    normalise_rule,
    read_comment,
)
from reviewtui.waivers.model import Span, Waiver, WaiverSource
from reviewtui.waivers.tool_ids import ToolIds
from reviewtui.waivers.yaml_lines import (
    ComposeLayout,
    block_end,
    next_content_line,
    read_layout,
)

log = logging.getLogger(__name__)

ServiceTargets = dict[str, list[Target]]
"""The targets of each service name, for the services one compose file takes part in."""


@dataclass
class InlineReader:
    """Turns waiver comments into waivers; collects problems for those it cannot use.

    ``items`` are the item ids of the catalogue, ``tools`` the id table, ``today`` the
    date that decides which waivers have expired.
    """

    items: frozenset[str]
    tools: ToolIds
    today: date
    problems: list[Problem] = field(default_factory=list)

    def dockerfile(self, dockerfile: Dockerfile) -> list[Waiver]:
        """The waivers written in one Dockerfile's comments."""
        instructions = sorted(dockerfile.instructions, key=lambda ins: ins.start_line)
        starts = [instruction.start_line for instruction in instructions]
        target = Target(TargetKind.DOCKERFILE, dockerfile.path, dockerfile.path)
        waivers: list[Waiver] = []
        tool_skips: list[tuple[Directive, int]] = []

        for comment in dockerfile.comments:
            directive = self._read(comment.text, dockerfile.path, comment.line)
            if directive is None:
                continue
            if directive.reach is Reach.FILE and directive.source is not WaiverSource.INLINE:
                tool_skips.append((directive, comment.line))
                continue
            if directive.reach is Reach.FILE:
                if starts and comment.line > starts[0]:
                    self._problem(
                        dockerfile.path,
                        comment.line,
                        "ignore-file must stand above the first instruction; not applied",
                    )
                    continue
                waivers += self._waivers(directive, dockerfile.path, comment.line, (target,))
                continue
            span = _span_below(dockerfile.path, instructions, starts, comment.line)
            if span is None:
                self._problem(dockerfile.path, comment.line, "no instruction below this waiver")
                continue
            waivers += self._waivers(directive, dockerfile.path, comment.line, span=span)
        return waivers + self._tool_file_waivers(tool_skips, dockerfile.path, target)

    def _tool_file_waivers(
        self, skips: list[tuple[Directive, int]], path: str, target: Target
    ) -> list[Waiver]:
        """Waivers for the items whose every rule of one tool the file skips."""
        waivers: list[Waiver] = []
        for source in dict.fromkeys(directive.source for directive, _ in skips):
            # rule -> (line, rule as written, reason) of the comment that skips it
            skipped: dict[str, tuple[int, str, str]] = {}
            for directive, line in skips:
                if directive.source is source:
                    for rule in directive.ids:
                        skipped[normalise_rule(source, rule)] = (line, rule, directive.reason)
            items = dict.fromkeys(
                item for rule in skipped for item in self.tools.items_for(source, rule)
            )
            for item in items:
                needed = self.tools.rules_of(source, item)
                if not needed <= skipped.keys():
                    continue
                comments = [skipped[rule] for rule in sorted(needed)]
                reasons = dict.fromkeys(reason for _, _, reason in comments if reason)
                waivers.append(
                    Waiver(
                        item=item,
                        source=source,
                        path=path,
                        line=max(line for line, _, _ in comments),
                        reason="; ".join(reasons),
                        rule=", ".join(written for _, written, _ in comments),
                        targets=(target,),
                    )
                )
        return waivers

    def compose_file(self, rel: str, lines: list[str], services: ServiceTargets) -> list[Waiver]:
        """The waivers written in one compose file's ``# reviewtui:`` comments."""
        layout = None
        waivers: list[Waiver] = []

        for number, text in enumerate(lines, 1):
            if "reviewtui" not in text.lower():
                continue
            stripped = text.lstrip()
            if not stripped.startswith("#"):
                continue
            directive = self._read(stripped[1:], rel, number)
            if directive is None or directive.source is not WaiverSource.INLINE:
                continue
            layout = layout or read_layout(lines)
            if directive.reach is Reach.FILE:
                waivers += self._compose_file_wide(directive, rel, number, layout, services)
                continue
            below = next_content_line(lines, number)
            if below is None:
                self._problem(rel, number, "nothing below this waiver")
                continue
            name = layout.service_names.get(below)
            if name is not None and services.get(name):
                waivers += self._waivers(directive, rel, number, tuple(services[name]))
                continue
            span = Span(rel, below, block_end(lines, below))
            waivers += self._waivers(directive, rel, number, span=span)
        return waivers

    def _compose_file_wide(
        self,
        directive: Directive,
        rel: str,
        number: int,
        layout: ComposeLayout,
        services: ServiceTargets,
    ) -> list[Waiver]:
        if layout.services_line is not None and number > layout.services_line:
            self._problem(rel, number, "ignore-file must stand above 'services:'; not applied")
            return []
        targets = tuple(
            target for name in layout.service_names.values() for target in services.get(name, [])
        )
        if not targets:
            self._problem(rel, number, "this file declares no service to waive")
            return []
        return self._waivers(directive, rel, number, targets)

    def _read(self, text: str, path: str, line: int) -> Directive | None:
        try:
            return read_comment(text)
        except DirectiveError as error:
            self._problem(path, line, str(error))
            return None

    def _waivers(
        self,
        directive: Directive,
        path: str,
        line: int,
        targets: tuple[Target, ...] = (),
        span: Span | None = None,
    ) -> list[Waiver]:
        """One waiver per item the directive names, covering ``targets`` or ``span``."""
        if directive.expires and not _is_date(directive.expires):
            self._problem(path, line, f"{directive.expires} is not a date; not applied")
            return []
        expired = bool(directive.expires) and directive.expires < self.today.isoformat()
        return [
            Waiver(
                item=item,
                source=directive.source,
                path=path,
                line=line,
                reason=directive.reason,
                expires=directive.expires,
                expired=expired,
                rule=rule,
                targets=targets,
                span=span,
            )
            for item, rule in self._items_named(directive, path, line)
        ]

    def _items_named(self, directive: Directive, path: str, line: int) -> list[tuple[str, str]]:
        """(item id, rule id as written) for each item the directive waives."""
        if directive.source is WaiverSource.INLINE:
            named = []
            for item in directive.ids:
                if item in self.items:
                    named.append((item, ""))
                else:
                    self._problem(path, line, f"no checklist item is named {item!r}")
            return named
        named = [
            (item, rule)
            for rule in directive.ids
            for item in self.tools.items_for(directive.source, rule)
        ]
        if not named:
            log.debug("%s:%s: %s ids with no item: %s", path, line, directive.source, directive)
        return named

    def _problem(self, path: str, line: int, reason: str) -> None:
        self.problems.append(Problem(path, line, f"waiver comment: {reason}"))


def _span_below(
    path: str, instructions: list[Instruction], starts: list[int], line: int
) -> Span | None:
    """The lines of the first instruction below ``line``, heredoc bodies included."""
    index = bisect_right(starts, line)
    if index == len(instructions):
        return None
    instruction = instructions[index]
    last = max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])
    return Span(path, instruction.start_line, last)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
