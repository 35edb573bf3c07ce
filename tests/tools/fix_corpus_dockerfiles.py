"""Run every Dockerfile fix over a corpus copy and count what went right and wrong.

Copies the corpus to a temporary folder (never into the repository), scans it, makes the
fix of every failing Dockerfile target of every fixable Dockerfile item, the items of
one file one after the other in checklist order (as the app does), writes them through
the planner and the writer, and scans again. Prints, per item: failing targets, fixes
made, the reasons for no fix, and these counts, each of which should be 0:

- ``still failing``: a fixed item that does not pass on the rescan;
- ``worse``: any answer of any target (other items, compose services using the
  Dockerfile) that moved to fail, or from pass or not applicable to needs a person;
- ``outside``: a line a fix removed or replaced that is a comment, a blank line or not
  part of an instruction the item's fix edits (insert-only fixes remove none);
- ``new reader problems``: a problem the reader reports about a fixed file only after;
- ``crashes``: a fixer that raised;
- ``planner differs``: the planner's text differs from the fixes made one by one here.

Run: ``python tests/tools/fix_corpus_dockerfiles.py [CORPUS_DIR] [--show N]`` (the
default corpus is /work/shared/corpus; every Dockerfile the scan finds there is checked).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from reviewtui.checklists import load_catalogue
from reviewtui.detect.engine import detect
from reviewtui.fix.dockerfile_fixes import MAKERS, explain
from reviewtui.fix.dockerfile_text import NoFix
from reviewtui.fix.plan import FilePlan, plan_files
from reviewtui.fix.write import write_plan
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project import read_project
from reviewtui.project.dockerfile import parse_dockerfile

DEFAULT_CORPUS = Path("/work/shared/corpus")

# The instructions each item's fix may edit; an empty set: the fix only inserts lines.
EDITABLE = {
    "image.base-tag-pinned": {"FROM", "COPY", "RUN", "ARG"},
    "build.non-root-user": set(),
    "build.no-secrets-in-arg-env": {"ARG", "ENV", "RUN"},
    "build.copy-not-add": {"ADD"},
    "build.healthcheck": set(),
}
_SETTLED = {Status.PASS, Status.NOT_APPLICABLE}

Answers = dict[str, dict[Target, Status]]


@dataclass
class Tally:
    """What happened to one item over the corpus; each problem as ``(path, what)``."""

    failing: int = 0
    fixed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    still_failing: list[tuple[str, str]] = field(default_factory=list)
    outside: list[tuple[str, str]] = field(default_factory=list)
    crashes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class FileResult:
    """What the fixes did to one Dockerfile: fixes by item, the failing targets left
    without a fix, and each problem found."""

    path: str
    fixes: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    unreadable: str = ""
    crash: str = ""


@dataclass
class Outcome:
    """Everything one run over the corpus found.

    ``worse`` holds ``(path, change)`` pairs, the path being the file of the target whose
    answer got worse; ``new_problems`` what the reader reports about a fixed file that it
    did not before; ``plans`` the planner's plans, as written; ``differs`` the files
    whose planned text differs from the fixes made one by one.
    """

    tallies: dict[str, Tally]
    plans: list[FilePlan]
    worse: list[tuple[str, str]]
    new_problems: list[tuple[str, str]]
    errors: list[str]
    differs: list[str]
    seconds: float

    @property
    def bad(self) -> bool:
        """True when any count that must be 0 is not."""
        if self.worse or self.new_problems or self.errors or self.differs:
            return True
        return any(t.still_failing or t.outside or t.crashes for t in self.tallies.values())


def main(argv: list[str] | None = None) -> int:
    """Run the check; exit 1 when any count that should be 0 is not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show", type=int, default=5, help="examples shown per problem")
    options = parser.parse_args(argv)
    outcome = check_corpus(options.corpus)
    _print(outcome, options.show)
    return 1 if outcome.bad else 0


def check_corpus(corpus: Path) -> Outcome:
    """Every Dockerfile fix over a copy of ``corpus``, made, written and checked."""
    with tempfile.TemporaryDirectory(prefix="fix-corpus-dockerfiles-") as scratch:
        root = Path(scratch) / "corpus"
        shutil.copytree(corpus, root, symlinks=True)
        return _check(root)


def _check(root: Path) -> Outcome:
    started = time.monotonic()
    catalogue = load_catalogue()
    order = [item.id for item in catalogue.items]
    facts = read_project(root)
    problems_before = {(p.path, p.reason) for p in facts.problems}
    findings = detect(catalogue, facts)
    before = _answers(findings)
    failing = [
        (item_id, finding)
        for item_id in order
        if item_id in MAKERS
        for finding in findings.get(item_id, [])
        if finding.status is Status.FAIL and finding.target.kind is TargetKind.DOCKERFILE
    ]
    tallies = {item_id: Tally() for item_id in MAKERS}
    expected = _one_by_one(root, failing, order, tallies)

    plans, errors = plan_files(root, failing, order)
    differs = []
    for plan in plans:
        if _lf(plan.after) != expected.get(plan.path, _lf(plan.before)):
            differs.append(plan.path)
        if plan.fixes:
            write_plan(root, plan)
    facts = read_project(root)
    after = _answers(detect(catalogue, facts))
    written = {plan.path for plan in plans if plan.fixes}
    new_problems = sorted(
        {(p.path, p.reason) for p in facts.problems if p.path in written} - problems_before
    )

    fixed_pairs = {(fix.item, fix.path) for plan in plans for fix in plan.fixes}
    for item_id, path in sorted(fixed_pairs):
        target = Target(TargetKind.DOCKERFILE, path, path)
        if after.get(item_id, {}).get(target) is not Status.PASS:
            tallies[item_id].still_failing.append((path, f"{item_id} still fails"))
    worse = _worse(before, after, fixed_pairs)
    seconds = time.monotonic() - started
    return Outcome(tallies, plans, worse, new_problems, errors, differs, seconds)


def per_file(outcome: Outcome) -> list[FileResult]:
    """The outcome file by file, for a table of every file fixed or found wrong."""
    results: dict[str, FileResult] = {}

    def result(path: str) -> FileResult:
        return results.setdefault(path, FileResult(path))

    for plan in outcome.plans:
        found = result(plan.path)
        found.fixes.update(fix.item for fix in plan.fixes)
        found.skipped += len(plan.skipped)
    for tally in outcome.tallies.values():
        for path, what in tally.still_failing + tally.outside:
            result(path).problems.append(what)
        for path, what in tally.crashes:
            result(path).crash = what
    for path, what in outcome.worse:
        result(path).problems.append(f"worse: {what}")
    for path, reason in outcome.new_problems:
        result(path).unreadable = reason
    for path in outcome.differs:
        result(path).problems.append("the planner's text differs from the fixes one by one")
    return sorted(results.values(), key=lambda found: found.path)


def _one_by_one(
    root: Path, failing: list[tuple[str, Finding]], order: list[str], tallies: dict[str, Tally]
) -> dict[str, str]:
    """Each file's text after its fixes, made here one by one with the reasons kept."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for item_id, finding in failing:
        by_file[finding.target.path].append(item_id)
    texts = {}
    for rel, items in by_file.items():
        text = _lf((root / rel).read_bytes().decode("utf-8", "replace"))
        for item_id in sorted(items, key=order.index):
            tally = tallies[item_id]
            tally.failing += 1
            try:
                made = explain(item_id, text, rel)
            except Exception as error:  # noqa: BLE001 - a crash is what this counts
                tally.crashes.append((rel, f"{item_id} raised {error!r}"))
                continue
            if isinstance(made, NoFix):
                tally.reasons[_general(made.reason)] += 1
                continue
            tally.fixed += 1
            outside = _outside(item_id, text, made.text)
            tally.outside.extend((rel, f"{item_id} changed {line}") for line in outside)
            text = made.text
        texts[rel] = text
    return texts


def _outside(item_id: str, before: str, after: str) -> list[str]:
    """The lines a fix removed or replaced that its item's fix has no business with."""
    parsed = parse_dockerfile(before, "Dockerfile")
    owner: dict[int, str] = {}
    for instruction in parsed.instructions:
        last = max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])
        for number in range(instruction.start_line, last + 1):
            owner[number] = instruction.keyword
    old = before.split("\n")
    matcher = difflib.SequenceMatcher(None, old, after.split("\n"), autojunk=False)
    wrong = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("equal", "insert"):
            continue
        for index in range(i1, i2):
            line = old[index]
            keyword = owner.get(index + 1)
            comment = line.lstrip().startswith("#") or not line.strip()
            if comment or keyword not in EDITABLE[item_id]:
                wrong.append(f"line {index + 1} ({keyword or 'no instruction'}): {line[:80]}")
    return wrong


def _worse(before: Answers, after: Answers, fixed: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every answer that moved to fail, or from pass or not applicable to unknown, with
    the file of its target."""
    found = []
    for item_id, old_answers in before.items():
        for target, old in old_answers.items():
            new = after.get(item_id, {}).get(target)
            if new is None or new is old or (item_id, target.path) in fixed:
                continue
            if new is Status.FAIL or (new is Status.UNKNOWN and old in _SETTLED):
                found.append((target.path, f"{item_id} {target}: {old} -> {new}"))
    return found


def _answers(findings: dict[str, list[Finding]]) -> Answers:
    return {
        item_id: {finding.target: finding.status for finding in found}
        for item_id, found in findings.items()
    }


def _lf(text: str) -> str:
    """The text as fixers get it: no byte order mark, LF line ends when all are CRLF."""
    body = text.removeprefix("\ufeff")
    if "\r\n" in body and body.count("\r\n") == body.count("\n"):
        body = body.replace("\r\n", "\n")
    return body


def _general(reason: str) -> str:
    """A reason without its line numbers and names, so like reasons count together."""
    words = []
    for word in reason.split():
        if any(ch.isdigit() for ch in word) or "/" in word or ":" in word or "$" in word:
            words.append("_")
        else:
            words.append(word)
    return " ".join(words)[:110]


def _print(outcome: Outcome, show: int) -> None:
    out = sys.stdout
    out.write(
        f"{'item':30} {'failing':>8} {'fixed':>6} {'still':>6} {'outside':>8} {'crash':>6}\n"
    )
    for item_id, tally in outcome.tallies.items():
        out.write(
            f"{item_id:30} {tally.failing:>8} {tally.fixed:>6} {len(tally.still_failing):>6} "
            f"{len(tally.outside):>8} {len(tally.crashes):>6}\n"
        )
    out.write(f"worse answers: {len(outcome.worse)}; new reader problems: ")
    out.write(f"{len(outcome.new_problems)}; unreadable files: {len(outcome.errors)}; ")
    out.write(f"planner differs: {len(outcome.differs)}; {outcome.seconds:.1f} s\n")
    for item_id, tally in outcome.tallies.items():
        out.write(f"\n{item_id}: why no fix\n")
        for reason, count in tally.reasons.most_common(8):
            out.write(f"  {count:5}  {reason}\n")
        for label, examples in (
            ("still failing", tally.still_failing),
            ("outside", tally.outside),
            ("crash", tally.crashes),
        ):
            for path, what in examples[:show]:
                out.write(f"  {label}: {path}: {what}\n")
    worse = [change for _, change in outcome.worse + outcome.new_problems]
    for example in worse[:show] + outcome.errors[:show] + outcome.differs[:show]:
        out.write(f"  {example}\n")


if __name__ == "__main__":
    sys.exit(main())
