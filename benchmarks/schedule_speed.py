"""How fast the rotation engine plans cold: a year for 10 members, ten years for 30, and warm.

1. The engine alone, solving from nothing (no plan kept, no solution cache): 52 weeks of a
   10-member rotation and 520 weeks (ten years) of a 30-member rotation on six holiday
   calendars (real public holidays), without leave and with about four leaves a year per member
   (seeded, so every run measures the same schedule). Each plan year is solved exactly (goals
   in order: week counts, two weeks running, holiday spread, departures). Median over several
   runs of a fresh engine; the first run, which also imports the solver, is reported apart;
   holidays are looked up once before timing (as the disk cache does for every run after the
   first), and the first lookup is reported separately.
2. The command: median wall time of `oncall schedule --format json` on the bundled workspace
   with warm caches, next to `python -c "import typer"`.

    .venv/bin/python benchmarks/schedule_speed.py [--runs 3] [--cli-runs 20] [--sizes 5 10 20]

3. With ``--sizes``: two years (104 weeks) for each team size, with and without leave, one cold
   solve each (after a first, untimed one), and their total.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from cli_startup import print_ratios

from oncall.config.models import HolidayCalendar, Leave, Member, Rotation, RotationSpec
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import HolidayBook
from oncall.rotation.model import RotationState

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START = date(2027, 1, 4)
WEEKS = 520
CALENDARS = [("DE", "BY"), ("US", "CA"), ("GB", "ENG"), ("IN", "KA"), ("FR", None), ("NL", None)]


def rotation(members: int, with_leave: bool, years: int = 10) -> Rotation:
    chance = random.Random(42)
    people = []
    for i in range(members):
        leave = []
        if with_leave:
            for year in range(years):
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


def time_engine(rot: Rotation, book: HolidayBook, weeks: int, runs: int) -> tuple:
    """(first run, median of the other runs, departures, unproven goals) of a cold plan."""
    times = []
    departures = 0
    unproven = 0
    for _ in range(runs + 1):
        began = time.perf_counter()
        engine = Engine(rot, RotationState(), book)
        planned = engine.weeks(0, weeks)
        times.append(time.perf_counter() - began)
        departures = sum(w.engineer != w.base_engineer for w in planned)
        unproven = sum(len(y.unproven) for y in engine.years(0, weeks - 1))
    return times[0], statistics.median(times[1:]), departures, unproven


#: the command timed against the bare cost of importing Typer (warm caches)
CLI_COMMANDS = [
    ('python -c "import typer"', [sys.executable, "-c", "import typer"]),
    ("oncall schedule --format json", [str(BIN / "oncall"), "schedule", "--format", "json"]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cli-runs", type=int, default=20)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[],
        help="also plan two years (104 weeks) cold for each of these team sizes, once each",
    )
    args = parser.parse_args()

    os.environ["ONCALL_CACHE_DIR"] = tempfile.mkdtemp(prefix="oncall-bench-")  # a cold cache
    book = HolidayBook()
    began = time.perf_counter()
    for country, subdiv in CALENDARS:
        for year in range(START.year, START.year + 11):
            book.year(HolidayCalendar(country, subdiv), year)
    first_lookup = time.perf_counter() - began

    for members, weeks, years in ((10, 52, 1), (30, WEEKS, 10)):
        print(f"engine: {weeks} weeks from {START}, {members} members, 6 holiday calendars")
        for label, with_leave in (("no leave", False), ("~4 leaves a year each", True)):
            first, seconds, departures, unproven = time_engine(
                rotation(members, with_leave, years), book, weeks, args.runs
            )
            print(
                f"  {label:<24} cold solve: median {seconds * 1000:7.1f} ms over {args.runs} "
                f"runs, first run {first * 1000:7.1f} ms ({departures} of {weeks} weeks off "
                f"the plain order; goals not proven optimal in time: {unproven})"
            )
    if args.sizes:
        print("engine: 104 weeks from 2027-01-04, one cold solve each")
        total = 0.0
        for members in args.sizes:
            for label, with_leave in (("no leave", False), ("~4 leaves a year each", True)):
                _, seconds, _, unproven = time_engine(
                    rotation(members, with_leave, 2), book, 104, 1
                )
                total += seconds
                print(
                    f"  {members:2d} members, {label:<24} {seconds * 1000:8.1f} ms "
                    f"(goals not proven optimal in time: {unproven})"
                )
        print(f"  all sizes together: {total:.1f} s")
    print(
        f"  first holiday lookup (cold disk cache or memory), 6 calendars x 11 years: "
        f"{first_lookup * 1000:.0f} ms"
    )
    if args.cli_runs:
        print_ratios(CLI_COMMANDS, args.cli_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
