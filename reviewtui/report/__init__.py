"""Reports of a review: Markdown for pull requests, JSON for machines, SARIF for code
scanning."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from reviewtui.report.json_report import json_chunks
from reviewtui.report.markdown import render_markdown
from reviewtui.report.sarif import sarif_chunks
from reviewtui.report.summary import ReportData, report_data, repository_root
from reviewtui.review.session import ReviewSession

FORMATS = ("markdown", "json", "sarif")
_SUFFIX = {"markdown": ".md", "json": ".json", "sarif": ".sarif"}
# Characters a link base keeps as they are; the rest (spaces, parentheses) are encoded,
# so a base cannot end the Markdown link it starts.
_URL_SAFE = ":/?#[]@!$&'*+,;=%~"


def render(
    session: ReviewSession,
    fmt: str,
    link_base: str = "",
    report_dir: Path | None = None,
    fixes: bool = False,
) -> str:
    """The report of ``session`` in format ``fmt`` (one of :data:`FORMATS`).

    ``link_base`` is the URL of the repository's root at the reviewed commit
    (``https://github.com/o/r/blob/SHA/``): the Markdown report then links evidence
    there. Without it, links are relative to ``report_dir``, the folder the report is
    written to (default: the project's root). ``fixes`` adds the proposed fixes of the
    failing items, made from the files as they are now (see :mod:`.fix_section`).
    """
    return "".join(render_chunks(session, fmt, link_base, report_dir, fixes))


def render_chunks(
    session: ReviewSession,
    fmt: str,
    link_base: str = "",
    report_dir: Path | None = None,
    fixes: bool = False,
) -> Iterator[str]:
    """The text of :func:`render` in pieces, to write as they come: the JSON and SARIF
    reports of a big tree are then never one string. Raises ``ValueError`` for an
    unknown ``fmt`` before anything is made."""
    if fmt not in FORMATS:
        raise ValueError(_unknown(fmt))
    data = report_data(session, fixes=fixes)
    if fmt == "markdown":
        base = markdown_link_base(data, link_base, session.root, report_dir)
        return iter((render_markdown(data, base),))
    if fmt == "json":
        return json_chunks(data)
    return sarif_chunks(data, repository_root(session.root) or session.root)


def _unknown(fmt: str) -> str:
    return f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}"


def markdown_link_base(
    data: ReportData, link_base: str, root: Path, report_dir: Path | None
) -> str:
    """What the Markdown report puts before a file's path (relative to ``root``, the
    project's folder).

    A URL names the repository's root, so the project's folder inside the repository
    is added; a relative base leads from the report's folder to the project's root.
    """
    if link_base:
        base = quote(link_base, safe=_URL_SAFE)
        return base + ("" if base.endswith("/") else "/") + quote(data.repository_prefix)
    if report_dir is None:
        return ""
    try:
        relative = os.path.relpath(root, report_dir.resolve())
    except ValueError:  # another drive: no relative path leads there
        return ""
    return "" if relative == "." else quote(Path(relative).as_posix()) + "/"


def default_report_path(session: ReviewSession, fmt: str) -> Path:
    """Where the app writes a report: beside the review file."""
    return session.root / ".reviewtui" / f"report{_SUFFIX[fmt]}"


def write_report(
    session: ReviewSession,
    fmt: str,
    path: Path | None = None,
    link_base: str = "",
    fixes: bool = False,
) -> Path:
    """Write the report to ``path`` (default: beside the review file) and return it.

    Links in a Markdown report lead from where it is written to the project's files,
    unless ``link_base`` names the repository's URL; ``fixes`` as for :func:`render`.
    """
    target = path or default_report_path(session, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_pieces(
        target, render_chunks(session, fmt, link_base, report_dir=target.parent, fixes=fixes)
    )
    return target


def write_pieces(target: Path, pieces: Iterable[str]) -> None:
    """Write a report's pieces as they come to a temporary file beside ``target``, then
    put it in ``target``'s place: a report that fails halfway leaves the old file (or
    none) as it was, never half a report. A target that is not a regular file (a pipe,
    ``/dev/stdout``) is written to directly. Raises OSError."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
        regular = target.is_file()
    except FileNotFoundError:
        mode, regular = 0o644, True
    if not regular:
        with target.open("w", encoding="utf-8") as stream:
            stream.writelines(pieces)
        return
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.writelines(pieces)
        os.chmod(temporary, mode)  # mkstemp makes it private; a report is shared
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


__all__ = [
    "FORMATS",
    "default_report_path",
    "markdown_link_base",
    "render",
    "render_chunks",
    "write_pieces",
    "write_report",
]
