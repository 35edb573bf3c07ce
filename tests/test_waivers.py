"""Waivers: each comment syntax, file-wide and line-level, the project file, the verdict."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from reviewtui.checklists import load_catalogue
from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project import read_project
from reviewtui.review import store
from reviewtui.review.model import Answer, ItemState, Review, Verdict
from reviewtui.review.session import ReviewSession
from reviewtui.waivers import Span, Waiver, WaiverSource, collect_waivers
from reviewtui.waivers.comments import Reach, normalise_rule, read_comment
from reviewtui.waivers.yaml_lines import block_end, read_layout
from tests.conftest import write_project

TODAY = date(2026, 6, 1)
CATALOGUE = load_catalogue()

ROOT_DOCKERFILE = """\
FROM python:3.12.4-slim
COPY app.py /app/app.py
{comment}
USER root
CMD ["python", "/app/app.py"]
"""


def waivers_of(root: Path, on: date = TODAY) -> tuple[list[Waiver], list[str]]:
    """The waivers of a project and its problems as ``path:line: reason`` lines."""
    waivers, problems = collect_waivers(read_project(root), CATALOGUE, on)
    return waivers, [f"{p.location}: {p.reason}" for p in problems]


def scanned(root: Path) -> ReviewSession:
    session = ReviewSession.open(root, CATALOGUE, autosave=False)
    session.scan()
    return session


# --- reading one comment -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source", "reach", "ids", "reason"),
    [
        (
            " reviewtui: ignore=build.non-root-user binds port 80",
            WaiverSource.INLINE,
            Reach.NEXT,
            ("build.non-root-user",),
            "binds port 80",
        ),
        (
            "reviewtui: ignore-file=a.b,c.d — legacy",
            WaiverSource.INLINE,
            Reach.FILE,
            ("a.b", "c.d"),
            "legacy",
        ),
        (
            " hadolint ignore=DL3002,DL3008",
            WaiverSource.HADOLINT,
            Reach.NEXT,
            ("DL3002", "DL3008"),
            "",
        ),
        (
            " hadolint ignore=DL3002 # root for the port",
            WaiverSource.HADOLINT,
            Reach.NEXT,
            ("DL3002",),
            "root for the port",
        ),
        (" hadolint global ignore=DL3057", WaiverSource.HADOLINT, Reach.FILE, ("DL3057",), ""),
        (
            "checkov:skip=CKV_DOCKER_3:the base image sets a user",
            WaiverSource.CHECKOV,
            Reach.FILE,
            ("CKV_DOCKER_3",),
            "the base image sets a user",
        ),
        (" checkov:skip=CKV_DOCKER_2", WaiverSource.CHECKOV, Reach.FILE, ("CKV_DOCKER_2",), ""),
        (" trivy:ignore:AVD-DS-0002", WaiverSource.TRIVY, Reach.NEXT, ("AVD-DS-0002",), ""),
    ],
)
def test_each_comment_syntax_is_read(
    text: str, source: WaiverSource, reach: Reach, ids: tuple[str, ...], reason: str
) -> None:
    directive = read_comment(text)

    assert directive is not None
    assert (directive.source, directive.reach, directive.ids, directive.reason) == (
        source,
        reach,
        ids,
        reason,
    )


def test_trivy_expiry_and_other_comments() -> None:
    directive = read_comment(" trivy:ignore:DS002:exp:2025-01-31 until the rebuild")

    assert directive is not None
    assert directive.expires == "2025-01-31"
    assert directive.reason == "until the rebuild"
    assert read_comment(" install the tools") is None
    assert read_comment(" hadolint shell=powershell") is None
    assert read_comment(" reviewtui is run in CI") is None


def test_a_misspelt_reviewtui_comment_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot read this reviewtui comment"):
        read_comment(" reviewtui: ignroe=build.healthcheck")


@pytest.mark.parametrize("written", ["DS-0002", "AVD-DS-0002", "DS002", "ds-0002", "avd-ds-2"])
def test_trivy_ids_are_normalised(written: str) -> None:
    assert normalise_rule(WaiverSource.TRIVY, written) == "DS-0002"


# --- Dockerfiles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "source", "rule"),
    [
        ("# reviewtui: ignore=build.non-root-user binds port 80", WaiverSource.INLINE, ""),
        ("# hadolint ignore=DL3002", WaiverSource.HADOLINT, "DL3002"),
        ("# trivy:ignore:DS-0002", WaiverSource.TRIVY, "DS-0002"),
    ],
)
def test_a_comment_above_the_instruction_waives_its_finding(
    tmp_path: Path, comment: str, source: WaiverSource, rule: str
) -> None:
    root = write_project(
        tmp_path / "p", {"Dockerfile": ROOT_DOCKERFILE.format(comment=comment), "app.py": ""}
    )

    session = scanned(root)

    state = session.state("build.non-root-user")
    assert state.detected is Status.FAIL
    assert state.verdict is Verdict.ACCEPTED_RISK
    assert state.waived
    waiver = state.waiver_for(state.findings[0])
    assert waiver is not None
    assert (waiver.source, waiver.rule, waiver.location) == (source, rule, "Dockerfile:3")
    assert waiver.span == Span("Dockerfile", 4, 4)
    expected_reason = "binds port 80" if source is WaiverSource.INLINE else "no reason given"
    assert waiver.describe().endswith(f": {expected_reason}")
    assert waiver.describe().startswith("waived in source (Dockerfile:3")


def test_a_line_comment_waives_only_the_instruction_below(tmp_path: Path) -> None:
    dockerfile = ROOT_DOCKERFILE.format(comment="# hadolint ignore=DL3002").replace(
        "COPY app.py /app/app.py", "ADD app.py /app/app.py"
    )
    root = write_project(tmp_path / "p", {"Dockerfile": dockerfile, "app.py": ""})

    session = scanned(root)

    assert session.state("build.non-root-user").verdict is Verdict.ACCEPTED_RISK
    add = session.state("build.copy-not-add")
    assert add.verdict is Verdict.FAIL
    assert add.waivers == ()


def test_blank_lines_and_other_comments_may_stand_between(tmp_path: Path) -> None:
    comment = "# trivy:ignore:AVD-DS-0002\n# the service binds port 80\n"  # then a blank line
    root = write_project(
        tmp_path / "p", {"Dockerfile": ROOT_DOCKERFILE.format(comment=comment), "app.py": ""}
    )

    waivers, problems = waivers_of(root)

    assert problems == []
    assert [(w.item, w.span) for w in waivers] == [
        ("build.non-root-user", Span("Dockerfile", 6, 6))
    ]


def test_a_waiver_above_a_continued_run_covers_all_its_lines(tmp_path: Path) -> None:
    dockerfile = (
        "FROM alpine:3.20\n"
        "# reviewtui: ignore=build.multi-stage\n"
        "RUN apk add --no-cache gcc \\\n"
        "    && make\n"
        "USER 10001\n"
    )
    root = write_project(tmp_path / "p", {"Dockerfile": dockerfile})

    waivers, _ = waivers_of(root)

    assert waivers[0].span == Span("Dockerfile", 3, 4)
    finding = Finding(
        Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile"),
        Status.FAIL,
        "gcc in the final stage",
        (Evidence("Dockerfile", 4, "&& make"),),
    )
    assert waivers[0].covers(finding)


@pytest.mark.parametrize(
    ("header", "source"),
    [
        ("# reviewtui: ignore-file=build.healthcheck probes run in the cluster", "inline"),
        ("# hadolint global ignore=DL3057", "hadolint"),
        ("#checkov:skip=CKV_DOCKER_2:probes run in the cluster", "checkov"),
    ],
)
def test_file_wide_waivers_cover_the_dockerfile(tmp_path: Path, header: str, source: str) -> None:
    dockerfile = f'{header}\nFROM python:3.12.4-slim\nUSER 10001\nCMD ["python"]\n'
    root = write_project(tmp_path / "p", {"Dockerfile": dockerfile})

    session = scanned(root)

    state = session.state("build.healthcheck")
    assert state.detected is Status.FAIL
    assert state.verdict is Verdict.ACCEPTED_RISK
    waiver = state.waiver_for(state.findings[0])
    assert waiver is not None and waiver.source.value == source
    assert waiver.targets == (Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile"),)


def test_file_wide_tool_skips_waive_an_item_only_when_every_rule_is_skipped(
    tmp_path: Path,
) -> None:
    # build.non-root-user lists CKV_DOCKER_3 (a USER exists) and CKV_DOCKER_8 (not root).
    one = "#checkov:skip=CKV_DOCKER_3:the base image sets a user\n"
    both = one + "#checkov:skip=CKV_DOCKER_8:root for the port\n"
    body = ROOT_DOCKERFILE.format(comment="")
    alone = write_project(tmp_path / "one", {"Dockerfile": one + body, "app.py": ""})
    together = write_project(tmp_path / "both", {"Dockerfile": both + body, "app.py": ""})

    assert waivers_of(alone) == ([], [])
    waivers, _ = waivers_of(together)
    assert [(w.item, w.rule, w.line, w.reason) for w in waivers] == [
        (
            "build.non-root-user",
            "CKV_DOCKER_3, CKV_DOCKER_8",
            2,
            "the base image sets a user; root for the port",
        )
    ]
    assert waivers[0].targets == (Target(TargetKind.DOCKERFILE, "Dockerfile", "Dockerfile"),)


def test_checkov_skip_counts_anywhere_but_ignore_file_only_at_the_top(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12.4-slim\n"
        "#checkov:skip=CKV_DOCKER_2\n"
        "# reviewtui: ignore-file=build.non-root-user too late\n"
        'CMD ["python"]\n'
    )
    root = write_project(tmp_path / "p", {"Dockerfile": dockerfile})

    waivers, problems = waivers_of(root)

    assert [w.item for w in waivers] == ["build.healthcheck"]
    assert problems == [
        "Dockerfile:3: waiver comment: ignore-file must stand above the first instruction; "
        "not applied"
    ]


def test_unknown_items_and_unreadable_comments_are_problems(tmp_path: Path) -> None:
    dockerfile = (
        "FROM python:3.12.4-slim\n"
        "# reviewtui: ignore=build.non-root-user,build.no-such-item reason\n"
        "USER root\n"
        "# reviewtui ignore build.healthcheck\n"
        "# reviewtui: skip=build.healthcheck\n"
        "# hadolint ignore=DL9999\n"
        'CMD ["python"]\n'
        "# reviewtui: ignore=build.healthcheck\n"
    )
    root = write_project(tmp_path / "p", {"Dockerfile": dockerfile})

    waivers, problems = waivers_of(root)

    # DL9999 stands for no item: nothing is waived, nothing reported.
    assert [w.item for w in waivers] == ["build.non-root-user"]
    assert problems == [
        "Dockerfile:2: waiver comment: no checklist item is named 'build.no-such-item'",
        "Dockerfile:5: waiver comment: cannot read this reviewtui comment: write "
        "'# reviewtui: ignore=ITEM[,ITEM] reason' or "
        "'# reviewtui: ignore-file=ITEM[,ITEM] reason'",
        "Dockerfile:8: waiver comment: no instruction below this waiver",
    ]


def test_trivy_expired_waiver_is_shown_but_not_applied(tmp_path: Path) -> None:
    comment = "# trivy:ignore:DS-0002:exp:2026-01-31"
    root = write_project(
        tmp_path / "p", {"Dockerfile": ROOT_DOCKERFILE.format(comment=comment), "app.py": ""}
    )

    waivers, _ = waivers_of(root)

    assert [(w.expired, w.expires) for w in waivers] == [(True, "2026-01-31")]
    assert waivers[0].describe() == (
        "waiver expired on 2026-01-31 (Dockerfile:3, trivy DS-0002): no reason given"
    )
    assert waivers_of(root, date(2026, 1, 31))[0][0].expired is False


def test_trivy_expiry_that_is_no_date_is_a_problem(tmp_path: Path) -> None:
    comment = "# trivy:ignore:DS-0002:exp:2026-02-30"
    root = write_project(
        tmp_path / "p", {"Dockerfile": ROOT_DOCKERFILE.format(comment=comment), "app.py": ""}
    )

    assert waivers_of(root) == (
        [],
        ["Dockerfile:3: waiver comment: 2026-02-30 is not a date; not applied"],
    )


# --- compose files -------------------------------------------------------------------------

COMPOSE = """\
{header}
services:
  {above_web}
  web:
    image: nginx:1.27
    privileged: true
    {above_volumes}
    volumes:
    - /var/run/docker.sock:/var/run/docker.sock
    cap_drop: [ALL]
  db:
    image: postgres:16.3
    privileged: true
"""


def compose_project(tmp_path: Path, header: str = "", web: str = "", volumes: str = "") -> Path:
    text = COMPOSE.format(header=header, above_web=web, above_volumes=volumes)
    return write_project(tmp_path / "p", {"compose.yaml": text})


def test_a_comment_above_a_service_waives_that_service(tmp_path: Path) -> None:
    root = compose_project(tmp_path, web="# reviewtui: ignore=runtime.not-privileged vpn")

    session = scanned(root)

    state = session.state("runtime.not-privileged")
    by_service = {f.target.name: state.waiver_for(f) for f in state.findings}
    assert by_service["db"] is None
    web = by_service["web"]
    assert web is not None and web.reason == "vpn" and web.location == "compose.yaml:3"
    assert state.partly_waived
    assert state.verdict is Verdict.FAIL


def test_a_comment_above_a_key_waives_the_findings_in_its_block(tmp_path: Path) -> None:
    root = compose_project(
        tmp_path, volumes="# reviewtui: ignore=runtime.no-docker-socket,runtime.not-privileged"
    )

    session = scanned(root)

    socket = session.state("runtime.no-docker-socket")
    assert socket.verdict is Verdict.ACCEPTED_RISK
    waiver = socket.waivers[0]
    assert waiver.span == Span("compose.yaml", 8, 9)  # the key and its list entry
    # privileged: true is on line 6, outside the volumes block: not waived.
    assert session.state("runtime.not-privileged").verdict is Verdict.FAIL


def test_ignore_file_above_services_waives_every_service(tmp_path: Path) -> None:
    header = "# reviewtui: ignore-file=runtime.not-privileged lab machines only"
    root = compose_project(tmp_path, header=header)

    session = scanned(root)

    state = session.state("runtime.not-privileged")
    assert state.verdict is Verdict.ACCEPTED_RISK
    assert {t.name for t in state.waivers[0].targets} == {"web", "db"}


def test_ignore_file_below_services_is_a_problem(tmp_path: Path) -> None:
    root = compose_project(tmp_path, web="# reviewtui: ignore-file=runtime.not-privileged x")

    waivers, problems = waivers_of(root)

    assert waivers == []
    assert problems == [
        "compose.yaml:3: waiver comment: ignore-file must stand above 'services:'; not applied"
    ]


def test_other_tools_comments_are_not_read_in_compose_files(tmp_path: Path) -> None:
    root = compose_project(tmp_path, web="# hadolint ignore=DL3002")

    assert waivers_of(root) == ([], [])


def test_compose_layout_from_raw_lines() -> None:
    lines = COMPOSE.format(header="name: x", above_web="", above_volumes="").splitlines()

    layout = read_layout(lines)

    assert layout.services_line == 2
    assert layout.service_names == {4: "web", 11: "db"}
    assert block_end(lines, 4) == 10
    assert block_end(lines, 8) == 9


# --- the project file ----------------------------------------------------------------------

PROJECT_FILE = """\
waivers:
  - item: runtime.not-privileged
    target: web
    reason: needs raw sockets for the VPN
    owner: platform-team
    expires: 2026-12-31
  - item: runtime.no-docker-socket
    reason: watchtower updates the images
    owner: ops
    expires: 2026-01-31
  - item: runtime.no-docker-sockets
    reason: typo
  - item: runtime.read-only-rootfs
    reason: 42
    expires: soon
  - reason: no item
  - item: runtime.not-privileged
    colour: blue
    reason: x
"""


def test_project_file_valid_expired_and_broken_entries(tmp_path: Path) -> None:
    root = compose_project(tmp_path)
    (root / ".reviewtui.yaml").write_text(PROJECT_FILE)

    waivers, problems = waivers_of(root)

    assert [(w.item, w.pattern, w.expired, w.line) for w in waivers] == [
        ("runtime.no-docker-socket", "*", True, 7),
        ("runtime.not-privileged", "web", False, 2),
    ]
    assert problems == [
        ".reviewtui.yaml:11: waiver 3 (runtime.no-docker-sockets): no checklist item is "
        "named 'runtime.no-docker-sockets'; did you mean runtime.no-docker-socket?",
        ".reviewtui.yaml:14: waiver 4 (runtime.read-only-rootfs): 'reason' must be text",
        ".reviewtui.yaml:16: waiver 5: 'item' is required",
        ".reviewtui.yaml:18: waiver 6 (runtime.not-privileged): unknown key 'colour' "
        "(known: expires, item, owner, reason, target)",
    ]
    expired = waivers[0]
    assert expired.describe() == (
        "waiver expired on 2026-01-31 (owner ops, .reviewtui.yaml:7): "
        "watchtower updates the images"
    )
    assert waivers[1].describe() == (
        "waived in the project file (owner platform-team, .reviewtui.yaml:2, "
        "until 2026-12-31): needs raw sockets for the VPN"
    )


def test_project_file_waivers_apply_by_target_pattern(tmp_path: Path) -> None:
    root = compose_project(tmp_path)
    (root / ".reviewtui.yaml").write_text(PROJECT_FILE)

    session = scanned(root)

    privileged = session.state("runtime.not-privileged")
    assert privileged.partly_waived  # web is waived, db is not
    assert privileged.verdict is Verdict.FAIL
    socket = session.state("runtime.no-docker-socket")
    assert socket.verdict is Verdict.FAIL  # its waiver expired
    assert socket.expired_waivers_for(next(f for f in socket.findings if f.target.name == "web"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("waivers: [unclosed\n", ".reviewtui.yaml:2: invalid YAML"),
        ("- item: x\n", ".reviewtui.yaml:1: expected a mapping with a 'waivers' list"),
        ("waivers: {item: x}\n", ".reviewtui.yaml:1: 'waivers' must be a list"),
        ("waiver: []\n", ".reviewtui.yaml:1: unknown key 'waiver' (known: waivers)"),
        (
            "waivers:\n  - item: runtime.not-privileged\n    reason: x\n    expires: 2026-02-30\n",
            ".reviewtui.yaml:4: waiver 1 (runtime.not-privileged): 'expires' must be a date",
        ),
    ],
)
def test_a_broken_project_file_is_a_problem_never_a_crash(
    tmp_path: Path, text: str, problem: str
) -> None:
    root = compose_project(tmp_path)
    (root / ".reviewtui.yaml").write_text(text)

    waivers, problems = waivers_of(root)

    assert waivers == []
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_project_file_problems_reach_the_review(tmp_path: Path) -> None:
    root = compose_project(tmp_path)
    (root / ".reviewtui.yaml").write_text(PROJECT_FILE)

    session = scanned(root)

    assert any(p.path == ".reviewtui.yaml" and p.line == 16 for p in session.review.problems)


# --- the verdict, the review file and the digest -------------------------------------------


def _finding(name: str, status: Status, line: int) -> Finding:
    return Finding(
        Target(TargetKind.SERVICE, "compose.yaml", name),
        status,
        "reason",
        (Evidence("compose.yaml", line, "x"),),
    )


def _waiver(name: str, expired: bool = False) -> Waiver:
    return Waiver(
        "runtime.not-privileged",
        WaiverSource.PROJECT_FILE,
        ".reviewtui.yaml",
        2,
        "why",
        expired=expired,
        pattern=name,
    )


def _review(findings: list[Finding], waivers: list[Waiver]) -> Review:
    review = Review(project="p")
    review.findings["runtime.not-privileged"] = findings
    review.waivers = waivers
    return review


def _item_state(review: Review) -> ItemState:
    item = CATALOGUE.item("runtime.not-privileged")
    assert item is not None
    return review.state(item)


def test_reviewer_answer_beats_waiver_beats_detection() -> None:
    review = _review([_finding("web", Status.FAIL, 3)], [_waiver("web")])
    assert _item_state(review).verdict is Verdict.ACCEPTED_RISK

    review.answers["runtime.not-privileged"] = Answer(verdict=Verdict.FAIL)
    state = _item_state(review)
    assert state.verdict is Verdict.FAIL
    assert not state.waived


def test_unknown_targets_keep_a_waived_item_unknown() -> None:
    findings = [_finding("web", Status.FAIL, 3), _finding("db", Status.UNKNOWN, 9)]

    state = _item_state(_review(findings, [_waiver("web")]))

    assert state.verdict is Verdict.UNKNOWN


def test_expired_waivers_do_not_count() -> None:
    state = _item_state(_review([_finding("web", Status.FAIL, 3)], [_waiver("web", True)]))

    assert state.verdict is Verdict.FAIL
    assert state.waiver_for(state.findings[0]) is None
    assert state.expired_waivers_for(state.findings[0]) == [_waiver("web", True)]


def test_waivers_round_trip_through_the_review_file(tmp_path: Path) -> None:
    inline = Waiver(
        "runtime.not-privileged",
        WaiverSource.HADOLINT,
        "Dockerfile",
        4,
        rule="DL3002",
        span=Span("Dockerfile", 5, 7),
    )
    service = Waiver(
        "runtime.not-privileged",
        WaiverSource.INLINE,
        "compose.yaml",
        2,
        "vpn",
        targets=(Target(TargetKind.SERVICE, "compose.yaml", "web"),),
    )
    review = _review([_finding("web", Status.FAIL, 3)], [inline, service, _waiver("db", True)])

    text = store.to_text(review)

    assert json.loads(text) == store.to_document(review)
    path = tmp_path / "review.json"
    store.save(review, path)
    assert store.load(path).waivers == review.waivers


def test_digest_follows_waivers_but_not_for_items_without_them() -> None:
    findings = [_finding("web", Status.FAIL, 3)]
    items = CATALOGUE.items
    bare = _review(findings, [])
    waived = _review(findings, [_waiver("web")])
    expired = _review(findings, [_waiver("web", True)])

    digests = {bare.digest(items), waived.digest(items), expired.digest(items)}

    assert len(digests) == 3


def test_a_damaged_waiver_in_the_review_file_is_reported(tmp_path: Path) -> None:
    document = store.to_document(_review([], []))
    document["waivers"] = [{"item": "x", "source": "inline", "path": "Dockerfile"}]

    with pytest.raises(store.ReviewFileError, match="damaged review file"):
        store.from_document(document, "review.json")
