"""Public holidays per calendar and year, from the ``holidays`` package through a disk cache.

``import holidays`` alone costs tens of milliseconds, more than an incident command may spend in
total, so each (calendar, year) is computed once and kept in ``oncall.cache``; after the first
run the package is not even imported. The cache is dropped when the package or this module
changes. Names are English where the package has them, else the calendar's own language.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Protocol

from oncall.cache import StampedCache, code_stamp, file_stamp
from oncall.config.models import HolidayCalendar

LANGUAGE = "en_US"


class HolidaySource(Protocol):
    """Where the engine gets public holidays: one calendar's holidays of one year."""

    def year(self, calendar: HolidayCalendar, year: int) -> dict[date, str]: ...


def _package_stamp() -> object:
    """A stamp of the installed ``holidays`` package, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("holidays")
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec is not None else None
    return file_stamp(Path(origin)) if origin else None


class HolidayBook:
    """Public holidays of any calendar the ``holidays`` package knows, cached on disk (each
    newly computed year is saved at once)."""

    def __init__(self, language: str = LANGUAGE) -> None:
        self.language = language
        self._memory: dict[tuple[str, str | None, int], dict[date, str]] = {}
        self._cache: StampedCache | None = None

    def _disk(self) -> StampedCache:
        if self._cache is None:
            version = (code_stamp(__file__), _package_stamp(), self.language)
            self._cache = StampedCache("holidays", "public-holidays", version)
        return self._cache

    def year(self, calendar: HolidayCalendar, year: int) -> dict[date, str]:
        """The holidays of ``calendar`` in ``year``: date -> name (names of one day joined)."""
        key = (calendar.country, calendar.subdiv, year)
        found = self._memory.get(key)
        if found is not None:
            return found
        disk_key = f"{calendar.country}/{calendar.subdiv or ''}/{year}"
        stored = self._disk().get(disk_key, None)
        if stored is None:
            stored = tuple(sorted(_compute(calendar, year, self.language).items()))
            self._disk().put(disk_key, None, stored)
            self._disk().save()
        found = dict(stored)
        self._memory[key] = found
        return found

    def save(self) -> None:
        """Keep newly computed years on disk (failures are ignored: it is only a cache)."""
        if self._cache is not None:
            self._cache.save()


def _compute(calendar: HolidayCalendar, year: int, language: str) -> dict[date, str]:
    import warnings

    import holidays

    try:
        with warnings.catch_warnings():
            # e.g. "available only from 2001 to 2035": outside its range a calendar is empty
            warnings.simplefilter("ignore")
            table = holidays.country_holidays(
                calendar.country, subdiv=calendar.subdiv, years=year, language=language
            )
            return {day: str(name) for day, name in table.items()}
    except NotImplementedError:  # validated files name known calendars; be safe anyway
        return {}


class FixedHolidays:
    """Holidays given as data (tests, benchmarks): calendar name -> {date: name}.

    The calendar name is ``str(HolidayCalendar)``, e.g. ``DE-BY`` or ``US``.
    """

    def __init__(self, table: dict[str, dict[date, str]]) -> None:
        self.table = table

    def year(self, calendar: HolidayCalendar, year: int) -> dict[date, str]:
        days = self.table.get(str(calendar), {})
        return {day: name for day, name in days.items() if day.year == year}
