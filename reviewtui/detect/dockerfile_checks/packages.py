"""Package manager detectors: pinned versions, no caches or recommended extras left behind.

Package commands are read from the parsed RUN steps (see ``shell``): the tool, its action
(``install``, ``update``...), its options and its operands with option values removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    each_dockerfile,
    judge_hits,
)
from reviewtui.detect.dockerfile_checks.shell import (
    Command,
    RunStep,
    command_line,
    powershell_commands,
    rewritten,
    run_steps,
)
from reviewtui.model import Finding
from reviewtui.project.dockerfile import Dockerfile, expand_variables
from reviewtui.project.facts import ProjectFacts

# Each program by the tool family whose options and actions it shares.
_TOOLS = {
    "apt-get": "apt",
    "apt": "apt",
    "aptitude": "apt",
    "apk": "apk",
    "yum": "rpm",
    "dnf": "rpm",
    "microdnf": "rpm",
    "tdnf": "rpm",
    "zypper": "zypper",
    "pip": "pip",
    "pip3": "pip",
    "pip2": "pip",
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "gem": "gem",
    "go": "go",
}
# Words one of the tools' names holds; a RUN without any runs none of them.
_TOOL_WORDS = ("apt", "apk", "yum", "dnf", "zypper", "pip", "npm", "yarn", "pnpm", "gem", "go")
# Options that take their value in the next word, by tool family.
_VALUE_OPTIONS = {
    "apt": frozenset("-o -c -t -a --option --config-file --target-release".split()),
    "apk": frozenset(
        "-X -p -t --repository --root --arch --virtual --repositories-file --keys-dir "
        "--cache-dir".split()
    ),
    "rpm": frozenset(
        "-c -x -d -e --config --exclude --installroot --releasever --enablerepo "
        "--disablerepo --setopt --repo --repoid".split()
    ),
    "zypper": frozenset("-r -R -t --repo --from --root --type".split()),
    "pip": frozenset(
        "-r -c -e -i -f -t --requirement --constraint --editable --index-url "
        "--extra-index-url --find-links --target --prefix --root --platform --python-version "
        "--implementation --abi --trusted-host --cert --client-cert --proxy --timeout "
        "--retries --src --global-option --config-settings --no-binary --only-binary "
        "--progress-bar --log --cache-dir --upgrade-strategy".split()
    ),
    "npm": frozenset("--prefix --registry --cache --tag -C --dir --cwd".split()),
    "gem": frozenset("-v -i -n -s --version --install-dir --bindir --source --platform".split()),
    "go": frozenset({"-o", "-ldflags", "-tags", "-gcflags", "-mod", "-C"}),
}
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REDIRECTION = re.compile(r"^\d*(>>?|<|&>)")

INSTALL_ACTIONS = {
    "apt": frozenset({"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep"}),
    "apk": frozenset({"add", "upgrade", "fix"}),
    "rpm": frozenset(
        {"install", "update", "upgrade", "groupinstall", "reinstall", "downgrade", "builddep"}
    ),
    "zypper": frozenset(
        {"install", "in", "update", "up", "patch", "dist-upgrade", "dup", "source-install", "si"}
    ),
}
INDEX_UPDATES = {
    "apt": frozenset({"update"}),
    "apk": frozenset({"update"}),
    "rpm": frozenset({"makecache"}),
    "zypper": frozenset({"refresh", "ref"}),
}


@dataclass(frozen=True, slots=True)
class PackageCommand:
    """A package manager command: ``tool`` family, ``program``, ``action`` and the rest.

    ``options`` are the option words (a ``--name=value`` option as ``--name``);
    ``operands`` the words after the action that are neither options nor their values.
    """

    command: Command
    tool: str
    program: str
    action: str
    options: frozenset[str]
    operands: tuple[str, ...]

    def has(self, *options: str) -> bool:
        """True when any of ``options`` was given."""
        return any(option in self.options for option in options)


def package_command(command: Command) -> PackageCommand | None:
    """The package manager command ``command`` runs, or None."""
    name = command.name
    if name not in _TOOLS and not name.startswith(("python", "pip")):
        return None
    args = command.args
    if name.startswith("python") and args[:2] == ("-m", "pip"):
        name, args = "pip", args[2:]
    elif name.startswith("pip") and name not in _TOOLS and name[3:].replace(".", "").isdigit():
        name = "pip"
    tool = _TOOLS.get(name)
    if tool is None:
        return None
    takes = _VALUE_OPTIONS.get(tool, frozenset())
    options: set[str] = set()
    words: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if _REDIRECTION.match(word):
            if word in (">", ">>", "<", "2>", "&>", "1>"):
                index += 1
            continue
        if word.startswith("-") and word != "-":
            option = word.split("=", 1)[0]
            options.add(option)
            if "=" not in word and option in takes:
                index += 1
            continue
        words.append(word)
    action = words[0] if words else ""
    return PackageCommand(command, tool, name, action, frozenset(options), tuple(words[1:]))


def step_packages(step: RunStep, dockerfile: Dockerfile) -> list[PackageCommand]:
    """The package manager commands of a RUN step, parsed once and kept on the step.

    Variables in their words are replaced by values assigned earlier in the same RUN
    (``PKGS="a b" && dnf install $PKGS``), then by the ARG and ENV defaults in effect; the
    ``command`` of each result is still the step's own command. PowerShell steps are read
    statement by statement.
    """
    if step.packages is None:
        if not step.holds(*_TOOL_WORDS):
            step.packages = []
            return step.packages
        commands = step.commands if step.posix else _windows_commands(step)
        found = _package_commands(dockerfile, step, commands)
        step.packages = [parsed for parsed in found if parsed is not None]
    return step.packages  # type: ignore[no-any-return]


def _windows_commands(step: RunStep) -> list[Command]:
    return powershell_commands(step) if step.powershell else []


def _package_commands(
    dockerfile: Dockerfile, step: RunStep, commands: list[Command]
) -> list[PackageCommand | None]:
    found: list[PackageCommand | None] = []
    assigned: dict[str, str | None] = {}
    for command in commands:
        if not command.nested and (not command.argv or command.name == "export"):
            _note_assignments(command, assigned)
            continue
        parsed = package_command(command)
        if parsed is not None and "$" in command.raw:
            parsed = _expanded(dockerfile, step, command, assigned) or parsed
        found.append(parsed)
    return found


def _note_assignments(command: Command, assigned: dict[str, str | None]) -> None:
    """Keep the ``NAME=value`` words of an assignment or ``export`` command."""
    for word in command.words:
        name, equals, value = word.partition("=")
        if equals and _VARIABLE_NAME.match(name):
            # ``pkg="$pkg-jre"`` builds on the value before it.
            assigned[name] = expand_variables(value, assigned)[0] if "$" in value else value


def _expanded(
    dockerfile: Dockerfile, step: RunStep, command: Command, assigned: dict[str, str | None]
) -> PackageCommand | None:
    """The package command parsed from ``command`` with its variables substituted."""
    text = command.raw
    if assigned:
        text, _ = expand_variables(text, assigned)
    text, _ = dockerfile.expand(text, step.stage, step.source.start_line)
    if text == command.raw:
        return None
    parsed = package_command(rewritten(command, text))
    if parsed is None:
        return None
    return PackageCommand(
        command, parsed.tool, parsed.program, parsed.action, parsed.options, parsed.operands
    )


def _step_packages(dockerfile: Dockerfile) -> list[tuple[RunStep, list[PackageCommand]]]:
    return [(step, step_packages(step, dockerfile)) for step in run_steps(dockerfile)]


def installs(parsed: PackageCommand) -> bool:
    """True for an install or upgrade action of an OS package manager."""
    return parsed.action in INSTALL_ACTIONS.get(parsed.tool, ())


def installed_packages(parsed: PackageCommand) -> tuple[str, ...]:
    """The packages an OS package install names, with any version suffix."""
    if parsed.action not in ("install", "add", "in"):
        return ()
    return parsed.operands


# -- pinned versions ------------------------------------------------------------------------

_RPM_VERSION = re.compile(r"-\d[\w.+~^]*(-[\w.+~^]+)?(\.(noarch|x86_64|aarch64|i686))?$")
_PIP_PINNED = re.compile(r"===?|~=|@")
_FLOATING_VERSIONS = frozenset({"latest", "next", "master", "main", "head", "canary", "tip"})


def _local(package: str) -> bool:
    """True for a file, folder, URL or variable: nothing a registry resolves by name."""
    return (
        "$" in package
        or package.startswith((".", "/", "~"))
        or "://" in package
        or package.endswith((".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".zip", ".gem"))
    )


def _unpinned(parsed: PackageCommand) -> list[str]:
    """The packages this command installs without naming a version."""
    tool, action, operands = parsed.tool, parsed.action, parsed.operands
    if tool == "apt" and action == "install":
        return [p for p in operands if "=" not in p and not _local(p)]
    if tool == "apk" and action == "add":
        return [p for p in operands if not re.search(r"[=~<>]", p) and not _local(p)]
    if tool == "rpm" and action == "install":
        return [
            p
            for p in operands
            if not _RPM_VERSION.search(p) and not _local(p) and not p.startswith("@")
        ]
    if tool == "zypper" and action in ("install", "in"):
        return [
            p
            for p in operands
            if not re.search(r"[=<>]", p) and not _RPM_VERSION.search(p) and not _local(p)
        ]
    if tool == "pip" and action == "install":
        if parsed.has("-r", "--requirement", "-c", "--constraint", "--require-hashes"):
            return []
        return [p for p in operands if not _PIP_PINNED.search(p) and not _local(p)]
    if tool == "npm":
        return _unpinned_npm(parsed)
    if tool == "gem" and action == "install":
        if parsed.has("-v", "--version"):
            return []
        return [p for p in operands if ":" not in p and not _local(p)]
    if tool == "go" and action in ("install", "get"):
        return [p for p in operands if not _local(p) and _go_floating(p)]
    return []


def _unpinned_npm(parsed: PackageCommand) -> list[str]:
    """npm/yarn/pnpm packages added by name without a version (a lockfile pins the rest)."""
    if parsed.program == "npm" and parsed.action not in ("install", "i", "add"):
        return []
    if parsed.program != "npm" and parsed.action != "add":
        if not (parsed.action == "global" and parsed.operands[:1] == ("add",)):
            return []
        operands = parsed.operands[1:]
    else:
        operands = parsed.operands
    unpinned = []
    for package in operands:
        if _local(package) or package.startswith(("git+", "github:")):
            continue
        name, _, version = package[1:].partition("@")
        if not version or version.lower() in _FLOATING_VERSIONS:
            unpinned.append(package)
    return unpinned


def _go_floating(package: str) -> bool:
    _, at, version = package.partition("@")
    return not at or version.lower() in _FLOATING_VERSIONS or version.lower() == "upgrade"


def packages_pinned(facts: ProjectFacts) -> list[Finding]:
    """Whether package installs in every stage name versions, and use apt-get, not apt.

    FAIL for apt-get, apk, yum/dnf/microdnf, zypper, pip, npm/yarn/pnpm, gem and
    ``go install``/``go get`` naming packages without a version (``latest`` counts as none), and
    for the ``apt`` command, whose output and options are not stable for scripts.
    Installs from a lockfile or requirements/constraints file, local files, URLs and
    variables are not judged. ``apt-get``, ``apt-key`` and ``apt-cache`` are not ``apt``.
    """
    return each_dockerfile(facts, _judge_pinned)


def _judge_pinned(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    seen_installs: list[int] = []
    for step, parsed_commands in _step_packages(dockerfile):
        for parsed in parsed_commands:
            if parsed.program == "apt" and parsed.action:
                line = command_line(dockerfile, step, parsed.command, "apt ")
                hits.append(
                    Hit(line, f"RUN uses apt {parsed.action}; apt-get is the scripting interface")
                )
            unpinned = _unpinned(parsed)
            if unpinned:
                line = command_line(dockerfile, step, parsed.command, unpinned[0])
                names = ", ".join(unpinned[:4]) + (", ..." if len(unpinned) > 4 else "")
                hits.append(
                    Hit(line, f"{parsed.program} {parsed.action} names {names} without a version")
                )
            elif parsed.operands or parsed.action:
                seen_installs.append(step.line)
    return judge_hits(
        dockerfile,
        hits,
        "every package install names its versions or installs from a lock or requirements file",
        seen_installs,
        None if seen_installs else "no RUN installs packages",
    )


# -- caches and recommended packages ---------------------------------------------------------

_CACHE_PATHS = {
    "apt": "/var/lib/apt/lists",
    "apk": "/var/cache/apk",
    "rpm": "/var/cache/",
    "zypper": "/var/cache/zypp",
    "pip": "/.cache",
}
# Options that only show what would happen.
_DRY_RUN = ("-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon")
_NO_RECOMMENDS_CONFIG = re.compile(r"""Install-Recommends\s*"?\s*(false|0|no)""", re.I)


def _cache_mounted(step: RunStep, path: str) -> bool:
    """True when a cache mount of the RUN covers ``path``, so nothing of it is in a layer."""
    for mount in step.instruction.mounts:
        target = mount.get("target") or mount.get("dst") or mount.get("destination") or ""
        if mount.get("type") == "cache" and target:
            if path in target or path.startswith(target.rstrip("/") + "/"):
                return True
    return False


def _removes(step: RunStep, after: int, path: str) -> bool:
    """True when a command after index ``after`` of the step deletes ``path`` or below."""
    for command in step.commands[after + 1 :]:
        if command.name == "rm" and any(path in arg for arg in command.args):
            return True
    return False


def _cleans(step: RunStep, index: int, parsed: PackageCommand) -> bool:
    """True when the step removes what this command left in the package cache."""
    tool = parsed.tool
    if _cache_mounted(step, _CACHE_PATHS[tool]) or _removes(step, index, _CACHE_PATHS[tool]):
        return True
    if tool == "apt":
        # apt 3's dist-clean deletes the lists as well as the downloaded packages.
        later = step.commands[index + 1 :]
        return any(c.name in ("apt-get", "apt") and "dist-clean" in c.args for c in later)
    if tool == "apk":
        # --no-network installs from what is already there and fetches no index.
        return parsed.has("--no-cache", "--no-network")
    if tool == "pip":
        return parsed.has("--no-cache-dir")
    if tool == "zypper":
        later = step.commands[index + 1 :]
        return any(c.name == "zypper" and {"clean", "cc"} & set(c.args) for c in later)
    if tool == "rpm":
        later = step.commands[index + 1 :]
        return any(
            c.name in ("yum", "dnf", "microdnf", "tdnf") and {"clean", "all"} <= set(c.args)
            for c in later
        )
    return False


def lean_package_installs(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage's package installs skip recommended packages and caches.

    Judged on the final stage's lineage only (build stages do not ship). FAIL for
    ``apt-get install`` without ``--no-install-recommends`` (unless apt is configured
    with ``Install-Recommends "false"``); for an ``apt-get update`` whose lists are not
    deleted later in the same RUN; ``apk add`` without ``--no-cache``; yum/dnf/microdnf
    without ``clean all``; zypper without ``zypper clean``; pip without
    ``--no-cache-dir`` (or ``PIP_NO_CACHE_DIR``). A cache mount on the cache folder, or
    deleting it after the install in the same RUN, counts as clean.
    """
    return each_dockerfile(facts, _judge_lean)


def _judge_lean(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    install_lines: list[int] = []
    no_recommends = False
    no_pip_cache = any(
        name == "PIP_NO_CACHE_DIR" and value
        for instruction in dockerfile.effective_all("ENV")
        for name, value in instruction.assignments
    )
    for step, parsed_commands in _step_packages(dockerfile):
        if not step.ships:
            continue
        if "Recommends" in step.text and _NO_RECOMMENDS_CONFIG.search(step.text):
            no_recommends = True
        indexes = {id(command): i for i, command in enumerate(step.commands)}
        for parsed in parsed_commands:
            # PowerShell commands are not among step.commands: no later command cleans.
            index = indexes.get(id(parsed.command), len(step.commands))
            reason = _lean_problem(step, index, parsed, no_recommends, no_pip_cache)
            if reason is None:
                if installs(parsed) or parsed.tool == "pip":
                    install_lines.append(step.line)
                continue
            hits.append(Hit(command_line(dockerfile, step, parsed.command), reason))
    return judge_hits(
        dockerfile,
        hits,
        "the final stage's package installs leave no caches or recommended extras",
        install_lines,
        None if install_lines else "the final stage installs no packages",
    )


def _lean_problem(
    step: RunStep, index: int, parsed: PackageCommand, no_recommends: bool, no_pip_cache: bool
) -> str | None:
    """Why this package command leaves more in the image than it needs, or None."""
    tool, program, action = parsed.tool, parsed.program, parsed.action
    if parsed.has(*_DRY_RUN):
        return None
    if tool == "apt" and action == "install" and not no_recommends:
        recommends_off = parsed.has("--no-install-recommends") or any(
            _NO_RECOMMENDS_CONFIG.search(arg) for arg in parsed.command.args
        )
        if not recommends_off:
            return f"{program} install without --no-install-recommends pulls in extra packages"
    if tool == "apt" and action == "update" and not _cleans(step, index, parsed):
        return f"{program} update leaves /var/lib/apt/lists in the layer"
    if tool == "apk" and action in ("add", "upgrade") and not _cleans(step, index, parsed):
        return f"apk {action} without --no-cache keeps the package index in the layer"
    if tool in ("rpm", "zypper") and installs(parsed) and not _cleans(step, index, parsed):
        cleaner = "zypper clean" if tool == "zypper" else f"{program} clean all"
        return f"{program} {action} without {cleaner} leaves its cache in the layer"
    if tool == "pip" and action == "install" and not no_pip_cache:
        if not _cleans(step, index, parsed):
            return "pip install without --no-cache-dir keeps downloaded packages in the layer"
    return None


DETECTORS: dict[str, Detector] = {
    "packages_pinned": packages_pinned,
    "lean_package_installs": lean_package_installs,
}
"""The detectors of this module, by the names the checklists use."""
