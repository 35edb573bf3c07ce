"""Names of files that hold secrets: environment files, private keys, credentials."""

from __future__ import annotations

import re

from reviewtui.project.facts import ProjectFacts

_ENV_TEMPLATES = frozenset("example sample template dist defaults schema tpl tmpl".split())
# Public material that wears a .pem or .key suffix: certificates, CA bundles, repo keys.
_PUBLIC_KEY_HINT = re.compile(
    r"(?i)(^|[-_.])(ca|cacert|cert|certificate|chain|fullchain|bundle|public|pub|gpg|pgp|"
    r"signing|archive|release|keyring|apt|repo)([-_.]|$)"
)
_SECRET_FILE_NAMES = {
    ".env": "an environment file",
    "id_rsa": "an SSH private key",
    "id_dsa": "an SSH private key",
    "id_ecdsa": "an SSH private key",
    "id_ed25519": "an SSH private key",
    ".npmrc": "an npm config with a registry token",
    ".netrc": "a netrc file with passwords",
    "_netrc": "a netrc file with passwords",
    ".git-credentials": "stored git credentials",
    "credentials.json": "a credentials file",
    ".pypirc": "a PyPI config with a password",
    ".pgpass": "a PostgreSQL password file",
    ".dockercfg": "registry credentials",
}
_SECRET_SUFFIXES = {
    ".pem": "a PEM key or certificate",
    ".key": "a private key",
    ".p12": "a PKCS#12 key store",
    ".pfx": "a PKCS#12 key store",
    ".ppk": "a PuTTY private key",
}


def secret_file_kind(path: str) -> str | None:
    """What secret a file of this path looks like it holds, or None.

    Judged on the name alone: ``.env`` files (not ``.env.example`` and other templates),
    SSH private keys, ``.npmrc``, ``.netrc``, cloud and registry credentials, ``*.pem``,
    ``*.key``, ``*.p12``, ``*.pfx`` (not names that say certificate, CA or public key).
    """
    lowered = path.lower().rstrip("/")
    name = lowered.rsplit("/", 1)[-1]
    if name in _SECRET_FILE_NAMES:
        return _SECRET_FILE_NAMES[name]
    if name.startswith(".env.") and not _ENV_TEMPLATES.intersection(name[5:].split(".")):
        return "an environment file"
    if lowered.endswith((".aws/credentials", ".docker/config.json")):
        return "cloud or registry credentials"
    for suffix, kind in _SECRET_SUFFIXES.items():
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            if suffix in (".pem", ".key") and _PUBLIC_KEY_HINT.search(stem):
                return None
            return kind
    return None


def project_secret_files(facts: ProjectFacts) -> list[tuple[str, str]]:
    """The project's files that look like secrets, with what each looks like, in the
    order of ``facts.files``.

    Worked out once per project, not once per batch of Dockerfiles a scan judges (each
    batch's facts share the list of files): a big tree has tens of thousands. Read only.
    """
    return facts.derived(
        "secret_files",
        facts.files,
        lambda: [(rel, kind) for rel in facts.files if (kind := secret_file_kind(rel))],
    )


def project_file_set(facts: ProjectFacts) -> frozenset[str]:
    """``facts.files`` as a set, made once per project like :func:`project_secret_files`."""
    return facts.derived("file_set", facts.files, lambda: frozenset(facts.files))
