"""``oncall serve``: the calendar feeds over HTTP, for clients that subscribe to a URL, and the
read-only web pages (``oncall.web``, docs/web.md) on the same port.

Google Calendar, Outlook and Apple Calendar poll a subscribed URL every few hours. What they
get here:

- ``GET``/``HEAD /<rotation-id>.ics`` and ``/<rotation-id>/<member-id>.ics``, served as
  ``text/calendar; charset=utf-8``; any other path is 404 (ids are matched against the
  workspace's rotations and members, never used to build a path), any other method 405.
- ``ETag`` (a hash of the body) and ``Last-Modified`` (the newest DTSTAMP of the feed, or the
  Monday its rolling window last moved), with 304 on a matching ``If-None-Match`` (or, without
  one, an ``If-Modified-Since`` not older than the feed).
- Feeds are built on demand and kept in memory while the files they come from are unchanged
  (``oncall.cache.file_stamp``) and the window has not moved, so edits to the workspace show on
  the next request without a restart, and a hundred clients at once cost one build.
- A request body (no method here takes one) is read and thrown away up to ``MAX_BODY`` bytes,
  so it can never be read as the next request on a kept-alive connection; a larger or unclear
  one (a bad ``Content-Length``, any ``Transfer-Encoding``) is refused and the connection closed.
- With a token (``--token``, required off loopback), feeds are served only under the secret
  path ``/<token>/...`` and pages only to a browser holding the token's cookie (docs/web.md).
- Every reply carries a strict Content-Security-Policy, ``nosniff`` and ``no-referrer``.
- One log line per request on stderr, control characters shown as text; ``Ctrl-C`` (or
  SIGTERM) stops the server cleanly.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from oncall import clock
from oncall.cache import file_stamp
from oncall.errors import ConfigError, OncallError, RuntimeFailure, UsageError
from oncall.frozen import frozen

CALENDAR_TYPE = "text/calendar; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
ALLOWED = "GET, HEAD"
#: every reply: nothing but our own stylesheet and data: images may load, nothing may frame us
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
#: the cookie a ``/?token=...`` visit sets, so page URLs stay free of the secret
TOKEN_COOKIE = "oncall_token"
#: a token is part of feed URLs: URL-safe characters only, and long enough not to be guessed
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
#: the largest request body read (and discarded) before answering; larger ones are refused
MAX_BODY = 64 * 1024

#: ``/<rotation-id>.ics`` or ``/<rotation-id>/<member-id>.ics``: no dots before ``.ics`` but the
#: suffix's, no slashes but the separator, no percent-escapes (so no ``..`` in any spelling)
_FEED_PATH = re.compile(
    r"^/(?P<rotation>[A-Za-z0-9_][A-Za-z0-9_-]*)(?:/(?P<member>[a-z0-9_][a-z0-9_-]*))?\.ics$"
)


@frozen
class Reply:
    """What the server answers for a path: a status, a body and its validators."""

    status: int
    body: bytes
    content_type: str = TEXT_TYPE
    etag: str | None = None
    last_modified: datetime | None = None
    filename: str | None = None
    #: more headers (``Location``, ``Set-Cookie``)
    headers: tuple[tuple[str, str], ...] = ()


def _plain(status: int, message: str) -> Reply:
    return Reply(status, (message + "\n").encode("utf-8"))


def feed_path(path: str) -> tuple[str, str | None] | None:
    """``(rotation, member)`` named by a request path (query string ignored), or None."""
    match = _FEED_PATH.match(path.split("?", 1)[0])
    if match is None:
        return None
    return match["rotation"], match["member"]


@dataclass
class _Cached:
    stamps: tuple[Any, ...]
    zone: ZoneInfo | None
    monday: date
    reply: Reply


class Feeds:
    """The feeds of one workspace, built on demand and kept while their inputs are unchanged."""

    def __init__(self, root: Path, log: Callable[[str], None]) -> None:
        self.root = Path(root)
        self.log = log
        # only feeds that exist are cached (unknown member ids are refused before), so the
        # cache is bounded by the workspace, not by what clients ask for
        self._cache: dict[tuple[str, str | None], _Cached] = {}
        self._members: dict[str, tuple[Any, frozenset[str]]] = {}
        self._build_lock = threading.Lock()

    def rotation_ids(self) -> list[str]:
        from oncall.config.workspace import Workspace

        return Workspace(self.root).rotation_ids()

    def reply(self, rotation_id: str, member_id: str | None) -> Reply:
        """The reply for ``/<rotation_id>[/<member_id>].ics``."""
        from oncall.calendar.feed import input_files
        from oncall.config.workspace import Workspace

        workspace = Workspace(self.root)
        if rotation_id not in workspace.rotation_ids():
            return _plain(404, f"not found: no rotation {rotation_id!r}")
        if member_id is not None and not self._is_member(workspace, rotation_id, member_id):
            return _plain(404, f"not found: no member {member_id!r} in rotation {rotation_id!r}")
        files = input_files(workspace, rotation_id)
        key = (rotation_id, member_id)
        cached = self._fresh(key, files)
        if cached is not None:
            return cached.reply
        with self._build_lock:  # one build at a time; the others then find it cached
            cached = self._fresh(key, files)
            if cached is not None:
                return cached.reply
            before = _stamps(files)
            reply, zone = self._build(workspace, rotation_id, member_id)
            # the build may have written the ledger: remember its new stamp, but the other
            # inputs as they were before the build (a change during it shows next time)
            from oncall.calendar.ledger import ledger_path

            ledger = ledger_path(workspace, rotation_id)
            stamps = tuple(
                file_stamp(path) if path == ledger else stamp
                for path, stamp in zip(files, before, strict=True)
            )
            self._cache[key] = _Cached(stamps, zone, _this_monday(zone), reply)
            return reply

    def _is_member(self, workspace: Any, rotation_id: str, member_id: str) -> bool:
        """Whether the rotation has this member (an invalid rotation file: let the build say)."""
        stamp = file_stamp(workspace.rotation_path(rotation_id))
        known = self._members.get(rotation_id)
        if known is None or known[0] != stamp:
            try:
                rotation = workspace.rotation(rotation_id)
            except OncallError:
                return True
            known = (stamp, frozenset(m.id for m in rotation.members))
            self._members[rotation_id] = known
        return member_id in known[1]

    def _fresh(self, key: tuple[str, str | None], files: list[Path]) -> _Cached | None:
        cached = self._cache.get(key)
        if cached is None or cached.stamps != _stamps(files):
            return None
        if cached.monday != _this_monday(cached.zone):
            return None
        return cached

    def _build(
        self, workspace: Any, rotation_id: str, member_id: str | None
    ) -> tuple[Reply, ZoneInfo | None]:
        from oncall.calendar.feed import build_feed

        try:
            feed = build_feed(workspace, rotation_id, member_id)
        except UsageError as error:
            return _plain(404, f"not found: {error.lines[0]}"), None
        except ConfigError as error:
            for line in error.lines:
                self.log(f"error: {line}")
            return _plain(500, "the workspace is invalid: " + "; ".join(error.lines)), None
        except OncallError as error:
            for line in error.lines:
                self.log(f"error: {line}")
            return _plain(500, "; ".join(error.lines)), None
        for line in feed.warnings:
            self.log(f"warning: {line}")
        name = rotation_id if member_id is None else f"{rotation_id}-{member_id}"
        reply = Reply(
            200,
            feed.body,
            CALENDAR_TYPE,
            etag='"' + hashlib.sha256(feed.body).hexdigest()[:32] + '"',
            last_modified=feed.last_modified,
            filename=f"{name}.ics",
        )
        return reply, ZoneInfo(feed.timezone)


def _stamps(files: list[Path]) -> tuple[Any, ...]:
    return tuple(file_stamp(path) for path in files)


def _this_monday(zone: ZoneInfo | None) -> date:
    from oncall.rotation.weeks import monday_of

    return monday_of(clock.today(zone))


def not_modified(reply: Reply, headers: Any) -> bool:
    """Whether the request's validators match ``reply`` (RFC 9110 13.1: If-None-Match first,
    compared weakly; If-Modified-Since only without it)."""
    if reply.etag is None:
        return False
    wanted = headers.get("If-None-Match")
    if wanted is not None:
        tags = [tag.strip().removeprefix("W/") for tag in wanted.split(",")]
        return "*" in tags or reply.etag in tags
    since = headers.get("If-Modified-Since")
    if since is not None and reply.last_modified is not None:
        try:
            moment = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return reply.last_modified <= moment
    return False


class FeedHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the feed paths; everything else is 404 or 405."""

    server: FeedServer
    protocol_version = "HTTP/1.1"
    server_version = "oncall"
    #: an idle keep-alive connection is dropped after this many seconds
    timeout = 30

    def version_string(self) -> str:
        return self.server_version

    def handle_one_request(self) -> None:
        self._status: int | None = None
        self._logged = False
        self._started = time.perf_counter()
        try:
            super().handle_one_request()
        finally:
            if self._status is not None and not self._logged:
                self._log(0)  # answered by the base class (400, 414, ...)

    def _log(self, length: int) -> None:
        """The request's one log line; written before the answer is sent, so that a server
        stopped right after answering never loses it."""
        self._logged = True
        elapsed = (time.perf_counter() - self._started) * 1000
        request = self.requestline
        if self.server.token:  # logs are read by more people than the token is given to
            request = request.replace(self.server.token, "<token>")
        self.server.log(
            f'{self.client_address[0]} "{request}" {self._status} {length} {elapsed:.1f}ms'
        )

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def parse_request(self) -> bool:
        """The base class's parsing, then the body: discarded, or the request refused."""
        if not super().parse_request():
            return False
        if self.headers.get_all("Transfer-Encoding"):
            self.send_error(501, "Transfer-Encoding is not supported")
            return False
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return True
        if len(set(lengths)) != 1 or not re.fullmatch(r"[0-9]{1,12}", lengths[0].strip()):
            self.send_error(400, "Bad Content-Length")
            return False
        length = int(lengths[0])
        if length > MAX_BODY:
            self.send_error(413, f"Request body larger than {MAX_BODY} bytes")
            return False
        while length > 0:
            chunk = self.rfile.read(min(length, 16 * 1024))
            if not chunk:  # the client went away mid-body
                self.close_connection = True
                return False
            length -= len(chunk)
        return True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Logged once per request by ``handle_one_request`` instead."""

    def log_message(self, format: str, *args: Any) -> None:
        """Logged once per request by ``handle_one_request`` instead."""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def __getattr__(self, name: str) -> Any:
        # any other method (POST, PUT, DELETE, OPTIONS, ...): 405, not the base's 501
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._send(_plain(405, f"method {self.command} not allowed: use GET or HEAD"), head=False)

    def _answer(self, head: bool) -> None:
        try:
            reply = self._route()
        except Exception as error:  # never a traceback to the client; one log line
            self.server.log(f"error: {self.path!r}: {type(error).__name__}: {error}")
            reply = _plain(500, "internal error: see the server's log")
        if reply.status == 200 and not_modified(reply, self.headers):
            self._send(reply, head=True, status=304)
        else:
            self._send(reply, head=head)

    def _route(self) -> Reply:
        """Feeds first (under the secret path in token mode), then the pages."""
        path, _, query = self.path.partition("?")
        token = self.server.token
        if token is None:
            named = feed_path(path)
            if named is not None:
                return self.server.feeds.reply(*named)
            if not _loopback_name(self.headers.get("Host")):
                # a page of some other site whose name now points at 127.0.0.1 (DNS rebinding)
                # must not read the pages of this one (docs/web.md)
                return _plain(
                    403, "forbidden: without a token, pages answer only to loopback names"
                )
            return self._page(path, "")
        secret, slash, rest = path[1:].partition("/")
        if slash and _same(secret, token):
            named = feed_path("/" + rest)
            if named is not None:
                return self.server.feeds.reply(*named)
            return _plain(404, "not found: feeds are /<token>/<rotation-id>[/<member-id>].ics")
        if feed_path(path) is not None:
            return _plain(404, "not found: with a token, feeds are served at their secret URLs")
        if path == "/static/style.css":
            return self._page(path, token + "/")
        from urllib.parse import parse_qs

        given = parse_qs(query).get("token")
        if given is not None:
            if not _same(given[0], token):
                return _plain(403, "forbidden: wrong token")
            cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
            clean = "/" if path.startswith("//") else path  # never a redirect to another host
            return Reply(
                303,
                b"signed in\n",
                headers=(
                    ("Location", clean),
                    ("Set-Cookie", cookie),
                    ("Cache-Control", "no-store"),
                ),
            )
        if not _same(self._cookie() or "", token):
            return _plain(401, "unauthorized: open the link with ?token=... you were given once")
        return self._page(path, token + "/")

    def _cookie(self) -> str | None:
        from http.cookies import CookieError, SimpleCookie

        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(TOKEN_COOKIE)
        return morsel.value if morsel is not None else None

    def _page(self, path: str, secret: str) -> Reply:
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"[A-Za-z0-9.:\[\]-]{1,255}", host):
            host = self.server.url.split("://", 1)[1].rstrip("/")
        reply = self.server.site.reply(path, f"http://{host}/{secret}")
        if reply is None:
            return _plain(404, f"not found: {path}")
        return reply

    def _send(self, reply: Reply, head: bool, status: int | None = None) -> None:
        code = status or reply.status
        self.send_response(code)
        if code != 304:
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.etag is not None:
            self.send_header("ETag", reply.etag)
            self.send_header("Cache-Control", "no-cache")
        if reply.last_modified is not None:
            self.send_header("Last-Modified", format_datetime(reply.last_modified, usegmt=True))
        if reply.filename is not None and code == 200:
            self.send_header("Content-Disposition", f'inline; filename="{reply.filename}"')
        if code == 405:
            self.send_header("Allow", ALLOWED)
        for name, value in (*SECURITY_HEADERS, *reply.headers):
            self.send_header(name, value)
        body = b"" if head or code == 304 else reply.body
        self._log(len(body))
        self.end_headers()
        if body:
            self.wfile.write(body)


class FeedServer(ThreadingHTTPServer):
    """A threaded HTTP server of one workspace's feeds."""

    daemon_threads = True
    #: a hundred clients connecting at once must not overflow the listen backlog
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        root: Path,
        stream: TextIO | None = None,
        token: str | None = None,
    ) -> None:
        from oncall.web.pages import Site

        self.stream = stream
        self.token = token
        self._log_lock = threading.Lock()
        self.feeds = Feeds(root, self.log)
        self.site = Site(root, self.log)
        super().__init__(address, FeedHandler)

    def log(self, line: str) -> None:
        """One line on stderr (or the given stream), prefixed with the time; what a client sent
        (the request line, a path) is shown with its control characters as text."""
        from oncall.escape import terminal

        line = terminal(line)
        stamp = clock.now().isoformat(timespec="seconds")
        stream = self.stream or sys.stderr
        with self._log_lock:
            stream.write(f"{stamp} {line}\n")
            stream.flush()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/"


class _FeedServer6(FeedServer):
    address_family = socket.AF_INET6


def _loopback_name(host: str | None) -> bool:
    """Whether a ``Host`` header names this machine's loopback (or is absent, as in HTTP/1.0)."""
    if host is None:
        return True
    name = host[1:].partition("]")[0] if host.startswith("[") else host.rpartition(":")[0] or host
    return is_loopback(name)


def _same(given: str, token: str) -> bool:
    """Whether ``given`` is the token, in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def open_server(
    root: Path, host: str, port: int, stream: TextIO | None = None, token: str | None = None
) -> FeedServer:
    """A server bound to ``host:port`` (port 0: any free port); ``UsageError`` for a missing or
    malformed token (required off loopback), ``RuntimeFailure`` with one clear line if it
    cannot listen there."""
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise UsageError("--token: use 16 to 128 letters, digits, '-' or '_' (it is part of URLs)")
    if token is None and not is_loopback(host):
        raise UsageError(
            f"--host {host}: listening off loopback needs --token (or ONCALL_SERVE_TOKEN): "
            "the pages show phone numbers and emails"
        )
    kind = _FeedServer6 if ":" in host else FeedServer
    try:
        return kind((host, port), root, stream, token)
    except socket.gaierror:
        raise UsageError(f"{host!r} is not an address of this machine", option="host") from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            reason = f"port {port} is in use (pick another with --port)"
        elif error.errno == errno.EACCES:
            reason = f"no permission to listen on port {port} (ports below 1024 need privileges)"
        elif error.errno == errno.EADDRNOTAVAIL:
            reason = f"{host} is not an address of this machine"
        else:
            reason = error.strerror or str(error)
        raise RuntimeFailure(f"cannot listen on {host}:{port}: {reason}") from None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
