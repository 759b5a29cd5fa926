"""Throughput of `oncall serve`: 100 concurrent clients on loopback, a new connection per request.

Starts `oncall serve --port 0` on 127.0.0.1 over the bundled workspace (with a fixed clock and a
throw-away copy, so the calendar ledger of the repository is not touched), measures the first
(cold) build, then 2,000 full-feed GETs and 2,000 conditional GETs answered 304, and stops the
server with Ctrl-C (SIGINT).

    .venv/bin/python benchmarks/calendar_feed.py [--requests 2000] [--clients 100]
"""

from __future__ import annotations

import argparse
import http.client
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from serving import served, workspace_copy


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str | None, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.getheader("ETag"), len(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args()
    with workspace_copy() as (tmp, _, env), served(env, tmp) as port:
        start = time.perf_counter()
        _, etag, size = get(port, "/data-engineering.ics")
        cold_ms = 1000 * (time.perf_counter() - start)
        print(f"first request (cold build): {cold_ms:.0f} ms, {size} bytes")
        cases = [
            ("200 full feed", {}),
            ("304 If-None-Match", {"If-None-Match": etag or ""}),
        ]
        for label, headers in cases:
            start = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                codes = list(
                    pool.map(
                        lambda _, h=headers: get(port, "/data-engineering.ics", h)[0],
                        range(args.requests),
                    )
                )
            elapsed = time.perf_counter() - start
            print(
                f"{label}: {args.requests} requests by {args.clients} concurrent clients "
                f"in {elapsed:.2f} s = {args.requests / elapsed:.0f} req/s; "
                f"status codes {sorted(set(codes))}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
