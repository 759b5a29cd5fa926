"""Validate workspace files into the models of ``oncall.config.models``.

Two layers: pydantic checks shape and types (unknown keys, missing fields, bad dates), then plain
functions check what spans fields (a leave ending before it starts, duplicate ids, a Monday start,
known time zones and holiday calendars). Every problem becomes one ``file: field.path: message``.
Checks that span files (a runbook naming a rotation or team) live in ``oncall.config.workspace``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from oncall.config import catalog
from oncall.config.models import (
    Deadline,
    HolidayCalendar,
    Rotation,
    Runbook,
    Teams,
)
from oncall.errors import ConfigError, Problem

T = TypeVar("T")

# fullmatch, never `$`: `$` also matches before a final newline, so "alice\n" would pass
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: threshold ranges: (check, key) -> (lowest allowed, highest allowed, inclusive low)
THRESHOLD_RANGES: dict[tuple[str, str], tuple[float, float | None, bool]] = {
    ("filing_discrepancy", "abs_tolerance"): (0.0, None, True),
    ("filing_discrepancy", "rel_tolerance"): (0.0, 1.0, True),
    ("cost_data_delay", "deadline_day"): (1, 28, True),
    ("late_arrivals", "arrival_sla_hours"): (0.0, None, False),
    ("kafka_gap", "min_gap_minutes"): (0.0, None, False),
    ("join_skew", "max_key_share"): (0.0, 1.0, False),
}


class Problems:
    """Collects problems of one file; ``raise_if_any`` turns them into one ``ConfigError``."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(Problem(self.file, field, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(*self.items)


def field_path(loc: Iterable[str | int]) -> str:
    """``("members", 2, "leave", 0, "end")`` -> ``members[2].leave[0].end``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice close enough to ``value`` to be what was meant, if any."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return close[0] if close else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``value``, else empty."""
    close = closest(value, choices)
    return f" (did you mean {close!r}?)" if close else ""


def _suggested(error: Any, model_fields: dict[str, Sequence[str]]) -> str | None:
    """For an unknown key with a close known one: the field path of the key meant."""
    if error["type"] not in ("unexpected_keyword_argument", "extra_forbidden"):
        return None
    loc = list(error["loc"])
    meant = closest(str(loc[-1]), model_fields.get(field_path(loc[:-1]), ()))
    return field_path([*loc[:-1], meant]) if meant else None


def _message(error: Any, model_fields: dict[str, Sequence[str]]) -> tuple[str, str]:
    """Translate one pydantic error into (field path, short message people understand)."""
    loc = list(error["loc"])
    kind = error["type"]
    value = _Shown(error.get("input"))
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        key = str(loc[-1])
        known = model_fields.get(field_path(loc[:-1]), ())
        return field_path(loc), f"unknown key{did_you_mean(key, known)}"
    if kind in ("missing", "missing_argument", "missing_keyword_only_argument"):
        return field_path(loc), "required field is missing"
    if kind.startswith("date"):
        return field_path(loc), f"{value!r} is not a valid date (expected YYYY-MM-DD)"
    if kind.startswith("time"):
        return field_path(loc), f"{value!r} is not a valid time (expected HH:MM)"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return field_path(loc), f"{value!r} is not one of {expected}"
    if kind in ("string_type",):
        return field_path(loc), f"expected text, got {value!r}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return field_path(loc), f"expected a whole number, got {value!r}"
    if kind in ("float_type", "float_parsing"):
        return field_path(loc), f"expected a number, got {value!r}"
    if kind in ("bool_type", "bool_parsing"):
        return field_path(loc), f"expected true or false, got {value!r}"
    if kind in ("list_type", "tuple_type", "set_type"):
        return field_path(loc), "expected a list"
    if kind in ("dataclass_type", "dict_type", "model_type", "dataclass_exact_type"):
        return field_path(loc), "expected a mapping of keys to values"
    return field_path(loc), str(error.get("msg", kind))


class _Shown:
    """A value as a message shows it: its ``repr``, cut short (an input may be megabytes)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        from oncall.config.yamlio import shorten

        return shorten(repr(self.value), 60)

    __str__ = __repr__


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(model: type[T]) -> TypeAdapter[T]:
    """One TypeAdapter per model (building one costs milliseconds)."""
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(model)
    return _ADAPTERS[model]


def _known_fields(model: type, raw: Any) -> dict[str, Sequence[str]]:
    """Field names of the model and its nested dataclasses by path prefix, for suggestions."""
    import dataclasses
    import typing

    known: dict[str, Sequence[str]] = {}

    def walk(cls: Any, value: Any, prefix: list[str | int]) -> None:
        if not dataclasses.is_dataclass(cls):
            return
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        known[field_path(prefix)] = names
        if not isinstance(value, dict):
            return
        for name in names:
            sub = value.get(name)
            hint = hints[name]
            inner = [a for a in typing.get_args(hint) if a is not type(None) and a is not Ellipsis]
            target = inner[0] if inner else hint
            if isinstance(sub, list):
                for index, item in enumerate(sub):
                    walk(target, item, [*prefix, name, index])
            else:
                walk(target, sub, [*prefix, name])

    walk(model, raw, [])
    return known


def parse_model(model: type[T], raw: Any, problems: Problems) -> T | None:
    """Validate ``raw`` against ``model``; record every problem and return None if any."""
    if raw is None:
        problems.add("", "the file is empty")
        return None
    if not isinstance(raw, dict):
        problems.add("", "expected a mapping of keys to values at the top level")
        return None
    before = len(problems.items)
    check_sizes(raw, problems)
    if len(problems.items) > before:
        return None
    try:
        parsed = _adapter(model).validate_python(raw)
    except ValidationError as error:
        known = _known_fields(model, raw)
        errors = error.errors()
        messages = [_message(item, known) for item in errors]
        # a misspelt key is one mistake: keep "unknown key (did you mean 'x'?)" and drop the
        # "x: required field is missing" it causes
        suggested = {meant for item in errors if (meant := _suggested(item, known))}
        for field, message in messages:
            if not (message == "required field is missing" and field in suggested):
                problems.add(field, message)
        return None
    check_dates(parsed, problems)
    return parsed if len(problems.items) == before else None


# --- bounds (oncall.config.limits) ------------------------------------------------------------


def check_sizes(raw: Any, problems: Problems, path: tuple[str | int, ...] = ()) -> None:
    """Every text within its length and free of control characters, every list within its
    length (``oncall.config.limits``), before anything else reads the values."""
    from oncall.config import limits

    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if isinstance(raw, str):
        problem = limits.text_problem(raw, limits.text_limit(key))
        if problem is not None:
            problems.add(field_path(path), problem)
    elif isinstance(raw, dict):
        for name, value in raw.items():
            check_sizes(value, problems, (*path, str(name)))
    elif isinstance(raw, list):
        limit = limits.LIST_LIMITS.get(key, limits.MAX_LIST) if path else limits.MAX_LIST
        if len(raw) > limit:
            problems.add(field_path(path), f"more than {limit:,} entries ({len(raw):,})")
            return
        for index, value in enumerate(raw):
            check_sizes(value, problems, (*path, index))


def check_dates(parsed: Any, problems: Problems, path: tuple[str | int, ...] = ()) -> None:
    """Every date of a parsed model within ``limits.FIRST_DATE``..``limits.LAST_DATE``."""
    import dataclasses
    from datetime import date, datetime

    from oncall.config.limits import date_problem

    if isinstance(parsed, datetime | date):
        problem = date_problem(parsed.date() if isinstance(parsed, datetime) else parsed)
        if problem is not None:
            problems.add(field_path(path), problem)
    elif dataclasses.is_dataclass(parsed) and not isinstance(parsed, type):
        for item in dataclasses.fields(parsed):
            check_dates(getattr(parsed, item.name), problems, (*path, item.name))
    elif isinstance(parsed, list | tuple):
        for index, value in enumerate(parsed):
            check_dates(value, problems, (*path, index))


# --- semantic checks --------------------------------------------------------------------------


def check_id(value: str, field: str, problems: Problems, what: str) -> None:
    if not ID_PATTERN.fullmatch(value):
        problems.add(
            field, f"{what} {value!r} may only use a-z, 0-9, '-' and '_' (starting a-z or 0-9)"
        )


def check_email(value: str, field: str, problems: Problems) -> None:
    if not EMAIL_PATTERN.fullmatch(value):
        problems.add(field, f"{value!r} is not an email address")


def check_not_blank(value: str | None, field: str, problems: Problems) -> None:
    if value is not None and not value.strip():
        problems.add(field, "must not be empty")


@cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str, field: str, problems: Problems) -> None:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.add(field, f"unknown time zone {value!r}{did_you_mean(value, _time_zones())}")


@cache
def _holiday_countries() -> dict[str, list[str]]:
    import holidays

    return holidays.list_supported_countries()


def check_holiday_calendar(calendar: HolidayCalendar, field: str, problems: Problems) -> None:
    """The country and subdivision must be ones the ``holidays`` package knows."""
    countries = _holiday_countries()
    if calendar.country not in countries:
        problems.add(
            f"{field}.country",
            f"unknown holiday country {calendar.country!r}"
            f"{did_you_mean(calendar.country, countries)}",
        )
        return
    subdivisions = countries[calendar.country]
    if calendar.subdiv is not None and calendar.subdiv not in subdivisions:
        import holidays

        try:  # the package also accepts aliases of some subdivisions
            holidays.country_holidays(calendar.country, subdiv=calendar.subdiv)
        except (NotImplementedError, KeyError, ValueError):
            known = ", ".join(subdivisions) if subdivisions else "none"
            problems.add(
                f"{field}.subdiv",
                f"unknown subdivision {calendar.subdiv!r} of {calendar.country} (known: {known})",
            )


def check_rotation(rotation: Rotation, rotation_id: str, problems: Problems) -> None:
    """Checks of a rotation file beyond shape and types."""
    check_id(rotation_id, "", problems, "rotation id (the file name)")
    if rotation.id and rotation.id != rotation_id:
        problems.add("id", f"{rotation.id!r} does not match the file name {rotation_id!r}")
    check_not_blank(rotation.name, "name", problems)
    check_time_zone(rotation.timezone, "timezone", problems)
    start = rotation.rotation.start
    if start.weekday() != 0:
        problems.add(
            "rotation.start",
            f"{start.isoformat()} is a {WEEKDAY_NAMES[start.weekday()]}, not a Monday",
        )
    if not 1 <= rotation.rotation.handoff_minutes <= 480:
        problems.add("rotation.handoff_minutes", "must be between 1 and 480")
    hours = rotation.working_hours
    if hours.end <= hours.start:
        problems.add("working_hours.end", "must be after working_hours.start")
    if not hours.days:
        problems.add("working_hours.days", "must name at least one day")
    if rotation.holidays is not None:
        check_holiday_calendar(rotation.holidays, "holidays", problems)
    if not rotation.members:
        problems.add("members", "the rotation has no members")
    first_index: dict[str, int] = {}
    for index, member in enumerate(rotation.members):
        where = f"members[{index}]"
        check_id(member.id, f"{where}.id", problems, "member id")
        _check_first(first_index, member.id, index, f"{where}.id", "id", problems)
        check_not_blank(member.name, f"{where}.name", problems)
        if member.timezone is not None:
            check_time_zone(member.timezone, f"{where}.timezone", problems)
        check_email(member.email, f"{where}.email", problems)
        check_not_blank(member.phone, f"{where}.phone", problems)
        if member.holidays is not None:
            check_holiday_calendar(member.holidays, f"{where}.holidays", problems)
        for leave_index, leave in enumerate(member.leave):
            if leave.end < leave.start:
                problems.add(f"{where}.leave[{leave_index}].end", "before start")


def _check_first(
    seen: dict[str, int], value: str, index: int, field: str, what: str, problems: Problems
) -> None:
    """A problem at ``field`` (``list[index].key``) when ``value`` stood earlier in the list;
    ``seen`` keeps the first index of each value."""
    if value in seen:
        listed = field.split("[", 1)[0]
        problems.add(field, f"duplicate {what} {value!r} (also {listed}[{seen[value]}])")
    seen.setdefault(value, index)


def check_teams(teams: Teams, problems: Problems) -> None:
    """Checks of the teams file beyond shape and types."""
    if not teams.teams:
        problems.add("teams", "the file lists no teams")
    first_index: dict[str, int] = {}
    for index, team in enumerate(teams.teams):
        where = f"teams[{index}]"
        check_not_blank(team.name, f"{where}.name", problems)
        _check_first(first_index, team.name, index, f"{where}.name", "team", problems)
        check_email(team.email, f"{where}.email", problems)


def check_deadline(deadline: Deadline, field: str, problems: Problems) -> None:
    if deadline.every == "week":
        if deadline.weekday is None:
            problems.add(f"{field}.weekday", "a weekly deadline needs a weekday (mon..sun)")
        if deadline.day is not None:
            problems.add(f"{field}.day", "a weekly deadline takes a weekday, not a day")
    else:
        if deadline.day is None:
            problems.add(f"{field}.day", "a monthly deadline needs a day of the month")
        elif not (1 <= deadline.day <= 28 or -28 <= deadline.day <= -1):
            problems.add(
                f"{field}.day", "must be 1..28, or counted from the month's end: -1 = last day"
            )
        if deadline.weekday is not None:
            problems.add(f"{field}.weekday", "a monthly deadline takes a day, not a weekday")
    if deadline.timezone is not None:
        check_time_zone(deadline.timezone, f"{field}.timezone", problems)


def check_runbook(runbook: Runbook, runbook_id: str, problems: Problems) -> None:
    """Checks of a runbook file beyond shape and types (team and rotation names: workspace)."""
    if runbook.id not in catalog.PIPELINE_IDS:
        known = ", ".join(catalog.PIPELINE_IDS)
        problems.add(
            "id",
            f"{runbook.id!r} is not a pipeline{did_you_mean(runbook.id, catalog.PIPELINE_IDS)}"
            f" (known: {known})",
        )
    elif runbook.id != runbook_id:
        problems.add("id", f"{runbook.id!r} does not match the file name {runbook_id!r}")
    check_not_blank(runbook.name, "name", problems)
    if not runbook.owners.primary:
        problems.add("owners.primary", "name at least one primary owner team")
    if not runbook.data_sources:
        problems.add("data_sources", "name at least one data source")
    if runbook.on_call.policy != "working-hours" and runbook.on_call.rotation is None:
        problems.add(
            "on_call.rotation",
            f"policy {runbook.on_call.policy!r} needs a rotation to page",
        )
    seen: dict[str, int] = {}
    for index, issue in enumerate(runbook.common_issues):
        where = f"common_issues[{index}].id"
        owner = catalog.CHECK_PIPELINE.get(issue.id)
        if owner is None:
            problems.add(
                where,
                f"unknown check id {issue.id!r}{did_you_mean(issue.id, catalog.CHECK_IDS)}",
            )
        elif runbook.id in catalog.PIPELINE_IDS and owner != runbook.id:
            problems.add(where, f"{issue.id!r} is a check of {owner}, not of {runbook.id}")
        if issue.id in seen:
            problems.add(
                where, f"duplicate issue {issue.id!r} (also common_issues[{seen[issue.id]}])"
            )
        seen.setdefault(issue.id, index)
        check_not_blank(issue.remediation, f"common_issues[{index}].remediation", problems)
    for index, deadline in enumerate(runbook.sla.deadlines):
        check_deadline(deadline, f"sla.deadlines[{index}]", problems)
    for key in ("respond_within_minutes", "fix_within_hours", "data_due_hours"):
        value = getattr(runbook.sla, key)
        if value is not None and value < 0:
            problems.add(f"sla.{key}", "must not be negative")
    check_thresholds(runbook, problems)


def check_thresholds(runbook: Runbook, problems: Problems) -> None:
    """Only this pipeline's checks, only known names, values in range; then fill defaults."""
    own_checks = [c for c in catalog.CHECKS.get(runbook.id, ()) if c in catalog.THRESHOLD_DEFAULTS]
    for check, values in runbook.thresholds.items():
        defaults = catalog.THRESHOLD_DEFAULTS.get(check)
        if defaults is None or (runbook.id in catalog.PIPELINE_IDS and check not in own_checks):
            owner = catalog.CHECK_PIPELINE.get(check)
            if owner is not None and owner != runbook.id:
                problems.add(
                    f"thresholds.{check}", f"{check!r} is a check of {owner}, not of {runbook.id}"
                )
            elif owner is not None:
                problems.add(f"thresholds.{check}", f"{check!r} has no thresholds")
            else:
                known = own_checks or list(catalog.THRESHOLD_DEFAULTS)
                problems.add(f"thresholds.{check}", f"unknown check{did_you_mean(check, known)}")
            continue
        for key, value in values.items():
            if key not in defaults:
                problems.add(
                    f"thresholds.{check}.{key}", f"unknown key{did_you_mean(key, defaults)}"
                )
                continue
            low, high, inclusive = THRESHOLD_RANGES[(check, key)]
            if (value < low if inclusive else value <= low) or (high is not None and value > high):
                bound = f"at least {low:g}" if inclusive else f"greater than {low:g}"
                upper = f" and at most {high:g}" if high is not None else ""
                problems.add(f"thresholds.{check}.{key}", f"must be {bound}{upper}")
            elif isinstance(catalog.THRESHOLD_DEFAULTS[check][key], int) and value != int(value):
                problems.add(f"thresholds.{check}.{key}", f"must be a whole number, got {value:g}")
    if problems.items:
        return
    for check in own_checks:
        defaults = catalog.THRESHOLD_DEFAULTS[check]
        given = runbook.thresholds.get(check, {})
        runbook.thresholds[check] = {k: type(d)(given.get(k, d)) for k, d in defaults.items()}


def validate_rotation(raw: Any, rotation_id: str, display: str) -> Rotation:
    """Validate a rotation file's content; raise ``ConfigError`` listing every problem."""
    rotation = _validated(Rotation, raw, display, lambda r, p: check_rotation(r, rotation_id, p))
    import dataclasses

    return dataclasses.replace(rotation, id=rotation_id)


def validate_teams(raw: Any, display: str) -> Teams:
    """Validate the teams file's content; raise ``ConfigError`` listing every problem."""
    return _validated(Teams, raw, display, check_teams)


def validate_runbook(raw: Any, runbook_id: str, display: str) -> Runbook:
    """Validate a runbook file's content; raise ``ConfigError`` listing every problem."""
    return _validated(Runbook, raw, display, lambda r, p: check_runbook(r, runbook_id, p))


def _validated(model: type[T], raw: Any, display: str, check: Callable[[T, Problems], None]) -> T:
    """``raw`` parsed as ``model`` and passed through ``check``; ``ConfigError`` listing every
    problem of either."""
    problems = Problems(display)
    value = parse_model(model, raw, problems)
    if value is not None:
        check(value, problems)
    problems.raise_if_any()
    assert value is not None
    return value
