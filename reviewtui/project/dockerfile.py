"""Dockerfile reader: directives, instructions with lines and flags, heredocs, stages, ARGs.

dockerfile-parse splits the file into instructions; this module fixes what it gets wrong
(heredoc bodies read as instructions, the ``check`` directive, comments out of order) and
adds what the detectors need: flags, exec form, stages linked by ``FROM <stage>``, global
ARG defaults substituted into ``FROM``, and the effective settings of the final stage.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from dockerfile_parse import DockerfileParser

from reviewtui.model import Problem
from reviewtui.project.textfile import read_text

log = logging.getLogger(__name__)

KNOWN_INSTRUCTIONS = frozenset(
    "FROM RUN CMD LABEL MAINTAINER EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG "
    "ONBUILD STOPSIGNAL HEALTHCHECK SHELL".split()
)
_FLAG_KEYWORDS = frozenset({"FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"})
_EXEC_FORM_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"})
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
# Instructions that need nothing parsed beyond their value, unless it starts with a flag or
# a bracket or opens a heredoc.
_PLAIN_KEYWORDS = KNOWN_INSTRUCTIONS - {"ONBUILD"}
_SPECIAL_STARTS = ("-", "[", "")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
# Instructions Docker refuses without arguments. (RUN, CMD and ENTRYPOINT are left out:
# an empty one is odd, not an error every builder reports.)
_NEEDS_ARGUMENTS = frozenset(
    "USER WORKDIR ENV ARG LABEL EXPOSE VOLUME STOPSIGNAL ONBUILD SHELL HEALTHCHECK "
    "MAINTAINER COPY ADD".split()
)
_MAX_UNKNOWN_REPORTS = 5

_DIRECTIVE = re.compile(r"#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.*?)[ \t]*$")
# A heredoc word: optional fd number, <<, optional - (strip tabs), then the name.
_HEREDOC_WORD = re.compile(r"\d*<<(-?)([^<]+)$")
# What no image reference holds: variables, quotes and blanks.
_NOT_IN_REFERENCE = re.compile(r"[$\s\"']")
_JSON_LIKE = re.compile(r"""\[["']|\[\s*["'][^"']*["']\s*,""")
_SHELL_META = re.compile(r"[;|&<>()]")
_LEADING_FLAG = re.compile(
    r"""\s*--([A-Za-z][A-Za-z0-9-]*)(?:=((?:[^\s"'\\]|\\.|"(?:[^"\\]|\\.)*"|'[^']*')*))?"""
    r"""(?=\s|$)""",
    re.S,
)
_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+?])(?P<word>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class _Lexer:
    """Word splitting and quote removal for one escape character (``\\`` or backtick)."""

    word: re.Pattern[str]
    quoted: re.Pattern[str]
    escape: str


def _make_lexer(escape: str) -> _Lexer:
    e = re.escape(escape)
    word = re.compile(rf"""(?:[^\s"'{e}]+|{e}.?|"(?:[^"{e}]|{e}.)*"?|'[^']*'?)+""", re.S)
    quoted = re.compile(rf""""((?:[^"{e}]|{e}.)*)"?|'([^']*)'?|{e}(.)""", re.S)
    return _Lexer(word, quoted, escape)


_LEXERS = {"\\": _make_lexer("\\"), "`": _make_lexer("`")}


def _dequote(text: str, lexer: _Lexer = _LEXERS["\\"]) -> str:
    """``text`` with shell quotes and escape characters removed."""
    if '"' not in text and "'" not in text and lexer.escape not in text:
        return text
    escape = lexer.escape

    def unquote(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            inner = match.group(1)
            return re.sub(re.escape(escape) + r"(.)", r"\1", inner) if escape in inner else inner
        if match.group(2) is not None:
            return match.group(2)
        return match.group(3) or ""

    return lexer.quoted.sub(unquote, text)


def split_words(text: str, escape: str = "\\") -> list[str]:
    """``text`` split into shell words with quotes and escapes removed.

    Quotes that are never closed run to the end of the text instead of raising, so badly
    quoted commands still give their words.
    """
    if '"' not in text and "'" not in text and escape not in text:
        return text.split()
    lexer = _LEXERS.get(escape, _LEXERS["\\"])
    return [_dequote(word, lexer) for word in lexer.word.findall(text)]


def unquote_word(word: str) -> str:
    """One shell word with its quotes and escapes removed (``"a b"`` gives ``a b``)."""
    return _dequote(word)


@dataclass(frozen=True, slots=True)
class Directive:
    """A parser directive at the top of the file (``# syntax=``, ``# escape=``, ``# check=``)."""

    name: str
    value: str
    line: int


class Comment(NamedTuple):
    """A comment line: its 1-based line and its text without the leading ``#``."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Heredoc:
    """The inline file of a ``<<NAME`` heredoc.

    ``body`` has the text between the opening instruction and the ``NAME`` line (leading
    tabs removed for ``<<-``); ``start_line`` is its first line, ``end_line`` the line of
    the terminator; ``expand`` is False when the name was quoted.
    """

    name: str
    body: str
    start_line: int
    end_line: int
    strip_tabs: bool
    expand: bool


@dataclass(slots=True)
class Instruction:
    """One instruction with the lines it spans (1-based) and its parsed parts.

    ``keyword`` is upper-case; ``value`` is the text after the keyword with continuation
    lines joined; ``flags`` lists leading ``--name=value`` options in order (``""`` for a
    bare flag like ``--link``); ``arguments`` is ``value`` without them; ``exec_form`` is
    the JSON array of the exec form, or None for shell form; ``heredocs`` hold inline
    files; ``wrapped`` is the instruction an ``ONBUILD`` carries; ``stage`` is the index
    of the stage it belongs to (-1 before the first ``FROM``).
    """

    keyword: str
    value: str
    start_line: int
    end_line: int
    snippet: str = ""
    flags: tuple[tuple[str, str], ...] = ()
    arguments: str = ""
    exec_form: list[str] | None = None
    heredocs: tuple[Heredoc, ...] = ()
    wrapped: Instruction | None = None
    stage: int = -1
    escape: str = "\\"
    _assignments: tuple[tuple[str, str | None], ...] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def assignments(self) -> tuple[tuple[str, str | None], ...]:
        """The ``NAME=value`` pairs of an ARG or ENV, quotes removed (None: no value).

        Parsed on first use: most detectors never look at them.
        """
        if self._assignments is None:
            self._assignments = (
                _parse_assignments(self.keyword, self.arguments, _LEXERS[self.escape])
                if self.keyword in ("ARG", "ENV")
                else ()
            )
        return self._assignments

    def flag(self, name: str) -> str | None:
        """The value of the last ``--name`` flag, ``""`` for a bare flag, None if absent."""
        found = None
        for flag_name, value in self.flags:
            if flag_name == name:
                found = value
        return found

    @property
    def mounts(self) -> list[dict[str, str]]:
        """Each ``--mount`` option as a dict (``type`` defaults to ``bind``)."""
        mounts = []
        for flag_name, value in self.flags:
            if flag_name != "mount":
                continue
            options = {"type": "bind"}
            for part in value.split(","):
                key, _, option = part.partition("=")
                if key.strip():
                    options[key.strip().lower()] = option.strip()
            mounts.append(options)
        return mounts

    @property
    def script(self) -> str:
        """The command text with heredoc bodies appended: what a RUN really executes."""
        if not self.heredocs:
            return self.arguments
        return "\n".join([self.arguments, *(doc.body for doc in self.heredocs)])

    @property
    def words(self) -> list[str]:
        """The arguments as shell words with quotes removed (exec form: the array)."""
        if self.exec_form is not None:
            return list(self.exec_form)
        lexer = _LEXERS[self.escape]
        return [_dequote(word, lexer) for word in lexer.word.findall(self.arguments)]


@dataclass(slots=True)
class ImageRef:
    """A parsed image reference: registry, repository path, tag and digest.

    Docker Hub names are normalised: ``nginx`` becomes ``docker.io`` / ``library/nginx``.
    ``explicit_registry`` tells whether the reference named a registry itself.
    """

    text: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None
    explicit_registry: bool

    @property
    def short(self) -> str:
        """The reference as written without its digest: what a reason needs to name it."""
        return self.text.split("@", 1)[0] if self.digest else self.text

    @property
    def name(self) -> str:
        """The last part of the repository path (``nginx`` for ``library/nginx``)."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def is_official(self) -> bool:
        """True for Docker Official Images (``docker.io/library/<name>``)."""
        return (
            self.registry == "docker.io"
            and self.repository.startswith("library/")
            and self.repository.count("/") == 1
        )


def parse_image_ref(text: str) -> ImageRef | None:
    """The parts of an image reference, or None when it is empty, still has ``$`` or
    holds quotes or blanks, which no reference can."""
    text = text.strip()
    if not text or _NOT_IN_REFERENCE.search(text):
        return None
    name, _, digest = text.partition("@")
    tag = None
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    first, _, rest = name.partition("/")
    explicit = bool(rest) and ("." in first or ":" in first or first == "localhost")
    registry, path = (first.lower(), rest) if explicit else ("docker.io", name)
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    return ImageRef(text, registry, path.lower(), tag or None, digest or None, explicit)


_NOT_PARSED = object()  # a Stage's image reference before it is first asked for


@dataclass(slots=True)
class Stage:
    """One build stage: from its ``FROM`` to the next.

    ``base`` is the image or stage as written; ``image`` the same with global ARG defaults
    substituted, None when a variable has no default (``unresolved``); ``parent`` is the
    index of the earlier stage it builds on when ``FROM`` names one; ``name`` is the
    lower-cased ``AS`` name.
    """

    index: int
    from_instruction: Instruction
    base: str
    image: str | None
    name: str | None = None
    platform: str | None = None
    parent: int | None = None
    instructions: list[Instruction] = field(default_factory=list)
    _image_ref: object = field(default=_NOT_PARSED, repr=False, compare=False)

    @property
    def line(self) -> int:
        """The line of the stage's ``FROM``."""
        return self.from_instruction.start_line

    @property
    def unresolved(self) -> bool:
        """True when the base image comes from a variable that has no default."""
        return self.image is None

    @property
    def is_scratch(self) -> bool:
        """True for ``FROM scratch``: an empty filesystem, no image pulled."""
        return self.parent is None and self.image is not None and self.image.lower() == "scratch"

    @property
    def pulls_image(self) -> bool:
        """True when the stage starts from an image a registry serves (or may serve)."""
        return self.parent is None and not self.is_scratch

    @property
    def image_ref(self) -> ImageRef | None:
        """The parsed base image, None for stages, scratch or unresolved bases.

        Parsed once: many detectors ask. The reference is shared, so it is not changed.
        """
        if self._image_ref is _NOT_PARSED:
            parsed = None
            if self.pulls_image and self.image is not None:
                parsed = parse_image_ref(self.image)
            self._image_ref = parsed
        return self._image_ref  # type: ignore[return-value]

    def all(self, keyword: str) -> list[Instruction]:
        """The stage's own instructions with this keyword, in order."""
        return [ins for ins in self.instructions if ins.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        """The stage's own last instruction with this keyword."""
        for instruction in reversed(self.instructions):
            if instruction.keyword == keyword:
                return instruction
        return None


@dataclass
class Dockerfile:
    """A parsed Dockerfile, with problems for what could not be read.

    ``instructions`` holds every instruction in order (heredoc bodies merged into the
    instruction that opened them); ``stages`` the build stages; ``global_args`` the
    defaults of ARGs before the first FROM (None for no default); ``lines`` the raw lines.
    """

    path: str
    problems: list[Problem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    directives: dict[str, Directive] = field(default_factory=dict)
    escape: str = "\\"
    comments: list[Comment] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    global_args: dict[str, str | None] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """What detectors derive from the file once and share (parsed RUN scripts and such)."""

    @property
    def final_stage(self) -> Stage | None:
        """The stage that ships (the last one), None when there is no FROM."""
        return self.stages[-1] if self.stages else None

    def stage_by_ref(self, ref: str, before: int | None = None) -> Stage | None:
        """The stage named ``ref`` (case-insensitive) or numbered ``ref``, if any.

        With ``before``, only stages earlier than that index count, as Docker requires.
        """
        candidates = self.stages if before is None else self.stages[:before]
        if ref.isdigit():
            index = int(ref)
            return candidates[index] if index < len(candidates) else None
        lowered = ref.lower()
        for stage in candidates:
            if stage.name == lowered:
                return stage
        return None

    def lineage(self, stage: Stage | None = None) -> list[Stage]:
        """The chain of stages ``stage`` builds on through ``FROM <stage>``, root first."""
        current = stage if stage is not None else self.final_stage
        chain: list[Stage] = []
        while current is not None and current not in chain:
            chain.append(current)
            current = self.stages[current.parent] if current.parent is not None else None
        chain.reverse()
        return chain

    def root_stage(self, stage: Stage | None = None) -> Stage | None:
        """The first stage of the lineage: the one whose FROM pulls an image (or scratch)."""
        chain = self.lineage(stage)
        return chain[0] if chain else None

    def effective(self, keyword: str, stage: Stage | None = None) -> Instruction | None:
        """The last ``keyword`` instruction in effect for ``stage`` (default: final),
        inherited through ``FROM <stage>``."""
        for current in reversed(self.lineage(stage)):
            found = current.last(keyword)
            if found is not None:
                return found
        return None

    def effective_all(self, keyword: str, stage: Stage | None = None) -> list[Instruction]:
        """Every ``keyword`` instruction in the lineage of ``stage``, in build order."""
        return [ins for current in self.lineage(stage) for ins in current.all(keyword)]

    def scope_at(self, stage: Stage, line: int) -> dict[str, str | None]:
        """ARG and ENV values in effect before ``line`` in ``stage`` (None: no default).

        ENV carries over through ``FROM <stage>``; ARG lasts only for its own stage and
        takes the global default when it is declared again without one.
        """
        chain = self.lineage(stage)
        env: dict[str, str | None] = {}
        scope: dict[str, str | None] = {}
        for current in chain:
            scope = dict(env)
            for instruction in current.instructions:
                if current is stage and instruction.start_line >= line:
                    break
                if instruction.keyword not in ("ARG", "ENV"):
                    continue
                for name, raw in instruction.assignments:
                    value = self._assigned_value(instruction.keyword, name, raw, scope)
                    scope[name] = value
                    if instruction.keyword == "ENV":
                        env[name] = value
        return scope

    def _assigned_value(
        self, keyword: str, name: str, raw: str | None, scope: Mapping[str, str | None]
    ) -> str | None:
        if raw is None:
            return self.global_args.get(name) if keyword == "ARG" else None
        expanded, complete = expand_variables(raw, scope)
        return expanded if complete else None

    def expand(self, text: str, stage: Stage, line: int) -> tuple[str, bool]:
        """``text`` with ARG/ENV defaults in effect at ``line`` substituted, and whether
        every variable had a value."""
        if "$" not in text:
            return text, True
        # Detectors expand many words of one instruction; its scope is worked out once.
        scopes: dict[tuple[int, int], dict[str, str | None]] = self.memo.setdefault("scopes", {})
        scope = scopes.get((stage.index, line))
        if scope is None:
            scope = scopes[(stage.index, line)] = self.scope_at(stage, line)
        return expand_variables(text, scope)

    def final_user(self) -> tuple[str | None, int | None]:
        """The effective USER of the final stage and the line setting it.

        Inherits through ``FROM <stage>``; ARG/ENV defaults are substituted and quotes
        removed, so a value that still holds ``$`` names a variable without a default.
        ``(None, None)`` when no USER applies (the base image's user, usually root, is used).
        """
        stage = self.final_stage
        user = self.effective("USER", stage)
        if stage is None or user is None:
            return None, None
        owner = self.stages[user.stage]
        text = user.arguments.strip()
        expanded, complete = self.expand(text, owner, user.start_line)
        return _dequote(expanded if complete else text, _LEXERS[self.escape]), user.start_line

    def comments_before(self, instruction: Instruction) -> list[Comment]:
        """The comment lines directly above ``instruction`` (no blank line between)."""
        found: list[Comment] = []
        by_line = {comment.line: comment for comment in self.comments}
        line = instruction.start_line - 1
        while line in by_line:
            found.append(by_line[line])
            line -= 1
        found.reverse()
        return found

    def line_matching(self, instruction: Instruction, pattern: re.Pattern[str]) -> int:
        """The first line of ``instruction`` (heredocs included) matching ``pattern``;
        its start line when none does. Comment lines are passed over: a word in a comment
        proves nothing."""
        last = max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])
        for number in range(instruction.start_line, min(last, len(self.lines)) + 1):
            text = self.lines[number - 1]
            if pattern.search(text) and not text.lstrip().startswith("#"):
                return number
        return instruction.start_line

    def line_containing(
        self, instruction: Instruction, needle: str, spaced: bool = False, occurrence: int = 0
    ) -> int:
        """:meth:`line_matching` for plain text, without a regex to compile: the first
        line holding ``needle`` (the ``occurrence``-th one, counting from 0, or the last
        when there are fewer). With ``spaced``, runs of blanks in the line count as one
        space, as ``needle`` is written."""
        last = max([instruction.end_line, *(doc.end_line for doc in instruction.heredocs)])
        found = instruction.start_line
        for number in range(instruction.start_line, min(last, len(self.lines)) + 1):
            text = self.lines[number - 1]
            if spaced and " " in needle:
                text = " ".join(text.split())
            if needle in text and not text.lstrip().startswith("#"):
                found = number
                if occurrence <= 0:
                    return number
                occurrence -= 1
        return found

    def snippet_at(self, line: int) -> str:
        """The raw text of a 1-based line, stripped."""
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""


def expand_variables(text: str, scope: Mapping[str, str | None]) -> tuple[str, bool]:
    """``text`` with ``$NAME``, ``${NAME}``, ``${NAME:-word}`` and friends substituted.

    Returns the result and whether every variable could be settled from ``scope``
    (values of None are declared variables without a default).
    """
    if "$" not in text:
        return text, True
    complete = True

    def substitute(match: re.Match[str]) -> str:
        nonlocal complete
        name = match.group("braced") or match.group("plain")
        op, word = match.group("op"), match.group("word") or ""
        value = scope.get(name)
        known = value is not None
        if op in (":-", "-"):
            if known and (value or op == "-"):
                return value or ""
            inner, inner_complete = expand_variables(word, scope)
            complete = complete and inner_complete
            return inner
        if op in (":+", "+"):
            if not known:
                complete = False
                return ""
            return word if (value or op == "+") else ""
        if not known:
            complete = False
            return match.group(0)
        return value or ""

    return _VARIABLE.sub(substitute, text), complete


def _parse_assignments(
    keyword: str, arguments: str, lexer: _Lexer
) -> tuple[tuple[str, str | None], ...]:
    """``NAME=value`` pairs, or the old ``ENV NAME value`` form, quotes removed."""
    words = lexer.word.findall(arguments)
    if not words:
        return ()
    if keyword == "ENV" and "=" not in words[0]:
        rest = arguments.strip()[len(words[0]) :].strip()
        return ((_dequote(words[0], lexer), _dequote(rest, lexer)),)
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, sep, raw = word.partition("=")
        pairs.append((_dequote(name, lexer), _dequote(raw, lexer) if sep else None))
    return tuple(pairs)


def read_dockerfile(root: Path, rel: str) -> Dockerfile:
    """Read and parse the Dockerfile at ``root/rel``; problems instead of exceptions."""
    text, problem = read_text(root, rel)
    if text is None:
        return Dockerfile(rel, problems=[problem] if problem else [])
    dockerfile = parse_dockerfile(text, rel)
    if problem is not None:
        dockerfile.problems.insert(0, problem)
    return dockerfile


def parse_dockerfile(text: str, rel: str) -> Dockerfile:
    """Parse Dockerfile ``text`` read from ``rel``; never raises on bad content."""
    dockerfile = Dockerfile(rel)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    # Interned: the same lines (a FROM, a WORKDIR, an apt-get line) recur across the
    # files of a tree, and a big tree's lines are most of what its facts hold.
    dockerfile.lines = [sys.intern(line) for line in text.split("\n")]
    if dockerfile.lines and dockerfile.lines[-1] == "":
        dockerfile.lines.pop()
    try:
        _Builder(dockerfile).build(text)
    except Exception as error:  # a reader must never raise on bad content
        log.exception("parsing %s failed", rel)
        dockerfile.problems.append(Problem(rel, None, f"could not be parsed: {error}"))
    return dockerfile


class _Builder:
    """Turns dockerfile-parse's structure into the Dockerfile's instructions and stages."""

    def __init__(self, dockerfile: Dockerfile) -> None:
        self.dockerfile = dockerfile
        self.path = dockerfile.path
        self.lexer = _LEXERS["\\"]
        self.unknown_reported = 0

    def problem(self, line: int | None, reason: str) -> None:
        self.dockerfile.problems.append(Problem(self.path, line, reason))

    def build(self, text: str) -> None:
        """Read directives, instructions and stages into the Dockerfile."""
        if not text.strip():
            self.problem(None, "empty file: no instructions")
            return
        directive_end = self._read_directives()
        structure = self._structure(text)
        self._read_structure(structure, directive_end)
        self._build_stages()

    def _read_directives(self) -> int:
        """Read parser directives from the top; returns the count of directive lines."""
        dockerfile = self.dockerfile
        count = 0
        for number, raw in enumerate(dockerfile.lines, start=1):
            match = _DIRECTIVE.match(raw.strip())
            if not match or match.group(1).lower() not in _KNOWN_DIRECTIVES:
                break
            name, value = match.group(1).lower(), match.group(2)
            if name in dockerfile.directives:
                self.problem(number, f"the {name} directive is given twice; Docker refuses it")
            elif name == "escape" and value not in ("\\", "`"):
                self.problem(number, f"escape directive {value!r} is not \\ or `; ignored")
            else:
                dockerfile.directives[name] = Directive(name, value, number)
            count = number
        escape = dockerfile.directives.get("escape")
        if escape is not None:
            dockerfile.escape = escape.value
            self.lexer = _LEXERS[escape.value]
        return count

    def _structure(self, text: str) -> list[dict[str, Any]]:
        """dockerfile-parse's structure of ``text``.

        dockerfile-parse honours an escape directive only after syntax or escape lines,
        so other directive lines before it are swapped for a syntax line it accepts.
        """
        escape = self.dockerfile.directives.get("escape")
        if escape is not None and escape.line > 1:
            lines = text.split("\n")
            for index in range(escape.line - 1):
                if not re.match(r"\s*#\s*(syntax|escape)\s*=", lines[index], re.I):
                    lines[index] = "# syntax=directive"
            text = "\n".join(lines)
        # A StringIO spares dockerfile-parse decoding every line; it splits on "\n" only,
        # as Docker does, so the line numbers match our own lines.
        parser = DockerfileParser(fileobj=io.StringIO(text))
        return parser.structure  # type: ignore[no-any-return]

    def _read_structure(self, structure: list[dict[str, Any]], directive_end: int) -> None:
        """Instructions and comments in order, heredoc bodies merged back."""
        dockerfile = self.dockerfile
        lines = dockerfile.lines
        instructions = dockerfile.instructions
        comments: list[Comment] = []
        make = self._instruction
        count = len(lines)
        escape = self.lexer.escape
        skip_until = -1  # 0-based last line already consumed by a heredoc or a merge
        for position, item in enumerate(structure):
            start = item["startline"]
            if start <= skip_until:
                continue
            keyword = sys.intern(item["instruction"])  # one string per keyword, not per line
            if keyword == "COMMENT":
                if start >= directive_end:
                    comments.append(Comment(start + 1, item["value"]))
                continue
            value, end = item["value"] or "", item["endline"]
            if end > start and end < count and not lines[end].strip():
                value, end = self._merge_continuation(structure, position, value, end)
                skip_until = end
            if (
                keyword in _PLAIN_KEYWORDS
                and value[:1] not in _SPECIAL_STARTS
                and "<<" not in value
            ):
                # Most instructions need no more parsing than this.
                snippet = lines[start].strip() if start < count else keyword
                instruction = Instruction(keyword, value, start + 1, end + 1, snippet, (), value)
                if escape != "\\":
                    instruction.escape = escape
            else:
                instruction = make(keyword, value, start + 1, end + 1)
                if instruction.heredocs:
                    skip_until = instruction.heredocs[-1].end_line - 1
            instructions.append(instruction)
        comments.sort()
        dockerfile.comments = comments

    def _merge_continuation(
        self, structure: list[dict[str, Any]], position: int, value: str, end: int
    ) -> tuple[str, int]:
        """Join the items dockerfile-parse split off a continued instruction.

        A blank line inside a continuation does not end the instruction for Docker, but
        does for dockerfile-parse, which then ends it on that blank line; what follows
        comes back as bogus instructions.
        """
        lines = self.dockerfile.lines
        escape = self.dockerfile.escape
        for item in structure[position + 1 :]:
            if item["instruction"] == "COMMENT" or item["startline"] <= end:
                continue
            if lines[end].strip():
                break
            parts = []
            for number in range(item["startline"], item["endline"] + 1):
                text = lines[number].rstrip()
                if text.lstrip().startswith("#"):
                    continue
                parts.append(text[:-1] if text.endswith(escape) else text)
            value += "".join(parts)
            end = item["endline"]
        return value, end

    def _instruction(
        self, keyword: str, value: str, start: int, end: int, nested: bool = False
    ) -> Instruction:
        """One Instruction with flags, exec form, heredocs and ONBUILD's inner one."""
        lines = self.dockerfile.lines
        snippet = lines[start - 1].strip() if start <= len(lines) else f"{keyword} {value}"
        instruction = Instruction(keyword, value, start, end, snippet, (), value)
        if self.lexer.escape != "\\":
            instruction.escape = self.lexer.escape
        if keyword not in KNOWN_INSTRUCTIONS:
            self._unknown(keyword, start)
            return instruction
        if keyword in _FLAG_KEYWORDS and value.startswith("--"):
            instruction.flags, instruction.arguments = self._flags(value)
        arguments = instruction.arguments
        if keyword in _EXEC_FORM_KEYWORDS and arguments.startswith("["):
            instruction.exec_form = self._exec_form(keyword, arguments, start)
        if keyword in _HEREDOC_KEYWORDS and "<<" in arguments and not nested:
            instruction.heredocs = self._heredocs(arguments, end, start)
        if keyword == "ONBUILD" and not nested and arguments.strip():
            inner_keyword, _, inner_value = arguments.strip().partition(" ")
            instruction.wrapped = self._instruction(
                inner_keyword.upper(), inner_value.strip(), start, end, nested=True
            )
        return instruction

    def _unknown(self, keyword: str, line: int) -> None:
        self.unknown_reported += 1
        if self.unknown_reported <= _MAX_UNKNOWN_REPORTS:
            self.problem(line, f"unknown instruction {keyword[:40]!r}; Docker refuses it")
        elif self.unknown_reported == _MAX_UNKNOWN_REPORTS + 1:
            self.problem(line, "more unknown instructions follow; not listed")

    def _flags(self, value: str) -> tuple[tuple[tuple[str, str], ...], str]:
        flags = []
        position = 0
        while True:
            match = _LEADING_FLAG.match(value, position)
            if not match:
                break
            flags.append((match.group(1).lower(), _dequote(match.group(2) or "", self.lexer)))
            position = match.end()
        return tuple(flags), value[position:].strip()

    def _exec_form(self, keyword: str, arguments: str, line: int) -> list[str] | None:
        try:
            parsed = json.loads(arguments)
        except (ValueError, RecursionError):  # RecursionError: thousands of brackets
            parsed = None
        if isinstance(parsed, list) and all(isinstance(word, str) for word in parsed):
            return parsed
        # Shell tests ("[ -f x ] && ...") and PowerShell types ("[Net.X]::Y") start with
        # a bracket too; only text shaped like an array of strings is a broken exec form.
        if not _JSON_LIKE.match(arguments):
            return None
        self.problem(
            line,
            f"{keyword} looks like a JSON exec form but is not a valid JSON "
            "array of strings, so Docker runs it as a shell command",
        )
        return None

    def _heredocs(self, arguments: str, end: int, start: int) -> tuple[Heredoc, ...]:
        """Heredocs opened by this instruction, their bodies read from the raw lines
        after its last line (``end``, 1-based)."""
        markers = []
        for word in self.lexer.word.findall(arguments):
            match = _HEREDOC_WORD.match(word)
            if not match:
                continue
            raw_name = _SHELL_META.split(match.group(2), maxsplit=1)[0]
            name = _dequote(raw_name, self.lexer)
            if name:
                markers.append((name, match.group(1) == "-", name == raw_name))
        lines = self.dockerfile.lines
        heredocs = []
        index = end  # 0-based index of the first line after the instruction
        for name, strip_tabs, expand in markers:
            body_start = index
            body: list[str] = []
            terminated = False
            while index < len(lines):
                candidate = lines[index].lstrip("\t") if strip_tabs else lines[index]
                index += 1
                if candidate == name:
                    terminated = True
                    break
                body.append(candidate)
            if not terminated:
                self.problem(
                    start,
                    f"heredoc <<{name} is never closed by a line {name!r}; "
                    "the lines after it are read as instructions",
                )
                break
            text = "\n".join(body) + "\n" if body else ""
            heredocs.append(Heredoc(name, text, body_start + 1, index, strip_tabs, expand))
        return tuple(heredocs)

    def _build_stages(self) -> None:
        """Sort instructions into stages and settle each stage's base."""
        dockerfile = self.dockerfile
        stage: Stage | None = None
        for instruction in dockerfile.instructions:
            if instruction.keyword == "FROM":
                stage = self._stage(instruction)
                dockerfile.stages.append(stage)
                instruction.stage = stage.index
                continue
            if instruction.keyword in _NEEDS_ARGUMENTS:
                self._check_arguments(instruction)
            if stage is None:
                self._before_first_from(instruction)
                continue
            instruction.stage = stage.index
            stage.instructions.append(instruction)
        if not dockerfile.stages and dockerfile.instructions:
            self.problem(
                dockerfile.instructions[0].start_line,
                "no FROM instruction: Docker cannot build this file",
            )
        elif not dockerfile.stages:
            self.problem(None, "no instructions: only comments or blank lines")

    def _check_arguments(self, instruction: Instruction) -> None:
        """Problems for arguments Docker refuses: none at all, a variable without a name,
        COPY or ADD without a destination."""
        keyword, arguments = instruction.keyword, instruction.arguments.strip()
        line = instruction.start_line
        if not arguments and not instruction.heredocs:
            self.problem(line, f"{keyword} without arguments; Docker refuses it")
        elif keyword in ("ENV", "ARG"):
            for name, _ in instruction.assignments:
                if not name:
                    self.problem(
                        line, f"{keyword} sets a variable without a name; Docker refuses it"
                    )
                    break
            else:
                if keyword == "ENV" and "=" not in arguments and len(arguments.split()) == 1:
                    self.problem(line, f"ENV {arguments[:40]} gives no value; Docker refuses it")
        elif keyword in ("COPY", "ADD") and len(arguments.split()) < 2:
            if len(instruction.words) < 2:
                self.problem(
                    line, f"{keyword} needs a source and a destination; Docker refuses it"
                )

    def _before_first_from(self, instruction: Instruction) -> None:
        if instruction.keyword == "ARG":
            for name, value in instruction.assignments:
                self.dockerfile.global_args[name] = value
        elif instruction.keyword in KNOWN_INSTRUCTIONS:
            self.problem(
                instruction.start_line,
                f"{instruction.keyword} before the first FROM; Docker accepts only ARG there",
            )

    def _stage(self, instruction: Instruction) -> Stage:
        dockerfile = self.dockerfile
        index = len(dockerfile.stages)
        words = instruction.arguments.split()
        name = None
        if not words:
            self.problem(instruction.start_line, "FROM without an image")
            words = [""]
        elif len(words) == 3 and words[1].lower() == "as":
            name = words[2].lower()
        elif len(words) != 1:
            self.problem(instruction.start_line, "FROM not understood: expected IMAGE [AS NAME]")
        base = words[0]
        image, complete = expand_variables(base, dockerfile.global_args)
        stage = Stage(
            index,
            instruction,
            base,
            image if complete and image else None,
            name,
            instruction.flag("platform"),
        )
        if stage.image is not None:
            parent = (
                dockerfile.stage_by_ref(stage.image, before=index)
                if not stage.image.isdigit()
                else None
            )
            stage.parent = parent.index if parent is not None else None
        return stage
