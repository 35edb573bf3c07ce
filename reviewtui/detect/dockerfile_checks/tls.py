"""TLS and signature detector: certificate and package signature checks left on."""

from __future__ import annotations

import posixpath
import re

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    assignment_line,
    each_dockerfile,
    judge_hits,
    unique_lines,
)
from reviewtui.detect.dockerfile_checks.shell import (
    CURL_VALUE_LETTERS,
    DOWNLOADERS,
    Command,
    RunStep,
    command_line,
    run_steps,
    short_flags,
    where,
    with_defaults,
)
from reviewtui.model import Finding
from reviewtui.project.dockerfile import Dockerfile, Instruction
from reviewtui.project.facts import ProjectFacts

# -- TLS and signature checks ------------------------------------------------------------------

_GENERIC_INSECURE = frozenset(
    {"--insecure-skip-tls-verify", "--tls-verify=false", "--skip-tls-verify", "--no-verify-ssl"}
)
# Settings that turn a check off wherever they are written: apt.conf, sources lists,
# yum/dnf/zypper repo files, .wgetrc, .npmrc, .gitconfig, pip.conf, sudo-less echo lines.
# Settings that turn a check off wherever they are written: apt.conf, sources lists,
# yum/dnf/zypper repo files, .wgetrc, .npmrc, .gitconfig. Each pattern runs only on text
# holding its plain word, which keeps the scan fast.
_INSECURE_SETTINGS = (
    # A local file: repository (packages built in the same RUN) travels over no network.
    (
        "trusted",
        "trusted=yes",
        re.compile(r"\[[^\]\n]*\btrusted=yes\b[^\]\n]*\](?!\s*file:)", re.I),
    ),
    (
        "unauth",
        "allowunauthenticated",
        re.compile(r'AllowUnauthenticated\s*"?\s*(true|1|yes)\b', re.I),
    ),
    ("peer", "verify-", re.compile(r'Verify-(Peer|Host)\s*"?\s*(false|0|no)\b', re.I)),
    (
        "sslverify",
        "sslverify",
        re.compile(r"(?<!\w)sslverify\s*=\s*[\"']?(0|false|no|off)\b", re.I),
    ),
    ("gpgcheck", "gpgcheck", re.compile(r"(?<!\w)gpgcheck\s*=\s*[\"']?0\b", re.I)),
    (
        "wgetrc",
        "check_certificate",
        re.compile(r"check_certificate\s*=\s*(off|0|no|false)\b", re.I),
    ),
    ("strictssl", "strict-ssl", re.compile(r"strict-ssl\s*=\s*false\b", re.I)),
)
_SETTING_REASONS = {
    "trusted": "an apt source is marked [trusted=yes], so its signatures are not checked",
    "unauth": "apt is configured to accept unauthenticated packages",
    "peer": "apt is configured not to verify HTTPS certificates",
    "sslverify": "a repository or tool is configured with sslverify off",
    "gpgcheck": "a package repository is configured with gpgcheck=0",
    "wgetrc": "wget is configured with check_certificate off",
    "strictssl": "npm is configured with strict-ssl=false",
}
# Words one of the checks above needs; a step holding none of them is passed over, apart
# from curl, whose -k can hide in a bundle of short options.
_TLS_WORDS = (
    "insecure",
    "trusted",
    "unauthenticated",
    "force-yes",
    "gpg",
    "nosignature",
    "nodigest",
    "verify",
    "nofiledigest",
    "ssl",
    "tls",
    "unauthorized",
    "gosumdb",
    "secure-http",
)
_CHECK_CERT = re.compile("check.cert")


def _tls_suspect(lowered: str) -> bool:
    """True when lower-cased text holds a word some check needs: plain substring tests,
    which beat one regex of alternatives over long scripts."""
    for word in _TLS_WORDS:
        if word in lowered:
            return True
    return "cert" in lowered and _CHECK_CERT.search(lowered) is not None


_APT_INSECURE_OPTIONS = (
    "--allow-unauthenticated",
    "--allow-insecure-repositories",
    "--force-yes",
)


# Words the names of the variables below hold: an ENV or ARG without any sets none.
_TLS_VARIABLE_WORDS = ("TLS", "HTTPSVERIFY", "SSL", "TRUSTED", "GOSUMDB", "GOINSECURE", "GOFLAGS")


def _env_disables(name: str, value: str | None) -> str | None:
    """Why setting the variable ``name`` to ``value`` turns a check off, or None."""
    if value is None:
        return None
    upper, lowered = name.upper(), value.strip().strip("\"'").lower()
    if upper == "NODE_TLS_REJECT_UNAUTHORIZED" and lowered == "0":
        return "NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks in Node.js"
    if upper == "PYTHONHTTPSVERIFY" and lowered == "0":
        return "PYTHONHTTPSVERIFY=0 turns off certificate checks in Python"
    if upper == "GIT_SSL_NO_VERIFY":
        return "GIT_SSL_NO_VERIFY turns off certificate checks in git"
    if upper in ("NPM_CONFIG_STRICT_SSL", "YARN_STRICT_SSL", "YARN_ENABLE_STRICT_SSL"):
        if lowered in ("false", "0", "no"):
            return f"{name}={value} turns off certificate checks in npm or yarn"
    if upper == "PIP_TRUSTED_HOST" and lowered:
        return "PIP_TRUSTED_HOST makes pip skip certificate checks for its hosts"
    if upper == "GOSUMDB" and lowered == "off":
        return "GOSUMDB=off turns off Go's checksum database"
    if upper == "GOINSECURE" and lowered:
        return "GOINSECURE lets Go fetch modules without TLS checks"
    if upper == "GOFLAGS" and "-insecure" in lowered:
        return "GOFLAGS=-insecure lets Go fetch modules without TLS checks"
    return None


# Programs with a check of their own below; any other command needs one of these words.
_TLS_PROGRAMS = frozenset(
    "curl wget apk apt-get apt aptitude yum dnf microdnf tdnf zypper rpm pip pip3 uv npm "
    "yarn pnpm npx git conda mamba micromamba composer export declare typeset".split()
)
_TLS_HINTS = ("insecure", "verify", "trusted", "strict", "tls", "ssl")


def _tls_hint(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in _TLS_HINTS)


def _command_disables(command: Command) -> tuple[str, str] | None:
    """(reason, offending word) when this command turns a TLS or signature check off."""
    name, args = command.name, command.args
    for word in command.words[: len(command.words) - len(command.argv)]:
        key, sep, value = word.partition("=")
        reason = _env_disables(key, value) if sep else None
        if reason:
            return reason, word
    if name not in _TLS_PROGRAMS and not _tls_hint(command.raw):
        return None
    if name in ("export", "declare", "typeset"):
        for word in args:
            key, sep, value = word.partition("=")
            reason = _env_disables(key, value) if sep else None
            if reason:
                return reason, word
    for word in args:
        if word.startswith("--") and word.split("=", 1)[0] in _GENERIC_INSECURE:
            return f"{name} {word} turns off certificate checks", word
    if name == "curl":
        for word in args:
            if word in ("--insecure", "--proxy-insecure") or "k" in short_flags(
                word, CURL_VALUE_LETTERS
            ):
                return f"curl {word} turns off certificate checks", word
    elif name == "wget":
        for word in args:
            lowered = word.lower()
            if lowered.startswith("--no-check-certificate") or lowered in (
                "--check-certificate=off",
                "--check-certificate=quiet",
            ):
                return f"wget {word} turns off certificate checks", word
    elif name == "apk":
        # apk index --allow-untrusted only indexes local packages; it installs nothing.
        if "--allow-untrusted" in args and "index" not in args:
            return "apk --allow-untrusted installs unsigned packages", "--allow-untrusted"
    elif name in ("apt-get", "apt", "aptitude"):
        for word in args:
            if word in _APT_INSECURE_OPTIONS:
                return f"{name} {word} installs unauthenticated packages", word
    elif name in ("yum", "dnf", "microdnf", "tdnf", "zypper"):
        for word in args:
            if word in ("--nogpgcheck", "--no-gpg-checks", "--no-gpgcheck"):
                return f"{name} {word} installs packages without checking signatures", word
    elif name == "rpm":
        for word in args:
            if word in ("--nosignature", "--nodigest", "--noverify", "--nofiledigest"):
                return f"rpm {word} skips signature or digest checks", word
    return _tool_config_disables(command)


def _tool_config_disables(command: Command) -> tuple[str, str] | None:
    """Insecure settings given to pip, npm/yarn, git, conda or composer."""
    name, args = command.name, command.args
    joined = " ".join(args).lower()
    if "--trusted-host" in joined or ("trusted-host" in joined and "config" in args):
        return f"{name} --trusted-host skips certificate checks for that host", "trusted-host"
    if "--allow-insecure-host" in joined:
        return f"{name} --allow-insecure-host skips certificate checks", "--allow-insecure-host"
    if name in ("npm", "yarn", "pnpm", "npx") and re.search(
        r"strict[-_]ssl(=|\s+)(false|0)|--no-strict-ssl|enablestrictssl(=|\s+)false", joined
    ):
        return f"{name} is set to strict-ssl false, which skips certificate checks", "ssl"
    if name == "git" and re.search(r"sslverify(=|\s+)(false|0|no|off)\b", joined):
        return "git is set to http.sslVerify false, which skips certificate checks", "sslVerify"
    if name in ("conda", "mamba", "micromamba"):
        if "--insecure" in args or re.search(r"ssl_verify\s+(false|no|0)\b", joined):
            return f"{name} is set not to verify certificates", "ssl_verify"
    if name == "composer" and re.search(r"secure-http\s+false|disable-tls\s+true", joined):
        return "composer is set to fetch packages without TLS", "composer"
    return None


def _copy_heredoc_settings(instruction: Instruction) -> str | None:
    """The body of a COPY/ADD heredoc that writes a package or tool configuration."""
    if not instruction.heredocs or not instruction.words:
        return None
    destination = instruction.words[-1]
    if destination.startswith(("/etc/apt/", "/etc/yum", "/etc/dnf/", "/etc/zypp/")) or (
        posixpath.basename(destination) in (".wgetrc", ".npmrc", ".gitconfig", "pip.conf")
    ):
        return "\n".join(doc.body for doc in instruction.heredocs)
    return None


def tls_verification(facts: ProjectFacts) -> list[Finding]:
    """Whether any stage turns off TLS certificate or package signature checks.

    Every stage counts (a build step fooled by a forged server poisons what it builds),
    and so do ONBUILD RUNs. FAIL for ``curl -k``/``--insecure`` (also in bundles such as
    ``-fsSLk``), ``wget --no-check-certificate``, pip/uv trusted or insecure hosts,
    npm/yarn ``strict-ssl false``, git ``http.sslVerify false``, ``apk --allow-untrusted``,
    apt-get ``--allow-unauthenticated``/``--force-yes``, ``--nogpgcheck``, rpm
    ``--nosignature``-style flags, conda and composer equivalents; for ENV, ARG or inline
    variables such as ``NODE_TLS_REJECT_UNAUTHORIZED=0``, ``PYTHONHTTPSVERIFY=0``,
    ``GIT_SSL_NO_VERIFY``, ``NPM_CONFIG_STRICT_SSL=false``, ``PIP_TRUSTED_HOST``,
    ``GOSUMDB=off``; and for settings written into configuration (``[trusted=yes]``,
    ``AllowUnauthenticated``, ``sslverify=0``, ``gpgcheck=0``...) by RUN or by a COPY
    heredoc into a package manager's configuration. Comments and the bodies of other
    COPY heredocs are not read.
    """
    return each_dockerfile(facts, _judge_tls)


def _judge_tls(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    for instruction in dockerfile.instructions:
        if instruction.keyword in ("ENV", "ARG"):
            upper = instruction.arguments.upper()
            if not any(word in upper for word in _TLS_VARIABLE_WORDS):
                continue
            for name, value in instruction.assignments:
                reason = _env_disables(name, value)
                if reason:
                    line = assignment_line(dockerfile, instruction, name)
                    hits.append(Hit(line, f"{instruction.keyword} {reason}"))
        elif instruction.keyword in ("COPY", "ADD"):
            body = _copy_heredoc_settings(instruction)
            if body:
                hits.extend(_setting_hits(dockerfile, instruction, body, instruction.keyword))
    for step in run_steps(dockerfile):
        hits.extend(_step_tls_hits(dockerfile, step))
    hits.sort(key=lambda hit: hit.line)
    return judge_hits(dockerfile, unique_lines(hits), "no stage turns off TLS or signature checks")


def _step_tls_hits(dockerfile: Dockerfile, step: RunStep) -> list[Hit]:
    lowered = step.text.lower()
    suspect = _tls_suspect(lowered)
    if not suspect and "curl" not in lowered and "wget" not in lowered:
        return []
    hits = []
    for command in step.commands:
        if command.name in DOWNLOADERS and "$" in command.raw:
            # ARG CURL_OPTS=-k hides the flag in a variable the RUN uses.
            command = with_defaults(dockerfile, step, command)
        elif not suspect and command.name not in DOWNLOADERS:
            continue
        found = _command_disables(command)
        if found is not None:
            reason, word = found
            line = command_line(dockerfile, step, command, word)
            hits.append(Hit(line, f"{where(step)}: {reason}"))
    if not suspect:
        return hits
    text = "\n".join(command.raw for command in step.commands) + "\n" + step.data
    if not step.posix:
        text = step.text
    hits.extend(_setting_hits(dockerfile, step.instruction, text, where(step)))
    return hits


def _setting_hits(
    dockerfile: Dockerfile, instruction: Instruction, text: str, where: str
) -> list[Hit]:
    hits = []
    lowered = text.lower()
    for kind, word, pattern in _INSECURE_SETTINGS:
        if word not in lowered:
            continue
        for match in pattern.finditer(text):
            line = dockerfile.line_containing(instruction, match.group())
            hits.append(Hit(line, f"{where}: {_SETTING_REASONS[kind]}"))
    return hits


DETECTORS: dict[str, Detector] = {
    "tls_verification": tls_verification,
}
"""The detectors of this module, by the names the checklists use."""
