"""``reviewtui verify FILE``: check every sign-off of a review file or a Markdown report.

For each sign-off it says who signed off what and when, whether the content is still
the one signed, and whether the SSH signature is good: against the key the sign-off
records, or with ``--allowed-signers FILE`` (ssh-keygen's format, as git's
``gpg.ssh.allowedSignersFile``) against the keys that file lists for the signer's
email, as ``ssh-keygen -Y verify`` reads it (patterns such as ``*@example.com``,
``namespaces=`` and validity times included). With that file every sign-off must be
signed. A Markdown report is checked against the seal at its end: the signatures over
the content it holds, and the visible text, rendered again from the seal, character
for character. After rounds of sign-offs (:data:`ROUNDS_RULE`) the last sign-off must
cover the content now and earlier ones that signed other content are superseded.
Exits 0 when everything holds, 1 when something does not match (or there is nothing
to verify), 2 for a usage error or a file that is neither a review file nor a report.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.commands import scan_options
from reviewtui.commands.base import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from reviewtui.checklists import Catalogue
    from reviewtui.review.model import Review
    from reviewtui.review.signing import SignOffCheck

NAME = "verify"
HELP = "check the sign-offs and SSH signatures of a review file or Markdown report"
_CONTEXT = 30


@dataclass(frozen=True)
class Verification:
    """What checking one file found: a heading, each sign-off's check, and what else
    failed (``problems``) or is worth saying (``notes``)."""

    heading: str
    checks: tuple[SignOffCheck, ...]
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def good(self) -> bool:
        """True when every sign-off holds and nothing else failed."""
        return bool(self.checks) and not self.problems and all(c.good for c in self.checks)


ROUNDS_RULE = (
    "Rounds of sign-offs: the last sign-off must cover the content as it stands. An "
    "earlier sign-off that signed other content (a round before a fix and a rescan) is "
    "shown as 'signed earlier content (superseded)' and needs only a good signature. A "
    "sign-off after the last one that covers the content now, or every sign-off when "
    "none does, fails: the content changed since it."
)
"""How sign-offs of several rounds are judged, as --help and the README say it."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The file to check, who may sign, and the checklists to read it with."""
    parser.epilog = (
        f"{ROUNDS_RULE} Exit status: 0 when every signature is good and the latest "
        "sign-off(s) cover the content as it stands; 1 when a signature is bad, no "
        "sign-off covers the content now, or the report's text differs from its seal; 2 "
        "for a usage error or a file that is neither a review file nor a report."
    )
    parser.add_argument(
        "file", type=Path, help="a review file (review.json) or a Markdown report (report.md)"
    )
    parser.add_argument(
        "--allowed-signers",
        type=Path,
        metavar="FILE",
        help="ssh-keygen's allowed signers file: each signature must come from a key it "
        "lists for the sign-off's email (without it, signatures are checked against the "
        "keys the sign-offs record, and nothing vouches for who holds them)",
    )
    scan_options.add_checklists_option(parser)


def run(options: argparse.Namespace) -> int:
    """Check the file and print what holds and what does not."""
    from reviewtui.review.signing import SigningError

    path: Path = options.file
    allowed: Path | None = options.allowed_signers
    if allowed is not None and not allowed.is_file():
        raise UsageError(f"--allowed-signers {allowed}: no such file")
    text = _read(path)
    from reviewtui.commands.sign import project_root

    catalogue = scan_options.project_catalogue(project_root(path), options.checklists)
    try:
        if text.lstrip().startswith("{"):
            verification = verify_review(path, text, catalogue, allowed)
        else:
            verification = verify_report(path, text, catalogue, allowed)
    except SigningError as error:
        raise UsageError(str(error)) from None
    print(describe(verification), end="")
    return EXIT_OK if verification.good else EXIT_FAILED


def verify_review(
    path: Path, text: str, catalogue: Catalogue, allowed: Path | None
) -> Verification:
    """Check the sign-offs of a review file against the content it holds."""
    from reviewtui.commands.sign import project_root
    from reviewtui.review import signing
    from reviewtui.review.session import ReviewSession

    review = _review(path, text)
    root = project_root(path)
    session = ReviewSession(root, catalogue, review, None, autosave=False)
    project = review.project or root.name
    problems = signing.problem_lines(review)
    states = session.states()
    content = signing.content_text(project, states, problems, review.engines, review.meetings)
    contents = [
        signing.digest_of(content),
        signing.digest_of(signing.review_content_text(review, project, problems)),
    ]
    checklists = signing.digest_of(signing.checklists_text(catalogue.checklists))
    checks = signing.check_signoffs(
        review.signoffs,
        contents,
        checklists,
        session.digest(),
        allowed,
        checklists_signed=False,
    )
    unknown = sorted(set(review.findings) - {item.id for item in catalogue.items})
    notes: tuple[str, ...] = ()
    if unknown:
        notes = (
            f"the review holds items the checklists here do not know: {', '.join(unknown)} "
            f"(verify inside the project, or add --checklists DIR)",
        )
    heading = f"{path}: review file of {project}, content SHA-256 {contents[0]}"
    return Verification(heading, checks, (), notes) if review.signoffs else _nothing(heading)


def verify_report(
    path: Path, text: str, catalogue: Catalogue, allowed: Path | None
) -> Verification:
    """Check a Markdown report: its sign-offs against the content its seal holds, and
    its visible text against the report that content renders."""
    from reviewtui import __version__
    from reviewtui.report.markdown import comment_length, report_body
    from reviewtui.report.summary import ReportData
    from reviewtui.review import signing

    split = signing.split_seal(text)
    if split is None:
        if not text.startswith("# "):
            raise UsageError(f"{path}: neither a review file nor a reviewtui Markdown report")
        return _nothing(
            f"{path}: no reviewtui seal at its end (a report carries one once the review is "
            "signed off)"
        )
    body, seal, packed = split
    try:
        contents = signing.open_seal(packed, catalogue)
    except signing.SealError as error:
        hint = " (verify inside the project, or add --checklists DIR)"
        said = str(error) + (hint if "checklists here" in str(error) else "")
        return Verification(f"{path}: Markdown report", (), (said,))
    data, link_base, limit = contents.get("data"), contents.get("link_base"), contents.get("limit")
    if not (isinstance(data, ReportData) and isinstance(link_base, str) and type(limit) is int):
        return Verification(f"{path}: Markdown report", (), ("the seal holds no report",))

    content = signing.content_text(
        data.project, data.states, data.problems, data.engines, data.meetings
    )
    checklists = signing.checklists_text(section.checklist for section in data.sections)
    items = [item for section in data.sections for item in section.checklist.items]
    digest = signing.items_digest(data.states, items, data.project)
    problems = []
    if digest != data.digest:
        problems.append(
            f"the report's content digest {data.digest} does not match its content ({digest})"
        )
    # The room the report's own seal left, so a seal compressed to another length here
    # cannot make the report shorten differently.
    difference = _difference(body, report_body(data, link_base, limit - comment_length(seal)))
    if difference:
        made = data.tool_version
        hint = f" (the report was made with reviewtui {made}, this is {__version__})"
        problems.append(difference + (hint if made != __version__ else ""))
    checks = signing.check_signoffs(
        data.signoffs,
        [signing.digest_of(content)],
        signing.digest_of(checklists),
        digest,
        allowed,
    )
    heading = (
        f"{path}: Markdown report of {data.project}, content SHA-256 {signing.digest_of(content)}"
    )
    notes = () if difference else ("the visible report is exactly what its seal holds",)
    return Verification(heading, checks, tuple(problems), notes)


def describe(verification: Verification) -> str:
    """The verification in words: each sign-off, then what else failed, then the verdict."""
    from reviewtui.masking import strip_controls

    lines = [verification.heading]
    for check in verification.checks:
        signoff = check.signoff
        who = signoff.name + (f" <{signoff.email}>" if signoff.email else "")
        role = f" ({signoff.role})" if signoff.role else ""
        mark = _mark(check)
        lines.append(
            f"{mark:<9} {who}{role} signed off {signoff.decision.label!r} at {signoff.time}"
        )
        lines += [f"          {detail}" for detail in check.details]
    lines += [f"FAILED    {problem}" for problem in verification.problems]
    lines += [f"note      {note}" for note in verification.notes]
    lines.append(_verdict(verification))
    # Names and keys come from the file: no escape in them reaches the terminal.
    return "\n".join(strip_controls(line) for line in lines) + "\n"


def _mark(check: SignOffCheck) -> str:
    """The word in front of a sign-off: how it stands, in one short word."""
    if not check.good:
        return "FAILED"
    if not check.signed:
        return "unsigned"
    return "earlier" if check.superseded else "ok"


def _verdict(verification: Verification) -> str:
    checks = verification.checks
    signed = sum(1 for c in checks if c.good and c.signed)
    failed = sum(1 for c in checks if not c.good)
    if verification.good:
        unsigned = len(checks) - signed
        superseded = sum(1 for c in checks if c.superseded)
        earlier = f"; {superseded} signed earlier content (superseded)" if superseded else ""
        return (
            f"verified: {len(checks)} sign-off(s) hold ({signed} signed, {unsigned} "
            f"unsigned){earlier}"
        )
    parts = [f"{failed} of {len(checks)} sign-off(s) failed"] if failed else []
    if checks and not any(c.current for c in checks):
        parts.append("no sign-off covers the content as it stands")
    if verification.problems:
        parts.append(f"{len(verification.problems)} other problem(s)")
    return "NOT verified: " + ("; ".join(parts) or "there is no sign-off to verify")


def _nothing(heading: str) -> Verification:
    return Verification(heading, ())


def _difference(visible: str, expected: str) -> str:
    """Where the report's text first differs from the one its seal renders; "" when
    they are the same."""
    if visible == expected:
        return ""
    have, want = visible.splitlines(), expected.splitlines()
    for number, (line, wanted) in enumerate(zip(have, want, strict=False), start=1):
        if line != wanted:
            column = next(
                (i for i, (a, b) in enumerate(zip(line, wanted, strict=False)) if a != b),
                min(len(line), len(wanted)),
            )
            return (
                f"the visible report differs from its seal at line {number}, column "
                f"{column + 1}: it reads {_around(line, column)} where the seal gives "
                f"{_around(wanted, column)}"
            )
    number = min(len(have), len(want)) + 1
    if len(have) > len(want):
        return f"the visible report has text its seal does not hold, from line {number}"
    if len(have) < len(want):
        return f"the visible report lacks text its seal holds, from line {number}"
    return "the visible report differs from its seal in its line endings or spacing"


def _around(line: str, column: int) -> str:
    """The part of a line around ``column``, quoted."""
    start = max(column - _CONTEXT, 0)
    part = line[start : column + _CONTEXT]
    return repr(("…" if start else "") + part + ("…" if column + _CONTEXT < len(line) else ""))


def _read(path: Path) -> str:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read: {error}") from None


def _review(path: Path, text: str) -> Review:
    from reviewtui.review import store

    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}:{error.lineno}: not a review file: {error.msg}") from None
    if isinstance(document, dict) and document.get("report") == "reviewtui":
        raise UsageError(
            f"{path}: a JSON report carries no seal; verify the review file or the Markdown report"
        )
    try:
        return store.from_document(document, str(path))
    except store.ReviewFileError as error:
        raise UsageError(str(error)) from None
