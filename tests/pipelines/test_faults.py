"""Faults under ``pipeline run``: one clear line, the documented exit code, earlier outputs intact.

Each faulty run works on a copy of a data root whose outputs an earlier, good run committed.
After each, every earlier output must still be committed under its run id, readable, and equal
to the good run's, with no half-written version left behind. Most runs are in-process on the
suite's Spark session (the CLI's exit code and stderr, without a JVM start per case); two stay
real ``pipeline`` processes, as a user runs them: a damaged source file, and two runs at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oncall.errors import RuntimeFailure
from pipelines import outputs, sources
from pipelines.layout import DataRoot
from pipelines.spark_errors import _corruption
from tests.invoke import pipeline as invoke
from tests.pipelines.cluster.runs import (
    TRACE_MARKS,
    Started,
    assert_same_outputs,
    assert_tidy,
    assert_untouched,
    committed,
    copy_root,
    copy_sources,
    local_spark,
    one_error_line,
    output_files,
    pipeline,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def good(demo_all_run) -> DataRoot:
    """The demo sources after one good ``run all`` (in-process, shared with the cluster's and
    Spark Connect's tests: read only, never changed)."""
    return demo_all_run


@pytest.fixture
def data(good, tmp_path) -> DataRoot:
    """A private copy of the good data root, outputs included."""
    return copy_root(good, tmp_path / "data")


def run_all(data: DataRoot, logs: Path, *names: str):
    """``pipeline run`` as a real process (its own JVM)."""
    return pipeline(
        "-q", "run", *(names or ("all",)), "--data", str(data.path), *local_spark(), logs=logs
    )


def run_here(data: DataRoot, *names: str) -> Any:
    """``pipeline run`` in-process, on the suite's Spark session."""
    return invoke("-q", "run", *(names or ("all",)), "--data", str(data.path))


def error_line(result: Any) -> str:
    """The single ``error: ...`` line of a failed in-process run (and nothing else on stderr)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert not any(mark in result.stderr for mark in TRACE_MARKS), result.output
    assert lines[0].startswith("error: "), result.output
    return lines[0]


# --- a corrupted Parquet file in a source ------------------------------------------------------


def test_a_truncated_source_file_is_exit_3_naming_it(spark, good, data, tmp_path):
    victim = sorted(data.source_dir("revenue").iterdir())[1]
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])

    finished = run_all(data, tmp_path / "run")

    assert finished.returncode == 3, finished.explain()
    line = one_error_line(finished)
    assert line.startswith("error: sources/revenue: cannot read ")
    assert f"sources/revenue/{victim.name}: not a Parquet file" in line
    assert_untouched(spark, data, good)


def garble_pages(path: Path) -> None:
    """Overwrite every data page of a Parquet file, keeping its footer (schema) readable."""
    content = bytearray(path.read_bytes())
    (footer_length,) = struct.unpack("<I", content[-8:-4])
    for i in range(4, len(content) - 8 - footer_length):  # after the leading magic "PAR1"
        content[i] = 0xA5
    path.write_bytes(bytes(content))


def test_a_late_file_with_garbled_pages_is_exit_3_naming_it(spark, good, data):
    # late clicks arrive damaged: the schema check passes (the footer is fine), reading fails
    day = sorted(data.source_dir("clicks").iterdir())[20]
    late = day.with_name(day.stem + "-late.parquet")
    shutil.copy(day, late)
    garble_pages(late)

    result = run_here(data, "engagement")

    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(f"error: engagement: cannot read sources/clicks/{late.name}: ")
    assert_untouched(spark, data, good)


@pytest.mark.parametrize(
    ("complaint", "said"),
    [
        ("java.lang.NullPointerException", "corrupt Parquet file (NullPointerException)"),
        (
            "Required field 'uncompressed_page_size' was not found in serialized data! Struct: "
            "org.apache.parquet.format.PageHeader$PageHeaderStandardScheme@347bc7a6",
            "Required field 'uncompressed_page_size' was not found in serialized data!",
        ),
        ("FAILED_TO_UNCOMPRESS(5)", "FAILED_TO_UNCOMPRESS(5)"),
    ],
)
def test_a_damaged_file_is_described_without_jvm_object_names(complaint, said):
    assert _corruption(complaint) == said


def test_a_column_unreadable_only_when_aggregating_leaves_engagement_trusted(
    spark, good, data, monkeypatch
):
    # late clicks whose user_id cannot be read: fingerprinting the days (which never reads
    # user_id) passes, the aggregation fails; the earlier output must not be marked unfinished
    from pyspark.sql import functions as F

    day = sorted(data.source_dir("clicks").iterdir())[20]
    shutil.copy(day, day.with_name(day.stem + "-late.parquet"))
    read_source = sources.read_source

    def unreadable_user_ids(session, root, source, as_of=None):
        frame, snapshot = read_source(session, root, source, as_of)
        broken = F.raise_error(F.lit("cannot read user_id of a late file"))
        return frame.withColumn("user_id", broken.cast("string")), snapshot

    monkeypatch.setattr(sources, "read_source", unreadable_user_ids)
    result = invoke("-q", "run", "engagement", "--data", str(data.path))
    monkeypatch.undo()

    assert result.exit_code == 3, result.output
    assert result.stderr == "error: engagement: cannot read user_id of a late file\n"
    assert_untouched(spark, data, good)  # no _pending.json: readers still trust the output


# --- a source folder that vanishes -------------------------------------------------------------


def test_a_source_folder_deleted_before_the_run_is_exit_3_naming_it(spark, good, data):
    shutil.rmtree(data.source_dir("revenue"))

    result = run_here(data)

    assert result.exit_code == 3, result.output
    assert error_line(result) == "error: sources/revenue: source folder not found"
    assert_untouched(spark, data, good)


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        # listed, then gone before the schema check reads the footers
        ("after listing", r"error: sources/salaries: Path does not exist: sources/salaries/\S+"),
        # checked and planned, then gone while the job reads the rows
        ("while reading", r"error: profit: cannot read sources/salaries/\S+: File does not exist"),
    ],
)
def test_a_source_folder_vanishing_mid_run_is_exit_3_naming_it(
    spark, good, data, monkeypatch, moment, message
):
    # in-process, to time the deletion exactly; Spark must not have the files cached
    original_list, original_read = sources.list_files, sources.read

    def list_then_vanish(root, source, as_of=None):
        snapshot = original_list(root, source, as_of)
        if source == "salaries" and moment == "after listing":
            shutil.rmtree(root.source_dir(source))
        return snapshot

    def read_then_vanish(session, root, snapshot):
        frame = original_read(session, root, snapshot)
        if snapshot.source == "salaries" and moment == "while reading":
            shutil.rmtree(root.source_dir(snapshot.source))
        return frame

    monkeypatch.setattr(sources, "list_files", list_then_vanish)
    monkeypatch.setattr(sources, "read", read_then_vanish)
    result = invoke("-q", "run", "profit", "--data", str(data.path))

    assert result.exit_code == 3, result.output
    assert re.fullmatch(message, result.stderr.strip()), result.stderr
    monkeypatch.undo()
    assert_untouched(spark, data, good)


# --- an output folder that cannot be written ---------------------------------------------------


@contextlib.contextmanager
def read_only(*folders: Path) -> Iterator[None]:
    """Folders nobody can create entries in, root included (chattr +i), restored afterwards."""
    root = os.geteuid() == 0
    done: list[Path] = []
    try:
        for folder in folders:
            if root:
                try:
                    made = subprocess.run(
                        ["chattr", "+i", str(folder)], capture_output=True, check=False
                    )
                except FileNotFoundError:
                    pytest.skip("cannot make a folder read-only for root here: no chattr")
                if made.returncode != 0:
                    pytest.skip(f"cannot make a folder read-only for root here: {made.stderr!r}")
            else:
                folder.chmod(0o555)
            done.append(folder)
        yield
    finally:
        for folder in reversed(done):
            if root:
                subprocess.run(["chattr", "-i", str(folder)], check=True)
            else:
                folder.chmod(0o755)


def test_a_read_only_output_folder_is_exit_1_naming_it(spark, good, data):
    profit = data.output_dir("profit")
    with read_only(profit, profit / outputs.VERSIONS_DIR):
        result = run_here(data)

    assert result.exit_code == 1, result.output
    line = error_line(result)
    assert re.fullmatch(
        r"error: outputs/profit/v/\d{8}T\d{6}Z-[0-9a-f]{6}: cannot create "
        r"\((?:Operation not permitted|Permission denied)\)",
        line,
    ), line
    assert_untouched(spark, data, good)


def test_a_commit_that_cannot_be_written_leaves_no_version_behind(spark, good, data):
    # the new version is written, then _meta.json cannot be replaced: the version goes too
    with read_only(data.output_dir("profit")):
        result = invoke("-q", "run", "profit", "--data", str(data.path))
    assert result.exit_code == 1, result.output
    assert re.fullmatch(
        r"error: outputs/profit/_meta\.json: cannot write "
        r"\((?:Operation not permitted|Permission denied)\)\n",
        result.stderr,
    ), result.stderr
    assert_untouched(spark, data, good)


def test_a_failure_after_the_first_table_leaves_no_version_behind(spark, good, data, monkeypatch):
    write = outputs.write_snapshot

    def second_table_fails(root, pipeline, run_id, table, frame):
        if table == "revenue_by_account":
            raise RuntimeFailure(f"outputs/profit/v/{run_id}/{table}: cannot write (disk full)")
        return write(root, pipeline, run_id, table, frame)

    monkeypatch.setattr(outputs, "write_snapshot", second_table_fails)
    cached = persisted(spark)
    result = invoke("-q", "run", "profit", "--data", str(data.path))
    assert result.exit_code == 1, result.output
    assert "revenue_by_account: cannot write (disk full)" in result.stderr
    assert_untouched(spark, data, good)  # the monthly table written first is gone
    assert persisted(spark) == cached  # the P&L the job cached is dropped all the same


def persisted(spark: Any) -> set[int]:
    """The ids of the RDDs cached in the suite's session now."""
    return set(spark.sparkContext._jsc.getPersistentRDDs().keySet())


def test_a_good_run_counts_what_it_wrote_and_drops_what_it_cached(spark, good, data):
    cached = persisted(spark)

    result = run_here(data, "profit", "growth")

    assert result.exit_code == 0, result.output
    assert persisted(spark) == cached
    for job in ("profit", "growth"):
        meta = outputs.load_meta(data, job)
        assert meta is not None and meta["run_id"] != committed(good)[job]
        for name, entry in meta["tables"].items():
            table = data.output_dir(job) / entry["path"]
            assert entry["rows"] == spark.read.parquet(str(table)).count() > 0, (job, name)


def test_a_file_where_an_output_folder_should_be_is_exit_1_naming_it(spark, good, data):
    # works for root too, unlike permission bits (the file replaced growth's earlier output)
    growth = data.output_dir("growth")
    shutil.rmtree(growth)
    growth.write_text("not a folder")
    before = output_files(data)

    result = run_here(data, "growth")

    assert result.exit_code == 1, result.output
    line = error_line(result)
    assert re.fullmatch(
        r"error: outputs/growth/v/\d{8}T\d{6}Z-[0-9a-f]{6}: cannot create \(Not a directory\)", line
    ), line
    assert growth.read_text() == "not a folder"
    assert output_files(data) == before


# --- two runs at once on one data root ---------------------------------------------------------


def test_two_runs_at_once_wait_for_each_other_and_commit_whole_outputs(
    spark, good, demo_all, tmp_path
):
    # both kinds of commit: Profit's new version + _meta.json, Engagement's partitions in place
    writers = ("profit", "engagement")
    data = copy_sources(demo_all[0], tmp_path / "data")
    args = ("run", *writers, "--data", str(data.path), *local_spark(), "--format", "json")
    waiting = "waiting for another run holding outputs/profit"
    # a third writer holds profit's lock until both runs queue behind it, so they surely meet
    with outputs.output_lock(data, "profit", exclusive=True):
        first = Started(args, tmp_path / "first")
        second = Started(args, tmp_path / "second")
        deadline = time.monotonic() + 120
        while not all(waiting in run.stderr() for run in (first, second)):
            assert first.running() and second.running(), (first.stderr(), second.stderr())
            assert time.monotonic() < deadline, "the runs never reached the profit lock"
            time.sleep(0.2)
    done = [first.finish(), second.finish()]

    for finished in done:
        assert finished.returncode == 0, finished.explain()
        assert not any(m in finished.stderr for m in ("Traceback", "error:")), finished.explain()
    assert_same_outputs(spark, data, good, writers)
    assert_tidy(data)
    runs = [{r["pipeline"]: r["run_id"] for r in json.loads(f.stdout)} for f in done]
    for pipeline_id in writers:
        assert committed(data)[pipeline_id] in {run[pipeline_id] for run in runs}, pipeline_id
    # the run that came second found Engagement's days already aggregated by the first
    notes = sorted(r["note"] for f in done for r in json.loads(f.stdout) if r["note"])
    assert notes[0].startswith("re-aggregated 0 of "), notes
