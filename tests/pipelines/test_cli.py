"""``pipeline``: options, exit codes and one-line errors; no pyspark for help and list."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from oncall.config import catalog
from tests.invoke import pipeline as invoke
from tests.pipelines.conftest import ts


def test_help_and_list_do_not_import_pyspark():
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from pipelines.cli import app\n"
        "for args in (['--help'], ['list'], ['run', '--help'], ['demo-data', '--help'],\n"
        "             ['server', '--help'], ['server', 'start', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "heavy = {'pyspark', 'py4j', 'grpc', 'pandas', 'pyarrow'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_list_json_names_every_pipeline_with_its_checks():
    result = invoke("list", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [p["pipeline"] for p in listed] == list(catalog.PIPELINE_IDS)
    assert {p["pipeline"]: p["checks"] for p in listed} == {
        k: list(v) for k, v in catalog.CHECKS.items()
    }
    assert listed[3]["upstream"] == ["profit", "growth", "engagement"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["run", "profits", "--data", "."],
            "error: unknown pipeline 'profits' (known: profit, growth, engagement, aggregated, "
            "or all)",
        ),
        (["run", "profit"], "error: no data root: pass --data DIR or set ONCALL_DATA"),
        (
            ["run", "profit", "--data", "/nonexistent/x"],
            "error: --data: /nonexistent/x is not a folder",
        ),
        (
            ["run", "profit", "--data", ".", "--conf", "spark.x"],
            "error: --conf: 'spark.x' is not KEY=VALUE",
        ),
        (
            ["run", "profit", "--data", ".", "--as-of", "yesterday"],
            "error: --as-of: 'yesterday' is not an ISO 8601",
        ),
        (
            ["demo-data", "--out", "x", "--faults", "kafka_gaps"],
            "error: --faults: unknown fault 'kafka_gaps'",
        ),
        (
            ["demo-data", "--out", "x", "--clicks", "1000"],
            "error: --clicks: 1,000 is too few for 6 months",
        ),
        (
            ["demo-data", "--out", "x", "--end-month", "2027-01"],
            "error: --end-month 2027-01: its deliveries land",
        ),
    ],
)
def test_bad_usage_is_exit_2_with_one_line(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_data_refuses_a_folder_it_did_not_make(tmp_path, monkeypatch):
    def no_spark(*args, **kwargs):
        raise AssertionError("Spark was started for a folder demo-data refuses")

    monkeypatch.setattr("pipelines.cli.demo_data.spark_session", no_spark)
    (tmp_path / "notes.txt").write_text("mine")
    result = invoke("demo-data", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "is not empty and holds no manifest.json" in result.stderr
    assert (tmp_path / "notes.txt").exists()


@pytest.mark.spark
def test_a_mistyped_source_column_is_exit_3_naming_it(spark, data, land):
    land(
        "revenue",
        [("a1", date(2026, 11, 3), "12.50")],
        schema="account_id string, invoice_date date, amount string",
    )
    land("costs", [("office", date(2026, 11, 1), "opex", 1.0, ts("2026-12-02T00:00"))])
    land("salaries", [("support", date(2026, 11, 1), 1.0)])
    result = invoke("run", "profit", "--data", str(data.path))
    assert result.exit_code == 3, result.output
    assert result.stderr == "error: sources/revenue: column amount is string, expected double\n"
    assert not data.output_dir("profit").exists()


@pytest.mark.spark
def test_a_vanished_source_folder_is_exit_3_and_keeps_the_last_output(
    spark, data, land, monkeypatch
):
    monkeypatch.setenv("ONCALL_DATA", str(data.path))
    land("revenue", [("a1", date(2026, 11, 3), 12.5)])
    land("costs", [("office", date(2026, 11, 1), "opex", 1.0, ts("2026-12-02T00:00"))])
    land("salaries", [("support", date(2026, 11, 1), 1.0)])
    first = invoke("run", "profit", "--format", "json")
    assert first.exit_code == 0, first.output
    (summary,) = json.loads(first.stdout)
    assert summary["rows"] == {"monthly": 1, "revenue_by_account": 1}

    for path in data.source_dir("salaries").iterdir():
        path.unlink()
    data.source_dir("salaries").rmdir()
    again = invoke("run", "profit")
    assert again.exit_code == 3
    assert again.stderr == "error: sources/salaries: source folder not found\n"
    meta = json.loads((data.output_dir("profit") / "_meta.json").read_text())
    assert meta["run_id"] == summary["run_id"]


@pytest.mark.spark
def test_a_data_root_with_glob_characters_in_its_name_works(spark, tmp_path, monkeypatch):
    from pipelines.layout import DataRoot
    from tests.pipelines.conftest import land_file

    data = DataRoot(tmp_path / "team [eu] {2026}")
    data.path.mkdir()
    land_file(spark, data, "revenue", [("a1", date(2026, 11, 3), 12.5)])
    land_file(
        spark, data, "costs", [("office", date(2026, 11, 1), "opex", 1.0, ts("2026-12-02T00:00"))]
    )
    land_file(spark, data, "salaries", [("support", date(2026, 11, 1), 1.0)])
    result = invoke("run", "profit", "--data", str(data.path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["rows"] == {"monthly": 1, "revenue_by_account": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team [eu] {2026}"]
