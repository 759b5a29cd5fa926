"""Fixtures for the pipeline tests: a data root in tmp_path and a way to land source files in it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipelines import schemas
from pipelines.layout import DataRoot

pytestmark = pytest.mark.spark

Lander = Callable[..., Path]


def ts(text: str) -> datetime:
    """An aware UTC datetime from ``2026-11-02T10:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def data(tmp_path: Path) -> DataRoot:
    root = tmp_path / "data"
    root.mkdir()
    return DataRoot(root)


@pytest.fixture
def land(spark: Any, data: DataRoot) -> Lander:
    """``land(source, rows, name=..., landed=..., schema=...)``: one Parquet file in sources/."""

    def put(
        source: str,
        rows: Sequence[tuple[Any, ...]],
        *,
        name: str | None = None,
        landed: datetime | None = None,
        schema: Any = None,
    ) -> Path:
        frame = spark.createDataFrame(list(rows), schema or schemas.SOURCES[source])
        staging = data.path / ".staging" / f"{source}-{name or 'part'}"
        shutil.rmtree(staging, ignore_errors=True)
        frame.coalesce(1).write.parquet(str(staging))
        (part,) = staging.glob("part-*.parquet")
        target = data.source_dir(source) / f"{name or source}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)
        shutil.rmtree(staging)
        if landed is not None:
            os.utime(target, (landed.timestamp(), landed.timestamp()))
        return target

    return put
