"""State files (swaps, published weeks): validation of hand edits, and the warm fast path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oncall.config.workspace import Workspace
from oncall.rotation import validate_state

from .workspaces import make_workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_workspace(tmp_path, monkeypatch)


def write_state(ws: Path, name: str, text: str) -> None:
    folder = ws / "schedules" / "data-engineering"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)


def problems(ws: Path) -> list[str]:
    return [str(p) for p in validate_state(Workspace(ws), "data-engineering")]


def test_no_state_files_no_problems(ws: Path) -> None:
    assert problems(ws) == []


#: published weeks with a week given twice and one before the rotation's first
SHARED_WEEKS = (
    "weeks:\n"
    "- {week: 2027-01-04, engineer: ana}\n"
    "- {week: 2027-01-04, engineer: ben}\n"
    "- {week: 2026-12-28, engineer: ben}\n"
)
BAD_ENGINEER = "- {week: 2027-01-18, engineer: Cem!, published: '2027-01-06T10:00:00'}\n"


def test_published_file_problems_name_file_and_field(ws: Path) -> None:
    write_state(
        ws,
        "published.yaml",
        SHARED_WEEKS
        + "- {week: 2027-02-30, engineer: cem}\n"
        + BAD_ENGINEER
        + "- {week: 2027-01-25, engineer: cem, by: me}\n",
    )
    file = "schedules/data-engineering/published.yaml"
    assert problems(ws) == [
        f"{file}: weeks[3].week: '2027-02-30' is not a valid date (expected YYYY-MM-DD)",
        f"{file}: weeks[5].by: unknown key",
    ]
    write_state(
        ws,
        "published.yaml",
        SHARED_WEEKS + BAD_ENGINEER,
    )
    assert problems(ws) == [
        f"{file}: weeks[1].week: duplicate week (also weeks[0])",
        f"{file}: weeks[2].week: 2026-12-28 is before the rotation starts (2027-01-04)",
        f"{file}: weeks[3].engineer: 'Cem!' is not a member id",
        f"{file}: weeks[3].published: needs a UTC offset (e.g. 2027-01-06T10:00:00+01:00)",
    ]


def test_swaps_file_problems(ws: Path) -> None:
    write_state(
        ws,
        "swaps.yaml",
        "swaps:\n"
        "- id: 1\n  weeks:\n  - {week: 2027-01-04, was: ana, now: ben}\n"
        "- id: 1\n  weeks:\n  - {week: 2027-01-04, was: ana, now: ana}\n"
        "  - {week: 2027-01-04, was: ana, now: ana}\n",
    )
    file = "schedules/data-engineering/swaps.yaml"
    assert problems(ws) == [
        f"{file}: swaps[0].weeks: a swap trades exactly two weeks",
        f"{file}: swaps[1].id: duplicate id 1 (also swaps[0])",
        f"{file}: swaps[1].weeks[0].now: is the same member as was",
        f"{file}: swaps[1].weeks[1].now: is the same member as was",
        f"{file}: swaps[1].weeks[1].week: the same week as weeks[0]",
    ]


def test_invalid_yaml_is_reported_with_its_line(ws: Path) -> None:
    write_state(ws, "swaps.yaml", "swaps:\n- id: 1\n  weeks: [\n")
    (line,) = problems(ws)
    assert line.startswith("schedules/data-engineering/swaps.yaml: line 4, column 1: invalid YAML")


def test_an_empty_state_file_is_valid(ws: Path) -> None:
    write_state(ws, "swaps.yaml", "# nothing yet\n")
    assert problems(ws) == []


def test_warm_schedule_imports_neither_holidays_pydantic_yaml_nor_rich(
    ws: Path, tmp_path: Path
) -> None:
    write_state(ws, "published.yaml", "weeks:\n- {week: 2027-01-04, engineer: ana}\n")
    script = (
        "import sys\n"
        "from oncall.cli.app import app\n"
        "try:\n"
        "    app(['schedule', '--format', 'json'], prog_name='oncall')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ['holidays', 'pydantic', 'yaml', 'ruamel', 'rich']\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    env = dict(os.environ)

    def run() -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
        )
        assert json.loads(done.stdout)["weeks"][0]["engineer"] == "ana", done.stderr
        return done

    cold = run()
    assert "holidays" in cold.stderr  # the first run fills the caches
    warm = run()
    assert warm.stderr.strip() == "[]"


def test_two_processes_writing_at_once_lose_nothing(ws: Path) -> None:
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from oncall.config.workspace import Workspace\n"
        "from oncall.rotation import changes\n"
        "first = int(sys.argv[2])\n"
        "for day in range(first, first + 6):\n"
        "    changes.add_leave(Workspace(sys.argv[1]), 'data-engineering', 'cem', "
        "date(2027, 5, day))\n"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(ws), str(first)]) for first in (3, 10)
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    rotation = Workspace(ws).rotation("data-engineering")
    cem = rotation.member("cem")
    assert cem is not None
    assert sorted(leave.start.day for leave in cem.leave) == [*range(3, 9), *range(10, 16)]
