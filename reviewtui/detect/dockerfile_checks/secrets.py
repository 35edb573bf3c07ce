"""Secret detectors: secret files copied in, secret-named ARG/ENV, build credentials."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass

from reviewtui.detect.dockerfile_checks.context import (
    REMOTE_SOURCE,
    build_contexts,
    context_prefix,
    contexts_of,
    copy_sources,
    reads_context,
)
from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    assignment_line,
    each_dockerfile,
    evidence_at,
    evidence_of,
    final_stage,
    make_finding,
    worst,
)
from reviewtui.detect.dockerfile_checks.secret_files import (
    project_file_set,
    project_secret_files,
    secret_file_kind,
)
from reviewtui.masking import is_secret_name, mask_secrets, token_in
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import Dockerfile, Instruction
from reviewtui.project.dockerignore import DockerIgnore
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.textfile import read_text

# -- files in the image ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What a COPY from one build context can take in: its secret-looking files."""

    facts: ProjectFacts
    files: frozenset[str]
    prefix: str
    secret_files: list[str]
    ignore: DockerIgnore | None

    def rel(self, source: str) -> str:
        """The project path of a source named relative to the context."""
        return posixpath.normpath(self.prefix + source.lstrip("/"))

    def harmless_npmrc(self, rel: str) -> bool:
        """True for an .npmrc of the project that is readable and holds no auth setting."""
        if not rel.endswith(".npmrc") or rel not in self.files:
            return False
        text, _ = read_text(self.facts.root, rel, max_bytes=64 * 1024)
        return text is not None and "_auth" not in text and "_password" not in text


def secret_files_in_image(facts: ProjectFacts) -> list[Finding]:
    """Whether COPY or ADD puts secret-looking files into the final image.

    FAIL when a COPY/ADD of the final stage's lineage names such a file (see
    ``secret_file_kind``), or copies a folder of the build context (``COPY . .``) in which
    such a file exists and the applicable .dockerignore does not exclude it. The build
    context is the one a compose service gives, else the Dockerfile's folder. An .npmrc
    of the project without any auth setting does not count.
    """
    files = project_file_set(facts)
    secret_files = [rel for rel, _ in project_secret_files(facts)]
    compose_contexts = build_contexts(facts)

    def judge(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
        findings = []
        for context_dir in contexts_of(dockerfile, compose_contexts):
            prefix = context_prefix(context_dir)
            context = _Context(
                facts,
                files,
                prefix,
                [rel for rel in secret_files if rel.startswith(prefix)],
                facts.dockerignore_for(context_dir, dockerfile.path),
            )
            findings.append(_judge_secret_files(dockerfile, context))
        return worst(findings)

    return each_dockerfile(facts, judge)


def _judge_secret_files(dockerfile: Dockerfile, context: _Context) -> Finding:
    copies = dockerfile.effective_all("COPY") + dockerfile.effective_all("ADD")
    copies.sort(key=lambda ins: ins.start_line)
    offending = []
    for instruction in copies:
        reason = _secret_copied(instruction, context)
        if reason is not None:
            offending.append((instruction, reason))
    if offending:
        more = len(offending) - 1
        return make_finding(
            dockerfile,
            Status.FAIL,
            offending[0][1] + (f" (and {more} more)" if more else ""),
            [evidence_of(dockerfile, instruction) for instruction, _ in offending],
        )
    evidence = [evidence_of(dockerfile, ins) for ins in copies[:5]] or [
        evidence_of(dockerfile, final_stage(dockerfile).from_instruction)
    ]
    return make_finding(dockerfile, Status.PASS, _clean_reason(copies, context), evidence)


def _clean_reason(copies: list[Instruction], context: _Context) -> str:
    """The pass reason, naming the .dockerignore when it is what keeps secrets out."""
    reason = "no COPY or ADD puts a secret-looking file into the image"
    ignore = context.ignore
    if ignore is None or not any(reads_context(ins) for ins in copies):
        return reason
    kept = [rel for rel in context.secret_files if ignore.excludes(rel[len(context.prefix) :])]
    if not kept:
        return reason
    others = f" and {len(kept) - 1} more" if len(kept) > 1 else ""
    return f"{reason}; {ignore.path} keeps {kept[0]}{others} out of the build context"


def _secret_copied(instruction: Instruction, context: _Context) -> str | None:
    """Why this COPY/ADD takes a secret into the image, or None."""
    keyword = instruction.keyword
    if instruction.heredocs and instruction.words:
        destination = instruction.words[-1]
        kind = secret_file_kind(destination)
        if kind:
            return f"{keyword} writes {destination}, {kind}, into the image"
    from_context = instruction.flag("from") is None
    for source in copy_sources(instruction):
        if REMOTE_SOURCE.match(source) or "$" in source:
            continue
        kind = secret_file_kind(source)
        rel = context.rel(source) if from_context else None
        if kind and not (rel and context.harmless_npmrc(rel)):
            return f"{keyword} {source} puts {kind} into the image"
        leaked = _leaked_file(source, context) if from_context else None
        if leaked is not None:
            # The secret file is named in the reason; its own lines are not shown.
            why = (
                f"{context.ignore.path} does not exclude it"
                if context.ignore
                else "no .dockerignore excludes it"
            )
            return (
                f"{keyword} {source} sends {leaked} ({secret_file_kind(leaked)}) into "
                f"the image; {why}"
            )
    return None


def _leaked_file(source: str, context: _Context) -> str | None:
    """A secret-looking file of the context that this source copies and nothing excludes."""
    pattern = posixpath.normpath(source.lstrip("/"))
    pattern_parts = [] if pattern == "." else pattern.split("/")
    for rel in context.secret_files:
        inside = rel[len(context.prefix) :]
        parts = inside.split("/")
        # A source copies a file when it names the file or a folder above it; globs
        # match one path part each, as in Docker.
        if len(parts) < len(pattern_parts) or not all(
            fnmatch.fnmatchcase(part, wanted)
            for part, wanted in zip(parts, pattern_parts, strict=False)
        ):
            continue
        if context.ignore is not None and context.ignore.excludes(inside):
            continue
        if context.harmless_npmrc(rel):
            continue
        return rel
    return None


def secrets_in_arg_env(facts: ProjectFacts) -> list[Finding]:
    """Whether ARG or ENV bake a secret into the image or its history.

    FAIL for an ARG in any stage (build arguments are recorded in the image history and
    provenance) or an ENV in the final stage's lineage (it persists in the image config)
    whose name looks like a secret (``reviewtui.masking.is_secret_name``: ``*_FILE``,
    ``*_PATH``, ``*_URL``, ``GPG_KEY`` and such do not), or whose value holds a secret
    whatever the name: a URL with a password (``postgres://user:pw@db``) or a token the
    masking knows (``AKIA...``, ``ghp_...``). An ENV with an empty value bakes nothing and
    is left alone; one set from ``${VAR}`` still bakes the value in. Each variable is
    cited at its own line of a continued instruction.
    """
    return each_dockerfile(facts, _judge_arg_env)


# $VAR and ${VAR...}: a reference bakes in nothing the files show.
_VALUE_REFERENCE = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")
_URL_WITH_PASSWORD = re.compile(r"://[^/\s:@]+:[^@\s/]+@")
# Plain words the value patterns of reviewtui.masking need (token prefixes, a private key
# header); values without any, and without a URL, skip the masking's regexes.
_TOKEN_HINTS = (
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "sk_live_",
    "sk_test_",
    "AIza",
    "npm_",
    "PRIVATE KEY",
)


def secret_value(value: str) -> str | None:
    """What secret a variable's value holds whatever its name, or None.

    ``a URL with a password`` or ``a value that looks like a token`` (as the masking
    sees them); references to other variables are left out first.
    """
    literal = _VALUE_REFERENCE.sub("", value) if "$" in value else value
    url = "://" in literal and "@" in literal
    if url and _URL_WITH_PASSWORD.search(literal):
        return "a URL with a password"
    if not any(hint in literal for hint in _TOKEN_HINTS) or mask_secrets(literal) == literal:
        return None
    return "a value that looks like a token"


def _judge_arg_env(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    lineage = {stage.index for stage in dockerfile.lineage()}
    hits: list[Hit] = []
    for instruction in dockerfile.instructions:
        keyword = instruction.keyword
        if keyword == "ENV" and instruction.stage not in lineage:
            continue
        if keyword not in ("ARG", "ENV"):
            continue
        for name, value in instruction.assignments:
            reason = _variable_secret(keyword, name, value)
            if reason is not None:
                line = assignment_line(dockerfile, instruction, name)
                hits.append(Hit(line, reason))
    if hits:
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        seen: dict[int, Evidence] = {}
        for hit in hits:
            seen.setdefault(hit.line, evidence_at(dockerfile, hit.line))
        return make_finding(dockerfile, Status.FAIL, hits[0].reason + more, seen.values())
    return make_finding(
        dockerfile,
        Status.PASS,
        "no ARG or ENV name or value looks like a secret",
        [evidence_of(dockerfile, final_stage(dockerfile).from_instruction)],
    )


def _variable_secret(keyword: str, name: str, value: str | None) -> str | None:
    """Why ``keyword NAME=value`` bakes in a secret, or None."""
    if not name:
        return None  # the reader reports a variable without a name
    # An ARG without a default is still a secret once a RUN uses it; an empty ENV is not.
    if is_secret_name(name) and (value or keyword == "ARG"):
        return (
            f"{keyword} sets {name}, a secret-looking name that stays in the image or its history"
        )
    what = secret_value(value) if value else None
    if what is not None:
        return f"{keyword} sets {name} to {what}, which stays in the image or its history"
    return None


# -- build secrets ----------------------------------------------------------------------------

# Credential files a build copies in, and the tools that read them once they are there.
_SSH_TOOLS = re.compile(r"\b(git|ssh|scp|sftp|rsync)\b")
_PIP_TOOLS = re.compile(r"\b(pip3?|poetry|uv|twine|python3?)\b")
_CREDENTIAL_FILES = {
    ".npmrc": re.compile(r"\b(npm|npx|yarn|pnpm)\b"),
    ".pypirc": _PIP_TOOLS,
    "pip.conf": _PIP_TOOLS,
    "pip.ini": _PIP_TOOLS,
    ".netrc": re.compile(r"\b(curl|wget|git|pip3?|ftp)\b"),
    "_netrc": re.compile(r"\b(curl|wget|git|pip3?|ftp)\b"),
    ".git-credentials": re.compile(r"\bgit\b"),
    ".dockercfg": re.compile(r"\bdocker\b"),
    ".docker": re.compile(r"\bdocker\b"),
    ".aws": re.compile(r"\baws\b"),
    ".ssh": _SSH_TOOLS,
    "id_rsa": _SSH_TOOLS,
    "id_dsa": _SSH_TOOLS,
    "id_ecdsa": _SSH_TOOLS,
    "id_ed25519": _SSH_TOOLS,
}
_CREDENTIAL_URL = re.compile(r"""://(?:[^\s/@:'"]+:[^\s/@'"]+|\$\{?[A-Za-z_]\w*\}?)@""")
# Commands that write a token or password into the image, each behind a plain word that
# must occur first, so most scripts are passed over without running a regex.
_CREDENTIAL_COMMANDS = (
    ("_auth", re.compile(r"_authToken\s*=|:_auth\s*=|\bnpm\s+config\s+set\s+\S*_auth")),
    ("_password", re.compile(r":_password\s*=")),
    (
        "login",
        re.compile(
            r"\bdocker\s+login\b[^\n]*\s(-p|--password)(=|\s+)(?!-)"
            r"|\bgh\s+auth\s+login\b[^\n]*--with-token"
        ),
    ),
    (
        "aws",
        re.compile(r"\baws\s+configure\s+set\s+(aws_secret_access_key|aws_session_token)\b"),
    ),
    ("gcloud", re.compile(r"\bgcloud\s+auth\s+activate-service-account\b[^\n]*--key-file")),
    ("az", re.compile(r"\baz\s+login\b[^\n]*\s(-p|--password)(=|\s+)(?!-)")),
    ("doctl", re.compile(r"\bdoctl\s+auth\s+init\b[^\n]*\s(-t|--access-token)(=|\s+)(?!-)")),
    ("password", re.compile(r"\bpip\s+config\s+set\s+\S*password")),
)


def _credential_file(instruction: Instruction) -> tuple[str, re.Pattern[str]] | None:
    """A credential file this COPY/ADD brings in, and the tools that would use it."""
    for source in copy_sources(instruction):
        name = source.rstrip("/").rsplit("/", 1)[-1].lower()
        if name in _CREDENTIAL_FILES:
            return source, _CREDENTIAL_FILES[name]
    return None


def _secret_mounts(dockerfile: Dockerfile) -> list[Instruction]:
    return [
        ins
        for ins in dockerfile.instructions
        if ins.keyword == "RUN"
        and any(mount.get("type") in ("secret", "ssh") for mount in ins.mounts)
    ]


def _credential_leaks(dockerfile: Dockerfile) -> list[Hit]:
    """RUN steps, in every stage, that get credentials some way other than a mount; each
    at the line that shows how."""
    leaks: list[Hit] = []
    for stage in dockerfile.stages:
        secret_args: set[str] = set()
        copied: list[tuple[Instruction, str, re.Pattern[str]]] = []
        for instruction in stage.instructions:
            keyword = instruction.keyword
            if keyword == "ARG":
                secret_args.update(
                    name for name, _ in instruction.assignments if is_secret_name(name)
                )
            elif keyword in ("COPY", "ADD"):
                found = _credential_file(instruction)
                if found is not None:
                    copied.append((instruction, *found))
            elif keyword == "RUN":
                leak = _run_leak(instruction, secret_args, copied)
                if leak is not None:
                    reason, pattern = leak
                    leaks.append(Hit(dockerfile.line_matching(instruction, pattern), reason))
    return leaks


def _run_leak(
    instruction: Instruction,
    secret_args: set[str],
    copied: list[tuple[Instruction, str, re.Pattern[str]]],
) -> tuple[str, re.Pattern[str]] | None:
    """Why this RUN gets credentials without a mount, and what shows it, or None. A copied
    credential file is reported at the first RUN that runs a tool reading it, then
    forgotten."""
    script = instruction.script
    for name in sorted(secret_args):
        use = re.compile(r"\$\{?" + re.escape(name) + r"\b")
        if use.search(script):
            return f"RUN uses the build argument {name}, which stays in the image history", use
    for entry in copied:
        source_instruction, source, users = entry
        if users.search(script):
            copied.remove(entry)
            return (
                f"{source} is copied in at line {source_instruction.start_line} and used by "
                "RUN; it stays in a layer"
            ), users
    written = token_in(script)
    if written is not None:  # a mount beside it does not take it out of the history
        return "RUN spells out a credential (an access key or token)", written
    if instruction.flags and any(
        mount.get("type") in ("secret", "ssh") for mount in instruction.mounts
    ):
        return None
    if "://" in script and _CREDENTIAL_URL.search(script):
        return "RUN puts credentials in a URL", _CREDENTIAL_URL
    for word, pattern in _CREDENTIAL_COMMANDS:
        if word in script and pattern.search(script):
            return "RUN writes a token or password into the image", pattern
    return None


def build_secret_mounts(facts: ProjectFacts) -> list[Finding]:
    """Whether build-time credentials come in through ``RUN --mount=type=secret|ssh``.

    Looks at every stage. FAIL when a RUN uses a secret-named build argument, runs after
    a COPY of ``.npmrc``, ``.netrc``, ``.pypirc``, ``pip.conf``, an SSH key and the like,
    spells out a credential of a known format (``AKIA...``, ``ghp_...``, a private
    key), puts ``user:password@`` or ``$TOKEN@`` in a URL, or writes a registry token
    (``_authToken=``, ``docker login -p``) or sets up cloud credentials (``aws configure
    set aws_secret_access_key``, ``gcloud auth activate-service-account --key-file``,
    ``az login -p``, ``doctl auth init -t``) without a secret mount; PASS when secret or
    ssh mounts are used and nothing leaks; NOT_APPLICABLE when no RUN needs credentials.
    """
    return each_dockerfile(facts, _judge_build_secrets)


def _judge_build_secrets(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    leaks = _credential_leaks(dockerfile)
    if leaks:
        more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
        lines = sorted({leak.line for leak in leaks})
        return make_finding(
            dockerfile,
            Status.FAIL,
            leaks[0].reason + more,
            [evidence_at(dockerfile, line) for line in lines],
        )
    mounts = _secret_mounts(dockerfile)
    if mounts:
        return make_finding(
            dockerfile,
            Status.PASS,
            "credentials come in through secret or ssh mounts",
            [evidence_of(dockerfile, ins) for ins in mounts],
        )
    return make_finding(
        dockerfile,
        Status.NOT_APPLICABLE,
        "no RUN needs credentials",
        [evidence_of(dockerfile, final_stage(dockerfile).from_instruction)],
    )


DETECTORS: dict[str, Detector] = {
    "secret_files_in_image": secret_files_in_image,
    "secrets_in_arg_env": secrets_in_arg_env,
    "build_secret_mounts": build_secret_mounts,
}
"""The detectors of this module, by the names the checklists use."""
