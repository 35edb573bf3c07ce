"""Multi-stage detectors: build tools kept out of the final stage, stage references."""

from __future__ import annotations

import re

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    Hit,
    base_evidence,
    each_dockerfile,
    evidence_at,
    evidence_of,
    final_stage,
    judge_hits,
    make_finding,
    root_stage,
)
from reviewtui.detect.dockerfile_checks.pulled_images import references, resolve
from reviewtui.detect.image_tags import floating_reason
from reviewtui.model import Finding, Status
from reviewtui.project.dockerfile import (
    Dockerfile,
    ImageRef,
    Instruction,
    Stage,
    parse_image_ref,
)
from reviewtui.project.facts import ProjectFacts

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
        if tool and not _removes_packages(script):
            steps.append((instruction, tool))
    return steps


def _removes_packages(script: str) -> bool:
    # The plain words first: the regex runs only on scripts that may remove packages.
    if "del" not in script and "remove" not in script and "purge" not in script:
        return False
    return _CLEANUP.search(script) is not None


def _build_tool(script: str) -> str | None:
    """A compiler, build tool, ``-dev`` package or build command the script uses."""
    dev = "-dev" in script or "jdk" in script
    tools: set[str] = set()
    if dev or any(word in script for word in _BUILD_TOOL_WORDS):
        tokens = set(_TOKEN.findall(script))
        tools = tokens & _BUILD_TOOL_WORDS
        if dev:
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
    the .NET SDK). A final stage built ``FROM`` an earlier stage inherits that stage's
    files, so build tools there ship too. PASS when the final stage leaves earlier stages
    behind and its lineage does neither, and for a single stage (or a single chain of
    stages) that installs no build tools: nothing is left to separate. Installing
    runtime packages is normal and not judged.
    """
    return each_dockerfile(facts, _judge_multi_stage)


def _judge_multi_stage(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    root, final = root_stage(dockerfile), final_stage(dockerfile)
    steps = _build_steps(dockerfile)
    if steps:
        instruction, tool = steps[0]
        line = dockerfile.line_containing(instruction, tool)
        owner = dockerfile.stages[instruction.stage]
        if owner is not final:
            reason = (
                f"the final stage builds on stage {_stage_name(owner)}, which "
                f"{_tool_verb(instruction, tool)} {tool}; its tools ship in the image"
            )
        else:
            where = "the final stage" if len(dockerfile.stages) > 1 else "the only stage"
            reason = f"{where} uses build tools ({tool}), so they ship in the image"
        return make_finding(
            dockerfile,
            Status.FAIL,
            reason,
            [evidence_at(dockerfile, line)]
            + [evidence_of(dockerfile, ins) for ins, _ in steps[1:4]],
        )
    if _toolchain_base(root.image_ref):
        where = (
            "the final stage runs on"
            if root is final
            else f"the final stage builds on stage {_stage_name(root)}, which starts from"
        )
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"{where} the toolchain image {root.image}, so compilers ship in the image",
            base_evidence(dockerfile),
        )
    lineage = dockerfile.lineage()
    if len(dockerfile.stages) > len(lineage):
        return make_finding(
            dockerfile,
            Status.PASS,
            f"{len(dockerfile.stages)} stages; the final stage installs no build tools",
            [evidence_of(dockerfile, stage.from_instruction) for stage in dockerfile.stages],
        )
    if len(lineage) > 1:
        return make_finding(
            dockerfile,
            Status.PASS,
            f"the final stage builds on stage {_stage_name(lineage[-2])}, so every stage "
            "ships; none installs build tools",
            [evidence_of(dockerfile, stage.from_instruction) for stage in lineage],
        )
    return make_finding(
        dockerfile,
        Status.PASS,
        "a single stage that installs no build tools",
        base_evidence(dockerfile),
    )


_INSTALLS = re.compile(r"\b(install|add)\b")


def _stage_name(stage: Stage) -> str:
    return stage.name or str(stage.index)


def _tool_verb(instruction: Instruction, tool: str) -> str:
    """``installs`` for a tool a package manager adds, ``runs`` for a build command."""
    if " " in tool:
        return "runs"
    return "installs" if _INSTALLS.search(instruction.script) else "uses"


# -- stage references -------------------------------------------------------------------------


def _reference_problem(
    dockerfile: Dockerfile, stage: Stage, instruction: Instruction, reference: str
) -> str | None:
    """Why this ``--from`` value is wrong or pulls an unpinned image, or None."""
    keyword = "COPY --from" if instruction.keyword == "COPY" else "RUN --mount from"
    if reference.isdigit():
        if int(reference) >= stage.index:
            return f"{keyword}={reference} names this stage or a later one, not an earlier"
        return None
    target = dockerfile.stage_by_ref(reference)
    if target is not None:
        if target.index == stage.index:
            return f"{keyword}={reference} names the stage it is in"
        return None
    ref = parse_image_ref(reference)
    if ref is None or reference.lower() == "scratch" or ref.digest:
        return None
    reason = floating_reason(ref)
    if reason is None:
        return None
    return (
        f"{keyword}={reference}: no stage has that name, so it pulls the image "
        f"{reference}, which {reason}"
    )


def stage_references(facts: ProjectFacts) -> list[Finding]:
    """Whether stage names are unique and every ``--from`` names a stage or a pinned image.

    Looks at every stage. FAIL for two stages with one name, a ``COPY --from`` (or
    ``RUN --mount=...,from=``) that names its own stage or a stage index that is not an
    earlier one, and a ``--from`` that names no stage: Docker then pulls an image of that
    name, so a typo pulls whatever a registry serves; FAIL when that image has no
    version tag or a moving one. ARG defaults are substituted; a value from a variable
    without one is not judged. NOT_APPLICABLE with no names and no ``--from``.
    """
    return each_dockerfile(facts, _judge_references)


def _judge_references(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    hits: list[Hit] = []
    names: dict[str, Stage] = {}
    for stage in dockerfile.stages:
        if stage.name is None:
            continue
        if stage.name in names:
            first = names[stage.name].line
            hits.append(
                Hit(
                    stage.line,
                    f"two stages are named {stage.name} (lines {first} and {stage.line})",
                )
            )
        else:
            names[stage.name] = stage
    found = references(dockerfile)
    for instruction, stage, text in found:
        reference = resolve(dockerfile, stage, instruction, text)
        problem = (
            _reference_problem(dockerfile, stage, instruction, reference) if reference else None
        )
        if problem:
            hits.append(Hit(instruction.start_line, problem))
    lines = [stage.line for stage in names.values()] + [ins.start_line for ins, _, _ in found]
    return judge_hits(
        dockerfile,
        hits,
        "stage names are unique and every --from names an earlier stage or a pinned image",
        lines,
        None if lines else "no named stages and no COPY --from",
    )


DETECTORS: dict[str, Detector] = {
    "multi_stage": multi_stage,
    "stage_references": stage_references,
}
"""The detectors of this module, by the names the checklists use."""
