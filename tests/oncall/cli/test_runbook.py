"""``oncall runbook PIPELINE`` and ``oncall runbook list``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.invoke import oncall as invoke


def test_runbook_json_carries_structured_sla_and_thresholds(workspace: Path) -> None:
    result = invoke("runbook", "profit", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == "profit"
    assert data["on_call"] == {"rotation": "profit-bi", "policy": "immediate", "support": []}
    assert data["sla"]["respond_within_minutes"] == 15
    assert data["sla"]["deadlines"][0] == {
        "name": "Ops cost data due for the previous month",
        "every": "month",
        "weekday": None,
        "day": 5,
        "at": "23:59",
        "timezone": "UTC",
        "owner": "Ops Team",
    }
    assert [i["id"] for i in data["common_issues"]] == ["filing_discrepancy", "cost_data_delay"]
    assert data["thresholds"] == {
        "filing_discrepancy": {"abs_tolerance": 1.0, "rel_tolerance": 0.0001},
        "cost_data_delay": {"deadline_day": 5},
    }


def test_runbook_defaults_thresholds_the_file_leaves_out(workspace: Path) -> None:
    result = invoke("runbook", "engagement", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["thresholds"] == {
        "late_arrivals": {"arrival_sla_hours": 48.0},
        "kafka_gap": {"min_gap_minutes": 15.0},
    }


def test_runbook_markdown_has_every_section(workspace: Path) -> None:
    result = invoke("runbook", "growth", "--format", "md")
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("# Growth (`growth`)\n")
    for heading in ("## Owners", "## On call", "## SLA", "## Data sources", "## Common issues"):
        assert f"\n{heading}\n" in md
    assert "- Primary: Accounts Team (#accounts, accounts@example.com)" in md
    assert "- Policy: working hours only: no immediate on-call" in md
    assert "- Latest account statuses due: every Friday at 17:00 Europe/Berlin" in md
    assert "### An account skipped a subscription or type state (`skipped_states`)" in md
    assert "| account_events | Account type, licensed users" in md


def test_runbook_text_is_rendered_for_a_terminal(workspace: Path) -> None:
    result = invoke("runbook", "aggregated")
    assert result.exit_code == 0, result.output
    assert "`" not in result.stdout  # Markdown is rendered, not printed raw
    assert "month-end watch" in result.stdout
    assert "Month-end reporting to executives and investors: monthly on the last day" in (
        " ".join(result.stdout.split())
    )


def test_unknown_pipeline_is_named(workspace: Path) -> None:
    result = invoke("runbook", "profits")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: unknown pipeline 'profits' (known: profit, growth, engagement, aggregated)"
    ]


def test_runbook_list(workspace: Path) -> None:
    result = invoke("runbook", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["pipeline"] for r in rows] == ["profit", "growth", "engagement", "aggregated"]
    assert rows[3]["checks"] == ["stale_upstream", "missing_values", "join_skew"]
    assert rows[1]["policy"] == "working-hours"


def test_fix_time_is_in_working_hours_for_a_working_hours_pipeline(workspace: Path) -> None:
    growth = " ".join(invoke("runbook", "growth").stdout.split())
    profit = " ".join(invoke("runbook", "profit").stdout.split())
    assert "fix within 40 working hours" in growth
    assert "fix within 8 hours" in profit
