"""Accepted findings: baselines, catalogue ignores and inline pragmas, and --strict refusing them all."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.registry import load_registry
from tiketi_doctor.suppressions import parse_pragmas

from .conftest import CASES

runner = CliRunner()
BASE_DOCKERFILE = (CASES / "_base" / "api" / "Dockerfile").read_text()


def _repo(tmp_path: Path, name: str = "repo") -> Path:
    repo = tmp_path / name
    shutil.copytree(CASES / "_base", repo)
    return repo


def _set_expose(repo: Path, port: int, prefix: str = "") -> None:
    (repo / "api" / "Dockerfile").write_text(prefix + BASE_DOCKERFILE.replace("EXPOSE 3005", f"EXPOSE {port}"))


def _json(repo: Path, *args: str) -> tuple[int, dict]:
    out = repo.parent / f"{repo.name}-out.json"
    result = runner.invoke(app_check(), ["check", str(repo), "-f", "json", "-o", str(out), *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(out.read_text())


def app_check():
    from tiketi_doctor.cli.main import app

    return app


def _codes(findings: list[dict]) -> list[tuple[str, str, int]]:
    return [(f["code"], f["location"]["path"], f["location"]["line"]) for f in findings]


# -- baselines ----------------------------------------------------------------------------


def test_baseline_hides_known_findings_and_reports_new_ones(tmp_path):
    repo = _repo(tmp_path)
    _set_expose(repo, 3004)
    baseline = tmp_path / "baseline.json"
    created = runner.invoke(app_check(), ["baseline", "create", str(repo), "--output", str(baseline)])
    assert created.exit_code == 0, created.output
    entries = json.loads(baseline.read_text())["findings"]
    assert [(e["code"], e["path"]) for e in entries] == [("PORT002", "api/Dockerfile")]

    code, data = _json(repo, "--baseline", str(baseline))
    assert code == 0 and data["findings"] == []
    assert _codes(data["suppressed"]) == [("PORT002", "api/Dockerfile", 6)]
    assert data["suppressed"][0]["suppression"]["kind"] == "baseline"
    assert data["summary"]["suppressed"] == 1

    # A new fault is reported; the known one stays hidden.
    (repo / "scripts" / "port-forward.sh").write_text((repo / "scripts" / "port-forward.sh").read_text().replace("3005:3005", "3005:3004"))
    code, data = _json(repo, "--baseline", str(baseline))
    assert code == 1
    assert [f["code"] for f in data["findings"]] == ["PORT005"]


def test_baseline_survives_line_shifts(tmp_path):
    repo = _repo(tmp_path)
    _set_expose(repo, 3004)
    baseline = tmp_path / "baseline.json"
    assert runner.invoke(app_check(), ["baseline", "create", str(repo), "-o", str(baseline)]).exit_code == 0
    _set_expose(repo, 3004, prefix="# syntax=docker/dockerfile:1\n\n")
    code, data = _json(repo, "--baseline", str(baseline))
    assert code == 0
    assert _codes(data["suppressed"]) == [("PORT002", "api/Dockerfile", 8)]


def test_resolved_baseline_entries_are_reported(tmp_path):
    repo = _repo(tmp_path)
    _set_expose(repo, 3004)
    baseline = tmp_path / "baseline.json"
    assert runner.invoke(app_check(), ["baseline", "create", str(repo), "-o", str(baseline)]).exit_code == 0
    _set_expose(repo, 3005)
    code, data = _json(repo, "--baseline", str(baseline))
    assert code == 0
    assert [e["code"] for e in data["baseline_resolved"]] == ["PORT002"]
    assert data["summary"]["baseline_resolved"] == 1
    terminal = runner.invoke(app_check(), ["check", str(repo), "--baseline", str(baseline), "--no-color"])
    assert "1 baseline entries no longer match (resolved)" in terminal.stdout


def test_strict_refuses_the_baseline(tmp_path):
    repo = _repo(tmp_path)
    _set_expose(repo, 3004)
    baseline = tmp_path / "baseline.json"
    assert runner.invoke(app_check(), ["baseline", "create", str(repo), "-o", str(baseline)]).exit_code == 0
    code, data = _json(repo, "--baseline", str(baseline), "--strict")
    assert code == 1
    assert data["suppressed"] == []
    assert data["findings"][0]["suppression"] == {"kind": "baseline", "reason": f"known finding recorded in {baseline.as_posix()}", "accepted": False, "location": {"path": baseline.as_posix(), "line": None}}


def test_a_file_that_is_not_a_baseline_is_a_usage_error(tmp_path):
    repo = _repo(tmp_path)
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"findings": "no"}')
    result = runner.invoke(app_check(), ["check", str(repo), "--baseline", str(bogus)])
    assert result.exit_code == 2
    assert "is not a tiketi-doctor baseline" in result.stderr


# -- catalogue ignores --------------------------------------------------------------------


def _ignore_in_catalogue(repo: Path, code: str, reason: str) -> None:
    catalogue = repo / "tiketi-doctor.yaml"
    text = catalogue.read_text().replace("    url_default: http://api:3005\n", f"    url_default: http://api:3005\n    ignore:\n      - {{code: {code}, reason: \"{reason}\"}}\n")
    catalogue.write_text(text)


def test_catalogue_ignore_is_suppressed_not_dropped(tmp_path):
    repo = _repo(tmp_path)
    _set_expose(repo, 3004)
    _ignore_in_catalogue(repo, "PORT002", "EXPOSE is documentation only here")
    code, data = _json(repo)
    assert code == 0 and data["findings"] == []
    suppression = data["suppressed"][0]["suppression"]
    assert suppression["kind"] == "catalogue" and suppression["reason"] == "EXPOSE is documentation only here"
    assert suppression["location"]["path"] == "tiketi-doctor.yaml"

    code, data = _json(repo, "--strict")
    assert code == 1
    assert data["findings"][0]["suppression"]["accepted"] is False
    terminal = runner.invoke(app_check(), ["check", str(repo), "--strict", "--no-color"])
    assert "--strict refused the catalogue ignore of PORT002 api/Dockerfile:6" in terminal.stdout


# -- inline pragmas -----------------------------------------------------------------------


def test_inline_pragma_on_the_line_above(tmp_path):
    repo = _repo(tmp_path)
    dockerfile = BASE_DOCKERFILE.replace("EXPOSE 3005", "# tiketi-doctor: ignore[PORT002] the image is also run standalone on 3004\nEXPOSE 3004")
    (repo / "api" / "Dockerfile").write_text(dockerfile)
    code, data = _json(repo)
    assert code == 0 and data["findings"] == []
    suppression = data["suppressed"][0]["suppression"]
    assert suppression == {
        "kind": "inline",
        "reason": "the image is also run standalone on 3004",
        "accepted": True,
        "location": {"path": "api/Dockerfile", "line": 6, "column": 1, "label": "# tiketi-doctor: ignore[PORT002] the image is also run standalone on 3004"},
    }


def test_inline_pragma_on_the_same_line_and_by_prefix(tmp_path):
    repo = _repo(tmp_path)
    _set_expose(repo, 3004)
    text = (repo / "api" / "Dockerfile").read_text().replace("EXPOSE 3004", "EXPOSE 3004 # tiketi-doctor: ignore[PORT] kept for the old compose file")
    (repo / "api" / "Dockerfile").write_text(text)
    code, data = _json(repo)
    assert code == 0 and [f["code"] for f in data["suppressed"]] == ["PORT002"]


def test_pragma_without_reason_is_reported_and_not_honoured(tmp_path):
    repo = _repo(tmp_path)
    (repo / "api" / "Dockerfile").write_text(BASE_DOCKERFILE.replace("EXPOSE 3005", "# tiketi-doctor: ignore[PORT002]\nEXPOSE 3004"))
    code, data = _json(repo)
    assert code == 1
    assert _codes(data["findings"]) == [("SRC004", "api/Dockerfile", 6), ("PORT002", "api/Dockerfile", 7)]
    assert "has no reason" in data["findings"][0]["message"]


def test_pragma_in_a_foreign_comment_syntax_is_not_honoured(tmp_path):
    repo = _repo(tmp_path)
    (repo / "api" / "Dockerfile").write_text(BASE_DOCKERFILE.replace("EXPOSE 3005", "// tiketi-doctor: ignore[PORT002] not a Dockerfile comment\nEXPOSE 3004"))
    report = scan(repo, find_catalogue(repo), load_registry().runnable(["PORT002"]))
    assert [f.code for f in report.findings] == ["PORT002"] and report.suppressed == []


def test_strict_lists_the_used_pragmas(tmp_path):
    repo = _repo(tmp_path)
    (repo / "api" / "Dockerfile").write_text(BASE_DOCKERFILE.replace("EXPOSE 3005", "EXPOSE 3004 # tiketi-doctor: ignore[PORT002] legacy"))
    result = runner.invoke(app_check(), ["check", str(repo), "--strict", "--no-color"])
    assert result.exit_code == 1
    assert "--strict refused the inline ignore of PORT002 api/Dockerfile:6" in result.stdout
    assert "at api/Dockerfile:6" in result.stdout


@pytest.mark.parametrize(
    ("path", "line", "codes", "reason"),
    [
        ("k8s/api.yaml", "      containerPort: 3004  # tiketi-doctor: ignore[PORT003] sidecar port", ("PORT003",), "sidecar port"),
        ("scripts/a.sh", "# tiketi-doctor: ignore[PORT005, DOC001]: old cluster", ("PORT005", "DOC001"), "old cluster"),
        ("src/a.js", "  // tiketi-doctor: ignore[GW001] served by the ingress", ("GW001",), "served by the ingress"),
        ("src/App.jsx", "{/* tiketi-doctor: ignore[UI001] hidden until launch */}", ("UI001",), "hidden until launch"),
        ("src/a.js", "/* tiketi-doctor: ignore[GW] - proxied elsewhere */ call()", ("GW",), "proxied elsewhere"),
        ("QUICK_START.md", "<!-- tiketi-doctor: ignore[PORT005] documents the old cluster -->", ("PORT005",), "documents the old cluster"),
        ("QUICK_START.md", "# tiketi-doctor: ignore[PORT005] inside a bash block", ("PORT005",), "inside a bash block"),
        ("scripts/setup.ps1", "# tiketi-doctor: ignore[DOC002] lab machine", ("DOC002",), "lab machine"),
    ],
)
def test_pragma_syntax_per_file_type(path, line, codes, reason):
    (pragma,) = parse_pragmas(path, f"first line\n{line}\n")
    assert (pragma.line, pragma.codes, pragma.reason, pragma.valid) == (2, codes, reason, True)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("package.json", '"//": "tiketi-doctor: ignore[DEP001] json has no comments"'),
        ("k8s/api.yaml", "value: \"// tiketi-doctor: ignore[PORT003] inside a string\""),
        ("src/a.js", "# tiketi-doctor: ignore[GW001] not a JS comment"),
        ("README.md", "Accept a finding with `# tiketi-doctor: ignore[DEP005] reason` above it."),
        ("k8s/api.yaml", "image: registry/api#tiketi-doctor: ignore[PORT003] glued to a value"),
    ],
)
def test_no_pragma_outside_real_comments(path, line):
    assert parse_pragmas(path, line) == []


def test_pragma_without_codes_is_invalid():
    (pragma,) = parse_pragmas("Dockerfile", "# tiketi-doctor: ignore[] because")
    assert not pragma.valid
