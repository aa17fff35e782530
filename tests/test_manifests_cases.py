"""The deployment-surface families (IMG, KUBE, ING, ENV, INS, CTX, CI, CMP) on their case folders and the example.

The case folders follow tests/checks/README.md; this runner loads the families by module so it
does not depend on the installed entry points.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cli.main import app
from tiketi_doctor.engine import scan
from tiketi_doctor.registry import load_registry

from .conftest import CASES, EXAMPLE, ROOT, build_case

FAMILIES = [
    "checks.images",
    "checks.manifests",
    "checks.ingress",
    "checks.envconfig",
    "checks.install",
    "checks.buildctx",
    "checks.workflows",
    "checks.compose",
]
CORE = ["tiketi_doctor.input_problems", "tiketi_doctor.suppressions"]


def registry():
    return load_registry(modules=CORE + FAMILIES)


CODES = sorted(c.code for c in registry().checks if c.scope != "input" and not c.code.startswith("SRC"))
CASE_DIRS = sorted(p for code in CODES for p in (CASES / code).glob("*") if (p / "expected.yaml").is_file())


def _findings(repo: Path, codes: list[str] | None = None):
    return scan(repo, find_catalogue(repo), registry().runnable(codes)).findings


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case(case: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((case / "expected.yaml").read_text()) or {}
    repo = build_case(case, tmp_path / "repo")
    findings = _findings(repo, [case.parent.name])
    got = sorted((f.code, f.location.path, f.location.line, f.service) for f in findings)
    want = sorted((i["code"], i["path"], i.get("line"), i.get("service")) for i in spec.get("findings") or [])
    assert got == want, "\n".join(f"{f.location}: {f.code} {f.message}" for f in findings)
    text = " ".join(f.message + " " + f.root_cause for f in findings)
    for expected in spec.get("contains", []):
        assert expected in text


def test_every_check_has_cases_and_documentation():
    for check in registry().checks:
        if check.code not in CODES:
            continue
        names = [p.name for p in (CASES / check.code).iterdir()]
        assert any(n.startswith("fail") for n in names) and any(n.startswith("pass") for n in names), check.code
        assert check.summary.endswith(".") and len(check.why) > 40 and check.example and check.fix, check.code


def test_base_is_clean_and_every_run_passes(tmp_path):
    repo = tmp_path / "base"
    shutil.copytree(CASES / "_base", repo)
    report = scan(repo, find_catalogue(repo), registry().runnable())
    assert [f"{f.location}: {f.code} {f.message}" for f in report.findings] == []
    assert {r.status.value for r in report.runs} == {"passed"}


def test_example_reports_only_the_unread_stats_url():
    """examples/tiketi: the gateway never proxies to stats-service (fault 3), so STATS_SERVICE_URL is read by nobody."""
    report = scan(EXAMPLE, load_builtin("tiketi"), registry().runnable())
    new = [(f.code, f.location.path, f.location.line) for f in report.findings if f.code.startswith(tuple(c.rstrip("0123456789") for c in CODES))]
    assert new == [("ENV002", "k8s/01-configmap.yaml", 26)]
    assert all(r.status.value in ("passed", "failed") for r in report.runs)


def test_example_after_the_fixes_is_clean(example_copy):
    result = CliRunner().invoke(app, ["fix", str(example_copy), "--apply", "--no-color"])
    assert result.exit_code == 0, result.stdout
    report = scan(example_copy, load_builtin("tiketi"), registry().runnable())
    assert [f"{f.location}: {f.code} {f.message}" for f in report.findings] == []


def test_example_after_the_hand_fix_is_clean(example_copy):
    subprocess.run(["git", "apply", str(ROOT / "tests" / "fixtures" / "tiketi-handfix.patch")], cwd=example_copy, check=True)
    report = scan(example_copy, load_builtin("tiketi"), registry().runnable())
    assert [f"{f.location}: {f.code} {f.message}" for f in report.findings] == []


def test_secret_values_never_reach_any_output(tmp_path):
    case = CASES / "ENV004" / "fail-real-looking-values"
    repo = build_case(case, tmp_path / "repo")
    report = scan(repo, find_catalogue(repo), registry().runnable())
    dumped = json.dumps([f.to_dict() for f in report.findings])
    for value in ("live_sk_Z1aOwX7K8mYqp9R2xvLgYdkv5wGnBz", "UzNjdXJlLVA0c3N3MHJkIQ==", "S3cure-P4ssw0rd!", "hunter2-Prod-2024", "test_ck_local_placeholder"):
        assert value not in dumped
    assert "TOSS_SECRET_KEY" in dumped and "SMTP_PASSWORD" in dumped


def test_invalid_workflow_and_compose_yaml_are_reported_with_their_line(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n     - run: echo broken\n")
    (repo / "docker-compose.yml").write_text("services:\n  api:\n    image: mini-api:local\n    ports: [\"3005:3005\"\n")
    findings = _findings(repo)
    assert sorted((f.code, f.location.path, f.location.line) for f in findings) == [
        ("CI001", ".github/workflows/ci.yml", 7),  # GitHub rejects the workflow: none of its jobs run
        ("SRC002", ".github/workflows/ci.yml", 7),
        ("SRC002", "docker-compose.yml", 5),
    ]


def test_the_registered_families_are_these_modules():
    """Once pyproject.toml registers them, the entry points load exactly these checks."""
    installed = {c.code for c in load_registry().checks}
    if not installed & set(CODES):
        pytest.skip("the deployment-surface families are not registered as entry points yet")
    assert set(CODES) <= installed


FIX_CASES = sorted(p for code in ("IMG003", "IMG004") for p in (ROOT / "tests" / "fixes" / code).glob("*") if (p / "expected.yaml").is_file())


@pytest.mark.parametrize("case", FIX_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_image_fixes_byte_for_byte(case: Path, tmp_path: Path) -> None:
    """tests/fixes/README.md, with the fixers loaded by module (tests/test_fix_cases.py runs them once registered)."""
    from tiketi_doctor.fixing.context import FixOptions
    from tiketi_doctor.fixing.planner import plan_fixes
    from tiketi_doctor.fixing.registry import load_fixers
    from tiketi_doctor.fixing.writer import undo, write_plan

    code = case.parent.name
    spec = yaml.safe_load((case / "expected.yaml").read_text()) or {}
    repo = build_case(case, tmp_path / "repo")
    for rel in spec.get("crlf", []):
        (repo / rel).write_bytes((repo / rel).read_bytes().replace(b"\n", b"\r\n"))
    snapshot = lambda: {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".tiketi-doctor" not in p.parts}
    original = snapshot()
    catalogue, checks = find_catalogue(repo), registry().runnable([code])
    fixers = {code: load_fixers(["fixes.images"])[code]}
    write_plan(plan_fixes(repo, catalogue, checks, fixers, FixOptions()))
    fixed = snapshot()
    expected = {}
    for path in (case / "after").rglob("*"):
        rel = path.relative_to(case / "after").as_posix()
        if path.is_file():
            data = path.read_bytes()
            expected[rel] = data.replace(b"\n", b"\r\n") if rel in spec.get("crlf", []) else data
    assert {rel for rel in fixed if fixed[rel] != original.get(rel)} == set(expected)
    assert all(fixed[rel] == data for rel, data in expected.items())
    assert [f for f in scan(repo, catalogue, checks).findings if f.code == code] == []
    assert plan_fixes(repo, catalogue, checks, fixers, FixOptions()).changed_paths == []
    undo(repo)
    assert snapshot() == original
