"""Latency of `oncall serve`'s pages under load: 50 parallel clients on loopback, per page.

Starts `oncall serve --port 0` on 127.0.0.1 over a throw-away copy of the bundled workspace (a
fixed clock, one diagnose run recorded), warms each page once, then for each page lets 50 clients
send GETs back to back (a new connection per request) for a few seconds, and prints the error
count, requests per second and median/p95 latency. Stops the server with Ctrl-C (SIGINT).

    .venv/bin/python benchmarks/web_load.py [--clients 50] [--seconds 3]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time

from serving import served, workspace_copy

PAGES = [
    "/",
    "/rotations/data-engineering",
    "/pipelines/profit",
    "/handoff/data-engineering",
    "/api/whois/profit",
    "/api/schedule/data-engineering",
    "/static/style.css",
    "/data-engineering.ics",
]


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port: int, path: str, clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (ms) of every answered request, and how many failed or were not 200."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                ok = get(port, path) == 200
            except OSError:
                ok = False
            elapsed = 1000 * (time.perf_counter() - start)
            with lock:
                latencies.append(elapsed)
                errors += not ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with workspace_copy() as (tmp, root, env):
        (root / "state").mkdir()
        run = {
            "at": "2027-01-06T08:00:00+00:00",
            "pipeline": "profit",
            "status": "fail",
            "checks": [{"id": "filing_discrepancy", "status": "fail", "count": 2}],
        }
        (root / "state" / "diagnose-history.jsonl").write_text(json.dumps(run) + "\n")
        env.pop("ONCALL_STATE_DIR", None)
        with served(env, tmp) as port:
            cores = os.cpu_count()
            print(f"{args.clients} clients, {args.seconds:g} s per page, {cores} cores")
            header = ("page", "requests", "errors", "req/s", "p50 ms", "p95 ms")
            print("{:34} {:>8} {:>6} {:>6} {:>7} {:>7}".format(*header))
            for path in PAGES:
                start = time.perf_counter()
                get(port, path)  # the cold build (rotation engine, templates) is not measured
                cold = 1000 * (time.perf_counter() - start)
                latencies, errors = load(port, path, args.clients, args.seconds)
                p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else 0
                print(
                    f"{path:34} {len(latencies):8} {errors:6} "
                    f"{len(latencies) / args.seconds:6.0f} {statistics.median(latencies):7.1f} "
                    f"{p95:7.1f}   (first request {cold:.0f} ms)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
