"""The walk's main view: one item with its question, answers, evidence and guidance."""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.widgets import Static

from reviewtui.checklists import Item
from reviewtui.model import Finding, Status
from reviewtui.report.summary import action_of
from reviewtui.review.model import ItemState, Verdict
from reviewtui.tui.hanging import HangingText, Line
from reviewtui.tui.render import (
    FINDING_INDENT,
    finding_lines,
    heading,
    plain,
    prose,
    severity_content,
    verdict_content,
)
from reviewtui.tui.widgets.lazy_static import LazyStatic

_DOCKERFILE_LINE = re.compile(
    r"^(FROM|ARG|RUN|COPY|ADD|USER|ENV|WORKDIR|EXPOSE|HEALTHCHECK|CMD|ENTRYPOINT|LABEL)\s"
)
TARGETS_SHOWN = 25
"""Targets drawn per item until the reviewer asks for all of them."""

# Failing targets first: they are what the reviewer has to look at.
_STATUS_ORDER = (Status.FAIL, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)
_YAML_KEY = re.compile(r"^\s*[\w.-]+:(\s|$)")


class ItemView(VerticalScroll):
    """Everything about one item; the reviewer's part first, the guidance after.

    Wide terminals lay the two halves side by side (see the stylesheet). What it draws
    for an item is kept (see :class:`ItemSections`), so walking back to an item, or
    showing it again after an answer, builds only what changed.
    """

    all_targets = False
    """Draw every target, not only the first :data:`TARGETS_SHOWN`."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._sections = SectionCache()
        self._item_id = ""

    def compose(self) -> ComposeResult:
        """Empty sections, filled by :meth:`show`."""
        with Vertical(id="item-main"):
            yield LazyStatic(id="item-heading")
            yield LazyStatic(id="item-question", classes="section")
            yield LazyStatic(id="item-answer", classes="section")
            yield LazyStatic(id="item-detected", classes="section")
        with Vertical(id="item-guide"):
            yield LazyStatic(id="item-why", classes="section")
            yield LazyStatic(id="item-fix", classes="section")
            yield LazyStatic(id="item-example", classes="code")
            yield LazyStatic(id="item-references", classes="section")

    @property
    def target_limit(self) -> int | None:
        """How many targets are drawn: None for all of them."""
        return None if self.all_targets else TARGETS_SHOWN

    def show(self, state: ItemState) -> None:
        """Show ``state``'s item; scrolls back to the top when the item changes."""
        item = state.item
        changed = self._item_id != item.id
        self._item_id = item.id
        sections = self._sections.get(state, self.target_limit)
        self._set("#item-heading", sections.heading)
        self._set("#item-question", sections.question)
        self._set("#item-answer", sections.answer)
        self._set("#item-detected", sections.detected)
        self._set("#item-why", sections.why)
        self._set("#item-fix", sections.fix)
        example = self.query_one("#item-example", Static)
        example.display = sections.example is not None
        if sections.example is not None:
            self._set("#item-example", sections.example)
        self._set("#item-references", sections.references)
        if changed:
            self.scroll_home(animate=False)

    def prepare(self, state: ItemState) -> None:
        """Build what :meth:`show` would draw for ``state``, wrap each section at the
        width it is drawn now (each keeps its wrap) and draw the rows a screen shows of
        it: the walk calls this for the next item while the reviewer reads the one
        shown."""
        sections = self._sections.get(state, self.target_limit)
        # The item opens at its top: no section shows more rows than the view has.
        rows = self.scrollable_content_region.height
        for selector, content in (
            ("#item-heading", sections.heading),
            ("#item-question", sections.question),
            ("#item-answer", sections.answer),
            ("#item-detected", sections.detected),
            ("#item-why", sections.why),
            ("#item-fix", sections.fix),
            ("#item-example", sections.example),
            ("#item-references", sections.references),
        ):
            static = self.query_one(selector, LazyStatic)
            if content is not None:
                static.predraw(content, rows)

    def _set(self, selector: str, content: Content | HangingText) -> None:
        static = self.query_one(selector, Static)
        # The same object drawn again changes nothing: its layout and strips can stay.
        if static.content is not content:
            static.update(content)


@dataclass(frozen=True)
class ItemSections:
    """What the item view draws for one state of one item, section by section."""

    heading: Content
    question: Content
    answer: Content
    detected: HangingText
    why: Content
    fix: Content
    example: Content | None
    """The example highlighted, or None when the item has none."""
    references: Content


class SectionCache:
    """The sections drawn for the last items shown, each kept while its state is the
    one the session gives (see :meth:`ReviewSession.state`): the same object until
    the findings, the waivers or the answer change."""

    KEPT = 8
    """Items whose sections are kept; an item with every target drawn can be big."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[ItemState, int | None, str, ItemSections]] = (
            OrderedDict()
        )

    def get(self, state: ItemState, limit: int | None) -> ItemSections:
        """The sections of ``state`` with at most ``limit`` targets, built on first use."""
        item_id = state.item.id
        today = _today()
        kept = self._kept.get(item_id)
        if kept is not None and kept[0] is state and kept[1] == limit and kept[2] == today:
            self._kept.move_to_end(item_id)
            return kept[3]
        same_item = kept is not None and kept[0].item is state.item
        sections = _build_sections(state, limit, today, kept[3] if kept and same_item else None)
        self._kept[item_id] = (state, limit, today, sections)
        self._kept.move_to_end(item_id)
        while len(self._kept) > self.KEPT:
            self._kept.popitem(last=False)
        return sections


def _build_sections(
    state: ItemState, limit: int | None, today: str, earlier: ItemSections | None
) -> ItemSections:
    """Every section of ``state``; those that depend on the item alone come from
    ``earlier`` (the same item's sections for another state) when there are some."""
    item = state.item
    if earlier is not None:
        guide = (earlier.question, earlier.why, earlier.fix, earlier.example, earlier.references)
    else:
        example = (
            highlight(item.example, language=example_language(item.example))
            if item.example
            else None
        )
        guide = (
            Content.assemble(heading("Question"), "\n", prose(item.question)),
            Content.assemble(heading("Why it matters"), "\n", prose(item.why)),
            Content.assemble(heading("How to fix"), "\n", prose(item.fix)),
            example,
            references_content(item),
        )
    question, why, fix, example, references = guide
    return ItemSections(
        heading=_heading(state),
        question=question,
        answer=answer_content(state, today),
        detected=detected_content(state, limit),
        why=why,
        fix=fix,
        example=example,
        references=references,
    )


def _today() -> str:
    """Today's UTC date, which decides whether an action item is overdue."""
    return datetime.now(UTC).date().isoformat()


def _heading(state: ItemState) -> Content:
    item = state.item
    return Content.assemble(
        (item.title, "bold"),
        "\n",
        (item.id, "$text-muted"),
        "  ·  ",
        severity_content(item.severity),
        "  ·  ",
        (who_answers(state), "$text-muted"),
    )


def who_answers(state: ItemState) -> str:
    """Who gives this item its answer: the project's files, or a person."""
    if not state.item.automatic:
        return "a person answers this"
    if not state.findings:
        return "nothing in the project answers this"
    hosts = sorted({f.target.host for f in state.findings if f.target.host})
    if not hosts:
        return "detected from files"
    engines = f"engine{'s' if len(hosts) > 1 else ''} {', '.join(hosts)}"
    if all(f.target.host for f in state.findings):
        return f"detected live from {engines}"
    return f"detected from files and {engines}"


def answer_content(state: ItemState, today: str | None = None) -> Content:
    """The reviewer's answer, reason and note, and a warning if detection moved since;
    ``today`` (default: the UTC date) decides whether an action item is overdue."""
    parts: list[Content] = [heading("Your answer")]
    answer = state.answer
    if state.answered and answer is not None and answer.verdict is not None:
        parts.append(verdict_content(answer.verdict, bold=True))
        if answer.verdict is Verdict.ACCEPTED_RISK and answer.reason:
            parts.append(Content.assemble(("Reason: ", "bold"), plain(answer.reason)))
    elif state.waived:
        parts.append(
            Content.assemble(
                (
                    "Not answered yet: every failing target is waived, so it counts as ",
                    "$text-muted",
                ),
                verdict_content(Verdict.ACCEPTED_RISK),
                ("; 1-4 answer otherwise.", "$text-muted"),
            )
        )
    elif state.detected is Status.UNKNOWN:
        parts.append(
            Content.styled(
                "Not answered yet: 1 pass, 2 fail, 3 not applicable, 4 accepted risk.",
                "$text-muted",
            )
        )
    else:
        parts.append(
            Content.assemble(
                ("Not answered yet: c confirms the detected ", "$text-muted"),
                verdict_content(state.detected),
                ("; 1-4 answer otherwise.", "$text-muted"),
            )
        )
    if state.note:
        parts.append(Content.assemble(("Note: ", "bold"), plain(state.note)))
    action = action_content(state, today)
    if action is not None:
        parts.append(action)
    if state.detection_changed and answer is not None and answer.detected is not None:
        parts.append(
            Content.styled(
                f"⚠ The detected answer changed since you answered: it was "
                f"{answer.detected.label}, it is {state.detected.label} now.",
                "bold $text-warning",
            )
        )
    return Content("\n").join(parts)


def action_content(state: ItemState, today: str | None = None) -> Content | None:
    """``Action: owner @x, due 2027-01-31``, and whether it is overdue or done; None
    when the item has no owner or due date. ``today`` defaults to the UTC date."""
    action = action_of(state, today or datetime.now(UTC).date().isoformat())
    if action is None:
        return None
    words = ", ".join(
        part
        for part in (
            f"owner {action.owner}" if action.owner else "",
            f"due {action.due}" if action.due else "",
        )
        if part
    )
    parts: list[Content | tuple[str, str] | str] = [("Action: ", "bold"), plain(words)]
    if action.done:
        parts.append((f" (done: {action.state.verdict.label} now)", "$text-success"))
    elif action.overdue:
        parts.append((" (overdue)", "bold $text-error"))
    parts.append(("   o changes it", "$text-muted"))
    return Content.assemble(*parts)


def detected_content(state: ItemState, limit: int | None = None) -> HangingText:
    """The detected answer rolled up, then per target with its evidence, failing first.

    ``limit`` caps the targets drawn: a big project has hundreds per item, and drawing
    them all makes every step of the walk slow.
    """
    item = state.item
    title = Content.assemble(heading("Detected"), "  ", verdict_content(state.detected, True))
    if not item.automatic:
        return HangingText(
            [
                Line(title),
                Line(
                    Content.assemble(
                        ("No detector answers this item. Look at: ", "$text-muted"),
                        prose(item.evidence),
                    )
                ),
            ]
        )
    if not state.findings:
        return HangingText(
            [
                Line(title),
                Line(
                    Content.assemble(
                        (
                            "Nothing in this project is a target of this item, so a person "
                            "must answer it. Look at: ",
                            "$text-muted",
                        ),
                        prose(item.evidence),
                    )
                ),
            ]
        )
    failing = sum(1 for f in state.findings if f.status is Status.FAIL)
    waived = sum(1 for f in state.findings if state.waiver_for(f) is not None)
    summary = ""
    if failing:
        waived_note = f", {waived} waived" if waived else ""
        summary = f"  ({failing} of {len(state.findings)} targets fail{waived_note})"
    lines = [Line(Content.assemble(title, (summary, "$text-muted")))]
    ordered = sorted(state.findings, key=lambda f: _STATUS_ORDER.index(f.status))
    shown = ordered if limit is None else ordered[:limit]
    for finding in shown:
        lines.extend(_finding_with_waivers(state, finding))
    if len(shown) < len(ordered):
        lines.append(Line(_more_targets(ordered[len(shown) :])))
    return HangingText(lines)


def _finding_with_waivers(state: ItemState, finding: Finding) -> list[Line]:
    """A target's finding, then the waiver in force for it and any that expired."""
    lines = finding_lines(finding)
    waiver = state.waiver_for(finding)
    if waiver is not None:
        lines.append(Line(plain("⚑ " + waiver.describe(), "$text-secondary"), FINDING_INDENT))
    lines.extend(
        Line(plain("⚠ " + old.describe(), "$text-warning"), FINDING_INDENT)
        for old in state.expired_waivers_for(finding)
    )
    return lines


def _more_targets(hidden: list[Finding]) -> Content:
    """The line that stands for the targets not drawn, with their statuses counted."""
    counts = Counter(finding.status for finding in hidden)
    by_status = ", ".join(
        f"{counts[status]} {status.label}" for status in _STATUS_ORDER if counts[status]
    )
    return Content.styled(
        f"… and {len(hidden)} more targets ({by_status}): press t to show them all; "
        "the report lists every one.",
        "$text-warning",
    )


def references_content(item: Item) -> Content:
    """CIS numbers, other tools' ids and links, one kind per line."""
    refs = item.references
    lines = [heading("References")]
    if refs.cis:
        lines.append(
            Content.assemble(("CIS Docker Benchmark  ", "bold"), plain(", ".join(refs.cis)))
        )
    for tool, ids in sorted(refs.tools.items()):
        lines.append(Content.assemble((f"{tool}  ", "bold"), plain(", ".join(ids))))
    lines.extend(plain(link, "$text-secondary") for link in refs.links)
    if len(lines) == 1:
        lines.append(Content.styled("none", "$text-muted"))
    return Content("\n").join(lines)


def example_language(example: str) -> str:
    """A guess at the example's language: Dockerfile, YAML, JSON, else shell."""
    lines = [
        line for line in example.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    if lines and lines[0].lstrip().startswith(("{", "[")):
        return "json"
    if any(_DOCKERFILE_LINE.match(line) for line in lines):
        return "docker"
    if any(_YAML_KEY.match(line) or line.lstrip().startswith("- ") for line in lines):
        return "yaml"
    return "bash"
