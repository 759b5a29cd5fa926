"""``demo-data``, then ``run all`` as the manifest's replay says; outputs against the reference.

Expected figures come from ``tests/pipelines/reference.py``: plain Python over the source rows,
written from the documented rules, sharing no code with the jobs.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.jobs.aggregated import METRICS
from tests.pipelines import reference as ref

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def replayed(spark, demo_all, tmp_path_factory):
    """A copy of the shared all-faults demo set after the replay of its manifest."""
    from tests.conftest import FIXED_NOW

    out, manifest = tmp_path_factory.mktemp("replayed") / "data", demo_all[1]
    shutil.copytree(demo_all[0], out)
    runs = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ONCALL_NOW", FIXED_NOW)
        for argv in manifest["replay"]["argv"]:
            args = ["-q", *argv, "--data", str(out), "--format", "json"]
            result = CliRunner().invoke(app, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
            runs.append(json.loads(result.stdout))
    metas = {
        p: json.loads((out / "outputs" / p / "_meta.json").read_text())
        for p in ("profit", "growth", "engagement", "aggregated")
    }
    return out, manifest, runs, metas, ref.Sources.read(spark, out)


def table(spark, out, meta, name):
    path = out / "outputs" / meta["pipeline"] / meta["tables"][name]["path"]
    return [r.asDict() for r in spark.read.parquet(str(path)).collect()]


def test_the_replay_runs_every_pipeline_then_three_again(replayed):
    _, manifest, (close, final), metas, _ = replayed
    assert [r["pipeline"] for r in close] == ["profit", "growth", "engagement", "aggregated"]
    assert [r["pipeline"] for r in final] == ["profit", "engagement", "aggregated"]
    assert metas["growth"]["written_at"] == manifest["replay"]["month_close"]
    assert metas["growth"]["replay"] is True
    assert metas["profit"]["written_at"] == "2027-01-06T09:00:00+00:00"
    # the second engagement run re-aggregated exactly the days the late clicks fell on
    late_days = manifest["expected"]["late_arrivals"]["details"]["days"]
    assert metas["engagement"]["reaggregated_days"] == late_days
    assert {d["first_aggregated_at"] for d in metas["engagement"]["days"].values()} == {
        manifest["replay"]["month_close"]
    }


def test_profit_matches_the_books(spark, replayed):
    out, _, _, metas, src = replayed
    books = ref.monthly_books(src)
    rows = table(spark, out, metas["profit"], "monthly")
    assert [r["month"] for r in rows] == sorted(books)
    for row in rows:
        mine = books[row["month"]]
        for field in ("revenue", "opex", "asset_costs", "salaries", "expenses", "profit"):
            assert row[field] == pytest.approx(mine[field], abs=1e-6), (row["month"], field)
        assert row["margin"] == pytest.approx(mine["profit"] / mine["revenue"])
    assert metas["profit"]["months"]["last"] == "2026-12-01"


def test_growth_counts_the_last_week_like_the_events_say(spark, replayed):
    out, _, _, metas, src = replayed
    summary = table(spark, out, metas["growth"], "weekly_summary")
    last_week = max(r["week_start"] for r in summary)
    end = datetime.combine(last_week + timedelta(days=7), datetime.min.time()).astimezone(ref.UTC)
    counts: dict[tuple, list[int]] = {}
    for rows in ref.events_by_account(src).values():
        state = ref.state_before(rows, end)
        cell = counts.setdefault((state[0], state[1]), [0, 0])
        cell[0] += 1
        cell[1] += state[2] or 0
    got = {
        (r["account_type"], r["subscription_status"]): [r["accounts"], r["licensed_users"]]
        for r in summary
        if r["week_start"] == last_week
    }
    assert got == counts
    first_weeks = {}
    for account, rows in ref.events_by_account(src).items():
        first = ref.at(rows[0]["event_time"]).date()
        first_weeks[account] = first - timedelta(days=first.weekday())
    new_per_week = {}
    for week in first_weeks.values():
        new_per_week[week] = new_per_week.get(week, 0) + 1
    got_new = {}
    for r in summary:
        got_new[r["week_start"]] = got_new.get(r["week_start"], 0) + r["new_accounts"]
    assert {w: n for w, n in got_new.items() if n} == new_per_week


def test_engagement_counts_each_event_once(spark, replayed):
    out, _, _, metas, src = replayed
    rows = table(spark, out, metas["engagement"], "daily")
    got = {
        (r["event_date"].isoformat(), r["account_id"], r["source_team"]): (
            r["clicks"],
            r["distinct_users"],
        )
        for r in rows
    }
    assert got == ref.daily_engagement(src)


def test_aggregated_matches_the_sources(spark, replayed):
    out, _, _, metas, src = replayed
    expected = ref.aggregated(src)
    rows = table(spark, out, metas["aggregated"], "monthly")
    assert sorted((r["month"], r["account_type"]) for r in rows) == sorted(expected)
    for row in rows:
        mine = expected[(row["month"], row["account_type"])]
        for metric in METRICS:
            if mine[metric] is None:
                assert row[metric] is None, (row["month"], row["account_type"], metric)
            else:
                assert row[metric] == pytest.approx(mine[metric], rel=1e-9, abs=1e-6), (
                    row["month"],
                    row["account_type"],
                    metric,
                )


def test_the_history_faults_have_the_manifest_counts(spark, replayed):
    out, manifest, _, metas, src = replayed
    expected = manifest["expected"]
    late, missed = ref.late_arrivals(src, metas["engagement"]["days"])
    assert late == expected["late_arrivals"]["count"]
    assert missed == expected["late_arrivals"]["details"]["sla_missed"]
    assert ref.stale_upstream(src, out, metas) == {"growth"}
    assert expected["stale_upstream"]["count"] == 1
    rows = table(spark, out, metas["aggregated"], "monthly")
    assert ref.missing_values(rows, METRICS) == expected["missing_values"]["count"] == 3
    first_month = date.fromisoformat(manifest["months"][0])
    assert {
        r["account_type"] for r in rows if r["month"] == first_month and r["active_users"] == 0
    } == {
        "free",
        "team",
        "enterprise",
    }
