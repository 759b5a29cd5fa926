"""Pipeline outputs under ``DATA/outputs/``: atomic commits, metadata, locks, and reading them back.

Layout of one pipeline's output folder::

    outputs/<pipeline>/_meta.json           the commit record; readers trust nothing else
    outputs/<pipeline>/v/<run-id>/<table>/  snapshot tables, rewritten whole by every run
    outputs/<pipeline>/<table>/<col>=<v>/   partitioned tables, only changed partitions rewritten
    outputs/<pipeline>/_pending.json        a partitioned write in progress (or one that died)
    outputs/.locks/<pipeline>.lock          writers hold it exclusively, readers shared

A snapshot table is written to a fresh version folder; the run commits by replacing
``_meta.json`` atomically (write to a temporary file, rename), then deletes versions nothing
refers to. A failed run leaves the previous version and its metadata untouched. A partitioned
table is rewritten in place with Spark's dynamic partition overwrite (untouched partitions keep
their files); ``_pending.json`` marks the window in which readers must not trust it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall.errors import DataError, RuntimeFailure
from oncall.fsio import atomic_write_text
from pipelines import schemas
from pipelines.layout import DataRoot, spark_path, spark_write_path
from pipelines.spark_errors import translated

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

META_FILE = "_meta.json"
PENDING_FILE = "_pending.json"
VERSIONS_DIR = "v"
LOCKS_DIR = ".locks"
META_FORMAT = 1


# --- metadata ----------------------------------------------------------------------------------


def meta_path(data: DataRoot, pipeline: str) -> Path:
    return data.output_dir(pipeline) / META_FILE


def load_meta(data: DataRoot, pipeline: str) -> dict[str, Any] | None:
    """The committed metadata of ``pipeline``'s output, or None if it was never written."""
    path = meta_path(data, pipeline)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DataError(f"{data.display(path)}: cannot read ({error.strerror or error})") from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{data.display(path)}: not valid JSON ({error.msg})") from None
    if not isinstance(meta, dict) or meta.get("pipeline") != pipeline:
        raise DataError(f"{data.display(path)}: not the metadata of the {pipeline} output")
    return meta


def committed_run_id(data: DataRoot, pipeline: str) -> str | None:
    """The run id ``_meta.json`` names now, or None (no output, or unreadable: never raises)."""
    try:
        meta = load_meta(data, pipeline)
    except DataError:
        return None
    return str(meta.get("run_id")) if meta else None


def pending(data: DataRoot, pipeline: str) -> dict[str, Any] | None:
    """The marker of an unfinished partitioned write, if one is there."""
    path = data.output_dir(pipeline) / PENDING_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError):
        return {"run_id": "unknown"}


def _writable_dir(data: DataRoot, folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RuntimeFailure(
            f"{data.display(folder)}: cannot create ({error.strerror or error})"
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RuntimeFailure(f"{data.display(folder)}: cannot write (permission denied)")


def _write_json(data: DataRoot, path: Path, content: dict[str, Any]) -> None:
    try:
        atomic_write_text(path, json.dumps(content, indent=2, sort_keys=False, default=str) + "\n")
    except OSError as error:
        raise RuntimeFailure(
            f"{data.display(path)}: cannot write ({error.strerror or error})"
        ) from None


# --- locks -------------------------------------------------------------------------------------


@contextlib.contextmanager
def output_lock(
    data: DataRoot,
    pipeline: str,
    *,
    exclusive: bool,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold ``pipeline``'s output lock: exclusive to write it, shared to read it.

    Two runs writing the same output serialise; a reader never sees a writer's half-done work.
    ``on_wait`` is told (once) when the lock is busy and this call starts waiting.
    """
    folder = data.outputs_dir / LOCKS_DIR
    _writable_dir(data, folder)
    path = folder / f"{pipeline}.lock"
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(pipeline)
            fcntl.flock(handle.fileno(), mode)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def locks(
    data: DataRoot,
    write: str,
    read: Sequence[str] = (),
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """The locks of one run: ``write`` exclusively, then each of ``read`` shared, in that order.

    Writers of upstream outputs never wait on anything while holding their lock, so taking the
    own output first and upstream outputs after cannot deadlock.
    """
    with contextlib.ExitStack() as stack:
        stack.enter_context(output_lock(data, write, exclusive=True, on_wait=on_wait))
        for upstream in read:
            stack.enter_context(output_lock(data, upstream, exclusive=False, on_wait=on_wait))
        yield


# --- writing -----------------------------------------------------------------------------------


def conform(df: DataFrame, pipeline: str, table: str) -> DataFrame:
    """``df`` with exactly the declared columns of the table, in order; a mismatch is a bug."""
    expected = schemas.OUTPUTS[pipeline][table]
    problems = schemas.schema_problems(f"{pipeline}.{table}", df.schema, expected)
    if problems:
        raise RuntimeFailure(*(f"internal error: {p}" for p in problems))
    return df.select(*expected.fieldNames())


def write_snapshot(
    data: DataRoot, pipeline: str, run_id: str, table: str, df: DataFrame
) -> dict[str, Any]:
    """Write ``df`` as a new version of a snapshot table; return its metadata entry.

    The rows are counted by the write itself (an observed metric), not by a second job.
    Nothing refers to the new version until ``commit``; a failure removes what was written.
    """
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    relative = f"{VERSIONS_DIR}/{run_id}/{table}"
    target = data.output_dir(pipeline) / relative
    _writable_dir(data, target.parent)
    counted = Observation()
    try:
        with translated(f"writing {data.display(target)}", data, RuntimeFailure):
            observed = conform(df, pipeline, table).observe(counted, F.count(F.lit(1)).alias("n"))
            observed.write.mode("error").parquet(spark_write_path(target))
        rows = int(counted.get["n"])
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(OSError):
            target.parent.rmdir()  # the run's folder, unless another table of it is there
        raise
    return {"path": relative, "layout": "snapshot", "rows": rows}


def discard_version(data: DataRoot, pipeline: str, run_id: str) -> None:
    """Delete what a failed run wrote of its snapshot version (``_meta.json`` never named it)."""
    shutil.rmtree(data.output_dir(pipeline) / VERSIONS_DIR / run_id, ignore_errors=True)


def begin_partitioned(data: DataRoot, pipeline: str, run_id: str, started_at: str) -> None:
    """Mark the start of in-place partition rewrites (cleared by ``commit``)."""
    folder = data.output_dir(pipeline)
    _writable_dir(data, folder)
    _write_json(data, folder / PENDING_FILE, {"run_id": run_id, "started_at": started_at})


def overwrite_partitions(
    spark: SparkSession,
    data: DataRoot,
    pipeline: str,
    table: str,
    df: DataFrame,
    partition_by: str,
) -> dict[str, Any]:
    """Replace the partitions of a partitioned table that ``df`` has rows for; keep the others.

    Spark stages the new files and swaps partition folders only once every task succeeded, so a
    failing job leaves every partition as it was.
    """
    target = data.output_dir(pipeline) / table
    _writable_dir(data, target)
    with translated(f"writing {data.display(target)}", data, RuntimeFailure):
        (
            conform(df, pipeline, table)
            .write.mode("overwrite")
            .option("partitionOverwriteMode", "dynamic")
            .partitionBy(partition_by)
            .parquet(spark_write_path(target))
        )
    return partitioned_entry(spark, data, pipeline, table, partition_by)


def drop_partitions(
    data: DataRoot, pipeline: str, table: str, partition_by: str, values: Sequence[str]
) -> None:
    """Delete whole partitions (their source rows are gone)."""
    for value in values:
        shutil.rmtree(
            data.output_dir(pipeline) / table / f"{partition_by}={value}", ignore_errors=True
        )


def partitioned_entry(
    spark: SparkSession, data: DataRoot, pipeline: str, table: str, partition_by: str
) -> dict[str, Any]:
    """The metadata entry of a partitioned table as it is on disk now."""
    target = data.output_dir(pipeline) / table
    rows = 0
    if any(target.glob(f"{partition_by}=*")):
        with translated(f"reading back {data.display(target)}", data):
            rows = _read_table(spark, target, pipeline, table).count()
    return {"path": table, "layout": "partitioned", "partition_by": partition_by, "rows": rows}


def commit(data: DataRoot, pipeline: str, meta: dict[str, Any]) -> None:
    """Make ``meta`` the committed state of the output (one atomic rename), then tidy up.

    Versions no table of ``meta`` refers to (older runs, failed runs) are deleted afterwards;
    the caller holds the exclusive lock, so no reader is using them.
    """
    folder = data.output_dir(pipeline)
    meta = {"format": META_FORMAT, "pipeline": pipeline, **meta}
    _write_json(data, folder / META_FILE, meta)
    marker = folder / PENDING_FILE
    try:
        marker.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise RuntimeFailure(
            f"{data.display(marker)}: cannot remove ({error.strerror or error}); readers refuse "
            "the output while it is there"
        ) from None
    kept = {
        Path(entry["path"]).parts[1]
        for entry in meta.get("tables", {}).values()
        if entry.get("layout") == "snapshot"
    }
    versions = folder / VERSIONS_DIR
    with contextlib.suppress(OSError):  # tidying up: the commit above already happened
        for old in versions.iterdir() if versions.is_dir() else ():
            if old.name not in kept:
                shutil.rmtree(old, ignore_errors=True)


# --- reading -----------------------------------------------------------------------------------


def _read_table(spark: SparkSession, path: Path, pipeline: str, table: str) -> DataFrame:
    expected = schemas.OUTPUTS[pipeline][table]
    return spark.read.schema(expected).parquet(spark_path(path)).select(*expected.fieldNames())


def read_output(spark: SparkSession, data: DataRoot, pipeline: str, table: str) -> DataFrame:
    """A committed output table; ``DataError`` when there is none or its last write did not finish.

    Callers hold the shared lock (``output_lock(..., exclusive=False)``) while they use it.
    """
    folder = data.output_dir(pipeline)
    meta = load_meta(data, pipeline)
    if meta is None:
        raise DataError(
            f"{data.display(folder)}: no output yet; run `pipeline run {pipeline}` first"
        )
    unfinished = pending(data, pipeline)
    if unfinished is not None:
        raise DataError(
            f"{data.display(folder)}: run {unfinished.get('run_id')} did not finish writing; "
            f"run `pipeline run {pipeline}` again"
        )
    entry = meta.get("tables", {}).get(table)
    if entry is None:
        raise DataError(f"{data.display(folder / META_FILE)}: no table {table!r}")
    path = folder / entry["path"]
    if entry.get("layout") == "partitioned" and not any(path.glob(f"{entry['partition_by']}=*")):
        # an empty partitioned table has no files for Spark to read
        return spark.createDataFrame([], schemas.OUTPUTS[pipeline][table])
    if not path.is_dir():
        raise DataError(f"{data.display(path)}: missing, though {META_FILE} refers to it")
    with translated(data.display(path), data):
        return _read_table(spark, path, pipeline, table)
