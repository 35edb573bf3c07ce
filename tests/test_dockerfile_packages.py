"""Package manager detectors: pinned versions and lean installs, judged on the stages that
matter, with the false positives other linters are known for."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.model import Status
from tests.detector_helpers import judge, lines

# --- packages_pinned -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("RUN apt-get install -y --no-install-recommends curl git=1:2.39.2-1", "names curl"),
        ("RUN apt-get -o Dpkg::Options::=--force-confold install -y curl", "names curl"),
        ("RUN apk add --no-cache --virtual .deps curl", "apk add names curl"),
        ("RUN pip install requests 'flask>=3'", "names requests, flask>=3"),
        ("RUN python3 -m pip install --upgrade pip", "pip install names pip"),
        ("RUN npm install -g typescript", "npm install names typescript"),
        ("RUN npm install -g npm@latest", "npm@latest"),
        ("RUN yarn global add serve", "yarn global names serve"),
        ("RUN gem install bundler", "gem install names bundler"),
        ("RUN yum install -y epel-release", "yum install names epel-release"),
        ("RUN dnf -y install nginx", "dnf install names nginx"),
        ("RUN zypper -n install curl", "zypper install names curl"),
        ("RUN go install golang.org/x/tools/gopls@latest", "go install names"),
        ("RUN go install golang.org/x/tools/gopls", "go install names"),
        ("RUN go get -u github.com/wallix/awless", "go get names github.com/wallix/awless"),
        (
            'RUN INSTALL_PKGS="rsync tar znc" && dnf install -y $INSTALL_PKGS',
            "dnf install names rsync, tar, znc",
        ),
        ('RUN pkg="openjdk" && apk add --no-cache "$pkg"', "apk add names openjdk"),
        (
            'RUN pkg=openjdk && if [ -n "$J" ]; then pkg="$pkg-jre"; fi && apk add $pkg',
            "apk add names openjdk-jre",
        ),
        ("RUN apt update && apt install -y curl=7.88.1-10", "RUN uses apt update"),
    ],
)
def test_unpinned_installs_fail(tmp_path: Path, body: str, reason: str) -> None:
    finding = judge("packages_pinned", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "body",
    [
        "RUN apt-get install -y curl=7.88.1-10 ./local.deb ${EXTRA_PACKAGES}",
        "RUN apk add --no-cache --virtual .build-deps curl=8.9.0-r0 'git>2.40'",
        "RUN pip install -r requirements.txt",
        "RUN pip install --no-cache-dir -c constraints.txt requests",
        "RUN pip install requests==2.32.3 . ./wheels/x.whl git+https://x/r.git@v1",
        "RUN npm ci && npm install && npm install -g typescript@5.5.3 @scope/pkg@1.2.3",
        "RUN gem install bundler -v 2.5.14 && gem install rake:13.2.1",
        "RUN yum install -y nginx-1.20.1 /tmp/x.rpm @development",
        "RUN go install golang.org/x/tools/gopls@v0.16.1 && go install ./...",
        "RUN apt-get update && apt-cache policy curl && apt-key list && apt-mark hold curl",
    ],
)
def test_pinned_and_lockfile_installs_pass(tmp_path: Path, body: str) -> None:
    # checkov's CKV_DOCKER_9 matches "apt" inside apt-get, apt-key and apt-cache.
    finding = judge("packages_pinned", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS, finding.reason


def test_no_package_installs_is_not_applicable(tmp_path: Path) -> None:
    finding = judge("packages_pinned", tmp_path, "FROM debian:12.6-slim\nRUN echo apt install\n")

    assert finding.status is Status.NOT_APPLICABLE


def test_unpinned_installs_of_builder_stages_count(tmp_path: Path) -> None:
    finding = judge(
        "packages_pinned",
        tmp_path,
        "FROM golang:1.22.5 AS build\nRUN apt-get install -y make\nFROM scratch\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


# --- lean_package_installs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("RUN apt-get update && apt-get install -y --no-install-recommends curl", "lists"),
        (
            "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
            "without --no-install-recommends",
        ),
        ("RUN apk add curl", "apk add without --no-cache"),
        ("RUN apk update && apk upgrade", "apk upgrade without --no-cache"),
        ("RUN yum install -y nginx", "yum install without yum clean all"),
        ("RUN dnf install -y nginx && dnf clean packages", "dnf clean all"),
        ("RUN microdnf install -y nginx", "microdnf clean all"),
        ("RUN zypper -n install curl", "zypper clean"),
        ("RUN pip install requests==2.32.3", "pip install without --no-cache-dir"),
    ],
)
def test_installs_that_leave_caches_or_extras_fail(tmp_path: Path, body: str, reason: str) -> None:
    finding = judge("lean_package_installs", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [2]


def test_lists_removed_before_the_install_still_fail(tmp_path: Path) -> None:
    # hadolint accepts a cleanup that runs before apt-get install in the same RUN.
    finding = judge(
        "lean_package_installs",
        tmp_path,
        "FROM debian:12.6-slim\nRUN rm -rf /var/lib/apt/lists/* && apt-get update "
        "&& apt-get install -y --no-install-recommends curl\n",
    )

    assert finding.status is Status.FAIL
    assert "lists" in finding.reason


@pytest.mark.parametrize(
    "body",
    [
        "RUN apt-get update && apt-get install -y --no-install-recommends curl "
        "&& rm -rf /var/lib/apt/lists/*",
        "RUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt "
        "apt-get update && apt-get install -y --no-install-recommends curl",
        "RUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/01norec\n"
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
        "RUN apk add --no-cache curl && apk add --no-network --virtual .run-deps libc6-compat",
        "RUN apk add curl && rm -rf /var/cache/apk/*",
        "RUN dnf install -y nginx && dnf clean all",
        "RUN zypper -n install curl && zypper clean -a",
        "RUN pip install --no-cache-dir requests==2.32.3",
        "RUN --mount=type=cache,target=/root/.cache/pip pip install requests==2.32.3",
        "ENV PIP_NO_CACHE_DIR=1\nRUN pip install requests==2.32.3",
    ],
)
def test_lean_installs_pass(tmp_path: Path, body: str) -> None:
    finding = judge("lean_package_installs", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.PASS, finding.reason


def test_caches_of_a_build_stage_do_not_ship(tmp_path: Path) -> None:
    # hadolint and trivy judge every stage; only the final stage's layers ship.
    finding = judge(
        "lean_package_installs",
        tmp_path,
        "FROM python:3.12.4 AS build\nRUN apt-get update && apt-get install -y gcc\n"
        "RUN pip install --prefix=/install requests==2.32.3\n"
        "FROM python:3.12.4-slim\nCOPY --from=build /install /usr/local\n",
    )

    assert finding.status is Status.NOT_APPLICABLE


def test_caches_of_an_inherited_stage_ship(tmp_path: Path) -> None:
    finding = judge(
        "lean_package_installs",
        tmp_path,
        "FROM python:3.12.4-slim AS base\nRUN pip install requests==2.32.3\nFROM base\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


def test_powershell_steps_are_read_for_package_installs(tmp_path: Path) -> None:
    dockerfile = (
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        'SHELL ["powershell", "-Command", "$ErrorActionPreference = \'Stop\';"]\n'
        "RUN Write-Host 'Installing'; npm install -g yarn\n"
        "RUN pip install tox==2.1.1\n"
    )

    pinned = judge("packages_pinned", tmp_path, dockerfile)
    lean = judge("lean_package_installs", tmp_path, dockerfile)

    assert pinned.status is Status.FAIL
    assert "npm install names yarn" in pinned.reason
    assert lines(pinned) == [3]
    assert lean.status is Status.FAIL
    assert "pip install without --no-cache-dir" in lean.reason
    assert lines(lean) == [4]


def test_variables_without_a_value_are_still_not_judged(tmp_path: Path) -> None:
    finding = judge(
        "packages_pinned",
        tmp_path,
        "FROM debian:12.6-slim\nARG PKGS\nRUN apt-get install -y $PKGS curl=7.88.1-10\n",
    )

    assert finding.status is Status.PASS, finding.reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('ENV INSTALL_PKGS="cockpit-ws"\nRUN yum -y install ${INSTALL_PKGS}', "names cockpit-ws"),
        ('ARG CHROME="google-chrome-stable"\nRUN apt-get install -y ${CHROME}', "google-chrome"),
    ],
)
def test_arg_and_env_defaults_are_substituted(tmp_path: Path, body: str, reason: str) -> None:
    finding = judge("packages_pinned", tmp_path, f"FROM debian:12.6-slim\n{body}\n")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding) == [3]


def test_evidence_names_the_update_whose_lists_stay(tmp_path: Path) -> None:
    # The first update's lists are removed; the second one's stay in the layer.
    finding = judge(
        "lean_package_installs",
        tmp_path,
        "FROM debian:12.6-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/* \\\n"
        "    && apt-get update && apt-get install -y --no-install-recommends git\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding)[0] == 4
