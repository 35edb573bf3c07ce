"""User and privilege detectors: the final user, sudo, setuid and setgid bits."""

from __future__ import annotations

import re

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    base_evidence,
    each_dockerfile,
    evidence_at,
    judge_hits,
    make_finding,
    root_stage,
)
from reviewtui.detect.dockerfile_checks.packages import installed_packages, step_packages
from reviewtui.detect.dockerfile_checks.shell import Command, command_line, run_steps
from reviewtui.model import Finding, Status
from reviewtui.project.dockerfile import Dockerfile, ImageRef
from reviewtui.project.facts import ProjectFacts

# -- users, variables, secrets ---------------------------------------------------------------

# ContainerAdministrator is the administrator account of Windows containers.
_ROOT_USERS = frozenset({"root", "0", "containeradministrator"})
_ROOT_BY_DEFAULT_CHAINGUARD = frozenset({"wolfi-base", "chainguard-base", "busybox", "git"})

# Nano Server images from version 1709 on run as ContainerUser, the earlier ones (sac2016,
# 10.0.14393.*) as ContainerAdministrator, as Microsoft's Nano Server image notes say.
# Insider builds all postdate 1709.
_NANOSERVER_REPOSITORIES = frozenset({"windows/nanoserver", "nanoserver"})
_NANOSERVER_INSIDER_REPOSITORIES = frozenset(
    {
        "windows/nanoserver-insider",
        "windows/nanoserver/insider",
        "nanoserver-insider",
        "nanoserver/insider",
    }
)
_NANOSERVER_USER_TAG = re.compile(
    r"^(?:1709|1803|1809|1903|1909|2004|20h2|ltsc20(?:19|22|25)|10\.0\.(?:1[6-9]|2)\d{3})"
)
_WINDOWS_BASE = re.compile(r"servercore|nanoserver|^windows/")
# Images whose own Dockerfile ends with a non-root USER, each documented by its maker:
# the Jenkins controller images run as the jenkins user (jenkinsci/docker's Dockerfiles end
# with USER ${user}); SeleniumHQ's docker-selenium images run as seluser (uid 1200, USER
# ${SEL_UID} in its Base and Node Dockerfiles).
_NONROOT_IMAGE_USERS = {"jenkins/jenkins": "the jenkins user", "selenium/": "seluser"}


def _nonroot_base(ref: ImageRef | None) -> str | None:
    """Why a base image is known to run as a non-root user, or None."""
    if ref is None:
        return None
    tag = (ref.tag or "latest").lower()
    if ref.registry == "gcr.io" and ref.repository.startswith("distroless/") and "nonroot" in tag:
        return f"the base {ref.text} runs as the nonroot user (uid 65532)"
    if (
        ref.registry == "cgr.dev"
        and ref.repository.startswith("chainguard/")
        and ref.name not in _ROOT_BY_DEFAULT_CHAINGUARD
        and not tag.endswith("-dev")
    ):
        return f"the Chainguard base {ref.text} runs as a non-root user"
    if (
        ref.registry == "docker.io"
        and ref.repository.startswith("bitnami/")
        and ref.name not in ("minideb", "os-shell")
    ):
        return f"the Bitnami base {ref.text} runs as uid 1001"
    if ref.registry == "docker.io" and ref.repository == "nginxinc/nginx-unprivileged":
        return f"the base {ref.text} runs as the nginx user"
    if _nanoserver_runs_as_user(ref, tag):
        return f"the Nano Server base {ref.text} runs as ContainerUser"
    return _documented_nonroot_base(ref)


def _nanoserver_runs_as_user(ref: ImageRef, tag: str) -> bool:
    """Whether a Nano Server base is a 1709-or-later one, whose default user is ContainerUser."""
    if ref.registry != "mcr.microsoft.com":
        return False
    if ref.repository in _NANOSERVER_INSIDER_REPOSITORIES:
        return True
    return ref.repository in _NANOSERVER_REPOSITORIES and bool(_NANOSERVER_USER_TAG.match(tag))


def _documented_nonroot_base(ref: ImageRef) -> str | None:
    """Why a Docker Hub image whose own Dockerfile ends with a non-root USER is non-root."""
    if ref.registry != "docker.io":
        return None
    for prefix, user in _NONROOT_IMAGE_USERS.items():
        if ref.repository == prefix or (
            prefix.endswith("/") and ref.repository.startswith(prefix)
        ):
            return f"the base {ref.text} runs as {user}"
    return None


def _default_user_reason(ref: ImageRef | None) -> str:
    """The FAIL reason for a stage with no USER: root, or ContainerAdministrator on Windows."""
    if ref is not None and _WINDOWS_BASE.search(f"{ref.repository}:{ref.tag or ''}".lower()):
        return "no USER: the image's default user (ContainerAdministrator) applies"
    return "no USER: the image's default user (root) applies"


def final_user(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage runs as a non-root user.

    Judges the effective USER of the final stage (inherited through ``FROM <stage>``;
    a USER in a builder stage does not count). FAIL when none is set, unless the base is
    known to run as non-root (distroless ``nonroot`` tags, Chainguard, Bitnami,
    nginx-unprivileged), and for ``root``/``0`` with or without a group; UNKNOWN for
    ``USER $VAR`` without a default.
    """
    return each_dockerfile(facts, _judge_user)


def _judge_user(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    user, line = dockerfile.final_user()
    if user is None or line is None:
        root = root_stage(dockerfile)
        known = _nonroot_base(root.image_ref)
        if known:
            return make_finding(
                dockerfile, Status.PASS, f"no USER, but {known}", base_evidence(dockerfile)
            )
        return make_finding(
            dockerfile,
            Status.FAIL,
            _default_user_reason(root.image_ref),
            base_evidence(dockerfile),
        )
    evidence = [evidence_at(dockerfile, line)]
    if not user.strip():
        # The reader reports a bare USER as a problem; no reason is built from nothing.
        written = dockerfile.snippet_at(line)
        why = (
            "names no user, so Docker refuses the file"
            if written.upper() == "USER"
            else "expands to an empty name"
        )
        return make_finding(
            dockerfile, Status.UNKNOWN, f"the last USER (line {line}) {why}", evidence
        )
    if "$" in user:
        return make_finding(
            dockerfile,
            Status.UNKNOWN,
            f"USER {user} comes from a variable with no default",
            evidence,
        )
    name = user.split(":", 1)[0].strip()
    if name.lower() in _ROOT_USERS or not name:
        return make_finding(
            dockerfile, Status.FAIL, f"runs as root: the last USER is {user}", evidence
        )
    return make_finding(dockerfile, Status.PASS, f"runs as {user}", evidence)


# -- sudo ---------------------------------------------------------------------------------------

_SUDOERS_NOPASSWD = re.compile(r"\bNOPASSWD\s*:")


def sudo_usage(facts: ProjectFacts) -> list[Finding]:
    """Whether the final image leaves sudo out, so its user has no way back to root.

    Judged on the final stage's lineage. FAIL when a RUN runs a command through sudo
    (which needs sudo installed and set up to let the build user in), installs the sudo
    package, or writes a ``NOPASSWD`` sudoers rule. Installing ``sudo`` is not running
    it, and a package whose name merely contains the word is not sudo. sudo used only
    in a build stage does not ship and passes.
    """
    return each_dockerfile(facts, _judge_sudo)


def _judge_sudo(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    build_only = False
    for step in run_steps(dockerfile):
        if not step.holds("sudo", "NOPASSWD"):
            continue
        uses = [command for command in step.commands if "sudo" in command.wrappers]
        if not step.ships:
            build_only = build_only or bool(uses)
            continue
        for command in uses:
            line = command_line(dockerfile, step, command, "sudo")
            hits.append(Hit(line, f"RUN runs {command.name or 'a command'} through sudo"))
        for parsed in step_packages(step, dockerfile):
            if any(package_name(p) == "sudo" for p in installed_packages(parsed)):
                line = command_line(dockerfile, step, parsed.command, "sudo")
                hits.append(
                    Hit(line, "the final stage installs sudo, a way back to root for its user")
                )
        if "NOPASSWD" in step.text or "NOPASSWD" in step.data:
            match = _SUDOERS_NOPASSWD.search(step.text + "\n" + step.data)
            if match:
                line = dockerfile.line_matching(step.instruction, _SUDOERS_NOPASSWD)
                hits.append(Hit(line, "RUN grants passwordless sudo (NOPASSWD)"))
    reason = (
        "sudo is used only in build stages, which do not ship"
        if build_only
        else "the final stage neither installs nor uses sudo"
    )
    return judge_hits(dockerfile, hits, reason)


def package_name(package: str) -> str:
    """The name of ``sudo=1.9``, ``sudo-1.9.5`` or ``sudo``."""
    for separator in ("=", "<", ">", "~"):
        package = package.split(separator, 1)[0]
    if package.startswith("sudo-") and package[5:6].isdigit():
        return "sudo"
    return package


# -- setuid and setgid bits ------------------------------------------------------------------

# chmod modes that clear (u-s, a-s, -s, ug-s) or set (u+s, +s, a+s, 4755, 6755) setuid.
_CLEARS_SETUID = re.compile(r"^[ugoa]*-[rwxXt]*s")
_SETS_SETUID = re.compile(r"^([ua]*\+[rwxXt]*s|[4-7][0-7]{3})$")
_INSTALL_SETUID = re.compile(r"\binstall\b[^\n;&|]*\s-m\s*[4-7][0-7]{3}\b")
_EMPTY_BASES = (("gcr.io", "distroless/"), ("cgr.dev", "chainguard/static"))


def _setuid_change(command: Command) -> str | None:
    """``strip`` or ``set`` when this command changes setuid bits, else None."""
    if command.name == "chmod":
        modes = [arg for arg in command.args if not arg.startswith("-") or "s" in arg]
        for mode in modes[:1] + [arg for arg in command.args if "," in arg]:
            for part in mode.split(","):
                if _CLEARS_SETUID.match(part):
                    return "strip"
                if _SETS_SETUID.match(part):
                    return "set"
    elif command.name == "find" and "chmod" in command.args:
        after = command.args[command.args.index("chmod") + 1 :]
        if any(_CLEARS_SETUID.match(arg) for arg in after):
            return "strip"
    elif command.name == "install" and "-m" in command.args:
        index = command.args.index("-m")
        if index + 1 < len(command.args) and _SETS_SETUID.match(command.args[index + 1]):
            return "set"
    return None


def setuid_stripped(facts: ProjectFacts) -> list[Finding]:
    """Whether the final image is free of setuid and setgid programs it does not need.

    Judged on the final stage's lineage. PASS when a RUN strips the bits (``chmod a-s``,
    ``find / -perm /6000 -exec chmod a-s {} +``) after any RUN that sets them, or when
    the final stage starts from scratch, distroless or Chainguard static, which carry no
    such programs. FAIL when a RUN sets setuid (``chmod u+s``, ``chmod 4755``) and
    nothing strips it later. UNKNOWN otherwise: the base image's own setuid programs
    (su, passwd, mount...) are only seen in the built image.
    """
    return each_dockerfile(facts, _judge_setuid)


def _judge_setuid(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    last: tuple[str, int] | None = None  # the last change of setuid bits, and its line
    for step in run_steps(dockerfile):
        if not step.ships or not (step.holds("chmod") or _INSTALL_SETUID.search(step.text)):
            continue
        for command in step.commands:
            change = _setuid_change(command)
            if change is not None:
                needle = command.name if change == "set" else "chmod"
                last = (change, command_line(dockerfile, step, command, needle))
    if last is not None and last[0] == "set":
        hit = Hit(last[1], "RUN sets the setuid bit and nothing strips it later")
        return judge_hits(dockerfile, [hit], "")
    if last is not None:
        return judge_hits(dockerfile, [], "RUN strips setuid and setgid bits", [last[1]])
    root = root_stage(dockerfile)
    ref = root.image_ref
    if root.is_scratch or (
        ref is not None
        and any(
            ref.registry == registry and ref.repository.startswith(prefix)
            for registry, prefix in _EMPTY_BASES
        )
    ):
        return make_finding(
            dockerfile,
            Status.PASS,
            f"the final stage starts from {root.image}, which has no setuid programs",
            base_evidence(dockerfile),
        )
    return make_finding(
        dockerfile,
        Status.UNKNOWN,
        "nothing strips setuid and setgid bits; whether the base image has such programs "
        "shows only in the built image",
        base_evidence(dockerfile),
    )


DETECTORS: dict[str, Detector] = {
    "final_user": final_user,
    "sudo_usage": sudo_usage,
    "setuid_stripped": setuid_stripped,
}
"""The detectors of this module, by the names the checklists use."""
