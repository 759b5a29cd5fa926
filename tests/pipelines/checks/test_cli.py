"""``pipeline diagnose``: exit codes, formats, one-line errors, and the recorded history."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from typer.testing import CliRunner

from oncall import history
from oncall.cli.app import app as oncall_app
from tests.invoke import pipeline
from tests.pipelines.conftest import ts

pytestmark = pytest.mark.spark


def invoke(*args: str):
    return pipeline("-q", *args)


def click(event_id, time, partition=0, offset=0):
    moment = ts(time)
    return (event_id, "u1", "a1", "web", "click", moment, partition, offset, moment)


def steady_clicks(start_offset=0):
    """Twenty clicks a minute apart over two partitions: nothing for any check to find."""
    return [
        click(f"e{i}", f"2026-12-01T10:{i:02d}", i % 2, start_offset + i // 2) for i in range(20)
    ]


@pytest.fixture
def clean(workspace, data, land):
    land("clicks", steady_clicks())
    return data


def diagnose_json(data, *extra):
    result = invoke("diagnose", "engagement", "--data", str(data.path), "--format", "json", *extra)
    return result, json.loads(result.stdout)


def test_clean_data_is_exit_0_with_the_contract_json(clean):
    result, report = diagnose_json(clean)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    (pipeline,) = report["pipelines"]
    assert pipeline["pipeline"] == "engagement"
    assert pipeline["status"] == "ok"
    assert [c["id"] for c in pipeline["checks"]] == [
        "late_arrivals",
        "kafka_gap",
        "duplicate_events",
    ]
    for check in pipeline["checks"]:
        assert {"id", "status", "count", "summary", "details"} <= check.keys()
        assert (check["status"], check["count"], check["details"]) == ("ok", 0, [])
    assert report["as_of"] == "2027-01-06T09:00:00+00:00"


def test_a_warning_passes_unless_strict(clean, land):
    land("clicks", [click("e3", "2026-12-01T10:03", 1, 1)], name="again")
    result, report = diagnose_json(clean)
    assert result.exit_code == 0, result.output
    assert report["pipelines"][0]["status"] == "warn"
    assert report["pipelines"][0]["checks"][2]["count"] == 1
    strict, _ = diagnose_json(clean, "--strict")
    assert strict.exit_code == 1


def test_a_failing_check_is_exit_1_and_the_table_says_what_to_do(clean, land):
    land("clicks", [click("x", "2026-12-01T11:00", 0, 500)], name="later")
    result = invoke("diagnose", "engagement", "--data", str(clean.path))
    assert result.exit_code == 1, result.output
    assert "kafka_gap" in result.stdout and "fail" in result.stdout
    assert "engagement / kafka_gap: fail, 2 gaps (threshold: min_gap_minutes 15)" in result.stdout
    assert "Check the Kafka cluster and the ingestion consumer" in result.stdout  # the runbook


def test_junit_has_one_testcase_per_check(clean, land):
    land("clicks", [click("x", "2026-12-01T11:00", 0, 500)], name="later")
    result = invoke("diagnose", "engagement", "--data", str(clean.path), "--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    cases = root.find("testsuite").findall("testcase")
    assert [c.get("name") for c in cases] == ["late_arrivals", "kafka_gap", "duplicate_events"]
    assert [c.find("failure") is not None for c in cases] == [False, True, False]


def test_a_mistyped_column_fails_only_its_check_with_one_line(workspace, data, land):
    land(
        "clicks",
        [
            (
                "e1",
                "u1",
                "a1",
                "web",
                "click",
                ts("2026-12-01T10:00"),
                0,
                "7",
                ts("2026-12-01T10:00"),
            )
        ],
        schema=(
            "event_id string, user_id string, account_id string, source_team string, "
            "event_type string, event_time timestamp, kafka_partition int, kafka_offset string, "
            "ingested_at timestamp"
        ),
    )
    result, report = diagnose_json(data)
    assert result.exit_code == 3, result.output
    assert result.stderr == (
        "error: engagement.kafka_gap: sources/clicks: column kafka_offset is string, "
        "expected bigint\n"
    )
    statuses = {c["id"]: c["status"] for c in report["pipelines"][0]["checks"]}
    assert statuses == {"late_arrivals": "ok", "kafka_gap": "error", "duplicate_events": "ok"}
    assert report["pipelines"][0]["status"] == "error"


def test_an_unreadable_source_is_exit_3_and_other_pipelines_still_run(workspace, data, land):
    land("clicks", steady_clicks())
    (data.source_dir("clicks") / "clicks-broken.parquet").write_bytes(b"PAR1 but not really")
    land("account_events", [("a1", ts("2026-10-01T10:00"), "free", 1, "active")])
    land("revenue", [("a1", date(2026, 10, 3), 10.0)])
    result = invoke(
        "diagnose", "growth", "engagement", "--data", str(data.path), "--format", "json"
    )
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: engagement: sources/clicks")
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert [p["status"] for p in report["pipelines"]] == ["ok", "error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diagnose", "engagment", "--data", "."], "error: unknown pipeline 'engagment'"),
        (["diagnose", "all"], "error: no data root: pass --data DIR or set ONCALL_DATA"),
        (["diagnose", "all", "--data", ".", "--as-of", "soon"], "error: --as-of: 'soon' is not"),
        (["diagnose", "all", "--data", ".", "--format", "xml"], "Usage:"),
    ],
)
def test_bad_usage_is_exit_2(workspace, args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_an_invalid_runbook_is_exit_2_before_spark(workspace, data):
    path = workspace / "runbooks" / "engagement.yaml"
    path.write_text(
        path.read_text().replace(
            "common_issues:", "thresholds:\n  kafka_gap: {min_gap_minutes: -1}\ncommon_issues:", 1
        )
    )
    result = invoke("diagnose", "engagement", "--data", str(data.path))
    assert result.exit_code == 2, result.output
    assert "runbooks/engagement.yaml: thresholds.kafka_gap.min_gap_minutes" in result.stderr


def test_every_run_is_recorded_for_the_handoff(clean, land, workspace, monkeypatch):
    monkeypatch.setenv("ONCALL_NOW", "2027-01-05T08:00:00+00:00")
    assert diagnose_json(clean)[0].exit_code == 0
    land("clicks", [click("x", "2026-12-01T11:00", 0, 500)], name="later")
    monkeypatch.setenv("ONCALL_NOW", "2027-01-06T08:00:00+00:00")
    assert diagnose_json(clean)[0].exit_code == 1
    monkeypatch.setenv("ONCALL_NOW", "2027-01-06T09:00:00+00:00")
    assert diagnose_json(clean)[0].exit_code == 1

    runs = history.read_runs(workspace)
    assert [(r["pipeline"], r["status"], r["at"]) for r in runs] == [
        ("engagement", "ok", "2027-01-05T08:00:00+00:00"),
        ("engagement", "fail", "2027-01-06T08:00:00+00:00"),
        ("engagement", "fail", "2027-01-06T09:00:00+00:00"),
    ]
    assert runs[-1]["data"] == str(clean.path)
    assert {k: runs[-1]["checks"][1][k] for k in ("id", "status", "count")} == {
        "id": "kafka_gap",
        "status": "fail",
        "count": 2,
    }

    result = CliRunner().invoke(
        oncall_app, ["handoff", "--date", "2027-01-06", "--format", "json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    agenda = json.loads(result.stdout)
    (engagement,) = [p for p in agenda["pipelines"] if p["pipeline"] == "engagement"]
    assert engagement["diagnose"]["status"] == "fail"
    assert engagement["diagnose"]["failing"] == ["kafka_gap"]
    # failing since the first of the two failing runs
    assert engagement["diagnose"]["since"] == "2027-01-06T08:00:00+00:00"


def test_a_workspace_that_cannot_hold_history_only_warns(clean, workspace):
    (workspace / "state").write_text("a file where the history folder would go")
    result, report = diagnose_json(clean)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: cannot record this run")
    assert report["pipelines"][0]["status"] == "ok"
