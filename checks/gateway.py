"""GW: the gateway is the single entry point; every path the frontend calls must be routed to something that serves it."""
from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from tiketi_doctor.analysis import routepaths
from tiketi_doctor.analysis.express import ExpressApp, Route, express_app
from tiketi_doctor.analysis.frontend_calls import FrontendCall, frontend_api
from tiketi_doctor.analysis.gateway_routes import RouteTable, route_table
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
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
    return ", ".join(items[:MAX_LISTED]) + f" and {len(items) - MAX_LISTED} more"


def _call_params(calls: list[FrontendCall]) -> list[dict]:
    return [
        {
            "method": c.method, "path": c.path, "file": c.location.path, "line": c.location.line,
            "column": c.location.column, "written": c.written, "used_by": [str(loc) for loc in c.callers],
        }
        for c in calls
    ]


def _callers(calls: list[FrontendCall]) -> list[Location]:
    """Where the helper functions around the calls are used (pages), a few at most."""
    seen: list[Location] = []
    for call in calls:
        for loc in call.callers:
            if loc not in seen:
                seen.append(loc)
    return seen[:MAX_LISTED]


def _route_params(route: Route) -> dict:
    return {"method": route.method, "path": route.path, "file": route.file, "line": route.location.line}


@dataclass
class OwnerFacts:
    """What the catalogue and the owner's own source say about a group of paths."""

    prefix: str
    owner: Component | None
    known: bool = False  # the owner's routes were read
    served: list[tuple[FrontendCall, Route]] = field(default_factory=list)
    unserved: list[FrontendCall] = field(default_factory=list)

    def phrase(self, gateway: Component) -> str:
        owner = self.owner
        if owner is None:
            return f"No component of the catalogue owns {self.prefix}."
        if owner.name == gateway.name:
            text = f"The catalogue says {gateway.name} serves {self.prefix} itself"
        else:
            url = f"{owner.url_env}, default {owner.url_default}" if owner.url_env else (owner.url_default or "no URL variable")
            text = f"The catalogue gives {self.prefix} to {owner.name} ({url})"
        if not self.known:
            return text + f"; {owner.name}'s own routes could not be read."
        if self.served and not self.unserved:
            sites = ", ".join(f"{r.describe()} at {r.location.path}:{r.location.line}" for _, r in self.served[:MAX_LISTED])
            return text + f", which serves {sites}."
        if self.served:
            missing = _listed([c.describe() for c in self.unserved])
            return text + f"; it serves some of these paths but not {missing}."
        return text + f", but {owner.name} does not serve these paths either."

    def params(self) -> dict:
        owner = self.owner
        return {
            "owner": owner.name if owner else None,
            "owner_role": owner.role if owner else None,
            "url_env": owner.url_env if owner else None,
            "url_default": owner.url_default if owner else None,
            "owner_routes_known": self.known,
            "owner_serves": [
                {"method": c.method, "path": c.path, "route": _route_params(r)} for c, r in self.served
            ],
            "owner_does_not_serve": [{"method": c.method, "path": c.path} for c in self.unserved] if self.known else [],
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


def proxy_style(app: ExpressApp) -> dict | None:
    """How the gateway's existing proxy routes are written, for a fixer to follow."""
    proxies = [r for r in app.proxies if r.mount]
    if not proxies:
        return None
    helpers = Counter(r.proxy.helper for r in proxies if r.proxy.helper)
    example = proxies[0]
    return {
        "example_route": _route_params(example),
        "example_handler": example.handler,
        "helper": helpers.most_common(1)[0][0] if helpers else None,
        "forwards": example.proxy.forwards,
    }


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
            if answered is not None:
                outcome = f"{answered.describe} ({answered.location.path}:{answered.location.line}) answers {'it' if len(found) == 1 else 'them'} itself"
            else:
                outcome = f"{'it gets' if len(found) == 1 else 'they get'} 404"
            message = f"{gateway.name} ({table.kind}, {where}) forwards nothing under {prefix}: {listed}; {outcome}"
            cause = (
                f"The frontend sends {'this request' if len(found) == 1 else 'these requests'} to the gateway through "
                f"{found[0].client}, but no {'location with proxy_pass' if table.kind == 'nginx' else 'Kong route'} in {where} "
                f"matches {prefix}"
                + (f", so {answered.describe} serves the UI's files (or index.html) instead of the API" if answered is not None else ", so the gateway answers 404")
                + "."
            )
            if owner is not None and owner.name != gateway.name:
                cause += f" The catalogue gives {prefix} to {owner.name} ({owner.k8s_service or owner.name}:{owner.port})."
            yield self.finding(
                message,
                found[0].location,
                service=gateway.name,
                related=[c.location for c in found[1:]] + _callers(found) + ([answered.location] if answered is not None else []),
                evidence={"calls": [_call_ref(c) for c in found], "gateway_config": table.files, "kind": table.kind, "owner": owner.name if owner else None},
                root_cause=cause,
                params={
                    "kind": f"{table.kind}-unrouted", "gateway": gateway.name, "prefix": prefix, "calls": _call_params(found),
                    "config": table.files, "owner": owner.name if owner else None, "url_default": owner.url_default if owner else None,
                    "answered_at": {"path": answered.location.path, "line": answered.location.line} if answered is not None else None,
                },
                remediation=rebuild_commands(ctx.catalogue, gateway),
            )

    def _missing_mount(self, ctx, gateway: Component, app: ExpressApp, prefix: str, calls: list[FrontendCall]) -> Finding:
        _, owner = owned_prefix(ctx, calls[0].path)
        facts = owner_facts(ctx, prefix, owner, calls)
        block = mount_block(app)
        mounted = [m.prefix for m in app.mounts if m.prefix and m.location.path == block.path]
        listed = _listed([_call_ref(c) for c in calls])
        message = (
            f"{gateway.name} routes nothing under {prefix}: {listed} "
            f"{'gets' if len(calls) == 1 else 'get'} 404 from the gateway (no mount for {prefix} in {block.path})"
        )
        cause = (
            f"The frontend sends {'this request' if len(calls) == 1 else 'these requests'} to the gateway "
            f"through {calls[0].client}, but {block.path} mounts no router at {prefix}"
            + (f" (it mounts {', '.join(mounted)}; the last at line {block.line})" if mounted else "")
            + f", so the gateway answers 404. {facts.phrase(gateway)}"
        )
        if owner is not None and owner.name != gateway.name:
            cause += f" A route file forwarding {prefix}/* to {owner.url_env or owner.name}, mounted next to the others, fixes it."
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
            params={
                "kind": "missing-mount",
                "gateway": gateway.name,
                "prefix": prefix,
                "calls": _call_params(calls),
                "server_file": block.path,
                "insert_after_line": block.line,
                "mount_example": block.label,
                "route_dir": route_dirs.most_common(1)[0][0] if route_dirs else posixpath.dirname(block.path),
                "proxy_style": proxy_style(app),
                **facts.params(),
            },
            remediation=rebuild_commands(ctx.catalogue, gateway),
        )

    def _missing_handler(self, ctx, gateway: Component, app: ExpressApp, file: str, calls: list[FrontendCall]) -> Finding:
        call = calls[0]
        prefix, owner = owned_prefix(ctx, call.path)
        mount = app.mount_for(call.path)
        facts = owner_facts(ctx, prefix, owner, calls[:1])
        in_file = app.routes_in(file)
        mount_prefix = mount.prefix if mount is not None else ""
        handled = _listed([f"{r.method} {r.relative_path}" for r in in_file]) or "nothing"
        other_methods = sorted({r.method for r in app.routes if r.path and routepaths.matches(r.path, call.path)} - {call.method})
        where = f"{file}, mounted at {mount_prefix} ({mount.location.path}:{mount.location.line})" if mount else file
        sites = ", ".join(f"{c.location.path}:{c.location.line}" for c in calls)
        message = (
            f"{call.method} {call.path} ({sites}) has no handler in {gateway.name}: {where} "
            f"handles only {handled}; 404 predicted"
        )
        relative = routepaths.strip_prefix(mount_prefix, call.path) if mount_prefix else call.path
        cause = (
            f"The frontend calls {call.method} {call.path} on the gateway through {call.client}. "
            f"{file} is where requests under {mount_prefix or prefix} go, but it declares no "
            f"`router.{call.method.lower()}('{relative}', ...)` (nor a catch-all), so Express falls through to 404."
        )
        if other_methods:
            cause += f" The path is routed for {', '.join(other_methods)} only."
        cause += " " + facts.phrase(gateway)
        proxies = [r for r in in_file if r.proxy is not None]
        forwarding = None
        if proxies:
            target = proxies[0].proxy
            forwarding = {
                "component": target.component,
                "variable": target.variable,
                "handler": proxies[0].handler,
                "bound_at": str(target.bound_at) if target.bound_at else None,
            }
            cause += (
                f" The file already forwards {proxies[0].method} {proxies[0].relative_path} to {target.component} with "
                f"`{proxies[0].handler}`; the same handler serves the missing route."
            )
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
            params={
                "kind": "missing-handler",
                "gateway": gateway.name,
                "method": call.method,
                "path": call.path,
                "route_path": relative,
                "route_file": file,
                "mount_prefix": mount_prefix,
                "mount_at": {"path": mount.location.path, "line": mount.location.line} if mount else None,
                "insert_after_line": last.line if last else None,
                "existing_routes": [
                    {"method": r.method, "path": r.relative_path, "line": r.location.line, "handler": r.handler} for r in in_file
                ],
                "forwarding": forwarding,
                "calls": _call_params(calls),
                "prefix": prefix,
                **facts.params(),
            },
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
            sent = _listed([f"{c.method} {c.path} as {f}" for c, f in items])
            served = _listed([r.describe() for r in target_app.routes if r.kind == "handler"])
            yield self.finding(
                f"{gateway.name} ({route.describe} at {route.location.path}:{route.location.line}) forwards {sent} to "
                f"{target_name}, which has no such route: the service answers 404",
                calls[0].location,
                service=gateway.name,
                related=[route.location] + [c.location for c in calls[1:]] + _callers(calls),
                evidence={"gateway_route": f"{route.describe} at {route.location}", "target": target_name, "forwarded": [f for _, f in items]},
                root_cause=(
                    f"{route.location.path}:{route.location.line} ({route.describe}) passes the request to {route.upstream} "
                    f"as {items[0][1]}; {target_name} serves {served or 'no routes'}, not that path"
                    + (" — the gateway strips or rewrites the prefix the service routes on." if items[0][1] != items[0][0].path else ".")
                ),
                params={"gateway": gateway.name, "target": target_name, "gateway_route": route.describe, "forwarded_path": items[0][1], "calls": _call_params(calls)},
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
        via = f" as {forwarded}" if forwarded != entry.path else ""
        message = (
            f"{gateway.name} forwards {subject} to {target.name}{via} "
            f"({route.location.path}:{route.location.line}), but {target.name} has no such route: the service answers 404"
        )
        cause = (
            f"{route.location.path}:{route.location.line} passes {route.describe()} to {target.name} "
            f"({proxy.variable}{', via ' + proxy.helper if proxy.helper else ''}). "
        )
        wanted = f"{entry.method if entry.method != 'ALL' else 'any method on'} {forwarded}"
        if prefix_routes:
            cause += (
                f"{target.name} serves {_listed([f'{r.method} {r.path}' for r in prefix_routes])} "
                f"({mount.location.path}:{mount.location.line} mounts {mount.prefix}), but not {wanted}."
            )
        else:
            others = [r.describe() for r in target_app.routes if r.kind == "handler"]
            cause += f"{target.name} has no route for {wanted}" + (f"; it serves {_listed(others)}." if others else ".")
        if proxy.forwards == "unknown":
            cause += " How the gateway rewrites the path could not be read; neither the full nor the stripped path is served."
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
            params={
                "gateway": gateway.name,
                "target": target.name,
                "method": entry.method,
                "path": entry.path,
                "forwarded_path": forwarded,
                "forwards": proxy.forwards,
                "gateway_route": _route_params(route),
                "target_mount": {"prefix": mount.prefix, "path": mount.location.path, "line": mount.location.line, "router_file": mount.file}
                if mount else None,
                "calls": _call_params(entry.calls),
            },
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
            whose = f"{gateway.name} itself"
        else:
            whose = owner.name
        message = f"The catalogue gives {prefix} to {whose}, but {gateway.name} mounts nothing for it ({block.path})"
        parts = [f"Every request under {prefix} reaches the gateway, finds no route and gets 404"]
        if owner.name != gateway.name:
            url = f"{owner.url_env} (default {owner.url_default})" if owner.url_env else owner.url_default
            parts.append(f"{owner.name} is reachable at {url}" if url else f"{owner.name} has no URL variable in the catalogue")
        if served:
            parts.append(f"{owner.name} serves {_listed([r.describe() for r in served])}")
        elif known:
            parts.append(f"{owner.name} serves nothing under {prefix} yet")
        if calls:
            parts.append(f"the frontend calls {_listed([_call_ref(c) for c in calls])}")
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
            root_cause="; ".join(parts) + ".",
            params={
                "gateway": gateway.name,
                "prefix": prefix,
                "owner": owner.name,
                "url_env": owner.url_env,
                "url_default": owner.url_default,
                "server_file": block.path,
                "insert_after_line": block.line,
                "mount_example": block.label,
                "proxy_style": proxy_style(app),
                "owner_serves": [_route_params(r) for r in served],
                "calls": _call_params(calls),
            },
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
