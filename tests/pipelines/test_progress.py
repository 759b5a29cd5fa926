"""The progress display: stages from the status tracker, on a terminal only."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

from pipelines.progress import Quiet, SparkProgress, StageState, active_stages, display


class FakeTracker:
    def __init__(self, stages):
        self.stages = stages

    def getActiveStageIds(self):
        return [*self.stages, 99]  # stage 99 finishes between the two calls

    def getStageInfo(self, stage_id):
        return self.stages.get(stage_id)


def test_active_stages_reads_the_tracker():
    tracker = FakeTracker(
        {
            3: SimpleNamespace(
                name="parquet at NativeMethodAccessorImpl.java:0",
                numTasks=8,
                numCompletedTasks=5,
                numActiveTasks=2,
            ),
            1: SimpleNamespace(name="collect", numTasks=2, numCompletedTasks=0, numActiveTasks=2),
        }
    )
    assert active_stages(tracker) == [
        StageState(1, "collect", 2, 0, 2),
        StageState(3, "parquet", 8, 5, 2),
    ]


def test_no_display_when_stderr_is_not_a_terminal():
    console = Console(file=io.StringIO(), force_terminal=False)
    assert isinstance(display(None, console, enabled=True), Quiet)


def test_no_display_when_quiet():
    console = Console(file=io.StringIO(), force_terminal=True)
    assert isinstance(display(None, console, enabled=False), Quiet)


@pytest.mark.spark
def test_the_display_follows_a_real_job(spark):
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    shown = display(spark, console, enabled=True)
    assert isinstance(shown, SparkProgress)
    with shown as progress:
        progress.step("profit: computing")
        assert (
            spark.range(0, 200_000, numPartitions=4).selectExpr("sum(id)").first()[0]
            == 19_999_900_000
        )
        progress._render([StageState(7, "parquet", 4, 1, 2)])
        assert len(progress._bars) == 1
        progress._render([])
        assert progress._bars == {}
    assert progress.label == "profit: computing"
