"""Base image detectors: trusted publisher, version tag, digest, minimal variant."""

from __future__ import annotations

import re

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    base_evidence,
    each_dockerfile,
    evidence_of,
    final_stage,
    make_finding,
    root_stage,
)
from reviewtui.model import Finding, Status
from reviewtui.project.dockerfile import Dockerfile, ImageRef, Stage
from reviewtui.project.facts import ProjectFacts


def image_text(stage: Stage) -> str:
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
    return each_dockerfile(facts, _judge_base_trusted)


def _judge_base_trusted(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    root = root_stage(dockerfile)
    evidence = base_evidence(dockerfile)
    if root.unresolved:
        return make_finding(
            dockerfile,
            Status.UNKNOWN,
            f"the base image {root.base} comes from a build argument with no default",
            evidence,
        )
    if root.is_scratch:
        return make_finding(
            dockerfile,
            Status.PASS,
            "the final stage starts FROM scratch; no base image is pulled",
            evidence,
        )
    ref = root.image_ref
    if ref is None:
        return make_finding(
            dockerfile, Status.UNKNOWN, f"the base image {root.base} could not be read", evidence
        )
    if _untrusted_registry(ref):
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"the base image comes from {ref.registry}, "
            "a registry addressed by IP or localhost, not a known publisher",
            evidence,
        )
    publisher = _publisher(ref)
    if publisher is not None:
        return make_finding(
            dockerfile, Status.PASS, f"{ref.text} comes from {publisher}", evidence
        )
    return make_finding(
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


def floating_reason(ref: ImageRef) -> str | None:
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
    return each_dockerfile(facts, _judge_tag)


def _judge_tag(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    stages = _pulling_stages(dockerfile)
    if not stages:
        return make_finding(
            dockerfile,
            Status.NOT_APPLICABLE,
            "every stage starts from scratch or an earlier stage; no image is pulled",
            [evidence_of(dockerfile, final_stage(dockerfile).from_instruction)],
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
        reason = floating_reason(ref)
        if reason is not None:
            offending.append((stage, reason))
    if offending:
        stage, reason = offending[0]
        more = f" (and {len(offending) - 1} more FROM lines)" if len(offending) > 1 else ""
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"FROM {image_text(stage)} {reason}{more}",
            [evidence_of(dockerfile, s.from_instruction) for s, _ in offending],
        )
    if unresolved:
        return make_finding(
            dockerfile,
            Status.UNKNOWN,
            f"the image {unresolved[0].base} comes from a build argument with no default",
            [evidence_of(dockerfile, s.from_instruction) for s in unresolved],
        )
    return make_finding(
        dockerfile,
        Status.PASS,
        "every FROM pins a version",
        [evidence_of(dockerfile, s.from_instruction) for s in stages],
    )


def base_image_digest(facts: ProjectFacts) -> list[Finding]:
    """Whether every FROM that pulls an image, in every stage, pins it by ``@sha256:``.

    A tag can be moved to other content; only a digest names exact bytes. Evidence is
    each FROM line that lacks one; an image from an argument with no default is UNKNOWN.
    """
    return each_dockerfile(facts, _judge_digest)


def _judge_digest(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    stages = _pulling_stages(dockerfile)
    if not stages:
        return make_finding(
            dockerfile,
            Status.NOT_APPLICABLE,
            "every stage starts from scratch or an earlier stage; no image is pulled",
            [evidence_of(dockerfile, final_stage(dockerfile).from_instruction)],
        )
    missing: list[Stage] = []
    unresolved: list[Stage] = []
    for stage in stages:
        if "@sha256:" in stage.base or (stage.image and "@sha256:" in stage.image):
            continue
        (unresolved if stage.unresolved else missing).append(stage)
    if missing:
        names = ", ".join(image_text(stage) for stage in missing[:3])
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"not pinned by digest: {names}",
            [evidence_of(dockerfile, s.from_instruction) for s in missing],
        )
    if unresolved:
        return make_finding(
            dockerfile,
            Status.UNKNOWN,
            f"the image {unresolved[0].base} comes from a build argument with no default",
            [evidence_of(dockerfile, s.from_instruction) for s in unresolved],
        )
    return make_finding(
        dockerfile,
        Status.PASS,
        "every FROM pins its image by digest",
        [evidence_of(dockerfile, s.from_instruction) for s in stages],
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
    return each_dockerfile(facts, _judge_minimal)


def _judge_minimal(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    root = root_stage(dockerfile)
    evidence = base_evidence(dockerfile)
    if root.unresolved:
        return make_finding(
            dockerfile,
            Status.UNKNOWN,
            f"the base image {root.base} comes from a build argument with no default",
            evidence,
        )
    if root.is_scratch:
        return make_finding(
            dockerfile, Status.PASS, "the final stage starts FROM scratch", evidence
        )
    ref = root.image_ref
    if ref is None:
        return make_finding(
            dockerfile, Status.UNKNOWN, f"the base image {root.base} could not be read", evidence
        )
    status, reason = _size_class(ref)
    return make_finding(dockerfile, status, reason, evidence)


DETECTORS: dict[str, Detector] = {
    "base_image_trusted": base_image_trusted,
    "base_image_tag": base_image_tag,
    "base_image_digest": base_image_digest,
    "minimal_base": minimal_base,
}
"""The detectors of this module, by the names the checklists use."""
