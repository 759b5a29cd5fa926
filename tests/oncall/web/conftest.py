"""A real ``oncall serve`` server on a loopback port, over a private copy of the workspace."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from oncall.calendar.server import FeedServer, open_server
from tests.oncall.calendar import client

TOKEN = "s3cret-token-for-tests-0123456789"


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
        return client.request(self.port, method, path, headers)

    def page(self, path: str, headers: dict[str, str] | None = None) -> str:
        """The body of a page that must answer 200."""
        status, _, body = self.request("GET", path, headers)
        assert status == 200, (path, body[:300])
        return body.decode("utf-8")


@contextmanager
def serving(root: Path, token: str | None = None) -> Iterator[Running]:
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


@pytest.fixture
def running(workspace: Path) -> Iterator[Running]:
    with serving(workspace) as started:
        yield started


@pytest.fixture
def secured(workspace: Path) -> Iterator[Running]:
    with serving(workspace, TOKEN) as started:
        yield started


@pytest.fixture
def diagnosed(workspace: Path) -> Callable[..., None]:
    """Record diagnose runs in the workspace's history, as ``pipeline diagnose`` does."""
    from oncall import history

    def record(pipeline: str, at: str, status: str, checks: list[dict[str, object]]) -> None:
        history.record_runs(
            workspace,
            [
                {
                    "at": at,
                    "pipeline": pipeline,
                    "status": status,
                    "data": "/data/demo",
                    "as_of": at,
                    "checks": checks,
                }
            ],
        )

    return record
