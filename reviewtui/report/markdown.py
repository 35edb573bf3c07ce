"""The Markdown report, for a pull request: summary, failing items, action items, every
item with its evidence, sign-off.

Text that came from scanned files is escaped wherever it lands, so a ``|``, a backtick,
``<script>`` or ``[link](...)`` in a Dockerfile cannot break a table or inject markup.
The checklists' own texts keep their code spans and emphasis, but lose HTML, links and
images, since a project's own checklist files are scanned files too. Evidence in a file
links to its line; evidence read from an engine is never a link. The report fits in one
GitHub comment: a longer one folds the passing items into counts, then cuts evidence
rows, and says what it left out.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from urllib.parse import quote

from reviewtui.model import Evidence, Finding, Status
from reviewtui.report.changes_section import changes_section
from reviewtui.report.fix_section import fix_lines
from reviewtui.report.meeting_section import meeting_section
from reviewtui.report.summary import ActionItem, ReportData, action_of, live_hosts
from reviewtui.review import signing
from reviewtui.review.model import InspectedEngine, ItemState, SignOff, Verdict
from reviewtui.waivers.model import Waiver

log = logging.getLogger(__name__)

_VERDICT_MARK = {
    Verdict.FAIL: "❌",
    Verdict.ACCEPTED_RISK: "⚠️",
    Verdict.UNKNOWN: "❔",
    Verdict.PASS: "✅",
    Verdict.NOT_APPLICABLE: "➖",
}
# Enough to stop emphasis, code, links, tables and strike-through; the rest is harmless.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# In the checklists' texts, outside code spans: HTML, entities, links and images.
_PROSE_SPECIAL = re.compile(r"[\\&<>\[\]]")
_PROSE_ESCAPES = {"\\": "\\\\", "&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"}
_BACKTICKS = re.compile(r"`+")
# What GitHub (or a renderer that links bare host names) would make a link of: a URL with a
# scheme, www., or a host with a common top-level domain or a path, up to a space or pipe.
_AUTOLINK = re.compile(
    r"(?i)(?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://|(?<![a-z0-9])www\.|(?<![\w.@/-])"
    r"(?=[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:[a-z]{2,}(?::\d+)?/|(?:com|net|org|io|dev|app|"
    r"info|biz|co|me|xyz|example|test|local|internal)(?![\w.-]))))[^\s|]*?"
    r"""(?=[.,:;!?*_~'"]*(?:[\s|]|$))"""
)
# A path a link may not be made of: absolute, a URL or drive, or one that leaves the project.
_NOT_A_FILE = re.compile(r"^(/|\\|[A-Za-z][A-Za-z0-9+.-]*:)")
_STATUS_ORDER = (Status.FAIL, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)
MAX_EVIDENCE_ROWS = 20
"""Targets in an item's evidence table, before the report has to be shortened."""
MAX_COMMENT_CHARS = 65_536
"""The longest comment GitHub takes, counted in UTF-16 code units to be safe."""
EVIDENCE_PER_TARGET = 3
"""Evidence locations shown for one target; the rest are counted."""
_CUT_NOTICE_ROOM = 600
"""Room kept for the line that says what was left out, when items are cut."""


@dataclass(frozen=True)
class _Shortening:
    """How much a report leaves out to fit: verdicts whose items are only counted, the
    rows of each evidence table, how many unreadable files and table rows are listed,
    how many of the folded items stay shown all the same (see :func:`_folded`), and how
    many items keep the diffs of their proposed fixes (None: all; see :func:`_diffed`)."""

    folded: tuple[Verdict, ...] = ()
    evidence_rows: int = MAX_EVIDENCE_ROWS
    problems: int | None = None
    listed: int | None = None
    kept: int = 0
    diffs: int | None = None


_FOLD = (Verdict.PASS, Verdict.NOT_APPLICABLE)
# Tried in order until the report fits; each keeps as many of the items it folds as fit,
# and the last one also cuts items when it must. The diffs of the proposed fixes stay
# until passing items are folded and evidence tables cut to five rows: they are what a
# pull request can act on, and the JSON report keeps all the evidence anyway.
_SHORTENINGS = (
    _Shortening(),
    _Shortening(_FOLD, MAX_EVIDENCE_ROWS, 50),
    _Shortening(_FOLD, 10, 50),
    _Shortening(_FOLD, 5, 20),
    _Shortening(_FOLD, 5, 20, diffs=0),
    _Shortening(_FOLD, 2, 20, diffs=0),
    _Shortening((*_FOLD, Verdict.UNKNOWN), 2, 10, 100, diffs=0),
    _Shortening((*_FOLD, Verdict.UNKNOWN), 1, 10, 50, diffs=0),
)
_WITHOUT_FIXES = tuple(dict.fromkeys(replace(s, diffs=None) for s in _SHORTENINGS))
"""The same steps for a report that proposes no fix, where dropping diffs changes nothing."""


def render_markdown(data: ReportData, link_base: str = "", limit: int = MAX_COMMENT_CHARS) -> str:
    """The whole report as GitHub-flavoured Markdown, at most ``limit`` characters.

    ``link_base`` is put before each file's path (relative to the project) to link its
    evidence: empty for links relative to the project's root, ``../`` for a report one
    folder down, or a URL ending in ``/``.
    """
    # TODO: the seal holds the diffs of every proposed fix, also those the body leaves
    # out to fit, so a long report with fixes has less room for its text than it could.
    seal = _seal(data, link_base, limit)
    return report_body(data, link_base, limit - comment_length(seal)) + seal


def report_body(data: ReportData, link_base: str, limit: int) -> str:
    """The report without the seal at its end, at most ``limit`` characters; ``reviewtui
    verify`` renders it again with the room the report's own seal left."""
    with_fixes = len(_with_fixes(data))
    # Every attempt renders the same items again: each block is made once.
    items = _Made()
    for shortening in _SHORTENINGS if with_fixes else _WITHOUT_FIXES:
        report = _fitting(data, link_base, shortening, items, limit)
        if report is None:
            continue
        fit = _Fitting(data, link_base, limit, items)
        if shortening.diffs == 0 and with_fixes:
            # Diffs before the details of folded items: the diffs are what can be acted on.
            shortening, report = fit.most(shortening, "diffs", with_fixes, report)
        return fit.most(shortening, "kept", len(_folded(data, shortening)), report)[1]
    return _cut_to_fit(data, link_base, _SHORTENINGS[-1], limit, items)


@dataclass
class _Made:
    """What the attempts at fitting one report (one ``data``, one link base) render
    again, made once: item blocks by item id, evidence rows and whether its diffs show;
    and by item id, the lines before an item's evidence table and the table's rows,
    which no shortening changes (a shorter table shows fewer of the same rows)."""

    blocks: dict[_Key, list[str]] = field(default_factory=dict)
    heads: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, _EvidenceTable] = field(default_factory=dict)
    sizes: dict[_Key, int] = field(default_factory=dict)

    def size(self, key: _Key | None, block: list[str]) -> int:
        """What ``block`` adds to a report's length, with the line break after it; kept
        for an item's block (``key`` None for another block)."""
        if key is None:
            return comment_length("\n".join(block)) + 1
        if key not in self.sizes:
            self.sizes[key] = comment_length("\n".join(block)) + 1
        return self.sizes[key]


_Key = tuple[str, int, bool]
"""An item block's key: the item's id, its evidence rows and whether its diffs show."""


def _render(
    data: ReportData,
    link_base: str,
    shortening: _Shortening,
    items: _Made | None = None,
) -> str:
    head, blocks, tail = _parts(data, link_base, shortening, cut=0, items=items)
    return _join(head, [line for block in blocks for line in block], tail)


@dataclass(frozen=True)
class _Fitting:
    """A report being fitted into ``limit`` characters."""

    data: ReportData
    link_base: str
    limit: int
    items: _Made

    def most(
        self, shortening: _Shortening, field: str, high: int, fitting: str
    ) -> tuple[_Shortening, str]:
        """``shortening`` with its count ``field`` (items kept, items with diffs) as high
        as still fits, found by halving up to ``high``, and its report; ``fitting`` is
        the report of ``shortening`` as given, which fits."""
        low, best = getattr(shortening, field), shortening
        while low < high:
            middle = (low + high + 1) // 2
            tried = replace(shortening, **{field: middle})
            report = _fitting(self.data, self.link_base, tried, self.items, self.limit)
            if report is not None:
                low, best, fitting = middle, tried, report
            else:
                high = middle - 1
        return best, fitting


def _fitting(
    data: ReportData, link_base: str, shortening: _Shortening, items: _Made, limit: int
) -> str | None:
    """The report of ``shortening`` when it fits in ``limit`` characters, else None.

    An attempt whose item blocks alone are too long is given up as soon as they are,
    before the blocks after them are made. Each block takes its size in the report, as
    the sign-off always comes after the blocks and the report loses only what trails it.
    """
    size = 0
    for key, block in _blocks(data, link_base, shortening, items):
        size += items.size(key, block)
        if size > limit:
            return None
    report = _render(data, link_base, shortening, items)
    return report if comment_length(report) <= limit else None


def _with_fixes(data: ReportData) -> list[str]:
    """The failing items that carry proposed fixes, in report order."""
    return [
        state.item.id
        for state in data.states
        if state.verdict is Verdict.FAIL
        and (fixes := data.fixes.get(state.item.id))
        and fixes.fixes
    ]


def _diffed(data: ReportData, shortening: _Shortening) -> set[str]:
    """The items whose fixes show their diffs: the first ``diffs`` of them, or all."""
    ids = _with_fixes(data)
    return set(ids if shortening.diffs is None else ids[: shortening.diffs])


def comment_length(report: str) -> int:
    """The length GitHub measures a comment by, in UTF-16 code units (never less than
    the number of characters)."""
    return len(report.encode("utf-16-le")) // 2


@functools.lru_cache(maxsize=8192)
def text(value: str) -> str:
    """Plain text made inert: Markdown punctuation escaped, HTML turned into entities, and
    anything a renderer would turn into a link (``scheme://``, ``www.``, ``host.tld/path``)
    put in a code span, which no renderer links. Cached: a report repeats its reasons
    and targets many times."""
    # TODO: an @name or #123 from a scanned file still mentions a user or links an issue
    # on GitHub, and name@host.tld still becomes a mailto link; only a code span stops
    # that, and owners must stay mentions and signers' addresses plain.
    flat = " ".join(value.split())
    out: list[str] = []
    position = 0
    for link in _AUTOLINK.finditer(flat):
        out += [_inert(flat[position : link.start()]), code(link.group())]
        position = link.end()
    out.append(_inert(flat[position:]))
    return "".join(out)


def _inert(value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def code(value: str, in_table: bool = True) -> str:
    """An inline code span that holds any text, including backticks; ``in_table`` escapes
    pipes too, which a table needs and which shows a backslash anywhere else."""
    flat = " ".join(value.split())
    if in_table:
        flat = flat.replace("|", "\\|")
    if not flat:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or longest else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


@functools.lru_cache(maxsize=4096)
def prose(value: str, in_table: bool = False) -> str:
    """A checklist's own Markdown on one line, with its code spans and emphasis kept but
    no HTML, link or image; ``in_table`` also escapes pipes, for a table cell. Cached: a
    report that has to be shortened is rendered several times."""
    flat = " ".join(value.split())
    out: list[str] = []
    position = 0
    while position < len(flat):
        opening = _BACKTICKS.search(flat, position)
        if opening is None:
            out.append(_prose_plain(flat[position:], in_table))
            break
        closing = _closing_backticks(flat, opening)
        out.append(_prose_plain(flat[position : opening.start()], in_table))
        if closing is None:
            # No run of as many backticks closes it: the backticks are literal text.
            out.append("\\`" * len(opening.group()))
            position = opening.end()
            continue
        span = flat[opening.start() : closing.end()]
        out.append(span.replace("|", "\\|") if in_table else span)
        position = closing.end()
    return "".join(out)


def _closing_backticks(value: str, opening: re.Match[str]) -> re.Match[str] | None:
    """The run of exactly as many backticks that closes a code span, if there is one."""
    for run in _BACKTICKS.finditer(value, opening.end()):
        if len(run.group()) == len(opening.group()):
            return run
    return None


def _prose_plain(value: str, in_table: bool) -> str:
    out: list[str] = []
    position = 0
    for link in _AUTOLINK.finditer(value):
        out += [_prose_escaped(value[position : link.start()], in_table), code(link.group())]
        position = link.end()
    out.append(_prose_escaped(value[position:], in_table))
    return "".join(out)


def _prose_escaped(value: str, in_table: bool) -> str:
    escaped = _PROSE_SPECIAL.sub(lambda m: _PROSE_ESCAPES[m.group()], value)
    return escaped.replace("|", "\\|") if in_table else escaped


# The parts of a report


def _parts(
    data: ReportData,
    link_base: str,
    shortening: _Shortening,
    cut: int,
    items: _Made | None = None,
) -> tuple[list[str], list[list[str]], list[str]]:
    """The head (title to unreadable files), the blocks of the checklist sections, and
    the tail (sign-off); ``cut`` is how many items the caller leaves out at the end, and
    ``items`` keeps the items' blocks for other calls."""
    items = _Made() if items is None else items
    head = [
        f"# Docker security review: {text(data.project)}",
        "",
        _overview_line(data),
        "",
        *_summary_table(data),
        "",
        *_left_out_notice(data, shortening, cut),
        *changes_section(data),
        *_failing_items(data, shortening),
        *_action_items(data, shortening),
        *_engines(data),
        *_problems(data, shortening),
    ]
    blocks = [block for _, block in _blocks(data, link_base, shortening, items)]
    return head, blocks, [*meeting_section(data.meetings, data.states), *_signoffs(data)]


def _blocks(
    data: ReportData, link_base: str, shortening: _Shortening, items: _Made
) -> Iterator[tuple[_Key | None, list[str]]]:
    """The blocks of the checklist sections in order, each with its key when it is an
    item's; an item's block is made when it is first asked for, and kept in ``items``."""
    inspected = {engine.host: engine for engine in data.engines}
    folded_ids = _folded(data, shortening)
    diffed = _diffed(data, shortening)
    for section in data.sections:
        yield None, [f"## {text(section.checklist.title)}", ""]
        folded = Counter(s.verdict for s in section.states if s.item.id in folded_ids)
        for state in section.states:
            if state.item.id not in folded_ids:
                key = (state.item.id, shortening.evidence_rows, state.item.id in diffed)
                if key not in items.blocks:
                    items.blocks[key] = _item(state, inspected, data, link_base, key, items)
                yield key, items.blocks[key]
        if folded:
            yield None, [f"*Not shown to fit the comment limit: {_counted(folded)}.*", ""]


def _folded(data: ReportData, shortening: _Shortening) -> set[str]:
    """The ids of the items a shortening only counts: those of its folded verdicts but the
    ``kept`` first of them, needs-a-person items before passing ones before the rest and
    the most severe first, since a reader is likelier to need those."""
    folded = [s for s in data.states if s.verdict in shortening.folded]
    order = (Verdict.UNKNOWN, Verdict.PASS)
    folded.sort(
        key=lambda s: (order.index(s.verdict) if s.verdict in order else 2, -s.item.severity.rank)
    )
    return {s.item.id for s in folded[shortening.kept :]}


def _join(head: list[str], body: list[str], tail: list[str]) -> str:
    return "\n".join([*head, *body, *tail]).rstrip() + "\n"


def _cut_to_fit(
    data: ReportData, link_base: str, shortening: _Shortening, limit: int, items: _Made
) -> str:
    """The most shortened report with as many item blocks as fit, then a line that says
    how many items were cut; the sign-off always stays."""
    head, blocks, tail = _parts(data, link_base, shortening, cut=len(data.states), items=items)
    budget = limit - comment_length(_join(head, [], tail)) - _CUT_NOTICE_ROOM
    kept: list[list[str]] = []
    for block in blocks:
        size = comment_length("\n".join(block)) + 1
        if size > budget:
            break
        kept.append(block)
        budget -= size
    shown = sum(1 for block in kept if block and block[0].startswith("### "))
    items_shown = len(data.states) - len(_folded(data, shortening))
    cut = max(items_shown - shown, 0)
    head, _, tail = _parts(data, link_base, shortening, cut=cut, items=items)
    body = [line for block in kept for line in block]
    if cut:
        body += [
            f"*{counted(cut, 'more item')} {_are(cut)} cut here to fit the comment limit.*",
            "",
        ]
    report = _join(head, body, tail)
    if comment_length(report) > limit:
        # Only a head too long by itself gets here: keep what fits, line by line.
        report = _cut_lines([*head, *body], tail, limit)
    return report


def _cut_lines(lines_before: list[str], tail: list[str], limit: int) -> str:
    ending = ["", "*The report is cut here to fit the comment limit.*", "", *tail]
    budget = limit - comment_length("\n".join(ending)) - 2
    lines: list[str] = []
    for line in lines_before:
        budget -= comment_length(line) + 1
        if budget < 0:
            break
        lines.append(line)
    return _join(lines, [], ending)


def _counted(counts: Counter[Verdict]) -> str:
    words = {
        Verdict.PASS: "passing",
        Verdict.NOT_APPLICABLE: "not-applicable",
        Verdict.UNKNOWN: "needs-a-person",
        Verdict.ACCEPTED_RISK: "accepted-risk",
        Verdict.FAIL: "failing",
    }
    parts = [f"{counts[v]} {words[v]}" for v in _VERDICT_MARK if counts[v]]
    total = sum(counts.values())
    joined = " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + f" and {parts[-1]}"
    return f"{joined} item{'s' if total != 1 else ''}"


def counted(count: int, noun: str) -> str:
    """``1 more target``, ``2 more targets``: a count with its noun, plural when it must."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _left_out_notice(data: ReportData, shortening: _Shortening, cut: int) -> list[str]:
    """Says what a shortened report leaves out, right under its first line."""
    left_out = []
    folded_ids = _folded(data, shortening)
    folded = Counter(s.verdict for s in data.states if s.item.id in folded_ids)
    if folded:
        left_out.append(f"the details of {_counted(folded)} (the table counts them)")
    shown = [s for s in data.states if s.item.id not in folded_ids]
    if any(len(s.findings) > shortening.evidence_rows for s in shown):
        rows = shortening.evidence_rows
        left_out.append(f"evidence beyond {rows} target{'s' if rows != 1 else ''} per item")
    if shortening.problems is not None and len(data.problems) > shortening.problems:
        left_out.append(
            f"{len(data.problems) - shortening.problems} of the files that could not be read"
        )
    listed = shortening.listed
    if listed is not None and (_failing_count(data) > listed or len(data.action_items) > listed):
        left_out.append(f"rows beyond {listed} in the failing and action tables")
    without_diff = len(_with_fixes(data)) - len(_diffed(data, shortening))
    if without_diff:
        left_out.append(
            f"the diffs of the proposed fixes of {counted(without_diff, 'item')} "
            "(`reviewtui fix` prints them)"
        )
    if cut:
        left_out.append(f"{counted(cut, 'item')} at the end")
    if not left_out:
        return []
    return [
        f"> **Shortened to fit GitHub's comment limit ({MAX_COMMENT_CHARS:,} characters).** "
        f"Left out: {'; '.join(left_out)}. The JSON report (`--format json`) holds "
        "everything.",
        "",
    ]


def _overview_line(data: ReportData) -> str:
    counts = ", ".join(
        f"{data.count(v)} {v.label}"
        for v in (
            Verdict.FAIL,
            Verdict.ACCEPTED_RISK,
            Verdict.UNKNOWN,
            Verdict.PASS,
            Verdict.NOT_APPLICABLE,
        )
    )
    scanned = f"scanned {data.scanned_at}" if data.scanned_at else "not scanned"
    return f"{len(data.states)} items ({counts}); {scanned} with reviewtui {data.tool_version}."


def _summary_table(data: ReportData) -> list[str]:
    columns = (
        Verdict.FAIL,
        Verdict.ACCEPTED_RISK,
        Verdict.UNKNOWN,
        Verdict.PASS,
        Verdict.NOT_APPLICABLE,
    )
    lines = [
        "| Checklist | " + " | ".join(v.label.capitalize() for v in columns) + " | Answered |",
        "|---|" + "---:|" * len(columns) + "---:|",
    ]
    for section in data.sections:
        cells = " | ".join(str(section.count(v)) for v in columns)
        lines.append(
            f"| {text(section.checklist.title)} | {cells} | "
            f"{section.answered}/{len(section.states)} |"
        )
    return lines


def _failing_count(data: ReportData) -> int:
    return data.count(Verdict.FAIL)


def _failing_items(data: ReportData, shortening: _Shortening) -> list[str]:
    """Every failing item in one table, worst first, so a reader sees them at once."""
    failing = [state for state in data.states if state.verdict is Verdict.FAIL]
    if not failing:
        return []
    failing.sort(key=lambda s: -s.item.severity.rank)
    titles = {section.checklist.name: section.checklist.title for section in data.sections}
    lines = [
        "## Failing items",
        "",
        "| Severity | Item | Checklist | Failing targets |",
        "|---|---|---|---|",
    ]
    shown = failing if shortening.listed is None else failing[: shortening.listed]
    for state in shown:
        item = state.item
        lines.append(
            f"| {item.severity.value} | {prose(item.title, in_table=True)} (`{item.id}`) | "
            f"{text(titles.get(item.checklist, item.checklist))} | "
            f"{_failing_targets(state, data)} |"
        )
    if len(shown) < len(failing):
        lines.append(f"| … | {counted(len(failing) - len(shown), 'more failing item')} | | |")
    return lines + [""]


def _failing_targets(state: ItemState, data: ReportData) -> str:
    """How many targets fail (waived ones apart), or whose word it is."""
    failing, waived = data.failing_targets[state.item.id]
    if not failing:
        return "answered fail by a reviewer" if state.answered else "none detected"
    return f"{failing} of {len(state.findings)}" + (f" ({waived} waived)" if waived else "")


def _action_items(data: ReportData, shortening: _Shortening) -> list[str]:
    """The items someone has to fix, as a task list: open ones first, soonest due first."""
    actions = data.action_items
    if not actions:
        return []
    lines = ["## Action items", ""]
    shown = actions if shortening.listed is None else actions[: shortening.listed]
    for action in shown:
        state = action.state
        box = "x" if action.done else " "
        lines.append(
            f"- [{box}] **{prose(state.item.title)}** (`{state.item.id}`) — "
            f"{_action_words(action)}"
        )
    if len(shown) < len(actions):
        lines.append(f"- {counted(len(actions) - len(shown), 'more action item')}")
    return lines + [""]


def _action_words(action: ActionItem) -> str:
    """``owner @x, due 2027-01-31``, and whether it is overdue or done."""
    parts = []
    if action.owner:
        parts.append(f"owner {text(action.owner)}")
    if action.due:
        parts.append(f"due {text(action.due)}")
    words = ", ".join(parts)
    if action.done:
        words += f" — done: {action.state.verdict.label} now"
    elif action.overdue:
        words += " — **overdue**"
    return words


def _engines(data: ReportData) -> list[str]:
    """Which engines the live items were answered from, when, and which could not be read."""
    if not data.engines:
        return []
    lines = [
        "## Live engines",
        "",
        "| Engine | Address | Inspected | Version | Containers | Images | Swarm services |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for engine in data.engines:
        version = text(engine.server_version) if not engine.error else "not reachable"
        lines.append(
            f"| {text(engine.host)} | {code(engine.url)} | {text(engine.inspected_at)} | "
            f"{version} | {engine.containers} | {engine.images} | {engine.swarm_services} |"
        )
    lines.append("")
    for engine in data.engines:
        if engine.error:
            lines += [f"- **{text(engine.host)}:** {text(engine.error)}"]
    if any(engine.error for engine in data.engines):
        lines += [
            "",
            "Items an unreachable engine would answer read *needs a person*; the files "
            "were reviewed all the same.",
            "",
        ]
    return lines


def _problems(data: ReportData, shortening: _Shortening) -> list[str]:
    if not data.problems:
        return []
    shown = data.problems if shortening.problems is None else data.problems[: shortening.problems]
    lines = ["## Files that could not be read", ""]
    lines += [f"- {text(problem)}" for problem in shown]
    if len(shown) < len(data.problems):
        lines.append(f"- … and {len(data.problems) - len(shown)} more")
    return lines + [""]


def _item(
    state: ItemState,
    engines: dict[str, InspectedEngine],
    data: ReportData,
    link_base: str,
    key: _Key,
    made: _Made,
) -> list[str]:
    """The block of one item, with at most ``rows`` evidence rows and the diffs of its
    fixes when ``diffed`` (the last two parts of ``key``)."""
    item = state.item
    _, rows, diffed = key
    if item.id not in made.heads:
        made.heads[item.id] = _item_head(state, engines, data.today)
    lines = list(made.heads[item.id])
    verdict = state.verdict
    if state.findings:
        if item.id not in made.tables:
            made.tables[item.id] = _EvidenceTable.of(state, link_base)
        lines += made.tables[item.id].lines(rows)
    elif item.automatic and not state.answered:
        lines += [
            "Nothing in the project answers this item (no file it applies to was "
            "found), so a person must.",
            "",
        ]
    if verdict is Verdict.UNKNOWN and item.evidence:
        lines += [f"*What counts as evidence:* {prose(item.evidence)}", ""]
    if verdict in (Verdict.FAIL, Verdict.ACCEPTED_RISK):
        lines += [f"**Fix:** {prose(item.fix)}", ""]
    if verdict is Verdict.FAIL:
        lines += fix_lines(data.fixes.get(item.id), diffed)
    return lines


def _item_head(state: ItemState, engines: dict[str, InspectedEngine], today: str) -> list[str]:
    """An item's lines before its evidence: title, verdict, question, answer, action,
    waivers and the engines it was answered from."""
    item = state.item
    verdict = state.verdict
    cis = ", ".join(text(number) for number in item.references.cis)
    lines = [
        f"### {_VERDICT_MARK[verdict]} {prose(item.title)}",
        "",
        f"`{item.id}` · **{verdict.label}** · severity {item.severity.value}"
        + (f" · CIS {cis}" if cis else ""),
        "",
        prose(item.question),
        "",
    ]
    lines += _answer_lines(state)
    lines += _action_line(state, today)
    lines += _waiver_lines(state)
    lines += _live_line(state, engines)
    return lines


def _action_line(state: ItemState, today: str) -> list[str]:
    action = action_of(state, today)
    if action is None:
        return []
    return [f"**Action:** {_action_words(action)}", ""]


def _live_line(state: ItemState, engines: dict[str, InspectedEngine]) -> list[str]:
    # An engine that was never reached answered nothing, whatever its findings say.
    hosts = [
        host for host in live_hosts(state) if host not in engines or engines[host].server_version
    ]
    if not hosts:
        return []
    where = ", ".join(
        f"{text(host)} (inspected {text(engines[host].inspected_at)})"
        if host in engines
        else text(host)
        for host in hosts
    )
    return [f"*Answered live from* {where}.", ""]


def _answer_lines(state: ItemState) -> list[str]:
    lines = []
    detected = "needs a person" if not state.item.automatic else state.detected.label
    if state.answered and state.answer is not None and state.answer.verdict is not None:
        answer = f"**Reviewer:** {state.answer.verdict.label} (detected: {detected})"
        if state.answer.reason:
            answer += f" — {text(state.answer.reason)}"
        lines += [answer, ""]
        if state.detection_changed:
            lines += ["> The detected answer changed after the reviewer answered.", ""]
    elif state.waived:
        lines += [
            f"**Detected:** {detected}; every failing target is waived, so it counts as an "
            "accepted risk (not yet confirmed by a reviewer)",
            "",
        ]
    else:
        lines += [f"**Detected:** {detected} (not yet confirmed by a reviewer)", ""]
    if state.note:
        lines += ["**Note:**", ""]
        lines += [f"> {_note_line(line)}" for line in state.note.splitlines()]
        lines.append("")
    return lines


def _note_line(line: str) -> str:
    # Notes are the reviewer's own words: Markdown stays, HTML does not.
    return line.replace("<", "&lt;").replace(">", "&gt;")


def _waiver_lines(state: ItemState) -> list[str]:
    """Every waiver naming the item: in force or expired, who, why, until when, where."""
    if not state.waivers:
        return []
    lines = ["**Waivers:**", ""]
    for waiver in state.waivers:
        line = f"- {text(waiver.describe())}"
        if waiver.expired:
            line += " — counts as not waived"
        lines.append(line)
    return lines + [""]


def _evidence_table(state: ItemState, link_base: str, rows: int) -> list[str]:
    """The evidence table of ``state`` with at most ``rows`` rows (see
    :class:`_EvidenceTable`)."""
    return _EvidenceTable.of(state, link_base, rows).lines(rows)


@dataclass
class _EvidenceTable:
    """An item's evidence table: one row per target, failing ones first and those no
    waiver covers before the waived, so a cut table still shows what a gate fails on;
    links to the proving lines. ``counts`` says how many findings of each label there
    are in that order, ``first`` holds the first ones (as many as a table may show),
    ``rows`` the rows made of them so far."""

    state: ItemState
    link_base: str
    counts: list[tuple[str, int]]
    first: list[Finding]
    rows: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, state: ItemState, link_base: str, most: int = MAX_EVIDENCE_ROWS) -> _EvidenceTable:
        """The table of ``state``'s findings that shows at most ``most`` rows, no row
        made yet. Only the findings it may show are kept: a big tree's items have
        thousands, and every item's table is kept while the report is fitted."""
        waived: list[Finding] = []
        by_status: dict[Status, list[Finding]] = {status: [] for status in _STATUS_ORDER}
        waivers = bool(state.waivers)
        for finding in state.findings:
            # Only failing findings can be waived, so only they are looked up.
            if waivers and finding.status is Status.FAIL and state.waiver_for(finding) is not None:
                waived.append(finding)
            else:
                by_status[finding.status].append(finding)
        groups = [
            (Status.FAIL.label, by_status[Status.FAIL]),
            ("waived", waived),
            *((status.label, by_status[status]) for status in _STATUS_ORDER[1:]),
        ]
        first = list(islice((finding for _, group in groups for finding in group), most))
        return cls(state, link_base, [(label, len(group)) for label, group in groups], first)

    def lines(self, rows: int) -> list[str]:
        """The table with at most ``rows`` rows (no more than it keeps findings for), and
        a line counting the rest by status."""
        total = sum(count for _, count in self.counts)
        if not total:
            return []
        if rows > len(self.first) and total > len(self.first):
            raise ValueError(f"a table of {len(self.first)} rows cannot show {rows}")
        while len(self.rows) < min(rows, total):
            self.rows.append(self._row(self.first[len(self.rows)]))
        lines = ["| Target | Status | Evidence | Detail |", "|---|---|---|---|", *self.rows[:rows]]
        if total > rows:
            hidden, start = [], 0
            for label, size in self.counts:
                count = size - max(0, min(size, rows - start))
                start += size
                if count:
                    hidden.append(f"{count} {label}")
            by_status = ", ".join(hidden)
            lines.append(f"| … | | | {counted(total - rows, 'more target')} ({by_status}) |")
        return lines + [""]

    def _row(self, finding: Finding) -> str:
        link_base = self.link_base
        evidence = finding.evidence[0] if finding.evidence else None
        detail = text(finding.reason)
        if evidence and evidence.snippet and evidence.in_file:
            detail += f" {code(evidence.snippet)}"
        waiver = self.state.waiver_for(finding) if finding.status is Status.FAIL else None
        status = finding.status.label
        if waiver is not None:
            status += " (waived)"
            detail += f" — {_waived_at(waiver, link_base)}"
        return (
            f"| {text(str(finding.target))} | {status} | "
            f"{_evidence_cell(finding, link_base)} | {detail} |"
        )


def _evidence_cell(finding: Finding, link_base: str) -> str:
    shown = [evidence_link(e, link_base) for e in finding.evidence[:EVIDENCE_PER_TARGET]]
    more = len(finding.evidence) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def evidence_link(evidence: Evidence, link_base: str = "") -> str:
    """``path:line`` as a link to that line, or as code when it is no file of the project
    (an engine's object, an absolute path, a path leaving the project)."""
    if not evidence.in_file:
        # An engine's field is shown with its value: each one proves part of the answer.
        return code(
            f"{evidence.location} = {evidence.snippet}" if evidence.field else evidence.location
        )
    return location_link(evidence.path, evidence.line, link_base)


def location_link(path: str, line: int | None, link_base: str = "") -> str:
    """``path:line`` in code, linked to that line when ``path`` names a project file."""
    shown = code(f"{path}:{line}" if line else path)
    if not linkable(path):
        return shown
    anchor = f"#L{line}" if line else ""
    return f"[{shown}]({link_base}{quote(path, safe='/')}{anchor})"


def linkable(path: str) -> bool:
    """True when ``path`` is a file inside the project that a link can point to."""
    if not path or path == "." or _NOT_A_FILE.match(path) or ": " in path:
        return False
    return ".." not in path.split("/")  # the parts of a POSIX path, as far as ".." goes


def _waived_at(waiver: Waiver, link_base: str) -> str:
    where = "in source" if waiver.source.in_source else "in the project file"
    return f"waived {where} at {location_link(waiver.path, waiver.line, link_base)}"


def _signoffs(data: ReportData) -> list[str]:
    lines = ["## Sign-off", ""]
    if not data.signoffs:
        return lines + ["Not signed off yet.", "", f"Content digest (SHA-256): `{data.digest}`"]
    lines += [
        "| Name | Email | Role | Decision | Time | Content digest (SHA-256) | Signature |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_signoff_row(s, data.signoff_current(s)) for s in data.signoffs]
    lines += ["", f"Content digest now (SHA-256): `{data.digest}`"]
    if not data.signoff_current(data.signoffs[-1]):
        lines += ["", "> The reviewed content changed after the last sign-off."]
    if any(s.signed for s in data.signoffs):
        lines += [
            "",
            "A signed sign-off carries an SSH signature over the reviewed content; "
            "`reviewtui verify` checks it against this report.",
        ]
    if not all(s.signed for s in data.signoffs):
        lines += ["", "An unsigned sign-off records who signed off, but nothing proves it."]
    return lines


def _signoff_row(signoff: SignOff, current: bool) -> str:
    state = "" if current else " (content changed since)"
    signature = "unsigned"
    if signoff.signed:
        signature = f"signed, {text(signing.key_kind(signoff.key))} {code(signoff.fingerprint)}"
    return (
        f"| {text(signoff.name)} | {text(signoff.email)} | {text(signoff.role)} | "
        f"{signoff.decision.label} | {text(signoff.time)} | {code(signoff.digest)}{state} | "
        f"{signature} |"
    )


def _seal(data: ReportData, link_base: str, limit: int) -> str:
    """The seal at the report's end, which ``reviewtui verify`` checks the report
    against; none before the first sign-off."""
    if not data.signoffs:
        return ""
    try:
        lines = signing.seal_lines({"data": data, "link_base": link_base, "limit": limit})
    except signing.SealError as error:
        log.warning("the report carries no seal: %s", error)
        return ""
    return "\n" + "\n".join(lines) + "\n"
