"""A plain HTTP client for the server tests, and a real server on loopback to ask."""

from __future__ import annotations

import http.client
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from oncall.calendar.server import FeedServer, open_server


def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request to ``127.0.0.1:port``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class Running:
    """A started server and a way to ask it things."""

    def __init__(self, server: FeedServer, log: io.StringIO) -> None:
        self.server = server
        self.log = log
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return request(self.port, method, path, headers)

    def page(self, path: str, headers: dict[str, str] | None = None) -> str:
        """The body of a page that must answer 200."""
        status, _, body = self.request("GET", path, headers)
        assert status == 200, (path, body[:300])
        return body.decode("utf-8")


@contextmanager
def serving(root: Path, token: str | None = None) -> Iterator[Running]:
    """``oncall serve`` over the workspace ``root`` on a free loopback port, in a thread."""
    log = io.StringIO()
    server = open_server(root, "127.0.0.1", 0, stream=log, token=token)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Running(server, log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
