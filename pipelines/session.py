"""The one place a SparkSession is built: master, ``--conf``, driver memory, quiet logs, UI off.

An already active session is reused (the test suite's, or one a notebook started), so commands
called in-process never start a second JVM. Settings that need a JVM launch are applied only when
this module starts it; runtime SQL settings are applied either way.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from oncall.errors import UsageError
from pipelines.java import require_java
from pipelines.spark_errors import translated

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
LOG_LEVELS = ("off", "fatal", "error", "warn", "info", "debug")

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
}

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


@dataclass(frozen=True)
class SparkOptions:
    """How to start Spark: what ``--master``, ``--conf``, ``--driver-memory`` and ``--ui`` say."""

    master: str = DEFAULT_MASTER
    conf: tuple[tuple[str, str], ...] = ()
    driver_memory: str | None = None
    ui: bool = False
    log_level: str = "off"
    app_name: str = "oncall-pipeline"
    extra: Mapping[str, str] = field(default_factory=dict)


def parse_conf(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` strings as pairs; ``UsageError`` naming the first one without ``=``."""
    parsed = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--conf: {pair!r} is not KEY=VALUE (e.g. spark.driver.memory=2g)")
        parsed.append((key.strip(), value.strip()))
    return tuple(parsed)


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
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        for key, value in options.conf:
            if active.conf.isModifiable(key):
                active.conf.set(key, value)
        return active, False
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
    return session, True


def _forward_stderr(stream: IO[bytes] | None) -> None:
    """Copy the JVM's stderr to ours, minus its start-up noise, from a daemon thread."""
    if stream is None:
        return

    def pump() -> None:
        with contextlib.suppress(Exception):
            for line in iter(stream.readline, b""):
                if not line.startswith(JVM_NOISE):
                    sys.stderr.buffer.write(line)
                    sys.stderr.flush()

    threading.Thread(target=pump, name="spark-jvm-stderr", daemon=True).start()


def stop_session(session: SparkSession) -> None:
    """Stop a session this module started; failures while stopping are not the user's problem."""
    with contextlib.suppress(Exception):
        session.stop()
