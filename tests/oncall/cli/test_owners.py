"""``oncall owners``: the owners table of the product description."""

from __future__ import annotations

import json
from pathlib import Path

from tests.invoke import oncall as invoke


def test_owners_json_matches_the_product_description(workspace: Path) -> None:
    result = invoke("owners", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "pipeline": "profit",
            "name": "Profit",
            "primary": ["Finance Team", "Risk Team"],
            "secondary": ["Data Engineering"],
        },
        {
            "pipeline": "growth",
            "name": "Growth",
            "primary": ["Accounts Team"],
            "secondary": ["Data Engineering"],
        },
        {
            "pipeline": "engagement",
            "name": "Engagement",
            "primary": ["Software Frontend Team"],
            "secondary": ["Data Engineering"],
        },
        {
            "pipeline": "aggregated",
            "name": "Aggregated data for executives and investors",
            "primary": ["Business Analytics Team"],
            "secondary": ["Data Engineering"],
        },
    ]
    assert result.stderr == ""


def test_owners_table_fits_80_columns(workspace: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("owners")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = " ".join(result.stdout.split())
    for expected in ("profit", "Finance Team", "Risk Team", "month-end-watch", "working-hours"):
        assert expected in text


def test_owners_reports_a_broken_runbook(workspace: Path) -> None:
    path = workspace / "runbooks" / "growth.yaml"
    path.write_text(path.read_text().replace("primary: [Accounts Team]", "primary: []"))
    result = invoke("owners", "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: runbooks/growth.yaml: owners.primary: name at least one primary owner team"
    ]


def test_unknown_format_is_bad_usage(workspace: Path) -> None:
    result = invoke("owners", "--format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.stderr
