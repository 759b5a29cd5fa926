"""What a check produces: plain data the runner enriches and the report formats render."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import field, replace
from datetime import UTC, date, datetime
from typing import Any

from oncall.frozen import frozen

OK = "ok"
WARN = "warn"
FAIL = "fail"
ERROR = "error"
#: worst last: a pipeline's status is the worst of its checks' (an unreadable input outranks a
#: failure, as exit code 3 outranks 1)
SEVERITY: tuple[str, ...] = (OK, WARN, FAIL, ERROR)

#: details list at most this many items; the summary and ``total`` keys give the full count
MAX_SAMPLE = 20
#: a reason longer than this is cut: Spark can quote a whole query plan in one message
MAX_REASON = 400


def worst(statuses: Iterable[str]) -> str:
    """The most severe of ``statuses`` (``ok`` when there are none)."""
    return max(statuses, key=SEVERITY.index, default=OK)


@frozen
class CheckResult:
    """One check's verdict: its JSON keys (id, status, count, summary, details) and context."""

    id: str
    status: str
    count: int
    summary: str
    details: list[dict[str, Any]] = field(default_factory=list)
    #: the thresholds the check used, by name
    threshold: dict[str, float] = field(default_factory=dict)
    #: set by the runner from the pipeline's runbook
    title: str | None = None
    remediation: str | None = None
    unit: str = ""
    #: why the check could not be evaluated (status ``error``)
    error: str | None = None

    @classmethod
    def passed(
        cls, check_id: str, summary: str, threshold: dict[str, float] | None = None
    ) -> CheckResult:
        """An ``ok`` result: nothing found; ``summary`` says what was verified."""
        return cls(check_id, OK, 0, summary, threshold=threshold or {})

    @classmethod
    def failed_to_evaluate(cls, check_id: str, reasons: Sequence[str]) -> CheckResult:
        """An ``error`` result: the check could not be evaluated, for these reasons."""
        reason = "; ".join(dict.fromkeys(reasons)) or "unknown reason"
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 3].rstrip() + "..."
        return cls(check_id, ERROR, 0, f"cannot evaluate: {reason}", error=reason)

    def with_runbook(self, title: str | None, remediation: str | None, unit: str) -> CheckResult:
        return replace(self, title=title, remediation=remediation, unit=unit)

    def as_json(self) -> dict[str, Any]:
        """The check in ``--format json`` (docs/diagnose.md): its verdict, threshold, unit and
        remediation."""
        return {
            "id": self.id,
            "status": self.status,
            "count": self.count,
            "summary": self.summary,
            "details": self.details,
            "unit": self.unit,
            "threshold": self.threshold,
            "title": self.title,
            "remediation": self.remediation if self.status != OK else None,
            "error": self.error,
        }


@frozen
class PipelineReport:
    """The checks of one pipeline; its status is the worst of theirs."""

    pipeline: str
    checks: tuple[CheckResult, ...]

    @property
    def status(self) -> str:
        return worst(c.status for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "status": self.status,
            "checks": [c.as_json() for c in self.checks],
        }


def iso(value: Any) -> Any:
    """Datetimes as ISO 8601 in UTC, dates as ``YYYY-MM-DD``; anything else unchanged."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # Spark hands back naive UTC when the session zone is UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def micros_iso(micros: int | None) -> str | None:
    """Epoch microseconds as an ISO 8601 UTC instant."""
    if micros is None:
        return None
    return datetime.fromtimestamp(micros / 1_000_000, tz=UTC).isoformat()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 month``, ``2 months``, with thousands separators."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def verb(count: int, singular: str, plural_form: str) -> str:
    """The verb agreeing with ``count``: ``differs`` or ``differ``."""
    return singular if count == 1 else plural_form


def listing(items: Sequence[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, c, ... (+4 more)``."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} (+{len(items) - limit:,} more)"
