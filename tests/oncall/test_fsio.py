"""``oncall.fsio``: writes through symbolic links and in the file's own conventions (issue 14,
item 11), shown on ``oncall leave add``, the command that rewrites people's rotation files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from oncall.cli.app import app
from oncall.fsio import atomic_write_text

DE = "schedules/data-engineering.yaml"
BOM = "\ufeff".encode()


def add_leave() -> None:
    result = CliRunner().invoke(
        app, ["leave", "add", "bob", "2027-03-01", "--reason", "dentist"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


def test_leave_add_writes_through_a_symlinked_rotation_file(workspace: Path) -> None:
    link = workspace / DE
    target = workspace / "shared" / "data-engineering.yaml"
    target.parent.mkdir()
    link.rename(target)
    link.symlink_to(target)
    add_leave()
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert "{start: 2027-03-01, end: 2027-03-01, reason: dentist}" in target.read_text()


def test_leave_add_keeps_a_byte_order_mark_and_windows_line_ends(workspace: Path) -> None:
    path = workspace / DE
    original = path.read_bytes()
    path.write_bytes(BOM + original.replace(b"\n", b"\r\n"))
    add_leave()
    written = path.read_bytes()
    assert written.startswith(BOM) and not written.startswith(BOM + BOM)
    assert written.count(b"\n") == written.count(b"\r\n") == original.count(b"\n") + 2
    assert b"reason: dentist}\r\n" in written


def test_a_plain_file_stays_plain(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_bytes(b"a: 1\n")
    atomic_write_text(path, "a: 2\nb: 3\n")
    assert path.read_bytes() == b"a: 2\nb: 3\n"
    atomic_write_text(tmp_path / "new.yaml", "x\n")
    assert (tmp_path / "new.yaml").read_bytes() == b"x\n"
