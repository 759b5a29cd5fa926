"""Running jobs: the run context, locks, timing, error translation and the commit of snapshots.

``run_jobs`` is what ``pipeline run`` calls. Each job's ``run(ctx)`` extracts, transforms and
loads; the context gives it the session, the data root, the instant the run sees the sources as
of, and ``publish`` for the common case of snapshot tables.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from oncall import clock
from oncall.errors import DataError, OncallError
from oncall.frozen import frozen
from pipelines import outputs, session, spark_errors
from pipelines.jobs import JobSpec
from pipelines.layout import DataRoot
from pipelines.progress import Quiet, Steps
from pipelines.spark_errors import translated

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def new_run_id(at: datetime) -> str:
    """A run id sorting by time: ``20270106T090000Z-3f9a1c``."""
    return f"{at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class RunContext:
    """What a job's ``run`` gets: where, as of when, and how to report progress and commit."""

    spark: SparkSession
    data: DataRoot
    pipeline: str
    #: the run sees source files landed by this instant (now, or ``--as-of`` in a replay)
    as_of: datetime
    #: ``--as-of`` was given: files landed later are invisible, and the run is stamped as_of
    replay: bool = False
    run_id: str = ""
    progress: Steps = field(default_factory=Quiet)
    #: results cached for the rest of the run (``keep``), dropped when the job ends
    kept: list[DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.as_of = self.as_of.astimezone(UTC)
        if not self.run_id:
            self.run_id = new_run_id(self.as_of)
        self.started_at = self.as_of if self.replay else clock.now().astimezone(UTC)

    @property
    def files_as_of(self) -> datetime | None:
        """The cut-off for source files: only in replays (clock skew must never hide a file)."""
        return self.as_of if self.replay else None

    def now(self) -> datetime:
        """The instant to stamp on work finishing now: the replayed instant in a replay."""
        return self.as_of if self.replay else clock.now().astimezone(UTC)

    def step(self, label: str) -> None:
        self.progress.step(f"{self.pipeline}: {label}")
        session.describe_jobs(self.spark, f"{self.pipeline}: {label}")

    def keep(self, df: DataFrame) -> DataFrame:
        """``df`` cached (memory, then local disk) until the job ends: for a result that more than
        one action uses, so its sources are read and its shuffles run once."""
        from pyspark import StorageLevel

        kept = df.persist(StorageLevel.MEMORY_AND_DISK)
        self.kept.append(kept)
        return kept

    def release(self) -> None:
        """Drop what ``keep`` cached (best effort: a lost cluster or server has dropped it)."""
        while self.kept:
            with contextlib.suppress(Exception):
                self.kept.pop().unpersist()

    def base_meta(self) -> dict[str, Any]:
        """The metadata every output carries about the run that wrote it."""
        return {
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat(),
            "replay": self.replay,
            "started_at": self.started_at.isoformat(),
            "spark": {"version": self.spark.version, "master": session.master_of(self.spark)},
        }

    def publish(
        self,
        tables: dict[str, DataFrame],
        *,
        months: Sequence[date],
        sources: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write snapshot tables as a new version and commit them with their metadata."""
        entries = {}
        try:
            for name, df in tables.items():
                self.step(f"writing {name}")
                entries[name] = outputs.write_snapshot(
                    self.data, self.pipeline, self.run_id, name, df
                )
            meta = {
                **self.base_meta(),
                "written_at": self.now().isoformat(),
                "tables": entries,
                "months": months_record(months),
                "sources": sources,
                **(extra or {}),
            }
            outputs.commit(self.data, self.pipeline, meta)
        except BaseException:
            # tables written before the failure, or a version whose commit failed: never used
            if outputs.committed_run_id(self.data, self.pipeline) != self.run_id:
                outputs.discard_version(self.data, self.pipeline, self.run_id)
            raise
        return meta


def months_record(months: Sequence[date]) -> dict[str, Any]:
    """The months an output covers, as its metadata states them."""
    ordered = sorted(set(months))
    return {
        "first": ordered[0].isoformat() if ordered else None,
        "last": ordered[-1].isoformat() if ordered else None,
        "count": len(ordered),
        "list": [m.isoformat() for m in ordered],
    }


@frozen
class RunSummary:
    """What one job did, for the command's report."""

    pipeline: str
    run_id: str
    rows: dict[str, int]
    months: dict[str, Any]
    seconds: float
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "run_id": self.run_id,
            "rows": self.rows,
            "first_month": self.months.get("first"),
            "last_month": self.months.get("last"),
            "seconds": round(self.seconds, 2),
            "note": self.note or None,
        }


def run_job(
    spark: SparkSession,
    data: DataRoot,
    spec: JobSpec,
    *,
    as_of: datetime,
    replay: bool,
    progress: Steps,
    on_wait: Callable[[str], None] | None = None,
) -> RunSummary:
    """Run one job under its locks; any Spark failure becomes one ``DataError`` line."""
    started = time.monotonic()
    ctx = RunContext(spark, data, spec.id, as_of=as_of, replay=replay, progress=progress)
    module = spec.load()
    with outputs.locks(data, spec.id, spec.upstream, on_wait=on_wait):
        ctx.step("starting")
        try:
            with translated(spec.id, data):
                meta = module.run(ctx)
        except OncallError:
            stopped = spark_errors.abort_reason()
            if stopped is None:
                raise
            # whichever step noticed, the cluster failed the pipeline: say which, and why
            raise DataError(f"{spec.id}: {stopped}") from None
        finally:
            ctx.release()
    rows = {name: int(entry.get("rows", 0)) for name, entry in meta.get("tables", {}).items()}
    return RunSummary(
        pipeline=spec.id,
        run_id=meta["run_id"],
        rows=rows,
        months=meta.get("months", {}),
        seconds=time.monotonic() - started,
        note=str(meta.get("note", "")),
    )


def run_jobs(
    spark: SparkSession,
    data: DataRoot,
    specs: Sequence[JobSpec],
    *,
    as_of: datetime | None = None,
    progress: Steps | None = None,
    on_done: Callable[[RunSummary], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> list[RunSummary]:
    """Run ``specs`` in order (a failure stops the rest); ``as_of`` makes it a replay."""
    replay = as_of is not None
    instant = as_of if as_of is not None else clock.now()
    summaries = []
    for spec in specs:
        summary = run_job(
            spark,
            data,
            spec,
            as_of=instant,
            replay=replay,
            progress=progress or Quiet(),
            on_wait=on_wait,
        )
        summaries.append(summary)
        if on_done is not None:
            on_done(summary)
    return summaries
