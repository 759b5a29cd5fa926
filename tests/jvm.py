"""The Java options of the suite's JVMs: one shared archive of Spark's classes, and for the JVMs
that live seconds, the client compiler alone.

Every JVM of the suite (the shared session, each ``pipeline`` process, the cluster's daemons and
executors, the Spark Connect server) loads the same classes from the same jars before it does
any work. A dynamic class-data-sharing archive (CDS: ``-XX:ArchiveClassesAtExit``), written once
by a short Spark run and kept in the temporary folder under a key of the Java, pyspark and Python
in use, lets every later JVM map those classes instead of parsing and verifying them again.
Measured on the 2-core machine, a local session and its first query: 9.9 s without, 6.4 s with
the archive, 4.5 s with the archive and the client compiler (docs/performance.md; how the suite
uses it: docs/development.md).

A JVM that cannot use the archive (another Java, a changed jar) starts without it, silently; a
dump that fails leaves no archive, and the suite runs as before. ``ONCALL_TEST_CLASS_ARCHIVE=off``
turns it off (to measure without it).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: the tests' short-lived JVMs (drivers of ``pipeline`` processes, executors, daemons) are done
#: in seconds: the client compiler (C1) serves them better than waiting for the optimising one,
#: whose threads compete with the work on two cores
CLIENT_COMPILER = "-XX:TieredStopAtLevel=1"
#: bump when the dump's work changes, so archives of the old work are not reused
_WORK_VERSION = "2"
_REPO = Path(__file__).resolve().parent.parent


def short_lived_jvm() -> str:
    """Java options of a JVM that lives seconds: the client compiler and the class archive."""
    return " ".join((CLIENT_COMPILER, *archive_options()))


def archive_options(wait: bool = True) -> tuple[str, ...]:
    """Java options that map the suite's class archive (none when there is no archive; with
    ``wait`` false, none while it is still being dumped)."""
    if wait:
        path = class_archive()
    else:
        path = archive_path()
        path = path if path is not None and path.is_file() else None
    if path is None:
        return ()
    # a JVM that cannot map the archive says so on stderr, which tests read: keep it quiet
    return (f"-XX:SharedArchiveFile={path}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")


#: the dump started in the background by ``start_archive``, if any
_dumping: subprocess.Popen[bytes] | None = None


def start_archive() -> None:
    """Start dumping the archive in the background when there is none yet: the suite runs its
    tests without Spark first, on one core, so the dump takes the idle one."""
    global _dumping
    path = archive_path()
    if path is None or path.is_file() or _dumping is not None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # a dump that was killed left a useless file; an archive no suite used for a week belongs
    # to a virtual environment or a Java that is gone (each is about 190 MB)
    for left, days in ((path.parent.glob("*.partial"), 1 / 24), (path.parent.glob("*.jsa"), 7)):
        for old in left:
            with contextlib.suppress(OSError):
                if time.time() - old.stat().st_mtime > days * 86400:
                    old.unlink()
    # a local session on loopback, whatever Spark Connect address the caller has
    env = {k: v for k, v in os.environ.items() if k != "SPARK_REMOTE"}
    env.update(PYTHONPATH=str(_REPO), SPARK_LOCAL_IP="127.0.0.1")
    with contextlib.suppress(OSError):
        _dumping = subprocess.Popen(
            [sys.executable, "-m", "tests.jvm", str(path)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


@functools.cache
def class_archive() -> Path | None:
    """The archive of Spark's classes for this Java and pyspark, dumped on first use if
    ``start_archive`` has not (about 35 s, once per machine); None when it is turned off or
    cannot be made."""
    path = archive_path()
    if path is None:
        return None
    if not path.is_file():
        start_archive()
        if _dumping is not None:
            try:
                _dumping.wait(timeout=600)
            except subprocess.TimeoutExpired:
                _dumping.kill()
    if not path.is_file():
        # another process (a second pytest worker, another suite) may hold the dump: wait for it
        with _dump_lock(path, wait=True):
            pass
    if not path.is_file():
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # in use: kept
    return path


@functools.cache
def archive_path() -> Path | None:
    """Where the archive for this Java, pyspark and Python is (None: turned off, or no Java)."""
    if os.environ.get("ONCALL_TEST_CLASS_ARCHIVE") == "off":
        return None
    key = _key()
    if key is None:
        return None
    return Path(tempfile.gettempdir()) / "oncall-tests-jvm" / f"spark-classes-{key}.jsa"


def _key() -> str | None:
    """What an archive is only valid for: the Java, pyspark and Python (a venv) in use."""
    import pyspark

    from pipelines.java import java_executable

    java = java_executable()
    if java is None:
        return None
    try:
        version = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        ).stderr
    except OSError:
        return None
    parts = (_WORK_VERSION, java, version, pyspark.__file__, pyspark.__version__, sys.executable)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@contextlib.contextmanager
def _dump_lock(path: Path, wait: bool) -> Iterator[bool]:
    """Hold the lock of the dump of ``path``: yields whether it is held (always, with
    ``wait``; without, False when another process holds it). Waits at most 10 minutes."""
    import fcntl

    with open(path.with_name(f"{path.name}.lock"), "a") as lock:
        flags = fcntl.LOCK_EX | fcntl.LOCK_NB
        deadline = time.monotonic() + 600
        while True:
            try:
                fcntl.flock(lock, flags)
            except BlockingIOError:
                if not wait or time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.5)
                continue
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
            return


def _dump(path: Path) -> None:
    """Run ``_work`` in a JVM that writes the archive as it exits, then move it to
    ``path``; while another process dumps it (the suite's other worker), do nothing."""
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial")
    with _dump_lock(path, wait=False) as held:
        if not held or path.is_file():
            return
        try:
            _work(partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)


def _work(archive: Path) -> None:
    """What the archive holds: the classes a local session loads to start and to write, read,
    group, join and rank a little Parquet (a run of the real jobs measured no better, at twice
    the cost), written when the session's JVM exits."""
    import shutil
    from datetime import UTC, datetime

    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from pipelines.session import SparkOptions, get_session

    options = SparkOptions(
        master="local[2]",
        conf=(
            ("spark.sql.shuffle.partitions", "2"),
            ("spark.default.parallelism", "2"),
            ("spark.driver.extraJavaOptions", f"-XX:ArchiveClassesAtExit={archive}"),
        ),
        app_name="oncall-tests-class-archive",
    )
    session, _ = get_session(options)
    jvm = session.sparkContext._gateway.proc  # type: ignore[union-attr]
    out = Path(tempfile.mkdtemp(prefix="oncall-class-archive-"))
    try:
        at = datetime(2026, 11, 2, 10, tzinfo=UTC)
        rows = [(f"a{i % 7}", at, float(i), i) for i in range(200)]
        frame = session.createDataFrame(rows, "account string, at timestamp, amount double, n long")
        frame.write.parquet(str(out / "rows"))
        read = session.read.parquet(str(out / "rows"))
        totals = read.groupBy("account").agg(F.sum("amount").alias("total"), F.count("*"))
        ranked = read.withColumn(
            "rank", F.row_number().over(Window.partitionBy("account").orderBy(F.desc("at")))
        )
        joined = ranked.join(totals, "account", "left").where(F.col("rank") == 1)
        joined.select(F.try_divide("total", F.lit(0)), F.date_trunc("month", "at")).collect()
    finally:
        session.stop()
        shutil.rmtree(out, ignore_errors=True)
    # the JVM writes the archive as it exits, which it does when its stdin closes
    jvm.stdin.close()
    jvm.wait(timeout=300)


if __name__ == "__main__":
    # ``--start``: ``start_archive`` from ``make test``, before lint; a path: the dump itself
    if sys.argv[1:] == ["--start"]:
        start_archive()
    else:
        _dump(Path(sys.argv[1]))
