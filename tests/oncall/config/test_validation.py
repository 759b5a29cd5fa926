"""Malformed workspace files: each gives exactly one clear line naming file and field, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.cli.app import app

DE = "schedules/data-engineering.yaml"
BI = "schedules/profit-bi.yaml"
TEAMS = "schedules/teams.yaml"


def edit(root: Path, name: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) by ``new`` in a workspace file."""
    path = root / name
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new))


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text)


MINIMAL_MEMBER = "  - {id: ann, name: Ann, email: ann@example.com, phone: '+1 555 0100'}\n"

# (case id, file, old text, new text, the one expected line)
EDITS = [
    (
        "yaml-syntax",
        DE,
        "name: Data Engineering Team",
        "name: [Data Engineering Team",
        f"{DE}: line 5, column 9: invalid YAML: did not find expected ',' or ']'",
    ),
    (
        "duplicate-yaml-key",
        DE,
        "timezone: Europe/Berlin\n",
        "timezone: Europe/Berlin\ntimezone: UTC\n",
        f"{DE}: line 6, column 1: invalid YAML: duplicate key 'timezone'",
    ),
    (
        "unknown-key",
        DE,
        "    name: Bob Brown\n",
        "    name: Bob Brown\n    pager: true\n",
        f"{DE}: members[1].pager: unknown key",
    ),
    (
        "misspelt-key",
        BI,
        "timezone: Europe/London",
        "timezon: Europe/London",
        f"{BI}: timezon: unknown key (did you mean 'timezone'?)",
    ),
    (
        "impossible-date",
        DE,
        "{start: 2027-02-01, end: 2027-02-05, reason: ski trip}",
        "{start: 2027-02-30, end: 2027-03-05, reason: ski trip}",
        f"{DE}: members[0].leave[0].start: '2027-02-30' is not a valid date (expected YYYY-MM-DD)",
    ),
    (
        "leave-ends-before-start",
        DE,
        "{start: 2027-04-12, end: 2027-04-23, reason: wedding and honeymoon}",
        "{start: 2027-04-12, end: 2027-04-02, reason: wedding and honeymoon}",
        f"{DE}: members[2].leave[0].end: before start",
    ),
    (
        "unknown-time-zone",
        DE,
        "timezone: Europe/Berlin",
        "timezone: Europe/Berln",
        f"{DE}: timezone: unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)",
    ),
    (
        "unknown-country",
        DE,
        "holidays: {country: US, subdiv: CA}",
        "holidays: {country: XX}",
        f"{DE}: members[1].holidays.country: unknown holiday country 'XX'",
    ),
    (
        "unknown-subdivision",
        BI,
        "holidays: {country: GB, subdiv: ENG}",
        "holidays: {country: GB, subdiv: LDN}",
        f"{BI}: holidays.subdiv: unknown subdivision 'LDN' of GB (known: ENG, NIR, SCT, WLS)",
    ),
    (
        "duplicate-member-id",
        BI,
        "  - id: george",
        "  - id: fatima",
        f"{BI}: members[1].id: duplicate id 'fatima' (also members[0])",
    ),
    (
        "start-not-monday",
        DE,
        "start: 2027-01-04          # a Monday",
        "start: 2027-01-05          # not a Monday",
        f"{DE}: rotation.start: 2027-01-05 is a Tuesday, not a Monday",
    ),
    (
        "bad-handoff-time",
        BI,
        'handoff: "10:00"',
        'handoff: "25:00"',
        f"{BI}: rotation.handoff: '25:00' is not a valid time (expected HH:MM)",
    ),
    (
        "missing-field",
        BI,
        '    phone: "+44 20 7946 0103"\n',
        "",
        f"{BI}: members[2].phone: required field is missing",
    ),
    (
        "unquoted-number-phone",
        BI,
        'phone: "+44 20 7946 0101"',
        "phone: 442079460101",
        f"{BI}: members[0].phone: expected text, got 442079460101",
    ),
    (
        "not-an-email",
        BI,
        "email: george@example.com",
        "email: george.example.com",
        f"{BI}: members[1].email: 'george.example.com' is not an email address",
    ),
    (
        "runbook-names-missing-rotation",
        "runbooks/profit.yaml",
        "rotation: profit-bi ",
        "rotation: profit-b ",
        "runbooks/profit.yaml: on_call.rotation: unknown rotation 'profit-b' "
        "(known: data-engineering, profit-bi)",
    ),
    (
        "runbook-names-missing-team",
        "runbooks/profit.yaml",
        "primary: [Finance Team, Risk Team]",
        "primary: [Finance Team, Risk Teem]",
        "runbooks/profit.yaml: owners.primary[1]: unknown team 'Risk Teem' "
        "(did you mean 'Risk Team'?)",
    ),
    (
        "unknown-check-id",
        "runbooks/engagement.yaml",
        "  - id: kafka_gap\n",
        "  - id: kafka_gaps\n",
        "runbooks/engagement.yaml: common_issues[1].id: unknown check id 'kafka_gaps' "
        "(did you mean 'kafka_gap'?)",
    ),
    (
        "check-of-another-pipeline",
        "runbooks/growth.yaml",
        "  - id: skipped_states\n",
        "  - id: duplicate_events\n",
        "runbooks/growth.yaml: common_issues[1].id: 'duplicate_events' is a check of "
        "engagement, not of growth",
    ),
    (
        "unknown-policy",
        "runbooks/growth.yaml",
        "policy: working-hours ",
        "policy: office-hours ",
        "runbooks/growth.yaml: on_call.policy: 'office-hours' is not one of 'immediate', "
        "'working-hours' or 'month-end-watch'",
    ),
    (
        "runbook-id-not-a-pipeline",
        "runbooks/growth.yaml",
        "id: growth",
        "id: grwoth",
        "runbooks/growth.yaml: id: 'grwoth' is not a pipeline (did you mean 'growth'?) "
        "(known: profit, growth, engagement, aggregated)",
    ),
    (
        "threshold-out-of-range",
        "runbooks/aggregated.yaml",
        "join_skew: {max_key_share: 0.20}",
        "join_skew: {max_key_share: 1.5}",
        "runbooks/aggregated.yaml: thresholds.join_skew.max_key_share: must be greater than 0 "
        "and at most 1",
    ),
    (
        "threshold-of-another-pipeline",
        "runbooks/aggregated.yaml",
        "join_skew: {max_key_share: 0.20}",
        "kafka_gap: {min_gap_minutes: 5}",
        "runbooks/aggregated.yaml: thresholds.kafka_gap: 'kafka_gap' is a check of engagement, "
        "not of aggregated",
    ),
    (
        "weekly-deadline-without-weekday",
        "runbooks/growth.yaml",
        "      weekday: fri\n",
        "",
        "runbooks/growth.yaml: sla.deadlines[0].weekday: a weekly deadline needs a weekday "
        "(mon..sun)",
    ),
    (
        "team-names-missing-rotation",
        TEAMS,
        "rotation: profit-bi",
        "rotation: finance-bi",
        f"{TEAMS}: teams[0].rotation: unknown rotation 'finance-bi' "
        "(known: data-engineering, profit-bi)",
    ),
]

# (case id, file, whole content, the one expected line)
FILES = [
    (
        "empty-member-list",
        "schedules/tiny.yaml",
        "name: Tiny\ntimezone: UTC\nrotation: {start: 2027-01-04}\nmembers: []\n",
        "schedules/tiny.yaml: members: the rotation has no members",
    ),
    ("empty-file", "schedules/tiny.yaml", "", "schedules/tiny.yaml: the file is empty"),
    (
        "top-level-list",
        "schedules/tiny.yaml",
        "- alice\n- bob\n",
        "schedules/tiny.yaml: expected a mapping of keys to values at the top level",
    ),
    (
        "leave-not-a-list",
        "schedules/tiny.yaml",
        "name: Tiny\ntimezone: UTC\nrotation: {start: 2027-01-04}\nmembers:\n"
        + MINIMAL_MEMBER.rstrip("}\n")
        + ", leave: {start: 2027-01-01, end: 2027-01-02}}\n",
        "schedules/tiny.yaml: members[0].leave: expected a list",
    ),
    (
        "bad-rotation-file-name",
        "schedules/Night Shift.yaml",
        "name: Night\ntimezone: UTC\nrotation: {start: 2027-01-04}\nmembers:\n" + MINIMAL_MEMBER,
        "schedules/Night Shift.yaml: rotation id (the file name) 'Night Shift' may only use "
        "a-z, 0-9, '-' and '_' (starting a-z or 0-9)",
    ),
    (
        "not-utf8",
        "schedules/tiny.yaml",
        "name: Caf\udce9\n",
        "schedules/tiny.yaml: not UTF-8 text (invalid continuation byte)",
    ),
]


def run_validate() -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["validate"], catch_exceptions=False)
    return result.exit_code, result.stderr.splitlines(), result.stdout


@pytest.mark.parametrize(
    ("case", "name", "old", "new", "expected"), EDITS, ids=[e[0] for e in EDITS]
)
def test_edited_file_gives_one_exact_line(
    workspace: Path, case: str, name: str, old: str, new: str, expected: str
) -> None:
    edit(workspace, name, old, new)
    code, errors, _ = run_validate()
    assert code == 2
    assert errors == [f"error: {expected}"]


@pytest.mark.parametrize(("case", "name", "content", "expected"), FILES, ids=[f[0] for f in FILES])
def test_malformed_file_gives_one_exact_line(
    workspace: Path, case: str, name: str, content: str, expected: str
) -> None:
    (workspace / name).write_bytes(content.encode("utf-8", "surrogateescape"))
    code, errors, _ = run_validate()
    assert code == 2
    assert errors == [f"error: {expected}"]


def test_bundled_workspace_is_valid(workspace: Path) -> None:
    code, errors, out = run_validate()
    assert code == 0, errors
    assert errors == []
    assert out.strip() == f"{workspace}: 7 files valid"


def test_every_problem_of_every_file_is_listed(workspace: Path) -> None:
    edit(workspace, DE, "timezone: Europe/Berlin", "timezone: Mars/Olympus")
    edit(workspace, "runbooks/profit.yaml", "rotation: profit-bi ", "rotation: nobody ")
    code, errors, _ = run_validate()
    assert code == 2
    assert errors == [
        f"error: {DE}: timezone: unknown time zone 'Mars/Olympus'",
        "error: runbooks/profit.yaml: on_call.rotation: unknown rotation 'nobody' "
        "(known: data-engineering, profit-bi)",
    ]


def test_norway_and_colon_times_are_read_as_written(workspace: Path) -> None:
    """YAML 1.1 would read NO as false and 10:30 as 630; the workspace reader does not."""
    edit(workspace, BI, "holidays: {country: GB, subdiv: ENG}", "holidays: {country: NO}")
    edit(workspace, BI, 'handoff: "10:00"', "handoff: 10:30")
    code, errors, _ = run_validate()
    assert (code, errors) == (0, [])


def test_validate_json_lists_problems(workspace: Path) -> None:
    import json

    edit(
        workspace, DE, "{start: 2027-02-01, end: 2027-02-05", "{start: 2027-02-01, end: 2027-01-05"
    )
    result = CliRunner().invoke(app, ["validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["problems"] == [f"{DE}: members[0].leave[0].end: before start"]


def test_a_broken_file_does_not_hide_behind_the_cache(workspace: Path) -> None:
    """Validated files are cached; an edit after a successful run must be seen at once."""
    assert run_validate()[0] == 0
    edit(workspace, BI, "  - id: george", "  - id: fatima")
    code, errors, _ = run_validate()
    assert code == 2
    assert errors == [f"error: {BI}: members[1].id: duplicate id 'fatima' (also members[0])"]


def test_state_files_the_cli_writes_are_validated_too(workspace: Path) -> None:
    state = workspace / "schedules" / "data-engineering"
    state.mkdir()
    (state / "swaps.yaml").write_text("swaps:\n  - {id: 1, weeks: [], note: x, colour: red}\n")
    code, errors, _ = run_validate()
    assert code == 2
    assert errors == ["error: schedules/data-engineering/swaps.yaml: swaps[0].colour: unknown key"]


def test_calendar_ledger_and_handoff_items_are_validated_too(workspace: Path) -> None:
    state = workspace / "schedules" / "profit-bi"
    state.mkdir()
    (state / "handoff.yaml").write_text("items:\n  - {id: 1, text: x, added: 2027-01-04, by: me}\n")
    (state / "calendar.yaml").write_text("events: 7\n")
    code, errors, _ = run_validate()
    assert code == 2
    assert len(errors) == 2
    assert errors[1] == "error: schedules/profit-bi/handoff.yaml: items[0].by: unknown key"
    assert errors[0].startswith("error: schedules/profit-bi/calendar.yaml: events")
