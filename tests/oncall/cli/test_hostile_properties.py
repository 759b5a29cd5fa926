"""Any text in any free-text field: every output format of every command stays parseable.

Hypothesis writes arbitrary text (control characters, Rich markup, spreadsheet formulas, line
breaks of every kind, Markdown, right-to-left marks, emoji) into the names of a rotation, a
member and a runbook, a leave reason, a swap note and a carried-over item, then runs every
reading command in every format and reads each output with the parser made for it: JSON,
the csv module, a CommonMark parser with tables, two iCalendar parsers, xml.etree for JUnit.
Text a field may not hold (control characters, blank where text is required) must be refused
with one ``error:`` line and exit 2; nothing may ever crash.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from oncall.config import limits
from tests.conftest import REPO
from tests.invoke import oncall

from ..calendar.strict import parse as parse_ics

FRAGMENTS = [
    "[/]",
    "[/red]",
    "[link=http://evil.example]x[/link]",
    ":smile:",
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(A1)",
    "+1",
    "-1",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x85",
    "\u2028",
    "\x1b[2J",
    "\x1b]8;;http://evil.example\x07",
    "\x07",
    "\x00",
    "\x9b",
    "\u202e",
    "\u200f",
    "\u05e9\u05dc\u05d5\u05dd",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "|",
    "# ",
    "## ",
    "- ",
    "1. ",
    "> ",
    "`",
    "*",
    "_",
    "<b>",
    "&amp;",
    "\\",
    '"',
    "'",
    ",",
    ";",
    ":",
    "{a: 1}",
    "&anchor",
    "*alias",
    "!!python/object",
    "%",
    " ",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), min_size=1, max_size=6
).map("".join)

DE = "schedules/data-engineering.yaml"
WINDOW = ("--start", "2027-03-01", "-n", "4")
#: CommonMark block structure user text must never create
STRUCTURE = {"heading_open", "html_block", "blockquote_open", "hr", "fence", "code_block"}


def acceptable(text: str, limit: int, required: bool = False) -> bool:
    """Whether a field of at most ``limit`` characters may hold ``text``."""
    if required and not text.strip():
        return False
    return limits.text_problem(text, limit) is None


def invoke(root: Path, *args: str) -> Any:
    return oncall(*args, env={"ONCALL_WORKSPACE": str(root)})


def refused(result: Any) -> None:
    """A clean refusal: exit 2, only ``error:`` lines, nothing on stdout."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), lines
    assert not any(c in result.stderr for c in "\x1b\x07\x00\x9b\r")


def readable(text: str) -> None:
    """No terminal control may come through; line breaks and tabs only as layout."""
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, (bad, text)
    assert not set(text) & {"\u202e", "\u2028", "\u2029"}


def markdown(text: str, rows: int | None = None) -> list[Any]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    if rows is not None:
        assert sum(1 for t in tokens if t.type == "tr_open") == rows, text
    return tokens


def spreadsheet_safe(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    return rows


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar: printable ASCII as is, the rest escaped."""
    out = []
    for char in text:
        code = ord(char)
        if 0x20 <= code < 0x7F and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


def every_output(root: Path, texts: dict[str, str]) -> None:
    """Every reading command in every format, each output read by its parser."""
    ok = {}
    for args in [
        ("validate",),
        ("owners",),
        ("runbook", "profit"),
        ("runbook", "list"),
        ("schedule", *WINDOW),
        ("leave", "list"),
        ("swap", "list"),
        ("fairness",),
    ]:
        formats = {
            "validate": ["text"],
            "owners": ["table", "json"],
            "runbook": ["text", "md", "json"],
        }.get(args[0], ["table", "json", "csv", "md"])
        for output in formats:
            extra = () if args[0] == "validate" else ("--format", output)
            result = invoke(root, *args, *extra)
            assert result.exit_code == 0, (args, output, result.output)
            ok[(args[0], args[1] if len(args) > 1 else "", output)] = result.stdout
            if output == "json":
                json.loads(result.stdout)
            elif output == "csv":
                spreadsheet_safe(result.stdout)
            else:
                readable(result.stdout)
            if output == "md":
                assert not {t.type for t in markdown(result.stdout)} & STRUCTURE - {"heading_open"}
    # the JSON carries people's text exactly as typed
    leave = json.loads(ok[("leave", "list", "json")])
    assert {row["reason"] or "" for row in leave if row["member"] == "bob"} == {texts["reason"]}
    swaps = json.loads(ok[("swap", "list", "json")])
    assert [s["note"] or "" for s in swaps] == [texts["note"]]
    # Markdown tables keep their rows: header plus one per entry
    markdown(ok[("leave", "list", "md")], rows=1 + len(leave))
    markdown(ok[("swap", "list", "md")], rows=1 + len(swaps))
    markdown(ok[("schedule", "--start", "md")], rows=(1 + 4) + (1 + 4))
    runbook_md = markdown(ok[("runbook", "profit", "md")])
    assert [t.tag for t in runbook_md if t.type == "heading_open"][:1] == ["h1"]
    assert sum(1 for t in runbook_md if t.type == "heading_open" and t.tag == "h1") == 1

    for args in (("whois",), ("whois", "profit", "--at", "2027-03-02T03:00")):
        for output in ("text", "json"):
            result = invoke(root, *args, "--format", output)
            assert result.exit_code == 0, result.output
            if output == "json":
                json.loads(result.stdout)
            else:
                readable(result.stdout)
    for output in ("md", "json"):
        result = invoke(root, "handoff", "--date", "2027-03-01", "--format", output)
        assert result.exit_code == 0, result.output
        if output == "json":
            agenda = json.loads(result.stdout)
            assert [i["text"] for i in agenda["carried_over"]] == [texts["item"].strip()]
        else:
            readable(result.stdout)
            tokens = markdown(result.stdout)
            levels = [t.tag for t in tokens if t.type == "heading_open"]
            assert levels == ["h1", "h2", "h2", "h3", "h3", "h3", "h3", "h2", "h2"], levels
            assert not {t.type for t in tokens} & STRUCTURE - {"heading_open"}
    items = invoke(root, "handoff", "items")
    assert items.exit_code == 0 and len(items.stdout.splitlines()) == 1
    readable(items.stdout)
    for member in ((), ("--member", "bob")):
        result = invoke(root, "ical", *member, "--start", "2027-03-01", "--weeks", "4")
        assert result.exit_code == 0, result.output
        parse_ics(result.stdout_bytes)


def cleaned(text: str) -> str:
    """What a field may hold of ``text``: no control characters, not blank."""
    return re.sub(limits.FORBIDDEN_CHARACTERS, "", text).strip() or "x"


def write_names(root: Path, names: dict[str, str]) -> None:
    """The rotation's, bob's and the Profit runbook's names (on a fresh copy of the files)."""
    for part in ("schedules", "runbooks"):
        shutil.rmtree(root / part, ignore_errors=True)
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("*.lock"))
    edit(root, DE, "name: Data Engineering Team", f"name: {yaml_quoted(names['rotation'])}")
    edit(root, DE, "name: Bob Brown", f"name: {yaml_quoted(names['member'])}")
    edit(root, "runbooks/profit.yaml", "name: Profit", f"name: {yaml_quoted(names['runbook'])}")


def junit_with(text: str) -> None:
    from pipelines.checks import report

    check = {
        "id": "kafka_gap",
        "status": "fail",
        "count": 1,
        "summary": text,
        "details": [{"note": text}],
        "threshold": {"min_gap_minutes": 15.0},
        "remediation": text,
    }
    root = ET.fromstring(report.junit_xml({"pipelines": [{"pipeline": "x", "checks": [check]}]}))
    assert root.find("testsuite").find("testcase").find("failure") is not None


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    # each example runs some forty commands: shrinking a failure would take many minutes, and
    # the failing example is printed as found
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rotation_name=hostile_text,
    member_name=hostile_text,
    runbook_name=hostile_text,
    # a reason starting with ":" or "?" is written unquoted into a flow mapping and the rotation
    # file no longer parses: a known defect of the rotation store, pinned by an xfail in
    # test_hostile_output.py and left to the store's rewrite
    reason=hostile_text.filter(lambda text: not text.startswith((":", "?"))),
    note=hostile_text,
    item=hostile_text,
)
@example(
    rotation_name="Data [/] Team\r## Evil",
    member_name="Bob\u202e [link=x]y[/link] \U0001f600",
    runbook_name="# Profit\n| a | b |",
    reason='=HYPERLINK("http://evil.example","x")\n## y',
    note="",
    item="- [x] done\r\n# heading",
)
@example(
    rotation_name="ok",
    member_name="\x1b[2J",
    runbook_name="ok",
    reason="x",
    note="x",
    item="x",
)
@example(
    rotation_name="ok",
    member_name="ok",
    runbook_name="ok",
    reason="bell\x07",
    note="\x00",
    item="   ",
)
def test_any_text_in_any_field_keeps_every_output_parseable(
    rotation_name: str, member_name: str, runbook_name: str, reason: str, note: str, item: str
) -> None:
    junit_with(reason + note + item)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        names = {"rotation": rotation_name, "member": member_name, "runbook": runbook_name}
        write_names(root, names)
        if not all(acceptable(text, limits.MAX_NAME, required=True) for text in names.values()):
            for args in (("validate",), ("handoff",), ("handoff", "--format", "json")):
                refused(invoke(root, *args))
            # then with what the fields may hold, so that every output is still read
            write_names(root, {field: cleaned(text) for field, text in names.items()})

        texts = {"reason": reason, "note": note, "item": item}
        commands = {
            "reason": lambda text: ("leave", "add", "bob", "2027-03-08", f"--reason={text}"),
            "note": lambda text: ("swap", "add", "2027-03-15", "2027-03-22", f"--note={text}"),
            "item": lambda text: ("handoff", "carry", "--", text),
        }
        for field, command in commands.items():
            text = texts[field]
            if not acceptable(text, limits.MAX_NOTE, required=field == "item"):
                refused(invoke(root, *command(text)))
                # then with what the field may hold, so that every output is still read
                text = cleaned(text)
                texts[field] = text
            result = invoke(root, *command(text))
            assert result.exit_code == 0, (field, result.output)
            readable(result.stdout)
        every_output(root, texts)
