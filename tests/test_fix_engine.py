"""The fix engine's safety rules, with real files and small purpose-built checks and fixers."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.check import Check
from tiketi_doctor.cli.main import app
from tiketi_doctor.fixing import writer
from tiketi_doctor.fixing.edits import StaleEdit, apply_edits, replace_at
from tiketi_doctor.fixing.planner import BrokenFix, NotConverged, plan_fixes
from tiketi_doctor.fixing.writer import WriteRefused, undo, write_plan
from tiketi_doctor.model import Fix, Location, Severity, TextEdit

from .conftest import CASES, EXAMPLE

runner = CliRunner()


class ReadmeSaysBlue(Check):
    """Flags README.md line 1 unless it reads 'blue'; used to drive the planner."""

    code, name, severity, scope = "TST001", "not-blue", Severity.ERROR, "repository"
    summary = why = example = fix = "test"

    def check_repository(self, ctx):
        source = ctx.repo.text("README.md")
        if source and source.lines[0] != "blue":
            yield self.finding("not blue", Location("README.md", 1, 1), params={"text": source.lines[0]})


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    (repo / "README.md").write_text("red\nrest\n")
    return repo


def _set(word):
    def fixer(ctx, finding):
        text = ctx.current_text("README.md")
        return Fix(f"say {word}", (replace_at("README.md", text, 1, 1, finding.params["text"], word),))
    return fixer


def test_apply_edits_keeps_crlf_and_rejects_stale_and_overlapping_edits():
    text = "a: 1\r\nb: 2\r\n"
    assert apply_edits(text, [TextEdit("f", (2, 4), (2, 5), "3\nc: 4", "2")]) == "a: 1\r\nb: 3\r\nc: 4\r\n"
    with pytest.raises(StaleEdit):
        apply_edits(text, [TextEdit("f", (1, 4), (1, 5), "9", "7")])
    with pytest.raises(ValueError):
        apply_edits(text, [TextEdit("f", (1, 1), (1, 3), "x", "a:"), TextEdit("f", (1, 2), (1, 4), "y", ": ")])


def test_a_fix_that_does_not_converge_writes_nothing(tmp_path):
    repo = _repo(tmp_path)
    flip = {"n": 0}

    def flip_flop(ctx, finding):  # never reaches 'blue': red -> green -> red ...
        flip["n"] += 1
        return _set("green" if finding.params["text"] == "red" else "red")(ctx, finding)

    with pytest.raises(NotConverged):
        plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": flip_flop})
    assert (repo / "README.md").read_text() == "red\nrest\n" and flip["n"] >= 2


def test_a_fix_that_breaks_a_file_is_refused(tmp_path):
    repo = _repo(tmp_path)

    def break_yaml(ctx, finding):
        text = ctx.current_text("k8s/api.yaml")
        return Fix("break", (replace_at("k8s/api.yaml", text, 2, 1, "apiVersion", "apiVersion: [oops"),))

    with pytest.raises(BrokenFix):
        plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": break_yaml})


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path):
    repo = _repo(tmp_path)
    plan = plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": _set("blue")})
    (repo / "README.md").write_text("edited meanwhile\n")
    with pytest.raises(WriteRefused):
        write_plan(plan)
    assert (repo / "README.md").read_text() == "edited meanwhile\n"


def test_writes_are_all_or_nothing(tmp_path, monkeypatch):
    repo = tmp_path / "example"
    shutil.copytree(EXAMPLE, repo)
    from tiketi_doctor.fixing.registry import load_fixers
    from tiketi_doctor.registry import load_registry

    plan = plan_fixes(repo, find_catalogue(repo), load_registry().runnable(["PORT"]), load_fixers())
    assert len(plan.changed_paths) > 2
    before = {p: (repo / p).read_bytes() for p in plan.changed_paths}
    real_replace, calls = os.replace, {"n": 0}

    def failing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises(WriteRefused, match=r"cannot write \S+: disk full; every file was left as it was"):
        write_plan(plan)
    monkeypatch.undo()
    assert {p: (repo / p).read_bytes() for p in plan.changed_paths} == before
    leftovers = [p for p in repo.rglob("*.tiketi-doctor") if p.is_file()]
    assert leftovers == []
    assert list((repo / ".tiketi-doctor/undo").iterdir()) == []  # no journal of a write that did not happen


def test_a_target_the_system_will_not_write_is_named_and_nothing_is_left_behind(tmp_path):
    """A read-only folder (a permission error even for root): exit 2 with the file, no orphan journal."""
    repo = tmp_path / "example"
    shutil.copytree(EXAMPLE, repo)
    (repo / ".tiketi-doctor/undo").mkdir(parents=True)
    (repo / ".tiketi-doctor/undo/20000101T000000-000001.json").write_text(
        '{"version": 1, "files": {"README.md": {"before": null, "after_sha256": null}}}')
    real_mkstemp = writer.tempfile.mkstemp

    def refusing_mkstemp(*args, dir=None, **kwargs):
        if str(dir).endswith("k8s"):
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, dir=dir, **kwargs)

    before = {p.relative_to(repo): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    writer.tempfile.mkstemp = refusing_mkstemp
    try:
        result = runner.invoke(app, ["fix", str(repo), "--apply"])
    finally:
        writer.tempfile.mkstemp = real_mkstemp
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "nothing was written: cannot write k8s/" in result.stderr and "Permission denied" in result.stderr
    assert not re.search(r"^fixed \d+ findings", result.stdout, re.MULTILINE)  # no claim that anything was fixed
    after = {p.relative_to(repo): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    after.pop(Path(".tiketi-doctor/.gitignore"), None)
    assert after == before  # every file as it was, and only the earlier journal in the undo folder


def test_a_read_only_file_is_refused_unless_asked(tmp_path):
    repo = _repo(tmp_path)
    (repo / "README.md").chmod(0o444)
    plan = plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": _set("blue")})
    with pytest.raises(WriteRefused, match="README.md is read-only; make it writable or pass --overwrite-read-only"):
        write_plan(plan)
    assert (repo / "README.md").read_text() == "red\nrest\n"
    write_plan(plan, overwrite_read_only=True)
    assert (repo / "README.md").read_text() == "blue\nrest\n"
    assert (repo / "README.md").stat().st_mode & 0o777 == 0o444  # its mode is kept


def test_the_journal_is_git_ignored_and_never_written_through_a_symlink(tmp_path):
    repo = _repo(tmp_path)
    write_plan(plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": _set("blue")}))
    assert (repo / ".tiketi-doctor/.gitignore").read_text().splitlines()[-1] == "*"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = _repo(tmp_path / "second")
    (other / ".tiketi-doctor").symlink_to(elsewhere, target_is_directory=True)
    plan = plan_fixes(other, find_catalogue(other), [ReadmeSaysBlue()], {"TST001": _set("blue")})
    with pytest.raises(WriteRefused, match=r"\.tiketi-doctor is a symlink"):
        write_plan(plan)
    assert list(elsewhere.iterdir()) == [] and (other / "README.md").read_text() == "red\nrest\n"
    with pytest.raises(WriteRefused, match="is a symlink"):
        undo(other)


def test_undo_refuses_files_edited_after_the_fix_unless_forced(tmp_path):
    repo = _repo(tmp_path)
    write_plan(plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": _set("blue")}))
    assert (repo / "README.md").read_text() == "blue\nrest\n"
    (repo / "README.md").write_text("blue\nrest\nmore\n")
    with pytest.raises(WriteRefused):
        undo(repo)
    undo(repo, force=True)
    assert (repo / "README.md").read_text() == "red\nrest\n"
    with pytest.raises(WriteRefused):
        undo(repo)  # nothing left to undo


def test_files_that_are_not_utf8_are_never_rewritten(tmp_path):
    repo = _repo(tmp_path)
    (repo / "README.md").write_bytes("red 빨강\nrest\n".encode("cp949"))
    plan = plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": _set("blue")})
    assert plan.changed_paths == [] and "not valid UTF-8" in plan.skipped[0].reason


def test_fix_outside_the_repository_is_refused(tmp_path):
    repo = _repo(tmp_path)

    def escape(ctx, finding):
        return Fix("escape", (TextEdit("../outside.txt", (1, 1), (1, 1), "x", "", creates=True),))

    plan = plan_fixes(repo, find_catalogue(repo), [ReadmeSaysBlue()], {"TST001": escape})
    assert plan.changed_paths == [] and "outside the repository" in plan.skipped[0].reason
    assert not (tmp_path / "outside.txt").exists()


def test_cli_fix_on_the_example_diff_apply_idempotent_undo(tmp_path):
    repo = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, repo)
    original = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}

    preview = runner.invoke(app, ["fix", str(repo), "--no-color", "--patch", str(tmp_path / "fix.patch")])
    assert preview.exit_code == 1 and "+EXPOSE 3005" in preview.stdout and "--apply" in preview.stdout
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == original  # a preview writes nothing
    assert "+++ b/backend/src/routes/stats.js" in (tmp_path / "fix.patch").read_text()

    applied = runner.invoke(app, ["fix", str(repo), "--apply", "--no-color"])
    assert applied.exit_code == 0, applied.stdout
    check = runner.invoke(app, ["check", str(repo), "--format", "json", "--fail-on", "info"])
    assert check.exit_code == 0 and '"findings": []' in check.stdout  # all six faults, and every warning

    fixed = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".tiketi-doctor" not in p.parts}
    again = runner.invoke(app, ["fix", str(repo), "--apply", "--no-color"])
    assert again.exit_code == 0 and "fixed 0 findings in 0 files" in again.stdout
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".tiketi-doctor" not in p.parts} == fixed

    restored = runner.invoke(app, ["fix", str(repo), "--undo"])
    assert restored.exit_code == 0
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".tiketi-doctor" not in p.parts} == original
    assert not (repo / "backend/src/routes/stats.js").exists()  # the file the fix created is gone again
