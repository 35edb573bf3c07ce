"""Compose fixes: each makes its item pass, changes only its own lines, worsens nothing.

Every fixture under ``fixtures/fixes/compose`` is a small project whose compose file fails
one item (``weak_service`` fails them all; ``unsafe_*`` fail items no fix can mend
safely). The reader the fixes use finds the same places and values as ruamel.yaml's full
round trip. The test copies the fixture, applies the item's fixes through the planner and
the writer, scans again with the project's reader and detectors, and compares answers
and lines with what the case declares.
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fix_helpers import answers, apply_fixes, changed_answers, failing
from ruamel.yaml import YAML

from reviewtui.fix import compose_edit
from reviewtui.fix.compose_edit import ComposeText, EditRefused, _plain
from reviewtui.fix.compose_fixes import CHANGES
from reviewtui.fix.plan import FixError, plan_files, propose
from reviewtui.fix.registry import fixers
from reviewtui.fix.write import write_plan
from reviewtui.model import Status, Target, TargetKind
from reviewtui.project.compose import read_compose_projects

FIXTURES = Path(__file__).parent / "fixtures" / "fixes" / "compose"
FILE = "compose.yaml"
CAPS = "runtime.cap-drop-all"
NNP = "runtime.no-new-privileges"
READ_ONLY = "runtime.read-only-rootfs"
PORTS = "runtime.port-binding"
PIDS = "runtime.pids-limit"
MEMORY = "runtime.memory-limit"
CPU = "runtime.cpu-limit"
LOGS = "operations.log-rotation"
SOCKET = "runtime.no-docker-socket"
NETWORK = "runtime.network-segmentation"
LOG_BLOCK = (
    "    logging:",
    "      driver: json-file",
    "      options:",
    "        max-size: 10m",
    '        max-file: "3"',
)


@dataclass(frozen=True)
class Case:
    """A failing fixture, the item fixed, and exactly what the fix may change.

    ``services`` are the targets that get a fix; ``removed`` and ``added`` the changed
    lines, in order; ``follows`` the line the first added line comes after, when it
    matters; ``improves`` the other targets whose answer may change (to a pass), by
    item; ``behaviour`` a phrase the fix's behaviour note holds.
    """

    folder: str
    item: str
    services: tuple[str, ...]
    removed: tuple[str, ...]
    added: tuple[str, ...]
    behaviour: str
    follows: str | None = None
    improves: dict[str, tuple[str, ...]] = field(default_factory=dict)


CASES = [
    Case(
        "cap_drop_missing",
        CAPS,
        ("web",),
        (),
        ("    cap_drop:", "      - ALL"),
        "Operation not permitted",
        follows="    read_only: true",
    ),
    Case(
        "cap_drop_flow_list",
        CAPS,
        ("worker",),
        ("    cap_drop: [NET_RAW, MKNOD]  # not enough",),
        ("    cap_drop: [NET_RAW, MKNOD, ALL]  # not enough",),
        "SETUID",
    ),
    Case(
        "cap_drop_from_anchor",
        CAPS,
        ("web",),
        (),
        ("    cap_drop:", "      - ALL"),
        "CHOWN",
        follows="    image: nginx:1.27",
    ),
    Case(
        "cap_drop_flow_service",
        CAPS,
        ("cache", "web"),
        ('  web: {image: "nginx:1.27", read_only: true}', '  cache: { image: "redis:7.2" }'),
        (
            '  web: {image: "nginx:1.27", read_only: true, cap_drop: [ALL]}',
            '  cache: { image: "redis:7.2", cap_drop: [ALL] }',
        ),
        "switches users",
    ),
    Case(
        "cap_drop_after_block_scalar",
        CAPS,
        ("job",),
        (),
        ("    cap_drop:", "      - ALL"),
        "NET_RAW",
        follows="      sleep 10",
    ),
    Case(
        "no_new_privileges_missing",
        NNP,
        ("web",),
        (),
        ("    security_opt:", "      - no-new-privileges:true"),
        "setuid",
        follows='      - "127.0.0.1:8080:80"',
    ),
    Case(
        "no_new_privileges_false",
        NNP,
        ("web",),
        ('      - "no-new-privileges:false"   # for sudo',),
        ('      - "no-new-privileges:true"   # for sudo',),
        "sudo",
    ),
    Case(
        "no_new_privileges_append",
        NNP,
        ("web",),
        (),
        ("    - no-new-privileges=true",),
        "setuid",
        follows="    - seccomp=./seccomp.json",
    ),
    Case(
        "read_only_nginx",
        READ_ONLY,
        ("proxy",),
        (),
        ("    read_only: true", "    tmpfs:", "      - /tmp", "      - /var/run"),
        "Read-only file system",
        follows="      - ./site:/usr/share/nginx/html:ro",
    ),
    Case(
        "read_only_false",
        READ_ONLY,
        ("db",),
        ("    read_only: false  # it writes",),
        ("    read_only: true  # it writes", "      - /tmp"),
        "tmpfs",
    ),
    Case(
        "no_final_newline",
        READ_ONLY,
        ("app [profile debug]",),
        ("    profiles: [debug]",),
        ("    profiles: [debug]", "    read_only: true", "    tmpfs:", "      - /tmp"),
        "Read-only file system",
    ),
    Case(
        "ports_short",
        PORTS,
        ("web",),
        (
            '      - "8080:80"',
            "      - 8443:443   # TLS",
            '      - "9000"',
            "      - '[::]:9001:9001/udp'",
            '      - "0.0.0.0:5353:53/udp"',
            '      - "7000-7002:7000-7002"',
            '      - "${WEB_PORT:-8081}:80"',
        ),
        (
            '      - "127.0.0.1:8080:80"',
            "      - 127.0.0.1:8443:443   # TLS",
            '      - "127.0.0.1::9000"',
            "      - '[::1]:9001:9001/udp'",
            '      - "127.0.0.1:5353:53/udp"',
            '      - "127.0.0.1:7000-7002:7000-7002"',
            '      - "127.0.0.1:${WEB_PORT:-8081}:80"',
        ),
        "other machines",
    ),
    Case(
        "ports_long",
        PORTS,
        ("web",),
        ("      - {target: 443, published: 8443}", "        host_ip: 0.0.0.0"),
        (
            "        host_ip: 127.0.0.1",
            "      - {target: 443, published: 8443, host_ip: 127.0.0.1}",
            "        host_ip: 127.0.0.1",
        ),
        "reverse proxy",
        follows="        protocol: tcp",
    ),
    Case("pids_top_level", PIDS, ("app",), (), ("    pids_limit: 200",), "threads"),
    Case(
        "pids_deploy",
        PIDS,
        ("app",),
        (),
        ("          pids: 200",),
        "Resource temporarily unavailable",
        follows='          cpus: "0.5"',
    ),
    Case(
        "pids_unlimited",
        PIDS,
        ("app",),
        ("    pids_limit: -1  # unlimited",),
        ("    pids_limit: 200  # unlimited",),
        "threads",
    ),
    Case(
        "memory_missing",
        MEMORY,
        ("app",),
        (),
        ("    mem_limit: 512m",),
        "OOM killer",
        follows="    image: example/app:2.0",
    ),
    Case(
        "memory_zero_in_deploy",
        MEMORY,
        ("app",),
        ("          memory: 0",),
        ("          memory: 512M",),
        "OOM killer",
    ),
    Case(
        "memory_deploy_without_resources",
        MEMORY,
        ("app",),
        (),
        ("        resources:", "          limits:", "            memory: 512M"),
        "OOM killer",
        follows="        replicas: 2",
    ),
    Case("cpu_shares_only", CPU, ("app",), (), ("    cpus: 1.0",), "one CPU"),
    Case(
        "logging_missing",
        LOGS,
        ("app",),
        (),
        LOG_BLOCK,
        "json-file",
        follows="      interval: 30s",
    ),
    Case(
        "logging_driver_only",
        LOGS,
        ("app",),
        (),
        LOG_BLOCK[2:],
        "Older log lines are deleted",
        follows='      driver: "json-file"',
    ),
    Case(
        "logging_flow_options",
        LOGS,
        ("app",),
        ('      options: {max-file: "5"}  # keep five',),
        ('      options: {max-file: "5", max-size: 10m}  # keep five',),
        "json-file",
    ),
    Case(
        "logging_size_zero",
        LOGS,
        ("app",),
        ('        max-size: "0"',),
        ('        max-size: "10m"',),
        "json-file",
    ),
    Case(
        "socket_block",
        SOCKET,
        ("agent",),
        ("      - /var/run/docker.sock:/var/run/docker.sock:ro",),
        (),
        "Docker API",
    ),
    Case(
        "socket_only_entry",
        SOCKET,
        ("agent",),
        (
            "    volumes:",
            "      - type: bind",
            "        source: /var/run/docker.sock",
            "        target: /var/run/docker.sock",
        ),
        (),
        "Docker API",
    ),
    Case(
        "socket_flow",
        SOCKET,
        ("agent",),
        ('    volumes: ["./data:/data", "/run/docker.sock:/var/run/docker.sock"]',),
        ('    volumes: ["./data:/data"]',),
        "Docker API",
    ),
    Case(
        "network_backend",
        NETWORK,
        ("db",),
        (),
        ("    internal: true",),
        "outside the host",
        follows="  back:",
    ),
    Case(
        "network_default",
        NETWORK,
        ("queue",),
        (),
        ("networks:", "  default:", "    internal: true"),
        "and worker, on it too",
        follows="    image: redis:7.2",
        # One network holds both back ends: closing it for the queue closes it for the
        # worker too (whose own fix then finds nothing left to do).
        improves={NETWORK: ("worker",)},
    ),
    Case(
        "network_internal_false",
        NETWORK,
        ("db",),
        ("    internal: false",),
        ("    internal: true",),
        "no internet",
    ),
]


def _copy(folder: str, tmp_path: Path) -> Path:
    root = tmp_path / folder
    shutil.copytree(FIXTURES / folder, root)
    return root


def _service(name: str) -> Target:
    return Target(TargetKind.SERVICE, FILE, name)


def _changed_lines(before: str, after: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The removed and the added lines, in order, without their line ends."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    removed: list[str] = []
    added: list[str] = []
    for tag, start, end, new_start, new_end in matcher.get_opcodes():
        if tag != "equal":
            removed.extend(old[start:end])
            added.extend(new[new_start:new_end])
    return tuple(line.rstrip("\n") for line in removed), tuple(line.rstrip("\n") for line in added)


def _comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


@pytest.mark.parametrize("case", CASES, ids=[case.folder for case in CASES])
def test_fix_passes_its_item_and_changes_nothing_else(case: Case, tmp_path: Path) -> None:
    root = _copy(case.folder, tmp_path)
    text_before = (root / FILE).read_text()
    before = answers(root)
    assert {before[case.item][_service(name)] for name in case.services} == {Status.FAIL}

    plans = apply_fixes(root, {case.item})

    fixes = [fix for plan in plans for fix in plan.fixes]
    assert sorted(fix.target.name for fix in fixes) == sorted(case.services)
    after = answers(root)
    for name in case.services:
        assert after[case.item][_service(name)] is Status.PASS
    allowed = {case.item: set(case.services)}
    for item_id, names in case.improves.items():
        allowed.setdefault(item_id, set()).update(names)
    for item_id, changes in changed_answers(before, after).items():
        for change in changes:
            assert change.endswith("-> pass"), (item_id, change)
            name = change.split(" (", 1)[0].removeprefix("service ")
            assert name in allowed.get(item_id, set()), (item_id, change)
    text_after = (root / FILE).read_text()
    assert _changed_lines(text_before, text_after) == (case.removed, case.added)
    assert _comment_lines(text_before) == [
        line for line in _comment_lines(text_after) if line in _comment_lines(text_before)
    ]
    if case.follows is not None:
        lines = text_after.splitlines()
        assert lines[lines.index(case.added[0]) - 1] == case.follows
    _, problems = read_compose_projects(root, [FILE])
    assert problems == []
    assert all(case.behaviour in fix.behaviour and fix.check for fix in fixes)
    assert all(fix.diff().startswith(f"--- a/{FILE}\n+++ b/{FILE}\n") for fix in fixes)


def test_every_compose_fixer_has_a_case() -> None:
    compose_items = {
        item
        for item, function in fixers().items()
        if function.__module__ == "reviewtui.fix.compose_fixes"
    }

    assert compose_items == set(CHANGES)
    assert {case.item for case in CASES} == compose_items


def test_every_fix_on_one_file_composes_and_each_item_passes(tmp_path: Path) -> None:
    root = _copy("weak_service", tmp_path)
    text_before = (root / FILE).read_text()
    before = answers(root)

    plans = apply_fixes(root, set(CHANGES))

    (plan,) = plans
    assert plan.skipped == []
    assert {(fix.item, fix.target.name) for fix in plan.fixes} == {
        (CAPS, "db"),
        (CAPS, "web"),
        (NNP, "db"),
        (NNP, "web"),
        (READ_ONLY, "db"),
        (READ_ONLY, "web"),
        (MEMORY, "db"),
        (MEMORY, "web"),
        (CPU, "db"),
        (CPU, "web"),
        (PIDS, "db"),
        (PIDS, "web"),
        (LOGS, "db"),
        (LOGS, "web"),
        (PORTS, "web"),
        (SOCKET, "web"),
        (NETWORK, "db"),
    }
    summaries = {(fix.item, fix.target.name): fix.summary for fix in plan.fixes}
    assert summaries[(READ_ONLY, "db")] == (
        "Make the root filesystem read-only (read_only: true; tmpfs: /tmp, /var/run/postgresql)"
    )
    assert summaries[(PORTS, "web")] == "Publish on the loopback address only (8080:80)"
    assert summaries[(SOCKET, "web")] == (
        "Remove the Docker socket mount (/var/run/docker.sock:/var/run/docker.sock)"
    )
    assert summaries[(NETWORK, "db")] == (
        "Make the back end's networks internal (back: internal: true)"
    )
    assert summaries[(MEMORY, "web")] == "Limit memory (mem_limit 512m)"
    after = answers(root)
    for fix in plan.fixes:
        assert after[fix.item][fix.target] is Status.PASS
    for item_id, changes in changed_answers(before, after).items():
        assert item_id in CHANGES and all(c.endswith("fail -> pass") for c in changes)
    text_after = (root / FILE).read_text()
    removed, _ = _changed_lines(text_before, text_after)
    assert removed == (
        '      - "8080:80"',
        "    volumes:",
        "      - /var/run/docker.sock:/var/run/docker.sock",
        "  back: {}",
    )
    assert _comment_lines(text_after) == _comment_lines(text_before)
    assert read_compose_projects(root, [FILE])[1] == []


def test_crlf_and_a_byte_order_mark_are_kept(tmp_path: Path) -> None:
    root = tmp_path / "crlf"
    root.mkdir()
    text = "services:\r\n  app:\r\n    image: example/app:2.0\r\n"
    (root / FILE).write_bytes(("\ufeff" + text).encode())

    apply_fixes(root, {MEMORY})

    written = (root / FILE).read_bytes().decode()
    assert written == "\ufeff" + text + "    mem_limit: 512m\r\n"
    assert answers(root)[MEMORY][_service("app")] is Status.PASS


def test_a_file_changed_since_the_plan_is_not_written(tmp_path: Path) -> None:
    root = _copy("memory_missing", tmp_path)
    plans, errors = plan_files(root, failing(root, {MEMORY}))
    (root / FILE).write_text((root / FILE).read_text() + "# edited meanwhile\n")

    with pytest.raises(FixError, match="changed since the scan"):
        write_plan(root, plans[0])

    assert errors == []
    assert (root / FILE).read_text().endswith("# edited meanwhile\n")


@pytest.mark.parametrize(
    ("folder", "item", "service"),
    [
        # The service is an alias: its mapping is the anchor's, shared with x-web.
        ("unsafe_service_alias", READ_ONLY, "web"),
        ("unsafe_service_alias", CAPS, "web"),
        # Lists and mappings from a merge key or an alias: writing them in the service
        # would drop what the merge brings, or change every user of the anchor.
        ("unsafe_merged_values", NNP, "web"),
        ("unsafe_merged_values", PORTS, "web"),
        ("unsafe_merged_values", READ_ONLY, "web"),
        ("unsafe_merged_values", LOGS, "web"),
        # The weak setting is in the override file, which the fix would not reach.
        ("unsafe_override", READ_ONLY, "web"),
        ("unsafe_override", PORTS, "web"),
        # A variable decides the value: only who sets it can change it.
        ("unsafe_variables", READ_ONLY, "web"),
        ("unsafe_variables", MEMORY, "web"),
        ("unsafe_variables", PORTS, "web"),
        # The front end publishes its ports only through the network to be closed.
        ("unsafe_front_end_on_default", NETWORK, "db"),
        # NET_ADMIN still fails after dropping ALL; the none driver was chosen.
        ("unsafe_capabilities", CAPS, "vpn"),
        ("unsafe_capabilities", LOGS, "vpn"),
        # The old external form: the network is made elsewhere.
        ("unsafe_external_network", NETWORK, "db"),
    ],
)
def test_no_fix_where_no_change_to_this_file_is_safe(
    folder: str, item: str, service: str, tmp_path: Path
) -> None:
    root = _copy(folder, tmp_path)
    (finding,) = [f for i, f in failing(root, {item}) if f.target.name == service]

    assert propose(item, finding, (root / FILE).read_text()) is None

    plans, errors = plan_files(root, failing(root, {item}))
    assert errors == []
    assert [(skip[0], skip[1].name) for plan in plans for skip in plan.skipped] == [
        (item, service)
    ]


def test_other_fixes_of_an_unsafe_file_still_apply(tmp_path: Path) -> None:
    root = _copy("unsafe_override", tmp_path)

    plans = apply_fixes(root, {READ_ONLY, MEMORY})

    assert [(fix.item, fix.target.name) for plan in plans for fix in plan.fixes] == [
        (MEMORY, "web")
    ]
    assert (FIXTURES / "unsafe_override" / "compose.override.yaml").read_text() == (
        root / "compose.override.yaml"
    ).read_text()


def test_an_edit_that_would_change_other_values_is_refused() -> None:
    doc = ComposeText.parse("a: &shared\n  x: 1\nb: *shared\n")

    with pytest.raises(EditRefused, match="shared"):
        doc.insert(("a",), "y", 2)
    with pytest.raises(EditRefused, match="not written here"):
        doc.replace(("c",), 1)
    assert doc.insert((), "c", {"d": [1, "two"]}).text == (
        "a: &shared\n  x: 1\nb: *shared\nc:\n  d:\n    - 1\n    - two\n"
    )


_TRICKY = [
    "services:\n  web:\n    ports: !reset []\n    environment: !override\n      A: 1\n",
    "x-base: &b\n  restart: always  # why\nservices:\n  a:\n    <<: *b\n    cap_drop: [ALL]\n",
    "services:\n  a:\n    command: >\n      folded\n      text\n\n    entrypoint: |\n      lit\n",
    "services:\n  a:  # one\n    labels:\n      - 'a=b'   # two\n      - \"c=d\"\n# three\n",
    "%YAML 1.2\n---\nservices:\n  a: &x {image: y, init: true}\n  b: *x\n...\n",
]


@pytest.mark.parametrize("text", _TRICKY)
def test_the_fixes_reader_finds_the_places_and_values_of_the_full_round_trip(
    text: str,
) -> None:
    def places(node: Any) -> Any:
        here = (type(node).__name__, str(node.tag), node.start_mark.index, node.end_mark.index)
        if isinstance(node.value, list):
            return here + tuple(
                tuple(places(part) for part in entry)
                if isinstance(entry, tuple)
                else places(entry)
                for entry in node.value
            )
        return here + (node.value.replace("\a", ""),)  # the full round trip marks folds

    full = YAML(typ="rt", pure=True)
    fast = compose_edit._positions_reader()
    assert places(fast.compose(text)) == places(full.compose(text))
    assert ComposeText.parse(text).data == _plain(full.load(text))
