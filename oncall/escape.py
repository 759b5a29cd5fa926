"""User text made safe for each output format: every writer of both CLIs calls one of these.

Names, reasons, notes and carried-over items are typed by people (or pasted from anywhere), so
they are data, never formatting. One function per place text ends up:

- ``terminal``: C0/C1 control characters (ESC, BEL, backspace, ...) and bidirectional overrides
  are shown as visible ``\\x1b``-style text instead of being sent to the terminal; line breaks
  become spaces unless the text may span lines.
- ``rich_text``: a Rich ``Text`` (never parsed as markup or emoji codes) for tables and titles.
- ``csv_cell``: a cell that a spreadsheet shows as text: one starting with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return gets a leading ``'`` (as OWASP recommends against formula
  injection); a carriage return becomes a line feed (so the cell is quoted), other controls
  are neutralised as for the terminal.
- ``md_inline``: text inside one line of Markdown (a table cell, a list item, a heading): line
  breaks (``\\n``, ``\\r``, U+2028, ...) become spaces, ``|`` and the characters that start
  emphasis, code, links or HTML are backslash-escaped, and so is a leading ``#``.
- ``xml_text``: characters XML 1.0 cannot carry (most C0 controls, lone surrogates, U+FFFE and
  U+FFFF) are dropped.

This module imports only ``re`` at import time (Rich only inside ``rich_text``) and compiles
its patterns on first use (``re`` caches them): it sits on the path of every command, and a
character class beyond ASCII takes about a millisecond to compile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.text import Text

#: line breaks people may paste: LF, CR, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR
_LINE_BREAKS = "\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]"
#: C0 and C1 controls and DEL (tab, LF and CR handled by the callers), plus the bidirectional
#: embeddings, overrides and isolates that can make text read in a different order than it runs
_CONTROLS = "[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
#: what XML 1.0 cannot carry: every character but tab, LF, CR, U+0020..U+D7FF,
#: U+E000..U+FFFD and U+10000..U+10FFFF (spelt as what is left out: a class that lists the
#: astral planes takes milliseconds to compile, on the path of every command)
_NOT_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
#: a cell starting with one of these is a formula (or becomes one) in spreadsheet programs
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: characters that start Markdown inline structure: escapes, code, emphasis, links, HTML,
#: strikethrough and table cells
_MD_ACTIVE = r"([\\`*\[\]<>|~])"
#: ``_`` opens emphasis only at a word's edge (``account_events`` stays as it is)
_MD_UNDERSCORE = r"(?<![^\W_])_|_(?![^\W_])"
#: ``1.`` or ``1)`` at the start: an ordered list
_MD_ORDERED = r"^(\d{1,9})([.)])"


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: object, multiline: bool = False) -> str:
    """``text`` with every control character shown as ``\\xNN`` text; line breaks become one
    space each unless ``multiline`` (then only ``\\n`` stays, CR and the rest become spaces)."""
    value = str(text)
    if multiline:
        value = value.replace("\r\n", "\n")
        value = re.sub("[\r\x0b\x0c\x85\u2028\u2029]", " ", value)
    else:
        value = re.sub(_LINE_BREAKS, " ", value)
    return re.sub(_CONTROLS, _visible, value.replace("\t", " "))


def terminal_tree(data: Any, multiline: bool = False) -> Any:
    """``terminal`` applied to every string in JSON-like ``data`` (dicts, lists, tuples)."""
    if isinstance(data, str):
        return terminal(data, multiline)
    if isinstance(data, dict):
        return {key: terminal_tree(value, multiline) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [terminal_tree(value, multiline) for value in data]
    return data


def rich_text(text: object, style: str = "") -> Text:
    """``text`` as a Rich ``Text``: printed as it is, never read as markup (``[/]``,
    ``[link=...]``) or emoji codes, with controls made visible."""
    from rich.text import Text

    return Text(terminal(text), style=style)


def rich_lines(lines: Iterable[object], style: str = "") -> Text:
    """Several texts as one Rich ``Text``, one per line (each as ``rich_text``)."""
    from rich.text import Text

    return Text("\n").join(rich_text(line, style) for line in lines)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text (numbers and None pass through unchanged)."""
    if not isinstance(value, str):
        return value
    text = terminal(value, multiline=True) if re.search(_CONTROLS, value) else value
    if text.startswith(_FORMULA_START):
        text = "'" + text
    # our CSV ends lines with LF, so the csv module quotes a cell holding LF but not one
    # holding a lone CR, which readers would then take for a line end
    return text.replace("\r\n", "\n").replace("\r", "\n")


def csv_row(values: Iterable[object]) -> list[object]:
    """``csv_cell`` of each value of a row."""
    return [csv_cell(value) for value in values]


def md_inline(text: object) -> str:
    """``text`` as literal Markdown inside one line: no new lines, rows, headings, emphasis,
    code, links or HTML."""
    value = re.sub(_MD_ACTIVE, r"\\\1", terminal(text).strip())
    value = re.sub(_MD_UNDERSCORE, r"\\_", value)
    # at the start of a list item or cell these would open a heading, list, quote or rule
    if value.startswith(("#", "-", "+", "=")):
        value = "\\" + value
    return re.sub(_MD_ORDERED, r"\1\\\2", value)


def xml_text(text: object) -> str:
    """``text`` without the characters XML 1.0 cannot carry (so any XML parser reads it)."""
    return re.sub(_NOT_XML, "", str(text))
