"""RUN steps as shell commands: quotes, operators, substitutions and heredocs understood.

Every Dockerfile detector that looks into RUN reads the same :class:`RunStep` list, parsed
once per Dockerfile. The lexer is a small POSIX-shell reader, not a full shell: it splits
at ``&&``, ``||``, ``;``, ``|``, ``&`` and newlines outside quotes, reads the commands
inside ``$(...)``, backticks, ``<(...)`` and ``sh -c '...'`` as commands of their own,
drops comments, and skips heredoc bodies that a command reads as data. It never raises:
an unclosed quote runs to the end of the text, as ``shlex`` in its lenient mode would.
(``shlex`` itself reads one character at a time and is too slow for a corpus scan.)
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from reviewtui.project.dockerfile import (
    Dockerfile,
    Heredoc,
    Instruction,
    Stage,
    split_words,
    unquote_word,
)

# The tokens of shell text without heredocs, backticks or case statements, read in one
# pass: blanks, comments, words (quotes, substitutions and redirections such as 2>&1
# included) and operators.
_PAREN = r"\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)?"
_TOKENS = re.compile(
    r"""[ \t]*(?:(?P<word>(?:[^\s;&|()'"\\`$<>#]+"""  # plain text first: most words are
    r"""|'[^']*'?|"(?:[^"\\$]|\\.|\$(?!\()|\$""" + _PAREN + r""")*"?"""
    r"""|\$""" + _PAREN + r"""|\$|[<>]""" + _PAREN + r"""|[<>]+&[\d-]*|&>>?|[<>]+|\\.?"""
    r"""|(?<=[^\s;&|()])\#)+)"""
    r"""|(?P<comment>\#[^\n]*)"""
    r"""|(?P<op>&&|\|\||;;|;&|\|&|[;&|\n()])|[ \t]+$)""",
    re.S,
)
_SUBSTITUTION = re.compile(r"[$<>]\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)?")
# What interrupts plain text: quotes, escapes, operators, substitutions, comments, heredocs.
_SPECIAL = re.compile(r"""['"\\`#;&|()\n]|\$\(|[<>]\(|<<""")
_IN_DOUBLE_QUOTES = re.compile(r'["\\`]|\$\(')
_HEREDOC_DELIMITER = re.compile(r"""-?[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|([^\s;&|<>()]+))""")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECT = re.compile(r"^\d*(<<?|>>?|&>>?|>&|<&|>\|)(.*)$")
# Reserved words that may stand before a command: "then apt-get install ...".
_RESERVED = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{"})
# The head of a case statement up to its first pattern: "case $arch in x86_64|arm64)".
_CASE_HEAD = re.compile(r"^\s*case\s.*\sin\s")
_WORD_START = frozenset(" \t\n;&|()")
_LEADING_SPACE = re.compile(r"\s*")

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"})
DOWNLOADERS = frozenset({"curl", "wget"})
INTERPRETERS = frozenset(
    {"python", "python2", "python3", "perl", "ruby", "node", "php", "pwsh", "powershell"}
)
URL = re.compile(r"(?i)^(https?|ftp)://")
# Short options of curl and wget that take a value (the rest of a bundle is that value).
CURL_VALUE_LETTERS = "AbcCdDeEFHKmoPQrtTuUwxXyYz"
WGET_VALUE_LETTERS = "aAbBdDeHiIlLoOPQRtTUwXY"
# Commands that run the command after them; the number is how many arguments they take
# before it (options are skipped too).
_WRAPPERS = {
    "sudo": 0,
    "env": 0,
    "nice": 0,
    "nohup": 0,
    "time": 0,
    "command": 0,
    "exec": 0,
    "stdbuf": 0,
    "xargs": 0,
    "busybox": 0,
    "timeout": 1,
    "gosu": 1,
    "su-exec": 1,
    "chroot": 1,
}
# Options of those wrappers that take a value in the next word.
_WRAPPER_VALUE_OPTIONS = {
    "sudo": frozenset("-u -g -h -p -C -D -R -T -U --user --group --host --prompt".split()),
    "env": frozenset("-u -C -S --unset --chdir --split-string".split()),
    "xargs": frozenset("-a -d -E -I -L -n -P -s --arg-file --delimiter --max-args".split()),
    "nice": frozenset({"-n", "--adjustment"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
}


class Command(NamedTuple):
    """One simple command of a RUN script.

    ``words`` are the words as written (quotes removed); ``argv`` the same without leading
    ``NAME=value`` assignments and wrappers such as ``sudo``, ``env`` or ``xargs``, so
    ``argv[0]`` is the program that runs; ``wrappers`` names the wrappers removed.
    ``pipeline`` is shared by the commands joined with ``|`` and ``position`` is the
    place in it; ``op`` is the operator after the command (``""`` at the end).
    ``line`` is the line in the Dockerfile when ``exact`` (in heredoc scripts), else 0:
    :func:`command_line` then finds the line in the instruction's text.
    ``nested`` is True inside ``$(...)``, backticks, ``<(...)`` or ``sh -c``. ``name`` is
    the program's name without its folder (``curl`` for ``/usr/bin/curl``).
    """

    name: str
    words: tuple[str, ...]
    argv: tuple[str, ...]
    wrappers: tuple[str, ...]
    op: str
    pipeline: int
    position: int
    line: int
    exact: bool
    nested: bool
    raw: str

    @property
    def args(self) -> tuple[str, ...]:
        """The program's arguments."""
        return self.argv[1:]


@dataclass(slots=True)
class RunStep:
    """A RUN (or the RUN an ONBUILD carries) with the commands its shell runs.

    ``text`` is everything the RUN holds (its arguments and every heredoc body), for
    quick tests of whether a detector needs to look closer; ``commands`` and ``data``
    (the bodies of heredocs that commands read as data, as in ``cat <<EOF > f``) are
    parsed on first use. ``posix`` is False for PowerShell or cmd, whose scripts are not
    parsed into commands; ``ships`` is True when the stage belongs to the final stage's
    lineage; ``source`` is the RUN itself (for an ONBUILD, the one it carries).
    """

    instruction: Instruction
    stage: Stage
    source: Instruction
    text: str = ""
    posix: bool = True
    ships: bool = False
    onbuild: bool = False
    pipefail_shell: bool = False
    powershell: bool = False
    packages: list[Any] | None = None
    """The step's package manager commands, filled in by the package detectors."""
    _commands: list[Command] | None = None
    _data: str = ""

    @property
    def line(self) -> int:
        """The instruction's first line."""
        return self.instruction.start_line

    @property
    def commands(self) -> list[Command]:
        """The commands the shell runs, in order, nested ones included."""
        if self._commands is None:
            self._commands, self._data = _parse_step(self)
        return self._commands

    @property
    def data(self) -> str:
        """The bodies of heredocs that commands read as data."""
        if self._commands is None:
            self._commands, self._data = _parse_step(self)
        return self._data

    def holds(self, *words: str) -> bool:
        """True when the RUN's text holds any of ``words``: a cheap test before parsing."""
        text = self.text
        for word in words:
            if word in text:
                return True
        return False

    def named(self, *names: str) -> list[Command]:
        """The commands whose program is one of ``names``."""
        return [command for command in self.commands if command.name in names]


def run_steps(dockerfile: Dockerfile) -> list[RunStep]:
    """Every RUN of every stage, in file order, parsed once and kept in the file's memo."""
    cached = dockerfile.memo.get("run_steps")
    if cached is None:
        cached = _read_steps(dockerfile)
        dockerfile.memo["run_steps"] = cached
    return cached  # type: ignore[no-any-return]


def command_line(
    dockerfile: Dockerfile, step: RunStep, command: Command, needle: str | None = None
) -> int:
    """The Dockerfile line that shows ``command``: exact for heredocs, else the first line
    of the RUN holding ``needle``, by default a URL of the command or its first two words,
    which tell it apart better than its name alone."""
    if command.exact:
        return command.line
    if needle is not None:
        return dockerfile.line_containing(step.instruction, needle)
    urls = [arg for arg in command.args if "://" in arg]
    if urls:
        return dockerfile.line_containing(step.instruction, urls[0])
    # The first words of the command, as many as share one physical line. When earlier
    # commands of the RUN start the same way (two "apt-get update"), take the line of
    # this command's own occurrence.
    words = command.raw.split(None, 3)[:3]
    first = " ".join(dockerfile.snippet_at(step.line).split())
    earlier = _earlier_commands(step, command)
    for count in range(len(words), 0, -1):
        phrase = " ".join(words[:count])
        before = sum(1 for other in earlier if " ".join(other.raw.split()).startswith(phrase))
        line = dockerfile.line_containing(step.instruction, phrase, spaced=True, occurrence=before)
        if line != step.line or phrase in first:
            return line
    return step.line


def _earlier_commands(step: RunStep, command: Command) -> list[Command]:
    """The commands of the RUN before ``command``; none when it is nested elsewhere."""
    for index, other in enumerate(step.commands):
        if other is command:
            return step.commands[:index]
    return []


def with_defaults(dockerfile: Dockerfile, step: RunStep, command: Command) -> Command:
    """``command`` with the ARG and ENV defaults in effect at its RUN substituted.

    Variables without a default stay as written. (The shell would leave single-quoted
    text alone; this substitutes there too.)
    """
    if "$" not in command.raw:
        return command
    text, _ = dockerfile.expand(command.raw, step.stage, step.source.start_line)
    if text == command.raw:
        return command
    return rewritten(command, text)


def rewritten(command: Command, text: str) -> Command:
    """``command`` as if its text were ``text`` (after substitutions), in the same place."""
    return _command(
        split_words(text),
        command.op,
        command.pipeline,
        command.position,
        command.line,
        command.exact,
        command.nested,
        command.raw,
    )


def where(step: RunStep) -> str:
    """How a reason names the step: ``RUN`` or ``ONBUILD RUN``."""
    return "ONBUILD RUN" if step.onbuild else "RUN"


def short_flags(word: str, takes_value: str) -> str:
    """The letters of a bundle of short options (``-fsSLk``), up to one that takes a value."""
    if not word.startswith("-") or word.startswith("--") or len(word) < 2:
        return ""
    letters = []
    for letter in word[1:]:
        letters.append(letter)
        if letter in takes_value:
            break
    return "".join(letters)


# -- reading the steps ----------------------------------------------------------------------


def _read_steps(dockerfile: Dockerfile) -> list[RunStep]:
    lineage = {stage.index for stage in dockerfile.lineage()}
    windows = dockerfile.escape == "`"
    steps: list[RunStep] = []
    shells: dict[int, list[str] | None] = {}
    for stage in dockerfile.stages:
        shell = shells.get(stage.parent) if stage.parent is not None else None
        for instruction in stage.instructions:
            if instruction.keyword == "SHELL" and instruction.exec_form:
                shell = instruction.exec_form
            elif instruction.keyword == "RUN":
                steps.append(_step(instruction, stage, shell, windows, lineage))
            elif instruction.wrapped is not None and instruction.wrapped.keyword == "RUN":
                # TODO: the reader gives ONBUILD RUN no heredocs; their bodies are not read.
                step = _step(instruction.wrapped, stage, shell, windows, lineage)
                step.instruction = instruction
                step.onbuild = True
                steps.append(step)
        shells[stage.index] = shell
    return steps


def _step(
    instruction: Instruction,
    stage: Stage,
    shell: list[str] | None,
    windows: bool,
    lineage: set[int],
) -> RunStep:
    step = RunStep(instruction, stage, instruction, instruction.script)
    step.ships = stage.index in lineage
    shell_name = posixpath.basename(shell[0]).lower() if shell else ""
    if windows or (shell and shell_name not in SHELLS and shell_name != "busybox"):
        step.posix = False
        step._commands = []
        step.powershell = shell_name.removesuffix(".exe") in ("powershell", "pwsh")
    step.pipefail_shell = bool(shell) and _sets_pipefail(shell or [])
    words = instruction.exec_form
    if words and posixpath.basename(words[0]) in SHELLS and _sets_pipefail(words):
        step.pipefail_shell = True
    return step


# Where one PowerShell statement or pipeline element ends. Quotes are not followed: a
# separator inside a quoted string splits it, which at worst drops an argument.
_POWERSHELL_SEPARATOR = re.compile(r"[;\n]|\|\|?|&&")


def powershell_commands(step: RunStep) -> list[Command]:
    """The simple commands of a PowerShell RUN, one per statement or pipeline element.

    Only programs called by name are meant to be read this way (``npm``, ``pip``...: the
    same programs as under a POSIX shell); cmdlets and script blocks come out as commands
    that no detector looks for.
    """
    commands = []
    for index, statement in enumerate(_POWERSHELL_SEPARATOR.split(step.text)):
        words = split_words(statement, "`")
        if words and words[0] == "&":
            words = words[1:]
        if words:
            commands.append(_command(words, "", index, 0, 0, False, False, statement.strip()))
    return commands


def _parse_step(step: RunStep) -> tuple[list[Command], str]:
    """The commands and data heredocs of a POSIX-shell RUN."""
    instruction = step.source
    if instruction.exec_form is not None:
        return _exec_form_commands(step, instruction.exec_form)
    parsed, parsed_data, consumers = _parse_arguments(instruction.arguments)
    commands = list(parsed)
    data = list(parsed_data)
    for heredoc, consumer in zip(instruction.heredocs, consumers, strict=False):
        if _runs_as_shell(heredoc, consumer):
            body = _Parser(heredoc.start_line, exact=True)
            body.parse(heredoc.body)
            commands.extend(body.commands)
            data.extend(body.data)
        else:
            data.append(heredoc.body)
    return commands, "\n".join(data)


# ``-o`` or a cluster ending in it (``-euxo``), whose next word names the option to set.
_OPTION_CLUSTER = re.compile(r"^-[a-zA-Z]*o$")


@functools.lru_cache(maxsize=4096)
def _parse_arguments(
    text: str,
) -> tuple[tuple[Command, ...], tuple[str, ...], tuple[Command | None, ...]]:
    """The commands, data heredoc bodies and heredoc consumers of a RUN's arguments.

    The result holds no line numbers (``line`` is 0), so it depends on the text alone and
    is shared: image families keep many identical RUN lines across their Dockerfiles.
    """
    parser = _Parser(0, exact=False, inline_heredocs=False)
    parser.parse(text)
    return tuple(parser.commands), tuple(parser.data), tuple(parser.heredoc_consumers)


def _exec_form_commands(step: RunStep, words: list[str]) -> tuple[list[Command], str]:
    """An exec-form RUN: a shell with ``-c`` runs its script, anything else runs as is."""
    if words and posixpath.basename(words[0]) in SHELLS and "-c" in words[:-1]:
        script = words[words.index("-c") + 1]
        parser = _Parser(0, exact=False)
        parser.parse(script)
        return parser.commands, "\n".join(parser.data)
    return [_command(words, "", 0, 0, 0, False, False, " ".join(words))], ""


def _sets_pipefail(words: list[str]) -> bool:
    """True when ``-o pipefail`` is among the words, the ``-o`` alone or ending a cluster."""
    for before, word in zip(words, words[1:], strict=False):
        if word == "pipefail" and _OPTION_CLUSTER.match(before):
            return True
    return False


def _runs_as_shell(heredoc: Heredoc, consumer: Command | None) -> bool:
    """True when the shell runs this heredoc's body as a script.

    ``RUN <<EOF`` runs the body as the script (unless a shebang picks another
    interpreter); ``RUN bash <<EOF`` feeds it to a shell; ``RUN cat <<EOF > file`` or
    ``RUN python3 <<EOF`` read it as data.
    """
    if consumer is None or not consumer.argv:
        first = heredoc.body.split("\n", 1)[0]
        if first.startswith("#!"):
            interpreter = first[2:].split()
            if interpreter and posixpath.basename(interpreter[0]) == "env":
                interpreter = interpreter[1:]
            return bool(interpreter) and posixpath.basename(interpreter[0]) in SHELLS
        return True
    if consumer.name not in SHELLS:
        return False
    return all(arg.startswith("-") or arg.startswith("<<") for arg in consumer.args)


class _Parser:
    """Reads shell text into commands (see the module docstring for what it understands)."""

    # TODO: case patterns written with a leading "(" and $((arithmetic)) are not
    # understood; they give a bogus command or two, never an exception.

    def __init__(self, base_line: int, exact: bool, inline_heredocs: bool = True) -> None:
        self.base_line = base_line
        self.exact = exact
        # The reader already took the bodies of an instruction's own heredocs out of its
        # arguments; only scripts (heredoc bodies, sh -c) carry their bodies inline.
        self.inline_heredocs = inline_heredocs
        self.commands: list[Command] = []
        self.data: list[str] = []
        self.heredoc_consumers: list[Command | None] = []
        self.next_pipeline = 0

    def parse(self, text: str, nested: bool = False) -> None:
        """Add the commands of ``text``."""
        if "<<" in text or "`" in text or "case" in text:
            self._level(text, 0, nested)
        else:
            self._tokens(text, nested)

    def _tokens(self, src: str, nested: bool) -> None:
        """The one-pass reader for text without heredocs, backticks or case statements."""
        words: list[str] = []
        pipeline = self._new_pipeline()
        position = 0
        line = self.base_line
        counted = 0
        first = -1
        for match in _TOKENS.finditer(src):
            kind = match.lastgroup
            if kind == "word":
                word = match.group(kind)
                if not words:
                    first = match.start(kind)
                words.append(word)
                if "(" in word:
                    for inner in _SUBSTITUTION.finditer(word):
                        self.parse(inner.group(1), True)
                continue
            if kind != "op":
                continue
            op = match.group(kind)
            if words:
                if self.exact:
                    line += src.count("\n", counted, first)
                    counted = first
                self._make(words, op, pipeline, position, line, nested)
                words = []
                if op in ("|", "|&"):
                    position += 1
                    continue
            elif op in ("|", "|&"):
                continue
            pipeline, position = self._new_pipeline(), 0
        if words:
            if self.exact:
                line += src.count("\n", counted, first)
            self._make(words, "", pipeline, position, line, nested)

    def _make(
        self, raw_words: list[str], op: str, pipeline: int, position: int, line: int, nested: bool
    ) -> Command:
        raw = " ".join(raw_words)
        words = [
            unquote_word(word) if ('"' in word or "'" in word or "\\" in word) else word
            for word in raw_words
        ]
        command = _command(words, op, pipeline, position, line, self.exact, nested, raw)
        self.commands.append(command)
        if command.name in SHELLS or command.name == "su":
            self._shell_c(command, line)
        return command

    def _level(self, src: str, pos: int, nested: bool) -> int:
        """Read commands from ``pos`` to the end or to an unmatched ``)``; returns the end."""
        pieces: list[str] = []
        start = pos
        pipeline = self._new_pipeline()
        position = 0
        pending: list[tuple[str, bool]] = []  # heredocs whose bodies follow the next newline
        markers = 0  # heredoc markers seen in the current command
        # In a case statement, "a|b)" is a pattern, not a pipe and a closing parenthesis.
        cases = 0  # open case statements
        in_pattern = False  # reading a pattern (after "case x in" or ";;")
        length = len(src)
        while pos < length:
            match = _SPECIAL.search(src, pos)
            if match is None:
                pieces.append(src[pos:])
                pos = length
                break
            token, begin = match.group(), match.start()
            pieces.append(src[pos:begin])
            pos = match.end()
            if token == "'":
                end = src.find("'", pos)
                end = length if end < 0 else end + 1
                pieces.append(src[begin:end])
                pos = end
            elif token == '"':
                pos = self._double_quoted(src, pos, nested)
                pieces.append(src[begin:pos])
            elif token == "\\":
                if pos < length and src[pos] == "\n":
                    pieces.append(" ")
                else:
                    pieces.append(src[begin : pos + 1])
                pos += 1
            elif token == "`":
                end = _closing_backtick(src, pos)
                self._level(src[pos:end], 0, True)
                pieces.append(src[begin : end + 1])
                pos = end + 1
            elif token in ("$(", "<(", ">("):
                pos = self._level(src, pos, True)
                pieces.append(src[begin:pos])
            elif token == "#":
                if begin == 0 or src[begin - 1] in _WORD_START:
                    end = src.find("\n", pos)
                    pos = length if end < 0 else end
                else:
                    pieces.append("#")
            elif token == "<<":
                # The marker is no word of the command; the body is read after the line.
                pos, delimiter, strip = self._heredoc_marker(src, pos)
                if delimiter is not None:
                    pending.append((delimiter, strip))
                    markers += 1
            elif (
                token in ("|", ")")
                and src[pos : pos + 1] != "|"
                and (
                    in_pattern
                    or (token == "|" or cases == 0)
                    and _CASE_HEAD.match("".join(pieces))
                )
            ):
                if token == ")":
                    if not in_pattern:
                        cases += 1
                    in_pattern = False
                    pieces, start = [], pos
                else:
                    pieces.append("|")
            elif token == ")" and nested:
                self._emit(pieces, src, start, "", pipeline, position, nested, markers)
                return pos
            elif token == "&" and _redirection(src, begin):
                pieces.append("&")
            else:
                op = token
                if token in ("&", "|", ";") and pos < length and src[pos] in "&|;":
                    op = token + src[pos]
                    pos += 1
                if in_pattern and "".join(pieces).strip() == "esac":
                    in_pattern, cases, pieces = False, cases - 1, []
                command = self._emit(pieces, src, start, op, pipeline, position, nested, markers)
                markers = 0
                if cases and op in (";;", ";&"):
                    in_pattern = True
                if command is not None and op in ("|", "|&"):
                    position += 1
                elif command is not None or op not in ("|", "|&"):
                    pipeline, position = self._new_pipeline(), 0
                pieces = []
                start = pos
                if token == "\n" and pending and self.inline_heredocs:
                    pos = self._skip_bodies(src, pos, pending)
                    pending = []
                    start = pos
        self._emit(pieces, src, start, "", pipeline, position, nested, markers)
        return pos

    def _new_pipeline(self) -> int:
        self.next_pipeline += 1
        return self.next_pipeline

    def _double_quoted(self, src: str, pos: int, nested: bool) -> int:
        """The position after the closing quote; substitutions inside are read."""
        length = len(src)
        while pos < length:
            match = _IN_DOUBLE_QUOTES.search(src, pos)
            if match is None:
                return length
            token, pos = match.group(), match.end()
            if token == '"':
                return pos
            if token == "\\":
                pos += 1
            elif token == "`":
                end = _closing_backtick(src, pos)
                self._level(src[pos:end], 0, True)
                pos = end + 1
            else:
                pos = self._level(src, pos, True)
        return length

    def _heredoc_marker(self, src: str, pos: int) -> tuple[int, str | None, bool]:
        """After ``<<``: the end of the marker, its delimiter, and whether tabs are stripped."""
        if src.startswith("<", pos):  # <<< is a here-string, not a heredoc
            return pos + 1, None, False
        match = _HEREDOC_DELIMITER.match(src, pos)
        if match is None:
            return pos, None, False
        delimiter = match.group(1) or match.group(2) or match.group(3) or ""
        return match.end(), delimiter or None, src.startswith("-", pos)

    def _skip_bodies(self, src: str, pos: int, pending: list[tuple[str, bool]]) -> int:
        """Skip the heredoc bodies that start at ``pos``; they are data, kept in ``data``."""
        for delimiter, strip in pending:
            body_start = pos
            while pos < len(src):
                line_start = pos
                end = src.find("\n", pos)
                end = len(src) if end < 0 else end
                line = src[pos:end]
                pos = end + 1
                if (line.lstrip("\t") if strip else line) == delimiter:
                    self.data.append(src[body_start:line_start])
                    break
            else:
                self.data.append(src[body_start:])
        return min(pos, len(src))

    def _emit(
        self,
        pieces: list[str],
        src: str,
        start: int,
        op: str,
        pipeline: int,
        position: int,
        nested: bool,
        markers: int,
    ) -> Command | None:
        raw = "".join(pieces).strip()
        if not raw:
            self.heredoc_consumers.extend([None] * markers)
            return None
        line = self.base_line
        if self.exact:
            offset = _LEADING_SPACE.match(src, start).end()  # type: ignore[union-attr]
            line += src.count("\n", 0, offset)
        words = split_words(raw)
        command = _command(words, op, pipeline, position, line, self.exact, nested, raw)
        self.commands.append(command)
        if markers:
            self.heredoc_consumers.extend([command] * markers)
        if command.name in SHELLS or command.name == "su":
            self._shell_c(command, line)
        return command

    def _shell_c(self, command: Command, line: int) -> None:
        """Read the script of ``sh -c '...'`` (or ``su -c '...'``) as commands."""
        args = command.args
        for index, arg in enumerate(args[:-1]):
            if arg == "-c" or (arg.startswith("-") and not arg.startswith("--") and "c" in arg):
                inner = _Parser(line, self.exact)
                inner.next_pipeline = self.next_pipeline
                inner.parse(args[index + 1], True)
                self.next_pipeline = inner.next_pipeline
                self.commands.extend(inner.commands)
                self.data.extend(inner.data)
                return


def _redirection(src: str, begin: int) -> bool:
    """True when the ``&`` at ``begin`` belongs to a redirection (``2>&1``, ``&>``)."""
    before = src[begin - 1] if begin else ""
    after = src[begin + 1] if begin + 1 < len(src) else ""
    return before in ("<", ">") or after == ">"


def _closing_backtick(src: str, pos: int) -> int:
    """The index of the backtick closing the one before ``pos`` (the end if none)."""
    while True:
        end = src.find("`", pos)
        if end < 0:
            return len(src)
        if src[end - 1] != "\\":
            return end
        pos = end + 1


def _command(
    words: list[str],
    op: str,
    pipeline: int,
    position: int,
    line: int,
    exact: bool,
    nested: bool,
    raw: str,
) -> Command:
    argv, wrappers = _program(words)
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    return Command(
        name, tuple(words), argv, wrappers, op, pipeline, position, line, exact, nested, raw
    )


def _program(words: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words from the program on, without assignments, reserved words (``do``,
    ``then``...), redirections and wrappers, and the wrappers."""
    if not words:
        return (), ()
    first = words[0]
    if (
        "=" not in first
        and first not in _RESERVED
        and first.rsplit("/", 1)[-1] not in _WRAPPERS
        and not _REDIRECT.match(first)
    ):
        return tuple(words), ()
    index = 0
    wrappers: list[str] = []
    count = len(words)
    while index < count:
        word = words[index]
        if ("=" in word and _ASSIGNMENT.match(word)) or word in _RESERVED:
            index += 1
            continue
        redirect = _REDIRECT.match(word)
        if redirect:
            index += 1 if redirect.group(2) else 2
            continue
        name = word.rsplit("/", 1)[-1]
        if name not in _WRAPPERS:
            break
        if name == "command" and index + 1 < count and words[index + 1] in ("-v", "-V"):
            return (), tuple(wrappers)  # a look-up of the name, which runs nothing
        wrappers.append(name)
        index = _skip_wrapper_options(words, index + 1, name)
    return tuple(words[index:]), tuple(wrappers)


def _skip_wrapper_options(words: list[str], index: int, name: str) -> int:
    """The index of the command a wrapper runs, past its options and redirections."""
    takes = _WRAPPER_VALUE_OPTIONS.get(name, frozenset())
    count = len(words)
    while index < count:
        word = words[index]
        redirect = _REDIRECT.match(word)
        if redirect:
            index += 1 if redirect.group(2) else 2
        elif word.startswith("-") and word != "-":
            index += 2 if word in takes else 1
            if word == "--":
                break
        else:
            break
    return index + _WRAPPERS[name]
