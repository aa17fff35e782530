"""HTTP probes of the running components: against given base URLs, or through port-forwards
this module opens (`kubectl port-forward` on 127.0.0.1) and always closes again.

`--base-url URL` names the gateway; `--base-url NAME=URL` any component. A component without a
base URL gets a port-forward to its Service when it has a ready pod.
"""
from __future__ import annotations

import queue
import re
import subprocess
import threading
import time
from dataclasses import field

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.i18n import Msg

_FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) ->")
PROBE_TIMEOUT = 5.0
FORWARD_STARTUP = 10.0
MAX_BODY = 300


class ProbeUnavailable(Exception):
    """No way to reach a component over HTTP; the message says why (`reason`: a `Msg`, `str()` its English)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ProbeResult:
    method: str
    url: str
    status: int | None  # None when no HTTP answer came back
    error: str = ""
    body: str = ""  # the start of the body, for 404 pages and error JSON
    via: str = ""  # "base URL" | "port-forward svc/backend-service 3001"

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    def evidence(self) -> dict:
        data = {"method": self.method, "url": self.url, "status": self.status if self.status is not None else f"no answer: {self.error}"}
        if self.via:
            data["via"] = self.via
        return data

    def describe(self) -> str:
        answer = str(self.status) if self.status is not None else f"no answer ({self.error})"
        return f"{self.method} {self.url} → {answer}"


def parse_base_urls(values: list[str], gateway: str | None) -> dict[str, str]:
    """`URL` is the gateway's base URL, `NAME=URL` a component's."""
    urls: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and not name.startswith(("http:", "https:")) and "/" not in name:
            urls[name.strip()] = url.strip().rstrip("/")
        elif gateway:
            urls[gateway] = value.strip().rstrip("/")
        else:
            raise ValueError(f"--base-url {value}: the catalogue has no gateway; write NAME=URL")
    for name, url in urls.items():
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"--base-url {name}={url}: not an http(s) URL")
    return urls


@dataclass
class PortForward:
    """One running `kubectl port-forward` and the local port it listens on."""

    argv: list[str]
    process: subprocess.Popen
    local_port: int
    target: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@dataclass
class PortForwarder:
    """Opens `kubectl port-forward svc/NAME :PORT` on 127.0.0.1 (kubectl picks the local port) and closes them all."""

    context: str
    namespace: str
    kubeconfig: str | None = None
    kubectl: str = "kubectl"
    startup_timeout: float = FORWARD_STARTUP
    forwards: list[PortForward] = field(default_factory=list)

    def argv(self, service: str, port: int) -> list[str]:
        argv = [self.kubectl]
        if self.kubeconfig:
            argv += ["--kubeconfig", self.kubeconfig]
        return argv + ["--context", self.context, "-n", self.namespace, "port-forward", "--address", "127.0.0.1", f"svc/{service}", f":{port}"]

    def open(self, service: str, port: int) -> PortForward:
        argv = self.argv(service, port)
        target = f"svc/{service} {port}"
        try:
            process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        except OSError as exc:
            raise ProbeUnavailable(Msg("cannot run {kubectl} port-forward: {error}", kubectl=self.kubectl, error=exc.strerror or str(exc))) from None
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(0.01, min(remaining, 0.2)))
            except queue.Empty:
                line = ""
            if line is None or process.poll() is not None:
                error = _stderr(process)
                PortForward(argv, process, 0, target).close()
                raise ProbeUnavailable(Msg("kubectl port-forward {target} failed: {error}", target=target, error=error) if error else
                                       Msg("kubectl port-forward {target} failed: exit code {code}", target=target, code=process.returncode))
            found = _FORWARDING.search(line or "")
            if found:
                forward = PortForward(argv, process, int(found.group(1)), target)
                self.forwards.append(forward)
                return forward
            if remaining <= 0:
                PortForward(argv, process, 0, target).close()
                raise ProbeUnavailable(Msg("kubectl port-forward {target} did not start within {seconds} s", target=target, seconds=f"{self.startup_timeout:g}"))

    def close(self) -> None:
        while self.forwards:
            self.forwards.pop().close()


def _pump(stream, sink: queue.Queue) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def _stderr(process: subprocess.Popen) -> str:
    try:
        _, err = process.communicate(timeout=2)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        return ""
    lines = [line.strip() for line in (err or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


class HttpProber:
    """Sends probe requests to components, by base URL or through a port-forward opened on first use."""

    def __init__(self, base_urls: dict[str, str], forwarder: PortForwarder | None = None, timeout: float = PROBE_TIMEOUT):
        self.base_urls = dict(base_urls)
        self.forwarder = forwarder
        self.timeout = timeout
        self._client = None
        self._via: dict[str, str] = {name: "base URL" for name in base_urls}
        self._unavailable: dict[str, str] = {}  # component -> reason (a Msg)
        self.requests = 0

    def base(self, component: str, service: str | None, port: int | None) -> tuple[str, str]:
        """(base URL, how it is reached); ProbeUnavailable when there is no way."""
        if component in self.base_urls:
            return self.base_urls[component], self._via[component]
        if component in self._unavailable:
            raise ProbeUnavailable(self._unavailable[component])
        if self.forwarder is None or not service or not port:
            reason = (Msg("no --base-url for {component}", component=component) if self.forwarder else
                      Msg("no --base-url for {component} and port-forwarding is off", component=component))
            self._unavailable[component] = reason
            raise ProbeUnavailable(reason)
        try:
            forward = self.forwarder.open(service, port)
        except ProbeUnavailable as exc:
            self._unavailable[component] = exc.reason
            raise
        self.base_urls[component] = forward.url
        self._via[component] = f"port-forward svc/{service} {port}"
        return forward.url, self._via[component]

    def request(self, base: str, via: str, method: str, path: str) -> ProbeResult:
        import httpx

        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False)
        url = base + path
        self.requests += 1
        try:
            if method in ("GET", "HEAD", "DELETE", "OPTIONS"):
                response = self._client.request(method, url)
            else:  # an empty JSON body and no credentials: a route that exists answers 400/401, a missing one 404
                response = self._client.request(method, url, json={})
        except httpx.HTTPError as exc:
            return ProbeResult(method, url, None, error=_describe_error(exc), via=via)
        return ProbeResult(method, url, response.status_code, body=response.text[:MAX_BODY], via=via)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.forwarder is not None:
            self.forwarder.close()


def _describe_error(exc: Exception) -> str:
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if "refused" in str(exc).lower() else f"cannot connect: {exc}"
    return f"{type(exc).__name__}: {exc}"
