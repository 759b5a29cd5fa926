"""Renderings: JUnit XML that CI parses, the table, and the JSON shape; no Spark needed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from pipelines.checks import report
from pipelines.checks.model import CheckResult, PipelineReport, worst
from pipelines.checks.runner import Diagnosis
from pipelines.layout import DataRoot

AT = datetime(2027, 1, 6, 9, tzinfo=UTC)


def diagnosis() -> Diagnosis:
    engagement = PipelineReport(
        "engagement",
        (
            CheckResult(
                "late_arrivals",
                "ok",
                0,
                "no event was ingested after its day was aggregated",
                threshold={"arrival_sla_hours": 48.0},
                unit="events",
            ),
            CheckResult(
                "kafka_gap",
                "fail",
                2,
                "1 silence; 1 offset hole",
                [{"kind": "offset", "partition": 1, "first_missing": 5, "last_missing": 9}],
                {"min_gap_minutes": 15.0},
                title="Kafka downtime or lost offsets",
                remediation="1. Check the Kafka cluster.\n",
                unit="gaps",
            ),
            CheckResult("duplicate_events", "warn", 3, "3 surplus rows", unit="surplus rows"),
        ),
    )
    profit = PipelineReport(
        "profit",
        (
            CheckResult.failed_to_evaluate(
                "filing_discrepancy", ["sources/filings: column profit is string, expected double"]
            ).with_runbook(None, None, "months"),
            CheckResult("cost_data_delay", "ok", 0, "fine", unit="months"),
        ),
    )
    return Diagnosis(DataRoot(Path("/data")), AT, AT, (engagement, profit))


def test_statuses_rank_error_over_fail_over_warn():
    assert worst(["ok", "warn"]) == "warn"
    assert worst(["warn", "fail", "ok"]) == "fail"
    assert worst(["fail", "error"]) == "error"
    assert worst([]) == "ok"


def test_exit_codes_and_error_lines():
    result = diagnosis()
    assert result.exit_code() == 3  # unreadable data outranks a failure
    assert result.error_lines() == [
        "profit.filing_discrepancy: sources/filings: column profit is string, expected double"
    ]
    without_error = Diagnosis(result.data, AT, AT, result.reports[:1])
    assert without_error.exit_code() == 1
    only_warn = Diagnosis(
        result.data,
        AT,
        AT,
        (PipelineReport("engagement", tuple(result.reports[0].checks[i] for i in (0, 2))),),
    )
    assert (only_warn.exit_code(), only_warn.exit_code(strict=True)) == (0, 1)


def test_json_has_the_contract_keys():
    data = diagnosis().as_json()
    assert [p["pipeline"] for p in data["pipelines"]] == ["engagement", "profit"]
    assert [p["status"] for p in data["pipelines"]] == ["fail", "error"]
    check = data["pipelines"][0]["checks"][1]
    assert {"id", "status", "count", "summary", "details"} <= check.keys()
    assert check["remediation"] == "1. Check the Kafka cluster.\n"
    # an ok check carries no remediation: nothing to do
    assert data["pipelines"][0]["checks"][0]["remediation"] is None


def test_history_entries_one_per_pipeline():
    entries = diagnosis().history_entries()
    assert entries[0] == {
        "at": "2027-01-06T09:00:00+00:00",
        "pipeline": "engagement",
        "status": "fail",
        "data": "/data",
        "as_of": "2027-01-06T09:00:00+00:00",
        "checks": [
            {
                "id": "late_arrivals",
                "status": "ok",
                "count": 0,
                "summary": "no event was ingested after its day was aggregated",
                "unit": "events",
                "title": None,
                "error": None,
            },
            {
                "id": "kafka_gap",
                "status": "fail",
                "count": 2,
                "summary": "1 silence; 1 offset hole",
                "unit": "gaps",
                "title": "Kafka downtime or lost offsets",
                "error": None,
            },
            {
                "id": "duplicate_events",
                "status": "warn",
                "count": 3,
                "summary": "3 surplus rows",
                "unit": "surplus rows",
                "title": None,
                "error": None,
            },
        ],
    }
    assert entries[1]["status"] == "error"


def test_junit_has_one_testcase_per_check():
    root = ET.fromstring(report.junit_xml(diagnosis().as_json()))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["engagement", "profit"]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == ["late_arrivals", "kafka_gap", "duplicate_events"]
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "1 silence; 1 offset hole"
    assert "Check the Kafka cluster." in (failure.text or "")
    assert cases[2].find("failure") is None  # a warning passes...
    error = suites[1].find("testcase").find("error")
    assert error is not None and "column profit is string" in error.get("message")
    props = {p.get("name"): p.get("value") for p in cases[1].iter("property")}
    assert props == {"status": "fail", "count": "2", "threshold.min_gap_minutes": "15"}


def test_junit_strict_fails_warnings():
    root = ET.fromstring(report.junit_xml(diagnosis().as_json(), strict=True))
    case = root.find("testsuite").findall("testcase")[2]
    assert case.find("failure").get("type") == "warn"
    assert root.get("failures") == "2"


def test_the_table_shows_findings_and_what_to_do():
    console = Console(record=True, width=120, color_system=None)
    report.render_table(diagnosis().as_json(), console)
    text = console.export_text()
    assert "kafka_gap" in text and "fail" in text
    assert "engagement / kafka_gap: fail, 2 gaps (threshold: min_gap_minutes 15)" in text
    assert "- kind offset, partition 1, first_missing 5, last_missing 9" in text
    assert "What to do (runbook):" in text and "1. Check the Kafka cluster." in text
    assert "profit / filing_discrepancy: error" in text
    assert "late_arrivals /" not in text  # ok checks have no section


def test_once_spark_was_stopped_no_pipeline_waits_again():
    from pipelines import spark_errors
    from pipelines.checks import runner

    spark_errors.abort("no executor for 300 s: the cluster has no worker")
    try:
        result = runner.diagnose(None, DataRoot(Path("/data")), ["profit", "growth"], {}, as_of=AT)
    finally:
        spark_errors.clear_abort()
    assert {c.status for r in result.reports for c in r.checks} == {"error"}
    assert result.exit_code() == 3
    assert result.error_lines() == [
        "profit, growth: no executor for 300 s: the cluster has no worker"
    ]


def hostile_diagnosis() -> Diagnosis:
    """A check whose runbook text and findings hold what XML 1.0 and terminals cannot take."""
    check = CheckResult(
        "kafka_gap",
        "fail",
        1,
        "1 hole\x00 [/] \x1b[2J",
        [{"kind": "offset\x0b", "note": "\ufffe\x01 [bold]x"}],
        {"min_gap_minutes": 15.0},
        title="Kafka \x0c downtime [/red]",
        remediation="1. Check\x0c the cluster.\x01\n2. Rerun\x0b.\ufffe \x1b]8;;http://e.example\x07\n",
        unit="gaps",
    )
    return Diagnosis(DataRoot(Path("/data")), AT, AT, (PipelineReport("engagement", (check,)),))


def test_junit_stays_well_formed_with_control_characters_in_the_runbook():
    text = report.junit_xml(hostile_diagnosis().as_json())
    root = ET.fromstring(text)  # raises on any character XML cannot carry
    failure = root.find("testsuite").find("testcase").find("failure")
    assert failure.get("message") == "1 hole [/] [2J"
    body = failure.text or ""
    assert "1. Check the cluster.\n2. Rerun. ]8;;http://e.example" in body
    assert "- kind offset, note  [bold]x" in body


def test_the_table_prints_runbook_text_as_written_without_controls():
    console = Console(record=True, width=200, color_system=None)
    report.render_table(hostile_diagnosis().as_json(), console)
    text = console.export_text()
    assert not any(c in text for c in "\x00\x01\x0b\x0c\x1b\x07")
    assert "1 hole\\x00 [/] \\x1b[2J" in text
    assert "Kafka   downtime [/red]" in text  # a form feed is a line break: one space
