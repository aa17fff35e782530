"""Reports (--format json/sarif/markdown/html, `report`) show each finding's own fix, computed on
the files as they are in one pass over a finished scan (fixing.planner.attach_fixes), not by
planning every round of `fix`."""
from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cli.main import app
from tiketi_doctor.engine import scan
from tiketi_doctor.fixing.context import FixContext, FixOptions
from tiketi_doctor.fixing.edits import span
from tiketi_doctor.fixing.planner import attach_fixes, plan_fixes
from tiketi_doctor.fixing.registry import load_fixers
from tiketi_doctor.model import Fix, Safety, TextEdit
from tiketi_doctor.registry import load_registry
from tiketi_doctor.repo import RepoView

from .conftest import EXAMPLE

runner = CliRunner()


def _attached(root, fixers=None):
    catalogue = find_catalogue(root)
    ctx = FixContext(RepoView(root, exclude=catalogue.exclude), catalogue, FixOptions())
    report = scan(root, catalogue, load_registry().runnable(), context=ctx)
    attach_fixes(ctx, report, fixers if fixers is not None else load_fixers())
    return report


def _span_text(root, edit: TextEdit) -> str:
    text = (root / edit.path).read_text(encoding="utf-8")
    start, end = span(text, edit)
    return text[start:end]


def test_a_finding_gets_the_fix_the_planner_takes_for_it_in_the_first_round():
    report = _attached(EXAMPLE)
    plan = plan_fixes(EXAMPLE, find_catalogue(EXAMPLE), load_registry().runnable(), load_fixers())
    first_round = {a.finding.fingerprint: a.fix for a in plan.applied if a.round == 1}
    attached = {f.fingerprint: f.fix for f in report.findings if f.fix is not None}
    assert first_round and set(first_round) <= set(attached)
    for fingerprint, fix in first_round.items():
        assert (attached[fingerprint].title, attached[fingerprint].edits, attached[fingerprint].diff) == (fix.title, fix.edits, fix.diff)


def test_every_shown_fix_applies_to_the_files_as_they_are():
    """Fixes that overlap (the planner defers one of them to a later round) are each shown
    against the files on disk: every edit finds the text it replaces."""
    report = _attached(EXAMPLE)
    fixes = [f.fix for f in report.findings if f.fix is not None]
    assert len(fixes) >= 20
    for fix in fixes:
        for edit in fix.edits:
            if not edit.creates:
                assert _span_text(EXAMPLE, edit) == edit.old_text, (fix.title, edit)
        assert fix.diff.startswith(("--- a/", "--- /dev/null"))


def test_refused_and_breaking_fixes_are_not_shown(tmp_path):
    root = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, root)
    catalogue = find_catalogue(root)
    ctx = FixContext(RepoView(root, exclude=catalogue.exclude), catalogue, FixOptions())
    report = scan(root, catalogue, load_registry().runnable(), context=ctx)
    attach_fixes(ctx, report, load_fixers())
    target = next(f for f in report.findings if f.fix is not None)
    package = "services/auth-service/package.json"
    text = (root / package).read_text(encoding="utf-8")

    def breaking(ctx, finding):  # leaves package.json without its closing brace
        last = text.rstrip().splitlines()
        return Fix("break it", (TextEdit(package, (len(last), 1), (len(last), 2), "", "}"),))

    def unsafe(ctx, finding):
        return Fix("risky", (TextEdit(package, (1, 1), (1, 2), "{", "{"),), Safety.UNSAFE)

    def stale(ctx, finding):
        return Fix("stale", (TextEdit(package, (1, 1), (1, 2), "[", "x"),))

    def fine(ctx, finding):
        return Fix("fine", (TextEdit(package, (1, 1), (1, 2), "{", "{"),))

    for fixer, shown in ((breaking, False), (unsafe, False), (stale, False), (fine, True)):
        for finding in report.findings:
            finding.fix = None
        attach_fixes(ctx, report, {target.code: fixer})
        fixed = [f for f in report.findings if f.code == target.code and f.fix is not None]
        assert bool(fixed) is shown, fixer.__name__


def test_json_shows_the_same_fixes_from_a_warm_cache(tmp_path):
    root = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, root)
    outputs = []
    for name in ("cold.json", "warm.json"):
        result = runner.invoke(app, ["check", str(root), "--format", "json", "-o", str(tmp_path / name), "--cache-dir", str(tmp_path / "cache")])
        assert result.exit_code == 1, result.output
        findings = json.loads((tmp_path / name).read_text(encoding="utf-8"))["findings"]
        outputs.append([(f["code"], f["location"], f.get("fix")) for f in findings])
    assert outputs[0] == outputs[1]
    assert sum(1 for _, _, fix in outputs[0] if fix) >= 20
    assert list((tmp_path / "cache").iterdir())  # the second run had a cache to take runs from
