"""The live part of a check: connect, snapshot, run the live checks, merge and correlate.

When the cluster cannot be used, every live check is recorded as skipped with one reason and the
static report stands as it is; the caller turns `LiveOutcome.skipped` into exit code 4.
"""
from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from ..catalogue import Catalogue
from ..check import Check
from ..i18n import Msg
from ..model import CheckRun, Finding, PodRow, Report, RunStatus
from ..repo import RepoView
from .access import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, SERVER_ERROR, ClusterError, ClusterTarget, connect, is_kind_context
from .context import LiveContext, StaticResults
from .http import HttpProber, PortForwarder, parse_base_urls
from .snapshot import ClusterSnapshot, take_snapshot

@dataclass
class LiveOptions:
    context: str | None = None  # default: the catalogue's (kind-tiketi-local)
    kubeconfig: str | None = None  # default: $KUBECONFIG, else ~/.kube/config
    namespace: str | None = None  # default: the catalogue's (tiketi)
    base_urls: list[str] = field(default_factory=list)
    port_forward: bool = True  # reach components without a base URL through kubectl port-forward
    kubectl: str = "kubectl"
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE  # every API call of the live phase together


@dataclass
class LiveOutcome:
    target: ClusterTarget
    skipped: ClusterError | None = None
    calls: Counter = field(default_factory=Counter)
    log_reads: int = 0
    http_requests: int = 0
    duration: float = 0.0
    pods: int = 0

    @property
    def ran(self) -> bool:
        return self.skipped is None

    def summary(self) -> str:
        """One line on what the live part did (a `Msg`: English as a string, translated in the terminal)."""
        where = Msg("context {context}, namespace {namespace}", context=self.target.context, namespace=self.target.namespace)
        if self.skipped is not None:
            return Msg("live checks skipped ({kind}): {reason} [{where}]", kind=self.skipped.kind, reason=self.skipped.reason, where=where)
        lists = sum(n for k, n in self.calls.items() if k.startswith("list "))
        return Msg(
            "live checks on {where}: {pods} pods, {lists} list calls, {logs} log reads, {probes} HTTP probes in {seconds} s",
            where=where, pods=self.pods, lists=lists, logs=self.log_reads, probes=self.http_requests, seconds=f"{self.duration:.2f}",
        )


def resolve_target(options: LiveOptions, catalogue: Catalogue) -> ClusterTarget:
    return ClusterTarget(
        context=options.context or catalogue.cluster.context,
        namespace=options.namespace or catalogue.cluster.namespace,
        kubeconfig=options.kubeconfig,
        timeout=options.timeout,
    )


def skip_runs(checks: list[Check], reason: str) -> list[CheckRun]:
    return [CheckRun(c.code, "cluster", RunStatus.SKIPPED, 0.0, reason=reason) for c in checks]


def run_live(report: Report, root: Path, catalogue: Catalogue, checks: list[Check], options: LiveOptions,
             repo: RepoView | None = None) -> LiveOutcome:
    """Add the live checks' runs and findings to `report` (static findings they explain are absorbed)."""
    from ..engine import scan_live

    started = time.perf_counter()
    target = dataclasses.replace(resolve_target(options, catalogue), deadline=options.deadline)
    outcome = LiveOutcome(target)
    gateway = next((c.name for c in catalogue.components if c.role == "gateway"), None)
    base_urls = parse_base_urls(options.base_urls, gateway)  # ValueError: a usage error for the caller
    try:
        session = connect(target)
    except ClusterError as exc:
        return _skipped(report, checks, outcome, exc, started)
    forwarder = PortForwarder(target.context, target.namespace, target.kubeconfig, options.kubectl) if options.port_forward else None
    prober = HttpProber(base_urls, forwarder)
    try:
        try:
            snapshot = take_snapshot(session)
        except ClusterError as exc:
            return _skipped(report, checks, outcome, exc, started)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # Objects of the wrong shape (a server that is no Kubernetes API, or a broken proxy): the
            # live part is skipped with the reason, the static report stays whole.
            unexpected = ClusterError(SERVER_ERROR, f"unexpected answer from {session.server}: objects of the wrong shape ({type(exc).__name__}: {exc})")
            return _skipped(report, checks, outcome, unexpected, started)
        ctx = LiveContext(
            repo or RepoView.of(root, catalogue), catalogue, snapshot,
            StaticResults(list(report.findings), list(report.suppressed), list(report.runs)), prober,
            kind_cluster=target.context[len("kind-"):] if is_kind_context(target.context) else None,
        )
        if "pods" in snapshot.denied:  # no live check can decide anything without the pods
            return _skipped(report, checks, outcome, snapshot.denied["pods"], started)
        for error in snapshot.denied.values():
            report.notes.append(Msg("live checks: {reason}", reason=error.reason))
        live_findings = scan_live(report, checks, ctx)
        absorb(report, live_findings)
        report.pods = pod_rows(ctx.snapshot, catalogue)
        outcome.log_reads = snapshot.log_reads
        outcome.pods = len(snapshot.pods)
    finally:
        prober.close()
        session.close()
    outcome.calls = session.calls
    outcome.http_requests = prober.requests
    outcome.duration = time.perf_counter() - started
    report.notes.append(outcome.summary())
    return outcome


def _skipped(report: Report, checks: list[Check], outcome: LiveOutcome, exc: ClusterError, started: float) -> LiveOutcome:
    outcome.skipped = exc
    outcome.duration = time.perf_counter() - started
    report.runs.extend(skip_runs(checks, f"{exc.kind}: {exc.reason}"))
    report.notes.append(outcome.summary())
    return outcome


def absorb(report: Report, live_findings: list[Finding]) -> None:
    """A static finding a live finding explains is not reported a second time: the live one carries it."""
    absorbed = {fp for f in live_findings for fp in f.absorbs}
    if absorbed:
        report.findings = [f for f in report.findings if f.fingerprint not in absorbed or f in live_findings]


def pod_rows(snapshot: ClusterSnapshot, catalogue: Catalogue) -> list[PodRow]:
    """`kubectl get pods` for the catalogue's components (every pod when none of them is deployed)."""
    by_deployment = {(c.deployment or c.name): c.name for c in catalogue.components}
    rows = [
        PodRow(p.name, p.ready, p.status, p.restarts, snapshot.age(p.created), by_deployment.get(p.deployment or ""))
        for p in snapshot.pods
    ]
    known = [r for r in rows if r.service]
    return known or rows
