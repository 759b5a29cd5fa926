"""Every plan-changing command prints exactly what ``oncall schedule`` shows changed, over every
week, and ``--dry-run`` prints the same list and writes nothing.

The schedule is read from the rotation's first week for the longest stretch any command shows
(``oncall.rotation.api.MAX_WEEKS``), before and after each command, and compared week by week:
an independent diff of what a user sees, not of the engine's internals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from oncall.rotation.api import MAX_WEEKS
from tests.invoke import oncall as invoke


def everything() -> dict[str, str | None]:
    """Every week's engineer, from the rotation's start, as ``oncall schedule`` prints it."""
    result = invoke("schedule", "-f", "json", "--start", "2027-01-04", "--weeks", str(MAX_WEEKS))
    assert result.exit_code == 0, result.output
    return {w["start"]: w["engineer"] for w in json.loads(result.stdout)["weeks"]}


def files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def check(root: Path, *args: str) -> list[dict]:
    """Run ``args`` with --dry-run, then for real; both lists must equal the schedule's diff."""
    before = everything()
    stored = files(root)
    dry = invoke(*args, "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    assert files(root) == stored, "--dry-run wrote something"
    assert everything() == before
    planned = json.loads(dry.stdout)
    assert planned["dry_run"] is True
    real = invoke(*args, "--format", "json")
    assert real.exit_code == 0, real.output
    done = json.loads(real.stdout)
    assert done["dry_run"] is False
    assert done["changes"] == planned["changes"]
    after = everything()
    diff = [
        (week, before[week], after[week]) for week in sorted(before) if before[week] != after[week]
    ]
    assert [(c["week"], c["before"], c["after"]) for c in done["changes"]] == diff
    assert all(isinstance(c["reason"], str) and c["reason"] for c in done["changes"])
    return done["changes"]


@pytest.mark.slow
def test_every_plan_changing_command_reports_exactly_what_changed(ws: Path) -> None:
    assert len(check(ws, "leave", "add", "cem", "2027-01-18", "2027-01-19")) == 2
    assert len(check(ws, "leave", "add", "ana", "2027-06-01", "2027-06-04")) >= 1
    assert check(ws, "leave", "remove", "ana", "2027-06-02") == []
    swap = check(ws, "swap", "add", "2027-03-01", "2027-03-15", "--note", "wedding")
    assert [c["reason"] for c in swap] == [
        "cem gave this week to ben (swap #1: wedding)",
        "ben gave this week to cem (swap #1: wedding)",
    ]
    assert check(ws, "publish", "--weeks", "10") == []
    assert len(check(ws, "swap", "add", "2027-04-05", "2027-04-19")) == 2
    assert len(check(ws, "swap", "undo", "2")) == 2
    check(ws, "plan", "--rebalance")
    # a leave far beyond the horizon still lands in the list, the horizon grows to cover it
    check(ws, "leave", "add", "ben", "2031-03-03", "2031-03-07")


@pytest.mark.slow
def test_weeks_that_are_over_or_in_progress_never_change(ws: Path, monkeypatch) -> None:
    # the clock stands in the week of 18 Jan: 4, 11 and 18 Jan are history or in progress
    monkeypatch.setenv("ONCALL_NOW", "2027-01-20T10:00:00+01:00")
    before = everything()
    for member in ("ana", "ben", "cem"):
        changes = check(ws, "leave", "add", member, "2027-01-25", "2027-01-29")
        assert all(c["week"] >= "2027-01-25" for c in changes), changes
        invoke("leave", "remove", member, "2027-01-25")
    after = everything()
    assert [after[w] for w in ("2027-01-04", "2027-01-11", "2027-01-18")] == [
        before[w] for w in ("2027-01-04", "2027-01-11", "2027-01-18")
    ]


def test_whois_does_not_switch_mid_shift(ws: Path, monkeypatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-01-06T10:00:00+01:00")
    first = json.loads(invoke("whois", "--format", "json").stdout)["on_call"]["id"]
    # next week's engineer goes away: the nearest trade would be with the week in progress
    # (a cycle-local repair used to do exactly that); it must be found elsewhere
    nxt = everything()["2027-01-11"]
    assert nxt is not None and nxt != first
    changes = check(ws, "leave", "add", nxt, "2027-01-11", "2027-01-15")
    assert changes and all(c["week"] > "2027-01-04" for c in changes)
    assert json.loads(invoke("whois", "--format", "json").stdout)["on_call"]["id"] == first
