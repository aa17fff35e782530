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

pytestmark = pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None, reason="node and npm are needed")

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


def test_services_start_and_answer_health_on_their_ports(installed: Path):
    catalogue = load_builtin("tiketi")
    components = [catalogue.component(name) for name in APPS]
    busy = [c.port for c in components if not _free(c.port)]
    assert not busy, f"ports already in use on 127.0.0.1: {busy}"
    env = {**os.environ, "HOST": "127.0.0.1", "NODE_ENV": "production"}
    env.pop("PORT", None)
    processes = []
    try:
        for component in components:
            folder = installed / Path(component.package_json).parent
            entry = "server.js" if component.role == "frontend" else "src/server.js"
            processes.append(
                subprocess.Popen(["node", entry], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            )
        answers = {}
        deadline = time.monotonic() + 30
        with httpx.Client(timeout=2) as client:
            for component in components:
                while True:
                    try:
                        response = client.get(f"http://127.0.0.1:{component.port}{component.health}")
                        answers[component.name] = response.status_code
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            answers[component.name] = None
                            break
                        time.sleep(0.2)
        assert answers == {name: 200 for name in APPS}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
