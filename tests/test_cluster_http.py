"""HTTP probes: base URLs, and port-forwards opened and always closed (a stand-in for kubectl)."""
from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cluster.http import HttpProber, PortForwarder, ProbeUnavailable, parse_base_urls
from tiketi_doctor.cluster.runner import LiveOptions, run_live

from .live.support import EXAMPLE, Gateway, live_registry, static_report

# Behaves like `kubectl port-forward svc/NAME :PORT`: prints the local port, serves until terminated.
FAKE_KUBECTL = textwrap.dedent('''\
    #!{python}
    import http.server, json, os, signal, sys
    argv = sys.argv[1:]
    with open(os.environ["ARGV_LOG"], "a") as log:
        log.write(json.dumps(argv) + "\\n")
    if os.environ.get("FAIL"):
        print("error: unable to forward port because pod is not running. Current status=Pending", file=sys.stderr)
        sys.exit(1)
    if os.environ.get("SILENT"):
        signal.pause()
    remote = argv[-1].lstrip(":")
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({{"path": self.path, "remote": remote}}).encode()
            self.send_response(503 if self.path == "/health" and os.environ.get("UNHEALTHY") else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print(f"Forwarding from 127.0.0.1:{{server.server_port}} -> {{remote}}", flush=True)
    server.serve_forever()
''')


@pytest.fixture
def kubectl(tmp_path, monkeypatch) -> Path:
    script = tmp_path / "kubectl"
    script.write_text(FAKE_KUBECTL.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("ARGV_LOG", str(tmp_path / "argv.log"))
    return script


def _argv_log(kubectl: Path) -> list[str]:
    return (kubectl.parent / "argv.log").read_text().splitlines()


def test_base_urls():
    assert parse_base_urls(["http://localhost:3001/", "auth-service=http://127.0.0.1:3005"], "backend") == {
        "backend": "http://localhost:3001", "auth-service": "http://127.0.0.1:3005"}
    with pytest.raises(ValueError, match="not an http"):
        parse_base_urls(["auth-service=localhost:3005"], "backend")
    with pytest.raises(ValueError, match="no gateway"):
        parse_base_urls(["http://localhost:3001"], None)


def test_requests_against_a_base_url():
    with Gateway({"GET /api/stats/overview": 404}) as gateway:
        prober = HttpProber({"backend": gateway.url})
        base, via = prober.base("backend", None, None)
        assert prober.request(base, via, "GET", "/api/stats/overview").status == 404
        posted = prober.request(base, via, "POST", "/api/payments/confirm")
        assert posted.ok and posted.evidence() == {"method": "POST", "url": f"{gateway.url}/api/payments/confirm", "status": 200, "via": "base URL"}
        prober.close()
    assert gateway.requests == [("GET", "/api/stats/overview"), ("POST", "/api/payments/confirm")]


def test_no_answer_is_a_result_not_an_exception():
    with Gateway() as gateway:
        url = gateway.url
    result = HttpProber({}).request(url, "base URL", "GET", "/health")
    assert result.status is None and result.error == "connection refused" and not result.ok


def test_without_base_url_or_forwarder_there_is_a_reason():
    with pytest.raises(ProbeUnavailable, match="no --base-url for auth-service and port-forwarding is off"):
        HttpProber({}).base("auth-service", "auth-service", 3005)


def test_port_forward_argv_and_lifecycle(kubectl):
    forwarder = PortForwarder("kind-tiketi-local", "tiketi", "/tmp/kubeconfig", kubectl=str(kubectl))
    prober = HttpProber({}, forwarder)
    base, via = prober.base("auth-service", "auth-service", 3005)
    assert via == "port-forward svc/auth-service 3005" and base.startswith("http://127.0.0.1:")
    assert httpx.get(base + "/health").json() == {"path": "/health", "remote": "3005"}
    assert prober.base("auth-service", "auth-service", 3005) == (base, via)  # opened once
    process = forwarder.forwards[0].process
    prober.close()
    assert process.poll() is not None and forwarder.forwards == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(base + "/health", timeout=1)
    assert _argv_log(kubectl) == ['["--kubeconfig", "/tmp/kubeconfig", "--context", "kind-tiketi-local", "-n", "tiketi", '
                                  '"port-forward", "--address", "127.0.0.1", "svc/auth-service", ":3005"]']


def test_a_failing_port_forward_gives_kubectls_reason(kubectl, monkeypatch):
    monkeypatch.setenv("FAIL", "1")
    prober = HttpProber({}, PortForwarder("kind-tiketi-local", "tiketi", kubectl=str(kubectl)))
    with pytest.raises(ProbeUnavailable, match="pod is not running"):
        prober.base("auth-service", "auth-service", 3005)
    with pytest.raises(ProbeUnavailable):  # remembered: not retried for every probe
        prober.base("auth-service", "auth-service", 3005)
    assert len(_argv_log(kubectl)) == 1


def test_a_port_forward_that_never_starts_is_stopped(kubectl, monkeypatch):
    monkeypatch.setenv("SILENT", "1")
    forwarder = PortForwarder("kind-tiketi-local", "tiketi", kubectl=str(kubectl), startup_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ProbeUnavailable, match="did not start within 0.5 s"):
        forwarder.open("auth-service", 3005)
    assert time.monotonic() - started < 5 and forwarder.forwards == []


def test_live_probes_through_port_forwards_that_are_closed_afterwards(fake_kube, tmp_path, kubectl, monkeypatch):
    monkeypatch.setenv("UNHEALTHY", "1")
    fake_kube.load("healthy")
    kubeconfig = fake_kube.write_kubeconfig(tmp_path / "config", namespace="tiketi")
    report = static_report()
    options = LiveOptions(kubeconfig=str(kubeconfig), kubectl=str(kubectl))
    outcome = run_live(report, EXAMPLE, find_catalogue(EXAMPLE), live_registry().runnable(["CL009"], live=True), options)
    failing = sorted(f.service for f in report.findings if f.code == "CL009")
    assert failing == ["auth-service", "backend", "frontend", "payment-service", "stats-service", "ticket-service"]
    assert outcome.http_requests == 6
    forwarded = [line for line in _argv_log(kubectl)]
    assert len(forwarded) == 6 and all('"--address", "127.0.0.1"' in line for line in forwarded)
    assert '"svc/backend-service", ":3001"' in " ".join(forwarded)
