"""Outputs: atomic commits, a failed write leaves the previous output intact, locks, metadata."""

from __future__ import annotations

import fcntl
import threading
import time

import pytest
from pyspark.sql import functions as F

from oncall.errors import DataError, RuntimeFailure
from pipelines import outputs, schemas

pytestmark = pytest.mark.spark


def aggregated_rows(spark, month_count):
    rows = [
        (f"2026-{m:02d}-01", t, 1.0, 0.0, 1, 0, 1, 1, 1, 1.0, 1.0, 0.0)
        for m in range(1, month_count + 1)
        for t in ("free", "team", "enterprise")
    ]
    frame = spark.createDataFrame(
        rows, schemas.AGGREGATED_MONTHLY.simpleString().replace("month:date", "month:string")
    )
    return frame.withColumn("month", F.to_date("month"))


def publish(spark, data, run_id, frame):
    entry = outputs.write_snapshot(data, "aggregated", run_id, "monthly", frame)
    outputs.commit(
        data, "aggregated", {"run_id": run_id, "written_at": "t", "tables": {"monthly": entry}}
    )
    return entry


def test_a_commit_replaces_the_previous_version_and_removes_it(spark, data):
    publish(spark, data, "r1", aggregated_rows(spark, 1))
    publish(spark, data, "r2", aggregated_rows(spark, 2))
    assert outputs.read_output(spark, data, "aggregated", "monthly").count() == 6
    assert [p.name for p in (data.output_dir("aggregated") / "v").iterdir()] == ["r2"]
    assert outputs.load_meta(data, "aggregated")["run_id"] == "r2"


def test_a_failed_write_leaves_the_committed_output_intact(spark, data):
    publish(spark, data, "r1", aggregated_rows(spark, 1))
    broken = aggregated_rows(spark, 2).withColumn(
        "clicks",
        F.when(F.col("account_type") == "team", F.raise_error(F.lit("disk on fire"))).otherwise(
            F.col("clicks")
        ),
    )
    with pytest.raises(RuntimeFailure) as error:
        outputs.write_snapshot(data, "aggregated", "r2", "monthly", broken)
    (line,) = error.value.lines
    assert line.startswith("writing outputs/aggregated/v/r2/monthly: ") and "disk on fire" in line
    assert not (data.output_dir("aggregated") / "v" / "r2").exists()
    assert outputs.load_meta(data, "aggregated")["run_id"] == "r1"
    assert outputs.read_output(spark, data, "aggregated", "monthly").count() == 3


def test_an_output_never_written_is_a_data_error(spark, data):
    with pytest.raises(
        DataError, match=r"outputs/profit: no output yet; run `pipeline run profit` first"
    ):
        outputs.read_output(spark, data, "profit", "monthly")


def test_an_unfinished_partitioned_write_is_not_trusted(spark, data):
    publish(spark, data, "r1", aggregated_rows(spark, 1))
    outputs.begin_partitioned(data, "aggregated", "r2", "2027-01-06T09:00:00+00:00")
    with pytest.raises(DataError, match="run r2 did not finish writing"):
        outputs.read_output(spark, data, "aggregated", "monthly")


def test_a_table_of_the_wrong_shape_is_refused_before_writing(spark, data):
    with pytest.raises(
        RuntimeFailure, match=r"internal error: aggregated\.monthly: column churn_rate is missing"
    ):
        outputs.write_snapshot(
            data, "aggregated", "r1", "monthly", aggregated_rows(spark, 1).drop("churn_rate")
        )


def test_an_unwritable_output_folder_is_a_runtime_failure(spark, data):
    # a file where the folder should be fails for root too, unlike permission bits
    data.outputs_dir.write_text("not a folder")
    lock = outputs.output_lock(data, "profit", exclusive=True)
    with pytest.raises(RuntimeFailure, match=r"^outputs/\.locks: cannot create"), lock:
        pass


def test_writers_exclude_each_other_and_say_they_wait(data):
    waited, order = [], []
    with outputs.output_lock(data, "profit", exclusive=True):

        def second():
            with outputs.output_lock(data, "profit", exclusive=True, on_wait=waited.append):
                order.append("second")

        thread = threading.Thread(target=second)
        thread.start()
        deadline = time.monotonic() + 10
        while not waited and time.monotonic() < deadline:  # until the second writer waits
            time.sleep(0.01)
        order.append("first done")
    thread.join(5)
    assert waited == ["profit"]
    assert order == ["first done", "second"]


def test_readers_share_the_lock(data):
    with outputs.output_lock(data, "profit", exclusive=False):
        path = data.outputs_dir / ".locks" / "profit.lock"
        with open(path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)  # does not raise
            with pytest.raises(BlockingIOError):
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
