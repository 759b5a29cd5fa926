"""A workspace whose Data Engineering rotation has no public holidays: plain list order.

With three members and no calendars the schedule can be worked out by hand: week 0 (Mon 4 Jan
2027) ann, week 1 ben, week 2 cai, week 3 ann, ... week n = members[n % 3].
"""

from __future__ import annotations

from pathlib import Path

import pytest

SIMPLE_ROTATION = """\
name: Data Engineering Team
timezone: Europe/Berlin
team: Data Engineering
rotation: {start: 2027-01-04, handoff: "09:30", handoff_minutes: 30}
members:
  - {id: ann, name: Ann Arbor, email: ann@example.com, phone: "+49 30 0001"}
  - {id: ben, name: Ben Bauer, email: ben@example.com, phone: "+49 30 0002"}
  - {id: cai, name: Cai Chen, email: cai@example.com, phone: "+49 30 0003"}
"""


@pytest.fixture
def simple(workspace: Path) -> Path:
    """The bundled workspace with a holiday-free three-member data-engineering rotation."""
    (workspace / "schedules" / "data-engineering.yaml").write_text(SIMPLE_ROTATION)
    return workspace
