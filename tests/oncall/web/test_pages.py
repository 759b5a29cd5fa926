"""The pages and API routes over real HTTP: what a person sees, and the CLI's own JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oncall.cli.app import app
from tests.oncall.calendar.client import Running

from .conftest import FILING_DISCREPANCY

PAGES = ["/", "/rotations/data-engineering", "/pipelines/profit", "/handoff/data-engineering"]


def cli_json(*args: str) -> object:
    result = CliRunner().invoke(app, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def text_of(html: str) -> str:
    """What a reader sees, roughly: tags out, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_overview_says_who_is_on_call_and_when_the_next_hand_off_is(running: Running) -> None:
    seen = text_of(running.page("/"))
    # profit: the profit-bi rotation, Fatima this week, George from the next hand-off
    assert "Profit profit On call Fatima Khan" in seen
    assert "Next hand-off George Miller, Mon 11 Jan 2027 10:00 GMT" in seen
    # growth is working-hours only, and 6 Jan is a public holiday in Bavaria
    assert "Nobody paged now Alice Adams picks it up Thu 7 Jan 2027 09:00 CET" in seen
    assert seen.count("never diagnosed") == 4


def test_overview_shows_the_latest_diagnose_with_failing_checks(
    running: Running, diagnosed: Callable[..., None]
) -> None:
    diagnosed("profit", "2027-01-05T09:00:00+00:00", "ok", [])
    diagnosed(
        "profit",
        "2027-01-06T08:00:00+00:00",
        "fail",
        [
            {"id": "filing_discrepancy", "status": "fail", "count": 2, "unit": "months"},
            {"id": "cost_data_delay", "status": "ok", "count": 0, "unit": "months"},
        ],
    )
    diagnosed("growth", "2027-01-07T08:00:00+00:00", "fail", [])  # after now: not yet known
    seen = text_of(running.page("/"))
    assert "Latest diagnose FAIL Wed 6 Jan 2027 08:00 GMT FAIL filing_discrepancy : 2 months" in (
        seen
    )
    assert "cost_data_delay" not in seen
    assert seen.count("never diagnosed") == 3


def test_history_lines_of_older_versions_still_show(
    running: Running, diagnosed: Callable[..., None]
) -> None:
    # before summaries were recorded, a check was only its id, status and count
    check = {"id": "filing_discrepancy", "status": "fail", "count": 2}
    diagnosed("profit", "2027-01-06T08:00:00+00:00", "fail", [check])
    assert "FAIL filing_discrepancy : 2" in text_of(running.page("/"))
    assert "FAIL filing_discrepancy 2" in text_of(running.page("/pipelines/profit"))
    status, _, body = running.request("GET", "/api/diagnose/profit")
    assert status == 200 and json.loads(body)["pipelines"][0]["checks"][0]["summary"] is None


def test_uncovered_is_said_in_words(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = CliRunner()
    assert cli.invoke(app, ["publish", "--weeks", "2"]).exit_code == 0
    added = cli.invoke(app, ["leave", "add", "alice", "2027-01-06", "2027-01-08"])
    assert added.exit_code == 0, added.output
    seen = text_of(running.page("/"))
    assert "UNCOVERED : nobody answers for Engagement right now (Alice Adams is away)" in seen
    assert "UNCOVERED" in text_of(running.page("/handoff/data-engineering"))


def test_rotation_page_has_the_grid_the_chart_and_the_subscribe_links(running: Running) -> None:
    html = running.page("/rotations/data-engineering")
    seen = text_of(html)
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>", html)
    assert rows[:3] == [
        ("Mon 4 Jan 2027", "Alice Adams"),
        ("Mon 11 Jan 2027", "Bob Brown"),
        ("Mon 18 Jan 2027", "Chloe Clarke"),
    ]
    assert "Wed 6 Jan 2027: Epiphany" in seen
    assert "Alice Adams Mon 1 Feb 2027 – Fri 5 Feb 2027 ski trip" in seen  # leave
    fairness = cli_json("fairness")
    assert isinstance(fairness, dict)
    names = {
        "alice": "Alice Adams",
        "bob": "Bob Brown",
        "chloe": "Chloe Clarke",
        "dev": "Dev Patel",
    }
    assert [m["member"] for m in fairness["members"]] == list(names)
    for member in fairness["members"]:
        name = names[member["member"]]
        assert f"{name}: {member['weeks']} weeks</title>" in html
        assert f"{name}: {member['holiday_days']} holiday days</title>" in html
    optimum = fairness["plan_years"][0]["optimum"]["holiday_spread"]
    assert f"<td>{optimum} (proven)</td>" in html
    base = running.url.split("://")[1]
    assert f"webcal://{base}/data-engineering.ics" in html
    assert f"http://{base}/data-engineering/alice.ics" in html
    assert running.request("GET", "/data-engineering/alice.ics")[0] == 200


def test_pipeline_page_has_the_runbook_and_the_diagnose_history(
    running: Running, diagnosed: Callable[..., None]
) -> None:
    diagnosed(
        "profit",
        "2027-01-06T08:00:00+00:00",
        "fail",
        [FILING_DISCREPANCY],
    )
    seen = text_of(running.page("/pipelines/profit"))
    assert "Profit does not match the official filings filing_discrepancy" in seen  # issue
    assert "Run `pipeline diagnose profit --data $ONCALL_DATA`" in seen  # its remediation
    assert "Escalation Step Who Contact 1 Fatima Khan (on call, profit-bi)" in seen
    assert "Diagnose history" in seen and "FAIL filing_discrepancy 2" in seen
    assert "2 months 2 filed months differ" in seen  # latest findings


def test_handoff_page_is_this_weeks_agenda(running: Running) -> None:
    seen = text_of(running.page("/handoff/data-engineering"))
    agenda = cli_json("handoff")
    assert isinstance(agenda, dict)
    assert f"Incoming {agenda['incoming']['name']} ({agenda['incoming']['id']})" in seen
    assert "Wed 6 Jan 2027: Epiphany (alice)" in seen


@pytest.mark.parametrize(
    ("route", "command"),
    [
        ("/api/whois/profit", ["whois", "profit"]),
        ("/api/whois/growth", ["whois", "growth"]),
        ("/api/schedule/data-engineering", ["schedule"]),
        ("/api/schedule/profit-bi", ["schedule", "--rotation", "profit-bi"]),
        ("/api/handoff/data-engineering", ["handoff"]),
    ],
)
def test_api_is_the_clis_json(running: Running, route: str, command: list[str]) -> None:
    status, headers, body = running.request("GET", route)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body) == cli_json(*command)


def test_api_diagnose_has_the_keys_of_pipeline_diagnose(
    running: Running, diagnosed: Callable[..., None]
) -> None:
    from pipelines.checks.model import CheckResult, PipelineReport

    assert running.request("GET", "/api/diagnose/profit")[0] == 404  # never diagnosed
    check = {"id": "filing_discrepancy", "status": "fail", "count": 2, "summary": "2 differ"}
    diagnosed("profit", "2027-01-06T08:00:00+00:00", "fail", [check])
    status, _, body = running.request("GET", "/api/diagnose/profit")
    assert status == 200
    got = json.loads(body)
    assert got.keys() == {"pipelines", "data", "as_of", "at"}
    report = PipelineReport("profit", (CheckResult("filing_discrepancy", "fail", 2, "2 differ"),))
    assert got["pipelines"][0].keys() == report.as_json().keys()
    first = got["pipelines"][0]["checks"][0]
    assert first.keys() == report.as_json()["checks"][0].keys()
    assert (first["status"], first["count"], first["summary"]) == ("fail", 2, "2 differ")
    assert first["remediation"].startswith("1. Run `pipeline diagnose profit")  # the runbook's


@pytest.mark.parametrize(
    "path",
    [
        "/rotations/nope",
        "/pipelines/nope",
        "/handoff/profit",
        "/api/whois/data-engineering",
        "/api/schedule/profit",
        "/rotations/../schedules",
        "/pipelines/profit/extra",
        "/static/other.css",
        "/index.html",
    ],
)
def test_unknown_ids_are_404(running: Running, path: str) -> None:
    assert running.request("GET", path)[0] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", "/api/whois/profit"])
def test_only_get_and_head(running: Running, method: str, path: str) -> None:
    status, headers, _ = running.request(method, path)
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", [*PAGES, "/api/whois/profit", "/static/style.css"])
def test_every_page_has_the_security_headers_and_an_etag(running: Running, path: str) -> None:
    status, headers, body = running.request("GET", path)
    assert status == 200
    assert headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert not re.search(rb"<script|\sstyle=|\son[a-z]+=", body)  # CSP would block them
    etag = headers["ETag"]
    assert running.request("GET", path, {"If-None-Match": etag})[:3:2] == (304, b"")
    status, head, head_body = running.request("HEAD", path)
    assert (status, head_body, head["ETag"]) == (200, b"", etag)


def test_a_change_in_the_workspace_changes_the_etag(running: Running, workspace: Path) -> None:
    _, before, _ = running.request("GET", "/rotations/data-engineering")
    path = workspace / "schedules" / "data-engineering.yaml"
    path.write_text(path.read_text().replace("Chloe Clarke", "Chloe Clark"))
    status, after, body = running.request(
        "GET", "/rotations/data-engineering", {"If-None-Match": before["ETag"]}
    )
    assert status == 200 and b"Chloe Clark<" in body
    assert after["ETag"] != before["ETag"]


def test_names_and_runbook_prose_are_text_not_html(running: Running, workspace: Path) -> None:
    rotation = workspace / "schedules" / "data-engineering.yaml"
    rotation.write_text(
        rotation.read_text().replace("name: Alice Adams", 'name: "<script>alert(1)</script>"')
    )
    runbook = workspace / "runbooks" / "profit.yaml"
    runbook.write_text(
        runbook.read_text().replace(
            "title: Profit does not match the official filings",
            'title: "<img src=x onerror=alert(2)> filings"',
        )
    )
    text = runbook.read_text()
    runbook.write_text(
        text.replace("remediation: |\n", "remediation: |\n      <a href=x>Call</a> us\n", 1)
    )
    for path in ["/", "/rotations/data-engineering", "/handoff/data-engineering"]:
        html = running.page(path)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<script>" not in html
    html = running.page("/pipelines/profit")
    assert "&lt;img src=x onerror=alert(2)&gt; filings" in html
    assert "&lt;a href=x&gt;Call&lt;/a&gt; us" in html  # runbook prose
    assert "<img" not in html and "<a href=x" not in html


def test_pages_are_kept_until_the_minute_or_a_file_changes(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(lambda _: running.request("GET", "/"), range(40)))
    assert {(status, headers["ETag"]) for status, headers, _ in replies} == {
        (200, replies[0][1]["ETag"])
    }
    monkeypatch.setenv("ONCALL_NOW", "2027-01-11T09:31:00+01:00")  # after the hand-off
    seen = text_of(running.page("/"))
    assert "As of Mon 11 Jan 2027 08:31 UTC" in seen
    assert "Engagement engagement On call Bob Brown" in seen


def test_every_page_of_the_workspace_renders(running: Running, workspace: Path) -> None:
    from oncall.config.workspace import Workspace

    ws = Workspace(workspace)
    for rotation in ws.rotation_ids():
        for path in (f"/rotations/{rotation}", f"/handoff/{rotation}"):
            assert "<h1>" in running.page(path), path
    for pipeline in ws.runbook_ids():
        assert "Common issues" in running.page(f"/pipelines/{pipeline}"), pipeline


def test_a_broken_rotation_hides_only_its_own_pipeline(
    running: Running, workspace: Path, diagnosed: Callable[..., None]
) -> None:
    diagnosed("profit", "2027-01-06T08:00:00+00:00", "ok", [])
    path = workspace / "schedules" / "profit-bi.yaml"
    path.write_text(path.read_text().replace("timezone: Europe/London", "timezone: Mars/Olympus"))
    seen = text_of(running.page("/"))
    assert "Profit profit CANNOT TELL who is on call:" in seen
    assert "Engagement engagement On call Alice Adams" in seen
