"""How much fairer the rotation engine is than the plain rotation, and what it costs.

For a few realistic rotations, over 52 weeks from 2027-01-04 with the real public holidays of
each member's calendar (the ``holidays`` package), prints for the plain rotation (list order,
one week each) and for ``oncall``'s engine:

- holiday spread: most minus fewest public-holiday days on call among members (each member's
  own calendar), and the range of those days;
- departures: weeks whose engineer differs from the plain rotation;
- back-to-back: weeks where the same person is on call two weeks running.

The plain rotation is counted here independently of the engine (list order and a direct
holiday lookup). Run:

    .venv/bin/python benchmarks/fairness.py [--weeks 52] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, timedelta

from oncall.config.models import HolidayCalendar, Leave, Member, Rotation, RotationSpec
from oncall.rotation.engine import Engine
from oncall.rotation.holidays import HolidayBook
from oncall.rotation.model import RotationState

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

    @property
    def spread(self) -> int:
        return self.high - self.low


def _holiday_days(book: HolidayBook, calendar: HolidayCalendar, monday: date) -> int:
    days = [monday + timedelta(days=i) for i in range(7)]
    tables = {d.year: book.year(calendar, d.year) for d in days}
    return sum(1 for d in days if d in tables[d.year])


def _figures(rotation: Rotation, engineers: list[str | None], book: HolidayBook) -> Figures:
    calendars = {m.id: rotation.calendar_of(m) for m in rotation.members}
    load = dict.fromkeys(calendars, 0)
    departures = back_to_back = 0
    order = [m.id for m in rotation.members]
    for k, engineer in enumerate(engineers):
        if engineer != order[k % len(order)]:
            departures += 1
        if k and engineer is not None and engineer == engineers[k - 1]:
            back_to_back += 1
        calendar = calendars.get(engineer) if engineer else None
        if engineer and calendar:
            load[engineer] += _holiday_days(book, calendar, START + timedelta(weeks=k))
    return Figures(min(load.values()), max(load.values()), departures, back_to_back)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    book = HolidayBook()
    rows = []
    for label, rotation in ROTATIONS:
        order = [m.id for m in rotation.members]
        plain = [order[k % len(order)] for k in range(args.weeks)]
        engine = Engine(rotation, RotationState(), book)
        fair = [w.engineer for w in engine.weeks(0, args.weeks)]
        rows.append((label, _figures(rotation, plain, book), _figures(rotation, fair, book)))
    header = (
        "rotation",
        "holiday spread plain",
        "holiday spread oncall",
        "holiday days min-max plain",
        "holiday days min-max oncall",
        "departures oncall",
        "back-to-back oncall",
    )
    lines = []
    for label, plain_f, fair_f in rows:
        lines.append(
            (
                label,
                str(plain_f.spread),
                str(fair_f.spread),
                f"{plain_f.low}-{plain_f.high}",
                f"{fair_f.low}-{fair_f.high}",
                f"{fair_f.departures} of {args.weeks}",
                str(fair_f.back_to_back),
            )
        )
    print(f"{args.weeks} weeks from {START.isoformat()}, no leave; plain rotation has 0 departures")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + " --- |" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for line in lines:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
