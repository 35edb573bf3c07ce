"""No secret planted in what an engine runs reaches any output: reports, review file,
screen, notifications, logs.

The tokens of ``test_secrets_everywhere`` (cloud keys, GitHub, GitLab, Slack, Stripe,
Google and npm tokens, private key blocks, passwords in URLs and in flags) are planted in
the rig's engine: in the environment, labels, command and health check of a running
container and of a created one, in the ENV, ARG, LABEL and RUN steps of an image built
with the classic builder (so its history keeps every step with its build arguments), and
in the environment, labels and arguments of a swarm service. Beside them, secrets that
only their names mark, in forms an engine keeps and a file rarely shows: a password of
quotes and brackets (the history and ``Config.Env`` keep values unquoted), a build
argument of the same kind, and a value of several lines. Then every output is
searched for every secret, whole or eight characters of it: ``scan --live --all
--images`` as Markdown, JSON and SARIF (to standard output and with ``-o``) with its
``-v`` log, the review file ``--review`` writes and ``export`` of it, and the app: every
widget's text on the overview and on every item with live findings (every target drawn),
each notification, and the reports and review file it writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import engine_rig
import pytest
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from reviewtui.live import LiveSettings
from reviewtui.masking import MASK
from reviewtui.review.session import ReviewSession
from reviewtui.tui.app import ReviewApp
from reviewtui.tui.hanging import HangingText
from reviewtui.tui.screens.item import ItemScreen
from reviewtui.tui.widgets.item_view import ItemView
from tests.conftest import write_project
from tests.test_secrets_everywhere import (
    OPENSSH_BLOCK,
    RSA_BLOCK,
    RSA_ONE_LINE,
    SECRETS,
    leaks,
    secret,
)

SECRET_IMAGE = f"reviewtui-test/planted:{engine_rig.RUN}"
RUNNING = engine_rig.PREFIX + "planted-running"
CREATED = engine_rig.PREFIX + "planted-created"
SERVICE = engine_rig.PREFIX + "svc-planted"

# Secrets of no known format that only their name marks, in the forms an engine keeps
# and a file rarely shows: a generated password with quotes and brackets (the engine
# records ENV values and build arguments unquoted), and a value of several lines.
LIVE_SECRETS = {
    "symbol password": 'Sym"b0l}P4ss]w0rd',
    "build arg password": "Bu1ld'Arg\"Pw{x}",
    "multi-line secret": "Mult1L1neS3cretBody",
}
MULTI_LINE = f"first line\n{LIVE_SECRETS['multi-line secret']}\nlast line"

# Classic-builder syntax only (no heredocs). The commands after `true` never run, yet the
# history keeps them word for word; they share a few RUN steps, as in real images (and
# since each step costs a container).
SECRET_DOCKERFILE = f"""\
FROM {engine_rig.BASE_IMAGE}
ARG GITHUB_TOKEN={secret("github classic")}
ARG NPM_TOKEN
ARG DEPLOY_TOKEN={secret("arg token")}
ENV AWS_ACCESS_KEY_ID={secret("aws key id")} \\
    AWS_SECRET_ACCESS_KEY={secret("aws secret")}
ENV STRIPE_KEY {secret("stripe")}
ENV DATABASE_URL=postgres://app:{secret("url password")}@db:5432/app
ENV APP_PASSWORD='{LIVE_SECRETS["symbol password"]}'
ARG BUILD_PASSWORD
RUN echo "$GITHUB_TOKEN $NPM_TOKEN $DEPLOY_TOKEN" > /dev/null
RUN true git clone https://oauth2:{secret("gitlab")}@gitlab.example.com/team/app.git \\
    && true curl -H "Authorization: token {secret("github fine-grained")}" https://x.example/ \\
    && true mysql --password={secret("flag password")} -e "select 1"
RUN true docker login -u ci -p {secret("login password")} registry.example.com \\
    && true pip install --index-url https://ci:{secret("index password")}@pypi.example.com/ app \\
    && true --db-password {secret("spaced flag")} && PGPASSWORD={secret("inline env")} true \\
    && echo "{RSA_ONE_LINE}" > /tmp/id_rsa
LABEL org.example.api-key="{secret("label key")}"
HEALTHCHECK CMD ["true", "--password={secret("health password")}"]
CMD ["sleep", "3600"]
"""

# Variables, labels and arguments every container and the service carry.
ENVIRONMENT = {
    # First: a service's finding cites its first eight variables only.
    "DB_PASSWORD": LIVE_SECRETS["symbol password"],
    "SERVICE_CREDENTIALS": MULTI_LINE,
    "AWS_ACCESS_KEY_ID": secret("aws key id"),
    "AWS_SECRET_ACCESS_KEY": secret("aws secret"),
    "DATABASE_URL": f"postgres://user:{secret('url password')}@db/x",
    "GITHUB_TOKEN": secret("github classic"),
    "GITLAB_TOKEN": secret("gitlab"),
    "SLACK_BOT_TOKEN": secret("slack"),
    "STRIPE_SECRET": secret("stripe"),
    "GOOGLE_API_KEY": secret("google"),
    "NPM_TOKEN": secret("npm"),
    "PRIVATE_KEY": RSA_BLOCK,
    "SSH_KEY": OPENSSH_BLOCK,
    # Known token formats under names that do not sound secret are masked all the same.
    "RELEASE_NOTES": f"see {secret('github fine-grained')} for access",
    "MIRROR": f"https://ci:{secret('index password')}@pypi.example.com/simple",
    "LOGIN_COMMAND": f"docker login -u ci -p {secret('login password')} ghcr.io",
    "DEPLOY_TOKEN": secret("arg token"),
    "API_TOKEN": secret("env file token"),
    "CI_JOB_TOKEN": secret("ci token"),
    "PGPASSWORD": secret("inline env"),
}
LABELS = {
    "org.example.api-key": secret("label key"),
    "org.example.database": f"postgres://app:{secret('url password')}@db/app",
    "org.example.token": secret("github classic"),
}
# `sh -c SCRIPT NAME ARGS...` keeps the container running whatever its arguments say.
COMMAND = [
    "sh",
    "-c",
    "sleep 3600",
    "app",
    f"--password={secret('flag password')}",
    "--db-password",
    secret("spaced flag"),
    f"--token={secret('gitlab')}",
]
HEALTH = f"mysqladmin ping --password={secret('health password')}"
RIG_SECRETS = (engine_rig.PLANTED_PASSWORD, engine_rig.PLANTED_TOKEN, engine_rig.PLANTED_BUILD_ARG)
"""What the rig itself plants in its weak containers and image."""


def live_leaks(text: str) -> list[str]:
    """The planted secrets ``text`` shows: those of the files' table and this module's
    (whole or eight characters in a row), and the rig's."""
    found = leaks(text)
    for name, value in LIVE_SECRETS.items():
        if any(value[start : start + 8] in text for start in range(len(value) - 7)):
            found.append(name)
    return found + [value for value in RIG_SECRETS if value in text]


def _planted_options() -> list[str]:
    """``-e`` and ``--label`` options planting :data:`ENVIRONMENT` and :data:`LABELS`."""
    options: list[str] = []
    for name, value in ENVIRONMENT.items():
        options += ["-e", f"{name}={value}"]
    for name, value in LABELS.items():
        options += ["--label", f"{name}={value}"]
    return options


def _build_image(workdir: Path) -> None:
    context = workdir / "planted-image"
    context.mkdir()
    (context / "Dockerfile").write_text(SECRET_DOCKERFILE)
    engine_rig.docker(
        "build", "-q", "--build-arg", f"NPM_TOKEN={secret('npm')}",
        "--build-arg", f"BUILD_PASSWORD={LIVE_SECRETS['build arg password']}", "-t", SECRET_IMAGE,
        str(context),
    )  # fmt: skip


def _make_containers() -> None:
    common = ["--label", engine_rig.LABEL, "--label", engine_rig.RUN_LABEL, *_planted_options()]
    engine_rig.docker(
        "run", "-d", "--name", RUNNING, *common, "--network", "none", SECRET_IMAGE, *COMMAND
    )
    # Privileged, so it may not start here; it fails many items, each citing it.
    engine_rig.docker(
        "create", "--name", CREATED, *common, "--privileged", "--network", "none",
        "--health-cmd", HEALTH, "--entrypoint", "sh", SECRET_IMAGE,
        "-c", f"mysql --password={secret('flag password')} -e 'select 1'",
    )  # fmt: skip


def _make_service() -> None:
    options = _planted_options()
    engine_rig.docker(
        "service", "create", "--detach", "--no-resolve-image", "--replicas", "0",
        "--label", engine_rig.LABEL, "--label", engine_rig.RUN_LABEL,
        "--container-label", f"org.example.api-key={secret('label key')}",
        "--name", SERVICE, *options, "--health-cmd", HEALTH, SECRET_IMAGE, *COMMAND,
    )  # fmt: skip


@dataclass
class Planted:
    """The engine with this module's secrets, and an empty project to review it from."""

    project: Path
    """A project with no Docker file: every finding comes from the engine."""
    workdir: Path
    """Where the module writes its image's context, reports and review file."""


@pytest.fixture(scope="module")
def planted(
    live_swarm: engine_rig.Rig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Planted]:
    """The secret image, its two containers and the service, made once for the module
    and removed after it."""
    workdir = tmp_path_factory.mktemp("secrets-live")
    try:
        _build_image(workdir)
        _make_containers()
        _make_service()
        yield Planted(write_project(workdir / "project", {"README.md": "live only\n"}), workdir)
    finally:
        engine_rig.docker("service", "rm", SERVICE, check=False)
        engine_rig.docker("rm", "-f", "-v", RUNNING, CREATED, check=False)
        engine_rig.docker("rmi", "-f", SECRET_IMAGE, check=False)


def run_together(*commands: tuple[str, ...]) -> list[subprocess.CompletedProcess[str]]:
    """``python -m reviewtui ARGS`` for each of ``commands``, all at once (they spend much
    of their time waiting for the engine), each with its output and exit status."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "reviewtui", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    results = []
    for args, process in zip(commands, processes, strict=True):
        stdout, stderr = process.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(args, process.returncode, stdout, stderr))
    return results


LIVE = ("--live", "--all", "--images", "-v")
"""Every container and every image of the engine, with the log."""
FORMATS = ("markdown", "json", "sarif")


@pytest.fixture(scope="module")
def outputs(planted: Planted) -> dict[str, str]:
    """Every output of the CLI for the planted engine, by name: the three reports of one
    live scan each (JSON written with ``-o``, the review file with ``--review``), their
    logs, and the three reports ``export`` makes of that review file."""
    project = str(planted.project)
    review_file = planted.workdir / "review.json"
    json_file = planted.workdir / "report.json"
    scans = run_together(
        ("scan", project, *LIVE),
        ("scan", project, *LIVE, "--format", "json", "-o", str(json_file),
         "--review", str(review_file)),
        ("scan", project, *LIVE, "--format", "sarif"),
    )  # fmt: skip
    texts: dict[str, str] = {}
    for fmt, result in zip(FORMATS, scans, strict=True):
        assert result.returncode == 1, result.stderr  # the planted objects fail items
        assert "DEBUG reviewtui" in result.stderr
        texts[f"scan {fmt} stdout"] = result.stdout
        texts[f"scan {fmt} log"] = result.stderr
    texts["scan json -o"] = json_file.read_text()
    texts["review file"] = review_file.read_text()
    exports = run_together(
        *(("export", str(review_file), "--format", fmt, "-v") for fmt in FORMATS)
    )
    for fmt, result in zip(FORMATS, exports, strict=True):
        assert result.returncode == 0, result.stderr
        texts[f"export {fmt}"] = result.stdout
        texts[f"export {fmt} log"] = result.stderr
    return texts


def test_the_engine_really_holds_every_secret(planted: Planted) -> None:
    inspected = engine_rig.docker("inspect", RUNNING, CREATED, SECRET_IMAGE, SERVICE)
    history = engine_rig.docker("history", "--no-trunc", SECRET_IMAGE)

    assert sorted(live_leaks(inspected + history)) == sorted([*SECRETS, *LIVE_SECRETS])
    running = engine_rig.inspect(RUNNING)
    assert running["State"]["Status"] == "running"  # type: ignore[index]
    assert f"PRIVATE_KEY={RSA_BLOCK}" in running["Config"]["Env"]  # type: ignore[index]


def test_no_report_log_review_file_or_export_shows_a_secret(outputs: dict[str, str]) -> None:
    assert {name: live_leaks(text) for name, text in outputs.items()} == {
        name: [] for name in outputs
    }


def _findings(report: dict[str, object], item_id: str) -> dict[str, dict[str, object]]:
    items = report["items"]
    assert isinstance(items, list)
    item = next(each for each in items if each["id"] == item_id)
    return {finding["target"]: finding for finding in item["findings"]}


def test_the_reports_speak_of_the_planted_secrets_masked(outputs: dict[str, str]) -> None:
    report = json.loads(outputs["scan json -o"])

    # The findings are there, citing the planted objects with their values masked.
    env = _findings(report, "runtime.secrets-not-env")
    for name in (RUNNING, CREATED):
        finding = env[f"container {name} on default"]
        assert finding["status"] == "fail"
        assert "****" in json.dumps(finding["evidence"])
    service = env[f"swarm service {SERVICE} on default"]
    assert service["status"] == "fail"
    image = _findings(report, "build.no-secrets-in-arg-env")[
        f"image {SECRET_IMAGE} (engine default)"
    ]
    assert image["status"] == "fail"
    assert "****" in json.dumps(image["evidence"])
    for name in ("markdown", "sarif"):
        assert "****" in outputs[f"scan {name} stdout"]


def _widget_texts(widget: Widget) -> list[str]:
    """The whole text of a static widget, scrolled out of view or not."""
    if not isinstance(widget, Static):
        return []
    visual = widget.visual
    if isinstance(visual, HangingText):
        return [line.content.plain for line in visual.lines]
    return [visual.plain] if isinstance(visual, Content) else []


def _every_widget_text(app: ReviewApp) -> str:
    """The whole text of every widget on the screen, scrolled out of view or not."""
    return "\n".join(text for widget in app.screen.query("*") for text in _widget_texts(widget))


def _drawn(app: ReviewApp) -> str:
    """What the screen draws now."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_app_shows_no_secret_on_any_live_item_or_export(planted: Planted) -> None:
    project = planted.workdir / "app-project"
    write_project(project, {"README.md": "live only\n"})
    session = ReviewSession.open(project, live=LiveSettings(all_containers=True, all_images=True))
    app = ReviewApp(project, session)
    notified: list[str] = []
    notify = app.notify

    def recording_notify(message: str, *args: object, **kwargs: object) -> None:
        notified.append(message)
        notify(message, *args, **kwargs)  # type: ignore[arg-type]

    app.notify = recording_notify  # type: ignore[method-assign]
    shown: list[str] = []

    async with app.run_test(size=(120, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown += [_drawn(app), _every_widget_text(app)]
        live_items = [
            item.id
            for item in session.catalogue.items
            if any(f.target.host for f in session.state(item.id).findings)
        ]
        screen = ItemScreen(None, live_items)
        await app.push_screen(screen)
        await pilot.pause()
        screen.query_one(ItemView).all_targets = True  # every target, not the first few
        await pilot.press("2")  # an answer, so the review file is written (and a redraw)
        seen: list[str] = []
        drawn: list[str] = []
        while screen.walk.current not in seen:
            seen.append(screen.walk.current)
            texts = _every_widget_text(app)
            shown.append(texts)
            # Drawing an item the first time costs a tenth of a second or more: the screen
            # is drawn for the items that show masked values, the widgets give the rest.
            if MASK in texts:
                await pilot.pause()
                drawn.append(screen.walk.current)
                shown.append(_drawn(app))
            # What `n` does, without the key's round trip, which costs more again.
            screen.action_next_item()
        await pilot.press("escape", "x")
        await pilot.pause()

    assert seen == live_items
    assert {"runtime.secrets-not-env", "build.no-secrets-in-arg-env"} <= set(drawn)
    screen_text = "\n".join(shown)
    assert RUNNING in screen_text and SERVICE in screen_text and SECRET_IMAGE in screen_text
    assert "****" in screen_text
    assert live_leaks(screen_text) == []
    assert "Wrote .reviewtui/report.md, .json, .sarif" in notified, notified
    assert live_leaks("\n".join(notified)) == []
    written = sorted(path for path in (project / ".reviewtui").iterdir() if path.is_file())
    assert {path.name for path in written} >= {"report.md", "report.json", "report.sarif"}
    assert "review.json" in {path.name for path in written}
    assert {path.name: live_leaks(path.read_text()) for path in written} == {
        path.name: [] for path in written
    }
