"""Every fix on its fixtures, byte for byte, plus re-check, idempotence and undo (tests/fixes/README.md)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.fixing.context import FixOptions
from tiketi_doctor.fixing.planner import plan_fixes
from tiketi_doctor.fixing.registry import load_fixers
from tiketi_doctor.fixing.writer import undo, write_plan
from tiketi_doctor.registry import load_registry

from .conftest import build_case

FIX_CASES = Path(__file__).resolve().parent / "fixes"
CASE_DIRS = sorted(p for p in FIX_CASES.glob("*/*") if (p / "expected.yaml").is_file())


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".tiketi-doctor" not in p.parts
    }


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_case(case: Path, tmp_path: Path) -> None:
    code = case.parent.name
    spec = yaml.safe_load((case / "expected.yaml").read_text()) or {}
    repo = build_case(case, tmp_path / "repo")
    for rel in spec.get("crlf", []):
        (repo / rel).write_bytes(_crlf((repo / rel).read_bytes()))
    options = FixOptions(**(spec.get("options") or {}))
    catalogue = find_catalogue(repo)
    checks = load_registry().runnable([code])
    fixers = {code: load_fixers()[code]}
    original = _snapshot(repo)

    plan = plan_fixes(repo, catalogue, checks, fixers, options)
    unfixable = set(spec.get("unfixable", []))
    assert {s.finding.location.path for s in plan.skipped} == unfixable
    write_plan(plan)
    fixed = _snapshot(repo)

    expected = {}
    for path in (case / "after").rglob("*"):
        if path.is_file():
            rel = path.relative_to(case / "after").as_posix()
            data = path.read_bytes()
            expected[rel] = _crlf(data) if rel in spec.get("crlf", []) else data
    changed = {rel for rel in fixed if fixed[rel] != original.get(rel)}
    assert changed == set(expected)
    for rel, data in expected.items():
        assert fixed[rel] == data, rel

    left = [f for f in scan(repo, catalogue, checks).findings if f.code == code]
    assert {f.location.path for f in left} == unfixable
    again = plan_fixes(repo, catalogue, checks, fixers, options)
    assert again.changed_paths == [] and again.applied == []

    undo(repo)
    assert _snapshot(repo) == original
