"""Fixtures of the command tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oncall.rotation.workspaces import make_workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The small three-person workspace of tests/oncall/rotation/workspaces.py, clock fixed."""
    yield make_workspace(tmp_path, monkeypatch)
