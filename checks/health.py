"""HC: health probes and HEALTHCHECKs must exist, hit paths the app serves, and tell liveness from readiness."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.express import ExpressApp, express_app
from tiketi_doctor.analysis.image import dockerfile_of
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands, reapply_commands

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")
LOCAL_HEALTH_URL = re.compile(r"(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d{2,5}))?(/[^\s'\"`)\]|;&]*)?")

# What a probe failing on a path nobody serves does, per place.
CONSEQUENCES = {
    "livenessProbe": "the kubelet restarts the container every few failures (a restart loop that looks like a crash)",
    "readinessProbe": "the pod never becomes Ready, so its Service sends it no traffic and rollouts stall",
    "startupProbe": "the container is killed before it ever counts as started",
    "HEALTHCHECK": "Docker and compose mark the container unhealthy",
    "catalogue health": "tiketi-doctor's live checks (and anyone following the catalogue) probe a path that answers 404",
    "catalogue readiness": "tiketi-doctor's live checks (and anyone following the catalogue) probe a path that answers 404",
}


def _workload(ctx: ScanContext, component: Component) -> k8s.K8sObject | None:
    obj = k8s.workload(ctx, component)
    return obj if obj is not None and obj.kind in LONG_RUNNING else None


def _named_ports(container: k8s.Container) -> dict[str, int]:
    ports = {}
    for port in container.data.get("ports") or []:
        if isinstance(port, dict) and port.get("name") and isinstance(port.get("containerPort"), int):
            ports[str(port["name"])] = port["containerPort"]
    return ports


def probe_handler(spec: object, named_ports: dict[str, int]) -> tuple | None:
    """A comparable description of what a probe runs: ("httpGet", path, port, host, scheme), ..."""
    if not isinstance(spec, dict):
        return None

    def port(value):
        if isinstance(value, str) and not value.isdigit():
            return named_ports.get(value, value)
        return int(value) if value is not None and str(value).isdigit() else value

    http = spec.get("httpGet")
    if isinstance(http, dict):
        path = str(http.get("path") or "/")
        return ("httpGet", path.rstrip("/") or "/", port(http.get("port")), http.get("host"), str(http.get("scheme") or "HTTP").upper())
    tcp = spec.get("tcpSocket")
    if isinstance(tcp, dict):
        return ("tcpSocket", port(tcp.get("port")), tcp.get("host"))
    exec_ = spec.get("exec")
    if isinstance(exec_, dict) and isinstance(exec_.get("command"), list):
        return ("exec", tuple(str(part) for part in exec_["command"]))
    grpc = spec.get("grpc")
    if isinstance(grpc, dict):
        return ("grpc", port(grpc.get("port")), grpc.get("service"))
    return None


def describe_handler(handler: tuple) -> str:
    kind = handler[0]
    if kind == "httpGet":
        return f"httpGet {handler[1]} on port {handler[2]}"
    if kind == "tcpSocket":
        return f"tcpSocket on port {handler[1]}"
    if kind == "exec":
        return "exec " + " ".join(handler[1])
    return f"grpc on port {handler[1]}" + (f" service {handler[2]}" if handler[2] else "")


def _catalogue_location(ctx: ScanContext, component: Component, key: str) -> Location | None:
    file, line = component.declared_at
    if not file or ctx.catalogue.origin == "builtin" or file.startswith("<"):
        return None
    path = ctx.repo.rel(file)
    if path.startswith(("/", "..")) or not ctx.repo.exists(path):
        return None
    return Location(path, ctx.catalogue.lines.get((component.name, key)) or line, label=f"{key}: {getattr(component, key)}")


# -- HC001 ----------------------------------------------------------------------------------
class IdenticalLivenessReadiness(Check):
    code = "HC001"
    name = "identical-liveness-readiness"
    severity = Severity.WARNING
    summary = "A container's liveness and readiness probes run the same check."
    why = (
        "They answer different questions. Liveness: is the process stuck (restart it)? Readiness: can it serve "
        "right now — database and Redis reachable (stop sending traffic)? With one handler for both, either a "
        "database outage restarts every healthy pod in a loop, or pods keep receiving traffic they cannot serve. "
        "The source report lists readiness distinct from liveness as future work."
    )
    example = "livenessProbe: httpGet /health :3005 and readinessProbe: httpGet /health :3005"
    fix = (
        "Keep liveness on a cheap endpoint that only proves the process answers (/health) and point readiness "
        "at one that checks the dependencies (/health/ready: `SELECT 1`, Redis PING), then re-apply the manifest."
    )

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        workload = _workload(ctx, component)
        if workload is None:
            return
        for container in k8s.containers(workload):
            ports = _named_ports(container)
            live = probe_handler(container.data.get("livenessProbe"), ports)
            ready = probe_handler(container.data.get("readinessProbe"), ports)
            if live is None or ready is None or live != ready:
                continue
            yield self._finding(ctx, component, workload, container, live)

    def _finding(self, ctx, component: Component, workload: k8s.K8sObject, container: k8s.Container, handler: tuple) -> Finding:
        base = container.path
        where = workload.at(base + ("readinessProbe",), f"readinessProbe: {describe_handler(handler)}")
        live_at = workload.at(base + ("livenessProbe",), f"livenessProbe: {describe_handler(handler)}")
        suggestion = component.readiness if component.readiness and handler[0] == "httpGet" and component.readiness != handler[1] else None
        cause = (
            f"Both probes of container {container.name!r} run {describe_handler(handler)}. "
            "If that endpoint checks the database or Redis, a dependency outage makes the kubelet restart healthy "
            "containers; if it does not, pods stay Ready while they cannot serve requests."
        )
        if suggestion:
            cause += f" The catalogue gives {component.name} a readiness endpoint, {suggestion}."
        return self.finding(
            f"{component.name}: the readinessProbe of container {container.name!r} is the same check as its "
            f"livenessProbe ({describe_handler(handler)})",
            where,
            service=component.name,
            related=[live_at],
            evidence={"handler": describe_handler(handler), "liveness_at": str(live_at), "readiness_at": str(where)},
            root_cause=cause,
            params={
                "manifest": workload.path,
                "workload": workload.name,
                "container": container.name,
                "handler": list(handler),
                "liveness_line": live_at.line,
                "readiness_line": where.line,
                "suggested_readiness_path": suggestion,
            },
            remediation=reapply_commands(ctx.catalogue, component, workload.path),
        )


# -- HC002 ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HealthPlace:
    kind: str  # livenessProbe | readinessProbe | startupProbe | HEALTHCHECK | catalogue health | catalogue readiness
    path: str
    location: Location


def health_places(ctx: ScanContext, component: Component, app: ExpressApp | None = None) -> list[HealthPlace]:
    """Every place that says which HTTP path answers the component's health: probes, HEALTHCHECK, catalogue."""
    places: list[HealthPlace] = []
    workload = _workload(ctx, component)
    container = k8s.main_container(workload, component) if workload is not None else None
    if container is not None:
        for probe in PROBES:
            spec = container.data.get(probe)
            http = spec.get("httpGet") if isinstance(spec, dict) else None
            if isinstance(http, dict) and isinstance(http.get("path"), str):
                path = http["path"]
                at = workload.at(container.path + (probe, "httpGet", "path"), f"{probe}.httpGet.path: {path}")
                places.append(HealthPlace(probe, path, at))
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is not None:
        for inst in dockerfile.final.instructions:
            if inst.cmd != "HEALTHCHECK" or not inst.value or inst.value[0].upper() == "NONE":
                continue
            text = inst.expand(" ".join(inst.value))
            for match in LOCAL_HEALTH_URL.finditer(text):
                if match.group(1) is None and match.group(2) is None:
                    continue
                path = match.group(2) or "/"
                line, column = dockerfile.locate(match.group(0), inst)
                places.append(HealthPlace("HEALTHCHECK", path, Location(dockerfile.path, line, column, label=f"HEALTHCHECK {match.group(0)}")))
    for key in ("health", "readiness"):
        path = getattr(component, key)
        if not path:
            continue
        at = _catalogue_location(ctx, component, key)
        if at is None:
            if app is None or not app.apps:
                continue
            at = app.apps[0]  # a built-in catalogue: point at the app, where the route would go
        places.append(HealthPlace(f"catalogue {key}", path, at))
    return places


class ProbePathNotServed(Check):
    code = "HC002"
    name = "probe-path-not-served"
    severity = Severity.ERROR
    summary = "A probe, HEALTHCHECK or catalogue health path is a path the application does not serve."
    why = (
        "A health check on a path the app answers with 404 fails forever: a readiness probe keeps the pod out "
        "of its Service, a liveness probe restarts a working container in a loop, a HEALTHCHECK marks the "
        "container unhealthy. The app itself is fine, which makes it a slow one to find by hand."
    )
    example = "k8s/06-auth-service.yaml: readinessProbe httpGet /ready, while auth-service serves /health and /health/ready"
    fix = "Point the probe at a path the app serves, or add the route (`app.get('/health/ready', ...)`) and rebuild."

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        app = express_app(ctx, component)
        places = health_places(ctx, component, app)
        if not places:
            return
        if app is None:
            ctx.undecided(f"no Express app was found in {component.source or component.name}'s source, so its routes are unknown")
            return
        by_path: dict[str, list[HealthPlace]] = {}
        for place in places:
            path = place.path.split("?", 1)[0] or "/"
            if app.serves("GET", path, static=False) is None:
                by_path.setdefault(path, []).append(place)
        if by_path and app.unresolved:
            ctx.undecided(f"{component.name} has mounts that could not be read ({'; '.join(app.unresolved)})")
            return
        for path, group in by_path.items():
            yield self._finding(ctx, component, app, path, group)

    def _finding(self, ctx, component: Component, app: ExpressApp, path: str, group: list[HealthPlace]) -> Finding:
        kinds = ", ".join(dict.fromkeys(p.kind for p in group))
        health_routes = [r for r in app.routes if r.method in ("GET", "ALL") and re.search(r"health|ready|live|status|ping", r.path)]
        serves = ", ".join(r.path for r in health_routes) or "no health route at all"
        server_file = app.apps[0].path
        last_get = max((r for r in app.routes_in(server_file) if r.kind == "handler"), key=lambda r: r.location.line or 0, default=None)
        consequences = "; ".join(dict.fromkeys(CONSEQUENCES[p.kind] for p in group))
        message = f"{component.name} does not serve GET {path}, which its {kinds} {'checks' if len(group) == 1 else 'check'}"
        cause = (
            f"{component.name}'s routes (read from {server_file}) answer {serves}; GET {path} gets 404, so {consequences}."
        )
        related = [p.location for p in group[1:]] + [r.location for r in health_routes[:3]]
        manifests = [p.location.path for p in group if p.kind in PROBES]
        remediation = reapply_commands(ctx.catalogue, component, manifests[0]) if manifests else []
        if any(p.kind == "HEALTHCHECK" for p in group):
            remediation = rebuild_commands(ctx.catalogue, component) + [c for c in remediation if c.startswith("kubectl apply")]
        return self.finding(
            message,
            group[0].location,
            service=component.name,
            related=related,
            evidence={"path": path, "checked_by": [f"{p.kind} at {p.location}" for p in group], "health_routes": [r.describe() for r in health_routes]},
            root_cause=cause,
            params={
                "path": path,
                "places": [{"kind": p.kind, "path": p.location.path, "line": p.location.line, "column": p.location.column} for p in group],
                "served_health_paths": [r.path for r in health_routes],
                "server_file": server_file,
                "insert_after_line": last_get.location.line if last_get else None,
            },
            remediation=remediation,
        )


# -- HC003 ----------------------------------------------------------------------------------
class MissingReadinessProbe(Check):
    code = "HC003"
    name = "missing-readiness-probe"
    severity = Severity.WARNING
    summary = "An application container runs without a readinessProbe."
    why = (
        "Without a readiness probe a pod receives traffic as soon as the container starts — before the app "
        "listens, and while its database is unreachable — and a rollout replaces working pods with ones that "
        "cannot serve yet. Liveness alone does not stop traffic; it only restarts."
    )
    example = "k8s/05-backend.yaml: containers[0] has a livenessProbe on /health and no readinessProbe"
    fix = (
        "Add `readinessProbe: {httpGet: {path: /health/ready, port: <port>}, periodSeconds: 5}` (an endpoint "
        "that checks the database/Redis) and re-apply the manifest."
    )

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        workload = _workload(ctx, component)
        if workload is None:
            return
        container = k8s.main_container(workload, component)
        if container is None or isinstance(container.data.get("readinessProbe"), dict):
            return
        has_liveness = isinstance(container.data.get("livenessProbe"), dict)
        what = "a livenessProbe but no readinessProbe" if has_liveness else "no readinessProbe (and no livenessProbe)"
        path = component.readiness or component.health
        at = workload.at(container.path, f"container {container.name}")
        yield self.finding(
            f"{component.name}: container {container.name!r} in {workload.path} has {what}",
            at,
            service=component.name,
            related=[workload.at(container.path + ("livenessProbe",), "livenessProbe")] if has_liveness else [],
            evidence={"workload": f"{workload.kind}/{workload.name}", "liveness": has_liveness},
            root_cause=(
                f"Kubernetes counts {component.name} Ready as soon as the container starts, so its Service routes "
                "requests to pods that are still starting or have lost their database."
                + (f" The catalogue's readiness endpoint is {component.readiness}." if component.readiness else "")
            ),
            params={
                "manifest": workload.path,
                "workload": workload.name,
                "container": container.name,
                "container_line": at.line,
                "has_liveness": has_liveness,
                "suggested_path": path,
                "port": component.port,
            },
            remediation=reapply_commands(ctx.catalogue, component, workload.path),
        )


# -- HC004 ----------------------------------------------------------------------------------
class MissingHealthcheck(Check):
    code = "HC004"
    name = "missing-healthcheck"
    severity = Severity.INFO
    summary = "An application's Dockerfile has no HEALTHCHECK in its final stage."
    why = (
        "Kubernetes ignores HEALTHCHECK and uses its probes, but `docker run`, docker compose and `docker ps` "
        "rely on it: without one a container whose app hangs or never listens shows as up, and compose's "
        "`depends_on: condition: service_healthy` cannot work."
    )
    example = "services/stats-service/Dockerfile: ... CMD [\"node\", \"src/server.js\"] with no HEALTHCHECK"
    fix = (
        "Add before CMD: `HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://localhost:<port>/health || exit 1` "
        "(or a `node -e` request on images without wget), then rebuild."
    )

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        dockerfile = dockerfile_of(ctx, component)
        if dockerfile is None:
            if component.dockerfile and ctx.repo.exists(component.dockerfile):
                ctx.undecided(f"{component.dockerfile} cannot be parsed")
            return
        stage = dockerfile.final
        chain = [stage]
        while chain[-1].base and (parent := dockerfile.stage(chain[-1].base)) is not None and parent.index < chain[-1].index:
            chain.append(parent)  # FROM an earlier stage inherits its HEALTHCHECK
        if any(inst.cmd == "HEALTHCHECK" for s in chain for inst in s.instructions):
            return
        from_line = _from_line(dockerfile.lines, stage.index)
        start = stage.instructions[0].start_line if stage.instructions else len(dockerfile.lines)
        cmd = next((i for i in stage.instructions if i.cmd in ("CMD", "ENTRYPOINT")), None)
        path = component.health or "/health"
        yield self.finding(
            f"{dockerfile.path} has no HEALTHCHECK: Docker cannot tell whether {component.name} is serving",
            Location(dockerfile.path, from_line or start, 1, label=f"FROM {stage.base}"),
            service=component.name,
            evidence={"final_stage": stage.name or stage.index, "base_image": stage.base},
            root_cause=(
                f"The final stage (FROM {stage.base}) declares no HEALTHCHECK and inherits none, so `docker ps` and "
                f"compose report the container as up even when nothing answers on port {component.port}."
            ),
            params={
                "dockerfile": dockerfile.path,
                "insert_before_line": cmd.start_line if cmd else None,
                "port": component.port,
                "path": path,
            },
            remediation=rebuild_commands(ctx.catalogue, component),
        )


def _from_line(lines: list[str], stage_index: int) -> int | None:
    seen = -1
    for number, line in enumerate(lines, 1):
        if re.match(r"^\s*FROM\s", line, re.IGNORECASE):
            seen += 1
            if seen == stage_index:
                return number
    return None


CHECKS = (IdenticalLivenessReadiness, ProbePathNotServed, MissingReadinessProbe, MissingHealthcheck)
