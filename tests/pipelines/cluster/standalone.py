"""A real Spark standalone master and workers on 127.0.0.1, started from the pyspark package.

For tests only: every daemon runs in its own process group, so stopping one also stops the
executors it launched, and nothing but the processes started here is ever signalled. Waits are
bounded; ports are read back from the daemons' logs (Spark moves to the next port when one is
taken).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyspark

from tests.jvm import short_lived_jvm

SPARK_HOME = Path(pyspark.__file__).resolve().parent
SPARK_CLASS = SPARK_HOME / "bin" / "spark-class"
VENV_BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"

_SERVICE = re.compile(r"Successfully started service '(\w+)' on port (\d+)")


class ClusterError(RuntimeError):
    """The cluster did not come up (or go down) in time; the message quotes the daemon's log."""


def daemon_env(workdir: Path) -> dict[str, str]:
    """The environment of the daemons, and of drivers that talk to them: loopback, this venv."""
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(SPARK_HOME),
        SPARK_LOCAL_IP=LOOPBACK,
        SPARK_LOCAL_HOSTNAME="localhost",
        SPARK_WORKER_DIR=str(workdir / "work"),
        SPARK_LOG_DIR=str(workdir / "logs"),
        SPARK_DAEMON_MEMORY="256m",
        SPARK_DAEMON_JAVA_OPTS=short_lived_jvm(),
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


@dataclass
class Daemon:
    """One master or worker JVM (``spark-class`` execs Java, so the pid is the JVM's)."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for_ports(self, services: tuple[str, ...], timeout: float) -> None:
        """Read the ports of ``services`` from the log, once the JVM has bound them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {m.group(1): int(m.group(2)) for m in _SERVICE.finditer(self.log_text())}
            if all(s in found for s in services):
                self.ports = found
                return
            if not self.alive():
                break
            time.sleep(0.2)
        tail = "\n".join(self.log_text().splitlines()[-15:])
        raise ClusterError(f"{self.name} did not start within {timeout:.0f} s:\n{tail}")

    def kill(self) -> None:
        """SIGKILL the JVM alone, as a machine loss would (its executors notice and exit)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the daemon's process group (it and its executors), SIGKILL what outlives it."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)  # the group outlives a killed leader: reap it too
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
            if sig is signal.SIGTERM and _group_alive(self.pid):
                time.sleep(1)
                continue
            return


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class StandaloneCluster:
    """A master and its workers under ``workdir`` (logs, worker scratch)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = daemon_env(workdir)
        self.master: Daemon | None = None
        self.workers: list[Daemon] = []
        (workdir / "logs").mkdir(parents=True, exist_ok=True)

    # --- starting and stopping ---------------------------------------------------------------

    def _launch(self, name: str, *args: str) -> Daemon:
        log = self.workdir / "logs" / f"{name}.log"
        with open(log, "wb") as handle:
            process = subprocess.Popen(
                [str(SPARK_CLASS), *args],
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,
            )
        return Daemon(name, process, log)

    def start_master(self, timeout: float = 60) -> None:
        # port 0: the JVM picks free ports, and the log says which
        daemon = self._launch(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            LOOPBACK,
            "--port",
            "0",
            "--webui-port",
            "0",
        )
        self.master = daemon
        daemon.wait_for_ports(("sparkMaster", "MasterUI"), timeout)
        self.wait_for(lambda s: s.get("status") == "ALIVE", timeout, "the master to be ALIVE")

    def start_worker(self, cores: int = 2, memory: str = "1536m", timeout: float = 60) -> Daemon:
        """A worker, registered and ALIVE at the master before this returns."""
        before = {w["id"] for w in self.alive_workers()}
        name = f"worker-{len(self.workers) + 1}"
        daemon = self._launch(
            name,
            "org.apache.spark.deploy.worker.Worker",
            self.url,
            "--host",
            LOOPBACK,
            "--cores",
            str(cores),
            "--memory",
            memory,
            "--webui-port",
            "0",
            "--work-dir",
            str(self.workdir / "work"),
        )
        self.workers.append(daemon)
        self.wait_for(
            lambda s: any(w["id"] not in before for w in _alive(s)),
            timeout,
            f"{name} to register",
            daemon,
        )
        return daemon

    def stop(self) -> None:
        """Stop every worker, then the master; safe to call twice and after a failed start."""
        for daemon in [*self.workers, *([self.master] if self.master else [])]:
            daemon.stop()

    # --- state -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.master is not None, "start_master() first"
        return f"spark://{LOOPBACK}:{self.master.ports['sparkMaster']}"

    def state(self) -> dict[str, Any]:
        """The master's own JSON status page (workers, applications)."""
        assert self.master is not None, "start_master() first"
        url = f"http://{LOOPBACK}:{self.master.ports['MasterUI']}/json/"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())

    def alive_workers(self) -> list[dict[str, Any]]:
        return _alive(self.state())

    def wait_for(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float,
        what: str,
        daemon: Daemon | None = None,
    ) -> dict[str, Any]:
        """Poll the master's status until ``predicate`` holds; ``ClusterError`` on timeout."""
        watched = daemon or self.master
        assert watched is not None, "start_master() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                state = self.state()
                if predicate(state):
                    return state
            if not watched.alive():
                break
            time.sleep(0.25)
        tail = "\n".join(watched.log_text().splitlines()[-15:])
        raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}:\n{tail}")


def _alive(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]


def running_executors(state: dict[str, Any]) -> int:
    """Cores in use on alive workers: non-zero once an application's executors run there."""
    return sum(int(w.get("coresused", 0)) for w in _alive(state))
