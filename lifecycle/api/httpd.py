"""A small HTTP/1.1 WSGI server for the fake: keep-alive, bounded in every resource a client controls.

Real clients (openstacksdk through ``requests``, the ``openstack`` CLI) keep
their connections open; ``wsgiref`` answers HTTP/1.0 and closes every one, so
each call paid a TCP handshake. This server keeps connections alive and sets
``TCP_NODELAY`` and writes each response in one ``sendall``, which avoids the
Nagle/delayed-ACK stall of a keep-alive ``http.server`` (about 40 ms a response,
``shared/reference/openstack-clients.md`` section 6).

What a hostile or broken client can hold is bounded:

* the body: a ``Content-Length`` above :attr:`Limits.max_body` (Nova's
  ``osapi_max_request_body_size``, 112 KiB, enforced by oslo.middleware's
  ``RequestBodySizeLimiter`` in Nova's ``api-paste.ini`` pipeline) is answered
  413 *before* a byte of it is read, and the connection closed; an image's
  data (``PUT /image/v2/images/{id}/file``) may take up to
  :attr:`Limits.max_image_body` instead (the fake Glance's ``image_size_cap``,
  :data:`lifecycle.api.images.IMAGE_SIZE_CAP`), with Glance's 413 above it;
* time: every read waits at most :attr:`Limits.read_timeout`, a request line
  and headers must arrive within :attr:`Limits.header_timeout`, a body must
  arrive within :attr:`Limits.body_timeout` (a ``Content-Length`` larger than
  the body sent is a 408, not a thread stuck forever), and an idle keep-alive
  connection is closed after :attr:`Limits.idle_timeout`;
* threads: :attr:`Limits.workers` threads serve connections from a queue of at
  most :attr:`Limits.queue` waiting ones; beyond that a new connection gets 503.

The WSGI environ follows PEP 3333 (``PATH_INFO`` is the percent-decoded path
as Latin-1 characters), so the apps behave the same under any WSGI server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import io
import json
import math
import queue
import re
import select
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from lifecycle.api.images import IMAGE_SIZE_CAP

__all__ = ["MAX_BODY", "Limits", "WsgiHttpServer"]

_HEX = b"0123456789abcdefABCDEF"

_REAP_EVERY = 0.1
"""Seconds between the reaper's looks for request heads past their deadline."""

_IDLE_POLL = 0.1
"""Seconds between an idle connection's checks for connections waiting for a worker."""

MAX_BODY = 114688
_IMAGE_DATA = re.compile(r"^(?:/image)?/v2/images/[^/]+/file/?$")
"""Nova's ``[oslo_middleware] max_request_body_size`` default: 112 KiB (``oslo_middleware/sizelimit.py``)."""

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """What one client may hold of the server, and for how long.

    Attributes:
        max_body: the largest request body accepted, in bytes (413 above).
        max_image_body: the largest image data upload accepted, in bytes (413 above).
        read_timeout: seconds any single read of a request may wait.
        header_timeout: seconds the request line and headers may take to arrive, all together.
        body_timeout: seconds the whole body of one request may take to arrive.
        idle_timeout: seconds a keep-alive connection may sit between requests.
        workers: threads serving connections (the most served at once).
        queue: accepted connections that may wait for a worker (503 beyond).
    """

    max_body: int = MAX_BODY
    max_image_body: int = IMAGE_SIZE_CAP
    read_timeout: float = 30.0
    header_timeout: float = 60.0
    body_timeout: float = 60.0
    idle_timeout: float = 30.0
    workers: int = 64
    queue: int = 256

    def __post_init__(self) -> None:
        for field in ("read_timeout", "header_timeout", "body_timeout", "idle_timeout"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ValueError(f"Limits.{field} must be a positive finite number of seconds, not {value!r}")
        for field in ("max_body", "max_image_body", "workers", "queue"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{field} must be a positive integer, not {value!r}")


def _fault(code: int, reason: str, message: str, *, close: bool = True, glance: bool = False) -> bytes:
    """A complete HTTP/1.1 response carrying Nova's fault envelope (``nova/api/openstack/wsgi.py:Fault``).

    ``glance``: Glance's webob envelope instead (``{"code", "title", "message"}``).
    """
    from lifecycle.api.errors import fault_body

    envelope = {"code": f"{code} {reason}", "title": reason, "message": message} if glance else None
    body = json.dumps(envelope or fault_body(code, message)).encode()
    connection = "Connection: close\r\n" if close else ""
    head = (
        f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{connection}\r\n"
    )
    return head.encode("latin-1") + body


class _Handler(http.server.BaseHTTPRequestHandler):
    """One connection: requests in a loop until the client closes, errs or idles out."""

    protocol_version = "HTTP/1.1"
    server: WsgiHttpServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        limits = self.server.limits
        self.close_connection = True
        while True:
            if not self._wait_for_request():
                return
            self.connection.settimeout(limits.read_timeout)
            try:
                self.handle_one_request()
            except (TimeoutError, ConnectionError):
                return
            if self.close_connection:
                return

    def _wait_for_request(self) -> bool:
        """Wait for the next request on this connection: True when it starts, False to close.

        Closes after :attr:`Limits.idle_timeout`, and early when a new
        connection has waited for a worker over two polls with none free: an
        idle keep-alive client then yields its thread (it reconnects when it
        next needs one). Under ordinary load no kept connection is cut.
        """
        limits = self.server.limits
        deadline = time.monotonic() + limits.idle_timeout
        sock = self.connection
        try:
            sock.settimeout(0.0)  # bytes already buffered (a pipelined request), or on the socket now?
            if self.rfile.peek(1):  # type: ignore[attr-defined]
                return True
            pressed = False  # a connection waited for a worker at the last poll too: not a passing moment
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if self.server.waiting():
                    if pressed:
                        return False
                    pressed = True
                else:
                    pressed = False
                readable, _, _ = select.select([sock], [], [], min(left, _IDLE_POLL))
                if readable:
                    sock.settimeout(limits.read_timeout)
                    return bool(self.rfile.peek(1))  # type: ignore[attr-defined]  # b"": the client closed
        except (OSError, ValueError):  # reset, or closed by server_close
            return False

    def handle_one_request(self) -> None:
        # The request line and headers arrive line by line, each read bounded by read_timeout; a client
        # dripping one byte per read would still hold the worker, so the reaper cuts the whole head off
        # at header_timeout.
        self.server.watch(self.connection, self.server.limits.header_timeout)
        in_time = False
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline, self.request_version, self.command = "", "", ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():  # sent its own 400/505, sets close_connection
                return
        finally:
            in_time = self.server.unwatch(self.connection)
        if not in_time:  # cut off mid-head: what was parsed is not the whole request, so do not run it
            self.close_connection = True
            return
        body = self._read_body()
        if body is None:
            return
        self._run(body)

    def handle_expect_100(self) -> bool:
        """No ``100 Continue`` for a body over the cap: the client gets the 413 instead and sends nothing."""
        text = str(self.headers.get("Content-Length") or "").strip()
        if text.isascii() and text.isdigit() and int(text) > self._cap():
            return True
        return super().handle_expect_100()

    def _image_data(self) -> bool:
        """Whether the request uploads an image's data (the fake Glance's ``PUT .../file``)."""
        return self.command == "PUT" and _IMAGE_DATA.match(self.path.partition("?")[0]) is not None

    def _cap(self) -> int:
        """The largest body this request may carry."""
        limits = self.server.limits
        return limits.max_image_body if self._image_data() else limits.max_body

    def _too_large(self) -> bytes:
        """The 413 for a body over :meth:`_cap`: Glance's ``ImageSizeLimitExceeded`` for image data, else Nova's."""
        if self._image_data():
            message = "The incoming image is too large: The provided image is too large."
            return _fault(413, "Request Entity Too Large", message, glance=True)
        return _fault(413, "Request Entity Too Large", "Request is too large.")

    def _send_raw(self, data: bytes, *, close: bool) -> None:
        self.connection.sendall(data)
        if close:
            self.close_connection = True

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering an error (413, 408, 400) and closing."""
        limits = self.server.limits
        coding = str(self.headers.get("Transfer-Encoding", "identity")).strip().lower()
        if coding == "chunked" and "Content-Length" not in self.headers:
            return self._read_chunked()
        if coding != "identity":
            self._send_raw(_fault(400, "Bad Request", f"Unsupported Transfer-Encoding: {coding}"), close=True)
            return None
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        text = lengths[0].strip()
        if len(set(lengths)) != 1 or not (text.isascii() and text.isdigit()):
            self._send_raw(_fault(400, "Bad Request", f"Invalid Content-Length: {', '.join(lengths)}"), close=True)
            return None
        length = int(text)
        if length > self._cap():  # before reading a byte of it, as oslo.middleware's sizelimit does
            self._send_raw(self._too_large(), close=True)
            return None
        deadline = time.monotonic() + limits.body_timeout
        chunks: list[bytes] = []
        remaining = length
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.connection.settimeout(min(left, limits.read_timeout))
            try:
                chunk = self.rfile.read1(min(remaining, 65536))
            except TimeoutError:
                break
            if not chunk:
                self.close_connection = True
                return None  # the client went away mid-body: nobody to answer
            chunks.append(chunk)
            remaining -= len(chunk)
        if remaining:
            message = f"The request body did not arrive: {remaining} of {length} bytes missing."
            self._send_raw(_fault(408, "Request Timeout", message), close=True)
            return None
        self.connection.settimeout(limits.read_timeout)
        return b"".join(chunks)

    def _read_chunked(self) -> bytes | None:
        """A ``Transfer-Encoding: chunked`` body: 413 as soon as the chunks announced pass the cap.

        The whole body must arrive within :attr:`Limits.body_timeout`; past it
        the reaper cuts the connection off and nobody is answered.
        """
        self.server.watch(self.connection, self.server.limits.body_timeout)
        try:
            body = self._chunks()
        finally:
            in_time = self.server.unwatch(self.connection)
        if not in_time:
            self.close_connection = True
            return None
        return body

    def _chunks(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            size_text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not size_text or len(size_text) > 16 or size_text.strip(_HEX):
                self._send_raw(_fault(400, "Bad Request", "Malformed chunked request body."), close=True)
                return None
            size = int(size_text, 16)
            if size == 0:
                for _ in range(100):  # trailers, up to the blank line
                    if self.rfile.readline(1024) in (b"\r\n", b"\n", b""):
                        return b"".join(chunks)
                self._send_raw(_fault(400, "Bad Request", "Too many trailers."), close=True)
                return None
            total += size
            if total > self._cap():  # before reading the chunk that passes the cap
                self._send_raw(self._too_large(), close=True)
                return None
            data = self.rfile.read(size + 2)
            if len(data) != size + 2 or not data.endswith(b"\r\n"):
                self.close_connection = True
                return None  # cut off, or not chunked after all: nothing sensible to answer
            chunks.append(data[:-2])

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            # PEP 3333: the decoded path's bytes as Latin-1 characters; apps re-decode as UTF-8.
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)) if body or "Content-Length" in self.headers else "",
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in self.headers.items():
            name = "HTTP_" + key.upper().replace("-", "_")
            if name in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            environ[name] = f"{environ[name]},{value}" if name in environ else value
        return environ

    def _run(self, body: bytes) -> None:
        state: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            if exc_info and "status" in state:
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, list(headers)
            return lambda data: state.setdefault("written", []).append(data)

        try:
            result = self.server.app(self._environ(body), start_response)
            try:
                payload = b"".join([*state.get("written", []), *result])
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception as exc:  # an app bug still gets an answer, as Nova's FaultWrapper gives one
            self.server.handle_app_error(exc)
            message = f"Unexpected API Error. {type(exc).__name__}"
            self._send_raw(_fault(500, "Internal Server Error", message), close=True)
            return
        headers = [(k, v) for k, v in state["headers"] if k.lower() not in ("content-length", "connection")]
        status_code = int(state["status"].split(None, 1)[0])
        no_body = self.command == "HEAD" or status_code in (204, 304) or 100 <= status_code < 200
        if not no_body or self.command == "HEAD":
            headers.append(("Content-Length", str(len(payload))))
        if self.close_connection:
            headers.append(("Connection", "close"))
        head = f"HTTP/1.1 {state['status']}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        self._send_raw(head.encode("latin-1") + (b"" if no_body else payload), close=self.close_connection)
        self.server.log(self, status_code, len(payload))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if not self.server.quiet:
            super().log_message(format, *args)


class WsgiHttpServer(socketserver.TCPServer):
    """Serve one WSGI app over HTTP/1.1 keep-alive with a bounded pool of worker threads.

    Args:
        address: ``(host, port)``; port 0 picks a free one.
        app: the WSGI application.
        limits: the bounds (:class:`Limits`; defaults are Nova-shaped).
        quiet: no access log on stderr.
    """

    allow_reuse_address = True
    request_queue_size = 128
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: WsgiApp, *, limits: Limits | None = None, quiet: bool = True):
        self.app = app
        self.limits = limits or Limits()
        self.quiet = quiet
        self._jobs: queue.Queue[tuple[socket.socket, Any] | None] = queue.Queue(maxsize=self.limits.queue)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._watched: dict[socket.socket, float] = {}  # connection -> when its request head must be in
        self._watch_lock = threading.Lock()
        self._closed = threading.Event()
        self._free = 0  # workers waiting for a connection
        self._free_lock = threading.Lock()
        self.busy_refusals = 0
        """Connections answered 503 because every worker was busy and the queue full."""
        self._workers: list[threading.Thread] = []  # a failed bind calls server_close() from the base __init__
        super().__init__(address, _Handler)
        self._workers = [
            threading.Thread(target=self._work, name=f"fake-http-{i}", daemon=True) for i in range(self.limits.workers)
        ]
        for worker in self._workers:
            worker.start()
        threading.Thread(target=self._reap, name="fake-http-reaper", daemon=True).start()

    def watch(self, connection: socket.socket, seconds: float) -> None:
        """Cut ``connection`` off unless :meth:`unwatch` comes within ``seconds``."""
        with self._watch_lock:
            self._watched[connection] = time.monotonic() + seconds

    def unwatch(self, connection: socket.socket) -> bool:
        """Stop watching ``connection``; False when the reaper had already cut it off."""
        with self._watch_lock:
            return self._watched.pop(connection, None) is not None

    def _reap(self) -> None:
        """Shut down connections past their deadline: the worker's blocked read then returns at once."""
        while not self._closed.wait(_REAP_EVERY):
            now = time.monotonic()
            with self._watch_lock:
                late = [conn for conn, deadline in self._watched.items() if deadline <= now]
                for conn in late:
                    del self._watched[conn]
            for conn in late:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Queue the connection for a worker; 503 at once when the queue is full."""
        try:
            self._jobs.put_nowait((request, client_address))
        except queue.Full:
            self.busy_refusals += 1
            with contextlib.suppress(OSError):
                request.sendall(_fault(503, "Service Unavailable", "The server is busy: every worker is taken."))
            self.shutdown_request(request)

    def _work(self) -> None:
        while True:
            with self._free_lock:
                self._free += 1
            job = self._jobs.get()
            with self._free_lock:
                self._free -= 1
            if job is None:
                return
            request, client_address = job
            with self._open_lock:
                self._open.add(request)
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                with self._open_lock:
                    self._open.discard(request)
                self.shutdown_request(request)

    def waiting(self) -> bool:
        """Whether an accepted connection waits and no worker is free to take it (idle ones should yield)."""
        return self._free == 0 and not self._jobs.empty()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken connection is the client's business: no traceback on stderr unless logging."""
        if not self.quiet:
            super().handle_error(request, client_address)

    def handle_app_error(self, exc: BaseException) -> None:
        if not self.quiet:
            print(f"fake http: application error {exc!r}", file=sys.stderr)

    def log(self, handler: _Handler, status: int, size: int) -> None:
        if not self.quiet:
            handler.log_request(status, size)

    def server_close(self) -> None:
        """Stop listening, cut open connections and let the workers go."""
        self._closed.set()
        super().server_close()
        with self._open_lock:
            for connection in list(self._open):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        for _ in self._workers:
            with contextlib.suppress(queue.Full):
                self._jobs.put_nowait(None)
