"""The preview server of `cxsite serve`: the last good build from memory, live reload, errors in the page.

It knows nothing about building. It is handed a rebuild function whose
outcome has `files` ({output path: bytes}), `changed` (output paths),
`problems` and `ok`; it serves the last good files and tells every open page,
over Server-Sent Events, to reload after a good rebuild or to show the
problems after a failed one. Requests are answered by `handle_request`, a
pure function, so everything but the socket is tested without one.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import mimetypes
import re
import socket
import socketserver
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from importlib import resources
from types import MappingProxyType
from urllib.parse import unquote

from cxsite.problem import Problem

EVENTS_PATH = "/__cxsite/events"
KEEPALIVE_SECONDS = 15.0  # a comment line this often finds connections the browser dropped
MAX_CONNECTIONS = 32  # handled at once (each open page keeps one for its live-reload stream)
REQUEST_SECONDS = 10.0  # a connection must send its request within this time
_BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Connection: close\r\n\r\n预览服务器正忙（打开的连接太多），请稍后刷新。\n").encode()
RETRY_MS = 1000  # how soon a page reconnects after the server went away
LIVE_SCRIPT = resources.files("cxsite.serve").joinpath("live.js").read_text(encoding="utf-8")

_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8", ".xsl": "application/xml; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8", ".json": "application/json; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8", ".webmanifest": "application/manifest+json; charset=utf-8",
}
_MIME = mimetypes.MimeTypes()  # Python's own table only: the same answer on every machine
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")
_FALLBACK_404 = ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                 "<title>页面不存在</title></head><body><h1>页面不存在</h1>"
                 "<p>cxsite 预览：网站里没有这个页面。</p></body></html>\n").encode()


@dataclass(frozen=True)
class Snapshot:
    """What the server shows at one moment: the last good files and the latest rebuild's problems."""

    files: Mapping[str, bytes]
    generation: int = 0  # good builds so far; pages reload when it moves on
    seq: int = 0  # rebuilds so far, good or failed; one event each
    ok: bool = True
    problems: tuple[Problem, ...] = ()
    changed: tuple[str, ...] | None = None  # output paths the latest good build changed; None: unknown


@dataclass(frozen=True)
class Response:
    """An HTTP answer: status, headers, body; `stream` keeps an event stream open after the body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    stream: bool = False

    def header(self, name: str) -> str | None:
        """Return a header's value (None if absent)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def handle_request(snapshot: Snapshot, method: str, target: str) -> Response:
    """Answer one request from the snapshot: a site file, a redirect, the 404 page or the event stream."""
    if method not in ("GET", "HEAD"):
        return _text(405, "只支持 GET 和 HEAD 请求。", (("Allow", "GET, HEAD"),))
    raw_path, _, query = target.partition("#")[0].partition("?")
    if raw_path == EVENTS_PATH:
        return _events(snapshot, method)
    rel = site_path(raw_path)
    if rel is None:
        return _text(400, "请求的路径不合法。")
    key = rel + "index.html" if rel == "" or rel.endswith("/") else rel
    if key in snapshot.files:
        return _file(snapshot, method, 200, key, snapshot.files[key], [key])
    if not rel.endswith("/") and f"{rel}/index.html" in snapshot.files:
        location = raw_path + "/" + (f"?{query}" if query else "")
        return Response(302, (("Location", location), ("Cache-Control", "no-store"),
                              ("Content-Length", "0")))
    body = snapshot.files.get("404.html", _FALLBACK_404)
    wanted = [key] if key != rel else [key, f"{rel}/index.html"]
    return _file(snapshot, method, 404, "404.html", body, ["404.html", *wanted])  # reload once it exists


def host_allowed(host: str | None, port: int) -> bool:
    """Whether a request's Host names this preview: localhost or an IP address, with its port.

    A web page elsewhere whose name is made to point at 127.0.0.1 (DNS rebinding) sends
    its own name: refused. IP addresses are allowed, so other computers can reach a
    preview bound to 0.0.0.0 by the address it printed.
    """
    if not host:
        return False
    name, _, given = host.strip().rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name or (given and given != str(port)):
        return False
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def site_path(raw_path: str) -> str | None:
    """Return the site path a request names, without the leading slash; None if it is unsafe."""
    if not raw_path.startswith("/") or "\\" in raw_path:
        return None
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if _ENCODED.search(decoded) or "\\" in decoded or any(ord(c) < 32 or ord(c) == 127 for c in decoded):
        return None  # double encoding, backslashes, NUL and other control characters
    parts = decoded[1:].split("/")
    if any(part in (".", "..") for part in parts) or "" in parts[:-1]:
        return None
    return decoded[1:]


def content_type(path: str) -> str:
    """Return the Content-Type of a site file, UTF-8 for text."""
    suffix = path[path.rfind("."):].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in _TYPES:
        return _TYPES[suffix]
    return _MIME.guess_type("x" + suffix)[0] or "application/octet-stream"


def inject_live_script(html: bytes, watch: list[str], snapshot: Snapshot) -> bytes:
    """Put the live-reload script before the page's closing </body> (at the end if it has none)."""
    config = json.dumps({"watch": watch, "state": live_state(snapshot, known_changes=False)},
                        ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")
    script = f"<script>/* cxsite serve */\n{LIVE_SCRIPT.strip()}({config});\n</script>\n".encode()
    at = html.lower().rfind(b"</body")
    return html + script if at < 0 else html[:at] + script + html[at:]


def live_state(snapshot: Snapshot, known_changes: bool = True) -> dict:
    """Return what a page needs to know about the site's state, as JSON-ready data."""
    changed = list(snapshot.changed) if known_changes and snapshot.changed is not None else None
    return {"generation": snapshot.generation, "ok": snapshot.ok, "changed": changed,
            "problems": [_problem_data(p) for p in snapshot.problems]}


def sse_message(snapshot: Snapshot, known_changes: bool = True) -> bytes:
    """Return one Server-Sent Event telling pages about a rebuild."""
    data = json.dumps(live_state(snapshot, known_changes), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return f"id: {snapshot.seq}\nevent: build\ndata: {data}\n\n".encode()


def _problem_data(problem: Problem) -> dict:
    """Return a problem as the overlay shows it: the CLI's line and the hint."""
    return {"error": problem.is_error, "hint": problem.hint, "location": problem.location(),
            "text": problem.format().split("\n", 1)[0]}


def _events(snapshot: Snapshot, method: str) -> Response:
    """Open the event stream: the reconnect delay and the current state come first."""
    headers = (("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"))
    if method == "HEAD":
        return Response(200, headers)
    first = f"retry: {RETRY_MS}\n\n".encode() + sse_message(snapshot, known_changes=False)
    return Response(200, headers, first, stream=True)


def _file(snapshot: Snapshot, method: str, status: int, key: str, body: bytes, watch: list[str]) -> Response:
    """Answer with a site file; HTML pages get the live-reload script."""
    kind = content_type(key)
    if kind.startswith("text/html"):
        body = inject_live_script(body, watch, snapshot)
    headers = (("Content-Type", kind), ("Content-Length", str(len(body))), ("Cache-Control", "no-store"),
               ("X-Content-Type-Options", "nosniff"))
    return Response(status, headers, b"" if method == "HEAD" else body)


def _text(status: int, message: str, extra: tuple = ()) -> Response:
    """Answer with a short plain-text message."""
    body = (message + "\n").encode()
    return Response(status, (("Content-Type", "text/plain; charset=utf-8"),
                             ("Content-Length", str(len(body))), ("Cache-Control", "no-store"), *extra), body)


class Preview:
    """The site as the server shows it; rebuilds through the function it was handed."""

    def __init__(self, rebuild: Callable[[object], object]):
        self._rebuild = rebuild
        self._snapshot = Snapshot(MappingProxyType({}))
        self._update = threading.Condition()
        self.closed = False

    def refresh(self, changes: object = None):
        """Rebuild (changes: what changed, None: everything), publish the outcome and return it."""
        outcome = self._rebuild(changes)
        self.publish(outcome)
        return outcome

    def publish(self, outcome) -> Snapshot:
        """Show a rebuild's outcome: its files if it succeeded, else its problems over the last good files."""
        with self._update:
            old = self._snapshot
            if outcome.ok:
                new = Snapshot(MappingProxyType(dict(outcome.files)), old.generation + 1, old.seq + 1, True,
                               tuple(outcome.problems), tuple(outcome.changed))
            else:
                new = replace(old, seq=old.seq + 1, ok=False, problems=tuple(outcome.problems), changed=())
            self._snapshot = new
            self._update.notify_all()
        return new

    def snapshot(self) -> Snapshot:
        """Return what is shown now."""
        return self._snapshot

    def wait_after(self, seq: int, timeout: float) -> Snapshot | None:
        """Wait for a rebuild later than seq; None on timeout or when closing."""
        with self._update:
            self._update.wait_for(lambda: self.closed or self._snapshot.seq != seq, timeout)
            snapshot = self._snapshot
        return None if self.closed or snapshot.seq == seq else snapshot

    def close(self) -> None:
        """Release every open event stream."""
        with self._update:
            self.closed = True
            self._update.notify_all()


class PreviewServer:
    """Serves a Preview over HTTP on a local port (another free one when the asked one is taken)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8000):
        self.host, self.asked_port = host, port
        self._http = _bind(host, port)
        self.port = self._http.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the address to open in a browser."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        return f"http://[{host}]:{self.port}/" if ":" in host else f"http://{host}:{self.port}/"

    @property
    def port_was_taken(self) -> bool:
        """Whether another port had to be used than the one asked for."""
        return self.asked_port not in (0, self.port)

    def serve(self, preview: Preview) -> PreviewServer:
        """Start answering requests from the preview, in a background thread."""
        self._http.preview = preview
        self._thread = threading.Thread(target=self._http.serve_forever, name="cxsite-http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: end the event streams, the accept loop and the socket."""
        preview = getattr(self._http, "preview", None)
        if preview is not None:
            preview.close()
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
        self._http.server_close()


class _HttpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A threading TCP server (not http.server's, which looks up the host's name on start).

    At most MAX_CONNECTIONS are handled at once, each in its own thread; one more is
    answered "503" at once and closed, so idle or slow connections cannot pile up threads.
    """

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request, client_address) -> None:
        """Handle a connection in a thread if a slot is free; else refuse it now."""
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        """The thread of one connection; its slot is given back when it ends."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


def _bind(host: str, port: int) -> _HttpServer:
    """Bind host:port; when the port is taken or not allowed, bind a free one instead."""
    server_class = _HttpServer6 if ":" in host else _HttpServer
    try:
        return server_class((host, port), _Handler)
    except OSError as exc:
        if port == 0 or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise
    return server_class((host, 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    """Answers requests with handle_request and keeps event streams open."""

    server_version = "cxsite-serve"

    timeout = REQUEST_SECONDS  # a connection that sends no request in time is closed

    def do_GET(self) -> None:
        preview: Preview = self.server.preview
        snapshot = preview.snapshot()
        if host_allowed(self.headers.get("Host"), self.server.server_address[1]):
            response = handle_request(snapshot, self.command, self.path)
        else:
            response = _text(421, "这个预览只回答本机地址（127.0.0.1 或 localhost）的请求。")
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(response.body)
            if response.stream:
                self._stream(preview, snapshot.seq)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away

    do_HEAD = do_GET

    def _stream(self, preview: Preview, seq: int) -> None:
        """Send an event after each rebuild until the page or the server goes away."""
        while not preview.closed:
            snapshot = preview.wait_after(seq, KEEPALIVE_SECONDS)
            if preview.closed:
                return
            if snapshot is None:
                self.wfile.write(b": keep-alive\n\n")
            else:
                self.wfile.write(sse_message(snapshot))
                seq = snapshot.seq
            self.wfile.flush()

    def log_message(self, format, *args) -> None:
        """Stay quiet: the CLI reports rebuilds, a line per request would drown them."""
