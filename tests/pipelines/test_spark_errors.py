"""Spark failures become one line naming what failed, without JVM stack traces."""

from __future__ import annotations

import pytest

from oncall.errors import DataError, RuntimeFailure
from pipelines.spark_errors import translated

pytestmark = pytest.mark.spark


def test_an_analysis_error_is_one_line(spark, data):
    with pytest.raises(DataError) as error, translated("profit", data):
        spark.read.parquet(str(data.path / "sources" / "nope")).schema  # noqa: B018
    assert error.value.lines == ["profit: Path does not exist: sources/nope"]


def test_a_task_failure_is_one_line_with_its_cause(spark):
    with pytest.raises(RuntimeFailure) as error, translated("writing x", kind=RuntimeFailure):
        spark.range(3).selectExpr("raise_error('disk on fire')").collect()
    (line,) = error.value.lines
    assert line == "writing x: disk on fire"


def test_errors_of_our_own_code_are_not_hidden():
    with pytest.raises(ZeroDivisionError), translated("profit"):
        1 / 0  # noqa: B018
