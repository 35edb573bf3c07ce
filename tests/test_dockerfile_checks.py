"""Image and build detectors over Dockerfiles: statuses, reasons, evidence lines, and the
false positives other linters are known for."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.detect import dockerfile_checks
from reviewtui.detect.dockerfile_checks import secret_file_kind
from reviewtui.model import Finding, Status
from reviewtui.project import read_project
from reviewtui.project.facts import ProjectFacts


def project(root: Path, dockerfile: str, **files: str) -> ProjectFacts:
    """A project with a Dockerfile at its root and the other files given."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(dockerfile)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return read_project(root)


def judge(name: str, root: Path, dockerfile: str, **files: str) -> Finding:
    """The one finding detector ``name`` gives for the root Dockerfile."""
    facts = project(root, dockerfile, **files)
    findings = [
        f for f in dockerfile_checks.DETECTORS[name](facts) if f.target.path == "Dockerfile"
    ]
    assert len(findings) == 1
    return findings[0]


def lines(finding: Finding) -> list[int | None]:
    return [evidence.line for evidence in finding.evidence]


# --- base_image_trusted ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_line", "status", "reason"),
    [
        ("FROM python:3.12.4-slim", Status.PASS, "Docker Official Images"),
        ("FROM docker.io/library/redis:7.2.5", Status.PASS, "Docker Official Images"),
        ("FROM gcr.io/distroless/static-debian12", Status.PASS, "distroless"),
        ("FROM cgr.dev/chainguard/python:latest", Status.PASS, "Chainguard"),
        ("FROM mcr.microsoft.com/dotnet/aspnet:8.0", Status.PASS, "Microsoft"),
        ("FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4", Status.PASS, "Red Hat"),
        ("FROM public.ecr.aws/docker/library/node:20.14.0", Status.PASS, "ECR Public"),
        ("FROM scratch", Status.PASS, "scratch"),
        ("FROM localhost:5000/base:1", Status.FAIL, "localhost"),
        ("FROM 192.168.1.10/base:1", Status.FAIL, "IP"),
        ("FROM quay.io/prometheus/busybox:1.36", Status.UNKNOWN, "confirm the publisher"),
        ("FROM someone/python:3.12", Status.UNKNOWN, "confirm the publisher"),
    ],
)
def test_base_image_trusted(tmp_path: Path, from_line: str, status: Status, reason: str) -> None:
    finding = judge("base_image_trusted", tmp_path, f"{from_line}\nUSER 1\n")

    assert finding.status is status
    assert reason in finding.reason
    assert lines(finding) == [1]


def test_base_image_trusted_follows_stage_chains_to_the_root(tmp_path: Path) -> None:
    finding = judge(
        "base_image_trusted",
        tmp_path,
        "FROM 10.1.1.1:5000/base:1 AS base\nFROM alpine:3.20 AS tools\nFROM base\nUSER 1\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [1, 3]


def test_base_image_trusted_unknown_for_an_argument_without_default(tmp_path: Path) -> None:
    finding = judge("base_image_trusted", tmp_path, "ARG BASE\nFROM ${BASE}\n")

    assert finding.status is Status.UNKNOWN
    assert "build argument" in finding.reason


# --- base_image_tag and base_image_digest ------------------------------------------------


@pytest.mark.parametrize(
    ("dockerfile", "status", "reason"),
    [
        ("FROM ubuntu\n", Status.FAIL, "no tag"),
        ("FROM ubuntu:latest\n", Status.FAIL, "moving tag latest"),
        ("FROM node:lts-alpine\n", Status.FAIL, "moving tag lts-alpine"),
        ("FROM nginx:stable\n", Status.FAIL, "moving tag stable"),
        ("FROM stefanscherer/whoami:insider-10.0.18334.1\n", Status.PASS, "pins"),
        ("FROM golang:alpine\n", Status.FAIL, "variant tag alpine"),
        ("FROM ubuntu@sha256:" + "a" * 64 + "\n", Status.PASS, "pins"),
        ("FROM debian:bookworm-slim\n", Status.PASS, "pins"),
        ("FROM buildpack-deps:bookworm\n", Status.PASS, "pins"),
        ("FROM scratch\nCOPY app /\n", Status.NOT_APPLICABLE, "no image is pulled"),
    ],
)
def test_base_image_tag(tmp_path: Path, dockerfile: str, status: Status, reason: str) -> None:
    finding = judge("base_image_tag", tmp_path, dockerfile)

    assert finding.status is status
    assert reason in finding.reason


def test_base_image_tag_checks_every_stage_and_names_each_offending_line(tmp_path: Path) -> None:
    finding = judge(
        "base_image_tag",
        tmp_path,
        "FROM golang AS build\nFROM build AS test\nFROM alpine:3.20\nFROM nginx:mainline\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [1, 4]


def test_from_built_from_args_is_resolved_before_judging_the_tag(tmp_path: Path) -> None:
    # hadolint and trivy report FROM ${BASE} as untagged; the default pins a version.
    finding = judge(
        "base_image_tag", tmp_path, "ARG BASE=python:3.12.4-slim\nFROM ${BASE}\nUSER 1\n"
    )

    assert finding.status is Status.PASS


def test_platform_flag_does_not_hide_the_image(tmp_path: Path) -> None:
    # checkov misreads FROM lines that carry --platform.
    finding = judge(
        "base_image_tag",
        tmp_path,
        "FROM --platform=$BUILDPLATFORM golang:1.22.3 AS build\n"
        "FROM --platform=linux/amd64 alpine\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason == "FROM alpine has no tag, so it pulls latest"
    assert lines(finding) == [2]


def test_from_an_argument_without_default_is_unknown_not_failed(tmp_path: Path) -> None:
    finding = judge("base_image_tag", tmp_path, "ARG BASE_IMAGE\nFROM $BASE_IMAGE AS app\n")

    assert finding.status is Status.UNKNOWN
    assert lines(finding) == [2]


def test_base_image_digest(tmp_path: Path) -> None:
    pinned = "FROM alpine:3.20@sha256:" + "b" * 64 + " AS build\n"
    finding = judge("base_image_digest", tmp_path, pinned + "FROM build\nFROM nginx:1.27.0\n")

    assert finding.status is Status.FAIL
    assert finding.reason == "not pinned by digest: nginx:1.27.0"
    assert lines(finding) == [3]


def test_base_image_digest_from_an_argument_default(tmp_path: Path) -> None:
    digest = "sha256:" + "c" * 64
    finding = judge("base_image_digest", tmp_path, f"ARG BASE=alpine@{digest}\nFROM $BASE\n")

    assert finding.status is Status.PASS
    assert lines(finding) == [2]


# --- minimal_base ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_line", "status"),
    [
        ("FROM scratch", Status.PASS),
        ("FROM gcr.io/distroless/base-debian12:debug", Status.PASS),
        ("FROM alpine:3.20", Status.PASS),
        ("FROM python:3.12.4-slim-bookworm", Status.PASS),
        ("FROM node:20.14.0-alpine3.20", Status.PASS),
        ("FROM cgr.dev/chainguard/static:latest", Status.PASS),
        ("FROM registry.access.redhat.com/ubi9/ubi-micro:9.4", Status.PASS),
        ("FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled", Status.PASS),
        ("FROM ubuntu:22.04", Status.FAIL),
        ("FROM debian:12", Status.FAIL),
        ("FROM centos:7", Status.FAIL),
        ("FROM fedora:40", Status.FAIL),
        ("FROM node:20.14.0", Status.FAIL),
        ("FROM python:3.12.4", Status.FAIL),
        ("FROM mcr.microsoft.com/windows/servercore:ltsc2022", Status.FAIL),
        ("FROM mycompany/base:2.1", Status.UNKNOWN),
    ],
)
def test_minimal_base(tmp_path: Path, from_line: str, status: Status) -> None:
    finding = judge("minimal_base", tmp_path, f"{from_line}\n")

    assert finding.status is status, finding.reason


def test_minimal_base_judges_the_final_stage_only(tmp_path: Path) -> None:
    finding = judge(
        "minimal_base",
        tmp_path,
        "FROM ubuntu:22.04 AS build\nFROM alpine:3.20\nCOPY --from=build / /x\n",
    )

    assert finding.status is Status.PASS
    assert lines(finding) == [2]


# --- secret_files_in_image ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (".env", True),
        ("config/.env.production", True),
        (".env.example", False),
        (".env.sample", False),
        (".env.local.example", False),
        ("keys/id_rsa", True),
        ("keys/id_rsa.pub", False),
        ("tls/server.pem", True),
        ("tls/ca.pem", False),
        ("tls/server-cert.pem", False),
        ("tls/server.key", True),
        ("apt/nodesource.gpg.key", False),
        ("nginx_signing.key", False),
        ("home/.aws/credentials", True),
        ("client.p12", True),
        ("cert.pfx", True),
        ("src/keyboard.py", False),
    ],
)
def test_secret_file_kind(path: str, secret: bool) -> None:
    assert (secret_file_kind(path) is not None) is secret


def test_copy_naming_a_secret_file_fails(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM alpine:3.20\nCOPY app /app\nCOPY id_rsa /root/.ssh/id_rsa\n",
        **{"id_rsa": "not a real key\n", "app/run": "x\n"},
    )

    assert finding.status is Status.FAIL
    assert "SSH private key" in finding.reason
    # The key file is named in the reason; its own lines are never shown as evidence.
    assert [(e.path, e.line) for e in finding.evidence] == [("Dockerfile", 3)]


def test_copy_of_the_whole_context_names_the_file_it_leaks(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM python:3.12.4-slim\nCOPY . /app\n",
        **{"config/.env": "A=1\n", ".dockerignore": ".git\n"},
    )

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "COPY . sends config/.env (an environment file) into the image; "
        ".dockerignore does not exclude it"
    )
    assert lines(finding) == [2]


def test_copy_of_the_whole_context_without_dockerignore_reads_plainly(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM python:3.12.4-slim\nCOPY . /app\n",
        **{"config/.env": "A=1\n"},
    )

    assert finding.reason.endswith("into the image; no .dockerignore excludes it")


def test_copy_of_the_context_passes_when_dockerignore_excludes_the_secret(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM python:3.12.4-slim\nCOPY . /app\n",
        **{"config/.env": "A=1\n", ".dockerignore": "**/.env\n", ".env.example": "A=\n"},
    )

    assert finding.status is Status.PASS


def test_copy_of_a_subfolder_only_leaks_what_is_inside_it(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM python:3.12.4-slim\nCOPY src/ /app/\n",
        **{"tls/server.key": "x\n", "src/main.py": "print()\n"},
    )

    assert finding.status is Status.PASS


def test_npmrc_without_a_token_is_not_a_secret(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM node:20.14.0-alpine\nCOPY .npmrc package.json ./\n",
        **{".npmrc": "registry=https://registry.npmjs.org/\n", "package.json": "{}\n"},
    )

    assert finding.status is Status.PASS


def test_secret_copied_in_a_builder_stage_only_does_not_ship(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM alpine:3.20 AS build\nCOPY deploy.pem /tmp/\nFROM alpine:3.20\nCOPY app /app\n",
        **{"deploy.pem": "x\n", "app/a": "x\n"},
    )

    assert finding.status is Status.PASS


def test_heredoc_writing_an_env_file_fails(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image", tmp_path, "FROM alpine:3.20\nCOPY <<EOF /app/.env\nA=1\nEOF\n"
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


def test_every_secret_copied_in_is_cited(tmp_path: Path) -> None:
    finding = judge(
        "secret_files_in_image",
        tmp_path,
        "FROM python:3.12.4-slim\nWORKDIR /app\nCOPY id_rsa /root/.ssh/id_rsa\n"
        "COPY .env /app/.env\nCOPY app.py /app/\n",
        **{"id_rsa": "x\n", ".env": "A=1\n", "app.py": "print()\n"},
    )

    assert finding.status is Status.FAIL
    assert finding.reason == "COPY id_rsa puts an SSH private key into the image (and 1 more)"
    assert [(e.line, e.snippet) for e in finding.evidence] == [
        (3, "COPY id_rsa /root/.ssh/id_rsa"),
        (4, "COPY .env /app/.env"),
    ]


# --- multi_stage -------------------------------------------------------------------------


def test_multi_stage_fails_when_the_final_stage_compiles(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM golang:1.22.3 AS build\nRUN go build -o /app .\n"
        "FROM debian:12-slim\nRUN apt-get update && \\\n"
        "    apt-get install -y --no-install-recommends libpq-dev\n",
    )

    assert finding.status is Status.FAIL
    assert "libpq-dev" in finding.reason
    assert lines(finding) == [5]


def test_multi_stage_fails_when_the_final_stage_inherits_a_build_stage(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM alpine:3.20 AS build\nRUN apk add --no-cache build-base\nFROM build\nCOPY . /src\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [2]


def test_build_tools_removed_in_the_same_run_do_not_ship(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM python:3.12.4-slim\n"
        "RUN apt-get update && apt-get install -y gcc libffi-dev && pip install cffi==1.16.0 \\\n"
        "    && apt-get purge -y --auto-remove gcc libffi-dev\n",
    )

    assert finding.status is Status.PASS


def test_single_stage_that_copies_a_binary_passes(tmp_path: Path) -> None:
    finding = judge("multi_stage", tmp_path, 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n')

    assert finding.status is Status.PASS
    assert "single stage" in finding.reason


def test_final_stage_on_a_toolchain_image_fails(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage", tmp_path, "FROM maven:3.9.7-eclipse-temurin-21\nCOPY app.jar /\n"
    )

    assert finding.status is Status.FAIL
    assert "toolchain" in finding.reason


def test_npm_install_and_sudo_packages_are_not_build_tools(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM node:20.14.0-slim\nRUN apt-get update && apt-get install -y sudo=1.9.13p3-1\n"
        "RUN npm ci --omit=dev && npm install --save-dev=false\n",
    )

    assert finding.status is Status.PASS


def test_final_stage_built_on_the_stage_that_installs_tools_fails(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM python:3.12.4 AS builder\nRUN apt-get update && apt-get install -y gcc\n"
        "FROM builder AS dev-envs\nRUN echo ready\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "the final stage builds on stage builder, which installs gcc; its tools ship in the image"
    )
    assert lines(finding) == [2]


def test_a_chain_of_stages_leaves_nothing_behind(tmp_path: Path) -> None:
    # Two stages, but the final one is built on the other: nothing is left out of it.
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM python:3.10.14-alpine AS builder\nCOPY . .\n"
        "FROM builder AS dev-envs\nRUN apk add --no-cache git\n",
    )

    assert finding.status is Status.PASS
    assert finding.reason == (
        "the final stage builds on stage builder, so every stage ships; none installs build tools"
    )
    assert lines(finding) == [1, 3]


def test_stages_left_behind_still_count_as_separated(tmp_path: Path) -> None:
    finding = judge(
        "multi_stage",
        tmp_path,
        "FROM golang:1.22.3 AS build\nRUN go build -o /app .\n"
        "FROM alpine:3.20.1 AS base\nFROM base\nCOPY --from=build /app /app\n",
    )

    assert finding.status is Status.PASS
    assert finding.reason == "3 stages; the final stage installs no build tools"


# --- final_user --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("root", Status.FAIL),
        ("0", Status.FAIL),
        ("root:root", Status.FAIL),
        ("0:0", Status.FAIL),
        ("root:x", Status.FAIL),
        ("ContainerAdministrator", Status.FAIL),
        ("app", Status.PASS),
        ("10001:10001", Status.PASS),
        ("nobody", Status.PASS),
    ],
)
def test_final_user_values(tmp_path: Path, user: str, status: Status) -> None:
    finding = judge("final_user", tmp_path, f"FROM alpine:3.20\nUSER {user}\n")

    assert finding.status is status
    assert lines(finding) == [2]


def test_no_user_runs_as_root(tmp_path: Path) -> None:
    finding = judge("final_user", tmp_path, "FROM alpine:3.20\nRUN true\n")

    assert finding.status is Status.FAIL
    assert finding.reason == "no USER: the image's default user (root) applies"
    assert lines(finding) == [1]


def test_root_in_an_earlier_stage_does_not_count(tmp_path: Path) -> None:
    # hadolint DL3002 and trivy DS-0002 flag USER root in a builder stage.
    finding = judge(
        "final_user",
        tmp_path,
        "FROM node:20.14.0 AS build\nUSER root\nRUN npm ci\nFROM node:20.14.0-slim\nUSER node\n",
    )

    assert finding.status is Status.PASS
    assert lines(finding) == [5]


def test_user_of_a_builder_stage_does_not_protect_the_final_stage(tmp_path: Path) -> None:
    finding = judge(
        "final_user", tmp_path, "FROM node:20.14.0 AS build\nUSER node\nFROM node:20.14.0-slim\n"
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [3]


def test_user_is_inherited_through_from_stage(tmp_path: Path) -> None:
    finding = judge(
        "final_user", tmp_path, "FROM alpine:3.20 AS base\nUSER 10001\nFROM base\nCOPY a /a\n"
    )

    assert finding.status is Status.PASS
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "from_line",
    [
        "FROM gcr.io/distroless/static-debian12:nonroot",
        "FROM gcr.io/distroless/base-debian12:debug-nonroot",
        "FROM cgr.dev/chainguard/python:latest",
        "FROM bitnami/redis:7.2.5",
        "FROM nginxinc/nginx-unprivileged:1.27.0-alpine",
    ],
)
def test_bases_that_run_as_non_root_pass_without_user(tmp_path: Path, from_line: str) -> None:
    finding = judge("final_user", tmp_path, f"{from_line}\nCOPY app /app\n")

    assert finding.status is Status.PASS


def test_chainguard_dev_variant_is_not_assumed_non_root(tmp_path: Path) -> None:
    finding = judge("final_user", tmp_path, "FROM cgr.dev/chainguard/python:latest-dev\n")

    assert finding.status is Status.FAIL


def test_user_from_variables(tmp_path: Path) -> None:
    resolved = judge("final_user", tmp_path, "FROM alpine:3.20\nARG UID=10001\nUSER $UID\n")
    unresolved = judge("final_user", tmp_path, "FROM alpine:3.20\nARG UID\nUSER ${UID}\n")
    root = judge("final_user", tmp_path, "FROM alpine:3.20\nENV RUN_AS=0\nUSER ${RUN_AS}:0\n")

    assert (resolved.status, resolved.reason) == (Status.PASS, "runs as 10001")
    assert unresolved.status is Status.UNKNOWN
    assert root.status is Status.FAIL


def test_dockerfile_without_from_is_left_to_a_person(tmp_path: Path) -> None:
    finding = judge("final_user", tmp_path, "RUN echo hi\n")

    assert finding.status is Status.UNKNOWN


def test_bare_user_is_not_read_as_an_empty_name(tmp_path: Path) -> None:
    finding = judge("final_user", tmp_path, "FROM alpine:3.20.1\nUSER 1000\nUSER\n")

    assert finding.status is Status.UNKNOWN
    assert finding.reason == "the last USER (line 3) names no user, so Docker refuses the file"
    assert lines(finding) == [3]


def test_user_from_an_empty_default_is_not_read_as_root(tmp_path: Path) -> None:
    finding = judge(
        "final_user", tmp_path, 'FROM alpine:3.20.1\nARG APP_USER=""\nUSER $APP_USER\n'
    )

    assert finding.status is Status.UNKNOWN
    assert finding.reason == "the last USER (line 3) expands to an empty name"


# --- secrets_in_arg_env ------------------------------------------------------------------


def test_secret_named_arg_and_env_fail_with_masked_evidence(tmp_path: Path) -> None:
    finding = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM alpine:3.20\nARG NPM_TOKEN\nENV DB_PASSWORD=hunter2hunter2\n",
    )

    assert finding.status is Status.FAIL
    assert lines(finding) == [2, 3]
    assert "hunter2" not in " ".join(e.snippet for e in finding.evidence)
    assert "hunter2" not in finding.reason


def test_env_set_from_a_reference_still_bakes_the_value(tmp_path: Path) -> None:
    finding = judge("secrets_in_arg_env", tmp_path, "FROM alpine:3.20\nENV API_KEY=${API_KEY}\n")

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("ENV sets API_KEY")


def test_harmless_names_and_versioned_packages_are_not_secrets(tmp_path: Path) -> None:
    # dockle reads `pkg=1.2` and *_GPG_KEY as secrets; hadolint flags *_FILE variables.
    finding = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM python:3.12.4-slim\n"
        "ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305\n"
        "ENV NGINX_GPG_KEYS=573BFD6B3D8FBC641079A6ABABF5BD827BD9BF62\n"
        "ENV POSTGRES_PASSWORD_FILE=/run/secrets/pg SECRET_KEY_PATH=/run/secrets/key\n"
        "ARG TOKEN_URL=https://auth.example.com/token\n"
        "RUN apk add --no-cache secret-service=1.2 keyring=24.3.1 token-tool=1.0\n",
    )

    assert finding.status is Status.PASS


def test_env_of_a_stage_that_does_not_ship_is_ignored_but_its_args_are_not(tmp_path: Path) -> None:
    env_only = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM alpine:3.20 AS build\nENV API_TOKEN=abcd1234abcd\nFROM alpine:3.20\n",
    )
    arg = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM alpine:3.20 AS build\nARG API_TOKEN\nFROM alpine:3.20\n",
    )

    assert env_only.status is Status.PASS
    assert arg.status is Status.FAIL


def test_each_variable_of_a_continued_env_is_cited_at_its_own_line(tmp_path: Path) -> None:
    finding = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM python:3.12.4-slim\nWORKDIR /app\n"
        "ENV DB_PASSWORD=x \\\n    AWS_SECRET_ACCESS_KEY=y\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("ENV sets DB_PASSWORD, a secret-looking name")
    assert finding.reason.endswith("(and 1 more)")
    assert [(e.line, e.snippet) for e in finding.evidence] == [
        (3, "ENV DB_PASSWORD=**** \\"),
        (4, "AWS_SECRET_ACCESS_KEY=****"),
    ]


def test_a_url_with_a_password_is_a_secret_whatever_the_name(tmp_path: Path) -> None:
    finding = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM python:3.12.4-slim\nENV DATABASE_URL=postgres://admin:pw@db/app\n"
        "ARG INDEX=https://pypi.org/simple\nENV OTHER_URL=postgres://admin:${DB_PASS}@db/app\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "ENV sets DATABASE_URL to a URL with a password, which stays in the image or its history"
    )
    assert [(e.line, e.snippet) for e in finding.evidence] == [
        (2, "ENV DATABASE_URL=postgres://admin:****@db/app")
    ]


def test_a_token_in_a_value_is_a_secret_whatever_the_name(tmp_path: Path) -> None:
    finding = judge(
        "secrets_in_arg_env",
        tmp_path,
        "FROM alpine:3.20.1\nARG AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
    )

    assert finding.status is Status.FAIL
    assert "a value that looks like a token" in finding.reason
    assert "AKIA" not in finding.evidence[0].snippet


def test_variables_without_a_name_build_no_reason(tmp_path: Path) -> None:
    finding = judge("secrets_in_arg_env", tmp_path, "FROM alpine:3.20.1\nENV =\nARG =\n")

    assert finding.status is Status.PASS


# --- build_secret_mounts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "ARG GITHUB_TOKEN\nRUN git clone https://${GITHUB_TOKEN}@github.com/o/r.git\n",
            "build argument GITHUB_TOKEN",
        ),
        ("RUN git clone https://$TOKEN@github.com/o/r.git\n", "credentials in a URL"),
        (
            "RUN pip install --index-url https://user:pa55word@pypi.example.com/simple x==1\n",
            "credentials in a URL",
        ),
        ("RUN npm config set //registry.npmjs.org/:_authToken=abc && npm ci\n", "token"),
        ("COPY .npmrc ./\nRUN npm ci\n", ".npmrc is copied in at line 2"),
        ("COPY id_rsa /root/.ssh/\nRUN git clone git@github.com:o/r.git\n", "id_rsa"),
    ],
)
def test_build_credentials_passed_without_a_mount_fail(
    tmp_path: Path, body: str, reason: str
) -> None:
    finding = judge("build_secret_mounts", tmp_path, f"FROM node:20.14.0-alpine\n{body}")

    assert finding.status is Status.FAIL
    assert reason in finding.reason
    assert lines(finding)[0] == len(f"FROM x\n{body}".splitlines())


@pytest.mark.parametrize(
    "body",
    [
        "RUN aws configure set aws_secret_access_key abcd1234abcd1234",
        "RUN gcloud auth activate-service-account --key-file=/tmp/key.json",
        "RUN az login --service-principal -u app -p s3cr3tvalue --tenant t",
        "RUN doctl auth init -t dop_v1_abcdef",
        "RUN echo x && docker login -u me -p hunter2hunter2 registry.example.com",
    ],
)
def test_credential_setup_commands_without_a_mount_fail(tmp_path: Path, body: str) -> None:
    finding = judge("build_secret_mounts", tmp_path, f"FROM alpine:3.20\n{body}\n")

    assert finding.status is Status.FAIL
    assert finding.reason == "RUN writes a token or password into the image"
    assert lines(finding) == [2]


@pytest.mark.parametrize(
    "run",
    [
        "RUN export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE && aws s3 cp s3://b/x .",
        "RUN --mount=type=secret,id=npm \\\n    curl -H 'Authorization: token "
        "ghp_0123456789abcdefghijABCDEFGHIJ012345' https://api.example.com",
    ],
)
def test_a_credential_spelled_out_in_a_run_fails_even_beside_a_mount(
    tmp_path: Path, run: str
) -> None:
    finding = judge("build_secret_mounts", tmp_path, f"FROM alpine:3.20\n{run}\n")

    assert finding.status is Status.FAIL
    assert finding.reason == "RUN spells out a credential (an access key or token)"
    assert lines(finding) == [len(f"FROM x\n{run}".splitlines())]
    assert "AKIAIOSFODNN7EXAMPLE" not in finding.evidence[0].snippet
    assert "ghp_0123" not in finding.evidence[0].snippet


def test_key_fingerprints_and_public_tokens_in_a_run_are_no_credential(tmp_path: Path) -> None:
    finding = judge(
        "build_secret_mounts",
        tmp_path,
        "FROM debian:12\nRUN key='B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8'; "
        'gpg --recv-keys "$key" && echo PublicKeyToken=31bf3856ad364e35\n',
    )

    assert finding.status is Status.NOT_APPLICABLE


def test_credential_setup_from_a_secret_mount_passes(tmp_path: Path) -> None:
    finding = judge(
        "build_secret_mounts",
        tmp_path,
        "FROM google/cloud-sdk:480.0.0\nRUN --mount=type=secret,id=gcp,target=/run/secrets/gcp "
        "gcloud auth activate-service-account --key-file=/run/secrets/gcp\n",
    )

    assert finding.status is Status.PASS


def test_detectors_of_every_topic_module_are_listed_once() -> None:
    from reviewtui.detect.dockerfile_checks import _MODULES

    names = [name for module in _MODULES for name in module.DETECTORS]
    assert len(names) == len(set(names)) == len(dockerfile_checks.DETECTORS)


def test_copied_credential_file_fails_at_the_first_run_that_reads_it(tmp_path: Path) -> None:
    finding = judge(
        "build_secret_mounts",
        tmp_path,
        "FROM node:20.14.0-alpine\nCOPY .npmrc package.json ./\nRUN echo start\n"
        "RUN npm ci && rm .npmrc\nRUN npm run build\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason == ".npmrc is copied in at line 2 and used by RUN; it stays in a layer"
    assert lines(finding) == [4]


def test_secret_and_ssh_mounts_pass(tmp_path: Path) -> None:
    finding = judge(
        "build_secret_mounts",
        tmp_path,
        "FROM alpine:3.20\nRUN --mount=type=ssh git clone git@github.com:o/r.git\n"
        "RUN --mount=type=secret,id=token,env=TOKEN ./fetch.sh\n",
    )

    assert finding.status is Status.PASS
    assert lines(finding) == [2, 3]


def test_no_credentials_needed_is_not_applicable(tmp_path: Path) -> None:
    finding = judge(
        "build_secret_mounts",
        tmp_path,
        "FROM alpine:3.20\nRUN wget https://example.com/a.tgz\nRUN git clone git@github.com:o/r\n",
    )

    assert finding.status is Status.NOT_APPLICABLE


def test_build_credentials_are_cited_at_the_line_that_uses_them(tmp_path: Path) -> None:
    finding = judge(
        "build_secret_mounts",
        tmp_path,
        "FROM node:20.14.0-slim\nARG NPM_TOKEN\nRUN npm config set color false && \\\n"
        "    echo //registry.npmjs.org/:_authToken=$NPM_TOKEN > .npmrc && \\\n    npm ci\n",
    )

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("RUN uses the build argument NPM_TOKEN")
    assert lines(finding) == [4]


# --- dockerignore ------------------------------------------------------------------------


def test_missing_dockerignore_fails_at_the_first_context_copy(tmp_path: Path) -> None:
    finding = judge("dockerignore", tmp_path, "FROM alpine:3.20\nCOPY . /app\n")

    assert finding.status is Status.FAIL
    assert finding.reason == (
        "no .dockerignore: expected .dockerignore at the root of the build context"
    )
    assert lines(finding) == [2]


def test_dockerignore_missing_concerns_are_named(tmp_path: Path) -> None:
    finding = judge(
        "dockerignore",
        tmp_path,
        "FROM alpine:3.20\nCOPY . /app\n",
        **{".dockerignore": ".git\n*.key\n"},
    )

    assert finding.status is Status.FAIL
    assert finding.reason == (
        ".dockerignore does not exclude .env files or private keys: `*.key` matches only "
        "at the top of the context; add `.env*`, `id_rsa*`, `**/*.key` and `**/*.pem`"
    )
    assert [(e.path, e.line, e.snippet) for e in finding.evidence] == [
        (".dockerignore", 2, "*.key"),
        ("Dockerfile", 2, "COPY . /app"),
    ]


def test_dockerignore_that_excludes_everything_passes(tmp_path: Path) -> None:
    finding = judge(
        "dockerignore",
        tmp_path,
        "FROM alpine:3.20\nCOPY src /app\n",
        **{".dockerignore": "*\n!src\n"},
    )

    assert finding.status is Status.PASS
    assert [(e.path, e.line) for e in finding.evidence] == [(".dockerignore", 1)]


def test_dockerfile_specific_dockerignore_wins(tmp_path: Path) -> None:
    finding = judge(
        "dockerignore",
        tmp_path,
        "FROM alpine:3.20\nCOPY . /app\n",
        **{
            ".dockerignore": ".git\n.env*\n**/*.key\n**/*.pem\n**/id_rsa*\n",
            "Dockerfile.dockerignore": "node_modules\n",
        },
    )

    assert finding.status is Status.FAIL
    assert finding.reason.startswith("Dockerfile.dockerignore does not exclude")


def test_only_copies_from_stages_and_images_need_no_dockerignore(tmp_path: Path) -> None:
    # COPY --from an image is not a stage and reads nothing from the context.
    finding = judge(
        "dockerignore",
        tmp_path,
        "FROM alpine:3.20 AS build\nRUN echo hi > /out\n"
        "FROM nginx:1.27.0\nCOPY --from=build /out /out\n"
        "COPY --from=busybox:1.36 /bin/busybox /bin/busybox\nCOPY <<EOF /etc/motd\nhi\nEOF\n",
    )

    assert finding.status is Status.NOT_APPLICABLE


def test_compose_build_context_decides_which_dockerignore_applies(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n"
    )
    (tmp_path / ".dockerignore").write_text(".git\n.env*\n**/*.key\n**/*.pem\n**/id_rsa*\n")
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("FROM alpine:3.20\nCOPY . /app\n")

    findings = dockerfile_checks.dockerignore(read_project(tmp_path))

    assert [(f.target.path, f.status) for f in findings] == [("docker/Dockerfile", Status.PASS)]


# --- copy_not_add ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        ("ADD https://example.com/a.tgz /tmp/", Status.FAIL, "without --checksum"),
        (
            "ADD --checksum=sha256:" + "d" * 64 + " https://example.com/a.tgz /tmp/",
            Status.FAIL,
            "ADD downloads",
        ),
        ("ADD src /app", Status.FAIL, "ADD copies src"),
        ("ADD rootfs.tar.xz /", Status.PASS, "extracts a local archive"),
        ("COPY src /app", Status.PASS, "no ADD"),
    ],
)
def test_copy_not_add(tmp_path: Path, line: str, status: Status, reason: str) -> None:
    finding = judge("copy_not_add", tmp_path, f"FROM alpine:3.20\n{line}\n")

    assert finding.status is status
    assert reason in finding.reason
    assert lines(finding) == [2]


def test_copy_not_add_reports_the_remote_add_first(tmp_path: Path) -> None:
    finding = judge(
        "copy_not_add",
        tmp_path,
        "FROM alpine:3.20 AS build\nADD conf /conf\nFROM alpine:3.20\nADD https://x.org/f /f\n",
    )

    assert finding.status is Status.FAIL
    assert "not verified" in finding.reason
    assert lines(finding) == [2, 4]


# --- healthcheck -------------------------------------------------------------------------


def test_healthcheck(tmp_path: Path) -> None:
    missing = judge("healthcheck", tmp_path, "FROM alpine:3.20\nRUN true\n")
    disabled = judge(
        "healthcheck",
        tmp_path,
        "FROM alpine:3.20 AS base\nHEALTHCHECK CMD true\nFROM base\nHEALTHCHECK NONE\n",
    )
    inherited = judge(
        "healthcheck",
        tmp_path,
        "FROM alpine:3.20 AS base\nHEALTHCHECK --interval=5s CMD true\nFROM base\n",
    )
    builder_only = judge(
        "healthcheck",
        tmp_path,
        "FROM alpine:3.20 AS base\nHEALTHCHECK CMD true\nFROM alpine:3.20\n",
    )

    assert (missing.status, lines(missing)) == (Status.FAIL, [1])
    assert (disabled.status, lines(disabled)) == (Status.FAIL, [4])
    assert (inherited.status, lines(inherited)) == (Status.PASS, [2])
    assert (builder_only.status, lines(builder_only)) == (Status.FAIL, [3])


# --- all detectors -----------------------------------------------------------------------


def test_every_detector_gives_one_finding_per_dockerfile_and_none_without(tmp_path: Path) -> None:
    facts = project(tmp_path / "two", "FROM alpine:3.20\n", **{"svc/Dockerfile": "FROM x:1\n"})
    (tmp_path / "nothing").mkdir()
    nothing = read_project(tmp_path / "nothing")

    for name, detector in dockerfile_checks.DETECTORS.items():
        paths = sorted(f.target.path for f in detector(facts))
        assert paths == ["Dockerfile", "svc/Dockerfile"], name
        assert detector(nothing) == [], name


@pytest.mark.parametrize(
    "from_line",
    [
        "FROM mcr.microsoft.com/windows/nanoserver:1809",
        "FROM mcr.microsoft.com/windows/nanoserver:ltsc2019",
        "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022",
        "FROM mcr.microsoft.com/windows/nanoserver:1903",
        "FROM mcr.microsoft.com/windows/nanoserver-insider",
        "FROM mcr.microsoft.com/windows/nanoserver/insider:10.0.18334.1",
        "FROM jenkins/jenkins:2.462.1-lts",
        "FROM selenium/node-chrome:126.0",
    ],
)
def test_final_user_non_root_windows_and_documented_bases(tmp_path: Path, from_line: str) -> None:
    finding = judge("final_user", tmp_path, f"{from_line}\nCOPY app /app\n")
    assert finding.status is Status.PASS
    assert finding.evidence[0].line == 1


@pytest.mark.parametrize(
    "from_line",
    [
        "FROM mcr.microsoft.com/windows/nanoserver:sac2016",
        "FROM mcr.microsoft.com/windows/nanoserver:10.0.14393.2068",
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022",
    ],
)
def test_final_user_windows_administrator_bases_fail(tmp_path: Path, from_line: str) -> None:
    finding = judge("final_user", tmp_path, f"{from_line}\nCOPY app /app\n")
    assert finding.status is Status.FAIL
    assert "ContainerAdministrator" in finding.reason
    assert "root" not in finding.reason
