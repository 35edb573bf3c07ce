"""Instruction detectors: COPY rather than ADD, HEALTHCHECK, EXPOSE, WORKDIR, CMD and
ENTRYPOINT form, the syntax frontend and deprecated instructions."""

from __future__ import annotations

import posixpath
import re

from reviewtui.detect.dockerfile_checks.context import (
    REMOTE_SOURCE,
    copy_sources,
)
from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    each_dockerfile,
    evidence_of,
    final_stage,
    judge_hits,
    make_finding,
)
from reviewtui.model import Finding, Status
from reviewtui.project.dockerfile import Dockerfile, Instruction, parse_image_ref
from reviewtui.project.facts import ProjectFacts

_ARCHIVE_SUFFIXES = tuple(
    ".tar .tar.gz .tgz .tar.bz2 .tbz2 .tbz .tar.xz .txz .tar.zst .tzst .tar.lz .tar.lzma".split()
)


def add_kind(instruction: Instruction) -> str:
    """``remote``, ``unverified`` (remote, no --checksum), ``archive`` or ``local``."""
    sources = copy_sources(instruction)
    if any(REMOTE_SOURCE.match(source) or source.endswith(".git") for source in sources):
        return "remote" if instruction.flag("checksum") else "unverified"
    if (
        sources
        and not instruction.heredocs
        and all(source.lower().endswith(_ARCHIVE_SUFFIXES) for source in sources)
    ):
        return "archive"
    return "local"


def copy_not_add(facts: ProjectFacts) -> list[Finding]:
    """Whether files come in with COPY rather than ADD, in every stage.

    FAIL for ADD of local files and of URLs (worst without ``--checksum``: the download
    is not verified); ADD of a local tar archive, which ADD unpacks and COPY cannot, is a
    PASS. PASS without any ADD.
    """
    return each_dockerfile(facts, _judge_add)


def _judge_add(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    # An ADD without a source is the reader's problem to report, not one to judge here.
    adds = [
        (ins, add_kind(ins))
        for ins in dockerfile.instructions
        if ins.keyword == "ADD" and (ins.heredocs or copy_sources(ins))
    ]
    for kind, reason in (
        ("unverified", "ADD downloads {source} without --checksum: the download is not verified"),
        ("remote", "ADD downloads {source}; use curl or wget with a checksum check, or COPY"),
        (
            "local",
            "ADD copies {source}; COPY does the same without unpacking archives or fetching URLs",
        ),
    ):
        bad = [ins for ins, found in adds if found == kind]
        if bad:
            sources = copy_sources(bad[0]) or ["an inline file"]
            return make_finding(
                dockerfile,
                Status.FAIL,
                reason.format(source=sources[0]),
                [evidence_of(dockerfile, ins) for ins, found in adds if found != "archive"],
            )
    if adds:
        return make_finding(
            dockerfile,
            Status.PASS,
            f"ADD extracts a local archive ({copy_sources(adds[0][0])[0]}), which COPY cannot",
            [evidence_of(dockerfile, ins) for ins, _ in adds],
        )
    copies = [ins for ins in dockerfile.instructions if ins.keyword == "COPY"]
    first = copies[0] if copies else final_stage(dockerfile).from_instruction
    return make_finding(
        dockerfile,
        Status.PASS,
        "no ADD: files come in with COPY",
        [evidence_of(dockerfile, first)],
    )


def healthcheck(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage defines a HEALTHCHECK (inherited through ``FROM <stage>``).

    FAIL when none is set or the last one is ``HEALTHCHECK NONE``. A base image's own
    HEALTHCHECK is not known from the files.
    """
    return each_dockerfile(facts, _judge_healthcheck)


def _judge_healthcheck(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    check = dockerfile.effective("HEALTHCHECK")
    if check is None:
        return make_finding(
            dockerfile,
            Status.FAIL,
            "no HEALTHCHECK in the final stage",
            [evidence_of(dockerfile, final_stage(dockerfile).from_instruction)],
        )
    if check.arguments.strip().upper().startswith("NONE"):
        return make_finding(
            dockerfile,
            Status.FAIL,
            "HEALTHCHECK NONE turns the health check off",
            [evidence_of(dockerfile, check)],
        )
    return make_finding(
        dockerfile,
        Status.PASS,
        "the final stage defines a HEALTHCHECK",
        [evidence_of(dockerfile, check)],
    )


# -- EXPOSE ---------------------------------------------------------------------------------

_PORT = re.compile(r"^(\d+)(?:-(\d+))?(?:/([A-Za-z]+))?$")
_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})
_SSH_PORT = 22


def _port_problem(word: str) -> str | None:
    """Why an EXPOSE word is not a valid port or is SSH's, or None."""
    match = _PORT.match(word)
    if match is None:
        return f"EXPOSE {word} is not a port number"
    low = int(match.group(1))
    high = int(match.group(2) or low)
    protocol = (match.group(3) or "tcp").lower()
    if high > 65535 or low > high:
        return f"EXPOSE {word} is outside the port range 0-65535"
    if protocol not in _PROTOCOLS:
        return f"EXPOSE {word} names the unknown protocol {protocol}"
    if low <= _SSH_PORT <= high:
        return f"EXPOSE {word} advertises SSH's port 22: the image seems to run an SSH server"
    return None


def exposed_ports(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage exposes valid ports and not SSH's port 22.

    Judged on the EXPOSE instructions of the final stage's lineage (EXPOSE is inherited
    through ``FROM <stage>``), with ARG and ENV defaults substituted. FAIL for port 22
    (also inside a range such as ``20-25``), ports above 65535, reversed ranges and
    unknown protocols; UNKNOWN when a port comes from a variable with no default;
    NOT_APPLICABLE without EXPOSE.
    """
    return each_dockerfile(facts, _judge_expose)


def _judge_expose(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    exposes = dockerfile.effective_all("EXPOSE")
    hits: list[Hit] = []
    unresolved: list[Instruction] = []
    for instruction in exposes:
        stage = dockerfile.stages[instruction.stage]
        for word in instruction.words:
            value, complete = dockerfile.expand(word, stage, instruction.start_line)
            if not complete:
                unresolved.append(instruction)
                continue
            problem = _port_problem(value)
            if problem:
                hits.append(Hit(instruction.start_line, problem))
    if not hits and unresolved:
        return make_finding(
            dockerfile,
            Status.UNKNOWN,
            f"EXPOSE {unresolved[0].arguments} comes from a variable with no default",
            [evidence_of(dockerfile, unresolved[0])],
        )
    return judge_hits(
        dockerfile,
        hits,
        "EXPOSE lists valid ports, and not SSH's port 22",
        [instruction.start_line for instruction in exposes],
        None if exposes else "the final stage exposes no port",
    )


# -- WORKDIR --------------------------------------------------------------------------------

_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:)?[\\/]")
_SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found")


def workdir_paths(facts: ProjectFacts) -> list[Finding]:
    """Whether every WORKDIR, in every stage, is an absolute path outside system folders.

    FAIL for a relative WORKDIR (it lands wherever the base image's working directory
    is) and for one in or under ``/proc``, ``/sys``, ``/dev``, ``/boot``, ``/initrd`` or
    ``/lost+found``. ARG and ENV defaults are substituted; a path from a variable with
    no default is not judged. NOT_APPLICABLE without WORKDIR.
    """
    return each_dockerfile(facts, _judge_workdir)


def _judge_workdir(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    workdirs = [ins for ins in dockerfile.instructions if ins.keyword == "WORKDIR"]
    hits: list[Hit] = []
    for instruction in workdirs:
        # The raw text, not shell words: a Windows path's backslashes are no escapes here.
        raw = instruction.arguments.strip().strip("\"'")
        if instruction.stage < 0 or not raw:
            continue
        stage = dockerfile.stages[instruction.stage]
        path, complete = dockerfile.expand(raw, stage, instruction.start_line)
        if not complete and path.startswith("$"):
            continue
        if not _WINDOWS_ABSOLUTE.match(path):
            hits.append(
                Hit(
                    instruction.start_line,
                    f"WORKDIR {path} is relative, so it depends on the base image's folder",
                )
            )
            continue
        normal = posixpath.normpath(path.replace("\\", "/"))
        system = next((d for d in _SYSTEM_DIRS if normal == d or normal.startswith(d + "/")), None)
        if system:
            hits.append(
                Hit(instruction.start_line, f"WORKDIR {path} is inside the system folder {system}")
            )
    return judge_hits(
        dockerfile,
        hits,
        "every WORKDIR is an absolute path outside system folders",
        [instruction.start_line for instruction in workdirs],
        None if workdirs else "no WORKDIR instruction",
    )


# -- CMD and ENTRYPOINT ---------------------------------------------------------------------


def _shell_form(instruction: Instruction) -> bool:
    """True for a shell-form command that does not ``exec`` its program."""
    if instruction.exec_form is not None:
        return False
    text = instruction.arguments.strip()
    return bool(text) and not text.startswith("exec ")


def exec_form(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage starts its program in exec (JSON) form, once.

    Judged on the final stage's lineage. FAIL when the effective ENTRYPOINT is in shell
    form (the program runs under ``/bin/sh -c`` and gets no SIGTERM on ``docker stop``),
    when the effective CMD is in shell form and no shell-form ENTRYPOINT ignores it, and
    when one stage sets CMD or ENTRYPOINT more than once (only the last counts). A shell
    form that starts with ``exec`` hands over to the program and passes. NOT_APPLICABLE
    when neither is set: the base image's command applies.
    """
    return each_dockerfile(facts, _judge_exec_form)


def _judge_exec_form(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    entrypoint = dockerfile.effective("ENTRYPOINT")
    command = dockerfile.effective("CMD")
    hits: list[Hit] = []
    if entrypoint is not None and _shell_form(entrypoint):
        hits.append(
            Hit(
                entrypoint.start_line,
                "ENTRYPOINT is in shell form: the program runs under /bin/sh -c and "
                "does not get SIGTERM",
            )
        )
    elif command is not None and _shell_form(command):
        hits.append(
            Hit(
                command.start_line,
                "CMD is in shell form: the program runs under /bin/sh -c and may not get SIGTERM",
            )
        )
    for stage in dockerfile.lineage():
        for keyword in ("ENTRYPOINT", "CMD"):
            found = stage.all(keyword)
            if len(found) > 1:
                hits.append(
                    Hit(
                        found[-1].start_line,
                        f"{keyword} is set {len(found)} times in one stage; only the last counts",
                    )
                )
    present = [ins.start_line for ins in (entrypoint, command) if ins is not None]
    return judge_hits(
        dockerfile,
        hits,
        "the program starts in exec form",
        present,
        None if present else "no CMD or ENTRYPOINT: the base image's command applies",
    )


# -- syntax frontend and deprecated instructions ----------------------------------------------

_FULL_VERSION = re.compile(r"^\d+\.\d+\.\d+")


def dockerfile_syntax(facts: ProjectFacts) -> list[Finding]:
    """Whether a ``# syntax=`` frontend is pinned and deprecated MAINTAINER is gone.

    The frontend named by ``# syntax=`` is an image the builder pulls and runs to read
    the Dockerfile. FAIL when it is named by a tag that moves (no tag, ``latest``,
    ``1``, ``1.7``, ``1-labs``) rather than a full version or a digest, and for any
    MAINTAINER instruction. No ``# syntax=`` line passes: the builder's own frontend
    reads the file.
    """
    return each_dockerfile(facts, _judge_syntax)


def _judge_syntax(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    directive = dockerfile.directives.get("syntax")
    if directive is not None:
        ref = parse_image_ref(directive.value)
        pinned = ref is not None and (
            ref.digest is not None or bool(ref.tag and _FULL_VERSION.match(ref.tag))
        )
        if not pinned:
            hits.append(
                Hit(
                    directive.line,
                    f"# syntax={directive.value} pulls the BuildKit frontend by a tag that "
                    "moves; pin a full version or a digest",
                )
            )
    for instruction in dockerfile.instructions:
        if instruction.keyword == "MAINTAINER":
            hits.append(
                Hit(
                    instruction.start_line,
                    "MAINTAINER is deprecated; LABEL org.opencontainers.image.authors replaces it",
                )
            )
    reason = (
        f"the frontend {directive.value} is pinned and no MAINTAINER is used"
        if directive is not None
        else "no # syntax= frontend to pin, and no MAINTAINER"
    )
    return judge_hits(dockerfile, hits, reason, [directive.line] if directive else [])


DETECTORS: dict[str, Detector] = {
    "copy_not_add": copy_not_add,
    "healthcheck": healthcheck,
    "exposed_ports": exposed_ports,
    "workdir_paths": workdir_paths,
    "exec_form": exec_form,
    "dockerfile_syntax": dockerfile_syntax,
}
"""The detectors of this module, by the names the checklists use."""
