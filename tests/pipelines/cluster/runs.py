"""Running ``pipeline`` as a user does (a subprocess of the installed script) and comparing outputs.

A subprocess is the honest way to see exit codes and what reaches stderr, and the only way to run
against another master: in-process commands reuse the suite's local session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines import outputs
from pipelines.jobs import JOBS
from pipelines.layout import DataRoot
from tests.jvm import short_lived_jvm

PIPELINE = Path(sys.executable).parent / "pipeline"
#: small, like the suite's own session: two cores, two shuffle partitions
SMALL_SPARK = (
    "--master",
    "local[2]",
    "--conf",
    "spark.sql.shuffle.partitions=2",
    "--conf",
    "spark.default.parallelism=2",
)


def local_spark() -> tuple[str, ...]:
    """``SMALL_SPARK`` for a ``pipeline`` process that runs a command and exits (its JVM starts
    as ``tests.jvm`` says)."""
    return (*SMALL_SPARK, "--conf", f"spark.driver.extraJavaOptions={short_lived_jvm()}")


#: what a stack trace or an unhandled error would leave on stderr
TRACE_MARKS = ("Traceback", "\tat ", "at org.apache", "Exception in thread", "py4j.protocol")


@dataclass(frozen=True)
class Finished:
    """A finished ``pipeline`` process: exit code, stdout, stderr."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def explain(self) -> str:
        command = " ".join(self.argv)
        return f"{command} -> {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


class Started:
    """A running ``pipeline`` process whose stdout and stderr go to files (readable meanwhile)."""

    def __init__(self, args: Sequence[str], logs: Path, env: dict[str, str] | None = None) -> None:
        logs.parent.mkdir(parents=True, exist_ok=True)
        self.out_path = logs.with_suffix(".out")
        self.err_path = logs.with_suffix(".err")
        self.argv = (str(PIPELINE), *args)
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env or cli_env()
            )

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def finish(self, timeout: float = 300) -> Finished:
        """Wait (bounded) for the process; kill it if it overruns."""
        note = ""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            note = f"\n[test: killed after {timeout:.0f} s]"
        return Finished(
            self.argv,
            self.process.returncode,
            self.out_path.read_text(errors="replace"),
            self.stderr() + note,
        )


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment (fixed clock, no colour, private cache) for a subprocess."""
    return {**os.environ, "NO_COLOR": "1", **extra}


def pipeline(
    *args: str, logs: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> Finished:
    """Run ``pipeline ARGS`` to the end (its output kept in ``logs``.out/.err)."""
    return Started(args, logs, env).finish(timeout)


def copy_sources(source_root: Path, target: Path) -> DataRoot:
    """A fresh data root holding a copy of ``source_root``'s sources (not its outputs)."""
    target.mkdir(parents=True)
    shutil.copytree(source_root / "sources", target / "sources")
    return DataRoot(target)


def run_all_in_process(source_root: Path, target: Path) -> DataRoot:
    """A copy of ``source_root``'s sources after one good ``run all`` under the suite's fixed
    clock, run in-process (the suite's session is warm)."""
    from typer.testing import CliRunner

    from pipelines.cli import app
    from tests.conftest import FIXED_NOW

    data = copy_sources(source_root, target)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONCALL_NOW", FIXED_NOW)
        result = CliRunner().invoke(
            app, ["-q", "run", "all", "--data", str(data.path)], catch_exceptions=False
        )
    assert result.exit_code == 0, result.output
    return data


def copy_root(source: DataRoot, target: Path) -> DataRoot:
    """A copy of a whole data root, sources and committed outputs (without the lock files)."""
    shutil.copytree(source.path, target, ignore=shutil.ignore_patterns("*.lock"))
    return DataRoot(target)


def tables(
    spark: Any, data: DataRoot, pipelines: Sequence[str] = tuple(JOBS)
) -> dict[tuple[str, str], Any]:
    """The committed output tables of ``pipelines``, as DataFrames read the way jobs read them."""
    return {
        (pipeline, table): outputs.read_output(spark, data, pipeline, table)
        for pipeline in pipelines
        for table in JOBS[pipeline].tables
    }


def assert_same_outputs(
    spark: Any, actual: DataRoot, expected: DataRoot, pipelines: Sequence[str] = tuple(JOBS)
) -> None:
    """Every output table of ``pipelines`` in ``actual`` equals ``expected``'s (in any order)."""
    from pyspark.testing import assertDataFrameEqual

    mine, theirs = tables(spark, actual, pipelines), tables(spark, expected, pipelines)
    for key, frame in mine.items():
        reference = theirs[key]
        assert frame.count() == reference.count() > 0, key
        assertDataFrameEqual(frame, reference, rtol=1e-9, atol=1e-9)


def committed(data: DataRoot) -> dict[str, str | None]:
    """The run id each pipeline's ``_meta.json`` names (None: never written)."""
    return {p: outputs.committed_run_id(data, p) for p in JOBS}


def assert_tidy(data: DataRoot) -> None:
    """No half-written state: no pending marker, no version ``_meta.json`` does not name."""
    for pipeline in JOBS:
        folder = data.output_dir(pipeline)
        assert not (folder / outputs.PENDING_FILE).exists(), pipeline
        meta = outputs.load_meta(data, pipeline)
        if meta is None:
            continue
        named = {
            Path(e["path"]).parts[1]
            for e in meta["tables"].values()
            if e.get("layout") == "snapshot"
        }
        versions = folder / outputs.VERSIONS_DIR
        on_disk = {p.name for p in versions.iterdir()} if versions.is_dir() else set()
        assert on_disk == named, (pipeline, on_disk, named)
        staging = [p for p in folder.rglob("*") if p.name.startswith((".spark-staging", "_temp"))]
        assert not staging, staging


def output_files(data: DataRoot) -> dict[str, bytes]:
    """Every file under ``outputs/`` (lock files aside) with its content."""
    root = data.outputs_dir
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and outputs.LOCKS_DIR not in path.parts
    }


def assert_untouched(spark: Any, data: DataRoot, earlier: DataRoot) -> None:
    """``data``'s outputs are still exactly ``earlier``'s (a copy of it), and readable."""
    assert committed(data) == committed(earlier)
    mine, theirs = output_files(data), output_files(earlier)
    assert sorted(mine) == sorted(theirs)
    assert all(mine[name] == theirs[name] for name in theirs)
    for (pipeline, table), frame in tables(spark, data).items():
        assert frame.count() == outputs.load_meta(data, pipeline)["tables"][table]["rows"]


def one_error_line(finished: Finished) -> str:
    """The single ``error: ...`` line of a failed run (asserting there is nothing else)."""
    lines = [line for line in finished.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, finished.explain()
    assert not any(mark in finished.stderr for mark in TRACE_MARKS), finished.explain()
    assert lines[0].startswith("error: "), finished.explain()
    return lines[0]
