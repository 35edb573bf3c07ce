"""Whether an image reference pins a version: shared by the Dockerfile and compose checks,
so both checklists agree on which tags float."""

from __future__ import annotations

import re

from reviewtui.project.dockerfile import ImageRef

# Tags that move to new releases by design: the first dash-separated word decides, so
# "lts-alpine" and "stable-slim" float as much as "lts" and "stable".
_FLOATING_TAGS = frozenset(
    "latest stable lts current edge nightly mainline rolling testing unstable sid devel dev "
    "master main head canary rc beta alpha insider".split()
)
# A moving word followed by a full version ("insider-10.0.18334.1") names one release.
_FULL_VERSION = re.compile(r"\d+\.\d+")
# Variant names that, on their own, mean "the newest version in this variant". Distribution
# code names (bookworm, jammy) are left out: for debian, ubuntu or buildpack-deps they name
# the release itself.
_VARIANT_WORDS = frozenset("alpine slim jre jdk windowsservercore nanoserver".split())


def floating_kind(ref: ImageRef) -> str | None:
    """``untagged``, ``moving`` or ``variant`` when the tag does not pin a version."""
    if ref.digest:
        return None
    if ref.tag is None:
        return "untagged"
    tag = ref.tag.lower()
    if tag.split("-", 1)[0] in _FLOATING_TAGS and not _FULL_VERSION.search(tag):
        return "moving"
    if all(word in _VARIANT_WORDS for word in tag.split("-")):
        return "variant"
    return None


def floating_reason(ref: ImageRef) -> str | None:
    """Why a tag does not pin a version (``has no tag, so it pulls latest``), or None."""
    kind = floating_kind(ref)
    if kind == "untagged":
        return "has no tag, so it pulls latest"
    if kind == "moving":
        return f"uses the moving tag {ref.tag}"
    if kind == "variant":
        return f"uses the variant tag {ref.tag}, which follows the newest version"
    return None
