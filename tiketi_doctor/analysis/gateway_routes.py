"""A gateway's route table when it is configuration rather than Express code: nginx or Kong.

One reader per gateway kind (nginx.py, kong.py) feeds the same question — which entry answers
a path, and what path reaches which upstream — so the gateway checks (GW001, GW002) ask it the
same way whatever the gateway is written in. An Express gateway keeps its richer reading
(express.py); this table is used for a gateway component whose source holds no Express app.
"""
from __future__ import annotations

import posixpath

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from . import k8s, kong, nginx


@dataclass(frozen=True)
class GatewayRoute:
    kind: str  # nginx | kong
    describe: str  # "location /api/orders", "kong route /api/orders (service orders)"
    location: Location
    proxied: bool  # forwarded to an upstream (False: nginx answers itself: files, index.html, `return`)
    upstream: str | None  # the upstream host (a Service / compose service name); None when unknown (a variable)
    forwarded: str | None  # the path the upstream receives; None when a variable decides it


@dataclass
class RouteTable:
    kind: str
    files: list[str]
    _lookup: object  # path -> GatewayRoute | None

    def route_for(self, path: str) -> GatewayRoute | None:
        return self._lookup(path)


def route_table(ctx: ScanContext, component: Component) -> RouteTable | None:
    return ctx.memo(("gateway-route-table", component.name), lambda: _table(ctx, component))


def _folders(component: Component) -> list[str]:
    found = []
    for path in (component.build_context, component.source, component.package_json, component.dockerfile):
        if not path:
            continue
        folder = posixpath.dirname(path) if path in (component.package_json, component.dockerfile) else path
        folder = posixpath.normpath(folder)
        if folder in (".", ""):
            continue  # the repository root holds every component's files, not this gateway's
        if folder not in found:
            found.append(folder)
        # `web/src` holds the code; nginx.conf and kong.yml sit beside it in `web/`.
        if path == component.source and posixpath.basename(folder) in ("src", "lib", "public", "html", "app"):
            parent = posixpath.dirname(folder)
            if parent and parent != "." and parent not in found:
                found.append(parent)
    return found


def _table(ctx: ScanContext, component: Component) -> RouteTable | None:
    files = sorted({p for folder in _folders(component) for p in ctx.repo.walk(folder) if nginx.is_config(p) or kong.is_config(p)})
    if not files and _runs_kong(component):
        # An image-only Kong gateway (DB-less) reads a declarative config mounted from the repository:
        # the repository's one kong.yml, when it has exactly one.
        declared = [p for p in ctx.repo.walk() if kong.is_config(p)]
        files = declared if len(declared) == 1 else []
    kong_routes: list[kong.KongRoute] = []
    kong_files: list[str] = []
    servers: list[nginx.NginxServer] = []
    nginx_files: list[str] = []
    for path in files:
        if kong.is_config(path):
            docs = k8s.yaml_documents(ctx, path) or []
            read = kong.routes(docs[0], path) if docs else None
            if read is not None:
                kong_routes.extend(read)
                kong_files.append(path)
            continue
        text = ctx.repo.text(path)
        read_servers = nginx.servers(path, text.text) if text is not None else None
        if read_servers is None:
            if text is not None:
                ctx.undecided(f"{path} could not be read as an nginx configuration")
            continue
        servers.extend(s for s in read_servers if s.locations)
        nginx_files.append(path)
    if kong_routes:
        return RouteTable("kong", kong_files, lambda p: _kong_route(kong_routes, p))
    if len(servers) == 1:  # several server blocks: which one the browser reaches depends on names and ports
        return RouteTable("nginx", nginx_files, lambda p: _nginx_route(servers[0], p))
    return None


def _runs_kong(component: Component) -> bool:
    image = (component.image or "").rsplit("/", 1)[-1]
    return image.split(":", 1)[0] in ("kong", "kong-gateway")


def _kong_route(found: list[kong.KongRoute], path: str) -> GatewayRoute | None:
    matched = [(r, r.match(path)) for r in found]
    matched = [(r, m) for r, m in matched if m is not None]
    if not matched:
        return None
    # Kong: regex paths by regex_priority, then plain prefixes, longest first.
    route = max(matched, key=lambda rm: (rm[0].regex, len(rm[1])))[0]
    return GatewayRoute("kong", f"kong route {route.path} (service {route.service})", route.location, True, route.host, route.forwarded(path))


def _nginx_route(server: nginx.NginxServer, path: str) -> GatewayRoute | None:
    loc = server.location_for(path)
    if loc is None:
        return None
    if loc.proxy_pass is None:
        return GatewayRoute("nginx", f"location {loc.modifier + ' ' if loc.modifier else ''}{loc.path}", loc.location, loc.passes, None, None)
    return GatewayRoute("nginx", f"location {loc.modifier + ' ' if loc.modifier else ''}{loc.path}", loc.location, True, loc.upstream_host, loc.forwarded(path))
