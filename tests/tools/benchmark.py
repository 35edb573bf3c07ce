"""Benchmarks: how long reviewtui takes, measured on this machine, printed as a table.

    python tests/tools/benchmark.py live [--containers 200]

``live`` creates that many containers (created, never started, no network) on the local
engine from a busybox-static image, times a live inspection of all of them the way
``reviewtui scan --live --all`` reads them, then removes what it made. It needs a running
dockerd and busybox-static (see the README's live section).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reviewtui.live import LiveSettings, read_engines  # noqa: E402

_LABEL = "reviewtui.benchmark=1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    live = commands.add_parser("live", help="live inspection of many containers")
    live.add_argument("--containers", type=int, default=200)
    live.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    rows = bench_live(options.containers, options.repeat)
    print_table(rows)
    return 0


def bench_live(count: int, repeat: int) -> list[tuple[str, str]]:
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
    return [
        ("containers on the engine", str(seen)),
        (f"live inspection, median of {repeat}", f"{statistics.median(times):.2f} s"),
        ("live inspection, slowest", f"{max(times):.2f} s"),
        ("target", "under 3 s for 200 containers"),
    ]


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
            "create", "--label", _LABEL, "--network", "none", "--name",
            f"reviewtui-bench-{os.getpid()}-{index}", image, "sleep", "1",
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))


def _remove(image: str) -> None:
    ids = _docker("ps", "-aq", "--filter", f"label={_LABEL}", check=False).split()
    if ids:
        _docker("rm", "-f", *ids, check=False)
    _docker("rmi", "-f", image, check=False)


def _docker(*args: str, stdin: bytes | None = None, check: bool = True) -> str:
    result = subprocess.run(["docker", *args], input=stdin, capture_output=True)
    if check and result.returncode:
        raise SystemExit(f"docker {args[0]}: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    raise SystemExit(main())
