"""``oncall serve`` as people run it: a real process on a free loopback port, real HTTP."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.cli.app import app
from tests.oncall.calendar import client
from tests.oncall.calendar.strict import parse

START = "from oncall.cli.app import main; main()"


class Served:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, port: int) -> None:
        self.process = process
        self.log = log
        self.port = port

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return client.request(self.port, method, path, headers)


@pytest.fixture
def served(workspace: Path, tmp_path: Path) -> Iterator[Served]:
    log = tmp_path / "serve.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", START, "serve", "--port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 20
        port = None
        while port is None:
            match = re.search(r"on http://127\.0\.0\.1:(\d+)/", log.read_text())
            if match:
                port = int(match.group(1))
            elif process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"oncall serve did not start: {log.read_text()}")
            else:
                time.sleep(0.05)
        yield Served(process, log, port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_serve_answers_subscribers_and_stops_on_ctrl_c(served: Served) -> None:
    status, headers, body = served.request("GET", "/data-engineering.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert parse(body).name == "On call: Data Engineering Team"

    status, head, empty = served.request("HEAD", "/data-engineering/bob.ics")
    assert (status, empty) == (200, b"")
    assert int(head["Content-Length"]) > 0

    status, _, empty = served.request(
        "GET", "/data-engineering.ics", {"If-None-Match": headers["ETag"]}
    )
    assert (status, empty) == (304, b"")

    assert served.request("GET", "/nope.ics")[0] == 404
    assert served.request("GET", "/data-engineering/zed.ics")[0] == 404
    assert served.request("GET", "/../schedules/data-engineering.yaml")[0] == 404
    assert served.request("GET", "/%2e%2e/%2e%2e/etc/passwd")[0] == 404
    assert served.request("POST", "/data-engineering.ics")[0] == 405

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(lambda _: served.request("GET", "/profit-bi.ics"), range(100)))
    elapsed = time.perf_counter() - started
    assert [status for status, _, _ in results] == [200] * 100
    assert len({body for _, _, body in results}) == 1
    assert elapsed < 15

    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(10) == 0
    log = served.log.read_text()
    assert "Traceback" not in log
    assert log.rstrip().endswith("stopped")
    requests = [line for line in log.splitlines() if re.search(r'" \d{3} ', line)]
    assert len(requests) == 8 + 100  # one line per request


def test_a_port_in_use_is_exit_1_with_one_line(workspace: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: port {port} is in use "
        f"(pick another with --port)"
    ]


def test_a_bad_port_is_bad_usage(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "70000"], catch_exceptions=False)
    assert result.exit_code == 2
