"""No secret planted in a project reaches any output: reports, review file, screen, logs.

Tokens of the common formats (AWS access key id and secret, GitHub, GitLab, Slack, Stripe,
Google and npm tokens, private key blocks, passwords in URLs and in command-line flags)
are planted in Dockerfiles (ENV, ARG, RUN), compose files (environment, command,
healthcheck), ``.env`` files and a CI workflow. Then every output is searched for every
secret, whole or in part: the Markdown, JSON and SARIF reports of ``reviewtui scan`` and
its log on standard error with ``-v``; the review file and the sign-off's baseline; the
reports the app exports; and the app's screen and the text of every widget after walking
every item.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import Static

from reviewtui.review.model import Decision, Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.hanging import HangingText
from reviewtui.tui.screens.item import ItemScreen

# Each secret: its well-known prefix (which may show) and a random core (which must not,
# not even eight characters of it). The values are made up, in each format's shape.
SECRETS = {
    "aws key id": ("AKIA", "Q7ZP3RWX5TB2LM9K"),
    "aws secret": ("", "wJalrXUtnF3MIK7MDENGbPxRfiCYq9Zk2Lw8XvTs"),
    "github classic": ("ghp_", "R8sT2vX9qL4mN7pK3wZ6yB1cD5fG0hJ8aE2u"),
    "github fine-grained": (
        "github_pat_",
        "11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
    ),
    "gitlab": ("glpat-", "Xk9mP2qR7sT4vW8yZ3bC"),
    "slack": ("xoxb-", "248391756204-5829304718263-Qw8ErTy6UiOp3AsDf5GhJk7L"),
    "stripe": ("sk_live_", "51Hq8Zr3Tx9Vb2Nm7Kp4Ls6Dw"),
    "google": ("AIza", "SyD4k8Lm2Np6Qr0St5Uv9Wx3Yz7Ab1Cd4Ef"),
    "npm": ("npm_", "Fq3Wz8Rt5Yu1Io9Pa4Sd7Gh2Jk6Lx0Cv5Bn"),
    "rsa key": ("", "MIIEowIBAAKCAQEA3Tz8XqLp9Rk2Wm7Nv4Bc6Hy1Jd5Gs0Fa8Qe3Zx"),
    "openssh key": ("", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB"),
    "url password": ("", "Pg5uPerS3cretW0rd"),
    "flag password": ("", "Fl4gP4ssw0rdValue"),
    "login password": ("", "L0g1nP4ssVa1ue99"),
    "health password": ("", "He4lthCheckPw77"),
    "arg token": ("", "ArgT0kenV4lueXyz"),
    "env file token": ("", "EnvF1leT0kenQwe"),
    "ci token": ("", "C1W0rkfl0wT0ken"),
    "index password": ("", "Ind3xPassw0rdQ"),
    "spaced flag": ("", "Sp4cedFl4gPwZ"),
    "inline env": ("", "Inl1neEnvPwXy"),
    "label key": ("", "L4belApiK3yVal"),
}


def secret(name: str) -> str:
    """The whole value of one planted secret."""
    prefix, core = SECRETS[name]
    return prefix + core


RSA_BLOCK = (
    "-----BEGIN RSA PRIVATE KEY-----\n" + secret("rsa key") + "\n-----END RSA PRIVATE KEY-----"
)
OPENSSH_BLOCK = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    + secret("openssh key")
    + "\n-----END OPENSSH PRIVATE KEY-----"
)
RSA_ONE_LINE = RSA_BLOCK.replace("\n", "\\n")
"""The key block as ``echo "...\\n..."`` writes it, on one line."""

DOCKERFILE = f"""\
FROM python:3.12-slim
ARG GITHUB_TOKEN={secret("github classic")}
ARG NPM_TOKEN={secret("npm")}
ARG DEPLOY_TOKEN={secret("arg token")}
ENV AWS_ACCESS_KEY_ID={secret("aws key id")} \\
    AWS_SECRET_ACCESS_KEY={secret("aws secret")}
ENV STRIPE_KEY {secret("stripe")}
ENV DATABASE_URL=postgres://app:{secret("url password")}@db:5432/app
RUN git clone https://oauth2:{secret("gitlab")}@gitlab.example.com/team/app.git
RUN curl -H "Authorization: token {secret("github fine-grained")}" https://api.github.com/
RUN mysql --password={secret("flag password")} -e "select 1"
RUN docker login -u ci -p {secret("login password")} registry.example.com
RUN pip install --index-url https://ci:{secret("index password")}@pypi.example.com/simple app
RUN ./configure --db-password {secret("spaced flag")} && PGPASSWORD={secret("inline env")} psql
LABEL org.example.api-key="{secret("label key")}"
RUN echo "{RSA_ONE_LINE}" > /root/.ssh/id_rsa
RUN cat > /root/.ssh/id_ed25519 <<EOF
{OPENSSH_BLOCK}
EOF
USER root
CMD ["python", "-m", "app"]
"""

COMPOSE = f"""\
services:
  web:
    build: .
    privileged: true
    environment:
      SLACK_BOT_TOKEN: {secret("slack")}
      GOOGLE_API_KEY: {secret("google")}
      DATABASE_URL: postgres://app:{secret("url password")}@db:5432/app
      AWS_SECRET_ACCESS_KEY: "{secret("aws secret")}"
    env_file: [secrets.env]
    command: ["serve", "--password", "{secret("flag password")}", "--token={secret("gitlab")}"]
    healthcheck:
      test: ["CMD", "mysqladmin", "ping", "--password={secret("health password")}"]
  db:
    image: postgres:16.3
    environment:
      - POSTGRES_PASSWORD={secret("url password")}
      - STRIPE_SECRET={secret("stripe")}
    command: postgres -c "password={secret("health password")}"
    healthcheck:
      test: pg_isready --dbname=postgres://app:{secret("url password")}@localhost/app
"""

ENV_FILE = f"""\
API_TOKEN={secret("env file token")}
GITHUB_TOKEN={secret("github classic")}
export NPM_TOKEN={secret("npm")}
AWS_ACCESS_KEY_ID={secret("aws key id")}
"""

WORKFLOW = f"""\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      REGISTRY_TOKEN: {secret("ci token")}
    steps:
      - uses: actions/checkout@v4
      - run: docker login -u ci -p {secret("login password")} ghcr.io
      - run: docker build --build-arg NPM_TOKEN={secret("npm")} .
"""


def write_secret_project(root: Path) -> Path:
    """The project with every secret planted, under ``root``."""
    files = {
        "Dockerfile": DOCKERFILE,
        "compose.yaml": COMPOSE,
        ".env": ENV_FILE,
        "secrets.env": ENV_FILE,
        ".github/workflows/build.yml": WORKFLOW,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def leaks(text: str) -> list[str]:
    """The secrets ``text`` shows, whole or eight characters of their core in a row."""
    found = []
    for name, (_, core) in SECRETS.items():
        windows = {core[start : start + 8] for start in range(len(core) - 7)}
        if any(window in text for window in windows):
            found.append(name)
    return found


@pytest.fixture(scope="module")
def secret_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with planted secrets, written once (the tests only read it)."""
    return write_secret_project(tmp_path_factory.mktemp("secrets") / "project")


def test_the_planted_project_really_holds_every_secret(secret_root: Path) -> None:
    everything = "".join(path.read_text() for path in secret_root.rglob("*") if path.is_file())

    assert sorted(leaks(everything)) == sorted(SECRETS)


@pytest.mark.parametrize("fmt", ["markdown", "json", "sarif"])
def test_no_report_and_no_log_of_a_scan_shows_a_secret(secret_root: Path, fmt: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "scan", str(secret_root), "--format", fmt, "-v"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert "DEBUG reviewtui" in result.stderr
    assert leaks(result.stdout) == []
    assert leaks(result.stderr) == []
    # The report does speak of the secrets, masked: the findings are there.
    assert "****" in result.stdout


def test_no_review_file_or_baseline_holds_a_secret(secret_root: Path, tmp_path: Path) -> None:
    review_file = tmp_path / "review.json"
    session = ReviewSession.open(secret_root, review_path=review_file)
    session.scan()
    session.set_verdict("build.no-secrets-in-arg-env", Verdict.FAIL)
    session.set_note("build.no-secrets-in-arg-env", "rotate them all")
    session.sign_off("Ada", "ada@example.com", "security", Decision.CHANGES_REQUIRED)

    written = {path.name: path.read_text() for path in tmp_path.iterdir()}

    assert "review.json" in written and "baseline.json" in written
    assert {name: leaks(text) for name, text in written.items()} == {name: [] for name in written}


def test_scan_review_option_writes_no_secret(secret_root: Path, tmp_path: Path) -> None:
    review_file = tmp_path / "review.json"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewtui",
            "scan",
            str(secret_root),
            "--review",
            str(review_file),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 1, result.stderr
    assert leaks(review_file.read_text()) == []
    assert leaks(result.stdout + result.stderr) == []


def _everything_on_screen(app: ReviewApp) -> str:
    """What the screen draws now, and the whole text of every widget (scrolled out of
    view too)."""
    texts = [strip.text for strip in app.screen._compositor.render_strips()]
    for widget in app.screen.query(Static):
        visual = widget.visual
        lines = visual.lines if isinstance(visual, HangingText) else ()
        texts += [line.content.plain for line in lines]
        if isinstance(visual, Content):
            texts.append(visual.plain)
    return "\n".join(texts)


async def test_the_app_shows_no_secret_on_any_item_or_export(
    secret_root: Path, tmp_path: Path
) -> None:
    session = ReviewSession.open(secret_root, review_path=tmp_path / "review.json")
    app = ReviewApp(secret_root, session)
    shown: list[str] = []

    async with app.run_test(size=(120, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown.append(_everything_on_screen(app))
        app.open_walk(None)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ItemScreen)
        seen: list[str] = []
        while screen.walk.current not in seen:
            seen.append(screen.walk.current)
            shown.append(_everything_on_screen(app))
            await pilot.press("n")
        await pilot.press("t")  # every target, not the first few
        shown.append(_everything_on_screen(app))
        await pilot.press("escape", "x")
        await pilot.pause()

    assert len(seen) == len(session.catalogue.items)
    screen_text = "\n".join(shown)
    assert "****" in screen_text
    assert leaks(screen_text) == []
    exported = sorted((secret_root / ".reviewtui").glob("report.*"))
    assert [path.suffix for path in exported] == [".json", ".md", ".sarif"]
    assert {path.name: leaks(path.read_text()) for path in exported} == {
        path.name: [] for path in exported
    }
