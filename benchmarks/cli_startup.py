"""How fast `oncall` answers, measured against the bare cost of importing Typer.

Prints the median wall time over N rounds (default 20; the commands take turns, so that a
change in the machine's load weighs on all alike) of each command next to
`python -c "import typer"`, and their ratio (goal: under 1.5). Each command runs once first so
that the validated-workspace cache is warm, as it is for anyone who has used `oncall` before.
Bytecode is compiled first, as any normal install does (this machine sets
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile oncall from source).

    .venv/bin/python benchmarks/cli_startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

COMMANDS: list[tuple[str, list[str]]] = [
    ('python -c "import typer"', [sys.executable, "-c", "import typer"]),
    ("oncall owners --format json", [str(BIN / "oncall"), "owners", "--format", "json"]),
    (
        "oncall whois engagement --format json",
        [str(BIN / "oncall"), "whois", "engagement", "--format", "json"],
    ),
]


def median_seconds(commands: list[list[str]], runs: int, env: dict[str, str]) -> list[float | None]:
    """Median wall time of each command over ``runs`` rounds, or None for a command that fails.

    The commands take turns, one run each per round, so that a change in the machine's load
    during the measurement weighs on all of them alike (this machine is shared and noisy)."""
    ok = [
        subprocess.run(argv, env=env, capture_output=True, check=False).returncode == 0
        for argv in commands
    ]
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            if not ok[i]:
                continue
            start = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) if good else None for t, good in zip(times, ok, strict=True)]


@contextlib.contextmanager
def command_env() -> Iterator[dict[str, str]]:
    """The environment of a timed `oncall` run: the bundled workspace, a fixed clock, a cache
    of its own (deleted after), and compiled bytecode, as any normal install has."""
    compileall.compile_dir(REPO / "oncall", quiet=1)
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ)
        env.update(
            ONCALL_WORKSPACE=str(REPO),
            ONCALL_CACHE_DIR=cache,
            ONCALL_NOW="2027-01-06T10:00:00+01:00",
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        yield env


def print_ratios(commands: list[tuple[str, list[str]]], runs: int) -> None:
    """Time ``commands`` (the first is the baseline) and print each median and its ratio."""
    with command_env() as env:
        medians = median_seconds([argv for _, argv in commands], runs, env)
    baseline = medians[0]
    print(f"median wall time over {runs} rounds (warm cache)")
    print(f"{'command':<40} {'median ms':>10} {'ratio':>7}")
    for (label, _), seconds in zip(commands, medians, strict=True):
        if seconds is None or baseline is None:
            print(f"{label:<40} {'(not available)':>18}")
            continue
        print(f"{label:<40} {seconds * 1000:>10.1f} {seconds / baseline:>7.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print_ratios(COMMANDS, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
