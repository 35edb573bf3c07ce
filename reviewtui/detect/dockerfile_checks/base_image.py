"""Base image detectors: trusted publisher, version tag, digest, minimal variant."""

from __future__ import annotations

import re

from reviewtui.detect.dockerfile_checks.findings import (
    Detector,
    base_evidence,
    each_dockerfile,
    evidence_at,
    evidence_of,
    final_stage,
    make_finding,
    root_stage,
    worst_status,
)
from reviewtui.detect.dockerfile_checks.pulled_images import FROM, PulledImage, pulled_images
from reviewtui.detect.image_tags import floating_kind, floating_reason
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.dockerfile import Dockerfile, ImageRef
from reviewtui.project.facts import ProjectFacts

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


def unresolved_reason(written: str, line: int) -> str:
    """Why an image cannot be judged: a variable without a default, or no image at all."""
    if not written:
        return f"the FROM at line {line} names no image; Docker refuses it"
    return f"the base image {written} comes from a build argument with no default"


def base_image_trusted(facts: ProjectFacts) -> list[Finding]:
    """Whether the images the final image is made of come from a publisher one can trust.

    Judged on the root base image of the final stage's lineage and on every image a
    ``COPY --from`` (or ``RUN --mount=...,from=``) of that lineage pulls instead of
    naming a stage. PASS for scratch, Docker Official Images (no namespace,
    ``docker.io/library/``) and the verified publishers listed in
    ``_VERIFIED_PUBLISHERS``; FAIL for an image pulled from a registry addressed by IP or
    ``localhost`` (usually plain HTTP, never a known publisher); UNKNOWN for every other
    namespace or registry, which a person must vet. The worst image decides.
    """
    return each_dockerfile(facts, _judge_base_trusted)


_Verdict = tuple[Status, str, list[Evidence]]


def _judge_base_trusted(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    lineage = {stage.index for stage in dockerfile.lineage()}
    verdicts = [_root_trust(dockerfile)]
    copied = [
        image
        for image in pulled_images(dockerfile)
        if image.via != FROM and image.stage.index in lineage
    ]
    for image in copied:
        status, reason = _image_trust(image)
        verdicts.append((status, reason, [evidence_at(dockerfile, image.line)]))
    status = worst_status([status for status, _, _ in verdicts])
    deciding = [verdict for verdict in verdicts if verdict[0] is status]
    if status is Status.PASS:
        reason = verdicts[0][1]
        if len(copied) == 1:
            reason += "; " + verdicts[1][1]
        elif copied:
            reason += f"; the {len(copied)} images COPY --from pulls come from known publishers"
        deciding = verdicts
    else:
        more = len(deciding) - 1
        reason = deciding[0][1] + (f" (and {more} more)" if more else "")
    evidence = [item for _, _, found in deciding for item in found]
    return make_finding(dockerfile, status, reason, evidence)


def _root_trust(dockerfile: Dockerfile) -> _Verdict:
    """The verdict on the final stage's root base image, with its FROM lines."""
    root = root_stage(dockerfile)
    evidence = base_evidence(dockerfile)
    if root.unresolved:
        return Status.UNKNOWN, unresolved_reason(root.base, root.line), evidence
    if root.is_scratch:
        return (
            Status.PASS,
            "the final stage starts FROM scratch; no base image is pulled",
            evidence,
        )
    ref = root.image_ref
    if ref is None:
        return Status.UNKNOWN, f"the base image {root.base} could not be read", evidence
    status, predicate = _publisher_verdict(ref)
    return status, f"{ref.short} {predicate}", evidence


def _image_trust(image: PulledImage) -> tuple[Status, str]:
    """The verdict on an image a ``--from`` pulls, worded as such."""
    if image.ref is None:
        return Status.UNKNOWN, f"{image.via} pulls {image.text}, which could not be read"
    status, predicate = _publisher_verdict(image.ref)
    return status, f"{image.via} pulls {image.ref.short}, which {predicate}"


def _publisher_verdict(ref: ImageRef) -> tuple[Status, str]:
    """Whether an image's publisher is trusted, and why (``comes from ...``)."""
    if _untrusted_registry(ref):
        return Status.FAIL, (
            f"comes from {ref.registry}, "
            "a registry addressed by IP or localhost, not a known publisher"
        )
    publisher = _publisher(ref)
    if publisher is not None:
        return Status.PASS, f"comes from {publisher}"
    return Status.UNKNOWN, (
        "is neither an official nor a verified-publisher image; a person must confirm "
        "the publisher"
    )


def _unpinned_reason(image: PulledImage) -> str | None:
    """Why a pulled image is not pinned to a version, worded for how it is pulled."""
    if image.ref is None:
        return None
    if image.via == FROM:
        reason = floating_reason(image.ref)
        return image.describe(reason) if reason else None
    kind = floating_kind(image.ref)
    if kind == "untagged":
        return image.describe("with no tag, so it gets latest")
    if kind == "moving":
        return image.describe(f"with the moving tag {image.ref.tag}")
    if kind == "variant":
        return image.describe(
            f"with the variant tag {image.ref.tag}, which follows the newest version"
        )
    return None


def _no_image_pulled(dockerfile: Dockerfile) -> Finding:
    return make_finding(
        dockerfile,
        Status.NOT_APPLICABLE,
        "every stage starts from scratch or an earlier stage; no image is pulled",
        [evidence_of(dockerfile, final_stage(dockerfile).from_instruction)],
    )


def _unresolved_finding(dockerfile: Dockerfile, unresolved: list[PulledImage]) -> Finding:
    """UNKNOWN for images from variables without a default or that cannot be read."""
    first = unresolved[0]
    reason = (
        unresolved_reason(first.written, first.line)
        if not first.resolved
        else f"the image {first.text} could not be read"
    )
    return make_finding(
        dockerfile,
        Status.UNKNOWN,
        reason,
        [evidence_at(dockerfile, image.line) for image in unresolved],
    )


def _images_phrase(images: list[PulledImage]) -> str:
    """``every FROM`` or ``every FROM and COPY --from image``: what a pass speaks of."""
    vias = {image.via for image in images} - {FROM}
    return "every FROM" + "".join(f" and {via} image" for via in sorted(vias))


def base_image_tag(facts: ProjectFacts) -> list[Finding]:
    """Whether every image the build pulls, in every stage, is pinned to a version.

    Judges each FROM that pulls an image and each ``COPY --from`` or
    ``RUN --mount=...,from=`` that names an image rather than a stage. FAIL for no tag,
    ``latest`` and moving tags (``stable``, ``lts``, ``edge``...); a digest pins whatever
    the tag says. Build-argument defaults are substituted first; an image from an
    argument with no default is UNKNOWN. Stages built on earlier stages and ``scratch``
    pull nothing and are skipped.
    """
    return each_dockerfile(facts, _judge_tag)


def _judge_tag(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    images = pulled_images(dockerfile)
    if not images:
        return _no_image_pulled(dockerfile)
    offending: list[tuple[PulledImage, str]] = []
    unresolved: list[PulledImage] = []
    for image in images:
        if image.pinned_by_digest:
            continue
        if image.ref is None:
            unresolved.append(image)
            continue
        reason = _unpinned_reason(image)
        if reason is not None:
            offending.append((image, reason))
    if offending:
        more = f" (and {len(offending) - 1} more)" if len(offending) > 1 else ""
        return make_finding(
            dockerfile,
            Status.FAIL,
            offending[0][1] + more,
            [evidence_at(dockerfile, image.line) for image, _ in offending],
        )
    if unresolved:
        return _unresolved_finding(dockerfile, unresolved)
    return make_finding(
        dockerfile,
        Status.PASS,
        f"{_images_phrase(images)} pins a version",
        [evidence_at(dockerfile, image.line) for image in images],
    )


def base_image_digest(facts: ProjectFacts) -> list[Finding]:
    """Whether every image the build pulls, in every stage, is pinned by ``@sha256:``.

    Judges each FROM that pulls an image and each ``COPY --from`` or
    ``RUN --mount=...,from=`` that names an image rather than a stage. A tag can be moved
    to other content; only a digest names exact bytes. Evidence is each line whose image
    lacks one; an image from an argument with no default is UNKNOWN.
    """
    return each_dockerfile(facts, _judge_digest)


def _judge_digest(facts: ProjectFacts, dockerfile: Dockerfile) -> Finding:
    images = pulled_images(dockerfile)
    if not images:
        return _no_image_pulled(dockerfile)
    missing: list[PulledImage] = []
    unresolved: list[PulledImage] = []
    for image in images:
        if image.pinned_by_digest:
            continue
        (missing if image.ref is not None else unresolved).append(image)
    if missing:
        names = ", ".join(
            image.text if image.via == FROM else f"{image.text} ({image.via})"
            for image in missing[:3]
        )
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        return make_finding(
            dockerfile,
            Status.FAIL,
            f"not pinned by digest: {names}{more}",
            [evidence_at(dockerfile, image.line) for image in missing],
        )
    if unresolved:
        return _unresolved_finding(dockerfile, unresolved)
    return make_finding(
        dockerfile,
        Status.PASS,
        f"{_images_phrase(images)} pins its image by digest",
        [evidence_at(dockerfile, image.line) for image in images],
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
            dockerfile, Status.UNKNOWN, unresolved_reason(root.base, root.line), evidence
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
