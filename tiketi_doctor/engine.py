"""Run the selected checks over a repository and collect one report."""
from __future__ import annotations

import time
import traceback
from pathlib import Path

from .catalogue import Catalogue
from .check import Check
from .context import ScanContext
from .model import CheckRun, Finding, Report, RunStatus
from .registry import matches
from .repo import RepoView


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
    for check in checks:
        if check.scope == "component":
            for component in catalogue.components:
                if check.applies_to(component):
                    runs.append(_run(check, ctx, component, findings))
        elif check.scope == "repository":
            runs.append(_run(check, ctx, None, findings))
    findings.extend(repo.problems)
    findings = _apply_ignores(findings, catalogue)
    findings.sort(key=Finding.sort_key)
    return Report(
        root=str(root),
        catalogue=catalogue.source,
        findings=findings,
        runs=runs,
        duration=time.perf_counter() - started,
    )


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


def _apply_ignores(findings: list[Finding], catalogue: Catalogue) -> list[Finding]:
    """Drop findings a component's catalogue entry ignores (each ignore carries a reason)."""
    ignores = {c.name: c.ignores for c in catalogue.components if c.ignores}
    if not ignores:
        return findings
    return [
        f for f in findings if not any(matches(f.code, i.code) for i in ignores.get(f.service or "", ()))
    ]
