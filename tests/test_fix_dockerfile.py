"""Dockerfile fixes: each makes its item pass, changes only its own lines, worsens nothing.

Every fixture under ``fixtures/fixes/dockerfile`` fails one item (``weak`` fails all
five); the test copies it, applies the item's fix through the planner and the writer,
scans again, and compares answers and lines with what the case declares.
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import write_project
from fix_helpers import answers, apply_fixes, changed_answers, failing

from reviewtui.fix.dockerfile_fixes import MAKERS, explain
from reviewtui.fix.dockerfile_text import NoFix
from reviewtui.fix.model import Edit
from reviewtui.fix.plan import plan_files, propose
from reviewtui.fix.registry import fixers
from reviewtui.model import Finding, Status, Target, TargetKind
from reviewtui.project import read_project

FIXTURES = Path(__file__).parent / "fixtures" / "fixes" / "dockerfile"
TARGET = Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile")
USER = "build.non-root-user"
COPY = "build.copy-not-add"
TAG = "image.base-tag-pinned"
HEALTH = "build.healthcheck"
SECRETS = "build.no-secrets-in-arg-env"
PROBE = "--interval=30s --timeout=5s --start-period=30s --retries=3 CMD"
TEMPLATE = "# Health check template: adapt the probe to the program."


@dataclass(frozen=True)
class Case:
    """A failing fixture, the items fixed, and exactly what the fix may change.

    ``improves`` lists the other items whose answer the fix may change, each with its
    old and new status; ``behaviour`` a phrase the fix's behaviour note must hold
    (empty: the fix says it cannot change behaviour).
    """

    folder: str
    items: tuple[str, ...]
    removed: tuple[str, ...]
    added: tuple[str, ...]
    improves: dict[str, tuple[Status, Status]] = field(default_factory=dict)
    behaviour: str = "x"


CASES = [
    Case(
        "user_numeric",
        (USER,),
        (),
        ("USER 10001:10001",),
        behaviour="runs as 10001:10001 instead of root",
    ),
    Case("user_created", (USER,), (), ("USER app",), behaviour="runs as app"),
    Case("user_lowercase", (USER,), (), ("user 10001:10001",), behaviour="instead of root"),
    Case("user_distroless", (USER,), (), ("USER nonroot",), behaviour="runs as nonroot"),
    Case(
        "user_root_ports",
        (USER,),
        (),
        ("USER 10001:10001",),
        behaviour="may not bind port 80",
    ),
    Case("user_windows", (USER,), (), ("USER ContainerUser",), behaviour="ContainerUser"),
    Case("user_heredoc", (USER,), (), ("USER 10001:10001",), behaviour="instead of root"),
    Case(
        "copy_local",
        (COPY,),
        (
            "ADD --chown=node:node package.json package-lock.json ./",
            'add ["src/", "/app/src/"]',
            "ADD --link \\",
        ),
        (
            "COPY --chown=node:node package.json package-lock.json ./",
            'copy ["src/", "/app/src/"]',
            "COPY --link \\",
        ),
        behaviour="",
    ),
    Case(
        "copy_archive_kept",
        (COPY,),
        ("ADD scripts/entrypoint.sh /usr/local/bin/entrypoint.sh",),
        ("COPY scripts/entrypoint.sh /usr/local/bin/entrypoint.sh",),
        behaviour="",
    ),
    Case(
        "tag_same_image",
        (TAG,),
        ("FROM python:slim",),
        ("FROM python:3.12.1-slim",),
        behaviour="pulls the pinned version",
    ),
    Case(
        "tag_copy_from",
        (TAG,),
        ("COPY --from=alpine:latest /etc/passwd /etc/passwd",),
        ("COPY --from=alpine:3.19.1 /etc/passwd /etc/passwd",),
        # Naming a pinned image in --from also settles the stage-references item.
        {"build.stage-references": (Status.FAIL, Status.PASS)},
        behaviour="pulls the pinned version",
    ),
    Case(
        "tag_arg_default",
        (TAG,),
        ("ARG BASE=debian",),
        ("ARG BASE=debian:bookworm-20240110",),
        behaviour="pulls the pinned version",
    ),
    Case(
        "health_curl",
        (HEALTH,),
        (),
        (TEMPLATE, f"HEALTHCHECK {PROBE} curl -fsS http://localhost:8080/ || exit 1"),
        behaviour="unhealthy",
    ),
    Case(
        "health_alpine_end",
        (HEALTH,),
        (),
        (
            TEMPLATE,
            f"HEALTHCHECK {PROBE} wget -q -O /dev/null http://localhost:3000/ || exit 1",
        ),
        behaviour="unhealthy",
    ),
    Case(
        "secret_arg_url",
        (SECRETS,),
        (
            "ARG GITHUB_TOKEN",
            "RUN git clone https://${GITHUB_TOKEN}@github.com/example/private.git /src \\",
        ),
        (
            "RUN --mount=type=secret,id=GITHUB_TOKEN git clone "
            "https://$(cat /run/secrets/GITHUB_TOKEN)@github.com/example/private.git /src \\",
        ),
        {"build.secret-mounts": (Status.FAIL, Status.PASS)},
        behaviour="--secret id=GITHUB_TOKEN,env=GITHUB_TOKEN",
    ),
    Case(
        "secret_env_continued",
        (SECRETS,),
        (
            "    SERVICE_API_KEY=c2VjcmV0LXZhbHVlLTEyMzQ1 \\",
            'RUN curl -fsS -H "Authorization: Bearer $SERVICE_API_KEY" '
            "https://api.example.com/setup \\",
        ),
        (
            "RUN --mount=type=secret,id=SERVICE_API_KEY curl -fsS -H "
            '"Authorization: Bearer $(cat /run/secrets/SERVICE_API_KEY)" '
            "https://api.example.com/setup \\",
        ),
        {"build.secret-mounts": (Status.NOT_APPLICABLE, Status.PASS)},
        behaviour="no longer sets SERVICE_API_KEY in its environment",
    ),
    Case(
        "secret_env_option",
        (SECRETS,),
        ("ARG NPM_TOKEN", "RUN NPM_TOKEN=$NPM_TOKEN npm ci"),
        ("RUN --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN NPM_TOKEN=$NPM_TOKEN npm ci",),
        behaviour="--secret id=NPM_TOKEN,env=NPM_TOKEN",
    ),
    Case(
        "secret_global_arg",
        (SECRETS,),
        (
            "ARG PIP_INDEX_TOKEN",
            "ARG PIP_INDEX_TOKEN",
            'RUN pip install --index-url "https://build:${PIP_INDEX_TOKEN}@pypi.example.com/'
            'simple" internal-lib',
        ),
        (
            "RUN --mount=type=secret,id=PIP_INDEX_TOKEN pip install --index-url "
            '"https://build:$(cat /run/secrets/PIP_INDEX_TOKEN)@pypi.example.com/simple" '
            "internal-lib",
        ),
        {"build.secret-mounts": (Status.FAIL, Status.PASS)},
        behaviour="--secret id=PIP_INDEX_TOKEN,env=PIP_INDEX_TOKEN",
    ),
    Case(
        "weak",
        (TAG, USER, SECRETS, COPY, HEALTH),
        (
            "ARG NPM_TOKEN",
            "ADD package.json package-lock.json ./",
            'RUN npm config set //registry.npmjs.org/:_authToken "$NPM_TOKEN" \\',
            "ADD . .",
            "FROM node:alpine",
        ),
        (
            "COPY package.json package-lock.json ./",
            "RUN --mount=type=secret,id=NPM_TOKEN npm config set "
            '//registry.npmjs.org/:_authToken "$(cat /run/secrets/NPM_TOKEN)" \\',
            "COPY . .",
            "FROM node:20.11.1-alpine",
            "USER node",
            TEMPLATE,
            f"HEALTHCHECK {PROBE} wget -q -O /dev/null http://localhost:8080/ || exit 1",
        ),
        {"build.secret-mounts": (Status.FAIL, Status.PASS)},
    ),
]


def copy_fixture(folder: str, tmp_path: Path) -> Path:
    root = tmp_path / folder
    shutil.copytree(FIXTURES / folder, root)
    return root


def changed_lines(before: str, after: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lines a diff removes and adds, with their line ends, in file order."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    removed: list[str] = []
    added: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.extend(old[i1:i2])
            added.extend(new[j1:j2])
    return tuple(removed), tuple(added)


def with_ends(lines: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(line + "\n" for line in lines)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.folder)
def test_a_fix_makes_its_item_pass_and_changes_only_its_lines(case: Case, tmp_path: Path) -> None:
    root = copy_fixture(case.folder, tmp_path)
    before_text = (root / "Dockerfile").read_text()
    before = answers(root)
    assert read_project(root).problems == []
    for item in case.items:
        assert before[item][TARGET] is Status.FAIL, item

    plans = apply_fixes(root, set(case.items))

    [plan] = plans
    assert [fix.item for fix in plan.fixes] == [i for i in MAKERS if i in case.items]
    assert plan.skipped == []
    after_text = (root / "Dockerfile").read_text()
    after = answers(root)
    for item in case.items:
        assert after[item][TARGET] is Status.PASS, item
    changes = changed_answers(before, after)
    for item in case.items:
        changes.pop(item)
    assert changes == {
        item: [f"{TARGET}: {old} -> {new}"] for item, (old, new) in case.improves.items()
    }
    assert all(new is not Status.FAIL for _, new in case.improves.values())
    removed, added = changed_lines(before_text, after_text)
    assert removed == with_ends(case.removed)
    assert added == with_ends(case.added)
    assert not [line for line in removed if not line.strip() or line.lstrip().startswith("#")]
    assert read_project(root).problems == []
    for fix in plan.fixes:
        assert fix.summary and fix.check
    if len(case.items) == 1:
        [fix] = plan.fixes
        if case.behaviour:
            assert case.behaviour in fix.behaviour
        else:
            assert not fix.changes_behaviour


def test_a_file_without_a_final_newline_keeps_going_without_one(tmp_path: Path) -> None:
    root = copy_fixture("user_lowercase", tmp_path)

    apply_fixes(root, {USER})

    assert (
        (root / "Dockerfile")
        .read_text()
        .endswith("user 10001:10001\n# no CMD: the base image has none either")
    )


def test_crlf_line_ends_and_a_byte_order_mark_are_kept(tmp_path: Path) -> None:
    text = '\ufeffFROM debian:bookworm-20240110-slim\r\nEXPOSE 8080\r\nCMD ["app"]\r\n'
    root = write_project(tmp_path, {"Dockerfile": text})

    apply_fixes(root, {USER, HEALTH})

    raw = (root / "Dockerfile").read_bytes().decode("utf-8")
    assert raw == (
        "\ufeffFROM debian:bookworm-20240110-slim\r\nEXPOSE 8080\r\nUSER 10001:10001\r\n"
        f"{TEMPLATE}\r\nHEALTHCHECK {PROBE} curl -fsS http://localhost:8080/ || exit 1\r\n"
        'CMD ["app"]\r\n'
    )


def test_the_diff_of_a_secret_fix_masks_the_secret(tmp_path: Path) -> None:
    root = copy_fixture("secret_env_continued", tmp_path)
    [(item, finding)] = failing(root, {SECRETS})

    fix = propose(item, finding, (root / "Dockerfile").read_text())

    assert fix is not None
    assert "c2VjcmV0LXZhbHVlLTEyMzQ1" not in fix.diff()
    assert "-    SERVICE_API_KEY=" in fix.diff()


# -- no fix where none is safe ------------------------------------------------------------------

NO_FIX = [
    (COPY, "FROM alpine:3.19.1\nADD https://example.com/tool /usr/local/bin/tool\n", "downloads"),
    (
        COPY,
        "FROM alpine:3.19.1\nADD vendor.tgz notes.txt /opt/\n",
        "an archive ADD unpacks",
    ),
    (
        COPY,
        "FROM alpine:3.19.1\nADD app.conf /etc/\nADD git@github.com:example/repo.git /src\n",
        "downloads",
    ),
    (COPY, "FROM alpine:3.19.1\nARG SRC\nADD $SRC /opt/\n", "a variable without a default"),
    (COPY, "FROM alpine:3.19.1\nADD --keep-git-dir=true repo /src\n", "--keep-git-dir"),
    (TAG, 'FROM node:latest\nCMD ["node"]\n', "pins no version tags"),
    (TAG, "FROM node:18 AS a\nFROM node:20 AS b\nFROM node\n", "2 different version tags"),
    (TAG, "FROM node:18.19.0 AS a\nFROM node:lts\n", "the moving tag lts"),
    (TAG, "ARG V=latest\nFROM node:20.11.1 AS a\nFROM node:$V\nRUN echo $V\n", "ARG V"),
    (HEALTH, 'FROM debian:bookworm-20240110-slim\nCMD ["app"]\n', "EXPOSEs no TCP port"),
    (HEALTH, "FROM scratch\nCOPY app /app\nEXPOSE 8080\n", "scratch"),
    (
        HEALTH,
        "FROM gcr.io/distroless/static-debian12:nonroot\nEXPOSE 8080\n",
        "no shell or HTTP client",
    ),
    (HEALTH, "FROM alpine:3.19.1\nEXPOSE 80\nHEALTHCHECK NONE\n", "on purpose"),
    (HEALTH, "FROM redis:7.2.4\nEXPOSE 6379\n", "speaks the Redis protocol, not HTTP"),
    (
        HEALTH,
        'FROM alpine:3.19.1\nEXPOSE 9000\nCMD ["php-fpm"]\n',
        "speaks FastCGI (php-fpm), not HTTP",
    ),
    (
        SECRETS,
        'FROM alpine:3.19.1\nENV TRUST_STORE_PASSWORD="/run/secrets/store.pass"\n',
        "holds the path",
    ),
    (
        SECRETS,
        "FROM alpine:3.19.1\nARG API_TOKEN\nLABEL token=$API_TOKEN\n",
        "LABEL at line 3 uses API_TOKEN",
    ),
    (
        SECRETS,
        "FROM alpine:3.19.1\nARG API_TOKEN\nRUN echo ${API_TOKEN:-none} > /x\n",
        "sets a default",
    ),
    (
        SECRETS,
        'FROM alpine:3.19.1\nARG API_TOKEN\nRUN ["sh", "-c", "echo $API_TOKEN"]\n',
        "exec-form RUN",
    ),
    (
        SECRETS,
        "FROM alpine:3.19.1\nARG API_TOKEN\nRUN use $API_TOKEN\nENV API_TOKEN=\n",
        "set again at line 4",
    ),
    (
        SECRETS,
        "# syntax=docker/dockerfile:1.1\nFROM alpine:3.19.1\nARG API_TOKEN\nRUN a $API_TOKEN\n",
        "predates RUN --mount",
    ),
    (
        SECRETS,
        "FROM alpine:3.19.1\nARG API_TOKEN\nRUN <<EOF\necho $API_TOKEN\nEOF\n",
        "a heredoc of the RUN at line 3 uses API_TOKEN",
    ),
    (
        SECRETS,
        'FROM alpine:3.19.1\nSHELL ["/bin/fish", "-c"]\nARG API_TOKEN\nRUN use $API_TOKEN\n',
        "RUN steps run in",
    ),
    # The reader drops a RUN whose continuation is left open at the end of the file; a
    # USER added after the last instruction it read would land before that RUN.
    (USER, "FROM alpine:3.19.1\nRUN echo done \\\n", "line 2 belongs to no instruction"),
]


@pytest.mark.parametrize(
    ("item", "text", "reason"), NO_FIX, ids=[f"{i}-{r}" for i, _, r in NO_FIX]
)
def test_no_fix_where_none_is_safe(item: str, text: str, reason: str, tmp_path: Path) -> None:
    made = explain(item, text, "Dockerfile")

    assert isinstance(made, NoFix)
    assert reason in made.reason
    root = write_project(tmp_path, {"Dockerfile": text})
    plans, errors = plan_files(root, failing(root, {item}), list(MAKERS))
    assert errors == []
    [plan] = plans
    assert plan.fixes == []
    assert [skipped[0] for skipped in plan.skipped] == [item]
    assert (root / "Dockerfile").read_text() == text


def test_an_edit_that_misses_its_item_or_harms_another_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "FROM alpine:3.19.1\nEXPOSE 8080\n"
    detector, _ = MAKERS[HEALTH]

    def comment_only(dockerfile: object, text: str) -> Edit:
        return Edit(text + "# HEALTHCHECK CMD true\n", "a comment")

    def with_a_download(dockerfile: object, text: str) -> Edit:
        return Edit(text + "HEALTHCHECK CMD true\nADD http://example.com/x /x\n", "worse")

    monkeypatch.setitem(MAKERS, HEALTH, (detector, comment_only))
    missed = explain(HEALTH, text, "Dockerfile")
    monkeypatch.setitem(MAKERS, HEALTH, (detector, with_a_download))
    harmful = explain(HEALTH, text, "Dockerfile")

    assert isinstance(missed, NoFix)
    assert missed.reason == "the edit would leave the item fail"
    assert isinstance(harmful, NoFix)
    assert "copy_not_add go from pass to fail" in harmful.reason


def test_every_dockerfile_item_with_a_maker_has_a_registered_fixer() -> None:
    registered = fixers()

    assert set(MAKERS) <= set(registered)
    for item in MAKERS:
        assert registered[item].__module__ == "reviewtui.fix.dockerfile_fixes"


def test_a_dockerfile_fixer_gives_nothing_for_another_kind_of_target() -> None:
    service = Target(TargetKind.SERVICE, "compose.yaml", "web")
    finding = Finding(service, Status.FAIL, "runs as root")

    assert fixers()[USER]("FROM alpine:3.19.1\n", service, finding) is None


def test_a_health_check_probes_the_first_http_port_and_https_without_verifying() -> None:
    text = 'FROM debian:bookworm-20240110-slim\nEXPOSE 5432 443\nCMD ["app"]\n'

    made = explain(HEALTH, text, "Dockerfile")

    assert isinstance(made, Edit)
    assert f"{PROBE} curl -fsSk https://localhost:443/ || exit 1\n" in made.text
    assert "https://localhost:443/ with curl" in made.summary
    assert "template" in made.summary and "template" in made.check


def test_an_edit_reports_what_it_does() -> None:
    made = explain(USER, 'FROM python:3.12.1-slim\nEXPOSE 443\nCMD ["app"]\n', "Dockerfile")

    assert isinstance(made, Edit)
    assert made.summary.startswith("Run the final stage as 10001:10001")
    assert "port 443" in made.behaviour
    assert "can write" in made.check
