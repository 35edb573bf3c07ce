"""Line edits on a Dockerfile's text, at the lines the project's own reader located.

The Dockerfile fixers never rewrite a file: each one names the few physical lines it
replaces, inserts or deletes, and :func:`apply_changes` makes exactly those changes, so
every other byte (comments, blank lines, continuations, heredoc bodies) stays as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviewtui.project.dockerfile import Dockerfile, Instruction, Stage

# Instructions whose work depends on the user they run as, or that leave files behind:
# a USER or HEALTHCHECK added for the shipped image goes after the last of them.
BUILD_STEPS = frozenset({"RUN", "COPY", "ADD", "WORKDIR", "ONBUILD"})
_STARTS = frozenset({"CMD", "ENTRYPOINT"})
_POSIX_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})


@dataclass(frozen=True)
class NoFix:
    """Why a Dockerfile gives no mechanical fix for an item: the reviewer decides.

    ``passes`` says the item passes for the file already (nothing to fix).
    """

    reason: str
    passes: bool = False


@dataclass(frozen=True)
class LineChange:
    """Lines ``first`` to ``last`` (1-based, inclusive) replaced by ``lines``.

    ``last == first - 1`` inserts ``lines`` before line ``first``; empty ``lines``
    deletes the range.
    """

    first: int
    last: int
    lines: tuple[str, ...]


def replace_line(number: int, text: str) -> LineChange:
    """Line ``number`` replaced by ``text``."""
    return LineChange(number, number, (text,))


def insert_before(number: int, *lines: str) -> LineChange:
    """``lines`` inserted before line ``number`` (one past the last line: at the end)."""
    return LineChange(number, number - 1, tuple(lines))


def delete_lines(first: int, last: int) -> LineChange:
    """Lines ``first`` to ``last`` removed."""
    return LineChange(first, last, ())


def apply_changes(text: str, changes: Sequence[LineChange]) -> str:
    """``text`` with every change made; the changes must not overlap.

    Lines are split on LF only (as Docker reads them). A file without a final newline
    keeps going without one, and lines inserted at its end come after its last line.
    """
    lines = text.split("\n")
    final_newline = text.endswith("\n")
    if final_newline:
        lines.pop()
    ordered = sorted(changes, key=lambda change: (change.first, change.last))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.first <= earlier.last or (
            later.first == earlier.first and later.last < later.first
        ):
            raise ValueError(f"overlapping line changes at line {later.first}")
    for change in reversed(ordered):
        lines[change.first - 1 : change.last] = list(change.lines)
    result = "\n".join(lines)
    return result + "\n" if final_newline and lines else result


def last_line(instruction: Instruction) -> int:
    """The last physical line an instruction takes, its heredoc bodies included."""
    return max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])


def written_keyword(dockerfile: Dockerfile, instruction: Instruction) -> str:
    """The instruction's keyword as the file spells it (``add``, ``Add``, ``ADD``)."""
    line = dockerfile.lines[instruction.start_line - 1].lstrip()
    return line[: len(instruction.keyword)]


def in_case_of(written: str, keyword: str) -> str:
    """``keyword`` in the case the file writes its keywords: lower case for ``run``."""
    return keyword.lower() if written.islower() else keyword.upper()


def indent_of(dockerfile: Dockerfile, line: int) -> str:
    """The blanks that open a line."""
    text = dockerfile.lines[line - 1] if 0 < line <= len(dockerfile.lines) else ""
    return text[: len(text) - len(text.lstrip(" \t"))]


@dataclass(frozen=True)
class Slot:
    """Where an instruction for the shipped image goes: before ``line``, spelt like
    ``like`` (an instruction of the stage, for the keyword's case and the indent)."""

    line: int
    like: Instruction


def final_stage_slot(dockerfile: Dockerfile) -> Slot | NoFix:
    """Where a USER or HEALTHCHECK for the final stage goes.

    Before the final stage's CMD or ENTRYPOINT that follows its last build step (and the
    comments right above it), else after its last instruction, unless text the reader
    placed in no instruction follows (a continuation left open at the end of the file):
    a line added there could join it.
    """
    stage = dockerfile.final_stage
    if stage is None:
        return NoFix("no FROM instruction could be read")
    own = stage.instructions
    last_step = max(
        (index for index, ins in enumerate(own) if ins.keyword in BUILD_STEPS), default=-1
    )
    for instruction in own[last_step + 1 :]:
        if instruction.keyword in _STARTS:
            comments = dockerfile.comments_before(instruction)
            first = comments[0].line if comments else instruction.start_line
            return Slot(first, instruction)
    last = own[-1] if own else stage.from_instruction
    after = last_line(last)
    for number, line in enumerate(dockerfile.lines[after:], start=after + 1):
        if line.strip() and not line.lstrip().startswith("#"):
            return NoFix(f"line {number} belongs to no instruction the reader could read")
    return Slot(after + 1, last)


def lineage_instructions(dockerfile: Dockerfile, stage: Stage | None = None) -> list[Instruction]:
    """Every instruction of ``stage`` (default: final) and the stages it builds on."""
    return [ins for current in dockerfile.lineage(stage) for ins in current.instructions]


def other_shell(dockerfile: Dockerfile, stage: Stage | None = None) -> str | None:
    """The SHELL of ``stage`` (default: final) when it is no POSIX shell, as written;
    None when RUN and shell-form commands run in sh or a shell like it."""
    shell = dockerfile.effective("SHELL", stage)
    if shell is None:
        return None
    program = (shell.exec_form or [""])[0].replace("\\", "/").rsplit("/", 1)[-1]
    return None if program in _POSIX_SHELLS else shell.arguments


def after_keyword(line: str, keyword: str) -> int:
    """The offset just past an instruction's keyword and the blanks after it."""
    stripped = len(line) - len(line.lstrip(" \t"))
    position = stripped + len(keyword)
    while position < len(line) and line[position] in " \t":
        position += 1
    return position
