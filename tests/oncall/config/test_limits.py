"""Bounded input (issue 14, items 4, 5, 9, 10, 11): hostile files and dates give one line, exit 2.

Every case is the reported reproduction on a copy of the bundled workspace; each must answer
in well under a second with exactly one ``error:`` line and no traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from oncall.config import limits
from tests.invoke import oncall as invoke

DE = "schedules/data-engineering.yaml"
PROFIT = "runbooks/profit.yaml"


def one_error(*args: str, env: dict[str, str] | None = None) -> str:
    """The single error line of a command that must exit 2."""
    started = time.perf_counter()
    result = invoke(*args, env=env)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert len(lines[0]) < 300
    assert elapsed < 5, f"{args} took {elapsed:.1f} s"
    assert lines[0].startswith("error: ")
    return lines[0].removeprefix("error: ")


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))


def alias_bomb(levels: int) -> str:
    """``levels`` levels of ten aliases each: 10**levels values once expanded."""
    lines = ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# --- 5. aliases -------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_in_a_typed_field_stops_at_once(workspace: Path, levels: int) -> None:
    path = workspace / DE
    text = path.read_text().replace("name: Data Engineering Team", f"name: *a{levels - 1}")
    path.write_text(alias_bomb(levels) + text)
    for command in (("validate",), ("whois",)):
        assert one_error(*command) == (
            f"{DE}: more than 100,000 values once aliases are expanded: not a sane file"
        )


def test_a_few_aliases_are_fine(workspace: Path) -> None:
    edit(workspace, DE, "holidays: {country: DE, subdiv: BY}", "holidays: &de {country: DE}")
    edit(
        workspace,
        DE,
        '    phone: "+49 89 1234567"\n',
        '    phone: "+49 89 1234567"\n    holidays: *de\n',
    )
    result = invoke("validate")
    assert result.exit_code == 0, result.output


def test_an_alias_inside_itself_is_one_line(workspace: Path) -> None:
    edit(workspace, DE, "days: [mon, tue, wed, thu, fri]", "days: &d [mon, *d]")
    assert one_error("validate") == f"{DE}: an alias refers to the value that holds it"


def test_a_value_echoed_in_an_error_is_cut_short(workspace: Path) -> None:
    edit(workspace, DE, "handoff_minutes: 30", "handoff_minutes: [" + "x, " * 5000 + "x]")
    line = one_error("validate")
    assert line.startswith(f"{DE}: rotation.handoff_minutes: expected a whole number, got ['x'")
    assert line.endswith("...")


# --- 9. YAML that used to crash ---------------------------------------------------------------


def test_a_complex_key_is_one_line(workspace: Path) -> None:
    (workspace / DE).write_text((workspace / DE).read_text() + "? [a]\n: 1\n")
    line = one_error("whois")
    assert line.startswith(f"{DE}: line ")
    assert line.endswith("invalid YAML: a key must be plain text, not a list or mapping")


def test_a_complex_key_in_the_swaps_file_does_not_take_down_whois(workspace: Path) -> None:
    state = workspace / "schedules" / "data-engineering"
    state.mkdir()
    (state / "swaps.yaml").write_text("swaps: []\n? {a: 1}\n: x\n")
    assert one_error("whois") == (
        "schedules/data-engineering/swaps.yaml: line 2, column 3: "
        "invalid YAML: a key must be plain text, not a list or mapping"
    )


def test_a_number_with_5000_digits_is_one_line(workspace: Path) -> None:
    edit(workspace, DE, "handoff_minutes: 30", "handoff_minutes: " + "9" * 5000)
    assert one_error("whois") == (
        f"{DE}: line 13, column 20: invalid YAML: a number of 5000 digits is too long"
    )


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (("whois", "--at", "0001-01-01T00:00"), None, "--at: '0001-01-01T00:00'"),
        (("whois", "--at", "9999-12-31T10:00"), None, "--at: '9999-12-31T10:00'"),
        (
            ("whois",),
            {"ONCALL_NOW": "9999-12-31T23:59:59+00:00"},
            "ONCALL_NOW: '9999-12-31T23:59:59+00:00'",
        ),
        (("handoff", "--date", "0001-01-01"), None, "--date: '0001-01-01'"),
        (("schedule", "--start", "2200-01-05"), None, "--start: '2200-01-05'"),
        (("leave", "add", "bob", "1999-12-31"), None, "START: '1999-12-31'"),
    ],
)
def test_dates_outside_the_supported_range_are_one_line(
    workspace: Path, args: tuple[str, ...], env: dict[str, str] | None, line: str
) -> None:
    assert one_error(*args, env=env) == (
        f"{line} is outside the supported dates 2000-01-01..2199-12-31"
    )


def test_the_edges_of_the_range_are_accepted(workspace: Path) -> None:
    result = invoke("handoff", "--date", "2199-12-31", "--format", "json")
    assert result.exit_code == 0, result.output


# --- 10. sizes --------------------------------------------------------------------------------


def test_a_huge_member_name_is_refused_before_any_work(workspace: Path) -> None:
    edit(workspace, DE, "name: Bob Brown", "name: " + "B" * 1_000_000)
    for command in (("validate",), ("whois",), ("ical",)):
        assert one_error(*command) == (
            f"{DE}: members[1].name: longer than 200 characters (1,000,000)"
        )


def test_a_file_over_the_size_limit_is_not_read(workspace: Path) -> None:
    path = workspace / DE
    path.write_text(path.read_text() + "#" * limits.MAX_FILE_BYTES + "\n")
    assert one_error("whois") == f"{DE}: larger than 5 MB: not a sane file"


def test_more_members_than_the_limit_are_refused(workspace: Path) -> None:
    members = "".join(
        f"  - {{id: m{n}, name: M {n}, email: m{n}@example.com, phone: '+1 555 {n:04}'}}\n"
        for n in range(101)
    )
    text = (workspace / DE).read_text()
    (workspace / DE).write_text(text[: text.index("members:")] + "members:\n" + members)
    assert one_error("whois") == f"{DE}: members: more than 100 entries (101)"


# --- 4. (validation) characters XML cannot carry ----------------------------------------------


@pytest.mark.parametrize("bad", [r"\f", r"\x01", r"\v", r"\uFFFE"])
def test_control_characters_in_a_remediation_fail_validation(workspace: Path, bad: str) -> None:
    path = workspace / PROFIT
    lines = path.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line == "    remediation: |\n")
    end = next(i for i in range(first + 1, len(lines)) if not lines[i].startswith("      "))
    lines[first:end] = [f'    remediation: "1. Check the filing.{bad} 2. Rerun."\n']
    path.write_text("".join(lines))
    line = one_error("validate")
    assert line.startswith(f"{PROFIT}: common_issues[0].remediation: control character U+")


# --- 11. ids ----------------------------------------------------------------------------------


def test_an_id_with_a_trailing_newline_fails_validation(workspace: Path) -> None:
    edit(workspace, DE, "  - id: bob\n", '  - id: "bob\\n"\n')
    assert one_error("validate") == (
        f"{DE}: members[1].id: member id 'bob\\n' may only use a-z, 0-9, '-' and '_' "
        "(starting a-z or 0-9)"
    )
