"""``pipeline demo-data`` on a small set: the manifest holds against the data it wrote."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall.config import catalog
from oncall.errors import UsageError
from pipelines.demo.generator import prepare_out
from tests.pipelines import reference as ref
from tests.pipelines.conftest import make_demo

pytestmark = pytest.mark.spark

SOURCE_CHECKS = (
    "filing_discrepancy",
    "cost_data_delay",
    "missing_current_status",
    "skipped_states",
    "kafka_gap",
    "duplicate_events",
    "join_skew",
)


def source_counts(spark, out: Path, manifest: dict) -> dict[str, int]:
    """The checks that need nothing but the sources, computed by the plain-Python reference."""
    src = ref.Sources.read(spark, out)
    time_gaps, holes = ref.kafka_gap(src)
    return {
        "filing_discrepancy": ref.filing_discrepancy(src),
        "cost_data_delay": ref.cost_data_delay(src, datetime.fromisoformat(manifest["as_of"])),
        "missing_current_status": ref.missing_current_status(src),
        "skipped_states": ref.skipped_states(src),
        "kafka_gap": time_gaps + holes,
        "duplicate_events": ref.duplicate_events(src),
        "join_skew": len(ref.join_skew(src)),
    }


def counts_of(manifest: dict) -> dict[str, int]:
    return {check: entry["count"] for check, entry in manifest["expected"].items()}


def test_clean_data_trips_no_check(spark, demo_set):
    out, manifest = demo_set("none")
    assert counts_of(manifest) == dict.fromkeys(catalog.CHECK_IDS, 0)
    assert manifest["replay"]["needed"] is False
    assert manifest["months"] == ["2026-10-01", "2026-11-01", "2026-12-01"]
    assert source_counts(spark, out, manifest) == dict.fromkeys(SOURCE_CHECKS, 0)
    assert manifest["sources"]["clicks"] == {"rows": 24_000, "files": 92}
    # one file per delivery, stamped with its landing time
    assert sorted(p.name for p in (out / "sources" / "salaries").iterdir()) == [
        "salaries-2026-10.parquet",
        "salaries-2026-11.parquet",
        "salaries-2026-12.parquet",
    ]
    last_day = out / "sources" / "clicks" / "clicks-2026-12-31.parquet"
    assert datetime.fromtimestamp(last_day.stat().st_mtime, UTC) == datetime(
        2027, 1, 1, 0, 10, tzinfo=UTC
    )


def test_every_planted_fault_has_the_manifest_count(spark, demo_all):
    out, manifest = demo_all
    counts = source_counts(spark, out, manifest)
    assert counts == {check: counts_of(manifest)[check] for check in counts}
    assert all(entry["count"] > 0 for entry in manifest["expected"].values())
    assert manifest["replay"]["needed"] is True
    late = manifest["expected"]["late_arrivals"]["details"]
    assert late["sla_missed"] + late["within_sla"] == manifest["expected"]["late_arrivals"]["count"]
    assert late["sla_missed"] > 0 and late["within_sla"] > 0
    outage, hole = manifest["expected"]["kafka_gap"]["details"]
    assert outage["kind"] == "time" and outage["minutes"] >= 48
    assert hole["kind"] == "offset" and hole["missing"] == 9


@pytest.mark.parametrize("fault", ["kafka_gap", "duplicate_events", "join_skew"])
def test_a_click_fault_planted_alone_fires_only_its_check(spark, demo_set, fault):
    out, manifest = demo_set(fault)
    counts = source_counts(spark, out, manifest)
    assert {check for check, n in counts.items() if n} == {fault}
    assert counts[fault] == manifest["expected"][fault]["count"]
    assert {c for c, e in manifest["expected"].items() if e["planted"]} == {fault}


def test_the_same_seed_gives_the_same_data(spark, tmp_path, demo_all):
    out, manifest = demo_all
    again = make_demo(tmp_path / "again", "all")
    assert again["expected"] == manifest["expected"]
    for source in ("clicks", "account_events", "revenue"):
        first = sorted(p.name for p in (out / "sources" / source).iterdir())
        assert sorted(p.name for p in (tmp_path / "again" / "sources" / source).iterdir()) == first
    key = lambda r: (r["kafka_partition"], r["kafka_offset"], r["ingested_at"])  # noqa: E731
    first_rows = ref.read_rows(spark, out / "sources" / "clicks", "clicks")
    again_rows = ref.read_rows(spark, tmp_path / "again" / "sources" / "clicks", "clicks")
    assert sorted(again_rows, key=key) == sorted(first_rows, key=key)


def test_a_previous_demo_set_is_replaced_but_not_a_stranger(tmp_path):
    out = tmp_path / "demo"
    (out / "sources" / "clicks").mkdir(parents=True)
    (out / "outputs").mkdir()
    (out / "manifest.json").write_text(json.dumps({"format": 1}))
    prepare_out(out)
    assert list(out.iterdir()) == []
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match=r"is not empty and holds no manifest\.json"):
        prepare_out(out)
