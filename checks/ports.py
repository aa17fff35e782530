"""PORT: every place a component's port is written must agree with the catalogue."""
from __future__ import annotations

from collections import defaultdict
from typing import ClassVar, Iterable

from tiketi_doctor.analysis.ports import APP, DOCKERFILE, MANIFEST, PORT_FORWARD, URL, PortPlace, places_of, port_places
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands, reapply_commands

# What a wrong port in each kind of place does, in one clause.
CONSEQUENCES = {
    "app default": "the app listens on {found} when PORT is unset, so everything that calls it on {expected} is refused",
    "listen()": "the app always listens on {found}, whatever PORT says",
    "env file PORT": "a local run configured from this file listens on {found}",
    "EXPOSE": "EXPOSE {found} advertises the wrong port to `docker run -P`, compose and readers of the image",
    "HEALTHCHECK": "the HEALTHCHECK probes port {found} where nothing listens, so Docker marks the container unhealthy",
    "ENV PORT": "ENV PORT={found} overrides the app's default, so the container listens on {found}",
    "containerPort": "containerPort {found} is what named ports, tools and readers rely on",
    "env PORT": "env PORT={found} makes the app listen on {found} inside the pod",
    "livenessProbe": "the liveness probe checks port {found}; when nothing answers there the kubelet restarts the container",
    "readinessProbe": "the readiness probe checks port {found}; the pod never becomes Ready and gets no traffic",
    "startupProbe": "the startup probe checks port {found} and the container is killed before it starts",
    "Service port": "callers using {name}:{expected} reach no Service port",
    "Service targetPort": "the Service forwards to port {found} in the pod, where the app does not listen",
    "URL": "callers connect to port {found} and get ECONNREFUSED",
    "port-forward remote port": "kubectl port-forward fails: the Service has no port {found} (or forwards to a port nothing listens on)",
}


class PortMismatch(Check):
    """Shared logic: group the disagreeing places of one category by component and file."""

    category: ClassVar[str]
    severity = Severity.ERROR
    fixable = True

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if component.port is None:
            return
        places = places_of(ctx, component.name, self.category)
        wrong = [p for p in places if p.value != component.port]
        by_file: dict[str, list[PortPlace]] = defaultdict(list)
        for place in wrong:
            by_file[place.location.path].append(place)
        for path, group in by_file.items():
            yield self._finding(ctx, component, path, group, places)

    def _finding(self, ctx: ScanContext, component: Component, path: str, group: list[PortPlace], all_places) -> Finding:
        expected = component.port
        values = sorted({p.value for p in group})
        kinds = ", ".join(dict.fromkeys(p.kind for p in group))
        owners = {
            v: [c.name for c in ctx.catalogue.by_port(v) if c.name != component.name] for v in values
        }
        owner_note = "".join(f"; {v} is {', '.join(o)}'s port" for v, o in owners.items() if o)
        count = f"{len(group)} places" if len(group) > 1 else "1 place"
        found = "/".join(map(str, values))
        message = (
            f"{path} gives {component.name} port {found} in {count} ({kinds}); "
            f"the catalogue says {expected}{owner_note}"
        )
        consequences = [
            CONSEQUENCES.get(p.kind, "").format(found=p.value, expected=expected, name=component.k8s_service or component.name)
            for p in group
        ]
        agreeing = [p for p in all_places if p.value == expected]
        listens = _listen_evidence(ctx, component)
        cause = f"{component.name} serves on {expected}{listens}, but " + "; ".join(dict.fromkeys(c for c in consequences if c)) + "."
        if any(owners.values()):
            cause += " The value belongs to another component, a sign the file was copied from it and not updated."
        return self.finding(
            message,
            group[0].location,
            service=component.name,
            related=[p.location for p in group[1:]],
            evidence={
                "expected": expected,
                "found": {str(v): [f"{p.kind} at {p.location}" for p in group if p.value == v] for v in values},
                "agreeing_places": len(agreeing),
                "port_owners": {str(v): o for v, o in owners.items() if o},
            },
            root_cause=cause,
            params={
                "expected": expected,
                "places": [
                    {"kind": p.kind, "value": p.value, "path": p.location.path, "line": p.location.line,
                     "column": p.location.column, "via_name": p.via_name}
                    for p in group
                ],
            },
            remediation=self.remediation(ctx, component, path),
        )

    def remediation(self, ctx: ScanContext, component: Component, path: str) -> list[str]:
        return []


def _listen_evidence(ctx: ScanContext, component: Component) -> str:
    app = [p for p in places_of(ctx, component.name, APP) if p.kind == "app default"]
    if app and all(p.value == component.port for p in app):
        return f" (its code defaults to {component.port} at {app[0].location})"
    return " (per the catalogue)"


class AppPortMismatch(PortMismatch):
    code = "PORT001"
    name = "app-port-mismatch"
    category = APP
    summary = "The application's own default port (PORT fallback, listen(), .env.example) differs from the catalogue."
    why = (
        "Everything else — Dockerfile, probes, Services, other services' URLs — is written for the catalogue's "
        "port. An app that listens elsewhere is unreachable although its pod looks healthy until probes fail."
    )
    example = "services/auth-service/src/server.js: const PORT = process.env.PORT || 3002;  (catalogue: 3005)"
    fix = "Change the fallback to the catalogue's port; keep PORT in the environment for overrides."

    def remediation(self, ctx, component, path):
        return rebuild_commands(ctx.catalogue, component) if path.startswith(component.source or "\0") else []


class DockerfilePortMismatch(PortMismatch):
    code = "PORT002"
    name = "dockerfile-port-mismatch"
    category = DOCKERFILE
    summary = "EXPOSE, the HEALTHCHECK URL or ENV PORT in the Dockerfile differ from the component's port."
    why = (
        "A HEALTHCHECK on the wrong port marks a healthy container unhealthy; ENV PORT changes where the app "
        "listens; EXPOSE misleads `docker run -P`, compose files and people. They are usually copied from "
        "another service's Dockerfile."
    )
    example = "services/auth-service/Dockerfile: EXPOSE 3002 / HEALTHCHECK CMD wget -qO- http://localhost:3002/health"
    fix = "Set EXPOSE, the HEALTHCHECK URL and ENV PORT to the catalogue's port, rebuild and reload the image."

    def remediation(self, ctx, component, path):
        return rebuild_commands(ctx.catalogue, component)


class ManifestPortMismatch(PortMismatch):
    code = "PORT003"
    name = "manifest-port-mismatch"
    category = MANIFEST
    summary = "containerPort, env PORT, probe ports or Service port/targetPort differ from the component's port."
    why = (
        "The port chain app → containerPort → probes → Service targetPort → Service port → callers must agree "
        "end to end. One wrong link gives refused connections, failing probes and restarts, or a Service "
        "that routes nowhere."
    )
    example = "k8s/07-ticket-service.yaml: containerPort: 3004, PORT=3004, probes on 3004, Service 3004 (catalogue: 3002)"
    fix = "Set every port of the component's Deployment and Service to the catalogue's port and re-apply the manifest."

    def remediation(self, ctx, component, path):
        return reapply_commands(ctx.catalogue, component, path)


class ServiceUrlPortMismatch(PortMismatch):
    code = "PORT004"
    name = "service-url-port-mismatch"
    category = URL
    summary = "A URL that points at a component (code default, ConfigMap, .env.example) uses another port."
    why = (
        "Services find each other by DNS name and port from environment variables with defaults. A wrong "
        "port in a default or a ConfigMap sends every call to a port nothing listens on: ECONNREFUSED, 502/503."
    )
    example = "backend/src/routes/stats.js: process.env.STATS_SERVICE_URL || 'http://stats-service:3005'"
    fix = "Use the catalogue's port in the URL (and prefer one ConfigMap entry over scattered defaults)."


class PortForwardMismatch(PortMismatch):
    code = "PORT005"
    name = "port-forward-mismatch"
    category = PORT_FORWARD
    severity = Severity.ERROR
    summary = "A `kubectl port-forward` in a script or guide targets a port the component's Service does not serve."
    why = (
        "port-forward to svc/NAME REMOTE needs REMOTE to be a Service port; otherwise kubectl fails with "
        "\"does not have a service port\" or forwards to a port nothing listens on. Guides and scripts are "
        "what newcomers run first, so they must match the manifests."
    )
    example = "QUICK_START.md: kubectl port-forward -n tiketi svc/frontend-service 3000:80  (Service port 3000)"
    fix = "Use the component's port as the remote port: `kubectl port-forward -n tiketi svc/frontend-service 3000:3000`."


class PortCollision(Check):
    code = "PORT006"
    name = "port-collision"
    severity = Severity.ERROR
    scope = "repository"
    summary = "Two components' applications default to the same port."
    why = (
        "Run side by side (npm start, docker compose, a port-forward script), the second one fails with "
        "EADDRINUSE; inside the cluster it hides which service a port belongs to."
    )
    example = "services/ticket-service/src/server.js and services/stats-service/src/server.js both default to 3004"
    fix = "Give each component its catalogue port."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        by_port: dict[int, dict[str, Location]] = defaultdict(dict)
        for place in port_places(ctx):
            if place.category == APP and place.kind == "app default":
                by_port[place.value].setdefault(place.component, place.location)
        for port, owners in sorted(by_port.items()):
            if len(owners) < 2:
                continue
            names = sorted(owners)
            claimant = [c.name for c in ctx.catalogue.by_port(port)]
            yield self.finding(
                f"{', '.join(names)} all default to port {port}"
                + (f" (the catalogue gives {port} to {claimant[0]})" if claimant else ""),
                owners[names[0]],
                related=[owners[n] for n in names[1:]],
                evidence={"port": port, "components": names},
                root_cause=f"Started on one host, only the first of {', '.join(names)} can bind {port}; the others exit with EADDRINUSE.",
                params={"port": port, "components": names},
            )


CHECKS = (
    AppPortMismatch,
    DockerfilePortMismatch,
    ManifestPortMismatch,
    ServiceUrlPortMismatch,
    PortForwardMismatch,
    PortCollision,
)
