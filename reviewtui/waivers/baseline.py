"""Baselines: today's failing targets written as waivers into ``.reviewtui.yaml``.

A baseline lets a CI gate start on a project that already fails: every failing target
not yet waived gets one entry of its own, naming exactly that target (its text, with
glob characters escaped), so a target added later is not covered. Each entry carries
an owner and a reason for the team to fill in, and an expiry date.

The project file is kept byte for byte: the entries are spliced in as text after the
last entry of the ``waivers:`` list (or a list is started), and the result is read
again to prove that the old entries and every other key say what they said, and that
the new entries load without problems. The file is then replaced atomically.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import stat
import tempfile
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError

from reviewtui.model import Status, Target
from reviewtui.review.model import ItemState
from reviewtui.waivers.model import Waiver
from reviewtui.waivers.project_file import PROJECT_FILE, parse_project_document

log = logging.getLogger(__name__)

OWNER_PLACEHOLDER = "TODO"
"""The owner written when none is given: the team replaces it."""

DEFAULT_DAYS = 90
"""How long a baseline waiver lasts by default, from the day it is written."""

FOUND_WIDTH = 88
"""The width the finding's reason is wrapped to in the comment above an entry."""

_BOM = b"\xef\xbb\xbf"
_GLOB = re.compile(r"[*?\[]")
_WAIVERS_KEY = re.compile(r"^waivers[ \t]*:[ \t]*(?P<value>[^#\s][^#]*?)?[ \t]*(?P<comment>#.*)?$")
_EDGE_SPACE = re.compile(r"\A\s+|\s+\Z")
_EMPTY_FLOW = re.compile(r"^\[[ \t]*\]$")
# Lines as the YAML reader counts them: a line ends at LF, CR LF or a lone CR.
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


class BaselineError(Exception):
    """The project file cannot take the baseline; the message names the file and line."""


def reason_placeholder(day: date) -> str:
    """The reason written into each entry: a question nobody can mistake for an answer."""
    return f"TODO: why is this accepted? (baseline of {day.isoformat()})"


@dataclass(frozen=True)
class BaselineEntry:
    """One waiver the baseline adds: one item, one target, until ``expires``.

    ``found`` is the finding's reason, written as a comment above the entry so whoever
    fills in the reason sees what was found.
    """

    item: str
    target: Target
    reason: str
    owner: str
    expires: date
    found: str = ""

    @property
    def pattern(self) -> str:
        """The ``target:`` glob: the target's text, matching it and no other target."""
        return target_pattern(self.target)


def target_pattern(target: Target) -> str:
    """A glob that matches ``target``'s text literally (see ``matches_pattern``).

    The text names the kind, the name and the file (``service web (compose.yaml)``), so
    neither ``web2`` nor ``web`` in another compose file matches it. Glob characters are
    escaped as one-character sets, and so is white space at either end, which the
    project file would strip.
    """
    pattern = _GLOB.sub(lambda match: f"[{match.group()}]", str(target))
    return _EDGE_SPACE.sub(lambda match: "".join(f"[{c}]" for c in match.group()), pattern)


def baseline_entries(
    states: Iterable[ItemState], owner: str, expires: date, day: date
) -> list[BaselineEntry]:
    """One entry per failing (item, target) that no active waiver covers, in checklist
    order. Answers are not consulted: the detected failures are what a scan without
    saved answers fails on too."""
    entries: list[BaselineEntry] = []
    for state in states:
        if not state.item.automatic:
            continue
        seen: set[Target] = set()
        for finding in state.findings:
            if finding.status is not Status.FAIL or state.waiver_for(finding) is not None:
                continue
            if finding.target in seen:
                continue
            seen.add(finding.target)
            entries.append(
                BaselineEntry(
                    item=state.item.id,
                    target=finding.target,
                    reason=reason_placeholder(day),
                    owner=owner,
                    expires=expires,
                    found=finding.reason,
                )
            )
    return entries


@dataclass(frozen=True)
class ProjectFileEdit:
    """The project file before and after the baseline, as bytes (``before`` is None when
    the file does not exist yet), and the text of the entries added."""

    path: Path
    before: bytes | None
    after: bytes
    added: str


class _TextDates(RoundTripConstructor):
    """Dates stay text, as the project file's reader keeps them, so a bad date is that
    entry's problem rather than an error of the whole file."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def read_existing(root: Path) -> bytes | None:
    """The bytes of ``root/.reviewtui.yaml``, None when it does not exist.

    Raises BaselineError for a file that could not be replaced safely: a symbolic link
    (renaming over it would replace the link), or anything but a regular file.
    """
    path = root / PROJECT_FILE
    if path.is_symlink():
        raise BaselineError(f"{PROJECT_FILE} is a symbolic link; edit the file it names")
    if not path.exists():
        return None
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise BaselineError(f"{PROJECT_FILE} is not a regular file")
        return path.read_bytes()
    except OSError as error:
        raise BaselineError(f"{PROJECT_FILE}: cannot read: {error.strerror or error}") from None


def check_existing(data: bytes | None) -> None:
    """Raise BaselineError when the project file cannot be read as a whole. A single
    entry that cannot be used waives nothing but leaves the file usable: the scan
    reports it."""
    if data is not None:
        _check_shape(_load(_decode(data)))


def plan_edit(
    root: Path, entries: Sequence[BaselineEntry], items: frozenset[str], day: date
) -> ProjectFileEdit:
    """The project file with ``entries`` added, checked by reading it again.

    Raises BaselineError, naming the file and line, when the file is broken or written
    in a way the entries cannot be added to without changing anything else.
    """
    before = read_existing(root)
    path = root / PROJECT_FILE
    if before is None:
        added = _entries_text(entries, day, "  ", "    ", "\n")
        text = _header(day) + "waivers:\n" + added
        after = text.encode("utf-8")
        _verify("", text, len(entries), items, day)
        return ProjectFileEdit(path, None, after, added)

    bom = before.startswith(_BOM)
    old = _decode(before)
    new, added = _splice(old, entries, day)
    _verify(old, new, len(entries), items, day)
    return ProjectFileEdit(path, before, (_BOM if bom else b"") + new.encode("utf-8"), added)


def write_edit(edit: ProjectFileEdit) -> None:
    """Replace the project file by ``edit.after``: a temporary file beside it, fsync,
    rename, permissions kept. Raises BaselineError, writing nothing, when the file
    changed since it was read or cannot be written."""
    path = edit.path
    current = read_existing(path.parent)
    if current != edit.before:
        raise BaselineError(f"{PROJECT_FILE} changed while the baseline was made")
    if edit.before is not None:
        mode = stat.S_IMODE(path.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f"{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise BaselineError(f"{PROJECT_FILE}: cannot write: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(edit.after)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BaselineError(f"{PROJECT_FILE}: cannot write: {error.strerror or error}") from None
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; a file system that cannot sync folders loses
    nothing but that guarantee."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError as error:
        log.debug("cannot sync %s: %s", folder, error)
    finally:
        os.close(handle)


# Reading the file


def _decode(data: bytes) -> str:
    try:
        return data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise BaselineError(f"{PROJECT_FILE}:{line}: not valid UTF-8") from None


@functools.lru_cache(maxsize=4)
def _load(text: str) -> Any:
    """The round-trip document of ``text``. Cached, since one baseline reads the same
    text up to three times and a big file takes seconds; nothing changes a document."""
    loader = YAML(typ="rt")
    loader.Constructor = _TextDates
    try:
        return loader.load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"{PROJECT_FILE}:{mark.line + 1}" if mark is not None else PROJECT_FILE
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise BaselineError(f"{where}: invalid YAML: {problem}") from None
    except (ValueError, RecursionError) as error:
        raise BaselineError(f"{PROJECT_FILE}: cannot read: {error}") from None


def _check_shape(document: Any) -> None:
    """The file must be empty, or a mapping whose ``waivers`` is empty or a list."""
    if document is None:
        return
    if not isinstance(document, dict):
        raise BaselineError(f"{PROJECT_FILE}:1: expected a mapping with a 'waivers' list")
    entries = document.get("waivers")
    if entries is not None and not isinstance(entries, list):
        line = _key_line(document, "waivers")
        raise BaselineError(f"{PROJECT_FILE}:{line}: 'waivers' must be a list")


def _key_line(mapping: Any, key: str) -> int:
    """The 1-based line of ``key`` in a round-trip mapping, for messages."""
    return int(mapping.lc.key(key)[0]) + 1


# Splicing the entries in


def _splice(text: str, entries: Sequence[BaselineEntry], day: date) -> tuple[str, str]:
    """``text`` with the entries added, and the entries' text, in the file's line ends."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _LINES.findall(text)
    document = _load(text)
    _check_shape(document)

    if document is None or "waivers" not in document:
        if document is not None and _not_block(document):
            raise _unwritable(1, "the file is not a block mapping starting in column 1")
        added = _entries_text(entries, day, "  ", "    ", newline)
        return _append(text, newline) + f"waivers:{newline}" + added, added

    key = int(document.lc.key("waivers")[0])
    key_line = lines[key].rstrip("\r\n")
    match = _WAIVERS_KEY.match(key_line)
    if match is None:
        raise _unwritable(key + 1, "'waivers:' must start a line of its own")
    value = match.group("value") or ""
    waivers = document["waivers"]

    if waivers is None or not waivers:
        if value and not _EMPTY_FLOW.match(value):
            raise _unwritable(key + 1, "write 'waivers:' with nothing after it")
        added = _entries_text(entries, day, "  ", "    ", newline)
        comment = f"  {match.group('comment')}" if match.group("comment") else ""
        head = f"waivers:{comment}{newline}" if value else lines[key]
        if not head.endswith(("\n", "\r")):
            head += newline
        return "".join(lines[:key]) + head + added + "".join(lines[key + 1 :]), added

    if value.startswith("["):
        raise _unwritable(key + 1, "the waivers list is written in flow style ([...])")
    if value:
        raise _unwritable(key + 1, "write 'waivers:' with nothing after it")
    dash, indent = _entry_indents(lines, waivers)
    added = _entries_text(entries, day, dash, indent, newline)
    end = _list_end(lines, key, _next_key_line(document, "waivers", len(lines)), len(dash))
    head = "".join(lines[:end])
    if not head.endswith(("\n", "\r")):
        head += newline
    return head + added + "".join(lines[end:]), added


def _not_block(document: Any) -> bool:
    """True when the top mapping is written in flow style or indented: a key appended
    at the end would then not join it."""
    return bool(document.fa.flow_style() or document.lc.col)


def _unwritable(line: int, why: str) -> BaselineError:
    return BaselineError(f"{PROJECT_FILE}:{line}: cannot add the baseline: {why}")


def _append(text: str, newline: str) -> str:
    """``text`` ready for lines after it: ending in a line end unless empty."""
    return text if not text or text.endswith(("\n", "\r")) else text + newline


def _entry_indents(lines: list[str], waivers: Any) -> tuple[str, str]:
    """The indentation of the list's dashes and of the keys of its entries, from its
    first entry, so the new entries look like the old ones."""
    line, column = (int(n) for n in waivers.lc.item(0))
    before = lines[line][:column]
    if before.strip() == "-":
        dash = before.index("-")
        return " " * dash, " " * column
    dash = max(column - 2, 0)
    return " " * dash, " " * (dash + 2)


def _next_key_line(document: Any, key: str, default: int) -> int:
    """0-based line of the top-level key after ``key``, or ``default`` when it is last."""
    keys = list(document)
    position = keys.index(key)
    if position + 1 < len(keys):
        return int(document.lc.key(keys[position + 1])[0])
    return default


def _list_end(lines: list[str], key: int, stop: int, dash: int) -> int:
    """The index of the line after the list's last entry.

    Blank lines, and comments no deeper than the dashes, after the last entry belong to
    what follows (a commented-out entry, the next key's heading): the new entries go
    before them.
    """
    end = stop
    while end > key + 1:
        line = lines[end - 1]
        stripped = line.strip()
        depth = len(line) - len(line.lstrip())
        if stripped and not (stripped.startswith("#") and depth <= dash):
            break
        end -= 1
    return end


# Writing the entries


def _header(day: date) -> str:
    return (
        "# reviewtui project file: decisions already made about this project's findings.\n"
        f"# 'reviewtui baseline' wrote the entries below on {day.isoformat()} from the\n"
        "# failures found then. Each waives one item for one target until it expires;\n"
        "# fill in each owner and reason, or fix the finding and delete its entry.\n"
    )


def _entries_text(
    entries: Sequence[BaselineEntry], day: date, dash: str, indent: str, newline: str
) -> str:
    lines = [
        f"{dash}# Baseline of {day.isoformat()}: failures already there. Fill in owner and "
        "reason,",
        f"{dash}# or fix the finding and delete its entry.",
    ]
    # The first key sits where the other keys do, however far after its dash that is.
    bullet = f"{dash}-".ljust(len(indent))
    if len(bullet) == len(dash) + 1:
        bullet += " "
    for entry in entries:
        lines += [f"{dash}# {line}" for line in _found(entry.found)]
        lines += [
            f"{bullet}item: {_scalar(entry.item)}",
            f"{indent}target: {_scalar(entry.pattern)}",
            f"{indent}reason: {_scalar(entry.reason)}",
            f"{indent}owner: {_scalar(entry.owner)}",
            f"{indent}expires: {entry.expires.isoformat()}",
        ]
    return "".join(line + newline for line in lines)


def _found(reason: str) -> list[str]:
    """A finding's reason as comment lines (it is already masked and inert)."""
    return textwrap.wrap(
        " ".join(reason.split()),
        FOUND_WIDTH,
        initial_indent="found: ",
        subsequent_indent="       ",
        break_on_hyphens=False,
    )


_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_.\-/]*$")


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar that reads back as exactly ``value``: plain when it is
    a simple word, else double-quoted with every control, format (bidi) and separator
    character written as an escape, so the file shows no invisible text."""
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
        return value
    quoted = []
    for char in value:
        if char in '"\\':
            quoted.append("\\" + char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            code = ord(char)
            quoted.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            quoted.append(char)
    return '"' + "".join(quoted) + '"'


_YAML_WORDS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n"})


# Checking the result


def _verify(old: str, new: str, count: int, items: frozenset[str], day: date) -> None:
    """Read both texts as the scan does: the new file must hold the old waivers, then
    ``count`` new ones, the same problems, and every other key unchanged."""
    unchanged = BaselineError(
        f"{PROJECT_FILE}: cannot add the baseline without changing what the file says "
        "(see --dry-run for the entries to add by hand)"
    )
    before = _load(old) if old else None
    try:
        after = _load(new)
    except BaselineError as error:
        log.debug("the file with the baseline does not load: %s", error)
        raise unchanged from None
    old_waivers, old_problems = parse_project_document(before, items, day)
    new_waivers, new_problems = parse_project_document(after, items, day)
    kept = [_meaning(w) for w in new_waivers[: len(old_waivers)]]
    same = (
        len(new_waivers) == len(old_waivers) + count
        and kept == [_meaning(w) for w in old_waivers]
        and [p.reason for p in new_problems] == [p.reason for p in old_problems]
        and _others(before) == _others(after)
    )
    if not same:
        log.debug("baseline check failed; problems after: %s", new_problems)
        raise unchanged


def _meaning(waiver: Waiver) -> tuple[str, str | None, str, str, str]:
    return (waiver.item, waiver.pattern, waiver.reason, waiver.owner, waiver.expires)


def _others(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        return {}
    return {str(key): value for key, value in document.items() if key != "waivers"}
