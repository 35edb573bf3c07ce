"""The values compose fixes write, and the little they know about common images.

Limits are starting points, not measurements: every fix that writes one says in its
check how to size it for the service.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LimitDefault:
    """One resource limit: the top-level key and its value, and the key under
    ``deploy.resources.limits`` and its value there."""

    key: str
    value: str | int | float
    deploy_key: str
    deploy_value: str | int | float


MEMORY = LimitDefault("mem_limit", "512m", "memory", "512M")
CPUS = LimitDefault("cpus", 1.0, "cpus", "1.0")
PIDS = LimitDefault("pids_limit", 200, "pids", 200)

RESOURCE_KEYS = frozenset(
    {
        "mem_limit",
        "memswap_limit",
        "mem_reservation",
        "cpus",
        "cpu_quota",
        "cpu_period",
        "cpu_shares",
        "cpuset",
        "pids_limit",
    }
)
"""Top-level service keys that show a file keeping its limits beside the other keys."""

LOG_OPTIONS = {"max-size": "10m", "max-file": "3"}
"""json-file rotation: at 10 MB, three files kept (30 MB of logs at most)."""

LOG_DRIVER = "json-file"

LOOPBACK = "127.0.0.1"
LOOPBACK_V6 = "[::1]"
ALL_V6 = frozenset({"::", "[::]"})

SCRATCH = ("/tmp",)
"""Paths every service with a read-only root filesystem gets as tmpfs."""

IMAGE_WRITES: dict[str, tuple[str, ...]] = {
    "nginx": ("/var/cache/nginx", "/var/run"),
    "httpd": ("/usr/local/apache2/logs",),
    "postgres": ("/var/run/postgresql",),
    "mysql": ("/var/run/mysqld",),
    "mariadb": ("/run/mysqld",),
    "redis": (),
}
"""Paths the official images write outside their declared volumes (their data folders
are VOLUMEs of the image, and stay writable under a read-only root filesystem)."""

SWITCHES_USER = frozenset({"postgres", "mysql", "mariadb", "redis", "mongo", "rabbitmq"})
"""Official images whose entrypoint starts as root, fixes the data folder's owner and
switches to the image's own user: they need CHOWN, SETUID and SETGID back."""


def image_name(image: str) -> str:
    """The repository's last part, lower case, without tag or digest:
    ``docker.io/library/nginx:1.27@sha256:...`` gives ``nginx``."""
    name = image.strip().split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0].lower()
