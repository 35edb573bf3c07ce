"""Apply every mechanical fix to a corpus of real projects and check what the fixes did.

For each folder of the corpus that holds a compose file (``compose.list``), a copy of
the folder is made in a temporary directory (never in the repository), scanned, given
every compose fix, written, and scanned again. Per compose file it reports the fixes
made, the fixed items that still fail for their target (should be 0), the answers that
got worse (must be 0), the comment lines lost (must be 0), whether the file still parses
with the project's compose reader (must) and the crashes (must be 0). The Dockerfile
fixes can report through a part of their own (see ``PARTS``).

Run: ``python tests/tools/fix_corpus.py CORPUS_DIR [--verbose]``; exits 1 when a "must"
above does not hold.
"""

from __future__ import annotations

import argparse
import functools
import logging
import shutil
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.checklists import Catalogue, load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.fix.plan import plan_files
from reviewtui.fix.registry import fixers
from reviewtui.fix.write import write_plan
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project import read_project
from reviewtui.project.compose import read_compose_projects

Answers = dict[tuple[str, Target], Status]
"""Each item's status per target."""

# How good an answer is, to tell a change for the worse (a pass that no longer applies
# is as good as a pass).
_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.NOT_APPLICABLE: 2, Status.PASS: 2}


@dataclass
class FileRow:
    """What the fixes did to one file of the corpus."""

    path: str
    fixes: int = 0
    skipped: int = 0
    still_failing: list[str] = field(default_factory=list)
    worse: list[str] = field(default_factory=list)
    comments_lost: list[str] = field(default_factory=list)
    unparsable: str = ""
    crash: str = ""
    by_item: Counter[str] = field(default_factory=Counter)

    @property
    def bad(self) -> bool:
        """True when a fix broke something that must hold."""
        return bool(self.worse or self.comments_lost or self.unparsable or self.crash)


def compose_part(corpus: Path, verbose: bool) -> list[FileRow]:
    """The compose fixes over every folder of ``compose.list``, one row per compose file."""
    listed = [line.strip() for line in (corpus / "compose.list").read_text().splitlines()]
    folders: dict[str, list[str]] = {}
    for rel in filter(None, listed):
        folder, _, name = rel.rpartition("/")
        folders.setdefault(folder, []).append(name)
    items = {
        item_id
        for item_id, function in fixers().items()
        if function.__module__ == "reviewtui.fix.compose_fixes"
    }
    rows = []
    for folder in sorted(folders):
        rows.extend(_compose_folder(corpus, folder, sorted(folders[folder]), items, verbose))
    return rows


def dockerfile_part(corpus: Path, verbose: bool) -> list[FileRow]:
    """The Dockerfile fixes over a copy of the whole corpus, one row per Dockerfile; the
    checks are those of ``fix_corpus_dockerfiles.py`` (run it alone for why no fix)."""
    from fix_corpus_dockerfiles import check_corpus, per_file

    rows = []
    for found in per_file(check_corpus(corpus)):
        row = FileRow(found.path, sum(found.fixes.values()), found.skipped)
        row.unparsable, row.crash = found.unreadable, found.crash
        row.by_item.update(found.fixes)
        for problem in found.problems:
            (row.still_failing if "still fails" in problem else row.worse).append(problem)
        rows.append(row)
    return rows


PARTS: dict[str, Callable[[Path, bool], list[FileRow]]] = {
    "compose": compose_part,
    "dockerfile": dockerfile_part,
}
"""Each kind of fix checked over the corpus, by name."""


def _compose_folder(
    corpus: Path, folder: str, names: list[str], items: set[str], verbose: bool
) -> list[FileRow]:
    rows = {name: FileRow(f"{folder}/{name}") for name in names}
    with tempfile.TemporaryDirectory(prefix="fix-corpus-") as scratch:
        root = Path(scratch) / "project"
        shutil.copytree(corpus / folder, root, symlinks=True)
        try:
            _fix_and_compare(root, rows, items, verbose)
        except Exception:  # noqa: BLE001 - a crash is what this script counts
            for row in rows.values():
                row.crash = traceback.format_exc(limit=-3).strip().splitlines()[-1]
            if verbose:
                traceback.print_exc()
    return list(rows.values())


class _Refusals(logging.Handler):
    """Collects why fixers gave no fix, from their debug messages."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.reasons: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if len(record.args or ()) == 4 and isinstance(record.args, tuple):
            _, item_id, _, reason = record.args
            self.reasons[f"{item_id}: {reason}"] += 1


REFUSALS = _Refusals()


@functools.cache
def _catalogue() -> Catalogue:
    return load_catalogue()


def _fix_and_compare(root: Path, rows: dict[str, FileRow], items: set[str], verbose: bool) -> None:
    catalogue = _catalogue()
    order = [item.id for item in catalogue.items]
    before_findings = detect(catalogue, read_project(root))
    before = _answers(before_findings)
    texts = {name: (root / name).read_text(encoding="utf-8", errors="replace") for name in rows}
    failing = [
        (item_id, finding)
        for item_id, found in before_findings.items()
        if item_id in items
        for finding in found
        if finding.status is Status.FAIL and finding.target.kind is TargetKind.SERVICE
    ]
    plans, errors = plan_files(root, failing, order)
    if errors and verbose:
        print("\n".join(errors), file=sys.stderr)
    fixed: set[tuple[str, Target]] = set()
    for plan in plans:
        row = rows.get(plan.path)
        if plan.fixes:
            write_plan(root, plan)
        for fix in plan.fixes:
            fixed.add((fix.item, fix.target))
            if row is not None:
                row.fixes += 1
                row.by_item[fix.item] += 1
            if verbose:
                print(fix.diff())
        if row is not None:
            row.skipped += len(plan.skipped)
    after = _answers(detect(catalogue, read_project(root)))
    for name, row in rows.items():
        _compare(root, name, row, texts[name], before, after, fixed)


def _compare(
    root: Path,
    name: str,
    row: FileRow,
    text_before: str,
    before: Answers,
    after: Answers,
    fixed: set[tuple[str, Target]],
) -> None:
    text_after = (root / name).read_text(encoding="utf-8", errors="replace")
    for (item_id, target), status in sorted(before.items(), key=str):
        if target.path != name:
            continue
        new = after.get((item_id, target))
        if (item_id, target) in fixed and new is not Status.PASS:
            row.still_failing.append(f"{item_id} {target.name}: {new}")
        elif new is None or _RANK[new] < _RANK[status]:
            row.worse.append(f"{item_id} {target.name}: {status.value} -> {new}")
    lost = Counter(_comment_lines(text_before)) - Counter(_comment_lines(text_after))
    row.comments_lost = sorted(lost)
    if text_after != text_before:
        _, problems = read_compose_projects(root, [name])
        parse_problems = [p for p in problems if p.path == name and "YAML" in p.reason]
        row.unparsable = parse_problems[0].reason if parse_problems else ""


def _answers(findings: dict[str, list[Finding]]) -> Answers:
    return {
        (item_id, finding.target): finding.status
        for item_id, found in findings.items()
        for finding in found
    }


def _comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def print_table(rows: list[FileRow]) -> None:
    """One line per file that got a fix or has a problem, then the totals."""
    header = (
        f"{'file':60} {'fixes':>5} {'skip':>4} {'fail':>4} {'worse':>5} {'lost':>4} parse crash"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if not (row.fixes or row.bad or row.still_failing):
            continue
        print(
            f"{row.path[-60:]:60} {row.fixes:5} {row.skipped:4} {len(row.still_failing):4} "
            f"{len(row.worse):5} {len(row.comments_lost):4} "
            f"{'no' if row.unparsable else 'ok':5} {'yes' if row.crash else '-'}"
        )
        for line in row.still_failing + row.worse + row.comments_lost:
            print(f"    {line}")
        for line in filter(None, (row.unparsable, row.crash)):
            print(f"    {line}")
    by_item: Counter[str] = Counter()
    for row in rows:
        by_item.update(row.by_item)
    print("-" * len(header))
    print(
        f"{len(rows)} files, {sum(1 for row in rows if row.fixes)} fixed: "
        f"{sum(row.fixes for row in rows)} fixes, {sum(row.skipped for row in rows)} "
        f"without a mechanical fix, {sum(len(row.still_failing) for row in rows)} fixed "
        f"items still failing, {sum(len(row.worse) for row in rows)} answers worse, "
        f"{sum(len(row.comments_lost) for row in rows)} comment lines lost, "
        f"{sum(1 for row in rows if row.unparsable)} files unparsable, "
        f"{sum(1 for row in rows if row.crash)} crashes"
    )
    for item_id, count in sorted(by_item.items()):
        print(f"  {item_id:34} {count:4} fixes")
    if REFUSALS.reasons:
        print("why no fix was offered:")
        for reason, count in REFUSALS.reasons.most_common():
            print(f"  {count:4}  {reason}")


def main(argv: list[str] | None = None) -> int:
    """Run every part over the corpus and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    parser.add_argument("--verbose", action="store_true", help="print every diff")
    options = parser.parse_args(argv)
    fix_log = logging.getLogger("reviewtui.fix.compose_fixes")
    fix_log.setLevel(logging.DEBUG)
    fix_log.addHandler(REFUSALS)
    bad = False
    for name in options.part or sorted(PARTS):
        print(f"== {name} fixes")
        rows = PARTS[name](options.corpus.resolve(), options.verbose)
        print_table(rows)
        bad = bad or any(row.bad for row in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
