"""Suite-wide fixtures: a fixed clock, plain output, a private cache, and a temporary workspace.

Every test runs against its own copy of the bundled workspace (``schedules/`` and ``runbooks/``
of this repository), so tests may edit it freely. ``ONCALL_NOW`` is fixed; tests that need
another instant set it themselves with ``monkeypatch.setenv``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

# Property tests draw the same examples on every run and report a failure as found, unshrunk
# (shrinking a slow test can take minutes): main passes or fails the same way on every
# machine. HYPOTHESIS_PROFILE=explore draws new examples and shrinks what fails
# (docs/development.md).
settings.register_profile(
    "default", derandomize=True, print_blob=True, phases=tuple(set(Phase) - {Phase.shrink})
)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parent.parent
FIXED_NOW = "2027-01-06T10:00:00+01:00"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``make test``'s two workers, collect the tests in the order ``tests.workers`` hands
    them out (elsewhere the order of the files stays)."""
    from tests import workers

    if workers.applies(config):
        items.sort(key=lambda item: workers.unit(item.nodeid)[0])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``tests.workers``' scheduler under ``--dist loadscope``; xdist's own otherwise."""
    from tests import workers

    return workers.scheduler(config, log) if workers.applies(config) else None


def pytest_collection_finish(session: pytest.Session) -> None:
    """When Spark tests are to run, start dumping the JVMs' class archive (``tests.jvm``) now,
    in the background, while the tests without Spark run first."""
    if any(item.get_closest_marker("spark") for item in session.items):
        from tests.jvm import start_archive

        start_archive()


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("ONCALL_NOW", FIXED_NOW)
    monkeypatch.setenv("ONCALL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("ONCALL_WORKSPACE", raising=False)
    monkeypatch.delenv("ONCALL_DATA", raising=False)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the bundled workspace, selected through ``ONCALL_WORKSPACE``."""
    root = tmp_path / "workspace"
    for folder in ("schedules", "runbooks"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("*.lock"))
    monkeypatch.setenv("ONCALL_WORKSPACE", str(root))
    return root


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local SparkSession for the whole suite (local[2], few shuffle partitions, UI off).

    Built by ``pipelines.session`` (UTC, ANSI on, quiet logs) so tests run Spark as ``pipeline``
    does; commands called in-process reuse it instead of starting a second JVM.
    """
    from pipelines.session import SparkOptions, get_session
    from tests.jvm import archive_options

    conf = [("spark.sql.shuffle.partitions", "2"), ("spark.default.parallelism", "2")]
    # one start: not worth waiting for a dump still running (under ``make test``'s two workers,
    # the first Spark tests start while it does)
    java_options = archive_options(wait=False)
    if java_options:
        conf.append(("spark.driver.extraJavaOptions", " ".join(java_options)))
    options = SparkOptions(master="local[2]", conf=tuple(conf), app_name="oncall-tests")
    session, _ = get_session(options)
    yield session
    session.stop()
