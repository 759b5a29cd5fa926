"""The Aggregated pipeline on 20 million skewed clicks, with the driver capped at 1 GB (local mode).

Generates a demo data root where one account holds 40 % of all clicks (`pipeline demo-data
--clicks 20000000 --hot-share 0.4 --faults join_skew`), runs every pipeline Aggregated needs and
Aggregated itself in one `pipeline run all --driver-memory 1g --master local[2]` (one JVM, so the
cap holds for the whole run), then `pipeline diagnose aggregated` for the join_skew report. Each
step is timed, and the peak resident memory of the driver JVM and of the `pipeline` process
itself is sampled from /proc (no Python workers run: the jobs have no Python UDFs).

    .venv/bin/python benchmarks/skew.py [--clicks 20000000] [--hot-share 0.4] [--keep DIR]

Why it completes: Engagement de-duplicates by event_id (uniform keys) and rolls clicks up to one
row per day, account, source team and user before anything else, with partial (map-side)
aggregation, so the hot account is a few hundred keys of pre-counted rows; Aggregated joins only
per-month-and-account tables, where the hot account is one row per month like any other.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PIPELINE = Path(sys.executable).parent / "pipeline"
SPARK = ("--master", "local[2]", "--driver-memory", "1g")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> tuple[int, str, str]:
    """(resident KB, command name, command line) of a process; (0, '', '') once it is gone."""
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError, IndexError):
        return 0, "", ""
    return pages * PAGE_KB, name, cmdline


class PeakMemory(threading.Thread):
    """Samples a process tree every 0.2 s: peak RSS of the JVM and of ``pipeline`` (Python).

    Each is measured on its own: summing the tree would count the JVM twice whenever it spawns a
    helper process (a fresh child shares, and shows, the parent's pages until it execs).
    """

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.jvm_kb = 0
        self.python_kb = 0
        self.heap_cap = "?"
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            children = _children()
            self.python_kb = max(self.python_kb, _rss_kb(self.root)[0])
            pending = list(children.get(self.root, []))
            while pending:
                pid = pending.pop()
                kb, name, cmdline = _rss_kb(pid)
                if name == "java":  # the max, not the sum: see above
                    self.jvm_kb = max(self.jvm_kb, kb)
                    caps = [a for a in cmdline.split() if a.startswith("-Xmx")]
                    self.heap_cap = caps[-1][4:] if caps else "JVM default"
                pending += children.get(pid, [])

    def stop(self) -> None:
        self._done.set()
        self.join()


@dataclass
class Step:
    label: str
    seconds: float
    jvm_mb: float
    python_mb: float
    heap_cap: str
    returncode: int
    stdout: str
    stderr: str


def step(label: str, *args: str, env: dict[str, str]) -> Step:
    print(f"... {label}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(PIPELINE), "-q", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    sampler = PeakMemory(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.stop()
    return Step(
        label,
        time.perf_counter() - started,
        sampler.jvm_kb / 1024,
        sampler.python_kb / 1024,
        sampler.heap_cap,
        process.returncode,
        stdout,
        stderr,
    )


def report(result: Step) -> None:
    print(
        f"{result.label:<34} {result.seconds:7.1f} s   driver JVM peak RSS {result.jvm_mb:6.0f} MB "
        f"(heap cap {result.heap_cap})   pipeline process (Python) {result.python_mb:4.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=20_000_000)
    parser.add_argument("--hot-share", type=float, default=0.4)
    parser.add_argument("--keep", type=Path, help="write the data root here and keep it")
    args = parser.parse_args()

    scratch = None if args.keep else tempfile.mkdtemp(prefix="oncall-skew-")
    data = args.keep or Path(scratch or ".") / "data"
    env = dict(os.environ)
    env.setdefault("ONCALL_NOW", "2027-01-06T10:00:00+01:00")
    env.setdefault("ONCALL_STATE_DIR", str(data.parent / "state"))
    env["NO_COLOR"] = "1"
    try:
        steps: list[Step] = []
        generate = step(
            f"demo-data ({args.clicks:,} clicks)",
            "demo-data",
            "--out",
            str(data),
            "--clicks",
            str(args.clicks),
            "--hot-share",
            str(args.hot_share),
            "--faults",
            "join_skew",
            "--format",
            "json",
            *SPARK,
            env=env,
        )
        steps.append(generate)
        if generate.returncode != 0:
            print(generate.stderr, file=sys.stderr)
            return 1
        manifest = json.loads(generate.stdout)
        run = step("run all (aggregated + upstream)", "run", "all", "--data", str(data),
                   "--format", "json", *SPARK, env=env)  # fmt: skip
        steps.append(run)
        diagnose = step("diagnose aggregated", "diagnose", "aggregated", "--data", str(data),
                        "--format", "json", *SPARK, env=env)  # fmt: skip
        steps.append(diagnose)
        parquet_mb = sum(p.stat().st_size for p in (data / "sources").rglob("*.parquet")) / 2**20
        print_figures(args, manifest, steps, parquet_mb)
        return 0 if run.returncode == 0 else 1
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def print_figures(
    args: argparse.Namespace, manifest: dict[str, Any], steps: list[Step], parquet_mb: float
) -> None:
    _, run, diagnose = steps
    hot = manifest["expected"]["join_skew"]["details"][0]
    clicks = manifest["sources"]["clicks"]
    print()
    print(f"clicks: {clicks['rows']:,} rows, {clicks['files']} files, {parquet_mb:.0f} MB Parquet")
    print(f"hot key: {hot['account_id']} holds {hot['rows']:,} clicks = {hot['share']:.1%}")
    print("master local[2], --driver-memory 1g (the driver JVM is all of Spark in local mode)")
    print()
    for result in steps:
        report(result)
    if run.returncode == 0:
        for job in json.loads(run.stdout):
            rows = ", ".join(f"{t} {n:,}" for t, n in job["rows"].items())
            print(f"  {job['pipeline']:<12} {job['seconds']:7.1f} s   {rows}")
        print("completed: yes (every pipeline committed)")
    else:
        print(f"completed: NO (exit {run.returncode})\n{run.stderr}")
    if diagnose.stdout.strip():
        report_json = json.loads(diagnose.stdout)
        for pipeline in report_json["pipelines"]:
            for check in pipeline["checks"]:
                if check["id"] == "join_skew":
                    print(f"join_skew: {check['status']}: {check['summary']}")
    elif diagnose.returncode != 0:
        print(f"diagnose: exit {diagnose.returncode}\n{diagnose.stderr}")


if __name__ == "__main__":
    sys.exit(main())
