"""`pipeline diagnose engagement` on 10M clicks against a floor job reading the same columns once.

In one SparkSession: generates a demo data set with ``--clicks`` clicks (``pipeline demo-data``'s
generator, reused when the folder already holds one with the same options), runs Engagement once
so ``late_arrivals`` has aggregated days to judge, then times, interleaved and after a warm-up:

- floor: read the columns diagnose reads (event_id, event_time, ingested_at, kafka_partition,
  kafka_offset) through the same source reader (file listing and schema check included), once,
  and compute one aggregate that needs every value (the XOR of a hash of each row);
- diagnose: the code path of `pipeline diagnose engagement` (runbook thresholds included);
- reference: the floor plus an exact count of distinct event_ids, the least any exact
  duplicate_events must do (one shuffle of the ids), to show what the rest costs.

It prints the medians, the minimums and the ratios; no assertion, numbers only.

    .venv/bin/python benchmarks/diagnose.py [--clicks 10000000] [--out DIR] [--repeat 5]
    .venv/bin/python benchmarks/diagnose.py --remote sc://127.0.0.1:15002   # warm: a server's

With ``--remote`` every job runs through that Spark Connect server (``pipeline server start``)
instead of a Spark started by the script; make the data set with a local run first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

#: what diagnose engagement reads in its one action when all is well
COLUMNS = ("event_id", "event_time", "ingested_at", "kafka_partition", "kafka_offset")


def prepare(spark: Any, out: Path, clicks: int, seed: int) -> dict[str, Any]:
    """The demo data set in ``out`` (made unless one with these options is there), with an
    Engagement output; its manifest."""
    from oncall import clock
    from pipelines.demo.generator import DemoOptions, generate
    from pipelines.jobs import JOBS
    from pipelines.layout import DataRoot
    from pipelines.runner import run_jobs

    options = DemoOptions(seed=seed, clicks=clicks).resolve(clock.now())
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest["options"] == options.as_json():
            print(f"reusing the data set in {out}", flush=True)
            return manifest
    print(f"generating {clicks:,} clicks into {out} ...", flush=True)
    started = time.monotonic()
    manifest = generate(spark, out, options)
    print(f"  generated in {time.monotonic() - started:.0f} s; running engagement ...", flush=True)
    started = time.monotonic()
    run_jobs(spark, DataRoot(out), [JOBS["engagement"]])
    print(f"  engagement ran in {time.monotonic() - started:.0f} s", flush=True)
    return manifest


def timed(runs: dict[str, list[float]], name: str, work: Callable[[], Any]) -> Any:
    started = time.monotonic()
    result = work()
    runs.setdefault(name, []).append(time.monotonic() - started)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "oncall-bench-diagnose",
        help="where the data set is made, or reused when its options match",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each job")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--driver-memory", default=None, help="e.g. 2g (default: Spark's)")
    parser.add_argument("--remote", default=None, help="a Spark Connect server, sc://HOST:PORT")
    args = parser.parse_args()

    from pyspark.sql import functions as F

    from oncall.config.workspace import Workspace
    from pipelines import sources
    from pipelines.checks import engagement, runner
    from pipelines.layout import DataRoot
    from pipelines.session import SparkOptions, default_parallelism, get_session, stop_session

    spark, _ = get_session(
        SparkOptions(
            master=args.master,
            driver_memory=args.driver_memory,
            app_name="bench",
            remote=args.remote,
        )
    )
    try:
        manifest = prepare(spark, args.out.absolute(), args.clicks, args.seed)
        data = DataRoot(args.out.absolute())
        runbooks = runner.load_runbooks(Workspace(REPO), ["engagement"])
        files = sources.list_files(data, "clicks").files
        size = sum(f.size for f in files)
        # the same number of tasks as diagnose gives its shuffle of the ids
        tasks = max(default_parallelism(spark), -(-size // engagement.BYTES_PER_PARTITION))

        def floor() -> Any:
            clicks, _ = sources.read_source(spark, data, "clicks")
            row = clicks.select(*COLUMNS).agg(F.bit_xor(F.xxhash64(*COLUMNS)).alias("x"))
            return row.collect()

        def reference() -> Any:
            clicks, _ = sources.read_source(spark, data, "clicks")
            floor_row = clicks.select(*COLUMNS).agg(F.bit_xor(F.xxhash64(*COLUMNS)).alias("x"))
            ids = (
                clicks.select("event_id")
                .repartition(tasks, "event_id")
                .groupBy("event_id")
                .count()
                .agg(F.sum(F.col("count") - 1).alias("surplus"))
            )
            return floor_row.crossJoin(ids).collect()

        def diagnose() -> Any:
            from oncall import clock

            return runner.diagnose(spark, data, ["engagement"], runbooks, as_of=clock.now())

        jobs = {"floor": floor, "diagnose": diagnose, "reference": reference}
        warm: dict[str, list[float]] = {}
        for name, job in jobs.items():  # the JVM compiles its hot paths on first use
            result = timed(warm, name, job)
        runs: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            for name, job in jobs.items():
                result = timed(runs, name, job)
                if name == "diagnose":
                    checks = [(c.id, c.status, c.count) for c in result.reports[0].checks]
    finally:
        stop_session(spark)

    median = {name: statistics.median(times) for name, times in runs.items()}
    load = os.getloadavg()[0]
    print()
    print(
        f"{manifest['sources']['clicks']['rows']:,} clicks, {len(files)} files, "
        f"{size / 1e6:,.0f} MB; {args.remote or args.master} on {os.cpu_count()} cores; "
        f"load average {load:.1f}"
    )
    print(f"diagnose found: {', '.join(f'{c} {s} {n}' for c, s, n in checks)}")
    print(f"{'job':10} {'median s':>9} {'min s':>7}   what")
    what = {
        "floor": f"read {', '.join(COLUMNS)} once, one aggregate",
        "diagnose": "pipeline diagnose engagement (late_arrivals, kafka_gap, duplicate_events)",
        "reference": "floor + exact count of distinct event_ids (one shuffle of the ids)",
    }
    for name in jobs:
        print(f"{name:10} {median[name]:9.2f} {min(runs[name]):7.2f}   {what[name]}")
    print(f"ratio diagnose / floor:     {median['diagnose'] / median['floor']:.2f}  (goal < 2)")
    print(f"ratio diagnose / reference: {median['diagnose'] / median['reference']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
