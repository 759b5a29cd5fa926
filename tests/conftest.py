"""Suite-wide fixtures: a fixed clock, plain output, a private cache, and a temporary workspace.

Every test runs against its own copy of the bundled workspace (``schedules/`` and ``runbooks/``
of this repository), so tests may edit it freely. ``ONCALL_NOW`` is fixed; tests that need
another instant set it themselves with ``monkeypatch.setenv``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXED_NOW = "2027-01-06T10:00:00+01:00"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("ONCALL_NOW", FIXED_NOW)
    monkeypatch.setenv("ONCALL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("ONCALL_WORKSPACE", raising=False)
    monkeypatch.delenv("ONCALL_DATA", raising=False)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the bundled workspace, selected through ``ONCALL_WORKSPACE``."""
    root = tmp_path / "workspace"
    for folder in ("schedules", "runbooks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("ONCALL_WORKSPACE", str(root))
    return root


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local SparkSession for the whole suite (local[2], few shuffle partitions, UI off)."""
    import os

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("oncall-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
