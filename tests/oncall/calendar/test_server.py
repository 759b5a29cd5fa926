"""The feed server in-process: real HTTP on a loopback port, every status a client can meet."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from oncall.calendar import feed as feed_module
from oncall.calendar.server import feed_path, open_server
from oncall.config.workspace import Workspace
from oncall.errors import RuntimeFailure
from oncall.rotation import changes

from .client import Running, serving
from .strict import parse


@pytest.fixture
def running(workspace: Path) -> Iterator[Running]:
    with serving(workspace) as started:
        yield started


def test_get_serves_the_feed_with_validators(running: Running, workspace: Path) -> None:
    status, headers, body = running.request("GET", "/data-engineering.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
    # the newest DTSTAMP of the feed (the fixed clock's), not the time of the request
    assert headers["Last-Modified"] == "Wed, 06 Jan 2027 09:00:00 GMT"
    parsed = parse(body)
    assert parsed.name == "On call: Data Engineering Team"
    from oncall.calendar.feed import build_feed

    assert body == build_feed(Workspace(workspace), "data-engineering").body


def test_member_feed_and_head(running: Running) -> None:
    status, headers, body = running.request("GET", "/data-engineering/alice.ics")
    assert status == 200
    assert parse(body).name == "On call: Alice Adams (Data Engineering Team)"
    status, head_headers, head_body = running.request("HEAD", "/data-engineering/alice.ics")
    assert status == 200 and head_body == b""
    assert head_headers["Content-Length"] == str(len(body))
    assert head_headers["ETag"] == headers["ETag"]


def test_conditional_requests(running: Running) -> None:
    _, headers, _ = running.request("GET", "/data-engineering.ics")
    etag, modified = headers["ETag"], headers["Last-Modified"]
    for condition in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"nope", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ):
        status, got, body = running.request("GET", "/data-engineering.ics", condition)
        assert (status, body) == (304, b""), condition
        assert got["ETag"] == etag
    status, _, _ = running.request("HEAD", "/data-engineering.ics", {"If-None-Match": etag})
    assert status == 304
    for condition in (
        {"If-None-Match": '"something-else"'},
        {"If-Modified-Since": "Tue, 05 Jan 2027 09:00:00 GMT"},
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        {"If-None-Match": '"something-else"', "If-Modified-Since": modified},
        {"If-Modified-Since": "not a date"},
    ):
        status, _, body = running.request("GET", "/data-engineering.ics", condition)
        assert status == 200 and body, condition


@pytest.mark.parametrize(
    "path",
    [
        "/index.html",
        "/nope.ics",
        "/teams.ics",
        "/data-engineering",
        "/data-engineering.ics/",
        "/data-engineering.yaml",
        "/data-engineering/zed.ics",
        "/data-engineering/alice/bob.ics",
        "/../schedules/data-engineering.yaml",
        "/../../etc/passwd",
        "/data-engineering/../profit-bi.ics",
        "/%2e%2e/schedules/data-engineering.ics",
        "/data-engineering%2f..%2fprofit-bi.ics",
        "/schedules/data-engineering.ics",
    ],
)
def test_anything_but_a_feed_is_404(running: Running, path: str) -> None:
    status, headers, body = running.request("GET", path)
    assert status == 404, path
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert b"BEGIN:VCALENDAR" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_only_get_and_head(running: Running, method: str) -> None:
    status, headers, _ = running.request(method, "/data-engineering.ics")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


def test_query_strings_are_ignored(running: Running) -> None:
    plain = running.request("GET", "/profit-bi.ics")
    busted = running.request("GET", "/profit-bi.ics?nocache=123")
    assert plain[0] == busted[0] == 200 and plain[2] == busted[2]


def test_workspace_changes_show_without_a_restart(
    running: Running, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, before_headers, before = running.request("GET", "/data-engineering.ics")
    monkeypatch.setenv("ONCALL_NOW", "2027-01-07T12:00:00+01:00")
    changes.add_swap(Workspace(workspace), "data-engineering", date(2027, 1, 18), date(2027, 1, 25))
    status, headers, after = running.request(
        "GET", "/data-engineering.ics", {"If-None-Match": before_headers["ETag"]}
    )
    assert status == 200
    assert headers["ETag"] != before_headers["ETag"]
    assert headers["Last-Modified"] == "Thu, 07 Jan 2027 11:00:00 GMT"
    old = parse(before).by_uid()["week-2027-01-18@data-engineering.oncall"]
    new = parse(after).by_uid()["week-2027-01-18@data-engineering.oncall"]
    assert (old.summary, new.summary) == ("On call: Chloe Clarke", "On call: Dev Patel")
    assert new.sequence == old.sequence + 1
    # a rotation file that is removed disappears too
    (workspace / "schedules" / "profit-bi.yaml").unlink()
    assert running.request("GET", "/profit-bi.ics")[0] == 404


def test_the_window_moves_on_monday(
    running: Running, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oncall.calendar.feed import build_feed

    # a year exported once: the week entering the window next Monday is already recorded
    build_feed(Workspace(workspace), "data-engineering", weeks=52)
    _, first, _ = running.request("GET", "/data-engineering.ics")
    monkeypatch.setenv("ONCALL_NOW", "2027-01-11T00:30:00+01:00")
    status, moved, body = running.request(
        "GET", "/data-engineering.ics", {"If-None-Match": first["ETag"]}
    )
    assert status == 200
    assert "week-2027-07-05@data-engineering.oncall" in parse(body).by_uid()
    # no event is newer than 6 Jan, yet the feed changed at Monday 00:00 local time: its
    # Last-Modified says so, so If-Modified-Since clients see the change too
    assert moved["Last-Modified"] == "Sun, 10 Jan 2027 23:00:00 GMT"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """The arguments of every feed build from now on (the builds still happen)."""
    calls: list[tuple[object, ...]] = []
    real = feed_module.build_feed

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feed_module, "build_feed", counting)
    return calls


def test_concurrent_clients_get_the_same_feed_built_once(
    running: Running, builds: list[tuple[object, ...]]
) -> None:
    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(
            pool.map(lambda _: running.request("GET", "/data-engineering.ics"), range(100))
        )
    assert {status for status, _, _ in results} == {200}
    assert len({body for _, _, body in results}) == 1
    assert len(builds) == 1


def test_one_log_line_per_request(running: Running) -> None:
    running.request("GET", "/data-engineering.ics")
    running.request("HEAD", "/profit-bi.ics")
    running.request("GET", "/nope.ics")
    running.request("DELETE", "/nope.ics")
    # a request is logged once answered: the client may read the answer a moment before
    deadline = time.monotonic() + 5
    while True:
        lines = running.log.getvalue().splitlines()
        requests = [line for line in lines if '"' in line]
        if len(requests) >= 4 or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert len(requests) == 4, lines
    assert requests[0].startswith("2027-01-06T10:00:00+01:00 127.0.0.1 ")
    assert '"GET /data-engineering.ics HTTP/1.1" 200 ' in requests[0]
    assert '"HEAD /profit-bi.ics HTTP/1.1" 200 0 ' in requests[1]
    assert '"GET /nope.ics HTTP/1.1" 404 ' in requests[2]
    assert '"DELETE /nope.ics HTTP/1.1" 405 ' in requests[3]


def test_an_invalid_rotation_file_is_a_500_with_the_problem_logged(
    running: Running, workspace: Path
) -> None:
    path = workspace / "schedules" / "profit-bi.yaml"
    path.write_text(path.read_text("utf-8").replace("timezone:", "timezon:"), "utf-8")
    status, _, body = running.request("GET", "/profit-bi.ics")
    assert status == 500
    assert b"timezon: unknown key" in body
    assert "error: schedules/profit-bi.yaml: timezon: unknown key" in running.log.getvalue()


def test_a_port_in_use_is_one_clear_failure(running: Running, workspace: Path) -> None:
    with pytest.raises(RuntimeFailure) as caught:
        open_server(workspace, "127.0.0.1", running.port)
    assert caught.value.lines == [
        f"cannot listen on 127.0.0.1:{running.port}: port {running.port} is in use "
        f"(pick another with --port)"
    ]


def test_feed_paths() -> None:
    assert feed_path("/data-engineering.ics") == ("data-engineering", None)
    assert feed_path("/data-engineering/alice.ics?x=1") == ("data-engineering", "alice")
    for bad in ("/a/b/c.ics", "/.ics", "/../a.ics", "/a..ics", "/a/.ics", "/a.ics.ics"):
        assert feed_path(bad) is None, bad


def test_unknown_members_are_refused_without_a_build_or_a_cache_entry(
    running: Running, builds: list[tuple[object, ...]]
) -> None:
    for index in range(20):
        status, _, body = running.request("GET", f"/data-engineering/nobody{index}.ics")
        assert status == 404
    assert body == b"not found: no member 'nobody19' in rotation 'data-engineering'\n"
    assert builds == []
    assert running.server.feeds._cache == {}


def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes on one connection and read until the server closes it."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def statuses(raw: bytes) -> list[int]:
    """The status of each response in ``raw`` (a plain-text body ends with a bare LF)."""
    import re

    return [int(code) for code in re.findall(rb"(?:^|\n)HTTP/1\.1 (\d{3}) ", raw)]


def test_a_request_body_is_never_read_as_the_next_request(running: Running) -> None:
    smuggled = b"GET /data-engineering/bob.ics HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = exchange(
        running.port,
        b"POST /data-engineering.ics HTTP/1.1\r\nHost: x\r\n"
        + f"Content-Length: {len(smuggled)}\r\n\r\n".encode()
        + smuggled
        + b"GET /data-engineering.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert statuses(raw) == [405, 200]
    assert b'filename="data-engineering.ics"' in raw
    assert b"bob.ics" not in raw
    logged = [line.split('"')[1] for line in running.log.getvalue().splitlines()]
    assert logged == ["POST /data-engineering.ics HTTP/1.1", "GET /data-engineering.ics HTTP/1.1"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (b"Transfer-Encoding: chunked\r\n", 501),
        (b"Content-Length: 70000\r\n", 413),
        (b"Content-Length: abc\r\n", 400),
        (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400),
    ],
)
def test_a_body_it_cannot_frame_closes_the_connection(
    running: Running, headers: bytes, status: int
) -> None:
    hidden = b"GET /data-engineering/bob.ics HTTP/1.1\r\nHost: x\r\n\r\n"
    raw = exchange(
        running.port, b"POST / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n" + b"5\r\n" + hidden
    )
    assert statuses(raw) == [status]  # answered, then closed: the rest is never a request
    assert b"Connection: close" in raw


def test_request_lines_are_logged_without_control_characters(running: Running) -> None:
    raw = exchange(running.port, b"GET /\x1b[2J\x07\x9b.ics HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert statuses(raw) == [404]
    log = running.log.getvalue()
    assert "\x1b" not in log and "\x07" not in log and "\x9b" not in log
    assert '"GET /\\x1b[2J\\x07\\x9b.ics HTTP/1.1" 404' in log
