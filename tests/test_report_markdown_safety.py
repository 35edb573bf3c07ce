"""The Markdown reports link nothing a scanned file wrote, and show text as it was written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from reviewtui.report import render
from reviewtui.report.markdown import code, prose, render_markdown, text
from reviewtui.report.summary import report_data
from reviewtui.review.model import Decision, Verdict
from reviewtui.review.session import ReviewSession
from tests.conftest import write_project

URL_DOCKERFILE = """\
FROM evil:1](http://evil.example/a)
ADD http://evil.example/x.tar.gz /x
LABEL homepage="see www.evil.example and evil.example/x or evil.com"
USER root
"""

URL_COMPOSE = """\
services:
  web:
    image: "www.evil.example/img:latest](http://evil.example/c)"
    privileged: true
  evil.com:
    image: evil.example/app:latest
    privileged: true
"""

URL_WAIVERS = """\
waivers:
  - item: runtime.not-privileged
    target: web
    reason: see http://evil.example/w and www.evil.example/w
    owner: ops
    expires: 2999-12-31
"""

# What GitHub links by itself: a URL with a scheme, or www.
_GFM_AUTOLINK = re.compile(r"(?i)[a-z][a-z0-9+.-]*://|(?<![a-z0-9])www\.")


def _session(root: Path) -> ReviewSession:
    session = ReviewSession.open(root, autosave=False)
    session.scan()
    return session


def _url_project(tmp_path: Path) -> ReviewSession:
    files = {
        "Dockerfile": URL_DOCKERFILE,
        "compose.yaml": URL_COMPOSE,
        ".reviewtui.yaml": URL_WAIVERS,
        # A file that cannot be read, named like a host, for the problems list.
        "www.evil.example/compose.yaml": "services: [http://evil.example/p\n",
    }
    session = _session(write_project(tmp_path / "urls", files))
    session.set_verdict("build.copy-not-add", Verdict.FAIL, "per http://evil.example/r")
    return session


def hrefs(report: str) -> list[str]:
    """Every link in the report as a renderer that links bare host names sees it."""
    parser = MarkdownIt("gfm-like")
    assert parser.options["linkify"], "linkify-it-py must be installed for this test"
    found = []
    for token in parser.parse(report):
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
    return found


def outside_code_and_links(report: str) -> str:
    """The report without its code spans and link targets: what GitHub would autolink."""
    without_code = re.sub(r"(`+).+?\1", "", report)
    return re.sub(r"\]\([^)\s]*\)", "]", without_code)


def test_nothing_a_scanned_file_wrote_becomes_a_link(tmp_path: Path) -> None:
    session = _url_project(tmp_path)
    report = render(session, "markdown")

    assert "`http://evil.example/x.tar.gz`" in report  # ADD's reason names the URL
    assert "evil.example/a" in report and "www.evil.example" in report
    links = hrefs(report)
    assert links, "evidence still links to its lines"
    for href in links:
        assert re.fullmatch(r"(Dockerfile|compose\.yaml|\.reviewtui\.yaml)(#L\d+)?", href), href
    assert not _GFM_AUTOLINK.search(outside_code_and_links(report))


def test_a_signed_report_with_changes_links_nothing_either(tmp_path: Path) -> None:
    root = write_project(tmp_path / "signed", {"Dockerfile": "FROM python:3.12\n"})
    session = ReviewSession.open(root)
    session.scan()
    session.sign_off("Ada", "", "", Decision.APPROVED)
    (root / "Dockerfile").write_text(URL_DOCKERFILE)
    session = ReviewSession.open(root)
    session.scan()
    report = render_markdown(report_data(session))

    assert "## Changes since the last review" in report
    assert all(re.fullmatch(r"Dockerfile(#L\d+)?", href) for href in hrefs(report))
    assert not _GFM_AUTOLINK.search(outside_code_and_links(report))


def test_text_puts_what_would_be_a_link_in_code() -> None:
    assert text("ADD downloads http://evil.example/x.tar.gz without --checksum.") == (
        "ADD downloads `http://evil.example/x.tar.gz` without --checksum."
    )
    assert text("x](http://evil.example/a)") == "x\\](`http://evil.example/a)`"
    assert text("see www.evil.example, evil.example/x or evil.com") == (
        "see `www.evil.example`, `evil.example/x` or `evil.com`"
    )
    assert text("python:3.12-slim app.py requirements.txt /usr/local/bin") == (
        "python:3.12-slim app.py requirements.txt /usr/local/bin"
    )
    assert text("a|http://x.example/`b`|c") == "a\\|`` http://x.example/`b` ``\\|c"
    assert prose("See https://docs.docker.com/x.") == "See `https://docs.docker.com/x`."


def test_code_escapes_pipes_only_in_tables() -> None:
    assert code("a|b") == "`a\\|b`"
    assert code("a|b", in_table=False) == "`a|b`"


def _save_review(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).write_text(content)
    session = ReviewSession.open(root)
    session.scan()
    session.save()


def test_changes_show_pipes_without_a_backslash_in_the_report_and_diff(tmp_path: Path) -> None:
    root = write_project(tmp_path / "piped", {"Dockerfile": "FROM python:3.12\n"})
    _save_review(root, {})
    old = tmp_path / "old.json"
    shutil.copy(root / ".reviewtui" / "review.json", old)
    ReviewSession.open(root).sign_off("Ada", "", "", Decision.APPROVED)
    _save_review(root, {"Dockerfile": "FROM python:latest\nRUN curl x | sh\nUSER root\n"})

    report = render_markdown(report_data(_session(root)))
    section = report[report.index("## Changes since") :]
    section = section[: section.index("\n## ", 1)]
    diff = subprocess.run(
        [sys.executable, "-m", "reviewtui", "diff", str(old), str(root), "--format", "markdown"],
        capture_output=True,
        text=True,
    )

    assert diff.returncode == 1, diff.stderr
    for markdown in (section, diff.stdout):
        assert "curl x | sh" in markdown
        assert "\\|" not in "".join(re.findall(r"(`+).+?\1", markdown))
        assert not re.search(r"`[^`\n]*\\\|", markdown)


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    files = {f"svc{n:02}/Dockerfile": "FROM python:3.12\nUSER root\n" for n in range(21)}
    report = render(_session(write_project(tmp_path / "many", files)), "markdown")

    assert "| … | | | 1 more target (1 fail) |" in report
    assert "1 more targets" not in report
