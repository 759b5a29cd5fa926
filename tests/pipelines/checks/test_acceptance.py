"""Acceptance: each fault of ``pipeline demo-data`` alone makes its check fire with the exact count.

The counts come from the generator's manifest, written by the same team; where the rules
allow, they are also recomputed with ``tests/pipelines/reference.py`` (plain Python over the
source rows, sharing no code with the checks). The clean set makes nothing fire, and after late
arrivals ``pipeline run engagement`` re-aggregates the affected days and the check is ok again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oncall.config import catalog
from pipelines.cli import app
from tests.conftest import FIXED_NOW
from tests.pipelines import reference as ref

pytestmark = pytest.mark.spark

#: faults a data set shows without any pipeline run, and the pipelines to diagnose for them
SOURCE_FAULTS = {
    "filing_discrepancy": "profit",
    "cost_data_delay": "profit",
    "missing_current_status": "growth",
    "skipped_states": "growth",
    "kafka_gap": "engagement",
    "duplicate_events": "engagement",
}


def pipeline(*args: str) -> Any:
    return CliRunner().invoke(app, ["-q", *args], catch_exceptions=False)


def replay(out: Path, manifest: dict[str, Any], steps: int = 2) -> None:
    """The manifest's replay: the month-close run of everything, then today's re-run."""
    for argv in manifest["replay"]["argv"][:steps]:
        result = pipeline(*argv, "--data", str(out))
        assert result.exit_code == 0, result.output


def diagnose(out: Path, *names: str) -> tuple[int, dict[str, dict[str, Any]]]:
    """Exit code and every check by id."""
    result = pipeline("diagnose", *names, "--data", str(out), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    return result.exit_code, {c["id"]: c for p in report["pipelines"] for c in p["checks"]}


def only_fires(checks: dict[str, dict[str, Any]], fault: str, count: int) -> dict[str, Any]:
    """Assert ``fault`` fired with ``count`` and every other check is ok; return it."""
    fired = {cid: (c["status"], c["count"]) for cid, c in checks.items() if c["status"] != "ok"}
    assert fired.keys() == {fault}, fired
    assert checks[fault]["count"] == count
    return checks[fault]


#: the sources the reference needs to recount each fault
REFERENCE_SOURCES = {
    "profit": ("revenue", "costs", "salaries", "filings"),
    "growth": ("account_events", "revenue"),
    "engagement": ("clicks",),
}


def sources(spark: Any, out: Path, names: tuple[str, ...]) -> ref.Sources:
    """The reference's view of ``names`` (the other sources left empty: not needed)."""
    rows = {name: ref.read_rows(spark, out / "sources" / name, name) for name in names}
    return ref.Sources(**{name: rows.get(name, []) for name in ref.Sources.__annotations__})


@pytest.mark.parametrize("fault", list(SOURCE_FAULTS))
def test_a_source_fault_alone_fires_its_check_exactly(workspace, demo_set, spark, fault):
    out, manifest = demo_set(fault)
    expected = manifest["expected"][fault]
    pipeline_id = SOURCE_FAULTS[fault]
    code, checks = diagnose(out, pipeline_id)
    check = only_fires(checks, fault, expected["count"])
    assert code == (1 if check["status"] == "fail" else 0)
    assert check["remediation"]  # the runbook's steps come with it

    src = sources(spark, out, REFERENCE_SOURCES[pipeline_id])
    as_of = ref.datetime.fromisoformat(FIXED_NOW)
    if fault == "filing_discrepancy":
        assert ref.filing_discrepancy(src) == check["count"]
        assert [d["month"] for d in check["details"]] == [expected["details"][0]["month"]]
        assert [x["figure"] for x in check["details"][0]["differences"]] == ["revenue", "profit"]
    elif fault == "cost_data_delay":
        assert ref.cost_data_delay(src, as_of) == check["count"]
        assert [(d["month"], d["kind"]) for d in check["details"]] == [
            (d["month"], d["kind"]) for d in expected["details"]
        ]
        assert check["details"][0]["late_cost_centers"] == [expected["details"][0]["cost_center"]]
    elif fault == "missing_current_status":
        assert ref.missing_current_status(src) == check["count"]
        assert check["details"] == [
            {
                **d,
                "events": check["details"][i]["events"],
                "invoices": check["details"][i]["invoices"],
            }
            for i, d in enumerate(expected["details"])
        ]
    elif fault == "skipped_states":
        assert ref.skipped_states(src) == check["count"]
        key = ("account_id", "field", "from", "to", "event_time")
        assert sorted(tuple(d[k] for k in key) for d in check["details"]) == sorted(
            tuple(d[k] for k in key) for d in expected["details"]
        )
    elif fault == "kafka_gap":
        assert sum(ref.kafka_gap(src)) == check["count"]
        time, offset = check["details"]
        assert time == expected["details"][0]
        assert offset == expected["details"][1]
    elif fault == "duplicate_events":
        assert ref.duplicate_events(src) == check["count"]
        ids = [d["event_id"] for d in check["details"]]
        assert ids == expected["details"]["sample_event_ids"][:20]
        assert {d["copies"] for d in check["details"]} == {2}


def test_join_skew_alone_names_the_hot_account(workspace, demo_set, spark):
    out, manifest = demo_set("join_skew")
    (expected,) = manifest["expected"]["join_skew"]["details"]
    result = pipeline(
        "diagnose", "engagement", "aggregated", "--data", str(out), "--format", "json"
    )
    # no pipeline has run on this set: the output checks cannot be evaluated (exit 3)
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    checks = {c["id"]: c for p in report["pipelines"] for c in p["checks"]}
    src = sources(spark, out, ("clicks", "revenue", "account_events"))
    assert checks["join_skew"]["count"] == 1 == len(ref.join_skew(src))
    (hot,) = checks["join_skew"]["details"]
    assert (hot["account_id"], hot["source"], hot["rows"], hot["share"]) == (
        expected["account_id"],
        "clicks",
        expected["rows"],
        expected["share"],
    )
    # the hot account's clicks are ordinary clicks for every engagement check
    assert {checks[c]["status"] for c in catalog.CHECKS["engagement"]} == {"ok"}
    assert checks["missing_values"]["status"] == "error"


def test_the_clean_set_makes_nothing_fire(workspace, demo_set):
    out, manifest = demo_set("none")
    replay(out, manifest)
    code, checks = diagnose(out, "all")
    assert code == 0
    assert {cid: (c["status"], c["count"]) for cid, c in checks.items()} == {
        cid: ("ok", 0) for cid in catalog.CHECK_IDS
    }


@pytest.mark.parametrize("fault", ["stale_upstream", "missing_values"])
def test_an_output_fault_alone_fires_after_the_replay(workspace, demo_set, fault):
    out, manifest = demo_set(fault)
    replay(out, manifest)
    code, checks = diagnose(out, "all")
    check = only_fires(checks, fault, manifest["expected"][fault]["count"])
    assert code == 1
    if fault == "stale_upstream":
        (stale,) = check["details"]
        (expected,) = manifest["expected"][fault]["details"]
        assert stale["output"] == expected["output"] == "growth"
        assert stale["newest_source_file"]["file"] == expected["file"]
        assert stale["written_at"] == expected["output_written_at"]
    else:
        assert [(d["month"], d["account_type"]) for d in check["details"]] == sorted(
            (d["month"], d["account_type"]) for d in manifest["expected"][fault]["details"]
        )


def test_late_arrivals_fire_until_engagement_reaggregates_their_days(workspace, demo_set, spark):
    out, manifest = demo_set("late_arrivals")
    expected = manifest["expected"]["late_arrivals"]
    close = manifest["replay"]["month_close"]
    # the month-close run aggregates every day of the month; the late clicks land after it
    assert pipeline("run", "engagement", "--data", str(out), "--as-of", close).exit_code == 0
    code, checks = diagnose(out, "engagement")
    check = only_fires(checks, "late_arrivals", expected["count"])
    assert (code, check["status"]) == (1, "fail")  # some also missed the 48-hour SLA
    missed = sum(d["events"] for d in check["details"] if d["missed_sla"])
    assert missed == expected["details"]["sla_missed"]
    assert sorted({d["event_date"] for d in check["details"]}) == expected["details"]["days"]
    sampled = {e for d in check["details"] for e in d["sample_event_ids"]}
    assert sampled <= set(expected["details"]["event_ids"])
    meta = json.loads((out / "outputs" / "engagement" / "_meta.json").read_text())
    assert ref.late_arrivals(sources(spark, out, ("clicks",)), meta["days"]) == (
        expected["count"],
        missed,
    )

    # the remedy: a run now re-aggregates only the days that received the late clicks
    rerun = pipeline("run", "engagement", "--data", str(out), "--format", "json")
    assert rerun.exit_code == 0, rerun.output
    meta = json.loads((out / "outputs" / "engagement" / "_meta.json").read_text())
    assert meta["reaggregated_days"] == expected["details"]["days"]
    code, checks = diagnose(out, "engagement")
    assert code == 0
    assert (checks["late_arrivals"]["status"], checks["late_arrivals"]["count"]) == ("ok", 0)
    assert (
        f"{expected['count']} events that arrived late were re-aggregated since"
        in (checks["late_arrivals"]["summary"])
    )
