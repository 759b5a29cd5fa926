"""The web routes of ``oncall serve``: a request path to a ``Reply`` (docs/web.md).

Pages are rendered by Jinja2 with autoescape on, so every name, note and runbook text from the
workspace reaches the browser as text. Ids in paths are matched against the workspace's ids,
never used to build a file path. Every reply is built whole, then hashed for its ``ETag``.

A built reply is kept while no file of the workspace (configuration, state, the diagnose
history) changes and the clock stays in the same minute: many clients cost one build, and an
edit shows on the next request.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from oncall import clock
from oncall.calendar.server import TEXT_TYPE, Reply
from oncall.config.models import Teams
from oncall.config.workspace import Workspace
from oncall.errors import OncallError
from oncall.web import data

#: the most replies kept in memory
MAX_KEPT = 256
HTML_TYPE = "text/html; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
CSS_TYPE = "text/css; charset=utf-8"

_ROUTE = re.compile(
    r"^/(?:(?P<page>rotations|pipelines|handoff)|api/(?P<api>whois|schedule|handoff|diagnose))"
    r"/(?P<id>[A-Za-z0-9_][A-Za-z0-9_-]*)$"
)


def _tagged(status: int, body: bytes, content_type: str) -> Reply:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Reply(status, body, content_type, etag=etag)


def _plain(status: int, message: str) -> Reply:
    return Reply(status, (message + "\n").encode("utf-8"), TEXT_TYPE)


def _json(value: Any) -> Reply:
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"  # as print_json
    return _tagged(200, text.encode("utf-8"), JSON_TYPE)


class Site:
    """The pages and API routes of one workspace."""

    def __init__(self, root: Path, log: Callable[[str], None]) -> None:
        self.root = Path(root)
        self.log = log
        # the rotation engine keeps caches on disk: one page built at a time, like the feeds
        self._lock = threading.Lock()
        self._env: Any = None
        self._kept: dict[tuple[str, str], tuple[Any, Reply]] = {}

    def _templates(self) -> Any:
        if self._env is None:
            import jinja2

            self._env = jinja2.Environment(
                loader=jinja2.PackageLoader("oncall.web", "templates"),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            self._env.filters["when"] = _when
            self._env.filters["day"] = _day
        return self._env

    def reply(self, path: str, feed_base: str) -> Reply | None:
        """``build``'s reply, kept while its inputs and the minute are unchanged."""
        key = (path, feed_base)
        stamp = (self._inputs(), clock.now().replace(second=0, microsecond=0))
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        reply = self.build(path, feed_base)
        if reply is not None and reply.status == 200:
            if len(self._kept) >= MAX_KEPT:  # the Host header is the client's: stay bounded
                self._kept.clear()
            self._kept[key] = (stamp, reply)
        return reply

    def _inputs(self) -> tuple[Any, ...]:
        """A stamp of every file a page reads (lock files aside)."""
        from oncall.cache import file_stamp
        from oncall.history import history_path

        files = [history_path(self.root)]
        for folder in ("schedules", "runbooks"):
            files += sorted(p for p in (self.root / folder).rglob("*") if p.suffix != ".lock")
        return tuple((str(p), file_stamp(p)) for p in files)

    def build(self, path: str, feed_base: str) -> Reply | None:
        """The reply for ``path`` (no query string), or None when no page has that path.

        ``feed_base`` is the URL the calendar feeds are served under (``http://host:port/``, or
        with the secret in token mode), for the subscribe links.
        """
        if path == "/static/style.css":
            css = resources.files("oncall.web").joinpath("static/style.css").read_bytes()
            return _tagged(200, css, CSS_TYPE)
        if path == "/":
            return self._guarded(lambda ws: self._page("index.html", **self._overview(ws)))
        match = _ROUTE.match(path)
        if match is None:
            return None
        ident = match["id"]
        if match["page"] in ("rotations", "handoff") or match["api"] in ("schedule", "handoff"):
            exists = "rotation"
        else:
            exists = "pipeline"

        def answer(ws: Workspace) -> Reply:
            known = ws.rotation_ids() if exists == "rotation" else ws.runbook_ids()
            if ident not in known:
                return _plain(404, f"not found: no {exists} {ident!r}")
            now = clock.now()
            if match["api"] == "whois":
                return _json(data.whois_data(ws, ident, now))
            if match["api"] == "schedule":
                return _json(data.schedule_json(ws, ident))
            if match["api"] == "handoff":
                return _json(data.handoff_json(ws, ident, now))
            if match["api"] == "diagnose":
                found = data.diagnose_json(ws, ident, now)
                if found is None:
                    return _plain(404, f"not found: {ident} was never diagnosed")
                return _json(found)
            if match["page"] == "rotations":
                return self._page("rotation.html", **self._rotation(ws, ident, feed_base))
            if match["page"] == "pipelines":
                return self._page("pipeline.html", **self._pipeline(ws, ident, now))
            return self._page("handoff.html", agenda=data.handoff_json(ws, ident, now))

        return self._guarded(answer)

    def _guarded(self, answer: Callable[[Workspace], Reply]) -> Reply:
        """Answer under the lock; an invalid workspace is a 500 naming the problem."""
        with self._lock:
            ws = Workspace(self.root)
            ws.lenient = True  # as whois and handoff: a fresh typo must not take the page down
            try:
                return answer(ws)
            except OncallError as error:
                for line in error.lines:
                    self.log(f"error: {line}")
                return _plain(500, "cannot show this page: " + "; ".join(error.lines))
            finally:
                for line in ws.fallbacks:
                    self.log(f"warning: {line}")

    def _page(self, name: str, **values: Any) -> Reply:
        html = self._templates().get_template(name).render(**values)
        return _tagged(200, html.encode("utf-8"), HTML_TYPE)

    def _overview(self, ws: Workspace) -> dict[str, Any]:
        now = clock.now()
        statuses = []
        for pipeline in ws.runbook_ids():
            runs = data.runs_of(ws, pipeline, now)
            latest = runs[0] if runs else None
            try:
                whois: dict[str, Any] = data.whois_data(ws, pipeline, now)
                problem = None
            except OncallError as error:  # one broken rotation must not hide the others
                whois = {
                    "pipeline": pipeline,
                    "name": _runbook_name(ws, pipeline),
                    "timezone": None,
                }
                problem = "; ".join(error.lines)
                self.log(f"error: {pipeline}: {problem}")
            statuses.append(
                {
                    "whois": whois,
                    "problem": problem,
                    "latest": latest,
                    "failing": data.failing(latest) if latest else [],
                }
            )
        return {
            "now": now,
            "pipelines": statuses,
            "rotations": [(r, _rotation_name(ws, r)) for r in ws.rotation_ids()],
        }

    def _rotation(self, ws: Workspace, rotation_id: str, feed_base: str) -> dict[str, Any]:
        rotation = ws.rotation(rotation_id)
        webcal = "webcal://" + feed_base.split("://", 1)[1]
        links = [("Whole team", f"{rotation_id}.ics")] + [
            (m.name, f"{rotation_id}/{m.id}.ics") for m in rotation.members
        ]
        return {
            "rotation": rotation,
            "rotation_id": rotation_id,
            "names": {m.id: m.name for m in rotation.members},
            "leave": [(m.name, leave) for m in rotation.members for leave in m.leave],
            "schedule": data.schedule_json(ws, rotation_id),
            "chart": fairness_chart(
                data.fairness_json(ws, rotation_id), {m.id: m.name for m in rotation.members}
            ),
            "links": [(who, webcal + path, feed_base + path) for who, path in links],
        }

    def _pipeline(self, ws: Workspace, pipeline: str, now: datetime) -> dict[str, Any]:
        from oncall.runbooks import describe_deadline, describe_sla

        runbook = ws.runbook(pipeline)
        teams = ws.teams()
        zone = ws.rotation(runbook.on_call.rotation).timezone if runbook.on_call.rotation else None
        runs = data.runs_of(ws, pipeline, now)[: data.RUNS]
        return {
            "runbook": runbook,
            "whois": data.whois_data(ws, pipeline, now),
            "contacts": {
                name: _contact(teams, name)
                for name in (*runbook.owners.primary, *runbook.owners.secondary)
            },
            "sla": describe_sla(runbook),
            "deadlines": [
                (d.name, describe_deadline(d, zone), d.owner) for d in runbook.sla.deadlines
            ],
            "runs": [(run, data.failing(run)) for run in runs],
            "latest": data.diagnose_json(ws, pipeline, now),
        }


def _rotation_name(ws: Workspace, rotation_id: str) -> str:
    """The rotation's name, or its id when its file cannot be read (its page says why)."""
    try:
        return ws.rotation(rotation_id).name
    except OncallError:
        return rotation_id


def _runbook_name(ws: Workspace, pipeline: str) -> str:
    """The pipeline's name, or its id when its runbook cannot be read."""
    try:
        return ws.runbook(pipeline).name
    except OncallError:
        return pipeline


def _contact(teams: Teams | None, name: str) -> str:
    """How to reach an owner team (empty when the teams file does not list it)."""
    team = teams.get(name) if teams else None
    return team.contact if team else ""


def _when(value: Any, zone_name: str | None = None) -> str:
    """An ISO instant (or datetime) as ``Wed 6 Jan 2027 10:00 CET`` (``oncall.text.when``)."""
    from oncall.text import when

    return when(datetime.fromisoformat(value) if isinstance(value, str) else value, zone_name)


def _day(value: str) -> str:
    """An ISO date as ``Mon 4 Jan 2027``."""
    from datetime import date

    from oncall.text import day_text

    return day_text(date.fromisoformat(value))


#: the fairness chart's geometry, in SVG user units
ROW, BAR_HEIGHT, LABEL, WIDTH = 44, 16, 130, 540


def fairness_chart(fairness: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Bars of weeks and holiday days per member (``oncall fairness``), scaled to the largest
    value, with each number written next to its bar (the colours only repeat the legend); a
    former member, no longer in ``names``, by id."""
    members = fairness["members"]
    top = max([1, *(m["weeks"] for m in members), *(m["holiday_days"] for m in members)])
    span = WIDTH - LABEL - 110  # room for "13 holiday days" after the longest bar
    rows = []
    for index, member in enumerate(members):
        y = 28 + index * ROW
        rows.append(
            {
                "member": names.get(member["member"], member["member"]),
                "current": member["current"],
                "y": y,
                "bars": [
                    {
                        "kind": kind,
                        "label": label,
                        "value": member[kind],
                        "y": y + offset,
                        "width": max(1, round(member[kind] / top * span)),
                    }
                    for kind, label, offset in (
                        ("weeks", "weeks", 0),
                        ("holiday_days", "holiday days", BAR_HEIGHT + 2),
                    )
                ],
            }
        )
    return {
        "rows": rows,
        "label": LABEL,
        "width": WIDTH,
        "height": 28 + len(members) * ROW,
        "bar_height": BAR_HEIGHT,
        "fairness": fairness,
    }
