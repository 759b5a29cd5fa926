"""What the checks read, and the context they run in.

Sources are listed and schema-checked once per diagnose run through ``pipelines.sources`` (the
one module that reads them). A problem in one column fails only the checks that read that column:
a mistyped ``clicks.kafka_offset`` stops ``kafka_gap`` but not ``duplicate_events``. Checks read
only the columns they need, with the types of ``pipelines.schemas``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from oncall.config.catalog import THRESHOLD_DEFAULTS
from oncall.errors import DataError, RuntimeFailure
from pipelines import outputs, schemas, session, sources
from pipelines.layout import DataRoot, spark_path
from pipelines.progress import Quiet, Steps
from pipelines.schemas import SchemaError
from pipelines.spark_errors import translated

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from oncall.config.models import Runbook


@dataclass
class _SourceState:
    """A source as listed and checked: its files, or why it cannot be read at all, and the
    problem lines of each bad column."""

    snapshot: sources.SourceSnapshot | None
    unreadable: list[str] = field(default_factory=list)
    bad_columns: dict[str, list[str]] = field(default_factory=dict)


class Inputs:
    """The sources of one data root as one diagnose run sees them (listed and checked once).

    Pipelines diagnosed at once (from threads) share it: a source is inspected and read by the
    first thread that asks, the others wait for that instead of asking Spark again.
    """

    def __init__(self, spark: SparkSession, data: DataRoot, files_as_of: datetime | None) -> None:
        self.spark = spark
        self.data = data
        self.files_as_of = files_as_of
        self._states: dict[str, _SourceState] = {}
        self._frames: dict[str, DataFrame] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _lock(self, source: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(source, threading.Lock())

    def _state(self, source: str) -> _SourceState:
        with self._lock(source):
            if source not in self._states:
                self._states[source] = self._inspect(source)
            return self._states[source]

    def _inspect(self, source: str) -> _SourceState:
        try:
            snapshot = sources.list_files(self.data, source, self.files_as_of)
        except DataError as error:
            return _SourceState(None, unreadable=error.lines)
        state = _SourceState(snapshot)
        try:
            sources.check_schema(self.spark, self.data, snapshot)
        except SchemaError as error:
            for problem in error.problems:
                state.bad_columns.setdefault(problem.field, []).append(str(problem))
        except DataError as error:
            # not about one column (an unreadable footer): nothing can be read
            state.unreadable.extend(error.lines)
        return state

    def inspect(self, source: str) -> None:
        """List and check ``source`` now (ahead of the checks, from another thread); a failure
        is left for the check that reads it to meet and report, as without this call."""
        with contextlib.suppress(Exception):
            self._state(source)

    def snapshot(self, source: str) -> sources.SourceSnapshot:
        """The files of ``source`` (landed by ``--as-of`` in a replay); ``DataError`` if none."""
        state = self._state(source)
        if state.snapshot is None:
            raise DataError(*state.unreadable)
        return state.snapshot

    def frame(self, source: str, columns: Sequence[str]) -> DataFrame:
        """``columns`` of ``source`` with the types of ``pipelines.schemas``; ``DataError``
        naming the source and column when one of them (or the whole source) cannot be read."""
        state = self._state(source)
        if state.snapshot is None or state.unreadable:
            raise DataError(*state.unreadable)
        problems = [line for c in columns for line in state.bad_columns.get(c, [])]
        if problems:
            raise DataError(*problems)
        return self._base(source, state).select(*columns)

    def _base(self, source: str, state: _SourceState) -> DataFrame:
        """Every readable column of ``source``, read once: each reader lists its files again
        (a Spark job of its own past 32 files), so the checks select from this one."""
        with self._lock(source):
            return self._read(source, state)

    def _read(self, source: str, state: _SourceState) -> DataFrame:
        if source not in self._frames:
            from pyspark.sql.types import StructType

            assert state.snapshot is not None
            fields = [f for f in schemas.SOURCES[source].fields if f.name not in state.bad_columns]
            paths = [spark_path(f.path) for f in state.snapshot.files]
            with translated(self.data.display(self.data.source_dir(source)), self.data):
                self._frames[source] = self.spark.read.schema(StructType(fields)).parquet(*paths)
        return self._frames[source]


@dataclass
class Context:
    """What a pipeline's ``diagnose`` gets: inputs, the instant, thresholds, progress."""

    spark: SparkSession
    data: DataRoot
    inputs: Inputs
    #: the instant the checks judge by (``--as-of``, else now)
    as_of: datetime
    runbook: Runbook | None = None
    progress: Steps = field(default_factory=Quiet)
    #: told when a lock is busy and the diagnose starts waiting for a run to finish
    on_wait: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self.as_of = self.as_of.astimezone(UTC)

    def threshold(self, check: str, name: str) -> float:
        """A threshold of ``check``: the runbook's value, else the documented default."""
        if self.runbook is not None:
            return self.runbook.threshold(check, name)
        return THRESHOLD_DEFAULTS[check][name]

    def thresholds(self, check: str) -> dict[str, float]:
        """Every threshold of ``check`` as the check uses it (empty for checks without any)."""
        return {name: self.threshold(check, name) for name in THRESHOLD_DEFAULTS.get(check, {})}

    def step(self, label: str) -> None:
        self.progress.step(f"diagnose: {label}")
        session.describe_jobs(self.spark, f"diagnose: {label}")

    def meta(self, pipeline: str) -> dict[str, Any] | None:
        """The committed metadata of ``pipeline``'s output, None if never written."""
        return outputs.load_meta(self.data, pipeline)

    @contextlib.contextmanager
    def reading_output(self, pipeline: str) -> Iterator[None]:
        """Hold ``pipeline``'s output lock shared while reading it, so no run rewrites it
        meanwhile. A data root we cannot write to cannot hold the lock file; then nobody
        writes there either (or not through us), and the read goes ahead unlocked."""
        with contextlib.ExitStack() as stack:
            with contextlib.suppress(RuntimeFailure):
                stack.enter_context(
                    outputs.output_lock(self.data, pipeline, exclusive=False, on_wait=self.on_wait)
                )
            yield
