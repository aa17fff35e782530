"""Helpers for the live tests: the registry with the CL family, a static report of the example
(computed once), a stand-in gateway on 127.0.0.1, and running the live part against the fake."""
from __future__ import annotations

import copy
import threading
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import entry_points
from pathlib import Path

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.model import Report
from tiketi_doctor.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tiketi"
LIVE_CASES = Path(__file__).resolve().parent
LIVE_FAMILY = "checks.live"


@lru_cache(maxsize=1)
def live_registry() -> Registry:
    """Every registered family plus the live one (registered or not yet)."""
    modules = ["tiketi_doctor.input_problems"] + [ep.value for ep in entry_points(group="tiketi_doctor.checks")]
    if LIVE_FAMILY not in modules:
        modules.append(LIVE_FAMILY)
    return load_registry(modules=modules)


@lru_cache(maxsize=2)
def _static_report(root: str) -> Report:
    path = Path(root)
    return scan(path, find_catalogue(path), live_registry().runnable())


def static_report(root: Path = EXAMPLE) -> Report:
    """A private copy of the static report of `root` (the scan runs once per test session)."""
    return copy.deepcopy(_static_report(str(root)))


class Gateway:
    """A stand-in HTTP server on 127.0.0.1: `answers` maps "METHOD /path" or "/path" to a status (default 200)."""

    def __init__(self, answers: dict[str, int] | None = None, default: int = 200):
        self.answers = dict(answers or {})
        self.default = default
        self.requests: list[tuple[str, str]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                gateway.requests.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status = gateway.answers.get(f"{self.command} {self.path}", gateway.answers.get(self.path, gateway.default))
                body = (f"Cannot {self.command} {self.path}" if status == 404 else '{"status":"ok"}').encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Gateway":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
