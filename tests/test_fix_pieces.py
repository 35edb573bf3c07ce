"""Compose fixes made on one service's lines: the same fixes as made on the whole file.

A fix that changes one service's mapping is made and judged on that service's lines
alone (``reviewtui.fix.compose_shape``); these tests plan the same fixes both ways, on
the fixtures and on generated files of many services, and compare every fix byte for
byte. They also check that the pieces are refused where a service's lines cannot be
read on their own, and what a plan says of a target an earlier fix covered.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fix_helpers import apply_fixes, failing
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from reviewtui.fix.compose_edit import ComposeText, EditRefused
from reviewtui.fix.compose_fixes import CHANGES
from reviewtui.fix.compose_judge import service_verdicts
from reviewtui.fix.compose_shape import STUB, FileShape, cut_nodes, forget, read_shape, shape_of
from reviewtui.fix.plan import FilePlan, plan_files
from reviewtui.model import Target, TargetKind
from reviewtui.project.compose_model import ComposeService
from reviewtui.project.compose_yaml import Meta, YamlList, YamlMap

FIXTURES = Path(__file__).parent / "fixtures" / "fixes" / "compose"
FILE = "compose.yaml"
NETWORK = "runtime.network-segmentation"
CAPS = "runtime.cap-drop-all"


def weak_services(count: int, indent: int = 2, quote: str = '"') -> str:
    """A compose file of ``count`` weak services, written with ``indent`` columns per
    level and ``quote``: front ends publishing ports on every address, back ends on one
    open network, a Docker socket mount, comments, a block scalar, a service built on an
    anchor and one that extends another."""
    step = " " * indent
    lines = ["# generated", "x-base: &base", f"{step}restart: always", "", "services:"]
    for index in range(count):
        name = f"svc{index:02d}"
        lines += [f"{step}{name}:", f"{step * 2}image: {quote}example/{name}:1.{index}{quote}"]
        if index % 3 != 2:
            lines += [f"{step * 2}ports:", f"{step * 3}- {quote}{8000 + index}:80{quote}"]
        if index % 5 == 0:
            lines += [f"{step * 2}volumes:", f"{step * 3}- /var/run/docker.sock:/run/docker.sock"]
        if index % 4 == 1:
            lines += [f"{step * 2}command: |", f"{step * 3}run --port 80", ""]
        if index % 7 == 3:
            lines += [f"{step * 2}<<: *base"]
        if index == 4:
            lines += [f"{step * 2}extends: svc05"]
        lines += [f"{step * 2}networks:", f"{step * 3}- {'back' if index % 3 == 2 else 'front'}"]
        lines.append(f"# end of {name}" if index % 2 else "")
    lines += ["networks:", f"{step}front: {{}}", f"{step}back: {{}}", ""]
    return "\n".join(lines)


def _project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / FILE).write_text(text)
    return root


def _both_ways(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    """Every compose fix of the project planned on pieces, and on the whole file only."""
    found = failing(root, set(CHANGES))
    forget()
    on_pieces, errors = plan_files(root, found, _ORDER)
    assert errors == []

    def whole_file(shape: FileShape, name: str) -> ComposeText:
        raise EditRefused("whole file")

    forget()
    with monkeypatch.context() as patched:
        patched.setattr(FileShape, "piece", whole_file)
        on_the_file, _ = plan_files(root, found, _ORDER)
    return _shown(on_pieces), _shown(on_the_file)


def _shown(plans: list[FilePlan]) -> list[Any]:
    return [
        (
            plan.path,
            plan.after,
            plan.skipped,
            [
                (
                    fix.item,
                    fix.target,
                    fix.summary,
                    fix.behaviour,
                    fix.check,
                    fix.before,
                    fix.after,
                )
                for fix in plan.fixes
            ],
        )
        for plan in plans
    ]


_ORDER = list(CHANGES)


@pytest.mark.parametrize("folder", sorted(path.name for path in FIXTURES.iterdir()))
def test_each_fixture_gets_the_same_fixes_on_pieces(
    folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_pieces, on_the_file = _both_ways(FIXTURES / folder, monkeypatch)

    assert on_pieces == on_the_file


@pytest.mark.parametrize(("indent", "quote"), [(2, '"'), (4, "'")])
def test_many_services_get_the_same_fixes_on_pieces(
    indent: int, quote: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = weak_services(7, indent, quote)
    root = _project(tmp_path, text)

    on_pieces, on_the_file = _both_ways(root, monkeypatch)

    assert on_pieces == on_the_file
    ((_, _, _, fixes),) = on_pieces
    assert len(fixes) > 50
    shape = shape_of(text, FILE)
    assert shape is not None
    # The anchored service, the one that extends and the one extended go to the file.
    assert sorted(set(shape.regions) - shape.local) == ["svc03", "svc04", "svc05"]


def test_a_piece_is_refused_where_its_lines_cannot_be_read_alone() -> None:
    texts = {
        "a directive": "%YAML 1.2\n---\nservices:\n  web:\n    image: nginx\n",
        "flow services": "services: {web: {image: nginx}}\n",
        "a flow service": "services:\n  web: {image: nginx}\n",
        "indented top level": "  services:\n    web:\n      image: nginx\n",
        "an alias": "x: &a nginx\nservices:\n  web:\n    image: *a\n",
        "an anchor used elsewhere": (
            "services:\n  web:\n    env: &e {A: b}\n  db:\n    environment: *e\n"
        ),
        "a lone carriage return": "services:\n  web:\r    image: nginx\n",
        "services merged in": (
            "x: &more\n  db: {image: postgres}\nservices:\n  web:\n    image: nginx\n  <<: *more\n"
        ),
    }
    for why, text in texts.items():
        shape = shape_of(text, FILE)
        assert shape is not None, why
        assert shape.local == frozenset(), why


def _with(service: ComposeService, key: str, value: object) -> ComposeService:
    data = YamlMap(service.data.location)
    for name, item in service.data.items():
        data.put(name, item, service.data.meta[name])
    data.put(key, value, Meta(service.data.location))
    return replace(service, data=data)


def test_a_change_judges_the_detectors_across_services_again_only_when_it_must() -> None:
    shape = shape_of(weak_services(6), FILE)
    assert shape is not None
    before = shape.project.service("svc00")
    assert before is not None
    changes: dict[str, object] = {
        "cap_drop": YamlList(before.data.location),
        "ports": YamlList(before.data.location),
        "volumes": YamlList(before.data.location),
    }

    again = {}
    for key, value in changes.items():
        after = _with(before, key, value)
        services = [after if s.name == "svc00" else s for s in shape.project.services]
        project = replace(shape.project, services=services)
        again[key] = service_verdicts(project, "svc00", before, shape.reads).again

    assert again == {
        "cap_drop": frozenset(),
        "ports": frozenset({"network_segmentation"}),
        "volumes": frozenset({"shared_volumes"}),
    }


def test_a_target_an_earlier_fix_covered_says_so(tmp_path: Path) -> None:
    root = tmp_path / "network_default"
    shutil.copytree(FIXTURES / "network_default", root)

    plans = apply_fixes(root, {NETWORK})

    (plan,) = plans
    assert [(fix.item, fix.target.name) for fix in plan.fixes] == [(NETWORK, "queue")]
    assert plan.skipped == [
        (
            NETWORK,
            Target(TargetKind.SERVICE, FILE, "worker"),
            f"covered by the earlier fix for service queue ({FILE})",
        )
    ]


def test_a_target_that_passes_in_the_file_as_it_was_has_no_fix(tmp_path: Path) -> None:
    root = tmp_path / "weak_service"
    shutil.copytree(FIXTURES / "weak_service", root)
    found = failing(root, set(CHANGES))
    text = (root / FILE).read_text()
    db = "    image: postgres:16.3\n"
    (root / FILE).write_text(text.replace(db, db + "    cap_drop: [ALL]\n"))

    plans, _ = plan_files(root, found, _ORDER)

    (plan,) = plans
    assert plan.fixes
    assert [(item, target.name, reason) for item, target, reason in plan.skipped] == [
        (CAPS, "db", "no mechanical fix in this file")
    ]


_EDGES = {
    "no final newline": "services:\n  web:\n    image: nginx\n  db:\n    image: postgres",
    # A value left empty at a piece's end points beyond it: no such service is local.
    "an empty value": "services:\n  web:\n    labels:\n    image: x\n  db:\n    labels:\n"
    "    image: y\n",
    "a block scalar last": "services:\n  web:\n    command: |\n      run\n\n\n  db:\n    x: 1\n",
    "a folded scalar at the end": "services:\n  web:\n    command: >-\n      a\n      b\n",
    "nested lists last": "services:\n  web:\n    x:\n    - - a\n      - b\n# c\n  db:\n    x: 1\n",
    "a flow value last": 'services:\n  web:\n    ports: ["80:80",\n      "443"]\nnetworks: {}\n',
    "comments between": "# top\nservices:\n  # a\n  web:  # b\n    image: x # c\n\n  # d\n  db:\n"
    "    image: y\n",
    "odd names": "services:\n  '8080':\n    image: x\n  \"quoted\":\n    image: y\n  123:\n"
    "    image: z\n",
    "deeper indents": "version: '3'\nservices:\n    web:\n        image: x\n        env:\n"
    "            A: 1\nvolumes:\n    data: {}\n",
    "text that is not ASCII": 'services:\n  wéb:\n    image: "ünïcode"\n    x: 😀\n  db:\n'
    "    image: y\n",
}


def _same_nodes(parsed: Node, cut: Node, where: str = "") -> None:
    assert type(parsed) is type(cut), where
    for attribute in ("tag", "value", "style", "flow_style", "anchor"):
        if attribute != "value" or isinstance(parsed, ScalarNode):
            assert getattr(parsed, attribute, None) == getattr(cut, attribute, None), where
    for mark in ("start_mark", "end_mark"):
        one, other = getattr(parsed, mark), getattr(cut, mark)
        assert (one.index, one.line, one.column) == (other.index, other.line, other.column), (
            where,
            mark,
        )
    if isinstance(parsed, ScalarNode):
        return
    assert len(parsed.value) == len(cut.value), where
    if isinstance(parsed, MappingNode):
        for (key, value), (cut_key, cut_value) in zip(parsed.value, cut.value, strict=True):
            _same_nodes(key, cut_key, f"{where}/key {key.value}")
            _same_nodes(value, cut_value, f"{where}/{key.value}")
    else:
        for index, (item, cut_item) in enumerate(zip(parsed.value, cut.value, strict=True)):
            _same_nodes(item, cut_item, f"{where}/{index}")


def _texts() -> dict[str, str]:
    texts = {f"fixture {path.parent.name}": path.read_text() for path in FIXTURES.glob("*/*.y*ml")}
    texts |= {f"generated, {n} columns": weak_services(9, n, q) for n, q in ((2, '"'), (4, "'"))}
    return texts | _EDGES


@pytest.mark.parametrize("why", sorted(_texts()))
def test_a_piece_cut_from_the_file_is_the_piece_read_alone(why: str) -> None:
    # The pieces of a file read whole are cut from its nodes; reading them gives the same.
    text = _texts()[why]
    shape = read_shape(text, FILE)
    assert shape is not None and shape.whole is not None, why
    assert shape.local or why.startswith("fixture"), why
    for name in sorted(shape.local):
        start, end = shape.regions[name]
        read = ComposeText.parse(STUB + text[start:end], shape.layout)
        cut = ComposeText.composed(
            read.text, cut_nodes(shape.whole, name, start, end), shape.layout
        )
        _same_nodes(read.root, cut.root, f"{why}: {name}")
        assert cut.data == read.data
        assert cut.layout == read.layout
        assert _places(cut.loaded) == _places(read.loaded)


def _places(value: Any) -> list[Any]:
    """The line and column ruamel recorded for every key and entry under ``value``."""
    if isinstance(value, dict):
        return [
            (key, value.lc.key(key), value.lc.value(key), _places(value[key])) for key in value
        ]
    if isinstance(value, list):
        return [(value.lc.item(index), _places(item)) for index, item in enumerate(value)]
    return []
