"""ING: the paths the browser needs (the UI, the gateway's /api, Socket.IO) routed by the Ingress to the right Service and port."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from tiketi_doctor.analysis.environments import Environment, environments
from tiketi_doctor.analysis.frontend_calls import frontend_calls
from tiketi_doctor.analysis.ingress import IngressRoute, route_for, routes
from tiketi_doctor.analysis.kustomize import Placed
from tiketi_doctor.analysis.source import requirements
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity

SOCKET_PATH = "/socket.io/"


@dataclass(frozen=True)
class Need:
    """A path the browser requests through the Ingress and the components that may answer it."""

    path: str  # a concrete example path
    label: str  # what needs it: "the UI", "GET /api/stats/overview", "Socket.IO"
    targets: tuple[str, ...]  # component names that serve it
    location: Location | None  # where the need is written (a frontend call), if anywhere


def _service_component(ctx: ScanContext, env: Environment, name: str | None) -> tuple[Placed | None, Component | None]:
    if not name:
        return None, None
    service = env.find("Service", name)
    original = service.origin.name if service is not None and service.origin is not None else name
    for component in ctx.catalogue.components:
        if original in (component.k8s_service, component.name) or name in (component.k8s_service, component.name):
            return service, component
    return service, None


def _service_text(component: Component) -> str:
    return f"{component.k8s_service or component.name}:{component.port}" if component.port else (component.k8s_service or component.name)


def _serves_frontend(ctx: ScanContext, env: Environment, found: list[IngressRoute]) -> list[str | None]:
    """Hosts whose `/` reaches the frontend's Service: the browser loads the UI — and calls the API — there."""
    hosts = []
    for host in dict.fromkeys(r.host for r in found if not r.default):
        route = route_for(found, "/", host)
        _, component = _service_component(ctx, env, route.service if route else None)
        if component is not None and component.role == "frontend":
            hosts.append(host)
    return hosts


def needs(ctx: ScanContext) -> list[Need]:
    return ctx.memo("ingress-needs", lambda: _needs(ctx))


def _needs(ctx: ScanContext) -> list[Need]:
    found: list[Need] = []
    frontends = [c for c in ctx.catalogue.components if c.role == "frontend"]
    gateway = [c.name for c in ctx.catalogue.components if c.role == "gateway"]
    if frontends:
        # Several frontends (a store and its admin UI) each serve their own `/`, on their own host or
        # Ingress: whichever of them a rule sends `/` to serves it.
        found.append(Need("/", "the UI", tuple(f.name for f in frontends), None))
    seen: set[str] = set()
    for call in frontend_calls(ctx):
        concrete = call.path.replace(":param", "1")
        key = "/".join(concrete.split("/")[:3])
        if key in seen:
            continue
        seen.add(key)
        owner = ctx.catalogue.owner_of_route(call.path)
        targets = tuple(dict.fromkeys(gateway + ([owner.name] if owner else [])))
        if targets:
            found.append(Need(concrete, call.describe(), targets, call.location))
    socket = _socket_need(ctx, frontends, gateway)
    if socket is not None:
        found.append(socket)
    return found


def _socket_need(ctx: ScanContext, frontends: list[Component], gateway: list[str]) -> Need | None:
    client = None
    for frontend in frontends:
        requirement = requirements(ctx, frontend).get("socket.io-client")
        if requirement is not None:
            client = requirement.first
            break
    if client is None:
        return None
    servers = [c.name for c in ctx.catalogue.apps if "socket.io" in requirements(ctx, c)]
    proxies = [name for name in gateway if any(p in requirements(ctx, ctx.catalogue.component(name)) for p in ("http-proxy-middleware", "http-proxy"))]
    targets = tuple(dict.fromkeys(servers + proxies))
    return Need(SOCKET_PATH + "?EIO=4&transport=polling", "the Socket.IO client", targets, client) if targets else None


def _prefix(need: Need) -> str:
    """The path prefix a rule should cover: `/api` for `/api/items/1`, `/socket.io` for Socket.IO."""
    path = need.path.split("?")[0]
    parts = [p for p in path.split("/") if p]
    return "/" + parts[0] if parts else "/"


class IngressPathUnrouted(Check):
    code = "ING001"
    name = "ingress-path-unrouted"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A path the browser requests through the Ingress (/api calls, /socket.io) matches no Ingress rule."
    why = (
        "When the Ingress serves the UI, the browser sends the API calls and the Socket.IO connection to the same "
        "host. A path no rule matches gets the controller's 404 — the UI loads, every request it makes fails, and "
        "Socket.IO falls back to polling errors."
    )
    example = "Ingress tiketi: path / -> frontend-service:3000 only; the frontend calls /api/events and connects to /socket.io/"
    fix = "Add rules: `/api` (Prefix) to the gateway's Service and port, `/socket.io` (Prefix) to the Socket.IO server's Service."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            found = routes(env)
            if not found:
                continue
            for host in _serves_frontend(ctx, env, found):
                for need in needs(ctx):
                    if route_for(found, need.path.split("?")[0], host) is not None:
                        continue
                    yield from self._report(ctx, env, found, host, need, seen)

    def _report(self, ctx, env: Environment, found: list[IngressRoute], host, need: Need, seen) -> Iterator[Finding]:
        ui = route_for(found, "/", host)
        where = ui.location if ui else found[0].location
        key = (where.path, where.line, need.path.split("/")[1] if need.path != "/" else "/")
        if key in seen:
            return
        seen.add(key)
        targets = [ctx.catalogue.component(t) for t in need.targets]
        suggestion = " or ".join(_service_text(c) for c in targets if c)
        prefix = _prefix(need)
        yield self.finding(
            f"The Ingress serves the UI on {host or 'every host'}, but no rule matches {prefix} ({need.label}); "
            f"it should route to {suggestion}",
            where,
            service=need.targets[0],
            related=[need.location] if need.location else [],
            evidence={"path": need.path, "host": host, "rules": [r.describe() for r in found], "environment": env.name},
            root_cause=(
                f"The browser loads the UI from this Ingress, so it sends {need.path.split('?')[0]} to the same host "
                f"(unless the UI is built to call another origin); no rule matches it "
                f"({'; '.join(r.describe() for r in found)}), so the controller answers 404."
            ),
            params={"ingress": found[0].ingress, "host": host, "path": prefix, "targets": list(need.targets)},
        )


class IngressPathMisrouted(Check):
    code = "ING002"
    name = "ingress-path-misrouted"
    severity = Severity.ERROR
    scope = "repository"
    summary = "An Ingress rule sends a path the browser needs to a Service that does not serve it."
    why = (
        "Paths are routed by prefix: `/api` must reach the gateway (or the service owning the route), "
        "`/socket.io` the Socket.IO server. A rule that sends them to the frontend or to another service "
        "answers 404 or HTML instead of JSON, and WebSocket upgrades fail."
    )
    example = "path /socket.io -> backend-service:3001, but the Socket.IO server is ticket-service"
    fix = "Point the rule's backend at the Service that serves the path (see the message for which one)."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            found = routes(env)
            if not found:
                continue
            hosts = list(dict.fromkeys(r.host for r in found if not r.default)) or [None]
            for host in hosts:
                for need in needs(ctx):
                    route = route_for(found, need.path.split("?")[0], host)
                    if route is None or (need.path == "/" and route.path != "/"):
                        continue
                    _, component = _service_component(ctx, env, route.service)
                    if component is None or component.name in need.targets:
                        continue
                    key = (route.location.path, route.location.line, need.path.split("/")[1])
                    if key in seen:
                        continue
                    seen.add(key)
                    right = [ctx.catalogue.component(t) for t in need.targets]
                    suggestion = " or ".join(_service_text(c) for c in right if c)
                    owner = route.service if route.service == component.name else f"{route.service} ({component.name})"
                    yield self.finding(
                        f"The Ingress sends {_prefix(need)} ({need.label}) to {owner}, which does not serve it; "
                        f"it belongs to {suggestion}",
                        route.backend,
                        service=need.targets[0],
                        related=[route.location] + ([need.location] if need.location else []),
                        evidence={"path": need.path, "rule": route.describe(), "serves": list(need.targets), "environment": env.name},
                        root_cause=(
                            f"Rule {route.describe()} is the longest match for {need.path.split('?')[0]}, but "
                            f"{component.name} does not serve it, so the request gets its 404 (or the UI's HTML)."
                        ),
                        params={"ingress": route.ingress, "path": route.path, "service": route.service, "targets": list(need.targets)},
                    )


class IngressBackendMissing(Check):
    code = "ING003"
    name = "ingress-backend-missing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "An Ingress rule's backend names a Service, or a Service port, that does not exist."
    why = (
        "The controller finds no endpoints for a missing Service or port and answers 503 for every path of that "
        "rule. It happens after a Service is renamed, or when the backend names the container port instead of "
        "the Service port."
    )
    example = "backend: {service: {name: backend-service, port: {number: 8080}}} — backend-service has port 3001"
    fix = "Name a Service of the same namespace and one of its ports (number or name)."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            for route in routes(env):
                if not route.service:
                    continue
                service = env.find("Service", route.service)
                if service is not None and _has_port(service, route.port):
                    continue
                key = (route.backend.path, route.backend.line)
                if key in seen:
                    continue
                seen.add(key)
                if service is None:
                    names = sorted(s.name for s in env.of_kind("Service"))
                    message = f"Ingress {route.ingress} routes {route.path} to Service {route.service}, which is not defined in {env.describe()}"
                    cause = f"No Service {route.service} exists (Services: {', '.join(names) or 'none'}), so the controller answers 503."
                else:
                    ports = [f"{p.get('name') + '=' if p.get('name') else ''}{p.get('port')}" for p in service.get("spec", "ports") or [] if isinstance(p, dict)]
                    message = f"Ingress {route.ingress} routes {route.path} to {route.service}:{route.port}, but Service {route.service} has port {', '.join(ports) or 'none'}"
                    cause = f"Service {route.service} exposes {', '.join(ports) or 'no ports'}; port {route.port} has no endpoints, so the controller answers 503."
                yield self.finding(
                    message,
                    route.backend,
                    evidence={"rule": route.describe(), "environment": env.name},
                    root_cause=cause,
                    params={"ingress": route.ingress, "service": route.service, "port": route.port},
                )


def _has_port(service: Placed, port) -> bool:
    if port is None:
        return True
    for item in service.get("spec", "ports") or []:
        if isinstance(item, dict) and (str(item.get("port")) == str(port) or (item.get("name") and item.get("name") == port)):
            return True
    return False


CHECKS = (IngressPathUnrouted, IngressPathMisrouted, IngressBackendMissing)
