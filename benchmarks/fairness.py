"""How much fairer the rotation engine is than the plain rotation, and how close to the optimum.

For a few realistic rotations, over their first plan year from 2027-01-04 (whole cycles, at
least 52 weeks) with the real public holidays of each member's calendar (the ``holidays``
package), prints for the plain rotation (list order, one week each), for ``oncall``'s engine,
and for the optimum the solver proves for the same inputs (a fresh plan, nothing kept):

- holiday spread: most minus fewest public-holiday days on call among members (each member's
  own calendar), and the range of those days;
- departures: weeks whose engineer differs from the plain rotation;
- back-to-back: weeks where the same person is on call two weeks running;
- on leave: weeks whose engineer is on leave (the plain rotation ignores leave).

A second table repeats it with leave: three trips of 5 to 12 days per member in the year,
drawn with a fixed seed, all known in advance (a fresh plan: the engine is the optimum). The
third is how a team lives: the same trips are announced three weeks before they start, one at
a time, and every week the team publishes four weeks ahead; each announcement is a local repair
of the plan everyone saw (``oncall leave add``), so the engine may stay above the optimum of
the final inputs, which only ``oncall plan --rebalance`` would reach. Figures are counted here
from the engineers, independently of the engine (list order and a direct holiday lookup). Run:

    .venv/bin/python benchmarks/fairness.py [--markdown]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta

from oncall.config.models import HolidayCalendar, Leave, Member, Rotation, RotationSpec
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import HolidayBook
from oncall.rotation.model import PublishedWeek, RotationState

START = date(2027, 1, 4)


def _member(member_id: str, country: str, subdiv: str | None = None, *leave: Leave) -> Member:
    return Member(
        id=member_id,
        name=member_id.title(),
        email=f"{member_id}@example.com",
        phone="+00 0",
        holidays=HolidayCalendar(country, subdiv),
        leave=tuple(leave),
    )


def _rotation(rotation_id: str, *members: Member) -> Rotation:
    return Rotation(
        name=rotation_id,
        timezone="Europe/Berlin",
        rotation=RotationSpec(start=START),
        members=members,
        id=rotation_id,
    )


ROTATIONS: list[tuple[str, Rotation]] = [
    (
        "Munich, 5 (DE-BY)",
        _rotation("munich", *(_member(n, "DE", "BY") for n in ("ana", "ben", "cy", "dora", "eva"))),
    ),
    (
        "distributed, 4 (DE-BY, US-CA, GB-ENG, IN-KA)",
        _rotation(
            "distributed",
            _member("alice", "DE", "BY"),
            _member("bob", "US", "CA"),
            _member("chloe", "GB", "ENG"),
            _member("dev", "IN", "KA"),
        ),
    ),
    (
        "US, 6 (CA x4, NY x2)",
        _rotation(
            "us",
            *(_member(n, "US", "CA") for n in ("amy", "bo", "cy", "di")),
            *(_member(n, "US", "NY") for n in ("ed", "flo")),
        ),
    ),
    (
        "pair, 2 (DE-BE, GB-ENG)",
        _rotation("pair", _member("jan", "DE", "BE"), _member("kim", "GB", "ENG")),
    ),
    (
        "Europe, 8 (DE, FR, NL, GB)",
        _rotation(
            "europe",
            _member("a1", "DE", "BY"),
            _member("a2", "DE", "BE"),
            _member("b1", "FR"),
            _member("b2", "FR"),
            _member("c1", "NL"),
            _member("c2", "NL"),
            _member("d1", "GB", "ENG"),
            _member("d2", "GB", "SCT"),
        ),
    ),
]


@dataclass
class Figures:
    low: int
    high: int
    departures: int
    back_to_back: int
    on_leave: int

    @property
    def spread(self) -> int:
        return self.high - self.low


def _holiday_days(book: HolidayBook, calendar: HolidayCalendar, monday: date) -> int:
    days = [monday + timedelta(days=i) for i in range(7)]
    tables = {d.year: book.year(calendar, d.year) for d in days}
    return sum(1 for d in days if d in tables[d.year])


def _figures(rotation: Rotation, engineers: list[str | None], book: HolidayBook) -> Figures:
    calendars = {m.id: rotation.calendar_of(m) for m in rotation.members}
    leave = {m.id: m.leave for m in rotation.members}
    load = dict.fromkeys(calendars, 0)
    departures = back_to_back = on_leave = 0
    order = [m.id for m in rotation.members]
    for k, engineer in enumerate(engineers):
        monday = START + timedelta(weeks=k)
        if engineer != order[k % len(order)]:
            departures += 1
        if k and engineer is not None and engineer == engineers[k - 1]:
            back_to_back += 1
        if engineer and any(
            x.start <= monday + timedelta(days=6) and x.end >= monday for x in leave[engineer]
        ):
            on_leave += 1
        calendar = calendars.get(engineer) if engineer else None
        if engineer and calendar:
            load[engineer] += _holiday_days(book, calendar, monday)
    return Figures(min(load.values()), max(load.values()), departures, back_to_back, on_leave)


def with_leave(rotation: Rotation) -> Rotation:
    """The rotation with three trips of 5 to 12 days per member in the year (fixed seed)."""
    chance = random.Random(rotation.id)
    members = []
    for m in rotation.members:
        trips = []
        for _ in range(3):
            first = START + timedelta(days=chance.randrange(350))
            trips.append(Leave(first, first + timedelta(days=chance.randrange(4, 12))))
        members.append(dataclasses.replace(m, leave=tuple(trips)))
    return dataclasses.replace(rotation, members=tuple(members))


def _announced(rotation: Rotation, book: HolidayBook, weeks: int) -> tuple[Engine, Engine]:
    """The engine as a team lives it (leave announced 3 weeks ahead, 4 weeks published every
    week, each change a repair of the plan seen), and the same final inputs planned fresh."""
    bare = dataclasses.replace(
        rotation, members=tuple(dataclasses.replace(m, leave=()) for m in rotation.members)
    )
    known: dict[str, list[Leave]] = {m.id: [] for m in rotation.members}
    published: dict[date, PublishedWeek] = {}
    plan: dict = {}
    current = bare
    for k in range(weeks):
        announced = False
        for m in rotation.members:
            for trip in m.leave:
                if trip not in known[m.id] and trip.start <= START + timedelta(weeks=k + 3):
                    known[m.id].append(trip)
                    announced = True
        if announced:
            current = dataclasses.replace(
                bare,
                members=tuple(
                    dataclasses.replace(m, leave=tuple(known[m.id])) for m in bare.members
                ),
            )
        engine = Engine(current, RotationState(published=dict(published), plan=plan), book, k)
        for week in engine.weeks(k, 4):
            if week.start not in published and week.engineer is not None:
                published[week.start] = PublishedWeek(week.start, week.engineer, week.reason)
        plan = engine.plan()
    lived = Engine(current, RotationState(published=dict(published), plan=plan), book, weeks)
    return lived, Engine(rotation, RotationState(), book)


def _optimum(engine: Engine, weeks: int) -> list[str | None]:
    """The engineers of the fresh optimum of the first plan year."""
    year = engine.years(0, weeks - 1)[0]
    best = engine.optimum(year)
    return [best.engineers[k] for k in range(weeks)]


def _print(rows: list[tuple[str, int, Figures, Figures, Figures]], markdown: bool) -> None:
    header = (
        "rotation",
        "weeks",
        "holiday spread plain / oncall / optimum",
        "holiday days min-max oncall",
        "back-to-back oncall / optimum",
        "departures oncall / optimum",
        "on leave plain / oncall",
    )
    lines = [
        (
            label,
            str(weeks),
            f"{plain.spread} / {fair.spread} / {best.spread}",
            f"{fair.low}-{fair.high}",
            f"{fair.back_to_back} / {best.back_to_back}",
            f"{fair.departures} / {best.departures}",
            f"{plain.on_leave} / {fair.on_leave}",
        )
        for label, weeks, plain, fair, best in rows
    ]
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + " --- |" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
        return
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    book = HolidayBook()
    variants = (
        ("no leave", False, False),
        ("with leave known in advance", True, False),
        ("with leave announced 3 weeks ahead, publishing 4 weeks ahead every week", True, True),
    )
    for title, leave, lived in variants:
        rows = []
        for label, base in ROTATIONS:
            rotation = with_leave(base) if leave else base
            order = [m.id for m in rotation.members]
            fresh = Engine(rotation, RotationState(), book)
            weeks = fresh.year_weeks
            plain = [order[k % len(order)] for k in range(weeks)]
            if lived:
                engine, fresh = _announced(rotation, book, weeks)
            else:
                engine = fresh
            fair = [w.engineer for w in engine.weeks(0, weeks)]
            best = _optimum(fresh, weeks)
            rows.append(
                (
                    label,
                    weeks,
                    _figures(rotation, plain, book),
                    _figures(rotation, fair, book),
                    _figures(rotation, best, book),
                )
            )
        print(f"First plan year from {START.isoformat()}, {title}")
        _print(rows, args.markdown)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
