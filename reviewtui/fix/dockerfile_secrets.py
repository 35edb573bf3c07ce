"""The fix for secrets in ARG and ENV: the variable leaves the file, and the RUN steps
that use it read it from a secret mount instead.

Each RUN that names the variable gets ``--mount=type=secret,id=NAME`` and reads the
value with ``$(cat /run/secrets/NAME)`` where it named ``$NAME``; when the file already
pins a Dockerfile frontend whose secret mounts take ``env=`` (1.10 and later), the mount
sets the variable itself and the command stays as it was. No fix when the variable is
used where a mount cannot reach (another instruction, an exec-form RUN, a heredoc
without ``env=``, a default like ``${NAME:-x}``) or is set again by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from reviewtui.detect.dockerfile_checks.secrets import secret_value
from reviewtui.fix.dockerfile_text import (
    LineChange,
    NoFix,
    after_keyword,
    apply_changes,
    delete_lines,
    last_line,
    other_shell,
    replace_line,
    written_keyword,
)
from reviewtui.fix.model import Edit
from reviewtui.masking import is_secret_name
from reviewtui.project.dockerfile import Dockerfile, Instruction, parse_dockerfile, parse_image_ref

SECRETS_DIR = "/run/secrets"
"""Where a secret mount puts the secret named by its id, unless told otherwise."""

_FRONTENDS = frozenset({"docker/dockerfile", "docker/dockerfile-upstream"})
# A path to a secret is no secret: the detector's word list takes PASSWORD for one.
_PATH_VALUE = re.compile(r"^(/|\./|~/|[A-Za-z]:[\\/])")
_FIRST_ENV_MINOR = 10  # docker/dockerfile 1.10 added env= to secret mounts
_FIRST_MOUNT_MINOR = 2  # and 1.2 made RUN --mount stable
_SHELL_WORD = r"""(?:[^\s"'\\]+|\\.|"(?:[^"\\]|\\.)*"?|'[^']*'?)+"""


@dataclass(frozen=True)
class _Definition:
    """One ARG or ENV assignment the fix removes."""

    instruction: Instruction
    name: str
    value: str | None


@dataclass
class _Plan:
    """What the fix does: the assignments it removes, and per RUN the names it mounts."""

    removed: list[_Definition] = field(default_factory=list)
    runs: dict[int, tuple[Instruction, set[str]]] = field(default_factory=dict)
    silent: dict[str, set[int]] = field(default_factory=dict)


def secret_mounts(dockerfile: Dockerfile, text: str) -> Edit | NoFix:
    """The secret ARG and ENV assignments removed and their uses read from mounts."""
    flagged = _flagged(dockerfile)
    if not flagged:
        return NoFix("no ARG or ENV holds a secret")
    for definition in flagged:
        if definition.value and _PATH_VALUE.match(definition.value):
            return NoFix(
                f"{definition.name} holds the path {definition.value}, not a secret: "
                "rename it or accept the finding"
            )
    for stage in dockerfile.stages:
        shell = other_shell(dockerfile, stage)
        if shell is not None or dockerfile.escape == "`":
            return NoFix(
                f"RUN steps run in {shell or 'a Windows shell'}; this fix rewrites POSIX "
                "shell commands only, so fix it by hand"
            )
    env_option = _env_option(dockerfile)
    if isinstance(env_option, NoFix):
        return env_option
    plan = _plan(dockerfile, flagged, env_option)
    if isinstance(plan, NoFix):
        return plan
    changes = _removals(dockerfile, plan.removed)
    if isinstance(changes, NoFix):
        return changes
    for instruction, names in plan.runs.values():
        change = _mounted_run(dockerfile, instruction, names, env_option)
        if isinstance(change, NoFix):
            return change
        changes.extend(change)
    after = apply_changes(text, changes)
    wrong = _assignments_left_wrong(dockerfile, after, plan.removed)
    if wrong is not None:
        return wrong
    return Edit(after, _summary(plan), _behaviour(plan), _check(plan))


# -- what to remove, and where it is used -------------------------------------------------------


def _flagged(dockerfile: Dockerfile) -> list[_Definition]:
    """The assignments the detector takes for secrets: ARGs in any stage, ENVs of the
    final stage's lineage, by a secret-looking name or value."""
    lineage = {stage.index for stage in dockerfile.lineage()}
    found = []
    for instruction in dockerfile.instructions:
        keyword = instruction.keyword
        if keyword not in ("ARG", "ENV") or (
            keyword == "ENV" and instruction.stage not in lineage
        ):
            continue
        for name, value in instruction.assignments:
            if not name:
                continue
            by_name = is_secret_name(name) and (bool(value) or keyword == "ARG")
            if by_name or (value and secret_value(value)):
                found.append(_Definition(instruction, name, value))
    return found


def _plan(dockerfile: Dockerfile, flagged: list[_Definition], env_option: bool) -> _Plan | NoFix:
    """Every assignment to remove (a global ARG's redeclarations in stages too) and the
    RUN steps that use each variable."""
    names = {definition.name for definition in flagged}
    removed = list(flagged)
    global_names = {d.name for d in flagged if d.instruction.stage < 0}
    for instruction in dockerfile.instructions:
        if instruction.keyword != "ARG" or instruction.stage < 0:
            continue
        for name, value in instruction.assignments:
            if name in global_names and value is None:
                candidate = _Definition(instruction, name, value)
                if candidate not in removed:
                    removed.append(candidate)
    removing = {(id(d.instruction), d.name) for d in removed}
    for instruction in dockerfile.instructions:
        if instruction.keyword in ("ARG", "ENV"):
            for name, _ in instruction.assignments:
                if name in names and (id(instruction), name) not in removing:
                    return NoFix(
                        f"{name} is set again at line {instruction.start_line}; fix it by hand"
                    )
    plan = _Plan(removed=removed)
    for definition in removed:
        refusal = _collect_uses(dockerfile, definition, plan, env_option)
        if refusal is not None:
            return refusal
    return plan


def _scope(dockerfile: Dockerfile, definition: _Definition) -> list[Instruction]:
    """The instructions that see the variable: the rest of its stage, and for an ENV the
    stages built on it; for a global ARG, the FROM lines."""
    instruction = definition.instruction
    if instruction.stage < 0:
        return [stage.from_instruction for stage in dockerfile.stages]
    owner = dockerfile.stages[instruction.stage]
    seen = [ins for ins in owner.instructions if ins.start_line > instruction.start_line]
    if instruction.keyword == "ENV":
        for stage in dockerfile.stages:
            if stage is not owner and owner in dockerfile.lineage(stage):
                seen.extend(stage.instructions)
    return seen


def _collect_uses(
    dockerfile: Dockerfile, definition: _Definition, plan: _Plan, env_option: bool
) -> NoFix | None:
    name = definition.name
    use = _use_pattern(name)
    removed_lines = {d.instruction.start_line for d in plan.removed}
    for instruction in _scope(dockerfile, definition):
        if instruction.start_line in removed_lines and instruction.keyword in ("ARG", "ENV"):
            if not use.search(_outside_removed(instruction, plan)):
                continue
        line = instruction.start_line
        if instruction.keyword != "RUN":
            if use.search(instruction.value):
                return NoFix(
                    f"{instruction.keyword} at line {line} uses {name}, which a secret "
                    "mount cannot give it"
                )
            continue
        if not use.search(instruction.script):
            # TODO: a tool that reads the variable from its environment without the RUN
            # naming it (npm through an .npmrc) loses it; the behaviour note names these.
            plan.silent.setdefault(name, set()).add(line)
            continue
        if not env_option:
            if instruction.exec_form is not None:
                return NoFix(f"the exec-form RUN at line {line} names {name}; fix it by hand")
            if any(use.search(doc.body) for doc in instruction.heredocs):
                return NoFix(f"a heredoc of the RUN at line {line} uses {name}; fix it by hand")
        plan.runs.setdefault(line, (instruction, set()))[1].add(name)
    return None


def _outside_removed(instruction: Instruction, plan: _Plan) -> str:
    """The values an ARG or ENV keeps once the removed assignments are gone."""
    gone = {d.name for d in plan.removed if d.instruction is instruction}
    return " ".join(value or "" for name, value in instruction.assignments if name not in gone)


def _use_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])")


def _env_option(dockerfile: Dockerfile) -> bool | NoFix:
    """Whether the pinned frontend gives secret mounts ``env=``; NoFix when it predates
    RUN --mount altogether."""
    directive = dockerfile.directives.get("syntax")
    ref = parse_image_ref(directive.value) if directive is not None else None
    if ref is None or ref.registry != "docker.io" or ref.repository not in _FRONTENDS:
        return False
    tag = (ref.tag or "latest").lower()
    if ref.tag is None and ref.digest is not None:
        return False  # which version a digest names is not known here
    words = tag.split("-")
    if words[0] in ("latest", "labs"):
        return True
    numbers = words[0].split(".")
    if not all(number.isdigit() for number in numbers):
        return False
    if len(numbers) == 1:
        return int(numbers[0]) >= 1  # "1" follows the newest 1.x
    minor = int(numbers[1])
    if int(numbers[0]) == 1 and minor < _FIRST_MOUNT_MINOR and "experimental" not in words:
        return NoFix(f"# syntax={directive.value if directive else ''} predates RUN --mount")
    return int(numbers[0]) > 1 or minor >= _FIRST_ENV_MINOR


# -- the edits ----------------------------------------------------------------------------------


def _removals(dockerfile: Dockerfile, removed: list[_Definition]) -> list[LineChange] | NoFix:
    """The line changes removing each assignment: the whole instruction when nothing
    else is left in it (its comment and blank lines stay), else the assignment's word."""
    by_instruction: dict[int, tuple[Instruction, set[str]]] = {}
    for definition in removed:
        entry = by_instruction.setdefault(
            id(definition.instruction), (definition.instruction, set())
        )
        entry[1].add(definition.name)
    changes: list[LineChange] = []
    for instruction, names in by_instruction.values():
        if all(name in names for name, _ in instruction.assignments):
            changes.extend(_delete_instruction(dockerfile, instruction))
            continue
        partial = _remove_words(dockerfile, instruction, names)
        if isinstance(partial, NoFix):
            return partial
        changes.extend(partial)
    return changes


def _delete_instruction(dockerfile: Dockerfile, instruction: Instruction) -> list[LineChange]:
    changes = []
    for number in range(instruction.start_line, last_line(instruction) + 1):
        text = dockerfile.lines[number - 1].strip()
        if number == instruction.start_line or (text and not text.startswith("#")):
            changes.append(delete_lines(number, number))
    return changes


def _remove_words(
    dockerfile: Dockerfile, instruction: Instruction, names: set[str]
) -> list[LineChange] | NoFix:
    """The lines of a continued or multi-variable ARG/ENV without the named words."""
    escape = dockerfile.escape
    lines = {
        number: dockerfile.lines[number - 1]
        for number in range(instruction.start_line, instruction.end_line + 1)
    }
    for name in names:
        pattern = re.compile(r"(?<!\S)" + re.escape(name) + r"(?:=" + _SHELL_WORD + r")?(?!\S)")
        for number, line in lines.items():
            if line.lstrip().startswith("#") and number != instruction.start_line:
                continue
            begin = (
                after_keyword(line, written_keyword(dockerfile, instruction))
                if (number == instruction.start_line)
                else 0
            )
            match = pattern.search(line, begin)
            if match is None or match.group(0) == escape:
                continue
            lines[number] = _cut(line, match.start(), match.end())
            break
        else:
            return NoFix(f"{name} could not be located in its {instruction.keyword}")
    return _settled_lines(dockerfile, instruction, lines)


def _cut(line: str, start: int, end: int) -> str:
    """``line`` without ``line[start:end]`` and the blanks that separated it."""
    after = end
    while after < len(line) and line[after] in " \t":
        after += 1
    if after < len(line):
        return line[:start] + line[after:]
    before = start
    while before > 0 and line[before - 1] in " \t":
        before -= 1
    return line[:before]


def _settled_lines(
    dockerfile: Dockerfile, instruction: Instruction, lines: dict[int, str]
) -> list[LineChange]:
    """Changes for the edited lines: a continuation line left empty goes, and when the
    instruction's last line goes, the line before it stops continuing."""
    escape = dockerfile.escape
    changes = []
    numbers = sorted(lines)
    code = [
        n
        for n in numbers
        if n == instruction.start_line
        or (lines[n].strip() and not lines[n].lstrip().startswith("#"))
    ]
    emptied = {
        n
        for n in code
        if n != instruction.start_line
        and lines[n].strip() in ("", escape)
        and lines[n] != dockerfile.lines[n - 1]
    }
    kept = [n for n in code if n not in emptied]
    for number in numbers:
        original = dockerfile.lines[number - 1]
        if number in emptied:
            changes.append(delete_lines(number, number))
        elif number == kept[-1] and instruction.end_line in emptied:
            ending = lines[number].rstrip()
            if ending.endswith(escape):
                ending = ending[: -len(escape)].rstrip()
            changes.append(replace_line(number, ending))
        elif lines[number] != original:
            changes.append(replace_line(number, lines[number]))
    return changes


def _mounted_run(
    dockerfile: Dockerfile, instruction: Instruction, names: set[str], env_option: bool
) -> list[LineChange] | NoFix:
    """A RUN with a secret mount per name, and its uses read from the mounted files
    unless the mount sets the variable itself."""
    have = {
        mount.get("id") or mount.get("target", "").rsplit("/", 1)[-1]
        for mount in instruction.mounts
        if mount.get("type") == "secret"
    }
    flags = [
        f"--mount=type=secret,id={name}" + (f",env={name}" if env_option else "")
        for name in sorted(names)
        if name not in have
    ]
    first = instruction.start_line
    lines = {n: dockerfile.lines[n - 1] for n in range(first, instruction.end_line + 1)}
    if not env_option:
        replaced = _read_from_files(lines, first, names)
        if isinstance(replaced, NoFix):
            return replaced
        lines = replaced
    if flags:
        line = lines[first]
        position = after_keyword(line, written_keyword(dockerfile, instruction))
        lines[first] = line[:position] + " ".join(flags) + " " + line[position:]
    return [
        replace_line(number, text)
        for number, text in lines.items()
        if text != dockerfile.lines[number - 1]
    ]


def _read_from_files(lines: dict[int, str], first: int, names: set[str]) -> dict[int, str] | NoFix:
    """The RUN's lines with each ``$NAME`` and ``${NAME}`` outside single quotes read
    from its secret file; NoFix for ``${NAME:-word}`` and the like."""
    quote = ""  # the quote the shell is inside, across continued lines
    result = {}
    for number, line in lines.items():
        if number != first and line.lstrip().startswith("#"):
            result[number] = line
            continue
        out: list[str] = []
        index = 0
        while index < len(line):
            char = line[index]
            if quote != "'" and char == "\\":
                out.append(line[index : index + 2])
                index += 2
                continue
            if char in "'\"" and (not quote or quote == char):
                quote = "" if quote == char else char
                out.append(char)
                index += 1
                continue
            if char == "$" and quote != "'":
                taken = _substitution(line, index, names)
                if isinstance(taken, NoFix):
                    return taken
                if taken is not None:
                    text, index = taken
                    out.append(text)
                    continue
            out.append(char)
            index += 1
        result[number] = "".join(out)
    return result


def _substitution(line: str, index: int, names: set[str]) -> tuple[str, int] | NoFix | None:
    """The secret file read replacing the use of a variable at ``line[index]``, and the
    offset after it; None when no named variable is used there."""
    for name in names:
        plain = "$" + name
        braced = "${" + name
        if line.startswith(braced, index):
            after = index + len(braced)
            if line.startswith("}", after):
                return f"$(cat {SECRETS_DIR}/{name})", after + 1
            if after < len(line) and not (line[after].isalnum() or line[after] == "_"):
                return NoFix(f"{line[index : after + 2]}... sets a default; fix it by hand")
        if line.startswith(plain, index):
            after = index + len(plain)
            if after >= len(line) or not (line[after].isalnum() or line[after] == "_"):
                return f"$(cat {SECRETS_DIR}/{name})", after
    return None


def _assignments_left_wrong(
    dockerfile: Dockerfile, after: str, removed: list[_Definition]
) -> NoFix | None:
    """NoFix unless the edited file keeps every ARG and ENV assignment but the removed."""

    def assignments(parsed: Dockerfile) -> Counter[tuple[str, str, str | None]]:
        return Counter(
            (ins.keyword, name, value)
            for ins in parsed.instructions
            if ins.keyword in ("ARG", "ENV")
            for name, value in ins.assignments
        )

    expected = assignments(dockerfile)
    expected.subtract(Counter((d.instruction.keyword, d.name, d.value) for d in removed))
    found = assignments(parse_dockerfile(after, dockerfile.path))
    if +expected != found:
        return NoFix("removing the variables would change other ARG or ENV lines")
    return None


# -- what the reviewer reads -------------------------------------------------------------------


def _summary(plan: _Plan) -> str:
    names = ", ".join(sorted({d.name for d in plan.removed}))
    lines = ", ".join(
        str(line) for line in sorted({d.instruction.start_line for d in plan.removed})
    )
    text = f"Move {names} out of ARG/ENV (removed at line {lines})"
    if plan.runs:
        runs = ", ".join(str(line) for line in sorted(plan.runs))
        them = "them" if len({d.name for d in plan.removed}) > 1 else "it"
        text += f"; the RUN steps that use {them} (line {runs}) read {them} from a secret mount"
    return text + "."


def _behaviour(plan: _Plan) -> str:
    names = sorted({d.name for d in plan.removed})
    passes = " ".join(f"--secret id={name},env={name}" for name in names)
    parts = [
        f"The build no longer takes {', '.join(names)} as a build argument or variable: "
        f"every build must pass the secret ({passes}; compose: build: secrets:), or the "
        "RUN steps get an empty value."
    ]
    envs = sorted({d.name for d in plan.removed if d.instruction.keyword == "ENV"})
    if envs:
        parts.append(
            f"The image no longer sets {', '.join(envs)} in its environment: a program "
            "reading it at run time must get it from the container's environment or a secret."
        )
    for name, lines in sorted(plan.silent.items()):
        where = ", ".join(str(line) for line in sorted(lines))
        parts.append(
            f"The RUN steps at line {where} do not name {name} and no longer see it in "
            "their environment: if a tool there reads it (npm through an .npmrc, the AWS "
            "CLI), give that step the mount too."
        )
    if any(d.value and "$" not in d.value for d in plan.removed):
        parts.append("The values written in the Dockerfile stay in its history: rotate them.")
    return " ".join(parts)


def _check(plan: _Plan) -> str:
    names = sorted({d.name for d in plan.removed})
    passes = " ".join(f"--secret id={name},env={name}" for name in names)
    return (
        f"Make CI and every build command pass {passes} (the value in the variable of that "
        "name), build, and check that docker history --no-trunc no longer shows it."
    )
