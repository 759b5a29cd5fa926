"""The single source of "now" (honouring ``ONCALL_NOW``) and parsing of user-given dates."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, tzinfo

from oncall.errors import UsageError

NOW_VARIABLE = "ONCALL_NOW"


def now() -> datetime:
    """Return the current time as an aware datetime; ``ONCALL_NOW`` replaces it when set."""
    fixed = os.environ.get(NOW_VARIABLE)
    if fixed:
        return parse_datetime(fixed, what=NOW_VARIABLE, require_offset=True)
    return datetime.now(UTC)


def today(zone: tzinfo | None = None) -> date:
    """Return today's date in ``zone`` (UTC when not given), honouring ``ONCALL_NOW``."""
    return now().astimezone(zone or UTC).date()


def parse_datetime(
    text: str, *, what: str, default_zone: tzinfo | None = None, require_offset: bool = False
) -> datetime:
    """Parse an ISO 8601 date-time; a value without offset is read in ``default_zone``.

    A bare date means its midnight. Raises ``UsageError`` naming ``what`` when the text is not
    a date-time, or has no offset when one is required (or no default zone is known).
    """
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{what}: {_shown(text)} is not an ISO 8601 date-time (e.g. 2027-01-06T10:00:00+01:00)"
        ) from None
    if parsed.tzinfo is None:
        if require_offset or default_zone is None:
            raise UsageError(f"{what}: {_shown(text)} has no UTC offset (e.g. +01:00 or Z)")
        parsed = parsed.replace(tzinfo=default_zone)
    _check_range(parsed.date(), text, what)
    return parsed


def parse_date(text: str, *, what: str) -> date:
    """Parse a ``YYYY-MM-DD`` date, raising ``UsageError`` naming ``what`` if impossible."""
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{what}: {_shown(text)} is not a valid date (YYYY-MM-DD)") from None
    _check_range(parsed, text, what)
    return parsed


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short when long (messages stay one short line)."""
    return repr(text if len(text) <= 60 else text[:60] + "...")


def _check_range(day: date, text: str, what: str) -> None:
    from oncall.config.limits import date_problem

    problem = date_problem(day)
    if problem is not None:
        raise UsageError(f"{what}: {_shown(text)} {problem.split(' ', 1)[1]}")
