"""Live image detectors: the config and history of every image read from an engine, judged
the way the build items judge the Dockerfile that made it.

The image config is what every container of the image starts from (``Config.User``,
``Config.Env``, ``Config.Healthcheck``, ``Config.ExposedPorts``); the history is the list
of build steps, newest first, with the text each one was made from (``CreatedBy``). The
classic builder writes that text as ``/bin/sh -c #(nop)  ENV K=V`` for steps that change
only the config and ``|1 K=V /bin/sh -c apt-get update`` for a RUN that saw one build
argument; BuildKit writes ``ENV K=V`` and ``RUN |1 K=V /bin/sh -c ... # buildkit``. Both
forms are read into :class:`HistoryStep`, and RUN scripts are parsed by the same shell
reader the Dockerfile detectors use. Evidence cites ``History[i].CreatedBy``, ``i`` being
the step's place in the engine's list (0 is the newest).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from reviewtui.detect.compose_checks.user import is_root_user
from reviewtui.detect.dockerfile_checks.context import copy_sources
from reviewtui.detect.dockerfile_checks.instructions import add_kind, workdir_paths
from reviewtui.detect.dockerfile_checks.packages import (
    INDEX_UPDATES,
    INSTALL_ACTIONS,
    installed_packages,
    step_packages,
)
from reviewtui.detect.dockerfile_checks.secrets import secret_value
from reviewtui.detect.dockerfile_checks.shell import RunStep, run_steps
from reviewtui.detect.dockerfile_checks.shell_commands import may_install
from reviewtui.detect.dockerfile_checks.user import package_name
from reviewtui.detect.live_checks.findings import Detector, per_image
from reviewtui.live.facts import EngineFacts, ImageFacts
from reviewtui.masking import is_secret_name, mask_recorded_pairs
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import Dockerfile, Instruction, parse_dockerfile
from reviewtui.project.facts import ProjectFacts

_MAX_EVIDENCE = 8
_SSH_PORT = 22

# -- the history as instructions ------------------------------------------------------------

_BUILDKIT_MARK = "# buildkit"
# A step of the classic builder (or buildah) that only changed the config.
_NOP = re.compile(r"^(?:\S*sh\s+-c|cmd\s+/S\s+/C)\s+#\(nop\)\s*(?P<rest>.*)$", re.S | re.I)
_KEYWORDS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL "
    "STOPSIGNAL USER VOLUME WORKDIR".split()
)
_RUN_FLAGS = re.compile(r"^(?:--\S+\s+)+")
_BUILD_ARG_COUNT = re.compile(r"^\|(?P<count>\d+)\s+")
_BUILD_ARG = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\S*)(?:\s+|$)")
# The same count where a step's text writes it (after ``RUN`` and its flags, for BuildKit),
# and where the command after the build arguments starts: at its shell's path.
_RECORDED_BUILD_ARGS = re.compile(r"(?:^|\s)\|\d+\s+")
_COMMAND_START = re.compile(r"\s+(?=/)")
# ``/bin/sh -c SCRIPT``, ``/bin/bash -o pipefail -c SCRIPT``: the script the shell runs.
_SHELL_C = re.compile(
    r"^(?:\S*/)?(?:sh|bash|ash|dash|zsh|ksh)(?:\s+(?:-\S+|pipefail))*?\s+-[A-Za-z]*c\s+"
    r"(?P<script>.*)$",
    re.S,
)
# The classic builder names what ADD and COPY brought in by its hash only.
_CLASSIC_COPY = re.compile(r"^(?P<kind>file|dir|multi):[0-9a-f]+\s+in\s+(?P<dest>.*)$", re.S)


@dataclass(frozen=True)
class HistoryStep:
    """One step of an image's history, read as the instruction that made it.

    ``index`` is the step's place in the engine's history (0 is the newest); ``keyword``
    the instruction (``RUN``, ``ENV``, ``ADD``...; empty for a step without ``CreatedBy``,
    such as the layer of ``docker import``); ``text`` what follows the keyword. For a RUN,
    ``build_args`` are the ``|N NAME=value`` build arguments it saw and ``script`` what
    its shell runs.
    """

    index: int
    keyword: str
    text: str
    created_by: str
    build_args: tuple[tuple[str, str], ...] = ()
    script: str = ""

    @property
    def field(self) -> str:
        """The inspect field evidence cites: ``History[3].CreatedBy``."""
        return f"History[{self.index}].CreatedBy"

    @property
    def name(self) -> str:
        """How a reason names the step: ``History[3]``."""
        return f"History[{self.index}]"


def history_steps(image: ImageFacts) -> list[HistoryStep]:
    """Every step of the image's history, newest first, as the engine lists them."""
    return [
        _read_step(index, str(entry.get("CreatedBy") or ""))
        for index, entry in enumerate(image.history)
    ]


def _read_step(index: int, created_by: str) -> HistoryStep:
    text = created_by.strip()
    if text.endswith(_BUILDKIT_MARK):
        text = text[: -len(_BUILDKIT_MARK)].rstrip()
    if not text:
        return HistoryStep(index, "", "", created_by)
    nop = _NOP.match(text)
    if nop is not None:
        word, _, rest = nop.group("rest").strip().partition(" ")
        return HistoryStep(index, word.upper(), rest.strip(), created_by)
    word, _, rest = text.partition(" ")
    if word in _KEYWORDS and word != "RUN":
        return HistoryStep(index, word, rest.strip(), created_by)
    if word == "RUN":
        text = rest.strip()
    return _run_step(index, text, created_by)


def _run_step(index: int, text: str, created_by: str) -> HistoryStep:
    text = _RUN_FLAGS.sub("", text)
    build_args: list[tuple[str, str]] = []
    count = _BUILD_ARG_COUNT.match(text)
    if count is not None:
        text = text[count.end() :]
        # TODO: a build argument whose value holds a space is cut at the space: the
        # history writes the values unquoted.
        for _ in range(int(count.group("count"))):
            argument = _BUILD_ARG.match(text)
            if argument is None:
                break
            build_args.append((argument.group("name"), argument.group("value")))
            text = text[argument.end() :]
    shell = _SHELL_C.match(text)
    script = shell.group("script") if shell is not None else text
    return HistoryStep(index, "RUN", text, created_by, tuple(build_args), script)


def _instruction(step: HistoryStep) -> Instruction | None:
    """The step read back as a Dockerfile instruction (ADD, ENV, ARG), for its parts."""
    parsed = parse_dockerfile(f"FROM scratch\n{step.keyword} {step.text}\n", "history")
    instructions = [ins for ins in parsed.instructions if ins.keyword == step.keyword]
    return instructions[0] if instructions else None


def _run_scripts(image: ImageFacts) -> tuple[Dockerfile, list[tuple[HistoryStep, RunStep]]]:
    """The RUN steps, oldest first, each with its script parsed as a Dockerfile RUN.

    The scripts are written into a Dockerfile of their own, one exec-form RUN per step
    (JSON keeps any newline or quote of the script intact), so the shell reader and the
    package detectors' helpers read them exactly as they read a project's RUN lines.
    """
    runs = [step for step in reversed(history_steps(image)) if step.keyword == "RUN"]
    lines = ["FROM scratch"]
    lines += ["RUN " + json.dumps(["/bin/sh", "-c", step.script]) for step in runs]
    dockerfile = parse_dockerfile("\n".join(lines) + "\n", f"history of {image.reference}")
    by_line = {index + 2: step for index, step in enumerate(runs)}
    return dockerfile, [
        (by_line[parsed.line], parsed)
        for parsed in run_steps(dockerfile)
        if parsed.line in by_line
    ]


def step_evidence(image: ImageFacts, step: HistoryStep) -> Evidence:
    """Evidence citing one step: ``History[i].CreatedBy`` and its text (masked)."""
    return image.evidence(step.field, _masked_step(step))


def _masked_step(step: HistoryStep) -> str:
    """The text of ``step`` with the secrets of the pairs it records masked whole: the
    variables of an ENV or ARG step and the build arguments before a RUN's command.

    The history writes their values unquoted, so a value's quotes and brackets would
    end it early for the masking of free text, and show what follows them.
    """
    text = step.created_by.strip()
    if step.keyword in ("ENV", "ARG") and step.text:
        at = text.rfind(step.text)
        if at >= 0:
            return text[:at] + mask_recorded_pairs(step.text) + text[at + len(step.text) :]
        return text
    count = _RECORDED_BUILD_ARGS.search(text) if step.build_args else None
    if count is None:
        return text
    command = _COMMAND_START.search(text, count.end())
    end = command.start() if command is not None else len(text)
    return text[: count.end()] + mask_recorded_pairs(text[count.end() : end]) + text[end:]


def _step_evidence(image: ImageFacts, steps: list[HistoryStep]) -> list[Evidence]:
    cited = sorted({step.index: step for step in steps}.values(), key=lambda step: step.index)
    return [step_evidence(image, step) for step in cited[:_MAX_EVIDENCE]]


def _history_evidence(image: ImageFacts, what: str) -> Evidence:
    """Evidence for a verdict about the whole history: how many steps it has."""
    count = len(image.history)
    return image.evidence("History", f"{count} step{'' if count == 1 else 's'}, {what}")


def _finding(image: ImageFacts, status: Status, reason: str, *evidence: Evidence) -> Finding:
    return Finding(image.target, status, reason, evidence)


def _without_history(image: ImageFacts) -> Finding | None:
    """UNKNOWN for an image whose history the engine did not give, for the detectors that
    read it; None when there is a history."""
    if image.history:
        return None
    return _finding(
        image,
        Status.UNKNOWN,
        "the engine gave no history for this image: check how it was built",
        image.evidence("History", "none"),
    )


def _with_more(reasons: list[str]) -> str:
    more = len(reasons) - 1
    return reasons[0] + (f" (and {more} more)" if more else "")


# -- the user -------------------------------------------------------------------------------


def image_user(image: ImageFacts) -> tuple[Status, str]:
    """How the image's ``Config.User`` answers "does it run as non-root", and why.

    FAIL for an empty user (root applies) and for ``root``, ``0``, ``0:0``, ``root:x``;
    UNKNOWN for a Windows image without one, whose default user depends on its base;
    PASS otherwise. Used for containers and swarm services that set no user of their own.
    """
    user = str(image.get("Config.User") or "").strip()
    if not user:
        if str(image.get("Os", "")).lower() == "windows":
            return Status.UNKNOWN, (
                "Config.User is empty: the Windows base decides (ContainerUser on Nano "
                "Server, ContainerAdministrator on Server Core)"
            )
        return Status.FAIL, "Config.User is empty: the image runs as root"
    if is_root_user(user):
        return Status.FAIL, f"runs as root: Config.User is {user}"
    return Status.PASS, f"runs as {user} (Config.User)"


def _final_user(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image runs as a non-root user: its ``Config.User``, where empty means
    root and ``root``, ``0``, ``0:0`` or ``root:group`` are root too."""
    status, reason = image_user(image)
    return _finding(image, status, reason, image.evidence("Config.User"))


# -- the health check -----------------------------------------------------------------------


def _healthcheck(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image defines a health check: FAIL when ``Config.Healthcheck`` is not
    set (none defined) or its test is ``["NONE"]`` (turned off)."""
    check = image.get("Config.Healthcheck")
    test = check.get("Test") if isinstance(check, dict) else None
    if not isinstance(test, list) or not test:
        return _finding(
            image,
            Status.FAIL,
            "Config.Healthcheck is not set: the image defines no health check",
            image.evidence("Config.Healthcheck"),
        )
    if str(test[0]).upper() == "NONE":
        return _finding(
            image,
            Status.FAIL,
            'Config.Healthcheck.Test is ["NONE"]: the health check is turned off',
            image.evidence("Config.Healthcheck.Test"),
        )
    return _finding(
        image,
        Status.PASS,
        "the image defines a health check",
        image.evidence("Config.Healthcheck.Test"),
    )


# -- exposed ports --------------------------------------------------------------------------

_EXPOSED = re.compile(r"^(?P<port>\d+)(?:/(?P<protocol>[A-Za-z]+))?$")


def _exposed_ports(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image exposes SSH's port 22: FAIL when ``Config.ExposedPorts`` lists it,
    NOT_APPLICABLE when the image exposes no port. (The engine refuses invalid ports at
    build time, so only port 22 is left to judge.)"""
    exposed = image.get("Config.ExposedPorts")
    keys = list(exposed) if isinstance(exposed, dict) else []
    ports = sorted(keys, key=lambda key: (_port_number(key) or 0, key))
    if not ports:
        return _finding(
            image,
            Status.NOT_APPLICABLE,
            "the image exposes no port",
            image.evidence("Config.ExposedPorts"),
        )
    ssh = [port for port in ports if _port_number(port) == _SSH_PORT]
    if ssh:
        return _finding(
            image,
            Status.FAIL,
            f"Config.ExposedPorts lists {ssh[0]}, SSH's port: the image seems to run an SSH "
            "server",
            image.evidence("Config.ExposedPorts", ssh[0]),
        )
    return _finding(
        image,
        Status.PASS,
        f"exposes {', '.join(ports[:3])}{' and more' if len(ports) > 3 else ''}, "
        "not SSH's port 22",
        image.evidence("Config.ExposedPorts"),
    )


def _port_number(key: str) -> int | None:
    match = _EXPOSED.match(key.strip())
    return int(match.group("port")) if match is not None else None


# -- secrets in the config and the history --------------------------------------------------


def _secret_kind(name: str, value: str) -> str | None:
    """Why ``NAME=value`` carries a secret: its name, or a value that is one whatever the
    name (a URL with a password, a known token); None when it does not."""
    if is_secret_name(name) and value.strip():
        return "a secret-looking name"
    what = secret_value(value) if value else None
    return f"set to {what}" if what is not None else None


@dataclass(frozen=True)
class _SecretHit:
    """One secret-looking variable the image keeps, where it is, and why it counts."""

    kind: str  # "env", "history env", "arg default" or "build arg"
    name: str
    reason: str
    evidence: Evidence


def _config_env_hits(image: ImageFacts) -> list[_SecretHit]:
    hits = []
    for entry in image.get("Config.Env") or []:
        name, _, value = str(entry).partition("=")
        why = _secret_kind(name, value)
        if why is not None:
            hits.append(
                _SecretHit(
                    "env",
                    name,
                    f"Config.Env sets {name}, {why}, in every container of the image",
                    image.evidence("Config.Env", str(entry)),
                )
            )
    return hits


def _history_hits(image: ImageFacts) -> list[_SecretHit]:
    hits = []
    for step in reversed(history_steps(image)):
        evidence = step_evidence(image, step)
        if step.keyword in ("ENV", "ARG"):
            instruction = _instruction(step)
            pairs = instruction.assignments if instruction is not None else ()
            for name, value in pairs:
                why = _secret_kind(name, value or "")
                if why is None:
                    continue
                kind, what = (
                    ("history env", f"ENV {name}")
                    if step.keyword == "ENV"
                    else ("arg default", f"the default of ARG {name}")
                )
                reason = f"{step.name} records {what}, {why}"
                hits.append(_SecretHit(kind, name, reason, evidence))
        for name, value in step.build_args:
            why = _secret_kind(name, value)
            if why is not None:
                reason = f"{step.name} records the build argument {name}, {why}, with its value"
                hits.append(_SecretHit("build arg", name, reason, evidence))
    return hits


def _secrets_in_arg_env(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image keeps secrets in its config or history: FAIL for a variable of
    ``Config.Env`` and for an ENV, an ARG default or a build argument that a RUN saw
    (``|N NAME=value`` in ``CreatedBy``) whose name looks like a secret and whose value is
    not empty, or whose value is a secret whatever its name (a URL with a password, a
    known token). The values are never shown: evidence snippets are masked."""
    hits = _config_env_hits(image)
    in_config = {hit.name for hit in hits}
    hits += [
        hit
        for hit in _history_hits(image)
        if not (hit.kind == "history env" and hit.name in in_config)
    ]
    if not hits:
        return _finding(
            image,
            Status.PASS,
            "no variable of Config.Env and no ENV, ARG or build argument in the history "
            "looks like a secret",
            image.evidence("Config.Env"),
        )
    reasons: dict[tuple[str, str], str] = {}
    evidence: dict[tuple[str, str], Evidence] = {}
    for hit in hits:
        reasons.setdefault((hit.kind, hit.name), hit.reason)
        evidence.setdefault((hit.evidence.field, hit.evidence.snippet), hit.evidence)
    return _finding(
        image,
        Status.FAIL,
        _with_more(list(reasons.values())),
        *list(evidence.values())[:_MAX_EVIDENCE],
    )


# -- ADD ------------------------------------------------------------------------------------


def _base_rootfs(steps: list[HistoryStep]) -> HistoryStep | None:
    """The ADD of the base image's root filesystem, which every ``FROM scratch`` image
    starts with: the oldest step, an ADD to ``/``. An image made by ``docker import`` has
    no such step (its oldest step has no ``CreatedBy``), so a later ADD to ``/`` counts."""
    if not steps or steps[-1].keyword != "ADD":
        return None
    oldest = steps[-1]
    return oldest if _add_destination(oldest) == "/" else None


def _add_destination(step: HistoryStep) -> str:
    classic = _CLASSIC_COPY.match(step.text)
    if classic is not None:
        return classic.group("dest").strip()
    instruction = _instruction(step)
    words = instruction.words if instruction is not None else []
    return words[-1] if words else ""


# The verdict on each kind of ADD, worst first, and the reason it gives (the Dockerfile
# detector's words, with the step named).
_ADD_VERDICTS = (
    (
        "unverified",
        Status.FAIL,
        "ADD downloads {source} without --checksum: the download is not verified",
    ),
    (
        "remote",
        Status.FAIL,
        "ADD downloads {source}; use curl or wget with a checksum check, or COPY",
    ),
    (
        "folder",
        Status.FAIL,
        "ADD copies a folder to {dest}; COPY does the same without "
        "unpacking archives or fetching URLs",
    ),
    (
        "local",
        Status.FAIL,
        "ADD copies {source}; COPY does the same without unpacking archives or fetching URLs",
    ),
    (
        "unsure",
        Status.UNKNOWN,
        "ADD put {source} at {dest}; the history does not say whether "
        "it came from the build context, a URL or an archive ADD unpacked: check the Dockerfile",
    ),
)


def _add_kind_of(step: HistoryStep) -> tuple[str, str, str]:
    """(kind, first source, destination) of an ADD step: ``unverified``, ``remote``,
    ``archive`` or ``local`` as the Dockerfile detector reads them when BuildKit kept the
    sources; ``folder`` or ``unsure`` (a file or several, by hash) for the classic builder.
    """
    classic = _CLASSIC_COPY.match(step.text)
    if classic is not None:
        what = "a file" if classic.group("kind") == "file" else "several files"
        kind = "folder" if classic.group("kind") == "dir" else "unsure"
        return kind, what, classic.group("dest").strip()
    instruction = _instruction(step)
    if instruction is None or not copy_sources(instruction):
        return "unsure", "files", _add_destination(step)
    return add_kind(instruction), copy_sources(instruction)[0], instruction.words[-1]


def _copy_not_add(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether files came in with COPY rather than ADD, judged on the history: FAIL for an
    ADD of local files or folders and of URLs (BuildKit keeps the sources, so a local tar
    archive, which ADD unpacks, passes); UNKNOWN for the classic builder's ``ADD file:<hash>``,
    which does not say whether a local file, a URL or an archive came in. The oldest step's
    ADD to ``/`` is the base image's root filesystem and is not counted (as dockle does)."""
    missing = _without_history(image)
    if missing is not None:
        return missing

    steps = history_steps(image)
    base = _base_rootfs(steps)
    adds = [step for step in steps if step.keyword == "ADD" and step is not base]
    judged = [(step, *_add_kind_of(step)) for step in adds]
    for wanted, status, template in _ADD_VERDICTS:
        found = [item for item in judged if item[1] == wanted]
        if found:
            step, _, source, dest = found[0]
            reason = f"{step.name}: " + template.format(source=source, dest=dest)
            cited = [item[0] for item in judged if item[1] != "archive"]
            return _finding(image, status, reason, *_step_evidence(image, cited))
    if judged:
        return _finding(
            image,
            Status.PASS,
            f"ADD only unpacks local archives ({judged[0][2]}), which COPY cannot",
            *_step_evidence(image, adds),
        )
    if base is not None:
        return _finding(
            image,
            Status.PASS,
            "the only ADD is the base image's root filesystem; files came in with COPY",
            step_evidence(image, base),
        )
    return _finding(
        image, Status.PASS, "no ADD in the history", _history_evidence(image, "none of them ADD")
    )


# -- RUN steps: package index updates and sudo ----------------------------------------------


def _package_index_update(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether every package index update in the history is used by an install in the
    same RUN: FAIL for a RUN that runs ``apt-get update``, ``apk update``, ``yum``/``dnf
    makecache`` or ``zypper refresh`` and installs or upgrades nothing (a script it also
    runs is given the benefit of the doubt); NOT_APPLICABLE when no RUN updates an index.
    The base image's steps are part of the history and are judged too."""
    missing = _without_history(image)
    if missing is not None:
        return missing

    dockerfile, runs = _run_scripts(image)
    failing: list[tuple[HistoryStep, str]] = []
    used: list[HistoryStep] = []
    for step, parsed in runs:
        packages = step_packages(parsed, dockerfile)
        if not packages:
            continue
        by_command = {id(package.command): package for package in packages}
        updates = []
        installed = False
        for command in parsed.commands:
            package = by_command.get(id(command))
            if package is None:
                installed = installed or may_install(command)
            elif package.action in INDEX_UPDATES.get(package.tool, ()):
                updates.append(command)
            elif package.action in INSTALL_ACTIONS.get(package.tool, ()) or package.has(
                "--update", "-U"
            ):
                installed = True
        if updates and not installed:
            failing.append((step, " ".join(updates[0].argv[:2])))
        elif updates:
            used.append(step)
    if failing:
        reasons = [
            f"{item.name} runs {what} without installing anything" for item, what in failing
        ]
        return _finding(
            image,
            Status.FAIL,
            _with_more(reasons),
            *_step_evidence(image, [item for item, _ in failing]),
        )
    if used:
        return _finding(
            image,
            Status.PASS,
            "every package index update is followed by an install in the same RUN",
            *_step_evidence(image, used),
        )
    return _finding(
        image,
        Status.NOT_APPLICABLE,
        "no RUN in the history updates a package index",
        _history_evidence(image, "no package index update"),
    )


_NOPASSWD = re.compile(r"\bNOPASSWD\s*:")


def _sudo_usage(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image leaves sudo out: FAIL for a RUN in the history that runs a
    command through sudo, installs the sudo package or writes a ``NOPASSWD`` sudoers rule.
    A sudo binary that came in another way (a COPY, the base's root filesystem) shows only
    in the image's files."""
    missing = _without_history(image)
    if missing is not None:
        return missing

    dockerfile, runs = _run_scripts(image)
    hits: list[tuple[HistoryStep, str]] = []
    for step, parsed in runs:
        if "sudo" not in step.script and "NOPASSWD" not in step.script:
            continue
        for command in parsed.commands:
            if "sudo" in command.wrappers:
                hits.append((step, f"{step.name} runs {command.name or 'a command'} through sudo"))
        for package in step_packages(parsed, dockerfile):
            if any(package_name(name) == "sudo" for name in installed_packages(package)):
                hits.append((step, f"{step.name} installs sudo, a way back to root"))
        if _NOPASSWD.search(step.script):
            hits.append((step, f"{step.name} grants passwordless sudo (NOPASSWD)"))
    if hits:
        return _finding(
            image,
            Status.FAIL,
            _with_more([reason for _, reason in hits]),
            *_step_evidence(image, [step for step, _ in hits]),
        )
    return _finding(
        image,
        Status.PASS,
        "no step of the history installs or runs sudo",
        _history_evidence(image, "none installs or runs sudo"),
    )


# -- CMD and ENTRYPOINT ---------------------------------------------------------------------

# The shell the builder wraps a shell-form CMD or ENTRYPOINT in, without a SHELL of its own.
_DEFAULT_SHELL = ("/bin/sh", "-c")
_WINDOWS_SHELL = ("cmd", "/S", "/C")


def _shell(image: ImageFacts) -> tuple[str, ...]:
    """The shell of the image's shell-form commands: ``Config.Shell`` (SHELL), else the
    builder's default for its OS."""
    shell = image.get("Config.Shell")
    if isinstance(shell, list) and shell:
        return tuple(str(word) for word in shell)
    windows = str(image.get("Os", "")).lower() == "windows"
    return _WINDOWS_SHELL if windows else _DEFAULT_SHELL


def _shell_script(image: ImageFacts, dotted: str) -> str | None:
    """The script of a shell-form ``Config.Cmd`` or ``Config.Entrypoint`` (the builder
    stores ``CMD app`` as ``["/bin/sh", "-c", "app"]``); None for the exec form."""
    # TODO: an exec form written as ["/bin/sh", "-c", "..."] reads as the shell form; it
    # runs the program under a shell all the same.
    value = image.get(dotted)
    words = tuple(str(word) for word in value) if isinstance(value, list) else ()
    shell = _shell(image)
    if len(words) == len(shell) + 1 and words[: len(shell)] == shell:
        return words[-1].strip()
    return None


def _exec_form(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image starts its program in exec (JSON) form: FAIL when
    ``Config.Entrypoint`` is the shell form (the builder's ``/bin/sh -c`` wrapper, or the
    image's SHELL) and when ``Config.Cmd`` is, without a shell-form entrypoint that
    ignores it; a script that starts with ``exec`` hands over to the program and passes.
    NOT_APPLICABLE when the image sets neither. (The config keeps only the last CMD and
    ENTRYPOINT, so repeated ones are the Dockerfile's to show.)"""
    entrypoint = image.get("Config.Entrypoint")
    command = image.get("Config.Cmd")
    if not entrypoint and not command:
        return _finding(
            image,
            Status.NOT_APPLICABLE,
            "Config.Entrypoint and Config.Cmd are empty: the image names no program",
            image.evidence("Config.Entrypoint"),
            image.evidence("Config.Cmd"),
        )
    shell = " ".join(_shell(image))
    script = _shell_script(image, "Config.Entrypoint")
    if script is not None:
        if not script.startswith("exec "):
            return _finding(
                image,
                Status.FAIL,
                f"Config.Entrypoint is in shell form: the program runs under {shell} and "
                "does not get SIGTERM",
                image.evidence("Config.Entrypoint"),
            )
    elif (script := _shell_script(image, "Config.Cmd")) is not None and not script.startswith(
        "exec "
    ):
        return _finding(
            image,
            Status.FAIL,
            f"Config.Cmd is in shell form: the program runs under {shell} and may not get SIGTERM",
            image.evidence("Config.Cmd"),
        )
    present = [name for name, value in (("Entrypoint", entrypoint), ("Cmd", command)) if value]
    return _finding(
        image,
        Status.PASS,
        "the program starts in exec form",
        *(image.evidence(f"Config.{name}") for name in present),
    )


# -- WORKDIR --------------------------------------------------------------------------------


def _workdir_verdict(path: str) -> Finding:
    """The Dockerfile detector's finding for one ``WORKDIR path``: the image's working
    directories are judged by the very rule that judges a Dockerfile's."""
    # A backtick escape, so that a Windows path's backslash continues no line.
    text = f"# escape=`\nFROM scratch\nWORKDIR {path}\n"
    (finding,) = workdir_paths(
        ProjectFacts(root=Path("."), dockerfiles=[parse_dockerfile(text, "image config")])
    )
    return finding


def _workdir_paths(engine: EngineFacts, image: ImageFacts) -> Finding:
    """Whether the image's working directories are absolute paths outside system folders
    (``/proc``, ``/sys``, ``/dev``, ``/boot``...): ``Config.WorkingDir``, where its
    containers start, and every WORKDIR step of the history, each judged by the
    Dockerfile rule. NOT_APPLICABLE when there is neither (containers start in ``/``)."""
    judged: list[tuple[str, str, Evidence]] = []
    working_dir = str(image.get("Config.WorkingDir") or "").strip()
    if working_dir:
        judged.append(("Config.WorkingDir", working_dir, image.evidence("Config.WorkingDir")))
    for step in reversed(history_steps(image)):
        if step.keyword == "WORKDIR" and step.text.strip():
            judged.append((step.name, step.text.strip(), step_evidence(image, step)))
    if not judged:
        return _finding(
            image,
            Status.NOT_APPLICABLE,
            "Config.WorkingDir is empty and the history has no WORKDIR: containers start in /",
            image.evidence("Config.WorkingDir"),
        )
    hits = []
    for where, path, evidence in judged:
        verdict = _workdir_verdict(path)
        if verdict.status is Status.FAIL:
            hits.append((f"{where}: {verdict.reason}", evidence))
    if hits:
        return _finding(
            image,
            Status.FAIL,
            _with_more([reason for reason, _ in hits]),
            *list(dict.fromkeys(evidence for _, evidence in hits))[:_MAX_EVIDENCE],
        )
    return _finding(
        image,
        Status.PASS,
        "every working directory is an absolute path outside system folders",
        *list(dict.fromkeys(evidence for _, _, evidence in judged))[:_MAX_EVIDENCE],
    )


DETECTORS: dict[str, Detector] = {
    "final_user": per_image(_final_user),
    "healthcheck": per_image(_healthcheck),
    "exposed_ports": per_image(_exposed_ports),
    "secrets_in_arg_env": per_image(_secrets_in_arg_env),
    "copy_not_add": per_image(_copy_not_add),
    "package_index_update": per_image(_package_index_update),
    "sudo_usage": per_image(_sudo_usage),
    "exec_form": per_image(_exec_form),
    "workdir_paths": per_image(_workdir_paths),
}
"""The detectors of this module, by the names the checklists use."""
