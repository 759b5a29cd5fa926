"""How ``make test`` shares the suite between two pytest-xdist workers (``-n 2 --dist loadscope``).

The suite is bound by CPU, and no single process keeps both cores busy: the tests without Spark
run on one core, the class archive's dump takes one, and the Spark tests wait on the JVM in
turns. Two workers fill those gaps, but every worker that runs Spark tests starts a session and
builds the shared demo sets of its own, so the Spark tests go to workers in two large units that
share as little as possible:

1. the tests that start JVMs of their own (a standalone cluster, a Spark Connect server,
   ``pipeline`` processes), in the order they are collected;
2. the other Spark tests, on the worker's shared session;

and then every file of tests without Spark as a unit of its own, taken by whichever worker is
free, so both finish at about the same time. Measured in docs/performance.md.
"""

from __future__ import annotations

from typing import Any

import pytest

#: the tests that start JVMs of their own, besides the worker's shared session
OWN_JVMS = (
    "tests/pipelines/cluster/",
    "tests/pipelines/connect/",
    "tests/pipelines/test_faults.py",
)
#: the other Spark tests (and the few tests without Spark beside them)
SESSION = "tests/pipelines/"


def unit(nodeid: str) -> tuple[int, str]:
    """The unit of work a test belongs to, and the unit's place in the queue."""
    path = nodeid.split("::", 1)[0]
    if path.startswith(OWN_JVMS):
        return 0, "spark: own JVMs"
    if path.startswith(SESSION):
        return 1, "spark: shared session"
    return 2, path


def applies(config: pytest.Config) -> bool:
    """Whether the run shares its tests out by ``unit``: under xdist with ``--dist loadscope``."""
    return config.pluginmanager.hasplugin("xdist") and config.getoption("dist") == "loadscope"


def scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scheduler by scope, with ``unit`` as the scope and the queue in collection order
    (the workers sort what they collect by ``unit``)."""
    from xdist.scheduler import LoadScopeScheduling

    class ByUnit(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return unit(nodeid)[1]

    config.option.loadscopereorder = False
    return ByUnit(config, log)
