"""Reports of a review: Markdown for pull requests, JSON for machines."""

from __future__ import annotations

from pathlib import Path

from reviewtui.report.json_report import render_json
from reviewtui.report.markdown import render_markdown
from reviewtui.report.summary import report_data
from reviewtui.review.session import ReviewSession

FORMATS = ("markdown", "json")
_SUFFIX = {"markdown": ".md", "json": ".json"}


def render(session: ReviewSession, fmt: str) -> str:
    """The report of ``session`` in format ``fmt`` (one of :data:`FORMATS`)."""
    data = report_data(session)
    if fmt == "markdown":
        return render_markdown(data)
    if fmt == "json":
        return render_json(data)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def default_report_path(session: ReviewSession, fmt: str) -> Path:
    """Where the app writes a report: beside the review file."""
    return session.root / ".reviewtui" / f"report{_SUFFIX[fmt]}"


def write_report(session: ReviewSession, fmt: str, path: Path | None = None) -> Path:
    """Write the report to ``path`` (default: beside the review file) and return it."""
    target = path or default_report_path(session, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(render(session, fmt), encoding="utf-8")
    temporary.replace(target)
    return target


__all__ = ["FORMATS", "default_report_path", "render", "write_report"]
