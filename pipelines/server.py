"""``pipeline server``: a warm Spark Connect server on loopback, started and stopped by pid.

Starting Spark costs a JVM launch and its warm-up (15 s or more); a diagnose on a few hundred rows
then takes a second. The server keeps one warm Spark driver running, and ``pipeline run`` and
``pipeline diagnose`` connect to it as Spark Connect clients.

The server is the JVM itself: ``bin/spark-submit`` (which ``exec``s ``spark-class``, which
``exec``s ``java``) is launched in the foreground in a new session, so the pid recorded is the
JVM's and the process group it leads is everything this module started. ``stop`` signals that
group and nothing else, after checking the pid still belongs to the process it recorded (same
start time, same main class), so a recycled pid is never signalled.

The record (``server.json``) and the log (``server.log``) live in ``<workspace>/state/
spark-connect/`` (``$ONCALL_STATE_DIR/spark-connect/``), or in the folder given.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oncall.errors import RuntimeFailure, UsageError
from oncall.frozen import frozen
from oncall.fsio import atomic_write_text

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
LOOPBACK = "127.0.0.1"
#: Spark Connect's own default port
DEFAULT_PORT = 15002
RECORD_FILE = "server.json"
LOG_FILE = "server.log"
LOG_CONFIG_FILE = "log4j2.properties"
STATE_FOLDER = "spark-connect"
#: the variable Spark itself reads for a Spark Connect address
REMOTE_VARIABLE = "SPARK_REMOTE"

_STARTED = re.compile(r"Spark Connect server started at: (\S+):(\d+)")
_REMOTE = re.compile(r"^sc://(\[[0-9a-fA-F:]+\]|[^:/;\s]+)(?::(\d+))?/?(;.*)?$")

#: Popen objects of servers started by this process: kept so they are never garbage-collected
#: (and warned about) while the server they launched is running
_LAUNCHED: list[subprocess.Popen[bytes]] = []


def state_folder(workspace_root: Path | None, folder: Path | None = None) -> Path | None:
    """Where the server's record and log live: ``folder``, else ``$ONCALL_STATE_DIR`` or the
    workspace's ``state/``, plus ``spark-connect/``; None without either."""
    from oncall.history import STATE_VARIABLE

    if folder is not None:
        return folder
    base = os.environ.get(STATE_VARIABLE)
    if base:
        return Path(base) / STATE_FOLDER
    if workspace_root is None:
        return None
    return Path(workspace_root) / "state" / STATE_FOLDER


@frozen
class ServerRecord:
    """What ``start`` wrote about the server it launched."""

    pid: int
    #: the JVM's start time (clock ticks since boot, /proc/PID/stat), to recognise the pid
    started_ticks: int | None
    host: str
    port: int
    master: str
    started_at: str
    log: str
    #: when the server first answered a query (None while it is starting)
    ready_at: str | None = None

    @property
    def url(self) -> str:
        return f"sc://{self.host}:{self.port}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "url": self.url if self.port else None}


def read_record(folder: Path) -> ServerRecord | None:
    """The record in ``folder``, or None (none there, or unreadable: nothing to trust)."""
    try:
        data = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        return ServerRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def _write_record(folder: Path, record: ServerRecord) -> None:
    atomic_write_text(folder / RECORD_FILE, json.dumps(asdict(record), indent=2) + "\n")


def _remove_record(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (folder / RECORD_FILE).unlink()


# --- processes ---------------------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, start time) of ``pid`` from /proc; None if there is no such pid
    or no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[19])


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is a child of this process (no zombie left)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    _reap(pid)
    stat = _proc_stat(pid)
    if stat is not None:
        return stat[0] != "Z"
    if Path("/proc/self/stat").exists():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_members(pgid: int) -> list[int]:
    """Live processes of process group ``pgid`` (from /proc; else the leader if it runs)."""
    if not Path("/proc/self/stat").exists():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _proc_stat(int(entry.name))
        if stat is not None and stat[1] == pgid and stat[0] != "Z":
            members.append(int(entry.name))
    return members


def is_our_server(record: ServerRecord) -> bool:
    """Whether ``record.pid`` is still the JVM ``start`` launched (not a recycled pid)."""
    if not process_alive(record.pid):
        return False
    stat = _proc_stat(record.pid)
    if stat is not None and record.started_ticks is not None and stat[2] != record.started_ticks:
        return False
    try:
        command = Path(f"/proc/{record.pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): the pid and its liveness are all there is
    return SERVER_CLASS.encode() in command


def port_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


# --- start, stop, status -------------------------------------------------------------------------


@frozen
class ServerOptions:
    """How ``pipeline server start`` launches the server."""

    port: int = DEFAULT_PORT
    master: str = "local[*]"
    driver_memory: str | None = None
    conf: tuple[tuple[str, str], ...] = ()
    ui: bool = False
    timeout: float = 180.0


def spark_home() -> Path:
    import pyspark  # only its location: no JVM, no Connect client

    return Path(pyspark.__file__).resolve().parent


#: the server's log: warnings and errors, and the line saying where it listens (read by ``start``);
#: Spark's default (INFO) would log every query of every client, for as long as it runs
_LOG4J2 = """\
# written by `pipeline server start`
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.spark.name = org.apache.spark
logger.spark.level = warn
logger.server.name = org.apache.spark.sql.connect.service.SparkConnectServer
logger.server.level = info
"""


def launch_command(options: ServerOptions, log_config: Path) -> list[str]:
    """``spark-submit --class SparkConnectServer ...``: the JVM in the foreground."""
    from pipelines.session import BASE_CONF

    conf: dict[str, str] = dict(BASE_CONF)
    conf["spark.ui.enabled"] = "true" if options.ui else "false"
    conf["spark.connect.grpc.binding.address"] = LOOPBACK
    conf["spark.connect.grpc.binding.port"] = str(options.port)
    user = dict(options.conf)
    java_options = user.pop("spark.driver.extraJavaOptions", "")
    logging_option = f"-Dlog4j2.configurationFile={log_config.as_uri()}"
    conf["spark.driver.extraJavaOptions"] = f"{java_options} {logging_option}".strip()
    conf.update(user)
    command = [
        str(spark_home() / "bin" / "spark-submit"),
        "--class",
        SERVER_CLASS,
        "--name",
        "oncall Spark Connect server",
        "--master",
        options.master,
    ]
    if options.driver_memory:
        command += ["--driver-memory", options.driver_memory]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return command


def _launch_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop(REMOTE_VARIABLE, None)
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    env["SPARK_HOME"] = str(spark_home())
    env.setdefault("SPARK_LOCAL_IP", LOOPBACK)
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    return env


def _log_tail(log: Path, lines: int = 1) -> str:
    """The last meaningful line(s) of the server log: an ERROR line if there is one."""
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    errors = [line for line in text if " ERROR " in line or "Exception" in line]
    chosen = (errors or [line for line in text if line.strip()])[-lines:]
    return " | ".join(line.strip() for line in chosen) or "(empty log)"


def start(folder: Path, options: ServerOptions) -> ServerRecord:
    """Launch the server, wait until it answers a query, and record it; ``RuntimeFailure``
    (exit 1) with one line when it is already running, its port is taken, or it does not come
    up within ``options.timeout`` seconds (then nothing of it is left running)."""
    from pipelines.java import require_java

    existing = read_record(folder)
    if existing is not None and is_our_server(existing):
        raise RuntimeFailure(
            f"a Spark Connect server is already running (pid {existing.pid}, {existing.url}, "
            f"since {existing.started_at}): `pipeline server stop` first"
        )
    if options.port and not _port_free(options.port):
        raise RuntimeFailure(
            f"port {options.port} on {LOOPBACK} is in use: choose another with --port "
            "(0 picks a free one)"
        )
    require_java()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / LOG_FILE
    log_config = folder / LOG_CONFIG_FILE
    atomic_write_text(log_config, _LOG4J2)
    with open(log, "wb") as handle:
        process = subprocess.Popen(
            launch_command(options, log_config.absolute()),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=_launch_env(),
            cwd=folder,
            start_new_session=True,
        )
    _LAUNCHED.append(process)
    stat = _proc_stat(process.pid)
    record = ServerRecord(
        pid=process.pid,
        started_ticks=stat[2] if stat else None,
        host=LOOPBACK,
        port=options.port,
        master=options.master,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        log=str(log),
    )
    _write_record(folder, record)  # from now on `stop` can find it, whatever happens here
    try:
        record = _wait_until_ready(process, record, log, options.timeout)
    except BaseException:
        _terminate(record)
        _remove_record(folder)
        raise
    _write_record(folder, record)
    return record


def _wait_until_ready(
    process: subprocess.Popen[bytes], record: ServerRecord, log: Path, timeout: float
) -> ServerRecord:
    deadline = time.monotonic() + timeout
    port = record.port
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeFailure(
                f"the Spark Connect server exited while starting (exit code "
                f"{process.returncode}): {_log_tail(log)} (log: {log})"
            )
        with contextlib.suppress(OSError):
            match = _STARTED.search(log.read_text(errors="replace"))
            if match:
                port = int(match.group(2))
                if port_answers(record.host, port):
                    break
        time.sleep(0.2)
    else:
        raise RuntimeFailure(
            f"the Spark Connect server did not answer within {timeout:g} s; stopped it "
            f"(log: {log}; last line: {_log_tail(log)})"
        )
    record = ServerRecord(**{**asdict(record), "port": port})
    warm_up(record.url)
    return ServerRecord(
        **{**asdict(record), "ready_at": datetime.now(UTC).isoformat(timespec="seconds")}
    )


def warm_up(url: str) -> None:
    """One small query through a Spark Connect client: the server answers, and the code paths
    every diagnose takes (planning, an aggregation, collecting a row) are compiled."""
    from pipelines.session import SparkOptions, open_session

    with open_session(SparkOptions(remote=url)) as (session, _):
        from pyspark.sql import functions as F

        session.range(1000).groupBy((F.col("id") % 7).alias("k")).count().collect()


def _terminate(record: ServerRecord, timeout: float = 30.0) -> None:
    """SIGTERM the server's process group, SIGKILL whatever outlives ``timeout``."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap(record.pid)
            if not group_members(record.pid):
                return
            time.sleep(0.2)
    left = group_members(record.pid)
    if left:
        raise RuntimeFailure(
            f"processes {', '.join(map(str, left))} of the Spark Connect server survived SIGKILL"
        )


@frozen
class Stopped:
    """What ``stop`` did: the record it found (None: none) and whether it signalled it."""

    record: ServerRecord | None
    signalled: bool


def stop(folder: Path) -> Stopped:
    """Stop the recorded server (its process group, and only if the pid is still ours)."""
    record = read_record(folder)
    if record is None:
        return Stopped(None, False)
    if not is_our_server(record):
        _remove_record(folder)  # a stale record: the server is gone, or its pid recycled
        return Stopped(record, False)
    _terminate(record)
    _remove_record(folder)
    return Stopped(record, True)


@frozen
class Status:
    """Whether the recorded server runs and answers."""

    folder: Path
    record: ServerRecord | None
    running: bool
    answers: bool

    def as_json(self) -> dict[str, Any]:
        record = self.record
        return {
            "running": self.running,
            "answers": self.answers,
            "url": record.url if record and self.running else None,
            "pid": record.pid if record and self.running else None,
            "master": record.master if record else None,
            "since": (record.ready_at or record.started_at) if record else None,
            "log": record.log if record else None,
            "folder": str(self.folder),
        }


def status(folder: Path, query: bool = True) -> Status:
    """The server's state; with ``query``, whether it answers a Spark Connect query."""
    record = read_record(folder)
    if record is None or not is_our_server(record):
        return Status(folder, record, False, False)
    answers = port_answers(record.host, record.port)
    if answers and query:
        try:
            warm_up(record.url)
        except Exception:
            answers = False
    return Status(folder, record, True, answers)


def running_url(folder: Path | None) -> str | None:
    """The address of the workspace's own server when it runs and accepts connections (no
    Spark import: this is asked before every run)."""
    if folder is None:
        return None
    record = read_record(folder)
    if record is None or record.ready_at is None or not is_our_server(record):
        return None
    return record.url if port_answers(record.host, record.port, timeout=0.5) else None


def check_remote(url: str, origin: str) -> str:
    """``url`` if it is a Spark Connect address (``sc://HOST[:PORT][/;params]``), else
    ``UsageError`` naming where it came from."""
    text = url.strip()
    if not _REMOTE.match(text):
        raise UsageError(
            f"{origin}: {url!r} is not a Spark Connect address (sc://HOST:PORT, e.g. "
            f"sc://127.0.0.1:{DEFAULT_PORT})"
        )
    return text
