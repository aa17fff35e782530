"""Acceptance: the planted faults of examples/tiketi (see its FAULTS.md) and the hand-corrected copy."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE, ROOT

PATCH = ROOT / "tests" / "fixtures" / "tiketi-handfix.patch"
runner = CliRunner()

# (code, path, line, related lines) for the dependency and port faults of spec §2 items 1, 2 and 6.
EXPECTED_DEP_PORT = {
    ("DEP001", "services/auth-service/src/routes/auth.js", 6, ()),
    ("DEP001", "services/ticket-service/src/server.js", 7, ()),
    ("DEP004", "services/ticket-service/Dockerfile", 12, ()),
    ("PORT002", "services/auth-service/Dockerfile", 21, (24,)),
    ("PORT002", "services/ticket-service/Dockerfile", 22, (25,)),
    ("PORT003", "k8s/07-ticket-service.yaml", 26, (29, 39, 46, 70, 71)),
    ("PORT005", "QUICK_START.md", 35, ()),
    ("PORT005", "QUICK_START_MAC.md", 43, ()),
    ("PORT005", "scripts/port-forward-all.sh", 27, ()),
    ("PORT005", "scripts/port-forward-all.sh", 29, ()),
    ("PORT005", "scripts/port-forward-all.sh", 30, ()),
}
# Every service Dockerfile writes its package.json inline (the report's anti-pattern, a warning).
GENERATED = {("DEP005", f"services/{s}-service/Dockerfile", 9, ()) for s in ("auth", "ticket", "payment", "stats")}


def _json(repo: Path, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["check", str(repo), "--format", "json", "--select", "DEP,PORT,SRC", *args])
    return result.exit_code, json.loads(result.stdout)


def _facts(data: dict) -> set:
    return {
        (
            f["code"],
            f["location"]["path"],
            f["location"]["line"],
            tuple(r["line"] for r in f["related"] if r["path"] == f["location"]["path"]) if f["code"].startswith("PORT") else (),
        )
        for f in data["findings"]
    }


def apply_handfix(repo: Path) -> None:
    subprocess.run(["git", "apply", str(PATCH)], cwd=repo, check=True)


def test_example_reports_the_dependency_and_port_faults():
    code, data = _json(EXAMPLE)
    assert code == 1
    assert _facts(data) == EXPECTED_DEP_PORT | GENERATED
    by_code = {f["code"]: f for f in data["findings"]}
    auth = next(f for f in data["findings"] if f["code"] == "DEP001" and f["service"] == "auth-service")
    assert auth["evidence"]["module"] == "google-auth-library"
    assert {"path": "services/auth-service/Dockerfile", "line": 9, "column": 1, "label": "inline package.json"} in auth["related"]
    assert any(r["path"] == "services/auth-service/package.json" and r["line"] == 18 for r in auth["related"])
    ticket = next(f for f in data["findings"] if f["code"] == "DEP001" and f["service"] == "ticket-service")
    assert ticket["evidence"]["installed_instead"] == ["socket.io-redis"]
    assert "3004 is stats-service's port" in by_code["PORT003"]["message"]
    assert all(run["status"] in ("passed", "failed") for run in data["runs"])


def test_hand_corrected_copy_reports_none_of_them(example_copy):
    apply_handfix(example_copy)
    code, data = _json(example_copy)
    assert _facts(data) == GENERATED  # only the inline package.json warnings the hand fix kept
    assert code == 0

