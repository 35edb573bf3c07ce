"""Which engines to read: DOCKER_HOST, docker contexts and ``--docker-host`` URLs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewtui.live.settings import LiveSettings

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
_TLS_PORT = "2376"


@dataclass(frozen=True)
class Endpoint:
    """One engine to read: the name the review shows for it and how to reach it.

    ``tls`` holds the docker SDK's TLS settings (a ``TLSConfig``) or None for none.
    ``source`` says where the endpoint came from, for messages.
    """

    name: str
    url: str
    source: str
    tls: Any = None

    @property
    def label(self) -> str:
        """The name, with the address when the two differ: ``default (unix://...)``."""
        return self.name if self.name == self.url else f"{self.name} ({self.url})"

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
    """An engine named on the command line that cannot even be tried."""


def resolve_endpoints(settings: LiveSettings) -> list[Endpoint]:
    """The engines of a live review, each named once, in command-line order."""
    environment = settings.environment if settings.environment is not None else dict(os.environ)
    endpoints: list[Endpoint] = []
    for name in settings.contexts:
        endpoints.append(_from_context(name))
    for url in settings.docker_hosts:
        endpoints.append(_from_url(url, url, "--docker-host", environment))
    if not endpoints:
        endpoints.append(_default(environment))
    return _unique(endpoints)


def _default(environment: dict[str, str]) -> Endpoint:
    host = environment.get("DOCKER_HOST", "").strip()
    if host:
        return _from_url(host, host, "DOCKER_HOST", environment)
    context = environment.get("DOCKER_CONTEXT", "").strip()
    if context and context != "default":
        return _from_context(context)
    current = _current_context_name()
    if current != "default":
        return _from_context(current)
    return Endpoint("default", DEFAULT_SOCKET, "the default context")


def _from_url(name: str, url: str, source: str, environment: dict[str, str]) -> Endpoint:
    url = url.strip()
    if "://" not in url:
        raise EndpointError(f"{source} {url}: give a URL such as unix:///var/run/docker.sock")
    scheme = url.split("://", 1)[0]
    if scheme not in ("unix", "tcp", "http", "https", "ssh"):
        raise EndpointError(f"{source} {url}: reviewtui reads unix://, tcp:// and ssh:// engines")
    tls = _tls_from_environment(url, environment) if scheme in ("tcp", "https") else None
    return Endpoint(name, url, source, tls)


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


def _from_context(name: str) -> Endpoint:
    from docker.context import ContextAPI
    from docker.errors import ContextException, ContextNotFound

    try:
        context = ContextAPI.get_context(name)
    except (ContextNotFound, ContextException) as error:
        raise EndpointError(f"--context {name}: {error}") from None
    if context is None:
        raise EndpointError(f"--context {name}: no such docker context")
    host = context.Host or DEFAULT_SOCKET
    return Endpoint(name, host, f"context {name}", context.TLSConfig)


def _current_context_name() -> str:
    from docker.context.config import get_current_context_name

    try:
        return str(get_current_context_name() or "default")
    except (OSError, ValueError):
        return "default"


def _unique(endpoints: list[Endpoint]) -> list[Endpoint]:
    """Drop repeats of the same URL; give two names that collide a number each."""
    seen_urls: set[str] = set()
    names: set[str] = set()
    result = []
    for endpoint in endpoints:
        if endpoint.url in seen_urls:
            continue
        seen_urls.add(endpoint.url)
        name = endpoint.name
        number = 2
        while name in names:
            name = f"{endpoint.name} ({number})"
            number += 1
        names.add(name)
        result.append(Endpoint(name, endpoint.url, endpoint.source, endpoint.tls))
    return result
