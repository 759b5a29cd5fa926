"""Many checks' metrics, one Spark action: Deequ's ``AnalysisRunner`` idea.

Each check module turns its inputs into a few *branches*: frames of exactly one row (a global
``agg()`` over one scan, folding every metric that scan can give). The fold packs each branch's
row into a struct column and cross-joins the single-row frames, so one ``collect()`` runs every
scan of a pipeline as one Spark job whose independent stages run side by side.

If that action fails (a corrupt file, a JVM error), each branch is retried alone so only the
checks that depend on the failing branch report ``error``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oncall.errors import DataError, OncallError
from pipelines import spark_errors
from pipelines.checks.model import MAX_SAMPLE, CheckResult
from pipelines.layout import DataRoot
from pipelines.spark_errors import describe, is_spark_error

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, Row


@dataclass
class Fold:
    """Single-row branches of several checks, computed together."""

    data: DataRoot | None = None
    branches: dict[str, tuple[DataFrame, tuple[str, ...]]] = field(default_factory=dict)
    #: how many Spark actions ``collect`` ran (1 unless something failed)
    actions: int = 0

    def add(self, name: str, frame: DataFrame, checks: Iterable[str]) -> None:
        """A branch ``name``: ``frame`` has exactly one row; ``checks`` depend on it."""
        if name in self.branches:
            raise ValueError(f"branch {name!r} added twice")
        self.branches[name] = (frame, tuple(checks))

    def collect(self) -> tuple[dict[str, Row], dict[str, list[str]]]:
        """Every branch's row by name, and the reasons of each check whose branch failed."""
        if not self.branches:
            return {}, {}
        try:
            return self._run(list(self.branches)), {}
        except Exception as error:
            if not _is_spark_failure(error):
                raise
            reason = self._reason(error)  # notices a Spark (or Connect server) that is gone
            if len(self.branches) == 1 or spark_errors.abort_reason() is not None:
                # one branch, or Spark stopped as a whole (the executors or the server are
                # gone): retrying branch by branch would only fail again, slowly
                return {}, {c: [reason] for _, checks in self.branches.values() for c in checks}
        rows: dict[str, Row] = {}
        failed: dict[str, list[str]] = {}
        for name, (_, checks) in self.branches.items():
            try:
                rows.update(self._run([name]))
            except Exception as error:
                if not _is_spark_failure(error):
                    raise
                for check in checks:
                    failed.setdefault(check, []).append(self._reason(error))
        return rows, failed

    def _run(self, names: list[str]) -> dict[str, Row]:
        from pyspark.sql import functions as F

        combined: DataFrame | None = None
        for name in names:
            frame = self.branches[name][0]
            # struct("*"), not the frame's column names: over Spark Connect each `columns` is a
            # round trip that plans the whole query again
            packed = frame.select(F.struct("*").alias(name))
            combined = packed if combined is None else combined.crossJoin(packed)
        assert combined is not None
        self.actions += 1
        (row,) = combined.collect()
        return {name: row[name] for name in names}

    def _reason(self, error: BaseException) -> str:
        if isinstance(error, OncallError):
            return "; ".join(error.lines)
        return describe(error, self.data)


def _is_spark_failure(error: BaseException) -> bool:
    return isinstance(error, OncallError) or is_spark_error(error)


def row_dict(row: Any) -> dict[str, Any]:
    """A Spark ``Row`` (nested rows too) as plain dicts and lists."""
    return row.asDict(recursive=True) if row is not None else {}


def flagged_rows(frame: DataFrame, counted: str, order: Column, *metrics: Column) -> DataFrame:
    """One row over the rows a check flagged: how many (``counted``), ``metrics``, and the first
    ``MAX_SAMPLE`` of them by ``order`` (every column) as ``sample``."""
    from pyspark.sql import functions as F

    return frame.agg(
        F.count(F.lit(1)).alias(counted),
        *metrics,
        F.min_by(F.struct("*"), order, MAX_SAMPLE).alias("sample"),
    )


class Plan:
    """One pipeline's diagnose: which checks could read their inputs, and their shared fold.

    A check whose input cannot be read gets its reasons recorded and is reported ``error``; the
    others still fold into one action.
    """

    def __init__(self, checks: Iterable[str], data: DataRoot | None = None) -> None:
        self.checks = tuple(checks)
        self.fold = Fold(data)
        self.errors: dict[str, list[str]] = {}
        self.rows: dict[str, dict[str, Any]] = {}

    def fail(self, checks: Iterable[str], reasons: Iterable[str]) -> None:
        """Record that ``checks`` cannot be evaluated, and why."""
        reasons = list(reasons)
        for check in checks:
            self.errors.setdefault(check, []).extend(reasons)

    def wants(self, *checks: str) -> bool:
        """Whether any of ``checks`` can still be evaluated."""
        return any(c not in self.errors for c in checks)

    def add(self, name: str, frame: DataFrame, checks: Iterable[str]) -> None:
        """Fold a single-row branch feeding ``checks`` (only those still evaluable)."""
        live = [c for c in checks if c not in self.errors]
        if live:
            self.fold.add(name, frame, live)

    def collect(self) -> None:
        """Run the fold (one action); the checks of a failing branch become errors."""
        rows, failed = self.fold.collect()
        self.rows = {name: row_dict(row) for name, row in rows.items()}
        for check, reasons in failed.items():
            self.fail([check], reasons)

    def result(self, check: str, evaluate: Callable[[], CheckResult]) -> CheckResult:
        """``evaluate()``'s result, or an ``error`` result if the check could not be evaluated."""
        if check in self.errors:
            return CheckResult.failed_to_evaluate(check, self.errors[check])
        try:
            return evaluate()
        except DataError as error:
            return CheckResult.failed_to_evaluate(check, error.lines)
