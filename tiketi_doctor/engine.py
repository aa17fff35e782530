"""Run the selected checks over a repository and collect one report."""
from __future__ import annotations

import gc
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .catalogue import Catalogue
from .check import Check
from .i18n import Joined
from .context import ScanContext
from .model import CheckRun, Finding, Report, RunStatus
from .repo import RepoView
from .suppressions import apply_ignores

if TYPE_CHECKING:
    from .cache import RunCache, Warm


@dataclass
class Reuse:
    """An earlier scan of the same repository (its context tracked reads) and what changed since:
    paths whose text or existence changed, and ("walk", folder) for listings that changed. A check
    run that read none of them, directly or through the analyses it used, is not run again: its
    findings and run record are taken over."""

    previous: ScanContext
    changed: set
    _dirty: dict = field(default_factory=dict)  # memo key -> whether it depends on a change

    def unchanged(self, reads: frozenset, uses: frozenset) -> bool:
        return reads.isdisjoint(self.changed) and not any(self._memo_changed(key) for key in uses)

    def _memo_changed(self, key: object) -> bool:
        known = self._dirty.get(key)
        if known is None:
            self._dirty[key] = True  # unknown or cyclic: count it as changed
            deps = self.previous.memo_deps.get(key)
            known = deps is None or not deps[0].isdisjoint(self.changed) or any(self._memo_changed(k) for k in deps[1])
            self._dirty[key] = known
        return known

    def carry_to(self, ctx: ScanContext) -> None:
        """The dependencies of analyses the reused runs used but this scan did not compute again,
        for the round after this one."""
        for key, deps in self.previous.memo_deps.items():
            ctx.memo_deps.setdefault(key, deps)


def scan(
    root: Path,
    catalogue: Catalogue,
    checks: list[Check],
    repo: RepoView | None = None,
    context: ScanContext | None = None,
    reuse: Reuse | None = None,
    cache: RunCache | None = None,
) -> Report:
    """Run `checks` over the repository. With `cache` (tiketi_doctor.cache), runs whose inputs did not
    change since the cache was written are taken from it, and the others are recorded in it."""
    started = time.perf_counter()
    repo = context.repo if context is not None else (repo or RepoView.of(root, catalogue))
    with _without_cycle_collection():
        findings, runs, pragmas = _scan(catalogue, checks, repo, context, reuse, cache)
    findings, suppressed = _apply_ignores(findings, catalogue, repo, pragmas)
    findings.sort(key=Finding.sort_key)
    return Report(
        root=str(root),
        catalogue=catalogue.source,
        system=catalogue.name,
        findings=findings,
        runs=runs,
        duration=time.perf_counter() - started,
        suppressed=sorted(suppressed, key=Finding.sort_key),
    )


def _scan(
    catalogue: Catalogue, checks: list[Check], repo: RepoView, context: ScanContext | None, reuse: Reuse | None, cache: RunCache | None
) -> tuple[list[Finding], list[CheckRun], list | None]:
    """The runs (taken from the cache or run), their findings with the input problems, and the
    pragmas (with a cache only: else the ignores scan for them)."""
    ctx = context or ScanContext(repo, catalogue, track_reads=cache is not None)
    warm = cache.open(repo) if cache is not None and ctx.track_reads and not repo.overlay else None
    if warm is not None:
        warm.bind(ctx)
    findings: list[Finding] = []
    runs: list[CheckRun] = []
    for check in checks:
        if check.scope == "component":
            for component in catalogue.components:
                if check.applies_to(component):
                    runs.append(_run_or_reuse(check, ctx, component, findings, reuse, warm))
        elif check.scope == "repository":
            runs.append(_run_or_reuse(check, ctx, None, findings, reuse, warm))
    findings.extend(_input_problems(ctx, reuse, warm))
    if reuse is not None:
        reuse.carry_to(ctx)
    pragmas = None
    if warm is not None and cache is not None:
        # The pragma scan reads every text file: the cache keeps each file's pragmas by its stat.
        pragmas, table = cache.scan_pragmas(repo, warm)
        cache.save(ctx, warm, table)  # before ignores and fixes are attached to the findings
    return findings, runs, pragmas


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while the scan runs: what it builds (syntax trees, analyses,
    the loaded run cache) stays alive until the end, and re-scanning it took a tenth of a large
    scan and a third of a re-check; reference counting still frees everything else as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_or_reuse(check: Check, ctx: ScanContext, component, sink: list[Finding], reuse: Reuse | None, warm: Warm | None = None) -> CheckRun:
    key = (check.code, component.name if component is not None else None)
    if warm is not None:
        kept = warm.take(key)
        if kept is not None:
            sink.extend(kept[0])
            return kept[1]  # type: ignore[return-value]
    if reuse is not None:
        earlier = reuse.previous.check_reads.get(key)
        if earlier is not None and reuse.unchanged(earlier[0], earlier[1]):
            ctx.check_reads[key] = earlier
            sink.extend(earlier[2])
            return earlier[3]
    if not ctx.track_reads:
        return _run(check, ctx, component, sink)
    produced: list[Finding] = []
    with ctx.reading() as (reads, uses):
        run = _run(check, ctx, component, produced)
    ctx.check_reads[key] = (frozenset(reads), frozenset(uses), produced, run)
    sink.extend(produced)
    return run


def _input_problems(ctx: ScanContext, reuse: Reuse | None, warm: Warm | None = None) -> list[Finding]:
    """Unreadable and malformed files; with reuse, also those found earlier in files that no run
    read again this time (a reused run does not read them) and that did not change."""
    problems = list(ctx.repo.problems)
    if warm is not None:
        seen = {(f.code, f.location.path) for f in problems}
        problems += [f for f in warm.problems() if (f.code, f.location.path) not in seen]
    if reuse is not None:
        seen = {(f.code, f.location.path) for f in problems}
        problems += [
            f for f in reuse.previous.input_problems
            if f.location.path not in reuse.changed and (f.code, f.location.path) not in seen
        ]
    ctx.input_problems = problems
    return problems


def _run(check: Check, ctx: ScanContext, component, sink: list[Finding]) -> CheckRun:
    subject = component.name if component is not None else "repository"
    started = time.perf_counter()
    try:
        if component is not None:
            produced = list(check.check_component(ctx, component))
        else:
            produced = list(check.check_repository(ctx))
    except Exception as exc:  # a broken check must not hide the others' results
        ctx.take_undecided()
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return CheckRun(check.code, subject, RunStatus.ERROR, time.perf_counter() - started, reason=detail)
    undecided = ctx.take_undecided()
    sink.extend(produced)
    if produced:
        status = RunStatus.FAILED
    elif undecided:
        status = RunStatus.UNKNOWN
    else:
        status = RunStatus.PASSED
    return CheckRun(
        check.code, subject, status, time.perf_counter() - started, len(produced), Joined(undecided, "; ") if undecided else ""
    )


def _apply_ignores(findings: list[Finding], catalogue: Catalogue, repo: RepoView | None = None, pragmas: list | None = None) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (reported, suppressed) by catalogue ignores and inline pragmas (each with a reason).

    Suppressed findings are kept, with their `suppression`, for the reporters to count and show.
    """
    return apply_ignores(findings, catalogue, repo, pragmas)


def scan_live(report: Report, checks: list[Check], ctx: ScanContext) -> list[Finding]:
    """Run live checks (scope "cluster", once each) after the static ones, with a live context
    (tiketi_doctor.cluster.context.LiveContext); add their runs and findings to `report`.

    Ignores apply as for static findings. Returns the live findings that are reported.
    """
    started = time.perf_counter()
    produced: list[Finding] = []
    for check in checks:
        run = _run(check, ctx, None, produced)
        run.subject = "cluster"
        report.runs.append(run)
    kept, suppressed = _apply_ignores(produced, ctx.catalogue, ctx.repo)
    report.findings = sorted(report.findings + kept, key=Finding.sort_key)
    report.suppressed = sorted(report.suppressed + suppressed, key=Finding.sort_key)
    report.duration += time.perf_counter() - started
    return kept
