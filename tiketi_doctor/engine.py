"""Run the selected checks over a repository and collect one report."""
from __future__ import annotations

import gc
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .catalogue import Catalogue
from .check import Check
from .context import ScanContext
from .model import CheckRun, Finding, Report, RunStatus
from .repo import RepoView
from .suppressions import apply_ignores


def scan(
    root: Path,
    catalogue: Catalogue,
    checks: list[Check],
    repo: RepoView | None = None,
    context: ScanContext | None = None,
) -> Report:
    started = time.perf_counter()
    repo = context.repo if context is not None else (repo or RepoView(root, exclude=catalogue.exclude))
    ctx = context or ScanContext(repo, catalogue)
    findings: list[Finding] = []
    runs: list[CheckRun] = []
    with _without_cycle_collection():
        for check in checks:
            if check.scope == "component":
                for component in catalogue.components:
                    if check.applies_to(component):
                        runs.append(_run(check, ctx, component, findings))
            elif check.scope == "repository":
                runs.append(_run(check, ctx, None, findings))
    findings.extend(repo.problems)
    findings, suppressed = _apply_ignores(findings, catalogue, repo)
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


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while the checks run: what they build (syntax trees, analyses)
    stays alive until the end, and re-scanning it took a tenth of a large scan; reference
    counting still frees everything else as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        check.code, subject, status, time.perf_counter() - started, len(produced), "; ".join(undecided)
    )


def _apply_ignores(findings: list[Finding], catalogue: Catalogue, repo: RepoView | None = None) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (reported, suppressed) by catalogue ignores and inline pragmas (each with a reason).

    Suppressed findings are kept, with their `suppression`, for the reporters to count and show.
    """
    return apply_ignores(findings, catalogue, repo)


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
