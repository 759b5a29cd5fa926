"""One real Spark Connect server on loopback for the whole session, started and stopped by
``pipeline server`` (as a user would), and checked gone by pid at the end."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines import server
from tests.jvm import archive_options
from tests.pipelines.cluster.runs import SMALL_SPARK, Finished, cli_env, pipeline

#: small, like the suite's own session (and a small heap); the server serves the whole module,
#: so it keeps the JVM's usual compilers (measured: no faster with the client compiler alone)
SERVER_SPARK = (*SMALL_SPARK, "--driver-memory", "768m")


def server_spark() -> tuple[str, ...]:
    """``SERVER_SPARK``, the JVM mapping the suite's class archive (``tests.jvm``)."""
    options = archive_options()
    if not options:
        return SERVER_SPARK
    return (*SERVER_SPARK, "--conf", f"spark.driver.extraJavaOptions={' '.join(options)}")


@dataclass(frozen=True)
class Server:
    """A running server: its address, pid and state folder."""

    url: str
    pid: int
    folder: Path


def start_server(folder: Path, logs: Path) -> Server:
    """``pipeline server start --port 0`` (a free port: other suites may run on this machine)."""
    args = ("server", "start", "--port", "0", "--dir", str(folder), "--format", "json")
    finished = pipeline(*args, *server_spark(), logs=logs, env=connect_env(), timeout=240)
    assert finished.returncode == 0, finished.explain()
    started = json.loads(finished.stdout)
    return Server(started["url"], started["pid"], folder)


def stop_server(folder: Path, logs: Path) -> Finished:
    args = ("server", "stop", "--dir", str(folder), "--format", "json")
    return pipeline(*args, logs=logs, env=connect_env())


def connect_env(**extra: str) -> dict[str, str]:
    """The test's environment without any Spark Connect address of the caller's."""
    env = cli_env(SPARK_LOCAL_IP="127.0.0.1", **extra)
    if "SPARK_REMOTE" not in extra:
        env.pop("SPARK_REMOTE", None)
    return env


@pytest.fixture(scope="session")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The session's server; stopped at the end, and nothing of it may be left running."""
    base = tmp_path_factory.mktemp("connect")
    running = start_server(base / "state" / server.STATE_FOLDER, base / "start")
    try:
        yield running
    finally:
        stopped = stop_server(running.folder, base / "stop")
        left = server.group_members(running.pid)
        if left:  # never leave a JVM behind, even when the assertion below fails
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        assert stopped.returncode == 0, stopped.explain()
        assert json.loads(stopped.stdout)["stopped"] is True
        assert not left, f"processes {left} of the Spark Connect server outlived `server stop`"
