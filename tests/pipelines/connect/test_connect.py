"""``pipeline run`` and ``pipeline diagnose`` through a real Spark Connect server on loopback.

The same demo sources are run locally (in-process, the suite's ``local[2]`` session) and through
the session's server (the ``pipeline`` script as a Spark Connect client): every output table,
the diagnose JSON, the exit codes and the history records must be equal. Then the failures: a
wrong address (exit 2, one line) and a server killed in the middle of a run (exit 3, one line,
no hang); ``server stop`` leaves no process behind.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines import server
from pipelines.cli import app
from pipelines.layout import DataRoot
from tests.pipelines.cluster.runs import (
    TRACE_MARKS,
    Finished,
    Started,
    assert_same_outputs,
    assert_tidy,
    committed,
    copy_root,
    copy_sources,
    one_error_line,
    pipeline,
)
from tests.pipelines.connect.conftest import Server, connect_env, start_server, stop_server

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def local(demo_all_run) -> DataRoot:
    """The demo sources after ``run all`` on the local session (shared with the other suites
    that compare against it)."""
    return demo_all_run


def clean(finished: Finished) -> Finished:
    assert not any(mark in finished.stderr for mark in TRACE_MARKS), finished.explain()
    return finished


def test_run_all_through_the_server_equals_the_local_run(
    spark, connect_server: Server, local, demo_all, tmp_path
):
    data = copy_sources(demo_all[0], tmp_path / "data")
    args = ("-q", "run", "all", "--data", str(data.path), "--format", "json")

    finished = clean(pipeline(*args, "--remote", connect_server.url, logs=tmp_path / "run"))

    assert finished.returncode == 0, finished.explain()
    summary = json.loads(finished.stdout)
    assert [s["pipeline"] for s in summary] == ["profit", "growth", "engagement", "aggregated"]
    meta = json.loads((data.output_dir("aggregated") / "_meta.json").read_text())
    assert meta["spark"]["master"] == "local[2]"  # the server's, not a Spark of the client's
    assert_same_outputs(spark, data, local)
    assert_tidy(data)


def test_diagnose_all_through_the_server_equals_the_local_diagnosis(
    connect_server: Server, local, workspace, tmp_path, monkeypatch
):
    """Every check, same JSON, same exit code, same history record."""
    here_state, there_state = tmp_path / "here", tmp_path / "there"
    args = ("-q", "diagnose", "all", "--data", str(local.path), "--format", "json")
    monkeypatch.setenv("ONCALL_STATE_DIR", str(here_state))
    here = CliRunner().invoke(app, list(args), catch_exceptions=False)
    env = connect_env(ONCALL_STATE_DIR=str(there_state))
    there = clean(
        pipeline(*args, "--remote", connect_server.url, logs=tmp_path / "diagnose", env=env)
    )

    assert here.exit_code == 1  # the demo data has every fault planted
    assert there.returncode == here.exit_code, there.explain()
    assert json.loads(there.stdout) == json.loads(here.stdout)
    checks = [c for p in json.loads(there.stdout)["pipelines"] for c in p["checks"]]
    assert len(checks) == 10 and all(c["status"] != "error" for c in checks)
    history = "diagnose-history.jsonl"
    assert (there_state / history).read_text() == (here_state / history).read_text()


def test_spark_remote_and_the_workspace_server_are_used_without_remote(
    connect_server: Server, local, tmp_path
):
    args = ("run", "profit", "--data", "DATA", "--format", "json")
    through_variable = copy_root(local, tmp_path / "variable")
    env = connect_env(SPARK_REMOTE=connect_server.url)
    argv = [a.replace("DATA", str(through_variable.path)) for a in args]
    finished = clean(pipeline(*argv, logs=tmp_path / "variable", env=env))
    assert finished.returncode == 0, finished.explain()
    assert "hint:" not in finished.stderr  # no Spark was started here

    # the server's folder is the workspace's state/spark-connect/: found without --remote
    through_workspace = copy_root(local, tmp_path / "workspace")
    env = connect_env(ONCALL_STATE_DIR=str(connect_server.folder.parent))
    argv = [a.replace("DATA", str(through_workspace.path)) for a in args]
    finished = clean(pipeline(*argv, logs=tmp_path / "workspace", env=env))
    assert finished.returncode == 0, finished.explain()
    assert "hint:" not in finished.stderr

    for data in (through_variable, through_workspace):
        meta = json.loads((data.output_dir("profit") / "_meta.json").read_text())
        assert meta["spark"]["master"] == "local[2]"
        assert committed(data)["profit"] != committed(local)["profit"]


def test_status_says_the_server_answers_and_since_when(connect_server: Server, tmp_path):
    args = ("server", "status", "--dir", str(connect_server.folder), "--format", "json")
    finished = clean(pipeline(*args, logs=tmp_path / "status", env=connect_env()))
    assert finished.returncode == 0, finished.explain()
    status = json.loads(finished.stdout)
    assert status["running"] is True and status["answers"] is True
    assert (status["url"], status["pid"]) == (connect_server.url, connect_server.pid)
    assert status["since"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("remote", "message"),
    [
        ("http://127.0.0.1:15002", "is not a Spark Connect address"),
        ("sc://127.0.0.1:PORT", "no Spark Connect server answers"),
    ],
)
def test_a_wrong_remote_is_one_line_and_exit_2(local, tmp_path, remote, message):
    remote = remote.replace("PORT", str(free_port()))
    args = ("diagnose", "profit", "--data", str(local.path), "--remote", remote)

    started = time.monotonic()
    finished = pipeline(*args, logs=tmp_path / "wrong", env=connect_env(), timeout=60)

    assert finished.returncode == 2, finished.explain()
    line = one_error_line(finished)
    assert line.startswith("error: --remote") and remote in line and message in line, line
    assert time.monotonic() - started < 60  # retries are short: no hang


def test_a_server_that_dies_mid_run_is_one_line_and_exit_3(local, tmp_path):
    """Its own server (the session's must live on); killed as an out-of-memory kill would."""
    folder = tmp_path / "dying"
    dying = start_server(folder, tmp_path / "start")
    try:
        data = copy_root(local, tmp_path / "data")
        before = committed(data)
        args = ("-q", "run", "all", "--data", str(data.path), "--remote", dying.url)
        running = Started(args, tmp_path / "run", connect_env())
        deadline = time.monotonic() + 180
        while committed(data)["profit"] == before["profit"]:
            assert running.running(), running.finish().explain()
            assert time.monotonic() < deadline, "profit was never committed"
            time.sleep(0.1)
        for pid in server.group_members(dying.pid):
            import os
            import signal

            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        finished = running.finish(timeout=120)
        took = time.monotonic() - killed_at
    finally:
        stopped = stop_server(folder, tmp_path / "stop")

    assert finished.returncode == 3, finished.explain()
    line = one_error_line(finished)
    assert "Spark Connect server" in line, line
    assert took < 60
    assert_tidy(data)  # profit stays committed, nothing half-written
    assert {p: r for p, r in committed(data).items() if p != "profit"} == {
        p: r for p, r in before.items() if p != "profit"
    }
    # the record of the dead server is cleared; nothing of it runs
    assert stopped.returncode == 0, stopped.explain()
    assert json.loads(stopped.stdout)["stopped"] is False
    assert not server.group_members(dying.pid)
    assert not (folder / server.RECORD_FILE).exists()
    status = pipeline("server", "status", "--dir", str(folder), logs=tmp_path / "status")
    assert status.returncode == 1, status.explain()


def test_stop_without_a_server_is_a_no_op(tmp_path: Path):
    finished = stop_server(tmp_path / "none", tmp_path / "stop")
    assert finished.returncode == 0, finished.explain()
    assert json.loads(finished.stdout)["stopped"] is False
