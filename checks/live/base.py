"""The shared machinery of the live checks: what a symptom is, why it happens, and one finding of both.

A live finding names the failing component, what its pods show (status, restarts, last termination,
quoted log lines, events), why (the static root cause with file:line, when one explains it) and what
fixes it. A static finding that explains the symptom is absorbed: the live finding is located at the
static cause, carries its code, places and fix, lists it in `Finding.absorbs`, and the runner does not
report it a second time.
"""
from __future__ import annotations

import posixpath
import re
import sys
from dataclasses import field
from typing import TYPE_CHECKING, Any, Iterable

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis import k8s
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.i18n import Joined, Msg
from tiketi_doctor.model import Finding, Location, Severity

if TYPE_CHECKING:
    # The cluster code is imported where a live check runs: a static run only registers these checks.
    from tiketi_doctor.cluster.context import LiveContext, Workload
    from tiketi_doctor.cluster.logsigs import LogDiagnosis, LogMatch
    from tiketi_doctor.cluster.snapshot import ContainerView, EventView, LogRead, PodView

MAX_QUOTE = 8
MAX_PODS_LISTED = 5
CRASH_REASONS = frozenset({"CrashLoopBackOff", "Error", "RunContainerError", "StartError"})
IMAGE_REASONS = frozenset({"ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName"})
CONFIG_REASONS = frozenset({"CreateContainerConfigError", "CreateContainerError"})
HOST_PORT = re.compile(r"\b(?P<host>[a-z][\w.-]*):(?P<port>\d{2,5})\b")


# The cluster code and the masking patterns load on first use: a static run imports this family
# only to register its checks.
def is_live(ctx) -> bool:
    """isinstance(ctx, LiveContext): a live context exists only once its module is loaded."""
    module = sys.modules.get("tiketi_doctor.cluster.context")
    return module is not None and isinstance(ctx, module.LiveContext)


def diagnose(text: str | None) -> LogDiagnosis:
    from tiketi_doctor.cluster.logsigs import diagnose as diagnose_log

    return diagnose_log(text)


def _no_diagnosis() -> LogDiagnosis:
    from tiketi_doctor.cluster.logsigs import LogDiagnosis

    return LogDiagnosis()


def mask(text: str) -> str:
    """`text` with secrets masked; a message with nothing to mask stays a message (translatable)."""
    from tiketi_doctor.reporters.masking import mask as mask_secrets

    masked = mask_secrets(text)
    return text if masked == text else masked



# -- shared: the facts of a live finding ------------------------------------------------------------

class _Unset:
    """A fact a finding does not have: left out of `params` (None is a value some facts have)."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


@dataclass(frozen=True)
class AbsorbedFinding:
    """A static finding a live finding stands for."""

    code: str
    fingerprint: str
    location: str


@facts
class LiveFacts(Facts):
    """What every live finding names: the Deployment and, for a pod symptom, the pod, container and state,
    and the static findings it absorbs. Each check adds its own facts; a fact a finding does not have is
    UNSET and left out of `params`, so every kind of finding keeps exactly its keys."""

    deployment: str = ""
    pod: str = UNSET
    container: str = UNSET
    state: str = UNSET
    absorbed: tuple[AbsorbedFinding, ...] = UNSET

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in super().params().items() if v is not UNSET}


# -- shared: building a live finding --------------------------------------------------------------

@dataclass
class Explanation:
    """Why a symptom happens and what fixes it; `absorbed` static findings stand behind it."""

    headline: str  # a clause after the symptom (a Msg): "its image does not install it (services/auth-service/Dockerfile:9)"
    cause: str  # the root-cause paragraph (a Msg)
    location: Location | None = None
    related: list[Location] = field(default_factory=list)
    absorbed: list[Finding] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)
    ruled_out: str = ""
    params: dict = field(default_factory=dict)  # the check's own facts (fields of its LiveFacts)
    fix: str = ""  # what to change, in one sentence (a Msg); the remediation commands follow it


@dataclass
class Symptom:
    """What the pods of one workload show for one container."""

    workload: Workload
    pods: list[PodView]
    pod: PodView  # the representative (most restarts)
    container: ContainerView
    state: str  # "CrashLoopBackOff", "ErrImageNeverPull", ...
    log: LogRead | None = None
    log_previous: bool = False
    diagnosis: LogDiagnosis = field(default_factory=_no_diagnosis)
    events: list[EventView] = field(default_factory=list)

    def describe(self) -> Msg:
        c = self.container
        parts: list[str] = [self.state]
        if c.restarts:
            parts.append(restarts_word(c.restarts))
        term = c.last or c.current
        if term is not None and self.state not in IMAGE_REASONS:
            parts.append(Msg("last {termination}", termination=termination_words(term)))
        if len(self.workload.live_pods) > 1:
            pods = Msg("{count}/{total} pods", count=len(self.pods), total=len(self.workload.live_pods))
        else:
            pods = Msg("pod {name}", name=self.pod.name)
        return Msg("{pods}: {parts}", pods=pods, parts=Joined(parts, ", "))


def restarts_word(count: int) -> Msg:
    return Msg("1 restart") if count == 1 else Msg("{count} restarts", count=count)


def termination_words(term) -> Joined:
    """A container's termination as `TerminationView.describe()` says it ("exit code 1, reason Error"), translatable."""
    parts = [Msg("exit code {code}", code=term.exit_code) if term.exit_code is not None else Msg("no exit code")]
    if term.reason:
        parts.append(Msg("reason {reason}", reason=term.reason))
    if term.signal:
        parts.append(Msg("signal {signal}", signal=term.signal))
    return Joined(parts, ", ")


def pod_line(ctx: LiveContext, pod: PodView) -> str:
    return f"{pod.name}  {pod.ready}  {pod.status}  {pod.restarts}  {ctx.snapshot.age(pod.created)}"


def quoted(lines: Iterable[str]) -> list[str]:
    return [mask(line) for line in list(lines)[:MAX_QUOTE]]


def termination_facts(c: ContainerView) -> dict | None:
    term = c.last or c.current
    if term is None:
        return None
    return {"exit_code": term.exit_code, "reason": term.reason, "signal": term.signal, "finished_at": term.finished_at}


def static_cause(findings: list[Finding]) -> list[dict]:
    return [{"code": f.code, "fingerprint": f.fingerprint, "location": str(f.location), "message": mask(f.message)} for f in findings]


def reported(ctx: LiveContext, findings: list[Finding]) -> list[Finding]:
    """The static findings that can be absorbed: reported ones (suppressed ones stay suppressed)."""
    return [f for f in findings if any(f is r for r in ctx.static.findings)]


def read_log(ctx: LiveContext, symptom: Symptom) -> None:
    """The previous container's log when it restarted (it holds the crash), else the current one."""
    c, pod = symptom.container, symptom.pod
    symptom.log_previous = bool(c.restarts or c.last)
    symptom.log = ctx.snapshot.log(pod.name, c.name, previous=symptom.log_previous)
    if symptom.log.text is None and symptom.log_previous:
        symptom.log_previous = False
        symptom.log = ctx.snapshot.log(pod.name, c.name)
    symptom.diagnosis = diagnose(symptom.log.text)


def pod_events(ctx: LiveContext, pods: list[PodView]) -> list[EventView]:
    return [e for p in pods for e in ctx.snapshot.events_for("Pod", p.name)]


class LiveCheck(Check):
    live = True
    scope = "cluster"
    Facts = LiveFacts  # each check declares its own (a LiveFacts subclass)
    # The lists of the snapshot this check cannot decide without: when RBAC forbids one, the check
    # says which permission is missing instead of reading an empty list as "nothing there".
    reads: tuple[str, ...] = ("pods", "replicasets", "deployments")

    def applies_to(self, component: Component) -> bool:
        return False

    def can_decide(self, ctx) -> bool:
        """A live context whose snapshot holds every list the check reads; else the reason is recorded."""
        if not is_live(ctx):
            ctx.undecided(Msg("needs a running cluster: run `tiketi-doctor check --live`"))
            return False
        missing = ctx.snapshot.missing(self.reads)
        for error in missing:
            ctx.undecided(error.reason)
        return not missing

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not self.can_decide(ctx):
            return
        for workload in ctx.workloads():
            yield from self.check_workload(ctx, workload)

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        return ()

    def live_finding(self, ctx: LiveContext, symptom: Symptom | None, workload: Workload, symptom_text: str,
                     why: Explanation, *, severity: Severity | None = None, evidence: dict | None = None) -> Finding:
        home = ctx.workload_location(workload)
        location = why.location or home
        related = [loc for loc in why.related if loc != location]
        if home != location and home not in related:
            related.append(home)
        absorbed = reported(ctx, why.absorbed)
        facts: dict = {"symptom": mask(symptom_text)}
        params: dict = {"deployment": workload.name, **why.params}
        if symptom is not None:
            c = symptom.container
            facts.update({
                "pod_status": [pod_line(ctx, p) for p in symptom.pods[:MAX_PODS_LISTED]],
                "pod": symptom.pod.name,
                "phase": symptom.pod.phase,
                "container": c.name + (" (init)" if c.init else ""),
                "state": symptom.state,
                "restarts": c.restarts,
                "image": c.image,
            })
            if c.message:
                facts["waiting_message"] = mask(c.message)
            term = termination_facts(c)
            if term:
                facts["last_termination"] = term
            if symptom.log is not None:
                source = "previous container" if symptom.log_previous else "container"
                facts["log_source"] = f"{source} {c.name} of {symptom.pod.name}, last {len(symptom.log.lines)} lines"
                if symptom.log.text is None:
                    facts["log_error"] = mask(symptom.log.error)
            if symptom.events:
                facts["events"] = [mask(e.describe()) for e in symptom.events[:MAX_QUOTE]]
            params.update({"pod": symptom.pod.name, "container": c.name, "state": symptom.state})
        facts.update(evidence or {})
        if why.absorbed:
            facts["static_cause"] = static_cause(why.absorbed)
            params["absorbed"] = tuple(AbsorbedFinding(f.code, f.fingerprint, str(f.location)) for f in why.absorbed)
        remediation = why.remediation or next((f.remediation for f in why.absorbed if f.remediation), [])
        fix = next((f.fix.title for f in absorbed if f.fix is not None), None) or why.fix
        cause: list[str] = [why.cause]
        if why.ruled_out:
            cause.append(Msg("Ruled out: {reason}", reason=why.ruled_out))
        commands = "; ".join(f"`{c}`" for c in remediation)
        if fix and remediation:
            cause.append(Msg("Fix: {fix} Then run: {commands}.", fix=_sentence(fix), commands=commands))
        elif fix:
            cause.append(Msg("Fix: {fix}", fix=_sentence(fix)))
        elif remediation:
            cause.append(Msg("Fix: run: {commands}.", commands=commands))
        finding = self.finding(
            Msg("{symptom} — {headline}", symptom=symptom_text, headline=why.headline) if why.headline else symptom_text,
            location,
            service=workload.service,
            severity=severity,
            related=related,
            evidence=facts,
            root_cause=Joined(cause, " ") if len(cause) > 1 else cause[0],
            facts=self.Facts(**params),
            remediation=remediation,
        )
        finding.fix = next((f.fix for f in absorbed if f.fix is not None), None)
        finding.absorbs = [f.fingerprint for f in absorbed]
        return finding


def _sentence(text: str) -> str:
    """The text ending in exactly one full stop."""
    stripped = text.rstrip(".")
    if text == stripped + ".":
        return text
    return Msg("{text}.", text=text) if stripped == text else stripped + "."


def log_excerpt(symptom: Symptom, matches: list[LogMatch] | None = None) -> list[str]:
    """The quoted lines of the diagnosis, else the last lines of the log."""
    chosen = matches if matches is not None else symptom.diagnosis.failures
    lines: list[str] = []
    for match in chosen:
        lines += [line for line in match.quote if line not in lines]
    if not lines and symptom.log is not None:
        lines = [line for line in symptom.log.lines if line.strip()][-5:]
    return quoted(lines)


def from_static(found: list[Finding], headline: str) -> Explanation:
    lead = found[0]
    return Explanation(
        headline=headline,
        cause=Msg("{code} ({name}): {cause}", code=lead.code, name=lead.name, cause=lead.root_cause or lead.message),
        location=lead.location,
        related=[loc for f in found for loc in [f.location, *f.related] if loc != lead.location],
        absorbed=found,
        remediation=lead.remediation,
    )




def availability(ctx: LiveContext, workload: Workload) -> Msg:
    """A predicate after a component's name: "is scaled to 0 replicas"."""
    if workload.deployment is None and not workload.pods:
        return not_deployed()
    if workload.desired == 0:
        return Msg("is scaled to 0 replicas")
    pods = workload.live_pods
    ready = sum(1 for p in pods if p.ready.split("/")[0] == p.ready.split("/")[1] and p.phase == "Running")
    if ready == 1:
        return Msg("has 1 ready pod (it may have been starting when the connection was refused)")
    if ready:
        return Msg("has {count} ready pods (it may have been starting when the connection was refused)", count=ready)
    states = ", ".join(sorted({p.status for p in pods}))
    return Msg("has no ready pod ({states})", states=states) if states else Msg("has no ready pod (no pods)")


def not_deployed() -> Msg:
    return Msg("is not deployed in the namespace")


def repo_definitions(ctx: LiveContext, variable: str, component: Component | None) -> list[Location]:
    """Where the repository's manifests and config files define a variable (Secret/ConfigMap key or env entry)."""
    paths: list[str] = []
    folders = {posixpath.dirname(m) for c in ctx.catalogue.components for m in c.manifests}
    for folder in sorted(folders):  # every manifest beside the components' ones: the Secret and ConfigMap files
        paths += [p for p in ctx.repo.walk(folder or ".", (".yaml", ".yml")) if posixpath.dirname(p) == folder]
    for pattern in ctx.catalogue.config_files:
        paths += ctx.repo.glob(pattern)
    found = []
    for path in dict.fromkeys(paths):
        if path.endswith(".example"):
            continue
        for obj in k8s.objects(ctx, path):
            for section in ("data", "stringData"):
                data = obj.get(section)
                if isinstance(data, dict) and variable in data:
                    found.append(obj.at((section, variable), label=f"{obj.kind} {obj.name}: {variable}"))
    return found
