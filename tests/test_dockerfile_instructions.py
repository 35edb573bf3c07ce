"""Instruction, stage and privilege detectors: EXPOSE, WORKDIR, CMD/ENTRYPOINT form, the
syntax frontend, stage references, sudo and setuid bits."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.model import Status
from tests.detector_helpers import judge, lines

# --- exposed_ports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expose", "reason"),
    [
        ("EXPOSE 22", "SSH's port 22"),
        ("EXPOSE 80 22/tcp", "EXPOSE 22/tcp advertises"),
        ("EXPOSE 20-25", "EXPOSE 20-25 advertises"),
        ("EXPOSE 70000", "outside the port range"),
        ("EXPOSE 9000-8000", "outside the port range"),
        ("EXPOSE 80/http", "unknown protocol http"),
        ("EXPOSE eighty", "not a port number"),
        ("ARG SSH_PORT=22\nEXPOSE ${SSH_PORT}", "SSH's port 22"),
    ],
)
def test_bad_or_ssh_ports_fail(tmp_path: Path, expose: str, reason: str) -> None:
    finding = judge("exposed_ports", tmp_path, f"FROM alpine:3.20.1\n{expose}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason


def test_valid_ports_pass_and_inherited_expose_counts(tmp_path: Path) -> None:
    finding = judge(
        "exposed_ports",
        tmp_path,
        "FROM alpine:3.20.1 AS base\nEXPOSE 8080/tcp 53/udp 0\nFROM base\nEXPOSE 9000-9010\n",
    )

    assert finding.status is Status.PASS
    assert lines(finding) == [2, 4]


def test_port_of_a_build_stage_is_not_judged_and_variables_without_default_are_unknown(
    tmp_path: Path,
) -> None:
    builder = judge(
        "exposed_ports", tmp_path, "FROM alpine:3.20.1 AS build\nEXPOSE 22\nFROM alpine:3.20.1\n"
    )
    unknown = judge("exposed_ports", tmp_path, "FROM alpine:3.20.1\nARG PORT\nEXPOSE $PORT\n")

    assert builder.status is Status.NOT_APPLICABLE
    assert (unknown.status, lines(unknown)) == (Status.UNKNOWN, [3])


# --- workdir_paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workdir", "reason"),
    [
        ("WORKDIR app", "WORKDIR app is relative"),
        ("WORKDIR ./src", "relative"),
        ("WORKDIR /proc/app", "system folder /proc"),
        ("WORKDIR /dev", "system folder /dev"),
        ("WORKDIR /boot/../boot/x", "system folder /boot"),
        ("ARG DIR=work\nWORKDIR ${DIR}", "WORKDIR work is relative"),
    ],
)
def test_relative_or_system_workdir_fails(tmp_path: Path, workdir: str, reason: str) -> None:
    finding = judge("workdir_paths", tmp_path, f"FROM alpine:3.20.1\n{workdir}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason


@pytest.mark.parametrize(
    "workdir",
    [
        "WORKDIR /app",
        "WORKDIR /devices",
        "WORKDIR C:\\app",
        "WORKDIR c:/app",
        "ENV HOME=/home/app\nWORKDIR $HOME/src",
        "ARG ROOT\nWORKDIR $ROOT",
    ],
)
def test_absolute_or_unknown_workdir_passes(tmp_path: Path, workdir: str) -> None:
    finding = judge("workdir_paths", tmp_path, f"FROM alpine:3.20.1\n{workdir}\n")

    assert finding.status is Status.PASS, finding.reason


# --- exec_form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason", "line"),
    [
        ("ENTRYPOINT /app/server", "ENTRYPOINT is in shell form", 2),
        ("CMD python app.py", "CMD is in shell form", 2),
        ('ENTRYPOINT ["/app"]\nCMD --port 80', "CMD is in shell form", 3),
        ('CMD ["a"]\nCMD ["b"]', "CMD is set 2 times in one stage", 3),
        ('CMD ["broken",]', "CMD is in shell form", 2),
    ],
)
def test_shell_form_or_repeated_commands_fail(
    tmp_path: Path, body: str, reason: str, line: int
) -> None:
    finding = judge("exec_form", tmp_path, f"FROM alpine:3.20.1\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [line]


def test_exec_shell_form_and_ignored_cmd_pass(tmp_path: Path) -> None:
    exec_prefix = judge("exec_form", tmp_path, "FROM alpine:3.20.1\nCMD exec /app --port 80\n")
    overridden = judge(
        "exec_form",
        tmp_path,
        'FROM alpine:3.20.1 AS base\nCMD run-base\nFROM base\nCMD ["/app"]\n',
    )

    assert exec_prefix.status is Status.PASS
    assert (overridden.status, lines(overridden)) == (Status.PASS, [4])


def test_builder_commands_are_not_judged(tmp_path: Path) -> None:
    # hadolint DL3025 reports CMD in shell form in every stage.
    finding = judge(
        "exec_form", tmp_path, "FROM alpine:3.20.1 AS test\nCMD make test\nFROM scratch\n"
    )

    assert finding.status is Status.NOT_APPLICABLE


# --- dockerfile_syntax ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "syntax",
    [
        "docker/dockerfile",
        "docker/dockerfile:1",
        "docker/dockerfile:1.7",
        "docker/dockerfile:1-labs",
        "docker/dockerfile:latest",
    ],
)
def test_moving_syntax_frontend_fails(tmp_path: Path, syntax: str) -> None:
    finding = judge("dockerfile_syntax", tmp_path, f"# syntax={syntax}\nFROM alpine:3.20.1\n")

    assert finding.status is Status.FAIL
    assert lines(finding) == [1]


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM alpine:3.20.1\n",
        "# syntax=docker/dockerfile:1.7.1\nFROM alpine:3.20.1\n",
        "# syntax=docker/dockerfile:1@sha256:" + "e" * 64 + "\nFROM alpine:3.20.1\n",
        "FROM alpine:3.20.1\n# syntax=docker/dockerfile:1\n",
    ],
)
def test_pinned_or_absent_frontend_passes(tmp_path: Path, dockerfile: str) -> None:
    # After the first instruction a "# syntax=" line is only a comment.
    finding = judge("dockerfile_syntax", tmp_path, dockerfile)

    assert finding.status is Status.PASS


def test_maintainer_fails(tmp_path: Path) -> None:
    finding = judge(
        "dockerfile_syntax", tmp_path, "FROM alpine:3.20.1\nMAINTAINER someone@example.com\n"
    )

    assert finding.status is Status.FAIL
    assert "MAINTAINER is deprecated" in finding.reason
    assert lines(finding) == [2]


# --- stage_references ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "reason", "line"),
    [
        ("FROM a:1 AS x\nFROM b:1 AS x\n", "two stages are named x (lines 1 and 2)", 2),
        ("FROM a:1 AS build\nCOPY --from=build /a /a\n", "names the stage it is in", 2),
        ("FROM a:1\nCOPY --from=0 /a /a\n", "names this stage or a later one", 2),
        ("FROM a:1 AS build\nFROM b:1\nCOPY --from=biuld /a /a\n", "pulls the image biuld", 3),
        ("FROM a:1\nCOPY --from=nginx:latest /etc/nginx /x\n", "moving tag latest", 2),
        ("FROM a:1\nRUN --mount=type=bind,from=tools,target=/t ls /t\n", "RUN --mount from", 2),
    ],
)
def test_broken_or_unpinned_references_fail(
    tmp_path: Path, dockerfile: str, reason: str, line: int
) -> None:
    finding = judge("stage_references", tmp_path, dockerfile)

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [line]


def test_stage_names_are_case_insensitive(tmp_path: Path) -> None:
    finding = judge("stage_references", tmp_path, "FROM a:1 AS Build\nFROM b:1 AS build\n")

    assert finding.status is Status.FAIL


@pytest.mark.parametrize(
    "dockerfile",
    [
        "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\n",
        "FROM a:1 AS build\nFROM b:1\nCOPY --from=BUILD /a /a\n",
        "ARG SRC=build\nFROM a:1 AS build\nFROM b:1\nARG SRC\nCOPY --from=${SRC} /a /a\n",
        "FROM a:1 AS build\nFROM b:1\nARG FROM_STAGE\nCOPY --from=$FROM_STAGE /a /a\n",
        "FROM a:1\nCOPY --from=busybox:1.36.1 /bin/busybox /busybox\n",
        "FROM a:1\nCOPY --from=docker.io/library/busybox@sha256:" + "f" * 64 + " /b /b\n",
    ],
)
def test_stages_external_pinned_images_and_arguments_pass(tmp_path: Path, dockerfile: str) -> None:
    # hadolint DL3022 reports --from=$ARG and --from=<image> as unknown stage aliases.
    finding = judge("stage_references", tmp_path, dockerfile)

    assert finding.status is Status.PASS, finding.reason


def test_no_names_and_no_from_is_not_applicable(tmp_path: Path) -> None:
    finding = judge("stage_references", tmp_path, "FROM a:1\nCOPY . /app\n")

    assert finding.status is Status.NOT_APPLICABLE


# --- sudo_usage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("RUN sudo apt-get update", "RUN runs apt-get through sudo"),
        ("RUN sudo -u app make install", "runs make through sudo"),
        ("RUN apt-get install -y sudo", "installs sudo"),
        ("RUN apk add --no-cache sudo=1.9.15-r0", "installs sudo"),
        ("RUN yum install -y sudo-1.9.5p2", "installs sudo"),
        ("RUN echo 'app ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers", "NOPASSWD"),
    ],
)
def test_sudo_in_the_final_stage_fails(tmp_path: Path, body: str, reason: str) -> None:
    finding = judge("sudo_usage", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [2]


def test_installing_sudo_is_not_running_it(tmp_path: Path) -> None:
    # KICS "Run Using Sudo" fires on apt-get install sudo; installing it is its own reason.
    finding = judge("sudo_usage", tmp_path, "FROM debian:12.6-slim\nRUN apt-get install sudo\n")

    assert "through sudo" not in finding.reason
    assert finding.reason == "the final stage installs sudo, a way back to root for its user"


@pytest.mark.parametrize(
    "body",
    [
        "RUN apt-get install -y sudo-ldap-docs pseudo libsudo-dev",
        "RUN echo sudo is not used here",
        "RUN gosu app true",
    ],
)
def test_sudo_lookalikes_pass(tmp_path: Path, body: str) -> None:
    finding = judge("sudo_usage", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS, finding.reason


def test_sudo_in_a_build_stage_does_not_ship(tmp_path: Path) -> None:
    finding = judge(
        "sudo_usage",
        tmp_path,
        "FROM debian:12.6-slim AS build\nRUN sudo make\nFROM debian:12.6-slim\nRUN true\n",
    )

    assert finding.status is Status.PASS
    assert "only in build stages" in finding.reason


# --- setuid_stripped -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true",
        "RUN chmod u-s /usr/bin/passwd /bin/su",
        "RUN find / -perm -4000 -type f | xargs chmod -s",
        "RUN chmod 4755 /usr/local/bin/x && chmod u-s /usr/local/bin/x",
    ],
)
def test_stripping_setuid_passes(tmp_path: Path, body: str) -> None:
    finding = judge("setuid_stripped", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "body", ["RUN chmod u+s /usr/local/bin/x", "RUN chmod 4755 /x", "RUN chmod +s /x"]
)
def test_setting_setuid_fails(tmp_path: Path, body: str) -> None:
    finding = judge("setuid_stripped", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


def test_setuid_bases_and_builder_stages(tmp_path: Path) -> None:
    scratch = judge("setuid_stripped", tmp_path, "FROM scratch\nCOPY app /app\n")
    distroless = judge("setuid_stripped", tmp_path, "FROM gcr.io/distroless/static-debian12\n")
    debian = judge(
        "setuid_stripped",
        tmp_path,
        "FROM debian:12.6-slim AS build\nRUN chmod a-s /x\nFROM debian:12.6-slim\n"
        "RUN chmod 2775 /srv/shared\n",
    )

    assert scratch.status is Status.PASS
    assert distroless.status is Status.PASS
    assert debian.status is Status.UNKNOWN
