"""`oncall serve` as a benchmark needs it: a real process on a free loopback port, stopped with
Ctrl-C (SIGINT) at the end, its exit code printed."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ONCALL = Path(sys.executable).parent / "oncall"


@contextmanager
def served(env: dict[str, str], folder: Path) -> Iterator[int]:
    """Start `oncall serve --port 0` with ``env`` (its log in ``folder``) and yield its port;
    SystemExit(1) when it does not start within 30 s."""
    log_path = folder / "serve.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([str(ONCALL), "serve", "--port", "0"], stderr=log, env=env)
        try:
            port = None
            deadline = time.monotonic() + 30
            while port is None and time.monotonic() < deadline:
                time.sleep(0.05)
                found = re.search(r"127\.0\.0\.1:(\d+)/", log_path.read_text())
                port = int(found.group(1)) if found else None
            if port is None:
                print("the server did not start", file=sys.stderr)
                raise SystemExit(1)
            yield port
        finally:
            server.send_signal(signal.SIGINT)
            print(f"server exit code after Ctrl-C: {server.wait(timeout=30)}")
