"""A read-only picture of one namespace: pods, warning events, deployments, replicasets, services,
autoscalers, and the Argo CD Applications (in Argo CD's namespace).

Taken with a constant number of list calls (one per resource, issued together), kept as raw JSON
dicts with light views over them. Container logs are read lazily, only for the containers a check
asks about, and each (pod, container, previous) at most once.
"""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import field
from typing import Any

from ..deferred import dataclass
from .access import API_GROUPS, ClusterError, Permission, Session

RESOURCES = ("pods", "events", "deployments", "replicasets", "services", "horizontalpodautoscalers", "applications")
# Every read of a live check: one list per resource above, and container logs (`ClusterSnapshot.log`).
READS = tuple(Permission("list", r, API_GROUPS[r]) for r in RESOURCES) + (Permission("get", "pods/log", API_GROUPS["pods/log"]),)
LOG_TAIL = 50
# Only warnings explain failures; a busy namespace has ~7 Normal events per pod.
EVENT_QUERY = {"field_selector": "type=Warning"}


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def human_age(seconds: float) -> str:
    """kubectl's AGE column (apimachinery's HumanDuration)."""
    s = int(seconds)
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = divmod(hours // 24, 365)
    return f"{years}y{days}d" if days and hours < 24 * 365 * 8 else f"{years}y"


@dataclass(frozen=True)
class Termination:
    exit_code: int | None
    reason: str | None
    signal: int | None
    message: str | None
    finished_at: str | None

    @staticmethod
    def of(data: dict | None) -> "Termination | None":
        if not isinstance(data, dict):
            return None
        return Termination(data.get("exitCode"), data.get("reason"), data.get("signal"), data.get("message"), data.get("finishedAt"))

    def describe(self) -> str:
        parts = [f"exit code {self.exit_code}" if self.exit_code is not None else "no exit code"]
        if self.reason:
            parts.append(f"reason {self.reason}")
        if self.signal:
            parts.append(f"signal {self.signal}")
        return ", ".join(parts)


@dataclass(frozen=True)
class ContainerView:
    name: str
    init: bool
    image: str
    image_id: str
    ready: bool
    restarts: int
    state: str  # waiting | running | terminated | unknown
    reason: str  # the waiting or terminated reason, "" when running
    message: str
    started_at: str | None
    current: Termination | None  # state.terminated
    last: Termination | None  # lastState.terminated

    @staticmethod
    def of(status: dict, init: bool) -> "ContainerView":
        state = status.get("state") or {}
        kind = next((k for k in ("waiting", "running", "terminated") if k in state), "unknown")
        detail = state.get(kind) or {}
        return ContainerView(
            name=status.get("name", ""),
            init=init,
            image=status.get("image", ""),
            image_id=status.get("imageID", ""),
            ready=bool(status.get("ready")),
            restarts=int(status.get("restartCount") or 0),
            state=kind,
            reason=str(detail.get("reason") or ""),
            message=str(detail.get("message") or ""),
            started_at=(state.get("running") or {}).get("startedAt"),
            current=Termination.of(state.get("terminated")),
            last=Termination.of((status.get("lastState") or {}).get("terminated")),
        )


@dataclass
class PodView:
    raw: dict
    name: str
    phase: str
    status: str  # kubectl's STATUS column
    ready: str  # "0/1"
    restarts: int
    created: dt.datetime | None
    deleting: bool
    replicaset: str | None
    deployment: str | None
    containers: list[ContainerView]
    init_containers: list[ContainerView]
    conditions: dict[str, dict]

    def spec_container(self, name: str, init: bool = False) -> dict:
        key = "initContainers" if init else "containers"
        return next((c for c in (self.raw.get("spec") or {}).get(key) or [] if c.get("name") == name), {})

    @property
    def labels(self) -> dict:
        return (self.raw.get("metadata") or {}).get("labels") or {}

    @property
    def ip(self) -> str | None:
        return (self.raw.get("status") or {}).get("podIP")

    @property
    def node(self) -> str | None:
        return (self.raw.get("spec") or {}).get("nodeName")


def pod_view(raw: dict) -> PodView:
    meta, status = raw.get("metadata") or {}, raw.get("status") or {}
    spec_containers = (raw.get("spec") or {}).get("containers") or []
    containers = [ContainerView.of(s, False) for s in status.get("containerStatuses") or []]
    inits = [ContainerView.of(s, True) for s in status.get("initContainerStatuses") or []]
    owner = next((o for o in meta.get("ownerReferences") or [] if o.get("kind") == "ReplicaSet"), None)
    ready = sum(1 for c in containers if c.ready)
    return PodView(
        raw=raw,
        name=meta.get("name", ""),
        phase=status.get("phase", "Unknown"),
        status=kubectl_status(raw, containers, inits),
        ready=f"{ready}/{len(spec_containers) or len(containers)}",
        restarts=sum(c.restarts for c in containers),
        created=parse_time(meta.get("creationTimestamp")),
        deleting=bool(meta.get("deletionTimestamp")),
        replicaset=owner.get("name") if owner else None,
        deployment=None,
        containers=containers,
        init_containers=inits,
        conditions={c.get("type"): c for c in status.get("conditions") or [] if isinstance(c, dict)},
    )


def kubectl_status(raw: dict, containers: list[ContainerView], inits: list[ContainerView]) -> str:
    """The STATUS column of `kubectl get pods` (kubectl's printPod, without sidecar subtleties)."""
    status = raw.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    initializing = False
    total_inits = len((raw.get("spec") or {}).get("initContainers") or []) or len(inits)
    for i, c in enumerate(inits):
        if c.state == "terminated" and c.current and c.current.exit_code == 0:
            continue
        if c.state == "terminated":
            term = c.current
            if term and term.reason:
                reason = f"Init:{term.reason}"
            elif term and term.signal:
                reason = f"Init:Signal:{term.signal}"
            else:
                reason = f"Init:ExitCode:{term.exit_code if term else '?'}"
        elif c.state == "waiting" and c.reason and c.reason != "PodInitializing":
            reason = f"Init:{c.reason}"
        else:
            reason = f"Init:{i}/{total_inits}"
        initializing = True
        break
    if not initializing:
        running = False
        for c in reversed(containers):
            if c.state == "waiting" and c.reason:
                reason = c.reason
            elif c.state == "terminated" and c.reason:
                reason = c.reason
            elif c.state == "terminated" and c.current:
                reason = f"Signal:{c.current.signal}" if c.current.signal else f"ExitCode:{c.current.exit_code}"
            elif c.state == "running" and c.ready:
                running = True
        if reason == "Completed" and running:
            reason = "Running"
    if (raw.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


@dataclass(frozen=True)
class EventView:
    kind: str
    name: str
    reason: str
    message: str
    count: int
    last_seen: str | None

    def describe(self) -> str:
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.reason}: {self.message}{times}"


def event_view(raw: dict) -> EventView:
    obj = raw.get("involvedObject") or raw.get("regarding") or {}
    series = raw.get("series") or {}
    count = raw.get("count") or series.get("count") or 1
    last = raw.get("lastTimestamp") or series.get("lastObservedTime") or raw.get("eventTime") or (raw.get("metadata") or {}).get("creationTimestamp")
    return EventView(obj.get("kind", ""), obj.get("name", ""), raw.get("reason", ""), (raw.get("message") or raw.get("note") or "").strip(), int(count), last)


@dataclass
class LogRead:
    text: str | None
    error: str = ""  # why there is no text

    @property
    def lines(self) -> list[str]:
        return (self.text or "").splitlines()


@dataclass
class ClusterSnapshot:
    """What the namespace looked like at `taken_at`; logs on demand through the session."""

    context: str
    namespace: str
    server: str
    taken_at: dt.datetime
    pods: list[PodView]
    events: list[EventView]
    deployments: list[dict]
    replicasets: list[dict]
    services: list[dict]
    session: Session | None = None
    autoscalers: list[dict] = field(default_factory=list)  # HorizontalPodAutoscalers (autoscaling/v2)
    applications: list[dict] = field(default_factory=list)  # Argo CD's, in its namespace (any destination)
    # Resources RBAC does not let us list (their lists above are empty): resource -> the 403, whose
    # `permission` names what is missing.
    denied: dict[str, ClusterError] = field(default_factory=dict)
    _logs: dict[tuple, LogRead] = field(default_factory=dict, repr=False)
    _by_deployment: dict[str, list[PodView]] = field(default_factory=dict, repr=False)
    _events_by_object: dict[tuple[str, str], list[EventView]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        rs_owner = {}
        for rs in self.replicasets:
            meta = rs.get("metadata") or {}
            owner = next((o for o in meta.get("ownerReferences") or [] if o.get("kind") == "Deployment"), None)
            if owner:
                rs_owner[meta.get("name")] = owner.get("name")
        for pod in self.pods:
            pod.deployment = rs_owner.get(pod.replicaset) or _deployment_by_name(pod.replicaset, self.deployment_names)
            if pod.deployment:
                self._by_deployment.setdefault(pod.deployment, []).append(pod)
        for event in self.events:
            self._events_by_object.setdefault((event.kind, event.name), []).append(event)

    @property
    def deployment_names(self) -> set[str]:
        return {(d.get("metadata") or {}).get("name") for d in self.deployments}

    def deployment(self, name: str) -> dict | None:
        return next((d for d in self.deployments if (d.get("metadata") or {}).get("name") == name), None)

    def pods_of(self, deployment: str) -> list[PodView]:
        return self._by_deployment.get(deployment, [])

    def replicasets_of(self, deployment: str) -> list[dict]:
        return [
            rs for rs in self.replicasets
            if any(o.get("kind") == "Deployment" and o.get("name") == deployment for o in (rs.get("metadata") or {}).get("ownerReferences") or [])
        ]

    def missing(self, resources) -> list[ClusterError]:
        """The lists of `resources` RBAC refused."""
        return [self.denied[r] for r in resources if r in self.denied]

    def events_for(self, kind: str, name: str) -> list[EventView]:
        return self._events_by_object.get((kind, name), [])

    def service(self, name: str) -> dict | None:
        return next((s for s in self.services if (s.get("metadata") or {}).get("name") == name), None)

    def service_by_ip(self, ip: str) -> dict | None:
        for svc in self.services:
            spec = svc.get("spec") or {}
            if ip and (spec.get("clusterIP") == ip or ip in (spec.get("clusterIPs") or [])):
                return svc
        return None

    def pod_by_ip(self, ip: str) -> PodView | None:
        return next((p for p in self.pods if p.ip == ip), None)

    def age(self, when: dt.datetime | None) -> str:
        return human_age((self.taken_at - when).total_seconds()) if when else ""

    def log(self, pod: str, container: str, *, previous: bool = False, tail: int = LOG_TAIL) -> LogRead:
        """The container's log tail (the previous instance's when `previous`); read once, then cached."""
        key = (pod, container, previous, tail)
        if key not in self._logs:
            if self.session is None:
                self._logs[key] = LogRead(None, "no cluster session")
            else:
                try:
                    self._logs[key] = LogRead(self.session.log(pod, container, previous=previous, tail=tail))
                except ClusterError as exc:
                    self._logs[key] = LogRead(None, exc.reason)
        return self._logs[key]

    @property
    def log_reads(self) -> int:
        return len(self._logs)


def _deployment_by_name(replicaset: str | None, deployments: set[str]) -> str | None:
    """A pod whose ReplicaSet is gone still names it <deployment>-<hash>."""
    if not replicaset or "-" not in replicaset:
        return None
    base = replicaset.rsplit("-", 1)[0]
    return base if base in deployments else None


def take_snapshot(session: Session, now: dt.datetime | None = None) -> ClusterSnapshot:
    """List the five resources together. A list RBAC forbids is empty and recorded in `denied`
    (read-only RBAC may grant less than everything); any other failure is the ClusterError of the
    first that failed."""
    queries = {name: (EVENT_QUERY if name == "events" else {}) for name in RESOURCES}
    denied: dict[str, ClusterError] = {}
    with ThreadPoolExecutor(max_workers=len(RESOURCES), thread_name_prefix="snapshot") as pool:
        futures = {name: pool.submit(session.list, name, **query) for name, query in queries.items()}
        results: dict[str, Any] = {}
        for name in RESOURCES:
            try:
                results[name] = futures[name].result()  # re-raises the ClusterError
            except ClusterError as exc:
                if exc.permission is None:
                    raise
                denied[name], results[name] = exc, []
    return ClusterSnapshot(
        context=session.context,
        namespace=session.namespace,
        server=session.server,
        taken_at=now or dt.datetime.now(dt.timezone.utc),
        pods=sorted((pod_view(p) for p in results["pods"]), key=lambda p: p.name),
        events=[event_view(e) for e in results["events"]],
        deployments=results["deployments"],
        replicasets=results["replicasets"],
        services=results["services"],
        session=session,
        autoscalers=results["horizontalpodautoscalers"],
        applications=results["applications"],
        denied=denied,
    )
