"""Download detectors: no downloads piped into a shell, downloads checked before use."""

from __future__ import annotations

import posixpath
import re

from reviewtui.detect.dockerfile_checks.context import REMOTE_SOURCE, copy_sources
from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    each_dockerfile,
    judge_hits,
    unique_lines,
)
from reviewtui.detect.dockerfile_checks.shell import (
    CURL_VALUE_LETTERS,
    DOWNLOADERS,
    INTERPRETERS,
    SHELLS,
    URL,
    WGET_VALUE_LETTERS,
    Command,
    RunStep,
    command_line,
    run_steps,
    short_flags,
    where,
)
from reviewtui.model import Finding
from reviewtui.project.dockerfile import Dockerfile
from reviewtui.project.facts import ProjectFacts

# -- pipe to shell ------------------------------------------------------------------------------

_SUBSTITUTED_DOWNLOAD = re.compile(r"(\$\(|`|<\()\s*(sudo\s+)?(\S*/)?(curl|wget)\b")
_POWERSHELL_EXEC = re.compile(r"(?i)\b(iex|invoke-expression)\b")
_POWERSHELL_DOWNLOAD = re.compile(
    r"(?i)downloadstring|invoke-webrequest|invoke-restmethod|\biwr\b|\birm\b"
)


def _reads_stdin_as_code(command: Command) -> bool:
    """True for a shell or interpreter that runs what comes in on standard input."""
    name, args = command.name, command.args
    if name in SHELLS:
        operands = []
        for arg in args:
            if arg == "--":
                break
            if not arg.startswith("-"):
                operands.append(arg)
            elif "c" in arg.lstrip("-") and not arg.startswith("--"):
                return False  # sh -c SCRIPT reads stdin as data
        return not operands or operands[0] == "-"
    if name in INTERPRETERS or name.startswith("python"):
        for arg in args:
            if arg in ("-c", "-e", "-m", "-r", "-E", "-Command", "-File"):
                return False
            if not arg.startswith("-"):
                return False
        return True
    if name in ("source", "."):
        return not args or args[0] in ("/dev/stdin", "-")
    return False


def _pipe_to_shell(step: RunStep) -> list[tuple[Command, str]]:
    """(command, how) for each place this step runs downloaded code directly."""
    # TODO: a download saved to a file and run in a later RUN is left to the
    # download-verification item; curl -o x.sh && sh x.sh in one RUN is found there too.
    found = []
    pipelines: dict[int, list[Command]] = {}
    for command in step.commands:
        pipelines.setdefault(command.pipeline, []).append(command)
    for members in pipelines.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda command: command.position)
        download = next((c for c in members[:-1] if c.name in DOWNLOADERS), None)
        if download is None:
            continue
        later = members[members.index(download) + 1 :]
        runner = next((c for c in later if _reads_stdin_as_code(c)), None)
        if runner is not None:
            found.append((download, f"pipes {download.name} into {runner.name}"))
    if not _SUBSTITUTED_DOWNLOAD.search(step.text):
        return found
    for command in step.commands:
        if command.nested or not _SUBSTITUTED_DOWNLOAD.search(command.raw):
            continue
        name = command.name
        if name in SHELLS or name in INTERPRETERS or name in ("eval", "source", "."):
            found.append((command, f"runs the output of a download with {name}"))
        elif command.argv and command.argv[0].startswith(("$(", "`")):
            found.append((command, "runs the output of a download as a command"))
    return found


def pipe_to_shell(facts: ProjectFacts) -> list[Finding]:
    """Whether any RUN, in any stage, runs downloaded code without saving and checking it.

    FAIL for ``curl … | sh``, ``wget -O- … | sudo bash``, ``curl … | python3``, ``bash
    <(curl …)``, ``sh -c "$(curl …)"``, ``eval "$(wget -O- …)"`` and PowerShell's
    ``iex`` of a download. A pipe into ``sh -c SCRIPT``, ``python -c`` or a tool that
    reads data (tar, gpg, tee) is no pipe to a shell. NOT_APPLICABLE when no RUN
    downloads anything.
    """
    return each_dockerfile(facts, _judge_pipe_to_shell)


def _judge_pipe_to_shell(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    download_lines: list[int] = []
    for step in run_steps(dockerfile):
        if not step.posix:
            if _POWERSHELL_EXEC.search(step.text) and _POWERSHELL_DOWNLOAD.search(step.text):
                line = dockerfile.line_matching(step.instruction, _POWERSHELL_EXEC)
                hits.append(Hit(line, f"{where(step)} runs a download with iex"))
            continue
        if not step.holds(*DOWNLOADERS):
            continue
        for command, how in _pipe_to_shell(step):
            line = command_line(dockerfile, step, command)
            hits.append(Hit(line, f"{where(step)} {how}: the script runs unchecked"))
        if step.named(*DOWNLOADERS):
            download_lines.append(step.line)
    return judge_hits(
        dockerfile,
        unique_lines(hits),
        "downloads are saved before they run; none is piped into a shell",
        download_lines,
        None if download_lines or hits else "no RUN downloads anything",
    )


# -- downloads without a checksum ---------------------------------------------------------------

_EXTRACTORS = frozenset(
    "tar bsdtar unzip gunzip gzip xz unxz bzip2 bunzip2 zstd unzstd 7z 7za cpio rpm2cpio "
    "jar".split()
)
_VERIFIERS = frozenset(
    "sha1sum sha224sum sha256sum sha384sum sha512sum md5sum shasum b2sum cksum gpgv "
    "minisign signify cosign slsa-verifier sigstore".split()
)


def _verifies(command: Command) -> bool:
    """True for a command that checks a checksum or signature."""
    name, args = command.name, command.args
    if name in _VERIFIERS:
        return True
    if name in ("gpg", "gpg2"):
        return any(arg.startswith("--verify") for arg in args)
    if name == "openssl":
        return any(arg in ("dgst", "sha256", "sha512") or arg == "-verify" for arg in args)
    if name == "rpm":
        return any(arg in ("-K", "--checksig") for arg in args)
    if name == "gh":
        return "attestation" in args
    return False


def _download_outputs(command: Command) -> list[str]:
    """The files a curl or wget command saves (``-`` for standard output)."""
    args = command.args
    urls = [arg for arg in args if URL.match(arg)]
    outputs: list[str] = []
    remote_name = False
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        value = args[index] if index < len(args) else ""
        if word in (">", ">>"):
            outputs.append(value)
            index += 1
        elif word.startswith(">") and len(word) > 1:
            outputs.append(word.lstrip(">"))
        elif (command.name == "curl" and word in ("-o", "--output")) or (
            command.name == "wget" and word in ("-O", "--output-document")
        ):
            outputs.append(value)
            index += 1
        elif word.startswith(("--output=", "--output-document=")):
            outputs.append(word.split("=", 1)[1])
        elif command.name == "curl" and word in ("-O", "--remote-name", "--remote-name-all"):
            remote_name = True
        elif word.startswith("-") and not word.startswith("--"):
            letters = short_flags(
                word, CURL_VALUE_LETTERS if command.name == "curl" else WGET_VALUE_LETTERS
            )
            last = letters[-1:] if letters else ""
            wants_file = last == "o" or (last == "O" and command.name == "wget")
            if wants_file:
                rest = word[word.index(last) + 1 :]
                outputs.append(rest or value)
                index += 0 if rest else 1
            elif "O" in letters:
                remote_name = True
    if command.name == "wget" and not outputs:
        remote_name = True
    if remote_name:
        outputs.extend(posixpath.basename(url.split("?", 1)[0]) for url in urls)
    return [output for output in outputs if output]


def _uses(command: Command, names: set[str]) -> bool:
    """True when ``command`` unpacks, installs or runs one of the files ``names``."""
    name, args = command.name, command.args
    if command.argv and posixpath.basename(command.argv[0]) in names:
        return True
    named = [arg for arg in args if posixpath.basename(arg.split("=", 1)[-1]) in names]
    if not named:
        return False
    if name in _EXTRACTORS or name in ("dpkg", "rpm", "apk", "apt-get", "apt", "yum", "dnf"):
        return True
    if name in ("microdnf", "zypper", "pip", "pip3", "gem", "npm"):
        return True
    if name in SHELLS or name in INTERPRETERS or name in ("source", ".", "java"):
        operands = [arg for arg in args if not arg.startswith("-")]
        return bool(operands) and operands[0] in named
    if name == "chmod":
        return any("x" in arg or arg[:1].isdigit() for arg in args if arg not in named)
    if name in ("mv", "cp", "install"):
        return "/bin" in args[-1] and args[-1] not in named
    return False


def _unverified_downloads(step: RunStep) -> list[tuple[Command, str]]:
    """Downloads this step unpacks, installs or runs with no checksum or signature check."""
    # TODO: any check in the RUN counts; which file a sha256sum -c or gpg --verify
    # covers, and whether the checksum came from the same server, is not traced.
    if any(_verifies(command) for command in step.commands):
        return []
    found = []
    commands = step.commands
    for index, command in enumerate(commands):
        if command.name not in DOWNLOADERS:
            continue
        if not any(URL.match(arg) or "$" in arg for arg in command.args):
            continue
        if command.op in ("|", "|&"):
            following = [c for c in commands[index + 1 :] if c.pipeline == command.pipeline]
            if following and following[0].name in _EXTRACTORS:
                found.append((command, f"pipes a download into {following[0].name}"))
            continue
        outputs = [o for o in _download_outputs(command) if o != "-"]
        names = {posixpath.basename(output) for output in outputs}
        if any("/bin/" in output for output in outputs):
            found.append((command, f"saves {outputs[0]} as a program"))
            continue
        user = next((c for c in commands[index + 1 :] if names and _uses(c, names)), None)
        if user is not None:
            found.append((command, f"downloads {min(names)} and {user.name} uses it"))
    return found


def download_verification(facts: ProjectFacts) -> list[Finding]:
    """Whether downloads that end up unpacked, installed or run are checked first.

    Looks at every stage. FAIL for ``ADD <url>`` without ``--checksum``, and for a RUN
    that fetches with curl or wget, then unpacks (tar, unzip...), installs (dpkg, rpm,
    pip...), runs, makes executable or saves into a ``bin`` folder what it fetched, with
    no checksum or signature check in the same RUN (``sha256sum``, ``shasum``, ``gpg
    --verify``, ``gpgv``, ``cosign``, ``minisign``...). A check of any file counts:
    which file a ``sha256sum -c`` covers is not traced. Downloads piped into a shell
    belong to the pipe-to-shell item. Keys and files only saved are not judged.
    NOT_APPLICABLE when nothing is downloaded.
    """
    return each_dockerfile(facts, _judge_downloads)


def _judge_downloads(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    checked: list[int] = []
    for instruction in dockerfile.instructions:
        if instruction.keyword != "ADD":
            continue
        remote = [s for s in copy_sources(instruction) if REMOTE_SOURCE.match(s)]
        if not remote:
            continue
        if instruction.flag("checksum") or _pinned_git(remote[0]):
            checked.append(instruction.start_line)
        else:
            reason = f"ADD downloads {remote[0]} without --checksum"
            line = dockerfile.line_containing(instruction, remote[0])
            hits.append(Hit(line, reason))
    for step in run_steps(dockerfile):
        if not step.posix or not step.holds(*DOWNLOADERS):
            continue
        for command, how in _unverified_downloads(step):
            line = command_line(dockerfile, step, command)
            hits.append(Hit(line, f"{where(step)} {how} with no checksum or signature check"))
        if step.named(*DOWNLOADERS):
            checked.append(step.line)
    return judge_hits(
        dockerfile,
        hits,
        "every download that is unpacked, installed or run is checked first, or none is",
        checked,
        None if checked or hits else "nothing is downloaded",
    )


def _pinned_git(source: str) -> bool:
    """True for a git source pinned to a full commit (``...#<40 hex digits>``)."""
    _, _, ref = source.partition("#")
    ref = ref.split(":", 1)[0]
    return len(ref) == 40 and all(ch in "0123456789abcdef" for ch in ref.lower())


DETECTORS: dict[str, Detector] = {
    "pipe_to_shell": pipe_to_shell,
    "download_verification": download_verification,
}
"""The detectors of this module, by the names the checklists use."""
