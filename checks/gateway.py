"""GW: the gateway is the single entry point; every path the frontend calls must be routed to something that serves it."""
from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import field
from typing import Iterable

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis import routepaths
from tiketi_doctor.analysis.express import ExpressApp, Route, express_app
from tiketi_doctor.analysis.frontend_calls import FrontendCall, frontend_api
from tiketi_doctor.analysis.gateway_routes import RouteTable, route_table
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands

MAX_LISTED = 4


def is_gateway(component: Component) -> bool:
    return component.role == "gateway"


def gateway_app(ctx: ScanContext, gateway: Component) -> ExpressApp | None:
    app = express_app(ctx, gateway)
    if app is None and route_table(ctx, gateway) is None:
        ctx.undecided(f"no Express app, nginx or Kong configuration was found in {gateway.source or gateway.name}'s folders, so its routes are unknown")
    return app


def _concrete(path: str) -> str:
    """A frontend call path as a request a configured gateway matches (`:param` stands for `1`)."""
    return path.replace(routepaths.CALL_PARAM, "1")


def _as_call_path(path: str) -> str:
    return "/".join(routepaths.CALL_PARAM if part == "1" else part for part in path.split("/")) or "/"


def mount_block(app: ExpressApp) -> Location:
    """Where the gateway's prefix mounts are: its last `app.use(prefix, ...)` on the app itself,
    the place a new mount goes."""
    server_files = {loc.path for loc in app.apps}
    own = [m for m in app.mounts if m.prefix and m.location.path in server_files and m.prefix.count("/") <= 2]
    if not own:
        own = [m for m in app.mounts if m.prefix and m.location.path in server_files]
    if own:
        return max(own, key=lambda m: (m.location.line or 0)).location
    return app.apps[0]


def owned_prefix(ctx: ScanContext, path: str) -> tuple[str, Component | None]:
    """The prefix a path belongs to: the catalogue owner's, else /api/<name> (or /<name>)."""
    owner = ctx.catalogue.owner_of_route(path)
    if owner is not None:
        best = max(
            (p for p in owner.routes if path == p or path.startswith(p.rstrip("/") + "/")),
            key=len,
        )
        return best, owner
    segments = routepaths.call_segments(path)
    if len(segments) >= 2 and segments[0] == "api" and not segments[1].startswith(":"):
        return f"/api/{segments[1]}", None
    return ("/" + segments[0]) if segments and not segments[0].startswith(":") else "/", None


def _call_ref(call: FrontendCall) -> str:
    return f"{call.method} {call.path} ({call.location.path}:{call.location.line})"


def _listed(items: list[str]) -> str:
    if len(items) <= MAX_LISTED:
        return ", ".join(items)
    return Msg("{items} and {count} more", items=", ".join(items[:MAX_LISTED]), count=len(items) - MAX_LISTED)


# -- the facts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallFacts:
    """A frontend call: method, path, where it is written (and as what), and the pages that use it."""

    method: str
    path: str
    file: str = ""
    line: int | None = None
    column: int | None = None
    written: str | None = None
    used_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteRef:
    """An Express route: method, path, file and line."""

    method: str
    path: str
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class MethodPath:
    method: str
    path: str


@dataclass(frozen=True)
class ServedCall:
    """A call the owner serves, and its route there."""

    method: str
    path: str
    route: RouteRef


@dataclass(frozen=True)
class FileLine:
    path: str
    line: int | None = None


@dataclass(frozen=True)
class ProxyStyle:
    """How the gateway's existing proxy routes are written (see `proxy_style`)."""

    example_route: RouteRef
    example_handler: str | None = None
    helper: str | None = None
    forwards: str | None = None


@dataclass(frozen=True)
class Forwarding:
    """What a route file already forwards to: component, URL variable, handler expression, where the URL is bound."""

    component: str | None = None
    variable: str | None = None
    handler: str | None = None
    bound_at: str | None = None


@dataclass(frozen=True)
class ExistingRoute:
    method: str
    path: str
    line: int | None = None
    handler: str | None = None


@dataclass(frozen=True)
class TargetMount:
    prefix: str | None
    path: str
    line: int | None = None
    router_file: str | None = None


class _KeyedFacts(Facts):
    """Facts of several kinds of finding: `params()` gives exactly the keys of this finding's kind."""

    def keys(self) -> tuple[str, ...]:
        raise NotImplementedError

    def params(self):
        data = super().params()
        return {k: data[k] for k in self.keys()}

    @property
    def call(self) -> str:
        """The first call as a request: "GET /api/stats/overview"."""
        calls = getattr(self, "calls", None) or ()
        return f"{calls[0].method} {calls[0].path}" if calls else ""

    @property
    def requests(self) -> str:
        return ", ".join(f"{c.method} {c.path}" for c in getattr(self, "calls", None) or ())


_OWNER_KEYS = ("owner", "owner_role", "url_env", "url_default", "owner_routes_known", "owner_serves", "owner_does_not_serve")
_GW001_KEYS = {
    "missing-mount": ("kind", "gateway", "prefix", "calls", "server_file", "insert_after_line", "mount_example", "route_dir",
                      "proxy_style", *_OWNER_KEYS),
    "missing-handler": ("kind", "gateway", "method", "path", "route_path", "route_file", "mount_prefix", "mount_at",
                        "insert_after_line", "existing_routes", "forwarding", "calls", "prefix", *_OWNER_KEYS),
    "unrouted": ("kind", "gateway", "prefix", "calls", "config", "owner", "url_default", "answered_at"),
}


@facts
class UnroutedFacts(_KeyedFacts):
    """GW001, by kind: a prefix the Express gateway mounts nothing for (missing-mount), a method and path a mounted
    route file lacks (missing-handler), or a prefix an nginx/Kong gateway forwards nowhere (nginx-/kong-unrouted);
    with the calls, what the fixer needs, and what the catalogue and the owner say."""

    kind: str
    gateway: str
    prefix: str | None = None
    calls: tuple[CallFacts, ...] = ()
    server_file: str | None = None
    insert_after_line: int | None = None
    mount_example: str | None = None
    route_dir: str | None = None
    proxy_style: ProxyStyle | None = None
    method: str | None = None
    path: str | None = None
    route_path: str | None = None
    route_file: str | None = None
    mount_prefix: str | None = None
    mount_at: FileLine | None = None
    existing_routes: tuple[ExistingRoute, ...] = ()
    forwarding: Forwarding | None = None
    config: tuple[str, ...] = ()
    answered_at: FileLine | None = None
    owner: str | None = None
    owner_role: str | None = None
    url_env: str | None = None
    url_default: str | None = None
    owner_routes_known: bool = False
    owner_serves: tuple[ServedCall, ...] = ()
    owner_does_not_serve: tuple[MethodPath, ...] = ()

    def keys(self):
        return _GW001_KEYS["unrouted" if self.kind.endswith("-unrouted") else self.kind]

    @property
    def owner_name(self) -> str:
        return self.owner or "?"


@facts
class ForwardFacts(_KeyedFacts):
    """GW002: the gateway, the target it forwards to, the path the target receives and the calls; from an Express
    gateway also the method, the path the gateway receives, how it forwards and the target's mount."""

    gateway: str
    target: str
    forwarded_path: str
    gateway_route: RouteRef | str
    calls: tuple[CallFacts, ...] = ()
    method: str | None = None
    path: str | None = None
    forwards: str | None = None
    target_mount: TargetMount | None = None

    def keys(self):
        if self.method is None:  # an nginx or Kong route
            return ("gateway", "target", "gateway_route", "forwarded_path", "calls")
        return ("gateway", "target", "method", "path", "forwarded_path", "forwards", "gateway_route", "target_mount", "calls")

    @property
    def call(self) -> str:
        return f"{self.method} {self.path}" if self.method is not None else super().call


@facts
class PrefixFacts(_KeyedFacts):
    """GW003: the prefix, its owner and how to reach it, where the gateway mounts routes, and who calls or serves it."""

    gateway: str
    prefix: str
    owner: str
    url_env: str | None = None
    url_default: str | None = None
    server_file: str | None = None
    insert_after_line: int | None = None
    mount_example: str | None = None
    proxy_style: ProxyStyle | None = None
    owner_serves: tuple[RouteRef, ...] = ()
    calls: tuple[CallFacts, ...] = ()

    def keys(self):
        return ("gateway", "prefix", "owner", "url_env", "url_default", "server_file", "insert_after_line", "mount_example",
                "proxy_style", "owner_serves", "calls")


def _call_params(calls: list[FrontendCall]) -> tuple[CallFacts, ...]:
    return tuple(
        CallFacts(c.method, c.path, c.location.path, c.location.line, c.location.column, c.written, tuple(str(loc) for loc in c.callers))
        for c in calls
    )


def _callers(calls: list[FrontendCall]) -> list[Location]:
    """Where the helper functions around the calls are used (pages), a few at most."""
    seen: list[Location] = []
    for call in calls:
        for loc in call.callers:
            if loc not in seen:
                seen.append(loc)
    return seen[:MAX_LISTED]


def _route_params(route: Route) -> RouteRef:
    return RouteRef(route.method, route.path, route.file, route.location.line)


@dataclass
class OwnerFacts:
    """What the catalogue and the owner's own source say about a group of paths."""

    prefix: str
    owner: Component | None
    known: bool = False  # the owner's routes were read
    served: list[tuple[FrontendCall, Route]] = field(default_factory=list)
    unserved: list[FrontendCall] = field(default_factory=list)

    def phrase(self, gateway: Component) -> Msg:
        owner = self.owner
        if owner is None:
            return Msg("No component of the catalogue owns {prefix}.", prefix=self.prefix)
        if owner.name == gateway.name:
            text = Msg("The catalogue says {gateway} serves {prefix} itself", gateway=gateway.name, prefix=self.prefix)
        else:
            url = (Msg("{variable}, default {url}", variable=owner.url_env, url=owner.url_default) if owner.url_env
                   else (owner.url_default or Msg("no URL variable")))
            text = Msg("The catalogue gives {prefix} to {owner} ({url})", prefix=self.prefix, owner=owner.name, url=url)
        if not self.known:
            return Msg("{text}; {owner}'s own routes could not be read.", text=text, owner=owner.name)
        if self.served and not self.unserved:
            sites = Joined([Msg("{route} at {location}", route=r.describe(), location=f"{r.location.path}:{r.location.line}")
                            for _, r in self.served[:MAX_LISTED]], ", ")
            return Msg("{text}, which serves {sites}.", text=text, sites=sites)
        if self.served:
            missing = _listed([c.describe() for c in self.unserved])
            return Msg("{text}; it serves some of these paths but not {missing}.", text=text, missing=missing)
        return Msg("{text}, but {owner} does not serve these paths either.", text=text, owner=owner.name)

    def params(self) -> dict:
        """The owner's fields of `UnroutedFacts`."""
        owner = self.owner
        return {
            "owner": owner.name if owner else None,
            "owner_role": owner.role if owner else None,
            "url_env": owner.url_env if owner else None,
            "url_default": owner.url_default if owner else None,
            "owner_routes_known": self.known,
            "owner_serves": tuple(ServedCall(c.method, c.path, _route_params(r)) for c, r in self.served),
            "owner_does_not_serve": tuple(MethodPath(c.method, c.path) for c in self.unserved) if self.known else (),
        }

    @property
    def related(self) -> list[Location]:
        seen, result = set(), []
        for _, route in self.served:
            if route.location not in seen:
                seen.add(route.location)
                result.append(route.location)
        return result


def owner_facts(ctx: ScanContext, prefix: str, owner: Component | None, calls: list[FrontendCall]) -> OwnerFacts:
    facts = OwnerFacts(prefix, owner)
    if owner is None:
        return facts
    app = express_app(ctx, owner)
    if app is None:
        return facts
    facts.known = True
    for call in calls:
        route = app.serves(call.method, call.path)
        if route is not None and route.proxy is None:
            facts.served.append((call, route))
        else:
            facts.unserved.append(call)
    return facts


def proxy_style(app: ExpressApp) -> ProxyStyle | None:
    """How the gateway's existing proxy routes are written, for a fixer to follow."""
    proxies = [r for r in app.proxies if r.mount]
    if not proxies:
        return None
    helpers = Counter(r.proxy.helper for r in proxies if r.proxy.helper)
    example = proxies[0]
    return ProxyStyle(_route_params(example), example.handler, helpers.most_common(1)[0][0] if helpers else None, example.proxy.forwards)


# -- GW001 ----------------------------------------------------------------------------------
class FrontendCallNotRouted(Check):
    code = "GW001"
    name = "frontend-call-not-routed"
    severity = Severity.ERROR
    fixable = True
    summary = "The frontend calls a path that no gateway route serves (Express mounts, nginx locations, Kong routes): the request gets 404."
    why = (
        "The browser talks only to the gateway. A path the frontend calls but the gateway does not route — no "
        "`app.use(prefix, ...)` mount for it, or a mounted router without that method and path — is answered "
        "404 by the gateway, although the service that owns the data may serve it perfectly well. The page "
        "shows an error and nothing in the service's logs explains why."
    )
    example = (
        "frontend/src/pages/AdminStats.js: api.get('/stats/overview')  (baseURL `${API_URL}/api`)\n"
        "backend/src/server.js: no app.use('/api/stats', ...) -> GET /api/stats/overview is 404"
    )
    fix = (
        "Missing mount: add a route file that forwards the prefix to the owning service "
        "(`router.all('/*', ...)` to `process.env.STATS_SERVICE_URL || 'http://stats-service:3004'`, answering 503 "
        "when the service is down) and mount it next to the others in the gateway's server file. Missing handler: "
        "add `router.<method>('<path>', ...)` forwarding to the service in the mounted route file. Then rebuild "
        "and roll out the gateway."
    )
    Facts = UnroutedFacts
    symptom = "{call} → 404 from the gateway"
    fix_title = "Route {requests} in {gateway}"

    def applies_to(self, component: Component) -> bool:
        return is_gateway(component)

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        api = frontend_api(ctx)
        if not api.calls:
            return
        app = gateway_app(ctx, component)
        if app is None:
            table = route_table(ctx, component)
            if table is not None:
                yield from self._by_table(ctx, component, table, api.calls)
            return
        unrouted = [c for c in api.calls if not app.routes_for(c.method, c.path)]
        if unrouted and app.unresolved:
            ctx.undecided(f"{component.name} has mounts that could not be read ({'; '.join(app.unresolved)})")
            return
        missing_mounts: dict[str, list[FrontendCall]] = {}
        missing_handlers: dict[tuple[str, str, str], list[FrontendCall]] = {}
        for call in unrouted:
            mount = app.mount_for(call.path)
            if mount is not None and mount.file is not None:
                missing_handlers.setdefault((mount.file, call.method, call.path), []).append(call)
                continue
            prefix, _ = owned_prefix(ctx, call.path)
            declared = [r for r in app.under(prefix) if r.kind == "handler"]
            if declared:
                missing_handlers.setdefault((declared[0].file, call.method, call.path), []).append(call)
            else:
                missing_mounts.setdefault(prefix, []).append(call)
        for prefix, calls in missing_mounts.items():
            yield self._missing_mount(ctx, component, app, prefix, calls)
        for (file, method, path), calls in missing_handlers.items():
            yield self._missing_handler(ctx, component, app, file, calls)

    def _by_table(self, ctx, gateway: Component, table: RouteTable, calls: list[FrontendCall]) -> Iterable[Finding]:
        """A gateway written as nginx or Kong configuration: a call no entry forwards is not routed."""
        missing: dict[str, list[tuple[FrontendCall, object]]] = {}
        for call in calls:
            route = table.route_for(_concrete(call.path))
            if route is None or not route.proxied:
                prefix, _ = owned_prefix(ctx, call.path)
                missing.setdefault(prefix, []).append((call, route))
        for prefix, items in missing.items():
            found = [c for c, _ in items]
            answered = next((r for _, r in items if r is not None), None)
            _, owner = owned_prefix(ctx, found[0].path)
            listed = _listed([_call_ref(c) for c in found])
            where = ", ".join(table.files)
            one = len(found) == 1
            if answered is not None:
                fields = dict(route=answered.describe, location=f"{answered.location.path}:{answered.location.line}")
                outcome = Msg("{route} ({location}) answers it itself", **fields) if one else Msg("{route} ({location}) answers them itself", **fields)
            else:
                outcome = Msg("it gets 404") if one else Msg("they get 404")
            message = Msg("{gateway} ({kind}, {where}) forwards nothing under {prefix}: {calls}; {outcome}", gateway=gateway.name,
                          kind=table.kind, where=where, prefix=prefix, calls=listed, outcome=outcome)
            cause = Msg(
                "The frontend sends {requests} to the gateway through {client}, but no {entry} in {where} matches {prefix}{result}.",
                requests=Msg("this request") if one else Msg("these requests"), client=found[0].client,
                entry=Msg("location with proxy_pass") if table.kind == "nginx" else Msg("Kong route"), where=where, prefix=prefix,
                result=Msg(", so {route} serves the UI's files (or index.html) instead of the API", route=answered.describe)
                if answered is not None else Msg(", so the gateway answers 404"),
            )
            if owner is not None and owner.name != gateway.name:
                cause = Msg("{cause} The catalogue gives {prefix} to {owner} ({address}).", cause=cause, prefix=prefix, owner=owner.name,
                            address=f"{owner.k8s_service or owner.name}:{owner.port}")
            yield self.finding(
                message,
                found[0].location,
                service=gateway.name,
                related=[c.location for c in found[1:]] + _callers(found) + ([answered.location] if answered is not None else []),
                evidence={"calls": [_call_ref(c) for c in found], "gateway_config": table.files, "kind": table.kind, "owner": owner.name if owner else None},
                root_cause=cause,
                facts=UnroutedFacts(
                    f"{table.kind}-unrouted", gateway.name, prefix, _call_params(found), config=tuple(table.files),
                    owner=owner.name if owner else None, url_default=owner.url_default if owner else None,
                    answered_at=FileLine(answered.location.path, answered.location.line) if answered is not None else None,
                ),
                remediation=rebuild_commands(ctx.catalogue, gateway),
            )

    def _missing_mount(self, ctx, gateway: Component, app: ExpressApp, prefix: str, calls: list[FrontendCall]) -> Finding:
        _, owner = owned_prefix(ctx, calls[0].path)
        facts = owner_facts(ctx, prefix, owner, calls)
        block = mount_block(app)
        mounted = [m.prefix for m in app.mounts if m.prefix and m.location.path == block.path]
        listed = _listed([_call_ref(c) for c in calls])
        one = len(calls) == 1
        fields = dict(gateway=gateway.name, prefix=prefix, calls=listed, path=block.path)
        message = (Msg("{gateway} routes nothing under {prefix}: {calls} gets 404 from the gateway (no mount for {prefix} in {path})", **fields)
                   if one else
                   Msg("{gateway} routes nothing under {prefix}: {calls} get 404 from the gateway (no mount for {prefix} in {path})", **fields))
        cause = Msg(
            "The frontend sends {requests} to the gateway through {client}, but {path} mounts no router at {prefix}{mounted}, "
            "so the gateway answers 404. {owner}",
            requests=Msg("this request") if one else Msg("these requests"), client=calls[0].client, path=block.path, prefix=prefix,
            mounted=Msg(" (it mounts {prefixes}; the last at line {line})", prefixes=", ".join(mounted), line=block.line) if mounted else "",
            owner=facts.phrase(gateway),
        )
        if owner is not None and owner.name != gateway.name:
            cause = Msg("{cause} A route file forwarding {prefix} to {target}, mounted next to the others, fixes it.", cause=cause,
                        prefix=f"{prefix}/*", target=owner.url_env or owner.name)
        route_dirs = Counter(posixpath.dirname(m.file) for m in app.mounts if m.file and m.file != block.path)
        return self.finding(
            message,
            calls[0].location,
            service=gateway.name,
            related=[c.location for c in calls[1:]] + _callers(calls) + [block] + facts.related,
            evidence={
                "calls": [_call_ref(c) for c in calls],
                "gateway_mounts": mounted,
                "last_mount": str(block),
                "owner": owner.name if owner else None,
                "owner_serves": [f"{r.describe()} at {r.location}" for _, r in facts.served],
            },
            root_cause=cause,
            facts=UnroutedFacts(
                "missing-mount", gateway.name, prefix, _call_params(calls), server_file=block.path, insert_after_line=block.line,
                mount_example=block.label, route_dir=route_dirs.most_common(1)[0][0] if route_dirs else posixpath.dirname(block.path),
                proxy_style=proxy_style(app), **facts.params(),
            ),
            remediation=rebuild_commands(ctx.catalogue, gateway),
        )

    def _missing_handler(self, ctx, gateway: Component, app: ExpressApp, file: str, calls: list[FrontendCall]) -> Finding:
        call = calls[0]
        prefix, owner = owned_prefix(ctx, call.path)
        mount = app.mount_for(call.path)
        facts = owner_facts(ctx, prefix, owner, calls[:1])
        in_file = app.routes_in(file)
        mount_prefix = mount.prefix if mount is not None else ""
        handled = _listed([f"{r.method} {r.relative_path}" for r in in_file]) or Msg("nothing")
        other_methods = sorted({r.method for r in app.routes if r.path and routepaths.matches(r.path, call.path)} - {call.method})
        where = (Msg("{file}, mounted at {prefix} ({location})", file=file, prefix=mount_prefix, location=f"{mount.location.path}:{mount.location.line}")
                 if mount else file)
        sites = ", ".join(f"{c.location.path}:{c.location.line}" for c in calls)
        message = Msg("{call} ({sites}) has no handler in {gateway}: {where} handles only {handled}; 404 predicted",
                      call=f"{call.method} {call.path}", sites=sites, gateway=gateway.name, where=where, handled=handled)
        relative = routepaths.strip_prefix(mount_prefix, call.path) if mount_prefix else call.path
        parts = [Msg(
            "The frontend calls {call} on the gateway through {client}. {file} is where requests under {prefix} go, but it declares no "
            "`{route}` (nor a catch-all), so Express falls through to 404.",
            call=f"{call.method} {call.path}", client=call.client, file=file, prefix=mount_prefix or prefix,
            route=f"router.{call.method.lower()}('{relative}', ...)",
        )]
        if other_methods:
            parts.append(Msg("The path is routed for {methods} only.", methods=", ".join(other_methods)))
        parts.append(facts.phrase(gateway))
        proxies = [r for r in in_file if r.proxy is not None]
        forwarding = None
        if proxies:
            target = proxies[0].proxy
            forwarding = Forwarding(target.component, target.variable, proxies[0].handler, str(target.bound_at) if target.bound_at else None)
            parts.append(Msg(
                "The file already forwards {route} to {component} with `{handler}`; the same handler serves the missing route.",
                route=f"{proxies[0].method} {proxies[0].relative_path}", component=target.component, handler=proxies[0].handler,
            ))
        cause = Joined(parts, " ")
        last = max(in_file, key=lambda r: r.location.line or 0).location if in_file else None
        related = [c.location for c in calls[1:]] + _callers(calls)
        related += [loc for loc in (last, mount.location if mount else None) if loc is not None]
        related += facts.related
        return self.finding(
            message,
            call.location,
            service=gateway.name,
            related=related,
            evidence={
                "calls": [_call_ref(c) for c in calls],
                "route_file": file,
                "mount": f"{mount_prefix} at {mount.location}" if mount else None,
                "routes_in_file": [f"{r.method} {r.relative_path} at {r.location.path}:{r.location.line}" for r in in_file],
                "owner": owner.name if owner else None,
                "owner_serves": [f"{r.describe()} at {r.location}" for _, r in facts.served],
            },
            root_cause=cause,
            facts=UnroutedFacts(
                "missing-handler", gateway.name, prefix, _call_params(calls), insert_after_line=last.line if last else None,
                method=call.method, path=call.path, route_path=relative, route_file=file, mount_prefix=mount_prefix,
                mount_at=FileLine(mount.location.path, mount.location.line) if mount else None,
                existing_routes=tuple(ExistingRoute(r.method, r.relative_path, r.location.line, r.handler) for r in in_file),
                forwarding=forwarding, **facts.params(),
            ),
            remediation=rebuild_commands(ctx.catalogue, gateway),
        )


# -- GW002 ----------------------------------------------------------------------------------
@dataclass
class _Forward:
    route: Route
    method: str
    path: str  # the path the gateway receives
    forwarded: list[str]  # what the target receives
    calls: list[FrontendCall] = field(default_factory=list)


class ProxyTargetMissingRoute(Check):
    code = "GW002"
    name = "proxy-target-missing-route"
    severity = Severity.ERROR
    summary = "The gateway (Express, nginx or Kong) forwards a path to a service that does not serve it: the service answers 404."
    why = (
        "A proxy route passes requests on without knowing whether the target serves them. When the frontend "
        "calls a path under a forwarded prefix that the service has no route for (or the gateway forwards a "
        "specific route to the wrong service), the request crosses the gateway and dies with the service's 404 "
        "— which looks like a gateway problem from the browser."
    )
    example = (
        "backend/src/routes/events.js: router.all('/*', forward(TICKET_SERVICE_URL))\n"
        "frontend: api.get(`/events/${id}/seats`); ticket-service has no GET /api/events/:id/seats"
    )
    fix = (
        "Add the route to the service (or correct the path the frontend calls, or forward the prefix to the "
        "service that owns it per the catalogue), rebuild and roll out."
    )
    Facts = ForwardFacts
    symptom = "{call} → 404 from {target}"
    fix_title = "Serve {forwarded_path} in {target}, or forward the call to the service that owns it"

    def applies_to(self, component: Component) -> bool:
        return is_gateway(component)

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        app = gateway_app(ctx, component)
        if app is None:
            table = route_table(ctx, component)
            if table is not None:
                yield from self._by_table(ctx, component, table)
            return
        proxies = app.proxies
        if not proxies:
            return
        forwards: dict[tuple[str, str, str], _Forward] = {}
        for route in proxies:
            if route.kind == "handler" and not routepaths.has_wildcard(route.path):
                path = route.path
                key = (route.proxy.component, route.method, path)
                forwards.setdefault(key, _Forward(route, route.method, path, route.proxy.forwarded_paths(path, route.mount)))
        for call in frontend_api(ctx).calls:
            route = app.serves(call.method, call.path)
            if route is None or route.proxy is None:
                continue
            key = (route.proxy.component, call.method, call.path)
            if not routepaths.has_wildcard(route.path):
                key = (route.proxy.component, route.method, route.path)
            entry = forwards.setdefault(
                key, _Forward(route, call.method, call.path, route.proxy.forwarded_paths(call.path, route.mount))
            )
            entry.calls.append(call)
        unknown: set[str] = set()
        for (target_name, method, path), entry in forwards.items():
            target = ctx.catalogue.component(target_name)
            target_app = express_app(ctx, target) if target is not None else None
            if target_app is None:
                unknown.add(target_name)
                continue
            if self._served(target_app, method, entry.forwarded):
                continue
            if target_app.unresolved:
                ctx.undecided(f"{target_name} has mounts that could not be read ({'; '.join(target_app.unresolved)})")
                continue
            yield self._finding(ctx, component, target, target_app, entry)
        for name in sorted(unknown):
            ctx.undecided(f"the routes of {name} are unknown (no Express app in its source), so what it serves cannot be compared")

    def _by_table(self, ctx, gateway: Component, table: RouteTable) -> Iterable[Finding]:
        """A gateway written as nginx or Kong configuration: the path it forwards must be one the upstream serves."""
        grouped: dict[tuple, list[tuple[FrontendCall, str]]] = {}
        routes_by_key: dict[tuple, object] = {}
        for call in frontend_api(ctx).calls:
            route = table.route_for(_concrete(call.path))
            if route is None or route.upstream is None or route.forwarded is None:
                continue
            target = ctx.catalogue.by_host(route.upstream)
            target_app = express_app(ctx, target) if target is not None else None
            if target_app is None:
                continue
            forwarded = _as_call_path(route.forwarded)
            if target_app.serves(call.method, forwarded) or target_app.unresolved:
                continue
            key = (route.location, target.name)
            routes_by_key.setdefault(key, route)
            grouped.setdefault(key, []).append((call, forwarded))
        for key, items in grouped.items():
            route, target_name = routes_by_key[key], key[1]
            target = ctx.catalogue.component(target_name)
            target_app = express_app(ctx, target)
            calls = [c for c, _ in items]
            sent = _listed([Msg("{call} as {path}", call=f"{c.method} {c.path}", path=f) for c, f in items])
            served = _listed([r.describe() for r in target_app.routes if r.kind == "handler"])
            yield self.finding(
                Msg("{gateway} ({route} at {location}) forwards {sent} to {target}, which has no such route: the service answers 404",
                    gateway=gateway.name, route=route.describe, location=f"{route.location.path}:{route.location.line}", sent=sent,
                    target=target_name),
                calls[0].location,
                service=gateway.name,
                related=[route.location] + [c.location for c in calls[1:]] + _callers(calls),
                evidence={"gateway_route": f"{route.describe} at {route.location}", "target": target_name, "forwarded": [f for _, f in items]},
                root_cause=Msg(
                    "{location} ({route}) passes the request to {upstream} as {path}; {target} serves {served}, not that path{why}",
                    location=f"{route.location.path}:{route.location.line}", route=route.describe, upstream=route.upstream, path=items[0][1],
                    target=target_name, served=served or Msg("no routes"),
                    why=Msg(" — the gateway strips or rewrites the prefix the service routes on.") if items[0][1] != items[0][0].path else ".",
                ),
                facts=ForwardFacts(gateway.name, target_name, items[0][1], route.describe, _call_params(calls)),
                remediation=rebuild_commands(ctx.catalogue, target),
            )

    @staticmethod
    def _served(app: ExpressApp, method: str, paths: list[str]) -> bool:
        for path in paths:
            probe = _as_call(path)
            if method == "ALL":
                if any(routepaths.matches(r.path, probe) for r in app.routes):
                    return True
            elif app.routes_for(method, probe):
                return True
        return False

    def _finding(self, ctx, gateway: Component, target: Component, target_app: ExpressApp, entry: _Forward) -> Finding:
        route = entry.route
        proxy = route.proxy
        forwarded = entry.forwarded[0]
        mount = target_app.mount_for(forwarded)
        prefix_routes = target_app.under(mount.prefix) if mount is not None else []
        if entry.calls and routepaths.has_wildcard(route.path):
            # A catch-all proxy is fine in itself: the called path is what the service lacks.
            location = entry.calls[0].location
            sites = ", ".join(f"{c.location.path}:{c.location.line}" for c in entry.calls)
            subject = f"{entry.method} {entry.path} ({sites})"
        else:
            location = route.location
            subject = f"{route.method} {entry.path}"
        message = Msg(
            "{gateway} forwards {subject} to {target}{via} ({location}), but {target} has no such route: the service answers 404",
            gateway=gateway.name, subject=subject, target=target.name, via=Msg(" as {path}", path=forwarded) if forwarded != entry.path else "",
            location=f"{route.location.path}:{route.location.line}",
        )
        passes = Msg("{location} passes {route} to {target} ({variable}{helper}).", location=f"{route.location.path}:{route.location.line}",
                     route=route.describe(), target=target.name, variable=proxy.variable,
                     helper=Msg(", via {helper}", helper=proxy.helper) if proxy.helper else "")
        wanted = f"{entry.method} {forwarded}" if entry.method != "ALL" else Msg("any method on {path}", path=forwarded)
        if prefix_routes:
            lacks = Msg("{target} serves {routes} ({location} mounts {prefix}), but not {wanted}.", target=target.name,
                        routes=_listed([f"{r.method} {r.path}" for r in prefix_routes]), location=f"{mount.location.path}:{mount.location.line}",
                        prefix=mount.prefix, wanted=wanted)
        else:
            others = [r.describe() for r in target_app.routes if r.kind == "handler"]
            lacks = (Msg("{target} has no route for {wanted}; it serves {routes}.", target=target.name, wanted=wanted, routes=_listed(others))
                     if others else Msg("{target} has no route for {wanted}.", target=target.name, wanted=wanted))
        parts = [passes, lacks]
        if proxy.forwards == "unknown":
            parts.append(Msg("How the gateway rewrites the path could not be read; neither the full nor the stripped path is served."))
        cause = Joined(parts, " ")
        related = [c.location for c in entry.calls if c.location != location] + _callers(entry.calls)
        if location != route.location:
            related.append(route.location)
        if mount is not None:
            related.append(mount.location)
        return self.finding(
            message,
            location,
            service=gateway.name,
            related=related,
            evidence={
                "gateway_route": f"{route.describe()} at {route.location}",
                "target": target.name,
                "forwarded_path": forwarded,
                "target_routes": [f"{r.method} {r.path} at {r.location.path}:{r.location.line}" for r in prefix_routes],
                "calls": [_call_ref(c) for c in entry.calls],
            },
            root_cause=cause,
            facts=ForwardFacts(
                gateway.name, target.name, forwarded, _route_params(route), _call_params(entry.calls), method=entry.method, path=entry.path,
                forwards=proxy.forwards,
                target_mount=TargetMount(mount.prefix, mount.location.path, mount.location.line, mount.file) if mount else None,
            ),
            remediation=rebuild_commands(ctx.catalogue, target),
        )


def _as_call(pattern: str) -> str:
    """A route pattern as a concrete call path: parameters become :param."""
    parts = []
    for segment in routepaths.call_segments(pattern):
        parts.append(routepaths.CALL_PARAM if segment.startswith(":") else segment)
    return "/" + "/".join(parts)


# -- GW003 ----------------------------------------------------------------------------------
class UnroutedPrefix(Check):
    code = "GW003"
    name = "unrouted-prefix"
    severity = Severity.WARNING
    summary = "A route prefix the catalogue gives to a component is not mounted by the gateway at all."
    why = (
        "The catalogue says which component owns which API prefix. When the gateway — the only way in — mounts "
        "nothing for a prefix, the component is unreachable from the frontend: every request under it gets 404, "
        "however healthy the service is. This is the shape of a proxy route that was never written."
    )
    example = "catalogue: stats-service routes [/api/stats]; backend/src/server.js has no app.use('/api/stats', ...)"
    fix = (
        "Add a proxy route file for the prefix (forwarding to the owner's URL variable with its default) and mount "
        "it in the gateway's server file; or, if the prefix is obsolete, remove it from the catalogue."
    )
    Facts = PrefixFacts
    symptom = "{call} → 404: the gateway mounts nothing under {prefix}"
    symptom_uncalled = "every request under {prefix} → 404: the gateway mounts nothing for it"
    fix_title = "Mount {prefix} in {gateway}, forwarding to {owner}"

    def which_symptom(self, finding):
        """Name the request when the frontend makes one under the prefix."""
        facts = PrefixFacts.of(finding)
        return self.symptom if facts is not None and facts.calls else self.symptom_uncalled

    def applies_to(self, component: Component) -> bool:
        return is_gateway(component)

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        owners = [c for c in ctx.catalogue.components if c.routes]
        if not owners:
            return
        app = gateway_app(ctx, component)
        if app is None:
            return
        calls = frontend_api(ctx).calls
        mounted = routepaths.PrefixOverlaps([m.prefix for m in app.mounts if m.prefix])
        routed = routepaths.PrefixOverlaps([r.path for r in app.routes if r.kind != "static"])
        for owner in owners:
            for prefix in owner.routes:
                if mounted.any_overlaps(prefix) or routed.any_overlaps(prefix):
                    continue
                under = [c for c in calls if routepaths.matches_prefix(prefix, c.path)]
                owner_app = express_app(ctx, owner)
                served = owner_app.under(prefix) if owner_app is not None else []
                if owner_app is not None and not served and not under:
                    continue  # nobody serves or calls it: a stale catalogue entry, not a missing route
                if app.unresolved:
                    ctx.undecided(f"{component.name} has mounts that could not be read ({'; '.join(app.unresolved)})")
                    continue
                yield self._finding(ctx, component, app, owner, prefix, under, served, owner_app is not None)

    def _finding(self, ctx, gateway, app, owner: Component, prefix: str, calls, served: list[Route], known: bool) -> Finding:
        block = mount_block(app)
        location = self._catalogue_location(ctx, owner) or block
        if owner.name == gateway.name:
            whose = Msg("{gateway} itself", gateway=gateway.name)
        else:
            whose = owner.name
        message = Msg("The catalogue gives {prefix} to {owner}, but {gateway} mounts nothing for it ({path})", prefix=prefix, owner=whose,
                      gateway=gateway.name, path=block.path)
        parts = [Msg("Every request under {prefix} reaches the gateway, finds no route and gets 404", prefix=prefix)]
        if owner.name != gateway.name:
            url = Msg("{variable} (default {url})", variable=owner.url_env, url=owner.url_default) if owner.url_env else owner.url_default
            parts.append(Msg("{owner} is reachable at {url}", owner=owner.name, url=url) if url else
                         Msg("{owner} has no URL variable in the catalogue", owner=owner.name))
        if served:
            parts.append(Msg("{owner} serves {routes}", owner=owner.name, routes=_listed([r.describe() for r in served])))
        elif known:
            parts.append(Msg("{owner} serves nothing under {prefix} yet", owner=owner.name, prefix=prefix))
        if calls:
            parts.append(Msg("the frontend calls {calls}", calls=_listed([_call_ref(c) for c in calls])))
        related = [block] if location != block else []
        related += [r.location for r in served[:MAX_LISTED]]
        related += [c.location for c in calls[:MAX_LISTED]]
        return self.finding(
            message,
            location,
            service=gateway.name,
            related=related,
            evidence={
                "prefix": prefix,
                "owner": owner.name,
                "gateway_mounts": [m.prefix for m in app.mounts if m.prefix and m.location.path == block.path],
                "owner_serves": [f"{r.describe()} at {r.location}" for r in served],
                "frontend_calls": [_call_ref(c) for c in calls],
            },
            root_cause=Msg("{parts}.", parts=Joined(parts, "; ")),
            facts=PrefixFacts(
                gateway.name, prefix, owner.name, owner.url_env, owner.url_default, block.path, block.line, block.label, proxy_style(app),
                tuple(_route_params(r) for r in served), _call_params(calls),
            ),
        )

    @staticmethod
    def _catalogue_location(ctx: ScanContext, owner: Component) -> Location | None:
        """The owner's `routes:` entry when the catalogue is a file of the repository."""
        file, line = owner.declared_at
        if not file or ctx.catalogue.origin == "builtin" or file.startswith("<"):
            return None
        path = ctx.repo.rel(file)
        if path.startswith(("/", "..")) or not ctx.repo.exists(path):
            return None
        routes_line = ctx.catalogue.lines.get((owner.name, "routes")) or line
        return Location(path, routes_line, label=f"{owner.name} routes: {', '.join(owner.routes)}")


CHECKS = (FrontendCallNotRouted, ProxyTargetMissingRoute, UnroutedPrefix)
