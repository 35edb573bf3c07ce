"""The report's JSON writer gives the same text as ``json.dumps(indent=2)``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from reviewtui.report import render, render_chunks
from reviewtui.report.json_text import Stream, chunks, dumps
from tests.report_projects import BUILDERS

SCALARS: list[object] = [
    "a", "é\n\"x\\", "", "\u2028\x00", 0, -3, 10**30, 2.5, 1e300, -0.0,
    True, False, None, float("nan"), float("inf"), float("-inf"),
]  # fmt: skip


def _value(generator: random.Random, depth: int = 0) -> object:
    roll = generator.random()
    if depth > 4 or roll < 0.4:
        return generator.choice(SCALARS)
    if roll < 0.7:
        keys = ["k", "é", 'a"b', "", 1, 2.5, True, None]
        return {generator.choice(keys): _value(generator, depth + 1) for _ in range(4)}
    if roll < 0.85:
        return tuple(_value(generator, depth + 1) for _ in range(generator.randint(0, 3)))
    return [_value(generator, depth + 1) for _ in range(generator.randint(0, 4))]


def _expected(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("seed", range(20))
def test_plain_values_match_json_dumps(seed: int) -> None:
    generator = random.Random(seed)
    for _ in range(50):
        value = _value(generator)
        assert dumps(value) == _expected(value)


@pytest.mark.parametrize("seed", range(10))
def test_streams_write_what_their_lists_would(seed: int) -> None:
    generator = random.Random(seed)
    for _ in range(50):
        members = [_value(generator) for _ in range(generator.randint(0, 3))]
        document = {
            "streamed": Stream(iter(members)),
            "nested": [{"inner": Stream(iter(members))}, Stream(iter(()))],
            "plain": members,
        }
        listed = {"streamed": members, "nested": [{"inner": members}, []], "plain": members}
        assert dumps(document) == _expected(listed)


def test_a_stream_with_its_own_encoder_writes_its_text() -> None:
    document = {"n": Stream(range(3), lambda number, depth: f'"{number}@{depth}"')}
    assert "".join(chunks(document)) == '{\n  "n": [\n    "0@2",\n    "1@2",\n    "2@2"\n  ]\n}'


def test_a_stream_is_written_one_element_per_piece() -> None:
    made: list[int] = []

    def numbers() -> object:
        for number in range(3):
            made.append(number)
            yield number

    pieces = chunks({"n": Stream(numbers())})  # type: ignore[arg-type]
    assert next(pieces) == '{\n  "n": '
    assert next(pieces) == "[\n    0"
    assert made == [0]


def test_what_json_cannot_write_is_refused() -> None:
    with pytest.raises(TypeError):
        dumps({"a": object()})
    with pytest.raises(TypeError):
        dumps({(1, 2): 1})


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_reports_are_the_text_json_dumps_gives(tmp_path: Path, name: str, fmt: str) -> None:
    """Findings written from their fields (waived, live, hostile text) and streamed
    results read back and dumped again give the same bytes."""
    text = render(BUILDERS[name](tmp_path), fmt)

    assert text == _expected(json.loads(text))


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_report_comes_in_pieces_that_make_its_text(tmp_path: Path, fmt: str) -> None:
    session = BUILDERS["weak"](tmp_path)

    pieces = list(render_chunks(session, fmt))

    assert len(pieces) > 10
    assert "".join(pieces) == render(session, fmt)


def test_an_unknown_format_is_refused_before_the_report_is_made(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render_chunks(BUILDERS["empty"](tmp_path), "xml")
