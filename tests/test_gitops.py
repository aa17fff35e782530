"""Argo CD sources against this repository's Git remotes (ARGO001) and project glob rules."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiketi_doctor.analysis.gitops import glob_allows, normal_url
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.registry import load_registry

from .conftest import CASES, build_case


@pytest.mark.parametrize(
    "url",
    ["https://github.com/Acme/Mini.git", "git@github.com:acme/mini.git", "ssh://git@github.com:22/acme/mini/", "https://user@github.com/acme/mini"],
)
def test_remote_urls_normalise_alike(url: str) -> None:
    assert normal_url(url) == "github.com/acme/mini"


def test_project_globs() -> None:
    assert glob_allows(["https://github.com/acme/*"], "https://github.com/acme/mini.git")
    assert not glob_allows(["https://github.com/acme/*", "!https://github.com/acme/mini*"], "https://github.com/acme/mini.git")
    assert not glob_allows([], "https://github.com/acme/mini.git")


def _argo001(tmp_path: Path, remote: str | None) -> list:
    repo = build_case(CASES / "ARGO001" / "fail-path-moved", tmp_path / "repo")
    if remote is not None:
        (repo / ".git").mkdir()
        (repo / ".git" / "config").write_text(f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {remote}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n')
    report = scan(repo, find_catalogue(repo), load_registry().runnable(["ARGO001"]))
    return report.findings


def test_source_of_this_repository_is_an_error(tmp_path: Path) -> None:
    findings = _argo001(tmp_path, "git@github.com:acme/mini.git")
    assert [(f.code, f.severity.value, f.location.line) for f in findings] == [("ARGO001", "error", 11)]
    assert "which has no such folder" in findings[0].message


def test_source_of_another_repository_is_not_checked(tmp_path: Path) -> None:
    assert _argo001(tmp_path, "https://github.com/acme/platform.git") == []


def test_without_a_remote_the_missing_folder_is_only_information(tmp_path: Path) -> None:
    assert [f.severity.value for f in _argo001(tmp_path, None)] == ["info"]
