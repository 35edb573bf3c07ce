"""The official SARIF 2.1.0 schema and Microsoft's SARIF validator, for the SARIF tests.

Neither is ours, so neither is kept in the repository. The schema is found, in order:

1. at ``$REVIEWTUI_SARIF_SCHEMA``;
2. in the cache, ``~/.cache/reviewtui-tests/sarif-2.1.0.json`` (``$XDG_CACHE_HOME`` moves
   it);
3. in the npm package ``@microsoft/sarif-multitool-linux``, fetched with ``npm pack``
   into the cache when npm is on PATH; its validator, ``Sarif.Multitool``, is kept in
   the cache beside the schema.

When none works the tests that need the schema are skipped, or fail when
``REVIEWTUI_REQUIRE_SARIF_SCHEMA`` is set (CI sets it).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import NoReturn

import pytest

NPM_PACKAGE = "@microsoft/sarif-multitool-linux@5.7.0"
"""The package that ships both the schema and the validator; pinned, so runs agree."""
SCHEMA_MEMBER = "package/sarif-2.1.0.json"
VALIDATOR_MEMBER = "package/Sarif.Multitool"
SCHEMA_NAME = "sarif-2.1.0.json"
VALIDATOR_NAME = "Sarif.Multitool"
NPM_TIMEOUT = 600


def cache_dir() -> Path:
    """Where the schema and the validator are kept between test runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reviewtui-tests"


def sarif_schema() -> dict[str, object]:
    """The SARIF 2.1.0 JSON Schema; skips (or fails, when required) without one."""
    path = _schema_path()
    if isinstance(path, str):
        _give_up(path)
    schema: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def sarif_validator() -> Path | None:
    """Microsoft's ``Sarif.Multitool`` in the cache, if it was fetched with the schema."""
    _schema_path()
    validator = cache_dir() / VALIDATOR_NAME
    return validator if validator.is_file() and os.access(validator, os.X_OK) else None


@functools.cache
def _schema_path() -> Path | str:
    """The schema's file, or why there is none."""
    given = os.environ.get("REVIEWTUI_SARIF_SCHEMA")
    if given:
        path = Path(given)
        return path if path.is_file() else f"REVIEWTUI_SARIF_SCHEMA={given}: no such file"
    cached = cache_dir() / SCHEMA_NAME
    if cached.is_file():
        return cached
    npm = shutil.which("npm")
    if npm is None:
        return "no SARIF schema: set REVIEWTUI_SARIF_SCHEMA, or put npm on PATH to fetch it"
    try:
        _fetch(npm, cache_dir())
    except (OSError, subprocess.SubprocessError, tarfile.TarError, KeyError) as error:
        return f"could not fetch {NPM_PACKAGE} with npm pack: {error}"
    return cached


def _fetch(npm: str, cache: Path) -> None:
    """``npm pack`` the package and keep its schema and validator in ``cache``."""
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--pack-destination", work, "--silent"],
            check=True,
            capture_output=True,
            timeout=NPM_TIMEOUT,
        )
        tarball = next(Path(work).glob("*.tgz"))
        with tarfile.open(tarball) as archive:
            for member, name in ((VALIDATOR_MEMBER, VALIDATOR_NAME), (SCHEMA_MEMBER, SCHEMA_NAME)):
                source = archive.extractfile(member)
                if source is None:
                    raise KeyError(member)
                partial = Path(work) / name
                with source, partial.open("wb") as target:
                    shutil.copyfileobj(source, target)
                partial.chmod(0o755 if name == VALIDATOR_NAME else 0o644)
                # The schema comes last: once it is in the cache, the cache is complete.
                partial.replace(cache / name)


def _give_up(reason: str) -> NoReturn:
    if os.environ.get("REVIEWTUI_REQUIRE_SARIF_SCHEMA"):
        pytest.fail(reason)
    pytest.skip(reason)
