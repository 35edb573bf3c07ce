"""Plain-text secrets in ``environment:``, ``build.args`` and env files (CIS 4.10)."""

from __future__ import annotations

import re

from reviewtui.detect.compose_checks.findings import finding, names, per_service
from reviewtui.masking import MASK, is_secret_name, looks_like_reference
from reviewtui.model import Evidence, Finding, Status
from reviewtui.project.compose import ComposeProject, ComposeService
from reviewtui.project.compose_views import EnvVariable
from reviewtui.project.compose_yaml import Location, YamlList

# A URL with a password in it: ``scheme://user:password@host``; the user may be empty
# (``redis://:password@cache``), the password may not.
# Command-line flags that take a password though their names do not say so.
_SECRET_FLAGS = frozenset({"requirepass", "masterauth"})
_DEFAULTED = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<default>[^}]*)\}$")
URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.\-]*://[^/\s:@]*:(?P<pw>[^@\s/]+)@", re.IGNORECASE)


def _secret_problem(variable: EnvVariable) -> str | None:
    """Why a variable holds a plain-text secret, or None when it does not."""
    value = variable.value
    if value is None or not value.strip() or value.strip().startswith("/run/secrets/"):
        return None
    substitution = variable.substitution
    if substitution is None:
        if is_secret_name(variable.name):
            return f"{variable.name} is written in the compose file"
        if URL_CREDENTIALS.search(value):
            return f"{variable.name} holds a URL with a password"
        return None
    if not is_secret_name(variable.name):
        return _embedded_secret(variable)
    if substitution.from_env_file:
        return f"{variable.name} comes from {substitution.env_file}"
    if substitution.defaulted:
        return f"{variable.name} falls back to a default written in the compose file"
    if looks_like_reference(substitution.raw):
        return None
    return f"{variable.name} mixes literal text with a variable"


def _embedded_secret(variable: EnvVariable) -> str | None:
    """Why a variable with an ordinary name (``DATABASE_URL``) still carries a plain-text
    secret: a URL password that comes from the project's ``.env`` file or a default."""
    substitution = variable.substitution
    if substitution is None or not URL_CREDENTIALS.search(variable.value or ""):
        return None
    secret_names = [name for name in substitution.names if is_secret_name(name)]
    from_file = [name for name in secret_names if name in substitution.from_env_file]
    if from_file:
        return f"{variable.name} takes {from_file[0]} from {substitution.env_file}"
    defaulted = [name for name in secret_names if name in substitution.defaulted]
    if defaulted:
        return f"{variable.name} falls back to a {defaulted[0]} written in the compose file"
    return None


def _command_tokens(service: ComposeService, key: str) -> list[tuple[str, Location]]:
    """The words of ``command`` or ``entrypoint`` as written (before interpolation, so a
    default beside a variable can be told from a reference), each with its line."""
    value = service.get(key)
    if isinstance(value, str):
        substitution = service.data.substitution_of(key)
        raw = substitution.raw if substitution is not None else value
        return [(word, service.location_of(key)) for word in raw.split()]
    if not isinstance(value, YamlList):
        return []
    tokens: list[tuple[str, Location]] = []
    for item, meta in value.entries():
        if isinstance(item, str | int):
            raw = meta.substitution.raw if meta.substitution is not None else str(item)
            tokens.extend((word, meta.location) for word in raw.split())
    return tokens


def secret_flag(flag: str) -> bool:
    """Whether a command-line flag such as ``--db-password`` takes a secret."""
    name = flag.lstrip("-").replace("-", "_")
    return name.lower() in _SECRET_FLAGS or is_secret_name(name)


def _command_secrets(service: ComposeService) -> list[tuple[str, Location, str]]:
    """Secrets passed as ``--flag value`` in ``command`` or ``entrypoint``: a literal, or a
    default written beside a variable; each with its line and the text to mask."""
    found = []
    for key in ("command", "entrypoint"):
        tokens = _command_tokens(service, key)
        for index, (token, location) in enumerate(tokens):
            if not token.startswith("-"):
                continue
            flag, equals, value = token.partition("=")
            if not equals and index + 1 < len(tokens):
                value = tokens[index + 1][0]
            value = value.strip("\"'")
            if not value or value.startswith("-") or not secret_flag(flag):
                continue
            what = _flag_value_problem(value)
            if what is not None:
                secret = _DEFAULTED.match(value)
                shown = secret.group("default") if secret is not None else value
                found.append((f"{key} passes {flag} {what}", location, shown))
    return found


def _flag_value_problem(value: str) -> str | None:
    if value.startswith("/run/secrets/"):
        return None
    defaulted = _DEFAULTED.match(value)
    if defaulted is not None:
        return "a default written in the compose file" if defaulted.group("default") else None
    if value.startswith("$"):
        return None
    return "in plain text"


def _secrets_not_in_env(project: ComposeProject, service: ComposeService) -> Finding:
    """FAIL for secret-looking variables with literal values in ``environment:``,
    ``build.args`` or an env file in the project, and for passwords given as flags in
    ``command`` or ``entrypoint``; values taken from a ``.env`` file in the project count
    as literal, since that file sits beside the compose file (CIS 4.10)."""
    reasons: list[str] = []
    evidence: list[Evidence] = []
    values: set[str] = set()
    referenced = False
    for variable in service.environment() + service.build_args():
        problem = _secret_problem(variable)
        if problem is not None:
            reasons.append(problem)
            values.add(variable.value or "")
            evidence.append(service.evidence_at(variable.location))
            evidence.extend(_env_file_evidence(service, variable))
        elif variable.substitution is not None and is_secret_name(variable.name):
            referenced = True
    for reason, location, value in _command_secrets(service):
        reasons.append(reason)
        values.add(value)
        evidence.append(service.evidence_at(location))
    for env_file in service.env_files:
        if env_file.variables is None or env_file.path is None:
            continue
        for name, value in env_file.variables.values.items():
            if is_secret_name(name) and value.strip():
                reasons.append(f"{name} is written in {env_file.path}")
                values.add(value)
                evidence.append(service.evidence_at(env_file.location))
                line = env_file.variables.lines.get(name)
                if line is not None:
                    evidence.append(_line_evidence(service, env_file.path, line))
    if reasons:
        hidden = [_without_values(item, values) for item in evidence]
        return finding(service, Status.FAIL, f"secrets in plain text: {names(reasons)}", *hidden)
    return _secrets_pass(service, referenced)


def _secrets_pass(service: ComposeService, referenced: bool) -> Finding:
    if service.get("secrets"):
        return finding(
            service, Status.PASS, "secrets come in through secrets:", service.evidence("secrets")
        )
    if referenced:
        return finding(
            service,
            Status.PASS,
            "secret values come from the environment at deploy time; prefer secrets:",
            service.evidence("environment"),
        )
    return finding(
        service,
        Status.PASS,
        "no secret-looking variable holds a literal value",
        service.evidence("environment"),
    )


def _without_values(evidence: Evidence, values: set[str]) -> Evidence:
    """The evidence with the secret values themselves masked: masking by name alone misses
    a default such as ``${DB_PASSWORD:-value}``."""
    snippet = evidence.snippet
    for value in sorted(values, key=len, reverse=True):
        # A value that is not in the snippet cannot match: no pattern to build for it.
        if value.strip() and value in snippet:
            # Whole values only: a value "tok" must not turn --token into --****en.
            whole = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)")
            snippet = whole.sub(MASK, snippet)
    return Evidence(evidence.path, evidence.line, snippet)


def _env_file_evidence(service: ComposeService, variable: EnvVariable) -> list[Evidence]:
    substitution = variable.substitution
    if substitution is None or not substitution.from_env_file or not substitution.env_file:
        return []
    evidence = []
    for name in substitution.from_env_file:
        line = _env_line(service, substitution.env_file, name)
        if line is not None:
            evidence.append(_line_evidence(service, substitution.env_file, line))
    return evidence


def _env_line(service: ComposeService, path: str, name: str) -> int | None:
    """The line of an env file that sets ``name`` (``NAME=``, ``export NAME=``, ``NAME:``)."""
    for number, text in enumerate(service.sources.get(path, []), start=1):
        stripped = text.strip().removeprefix("export ").lstrip()
        if stripped.startswith(name) and stripped[len(name) :].lstrip()[:1] in ("=", ":"):
            return number
    return None


def _line_evidence(service: ComposeService, path: str, line: int) -> Evidence:
    return service.evidence_at(Location(path, line))


secrets_not_in_env = per_service(_secrets_not_in_env)

DETECTORS = {"secrets_not_in_env": secrets_not_in_env}
"""The detectors of this module, by the names the checklists use."""
