"""`pipeline diagnose` cold (Spark started by the command) against warm (a `pipeline server`).

Each run is the `pipeline` script in a fresh process, as a user types it, on the demo data:

- cold: `pipeline -q diagnose NAME --data DIR` with no server anywhere (a private state folder,
  no SPARK_REMOTE): the command starts local Spark, as without a server;
- warm: the same command with `--remote` pointing at a server started once with
  `pipeline server start` (started after the cold runs, so they do not share the machine with it).

Both must give the same JSON and exit code. It prints the medians and minimums of `--repeat`
runs of each and the ratios; no assertion, numbers only.

    .venv/bin/python benchmarks/diagnose_warm.py [--out DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PIPELINE = str(Path(sys.executable).parent / "pipeline")
NAMES = ("profit", "all")


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, str, str]:
    """Wall time, exit code, stdout and stderr of ``pipeline ARGS``."""
    started = time.monotonic()
    done = subprocess.run(
        [PIPELINE, *args], capture_output=True, text=True, env=env, cwd=REPO, check=False
    )
    return time.monotonic() - started, done.returncode, done.stdout, done.stderr


def checked(args: list[str], env: dict[str, str], allowed: tuple[int, ...] = (0,)) -> str:
    seconds, code, out, err = run(args, env)
    if code not in allowed:
        sys.exit(f"`pipeline {' '.join(args)}` exited {code} after {seconds:.1f} s:\n{err}")
    return out


def prepare(out: Path, env: dict[str, str]) -> None:
    """The demo data with every fault planted and its outputs (made once, then reused)."""
    if (out / "outputs" / "aggregated" / "_meta.json").is_file():
        print(f"reusing the demo data in {out}", flush=True)
        return
    print(f"making the demo data in {out} ...", flush=True)
    checked(["-q", "demo-data", "--out", str(out), "--faults", "all"], env)
    checked(["-q", "run", "all", "--data", str(out)], env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "oncall-bench-warm"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each command")
    args = parser.parse_args()
    out = args.out.absolute()

    state = Path(tempfile.mkdtemp(prefix="oncall-bench-state-"))
    env = {**os.environ, "ONCALL_STATE_DIR": str(state), "NO_COLOR": "1"}
    env.pop("SPARK_REMOTE", None)
    env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    env.setdefault("ONCALL_NOW", "2027-01-06T10:00:00+01:00")  # the README's figures
    prepare(out, env)
    load_at_start = os.getloadavg()[0]

    def command(name: str) -> list[str]:
        return ["-q", "diagnose", name, "--data", str(out), "--format", "json"]

    times: dict[tuple[str, str], list[float]] = {}
    results: dict[tuple[str, str], Any] = {}

    def measure(mode: str, extra: list[str]) -> None:
        for _ in range(args.repeat):
            for name in NAMES:
                seconds, code, stdout, stderr = run([*command(name), *extra], env)
                if code not in (0, 1):
                    sys.exit(f"diagnose {name} ({mode}) exited {code}:\n{stderr}")
                times.setdefault((mode, name), []).append(seconds)
                report = json.loads(stdout)
                results[(mode, name)] = (code, report["pipelines"])

    print(f"cold: {args.repeat} runs of each, Spark started by each command ...", flush=True)
    measure("cold", [])
    folder = state / "server"
    print("starting a server (pipeline server start) ...", flush=True)
    started = time.monotonic()
    server = json.loads(
        checked(["server", "start", "--port", "0", "--dir", str(folder), "--format", "json"], env)
    )
    start_seconds = time.monotonic() - started
    try:
        print(f"warm: {args.repeat} runs of each through {server['url']} ...", flush=True)
        measure("warm", ["--remote", server["url"]])
    finally:
        checked(["server", "stop", "--dir", str(folder)], env)

    same = all(results[("cold", n)] == results[("warm", n)] for n in NAMES)
    load = os.getloadavg()[0]
    print()
    print(
        f"demo data {out} (default size, every fault); {os.cpu_count()} cores; "
        f"load average {load_at_start:.1f} at the start, {load:.1f} at the end; "
        f"`server start` took {start_seconds:.1f} s"
    )
    widths = {"cold median": 12, "min": 6, "warm median": 12, " min": 6, "ratio": 6}
    print(f"{'command':26} " + " ".join(f"{h.strip():>{w}}" for h, w in widths.items()))
    for name in NAMES:
        cold, warm = times[("cold", name)], times[("warm", name)]
        ratio = statistics.median(warm) / statistics.median(cold)
        print(
            f"{'pipeline diagnose ' + name:26} {statistics.median(cold):12.2f} {min(cold):6.2f} "
            f"{statistics.median(warm):12.2f} {min(warm):6.2f} {ratio:6.2f}"
        )
    print("goal: profit warm <= 0.2 x cold (about 3 s or less); all warm under 8 s")
    print(f"same JSON and exit codes cold and warm: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
