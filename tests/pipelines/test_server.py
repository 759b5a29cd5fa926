"""``pipeline server`` and ``--remote`` without a server: addresses, records, refusals.

The real server is started once per session in ``tests/pipelines/connect/``; these are the
cases that need no JVM at all.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict
from pathlib import Path

import pytest

from oncall.errors import UsageError
from pipelines import server
from tests.invoke import pipeline as invoke


@pytest.mark.parametrize(
    "url", ["sc://127.0.0.1:15002", "sc://localhost", "sc://spark.internal:443/;use_ssl=true"]
)
def test_spark_connect_addresses_are_accepted(url):
    assert server.check_remote(url, "--remote") == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:15002", "127.0.0.1:15002", "sc://", ""])
def test_other_addresses_are_refused_naming_where_they_came_from(url):
    with pytest.raises(UsageError, match=r"^SPARK_REMOTE: .* is not a Spark Connect address"):
        server.check_remote(url, "SPARK_REMOTE")


def test_remote_with_launch_options_is_a_usage_error(tmp_path):
    result = invoke(
        "diagnose", "profit", "--data", str(tmp_path), "--remote", "sc://127.0.0.1:1",
        "--master", "local[2]",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --remote: --master, --driver-memory and --ui ")
    assert len(result.stderr.splitlines()) == 1


def test_the_record_lives_in_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("ONCALL_STATE_DIR", raising=False)
    assert server.state_folder(None) is None
    assert server.state_folder(tmp_path) == tmp_path / "state" / "spark-connect"
    assert server.state_folder(tmp_path, tmp_path / "x") == tmp_path / "x"
    monkeypatch.setenv("ONCALL_STATE_DIR", str(tmp_path / "s"))
    assert server.state_folder(tmp_path) == tmp_path / "s" / "spark-connect"


def test_status_without_a_server_exits_1(tmp_path):
    result = invoke("server", "status", "--dir", str(tmp_path), "--format", "json")
    assert result.exit_code == 1, result.output
    status = json.loads(result.stdout)
    assert (status["running"], status["answers"], status["url"]) == (False, False, None)


def test_start_on_a_port_in_use_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = invoke("server", "start", "--port", str(port), "--dir", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[-1] == (
        f"error: port {port} on 127.0.0.1 is in use: choose another with --port "
        "(0 picks a free one)"
    )
    assert not (tmp_path / server.RECORD_FILE).exists()


def test_stop_never_signals_a_pid_that_is_no_longer_the_server(tmp_path: Path):
    """A record whose pid now belongs to another process (here: this test) is only removed."""
    record = server.ServerRecord(
        pid=os.getpid(),
        started_ticks=None,
        host="127.0.0.1",
        port=1,
        master="local[*]",
        started_at="2027-01-06T09:00:00+00:00",
        log=str(tmp_path / "server.log"),
        ready_at="2027-01-06T09:00:10+00:00",
    )
    (tmp_path / server.RECORD_FILE).write_text(json.dumps(asdict(record)))
    assert server.running_url(tmp_path) is None

    result = invoke("server", "stop", "--dir", str(tmp_path), "--format", "json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stopped"] is False
    assert not (tmp_path / server.RECORD_FILE).exists()


def _choose(monkeypatch, tmp_path, remote=None, master=None, variable=None):
    from pipelines.cli.context import PipelineState
    from pipelines.cli.spark import run_spark_options

    monkeypatch.setenv("ONCALL_STATE_DIR", str(tmp_path))  # no workspace server here
    if variable is None:
        monkeypatch.delenv("SPARK_REMOTE", raising=False)
    else:
        monkeypatch.setenv("SPARK_REMOTE", variable)
    return run_spark_options(PipelineState(), remote, master, None, None, False, "off")


def test_which_spark_run_and_diagnose_use(monkeypatch, tmp_path):
    url = "sc://127.0.0.1:15002"
    assert _choose(monkeypatch, tmp_path).remote is None  # Spark started by the command
    chosen = _choose(monkeypatch, tmp_path, variable=url)
    assert (chosen.remote, chosen.remote_origin) == (url, "SPARK_REMOTE")
    chosen = _choose(monkeypatch, tmp_path, remote="sc://other:1", variable=url)
    assert (chosen.remote, chosen.remote_origin) == ("sc://other:1", "--remote")
    # an explicit master on the command line wins over the environment
    chosen = _choose(monkeypatch, tmp_path, master="local[2]", variable=url)
    assert (chosen.remote, chosen.master) == (None, "local[2]")
