"""ING: the paths the browser needs (the UI, the gateway's /api, Socket.IO) routed by the Ingress to the right Service and port."""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis.environments import Environment, environments, workload_in
from tiketi_doctor.analysis.express import express_app
from tiketi_doctor.analysis.frontend_calls import frontend_calls
from tiketi_doctor.analysis.ingress import IngressRoute, route_for, routes
from tiketi_doctor.analysis.kustomize import Placed
from tiketi_doctor.analysis.source import requirements, source_files
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg, N_
from tiketi_doctor.model import Finding, Location, Severity

SOCKET_PATH = "/socket.io/"


@dataclass(frozen=True)
class Need:
    """A path the browser requests through the Ingress and the components that may answer it."""

    path: str  # a concrete example path
    label: str  # what needs it: "the UI", "GET /api/stats/overview", "Socket.IO"
    targets: tuple[str, ...]  # component names that serve it
    location: Location | None  # where the need is written (a frontend call), if anywhere
    host: str | None = None  # a guide's request names the host it is sent to


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
        found.append(Need("/", Msg("the UI"), tuple(f.name for f in frontends), None))
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
    found.extend(_guide_needs(ctx, gateway, seen))
    return found


_URL = re.compile(r"^['\"]?https?://(?P<host>[A-Za-z0-9.-]+)(?::\d+)?(?P<path>/[^\s'\"?#]*)?")
_CLIENTS = {"curl", "wget", "http", "https", "xh"}


def _guide_needs(ctx: ScanContext, gateway: list[str], seen: set[str]) -> list[Need]:
    """API paths the guides request from a named host (`curl http://shop.local/api/products`)."""
    from tiketi_doctor.analysis.guides import commands, guide_files

    found = []
    for guide in guide_files(ctx):
        for command in commands(ctx, guide):
            if not command.words or command.words[0].text not in _CLIENTS:
                continue
            for word in command.words[1:]:
                match = _URL.match(word.text)
                path = match.group("path") if match else None
                if not path or path == "/" or any(c in path for c in "$<>{}*"):
                    continue
                host = match.group("host")
                key = host + " " + "/".join(path.split("/")[:3])
                if key in seen or host in ("localhost", "127.0.0.1"):
                    continue
                seen.add(key)
                owner = ctx.catalogue.owner_of_route(path)
                if owner is None and not path.startswith("/api/"):
                    continue  # the UI's own pages and files are the frontend's, not a backend route
                targets = tuple(dict.fromkeys(gateway + ([owner.name] if owner else [])))
                if targets:
                    found.append(Need(path, Msg("{client} {path} in {guide}", client=command.words[0].text, path=path, guide=guide.path), targets, command.location(word), host))
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
    return Need(SOCKET_PATH + "?EIO=4&transport=polling", Msg("the Socket.IO client"), targets, client) if targets else None


def _either(items: list) -> str:
    """`a or b or c`, translatable."""
    if len(items) < 2:
        return items[0] if items else ""
    return Msg("{first} or {second}", first=_either(items[:-1]), second=items[-1])


def _prefix(need: Need) -> str:
    """The path prefix a rule should cover: `/api` for `/api/items/1`, `/socket.io` for Socket.IO."""
    path = need.path.split("?")[0]
    parts = [p for p in path.split("/") if p]
    return "/" + parts[0] if parts else "/"


@facts
class UnroutedFacts(Facts):
    """ING001: the Ingress, the host, the path prefix no rule matches and the components that serve it."""

    ingress: str
    host: str | None
    path: str
    targets: tuple[str, ...] = ()


@facts
class UnroutedWithBackendFacts(UnroutedFacts):
    """ING001: ... and the Service and Service port a new rule names (when the environment has that Service)."""

    service: str = ""
    service_port: int | None = None


# The title of the fix that adds the rule (fixes/ingress.py).
ROUTE_TITLE = N_("Route {path} to {service}:{port} in Ingress {ingress}")


class IngressPathUnrouted(Check):
    code = "ING001"
    name = "ingress-path-unrouted"
    severity = Severity.ERROR
    fixable = True
    scope = "repository"
    summary = "A path the browser requests through the Ingress (/api calls, /socket.io) matches no Ingress rule."
    why = (
        "When the Ingress serves the UI, the browser sends the API calls and the Socket.IO connection to the same "
        "host. A path no rule matches gets the controller's 404 — the UI loads, every request it makes fails, and "
        "Socket.IO falls back to polling errors."
    )
    example = "Ingress tiketi: path / -> frontend-service:3000 only; the frontend calls /api/events and connects to /socket.io/"
    fix = "Add rules: `/api` (Prefix) to the gateway's Service and port, `/socket.io` (Prefix) to the Socket.IO server's Service."
    Facts = UnroutedFacts
    symptom = "requests to {path} get 404 from the Ingress controller: the UI loads, but every call it makes there fails"
    fix_title = "Add a rule for {path} to Ingress {ingress}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            found = routes(env)
            if not found:
                continue
            ui_hosts = _serves_frontend(ctx, env, found)
            for need in needs(ctx):
                if need.host is not None:
                    # A guide's request: checked on the host it names, when an Ingress rule names that host.
                    hosts = [need.host] if any(r.host == need.host for r in found) else []
                else:
                    hosts = ui_hosts
                for host in hosts:
                    if route_for(found, need.path.split("?")[0], host) is not None:
                        continue
                    yield from self._report(ctx, env, found, host, need, seen)

    def _report(self, ctx, env: Environment, found: list[IngressRoute], host, need: Need, seen) -> Iterator[Finding]:
        ui = route_for(found, "/", host)
        where = ui.location if ui else next((r.location for r in found if r.host == host), found[0].location)
        key = (where.path, where.line, need.path.split("/")[1] if need.path != "/" else "/")
        if key in seen:
            return
        seen.add(key)
        targets = [ctx.catalogue.component(t) for t in need.targets]
        suggestion = _either([_service_text(c) for c in targets if c])
        prefix = _prefix(need)
        if need.host is not None:
            message = Msg(
                "The guides send {prefix} requests to {host} ({label}), but no Ingress rule for {host} matches it; it should route to {suggestion}",
                prefix=prefix, host=host, label=need.label, suggestion=suggestion,
            )
        else:
            message = Msg(
                "The Ingress serves the UI on {host}, but no rule matches {prefix} ({label}); it should route to {suggestion}",
                host=host or Msg("every host"), prefix=prefix, label=need.label, suggestion=suggestion,
            )
        yield self.finding(
            message,
            where,
            service=need.targets[0],
            related=[need.location] if need.location else [],
            evidence={"path": need.path, "host": host, "rules": [r.describe() for r in found], "environment": env.name},
            root_cause=Msg(
                "The browser loads the UI from this Ingress, so it sends {path} to the same host "
                "(unless the UI is built to call another origin); no rule matches it ({rules}), so the controller answers 404.",
                path=need.path.split("?")[0], rules="; ".join(r.describe() for r in found),
            ),
            facts=_unrouted_facts(found[0].ingress, host, prefix, tuple(need.targets), _backend_for(env, targets[0] if targets else None)),
        )


def _unrouted_facts(ingress: str, host, path: str, targets: tuple, backend: dict) -> UnroutedFacts:
    if backend:
        return UnroutedWithBackendFacts(ingress, host, path, targets, backend["service"], backend["service_port"])
    return UnroutedFacts(ingress, host, path, targets)


def _backend_for(env: Environment, component: Component | None) -> dict:
    """The Service and Service port a new rule for `component` names (empty when the environment has no such Service)."""
    if component is None:
        return {}
    service = env.find("Service", component.k8s_service or component.name)
    if service is None:
        return {}
    ports = [p for p in service.get("spec", "ports") or [] if isinstance(p, dict) and isinstance(p.get("port"), int)]
    chosen = next((p for p in ports if component.port in (p.get("port"), p.get("targetPort"))), ports[0] if len(ports) == 1 else None)
    if chosen is None:
        return {}
    return {"service": service.name, "service_port": chosen["port"]}


@facts
class MisroutedFacts(Facts):
    """ING002: the Ingress rule (path, Service) that sends a needed path elsewhere, and the components that serve it."""

    ingress: str
    path: str
    service: str | None
    targets: tuple[str, ...] = ()


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
    Facts = MisroutedFacts
    symptom = "requests under {path} get 404 (or the UI's HTML) from {service} instead of an answer"
    fix_title = "Point the rule for {path} in Ingress {ingress} at the Service that serves it"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            found = routes(env)
            if not found:
                continue
            hosts = list(dict.fromkeys(r.host for r in found if not r.default)) or [None]
            for host in hosts:
                for need in needs(ctx):
                    if need.host is not None and need.host != host:
                        continue
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
                    suggestion = _either([_service_text(c) for c in right if c])
                    owner = route.service if route.service == component.name else f"{route.service} ({component.name})"
                    yield self.finding(
                        Msg(
                            "The Ingress sends {prefix} ({label}) to {owner}, which does not serve it; it belongs to {suggestion}",
                            prefix=_prefix(need), label=need.label, owner=owner, suggestion=suggestion,
                        ),
                        route.backend,
                        service=need.targets[0],
                        related=[route.location] + ([need.location] if need.location else []),
                        evidence={"path": need.path, "rule": route.describe(), "serves": list(need.targets), "environment": env.name},
                        root_cause=Msg(
                            "Rule {rule} is the longest match for {path}, but {component} does not serve it, so the request gets its 404 (or the UI's HTML).",
                            rule=route.describe(), path=need.path.split("?")[0], component=component.name,
                        ),
                        facts=MisroutedFacts(route.ingress, route.path, route.service, tuple(need.targets)),
                    )


@facts
class BackendFacts(Facts):
    """ING003: the Ingress and the Service (and port) its rule names that do not exist."""

    ingress: str
    service: str
    port: int | str | None = None


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
    Facts = BackendFacts
    symptom = "503 from the Ingress controller for every path Ingress {ingress} routes to {service}"
    fix_title = "Point Ingress {ingress} at a Service and port that exist instead of {service}"

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
                    message = Msg(
                        "Ingress {ingress} routes {path} to Service {service}, which is not defined in {environment}",
                        ingress=route.ingress, path=route.path, service=route.service, environment=env.describe(),
                    )
                    cause = Msg(
                        "No Service {service} exists (Services: {names}), so the controller answers 503.",
                        service=route.service, names=", ".join(names) or Msg("none"),
                    )
                else:
                    ports = [f"{p.get('name') + '=' if p.get('name') else ''}{p.get('port')}" for p in service.get("spec", "ports") or [] if isinstance(p, dict)]
                    message = Msg(
                        "Ingress {ingress} routes {path} to {service}:{port}, but Service {service} has port {ports}",
                        ingress=route.ingress, path=route.path, service=route.service, port=route.port, ports=", ".join(ports) or Msg("none"),
                    )
                    cause = Msg(
                        "Service {service} exposes {ports}; port {port} has no endpoints, so the controller answers 503.",
                        service=route.service, ports=", ".join(ports) or Msg("no ports"), port=route.port,
                    )
                yield self.finding(
                    message,
                    route.backend,
                    evidence={"rule": route.describe(), "environment": env.name},
                    root_cause=cause,
                    facts=BackendFacts(route.ingress, route.service, route.port),
                )


def _has_port(service: Placed, port) -> bool:
    if port is None:
        return True
    for item in service.get("spec", "ports") or []:
        if isinstance(item, dict) and (str(item.get("port")) == str(port) or (item.get("name") and item.get("name") == port)):
            return True
    return False


# -- ING004 ----------------------------------------------------------------------------------------
_AFFINITY = "nginx.ingress.kubernetes.io/affinity"
_WEBSOCKET_ONLY = re.compile(r"transports\s*:\s*\[\s*['\"`]websocket['\"`]\s*\]")


@facts
class SocketFacts(Facts):
    ingress: str
    path: str
    service: str | None
    pods: int


class SocketWithoutAffinity(Check):
    code = "ING004"
    name = "socketio-without-sticky-sessions"
    severity = Severity.WARNING
    scope = "repository"
    summary = "ingress-nginx spreads /socket.io over several pods without sticky sessions: Socket.IO's polling handshake fails."
    why = (
        "Socket.IO opens with HTTP long-polling and upgrades later; every request of that handshake must reach the "
        "pod that created the session. With several replicas behind ingress-nginx and no cookie affinity, the "
        "requests are balanced round-robin and the other pods answer 400 'Session ID unknown': clients reconnect "
        "in a loop and real-time updates arrive late or never."
    )
    example = "Ingress: /socket.io -> ticket-service (replicas: 3), no nginx.ingress.kubernetes.io/affinity: cookie; the client uses the default transports"
    fix = (
        "Add `nginx.ingress.kubernetes.io/affinity: cookie` (and `affinity-mode: persistent`) to the Ingress that routes "
        "/socket.io, or make the client connect with `transports: ['websocket']` only."
    )
    symptom = "Socket.IO clients reconnect in a loop on 400 `Session ID unknown`; real-time updates arrive late or never"
    fix_title = "Add cookie affinity to Ingress {ingress}"
    Facts = SocketFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        socket = next((n for n in needs(ctx) if n.path.startswith(SOCKET_PATH)), None)
        if socket is None or _websocket_only(ctx):
            return
        seen: set[tuple] = set()
        for env in environments(ctx):
            found = routes(env)
            hosts = list(dict.fromkeys(r.host for r in found if not r.default)) or [None]
            for host in hosts:
                route = route_for(found, SOCKET_PATH, host)
                if route is None or route.default:
                    continue
                ingress = env.find("Ingress", route.ingress)
                if ingress is None or not _nginx(ingress) or _sticky(ingress):
                    continue
                service, component = _service_component(ctx, env, route.service)
                if component is None or component.name not in socket.targets:
                    continue
                if service is not None and str(service.get("spec", "sessionAffinity") or "") == "ClientIP":
                    continue
                workload = workload_in(ctx, env, component)
                pods = _most_pods(env, workload) if workload is not None else None
                if pods is None or pods < 2:
                    continue
                key = (route.location.path, route.location.line)
                if key in seen:
                    continue
                seen.add(key)
                yield self.finding(
                    Msg(
                        "Ingress {ingress} balances {path} over up to {pods} pods of {component} without "
                        "sticky sessions: Socket.IO's polling handshake fails with 'Session ID unknown'",
                        ingress=route.ingress, path=route.path, pods=pods, component=component.name,
                    ),
                    route.location,
                    service=component.name,
                    related=[workload.at(("spec", "replicas"), label=f"{workload.kind} {workload.name}")] + ([socket.location] if socket.location else []),
                    evidence={"rule": route.describe(), "pods": pods, "environment": env.name},
                    root_cause=Msg(
                        "The Socket.IO client starts with HTTP long-polling (no `transports: ['websocket']` in the frontend), so "
                        "several requests make one session; ingress-nginx sends them round-robin to {pods} pods of {component} "
                        "(no `{annotation}: cookie` on Ingress {ingress}), and a pod that did not open the session answers 400.",
                        pods=pods, component=component.name, annotation=_AFFINITY, ingress=route.ingress,
                    ),
                    facts=SocketFacts(route.ingress, route.path, route.service, pods),
                )


def _websocket_only(ctx: ScanContext) -> bool:
    """Whether a frontend's Socket.IO client skips polling (`transports: ['websocket']`)."""
    for frontend in (c for c in ctx.catalogue.components if c.role == "frontend"):
        for path in source_files(ctx, frontend):
            text = ctx.repo.text(path)
            if text is not None and "socket.io" in text.text and _WEBSOCKET_ONLY.search(text.text):
                return True
    return False


def _nginx(ingress: Placed) -> bool:
    annotations = ingress.get("metadata", "annotations") or {}
    klass = ingress.get("spec", "ingressClassName") or annotations.get("kubernetes.io/ingress.class")
    if klass is not None:
        return "nginx" in str(klass)
    return any(str(k).startswith("nginx.ingress.kubernetes.io/") for k in annotations)


def _sticky(ingress: Placed) -> bool:
    annotations = ingress.get("metadata", "annotations") or {}
    return str(annotations.get(_AFFINITY, "")).lower() == "cookie" or "nginx.ingress.kubernetes.io/upstream-hash-by" in annotations


def _most_pods(env: Environment, workload: Placed) -> int | None:
    """The most pods the workload runs: its replicas, or its HPA's maxReplicas."""
    counts = []
    replicas = workload.get("spec", "replicas")
    if workload.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        counts.append(replicas if isinstance(replicas, int) else (1 if replicas is None else None))
    for hpa in env.of_kind("HorizontalPodAutoscaler"):
        target = hpa.get("spec", "scaleTargetRef") or {}
        if isinstance(target, dict) and target.get("kind") == workload.kind and target.get("name") == workload.name:
            counts.append(hpa.get("spec", "maxReplicas") if isinstance(hpa.get("spec", "maxReplicas"), int) else None)
    if any(c is None for c in counts) or not counts:
        return None
    return max(counts)


# -- ING005 ----------------------------------------------------------------------------------------
@facts
class RewriteFacts(Facts):
    ingress: str
    path: str
    rewrite_target: str
    received: str
    missing_groups: tuple[int, ...]


class RewriteDropsPath(Check):
    code = "ING005"
    name = "ingress-rewrite-drops-path"
    severity = Severity.ERROR
    scope = "repository"
    summary = "An ingress-nginx `rewrite-target` hands the backend a path it does not route (a dropped prefix, or `$2` with no such capture group)."
    why = (
        "`rewrite-target` replaces the whole request path before it reaches the Service. `rewrite-target: /` sends every "
        "request to `/`; `/$2` with a path that has no second capture group also collapses to `/`; a regex that strips "
        "`/api` is wrong for a backend whose routes start with `/api`. Either way the backend answers 404 (or its index) "
        "for calls the Ingress routes correctly."
    )
    example = "path: /api(/|$)(.*), rewrite-target: /$2 -> the gateway receives /events, but it routes /api/events"
    fix = (
        "Remove the rewrite when the backend routes on the full path; otherwise give the path the capture groups the target "
        "names (`/api(/|$)(.*)` with `pathType: ImplementationSpecific` for `/$2`)."
    )
    symptom = "calls the Ingress routes get 404 (or the index page) from {service}, which receives them as {received}"
    fix_title = "Make rewrite-target {rewrite_target} of Ingress {ingress} keep the path {service} routes on"
    Facts = RewriteFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        calls = frontend_calls(ctx)
        seen: set[tuple] = set()
        for env in environments(ctx):
            found = [r for r in routes(env)]
            if not any(r.rewrite is not None for r in found):
                continue
            hosts = list(dict.fromkeys(r.host for r in found if not r.default)) or [None]
            for host in hosts:
                for call in calls:
                    concrete = call.path.replace(":param", "1")
                    route = route_for(found, concrete, host)
                    if route is None or route.rewrite is None:
                        continue
                    result = route.rewritten(concrete)
                    if result is None:
                        continue
                    target, missing = result
                    key = (route.location.path, route.location.line)
                    if key in seen:
                        continue
                    finding = self._judge(ctx, env, route, call, concrete, target, missing)
                    if finding is not None:
                        seen.add(key)
                        yield finding

    def _judge(self, ctx, env, route: IngressRoute, call, concrete: str, target: str, missing: list[int]) -> Finding | None:
        _, component = _service_component(ctx, env, route.service)
        app = express_app(ctx, component) if component is not None else None
        if missing:
            template = N_(
                "rewrite-target {rewrite} names {groups}, but the path {path} has fewer capture groups: the group is empty "
                "and {sent} reaches {service} as {target}."
            ) if route.regex else N_(
                "rewrite-target {rewrite} names {groups}, but the path {path} has no capture group (nor is it read as a regex): "
                "the group is empty and {sent} reaches {service} as {target}."
            )
            cause = Msg(
                template, rewrite=route.rewrite, groups="$" + ", $".join(map(str, missing)), path=route.path, sent=concrete,
                service=route.service, target=target,
            )
        elif app is not None and app.serves(call.method, call.path) and not app.serves(call.method, _as_call(target)):
            cause = Msg(
                "rewrite-target {rewrite} turns {sent} into {target}; {component} routes {method} {path} but nothing at {target}, so it answers 404.",
                rewrite=route.rewrite, sent=concrete, target=target, component=component.name, method=call.method, path=call.path,
            )
        else:
            return None
        return self.finding(
            Msg(
                "Ingress {ingress} rewrites {path} with rewrite-target {rewrite}: {call} reaches {service} as {target}, which it does not route",
                ingress=route.ingress, path=route.path, rewrite=route.rewrite, call=call.describe(), service=route.service, target=target,
            ),
            route.annotation or route.location,
            service=component.name if component else None,
            related=[route.location, call.location],
            evidence={"rule": route.describe(), "rewrite_target": route.rewrite, "sent": concrete, "received": target, "environment": env.name},
            root_cause=cause,
            facts=RewriteFacts(route.ingress, route.path, route.rewrite, target, tuple(missing)),
        )


def _as_call(path: str) -> str:
    """A rewritten concrete path in the frontend-call form the route tables match (`1` stands for a parameter)."""
    return "/".join(":param" if part == "1" else part for part in path.split("/")) or "/"


CHECKS = (IngressPathUnrouted, IngressPathMisrouted, IngressBackendMissing, SocketWithoutAffinity, RewriteDropsPath)
