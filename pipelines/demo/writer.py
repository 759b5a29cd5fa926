"""Writing demo sources as the upstream systems would have: one Parquet file per delivery.

Each row belongs to a batch (a month of invoices, one cost center's delivery, a day of clicks,
...). Spark writes all batches of a source in one job; each batch's file is then moved to
``sources/<source>/<source>-<batch>.parquet`` and given the modification time of its delivery,
so "the newest file of a source" and replays by ``--as-of`` mean what they would in production.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from pipelines import schemas
from pipelines.layout import spark_write_path

BATCH = "batch"
STAGING = ".staging"


def rows_frame(
    spark: SparkSession, source: str, rows: Iterable[tuple[object, ...]], batches: Iterable[str]
) -> DataFrame:
    """Python rows of ``source`` (in schema column order) with their batch, as a DataFrame."""
    schema = StructType([*schemas.SOURCES[source].fields, StructField(BATCH, StringType())])
    data = [(*row, batch) for row, batch in zip(rows, batches, strict=True)]
    return spark.createDataFrame(data, schema)


def write_source(
    frame: DataFrame,
    out: Path,
    source: str,
    landed: Mapping[str, datetime],
    order: Sequence[str],
) -> list[Path]:
    """Write ``frame`` (schema columns + ``batch``) as one file per batch; return the files.

    ``landed`` gives each batch's delivery time, set as its file's modification time. Rows are
    sorted by ``order`` inside each file, so the same input gives the same files.
    """
    staging = out / STAGING / source
    shutil.rmtree(staging, ignore_errors=True)
    columns = [*schemas.SOURCES[source].fieldNames(), BATCH]
    (
        frame.select(*columns)
        .repartition(F.col(BATCH))
        .sortWithinPartitions(BATCH, *order)
        .write.partitionBy(BATCH)
        .parquet(spark_write_path(staging))
    )
    target = out / "sources" / source
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for folder in sorted(staging.glob(f"{BATCH}=*")):
        batch = folder.name.split("=", 1)[1]
        parts = sorted(p for p in folder.iterdir() if p.suffix == ".parquet")
        for number, part in enumerate(parts):
            suffix = f"-{number}" if len(parts) > 1 else ""
            path = target / f"{source}-{batch}{suffix}.parquet"
            os.replace(part, path)
            stamp = landed[batch].timestamp()
            os.utime(path, (stamp, stamp))
            written.append(path)
    shutil.rmtree(staging, ignore_errors=True)
    return written
