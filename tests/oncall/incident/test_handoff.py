"""`oncall handoff`: the Monday agenda, golden under a fixed clock, and carried-over items."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from oncall import history
from oncall.incident import handoff
from tests.invoke import oncall as invoke

GOLDEN = Path(__file__).parent / "golden"


def agenda(*args: str) -> dict:
    result = invoke("handoff", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def record_diagnoses(root: Path) -> None:
    history.record_runs(
        root,
        [
            {"at": "2027-01-27T08:00:00+00:00", "pipeline": "profit", "status": "ok", "checks": []},
            {"at": "2027-01-27T08:00:00+00:00", "pipeline": "engagement", "status": "ok"},
        ],
    )
    history.record_runs(
        root,
        [
            {
                "at": "2027-01-28T08:00:00+00:00",
                "pipeline": "profit",
                "status": "fail",
                "checks": [
                    {"id": "filing_discrepancy", "status": "ok", "count": 0},
                    {"id": "cost_data_delay", "status": "fail", "count": 1},
                ],
            }
        ],
    )
    history.record_runs(
        root,
        [
            {
                "at": "2027-01-29T08:00:00+00:00",
                "pipeline": "profit",
                "status": "fail",
                "checks": [{"id": "cost_data_delay", "status": "fail", "count": 1}],
            },
            {
                "at": "2027-01-29T08:00:00+00:00",
                "pipeline": "growth",
                "status": "fail",
                "checks": [
                    {"id": "missing_current_status", "status": "fail", "count": 1},
                    {"id": "skipped_states", "status": "warn", "count": 2},
                ],
            },
        ],
    )


def test_golden_agenda(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The agenda of the week of Mon 1 Feb 2027 (alice on leave, swapped) as of Sat 30 Jan."""
    monkeypatch.setenv("ONCALL_NOW", "2027-01-30T12:00:00+01:00")
    record_diagnoses(workspace)
    carried = invoke("handoff", "carry", "Chase Ops for the December costs", "--owner", "dev")
    assert carried.exit_code == 0, carried.output
    assert carried.stdout == "carried over #1: Chase Ops for the December costs\n"
    result = invoke("handoff", "--date", "2027-02-03")
    assert result.exit_code == 0, result.output
    golden = GOLDEN / "handoff-2027-02-01.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()


def test_outgoing_incoming_and_meeting(workspace: Path) -> None:
    data = agenda("--date", "2027-01-11")
    assert data["week"] == {"start": "2027-01-11", "end": "2027-01-17"}
    assert data["meeting"] == {
        "start": "2027-01-11T09:30:00+01:00",
        "end": "2027-01-11T10:00:00+01:00",
        "minutes": 30,
    }
    assert data["shift_end"] == "2027-01-18T09:30:00+01:00"
    schedule = invoke("schedule", "--start", "2027-01-04", "--weeks", "2", "--format", "json")
    weeks = json.loads(schedule.stdout)["weeks"]
    assert data["outgoing"]["id"] == weeks[0]["engineer"]
    assert data["incoming"]["id"] == weeks[1]["engineer"]
    assert data["outgoing"]["id"] != data["incoming"]["id"]


def test_any_day_means_its_week(workspace: Path) -> None:
    assert agenda("--date", "2027-01-17")["week"]["start"] == "2027-01-11"


def test_default_is_this_week(workspace: Path) -> None:
    # the suite's clock is Wed 6 Jan 2027
    assert agenda()["week"]["start"] == "2027-01-04"


def test_holiday_week_lists_each_members_holidays(workspace: Path) -> None:
    data = agenda("--date", "2027-01-25")
    assert {"member": "dev", "date": "2027-01-26", "name": "Republic Day"} in data["holidays"]
    assert all(h["member"] != "alice" for h in data["holidays"])


def test_leave_and_swaps_touching_the_week(workspace: Path) -> None:
    leave_week = agenda("--date", "2027-02-01")
    assert leave_week["leave"] == [
        {"member": "alice", "start": "2027-02-01", "end": "2027-02-05", "reason": "ski trip"}
    ]
    assert "alice on leave" in leave_week["reason"]
    swapped = invoke("swap", "add", "2027-03-01", "2027-03-08", "--note", "conference")
    assert swapped.exit_code == 0, swapped.output
    data = agenda("--date", "2027-03-08")
    assert [s["note"] for s in data["swaps"]] == ["conference"]
    assert not data["swaps"][0]["undone"]


def test_month_end_week_is_called_out(workspace: Path) -> None:
    data = agenda("--date", "2027-01-25")
    aggregated = next(p for p in data["pipelines"] if p["pipeline"] == "aggregated")
    assert aggregated["deadlines"] == [
        {
            "name": "Month-end reporting to executives and investors",
            "at": "2027-01-31T12:00:00+01:00",
            "timezone": "Europe/Berlin",
            "owner": "Business Analytics Team",
        }
    ]
    assert any(note.startswith("last week of January") for note in aggregated["sla"])
    earlier = agenda("--date", "2027-01-11")
    aggregated = next(p for p in earlier["pipelines"] if p["pipeline"] == "aggregated")
    assert aggregated["deadlines"] == []
    assert not any("month-end" in note for note in aggregated["sla"])


def test_weekly_growth_deadline_and_engagement_window(workspace: Path) -> None:
    data = agenda("--date", "2027-01-11")
    growth = next(p for p in data["pipelines"] if p["pipeline"] == "growth")
    assert [d["at"] for d in growth["deadlines"]] == ["2027-01-15T17:00:00+01:00"]
    engagement = next(p for p in data["pipelines"] if p["pipeline"] == "engagement")
    assert engagement["sla"][0].startswith(
        "48-hour arrival window: data of events up to Sat 16 Jan"
    )


def test_profit_bi_agenda_covers_only_profit(workspace: Path) -> None:
    data = agenda("--rotation", "profit-bi", "--date", "2027-01-04")
    assert [p["pipeline"] for p in data["pipelines"]] == ["profit"]
    assert data["meeting"]["start"] == "2027-01-04T10:00:00+00:00"


def test_latest_diagnose_and_since_when(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_NOW", "2027-01-30T12:00:00+01:00")
    record_diagnoses(workspace)
    data = agenda("--date", "2027-02-01")
    by_id = {p["pipeline"]: p["diagnose"] for p in data["pipelines"]}
    assert by_id["profit"] == {
        "status": "fail",
        "at": "2027-01-29T08:00:00+00:00",
        "since": "2027-01-28T08:00:00+00:00",
        "failing": ["cost_data_delay"],
        "findings": [{"id": "cost_data_delay", "status": "fail", "count": 1}],
    }
    assert by_id["engagement"]["status"] == "ok"
    assert by_id["growth"]["findings"] == [
        {"id": "missing_current_status", "status": "fail", "count": 1},
        {"id": "skipped_states", "status": "warn", "count": 2},
    ]
    assert by_id["aggregated"] is None


def test_findings_by_status_worst_first() -> None:
    findings = [
        {"id": "duplicate_events", "status": "warn", "count": 75},
        {"id": "kafka_gap", "status": "fail", "count": 1},
        {"id": "late_arrivals", "status": "error", "count": 0},
    ]
    assert handoff._findings(findings, "error") == (
        ": late_arrivals; fail: kafka_gap (1 gap); warn: duplicate_events (75 surplus rows)"
    )
    # a group not matching the pipeline's status (a hand-edited history) keeps its label
    assert handoff._findings(findings[:1], "fail") == ": warn: duplicate_events (75 surplus rows)"
    assert handoff._findings([], "ok") == ""


def test_items_carry_and_close(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("handoff", "carry", "first").exit_code == 0
    assert invoke("handoff", "carry", "second", "--owner", "bob").exit_code == 0
    monkeypatch.setenv("ONCALL_NOW", "2027-01-12T10:00:00+01:00")
    closed = invoke("handoff", "close", "1")
    assert closed.exit_code == 0, closed.output
    assert closed.stdout == "closed #1: first\n"
    # the week of 11 Jan still shows #1 (closed after its Monday); the week after does not
    assert [i["id"] for i in agenda("--date", "2027-01-11")["carried_over"]] == [1, 2]
    assert [i["id"] for i in agenda("--date", "2027-01-18")["carried_over"]] == [2]
    listed = invoke("handoff", "items", "--all")
    assert listed.stdout.splitlines() == [
        "- [x] #1 first, since 2027-01-06",
        "- [ ] #2 second (bob), since 2027-01-06",
    ]
    text = (workspace / "schedules" / "data-engineering" / "handoff.yaml").read_text()
    assert "closed: 2027-01-12" in text


def test_item_errors(workspace: Path) -> None:
    unknown_owner = invoke("handoff", "carry", "x", "--owner", "zoe")
    assert unknown_owner.exit_code == 2
    assert unknown_owner.stderr.splitlines() == [
        "error: --owner: unknown member 'zoe' of data-engineering (known: alice, bob, chloe, dev)"
    ]
    missing = invoke("handoff", "close", "7")
    assert missing.exit_code == 2
    assert missing.stderr.splitlines() == [
        "error: ID: no item 7 in data-engineering (open: none open)"
    ]


def test_hand_edited_items_file_errors_name_the_field(workspace: Path) -> None:
    path = workspace / "schedules" / "data-engineering" / "handoff.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("items:\n  - {id: 1, text: x, added: 2027-01-32}\n")
    result = invoke("handoff")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering/handoff.yaml: items[0].added: '2027-01-32' is not a "
        "valid date (expected YYYY-MM-DD)"
    ]


def test_bad_date_is_usage_error(workspace: Path) -> None:
    result = invoke("handoff", "--date", "2027-02-30")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --date: '2027-02-30' is not a valid date (YYYY-MM-DD)"
    ]


def test_a_bad_byte_in_the_history_warns_once_and_keeps_the_rest(workspace: Path) -> None:
    runs = [
        {"at": "2027-01-05T08:00:00+00:00", "pipeline": "profit", "status": "fail"},
        {"at": "2027-01-05T08:00:00+00:00", "pipeline": "growth", "status": "ok"},
    ]
    history.record_runs(workspace, runs[:1])
    path = history.history_path(workspace)
    with open(path, "ab") as handle:
        handle.write(b"\xff\xfe not UTF-8\n")
    history.record_runs(workspace, runs[1:])
    result = invoke("handoff")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {path}: skipped 1 unreadable line(s) of the diagnose history"
    ]
    assert result.stdout.count("Last diagnose: none recorded") == 2
    assert "**fail** since" in result.stdout and "**ok** since" in result.stdout


@pytest.mark.parametrize("shape", ["folder", "state-is-a-file", "checks-5"])
def test_a_broken_history_is_never_a_traceback(workspace: Path, shape: str) -> None:
    path = history.history_path(workspace)
    if shape == "folder":
        path.mkdir(parents=True)
    elif shape == "state-is-a-file":
        path.parent.write_text("x")
    else:
        path.parent.mkdir()
        path.write_text(
            '{"at": "2027-01-05T08:00:00+00:00", "pipeline": "profit", "status": "fail", '
            '"checks": 5}\n'
        )
    for output in ("md", "json"):
        result = invoke("handoff", "--format", output)
        assert result.exit_code == 0, result.output
        assert len(result.stderr.splitlines()) == (0 if shape == "checks-5" else 1)
    if shape == "checks-5":
        assert "**fail** since" in invoke("handoff").stdout


def test_carry_where_the_state_folder_is_a_file_is_one_line(workspace: Path) -> None:
    (workspace / "schedules" / "data-engineering").write_text("not a folder")
    result = invoke("handoff", "carry", "chase costs")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering/handoff.yaml: cannot write (File exists)"
    ]
    assert invoke("handoff").exit_code == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_carry_in_a_read_only_workspace_is_one_line(workspace: Path) -> None:
    schedules = workspace / "schedules"
    schedules.chmod(0o555)
    try:
        result = invoke("handoff", "carry", "chase costs")
    finally:
        schedules.chmod(0o755)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: schedules/data-engineering/handoff.yaml: cannot write (Permission denied)"
    ]
