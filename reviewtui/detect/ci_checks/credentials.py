"""Detectors for how a pipeline handles credentials: registry logins and build secrets.

A password given to ``docker login -p`` shows in the process list and in shell traces,
and Docker itself warns against it; ``--password-stdin`` keeps it off the command line. A
credential written into a CI file as a literal is readable by everyone who can read the
repository, and stays in its history. A secret passed to a build with ``--build-arg``
lands in the image's history and provenance; ``--secret`` mounts it for one step only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from reviewtui.detect.ci_checks.commands import BUILD
from reviewtui.detect.ci_checks.hits import Pipeline
from reviewtui.detect.ci_checks.steps import judge_every_file
from reviewtui.detect.ci_checks.tools import SHELL_BREAK, is_ci_reference
from reviewtui.masking import is_secret_name, mask_secrets
from reviewtui.model import Evidence, Finding, Status, Target
from reviewtui.project.ci import CIFile, CIStep, CIValue
from reviewtui.project.facts import ProjectFacts

MAX_EVIDENCE = 5
_LOGIN = re.compile(
    r"(?i)\b(?:docker|podman|buildah|nerdctl|skopeo|oras|helm\s+registry|crane\s+auth)"
    r"\s+login\b(?P<rest>.*)"
)
_PASSWORD_FLAG = re.compile(r"(?:^|\s)(?:-p|--password)(?:=|\s+|(?=[\"'$]))(?P<value>\S+)")
_PASSWORD_STDIN = re.compile(r"--password-stdin\b")
_LOGIN_ACTIONS = ("docker/login-action", "azure/docker-login", "aws-actions/amazon-ecr-login")
_BUILD_ARG = re.compile(
    r"--build-arg(?:=|\s+)[\"']?(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?P<value>[^\s\"']*))?"
)
_BUILD_SECRET = re.compile(r"(?:^|\s)--secret(?:=|\s+)\S+")
_VARIABLE = re.compile(r"\$\{?(?P<name>[A-Za-z_][A-Za-z0-9_]*)|secrets\.(?P<secret>\w+)")
_ACTION_SECRET_INPUTS = ("secrets", "secret-files", "secret-envs")
_BUILD_ACTIONS = ("docker/build-push-action", "docker/bake-action")
# Throwaway passwords of service containers in CI, as the CI vendors' own examples write
# them; reporting them would bury the real leaks.
# TODO: a real password that happens to be one of these words passes unnoticed.
_PLACEHOLDERS = frozenset(
    "postgres password pass test testing secret example changeme root mysql admin "
    "dummy fake ci guest user redis mongo".split()
)


# --- registry credentials -----------------------------------------------------------------


def _login_findings(
    ci_file: CIFile,
) -> tuple[list[Evidence], list[Evidence], list[str]]:
    """Logins that put a password on the command line, safe logins, and why each fails."""
    unsafe: list[Evidence] = []
    safe: list[Evidence] = []
    reasons: list[str] = []
    for step in ci_file.steps:
        for command in step.commands:
            for rest in _logins(command.text):
                evidence = _at(ci_file, step, command.line)
                if _PASSWORD_FLAG.search(rest) and not _PASSWORD_STDIN.search(rest):
                    unsafe.append(evidence)
                    reasons.append("a registry password on the command line (login -p)")
                else:
                    safe.append(evidence)
        if step.action in _LOGIN_ACTIONS:
            safe.append(_at(ci_file, step, step.line))
    return unsafe, safe, reasons


def _logins(text: str) -> Iterator[str]:
    """The arguments of every registry login in a command line, up to the next operator."""
    for match in _LOGIN.finditer(text):
        yield SHELL_BREAK.split(match.group("rest"), maxsplit=1)[0]


# TODO: Jenkinsfiles are read line by line, so their `environment {}` values and Azure's
# `variables:` are not seen as variables here; only their commands are.
def _literal_credentials(ci_file: CIFile) -> tuple[list[Evidence], list[str], list[Evidence]]:
    """Credential values written as literals, their names, and credentials referenced."""
    literal: list[Evidence] = []
    names: list[str] = []
    referenced: list[Evidence] = []
    seen: set[tuple[str, int]] = set()
    for step in ci_file.steps:
        for name, value in _credential_values(step):
            place = (step.path, value.line)
            if place in seen:
                continue
            seen.add(place)
            if _is_literal_secret(name, value.value):
                literal.append(_at(ci_file, step, value.line))
                names.append(name)
            elif is_secret_name(name) and is_ci_reference(value.value):
                referenced.append(_at(ci_file, step, value.line))
    return literal, names, referenced


def _credential_values(step: CIStep) -> Iterator[tuple[str, CIValue]]:
    yield from step.env.items()
    yield from step.inputs.items()


def _is_literal_secret(name: str, value: str) -> bool:
    """True for a secret-looking value written out, not taken from the CI's secrets."""
    text = value.strip().strip("\"'")
    if not text or is_ci_reference(text):
        return False
    if is_secret_name(name):
        return text.lower() not in _PLACEHOLDERS and text.lower() not in ("true", "false")
    return mask_secrets(text) != text  # a token pattern (ghp_..., AKIA...) under any name


def _judge_credentials(target: Target, ci_file: CIFile, _: Pipeline) -> Finding:
    unsafe, safe, reasons = _login_findings(ci_file)
    literal, names, referenced = _literal_credentials(ci_file)
    if literal or unsafe:
        parts = []
        if literal:
            listed = ", ".join(dict.fromkeys(names[:3]))
            parts.append(f"literal credential value(s) for {listed}")
        parts.extend(dict.fromkeys(reasons))
        return Finding(
            target,
            Status.FAIL,
            "; ".join(parts),
            tuple((literal + unsafe)[:MAX_EVIDENCE]),
        )
    if safe or referenced:
        how = "logs in without a password on the command line; " if safe else ""
        return Finding(
            target,
            Status.PASS,
            f"{how}credentials come from the CI's secrets, not from the file",
            tuple((safe + referenced)[:2]),
        )
    return Finding(
        target, Status.NOT_APPLICABLE, "logs in to no registry and names no credentials"
    )


# --- build secrets ------------------------------------------------------------------------


def _judge_build_secrets(target: Target, ci_file: CIFile, pipeline: Pipeline) -> Finding:
    if not pipeline.builds:
        return Finding(target, Status.NOT_APPLICABLE, "does not build container images")

    leaked: list[Evidence] = []
    names: list[str] = []
    mounted: list[Evidence] = []
    for step in ci_file.steps:
        for command in step.commands:
            if not BUILD.search(command.text):
                continue
            for arg in _BUILD_ARG.finditer(command.text):
                if _secret_build_arg(arg.group("name"), arg.group("value") or ""):
                    leaked.append(_at(ci_file, step, command.line))
                    names.append(arg.group("name"))
            if _BUILD_SECRET.search(command.text):
                mounted.append(_at(ci_file, step, command.line))
        if step.action in _BUILD_ACTIONS:
            _read_build_action(ci_file, step, leaked, names, mounted)

    if leaked:
        listed = ", ".join(dict.fromkeys(names[:3]))
        return Finding(
            target,
            Status.FAIL,
            f"passes {listed} to the build as a build argument, which the image keeps",
            tuple(leaked[:MAX_EVIDENCE]),
        )
    if mounted:
        return Finding(
            target, Status.PASS, "passes build secrets as secret mounts (--secret)", (mounted[0],)
        )
    build = pipeline.builds[0]
    return Finding(
        target,
        Status.PASS,
        "passes no secret to the build as a build argument",
        (build.evidence(),),
    )


def _read_build_action(
    ci_file: CIFile,
    step: CIStep,
    leaked: list[Evidence],
    names: list[str],
    mounted: list[Evidence],
) -> None:
    """docker/build-push-action: ``build-args`` lines leak, ``secrets`` inputs mount."""
    build_args = step.input("build-args")
    if build_args is not None:
        for entry in re.split(r"[\n,]", build_args.value):
            name, _, value = entry.strip().partition("=")
            if name and _secret_build_arg(name.strip(), value.strip()):
                leaked.append(_at(ci_file, step, build_args.line))
                names.append(name.strip())
    for key in _ACTION_SECRET_INPUTS:
        secret = step.input(key)
        if secret is not None and secret.value.strip():
            mounted.append(_at(ci_file, step, secret.line))


def _secret_build_arg(name: str, value: str) -> bool:
    """True when a build argument carries a secret: by its name or by what it reads."""
    if is_secret_name(name):
        return True
    for match in _VARIABLE.finditer(value):
        if match.group("secret") or is_secret_name(match.group("name") or ""):
            return True
    return False


def _at(ci_file: CIFile, step: CIStep, line: int) -> Evidence:
    return Evidence(step.path, line, ci_file.line_text(step.path, line))


def ci_registry_credentials(facts: ProjectFacts) -> list[Finding]:
    """Per CI file: are credentials kept out of the file and off command lines?"""
    return judge_every_file(facts, _judge_credentials)


def ci_build_secrets(facts: ProjectFacts) -> list[Finding]:
    """Per image-building CI file: do secrets reach the build as mounts, not build args?"""
    return judge_every_file(facts, _judge_build_secrets)


DETECTORS: dict[str, Callable[[ProjectFacts], list[Finding]]] = {
    "ci_registry_credentials": ci_registry_credentials,
    "ci_build_secrets": ci_build_secrets,
}
