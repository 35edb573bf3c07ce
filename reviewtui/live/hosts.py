"""Which engines to read: DOCKER_HOST, docker contexts and ``--docker-host`` URLs."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reviewtui.live.settings import LiveSettings

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
_TLS_PORT = "2376"


@dataclass(frozen=True)
class Endpoint:
    """One engine to read: the name the review shows for it and how to reach it.

    ``tls`` holds the docker SDK's TLS settings (a ``TLSConfig``) or None for none.
    ``source`` says where the endpoint came from, for messages. ``error`` says why the
    engine cannot even be tried (a malformed URL, an unknown context).
    """

    name: str
    url: str
    source: str
    tls: Any = None
    error: str = ""

    @property
    def label(self) -> str:
        """The name, with the address when the two differ: ``default (unix://...)``."""
        if self.name == self.url or not self.url:
            return self.name
        return f"{self.name} ({self.url})"

    @property
    def local_socket(self) -> str | None:
        """The socket's path when the engine is reached through a unix socket here."""
        if self.url.startswith("unix://"):
            return self.url.removeprefix("unix://")
        return None

    @property
    def plain_tcp(self) -> bool:
        """Whether the engine is reached over TCP without TLS."""
        return self.url.startswith(("tcp://", "http://")) and self.tls is None


class EndpointError(ValueError):
    """An engine named on the command line or in the environment that cannot be tried."""


def resolve_endpoints(settings: LiveSettings) -> list[Endpoint]:
    """The engines of a live review, each named once: the default engine when asked for
    (or when nothing else is named), then the contexts, then the URLs.

    An engine that cannot even be tried (a malformed URL, an unknown context) comes back
    with ``error`` set, so the others are read all the same.
    """
    environment = settings.environment if settings.environment is not None else dict(os.environ)
    endpoints: list[Endpoint] = []
    if settings.default_engine or not (settings.contexts or settings.docker_hosts):
        endpoints.append(_tried(partial(_default, environment), "default", "the default engine"))
    for name in settings.contexts:
        endpoints.append(_tried(partial(_from_context, name, "--context"), name, "--context"))
    for url in settings.docker_hosts:
        make = partial(_from_url, url, url, "--docker-host", environment)
        endpoints.append(_tried(make, url, "--docker-host"))
    return _unique(endpoints)


def _tried(make: Callable[[], Endpoint], name: str, source: str) -> Endpoint:
    try:
        return make()
    except EndpointError as error:
        return Endpoint(name or "(empty)", "", source, error=str(error))


def _default(environment: dict[str, str]) -> Endpoint:
    host = environment.get("DOCKER_HOST", "").strip()
    if host:
        return _from_url(host, host, "DOCKER_HOST", environment)
    context = environment.get("DOCKER_CONTEXT", "").strip()
    if context and context != "default":
        return _from_context(context, "DOCKER_CONTEXT")
    current = _current_context_name(environment)
    if current != "default":
        return _from_context(current, "the current docker context")
    return Endpoint("default", DEFAULT_SOCKET, "the default context")


def _from_url(name: str, url: str, source: str, environment: dict[str, str]) -> Endpoint:
    url = url.strip()
    problem = _url_problem(url)
    if problem:
        raise EndpointError(f"{source} {url or repr(url)}: {problem}")
    if url.startswith("http://"):
        url = "tcp://" + url.removeprefix("http://")
    scheme = url.split("://", 1)[0]
    tls = _tls_from_environment(url, environment) if scheme in ("tcp", "https") else None
    return Endpoint(name, url, source, tls)


def _url_problem(url: str) -> str:
    """What is wrong with an engine URL, or "" when it can be tried."""
    if "://" not in url:
        return "give a URL such as unix:///var/run/docker.sock"
    scheme, rest = url.split("://", 1)
    if scheme not in ("unix", "tcp", "http", "https", "ssh"):
        return "reviewtui reads unix://, tcp:// and ssh:// engines"
    if scheme == "unix":
        return "" if rest.startswith("/") else "a unix:// URL needs an absolute socket path"
    try:
        parsed = urlsplit(url)
        port = parsed.port
    except ValueError as error:
        return f"not a valid address ({error})"
    if not parsed.hostname:
        return "the URL names no host"
    if scheme in ("tcp", "http", "https") and port is None:
        return "give the port too, e.g. tcp://host:2376"
    return ""


def _tls_from_environment(url: str, environment: dict[str, str]) -> Any:
    """TLS the way the docker CLI sets it up: DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or
    the conventional TLS port 2376 with the certificates in ``~/.docker``."""
    from docker.tls import TLSConfig

    verify_setting = environment.get("DOCKER_TLS_VERIFY")
    cert_path = environment.get("DOCKER_CERT_PATH") or str(Path.home() / ".docker")
    on_tls_port = url.rstrip("/").endswith(":" + _TLS_PORT)
    if not (verify_setting or environment.get("DOCKER_CERT_PATH") or on_tls_port):
        return None
    certs = Path(cert_path)
    client_cert = None
    if (certs / "cert.pem").is_file() and (certs / "key.pem").is_file():
        client_cert = (str(certs / "cert.pem"), str(certs / "key.pem"))
    ca_cert = str(certs / "ca.pem") if (certs / "ca.pem").is_file() else None
    return TLSConfig(client_cert=client_cert, ca_cert=ca_cert, verify=ca_cert or True)


def _config_dir(environment: dict[str, str] | None = None) -> Path:
    configured = (os.environ if environment is None else environment).get("DOCKER_CONFIG")
    return Path(configured) if configured else Path.home() / ".docker"


def _from_context(name: str, source: str) -> Endpoint:
    """The endpoint of a docker context, read from the CLI's own files.

    The docker SDK finds contexts only beside an existing ``config.json``, which the CLI
    does not always write, so the context store is read here: ``contexts/meta/<sha256 of
    the name>/meta.json`` and its TLS files under ``contexts/tls/``.
    """
    if not name.strip():
        raise EndpointError(f"{source} '': name a context")
    if name == "default":
        return Endpoint("default", DEFAULT_SOCKET, "the default context")
    context_id = hashlib.sha256(name.encode()).hexdigest()
    contexts = _config_dir() / "contexts"
    meta = contexts / "meta" / context_id / "meta.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        endpoint = data["Endpoints"]["docker"]
    except FileNotFoundError:
        raise EndpointError(f"{source} {name}: no such docker context") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise EndpointError(f"{source} {name}: cannot read {meta}: {error}") from None
    host = str(endpoint.get("Host") or DEFAULT_SOCKET)
    return Endpoint(name, host, f"context {name}", _context_tls(contexts, context_id, endpoint))


def _context_tls(contexts: Path, context_id: str, endpoint: dict[str, Any]) -> Any:
    folder = contexts / "tls" / context_id / "docker"
    if not folder.is_dir():
        return None
    from docker.tls import TLSConfig

    ca = folder / "ca.pem"
    cert, key = folder / "cert.pem", folder / "key.pem"
    return TLSConfig(
        client_cert=(str(cert), str(key)) if cert.is_file() and key.is_file() else None,
        ca_cert=str(ca) if ca.is_file() else None,
        verify=not endpoint.get("SkipTLSVerify", False),
    )


def _current_context_name(environment: dict[str, str]) -> str:
    try:
        config = json.loads((_config_dir(environment) / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return "default"
    current = config.get("currentContext") if isinstance(config, dict) else None
    return str(current) if current else "default"


def _unique(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Drop repeats of the same URL; give two names that collide a number each."""
    seen_urls: set[str] = set()
    names: set[str] = set()
    result = []
    for endpoint in endpoints:
        if endpoint.url and endpoint.url in seen_urls:
            continue
        seen_urls.add(endpoint.url)
        name = endpoint.name
        number = 2
        while name in names:
            name = f"{endpoint.name} ({number})"
            number += 1
        names.add(name)
        result.append(Endpoint(name, endpoint.url, endpoint.source, endpoint.tls, endpoint.error))
    return result
