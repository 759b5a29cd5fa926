"""A real ``oncall serve`` server on a loopback port, over a private copy of the workspace."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.oncall.calendar.client import Running, serving

TOKEN = "s3cret-token-for-tests-0123456789"

#: a failed Profit check, as a diagnose run records it
FILING_DISCREPANCY = {
    "id": "filing_discrepancy",
    "status": "fail",
    "count": 2,
    "unit": "months",
    "summary": "2 filed months differ from the pipeline's figures",
}


@pytest.fixture
def running(workspace: Path) -> Iterator[Running]:
    with serving(workspace) as started:
        yield started


@pytest.fixture
def secured(workspace: Path) -> Iterator[Running]:
    with serving(workspace, TOKEN) as started:
        yield started


@pytest.fixture
def diagnosed(workspace: Path) -> Callable[..., None]:
    """Record diagnose runs in the workspace's history, as ``pipeline diagnose`` does."""
    from oncall import history

    def record(pipeline: str, at: str, status: str, checks: list[dict[str, object]]) -> None:
        history.record_runs(
            workspace,
            [
                {
                    "at": at,
                    "pipeline": pipeline,
                    "status": status,
                    "data": "/data/demo",
                    "as_of": at,
                    "checks": checks,
                }
            ],
        )

    return record
