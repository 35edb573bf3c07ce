"""libyaml reads YAML into exactly the document ruamel.yaml's round-trip loader makes.

Each text is loaded both ways and the documents compared whole: every key and value
with its type, the order of keys (merge keys included), and the line and column ruamel
records for the start of each mapping and sequence, each key and entry, and each value
(see ``_shape`` for the one exception, empty values). Errors must be ruamel's own, with
its message, since the fast reader hands what it cannot read to ruamel. Texts are
written out by hand for each rule of the resolver and each feature left to ruamel, then
generated (compose-like documents, and random strings of YAML's own characters).
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_profile import fuzz
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor

from reviewtui import fast_yaml

pytest.importorskip("yaml._yaml", reason="libyaml (PyYAML's C extension) is not installed")

REPO = Path(__file__).resolve().parents[1]


def ruamel_load(text: str) -> Any:
    """ruamel.yaml's round-trip load, as the readers call it."""
    return YAML(typ="rt", pure=True).load(text)


class _TextDates(RoundTripConstructor):
    """Timestamps kept as text, as the waivers' project file reads them."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def ruamel_text_dates(text: str) -> Any:
    loader = YAML(typ="rt", pure=True)
    loader.Constructor = _TextDates
    return loader.load(text)


def _shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """A comparable form of a loaded value: types, values, order and positions, and
    which containers are one and the same (an alias gives the container it names, and a
    reference to it here, so that aliases of aliases cost nothing).

    The position of an empty value (``key:`` with nothing after it) is the one thing
    left out: libyaml puts it right after the colon, ruamel at the next token, and no
    reader asks for it.
    """
    seen = {} if seen is None else seen
    if isinstance(value, CommentedMap | CommentedSeq):
        if id(value) in seen:
            return ("same as", seen[id(value)])
        seen[id(value)] = len(seen)
    if isinstance(value, CommentedMap):
        lines = value.lc.data or {}
        positions = {
            key: tuple(spot) if value.get(key) is not None else tuple(spot[:2])
            for key, spot in lines.items()
        }
        items = [(_shape(key, seen), _shape(child, seen)) for key, child in value.items()]
        # The keys the mapping sets itself, not through a merge key: ruamel tells them
        # apart when a key is changed or deleted.
        own = sorted((_shape(key, seen) for key in value._ok), key=repr)
        return ("map", value.lc.line, value.lc.col, positions, items, own)
    if isinstance(value, CommentedSeq):
        spots = {index: tuple(spot) for index, spot in (value.lc.data or {}).items()}
        return ("seq", value.lc.line, value.lc.col, spots, [_shape(x, seen) for x in value])
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(float(value)))
    if isinstance(value, str):
        return ("str", str(value))
    if isinstance(value, datetime.date):
        return ("date", value.isoformat())
    return (type(value).__name__, str(value)) if value is not None else None


def _outcome(load: Any, text: str) -> Any:
    try:
        return ("loaded", _shape(load(text)))
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(error).__name__, str(error))


def assert_same(text: str, dates_as_text: bool = False) -> None:
    """The fast reader gives what ruamel gives, document or error."""
    reference = ruamel_text_dates if dates_as_text else ruamel_load
    expected = _outcome(reference, text)
    got = _outcome(lambda t: fast_yaml.load(t, reference, dates_as_text), text)
    assert got == expected


def read_fast(text: str, dates_as_text: bool = False) -> Any:
    """The document, failing the test when libyaml gave it up to ruamel."""

    def refuse(_: str) -> Any:
        pytest.fail("the text went to ruamel")

    return fast_yaml.load(text, refuse, dates_as_text)


def falls_back(text: str) -> bool:
    """True when the fast reader hands the text to ruamel."""
    handed: list[str] = []
    fast_yaml.load(text, lambda t: handed.append(t), False)
    return bool(handed)


SCALARS = [
    "[0o17, 017, 0x1F, 0xaB, 0b101, 1_000, -0, +5, 0, 00, -017]",
    "[1e3, 1.5e-3, .5, -.inf, +.INF, .NaN, 1_0.5, 10., -1.0, 1.e5, +.5e+3, 1E3, 1e400]",
    "[0x_, 0b_, ___ , +_, '-', -, 12:30, 1:2:3, 1_e5, ., ._, 0o, 0x1Fg, 1" + "0" * 5000 + "]",
    "[yes, no, on, off, y, n, True, TRUE, tRue, true, False, FALSE]",
    "[~, null, Null, NULL, nULL, '', \"\", nan, inf]",
    "[2026-01-31, 2026-02-30, 2026-1-31, 20260131, 2026-01-31x]",
    "[<, <<<, =, ==, '<<', '=']",
    '"a\\tb\\x41\\u263A\\/\\N\\_\\L\\P\\0"',
    "'it''s'",
    "|\n  a\n  b\n\n",
    ">\n  a\n  b\n\n  c\n",
    "|-\n  x\n",
    ">+\n  y\n\n",
    "|2\n   b\n",
    ">-\n\n  b\n",
    "a\n  b\n\n  c\n",
    "\u00e9\u4e2d\U0001f600",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_resolve_as_ruamel_resolves_yaml_1_2(scalar: str) -> None:
    assert_same(f"key: {scalar}\n" if "\n" not in scalar else f"key: {scalar}")
    assert_same(f"- {scalar}\n" if "\n" not in scalar else f"- {scalar}")


DOCUMENTS = [
    "",
    "# only a comment\n",
    "just text\n",
    "- 1\n- 2\n",
    "a:   # comment\n  b: 1  # c\n# end\n",
    "- \n- a\n-\n- - b\n  -\n",
    "k:\n- a\n- b\n",
    "{a: 1, b: [x, y], c: {d: }}\n",
    "[a, b, {c: d}, [e]]\n",
    "a: [b, c,]\nd: {e: f,}\n",
    "- a: 1\n  b: 2\n- c\n",
    "key with spaces: value with: colon\nurl: http://x.y/z?a=b#frag\n",
    "a: b #c\nd: e#f\n",
    "a: 1\n1: 2\ntrue: 3\nnull: 4\n1.5: 5\n2026-01-31: 6\n",
    'services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n      - 443:443\n',
    "a: b\r\nc:\r\n  - d\r\n",
    "\"quoted key\": 1\n'single': 2\n",
    'a: "x\n  y"\n',
    "---\na: 1\n...\n",
    "x: " + "[" * 50 + "]" * 50 + "\n",
    "a: &r\n  b: 1\nc: *r\nd: *r\n",
    "a: &s text\nb: *s\n",
    "a: &a [x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c, *c]\n",
    "&a a: 1\n*a : 2\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_documents_read_as_ruamel_reads_them(text: str) -> None:
    assert_same(text)


MERGES = [
    "a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  q: 3\n  r: 4\n",
    "a: &x {p: 1}\nb: &y {q: 2, p: 5}\nc:\n  r: 0\n  <<: [*x, *y]\n",
    "a: &x {p: 1}\nb:\n  p: 2\n  <<: *x\n",
    "base: &b\n  env: &e {A: 1}\n  image: x\nsvc:\n  <<: *b\n  env:\n    <<: *e\n    B: 2\n",
    "x-d: &d\n  restart: always\n  labels: {a: b}\nservices:\n  w:\n    <<: *d\n    image: n\n",
    "b:\n  <<: {p: 1}\n",
    "b:\n  <<: []\n",
]


@pytest.mark.parametrize("text", MERGES)
def test_merge_keys_bring_in_keys_after_their_own_in_order(text: str) -> None:
    assert_same(text)
    read_fast(text)


LEFT_TO_RUAMEL = [
    "%YAML 1.1\n---\na: yes\n",
    "k: ! 5\n",
    "k: !!str 5\n",
    "k: !reset []\n",
    "k: !override {a: 1}\n",
    "k: !custom x\n",
    "a: 1\na: 2\n",
    "a: &x\n  p: 1\nb:\n  <<: *x\n  <<: *x\n",
    "b:\n  <<: 5\n",
    "b:\n  <<: [5]\n",
    "x: <<\n",
    "d: 2001-12-14t21:59:43.10-05:00\n",
    "? [a, b]\n: c\n",
    "a: &r [*r]\n",
    "a: 1\n---\nb: 2\n",
    "a:\tb\n",
    "a: b\rc: d\r",
    "a: b\u2028c: d\n",
    "a: [unclosed\n",
    "a: *undefined\n",
]


@pytest.mark.parametrize("text", LEFT_TO_RUAMEL)
def test_what_it_cannot_promise_goes_to_ruamel_and_reads_the_same(text: str) -> None:
    assert falls_back(text)
    assert_same(text)


def test_dates_stay_text_when_asked() -> None:
    text = "expires: 2026-01-31\nbad: 2026-02-30\nwhen: 2001-12-14 21:59:43.10\n"
    assert_same(text, dates_as_text=True)
    assert read_fast(text, dates_as_text=True)["bad"] == "2026-02-30"
    assert read_fast("expires: 2026-01-31\n")["expires"] == datetime.date(2026, 1, 31)


def test_the_files_reviewtui_reads_most_go_through_libyaml() -> None:
    """The shipped checklists, the demo's compose file and a compose file with anchors
    and a merge key are read by libyaml, and the same as ruamel reads them."""
    texts = [path.read_text() for path in sorted((REPO / "checklists").glob("*.yaml"))]
    texts.append((REPO / "tests/fixtures/projects/demo/compose.yaml").read_text())
    texts.append(MERGES[4])
    for text in texts:
        read_fast(text)
        assert_same(text)


_KEYS = st.sampled_from(["a", "b", "image", "ports", "<<", "1", "true", "x y", "k:v"])
_PLAIN = st.sampled_from(
    ["x", "1", "0o7", "1.5", "yes", "null", "~", "", "2026-01-31", "a b", "-1", ".inf"]
)
_QUOTED = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8).map(
    lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
)


@st.composite
def block_documents(draw: st.DrawFn, depth: int = 0) -> str:
    """A block mapping or sequence of scalars, flow collections, nested blocks, anchors,
    aliases and merge keys, comments and blank lines, as indented text."""
    indent = "  " * depth
    lines = []
    anchors = 0
    for _ in range(draw(st.integers(1, 4))):
        key = draw(_KEYS)
        choice = draw(st.integers(0, 5 if depth < 3 else 2))
        prefix = f"{indent}- " if draw(st.booleans()) and key != "<<" else f"{indent}{key}: "
        if choice == 0:
            lines.append(prefix + draw(_PLAIN))
        elif choice == 1:
            lines.append(prefix + draw(_QUOTED))
        elif choice == 2:
            items = draw(st.lists(st.one_of(_PLAIN, _QUOTED), max_size=3))
            lines.append(prefix + "[" + ", ".join(items) + "]")
        elif choice == 3:
            anchors += 1
            lines.append(f"{prefix}&n{depth}{anchors} {{p: 1, q: [2]}}")
            lines.append(f"{indent}alias{anchors}: *n{depth}{anchors}")
        else:
            lines.append(prefix.rstrip() + (" # note" if draw(st.booleans()) else ""))
            lines.append(draw(block_documents(depth + 1)))
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines)


@fuzz(150)
@given(block_documents(), st.sampled_from(["\n", "\r\n"]))
def test_generated_documents_read_the_same(text: str, newline: str) -> None:
    assert_same(text.replace("\n", newline) + newline)


@fuzz(300)
@given(st.text(st.sampled_from(list("ab1:-?[]{},&*!|>'\"#%@ \n\t.<=~")), max_size=40))
def test_random_yaml_characters_read_the_same(text: str) -> None:
    assert_same(text)
