"""Who is the gateway and which route prefixes each component owns, from the Express analysis.

The gateway is the application whose code forwards requests to two or more other components
(its proxy routes name their URL variables); failing that, the one an Ingress sends `/api` to,
or the one that mounts clearly the most `/api/*` prefixes. A prefix the gateway forwards to a
component belongs to that component; a prefix it serves with its own handlers is its own. A
service's own mounts at the same depth (`/api/stats` when the gateway forwards `/api/...`
paths unchanged) are added for prefixes the gateway does not route yet.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import field

from ..deferred import dataclass
from ..analysis.express import ExpressApp, express_app
from ..context import ScanContext
from ..model import Location
from .model import listed

HEALTH_SEGMENTS = {"health", "healthz", "livez", "readyz", "ready", "ping", "status", "metrics"}


@dataclass
class Prefix:
    path: str
    where: Location
    via: str = ""  # the URL variable a proxied prefix forwards to


@dataclass
class Topology:
    gateway: str | None = None
    gateway_reason: str = ""
    gateway_doubts: list[str] = field(default_factory=list)
    routes: dict[str, list[Prefix]] = field(default_factory=dict)  # component -> prefixes
    proxied: dict[str, list[Prefix]] = field(default_factory=dict)  # target -> gateway prefixes forwarded there


def static_prefix(path: str) -> str:
    """`/api/stats/*` -> `/api/stats`; `/api/items/:id` -> `/api/items`."""
    kept = []
    for segment in _segments(path):
        if any(ch in segment for ch in "*:(?"):
            break
        kept.append(segment)
    return "/" + "/".join(kept)


def _segments(prefix: str) -> list[str]:
    return [s for s in prefix.split("/") if s]


def analyse(ctx: ScanContext, ingress_api: str | None) -> Topology:
    result = Topology()
    apps: dict[str, ExpressApp] = {}
    for component in ctx.catalogue.components:
        if component.role not in ("infrastructure", "frontend"):
            app = express_app(ctx, component)
            if app is not None:
                apps[component.name] = app
    proxies = {name: _proxied(app, name) for name, app in apps.items()}
    ranked = sorted(proxies.items(), key=lambda item: (-len(item[1]), item[0] != ingress_api, item[0]))
    if ranked and len(ranked[0][1]) >= 2:
        name, targets = ranked[0]
        count = sum(len(p) for p in targets.values())
        first = min((p.where for ps in targets.values() for p in ps), key=lambda w: (w.path, w.line or 0))
        result.gateway = name
        result.gateway_reason = (
            f"forwards {count} prefix{'es' if count != 1 else ''} to {listed(list(targets))} ({first.path}:{first.line})"
        )
    elif ingress_api and ingress_api in apps:
        result.gateway = ingress_api
        result.gateway_reason = f"the Ingress sends /api to {ingress_api}"
        result.gateway_doubts.append(f"{ingress_api}'s code forwards to fewer than two components")
    else:
        counts = Counter({name: len(_own_mounts(app, 2, "api")) for name, app in apps.items()})
        top = counts.most_common(2)
        if top and top[0][1] >= 3 and (len(top) == 1 or top[0][1] > top[1][1]):
            result.gateway = top[0][0]
            result.gateway_reason = f"mounts {top[0][1]} /api/* prefixes, more than any other application"
            result.gateway_doubts.append("no proxy route to another component was found: is it the gateway?")
    taken: dict[str, str] = {}
    depth, first_segment = 2, "api"
    if result.gateway is not None:
        targets = proxies.get(result.gateway, {})
        forwarded = [p for ps in targets.values() for p in ps]
        if forwarded:
            depth = Counter(len(_segments(p.path)) for p in forwarded).most_common(1)[0][0]
            first_segment = Counter(_segments(p.path)[0] for p in forwarded if _segments(p.path)).most_common(1)[0][0]
        for target, prefixes in targets.items():
            for prefix in prefixes:
                if prefix.path not in taken:
                    taken[prefix.path] = target
                    result.routes.setdefault(target, []).append(prefix)
        result.proxied = targets
        for prefix in _own_mounts(apps[result.gateway], depth, first_segment):
            if prefix.path not in taken:
                taken[prefix.path] = result.gateway
                result.routes.setdefault(result.gateway, []).append(prefix)
    for name, app in apps.items():
        if name == result.gateway:
            continue
        for prefix in _own_mounts(app, depth, first_segment):
            if prefix.path not in taken:
                taken[prefix.path] = name
                result.routes.setdefault(name, []).append(prefix)
    return result


def _proxied(app: ExpressApp, own: str) -> dict[str, list[Prefix]]:
    """Target component -> the prefixes this app forwards to it, in mount order (where they are mounted)."""
    found: dict[str, list[Prefix]] = {}
    proxies = []
    for route in app.proxies:
        if route.proxy.component == own:
            continue
        path = route.mount or static_prefix(route.path)
        mount = next((m for m in app.mounts if m.prefix == path), None)
        proxies.append((mount.location if mount else route.location, path, route))
    for where, path, route in sorted(proxies, key=lambda p: (p[0].path, p[0].line or 0, p[0].column or 0)):
        if path in ("", "/") or any(p.path == path for ps in found.values() for p in ps):
            continue
        found.setdefault(route.proxy.component, []).append(Prefix(path, where, route.proxy.variable))
    return found


def _own_mounts(app: ExpressApp, depth: int, first_segment: str) -> list[Prefix]:
    """Mount prefixes at `depth` under `/first_segment` served by the app's own handlers (no proxy)."""
    found: list[Prefix] = []
    by_mount: dict[str, list] = {}  # routes by the prefix of the router declaring them: grouped once, not per mount
    for route in app.routes:
        by_mount.setdefault(route.mount, []).append(route)
    for mount in app.mounts:
        segments = _segments(mount.prefix)
        if len(segments) != depth or (depth > 1 and segments[0] != first_segment) or segments[-1] in HEALTH_SEGMENTS:
            continue
        under = [r for key, routes in by_mount.items() if key == mount.prefix or key.startswith(mount.prefix + "/") for r in routes]
        under += [r for r in by_mount.get("", []) if r.path.startswith(mount.prefix + "/")]  # app.get('/api/x/y') beside the mount
        if any(r.proxy is not None for r in under) or not any(r.kind == "handler" for r in under):
            continue
        if all(p.path != mount.prefix for p in found):
            found.append(Prefix(mount.prefix, mount.location))
    return found

