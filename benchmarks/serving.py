"""`oncall serve` as a benchmark needs it: a real process on a free loopback port, stopped with
Ctrl-C (SIGINT) at the end, its exit code printed, over a throw-away copy of the workspace."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ONCALL = Path(sys.executable).parent / "oncall"
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def workspace_copy() -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """A throw-away folder, the bundled workspace (schedules/, runbooks/) copied into it (so the
    repository's calendar ledger is not touched), and an environment pointing `oncall` at the
    copy with its own cache and a fixed clock (unless ONCALL_NOW is set)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        root = folder / "workspace"
        for name in ("schedules", "runbooks"):
            shutil.copytree(REPO / name, root / name)
        env = dict(os.environ, ONCALL_WORKSPACE=str(root), ONCALL_CACHE_DIR=str(folder / "c"))
        env.setdefault("ONCALL_NOW", "2027-01-06T10:00:00+01:00")
        yield folder, root, env


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
