"""Every check on its failing and passing fixtures (tests/checks/<CODE>/<case>/)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.registry import load_registry

from .conftest import CASES, build_case

CASE_DIRS = sorted(p for p in CASES.glob("*/*") if (p / "expected.yaml").is_file())


@lru_cache(maxsize=1)
def _registry():
    """Loaded once for every case, as one `check` run loads it once for every component (checks keep no state)."""
    return load_registry()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("case", CASE_DIRS, ids=_id)
def test_case(case: Path, tmp_path: Path) -> None:
    code = case.parent.name
    spec = yaml.safe_load((case / "expected.yaml").read_text()) or {}
    repo = build_case(case, tmp_path / "repo")
    report = scan(repo, find_catalogue(repo), _registry().runnable([code]))
    got = sorted((f.code, f.location.path, f.location.line, f.service) for f in report.findings)
    want = sorted(
        (item["code"], item["path"], item.get("line"), item.get("service")) for item in spec.get("findings") or []
    )
    assert got == want, "\n".join(f"{f.location}: {f.code} {f.message}" for f in report.findings)
    messages = " ".join(f.message + " " + f.root_cause for f in report.findings)
    for text in spec.get("contains", []):
        assert text in messages


def test_base_is_clean(tmp_path: Path) -> None:
    """The shared base repository is silent for every static check, so cases isolate one fault."""
    import shutil

    repo = tmp_path / "base"
    shutil.copytree(CASES / "_base", repo)
    report = scan(repo, find_catalogue(repo), load_registry().runnable())
    assert [f"{f.location}: {f.code} {f.message}" for f in report.findings] == []
    assert all(run.status.value == "passed" for run in report.runs), [r for r in report.runs if r.status.value != "passed"]
