"""A small workspace written to a temporary folder, for the rotation commands' tests.

Three members on the Bavarian calendar (real public holidays, via the ``holidays`` package);
ben is away 1-9 Feb 2027. The file carries comments that edits must keep.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROTATION = """\
# Platform on-call: one week each, in list order.
name: Platform Team
timezone: Europe/Berlin
rotation:
  start: 2027-01-04          # week 1
  handoff: "09:30"
  handoff_minutes: 30
holidays: {country: DE, subdiv: BY}   # everyone in Munich
members:
  - id: ana                  # first in line
    name: Ana Alves
    email: ana@example.com
    phone: "+49 89 1"
  - id: ben
    name: Ben Berg
    email: ben@example.com
    phone: "+49 89 2"
    leave:
      - {start: 2027-02-01, end: 2027-02-09, reason: ski trip}
  - id: cem
    name: Cem Celik
    email: cem@example.com
    phone: "+49 89 3"          # mobile
"""


def make_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str = ROTATION) -> Path:
    """A workspace whose only rotation, ``data-engineering`` (the default), holds ``text``."""
    root = tmp_path / "ws"
    (root / "schedules").mkdir(parents=True)
    (root / "schedules" / "data-engineering.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("ONCALL_WORKSPACE", str(root))
    return root
