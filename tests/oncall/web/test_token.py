"""Token mode: off loopback only with a token; pages behind its cookie, feeds at secret URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.calendar.server import open_server
from oncall.cli.app import app
from oncall.errors import UsageError
from tests.oncall.calendar.client import Running

from .conftest import TOKEN

COOKIE = {"Cookie": f"oncall_token={TOKEN}"}


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_no_token_no_listening_off_loopback(workspace: Path, host: str) -> None:
    with pytest.raises(UsageError, match="needs --token"):
        open_server(workspace, host, 0)


def test_the_command_refuses_with_the_usage_exit_code(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "needs --token (or ONCALL_SERVE_TOKEN)" in result.output


def test_a_short_token_is_refused(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_SERVE_TOKEN", "short")
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "--token: use 16 to 128 letters" in result.output


def test_pages_need_the_cookie(secured: Running) -> None:
    for path in ["/", "/rotations/data-engineering", "/api/whois/profit"]:
        status, _, body = secured.request("GET", path)
        assert status == 401, path
        assert b"Fatima" not in body and b"@example.com" not in body
    assert secured.request("GET", "/", {"Cookie": "oncall_token=wrong-token-0123456789"})[0] == 401
    assert secured.request("GET", "/?token=wrong-token-0123456789")[0] == 403
    assert secured.request("GET", "/static/style.css")[0] == 200  # holds no data


def test_a_token_visit_sets_the_cookie_and_cleans_the_url(secured: Running) -> None:
    status, headers, _ = secured.request("GET", f"/rotations/data-engineering?token={TOKEN}")
    assert status == 303
    assert headers["Location"] == "/rotations/data-engineering"
    assert headers["Set-Cookie"] == f"oncall_token={TOKEN}; Path=/; HttpOnly; SameSite=Strict"
    # never a redirect to another host
    assert not secured.request("GET", f"//evil.example?token={TOKEN}")[1]["Location"].startswith(
        "//"
    )
    html = secured.page("/rotations/data-engineering", COOKIE)
    base = secured.url.split("://")[1]
    # the subscribe links carry the secret: calendar apps send no cookie
    assert f"webcal://{base}/{TOKEN}/data-engineering/alice.ics" in html
    assert "Fatima Khan" in secured.page("/", COOKIE)


def test_feeds_only_at_their_secret_urls(secured: Running) -> None:
    for path in [f"/{TOKEN}/data-engineering.ics", f"/{TOKEN}/data-engineering/alice.ics"]:
        status, _, body = secured.request("GET", path)
        assert status == 200 and body.startswith(b"BEGIN:VCALENDAR"), path
    for path in [
        "/data-engineering.ics",
        "/data-engineering/alice.ics",
        "/wrong-token-0123456789/data-engineering.ics",
        f"/{TOKEN}/nope.ics",
    ]:
        assert secured.request("GET", path, COOKIE)[0] == 404, path


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8080", "10.0.0.5:8080"])
def test_without_a_token_pages_answer_loopback_names_only(running: Running, host: str) -> None:
    # DNS rebinding: another site's name pointed at 127.0.0.1 must not read the pages
    status, _, body = running.request("GET", "/", {"Host": host})
    assert status == 403 and b"@example.com" not in body
    for name in ("localhost:8080", "127.0.0.1", f"[::1]:{running.port}", "localhost"):
        assert running.request("GET", "/", {"Host": name})[0] == 200, name
