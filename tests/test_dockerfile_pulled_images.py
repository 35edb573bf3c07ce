"""Images pulled by ``COPY --from`` and ``RUN --mount=from=`` are judged like FROM images:
tag, digest and publisher, each cited at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.detect.dockerfile_checks.pulled_images import COPY_FROM, FROM, pulled_images
from reviewtui.model import Finding, Status
from reviewtui.project.dockerfile import parse_dockerfile
from tests.detector_helpers import judge

# The shape of the awesome-compose dev-envs stages: a whole image from a personal
# namespace, untagged, copied over / of the final stage.
DEV_ENVS = (
    "FROM python:3.10.14-alpine AS builder\n"
    "WORKDIR /code\n"
    "FROM builder AS dev-envs\n"
    "RUN apk add --no-cache git\n"
    "COPY --from=gloursdocker/docker / /\n"
)


def located(finding: Finding) -> list[tuple[int | None, str]]:
    return [(evidence.line, evidence.snippet) for evidence in finding.evidence]


def test_untagged_copy_from_image_fails_the_tag_check(tmp_path: Path) -> None:
    finding = judge("base_image_tag", tmp_path, DEV_ENVS)

    assert finding.status is Status.FAIL
    assert finding.reason == "COPY --from pulls gloursdocker/docker with no tag, so it gets latest"
    assert located(finding) == [(5, "COPY --from=gloursdocker/docker / /")]


def test_copy_from_image_of_a_personal_namespace_needs_a_person(tmp_path: Path) -> None:
    finding = judge("base_image_trusted", tmp_path, DEV_ENVS)

    assert finding.status is Status.UNKNOWN
    assert finding.reason.startswith(
        "COPY --from pulls gloursdocker/docker, which is neither an official nor a "
        "verified-publisher image"
    )
    assert located(finding) == [(5, "COPY --from=gloursdocker/docker / /")]


def test_copy_from_image_without_digest_is_named(tmp_path: Path) -> None:
    finding = judge("base_image_digest", tmp_path, DEV_ENVS)

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "not pinned by digest: python:3.10.14-alpine, gloursdocker/docker (COPY --from)"
    )
    assert [line for line, _ in located(finding)] == [1, 5]


def test_pinned_copy_from_images_pass_and_are_cited(tmp_path: Path) -> None:
    digest = "@sha256:" + "a" * 64
    dockerfile = (
        f"FROM alpine:3.20.1{digest}\n"
        f"COPY --from=busybox:1.36.1{digest} /bin/busybox /bin/busybox\n"
    )

    tag = judge("base_image_tag", tmp_path / "tag", dockerfile)
    pinned = judge("base_image_digest", tmp_path / "digest", dockerfile)
    trusted = judge("base_image_trusted", tmp_path / "trusted", dockerfile)

    assert (tag.status, tag.reason) == (
        Status.PASS,
        "every FROM and COPY --from image pins a version",
    )
    assert (pinned.status, pinned.reason) == (
        Status.PASS,
        "every FROM and COPY --from image pins its image by digest",
    )
    assert trusted.status is Status.PASS
    assert trusted.reason == (
        "alpine:3.20.1 comes from Docker Official Images; COPY --from pulls "
        "busybox:1.36.1, which comes from Docker Official Images"
    )
    assert [line for line, _ in located(tag)] == [1, 2]


@pytest.mark.parametrize(
    "reference",
    ["build", "BUILD", "0", "scratch"],
)
def test_stage_names_indexes_and_scratch_pull_nothing(tmp_path: Path, reference: str) -> None:
    dockerfile = f"FROM alpine:3.20.1 AS build\nFROM alpine:3.20.1\nCOPY --from={reference} / /\n"

    assert [image.via for image in pulled_images(parse_dockerfile(dockerfile, "Dockerfile"))] == [
        FROM,
        FROM,
    ]
    assert judge("base_image_tag", tmp_path, dockerfile).status is Status.PASS


def test_copy_from_an_argument_default_is_resolved(tmp_path: Path) -> None:
    finding = judge(
        "base_image_tag",
        tmp_path,
        "ARG TOOLS=someone/tools:latest\nFROM alpine:3.20.1\nARG TOOLS\n"
        "COPY --from=${TOOLS} /bin/tool /bin/tool\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason == "COPY --from pulls someone/tools:latest with the moving tag latest"
    assert [line for line, _ in located(finding)] == [4]


def test_copy_from_a_variable_without_default_is_not_judged(tmp_path: Path) -> None:
    # It may name a stage as well as an image.
    dockerfile = "FROM alpine:3.20.1\nARG SOURCE\nCOPY --from=${SOURCE} / /\n"

    assert [image.via for image in pulled_images(parse_dockerfile(dockerfile, "Dockerfile"))] == [
        FROM
    ]


def test_run_mount_from_an_image_is_cited_at_its_line(tmp_path: Path) -> None:
    finding = judge(
        "base_image_tag",
        tmp_path,
        "FROM alpine:3.20.1\nRUN --mount=type=cache,target=/c \\\n"
        "    --mount=type=bind,from=someone/tools,target=/t \\\n    /t/run\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("RUN --mount from pulls someone/tools with no tag")
    assert [line for line, _ in located(finding)] == [3]


def test_trust_looks_at_the_final_lineage_only_but_tags_at_every_stage(tmp_path: Path) -> None:
    dockerfile = (
        "FROM alpine:3.20.1 AS tools\nCOPY --from=someone/tools:1.0.0 /t /t\n"
        "FROM alpine:3.20.1\nCOPY --from=tools /t /t\n"
    )

    trusted = judge("base_image_trusted", tmp_path / "trusted", dockerfile)
    pinned = judge("base_image_digest", tmp_path / "digest", dockerfile)

    assert trusted.status is Status.PASS
    assert "someone/tools:1.0.0 (COPY --from)" in pinned.reason


def test_copy_from_an_ip_registry_fails_trust(tmp_path: Path) -> None:
    finding = judge(
        "base_image_trusted",
        tmp_path,
        "FROM python:3.12.4-slim\nCOPY --from=10.0.0.5:5000/tools:1.2 /t /t\n"
        "COPY --from=someone/other:1.0 /o /o\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("COPY --from pulls 10.0.0.5:5000/tools:1.2, which comes from")
    assert [line for line, _ in located(finding)] == [2]


def test_pulled_images_are_listed_in_file_order() -> None:
    dockerfile = parse_dockerfile(
        "FROM alpine:3.20.1 AS a\nCOPY --from=busybox:1.36 / /\nFROM a\nFROM nginx:1.27.0\n",
        "Dockerfile",
    )

    assert [(image.via, image.text, image.line) for image in pulled_images(dockerfile)] == [
        (FROM, "alpine:3.20.1", 1),
        (COPY_FROM, "busybox:1.36", 2),
        (FROM, "nginx:1.27.0", 4),
    ]
