"""Occurrences of weekly and monthly SLA deadlines."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from oncall.config.models import Deadline
from oncall.incident.deadlines import in_last_week_of_month, occurrences

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def test_weekly_deadline_in_a_week() -> None:
    friday = Deadline(name="statuses", every="week", weekday="fri", at=time(17, 0))
    start = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)
    found = occurrences(friday, "Europe/Berlin", start, datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN))
    assert [d.at for d in found] == [datetime(2027, 1, 8, 17, 0, tzinfo=BERLIN)]


def test_monthly_deadline_in_its_own_zone() -> None:
    costs = Deadline(name="costs", every="month", day=5, at=time(23, 59), timezone="UTC")
    start = datetime(2027, 1, 4, 9, 30, tzinfo=BERLIN)
    found = occurrences(costs, "Europe/Berlin", start, datetime(2027, 2, 8, 9, 30, tzinfo=BERLIN))
    assert [d.at for d in found] == [
        datetime(2027, 1, 5, 23, 59, tzinfo=UTC),
        datetime(2027, 2, 5, 23, 59, tzinfo=UTC),
    ]


def test_last_day_of_month_counts_from_the_end() -> None:
    month_end = Deadline(name="reporting", every="month", day=-1, at=time(12, 0))
    start = datetime(2027, 2, 22, 9, 30, tzinfo=BERLIN)
    found = occurrences(
        month_end, "Europe/Berlin", start, datetime(2027, 3, 1, 9, 30, tzinfo=BERLIN)
    )
    assert [d.at for d in found] == [datetime(2027, 2, 28, 12, 0, tzinfo=BERLIN)]
    leap = occurrences(
        month_end,
        "Europe/Berlin",
        datetime(2028, 2, 21, tzinfo=BERLIN),
        datetime(2028, 3, 2, tzinfo=BERLIN),
    )
    assert [d.at.date() for d in leap] == [date(2028, 2, 29)]


def test_window_is_half_open() -> None:
    friday = Deadline(name="statuses", every="week", weekday="fri", at=time(17, 0))
    at = datetime(2027, 1, 8, 17, 0, tzinfo=BERLIN)
    assert occurrences(friday, "Europe/Berlin", at, datetime(2027, 1, 9, tzinfo=BERLIN))
    assert not occurrences(friday, "Europe/Berlin", datetime(2027, 1, 7, tzinfo=BERLIN), at)


def test_last_week_of_month() -> None:
    assert in_last_week_of_month(date(2027, 1, 25))
    assert not in_last_week_of_month(date(2027, 1, 24))
    assert in_last_week_of_month(date(2027, 2, 22))  # February has 28 days in 2027
    assert not in_last_week_of_month(date(2027, 2, 21))
