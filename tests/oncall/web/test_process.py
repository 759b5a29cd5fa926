"""``oncall serve`` as a real process: the token from the environment, SIGTERM, slow clients,
and the other commands never importing the web code."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.oncall.calendar import client
from tests.oncall.calendar.client import Running
from tests.oncall.config.test_workspace import _modules_after

from .conftest import TOKEN


def test_token_from_the_environment_and_a_clean_sigterm(workspace: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = dict(os.environ, ONCALL_SERVE_TOKEN=TOKEN)
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", "from oncall.cli.app import main; main()", "serve", "-p", "0"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
        )
    try:
        deadline = time.monotonic() + 20
        while not (found := re.search(r"on http://127\.0\.0\.1:(\d+)/", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        port = int(found.group(1))
        assert f"pages: http://127.0.0.1:{port}/?token=<token>" in log.read_text()
        assert client.request(port, "GET", "/")[0] == 401
        cookie = {"Cookie": f"oncall_token={TOKEN}"}
        assert client.request(port, "GET", "/", cookie)[0] == 200
        assert client.request(port, "GET", f"/{TOKEN}/profit-bi.ics")[0] == 200
        assert client.request(port, "GET", f"/?token={TOKEN}")[0] == 303
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        text = log.read_text()
        assert text.rstrip().endswith("stopped")
        # the secret is never written to the log, not even from the request lines
        assert TOKEN not in text
        assert '"GET /<token>/profit-bi.ics HTTP/1.1" 200' in text
        assert '"GET /?token=<token> HTTP/1.1" 303' in text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_a_slow_client_does_not_hold_up_the_others(running: Running) -> None:
    with socket.create_connection(("127.0.0.1", running.port)) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
        start = time.monotonic()
        assert running.request("GET", "/")[0] == 200
        assert running.request("GET", "/pipelines/profit")[0] == 200
        assert time.monotonic() - start < 10


def test_other_commands_never_import_the_web_pages(workspace: Path) -> None:
    for args in (["--help"], ["whois", "profit"], ["handoff"]):
        loaded = _modules_after(args, dict(os.environ))
        assert not {"jinja2", "oncall.web", "oncall.calendar.server", "pyspark"} & loaded, args
