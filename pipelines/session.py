"""The one place a SparkSession is built: master, ``--conf``, driver memory, quiet logs, UI off.

An already active session is reused (the test suite's, or one a notebook started), so commands
called in-process never start a second JVM. Settings that need a JVM launch are applied only when
this module starts it; runtime SQL settings are applied either way.

With ``remote`` (``--remote sc://HOST:PORT``, ``SPARK_REMOTE``, or the workspace's own
``pipeline server``), the session is a Spark Connect client instead: no JVM starts here, the
server is the driver, and runtime settings are applied to this client's session on it. Code on
the jobs' and checks' paths uses only what both kinds of session offer; the few places that need
the driver's JVM (job descriptions, the status tracker, the executor watchdog) ask
``is_connect`` first.

On a cluster, Spark waits forever for executors: a run whose workers all died, or that no worker
has room for, would hang. A session this module starts on a cluster therefore gets an
``ExecutorWatchdog`` that stops the run after ``spark.oncall.executorWaitTimeout`` (300 s) of
work with no executor at all, with one line saying so.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from oncall.errors import UsageError
from oncall.frozen import frozen
from pipelines import spark_errors
from pipelines.java import require_java
from pipelines.spark_errors import translated

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
LOG_LEVELS = ("off", "fatal", "error", "warn", "info", "debug")
#: how long a cluster run may have work but no executor before it is stopped (0: wait forever)
EXECUTOR_WAIT_KEY = "spark.oncall.executorWaitTimeout"
EXECUTOR_WAIT_DEFAULT = "300s"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, None: 1.0}

#: what every session gets unless ``--conf`` says otherwise
BASE_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    # our own Rich display replaces Spark's console progress bar
    "spark.ui.showConsoleProgress": "false",
    # outputs carry their own metadata; Spark's _SUCCESS markers would only be noise
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.sql.parquet.compression.codec": "snappy",
    # let adaptive execution coalesce the partitions of cached results too (Engagement caches
    # its per-user-day grain): 200 tiny partitions made a 150,000-click run 3x slower
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
    # the jobs name every file they read (sources.py lists the data root itself), and a partitioned
    # output has a folder per day: past 32 paths Spark would list them with a Spark job of its own
    # for every query (154 click files: one per action of Engagement and Aggregated)
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    # a session that lives on (the warm server) keeps the classes Spark generated for
    # earlier queries: a run and a diagnose of all four pipelines need about 350, Spark keeps 100,
    # so each diagnose compiled some 130 again (8 ms each) where it now compiles almost none
    "spark.sql.codegen.cache.maxEntries": "2000",
}

#: settings of ``BASE_CONF`` fixed when the JVM starts (a running session refuses to change them)
_STATIC_SQL = frozenset({"spark.sql.codegen.cache.maxEntries"})

_LOG4J2 = """\
# written by pipelines.session: Spark's own logging, {level} and above, on stderr
rootLogger.level = {level}
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{{HH:mm:ss}} %p %c{{1}}: %m%n%ex
# Spark's loggers configured explicitly, at the root's level: Spark then neither announces a
# "default log level" for the Python shell nor filters below it
logger.spark.name = org.apache.spark
logger.spark.level = {level}
"""

#: lines the JVM prints on every start that tell a user nothing (Spark 4 adds this module itself)
JVM_NOISE = (b"WARNING: Using incubator modules",)


@frozen
class SparkOptions:
    """How to start Spark: what ``--master``, ``--conf``, ``--driver-memory`` and ``--ui`` say."""

    master: str = DEFAULT_MASTER
    conf: tuple[tuple[str, str], ...] = ()
    driver_memory: str | None = None
    ui: bool = False
    log_level: str = "off"
    app_name: str = "oncall-pipeline"
    extra: Mapping[str, str] = field(default_factory=dict)
    #: a Spark Connect server to use instead of starting Spark (``sc://HOST:PORT``)
    remote: str | None = None
    #: where ``remote`` came from, for messages (``--remote``, ``SPARK_REMOTE``, ...)
    remote_origin: str = "--remote"


def parse_conf(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` strings as pairs; ``UsageError`` naming the first one without ``=``."""
    parsed = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--conf: {pair!r} is not KEY=VALUE (e.g. spark.driver.memory=2g)")
        parsed.append((key.strip(), value.strip()))
    return tuple(parsed)


def parse_seconds(key: str, text: str) -> float:
    """A Spark duration (``300s``, ``5min``; a bare number is seconds) in seconds."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"--conf {key}: {text!r} is not a duration (e.g. 300s, 5min)")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def executor_wait_seconds(options: SparkOptions) -> float | None:
    """The watchdog's timeout for a cluster master; None in local mode or when set to 0."""
    if options.master.startswith("local"):
        return None
    value = dict(options.conf).get(EXECUTOR_WAIT_KEY, EXECUTOR_WAIT_DEFAULT)
    seconds = parse_seconds(EXECUTOR_WAIT_KEY, value)
    return seconds or None


def log_config_file(level: str) -> Path:
    """A log4j2 configuration for ``level``, written once per level under the temp folder."""
    if level not in LOG_LEVELS:
        raise UsageError(f"--spark-log: {level!r} is not one of {', '.join(LOG_LEVELS)}")
    path = Path(tempfile.gettempdir()) / f"oncall-spark-log4j2-{level}.properties"
    text = _LOG4J2.format(level=level)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".oncall-log4j2-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    return path


def session_conf(options: SparkOptions) -> dict[str, str]:
    """Every setting the session is built with; ``--conf`` wins over our defaults."""
    conf = dict(BASE_CONF)
    conf["spark.ui.enabled"] = "true" if options.ui else "false"
    if options.driver_memory:
        conf["spark.driver.memory"] = options.driver_memory
    conf.update(options.extra)
    user = dict(options.conf)
    logging_option = f"-Dlog4j2.configurationFile={log_config_file(options.log_level).as_uri()}"
    java_options = user.pop("spark.driver.extraJavaOptions", "")
    conf["spark.driver.extraJavaOptions"] = f"{java_options} {logging_option}".strip()
    conf.update(user)
    return conf


def active_session() -> SparkSession | None:
    """The session already running in this process, if any."""
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def get_session(options: SparkOptions) -> tuple[SparkSession, bool]:
    """The session to use and whether this call started it (then the caller stops it)."""
    if options.remote is not None:
        return connect_session(options), True
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        for key, value in options.conf:
            if active.conf.isModifiable(key):
                active.conf.set(key, value)
        return active, False
    wait = executor_wait_seconds(options)
    require_java()
    if options.master.startswith("local"):
        # a laptop on a train has no resolvable hostname; loopback always works
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # executors must run the same Python (and see the same packages) as this driver
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    conf = SparkConf().setMaster(options.master).setAppName(options.app_name)
    conf.setAll(list(session_conf(options).items()))
    with translated(f"starting Spark (master {options.master})"):
        # launched here rather than by SparkContext so the JVM's stderr can be filtered
        gateway = launch_gateway(conf, popen_kwargs={"stderr": subprocess.PIPE})
        _forward_stderr(gateway.proc.stderr)
        context = SparkContext(conf=conf, gateway=gateway)
        session = SparkSession(context)
    if wait is not None:
        _WATCHDOGS[id(session)] = ExecutorWatchdog(session, wait).start()
    return session, True


CONNECT_MODE_VARIABLE = "SPARK_CONNECT_MODE_ENABLED"
#: a Spark Connect client gives up on a server that stopped answering after about this many
#: seconds of retries (pyspark's default retries for 10 minutes: an incident cannot wait that long)
CONNECT_RETRY_SECONDS = 8.0
#: the hadoop setting behind ``spark.hadoop.mapreduce...marksuccessfuljobs``, which a Spark
#: Connect session can set at run time (a session's SQL settings reach the writers' hadoop conf)
_NO_SUCCESS_MARKER = ("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")


def connect_session(options: SparkOptions) -> SparkSession:
    """A Spark Connect session on ``options.remote``, with our runtime settings and
    ``--conf``; ``UsageError`` (exit 2, one line) when nothing answers there, or a ``--conf``
    can only be given to the server."""
    from pipelines.server import check_remote

    assert options.remote is not None
    url = check_remote(options.remote, options.remote_origin)
    from pyspark.errors import PySparkException
    from pyspark.sql.connect.client.retries import DefaultPolicy
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    where = f"{options.remote_origin} {url}"
    # pyspark.sql.functions builds classic (JVM) or Connect columns by this process-wide switch,
    # as pyspark's own builder sets it for a remote session; stop_session clears it
    os.environ[CONNECT_MODE_VARIABLE] = "1"
    # the client warns on stderr before raising ("[RETRIES_EXCEEDED] ..."): the error says it all
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pyspark\.sql\.connect")
    try:
        # the same DataFrame API as a classic session: callers see one SparkSession type
        session: Any = ConnectSession.builder.remote(url).create()
    except PySparkException as error:
        raise UsageError(f"{where}: {spark_errors.describe(error)}") from None
    client = session.client
    # the first call: nothing answering there is a wrong address, said at once (0.25 + 0.5 s)
    client.set_retry_policies([DefaultPolicy(max_retries=2, initial_backoff=250)])
    # once the server is known to be gone, every later call fails at once instead of retrying
    spark_errors.on_abort(lambda: client.set_retry_policies([]))
    if hasattr(client, "_max_retry_exception_elapsed_time"):
        client._max_retry_exception_elapsed_time = CONNECT_RETRY_SECONDS
    try:
        version = session.version  # the first round trip: does a server answer there?
    except Exception as error:
        why = spark_errors.connection_problem(error) or spark_errors.describe(error)
        stop_session(session)
        raise UsageError(f"{where}: no Spark Connect server answers ({why})") from None
    if not version.startswith("4."):
        stop_session(session)
        raise UsageError(f"{where}: the server runs Spark {version}; this needs Spark 4")
    # then 0.25 + 0.5 + 1 + 2 + 2 + 2 s: a server that went away is reported within seconds
    policy = DefaultPolicy(
        max_retries=6, initial_backoff=250, backoff_multiplier=2.0, max_backoff=2000
    )
    client.set_retry_policies([policy])
    # our defaults that a session may change at run time (the server's own launch settings,
    # e.g. `pipeline server start`'s, already hold the rest)
    runtime = {
        k: v for k, v in BASE_CONF.items() if k.startswith("spark.sql.") and k not in _STATIC_SQL
    }
    runtime[_NO_SUCCESS_MARKER[0]] = _NO_SUCCESS_MARKER[1]
    with translated(where):
        for key, value in runtime.items():
            session.conf.set(key, value)
    for key, value in options.conf:
        try:
            session.conf.set(key, value)
        except Exception:
            stop_session(session)
            raise UsageError(
                f"--conf {key}: cannot be changed on a running Spark Connect server; give it "
                "to `pipeline server start --conf` instead"
            ) from None
    return session


def is_connect(spark: SparkSession) -> bool:
    """Whether ``spark`` is a Spark Connect client session (no JVM in this process)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def describe_jobs(spark: SparkSession, label: str) -> None:
    """Name the Spark jobs that follow (in the Spark UI); a no-op over Spark Connect."""
    if not is_connect(spark):
        spark.sparkContext.setJobDescription(label)


def master_of(spark: SparkSession) -> str:
    """The master URL of the driver ``spark`` runs on (the server's, over Spark Connect)."""
    if not is_connect(spark):
        return str(spark.sparkContext.master)
    return str(spark.conf.get("spark.master", "unknown"))


_SPLITS = re.compile(r"splits=(\d+)")


def default_parallelism(spark: SparkSession) -> int:
    """Spark's default number of tasks (the cores of the executors, or of local mode).

    Over Spark Connect there is no ``SparkContext``: the plan of a ``range`` without a
    partition count shows it (``splits=N``), without running a job.
    """
    if not is_connect(spark):
        return int(spark.sparkContext.defaultParallelism)
    configured = spark.conf.get("spark.default.parallelism", None)
    if configured:
        return int(configured)
    row = spark.sql("EXPLAIN SELECT id FROM range(1)").first()
    match = _SPLITS.search(str(row[0]) if row is not None else "")
    return int(match.group(1)) if match else 2


#: the first line of a trace Spark's RPC threads print raw when a reply arrives after the driver
#: has stopped (seen after a run that lost a worker finished well): its outcome is already told
_LATE_REPLY = re.compile(
    rb"java\.util\.concurrent\.RejectedExecutionException: Task \S.* rejected from "
    rb"java\.util\.concurrent\.ThreadPoolExecutor@\w+\[Terminated"
)


def user_lines(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The JVM's stderr lines worth a user's eyes: without its start-up noise, and without the
    traces of replies rejected by a stopped driver (each trace's ``at`` lines with it)."""
    in_late_trace = False
    for line in lines:
        if in_late_trace and line.startswith((b"\tat ", b"\t... ")):
            continue
        in_late_trace = _LATE_REPLY.match(line) is not None
        if not in_late_trace and not line.startswith(JVM_NOISE):
            yield line


def _forward_stderr(stream: IO[bytes] | None) -> None:
    """Copy the JVM's stderr to ours (``user_lines`` of it), from a daemon thread."""
    if stream is None:
        return

    def pump() -> None:
        with contextlib.suppress(Exception):
            for line in user_lines(iter(stream.readline, b"")):
                sys.stderr.buffer.write(line)
                sys.stderr.flush()

    threading.Thread(target=pump, name="spark-jvm-stderr", daemon=True).start()


def stop_session(session: SparkSession) -> None:
    """Stop a session this module started; failures while stopping are not the user's problem."""
    watchdog = _WATCHDOGS.pop(id(session), None)
    if watchdog is not None:
        watchdog.stop()
    connect = is_connect(session)
    if connect and spark_errors.abort_reason() is not None:
        # the server is gone: releasing the session on it would only retry in vain
        remote: Any = session
        with contextlib.suppress(Exception):
            remote.client.set_retry_policies([])
            remote.release_session_on_close = False
    with contextlib.suppress(Exception):
        session.stop()
    if connect:
        os.environ.pop(CONNECT_MODE_VARIABLE, None)
    spark_errors.clear_abort()


@contextlib.contextmanager
def open_session(options: SparkOptions) -> Iterator[tuple[SparkSession, bool]]:
    """``get_session`` for a block: the session and whether the block started it, stopped when
    the block ends if it did (a session found already running is left running)."""
    session, started = get_session(options)
    try:
        yield session, started
    finally:
        if started:
            stop_session(session)


class ExecutorWatchdog:
    """Cancels the running Spark jobs once the cluster has had no executor for ``timeout`` seconds.

    Losing some executors is Spark's business (their tasks run again elsewhere; a replacement
    worker gets new executors). Losing all of them, or never getting one, makes Spark wait
    forever: this thread polls the driver's executor list while jobs are active, and after
    ``timeout`` seconds without any executor records the reason (``spark_errors.abort``) and
    cancels the jobs, so the command fails with that one line and commits nothing.
    """

    def __init__(self, session: SparkSession, timeout: float, interval: float = 1.0) -> None:
        self.timeout = timeout
        self.interval = interval
        self.master = session.sparkContext.master
        self._context = session.sparkContext
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="executor-watchdog", daemon=True)

    def start(self) -> ExecutorWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def idle_cluster(self) -> bool:
        """Whether jobs are waiting and no executor is there to run them."""
        jvm_context = self._context._jsc.sc()  # type: ignore[union-attr]
        executors = len(jvm_context.statusTracker().getExecutorInfos()) - 1  # minus the driver
        return executors <= 0 and bool(self._context.statusTracker().getActiveJobsIds())

    def _watch(self) -> None:
        since: float | None = None
        while not self._stop.wait(self.interval):
            try:
                idle = self.idle_cluster()
            except Exception:
                continue  # the JVM is stopping: nothing left to watch
            if not idle:
                since = None
                continue
            since = since if since is not None else time.monotonic()
            if time.monotonic() - since >= self.timeout:
                spark_errors.abort(
                    f"no Spark executor for {self.timeout:g} s on {self.master} (every worker "
                    f"lost, or none with free cores and memory); stopped the run (wait longer "
                    f"with --conf {EXECUTOR_WAIT_KEY}=10min)"
                )
                with contextlib.suppress(Exception):
                    self._context.cancelAllJobs()
                since = None


#: the watchdog of each session this module started, stopped with it
_WATCHDOGS: dict[int, ExecutorWatchdog] = {}
