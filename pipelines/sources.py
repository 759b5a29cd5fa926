"""Reading the raw sources (docs/pipelines.md, "Sources"): every Parquet read of one is here.

A source is a folder of Parquet files that may gain files at any time. Reading one means: list
its files (optionally only those that had landed by an instant, for replays), check every file's
columns against ``pipelines.schemas`` (a mistyped column is reported, never silently cast), then
read with the expected schema.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall.errors import DataError
from oncall.frozen import frozen
from pipelines import schemas
from pipelines.layout import DataRoot, spark_path
from pipelines.spark_errors import describe, translated

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@frozen
class SourceFile:
    """One file of a source as listed: where it is, when it landed (mtime) and its size."""

    path: Path
    mtime: datetime
    size: int

    def record(self, data: DataRoot) -> dict[str, Any]:
        """The file as output metadata records it."""
        return {
            "path": data.display(self.path),
            "mtime": self.mtime.isoformat(),
            "bytes": self.size,
        }


@frozen
class SourceSnapshot:
    """The files of one source a run read."""

    source: str
    files: tuple[SourceFile, ...]

    @property
    def newest_mtime(self) -> datetime | None:
        return max((f.mtime for f in self.files), default=None)

    def record(self, data: DataRoot, months: tuple[date, date] | None = None) -> dict[str, Any]:
        """What output metadata says about this source: files seen, newest file, months covered."""
        newest = self.newest_mtime
        return {
            "files": [f.record(data) for f in self.files],
            "file_count": len(self.files),
            "newest_mtime": newest.isoformat() if newest else None,
            "first_month": months[0].isoformat() if months else None,
            "latest_month": months[1].isoformat() if months else None,
        }


def _is_data_file(name: str) -> bool:
    # what Spark itself skips: hidden files, _SUCCESS/_metadata, checksums
    return not name.startswith((".", "_")) and not name.endswith(".crc")


def list_files(data: DataRoot, source: str, as_of: datetime | None = None) -> SourceSnapshot:
    """The data files of ``source``, sorted; with ``as_of``, only those landed by then.

    ``DataError`` when the folder is missing or holds no file (landed by ``as_of``).
    """
    folder = data.source_dir(source)
    shown = data.display(folder)
    if not folder.is_dir():
        raise DataError(f"{shown}: source folder not found")
    files = []
    try:
        for parent, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if _is_data_file(d))
            for name in sorted(names):
                if not _is_data_file(name):
                    continue
                path = Path(parent) / name
                stat = path.stat()
                landed = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                if as_of is None or landed <= as_of:
                    files.append(SourceFile(path, landed, stat.st_size))
    except OSError as error:
        raise DataError(f"{shown}: cannot list files ({error.strerror or error})") from None
    if not files:
        when = f" landed by {as_of.isoformat()}" if as_of else ""
        raise DataError(f"{shown}: no Parquet files{when}")
    return SourceSnapshot(source, tuple(files))


def _file_problems(
    spark: SparkSession, data: DataRoot, snapshot: SourceSnapshot
) -> list[schemas.ColumnProblem]:
    """Per-file schema problems; the slow path, taken only when the files disagree."""
    expected = schemas.SOURCES[snapshot.source]
    problems: list[schemas.ColumnProblem] = []
    for file in snapshot.files:
        shown = data.display(file.path)
        with translated(shown, data):
            actual = spark.read.parquet(spark_path(file.path)).schema
        problems += schemas.schema_problems(shown, actual, expected)
    return problems


def check_schema(spark: SparkSession, data: DataRoot, snapshot: SourceSnapshot) -> None:
    """``SchemaError`` with one problem per missing or mistyped column (naming the file if only
    some), or ``DataError`` when the footers cannot be read at all.

    One pass over every file footer (Spark's schema merge); only when the footers disagree is each
    file read on its own, to name the culprit.
    """
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    expected = schemas.SOURCES[snapshot.source]
    where = data.display(data.source_dir(snapshot.source))
    paths = [spark_path(f.path) for f in snapshot.files]
    try:
        merged = spark.read.option("mergeSchema", "true").parquet(*paths).schema
    except (Py4JJavaError, PySparkException) as error:
        if "CANNOT_MERGE_SCHEMAS" not in str(error):
            raise DataError(f"{where}: {describe(error, data)}") from None
        problems = _file_problems(spark, data, snapshot)
        if not problems:  # incompatible only in columns the schema does not name
            return
        raise schemas.SchemaError(*problems) from None
    problems = schemas.schema_problems(where, merged, expected)
    if problems:
        # say which file when only some are wrong; the folder when all are
        per_file = _file_problems(spark, data, snapshot)
        if per_file and len(per_file) < len(problems) * len(snapshot.files):
            problems = per_file
        raise schemas.SchemaError(*problems)


def read(spark: SparkSession, data: DataRoot, snapshot: SourceSnapshot) -> DataFrame:
    """The files of ``snapshot`` as a DataFrame with exactly the schema's columns and types."""
    check_schema(spark, data, snapshot)
    expected = schemas.SOURCES[snapshot.source]
    paths = [spark_path(f.path) for f in snapshot.files]
    with translated(data.display(data.source_dir(snapshot.source)), data):
        return spark.read.schema(expected).parquet(*paths).select(*expected.fieldNames())


def read_source(
    spark: SparkSession, data: DataRoot, source: str, as_of: datetime | None = None
) -> tuple[DataFrame, SourceSnapshot]:
    """List, check and read ``source``; the snapshot says which files were read."""
    snapshot = list_files(data, source, as_of)
    return read(spark, data, snapshot), snapshot
