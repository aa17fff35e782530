"""The fix planner re-runs only the check runs that read what a round's fixes changed. Planning with
that reuse must give exactly what planning with every check re-run gives: the same edits, the same
fixes, the same findings before and after, the same refusals."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.fixing import planner
from tiketi_doctor.fixing.planner import changed_keys, plan_fixes
from tiketi_doctor.fixing.registry import load_fixers
from tiketi_doctor.registry import load_registry
from tiketi_doctor.repo import RepoView

from .conftest import EXAMPLE, build_case

FIX_CASES = Path(__file__).resolve().parent / "fixes"
BENCH = Path(__file__).resolve().parents[1] / "bench"


def _summary(plan) -> dict:
    def findings(report):
        return sorted((f.code, f.fingerprint, f.message, str(f.location), f.severity.value) for f in report.findings)

    return {
        "changes": plan.changes,
        "applied": [(a.finding.fingerprint, a.fix.title, a.fix.edits, a.round) for a in plan.applied],
        "skipped": sorted((s.finding.fingerprint, s.reason) for s in plan.skipped),
        "before": findings(plan.before),
        "after": findings(plan.remaining),
        "runs": sorted((r.code, r.subject, r.status.value, r.findings, r.reason) for r in plan.remaining.runs),
        "rounds": plan.rounds,
    }


def _plans(root: Path, monkeypatch) -> tuple[dict, dict]:
    catalogue = find_catalogue(root)
    checks = load_registry().runnable()
    reused = _summary(plan_fixes(root, catalogue, checks, load_fixers()))
    monkeypatch.setattr(planner, "Reuse", lambda previous, changed: None)  # every round runs every check
    full = _summary(plan_fixes(root, catalogue, checks, load_fixers()))
    return reused, full


def _repositories() -> list[tuple[str, str]]:
    found = [("example", "tiketi"), ("example", "shop")]
    # Every fix case too, in the slow tier: the examples exercise most fixers in the default loop.
    found += [pytest.param("case", p.relative_to(FIX_CASES).as_posix(), marks=pytest.mark.slow)
              for p in sorted(FIX_CASES.glob("*/*")) if (p / "expected.yaml").is_file()]
    return found + [pytest.param("generated", "30", marks=pytest.mark.slow)]  # a generated 30-service monorepo


@pytest.mark.parametrize("kind,name", _repositories(), ids=lambda v: str(v))
def test_reuse_plans_exactly_what_a_full_rescan_plans(kind, name, tmp_path, monkeypatch):
    if kind == "example":
        root = EXAMPLE.parent / name
    elif kind == "case":
        root = build_case(FIX_CASES / name, tmp_path / "repo")
    else:
        sys.path.insert(0, str(BENCH))
        try:
            from generate import generate
        finally:
            sys.path.remove(str(BENCH))
        root = generate(tmp_path / "mono", int(name))
    reused, full = _plans(root, monkeypatch)
    assert reused == full


def test_a_round_reruns_only_the_runs_that_read_a_changed_file(tmp_path):
    root = EXAMPLE.parent / "tiketi"
    catalogue = find_catalogue(root)
    checks = load_registry().runnable()
    plan = plan_fixes(root, catalogue, checks, load_fixers())
    assert plan.rounds >= 1 and plan.applied
    # Re-scan the fixed overlay twice: the second scan, told that nothing changed, re-runs nothing.
    from tiketi_doctor.engine import Reuse
    from tiketi_doctor.fixing.context import FixContext, FixOptions

    first = FixContext(RepoView(root, plan.changes, exclude=catalogue.exclude), catalogue, FixOptions())
    report = scan(root, catalogue, checks, context=first)
    second = FixContext(RepoView(root, plan.changes, exclude=catalogue.exclude), catalogue, FixOptions())
    again = scan(root, catalogue, checks, context=second, reuse=Reuse(first, set()))
    assert [r for r in again.runs] == [r for r in report.runs]
    assert not second.repo._texts  # nothing was read: every run was taken over
    # A changed file re-runs the runs that read it, and only those.
    changed = {"services/auth-service/package.json"}
    third = FixContext(RepoView(root, plan.changes, exclude=catalogue.exclude), catalogue, FixOptions())
    scan(root, catalogue, checks, context=third, reuse=Reuse(first, changed))
    rerun = {key for key, value in third.check_reads.items() if value is not first.check_reads[key]}
    readers = {key for key, value in first.check_reads.items() if changed & _all_reads(first, value[0], value[1])}
    assert rerun == readers and ("DEP001", "auth-service") in rerun and ("DEP001", "payment-service") not in rerun


def test_changed_keys_name_new_files_and_the_listings_above_them(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "old.js").write_text("x")
    disk = RepoView(tmp_path)
    keys = changed_keys({"a/old.js": "x"}, {"a/old.js": "y", "a/b/new.js": "z"}, disk)
    assert keys == {"a/old.js", "a/b/new.js", "a/b", ("walk", "a/b"), "a", ("walk", "a"), ("walk", ".")}
    assert changed_keys({"a/old.js": "y"}, {"a/old.js": "y"}, disk) == set()


def _all_reads(ctx, reads: frozenset, uses: frozenset) -> set:
    """What a run read directly and through every analysis it used, transitively."""
    found, pending, seen = set(reads), list(uses), set()
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        memo_reads, memo_uses = ctx.memo_deps[key]
        found |= memo_reads
        pending.extend(memo_uses)
    return found


def test_a_run_depends_on_the_files_its_analyses_read(tmp_path):
    root = EXAMPLE.parent / "tiketi"
    catalogue = find_catalogue(root)
    from tiketi_doctor.fixing.context import FixContext, FixOptions

    ctx = FixContext(RepoView(root, exclude=catalogue.exclude), catalogue, FixOptions())
    scan(root, catalogue, load_registry().runnable(), context=ctx)
    reads, uses, findings, run = ctx.check_reads[("PORT001", "auth-service")]
    # PORT001 compares against a port index built once from every component's files.
    assert "services/stats-service/Dockerfile" not in reads
    assert "services/stats-service/Dockerfile" in _all_reads(ctx, reads, uses)


def test_a_plan_takes_over_the_scan_its_caller_already_ran(monkeypatch):
    """heal diagnoses first and then plans: the planner's first round takes the diagnosis' runs over
    (none runs again) and plans exactly what planning from nothing plans."""
    from tiketi_doctor.context import ScanContext

    root = EXAMPLE.parent / "tiketi"
    catalogue = find_catalogue(root)
    checks = load_registry().runnable()
    cold = _summary(plan_fixes(root, catalogue, checks, load_fixers()))
    diagnosed = ScanContext(RepoView(root, exclude=catalogue.exclude), catalogue, track_reads=True)
    scan(root, catalogue, checks, context=diagnosed)
    rounds = []
    real_scan = planner.scan

    def counting_scan(*args, **kwargs):
        report = real_scan(*args, **kwargs)
        ctx = kwargs["context"]
        rounds.append(sum(1 for key, value in ctx.check_reads.items() if value is not diagnosed.check_reads.get(key)))
        return report

    monkeypatch.setattr(planner, "scan", counting_scan)
    warm = _summary(plan_fixes(root, catalogue, checks, load_fixers(), first=diagnosed))
    assert warm == cold
    assert rounds[0] == 0 and all(count > 0 for count in rounds[1:])
