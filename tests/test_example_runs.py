"""The example's services are real: with their dependencies installed they start with node and
answer their health route on the catalogue's ports (bound to 127.0.0.1)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tiketi_doctor.catalogue import load_builtin

from .conftest import EXAMPLE

pytestmark = [
    pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None, reason="node and npm are needed"),
    pytest.mark.slow,  # npm installs six services' dependencies
]

APPS = ["backend", "ticket-service", "payment-service", "stats-service", "auth-service", "frontend"]


def _npm(args: list[str], cwd: Path) -> None:
    result = subprocess.run(
        ["npm", *args, "--no-audit", "--no-fund", "--loglevel=error"], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        pytest.fail(f"npm {' '.join(args)} failed in {cwd}:\n{result.stderr[-3000:]}")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("run") / "tiketi"
    shutil.copytree(EXAMPLE, root)
    catalogue = load_builtin("tiketi")
    folders = [root / Path(catalogue.component(name).package_json).parent for name in APPS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda folder: _npm(["install"], folder), folders))
    _npm(["run", "build"], root / "frontend")
    return root


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _start(installed: Path) -> list[subprocess.Popen]:
    catalogue = load_builtin("tiketi")
    env = {**os.environ, "HOST": "127.0.0.1", "NODE_ENV": "production"}
    env.pop("PORT", None)
    processes = []
    for name in APPS:
        component = catalogue.component(name)
        folder = installed / Path(component.package_json).parent
        entry = "server.js" if component.role == "frontend" else "src/server.js"
        processes.append(subprocess.Popen(["node", entry], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return processes


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(client: httpx.Client) -> dict[str, int | None]:
    catalogue = load_builtin("tiketi")
    answers: dict[str, int | None] = {}
    deadline = time.monotonic() + 30
    for name in APPS:
        component = catalogue.component(name)
        while True:
            try:
                answers[name] = client.get(f"http://127.0.0.1:{component.port}{component.health}").status_code
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    answers[name] = None
                    break
                time.sleep(0.2)
    return answers


def _gateway_calls(client: httpx.Client) -> dict[str, int]:
    """What the gateway answers to the frontend calls of faults 3 and 4."""
    return {
        "GET /api/stats/overview": client.get("http://127.0.0.1:3001/api/stats/overview").status_code,
        "POST /api/payments/prepare": client.post("http://127.0.0.1:3001/api/payments/prepare", json={}).status_code,
        "POST /api/payments/confirm": client.post("http://127.0.0.1:3001/api/payments/confirm", json={}).status_code,
    }


def test_services_answer_before_and_after_the_fix(installed: Path):
    catalogue = load_builtin("tiketi")
    busy = [catalogue.component(n).port for n in APPS if not _free(catalogue.component(n).port)]
    assert not busy, f"ports already in use on 127.0.0.1: {busy}"
    with httpx.Client(timeout=5) as client:
        processes = _start(installed)
        try:
            assert _answers(client) == {name: 200 for name in APPS}
            assert set(_gateway_calls(client).values()) == {404}  # faults 3 and 4 as the user saw them
        finally:
            _stop(processes)

        from typer.testing import CliRunner

        from tiketi_doctor.cli.main import app

        result = CliRunner().invoke(app, ["fix", str(installed), "--apply", "--no-color"])
        assert result.exit_code == 0, result.stdout
        processes = _start(installed)
        try:
            assert _answers(client) == {name: 200 for name in APPS}
            after = _gateway_calls(client)
            # Routed now: the services answer (without a database and a login: 401/4xx/5xx from the
            # service itself), never the gateway's 404 for an unknown route.
            assert 404 not in after.values(), after
        finally:
            _stop(processes)
