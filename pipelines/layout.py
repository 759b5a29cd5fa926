"""Where things live under a data root: ``sources/<source>/`` and ``outputs/`` (docs/pipelines.md).

Nothing here touches Spark; paths handed to Spark go through ``spark_path`` so that any local or
shared-filesystem folder name works, even one holding Hadoop glob characters.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from oncall.errors import UsageError
from oncall.frozen import frozen

DATA_VARIABLE = "ONCALL_DATA"

# Hadoop expands these in every path given to a DataFrameReader; a backslash makes them literal
_GLOB = re.compile(r"([\\{}\[\]*?])")


def spark_path(path: Path) -> str:
    """An absolute path for Spark to read: glob characters escaped (readers expand globs)."""
    return _GLOB.sub(r"\\\1", str(Path(path).absolute()))


def spark_write_path(path: Path) -> str:
    """An absolute path for Spark to write: writers take it literally, so nothing is escaped."""
    return str(Path(path).absolute())


@frozen
class DataRoot:
    """A data root: ``sources/<source>/`` folders of Parquet files and the ``outputs/`` tree."""

    path: Path

    @property
    def sources_dir(self) -> Path:
        return self.path / "sources"

    @property
    def outputs_dir(self) -> Path:
        return self.path / "outputs"

    def source_dir(self, source: str) -> Path:
        return self.sources_dir / source

    def output_dir(self, pipeline: str) -> Path:
        return self.outputs_dir / pipeline

    def display(self, path: Path) -> str:
        """A path as people see it in messages: relative to the data root."""
        try:
            return Path(path).relative_to(self.path).as_posix()
        except ValueError:
            return str(path)


def resolve_data_root(option: Path | None) -> DataRoot:
    """``--data DIR``, else ``ONCALL_DATA``; ``UsageError`` when neither names a folder."""
    value: str | Path | None = option or os.environ.get(DATA_VARIABLE)
    if not value:
        raise UsageError(f"no data root: pass --data DIR or set {DATA_VARIABLE}")
    path = Path(value).expanduser()
    if not path.is_dir():
        what = "--data" if option else DATA_VARIABLE
        raise UsageError(f"{what}: {value} is not a folder")
    return DataRoot(path.resolve())
