"""`pipeline run all` on a warm session: wall and CPU time, Spark jobs, compiled classes.

In one SparkSession: generates a demo data set (``pipeline demo-data``'s generator, every fault
planted, the test suite's small size by default), runs every pipeline once to warm the JVM, then
``--repeat`` times on a fresh copy of the sources, and prints for each pipeline the median and
minimum seconds, the median CPU seconds of the driver's JVM (read from /proc: Linux only; on a
local master all of Spark's work, and steadier than wall time on a shared machine), and, in the
last warm run, how many Spark jobs it started and how many classes of generated code the
driver's JVM compiled for it (executors on a cluster compile their own). No assertion, numbers
only.

    .venv/bin/python benchmarks/run_all.py [--accounts 30 --months 3 --clicks 24000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=30)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--clicks", type=int, default=24_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--conf", action="append", default=[], help="KEY=VALUE, repeatable")
    args = parser.parse_args()
    os.environ.setdefault("ONCALL_NOW", "2027-01-06T10:00:00+01:00")

    from oncall import clock
    from pipelines.demo.faults import parse_faults
    from pipelines.demo.generator import DemoOptions, generate
    from pipelines.jobs import JOBS
    from pipelines.layout import DataRoot
    from pipelines.runner import run_jobs
    from pipelines.session import SparkOptions, get_session, parse_conf, stop_session

    options = SparkOptions(master=args.master, app_name="bench", conf=parse_conf(args.conf))
    spark, _ = get_session(options)
    tracker = spark.sparkContext.statusTracker()
    compiles = spark._jvm.org.apache.spark.metrics.source.CodegenMetrics.METRIC_COMPILATION_TIME()
    jvm_stat = Path(f"/proc/{spark._jvm.java.lang.ProcessHandle.current().pid()}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def jvm_cpu() -> float:
        """User plus system CPU seconds of the driver's JVM so far."""
        fields = jvm_stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    work = Path(tempfile.mkdtemp(prefix="oncall-bench-run-"))
    try:
        demo = DemoOptions(
            seed=args.seed,
            accounts=args.accounts,
            months=args.months,
            clicks=args.clicks,
            faults=parse_faults("all"),
        ).resolve(clock.now())
        generate(spark, work / "demo", demo)
        seconds: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        jobs: dict[str, int] = {}
        compiled: dict[str, int] = {}
        for attempt in range(args.repeat + 1):
            root = work / f"run-{attempt}"
            shutil.copytree(work / "demo" / "sources", root / "sources")
            data = DataRoot(root)
            for spec in JOBS.values():
                before = set(tracker.getJobIdsForGroup(None))
                compiled_before = compiles.getCount()
                cpu_before = jvm_cpu()
                started = time.monotonic()
                run_jobs(spark, data, [spec])
                if attempt:  # the first round warms the JVM up
                    seconds.setdefault(spec.id, []).append(time.monotonic() - started)
                    cpu.setdefault(spec.id, []).append(jvm_cpu() - cpu_before)
                    jobs[spec.id] = len(set(tracker.getJobIdsForGroup(None)) - before)
                    compiled[spec.id] = compiles.getCount() - compiled_before
            shutil.rmtree(root)
        print(
            f"{args.accounts} accounts, {args.months} months, {args.clicks:,} clicks; "
            f"{args.master}; {os.cpu_count()} cores; {args.repeat} warm runs"
        )
        print(
            f"{'pipeline':12} {'median s':>9} {'min s':>7} {'cpu s':>6} {'jobs':>5} {'compiled':>9}"
        )
        for name, times in seconds.items():
            print(
                f"{name:12} {statistics.median(times):9.2f} {min(times):7.2f} "
                f"{statistics.median(cpu[name]):6.2f} {jobs[name]:5} {compiled[name]:9}"
            )
        total = [sum(t) for t in zip(*seconds.values(), strict=True)]
        total_cpu = [sum(t) for t in zip(*cpu.values(), strict=True)]
        print(
            f"{'all':12} {statistics.median(total):9.2f} {min(total):7.2f} "
            f"{statistics.median(total_cpu):6.2f} {sum(jobs.values()):5} "
            f"{sum(compiled.values()):9}"
        )
    finally:
        stop_session(spark)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
