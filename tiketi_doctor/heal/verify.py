"""Prove a heal: the redeployed components' pods are Ready, and the live checks no longer see the
symptoms they saw before (crash loops, failing health routes, gateway 404s)."""
from __future__ import annotations

from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from ..catalogue import Catalogue
from ..context import ScanContext
from ..engine import scan
from ..model import Finding, Report
from ..registry import Registry


@dataclass
class Verification:
    report: Report  # the checks as they stand after the heal (static + live)
    ok: bool
    problems: list[str] = field(default_factory=list)
    proofs: dict[str, str] = field(default_factory=dict)  # component -> what proved it healthy


def diagnose(root: Path, catalogue: Catalogue, registry: Registry, live_options, context: ScanContext | None = None) -> tuple[Report, object]:
    """Static checks plus the live checks, as `check --live` runs them. With `context` (one that
    tracks reads), the static scan runs in it, so the fix planner can take its runs over."""
    from ..cluster.runner import run_live

    report = scan(root, catalogue, registry.runnable(), context=context)
    outcome = run_live(report, root, catalogue, registry.runnable(live=True), live_options)
    return report, outcome


def verify(root: Path, catalogue: Catalogue, registry: Registry, live_options, components: list[str],
           before: list[Finding]) -> Verification:
    report, outcome = diagnose(root, catalogue, registry, live_options)
    if not outcome.ran:
        return Verification(report, False, [f"the cluster could not be read: {outcome.skipped}"])
    problems: list[str] = []
    proofs: dict[str, str] = {}
    live_now = [f for f in report.findings if f.code.startswith("CL")]
    for name in components:
        pods = [p for p in report.pods if p.service == name]
        not_ready = [p for p in pods if p.status != "Running" or not _ready(p.ready)]
        symptoms = [f for f in live_now if f.service == name]
        if not pods:
            problems.append(f"{name}: no pod")
        elif not_ready:
            problems.append(f"{name}: " + ", ".join(f"{p.name} {p.status} {p.ready}" for p in not_ready))
        if symptoms:
            problems.extend(f"{name}: {f.code} {f.message}" for f in symptoms)
        if pods and not not_ready and not symptoms:
            proofs[name] = ", ".join(f"{p.name} {p.ready} {p.status}" for p in pods) + "; live checks clean"
    still = [f for f in before if f.code.startswith("CL") and any(_same_symptom(f, g) for g in live_now)]
    problems.extend(f"still seen: {f.code} {f.service}: {f.message}" for f in still if f.service not in components)
    return Verification(report, not problems, problems, proofs)


def _ready(text: str) -> bool:
    ready, _, total = text.partition("/")
    return ready == total and ready not in ("", "0")


def _same_symptom(a: Finding, b: Finding) -> bool:
    return a.code == b.code and a.service == b.service
