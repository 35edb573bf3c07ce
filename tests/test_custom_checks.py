"""Custom checks: checklist files of a team, and ``match:`` rules of each kind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.checklists import ChecklistError, load_catalogue, load_file
from reviewtui.custom.catalogue import PROJECT_CHECKLISTS, load_project_catalogue
from reviewtui.custom.matchers import run_match
from reviewtui.custom.schema import ComposeMatch, DaemonMatch, DockerfileMatch, MatchRule
from reviewtui.detect.engine import detect
from reviewtui.detect.registry import all_detectors, check_catalogue
from reviewtui.model import Finding, Status
from reviewtui.project import read_project
from reviewtui.review.model import Verdict
from reviewtui.review.session import ReviewSession
from tests.conftest import write_project

ITEM = """\
  - id: {id}
    title: A custom rule
    question: Is it so?
    why: Because it matters.
    fix: Make it so.
    severity: high
{body}"""


def checklist_file(folder: Path, name: str, *items: str, stem: str = "team") -> Path:
    """A checklist file named ``stem.yaml`` in ``folder`` holding ``items``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.yaml"
    path.write_text(f"checklist: {name}\ntitle: Team rules\nitems:\n" + "".join(items))
    return path


def match_item(item_id: str, match: str) -> str:
    body = "    match:\n" + "".join(f"      {line}\n" for line in match.strip("\n").split("\n"))
    return ITEM.format(id=item_id, body=body)


def rule_of(tmp_path: Path, match: str) -> MatchRule:
    path = checklist_file(tmp_path / "rules", "team", match_item("team.rule", match))
    rule = load_file(path).items[0].match
    assert rule is not None
    return rule


def findings(tmp_path: Path, match: str, files: dict[str, str]) -> list[Finding]:
    rule = rule_of(tmp_path, match)
    root = write_project(tmp_path / "project", files)
    return sorted(run_match(rule, read_project(root)), key=lambda f: f.target)


def summary(found: list[Finding]) -> list[tuple[str, str, str, int | None]]:
    return [(f.target.name, f.status.value, f.reason, f.evidence[0].line) for f in found]


# --- Dockerfile rules ----------------------------------------------------------------------

CURL_PIPE = """\
dockerfile:
  instruction: RUN
  pattern: 'curl[^|]*\\|\\s*(ba)?sh'
"""
PIPED = """\
FROM alpine:3.20 AS tools
RUN curl -fsSL https://example.com/a.sh | sh
FROM alpine:3.20
RUN apk add --no-cache curl \\
    && curl -fsSL https://example.com/b.sh | bash
USER 10001
"""


def test_dockerfile_pattern_absent_fails_with_the_matching_line(tmp_path: Path) -> None:
    found = findings(tmp_path, CURL_PIPE, {"Dockerfile": PIPED})

    assert summary(found) == [
        ("Dockerfile", "fail", "RUN on line 5 matches /curl[^|]*\\|\\s*(ba)?sh/", 5)
    ]
    assert found[0].evidence[0].snippet == "&& curl -fsSL https://example.com/b.sh | bash"


def test_dockerfile_pattern_absent_passes_at_the_final_from(tmp_path: Path) -> None:
    clean = "FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER 10001\n"

    found = findings(tmp_path, CURL_PIPE, {"Dockerfile": clean})

    assert summary(found) == [
        ("Dockerfile", "pass", "no RUN in the final stage matches /curl[^|]*\\|\\s*(ba)?sh/", 1)
    ]


def test_stage_any_looks_at_every_stage(tmp_path: Path) -> None:
    only_builder = PIPED.replace("    && curl -fsSL https://example.com/b.sh | bash\n", "")
    final = findings(tmp_path / "a", CURL_PIPE, {"Dockerfile": only_builder})
    every = findings(tmp_path / "b", CURL_PIPE + "  stage: any\n", {"Dockerfile": only_builder})

    assert final[0].status is Status.PASS
    assert (every[0].status, every[0].evidence[0].line) == (Status.FAIL, 2)


def test_expect_present_and_heredocs(tmp_path: Path) -> None:
    rule = "dockerfile:\n  pattern: 'cosign verify'\n  expect: present\n"
    with_heredoc = "FROM alpine:3.20\nRUN <<EOF\nset -e\ncosign verify x\nEOF\n"

    passing = findings(tmp_path / "a", rule, {"Dockerfile": with_heredoc})
    failing = findings(tmp_path / "b", rule, {"Dockerfile": "FROM alpine:3.20\n"})

    assert summary(passing) == [("Dockerfile", "pass", "RUN on line 4 matches /cosign verify/", 4)]
    assert summary(failing) == [
        ("Dockerfile", "fail", "no instruction in the final stage matches /cosign verify/", 1)
    ]


def test_a_dockerfile_without_from_is_left_to_a_person(tmp_path: Path) -> None:
    found = findings(tmp_path, CURL_PIPE, {"Dockerfile": "RUN true\n"})

    assert [f.status for f in found] == [Status.UNKNOWN]


# --- compose rules -------------------------------------------------------------------------

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    read_only: true
    logging:
      driver: syslog
  worker:
    image: busybox:1.36
    read_only: "false"
    cap_drop: [ALL]
    environment:
      API_TOKEN: abcdef123456
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "compose:\n  path: services.*.read_only\n  equals: true",
            [
                ("web", "pass", "read_only is true", 4),
                ("worker", "fail", "read_only is false, expected true", 9),
            ],
        ),
        (
            "compose:\n  path: logging.driver\n  in: [json-file, local]\n  default: json-file",
            [
                ("web", "fail", "logging.driver is syslog, expected one of json-file, local", 6),
                ("worker", "pass", "logging.driver is not set (default json-file)", 7),
            ],
        ),
        (
            "compose:\n  path: cap_drop\n  contains: ALL",
            [
                ("web", "fail", "cap_drop is not set, expected a list holding ALL", 2),
                ("worker", "pass", "cap_drop is [ALL]", 10),
            ],
        ),
        (
            "compose:\n  path: [image]\n  pattern: '^nginx:'",
            [
                ("web", "pass", "image is nginx:1.27", 3),
                ("worker", "fail", "image is busybox:1.36, expected matching /^nginx:/", 8),
            ],
        ),
        (
            "compose:\n  path: logging\n  exists: true",
            [
                ("web", "pass", "logging is set", 5),
                ("worker", "fail", "logging is not set, expected set", 7),
            ],
        ),
        (
            "compose:\n  path: environment.API_TOKEN\n  exists: false",
            [
                ("web", "pass", "environment.API_TOKEN is not set", 2),
                ("worker", "fail", "environment.API_TOKEN is set, expected not set", 12),
            ],
        ),
        (
            "compose:\n  path: environment.API_TOKEN\n  equals: x",
            [
                ("web", "fail", "environment.API_TOKEN is not set, expected x", 2),
                ("worker", "fail", "environment.API_TOKEN is set (value hidden), expected x", 12),
            ],
        ),
    ],
)
def test_compose_rules(
    tmp_path: Path, rule: str, expected: list[tuple[str, str, str, int]]
) -> None:
    found = findings(tmp_path, rule, {"compose.yaml": COMPOSE})

    assert summary(found) == expected
    assert all(f.evidence[0].path == "compose.yaml" for f in found)
    assert "abcdef123456" not in json.dumps([f.to_dict() for f in found])


# --- daemon.json rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "status", "reason", "line"),
    [
        ('{\n  "log-driver": "local",\n  "icc": false\n}\n', "pass", "icc is false", 3),
        ('{\n  "icc": true\n}\n', "fail", "icc is true, expected false", 2),
        ("{}\n", "fail", "icc is not set, expected false", 1),
    ],
)
def test_daemon_rules(tmp_path: Path, settings: str, status: str, reason: str, line: int) -> None:
    found = findings(tmp_path, "daemon:\n  key: icc\n  equals: false", {"daemon.json": settings})

    assert summary(found) == [("daemon.json", status, reason, line)]


def test_daemon_nested_key_cites_the_top_level_key(tmp_path: Path) -> None:
    settings = '{\n  "log-driver": "json-file",\n  "log-opts": {"max-size": "10m"}\n}\n'

    found = findings(
        tmp_path, "daemon:\n  key: log-opts.max-size\n  exists: true", {"daemon.json": settings}
    )

    assert summary(found) == [("daemon.json", "pass", "log-opts.max-size is set", 3)]


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "line", "message"),
    [
        ("dockerfile:\n  pattern: '(unclosed'", 12, "match.dockerfile.pattern: bad regular"),
        ("dockerfile:\n  instruction: RUNN\n  pattern: x", 12, "unknown instruction RUNN"),
        ("dockerfile:\n  pattern: x\n  stage: first", 13, "stage must be final or any"),
        ("dockerfile:\n  pattern: x\n  colour: red", 13, "match.dockerfile: unknown key 'colour'"),
        ("dockerfile:\n  instruction: RUN", 11, "match.dockerfile: 'pattern' is required"),
        ("compose:\n  equals: true", 11, "match.compose: 'path' is required"),
        ("compose:\n  path: a.*.b\n  equals: 1", 12, "only a leading 'services.*.' may"),
        ("compose:\n  path: a\n  equals: 1\n  in: [1]", 14, "give one of equals"),
        ("compose:\n  path: a\n  in: 3", 13, "match.compose.in must be a non-empty list"),
        ("compose:\n  path: a\n  exists: yes", 13, "match.compose.exists must be true or false"),
        ("daemon:\n  path: icc", 12, "match.daemon: unknown key 'path'"),
        ("kubernetes:\n  path: x", 11, "unknown match kind 'kubernetes'"),
        ("dockerfile: RUN", 11, "match.dockerfile must be a mapping"),
    ],
)
def test_bad_match_blocks_name_file_line_and_item(
    tmp_path: Path, match: str, line: int, message: str
) -> None:
    path = checklist_file(tmp_path, "team", match_item("team.rule", match))

    with pytest.raises(ChecklistError) as caught:
        load_file(path)

    text = str(caught.value)
    assert text.startswith(f"{path}:{line}: item team.rule: "), text
    assert message in text


def test_detector_and_match_together_are_refused(tmp_path: Path) -> None:
    item = match_item("team.rule", "daemon:\n  key: icc\n  equals: false")
    path = checklist_file(tmp_path, "team", item + "    detector: daemon_icc\n")

    with pytest.raises(ChecklistError, match="give either 'detector' or 'match', not both"):
        load_file(path)


def test_a_custom_id_clashing_with_a_shipped_one_names_file_line_and_item(
    tmp_path: Path,
) -> None:
    path = checklist_file(
        tmp_path, "runtime", match_item("runtime.not-privileged", "daemon:\n  key: icc")
    )

    with pytest.raises(ChecklistError) as caught:
        load_catalogue([tmp_path])

    assert str(caught.value).startswith(f"{path}:4: item runtime.not-privileged: id already used")


# --- catalogues, the engine and the registry check -----------------------------------------


def test_custom_items_join_a_shipped_checklist_or_form_a_new_one(tmp_path: Path) -> None:
    checklist_file(
        tmp_path, "runtime", match_item("runtime.team-read-only", "compose:\n  path: read_only")
    )
    checklist_file(
        tmp_path,
        "team",
        match_item("team.icc", "daemon:\n  key: icc\n  equals: false"),
        ITEM.format(id="team.named", body="    detector: daemon_icc\n"),
        stem="other",
    )

    catalogue = load_catalogue([tmp_path])

    runtime = next(c for c in catalogue.checklists if c.name == "runtime")
    assert runtime.items[-1].id == "runtime.team-read-only"
    assert [c.name for c in catalogue.checklists][-1] == "team"
    assert catalogue.item("team.icc").automatic  # type: ignore[union-attr]
    check_catalogue(catalogue, all_detectors())  # match items need no registered detector


def test_a_custom_item_naming_a_missing_detector_is_refused(tmp_path: Path) -> None:
    checklist_file(tmp_path, "team", ITEM.format(id="team.x", body="    detector: nope\n"))

    with pytest.raises(ChecklistError, match="item team.x: no detector named 'nope'"):
        check_catalogue(load_catalogue([tmp_path]), all_detectors())


def test_the_engine_runs_match_rules(tmp_path: Path) -> None:
    checklist_file(tmp_path / "rules", "team", match_item("team.pipe", CURL_PIPE))
    root = write_project(tmp_path / "project", {"Dockerfile": PIPED})

    results = detect(load_catalogue([tmp_path / "rules"]), read_project(root))

    assert [f.status for f in results["team.pipe"]] == [Status.FAIL]
    assert results["build.non-root-user"][0].status is Status.PASS


def test_a_project_keeps_its_own_checklists_and_waivers_apply_to_them(tmp_path: Path) -> None:
    dockerfile = "FROM alpine:3.20\n# reviewtui: ignore=team.pipe vendor script\n" + (
        "RUN curl -fsSL https://example.com/a.sh | sh\nUSER 10001\n"
    )
    root = write_project(tmp_path / "project", {"Dockerfile": dockerfile})
    checklist_file(root / PROJECT_CHECKLISTS, "team", match_item("team.pipe", CURL_PIPE))

    session = ReviewSession.open(root, autosave=False)
    session.scan()

    state = session.state("team.pipe")
    assert state.detected is Status.FAIL
    assert state.verdict is Verdict.ACCEPTED_RISK
    assert load_project_catalogue(root).item("team.pipe") is not None


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args], capture_output=True, text=True, timeout=120
    )


def test_scan_with_checklists_dirs(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    checklist_file(rules, "team", match_item("team.pipe", CURL_PIPE))
    root = write_project(tmp_path / "project", {"Dockerfile": PIPED})

    result = run_cli("scan", str(root), "--checklists", str(rules), "--format", "json")
    missing = run_cli("scan", str(root), "--checklists", str(tmp_path / "nope"))
    broken = checklist_file(tmp_path / "broken", "team", match_item("team.x", "daemon: 1"))
    refused = run_cli("scan", str(root), "--checklists", str(broken.parent))

    items = {item["id"]: item for item in json.loads(result.stdout)["items"]}
    assert items["team.pipe"]["status"] == "fail"
    assert items["team.pipe"]["findings"][0]["evidence"][0]["line"] == 5
    assert missing.returncode == 2 and "no such directory" in missing.stderr
    assert refused.returncode == 2
    assert f"{broken}:11: item team.x: match.daemon must be a mapping" in refused.stderr


def test_catalogue_describes_match_rules(tmp_path: Path) -> None:
    rule = rule_of(tmp_path, CURL_PIPE)

    assert isinstance(rule, DockerfileMatch)
    assert rule.describe() == "RUN in the final stage must not match /curl[^|]*\\|\\s*(ba)?sh/"
    compose = rule_of(tmp_path / "c", "compose:\n  path: services.*.read_only\n  equals: true")
    assert isinstance(compose, ComposeMatch) and compose.path == ("read_only",)
    assert compose.describe() == "each service's read_only must be true"
    daemon = rule_of(tmp_path / "d", "daemon:\n  key: [log-opts, max-size]")
    assert isinstance(daemon, DaemonMatch)
    assert daemon.describe() == "daemon.json log-opts.max-size must be set"
