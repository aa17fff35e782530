"""The exit-code contract of `check`: 0 clean, 1 findings at or above --fail-on, 2 usage, 3 internal error."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.check_cmd import CheckOptions, run_check
from tiketi_doctor.cli.main import app
from tiketi_doctor.registry import load_registry

from .conftest import CASES

BROKEN_FAMILY = '''
from tiketi_doctor.check import Check
from tiketi_doctor.model import Severity


class AlwaysRaises(Check):
    code = "ZZZ001"
    name = "always-raises"
    severity = Severity.ERROR
    scope = "repository"
    summary = "Raises on purpose."
    why = "Stands for a check with a bug, to prove the other checks' results survive it."
    example = "any repository"
    fix = "none"

    def check_repository(self, ctx):
        raise RuntimeError("deliberately broken")


CHECKS = (AlwaysRaises,)
'''

runner = CliRunner()


def _repo(tmp_path: Path, dockerfile: str | None = None) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    if dockerfile is not None:
        (repo / "api" / "Dockerfile").write_text(dockerfile)
    return repo


def _error_repo(tmp_path: Path) -> Path:
    """api/Dockerfile says EXPOSE 3004 while api serves on 3005: one PORT002 error."""
    dockerfile = (CASES / "_base" / "api" / "Dockerfile").read_text().replace("EXPOSE 3005", "EXPOSE 3004")
    return _repo(tmp_path, dockerfile)


def _warning_repo(tmp_path: Path) -> Path:
    """api/Dockerfile writes its own package.json with the right dependencies: one DEP005 warning."""
    return _repo(tmp_path, (CASES / "DEP005" / "fail-printf" / "repo" / "api" / "Dockerfile").read_text())


def _check(*args: str):
    return runner.invoke(app, ["check", *args])


def test_clean_repository_exits_0(tmp_path):
    result = _check(str(_repo(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.stdout


def test_error_finding_exits_1_by_default(tmp_path):
    result = _check(str(_error_repo(tmp_path)), "--no-color")
    assert result.exit_code == 1
    assert "PORT002 api/Dockerfile:6" in result.stdout


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("error", 0), ("warning", 1), ("info", 1)],
)
def test_fail_on_threshold_with_a_warning(tmp_path, fail_on, expected):
    result = _check(str(_warning_repo(tmp_path)), "--fail-on", fail_on)
    assert result.exit_code == expected, result.output
    assert "DEP005" in result.stdout


def test_fail_on_error_with_an_error(tmp_path):
    assert _check(str(_error_repo(tmp_path)), "--fail-on", "error").exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--select", "NOPE"],
        ["-f", "json", "-f", "sarif"],  # two formats on standard output
        ["-f", "json", "-o", "a.json", "-f", "sarif"],  # unpaired
        ["-f", "json", "-o", "-", "-f", "sarif", "-o", "-"],  # two on stdout explicitly
        ["--report", "report.txt"],
        ["--baseline", "missing-baseline.json"],
        ["--format", "yaml"],
    ],
    ids=["unknown-code", "two-formats-stdout", "unpaired-output", "two-dashes", "report-suffix", "missing-baseline", "unknown-format"],
)
def test_usage_errors_exit_2(tmp_path, args):
    result = _check(str(_repo(tmp_path)), *args)
    assert result.exit_code == 2, result.output


def test_missing_directory_exits_2(tmp_path):
    result = _check(str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "is not a directory" in result.stderr


def test_invalid_catalogue_exits_2(tmp_path):
    repo = _repo(tmp_path)
    (repo / "tiketi-doctor.yaml").write_text("version: 1\nname: mini\ncomponents:\n  - name: api\n    role: nonsense\n")
    result = _check(str(repo))
    assert result.exit_code == 2
    assert "invalid catalogue" in result.stderr


def test_broken_check_exits_3_after_writing_every_output(tmp_path, monkeypatch):
    (tmp_path / "broken_family.py").write_text(BROKEN_FAMILY)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_registry(modules=["tiketi_doctor.input_problems", "checks.ports", "broken_family"])
    sys.modules.pop("broken_family", None)
    repo = _error_repo(tmp_path)
    out_json, out_sarif = tmp_path / "out" / "report.json", tmp_path / "out" / "report.sarif"
    options = CheckOptions(repo, formats=["json", "sarif"], outputs=[str(out_json), str(out_sarif)])
    assert run_check(options, registry) == 3
    data = json.loads(out_json.read_text())
    assert [f["code"] for f in data["findings"]] == ["PORT002"]  # the other checks' results survive
    assert [r for r in data["runs"] if r["status"] == "error"] == [
        {"code": "ZZZ001", "subject": "repository", "status": "error", "duration_ms": pytest.approx(0, abs=1000), "findings": 0, "reason": "RuntimeError: deliberately broken"}
    ]
    sarif = json.loads(out_sarif.read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_internal_error_wins_over_clean(tmp_path, monkeypatch):
    (tmp_path / "broken_family.py").write_text(BROKEN_FAMILY)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = load_registry(modules=["tiketi_doctor.input_problems", "broken_family"])
    sys.modules.pop("broken_family", None)
    assert run_check(CheckOptions(_repo(tmp_path), formats=["json"], outputs=[str(tmp_path / "o.json")]), registry) == 3


def test_several_formats_in_one_run(tmp_path):
    repo = _error_repo(tmp_path)
    out = tmp_path / "out"
    result = _check(
        str(repo), "-f", "sarif", "-o", str(out / "r.sarif"), "-f", "junit", "-o", str(out / "r.xml"),
        "-f", "github", "-o", "-", "--report", str(out / "report.md"),
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=api/Dockerfile,line=6")
    assert json.loads((out / "r.sarif").read_text())["version"] == "2.1.0"
    assert (out / "r.xml").read_text().startswith("<?xml")
    assert "PORT002" in (out / "report.md").read_text()
