"""The executor watchdog: its timeout setting, when it fires, and the one line the failure becomes.

The real thing (a worker killed under a running job) is in ``test_cluster.py``; these run without
a cluster.
"""

from __future__ import annotations

import threading
import time

import pytest
from pyspark.errors import PySparkException

from oncall.errors import DataError, RuntimeFailure, UsageError
from pipelines import spark_errors
from pipelines.session import (
    ExecutorWatchdog,
    SparkOptions,
    executor_wait_seconds,
    parse_seconds,
)
from pipelines.spark_errors import translated


@pytest.fixture(autouse=True)
def _no_abort_left_behind():
    yield
    spark_errors.clear_abort()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("300s", 300), ("5min", 300), ("2m", 120), ("90", 90), ("1.5h", 5400), ("500ms", 0.5)],
)
def test_durations_read_like_spark_reads_them(text, seconds):
    assert parse_seconds("k", text) == seconds


def test_a_bad_duration_is_a_usage_error_naming_the_setting():
    with pytest.raises(UsageError, match=r"--conf spark.oncall.x: 'soon' is not a duration"):
        parse_seconds("spark.oncall.x", "soon")


def test_only_cluster_runs_are_watched_and_zero_turns_it_off():
    key = "spark.oncall.executorWaitTimeout"
    assert executor_wait_seconds(SparkOptions(master="local[2]", conf=((key, "5s"),))) is None
    assert executor_wait_seconds(SparkOptions(master="spark://h:7077")) == 300
    assert executor_wait_seconds(SparkOptions(master="yarn", conf=((key, "20s"),))) == 20
    assert executor_wait_seconds(SparkOptions(master="yarn", conf=((key, "0"),))) is None


class FakeContext:
    """What the watchdog uses of a SparkContext: its master and cancelAllJobs."""

    master = "spark://127.0.0.1:7077"

    def __init__(self) -> None:
        self.cancelled = threading.Event()

    def cancelAllJobs(self) -> None:  # Spark's name
        self.cancelled.set()


class FakeSession:
    def __init__(self) -> None:
        self.sparkContext = FakeContext()


class ScriptedWatchdog(ExecutorWatchdog):
    """A watchdog whose view of the cluster is a flag the test sets."""

    idle = True

    def idle_cluster(self) -> bool:
        return self.idle


def test_an_idle_cluster_past_the_timeout_cancels_the_jobs_and_says_why():
    session = FakeSession()
    watchdog = ScriptedWatchdog(session, timeout=0.3, interval=0.05).start()
    try:
        assert session.sparkContext.cancelled.wait(5)
    finally:
        watchdog.stop()
    assert spark_errors.abort_reason() == (
        "no Spark executor for 0.3 s on spark://127.0.0.1:7077 (every worker lost, or none with "
        "free cores and memory); stopped the run (wait longer with --conf "
        "spark.oncall.executorWaitTimeout=10min)"
    )


def test_a_cluster_with_executors_is_left_alone():
    session = FakeSession()
    watchdog = ScriptedWatchdog(session, timeout=0.1, interval=0.02)
    watchdog.idle = False
    watchdog.start()
    time.sleep(0.4)
    watchdog.stop()
    assert not session.sparkContext.cancelled.is_set()
    assert spark_errors.abort_reason() is None


def test_the_cancelled_job_fails_with_the_reason_as_a_data_error():
    spark_errors.abort("no Spark executor for 10 s on spark://x:1")
    # even a write (normally exit 1) fails as Spark having failed (exit 3)
    with pytest.raises(DataError) as error, translated("writing x", kind=RuntimeFailure):
        raise PySparkException("Job 3 cancelled as part of cancellation of all jobs")
    assert error.value.lines == ["writing x: no Spark executor for 10 s on spark://x:1"]
