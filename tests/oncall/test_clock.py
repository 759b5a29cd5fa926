"""``ONCALL_NOW`` replaces "now"; user-given dates are parsed strictly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oncall import clock
from oncall.errors import UsageError


def test_oncall_now_replaces_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-01-06T10:00:00+01:00")
    assert clock.now() == datetime(2027, 1, 6, 9, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(hours=1)


def test_without_oncall_now_the_clock_is_real(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONCALL_NOW")
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)


def test_oncall_now_needs_an_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-01-06T10:00:00")
    with pytest.raises(UsageError) as caught:
        clock.now()
    assert (
        str(caught.value)
        == "ONCALL_NOW: '2027-01-06T10:00:00' has no UTC offset (e.g. +01:00 or Z)"
    )


def test_today_is_taken_in_the_given_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-01-06T23:30:00+00:00")
    assert clock.today() == date(2027, 1, 6)
    assert clock.today(ZoneInfo("Asia/Kolkata")) == date(2027, 1, 7)


def test_naive_datetime_is_read_in_the_default_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    parsed = clock.parse_datetime("2027-03-28T09:29", what="--at", default_zone=berlin)
    assert parsed.utcoffset() == timedelta(hours=2)  # summer time began that night
    assert clock.parse_datetime("2027-01-04T09:00Z", what="--at").tzinfo == UTC


@pytest.mark.parametrize("text", ["2027-02-30", "next monday", "2027-13-01"])
def test_impossible_dates_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        clock.parse_date(text, what="--start")
    assert str(caught.value) == f"--start: {text!r} is not a valid date (YYYY-MM-DD)"
    assert caught.value.exit_code == 2
