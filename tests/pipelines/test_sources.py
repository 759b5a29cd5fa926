"""Reading sources: schema checks name the source, file and column; replays hide later files."""

from __future__ import annotations

from datetime import date

import pytest

from oncall.errors import DataError
from pipelines import sources
from pipelines.schemas import ColumnProblem, SchemaError
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark

INVOICE = ("a1", date(2026, 11, 3), 100.0)


def test_a_missing_source_folder_is_a_data_error(data):
    with pytest.raises(DataError) as error:
        sources.list_files(data, "revenue")
    assert error.value.lines == ["sources/revenue: source folder not found"]


def test_hidden_and_marker_files_are_not_data(data, land):
    land("revenue", [INVOICE], name="revenue-2026-11")
    folder = data.source_dir("revenue")
    (folder / "_SUCCESS").write_text("")
    (folder / ".revenue-2026-11.parquet.crc").write_text("")
    assert [f.path.name for f in sources.list_files(data, "revenue").files] == [
        "revenue-2026-11.parquet"
    ]


def test_a_replay_sees_only_files_landed_by_then(data, land):
    land("revenue", [INVOICE], name="early", landed=ts("2026-12-01T01:00"))
    land("revenue", [INVOICE], name="late", landed=ts("2026-12-09T01:00"))
    snapshot = sources.list_files(data, "revenue", as_of=ts("2026-12-05T00:00"))
    assert [f.path.name for f in snapshot.files] == ["early.parquet"]
    assert snapshot.newest_mtime == ts("2026-12-01T01:00")
    with pytest.raises(DataError, match=r"sources/revenue: no Parquet files landed by 2026-11"):
        sources.list_files(data, "revenue", as_of=ts("2026-11-30T00:00"))


def test_reads_with_the_contract_schema(spark, data, land):
    land("revenue", [INVOICE], name="revenue-2026-11")
    frame, snapshot = sources.read_source(spark, data, "revenue")
    assert frame.collect()[0].asDict() == {
        "account_id": "a1",
        "invoice_date": date(2026, 11, 3),
        "amount": 100.0,
    }
    assert snapshot.record(data)["files"][0]["path"] == "sources/revenue/revenue-2026-11.parquet"


def test_a_mistyped_column_in_every_file_is_reported_not_cast(spark, data, land):
    land(
        "revenue",
        [("a1", date(2026, 11, 3), "100.0")],
        schema="account_id string, invoice_date date, amount string",
    )
    with pytest.raises(DataError) as error:
        sources.read_source(spark, data, "revenue")
    assert error.value.lines == ["sources/revenue: column amount is string, expected double"]
    # the column is part of the error, not only of its text
    assert isinstance(error.value, SchemaError)
    assert error.value.problems == (
        ColumnProblem("sources/revenue", "amount", "string, expected double"),
    )


def test_a_missing_column_is_reported(spark, data, land):
    land("revenue", [("a1", 100.0)], schema="account_id string, amount double")
    with pytest.raises(DataError) as error:
        sources.read_source(spark, data, "revenue")
    assert error.value.lines == ["sources/revenue: column invoice_date is missing"]
    assert isinstance(error.value, SchemaError)
    assert [p.field for p in error.value.problems] == ["invoice_date"]


def test_one_bad_file_among_good_ones_is_named(spark, data, land):
    land("revenue", [INVOICE], name="revenue-2026-11")
    land(
        "revenue",
        [("a1", date(2026, 12, 3), "1")],
        name="revenue-2026-12",
        schema="account_id string, invoice_date date, amount string",
    )
    with pytest.raises(DataError) as error:
        sources.read_source(spark, data, "revenue")
    assert error.value.lines == [
        "sources/revenue/revenue-2026-12.parquet: column amount is string, expected double"
    ]


def test_a_corrupt_file_is_one_line_naming_it(spark, data, land):
    land("revenue", [INVOICE], name="revenue-2026-11")
    (data.source_dir("revenue") / "revenue-2026-12.parquet").write_bytes(b"not parquet at all" * 10)
    with pytest.raises(DataError) as error:
        sources.read_source(spark, data, "revenue")
    (line,) = error.value.lines
    assert not isinstance(error.value, SchemaError)  # no column to blame: nothing can be read
    assert line.startswith("sources/revenue: ")
    assert "sources/revenue/revenue-2026-12.parquet" in line
    assert "\n" not in line and "at org.apache" not in line
