"""Fixtures for the pipeline tests: a data root in tmp_path and a way to land source files in it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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


def land_file(
    spark: Any,
    data: DataRoot,
    source: str,
    rows: Sequence[tuple[Any, ...]],
    *,
    name: str | None = None,
    landed: datetime | None = None,
    schema: Any = None,
) -> Path:
    """Land one Parquet file of ``rows`` in ``sources/<source>/``, optionally with its mtime."""
    frame = spark.createDataFrame(list(rows), schema or schemas.SOURCES[source])
    staging = data.path.parent / ".staging" / f"{source}-{name or 'part'}"
    shutil.rmtree(staging, ignore_errors=True)
    frame.coalesce(1).write.parquet(str(staging))
    (part,) = staging.glob("part-*.parquet")
    target = data.source_dir(source) / f"{name or source}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    shutil.rmtree(staging.parent)
    if landed is not None:
        os.utime(target, (landed.timestamp(), landed.timestamp()))
    return target


@pytest.fixture
def land(spark: Any, data: DataRoot) -> Lander:
    """``land(source, rows, name=..., landed=..., schema=...)``: one Parquet file in sources/."""

    def put(source: str, rows: Sequence[tuple[Any, ...]], **options: Any) -> Path:
        return land_file(spark, data, source, rows, **options)

    return put


SMALL_DEMO = ["--accounts", "30", "--months", "3", "--clicks", "24000", "--seed", "3"]


def make_demo(out: Path, faults: str, *extra: str) -> dict[str, Any]:
    """Run ``pipeline demo-data`` in-process on a small set; return its manifest."""
    import json

    from typer.testing import CliRunner

    from pipelines.cli import app

    args = ["demo-data", "--out", str(out), "--faults", faults, *SMALL_DEMO, *extra]
    result = CliRunner().invoke(app, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    return manifest


@pytest.fixture(scope="session")
def demo_set(
    spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], tuple[Path, dict[str, Any]]]:
    """``demo_set(faults)``: a small demo set with those faults, generated once per session.

    Its sources are shared: tests may run pipelines over it (outputs and history are theirs to
    write) but never change a source file."""
    from tests.conftest import FIXED_NOW

    made: dict[str, tuple[Path, dict[str, Any]]] = {}

    def get(faults: str) -> tuple[Path, dict[str, Any]]:
        if faults not in made:
            out = tmp_path_factory.mktemp("demo-set") / faults
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("ONCALL_NOW", FIXED_NOW)
                made[faults] = (out, make_demo(out, faults))
        return made[faults]

    return get


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder that ``build(folder)`` makes once for the whole run and every test only reads.

    Under ``make test``'s pytest-xdist workers the first worker to ask builds it in the run's
    common temporary folder while the others wait on a lock, and all read the same folder: the
    set and its local run are made once, not once a worker. A build that fails leaves no mark,
    so the next worker to ask tries again (and fails the same way)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name) / name
        build(folder)
        return folder
    import fcntl

    common = tmp_path_factory.getbasetemp().parent / "built-once"
    common.mkdir(exist_ok=True)
    folder, done = common / name, common / f"{name}.done"
    with (common / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(folder)
            done.touch()
    return folder


def fingerprint(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` (lock files aside) with its size and modification time."""
    return {
        str(path.relative_to(folder)): (stat.st_size, stat.st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file() and path.suffix != ".lock"
        for stat in (path.stat(),)
    }


@contextmanager
def kept_as_built(folder: Path) -> Iterator[None]:
    """Fail on leaving when a file below ``folder`` changed: the shared folders are read by the
    tests of every worker, so a change would reach tests that never asked for one."""
    before = fingerprint(folder)
    yield
    assert fingerprint(folder) == before, f"a test changed the shared {folder}"


@pytest.fixture(scope="session")
def demo_all(
    spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One small demo set with every fault planted, shared by the tests that only read it (the
    pipelines run over copies of its sources, never over the set itself)."""
    import json

    from tests.conftest import FIXED_NOW

    def build(out: Path) -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("ONCALL_NOW", FIXED_NOW)
            patch.setenv("NO_COLOR", "1")
            make_demo(out, "all")

    out = built_once(tmp_path_factory, "demo-all", build)
    with kept_as_built(out):
        yield out, json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="session")
def demo_all_run(
    spark: Any, demo_all: tuple[Path, dict[str, Any]], tmp_path_factory
) -> Iterator[DataRoot]:
    """``demo_all``'s sources after one ``run all`` on the local session: what a cluster or a
    Spark Connect server must match, and what the fault tests start from (tests copy it before
    changing anything)."""
    from tests.pipelines.cluster.runs import run_all_in_process

    def build(target: Path) -> None:
        run_all_in_process(demo_all[0], target)

    data = DataRoot(built_once(tmp_path_factory, "demo-all-run", build))
    with kept_as_built(data.path):
        yield data
