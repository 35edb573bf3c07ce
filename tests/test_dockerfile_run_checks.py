"""RUN command detectors: TLS and signature checks, pipe-to-shell, unverified downloads,
passwords, index updates, pipefail; with the false positives other linters are known for."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.model import Status
from tests.detector_helpers import judge, lines

# --- tls_verification --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("RUN curl -k https://x/a -o a", "curl -k"),
        ("RUN curl -fsSLk https://x/a -o a", "curl -fsSLk"),
        ("RUN curl --insecure https://x/a -o a", "curl --insecure"),
        ("RUN wget --no-check-certificate https://x/a", "wget --no-check-certificate"),
        ("RUN pip install --trusted-host pypi.example.com requests==2.32.3", "trusted-host"),
        ("RUN python -m pip config set global.trusted-host example.com", "trusted-host"),
        ("ENV PIP_TRUSTED_HOST=pypi.example.com", "PIP_TRUSTED_HOST"),
        ("ENV PYTHONHTTPSVERIFY=0", "PYTHONHTTPSVERIFY=0"),
        ("ARG NODE_TLS_REJECT_UNAUTHORIZED=0", "NODE_TLS_REJECT_UNAUTHORIZED=0"),
        ("ENV NPM_CONFIG_STRICT_SSL=false", "npm or yarn"),
        ("RUN npm config set strict-ssl false", "strict-ssl false"),
        ("RUN yarn config set strict-ssl false", "strict-ssl false"),
        ("ENV GIT_SSL_NO_VERIFY=1", "GIT_SSL_NO_VERIFY"),
        ("RUN GIT_SSL_NO_VERIFY=true git clone https://x/r.git", "GIT_SSL_NO_VERIFY"),
        ("RUN export NODE_TLS_REJECT_UNAUTHORIZED=0 && npm ci", "NODE_TLS_REJECT"),
        ("RUN git config --global http.sslVerify false", "sslVerify false"),
        ("RUN apk add --allow-untrusted /tmp/x.apk", "apk --allow-untrusted"),
        ("RUN apt-get install -y --allow-unauthenticated curl", "--allow-unauthenticated"),
        ("RUN apt-get install -y --force-yes curl", "--force-yes"),
        ("RUN yum install -y --nogpgcheck x", "yum --nogpgcheck"),
        ("RUN dnf install -y --nogpgcheck x", "dnf --nogpgcheck"),
        ("RUN tdnf install -y --nogpgcheck x", "tdnf --nogpgcheck"),
        ("RUN rpm -i --nosignature x.rpm", "rpm --nosignature"),
        ("RUN rpm -i --nodigest x.rpm", "rpm --nodigest"),
        ("RUN dnf config-manager --setopt=epel.sslverify=0 --save", "sslverify off"),
        ("RUN echo 'deb [trusted=yes] http://x/ ./' > /etc/apt/sources.list.d/x.list", "[trusted"),
        ("RUN sed -i 's/gpgcheck=1/gpgcheck=0/' /etc/yum.repos.d/x.repo", "gpgcheck=0"),
        ("ENV GOSUMDB=off", "GOSUMDB=off"),
    ],
)
def test_tls_and_signature_checks_turned_off_fail(tmp_path: Path, body: str, reason: str) -> None:
    finding = judge("tls_verification", tmp_path, f"FROM alpine:3.20.1\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [2]


def test_tls_variable_in_a_continued_env_is_cited_at_its_own_line(tmp_path: Path) -> None:
    finding = judge(
        "tls_verification",
        tmp_path,
        "FROM node:20.14.0-slim\nENV NODE_ENV=production \\\n    NODE_TLS_REJECT_UNAUTHORIZED=0\n",
    )

    assert finding.status is Status.FAIL
    assert [(e.line, e.snippet) for e in finding.evidence] == [
        (3, "NODE_TLS_REJECT_UNAUTHORIZED=0")
    ]


def test_tls_flag_hidden_in_a_build_argument_default_is_caught(tmp_path: Path) -> None:
    finding = judge(
        "tls_verification",
        tmp_path,
        'FROM alpine:3.20.1\nARG CURL_OPTS="-fsSL -k"\nRUN curl $CURL_OPTS https://x/a -o /a\n',
    )

    assert finding.status is Status.FAIL
    assert "curl -k" in finding.reason
    assert lines(finding) == [3]


def test_tls_check_in_a_run_heredoc_is_caught_on_its_line(tmp_path: Path) -> None:
    finding = judge(
        "tls_verification",
        tmp_path,
        "FROM alpine:3.20.1\nRUN <<EOF\nset -e\ncurl -k https://x/a -o /a\nEOF\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [4]


def test_copy_heredoc_body_is_not_run_through_command_checks(tmp_path: Path) -> None:
    # hadolint reads heredoc bodies as instructions; a script shipped as a file is no RUN.
    finding = judge(
        "tls_verification",
        tmp_path,
        'FROM alpine:3.20.1\nCOPY <<EOF /usr/local/bin/fetch\n#!/bin/sh\ncurl -k "$1"\nEOF\n',
    )

    assert finding.status is Status.PASS


def test_copy_heredoc_into_a_repository_config_is_read_for_settings(tmp_path: Path) -> None:
    finding = judge(
        "tls_verification",
        tmp_path,
        "FROM fedora:40\nCOPY <<EOF /etc/yum.repos.d/x.repo\n[x]\nbaseurl=http://x/\n"
        "gpgcheck=0\nEOF\n",
    )

    assert finding.status is Status.FAIL
    assert "gpgcheck=0" in finding.reason
    assert lines(finding) == [5]


@pytest.mark.parametrize(
    "body",
    [
        "RUN curl -fsSL -o /tmp/k https://x/k  # curl -k in a comment",
        "RUN curl -fsSLo /tmp/k.tgz https://x/k.tgz",
        "RUN curl -H 'X-Key: k' https://x/ -o /tmp/a",
        "ENV NODE_TLS_REJECT_UNAUTHORIZED=1 PYTHONHTTPSVERIFY=1",
        "RUN dnf install -y x --setopt=repo_gpgcheck=0",
        "RUN echo 'deb [trusted=yes] file:/tmp/pkgs ./' > /etc/apt/sources.list.d/local.list",
        "RUN apk index --allow-untrusted -o /tmp/APKINDEX.tar.gz /tmp/*.apk",
        'RUN echo "curl -k" > /usr/share/doc/notes.txt',
    ],
)
def test_look_alikes_keep_tls_checks_on(tmp_path: Path, body: str) -> None:
    finding = judge("tls_verification", tmp_path, f"FROM alpine:3.20.1\n{body}\n")

    assert finding.status is Status.PASS, finding.reason


def test_tls_checks_off_in_a_build_stage_still_fail(tmp_path: Path) -> None:
    finding = judge(
        "tls_verification",
        tmp_path,
        "FROM golang:1.22.5 AS build\nRUN go env -w GOINSECURE=x && "
        "wget --no-check-certificate https://x/a\nFROM scratch\nCOPY --from=build /a /a\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


# --- pipe_to_shell -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "RUN curl -fsSL https://x/install.sh | sh",
        "RUN wget -qO- https://x/install.sh | bash -s -- --yes",
        "RUN curl -fsSL https://x/install.sh | sudo -E bash -",
        "RUN curl -sSL https://bootstrap.pypa.io/get-pip.py | python3",
        "RUN bash <(curl -fsSL https://x/install.sh)",
        'RUN sh -c "$(curl -fsSL https://x/install.sh)"',
        'RUN eval "$(wget -qO- https://x/env.sh)"',
        "RUN apt-get update && curl -fsSL https://deb.nodesource.com/setup_20.x | bash -",
    ],
)
def test_downloads_run_by_a_shell_fail(tmp_path: Path, body: str) -> None:
    finding = judge("pipe_to_shell", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "body",
    [
        "RUN curl -fsSL https://x/a.tgz | tar -xz -C /opt",
        "RUN curl -fsSL https://x/key.asc | gpg --dearmor -o /usr/share/keyrings/x.gpg",
        "RUN curl -s https://api/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'",
        "RUN curl -s https://api/x | sh -c 'cat > /tmp/x'",
        'RUN VERSION="$(curl -fsSL https://api/latest)" && echo "$VERSION"',
    ],
)
def test_downloads_read_as_data_are_no_pipe_to_shell(tmp_path: Path, body: str) -> None:
    finding = judge("pipe_to_shell", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS, finding.reason


def test_pipe_to_shell_without_downloads_is_not_applicable(tmp_path: Path) -> None:
    finding = judge("pipe_to_shell", tmp_path, "FROM debian:12.6-slim\nRUN echo 'id' | sh\n")

    assert finding.status is Status.NOT_APPLICABLE


def test_pipe_to_shell_inside_a_heredoc_script(tmp_path: Path) -> None:
    finding = judge(
        "pipe_to_shell",
        tmp_path,
        "FROM debian:12.6-slim\nRUN <<EOF\nset -eu\ncurl -fsSL https://x/i.sh | sh\nEOF\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [4]


def test_powershell_iex_of_a_download_fails(tmp_path: Path) -> None:
    finding = judge(
        "pipe_to_shell",
        tmp_path,
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        'SHELL ["powershell", "-Command"]\n'
        "RUN iex ((New-Object Net.WebClient).DownloadString('https://x/install.ps1'))\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [3]


# --- download_verification -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("ADD https://x/tool.tgz /tmp/", "ADD downloads https://x/tool.tgz without --checksum"),
        (
            "RUN curl -fsSLo /tmp/t.tgz https://x/t.tgz && tar -xzf /tmp/t.tgz",
            "downloads t.tgz and tar uses it",
        ),
        ("RUN wget https://x/t.zip && unzip t.zip", "downloads t.zip and unzip uses it"),
        ("RUN curl -LO https://x/t.deb && dpkg -i t.deb", "downloads t.deb and dpkg uses it"),
        ("RUN curl -fsSL https://x/a.tgz | tar -xz", "pipes a download into tar"),
        ("RUN curl -fsSL https://x/t > /tmp/t.sh && sh /tmp/t.sh", "sh uses it"),
        ("RUN wget -O /usr/local/bin/gosu https://x/gosu", "saves /usr/local/bin/gosu"),
        (
            "RUN curl -fsSLo kubectl https://x/kubectl && chmod +x kubectl",
            "chmod uses it",
        ),
    ],
)
def test_downloads_used_without_a_check_fail(tmp_path: Path, body: str, reason: str) -> None:
    finding = judge("download_verification", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "body",
    [
        "ADD --checksum=sha256:" + "a" * 64 + " https://x/tool.tgz /tmp/",
        "ADD https://github.com/o/r.git#" + "b" * 40 + " /src",
        'RUN curl -fsSLo t.tgz https://x/t.tgz && echo "$SHA  t.tgz" | sha256sum -c - '
        "&& tar -xzf t.tgz",
        "RUN wget https://x/t.tgz https://x/t.tgz.asc && gpg --batch --verify t.tgz.asc t.tgz "
        "&& tar -xzf t.tgz",
        "RUN curl -fsSLo /usr/share/keyrings/x.gpg https://x/key.gpg",
        "RUN curl -fsSLo /tmp/d.json https://x/d.json && python3 /app/load.py /tmp/d.json",
        "RUN wget -q https://x/README && cat README",
    ],
)
def test_checked_or_unused_downloads_pass(tmp_path: Path, body: str) -> None:
    finding = judge("download_verification", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS, finding.reason


def test_nothing_downloaded_is_not_applicable(tmp_path: Path) -> None:
    finding = judge("download_verification", tmp_path, "FROM debian:12.6-slim\nCOPY a /a\n")

    assert finding.status is Status.NOT_APPLICABLE


# --- password_setting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        'RUN echo "root:root" | chpasswd',
        "RUN echo 'app:secret' | chpasswd -e",
        "RUN echo secret | passwd --stdin app",
        "RUN printf 'a\\na\\n' | passwd app",
        'RUN usermod -p "$(openssl passwd -1 secret)" app',
        "RUN useradd --password=abcd app",
    ],
)
def test_passwords_set_in_the_final_stage_fail(tmp_path: Path, body: str) -> None:
    finding = judge("password_setting", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert "stored in the image" in finding.reason
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "body",
    ["RUN passwd -d app", "RUN passwd -l root", "RUN usermod -p '*' app", "RUN useradd -m app"],
)
def test_locking_or_deleting_a_password_is_not_setting_one(tmp_path: Path, body: str) -> None:
    finding = judge("password_setting", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS


def test_password_set_in_a_build_stage_does_not_ship(tmp_path: Path) -> None:
    # checkov flags chpasswd in any stage.
    finding = judge(
        "password_setting",
        tmp_path,
        "FROM debian:12.6-slim AS test\nRUN echo 'root:x' | chpasswd\nFROM debian:12.6-slim\n",
    )

    assert finding.status is Status.PASS


# --- package_index_update ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "RUN apt-get update",
        "RUN apt-get -o Acquire::Retries=3 update && echo done",
        "RUN apk update",
        "RUN dnf makecache",
        "RUN zypper --non-interactive refresh",
    ],
)
def test_index_update_alone_fails(tmp_path: Path, body: str) -> None:
    finding = judge("package_index_update", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert "without installing anything" in finding.reason
    assert lines(finding) == [2]


def test_update_and_install_in_one_run_pass(tmp_path: Path) -> None:
    finding = judge(
        "package_index_update",
        tmp_path,
        "FROM debian:12.6-slim\nRUN apt-get update && apt-get install -y curl=7.88.1-10\n"
        "RUN apt-get update; xargs -r apt-get install -y < /tmp/packages.txt\n"
        "RUN apt-get update && apt-get upgrade -y\n",
    )

    assert finding.status is Status.PASS
    assert lines(finding) == [2, 3, 4]


@pytest.mark.parametrize(
    "body",
    [
        "RUN update-ca-certificates",
        "RUN update-ca-trust extract",
        "RUN update-alternatives --install /usr/bin/python python /usr/bin/python3 1",
        "RUN pip install --upgrade pip==24.1.2",
    ],
)
def test_update_lookalikes_are_no_index_updates(tmp_path: Path, body: str) -> None:
    # KICS reads update-ca-trust as an "update instruction alone".
    finding = judge("package_index_update", tmp_path, f"FROM fedora:40\n{body}\n")

    assert finding.status is Status.NOT_APPLICABLE


def test_update_followed_by_a_script_gets_the_benefit_of_the_doubt(tmp_path: Path) -> None:
    finding = judge(
        "package_index_update",
        tmp_path,
        "FROM debian:12.6-slim\nRUN apt-get update && ./install-deps.sh\n",
    )

    assert finding.status is Status.PASS


# --- pipefail ------------------------------------------------------------------------------


def test_pipe_without_pipefail_fails(tmp_path: Path) -> None:
    finding = judge(
        "pipefail",
        tmp_path,
        "FROM debian:12.6-slim\nRUN set -eux; \\\n  curl -fsSL https://x/a.tgz \\\n"
        "  | tar -xz -C /opt\n",
    )

    assert finding.status is Status.FAIL
    assert "pipes curl" in finding.reason
    assert lines(finding) == [3]


@pytest.mark.parametrize(
    "dockerfile",
    [
        'FROM d\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsSL https://x | tar -x\n',
        "FROM d\nRUN set -euxo pipefail; curl -fsSL https://x | tar -x\n",
        'FROM d\nSHELL ["/bin/bash", "-euxo", "pipefail", "-c"]\nRUN curl https://x | tar -x\n',
        'FROM d\nSHELL ["/bin/bash", "-exo", "pipefail", "-c"]\nRUN curl https://x | tar -x\n',
        "FROM d\nRUN set -o pipefail && curl -fsSL https://x | tar -x\n",
        'FROM d\nRUN set -euo pipefail; v="$(dpkg --print-architecture | cut -d- -f2)"; echo $v\n',
        "FROM d\nRUN set -o errexit -o pipefail && curl -fsSL https://x | tar -x\n",
        'FROM d\nRUN ["/bin/bash", "-o", "pipefail", "-c", "curl -fsSL https://x | tar -x"]\n',
        "FROM d\nRUN <<EOF\nset -eo pipefail\ncurl -fsSL https://x | tar -x\nEOF\n",
        "FROM d\nRUN echo 'deb http://x ./' | tee /etc/apt/sources.list.d/x.list\n",
        'FROM d\nRUN case "$a" in x|y) echo ok ;; esac\n',
    ],
)
def test_pipefail_set_or_pipes_that_cannot_hide_a_failure_pass(
    tmp_path: Path, dockerfile: str
) -> None:
    # hadolint reports heredoc scripts that set pipefail themselves, and case patterns.
    finding = judge("pipefail", tmp_path, dockerfile)

    assert finding.status in (Status.PASS, Status.NOT_APPLICABLE), finding.reason


def test_pipefail_from_a_builder_shell_does_not_cover_another_stage(tmp_path: Path) -> None:
    finding = judge(
        "pipefail",
        tmp_path,
        'FROM d AS a\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM d\n'
        "RUN curl -fsSL https://x | tar -x\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [4]


def test_pipe_in_an_assignment_under_set_e_fails(tmp_path: Path) -> None:
    finding = judge(
        "pipefail",
        tmp_path,
        "FROM alpine:3.20\nRUN set -eux; \\\n"
        "  dpkgArch=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\"; \\\n"
        '  echo "$dpkgArch"\n',
    )

    assert finding.status is Status.FAIL
    assert "pipes dpkg" in finding.reason
    assert lines(finding) == [3]


def test_pipe_in_a_substitution_used_as_an_argument_is_left_alone(tmp_path: Path) -> None:
    # The command's status ignores the substitution's, so pipefail would change nothing.
    finding = judge(
        "pipefail",
        tmp_path,
        "FROM alpine:3.20\nRUN set -eux; apk add $(cat deps.txt | sort -u)\n",
    )

    assert finding.status is Status.NOT_APPLICABLE, finding.reason


def test_pipe_in_an_assignment_inside_an_if_fails(tmp_path: Path) -> None:
    finding = judge(
        "pipefail",
        tmp_path,
        'FROM alpine:3.20\nRUN set -eux && if [ "$V" = latest ]; then \\\n'
        "  V=$(./versions.sh | head -n1); fi && echo $V\n",
    )

    assert finding.status is Status.FAIL
    assert "pipes ./versions.sh" in finding.reason or "pipes versions.sh" in finding.reason
