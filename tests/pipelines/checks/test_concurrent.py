"""Pipelines diagnosed at once from threads (as over Spark Connect) give exactly the reports of
one at a time, in the order asked, whatever finishes first."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.checks import runner
from pipelines.layout import DataRoot
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

AS_OF = ts("2027-01-06T09:00:00")


def diagnosed(spark: Any, data: DataRoot, pipelines: list[str], workers: int) -> Any:
    runbooks = dict.fromkeys(pipelines)
    return runner.diagnose(spark, data, pipelines, runbooks, as_of=AS_OF, at=AS_OF, workers=workers)


def test_threads_give_the_same_reports_in_the_order_asked(spark, demo_all_run: DataRoot):
    # aggregated first: the slowest and the one reading every source, so the others finish
    # before it and share its inspected sources
    order = ["aggregated", "engagement", "profit", "growth"]

    one_at_a_time = diagnosed(spark, demo_all_run, order, workers=1)
    at_once = diagnosed(spark, demo_all_run, order, workers=4)

    assert [r.pipeline for r in at_once.reports] == order
    assert at_once.as_json() == one_at_a_time.as_json()
    assert at_once.history_entries() == one_at_a_time.history_entries()
    assert at_once.exit_code() == one_at_a_time.exit_code() == 1  # every fault is planted
    assert at_once.error_lines() == []


def test_an_unreadable_source_fails_the_same_checks_from_threads(
    spark, demo_all_run: DataRoot, tmp_path
):
    from tests.pipelines.cluster.runs import copy_root

    data = copy_root(demo_all_run, tmp_path / "data")
    # one file: with several broken, which one Spark meets first is not ours to decide
    damaged = sorted(data.source_dir("revenue").rglob("*.parquet"))[-1]
    damaged.write_bytes(b"not parquet at all")
    order = ["profit", "growth", "engagement", "aggregated"]

    one_at_a_time = diagnosed(spark, data, order, workers=1)
    at_once = diagnosed(spark, data, order, workers=4)

    assert at_once.as_json() == one_at_a_time.as_json()
    assert at_once.error_lines() == one_at_a_time.error_lines() != []
    assert at_once.exit_code() == 3
    assert any(damaged.name in line for line in at_once.error_lines())
