"""Image detectors: the ``image:`` a service runs is pinned to a version, and by digest
(CIS 5.28)."""

from __future__ import annotations

from reviewtui.detect.compose_checks.findings import finding, per_service
from reviewtui.detect.image_tags import floating_reason
from reviewtui.model import Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.dockerfile import ImageRef, parse_image_ref


def _version_from_unset_variable(service: ComposeService) -> str | None:
    """The unset variables that decide the image's name, tag or digest, if any."""
    substitution = service.data.substitution_of("image")
    if substitution is None:
        return None
    # A variable that took the default written beside it is settled by that default.
    unset = [name for name in substitution.unset if name not in substitution.defaulted]
    if not unset:
        return None
    tail = substitution.raw.rsplit("/", 1)[-1]
    name, _, version = tail.replace("@", ":", 1).partition(":")
    if "$" in version or ("$" in name and not version):
        return ", ".join(unset)
    return None


def _image_ref(service: ComposeService) -> ImageRef | Finding:
    """The service's pulled image, or the finding that says why it cannot be judged."""
    if service.get("build") is not None:
        build = service.build()
        context = build.context if build is not None else None
        where = "the project's root folder" if context == "." else context or "its build:"
        return finding(
            service,
            Status.NOT_APPLICABLE,
            f"built from {where}: the image name tags the local build, "
            "whose FROM lines the image checklist judges",
            service.evidence("build"),
        )
    image = service.get("image")
    if image is None or not str(image).strip():
        return finding(
            service, Status.UNKNOWN, "names no image (and builds none)", service.evidence("image")
        )
    unset = _version_from_unset_variable(service)
    if unset is not None:
        return finding(
            service,
            Status.UNKNOWN,
            f"the image comes from {unset}, set nowhere in the project",
            service.evidence("image"),
        )
    ref = parse_image_ref(str(image))
    if ref is None:
        return finding(
            service, Status.UNKNOWN, f"cannot read image {image}", service.evidence("image")
        )
    return ref


def _compose_image_tag(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for an ``image:`` without a tag, with ``latest`` or another moving tag; a digest
    pins it whatever the tag says. Services that build their image are not applicable:
    the image checklist judges their Dockerfile's FROM lines."""
    ref = _image_ref(service)
    if isinstance(ref, Finding):
        return ref
    reason = floating_reason(ref)
    evidence = service.evidence("image")
    if reason is not None:
        return finding(service, Status.FAIL, f"image {ref.text} {reason}", evidence)
    if ref.digest:
        return finding(service, Status.PASS, f"image {ref.text} is pinned by digest", evidence)
    return finding(service, Status.PASS, f"image {ref.text} pins version {ref.tag}", evidence)


def _compose_image_digest(project: ComposeProject, service: ComposeService) -> Finding:
    """PASS for an ``image:`` pinned by ``@sha256:``; a tag alone can be moved to other
    content. Services that build their image are not applicable."""
    ref = _image_ref(service)
    if isinstance(ref, Finding):
        return ref
    evidence = service.evidence("image")
    if ref.digest:
        return finding(service, Status.PASS, f"image {ref.text} is pinned by digest", evidence)
    return finding(
        service,
        Status.FAIL,
        f"image {ref.text} is not pinned by digest: its tag can be moved to other content",
        evidence,
    )


compose_image_tag = per_service(_compose_image_tag)
compose_image_digest = per_service(_compose_image_digest)

DETECTORS = {
    "compose_image_tag": compose_image_tag,
    "compose_image_digest": compose_image_digest,
}
"""The detectors of this module, by the names the checklists use."""
