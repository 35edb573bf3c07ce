"""Images a build pulls: each FROM's base, and images named by ``COPY --from`` or
``RUN --mount=...,from=`` instead of a stage."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewtui.project.dockerfile import (
    Dockerfile,
    ImageRef,
    Instruction,
    Stage,
    expand_variables,
    parse_image_ref,
)

FROM = "FROM"
COPY_FROM = "COPY --from"
MOUNT_FROM = "RUN --mount from"


@dataclass(frozen=True, slots=True)
class PulledImage:
    """One image the build pulls, and the instruction that pulls it.

    ``via`` says how: :data:`FROM`, :data:`COPY_FROM` or :data:`MOUNT_FROM`; ``text`` is
    the image with build-argument defaults substituted (as written when a variable has
    no default, ``resolved`` is then False); ``ref`` is the parsed reference, None when
    unresolved or unreadable; ``line`` is the line that names the image.
    """

    via: str
    stage: Stage
    instruction: Instruction
    text: str
    written: str
    ref: ImageRef | None
    resolved: bool
    line: int

    @property
    def pinned_by_digest(self) -> bool:
        """True when the reference carries an ``@sha256:`` digest, as written or resolved."""
        return "@sha256:" in self.written or "@sha256:" in self.text

    def describe(self, phrase: str) -> str:
        """``FROM X <phrase>`` or ``COPY --from pulls X <phrase>``: a reason's opening."""
        if self.via == FROM:
            return f"FROM {self.text} {phrase}"
        return f"{self.via} pulls {self.text} {phrase}"


def references(dockerfile: Dockerfile) -> list[tuple[Instruction, Stage, str]]:
    """Every ``COPY --from`` and ``RUN --mount=from=`` with its stage and the value."""
    found = []
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.keyword == "COPY":
                value = instruction.flag("from")
                if value is not None:
                    found.append((instruction, stage, value))
            elif instruction.keyword == "RUN" and instruction.flags:
                found.extend(
                    (instruction, stage, mount["from"])
                    for mount in instruction.mounts
                    if mount.get("from")
                )
    return found


def resolve(dockerfile: Dockerfile, stage: Stage, instruction: Instruction, text: str) -> str:
    """``text`` with the ARG defaults in effect substituted; global ones count too.

    ``""`` when a variable has no default.
    """
    value, complete = dockerfile.expand(text, stage, instruction.start_line)
    if not complete:
        value, complete = expand_variables(text, dockerfile.global_args)
    return value if complete else ""


def pulled_images(dockerfile: Dockerfile) -> list[PulledImage]:
    """Every image the build pulls, in file order; kept in the file's memo.

    A ``--from`` that names a stage (by name or index) or ``scratch`` pulls nothing. A
    ``--from`` whose variable has no default is left out: it may name a stage.
    """
    cached = dockerfile.memo.get("pulled_images")
    if cached is None:
        cached = _from_images(dockerfile) + _referenced_images(dockerfile)
        cached.sort(key=lambda image: image.line)
        dockerfile.memo["pulled_images"] = cached
    return cached  # type: ignore[no-any-return]


def _from_images(dockerfile: Dockerfile) -> list[PulledImage]:
    return [
        PulledImage(
            FROM,
            stage,
            stage.from_instruction,
            stage.image if stage.image is not None else stage.base,
            stage.base,
            stage.image_ref,
            not stage.unresolved,
            stage.line,
        )
        for stage in dockerfile.stages
        if stage.pulls_image
    ]


def _referenced_images(dockerfile: Dockerfile) -> list[PulledImage]:
    images = []
    for instruction, stage, written in references(dockerfile):
        # TODO: a --from from a variable without a default may name an image; not judged.
        value = resolve(dockerfile, stage, instruction, written)
        if not value or value.isdigit() or value.lower() == "scratch":
            continue
        if dockerfile.stage_by_ref(value) is not None:
            continue
        if instruction.keyword == "COPY":
            via, line = COPY_FROM, instruction.start_line
        else:
            pattern = re.compile(r"from=" + re.escape(written))
            via, line = MOUNT_FROM, dockerfile.line_matching(instruction, pattern)
        ref = parse_image_ref(value)
        images.append(PulledImage(via, stage, instruction, value, written, ref, True, line))
    return images
