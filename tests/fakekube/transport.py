"""HTTP plumbing: a threaded server on 127.0.0.1 that can drop every open
connection on stop, and reading/writing requests and responses."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from .api import Request, Response


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, dispatch: Callable[["Handler"], None]):
        self.dispatch = dispatch
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def get_request(self):
        conn, addr = super().get_request()
        with self.connections_lock:
            self.connections.add(conn)
        return conn, addr

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Keep-alive connections would otherwise outlive stop()."""
        with self.connections_lock:
            conns = list(self.connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"        # keep-alive, as client connection pools expect
    disable_nagle_algorithm = True       # headers and body go out in separate writes
    server_version = "fakekube"
    sys_version = ""

    def _dispatch(self):
        self.server.dispatch(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format, *args):   # quiet: the request log is the record
        pass


def read_request(handler: Handler) -> Request:
    split = urlsplit(handler.path)
    query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    headers = {k.lower(): v for k, v in handler.headers.items()}
    return Request(handler.command, split.path, query, headers, body)


def bearer_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


def drop(handler: Handler) -> None:
    """Close the connection without answering."""
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def send(handler: Handler, response: Response) -> None:
    try:
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Cache-Control", "no-cache, private")
        handler.send_header("Audit-Id", str(uuid.uuid4()))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        if response.stream is None:
            handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            if handler.command != "HEAD" and response.trickle:
                for index in range(len(response.body)):
                    handler.wfile.write(response.body[index:index + 1])
                    handler.wfile.flush()
                    time.sleep(response.trickle)
            elif handler.command != "HEAD":
                handler.wfile.write(response.body)
            return
        handler.send_header("Transfer-Encoding", "chunked")   # a watch: one JSON line per chunk
        handler.end_headers()
        for chunk in response.stream:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            handler.wfile.flush()
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:                      # the client went away
        handler.close_connection = True
    finally:
        if response.stream is not None:
            response.stream.close()
