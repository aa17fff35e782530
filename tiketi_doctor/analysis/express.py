"""What an Express application serves: every route with its full path, every mount,
and which routes forward requests to another component (a gateway's proxies).

Read from the syntax tree: `express()` apps and `express.Router()` routers,
`app.use(prefix, require('./routes/x'))`, routers mounted inside routers,
`router.get/post/.../all(path, ...)`, `router.route(path).get(...)`, and
`express.static`. A mount whose handler cannot be read (a missing file, a proxy
middleware) is kept as an opaque route under its prefix, so nothing is reported
as unserved only because it could not be analysed.

A route is a proxy when its handler passes the incoming request on to a URL bound
to a catalogue component (`process.env.STATS_SERVICE_URL || 'http://stats-service:3004'`,
matched by url_env or by host): `${URL}${req.originalUrl}`, a helper that forwards
(`forward(AUTH_SERVICE_URL)` from src/lib/proxy.js), a proxy package
(`createProxyMiddleware({ target: URL })`). Calling a service at a path of its own
choosing (`${URL}/internal/x`) is business logic, not proxying.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import TYPE_CHECKING, Callable

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.javascript import SOURCE_SUFFIXES, env_name, shared_query, string_value
from . import routepaths
from .image import package_json
from .jsbindings import (
    DYNAMIC,
    Bindings,
    bindings,
    components_by_url_env,
    is_function,
    join_paths,
    object_property,
    require_specifier,
    resolve_identifier,
    split_url,
    static_text,
)
from .resolution import resolve_import
from .source import source_files

if TYPE_CHECKING:
    from tree_sitter import Node

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "all")
ROUTER_METHODS = HTTP_METHODS + ("use",)

_MEMBER_CALLS = shared_query("""
(call_expression
    function: (member_expression object: (_) @object property: (property_identifier) @method)
    arguments: (arguments) @args) @call
""")
_NODE_SCRIPT = re.compile(r"\bnode(?:mon)?\s+(?:--?[\w-]+(?:=\S+)?\s+)*([\w./-]+\.m?c?js)\b")
_REQUEST_PATH = re.compile(r"\b(?:req|request)\.(?:url|path)\b|\bparams\[0\]")


@dataclass(frozen=True)
class ProxyTarget:
    """Where a gateway route forwards to, and how the forwarded path is built."""

    component: str
    variable: str  # the expression naming the URL, e.g. STATS_SERVICE_URL
    url_env: str | None
    url_default: str | None
    bound_at: Location | None  # where the URL variable is defined
    # "original": the full request path (req.originalUrl); "stripped": the path below the mount
    # (req.url, req.path); "prefixed": rewrite_prefix + the path below the mount; "unknown".
    forwards: str
    rewrite_prefix: str = ""
    helper: str | None = None  # "forward (backend/src/lib/proxy.js:6)" when a helper does the forwarding

    def forwarded_paths(self, path: str, mount: str) -> list[str]:
        """The path(s) the target receives for a request to `path` through a router mounted at `mount`."""
        below = routepaths.strip_prefix(mount, path) if mount else path
        if self.forwards == "original":
            return [path]
        if self.forwards == "stripped":
            return [below]
        if self.forwards == "prefixed":
            return [join_paths(self.rewrite_prefix, below)]
        return [path, below]


@dataclass(frozen=True)
class Route:
    method: str  # GET, POST, ... or ALL
    path: str  # the full path pattern, mount prefixes included: /api/events/:id
    location: Location  # the registration call (router.get(...))
    mount: str  # the full prefix of the router it is declared on ("" for the app itself)
    kind: str = "handler"  # handler | static | opaque (an unread middleware or module under a prefix)
    # The proxy target, or a function that reads it: most routes are never asked (only a gateway's
    # are), and following a handler's names into helper modules is the dearest part of the analysis.
    proxy_source: ProxyTarget | Callable[[], ProxyTarget | None] | None = field(default=None, compare=False, repr=False)
    handler: str = ""  # source text of the last handler argument, e.g. "toPaymentService"

    @property
    def proxy(self) -> ProxyTarget | None:
        value = self.proxy_source
        if callable(value):
            value = value()
            object.__setattr__(self, "proxy_source", value)  # read once
        return value

    @property
    def file(self) -> str:
        return self.location.path

    @property
    def relative_path(self) -> str:
        """The path as written in its router: the full path without the mount prefix."""
        return routepaths.strip_prefix(self.mount, self.path) if self.mount else self.path

    def handles(self, method: str, path: str) -> bool:
        if not _method_matches(self.method, method):
            return False
        return routepaths.matches(self.path, path)

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Mount:
    prefix: str  # full prefix
    location: Location  # the use() call
    file: str | None  # the module whose router is mounted there (None: an unread middleware or module)
    router: str | None = None  # the router's name in that module

    def covers(self, path: str) -> bool:
        return routepaths.matches_prefix(self.prefix, path)


@dataclass
class ExpressApp:
    component: str
    apps: list[Location]  # where express() is called
    routes: list[Route] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    def routes_for(self, method: str, path: str, static: bool = True) -> list[Route]:
        """Routes that answer `method path`; `static=False` leaves out express.static folders,
        which answer only for files that exist."""
        return [r for r in self.routes if r.handles(method, path) and (static or r.kind != "static")]

    def serves(self, method: str, path: str, static: bool = True) -> Route | None:
        """The route that answers `method path`, preferring a specific handler over catch-alls."""
        found = self.routes_for(method, path, static)
        if not found:
            return None
        return min(found, key=lambda r: (routepaths.has_wildcard(r.path), r.kind != "handler"))

    def mount_for(self, path: str) -> Mount | None:
        """The deepest mount whose prefix covers `path`."""
        covering = [m for m in self.mounts if m.prefix and m.covers(path)]
        return max(covering, key=lambda m: len(routepaths.parse_pattern(m.prefix)), default=None)

    def under(self, prefix: str) -> list[Route]:
        """Routes that can serve something at or below `prefix`."""
        return [r for r in self.routes if routepaths.overlaps_prefix(r.path, prefix)]

    def routes_in(self, file: str) -> list[Route]:
        return [r for r in self.routes if r.file == file]

    def mounts_in(self, file: str) -> list[Mount]:
        return [m for m in self.mounts if m.location.path == file]

    @property
    def proxies(self) -> list[Route]:
        return [r for r in self.routes if r.proxy is not None]


def express_app(ctx: ScanContext, component: Component) -> ExpressApp | None:
    """The component's Express application, or None when its source holds none (or cannot be read)."""
    return ctx.memo(("express-app", component.name), lambda: _Analysis(ctx, component).run())


def app_files(ctx: ScanContext, component: Component) -> list[str]:
    """The component's source files plus its entry file when that lives outside the source folder
    (a React frontend served by a `server.js` next to package.json)."""
    files = list(source_files(ctx, component))
    pkg = package_json(ctx, component.package_json)
    if pkg is not None:
        base = posixpath.dirname(pkg.path)
        entries = []
        if isinstance(pkg.data.get("main"), str):
            entries.append(pkg.data["main"])
        scripts = pkg.data.get("scripts")
        if isinstance(scripts, dict) and isinstance(scripts.get("start"), str):
            entries += _NODE_SCRIPT.findall(scripts["start"])
        for entry in entries:
            path = posixpath.normpath(posixpath.join(base, entry))
            if path not in files and ctx.repo.exists(path) and path.endswith(SOURCE_SUFFIXES):
                files.append(path)
    return files


def _method_matches(route_method: str, method: str) -> bool:
    return route_method in ("ALL", method) or (route_method == "GET" and method == "HEAD")


def node_location(path: str, b: Bindings, node: Node, label_limit: int = 100) -> Location:
    line, column = b.module.position(node)
    text = node.text
    # The first line only: a registration's text holds its whole handler.
    label = text[: text.find(b"\n")] if b"\n" in text else text
    label = label.decode("utf-8", "replace").strip() if text else None
    if label and len(label) > label_limit:
        label = label[: label_limit - 1] + "…"
    return Location(path, line, column, label=label)


# -- routers ---------------------------------------------------------------------------
def _express_names(b: Bindings) -> tuple[set[str], set[str]]:
    """Local names of the express module, and of its Router export."""
    modules, routers = set(), set()
    for imp in b.imports.values():
        if imp.specifier != "express":
            continue
        if imp.name in ("module", "default", "*"):
            modules.add(imp.local)
        elif imp.name == "Router":
            routers.add(imp.local)
    return modules or {"express"}, routers or {"Router"}


def router_kind(b: Bindings, node: Node | None) -> str | None:
    """"app" for `express()`, "router" for `express.Router()` / `Router()`, else None."""
    if node is None:
        return None
    if node.type == "new_expression":
        node = node.child_by_field_name("constructor")
        return router_kind(b, node) if node is not None else None
    if node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    if fn is None:
        return None
    express, routers = _express_names(b)
    text = fn.text.decode()
    if fn.type == "identifier" and text in express:
        return "app"
    if fn.type == "identifier" and text in routers:
        return "router"
    if fn.type == "member_expression":
        obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
        is_express = obj is not None and (obj.text.decode() in express or require_specifier(obj) == "express")
        if is_express and prop is not None and prop.text == b"Router":  # express.Router(), require('express').Router()
            return "router"
    return None


def routers_of(b: Bindings) -> dict[str, str]:
    """Name -> "app" | "router" for every router this module creates."""
    cached = getattr(b, "_routers", None)
    if cached is None:
        cached = {name: kind for name, node in b.declarations.items() if (kind := router_kind(b, node))}
        b._routers = cached  # type: ignore[attr-defined]
    return cached


def exported_router(b: Bindings, name: str) -> str | None:
    """The router a module exports under `name` ("default"/"module" for module.exports)."""
    routers = routers_of(b)
    if not routers:
        return None
    node = b.exported("default" if name in ("module", "default") else name)
    if node is not None and node.type in ("identifier", "shorthand_property_identifier"):
        if node.text.decode() in routers:
            return node.text.decode()
    if len(routers) == 1:  # also a factory: module.exports = (deps) => { const router = ...; return router; }
        return next(iter(routers))
    return None


# -- the analysis ----------------------------------------------------------------------
class _Analysis:
    def __init__(self, ctx: ScanContext, component: Component):
        self.ctx = ctx
        self.component = component
        self.result: ExpressApp | None = None
        self.visited: set[tuple[str, str, str]] = set()
        self.reached: set[tuple[str, str]] = set()
        self.aliases: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def run(self) -> ExpressApp | None:
        files = app_files(self.ctx, self.component)
        apps: list[tuple[str, str, Location]] = []
        for path in files:
            b = bindings(self.ctx, path)
            if b is None:
                continue
            for name, kind in routers_of(b).items():
                if kind == "app":
                    apps.append((path, name, node_location(path, b, b.declarations[name])))
            self._collect_aliases(b)
        if not apps:
            return None
        self.result = ExpressApp(self.component.name, [loc for _, _, loc in apps])
        for path, name, _ in apps:
            if (path, name) not in self.reached:
                self._walk(path, name, "")
        return self.result

    def _collect_aliases(self, b: Bindings) -> None:
        """`const app = require('./app')` elsewhere: registrations on that name belong to the same router."""
        for imp in b.imports.values():
            if imp.path is None:
                continue
            other = bindings(self.ctx, imp.path)
            if other is None:
                continue
            target = exported_router(other, imp.name)
            if target is not None and routers_of(other).get(target) == "app":
                self.aliases.setdefault((imp.path, target), []).append((b.path, imp.local))

    # -- registrations ---------------------------------------------------------------
    def _walk(self, path: str, name: str, prefix: str) -> None:
        key = (path, name, prefix)
        if key in self.visited or len(self.visited) > 500:
            return
        self.visited.add(key)
        self.reached.add((path, name))
        for owner_path, local in [(path, name)] + self.aliases.get((path, name), []):
            b = bindings(self.ctx, owner_path)
            if b is None:
                continue
            for call, method, args in self._registrations(b, local):
                if method == "use":
                    self._use(b, call, args, prefix)
                else:
                    self._route(b, call, method, args, prefix)

    def _registrations(self, b: Bindings, name: str) -> list[tuple[Node, str, list[Node]]]:
        found = []
        for call, method in _member_calls(b.module).get(name, []):
            if method in ROUTER_METHODS:
                found.append((call, method, _args(call)))
            elif method == "route":
                found.extend(self._route_chain(call))
        return sorted(found, key=lambda item: item[0].start_byte)

    def _route_chain(self, route_call: Node) -> list[tuple[Node, str, list[Node]]]:
        """`router.route('/x').get(a).post(b)` -> registrations of '/x' for GET and POST."""
        args = _args(route_call)
        if not args:
            return []
        chain, node = [], route_call
        while node.parent is not None and node.parent.type == "member_expression":
            member = node.parent
            prop = member.child_by_field_name("property")
            call = member.parent
            if prop is None or call is None or call.type != "call_expression":
                break
            method = prop.text.decode()
            if method in HTTP_METHODS:
                chain.append((call, method, [args[0]] + _args(call)))
            node = call
        return chain

    def _route(self, b: Bindings, call: Node, method: str, args: list[Node], prefix: str) -> None:
        if len(args) < 2:
            return  # app.get('setting') reads a setting; a route needs a handler
        handlers = args[1:]
        proxy = lambda: self._proxy(b, handlers)  # noqa: E731 - read when a check asks
        location = node_location(b.path, b, call)
        handler = handlers[-1].text.decode("utf-8", "replace").splitlines()[0][:80]
        paths = self._paths(b, args[0])
        if paths is None:  # a regex or computed path: it may serve anything below the prefix
            self._add(Route(method.upper(), join_paths(prefix, "/*"), location, prefix, "opaque", proxy, handler))
            return
        for path in paths:
            self._add(Route(method.upper(), join_paths(prefix, path), location, prefix, "handler", proxy, handler))

    def _use(self, b: Bindings, call: Node, args: list[Node], prefix: str) -> None:
        if not args:
            return
        paths = self._paths(b, args[0])
        handlers = args[1:] if paths is not None else args
        if paths is None:
            if _looks_like_path(args[0]):
                where = node_location(b.path, b, call)
                self.result.unresolved.append(f"{where}: the mount path {args[0].text.decode()[:60]} cannot be read")
                return
            paths = [""]
        if not handlers:
            return
        location = node_location(b.path, b, call)
        for sub in paths:
            full = join_paths(prefix, sub) if sub not in ("", "/") else prefix
            mounted = False
            unresolved = None
            for handler in handlers:
                target = self._router_ref(b, handler)
                if isinstance(target, tuple):
                    self.result.mounts.append(Mount(full, location, target[0], target[1]))
                    self._walk(target[0], target[1], full)
                    mounted = True
                elif target == "static":
                    self._add(Route("GET", join_paths(full, "/*"), location, full, "static"))
                    mounted = True
                elif target is not None:
                    unresolved = target
            if mounted:
                continue
            proxy = self._proxy(b, handlers)
            if proxy is None and unresolved is None and not (sub not in ("", "/") and _package_handler(b, handlers[-1])):
                continue  # plain middleware (cors, json, auth, a 404 handler)
            if unresolved is not None:
                self.result.unresolved.append(f"{location}: {unresolved}")
            if full:
                self.result.mounts.append(Mount(full, location, None))
            handler = handlers[-1].text.decode("utf-8", "replace").splitlines()[0][:80]
            self._add(Route("ALL", join_paths(full, "/*"), location, full, "opaque", proxy, handler))

    def _add(self, route: Route) -> None:
        self.result.routes.append(route)

    def _paths(self, b: Bindings, node: Node) -> list[str] | None:
        """Literal route path(s) of a registration's first argument; None when not a readable path."""
        if node.type == "array":
            values = [self._paths(b, item) for item in node.named_children if item.type != "comment"]
            if any(v is None for v in values):
                return None
            return [p for v in values for p in v]
        if node.type in ("string", "template_string", "identifier", "binary_expression", "member_expression"):
            if node.type in ("identifier", "member_expression") and not _const_string(self.ctx, b, node):
                return None
            text = static_text(self.ctx, b, node)
            if not text.startswith(("/", "*")) and text != "":
                return None
            return [text.replace(DYNAMIC, ":param")]
        return None

    def _router_ref(self, b: Bindings, node: Node):
        """(file, router name) of a mounted router; "static"; an unresolved-module note; or None."""
        routers = routers_of(b)
        if node.type == "identifier":
            name = node.text.decode()
            if name in routers:
                return (b.path, name)
            imported = b.imports.get(name)
            if imported is not None:
                return self._module_router(b, imported.specifier, imported.path, imported.name)
            return None
        if node.type == "call_expression":
            if router_kind(b, node) is not None:
                return None  # an inline, empty router
            specifier = require_specifier(node)
            if specifier is not None:
                return self._module_router(b, specifier, resolve_import(self.ctx, b.path, specifier), "module")
            fn = node.child_by_field_name("function")
            if fn is not None and fn.type == "member_expression":
                prop = fn.child_by_field_name("property")
                if prop is not None and prop.text == b"static":
                    return "static"
            if fn is not None and fn.type == "identifier":  # a factory: createRouter(deps)
                imported = b.imports.get(fn.text.decode())
                if imported is not None and imported.path is not None:
                    return self._module_router(b, imported.specifier, imported.path, imported.name)
        return None

    def _module_router(self, b: Bindings, specifier: str, path: str | None, name: str):
        if not specifier.startswith("."):
            return None  # a package: middleware, not this app's routes
        if path is None:
            return f"{specifier} (required by {b.path}) does not exist"
        other = bindings(self.ctx, path)
        if other is None:
            return f"{path} cannot be parsed"
        router = exported_router(other, name)
        if router is None:
            return None  # a middleware module
        return (path, router)

    # -- proxies -----------------------------------------------------------------------
    def _proxy(self, b: Bindings, handlers: list[Node]) -> ProxyTarget | None:
        return _ProxyReader(self.ctx, self.component).read(b, handlers)


def _member_calls(module) -> dict[str, list[tuple[Node, str]]]:
    """`name.method(...)` calls of a module by the name they are made on (read once per module:
    a module is walked for each router and alias it holds)."""
    key = ("express-member-calls",)
    found = module._cache.get(key)
    if found is None:
        found = {}
        for call in module.query(_MEMBER_CALLS).get("call", []):
            fn = call.child_by_field_name("function")
            obj = fn.child_by_field_name("object") if fn is not None else None
            prop = fn.child_by_field_name("property") if fn is not None else None
            if obj is not None and prop is not None and obj.type == "identifier":
                found.setdefault(obj.text.decode(), []).append((call, prop.text.decode()))
        module._cache[key] = found
    return found


def _args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


def _looks_like_path(node: Node) -> bool:
    return node.type in ("string", "template_string", "array", "regex")


def _const_string(ctx: ScanContext, b: Bindings, node: Node) -> bool:
    """Whether a name stands for a string written in the code (a path constant, not a middleware)."""
    if node.type == "identifier":
        target = resolve_identifier(ctx, b, node.text.decode())
        return target is not None and target[1].type in ("string", "template_string", "binary_expression")
    return DYNAMIC not in static_text(ctx, b, node)


class _ProxyReader:
    """Finds the component a handler forwards to, following names into helper modules."""

    def __init__(self, ctx: ScanContext, component: Component):
        self.ctx = ctx
        self.component = component

    def read(self, b: Bindings, handlers: list[Node]) -> ProxyTarget | None:
        code = self._code(b, handlers)
        refs = []
        for owner, node in code:
            refs.extend(self._refs(owner, node))
        forwarding = [r for r in refs if self._forwards_request(r)]
        if not forwarding:
            return None
        ref = forwarding[0]
        texts = [ref.context_text, self._helper_text(ref.owner, ref.anchor)]
        forwards, rewrite = self._mode(" ".join(t for t in texts if t), ref.variable)
        helper = self._helper_name(ref.owner, ref.anchor)
        return ProxyTarget(
            ref.component.name, ref.variable, ref.component.url_env, ref.default or ref.component.url_default,
            ref.bound_at, forwards, rewrite, helper,
        )

    # the handler's code: its nodes plus what the names in them are bound to (3 levels)
    def _code(self, b: Bindings, nodes: list[Node]) -> list[tuple[Bindings, Node]]:
        result: list[tuple[Bindings, Node]] = []
        seen: set[tuple[str, int]] = set()
        queue = [(b, n, 0) for n in nodes]
        while queue:
            owner, node, depth = queue.pop(0)
            key = (owner.path, node.start_byte)
            if key in seen:
                continue
            seen.add(key)
            result.append((owner, node))
            if depth >= 3:
                continue
            for ident in _identifiers(node):
                target = resolve_identifier(self.ctx, owner, ident)
                if target is None:
                    continue
                other, definition = target
                if is_function(definition) or definition.type == "call_expression":
                    queue.append((other, definition, depth + 1))
        return result

    def _refs(self, b: Bindings, node: Node) -> list["_Ref"]:
        refs, stack = [], [node]
        while stack:
            current = stack.pop()
            kind = current.type
            if kind in _REF_NODES:
                ref = self._ref_at(b, current)
                if ref is not None:
                    refs.append(ref)
                    continue
                if kind != "member_expression":
                    continue  # identifiers and strings hold no reference below them
            stack.extend(current.named_children)
        return refs

    def _ref_at(self, b: Bindings, node: Node) -> "_Ref | None":
        if node.type == "member_expression":
            env = env_name(node) if node.text.startswith(b"process.env") else None
            if env is not None:
                owner = self._by_env(env)
                return _Ref(owner, node.text.decode(), None, None, node, b) if owner else None
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None and obj.type == "identifier":
                target = resolve_identifier(self.ctx, b, obj.text.decode())
                if target is not None and target[1].type == "object":
                    value = object_property(target[1], prop.text.decode())
                    found = self._service_in(target[0], value) if value is not None else None
                    if found is not None:
                        comp, default = found
                        return _Ref(comp, node.text.decode(), default, node_location(target[0].path, target[0], value), node, b)
            return None
        if node.type == "identifier" and node.parent is not None and node.parent.type not in ("member_expression",):
            name = node.text.decode()
            target = resolve_identifier(self.ctx, b, name)
            comp = self._by_env(name)
            default = None
            bound_at = None
            if target is not None and target[1].type in _URL_EXPRESSIONS:
                found = self._service_in(target[0], target[1])
                if found is not None:
                    comp, default = found
                    bound_at = node_location(target[0].path, target[0], target[1])
            if comp is not None:
                return _Ref(comp, name, default, bound_at, node, b)
            return None
        if node.type == "string":
            value = string_value(node) or ""
            host, _ = split_url(value)
            if host and host != DYNAMIC:
                comp = self.ctx.catalogue.by_host(host)
                if comp is not None and comp.name != self.component.name:
                    return _Ref(comp, value, value, node_location(b.path, b, node), node, b)
        return None

    def _forwards_request(self, ref: "_Ref") -> bool:
        """Whether the URL is used to pass the incoming request on (a proxy), not to call a fixed path."""
        node = ref.anchor
        parent = node.parent
        if parent is None:
            return False
        if parent.type == "template_substitution" and parent.parent is not None:
            return _mentions_request_path(parent.parent.text)
        if parent.type == "binary_expression":
            outer = parent
            while outer.parent is not None and outer.parent.type == "binary_expression":
                outer = outer.parent
            return _mentions_request_path(outer.text)
        if parent.type == "pair":
            key = parent.child_by_field_name("key")
            obj = parent.parent
            if key is not None and key.text.strip(b"'\"") == b"target":
                return True  # http-proxy-middleware and friends
            return obj is not None and _mentions_request_path(obj.text)
        if parent.type == "arguments" and parent.parent is not None:
            call = parent.parent
            if call.type == "new_expression":  # new URL(req.originalUrl, BASE)
                return _mentions_request_path(parent.text)
            fn = call.child_by_field_name("function")
            if fn is None:
                return False
            if fn.text.decode().split(".")[0] in _HTTP_CLIENTS:
                return _mentions_request_path(parent.text)
            helper = self._helper_definition(ref.owner, node)
            if helper is None:
                return True  # a proxy package: proxy(URL), createProxyMiddleware(URL)
            text = helper[1].text
            return _mentions_request_path(text) or b"target" in text or b"pipe(" in text
        return False

    def _by_env(self, name: str) -> Component | None:
        return next(
            (c for c in components_by_url_env(self.ctx).get(name, ()) if c.name != self.component.name and c.role != "frontend"),
            None,
        )

    def _service_in(self, b: Bindings, node: Node) -> tuple[Component, str | None] | None:
        env = _env_in(node)
        by_env = self._by_env(env) if env else None
        text = static_text(self.ctx, b, node)
        host, _ = split_url(text)
        by_host = self.ctx.catalogue.by_host(host) if host and host != DYNAMIC else None
        if by_host is not None and by_host.name == self.component.name:
            by_host = None
        comp = by_env or by_host
        if comp is None:
            return None
        return comp, (text if DYNAMIC not in text and "://" in text else None)

    def _helper_text(self, b: Bindings, node: Node) -> str:
        definition = self._helper_definition(b, node)
        return definition[1].text.decode("utf-8", "replace") if definition else ""

    def _helper_definition(self, b: Bindings, node: Node) -> tuple[Bindings, Node] | None:
        """The function a URL is handed to: `forward(AUTH_SERVICE_URL)` -> forward's definition."""
        parent = node.parent
        if parent is None or parent.type != "arguments" or parent.parent is None:
            return None
        fn = parent.parent.child_by_field_name("function")
        if fn is None or fn.type != "identifier":
            return None
        target = resolve_identifier(self.ctx, b, fn.text.decode())
        if target is None or not is_function(target[1]):
            return None
        return target

    def _helper_name(self, b: Bindings, node: Node) -> str | None:
        definition = self._helper_definition(b, node)
        if definition is None:
            return None
        owner, fn = definition
        name = node.parent.parent.child_by_field_name("function").text.decode()
        return f"{name} ({owner.path}:{owner.module.position(fn)[0]})"

    @staticmethod
    def _mode(text: str, variable: str) -> tuple[str, str]:
        if "pathRewrite" in text:
            return "unknown", ""
        if "originalUrl" in text:
            return "original", ""
        var = re.escape(variable)
        prefixed = re.search(r"\$\{\s*" + var + r"\s*\}(/[^`$]*)\$\{[^}]*\.(?:url|path)\b", text) or re.search(
            var + r"\s*\+\s*['\"](/[^'\"]*)['\"]\s*\+\s*\w+\.(?:url|path)\b", text
        )
        if prefixed:
            return "prefixed", prefixed.group(1)
        if _REQUEST_PATH.search(text):
            return "stripped", ""
        return "unknown", ""


@dataclass
class _Ref:
    component: Component
    variable: str
    default: str | None
    bound_at: Location | None
    node: Node
    owner: Bindings

    @property
    def anchor(self) -> Node:
        """The expression the URL is used as: `process.env.X || 'http://x:1'` as a whole."""
        node = self.node
        while node.parent is not None and (
            node.parent.type == "parenthesized_expression"
            or (node.parent.type == "binary_expression" and _operator(node.parent) in ("||", "??"))
        ):
            node = node.parent
        return node

    @property
    def context_text(self) -> str:
        """The smallest enclosing function (or the statement) around the reference."""
        node = self.node
        while node.parent is not None and node.parent.type != "program" and not is_function(node):
            node = node.parent
        return node.text.decode("utf-8", "replace")


# The node types `_ref_at` can find a reference at.
_REF_NODES = frozenset({"member_expression", "identifier", "string"})

_URL_EXPRESSIONS = (
    "string", "template_string", "binary_expression", "member_expression", "identifier",
    "parenthesized_expression", "ternary_expression", "subscript_expression",
)


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.text.decode() if operator is not None else ""


_HTTP_CLIENTS = {"fetch", "axios", "got", "request", "superagent", "http", "https", "undici", "needle", "ky"}


def _mentions_request_path(text: bytes) -> bool:
    decoded = text.decode("utf-8", "replace")
    return "originalUrl" in decoded or bool(_REQUEST_PATH.search(decoded))


def _identifiers(node: Node) -> list[str]:
    names, stack = [], [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier":
            names.append(current.text.decode())
            continue  # a leaf
        stack.extend(current.named_children)
    return list(dict.fromkeys(names))


def _env_in(node: Node) -> str | None:
    stack = [node]
    while stack:
        current = stack.pop()
        name = env_name(current) if current.type == "member_expression" else None
        if name:
            return name
        stack.extend(current.named_children)
    return None


def _package_handler(b: Bindings, node: Node) -> bool:
    """A handler imported from a package (a workspace's shared router): mounted at a path, it
    serves routes under that path that this analysis cannot list."""
    imported = b.imports.get(node.text.decode()) if node.type == "identifier" else None
    return imported is not None and not imported.specifier.startswith(".")
