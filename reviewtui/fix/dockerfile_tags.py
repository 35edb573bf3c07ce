"""The fix for images pulled without a version: the tag the Dockerfile itself pins.

No registry is asked which tags exist, so a tag is only ever taken from the file: the
same image pulled elsewhere in it (another FROM, a ``COPY --from``, a mount's ``from=``)
with a version tag of the same variant (``3.12-alpine`` for ``alpine``, a plain version
for no tag or ``latest``). One such tag, or no fix: two are a choice for a person. The
image is rewritten where it is written: in the instruction, or in the default of the
global ARG it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewtui.detect.dockerfile_checks.pulled_images import (
    FROM,
    PulledImage,
    pulled_images,
)
from reviewtui.detect.image_tags import floating_kind
from reviewtui.fix.dockerfile_text import (
    LineChange,
    NoFix,
    apply_changes,
    last_line,
    replace_line,
)
from reviewtui.fix.model import Edit
from reviewtui.project.dockerfile import Dockerfile, ImageRef, Instruction

# Tag words that name a variant rather than a version; a pinned tag replaces a floating
# one only when both name the same variant.
_VARIANT_WORDS = frozenset(
    "alpine slim jre jdk windowsservercore nanoserver musl minimal debian ubuntu".split()
)
# A reference to one variable: $NAME or ${NAME}.
_ONE_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class _Pin:
    """One floating image and the image text that pins it."""

    image: PulledImage
    pinned: str


def pinned_tags(dockerfile: Dockerfile, text: str) -> Edit | NoFix:
    """Every floating image of the file pinned to the one matching tag the file pins."""
    images = pulled_images(dockerfile)
    floating = [
        image
        for image in images
        if not image.pinned_by_digest and image.ref is not None and floating_kind(image.ref)
    ]
    if not floating:
        return NoFix("no image pulled by a floating tag")
    pins = []
    for image in floating:
        pin = _pin(image, images)
        if isinstance(pin, NoFix):
            return pin
        pins.append(pin)
    changes = _changes(dockerfile, pins)
    if isinstance(changes, NoFix):
        return changes
    named = ", ".join(f"{pin.image.text} -> {pin.pinned}" for pin in pins)
    return Edit(
        apply_changes(text, changes),
        f"Pin the floating images to the tag the Dockerfile pins elsewhere: {named}.",
        "The build pulls the pinned version instead of whatever the floating tag points "
        "to today; if those differ, the image changes.",
        "Build the image and run its tests; from now on the pinned tag moves only when "
        "you change it (and it can still be re-pushed: a digest pins exact bytes).",
    )


def _pin(image: PulledImage, images: list[PulledImage]) -> _Pin | NoFix:
    """The pin of one floating image, from the pinned images of the same repository."""
    ref = image.ref
    assert ref is not None
    wanted = _wanted_variant(ref)
    if wanted is None:
        return NoFix(
            f"{image.text} uses the moving tag {ref.tag}, which names a release line "
            "no pinned tag of the file is known to match"
        )
    # TODO: a compose file's image: of the same repository pins a tag too; a fixer sees
    # only the Dockerfile's text, so the project's compose files are not asked.
    tags = set()
    for other in images:
        other_ref = other.ref
        if other_ref is None or other is image or floating_kind(other_ref) is not None:
            continue
        if (other_ref.registry, other_ref.repository) != (ref.registry, ref.repository):
            continue
        if other_ref.tag and _variant(other_ref.tag) == wanted:
            tags.add(other_ref.tag)
    if len(tags) != 1:
        found = "no" if not tags else f"{len(tags)} different"
        return NoFix(
            f"{image.text}: the Dockerfile pins {found} version tags of {ref.name} of the "
            "same variant, and no registry is asked here; pick the version by hand"
        )
    return _Pin(image, _with_tag(image.text, ref, tags.pop()))


def _wanted_variant(ref: ImageRef) -> frozenset[str] | None:
    """The variant words a pin must have: none for no tag or ``latest``, the tag's own
    for a variant tag; None for other moving tags (``lts``, ``edge``, ``sid``)."""
    tag = (ref.tag or "latest").lower()
    words = tag.split("-")
    if words[0] == "latest":
        return frozenset(words[1:]) if all(w in _VARIANT_WORDS for w in words[1:]) else None
    if floating_kind(ref) == "variant":
        return frozenset(words)
    return None


def _variant(tag: str) -> frozenset[str]:
    return frozenset(word for word in tag.lower().split("-") if word in _VARIANT_WORDS)


def _with_tag(text: str, ref: ImageRef, tag: str) -> str:
    """The image ``text`` with its tag replaced by (or given) ``tag``."""
    name = text.split("@", 1)[0]
    if ref.tag is not None:
        name = name[: -len(ref.tag) - 1]
    return f"{name}:{tag}"


def _changes(dockerfile: Dockerfile, pins: list[_Pin]) -> list[LineChange] | NoFix:
    """The line changes writing every pin where its image is written."""
    by_line: dict[int, str] = {}
    for pin in pins:
        image = pin.image
        if "$" in image.written:
            change = _argument_change(dockerfile, pin)
        else:
            change = _instruction_change(dockerfile, image, pin.pinned)
        if isinstance(change, NoFix):
            return change
        number, pattern, new = change
        line = by_line.get(number, dockerfile.lines[number - 1])
        match = pattern.search(line)
        if match is None:
            return NoFix(f"{image.text} at line {number} could not be located")
        edited = line[: match.start()] + new + line[match.end() :]
        by_line[number] = edited
    return [replace_line(number, line) for number, line in sorted(by_line.items())]


_Swap = tuple[int, re.Pattern[str], str]
"""A line, the text in it to replace (its first match) and the replacement."""


def _instruction_change(dockerfile: Dockerfile, image: PulledImage, pinned: str) -> _Swap | NoFix:
    """The line of the instruction that writes the image, and the words to swap: the
    image word of a FROM, the value of a ``from=`` flag or mount option."""
    instruction = image.instruction
    escaped = re.escape(image.written)
    if image.via == FROM:
        pattern = re.compile(r"(?<!\S)" + escaped + r"(?!\S)")
    else:
        pattern = re.compile(r"(?<=from=)" + escaped + r"(?![^\s,\"'])")
    for number in range(instruction.start_line, last_line(instruction) + 1):
        if pattern.search(dockerfile.lines[number - 1]):
            return number, pattern, pinned
    return NoFix(f"{image.written} could not be located in its instruction")


def _argument_change(dockerfile: Dockerfile, pin: _Pin) -> _Swap | NoFix:
    """The global ARG line whose default makes the image, and the default to write.

    Only for an image written with one variable, from a global ARG with a plain default
    that nothing else uses (so the new default changes this image only).
    """
    image = pin.image
    matches = list(_ONE_VARIABLE.finditer(image.written))
    if image.via != FROM or len(matches) != 1 or image.written.count("$") != 1:
        return NoFix(f"{image.written} is built from variables; pin it by hand")
    match = matches[0]
    name = match.group(1) or match.group(2)
    prefix, suffix = image.written[: match.start()], image.written[match.end() :]
    if not (pin.pinned.startswith(prefix) and pin.pinned.endswith(suffix)):
        return NoFix(f"{image.written}: the pin is not made by its ARG {name}")
    default = pin.pinned[len(prefix) : len(pin.pinned) - len(suffix)]
    declaration = _sole_global_arg(dockerfile, name)
    if isinstance(declaration, NoFix):
        return declaration
    instruction, old_default = declaration
    pattern = re.compile(
        r"(?<![^\s])" + re.escape(name) + r"=([\"']?)" + re.escape(old_default) + r"\1(?!\S)"
    )
    found = pattern.search(dockerfile.lines[instruction.start_line - 1])
    if found is None:
        return NoFix(f"the default of ARG {name} could not be located")
    quote = found.group(1)
    return instruction.start_line, pattern, f"{name}={quote}{default}{quote}"


def _sole_global_arg(dockerfile: Dockerfile, name: str) -> tuple[Instruction, str] | NoFix:
    """The one global ARG declaring ``name`` with a plain default on one line, when no
    other instruction of the file names the variable."""
    declarations = [
        ins
        for ins in dockerfile.instructions
        if ins.keyword == "ARG" and any(arg == name for arg, _ in ins.assignments)
    ]
    if len(declarations) != 1 or declarations[0].stage != -1:
        return NoFix(f"ARG {name} is declared in a stage too; pin the image by hand")
    instruction = declarations[0]
    if instruction.end_line != instruction.start_line:
        return NoFix(f"ARG {name} spans several lines; pin the image by hand")
    default = dict(instruction.assignments).get(name)
    if not default or "$" in default:
        return NoFix(f"ARG {name} has no plain default to pin")
    use = re.compile(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])")
    users = [ins for ins in dockerfile.instructions if use.search(ins.value)]
    if len(users) != 1:
        return NoFix(f"ARG {name} is used by {len(users)} instructions; pin the image by hand")
    return instruction, default
