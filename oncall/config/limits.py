"""The documented bounds of every input (docs/workspace.md, "Limits and hostile input").

Files, command-line text and dates are checked against these before anything works with them,
so no input can make a command run for minutes, print megabytes or crash.
"""

from __future__ import annotations

import re
from datetime import date

#: the dates the tool works with; anything outside is refused with one line (exit 2)
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2199, 12, 31)

#: a YAML file of the workspace (rotation, runbook, teams, state) is read up to this size
MAX_FILE_BYTES = 5_000_000
#: values a YAML file may hold once its aliases are expanded (a "billion laughs" stops here)
MAX_YAML_VALUES = 100_000
#: digits of a whole number in YAML (Python refuses beyond 4300 digits, with a traceback)
MAX_NUMBER_DIGITS = 30

#: a one-line text field: names, ids, emails, phones, titles, time zones
MAX_NAME = 200
#: a short free text: a leave reason, a swap note, a carried-over item, an SLA summary
MAX_NOTE = 500
#: a long free text: descriptions, symptoms, remediation steps
MAX_LONG_TEXT = 10_000
#: members of one rotation
MAX_MEMBERS = 100
#: items of any other list in a file (leave per member, teams, swaps, published weeks, ...)
MAX_LIST = 10_000

#: fields holding long free text, by key
LONG_TEXT_KEYS = frozenset({"description", "remediation", "symptoms"})
#: fields holding a short free text, by key
NOTE_KEYS = frozenset({"reason", "note", "text", "summary", "arrives", "hours"})
#: lists with a tighter bound than ``MAX_LIST``, by key
LIST_LIMITS = {"members": MAX_MEMBERS}


#: control characters no text may hold: all C0 but tab, LF and CR, DEL, C1, lone surrogates and
#: the non-characters U+FFFE/U+FFFF (terminals act on them; XML cannot carry them)
FORBIDDEN_CHARACTERS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"


def text_problem(value: str, limit: int) -> str | None:
    """Why ``value`` is not an acceptable text of at most ``limit`` characters, or None."""
    if len(value) > limit:
        return f"longer than {limit:,} characters ({len(value):,})"
    bad = re.search(FORBIDDEN_CHARACTERS, value)  # compiled on first use, then cached
    if bad is not None:
        return f"control character U+{ord(bad.group()):04X} is not allowed"
    return None


def checked_text(value: str | None, what: str, limit: int = MAX_NOTE) -> str | None:
    """A text given on the command line, or ``UsageError`` (exit 2) naming ``what``."""
    if value is None:
        return None
    problem = text_problem(value, limit)
    if problem is not None:
        from oncall.errors import UsageError

        raise UsageError(f"{what}: {problem}")
    return value


def text_limit(key: str) -> int:
    """The longest text a field called ``key`` may hold."""
    if key in LONG_TEXT_KEYS:
        return MAX_LONG_TEXT
    if key in NOTE_KEYS:
        return MAX_NOTE
    return MAX_NAME


def date_problem(value: date) -> str | None:
    """Why ``value`` is outside the dates the tool works with, or None."""
    if FIRST_DATE <= value <= LAST_DATE:
        return None
    return (
        f"{value.isoformat()} is outside the supported dates "
        f"{FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}"
    )
