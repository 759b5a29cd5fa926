"""How fast the rotation engine schedules: ten years for 30 members, and `oncall schedule` warm.

1. The engine alone: 520 weeks (ten years) of a 30-member rotation on six holiday calendars
   (real public holidays), without leave and with about four leaves a year per member
   (seeded, so every run measures the same schedule). Median over several runs of a fresh
   engine; holidays are looked up once before timing (as the disk cache does for every run
   after the first), and the first lookup is reported separately.
2. The command: median wall time of `oncall schedule --format json` on the bundled workspace
   with warm caches, next to `python -c "import typer"`.

    .venv/bin/python benchmarks/schedule_speed.py [--runs 7] [--cli-runs 20]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from oncall.config.models import HolidayCalendar, Leave, Member, Rotation, RotationSpec
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import HolidayBook
from oncall.rotation.model import RotationState

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START = date(2027, 1, 4)
WEEKS = 520
CALENDARS = [("DE", "BY"), ("US", "CA"), ("GB", "ENG"), ("IN", "KA"), ("FR", None), ("NL", None)]


def rotation(members: int, with_leave: bool) -> Rotation:
    chance = random.Random(42)
    people = []
    for i in range(members):
        leave = []
        if with_leave:
            for year in range(10):
                for _ in range(4):
                    first = START + timedelta(days=365 * year + chance.randrange(365))
                    leave.append(Leave(first, first + timedelta(days=chance.randrange(3, 11))))
        country, subdiv = CALENDARS[i % len(CALENDARS)]
        people.append(
            Member(
                id=f"m{i:02d}",
                name=f"Member {i}",
                email=f"m{i}@example.com",
                phone="+00 0",
                holidays=HolidayCalendar(country, subdiv),
                leave=tuple(leave),
            )
        )
    return Rotation(
        name="Big",
        timezone="Europe/Berlin",
        rotation=RotationSpec(start=START),
        members=tuple(people),
        id="big",
    )


def time_engine(rot: Rotation, book: HolidayBook, runs: int) -> tuple[float, int]:
    times = []
    departures = 0
    for _ in range(runs):
        began = time.perf_counter()
        weeks = Engine(rot, RotationState(), book).weeks(0, WEEKS)
        times.append(time.perf_counter() - began)
        departures = sum(w.engineer != w.base_engineer for w in weeks)
    return statistics.median(times), departures


def time_cli(runs: int) -> list[tuple[str, float]]:
    compileall.compile_dir(REPO / "oncall", quiet=1)
    commands = [
        ('python -c "import typer"', [sys.executable, "-c", "import typer"]),
        ("oncall schedule --format json", [str(BIN / "oncall"), "schedule", "--format", "json"]),
    ]
    results = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ)
        env.update(
            ONCALL_WORKSPACE=str(REPO),
            ONCALL_CACHE_DIR=cache,
            ONCALL_NOW="2027-01-06T10:00:00+01:00",
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for label, argv in commands:
            subprocess.run(argv, env=env, capture_output=True, check=True)  # warm the caches
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
                times.append(time.perf_counter() - began)
            results.append((label, statistics.median(times)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cli-runs", type=int, default=20)
    args = parser.parse_args()

    os.environ["ONCALL_CACHE_DIR"] = tempfile.mkdtemp(prefix="oncall-bench-")  # a cold cache
    book = HolidayBook()
    began = time.perf_counter()
    for country, subdiv in CALENDARS:
        for year in range(START.year, START.year + 11):
            book.year(HolidayCalendar(country, subdiv), year)
    first_lookup = time.perf_counter() - began

    print(f"engine: {WEEKS} weeks (ten years) from {START}, 30 members, 6 holiday calendars")
    print(
        f"  first holiday lookup (cold disk cache or memory), 6 calendars x 11 years: "
        f"{first_lookup * 1000:.0f} ms"
    )
    for label, with_leave in (("no leave", False), ("~4 leaves a year each", True)):
        seconds, departures = time_engine(rotation(30, with_leave), book, args.runs)
        print(
            f"  {label:<24} median {seconds * 1000:7.1f} ms over {args.runs} runs "
            f"({departures} of {WEEKS} weeks off the plain order)"
        )
    if args.cli_runs:
        print(f"command: median wall time over {args.cli_runs} runs, warm caches")
        results = time_cli(args.cli_runs)
        baseline = results[0][1]
        for label, seconds in results:
            print(f"  {label:<32} {seconds * 1000:7.1f} ms  ratio {seconds / baseline:4.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
