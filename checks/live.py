"""CL: what the running cluster shows, explained by the repository.

Each finding is one failing component: what its pods show (status, restarts, last termination,
quoted log lines, events), why (the static root cause with file:line, when one explains it) and
what fixes it. A static finding that explains the symptom is absorbed: the live finding is
located at the static cause, carries its code, fingerprint, places and fix, and the static one
is not reported a second time. A symptom without a static cause says what was ruled out.
"""
from __future__ import annotations

import posixpath
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.frontend_calls import frontend_api
from tiketi_doctor.analysis.image import image_install
from tiketi_doctor.analysis.source import requirements
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import reapply_commands, rebuild_commands

if TYPE_CHECKING:
    # The cluster code is imported where a live check runs: a static run only registers these checks.
    from tiketi_doctor.cluster.context import LiveContext, Workload
    from tiketi_doctor.cluster.logsigs import LogDiagnosis, LogMatch
    from tiketi_doctor.cluster.snapshot import ContainerView, EventView, LogRead, PodView

MAX_QUOTE = 8
MAX_PODS_LISTED = 5
RESTART_WARNING = 3
CRASH_REASONS = frozenset({"CrashLoopBackOff", "Error", "RunContainerError", "StartError"})
IMAGE_REASONS = frozenset({"ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName"})
CONFIG_REASONS = frozenset({"CreateContainerConfigError", "CreateContainerError"})
_PROBE_EVENT = re.compile(r"^(?P<probe>Liveness|Readiness|Startup) probe failed: (?P<detail>.*)$", re.DOTALL)
_PROBE_TARGET = re.compile(r"(?:https?://|dial tcp )?(?P<host>[\w.-]+|\[[0-9a-f:]+\]):(?P<port>\d+)")
_PROBE_STATUS = re.compile(r"statuscode: (?P<status>\d+)")
_MISSING_KEY = re.compile(r"couldn't find key (?P<key>\S+) in (?P<kind>Secret|ConfigMap) (?:(?P<namespace>[\w.-]+)/)?(?P<name>[\w.-]+)")
_MISSING_OBJECT = re.compile(r"(?P<kind>secret|configmap) \"(?P<name>[\w.-]+)\" not found", re.IGNORECASE)
_HOST_PORT = re.compile(r"\b(?P<host>[a-z][\w.-]*):(?P<port>\d{2,5})\b")
_NC_TARGET = re.compile(r"\b(?:nc|ncat|netcat)\b[^;|&]*?\s(?P<host>[a-z][\w.-]*)\s+(?P<port>\d{2,5})\b")


# The cluster code and the masking patterns load on first use: a static run imports this family
# only to register its checks.
def _is_live(ctx) -> bool:
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
    from tiketi_doctor.reporters.masking import mask as mask_secrets

    return mask_secrets(text)


# -- shared: building a live finding --------------------------------------------------------------

@dataclass
class Explanation:
    """Why a symptom happens and what fixes it; `absorbed` static findings stand behind it."""

    headline: str  # a clause after the symptom: "its image does not install it (services/auth-service/Dockerfile:9)"
    cause: str  # the root-cause paragraph
    location: Location | None = None
    related: list[Location] = field(default_factory=list)
    absorbed: list[Finding] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)
    ruled_out: str = ""
    params: dict = field(default_factory=dict)
    fix: str = ""  # what to change, in one sentence; the remediation commands follow it


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

    def describe(self) -> str:
        c = self.container
        parts = [self.state]
        if c.restarts:
            parts.append(f"{c.restarts} restart{'s' if c.restarts != 1 else ''}")
        term = c.last or c.current
        if term is not None and self.state not in IMAGE_REASONS:
            parts.append(f"last {term.describe()}")
        pods = f"{len(self.pods)}/{len(self.workload.live_pods)} pods" if len(self.workload.live_pods) > 1 else f"pod {self.pod.name}"
        return f"{pods}: " + ", ".join(parts)


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

    def applies_to(self, component: Component) -> bool:
        return False

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not _is_live(ctx):
            ctx.undecided("needs a running cluster: run `tiketi-doctor check --live`")
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
            params["absorbed"] = [{"code": f.code, "fingerprint": f.fingerprint, "location": str(f.location)} for f in why.absorbed]
        from tiketi_doctor.cluster.runner import ABSORBS

        params[ABSORBS] = [f.fingerprint for f in absorbed]
        remediation = why.remediation or next((f.remediation for f in why.absorbed if f.remediation), [])
        fix = next((f.fix.title for f in absorbed if f.fix is not None), None) or why.fix
        cause = why.cause + (f" Ruled out: {why.ruled_out}" if why.ruled_out else "")
        if fix or remediation:
            cause += " Fix: " + (fix.rstrip(".") + "." if fix else "") + (
                (" Then run: " if fix else "run: ") + "; ".join(f"`{c}`" for c in remediation) + "." if remediation else "")
        finding = self.finding(
            f"{symptom_text} — {why.headline}" if why.headline else symptom_text,
            location,
            service=workload.service,
            severity=severity,
            related=related,
            evidence=facts,
            root_cause=cause,
            params=params,
            remediation=remediation,
        )
        finding.fix = next((f.fix for f in absorbed if f.fix is not None), None)
        return finding


def log_excerpt(symptom: Symptom, matches: list[LogMatch] | None = None) -> list[str]:
    """The quoted lines of the diagnosis, else the last lines of the log."""
    chosen = matches if matches is not None else symptom.diagnosis.failures
    lines: list[str] = []
    for match in chosen:
        lines += [line for line in match.quote if line not in lines]
    if not lines and symptom.log is not None:
        lines = [line for line in symptom.log.lines if line.strip()][-5:]
    return quoted(lines)


def from_static(found: list[Finding], headline: str, extra: str = "") -> Explanation:
    lead = found[0]
    return Explanation(
        headline=headline,
        cause=(extra + " " if extra else "") + f"{lead.code} ({lead.name}): {lead.root_cause or lead.message}",
        location=lead.location,
        related=[loc for f in found for loc in [f.location, *f.related] if loc != lead.location],
        absorbed=found,
        remediation=lead.remediation,
    )


# -- CL001 -------------------------------------------------------------------------------------------

class ContainerCrashLoop(LiveCheck):
    code = "CL001"
    name = "container-crash-loop"
    severity = Severity.ERROR
    summary = "A component's container keeps exiting (CrashLoopBackOff/Error): its log says why, the repository says what to fix."
    why = (
        "A crash-looping pod serves nothing, and Kubernetes waits longer after each crash (up to five minutes). "
        "The reason is in the previous container's last log lines — `Cannot find module`, `EADDRINUSE`, a missing "
        "environment variable, a refused connection — and usually in the repository too: a Dockerfile that does not "
        "install a package, a port or URL that disagrees. This check reads that log and ties it to the static finding "
        "that explains it, so the crash and its cause are one finding."
    )
    example = (
        "auth-service-86c5d99cc6-ppx8j  0/1  CrashLoopBackOff  5\n"
        "  Error: Cannot find module 'google-auth-library'  (previous container)\n"
        "  services/auth-service/Dockerfile:9 writes a package.json without it"
    )
    fix = (
        "Fix the cause the finding names (often: install from the real package.json in the Dockerfile), then rebuild "
        "the image, `kind load docker-image` it and `kubectl rollout restart` the deployment. When the repository is "
        "already right, the image in the cluster is older than the repository: rebuild and load it."
    )

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        for symptom in crash_symptoms(ctx, workload):
            read_log(ctx, symptom)
            symptom.events = [e for e in pod_events(ctx, [symptom.pod]) if e.reason in ("BackOff", "Failed")]
            why = explain_crash(ctx, workload, symptom)
            evidence = {"log_excerpt": log_excerpt(symptom)}
            primary = symptom.diagnosis.primary
            if primary is not None:
                evidence["log_signature"] = {"kind": primary.kind, **{k: mask(v) for k, v in primary.facts.items()}}
                why.params.setdefault("signature", primary.kind)
                why.params.update({k: v for k, v in primary.facts.items() if k not in why.params})
            if symptom.diagnosis.origin is not None:
                origin = symptom.diagnosis.origin
                evidence["log_origin"] = f"{origin.file}:{origin.line}"
            if symptom.diagnosis.node_version:
                evidence["node_version"] = symptom.diagnosis.node_version
            title = primary.title if primary is not None else "exits without a known error in its log"
            text = f"{workload.service} crash-loops ({symptom.describe()}): {mask(title)}"
            yield self.live_finding(ctx, symptom, workload, text, why, evidence=evidence)


def crash_symptoms(ctx: LiveContext, workload: Workload) -> list[Symptom]:
    """One symptom per container name: the pods whose container crashes (not for OOM, images or config)."""
    groups: dict[str, list[tuple[PodView, ContainerView]]] = {}
    for pod in workload.live_pods:
        for c in pod.containers:
            last = c.last or c.current
            if last is not None and (last.reason == "OOMKilled" or last.exit_code == 137 and last.reason != "Error"):
                continue
            crashing = c.reason in CRASH_REASONS or (c.state == "terminated" and last is not None and last.exit_code not in (0, None))
            if crashing:
                groups.setdefault(c.name, []).append((pod, c))
    symptoms = []
    for name, members in groups.items():
        pod, c = max(members, key=lambda m: (m[1].restarts, m[0].name))
        state = c.reason or (f"ExitCode:{c.current.exit_code}" if c.current else "Error")
        symptoms.append(Symptom(workload, [p for p, _ in members], pod, c, state))
    return symptoms


def explain_crash(ctx: LiveContext, workload: Workload, symptom: Symptom) -> Explanation:
    diagnosis = symptom.diagnosis
    primary = diagnosis.primary
    if primary is None:
        term = symptom.container.last or symptom.container.current
        exit_text = term.describe() if term else "no termination record"
        detail = "the log tail is empty" if symptom.log is None or not symptom.log.lines else "no known Node.js failure appears in the log tail"
        return Explanation(
            headline=f"{exit_text}; {detail}",
            cause=(
                f"The container exits ({exit_text}) and {detail} (see log_excerpt). Run "
                f"`kubectl logs -n {ctx.snapshot.namespace} {symptom.pod.name} -c {symptom.container.name} --previous` "
                "for the whole log, and `kubectl describe pod` for the command it runs."
            ),
            remediation=[f"kubectl logs -n {ctx.snapshot.namespace} {symptom.pod.name} -c {symptom.container.name} --previous"],
        )
    explain = _EXPLAINERS.get(primary.kind, _explain_error)
    return explain(ctx, workload, symptom, primary)


def _explain_module(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    module = match.facts["module"]
    component = workload.component
    package = _package_name(module)
    service = workload.service
    found = ctx.static.find("DEP001", service, module=package) or ctx.static.find("DEP006", service, module=package)
    if found:
        lead = found[0]
        why = from_static(found, _module_headline(lead))
        why.fix = _module_fix(lead, component)
        contributing = [f for code in ("DEP005", "DEP004") for f in ctx.static.find(code, service)]
        if contributing:
            why.cause += " See also " + ", ".join(f"{f.code} at {f.location}" for f in contributing) + "."
        why.params.update({"module": package})
        return why
    if component is None:
        return Explanation(
            headline="the module is not installed in the image",
            cause=f"Node could not resolve {module!r}; {workload.name} is not a catalogue component, so its Dockerfile is unknown.",
            params={"module": package},
        )
    image = image_install(ctx, component) if component.dockerfile else None
    required = requirements(ctx, component).get(package)
    remediation = rebuild_commands(ctx.catalogue, component)
    if image is not None and package in image.packages:
        installed = image.packages[package]
        return Explanation(
            headline=f"the repository's image installs it ({installed.location}): the image in the cluster was built from older files",
            cause=(
                f"Node could not resolve {module!r} in the running container, but the repository's {component.dockerfile} "
                f"installs {package} ({installed.via} at {installed.location}). The image running in the cluster "
                f"({symptom.container.image}) was therefore built before that change, or never rebuilt and loaded."
            ),
            location=installed.location,
            related=[required.first] if required else [],
            remediation=remediation,
            ruled_out=f"DEP001 and DEP006 found nothing for {service}: the repository's image installs {package!r}.",
            params={"module": package, "image_older_than_repository": True},
        )
    if required is None:
        return Explanation(
            headline="the repository's code does not require it: the image runs other code than the repository",
            cause=(
                f"The running container requires {module!r}, which nothing under {component.source} requires. The image "
                f"({symptom.container.image}) was built from other source files than the repository's."
            ),
            remediation=remediation,
            ruled_out=f"no require('{package}') in {component.source}; DEP001 has nothing to say about it.",
            params={"module": package, "image_older_than_repository": True},
        )
    undecided = "; ".join(image.undecided) if image is not None and image.undecided else "what the image installs could not be read"
    return Explanation(
        headline=f"{required.first} requires it and the image does not provide it",
        cause=f"{required.first} requires {package!r}; DEP001 could not decide for {service} ({undecided}).",
        location=required.first,
        remediation=remediation,
        params={"module": package},
    )


def _module_headline(lead: Finding) -> str:
    """"services/auth-service/Dockerfile:9 writes a package.json without it; src/routes/auth.js:6 requires it"."""
    at = str(lead.evidence.get("image_package_json_at") or "")
    place = ":".join(at.split(":")[:2]) if at else lead.params.get("dockerfile") or "the Dockerfile"
    kind = lead.params.get("manifest_kind")
    if lead.code == "DEP006":
        return f"{lead.location.path}:{lead.location.line} requires it but package.json does not declare it"
    if kind == "inline":
        image = f"{place} writes the image's package.json without it"
    elif kind == "copied":
        image = f"the package.json copied by {place} does not list it"
    else:
        image = f"{lead.params.get('dockerfile') or 'the Dockerfile'} does not install it"
    return f"{image}; {lead.location.path}:{lead.location.line} requires it"


def _module_fix(lead: Finding, component: Component | None) -> str:
    module, spec = lead.params.get("module"), lead.params.get("spec")
    dockerfile = lead.params.get("dockerfile") or "the Dockerfile"
    if lead.code == "DEP006":
        return f"add {module!r} to the dependencies of {lead.params.get('package_json') or 'package.json'} (npm install {module})"
    if lead.params.get("local_package"):
        return f"copy {lead.params['local_package']} into node_modules/{module} in {dockerfile}"
    real = component.package_json if component else None
    entry = f'"{module}": "{spec}"' if spec else f'"{module}"'
    if lead.params.get("manifest_kind") == "inline" and real:
        return f"install from the real {real} in {dockerfile} (COPY it, then npm install --omit=dev) instead of the inline list, or add {entry} to that list"
    return f"make {dockerfile} install {entry}"


def _explain_syntax(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    origin = symptom.diagnosis.origin
    component = workload.component
    if origin is None:
        return _explain_error(ctx, workload, symptom, match)
    path = ctx.repo_path(component, origin.file)
    if path is None:
        return Explanation(
            headline=f"{origin.file}:{origin.line} does not parse",
            cause=f"Node failed to parse {origin.file}:{origin.line} ({match.facts.get('error')}); no repository file matches it.",
            params={"file": origin.file, "line": origin.line},
        )
    location = Location(path, origin.line, label=origin.source or None)
    found = [f for f in ctx.static.find("SRC002") if f.location.path == path]
    if found:
        return from_static(found, f"{path} does not parse in the repository either")
    text = ctx.repo.text(path)
    repo_line = text.lines[origin.line - 1].strip() if text is not None and 0 < origin.line <= len(text.lines) else ""
    same = bool(origin.source) and repo_line == origin.source.strip()
    remediation = rebuild_commands(ctx.catalogue, component) if component else []
    if same:
        return Explanation(
            headline=f"{path}:{origin.line} does not parse",
            cause=f"Node stops at {path}:{origin.line} with {match.facts.get('error')}; the repository's line is the same.",
            location=location,
            remediation=remediation,
            params={"file": path, "line": origin.line},
        )
    return Explanation(
        headline=f"the image's {origin.file}:{origin.line} differs from the repository's {path}: the image is older than the repository",
        cause=(
            f"Node stops at {origin.file}:{origin.line} ({match.facts.get('error')}) on `{origin.source}`, but the repository's "
            f"{path}:{origin.line} reads `{repo_line}` and parses. The image in the cluster was built from other files."
        ),
        location=location,
        remediation=remediation,
        ruled_out=f"SRC002 finds no syntax error in {path}.",
        params={"file": path, "line": origin.line, "image_older_than_repository": True},
    )


def _explain_env(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    variable = match.facts.get("variable")
    component = workload.component
    origin = symptom.diagnosis.origin
    related = []
    path = ctx.repo_path(component, origin.file) if origin else None
    if path:
        related.append(Location(path, origin.line, label=origin.source or None))
    if not variable:
        return Explanation(
            headline="a required setting is empty",
            cause=f"{match.title}: the secret it needs is empty or missing in the pod's environment.",
            related=related,
        )
    spec = symptom.pod.spec_container(symptom.container.name)
    direct = [e for e in spec.get("env") or [] if e.get("name") == variable]
    if direct:  # set in the pod spec itself, so it must be empty or come from a reference that resolved to nothing
        ref = direct[0].get("valueFrom") or {}
        origin_of = next((f"{k} {v.get('name')}/{v.get('key')}" for k, v in ref.items() if isinstance(v, dict)), "an empty value")
        return Explanation(
            headline=f"the pod sets {variable} from {origin_of}, which is empty",
            cause=f"The Deployment sets {variable} ({origin_of}) but the app finds it empty; give it a value and restart {workload.name}.",
            related=related,
            params={"variable": variable},
        )
    sources = [(kind, (ref or {}).get("name")) for e in spec.get("envFrom") or [] for kind, ref in e.items() if kind in ("secretRef", "configMapRef")]
    defined = _repo_definitions(ctx, variable, component)
    where = ", ".join(f"{k.replace('Ref', '')} {n}" for k, n in sources) or "no envFrom source"
    if defined:
        loc = defined[0]
        return Explanation(
            headline=f"the repository sets it ({loc}) but the cluster's copy does not",
            cause=(
                f"The app requires {variable}, and {loc.path}:{loc.line} defines it, but the pod's environment "
                f"(env entries and {where}) does not contain it: the object in the cluster is older than the "
                f"repository's. Re-apply {loc.path} and restart {workload.name}."
            ),
            location=loc,
            related=related,
            remediation=[f"kubectl apply -f {loc.path}", f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}"],
            ruled_out="the repository defines the variable; the running objects lack it.",
            params={"variable": variable},
        )
    manifest = ctx.manifest_container(component, symptom.container.name)
    loc = manifest.workload.at(manifest.path + ("name",), label=f"container {manifest.name}") if manifest else None
    return Explanation(
        headline=f"{variable} is set nowhere: not in the pod's env, not in {where}, not in the repository's manifests",
        cause=(
            f"The app exits because {variable} is not set. The pod takes its environment from its env entries and {where}; "
            f"none of them and none of the repository's manifests or config files define {variable}. Add it to the Secret "
            "(or ConfigMap) the deployment reads, re-apply it and restart the deployment."
        ),
        location=loc,
        related=related,
        remediation=[
            f"kubectl create secret generic <secret> -n {ctx.snapshot.namespace} --from-literal={variable}=... --dry-run=client -o yaml | kubectl apply -f -",
            f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}",
        ],
        params={"variable": variable},
    )


def _repo_definitions(ctx: LiveContext, variable: str, component: Component | None) -> list[Location]:
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


def _explain_port_in_use(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    port = int(match.facts["port"])
    component = workload.component
    found = [f for f in ctx.static.find("PORT006") if component and component.name in f.params.get("components", []) and f.params.get("port") == port]
    if found:
        return from_static(found, f"another component's app also defaults to {port}")
    origin = symptom.diagnosis.origin
    path = ctx.repo_path(component, origin.file) if origin else None
    location = Location(path, origin.line, label=origin.source or None) if path else None
    listening = [m for m in symptom.diagnosis.matches if m.kind == "listening"]
    already = f" The log shows the app already listening (\"{listening[0].quote[0].strip()}\") before the second listen." if listening else ""
    return Explanation(
        headline=f"the app binds port {port} twice" + (f" ({path}:{origin.line})" if path else ""),
        cause=(
            f"Inside one container nothing else binds {port}, so the process itself listens twice — typically "
            f"`app.listen(PORT)` and then `server.listen(PORT)` for Socket.IO.{already} Listen once, on the http server that "
            "Socket.IO is attached to."
        ),
        location=location,
        remediation=rebuild_commands(ctx.catalogue, component) if component else [],
        ruled_out=f"PORT006 finds no other component defaulting to {port}.",
        params={"port": port},
    )


def _explain_refused(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    refused = match if match.kind == "econnrefused" else symptom.diagnosis.first("econnrefused")
    rejection = match.kind == "unhandled-rejection"
    if refused is None:
        return _explain_error(ctx, workload, symptom, match)
    host, port = refused.facts["host"].strip("[]"), int(refused.facts["port"])
    named = _HOST_PORT.search(match.facts.get("reason", "")) if rejection else None
    target = ctx.component_by_host(host) or (ctx.catalogue.by_host(named.group("host")) if named else None)
    svc = ctx.snapshot.service_by_ip(host)
    address = (f"Service {svc['metadata']['name']}, " if svc else "") + f"{host}:{port}"
    uncaught = (
        " The rejection is not caught, so Node 20 exits: await it inside try/catch (or add .catch) and retry or "
        "answer 503 instead of crashing." if rejection else ""
    )
    if target is None:
        return Explanation(
            headline=f"nothing in the catalogue answers at {address}",
            cause=f"The app connects to {address} at start-up and is refused; no catalogue component has that host or address.{uncaught}",
            params={"host": host, "port": port},
        )
    facts = {"host": host, "port": port, "target": target.name}
    if target.port and port != target.port:
        found = [f for f in ctx.static.find("PORT004", target.name)]
        if found:
            why = from_static(found, f"it meant {target.name}, which listens on {target.port}, not {port}")
            why.params.update(facts)
            return why
        return Explanation(
            headline=f"it meant {target.name}, which listens on {target.port}, not {port}",
            cause=f"{workload.service} connects to {target.name} on port {port}, but {target.name} serves {target.port}.{uncaught}",
            params=facts,
        )
    target_workload = ctx.workload_of(target)
    state = _availability(ctx, target_workload) if target_workload else "is not deployed in the namespace"
    home = ctx.workload_location(target_workload) if target_workload else None
    return Explanation(
        headline=f"it meant {target.name} ({address}), which {state}",
        cause=(
            f"{workload.service} needs {target.name} at start-up and exits when the connection is refused; {target.name} "
            f"{state}. Start {target.name} first (see its own finding); {workload.service} recovers on its next restart.{uncaught}"
        ),
        location=None,
        related=[home] if home else [],
        remediation=[f"kubectl get pods -n {ctx.snapshot.namespace} -l app={target.deployment or target.name}"],
        ruled_out=f"{host}:{port} is {target.name}'s address and port, so the URL is right.",
        params=facts,
    )


def _availability(ctx: LiveContext, workload: Workload) -> str:
    if workload.deployment is None and not workload.pods:
        return "is not deployed in the namespace"
    if workload.desired == 0:
        return "is scaled to 0 replicas"
    pods = workload.live_pods
    ready = sum(1 for p in pods if p.ready.split("/")[0] == p.ready.split("/")[1] and p.phase == "Running")
    if ready:
        return f"has {ready} ready pod{'s' if ready != 1 else ''} (it may have been starting when the connection was refused)"
    states = ", ".join(sorted({p.status for p in pods})) or "no pods"
    return f"has no ready pod ({states})"


def _explain_unresolved(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    host = match.facts["host"]
    services = sorted((s.get("metadata") or {}).get("name", "") for s in ctx.snapshot.services)
    return Explanation(
        headline=f"there is no Service {host} in namespace {ctx.snapshot.namespace}",
        cause=f"The app connects to {host}, which does not resolve; the namespace's Services are {', '.join(services) or 'none'}.",
        params={"host": host},
    )


def _explain_error(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    origin = symptom.diagnosis.origin
    path = ctx.repo_path(workload.component, origin.file) if origin else None
    location = Location(path, origin.line, label=origin.source or None) if path else None
    where = f" at {path}:{origin.line}" if path else (f" at {origin.file}:{origin.line}" if origin else "")
    hints = {
        "db-auth-failed": "The database password in the Secret differs from the one postgres was initialised with.",
        "db-missing": "Create the database (or fix DB_NAME) before the service starts.",
        "heap-out-of-memory": "The JavaScript heap ran out: raise the memory limit and --max-old-space-size, or load less data at once.",
        "unhandled-rejection": "A promise rejection is not caught, so Node 20 exits: handle it (try/catch around await, .catch).",
    }
    return Explanation(
        headline=f"{match.title}{where}",
        cause=f"The process exits with \"{match.title}\"{where}. " + hints.get(match.kind, "The quoted log lines show the error."),
        location=location,
        params={"error": match.title},
    )


_EXPLAINERS = {
    "module-not-found": _explain_module,
    "syntax-error": _explain_syntax,
    "missing-env": _explain_env,
    "eaddrinuse": _explain_port_in_use,
    "econnrefused": _explain_refused,
    "unhandled-rejection": lambda ctx, w, s, m: (_explain_refused if s.diagnosis.first("econnrefused") else _explain_error)(ctx, w, s, m),
    "enotfound": _explain_unresolved,
}


def _package_name(module: str) -> str:
    parts = module.split("/")
    return "/".join(parts[:2]) if module.startswith("@") and len(parts) > 1 else parts[0]


# -- CL002 -------------------------------------------------------------------------------------------

class ImageNotAvailable(LiveCheck):
    code = "CL002"
    name = "image-not-available"
    severity = Severity.ERROR
    summary = "A container cannot start because its image cannot be pulled or was never loaded into kind."
    why = (
        "On kind, locally built images (`tiketi-auth-service:local`) exist in the cluster only after "
        "`kind load docker-image`; with imagePullPolicy Never the pod waits in ErrImageNeverPull, with Always (the "
        "default for :latest) containerd tries Docker Hub and ends in ImagePullBackOff. Nothing in the pod's log "
        "says so — the container never ran."
    )
    example = "stats-service-75464b579-h4ctt  0/1  ErrImageNeverPull: tiketi-stats-service:local was never loaded into kind"
    fix = (
        "Build the image and load it: `docker build -t IMAGE -f DOCKERFILE .` then `kind load docker-image IMAGE "
        "--name CLUSTER`, and restart the rollout. When the manifest names a tag nobody builds (`:latest`), use the "
        "catalogue's image and imagePullPolicy Never (or IfNotPresent)."
    )

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        groups: dict[str, list[tuple[PodView, ContainerView]]] = {}
        for pod in workload.live_pods:
            for c in pod.init_containers + pod.containers:
                if c.reason in IMAGE_REASONS:
                    groups.setdefault(c.name, []).append((pod, c))
        for name, members in groups.items():
            pod, c = members[0]
            symptom = Symptom(workload, [p for p, _ in members], pod, c, c.reason)
            symptom.events = [e for e in pod_events(ctx, symptom.pods) if e.reason in ("Failed", "ErrImageNeverPull", "BackOff")]
            image = pod.spec_container(c.name, c.init).get("image") or c.image
            policy = pod.spec_container(c.name, c.init).get("imagePullPolicy") or ("Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent")
            why = self._explain(ctx, workload, image, policy, c.reason)
            text = f"{workload.service} cannot start ({symptom.describe()}): image {image}"
            yield self.live_finding(ctx, symptom, workload, text, why, evidence={"image_pull_policy": policy})

    def _explain(self, ctx: LiveContext, workload: Workload, image: str, policy: str, reason: str) -> Explanation:
        component = workload.component
        expected = component.image if component else None
        manifest = ctx.manifest_container(component)
        image_at = manifest.workload.at(manifest.path + ("image",), label=f"image: {manifest.data.get('image')}") if manifest else None
        cluster = ctx.kind_cluster
        params = {"image": image, "pull_policy": policy, "kind_cluster": cluster}
        if expected and image != expected:
            return Explanation(
                headline=f"the catalogue's image is {expected}; nothing builds {image}",
                cause=(
                    f"The pod asks for {image} (imagePullPolicy {policy}), but the image the project builds and loads is "
                    f"{expected}. No registry has {image}, so the pull fails. Use {expected} in the manifest (with "
                    "imagePullPolicy Never on kind), re-apply it."
                ),
                location=image_at,
                remediation=(reapply_commands(ctx.catalogue, component, manifest.workload.path) if manifest and component else []),
                params={**params, "expected_image": expected},
            )
        if cluster is not None:
            commands = rebuild_commands(ctx.catalogue, component) if component else []
            if not commands:
                commands = [f"kind load docker-image {image} --name {cluster}", f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}"]
            never = reason == "ErrImageNeverPull" or policy == "Never"
            return Explanation(
                headline=f"it was never loaded into the kind cluster {cluster}: run `kind load docker-image {image} --name {cluster}`",
                cause=(
                    f"{image} is a locally built image; kind nodes see it only after `kind load docker-image {image} --name {cluster}`. "
                    + ("With imagePullPolicy Never the kubelet does not even try to pull it." if never else
                       f"With imagePullPolicy {policy} containerd tries a registry, which does not have it.")
                ),
                location=image_at,
                remediation=commands,
                params=params,
            )
        return Explanation(
            headline="the cluster cannot pull it",
            cause=f"The node cannot pull {image} (imagePullPolicy {policy}); push it to a registry the cluster can reach, or fix the name.",
            location=image_at,
            params=params,
        )


# -- CL003 -------------------------------------------------------------------------------------------

class ContainerOomKilled(LiveCheck):
    code = "CL003"
    name = "container-oom-killed"
    severity = Severity.ERROR
    summary = "A container was killed for exceeding its memory limit (OOMKilled, exit code 137)."
    why = (
        "The kernel kills the process the moment it passes the container's memory limit: no JavaScript error, no "
        "stack trace, just exit code 137 and reason OOMKilled in the last termination state. The log ends "
        "mid-work, typically while loading a large data set into memory."
    )
    example = "stats-service: lastState.terminated reason OOMKilled, exit code 137, limit 128Mi, 4 restarts"
    fix = "Raise resources.limits.memory in the manifest (and the request with it), or make the code stream/page the data; re-apply."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        groups: dict[str, list[tuple[PodView, ContainerView]]] = {}
        for pod in workload.live_pods:
            for c in pod.containers:
                term = c.last or c.current
                if term is not None and (term.reason == "OOMKilled" or (term.exit_code == 137 and term.reason != "Error")):
                    groups.setdefault(c.name, []).append((pod, c))
        for name, members in groups.items():
            pod, c = max(members, key=lambda m: m[1].restarts)
            symptom = Symptom(workload, [p for p, _ in members], pod, c, "OOMKilled")
            read_log(ctx, symptom)
            limits = (pod.spec_container(c.name).get("resources") or {}).get("limits") or {}
            memory = limits.get("memory")
            manifest = ctx.manifest_container(workload.component, c.name)
            limit_at = None
            if manifest is not None:
                limit_at = manifest.workload.at(manifest.path + ("resources", "limits", "memory"), label=f"memory limit {manifest.data.get('resources', {}).get('limits', {}).get('memory')}")
            heap = symptom.diagnosis.first("heap-out-of-memory")
            repo_limit = ((manifest.data.get("resources") or {}).get("limits") or {}).get("memory") if manifest else None
            drift = (f" The repository's manifest says {repo_limit} ({limit_at}): the Deployment in the cluster differs, "
                     "re-applying the manifest may be the whole fix." if repo_limit and memory and str(repo_limit) != str(memory) else "")
            why = Explanation(
                headline=f"it exceeded its memory limit {memory or '(none set: the node ran out)'}",
                cause=(
                    f"The kernel killed {c.name} for using more than {memory or 'the node’s free memory'} "
                    f"({(c.last or c.current).describe()}). "
                    + ("The log shows the JavaScript heap running out first. " if heap else "The log ends mid-work (see log_excerpt): the process was killed, it did not fail. ")
                    + "Raise the limit in the manifest or make the work use less memory (stream or page the data), then re-apply."
                    + drift
                ),
                location=limit_at,
                remediation=reapply_commands(ctx.catalogue, workload.component, manifest.workload.path) if manifest and workload.component else [],
                params={"memory_limit": memory},
            )
            text = f"{workload.service} is OOMKilled ({symptom.describe()})"
            yield self.live_finding(ctx, symptom, workload, text, why, evidence={"log_excerpt": log_excerpt(symptom, []), "memory_limit": memory})


# -- CL004 -------------------------------------------------------------------------------------------

class PodUnschedulable(LiveCheck):
    code = "CL004"
    name = "pod-unschedulable"
    severity = Severity.ERROR
    summary = "A pod stays Pending because the scheduler cannot place it (FailedScheduling)."
    why = (
        "A pod the scheduler cannot place never starts: no container, no log. The reason is only in the "
        "FailedScheduling event — most often a memory or CPU request larger than the kind node has, a node "
        "selector or taint nothing matches, or an unbound volume claim."
    )
    example = "payment-service-…  0/1  Pending: 0/1 nodes are available: 1 Insufficient memory. (requests 4Gi)"
    fix = "Lower the requests in the manifest to what the node can give (kind shares the laptop's memory), or fix the selector/taint; re-apply."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        pending = [p for p in workload.live_pods if p.phase == "Pending" and (p.conditions.get("PodScheduled") or {}).get("status") == "False"]
        if not pending:
            return
        pod = pending[0]
        events = [e for e in pod_events(ctx, pending) if e.reason == "FailedScheduling"]
        condition = pod.conditions.get("PodScheduled") or {}
        message = events[0].message if events else condition.get("message") or condition.get("reason") or "not scheduled"
        from tiketi_doctor.cluster.snapshot import ContainerView

        container = pod.containers[0] if pod.containers else ContainerView(
            ((pod.raw.get("spec") or {}).get("containers") or [{}])[0].get("name", ""), False, "", "", False, 0, "waiting", "Pending", "", None, None, None)
        symptom = Symptom(workload, pending, pod, container, "Pending", events=events)
        resources = (pod.spec_container(container.name).get("resources") or {}).get("requests") or {}
        manifest = ctx.manifest_container(workload.component, container.name)
        short = "memory" if "memory" in message.lower() else "cpu" if "cpu" in message.lower() else None
        location = None
        if manifest is not None and short:
            location = manifest.workload.at(manifest.path + ("resources", "requests", short), label=f"requests.{short}: {resources.get(short)}")
        repo_request = ((manifest.data.get("resources") or {}).get("requests") or {}).get(short) if manifest and short else None
        drift = (f"The repository's manifest requests {repo_request} ({location}), the Deployment in the cluster "
                 f"{resources.get(short)}: re-apply the manifest. " if repo_request and str(repo_request) != str(resources.get(short)) else "")
        why = Explanation(
            headline=message,
            cause=(
                f"The scheduler cannot place {pod.name}: \"{message}\". " + drift
                + (f"The container requests {short} {resources.get(short)}, more than any node can offer; lower the request in the manifest. " if short else "")
                + "Nothing runs until it is scheduled."
            ),
            location=location,
            remediation=reapply_commands(ctx.catalogue, workload.component, manifest.workload.path) if manifest and workload.component else [],
            params={"requests": resources, "scheduling_message": message},
        )
        age = ctx.snapshot.age(pod.created)
        yield self.live_finding(ctx, symptom, workload, f"{workload.service} is Pending{f' for {age}' if age else ''}, unscheduled", why)


# -- CL005 -------------------------------------------------------------------------------------------

class InitContainerBlocked(LiveCheck):
    code = "CL005"
    name = "init-container-blocked"
    severity = Severity.ERROR
    summary = "A pod never gets past an init container (still waiting, or failing): the app container never starts."
    why = (
        "Init containers run to completion before the app starts. One that waits for a dependency (`until nc -z "
        "postgres-service 5432`) waits forever when that dependency is down or scaled to zero, and the pod stays "
        "in Init:0/1 with no app log at all."
    )
    example = "auth-service  0/1  Init:0/1 — wait-for-postgres: \"waiting for postgres\"; postgres is scaled to 0 replicas"
    fix = "Bring the dependency up (scale it, fix its own failure); if the init container's target is wrong, correct the host/port in the manifest."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        for pod in workload.live_pods:
            if not pod.status.startswith("Init:"):
                continue
            blocked = next((c for c in pod.init_containers if not (c.state == "terminated" and c.current and c.current.exit_code == 0)), None)
            if blocked is None:
                continue
            symptom = Symptom(workload, [pod], pod, blocked, pod.status)
            symptom.log = ctx.snapshot.log(pod.name, blocked.name, previous=bool(blocked.restarts))
            symptom.diagnosis = diagnose(symptom.log.text)
            spec = pod.spec_container(blocked.name, init=True)
            command = " ".join(str(x) for x in (spec.get("command") or []) + (spec.get("args") or []))
            target = _NC_TARGET.search(command) or _HOST_PORT.search(command)
            why = self._explain(ctx, workload, blocked, command, target)
            lines = [l for l in symptom.log.lines if l.strip()][-3:]
            text = f"{workload.service} is stuck in {pod.status}: init container {blocked.name} " + (
                "is still running" if blocked.state == "running" else f"is {blocked.reason or blocked.state}")
            yield self.live_finding(ctx, symptom, workload, text, why, evidence={"log_excerpt": quoted(lines), "init_command": mask(command)})
            return

    def _explain(self, ctx: LiveContext, workload: Workload, init: ContainerView, command: str, target) -> Explanation:
        obj = ctx.manifest_workload(workload.component)
        location = None
        if obj is not None:
            for i, c in enumerate(k8s.containers(obj, init=True)):
                if c.name == init.name:
                    location = obj.at(c.path + ("name",), label=f"initContainer {c.name}")
        if target is None:
            return Explanation(
                headline="it has not finished",
                cause=f"The init container runs `{command}` and has not completed; the app container waits for it.",
                location=location,
            )
        host, port = target.group("host"), int(target.group("port"))
        dependency = ctx.component_by_host(host)
        dep_workload = ctx.workload_of(dependency) if dependency else None
        state = _availability(ctx, dep_workload) if dep_workload else f"is not a known component (no Service {host})"
        related = [ctx.workload_location(dep_workload)] if dep_workload else []
        name = dependency.name if dependency else host
        remediation = []
        if dep_workload is not None and dep_workload.desired == 0:
            remediation = [f"kubectl scale deployment/{dep_workload.name} -n {ctx.snapshot.namespace} --replicas=1"]
        return Explanation(
            headline=f"it waits for {host}:{port}, and {name} {state}",
            cause=(
                f"The init container loops on `{command}` until {host}:{port} accepts connections; {name} {state}, "
                f"so it never does. Start {name} and the pod continues by itself."
            ),
            location=location,
            related=related,
            remediation=remediation,
            params={"waits_for": f"{host}:{port}", "dependency": name},
        )


# -- CL006 -------------------------------------------------------------------------------------------

class ProbeFailing(LiveCheck):
    code = "CL006"
    name = "probe-failing"
    severity = Severity.ERROR
    summary = "Liveness or readiness probes fail (Unhealthy events): compared with the port and path the app really serves."
    why = (
        "A failing readiness probe keeps the pod out of its Service (callers get connection refused or 503); a "
        "failing liveness probe makes the kubelet kill a process that may be perfectly healthy. \"connection "
        "refused\" on a port usually means the app listens on another one — the log line where it says so and the "
        "pod's env PORT show which."
    )
    example = "stats-service: Readiness probe failed: dial tcp 10.244.0.12:3004: connect: connection refused — the app says \"running on port 3002\""
    fix = "Make the app's port, containerPort, env PORT and the probes' port agree (the catalogue's port), re-apply and restart."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        events = [e for e in pod_events(ctx, workload.live_pods) if e.reason == "Unhealthy"]
        failed = [(e, _PROBE_EVENT.match(e.message)) for e in events]
        failed = [(e, m) for e, m in failed if m]
        if not failed:
            return
        pod = next((p for p in workload.live_pods if p.name == failed[0][0].name), workload.live_pods[0])
        container = pod.containers[0] if pod.containers else None
        if container is None:
            return
        symptom = Symptom(workload, [pod], pod, container, "Unhealthy" if container.ready else ("NotReady" if container.state == "running" else container.reason or container.state))
        symptom.events = [e for e, _ in failed]
        probes = sorted({m.group("probe") for _, m in failed})
        detail = failed[0][1].group("detail")
        target = _PROBE_TARGET.search(detail)
        status = _PROBE_STATUS.search(detail)
        probe_port = int(target.group("port")) if target else None
        symptom.log = ctx.snapshot.log(pod.name, container.name)
        symptom.diagnosis = diagnose(symptom.log.text)
        why = self._explain(ctx, workload, pod, container, probe_port, int(status.group("status")) if status else None, detail, symptom)
        listening = symptom.diagnosis.first("listening")
        evidence = {"log_excerpt": quoted(listening.quote) if listening else [], "probes": probes, "probe_port": probe_port}
        refused = "connection refused" in detail
        what = f"connection refused on :{probe_port}" if refused and probe_port else (f"HTTP {status.group('status')}" if status else detail.strip()[:120])
        text = f"{workload.service}'s {' and '.join(p.lower() for p in probes)} probe{'s' if len(probes) > 1 else ''} fail ({what}; {sum(e.count for e in symptom.events)} times, {container.restarts} restarts)"
        yield self.live_finding(ctx, symptom, workload, text, why, evidence=evidence)

    def _explain(self, ctx, workload: Workload, pod: PodView, container: ContainerView, probe_port, status, detail, symptom: Symptom) -> Explanation:
        component = workload.component
        service = workload.service
        listening = symptom.diagnosis.first("listening")
        log_port = int(listening.facts["port"]) if listening else None
        env_port = next((e.get("value") for e in pod.spec_container(container.name).get("env") or [] if e.get("name") == "PORT"), None)
        expected = component.port if component else None
        facts = {"probe_port": probe_port, "app_port": log_port, "env_port": env_port, "catalogue_port": expected}
        if status == 404:
            found = ctx.static.find("HC002", service)
            if found:
                return from_static(found, "the probe path is not served by the app")
            return Explanation(headline="the app answers 404 on the probe path", cause=f"The probe gets 404: {detail.strip()}", params=facts)
        found = ctx.static.find("PORT003", service) + ctx.static.find("PORT001", service)
        app_port = log_port or (int(env_port) if env_port and env_port.isdigit() else None)
        if found:
            why = from_static(found, f"the probes use {probe_port} but the app listens on {app_port or '?'}"
                              + (f" (catalogue: {expected})" if expected else ""))
            why.params.update(facts)
            return why
        if app_port and probe_port and app_port != probe_port:
            said = f"the log says \"{listening.quote[0].strip()}\"" if listening else f"env PORT={env_port}"
            manifest = ctx.manifest_container(component, container.name)
            repo_env = None
            env_at = None
            if manifest is not None:
                for i, entry in enumerate(manifest.data.get("env") or []):
                    if isinstance(entry, dict) and entry.get("name") == "PORT":
                        repo_env = str(entry.get("value"))
                        env_at = manifest.workload.at(manifest.path + ("env", i, "value"), label=f"PORT={repo_env}")
            drift = env_port is not None and repo_env is not None and str(env_port) != repo_env
            cause = (
                f"The kubelet probes port {probe_port}, but the app listens on {app_port} ({said}"
                + (f"; the live Deployment sets env PORT={env_port}" if env_port else "") + "). "
            )
            ruled_out = ""
            if drift:
                cause += (f"The repository's manifest sets PORT={repo_env} ({env_at}): the Deployment in the cluster differs from it. "
                          "Re-apply the manifest.")
                ruled_out = f"PORT003 and PORT001 find the repository consistent on {expected}; the drift is in the cluster only."
            else:
                cause += f"Make the app's port and the probes agree on {expected or probe_port}."
            return Explanation(
                headline=f"the app listens on {app_port}, not {probe_port}",
                cause=cause,
                location=env_at,
                remediation=reapply_commands(ctx.catalogue, component, manifest.workload.path) if manifest and component else [],
                ruled_out=ruled_out,
                params=facts,
            )
        return Explanation(
            headline=detail.strip()[:160],
            cause=(
                f"The probe fails with \"{detail.strip()}\" although the app's port ({app_port or 'unknown'}) matches. "
                "The app may be too slow to answer (raise timeoutSeconds/initialDelaySeconds) or its health route may "
                "depend on something that is down."
            ),
            params=facts,
        )


# -- CL007 -------------------------------------------------------------------------------------------

class ContainerConfigError(LiveCheck):
    code = "CL007"
    name = "container-config-error"
    severity = Severity.ERROR
    summary = "The kubelet cannot create a container: a Secret/ConfigMap or one of its keys that the pod references is missing."
    why = (
        "With `secretKeyRef`/`configMapKeyRef` (or envFrom of a missing object) the kubelet refuses to create the "
        "container at all: the pod sits in CreateContainerConfigError with no log, until the object or key exists."
    )
    example = "payment-service  0/1  CreateContainerConfigError: couldn't find key TOSS_SECRET_KEY in Secret tiketi/tiketi-secret"
    fix = "Create the missing key (re-apply the repository's Secret/ConfigMap, or `kubectl create secret ...`), then restart the deployment."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        for pod in workload.live_pods:
            c = next((x for x in pod.init_containers + pod.containers if x.reason in CONFIG_REASONS), None)
            if c is None:
                continue
            symptom = Symptom(workload, [p for p in workload.live_pods if any(x.reason in CONFIG_REASONS for x in p.containers)], pod, c, c.reason)
            symptom.events = [e for e in pod_events(ctx, [pod]) if e.reason == "Failed"]
            message = c.message or (symptom.events[0].message if symptom.events else "")
            key = _MISSING_KEY.search(message)
            missing = _MISSING_OBJECT.search(message)
            why = self._explain(ctx, workload, message, key, missing)
            yield self.live_finding(ctx, symptom, workload, f"{workload.service} cannot create its container ({c.reason}): {mask(message)}", why)
            return

    def _explain(self, ctx: LiveContext, workload: Workload, message: str, key, missing) -> Explanation:
        ns = ctx.snapshot.namespace
        restart = f"kubectl rollout restart deployment/{workload.name} -n {ns}"
        if key is not None:
            name, kind, obj = key.group("key"), key.group("kind"), key.group("name")
            defined = [loc for loc in _repo_definitions(ctx, name, workload.component) if obj in (loc.label or "")]
            if defined:
                loc = defined[0]
                return Explanation(
                    headline=f"the repository's {loc.path} defines it: the {kind} in the cluster is older",
                    cause=f"The pod references key {name} of {kind} {obj}; {loc.path}:{loc.line} defines it but the object in the cluster lacks it. Re-apply {loc.path}.",
                    location=loc,
                    remediation=[f"kubectl apply -f {loc.path}", restart],
                    params={"key": name, "object": f"{kind}/{obj}"},
                )
            return Explanation(
                headline=f"{kind} {obj} has no key {name}, neither in the cluster nor in the repository",
                cause=f"The pod references key {name} of {kind} {obj}, which defines no such key. Add it to the {kind} (and to its manifest, if it has one).",
                remediation=[f"kubectl create secret generic {obj} -n {ns} --from-literal={name}=... --dry-run=client -o yaml | kubectl apply -f -" if kind == "Secret" else f"kubectl edit configmap {obj} -n {ns}", restart],
                params={"key": name, "object": f"{kind}/{obj}"},
            )
        if missing is not None:
            kind, obj = missing.group("kind"), missing.group("name")
            return Explanation(
                headline=f"{kind} {obj} does not exist in namespace {ns}",
                cause=f"The pod references {kind} {obj}, which is not in the namespace. Apply its manifest (or create it) before the deployment.",
                remediation=[restart],
                params={"object": f"{kind}/{obj}"},
            )
        return Explanation(headline="the container configuration is invalid", cause=message)


# -- CL008 -------------------------------------------------------------------------------------------

class ContainerRestarting(LiveCheck):
    code = "CL008"
    name = "container-restarting"
    severity = Severity.WARNING
    summary = f"A running container has restarted {RESTART_WARNING} or more times: it fails now and then."
    why = (
        "A container that runs now but has restarted several times is failing intermittently: a liveness probe that "
        "times out under load, a crash on some requests, memory growth. Every restart drops in-flight requests and "
        "WebSocket connections. The previous container's log shows the last failure."
    )
    example = "payment-service-86db46bfbd-zdqwt  1/1  Running  7 — last exit code 1: Error: connect ETIMEDOUT"
    fix = "Read the quoted previous log and the last termination reason; fix that failure (or the probe that kills a healthy process)."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        restarting = [(p, c) for p in workload.live_pods for c in p.containers
                      if c.restarts >= RESTART_WARNING and c.state == "running" and c.ready]
        if not restarting:
            return
        pod, c = max(restarting, key=lambda m: m[1].restarts)
        symptom = Symptom(workload, [p for p, _ in restarting], pod, c, "Running")
        read_log(ctx, symptom)
        primary = symptom.diagnosis.primary
        term = c.last
        why = Explanation(
            headline=(primary.title if primary else (f"last {term.describe()}" if term else "no termination record")),
            cause=(
                f"{c.name} runs, but has restarted {c.restarts} times"
                + (f"; its last instance ended with {term.describe()}" if term else "")
                + (f" after \"{primary.title}\"" if primary else "")
                + ". " + ("A liveness probe killed it (see events)." if any(e.reason == "Unhealthy" for e in pod_events(ctx, [pod])) else "")
            ).strip(),
            params={"restarts": c.restarts},
        )
        text = f"{workload.service} keeps restarting ({c.restarts} restarts in {ctx.snapshot.age(pod.created)}, running now)"
        yield self.live_finding(ctx, symptom, workload, text, why, evidence={"log_excerpt": log_excerpt(symptom)})


# -- CL009 / CL010: HTTP -------------------------------------------------------------------------------

def _reachable(ctx: LiveContext, component: Component) -> tuple[str, str] | None:
    """(base URL, via) of a component with a ready pod; records why not otherwise."""
    workload = ctx.workload_of(component)
    if ctx.prober is None:
        ctx.undecided("HTTP probes are off")
        return None
    if component.name not in ctx.prober.base_urls and (workload is None or not any(
            p.ready.split("/")[0] == p.ready.split("/")[1] and p.phase == "Running" for p in workload.live_pods)):
        return None  # no ready pod: the pod finding explains it, a probe adds nothing
    svc = ctx.snapshot.service(component.k8s_service or component.name)
    ports = [p.get("port") for p in ((svc or {}).get("spec") or {}).get("ports") or []]
    port = component.port if component.port in ports else (ports[0] if ports else None)
    from tiketi_doctor.cluster.http import ProbeUnavailable

    try:
        return ctx.prober.base(component.name, component.k8s_service if svc else None, port)
    except ProbeUnavailable as exc:
        ctx.undecided(f"{component.name}: {exc}")
        return None


class HealthEndpointFailing(LiveCheck):
    code = "CL009"
    name = "health-endpoint-failing"
    severity = Severity.ERROR
    summary = "A running component's health route does not answer 2xx over HTTP."
    why = (
        "A pod can be Running and even Ready (a TCP probe, or no probe) while its health route fails — the database "
        "or cache it depends on is down, or the route is not what the catalogue says. Asking the route itself is the "
        "check a user's request would make."
    )
    example = "GET http://127.0.0.1:43121/health (port-forward svc/payment-service 3003) → 503"
    fix = "Read the body of the answer and the component's log; fix the dependency it reports, or the health route."

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not _is_live(ctx):
            ctx.undecided("needs a running cluster: run `tiketi-doctor check --live`")
            return
        from tiketi_doctor.cluster.context import Workload

        for component in ctx.catalogue.apps:
            if not component.health:
                continue
            reach = _reachable(ctx, component)
            if reach is None:
                continue
            result = ctx.prober.request(reach[0], reach[1], "GET", component.health)
            if result.ok:
                continue
            workload = ctx.workload_of(component) or Workload(component.name, component, None)
            answer = result.status if result.status is not None else f"no answer ({result.error})"
            why = Explanation(
                headline="its pods run, so the route itself or a dependency it checks fails",
                cause=(
                    f"{component.name}'s health route {component.health} answers {answer}"
                    + (f" with {mask(result.body.strip()[:200])!r}" if result.body.strip() else "")
                    + f" (via {result.via}). Read the answer's body and the component's log for the failing dependency."
                ),
                params={"path": component.health, "status": result.status},
            )
            yield self.live_finding(ctx, None, workload, f"{component.name}'s health route fails ({result.describe()})", why,
                                    evidence={"http": result.evidence()})


class GatewayRouteMissingLive(LiveCheck):
    code = "CL010"
    name = "gateway-route-404"
    severity = Severity.ERROR
    summary = "A path the frontend calls answers 404 from the running gateway."
    why = (
        "The frontend talks only to the gateway; a 404 there is what the user's browser gets. When the repository's "
        "gateway does not route the path (GW001) the live 404 confirms it; when the repository does route it, the "
        "gateway running in the cluster is older than the repository."
    )
    example = "GET http://localhost:3001/api/stats/overview → 404 (backend/src/server.js mounts nothing at /api/stats)"
    fix = "Route the path in the gateway (see GW001's fix), then rebuild, load and restart the gateway; if the repository already routes it, just rebuild and roll out."

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not _is_live(ctx):
            ctx.undecided("needs a running cluster: run `tiketi-doctor check --live`")
            return
        gateway = next((c for c in ctx.catalogue.components if c.role == "gateway"), None)
        if gateway is None:
            return
        reach = _reachable(ctx, gateway)
        if reach is None:
            return
        calls = [c for c in frontend_api(ctx).calls if ":" not in c.path and "*" not in c.path]
        if not calls:
            return
        missing: list[tuple] = []
        seen = set()
        for call in calls:
            if (call.method, call.path) in seen:
                continue
            seen.add((call.method, call.path))
            result = ctx.prober.request(reach[0], reach[1], call.method, call.path)
            if result.status == 404:
                missing.append((call, result))
        from tiketi_doctor.cluster.context import Workload

        workload = ctx.workload_of(gateway) or Workload(gateway.name, gateway, None)
        groups: dict[str, list[tuple]] = {}
        for call, result in missing:
            static = [f for f in ctx.static.find("GW001", gateway.name)
                      if any(p.get("method") == call.method and p.get("path") == call.path for p in f.params.get("calls", []))]
            groups.setdefault(static[0].fingerprint if static else f"{call.method} {call.path}", []).append((call, result, static))
        for key, members in groups.items():
            static = members[0][2]
            results = [r for _, r, _ in members]
            listed = ", ".join(f"{c.method} {c.path}" for c, _, _ in members)
            if static:
                why = from_static(static, f"{gateway.name} has no route for it in the repository either ({static[0].code} at {static[0].location})")
            else:
                call = members[0][0]
                why = Explanation(
                    headline=f"the repository's {gateway.name} routes it: the gateway in the cluster is older than the repository",
                    cause=(
                        f"The running gateway answers 404 for {listed}, but the repository's gateway routes it (GW001 finds "
                        f"nothing). The image in the cluster was built before the route was added: rebuild, load and restart {gateway.name}."
                    ),
                    location=call.location,
                    remediation=rebuild_commands(ctx.catalogue, gateway),
                    ruled_out=f"GW001 found {listed} routed in {gateway.source}.",
                    params={"image_older_than_repository": True},
                )
            why.params["calls"] = [{"method": c.method, "path": c.path} for c, _, _ in members]
            text = f"the running gateway answers 404 for {listed} ({'; '.join(r.describe() for r in results[:3])})"
            yield self.live_finding(ctx, None, workload, text, why, evidence={"http": [r.evidence() for r in results]})


# -- CL011 -------------------------------------------------------------------------------------------

class ComponentNotRunning(LiveCheck):
    code = "CL011"
    name = "component-not-running"
    severity = Severity.ERROR
    summary = "A catalogue component has no Deployment in the namespace, or is scaled to zero replicas."
    why = (
        "Everything that depends on a component that is not deployed — or was scaled to 0 and forgotten — fails "
        "with connection refused or waits forever in an init container, while the component itself shows no "
        "failing pod at all. This finding names the root of those symptoms."
    )
    example = "postgres: Deployment scaled to 0 replicas (the repository's k8s/03-postgres.yaml says 1); auth-service waits for it"
    fix = "Apply the component's manifest (`kubectl apply -f`), or scale it back: `kubectl scale deployment/NAME --replicas=1`."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        component = workload.component
        if component is None:
            return
        ns = ctx.snapshot.namespace
        manifest = ctx.manifest_workload(component)
        if workload.deployment is None and not workload.pods:
            path = manifest.path if manifest else (component.manifests[0] if component.manifests else None)
            why = Explanation(
                headline=f"there is no Deployment {workload.name} in namespace {ns}",
                cause=f"The catalogue lists {component.name}, but namespace {ns} has no Deployment {workload.name}: it was never applied, or was deleted.",
                remediation=reapply_commands(ctx.catalogue, component, path) if path else [],
                params={"replicas": None},
            )
            yield self.live_finding(ctx, None, workload, f"{component.name} is not deployed", why)
            return
        if workload.desired == 0:
            wanted = manifest.get("spec", "replicas") if manifest else None
            dependents = [c.name for c in ctx.catalogue.components if component.name in c.depends_on]
            why = Explanation(
                headline="the Deployment is scaled to 0 replicas" + (f" (the repository's manifest says {wanted if wanted is not None else 1})" if manifest else ""),
                cause=(
                    f"deployment/{workload.name} has replicas: 0, so no pod runs"
                    + (f"; {', '.join(dependents)} depend on it" if dependents else "") + ". Scale it back up."
                ),
                remediation=[f"kubectl scale deployment/{workload.name} -n {ns} --replicas={wanted or 1}"],
                params={"replicas": 0, "manifest_replicas": wanted},
            )
            yield self.live_finding(ctx, None, workload, f"{component.name} runs no pod (scaled to 0)", why,
                                    evidence={"dependents": dependents})


CHECKS = (
    ContainerCrashLoop,
    ImageNotAvailable,
    ContainerOomKilled,
    PodUnschedulable,
    InitContainerBlocked,
    ProbeFailing,
    ContainerConfigError,
    ContainerRestarting,
    HealthEndpointFailing,
    GatewayRouteMissingLive,
    ComponentNotRunning,
)
