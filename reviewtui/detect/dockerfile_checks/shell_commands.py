"""RUN command detectors: passwords set, index updates without installs, pipes without
pipefail."""

from __future__ import annotations

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    each_dockerfile,
    judge_hits,
    unique_lines,
)
from reviewtui.detect.dockerfile_checks.packages import (
    INDEX_UPDATES,
    INSTALL_ACTIONS,
    step_packages,
)
from reviewtui.detect.dockerfile_checks.shell import (
    SHELLS,
    Command,
    RunStep,
    command_line,
    run_steps,
    where,
)
from reviewtui.model import Finding
from reviewtui.project.dockerfile import Dockerfile
from reviewtui.project.facts import ProjectFacts

# -- passwords set in the image ---------------------------------------------------------------

_LOCKED_PASSWORDS = frozenset({"*", "!", "!!", "x", ""})


def _sets_password(command: Command) -> str | None:
    """What this command does to set a login password, or None."""
    name, args = command.name, command.args
    if name == "chpasswd":
        return "chpasswd sets a password"
    if name == "passwd" and (command.position > 0 or "--stdin" in args):
        return "passwd reads a new password from a pipe"
    if name in ("usermod", "useradd", "adduser"):
        for index, arg in enumerate(args):
            if arg in ("-p", "--password") and index + 1 < len(args):
                if args[index + 1] not in _LOCKED_PASSWORDS:
                    return f"{name} {arg} sets a password"
            elif arg.startswith("--password=") and arg[11:] not in _LOCKED_PASSWORDS:
                return f"{name} --password sets a password"
    return None


def password_setting(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage sets a login password in the image.

    Judged on the final stage's lineage (a password set in a build stage does not ship).
    FAIL for ``chpasswd``, ``passwd`` fed from a pipe or ``--stdin``, and ``usermod``/
    ``useradd -p`` with a password (``-p '*'`` or ``'!'``, which lock the account, do
    not count). The password, or its hash, is then in the image and its history.
    """
    return each_dockerfile(facts, _judge_passwords)


def _judge_passwords(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits = []
    for step in run_steps(dockerfile):
        if not step.ships or not step.holds("passwd", "usermod", "useradd", "adduser"):
            continue
        for command in step.commands:
            what = _sets_password(command)
            if what:
                line = command_line(dockerfile, step, command)
                hits.append(Hit(line, f"{where(step)}: {what}, stored in the image"))
    return judge_hits(dockerfile, unique_lines(hits), "no RUN of the final stage sets a password")


# -- package index updates ---------------------------------------------------------------------


def may_install(command: Command) -> bool:
    """True for a script or make target that may install packages itself."""
    name = command.name
    return (
        "/" in (command.argv[0] if command.argv else "")
        or name.endswith(".sh")
        or name in ("make", "xargs")
        or (name in SHELLS and any(not arg.startswith("-") for arg in command.args))
    )


def package_index_update(facts: ProjectFacts) -> list[Finding]:
    """Whether every package index update is used by an install in the same RUN.

    Looks at every stage. FAIL for a RUN that runs ``apt-get update``, ``apk update``,
    ``yum``/``dnf makecache`` or ``zypper refresh`` and installs or upgrades nothing in
    the same RUN: the cached layer keeps the old index, and a later install uses it.
    ``update-ca-certificates``, ``update-ca-trust`` and ``update-alternatives`` are not
    index updates; a RUN that also runs a script is given the benefit of the doubt.
    Upgrading packages is not judged here (it patches, at the cost of reproducibility).
    """
    return each_dockerfile(facts, _judge_index_update)


def _judge_index_update(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits = []
    used: list[int] = []
    for step in run_steps(dockerfile):
        if not step_packages(step, dockerfile):
            continue
        updates: list[Command] = []
        installed = False
        parsed_by_command = {
            id(parsed.command): parsed for parsed in step_packages(step, dockerfile)
        }
        for command in step.commands:
            parsed = parsed_by_command.get(id(command))
            if parsed is None:
                installed = installed or may_install(command)
                continue
            if parsed.action in INDEX_UPDATES.get(parsed.tool, ()):
                updates.append(command)
            elif parsed.action in INSTALL_ACTIONS.get(parsed.tool, ()) or parsed.has(
                "--update", "-U"
            ):
                installed = True
        if updates and not installed:
            command = updates[0]
            line = command_line(dockerfile, step, command, "update")
            verb = " ".join(command.argv[:2])
            hits.append(Hit(line, f"{where(step)} runs {verb} without installing anything"))
        elif updates:
            used.append(step.line)
    return judge_hits(
        dockerfile,
        hits,
        "every package index update is followed by an install in the same RUN",
        used,
        None if used else "no RUN updates a package index",
    )


# -- pipefail ---------------------------------------------------------------------------------

_CLOSERS = frozenset({"}", "done", "fi", "esac"})
# TODO: a { ...; } group of echo lines piped into tee is still reported.
_HARMLESS_SOURCES = frozenset({"echo", "printf", "cat", "yes", "true", "printenv"})


def _sets_pipefail(command: Command) -> bool:
    if command.name != "set":
        return False
    args = command.args
    return "pipefail" in args and any(a.startswith("-") and "o" in a for a in args)


def pipefail(facts: ProjectFacts) -> list[Finding]:
    """Whether RUN pipelines fail when a command before the last one fails.

    Looks at every stage. FAIL for a pipeline in a RUN whose shell does not run with
    ``-o pipefail`` (set by SHELL, ``set -o pipefail`` earlier in the same script, or
    ``bash -o pipefail -c``): ``curl … | tar x`` then succeeds on a failed download.
    Pipelines fed only by echo, printf or cat cannot hide a failure and pass.
    NOT_APPLICABLE when no RUN uses a pipe; PowerShell and cmd are not judged.
    """
    return each_dockerfile(facts, _judge_pipefail)


def _judge_pipefail(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    piped: list[int] = []
    for step in run_steps(dockerfile):
        if not step.posix or "|" not in step.text:
            continue
        hit = _unprotected_pipe(dockerfile, step)
        if hit is not None:
            piped.append(step.line)
            if hit.line:
                hits.append(hit)
    return judge_hits(
        dockerfile,
        hits,
        "every pipeline runs with pipefail or cannot hide a failure",
        piped,
        None if piped else "no RUN uses a pipe",
    )


def _unprotected_pipe(dockerfile: Dockerfile, step: RunStep) -> Hit | None:
    """The first pipe of a RUN that hides a failure; a Hit with line 0 for safe pipes only.

    A pipe inside ``VAR="$(a | b)"`` counts: the assignment takes the status of the
    substitution, which stops the build under ``set -e`` or before ``&&`` only when
    pipefail makes it report ``a`` failing. A pipe inside ``$(...)`` used as an argument of
    another command is left alone: that command's status ignores the substitution's, so
    pipefail changes nothing there.
    """
    protected = step.pipefail_shell
    errexit = False
    pending: list[Command] = []
    seen = False
    for command in step.commands:
        if command.nested:
            if command.op in ("|", "|&"):
                pending.append(command)
            continue
        if _sets_pipefail(command):
            protected = True
        errexit = errexit or _sets_errexit(command)
        candidates = pending if _is_assignment(command) and (errexit or command.op == "&&") else []
        pending = []
        if command.op in ("|", "|&"):
            candidates.append(command)
        for candidate in candidates:
            seen = True
            if protected or candidate.name in _HARMLESS_SOURCES or not candidate.name:
                continue
            return _pipe_hit(dockerfile, step, candidate)
    return Hit(0, "") if seen else None


def _pipe_hit(dockerfile: Dockerfile, step: RunStep, command: Command) -> Hit:
    line = command_line(dockerfile, step, command)
    what = "a compound command" if command.name in _CLOSERS else command.name
    return Hit(
        line,
        f"{where(step)} pipes {what} into another command without "
        "pipefail, so a failure of it is hidden",
    )


def _sets_errexit(command: Command) -> bool:
    """True for ``set -e`` (alone or in a cluster such as ``-eux``)."""
    if command.name != "set":
        return False
    args = command.args
    return "errexit" in args or any(a[:1] == "-" and a[1:2] != "-" and "e" in a for a in args)


def _is_assignment(command: Command) -> bool:
    """True for a command made of ``NAME=value`` assignments only, which runs no program."""
    # Reserved words such as ``then`` may come first: they are not in argv either.
    return not command.argv and any("=" in word for word in command.words)


DETECTORS: dict[str, Detector] = {
    "password_setting": password_setting,
    "package_index_update": package_index_update,
    "pipefail": pipefail,
}
"""The detectors of this module, by the names the checklists use."""
