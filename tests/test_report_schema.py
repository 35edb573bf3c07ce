"""Every JSON report conforms to the JSON Schema shipped in the package."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from reviewtui.report import render
from reviewtui.report.json_report import SCHEMA_RESOURCE, report_schema
from tests.report_projects import BUILDERS, write_weak

VALIDATOR = jsonschema.Draft202012Validator


def errors_of(document: object) -> list[str]:
    """Each way ``document`` breaks the schema, as ``path: message``."""
    validator = VALIDATOR(report_schema())
    return [
        f"{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_the_schema_is_draft_2020_12_and_shipped_in_the_package() -> None:
    schema = report_schema()

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    VALIDATOR.check_schema(schema)
    shipped = Path(__file__).parents[1] / "reviewtui" / "report" / SCHEMA_RESOURCE
    assert json.loads(shipped.read_text(encoding="utf-8")) == schema


def test_the_wheel_ships_the_schema(tmp_path: Path) -> None:
    wheel_builder = pytest.importorskip("hatchling.builders.wheel")
    root = Path(__file__).parents[1]

    wheels = list(wheel_builder.WheelBuilder(str(root)).build(directory=str(tmp_path)))

    with zipfile.ZipFile(wheels[0]) as wheel:
        assert f"reviewtui/report/{SCHEMA_RESOURCE}" in wheel.namelist()


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_report_conforms(tmp_path: Path, name: str) -> None:
    document = json.loads(render(BUILDERS[name](tmp_path), "json"))

    assert errors_of(document) == []


def test_reports_of_the_answered_and_live_reviews_fill_what_the_schema_describes(
    tmp_path: Path,
) -> None:
    answered = json.loads(render(BUILDERS["signoffs"](tmp_path / "a"), "json"))
    live = json.loads(render(BUILDERS["live"](tmp_path / "b"), "json"))
    items = {item["id"]: item for item in answered["items"]}

    assert (items["image.base-tag-pinned"]["owner"], items["image.base-tag-pinned"]["due"]) == (
        "@octocat",
        "2027-01-31",
    )
    assert items["runtime.not-privileged"]["answer"] == "accepted_risk"
    assert [s["current"] for s in answered["signoffs"]] == [False, True]
    assert [engine["host"] for engine in live["engines"]] == ["prod", "edge"]
    privileged = {item["id"]: item for item in live["items"]}["runtime.not-privileged"]
    container = [f for f in privileged["findings"] if f["target_kind"] == "container"]
    assert container[0]["host"] == "prod"
    assert container[0]["evidence"][0]["field"] == "HostConfig.Privileged"


def test_the_schema_refuses_what_a_report_never_holds(tmp_path: Path) -> None:
    document = json.loads(render(BUILDERS["weak"](tmp_path), "json"))
    item = document["items"][0]

    item["status"] = "maybe"
    item["due"] = "next week"
    item["surprise"] = True
    del item["owner"]

    problems = errors_of(document)
    assert any(p.startswith("items/0/status") for p in problems)
    assert any(p.startswith("items/0/due") for p in problems)
    assert any("surprise" in p for p in problems)
    assert any("'owner' is a required property" in p for p in problems)


def test_scan_writes_a_conforming_report(tmp_path: Path) -> None:
    root = write_weak(tmp_path / "weak")
    result = subprocess.run(
        [sys.executable, "-m", "reviewtui", "scan", str(root), "--format", "json"],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1  # the weak project fails critical items
    assert errors_of(json.loads(result.stdout)) == []
