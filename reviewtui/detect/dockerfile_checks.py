"""Detectors that answer image and build items from the project's Dockerfiles.

Each detector gives one finding per Dockerfile (the target is the file, judged on its
effective final stage: the last stage together with the stages it builds on through
``FROM <stage>``), except where its docstring says it looks at every stage.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reviewtui.masking import is_secret_name
from reviewtui.model import Evidence, Finding, Status, Target, TargetKind
from reviewtui.project.dockerfile import Dockerfile, ImageRef, Instruction, Stage
from reviewtui.project.dockerignore import DockerIgnore, IgnorePattern
from reviewtui.project.facts import ProjectFacts
from reviewtui.project.textfile import read_text

Detector = Callable[[ProjectFacts], list[Finding]]
Judge = Callable[[ProjectFacts, Dockerfile], Finding]


# -- shared helpers -------------------------------------------------------------------------


def _target(dockerfile: Dockerfile) -> Target:
    return Target(TargetKind.DOCKERFILE, dockerfile.path, dockerfile.path)


def _at(dockerfile: Dockerfile, line: int, snippet: str | None = None) -> Evidence:
    """Evidence at a line of the Dockerfile, with that line's text unless told otherwise."""
    return Evidence(
        dockerfile.path, line, dockerfile.snippet_at(line) if snippet is None else snippet
    )


def _of(dockerfile: Dockerfile, instruction: Instruction) -> Evidence:
    return _at(dockerfile, instruction.start_line, instruction.snippet)


def _finding(
    dockerfile: Dockerfile, status: Status, reason: str, evidence: Iterable[Evidence] = ()
) -> Finding:
    return Finding(_target(dockerfile), status, reason, tuple(evidence))


_DECIDING_ORDER = (Status.FAIL, Status.UNKNOWN, Status.PASS, Status.NOT_APPLICABLE)


def _worst(findings: list[Finding]) -> Finding:
    """The finding that decides when one Dockerfile is judged several ways (contexts)."""
    return min(findings, key=lambda finding: _DECIDING_ORDER.index(finding.status))


def _each_dockerfile(facts: ProjectFacts, judge: Judge) -> list[Finding]:
    """One finding per Dockerfile; a file without any readable FROM is left to a person."""
    # TODO: a compose build.target (or docker build --target) ships an earlier stage; the
    # last stage is judged here whatever the target.
    findings = []
    for dockerfile in facts.dockerfiles:
        if dockerfile.final_stage is None:
            findings.append(
                _finding(
                    dockerfile,
                    Status.UNKNOWN,
                    "no FROM instruction could be read; see the problems",
                )
            )
            continue
        findings.append(judge(facts, dockerfile))
    return findings


def _final(dockerfile: Dockerfile) -> Stage:
    stage = dockerfile.final_stage
    assert stage is not None  # _each_dockerfile skips files without stages
    return stage


def _root(dockerfile: Dockerfile) -> Stage:
    root = dockerfile.root_stage()
    assert root is not None
    return root


def _base_evidence(dockerfile: Dockerfile) -> list[Evidence]:
    """The root stage's FROM line, and the final FROM when the chain has several."""
    root, final = _root(dockerfile), _final(dockerfile)
    evidence = [_of(dockerfile, root.from_instruction)]
    if final is not root:
        evidence.append(_of(dockerfile, final.from_instruction))
    return evidence


def _sources(instruction: Instruction) -> list[str]:
    """The source arguments of a COPY or ADD (everything but the destination)."""
    words = instruction.words
    return [word for word in words[:-1] if not word.startswith("<<")]


def build_contexts(facts: ProjectFacts) -> dict[str, list[str]]:
    """The build contexts compose services give each Dockerfile, by Dockerfile path."""
    contexts: dict[str, list[str]] = {}
    for project in facts.compose_projects:
        for service in project.services:
            build = service.build()
            if build is None or build.context is None or build.dockerfile is None:
                continue
            found = contexts.setdefault(build.dockerfile, [])
            if build.context not in found:
                found.append(build.context)
    return contexts


def _contexts_of(dockerfile: Dockerfile, compose_contexts: dict[str, list[str]]) -> list[str]:
    """The folders a Dockerfile is built from: what compose says, else its own folder."""
    return compose_contexts.get(dockerfile.path) or [posixpath.dirname(dockerfile.path) or "."]


def _prefix(context_dir: str) -> str:
    return "" if context_dir in ("", ".") else context_dir.rstrip("/") + "/"


def _reads_context(instruction: Instruction) -> bool:
    """True for a COPY or ADD that takes at least one file from the build context."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    return any(not _REMOTE_SOURCE.match(source) for source in _sources(instruction))


def _image_text(stage: Stage) -> str:
    return stage.image if stage.image is not None else stage.base


# -- base images ----------------------------------------------------------------------------

_IP_HOST = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d+)?$")
_VERIFIED_PUBLISHERS = (
    ("gcr.io", "distroless/", "Google's distroless project"),
    ("cgr.dev", "chainguard/", "Chainguard"),
    ("mcr.microsoft.com", "", "Microsoft"),
    ("registry.access.redhat.com", "", "Red Hat"),
    ("registry.redhat.io", "", "Red Hat"),
    ("public.ecr.aws", "docker/library/", "the Docker Official Images mirror on ECR Public"),
)


def _untrusted_registry(ref: ImageRef) -> bool:
    """True for a registry addressed by IP or localhost: no publisher identity backs it."""
    host = ref.registry
    return bool(_IP_HOST.match(host)) or host.split(":")[0] == "localhost"


def _publisher(ref: ImageRef) -> str | None:
    """Who publishes the image, when it is an official or verified-publisher image."""
    if ref.is_official:
        return "Docker Official Images"
    for registry, prefix, publisher in _VERIFIED_PUBLISHERS:
        if ref.registry == registry and ref.repository.startswith(prefix):
            return publisher
    return None


def base_image_trusted(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage's root base image comes from a publisher one can trust.

    PASS for scratch, Docker Official Images (no namespace, ``docker.io/library/``) and
    the verified publishers listed in ``_VERIFIED_PUBLISHERS``; FAIL for an image pulled
    from a registry addressed by IP or ``localhost`` (usually plain HTTP, never a known
    publisher); UNKNOWN for every other namespace or registry, which a person must vet.
    """
    return _each_dockerfile(facts, _judge_base_trusted)


def _judge_base_trusted(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    root = _root(dockerfile)
    evidence = _base_evidence(dockerfile)
    if root.unresolved:
        return _finding(
            dockerfile,
            Status.UNKNOWN,
            f"the base image {root.base} comes from a build argument with no default",
            evidence,
        )
    if root.is_scratch:
        return _finding(
            dockerfile,
            Status.PASS,
            "the final stage starts FROM scratch; no base image is pulled",
            evidence,
        )
    ref = root.image_ref
    if ref is None:
        return _finding(
            dockerfile, Status.UNKNOWN, f"the base image {root.base} could not be read", evidence
        )
    if _untrusted_registry(ref):
        return _finding(
            dockerfile,
            Status.FAIL,
            f"the base image comes from {ref.registry}, "
            "a registry addressed by IP or localhost, not a known publisher",
            evidence,
        )
    publisher = _publisher(ref)
    if publisher is not None:
        return _finding(dockerfile, Status.PASS, f"{ref.text} comes from {publisher}", evidence)
    return _finding(
        dockerfile,
        Status.UNKNOWN,
        f"{ref.text} is neither an official nor a "
        "verified-publisher image; a person must confirm the publisher",
        evidence,
    )


# Tags that move to new releases by design: the first dash-separated word decides, so
# "lts-alpine" and "stable-slim" float as much as "lts" and "stable".
_FLOATING_TAGS = frozenset(
    "latest stable lts current edge nightly mainline rolling testing unstable sid devel dev "
    "master main head canary rc beta alpha insider".split()
)
# Variant names that, on their own, mean "the newest version in this variant". Distribution
# code names (bookworm, jammy) are left out: for debian, ubuntu or buildpack-deps they name
# the release itself.
_VARIANT_WORDS = frozenset("alpine slim jre jdk windowsservercore nanoserver".split())


def _floating_reason(ref: ImageRef) -> str | None:
    """Why a tag does not pin a version, or None when it does."""
    if ref.digest:
        return None
    if ref.tag is None:
        return "has no tag, so it pulls latest"
    tag = ref.tag.lower()
    if tag.split("-", 1)[0] in _FLOATING_TAGS:
        return f"uses the moving tag {ref.tag}"
    if all(word in _VARIANT_WORDS for word in tag.split("-")):
        return f"uses the variant tag {ref.tag}, which follows the newest version"
    return None


def _pulling_stages(dockerfile: Dockerfile) -> list[Stage]:
    return [stage for stage in dockerfile.stages if stage.pulls_image]


def base_image_tag(facts: ProjectFacts) -> list[Finding]:
    """Whether every FROM that pulls an image, in every stage, pins a version.

    FAIL for no tag, ``latest`` and moving tags (``stable``, ``lts``, ``edge``...); a
    digest pins whatever the tag says. Build-argument defaults are substituted first; a
    FROM whose image comes from an argument with no default is UNKNOWN. Stages built on
    earlier stages and ``scratch`` pull nothing and are skipped.
    """
    return _each_dockerfile(facts, _judge_tag)


def _judge_tag(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    stages = _pulling_stages(dockerfile)
    if not stages:
        return _finding(
            dockerfile,
            Status.NOT_APPLICABLE,
            "every stage starts from scratch or an earlier stage; no image is pulled",
            [_of(dockerfile, _final(dockerfile).from_instruction)],
        )
    offending: list[tuple[Stage, str]] = []
    unresolved: list[Stage] = []
    for stage in stages:
        if "@sha256:" in stage.base:
            continue
        ref = stage.image_ref
        if ref is None:
            unresolved.append(stage)
            continue
        reason = _floating_reason(ref)
        if reason is not None:
            offending.append((stage, reason))
    if offending:
        stage, reason = offending[0]
        more = f" (and {len(offending) - 1} more FROM lines)" if len(offending) > 1 else ""
        return _finding(
            dockerfile,
            Status.FAIL,
            f"FROM {_image_text(stage)} {reason}{more}",
            [_of(dockerfile, s.from_instruction) for s, _ in offending],
        )
    if unresolved:
        return _finding(
            dockerfile,
            Status.UNKNOWN,
            f"the image {unresolved[0].base} comes from a build argument with no default",
            [_of(dockerfile, s.from_instruction) for s in unresolved],
        )
    return _finding(
        dockerfile,
        Status.PASS,
        "every FROM pins a version",
        [_of(dockerfile, s.from_instruction) for s in stages],
    )


def base_image_digest(facts: ProjectFacts) -> list[Finding]:
    """Whether every FROM that pulls an image, in every stage, pins it by ``@sha256:``.

    A tag can be moved to other content; only a digest names exact bytes. Evidence is
    each FROM line that lacks one; an image from an argument with no default is UNKNOWN.
    """
    return _each_dockerfile(facts, _judge_digest)


def _judge_digest(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    stages = _pulling_stages(dockerfile)
    if not stages:
        return _finding(
            dockerfile,
            Status.NOT_APPLICABLE,
            "every stage starts from scratch or an earlier stage; no image is pulled",
            [_of(dockerfile, _final(dockerfile).from_instruction)],
        )
    missing: list[Stage] = []
    unresolved: list[Stage] = []
    for stage in stages:
        if "@sha256:" in stage.base or (stage.image and "@sha256:" in stage.image):
            continue
        (unresolved if stage.unresolved else missing).append(stage)
    if missing:
        names = ", ".join(_image_text(stage) for stage in missing[:3])
        return _finding(
            dockerfile,
            Status.FAIL,
            f"not pinned by digest: {names}",
            [_of(dockerfile, s.from_instruction) for s in missing],
        )
    if unresolved:
        return _finding(
            dockerfile,
            Status.UNKNOWN,
            f"the image {unresolved[0].base} comes from a build argument with no default",
            [_of(dockerfile, s.from_instruction) for s in unresolved],
        )
    return _finding(
        dockerfile,
        Status.PASS,
        "every FROM pins its image by digest",
        [_of(dockerfile, s.from_instruction) for s in stages],
    )


# Words in a tag or name that mark a minimal variant.
_MINIMAL_WORDS = tuple("alpine slim minimal micro distroless chiseled busybox nanoserver".split())
_MINIMAL_NAMES = frozenset(
    "alpine busybox wolfi-base static nanoserver distroless ubi-micro ubi-minimal ubi8-micro "
    "ubi8-minimal ubi9-micro ubi9-minimal".split()
)
_FULL_DISTROS = frozenset(
    "ubuntu debian centos fedora rockylinux almalinux amazonlinux oraclelinux archlinux leap "
    "tumbleweed photon clearlinux kali-rolling mageia ubi ubi7 ubi8 ubi9 ubi-init ubi8-init "
    "ubi9-init servercore server windows buildpack-deps stream8 stream9".split()
)
# Official images whose default variant is a full Debian or Ubuntu underneath.
_FULL_BY_DEFAULT = frozenset(
    "node python golang ruby php openjdk eclipse-temurin amazoncorretto ibm-semeru-runtimes "
    "sapmachine maven gradle rust perl elixir erlang haskell julia r-base gcc clojure swift "
    "dart groovy pypy mono nginx httpd redis postgres mysql mariadb mongo wordpress tomcat "
    "rabbitmq memcached ghost drupal joomla nextcloud odoo jetty".split()
)
_MICROSOFT_FULL = ("dotnet/sdk", "dotnet/aspnet", "dotnet/runtime")


def _size_class(ref: ImageRef) -> tuple[Status, str]:
    """Whether an image is a minimal base, with the reason."""
    tag = (ref.tag or "").lower()
    if ref.registry == "gcr.io" and ref.repository.startswith("distroless/"):
        return Status.PASS, f"{ref.text} is a distroless image"
    if ref.registry == "cgr.dev":
        return Status.PASS, f"{ref.text} is a Chainguard (Wolfi) minimal image"
    if ref.name in _MINIMAL_NAMES or any(word in tag for word in _MINIMAL_WORDS):
        return Status.PASS, f"{ref.text} is a minimal variant"
    if ref.name in _FULL_DISTROS:
        return Status.FAIL, f"{ref.text} is a full distribution image"
    if ref.is_official and ref.name in _FULL_BY_DEFAULT:
        return Status.FAIL, (
            f"{ref.text} is the full variant of {ref.name}; a -slim or "
            "-alpine variant carries less"
        )
    if ref.registry == "mcr.microsoft.com" and ref.repository.endswith(_MICROSOFT_FULL):
        return (
            Status.FAIL,
            f"{ref.text} is a full Debian-based variant; alpine or chiseled variants exist",
        )
    return (
        Status.UNKNOWN,
        f"{ref.text} is not a base reviewtui knows; a person must judge whether it is minimal",
    )


def minimal_base(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage's root base image is minimal.

    PASS for scratch, distroless, Chainguard/Wolfi, alpine, busybox and ``-slim``,
    ``-alpine``, ``-minimal``, ``-micro`` or chiseled variants; FAIL for full distributions
    and the full default variants of official language and server images; UNKNOWN for
    images it does not know.
    """
    return _each_dockerfile(facts, _judge_minimal)


def _judge_minimal(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    root = _root(dockerfile)
    evidence = _base_evidence(dockerfile)
    if root.unresolved:
        return _finding(
            dockerfile,
            Status.UNKNOWN,
            f"the base image {root.base} comes from a build argument with no default",
            evidence,
        )
    if root.is_scratch:
        return _finding(dockerfile, Status.PASS, "the final stage starts FROM scratch", evidence)
    ref = root.image_ref
    if ref is None:
        return _finding(
            dockerfile, Status.UNKNOWN, f"the base image {root.base} could not be read", evidence
        )
    status, reason = _size_class(ref)
    return _finding(dockerfile, status, reason, evidence)


# -- files in the image ---------------------------------------------------------------------

_REMOTE_SOURCE = re.compile(r"(?i)^(https?|ftp)://|^git@")
_ENV_TEMPLATES = frozenset("example sample template dist defaults schema tpl tmpl".split())
# Public material that wears a .pem or .key suffix: certificates, CA bundles, repo keys.
_PUBLIC_KEY_HINT = re.compile(
    r"(?i)(^|[-_.])(ca|cacert|cert|certificate|chain|fullchain|bundle|public|pub|gpg|pgp|"
    r"signing|archive|release|keyring|apt|repo)([-_.]|$)"
)
_SECRET_FILE_NAMES = {
    ".env": "an environment file",
    "id_rsa": "an SSH private key",
    "id_dsa": "an SSH private key",
    "id_ecdsa": "an SSH private key",
    "id_ed25519": "an SSH private key",
    ".npmrc": "an npm config with a registry token",
    ".netrc": "a netrc file with passwords",
    "_netrc": "a netrc file with passwords",
    ".git-credentials": "stored git credentials",
    "credentials.json": "a credentials file",
    ".pypirc": "a PyPI config with a password",
    ".pgpass": "a PostgreSQL password file",
    ".dockercfg": "registry credentials",
}
_SECRET_SUFFIXES = {
    ".pem": "a PEM key or certificate",
    ".key": "a private key",
    ".p12": "a PKCS#12 key store",
    ".pfx": "a PKCS#12 key store",
    ".ppk": "a PuTTY private key",
}


def secret_file_kind(path: str) -> str | None:
    """What secret a file of this path looks like it holds, or None.

    Judged on the name alone: ``.env`` files (not ``.env.example`` and other templates),
    SSH private keys, ``.npmrc``, ``.netrc``, cloud and registry credentials, ``*.pem``,
    ``*.key``, ``*.p12``, ``*.pfx`` (not names that say certificate, CA or public key).
    """
    lowered = path.lower().rstrip("/")
    name = lowered.rsplit("/", 1)[-1]
    if name in _SECRET_FILE_NAMES:
        return _SECRET_FILE_NAMES[name]
    if name.startswith(".env.") and not _ENV_TEMPLATES.intersection(name[5:].split(".")):
        return "an environment file"
    if lowered.endswith((".aws/credentials", ".docker/config.json")):
        return "cloud or registry credentials"
    for suffix, kind in _SECRET_SUFFIXES.items():
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if suffix in (".pem", ".key") and _PUBLIC_KEY_HINT.search(stem):
                return None
            return kind
    return None


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
    files = frozenset(facts.files)
    secret_files = [rel for rel in facts.files if secret_file_kind(rel)]
    compose_contexts = build_contexts(facts)

    def judge(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
        findings = []
        for context_dir in _contexts_of(dockerfile, compose_contexts):
            prefix = _prefix(context_dir)
            context = _Context(
                facts,
                files,
                prefix,
                [rel for rel in secret_files if rel.startswith(prefix)],
                facts.dockerignore_for(context_dir, dockerfile.path),
            )
            findings.append(_judge_secret_files(dockerfile, context))
        return _worst(findings)

    return _each_dockerfile(facts, judge)


def _judge_secret_files(dockerfile: Dockerfile, context: _Context) -> Finding:
    copies = dockerfile.effective_all("COPY") + dockerfile.effective_all("ADD")
    copies.sort(key=lambda ins: ins.start_line)
    for instruction in copies:
        found = _secret_copied(instruction, context)
        if found is not None:
            reason, rel = found
            evidence = [_of(dockerfile, instruction)]
            if rel is not None:
                evidence.append(Evidence(rel, None, "secret-looking file in the build context"))
            return _finding(dockerfile, Status.FAIL, reason, evidence)
    evidence = [_of(dockerfile, ins) for ins in copies[:5]] or [
        _of(dockerfile, _final(dockerfile).from_instruction)
    ]
    return _finding(
        dockerfile,
        Status.PASS,
        "no COPY or ADD puts a secret-looking file into the image",
        evidence,
    )


def _secret_copied(instruction: Instruction, context: _Context) -> tuple[str, str | None] | None:
    """(reason, file of the project or None) when this COPY/ADD takes in a secret."""
    keyword = instruction.keyword
    if instruction.heredocs and instruction.words:
        destination = instruction.words[-1]
        kind = secret_file_kind(destination)
        if kind:
            return f"{keyword} writes {destination}, {kind}, into the image", None
    from_context = instruction.flag("from") is None
    for source in _sources(instruction):
        if _REMOTE_SOURCE.match(source) or "$" in source:
            continue
        kind = secret_file_kind(source)
        rel = context.rel(source) if from_context else None
        if kind and not (rel and context.harmless_npmrc(rel)):
            return (
                f"{keyword} {source} puts {kind} into the image",
                rel if rel in context.files else None,
            )
        leaked = _leaked_file(source, context) if from_context else None
        if leaked is not None:
            where = context.ignore.path if context.ignore else "no .dockerignore"
            return (
                f"{keyword} {source} sends {leaked} ({secret_file_kind(leaked)}) into "
                f"the image; {where} does not exclude it"
            ), leaked
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


# -- multi-stage builds ---------------------------------------------------------------------

# Packages and commands that compile or build: one word each, looked up in a set.
_BUILD_TOOL_WORDS = frozenset(
    "gcc g++ clang make cmake build-essential build-base autoconf automake libtool golang "
    "golang-go maven gradle rustc default-jdk gcc-c++ ninja-build meson".split()
)
_BUILD_COMMAND = re.compile(
    r"\b(go build|cargo build|mvn\b[^\n;&|]*\b(package|install|compile|verify)|\./gradlew"
    r"|gradle\b[^\n;&|]*\bbuild|(npm|pnpm) run build|yarn (run )?build|dotnet (build|publish))"
    r"\b"
)
# Words of a script, cut at quotes, shell operators and "=" (as in apt's pkg=1.2).
_TOKEN = re.compile(r"[^\s'\"`;&|()<>=]+")
_JDK_PACKAGE = re.compile(r"openjdk-\d+-jdk(-headless)?$|java-[\d.]+-openjdk-devel$")
_CLEANUP = re.compile(
    r"\bapk\b[^\n;&|]*\bdel\b|\bapt-get\b[^\n;&|]*\b(purge|remove|autoremove)"
    r"\b|\b(yum|dnf|microdnf|zypper)\b[^\n;&|]*\bremove\b"
)
_TOOLCHAIN_IMAGES = frozenset({"golang", "maven", "gradle", "gcc", "rust", "buildpack-deps"})
_JDK_IMAGES = frozenset({"openjdk", "eclipse-temurin", "amazoncorretto"})


def _toolchain_base(ref: ImageRef | None) -> bool:
    if ref is None:
        return False
    tag = (ref.tag or "").lower()
    if ref.is_official and ref.name in _TOOLCHAIN_IMAGES:
        return True
    if ref.is_official and ref.name in _JDK_IMAGES and "jre" not in tag:
        return True
    return ref.registry == "mcr.microsoft.com" and ref.repository == "dotnet/sdk"


def _build_steps(dockerfile: Dockerfile) -> list[tuple[Instruction, str]]:
    """RUN steps of the final lineage that use build tools and do not remove them."""
    steps = []
    for instruction in dockerfile.effective_all("RUN"):
        script = instruction.script
        tool = _build_tool(script)
        if tool and not _CLEANUP.search(script):
            steps.append((instruction, tool))
    return steps


def _build_tool(script: str) -> str | None:
    """A compiler, build tool, ``-dev`` package or build command the script uses."""
    tokens = set(_TOKEN.findall(script))
    tools = tokens & _BUILD_TOOL_WORDS
    if "-dev" in script or "jdk" in script:
        tools.update(word for word in tokens if _dev_package(word))
    if tools:
        return min(tools)
    if "build" in script or "mvn" in script or "publish" in script:
        match = _BUILD_COMMAND.search(script)
        return match.group(1) if match else None
    return None


def _dev_package(word: str) -> bool:
    """True for a ``-dev``/``-devel`` package or a JDK package name."""
    if not word or word[0] in "-$/." or "/" in word:
        return False
    if word.endswith(("-dev", "-devel")) and len(word) > 6:
        return True
    return "jdk" in word and _JDK_PACKAGE.match(word) is not None


def multi_stage(facts: ProjectFacts) -> list[Finding]:
    """Whether build tools stay out of the final image.

    FAIL when the final stage's lineage installs or runs build tools (compilers, make,
    ``*-dev`` packages, ``go build``, ``mvn package``, ``npm run build``...) without
    removing them in the same RUN, or starts from a toolchain image (golang, maven, a JDK,
    the .NET SDK). PASS for a multi-stage build whose final stage does neither, and for a
    single stage that installs no build tools (nothing is left to separate: it only
    copies files onto its base). Installing runtime packages is normal and not judged.
    """
    return _each_dockerfile(facts, _judge_multi_stage)


def _judge_multi_stage(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    root = _root(dockerfile)
    steps = _build_steps(dockerfile)
    if steps:
        instruction, tool = steps[0]
        line = dockerfile.line_matching(instruction, re.compile(re.escape(tool)))
        where = "the final stage" if len(dockerfile.stages) > 1 else "the only stage"
        return _finding(
            dockerfile,
            Status.FAIL,
            f"{where} uses build tools ({tool}), so they ship in the image",
            [_at(dockerfile, line)] + [_of(dockerfile, ins) for ins, _ in steps[1:4]],
        )
    if _toolchain_base(root.image_ref):
        return _finding(
            dockerfile,
            Status.FAIL,
            f"the final stage runs on the toolchain "
            f"image {root.image}, so compilers ship in the image",
            _base_evidence(dockerfile),
        )
    if len(dockerfile.stages) > 1:
        return _finding(
            dockerfile,
            Status.PASS,
            f"{len(dockerfile.stages)} stages; the final stage installs no build tools",
            [_of(dockerfile, stage.from_instruction) for stage in dockerfile.stages],
        )
    return _finding(
        dockerfile,
        Status.PASS,
        "a single stage that installs no build tools",
        _base_evidence(dockerfile),
    )


# -- users, variables, secrets ---------------------------------------------------------------

# ContainerAdministrator is the administrator account of Windows containers.
_ROOT_USERS = frozenset({"root", "0", "containeradministrator"})
_ROOT_BY_DEFAULT_CHAINGUARD = frozenset({"wolfi-base", "chainguard-base", "busybox", "git"})


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
    return None


def final_user(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage runs as a non-root user.

    Judges the effective USER of the final stage (inherited through ``FROM <stage>``;
    a USER in a builder stage does not count). FAIL when none is set, unless the base is
    known to run as non-root (distroless ``nonroot`` tags, Chainguard, Bitnami,
    nginx-unprivileged), and for ``root``/``0`` with or without a group; UNKNOWN for
    ``USER $VAR`` without a default.
    """
    return _each_dockerfile(facts, _judge_user)


def _judge_user(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    user, line = dockerfile.final_user()
    if user is None or line is None:
        root = _root(dockerfile)
        known = _nonroot_base(root.image_ref)
        if known:
            return _finding(
                dockerfile, Status.PASS, f"no USER, but {known}", _base_evidence(dockerfile)
            )
        return _finding(
            dockerfile,
            Status.FAIL,
            "no USER: the image's default user (root) applies",
            _base_evidence(dockerfile),
        )
    evidence = [_at(dockerfile, line)]
    if "$" in user:
        return _finding(
            dockerfile,
            Status.UNKNOWN,
            f"USER {user} comes from a variable with no default",
            evidence,
        )
    name = user.split(":", 1)[0].strip()
    if name.lower() in _ROOT_USERS or not name:
        return _finding(
            dockerfile, Status.FAIL, f"runs as root: the last USER is {user}", evidence
        )
    return _finding(dockerfile, Status.PASS, f"runs as {user}", evidence)


def secrets_in_arg_env(facts: ProjectFacts) -> list[Finding]:
    """Whether ARG or ENV names hint that a secret is baked into the image or its history.

    FAIL for an ARG in any stage (build arguments are recorded in the image history and
    provenance) or an ENV in the final stage's lineage (it persists in the image config)
    whose name looks like a secret (``reviewtui.masking.is_secret_name``: ``*_FILE``,
    ``*_PATH``, ``*_URL``, ``GPG_KEY`` and such do not). An ENV with an empty value bakes
    nothing and is left alone; one set from ``${VAR}`` still bakes the value in.
    """
    return _each_dockerfile(facts, _judge_arg_env)


def _judge_arg_env(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    lineage = {stage.index for stage in dockerfile.lineage()}
    hits: list[tuple[Instruction, str]] = []
    for instruction in dockerfile.instructions:
        if instruction.keyword == "ARG":
            hits.extend(
                (instruction, name) for name, _ in instruction.assignments if is_secret_name(name)
            )
        elif instruction.keyword == "ENV" and instruction.stage in lineage:
            hits.extend(
                (instruction, name)
                for name, value in instruction.assignments
                if value and is_secret_name(name)
            )
    if hits:
        instruction, name = hits[0]
        more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
        return _finding(
            dockerfile,
            Status.FAIL,
            f"{instruction.keyword} sets {name}, a secret-looking name that stays in the "
            f"image or its history{more}",
            [_of(dockerfile, ins) for ins, _ in hits],
        )
    return _finding(
        dockerfile,
        Status.PASS,
        "no ARG or ENV name looks like a secret",
        [_of(dockerfile, _final(dockerfile).from_instruction)],
    )


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
    ("aws_secret", re.compile(r"\baws\s+configure\s+set\s+aws_secret_access_key")),
    ("password", re.compile(r"\bpip\s+config\s+set\s+\S*password")),
)


def _credential_file(instruction: Instruction) -> tuple[str, re.Pattern[str]] | None:
    """A credential file this COPY/ADD brings in, and the tools that would use it."""
    for source in _sources(instruction):
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


def _credential_leaks(dockerfile: Dockerfile) -> list[tuple[Instruction, str]]:
    """RUN steps, in every stage, that get credentials some way other than a mount."""
    leaks: list[tuple[Instruction, str]] = []
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
                reason = _run_leak(instruction, secret_args, copied)
                if reason:
                    leaks.append((instruction, reason))
    return leaks


def _run_leak(
    instruction: Instruction,
    secret_args: set[str],
    copied: list[tuple[Instruction, str, re.Pattern[str]]],
) -> str | None:
    """Why this RUN gets credentials without a mount, or None. A copied credential file
    is reported at the first RUN that runs a tool reading it, then forgotten."""
    script = instruction.script
    for name in sorted(secret_args):
        if re.search(r"\$\{?" + re.escape(name) + r"\b", script):
            return f"RUN uses the build argument {name}, which stays in the image history"
    for entry in copied:
        source_instruction, source, users = entry
        if users.search(script):
            copied.remove(entry)
            return (
                f"{source} is copied in at line {source_instruction.start_line} and used by "
                "RUN; it stays in a layer"
            )
    mounted = any(mount.get("type") in ("secret", "ssh") for mount in instruction.mounts)
    if not mounted and "://" in script and _CREDENTIAL_URL.search(script):
        return "RUN puts credentials in a URL"
    if not mounted and any(
        word in script and pattern.search(script) for word, pattern in _CREDENTIAL_COMMANDS
    ):
        return "RUN writes a token or password into the image"
    return None


def build_secret_mounts(facts: ProjectFacts) -> list[Finding]:
    """Whether build-time credentials come in through ``RUN --mount=type=secret|ssh``.

    Looks at every stage. FAIL when a RUN uses a secret-named build argument, runs after
    a COPY of ``.npmrc``, ``.netrc``, ``.pypirc``, ``pip.conf``, an SSH key and the like,
    puts ``user:password@`` or ``$TOKEN@`` in a URL, or writes a registry token
    (``_authToken=``, ``docker login -p``); PASS when secret or ssh mounts are used and
    nothing leaks; NOT_APPLICABLE when no RUN needs credentials.
    """
    return _each_dockerfile(facts, _judge_build_secrets)


def _judge_build_secrets(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    leaks = _credential_leaks(dockerfile)
    if leaks:
        instruction, reason = leaks[0]
        return _finding(
            dockerfile, Status.FAIL, reason, [_of(dockerfile, ins) for ins, _ in leaks]
        )
    mounts = _secret_mounts(dockerfile)
    if mounts:
        return _finding(
            dockerfile,
            Status.PASS,
            "credentials come in through secret or ssh mounts",
            [_of(dockerfile, ins) for ins in mounts],
        )
    return _finding(
        dockerfile,
        Status.NOT_APPLICABLE,
        "no RUN needs credentials",
        [_of(dockerfile, _final(dockerfile).from_instruction)],
    )


# -- build context ----------------------------------------------------------------------------

# Paths a .dockerignore must keep out of the context, grouped by what they stand for.
_MUST_EXCLUDE = (
    (".git", (".git/config",)),
    (".env files", (".env", ".env.local")),
    ("private keys", ("id_rsa", "secrets/server.key", "secrets/server.pem")),
)


def dockerignore(facts: ProjectFacts) -> list[Finding]:
    """Whether a .dockerignore keeps ``.git``, ``.env`` files and private keys out of the
    build context.

    The context is the one a compose service gives, else the Dockerfile's folder;
    ``<Dockerfile>.dockerignore`` beside the file wins over ``.dockerignore`` at the
    context root, as Docker does. Judged on sample
    paths (``.git/config``, ``.env``, ``.env.local``, ``id_rsa``, ``secrets/server.key``,
    ``secrets/server.pem``). NOT_APPLICABLE when no stage COPYs or ADDs from the context.
    """
    compose_contexts = build_contexts(facts)

    def judge(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
        context_copies = [ins for ins in dockerfile.instructions if _reads_context(ins)]
        if not context_copies:
            return _finding(
                dockerfile,
                Status.NOT_APPLICABLE,
                "no COPY or ADD reads the build context",
                [_of(dockerfile, dockerfile.stages[0].from_instruction)],
            )
        return _worst(
            [
                _judge_dockerignore(facts, dockerfile, context, context_copies[0])
                for context in _contexts_of(dockerfile, compose_contexts)
            ]
        )

    return _each_dockerfile(facts, judge)


def _judge_dockerignore(
    facts: ProjectFacts, dockerfile: Dockerfile, context: str, first_copy: Instruction
) -> Finding:
    ignore = facts.dockerignore_for(context, dockerfile.path)
    if ignore is None:
        expected = ".dockerignore" if context == "." else f"{context}/.dockerignore"
        return _finding(
            dockerfile,
            Status.FAIL,
            f"no .dockerignore: expected {expected} at the root of the build context",
            [_of(dockerfile, first_copy)],
        )
    missing: list[str] = []
    deciding: list[IgnorePattern] = []
    for concern, samples in _MUST_EXCLUDE:
        patterns = [ignore.deciding_pattern(sample) for sample in samples]
        if not all(ignore.excludes(sample) for sample in samples):
            missing.append(concern)
        deciding.extend(p for p in patterns if p is not None and not p.exception)
    if missing:
        first_line = ignore.patterns[0].line if ignore.patterns else None
        return _finding(
            dockerfile,
            Status.FAIL,
            f"{ignore.path} does not exclude {', '.join(missing)}",
            [Evidence(ignore.path, first_line, ""), _of(dockerfile, first_copy)],
        )
    unique = {pattern.line: pattern for pattern in deciding}
    return _finding(
        dockerfile,
        Status.PASS,
        f"{ignore.path} excludes .git, .env files and private keys",
        [
            Evidence(ignore.path, p.line, p.text)
            for p in sorted(unique.values(), key=lambda p: p.line)
        ],
    )


_ARCHIVE_SUFFIXES = tuple(
    ".tar .tar.gz .tgz .tar.bz2 .tbz2 .tbz .tar.xz .txz .tar.zst .tzst .tar.lz .tar.lzma".split()
)


def _add_kind(instruction: Instruction) -> str:
    """``remote``, ``unverified`` (remote, no --checksum), ``archive`` or ``local``."""
    sources = _sources(instruction)
    if any(_REMOTE_SOURCE.match(source) or source.endswith(".git") for source in sources):
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
    return _each_dockerfile(facts, _judge_add)


def _judge_add(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    adds = [(ins, _add_kind(ins)) for ins in dockerfile.instructions if ins.keyword == "ADD"]
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
            sources = _sources(bad[0]) or ["an inline file"]
            return _finding(
                dockerfile,
                Status.FAIL,
                reason.format(source=sources[0]),
                [_of(dockerfile, ins) for ins, found in adds if found != "archive"],
            )
    if adds:
        return _finding(
            dockerfile,
            Status.PASS,
            f"ADD extracts a local archive ({_sources(adds[0][0])[0]}), which COPY cannot",
            [_of(dockerfile, ins) for ins, _ in adds],
        )
    copies = [ins for ins in dockerfile.instructions if ins.keyword == "COPY"]
    first = copies[0] if copies else _final(dockerfile).from_instruction
    return _finding(
        dockerfile, Status.PASS, "no ADD: files come in with COPY", [_of(dockerfile, first)]
    )


def healthcheck(facts: ProjectFacts) -> list[Finding]:
    """Whether the final stage defines a HEALTHCHECK (inherited through ``FROM <stage>``).

    FAIL when none is set or the last one is ``HEALTHCHECK NONE``. A base image's own
    HEALTHCHECK is not known from the files.
    """
    return _each_dockerfile(facts, _judge_healthcheck)


def _judge_healthcheck(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    check = dockerfile.effective("HEALTHCHECK")
    if check is None:
        return _finding(
            dockerfile,
            Status.FAIL,
            "no HEALTHCHECK in the final stage",
            [_of(dockerfile, _final(dockerfile).from_instruction)],
        )
    if check.arguments.strip().upper().startswith("NONE"):
        return _finding(
            dockerfile,
            Status.FAIL,
            "HEALTHCHECK NONE turns the health check off",
            [_of(dockerfile, check)],
        )
    return _finding(
        dockerfile, Status.PASS, "the final stage defines a HEALTHCHECK", [_of(dockerfile, check)]
    )


DETECTORS: dict[str, Detector] = {
    "base_image_trusted": base_image_trusted,
    "base_image_tag": base_image_tag,
    "base_image_digest": base_image_digest,
    "minimal_base": minimal_base,
    "secret_files_in_image": secret_files_in_image,
    "multi_stage": multi_stage,
    "final_user": final_user,
    "secrets_in_arg_env": secrets_in_arg_env,
    "build_secret_mounts": build_secret_mounts,
    "dockerignore": dockerignore,
    "copy_not_add": copy_not_add,
    "healthcheck": healthcheck,
}
"""The detectors of this module, by the names the checklists use."""
