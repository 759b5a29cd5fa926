"""``make test``'s two workers: every Spark test goes to one of the two Spark units."""

from __future__ import annotations

import pytest

from tests import workers


def test_every_spark_test_is_in_a_spark_unit(request: pytest.FixtureRequest) -> None:
    # a Spark test outside them would start a third session in whichever worker took its file
    outside = [
        item.nodeid
        for item in request.session.items
        if item.get_closest_marker("spark") and workers.unit(item.nodeid)[0] == 2
    ]
    assert outside == []


@pytest.mark.parametrize(
    ("nodeid", "place"),
    [
        ("tests/pipelines/cluster/test_cluster.py::test_run", 0),
        ("tests/pipelines/connect/test_connect.py::test_run", 0),
        ("tests/pipelines/test_faults.py::test_two_runs", 0),
        ("tests/pipelines/checks/test_acceptance.py::test_clean", 1),
        ("tests/pipelines/test_outputs.py::test_commit[a::b]", 1),
        ("tests/oncall/cli/test_schedule.py::test_json", 2),
    ],
)
def test_units(nodeid: str, place: int) -> None:
    assert workers.unit(nodeid)[0] == place
