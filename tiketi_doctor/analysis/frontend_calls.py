"""What the frontend calls: every HTTP request its source makes to the gateway.

Read from the syntax tree of the frontend components' source:
- axios instances (`const api = axios.create({ baseURL: `${API_URL}/api` })`, also imported
  from another module) and calls on them or on axios itself: `api.get('/stats/overview')`,
  `api.post('/payments/confirm', body)`, `` api.get(`/events/${id}`) `` -> GET /api/events/:param,
  `axios({ method, url })`, `api.request({...})`;
- `fetch(url, { method })` with literal or template URLs;
- one level of wrapper functions that take the path as a parameter
  (`const get = (path) => api.get(path)` called as `get('/news')`): the call site reported
  is where the path literal is written.
The leading host part of a URL (`${API_URL}`, `http://localhost:3001`) is dropped: the
frontend talks only to the gateway. Calls to other hosts (payment providers, CDNs) and
calls whose path is only known at run time are not gateway calls that can be checked.
"""
from __future__ import annotations

import re
from dataclasses import field
from typing import TYPE_CHECKING

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from .express import node_location
from .jsbindings import (
    DYNAMIC,
    Bindings,
    bindings,
    join_paths,
    normalise_path,
    object_property,
    require_specifier,
    split_url,
    static_text,
)
from .source import source_files

if TYPE_CHECKING:
    from tree_sitter import Node

CLIENT_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]"}
_CALLS = "(call_expression function: (_) @function arguments: (arguments) @args) @call"
_STATIC_FILE = re.compile(r"\.(?:json|js|css|html?|png|jpe?g|gif|svg|webp|ico|txt|xml|map|woff2?)$", re.IGNORECASE)
_FUNCTIONS = ("arrow_function", "function_expression", "function_declaration", "method_definition")


@dataclass(frozen=True)
class Client:
    """axios itself, or an axios instance with its baseURL (statically evaluated, may hold DYNAMIC)."""

    name: str
    base: str = ""
    created_at: Location | None = None

    @property
    def describe(self) -> str:
        if self.name == "fetch":
            return "fetch()"
        if self.created_at is None:
            return "axios"
        _, base_path = split_url(self.base)
        where = f"{self.created_at.path}:{self.created_at.line}"
        return f"the axios instance `{self.name}`, baseURL path {base_path or '/'} at {where}"


@dataclass(frozen=True)
class FrontendCall:
    method: str  # GET, POST, ...
    path: str  # the gateway path: /api/events/:param/seats
    location: Location  # where the method and path are written
    component: str
    client: str  # how the request is made: "api (axios instance ...)", "axios", "fetch"
    written: str  # the path argument as written in the source
    callers: tuple[Location, ...] = ()  # where the function around the call is used (pages)

    def describe(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FrontendApi:
    calls: list[FrontendCall] = field(default_factory=list)
    dynamic: list[Location] = field(default_factory=list)  # requests whose path is only known at run time
    components: list[str] = field(default_factory=list)


def frontend_api(ctx: ScanContext) -> FrontendApi:
    return ctx.memo("frontend-api", lambda: _Scanner(ctx).run())


def frontend_calls(ctx: ScanContext) -> list[FrontendCall]:
    """Every gateway request of every frontend component, in file order."""
    return frontend_api(ctx).calls


@dataclass
class _Wrapper:
    key: str  # "get" or "http.get": how the function is named in its module
    module: str
    param_index: int
    method: str
    client: Client
    prefix: str  # static text written before the path parameter


class _Scanner:
    def __init__(self, ctx: ScanContext):
        self.ctx = ctx
        self.result = FrontendApi()
        self.modules: dict[str, Bindings] = {}
        self.component_of: dict[str, str] = {}
        self.clients: dict[tuple[str, str], Client | None] = {}
        self.wrappers: list[_Wrapper] = []
        self.pending: list[tuple[FrontendCall, Bindings, Node]] = []
        self.calls_by_name: dict[str, dict[str, list[Node]]] = {}

    def run(self) -> FrontendApi:
        for component in self.ctx.catalogue.components:
            if component.role != "frontend":
                continue
            self.result.components.append(component.name)
            for path in source_files(self.ctx, component):
                b = bindings(self.ctx, path)
                if b is not None:
                    self.modules[path] = b
                    self.component_of[path] = component.name
        for b in self.modules.values():
            for call in b.module.query(_CALLS).get("call", []):
                self._direct(b, call)
        for wrapper in self.wrappers:
            self._wrapper_calls(wrapper)
        for call, b, node in self.pending:
            callers = tuple(self._uses(b, _function_key(node)))
            self.result.calls.append(_with_callers(call, callers))
        self.result.calls.sort(key=lambda c: (c.location.path, c.location.line or 0, c.location.column or 0))
        return self.result

    # -- clients -------------------------------------------------------------------------
    def client(self, b: Bindings, name: str, depth: int = 0) -> Client | None:
        key = (b.path, name)
        if key not in self.clients:
            self.clients[key] = None  # cycles resolve to "not a client"
            self.clients[key] = self._resolve_client(b, name, depth)
        return self.clients[key]

    def _resolve_client(self, b: Bindings, name: str, depth: int) -> Client | None:
        imported = b.imports.get(name)
        if imported is not None and imported.specifier == "axios" and imported.name in ("default", "module", "*"):
            return Client(name)
        value = b.declarations.get(name)
        if value is not None and require_specifier(value) is None:
            return self._client_from_node(b, name, value)
        if imported is not None and imported.path is not None and depth < 4:
            other = bindings(self.ctx, imported.path)
            if other is None:
                return None
            node = other.exported("default" if imported.name in ("default", "module") else imported.name)
            if node is None:
                return None
            if node.type in ("identifier", "shorthand_property_identifier"):
                return self.client(other, node.text.decode(), depth + 1)
            return self._client_from_node(other, name, node)
        return None

    def _client_from_node(self, b: Bindings, name: str, node: Node) -> Client | None:
        """`axios.create({ baseURL })` bound to a name (a later `x.defaults.baseURL = ...` wins)."""
        if node.type != "call_expression":
            return None
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return None
        obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
        if prop is None or prop.text != b"create" or obj is None or obj.type != "identifier":
            return None
        if self.client(b, obj.text.decode()) is None or self.client(b, obj.text.decode()).created_at is not None:
            return None
        args = _args(node)
        base_node = object_property(args[0], "baseURL") if args else None
        base = static_text(self.ctx, b, base_node) if base_node is not None else ""
        for assigned in _default_base_assignments(b, name):
            base = static_text(self.ctx, b, assigned)
        return Client(name, base, node_location(b.path, b, node))

    # -- calls -----------------------------------------------------------------------------
    def _direct(self, b: Bindings, call: Node) -> None:
        fn = call.child_by_field_name("function")
        args = _args(call)
        if fn is None:
            return
        if fn.type == "member_expression":
            obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
            if obj is None or prop is None or obj.type != "identifier":
                return
            method = prop.text.decode()
            if method not in CLIENT_METHODS + ("request",):
                return
            client = self.client(b, obj.text.decode())
            if client is None or not args:
                return
            if method == "request":
                self._config_call(b, call, client, args[0])
            else:
                self._request(b, call, client, method.upper(), args[0])
        elif fn.type == "identifier":
            name = fn.text.decode()
            if name == "fetch" and "fetch" not in b.declarations and args:
                self._fetch(b, call, args)
                return
            client = self.client(b, name)
            if client is not None and args:
                if args[0].type == "object":
                    self._config_call(b, call, client, args[0])
                elif len(args) > 1 and args[1].type == "object":
                    self._config_call(b, call, client, args[1], url=args[0])

    def _fetch(self, b: Bindings, call: Node, args: list[Node]) -> None:
        method = "GET"
        if len(args) > 1 and args[1].type == "object":
            node = object_property(args[1], "method")
            if node is not None:
                method = static_text(self.ctx, b, node)
        self._request(b, call, Client("fetch"), method.upper(), args[0])

    def _config_call(self, b: Bindings, call: Node, client: Client, config: Node, url: Node | None = None) -> None:
        url = url or object_property(config, "url")
        if url is None:
            return
        method_node = object_property(config, "method")
        method = static_text(self.ctx, b, method_node) if method_node is not None else "GET"
        self._request(b, call, client, method.upper(), url)

    def _request(self, b: Bindings, call: Node, client: Client, method: str, url: Node) -> None:
        location = node_location(b.path, b, call)
        wrapper = self._as_wrapper(b, call, client, method, url)
        if wrapper is not None:
            self.wrappers.append(wrapper)
            return
        if DYNAMIC in method:
            self.result.dynamic.append(location)
            return
        path = self._gateway_path(client, static_text(self.ctx, b, url), bare=client.created_at is None)
        if path is None:
            return
        if path == DYNAMIC:
            self.result.dynamic.append(location)
            return
        written = url.text.decode("utf-8", "replace")
        found = FrontendCall(method, path, location, self.component_of[b.path], client.describe, written)
        self.pending.append((found, b, call))

    def _gateway_path(self, client: Client, text: str, bare: bool) -> str | None:
        """The gateway path a request goes to; DYNAMIC when unknown; None for another host."""
        if not text.strip(DYNAMIC):
            return DYNAMIC
        host, path = split_url(text)
        if host == DYNAMIC and not bare:
            return DYNAMIC  # `${x}/y` on an instance: x may be a host or a path segment
        if host not in (None, DYNAMIC) and not self._is_gateway(host):
            return None
        if host is None and client.base:
            base_host, base_path = split_url(client.base)
            if base_host not in (None, DYNAMIC) and not self._is_gateway(base_host):
                return None
            host = base_host
            path = join_paths(base_path, path)
        if host is None and _STATIC_FILE.search(path.split("?")[0]):
            return None  # `fetch('/config.json')`: a file the frontend serves itself, not an API call
        if DYNAMIC in path.split("?")[0].split("/")[0]:
            return DYNAMIC
        return normalise_path(path)

    def _is_gateway(self, host: str) -> bool:
        if host in _LOCAL_HOSTS:
            return True
        component = self.ctx.catalogue.by_host(host)
        return component is not None and component.role == "gateway"

    # -- wrappers --------------------------------------------------------------------------
    def _as_wrapper(self, b: Bindings, call: Node, client: Client, method: str, url: Node) -> _Wrapper | None:
        """A function that takes the path as a parameter and makes the request with it."""
        function = _enclosing_function(call)
        if function is None:
            return None
        params = _parameters(function)
        param, prefix_nodes = None, []
        if url.type == "identifier" and url.text.decode() in params:
            param = url.text.decode()
        elif url.type == "template_string":
            # `${BASE}${path}` or `/api${path}`: the parameter supplies the path. Not `/events/${id}`,
            # where the parameter is one segment of a path written here.
            parts = [c for c in url.named_children]
            last = parts[-1] if parts else None
            before = parts[-2] if len(parts) > 1 else None
            if last is not None and last.type == "template_substitution" and last.named_children:
                inner = last.named_children[0]
                ends_segment = before is not None and before.type == "string_fragment" and before.text.endswith(b"/")
                if inner.type == "identifier" and inner.text.decode() in params and not ends_segment:
                    param, prefix_nodes = inner.text.decode(), parts[:-1]
        if param is None:
            return None
        key = _function_key(call)
        if key is None or DYNAMIC in method:
            return None
        prefix = "".join(
            p.text.decode() if p.type == "string_fragment" else static_text(self.ctx, b, p.named_children[0] if p.named_children else None)
            for p in prefix_nodes
        )
        return _Wrapper(key, b.path, params.index(param), method, client, prefix)

    def _wrapper_calls(self, wrapper: _Wrapper) -> None:
        owner = self.modules.get(wrapper.module)
        if owner is None:
            return
        for b, call in self._call_sites(owner, wrapper.key):
            args = _args(call)
            if len(args) <= wrapper.param_index:
                continue
            arg = args[wrapper.param_index]
            location = node_location(b.path, b, call)
            text = wrapper.prefix + static_text(self.ctx, b, arg)
            path = self._gateway_path(wrapper.client, text, bare=wrapper.client.created_at is None)
            if path is None:
                continue
            if path == DYNAMIC:
                self.result.dynamic.append(location)
                continue
            client = f"{wrapper.key}() at {wrapper.module}, which calls {wrapper.client.describe}"
            found = FrontendCall(wrapper.method, path, location, self.component_of.get(b.path, ""), client, arg.text.decode())
            self.pending.append((found, b, call))

    # -- where a function is used ----------------------------------------------------------
    def _uses(self, owner: Bindings, key: str | None) -> list[Location]:
        if key is None:
            return []
        return [node_location(b.path, b, call) for b, call in self._call_sites(owner, key) if b.path != owner.path]

    def _call_sites(self, owner: Bindings, key: str) -> list[tuple[Bindings, Node]]:
        """Calls of the function named `key` in `owner`, in that module and in modules importing it."""
        sites = []
        root = key.split(".")[0]
        for b in self.modules.values():
            names = set()
            if b.path == owner.path:
                names.add(key)
            for imp in b.imports.values():
                if imp.path != owner.path:
                    continue
                exported = "default" if imp.name in ("default", "module") else imp.name
                node = owner.exported(exported)
                if imp.name == "*":
                    names.add(f"{imp.local}.{key}")
                elif node is not None and node.type in ("identifier", "shorthand_property_identifier"):
                    if node.text.decode() == root:
                        names.add(imp.local + key[len(root):])
                elif exported == root:
                    names.add(imp.local + key[len(root):])
            index = self._call_index(b)
            for name in sorted(names):
                sites.extend((b, call) for call in index.get(name, []))
        return sorted(sites, key=lambda site: (site[0].path, site[1].start_byte))

    def _call_index(self, b: Bindings) -> dict[str, list[Node]]:
        """Calls of a module by the text of what they call (`get`, `eventsAPI.seats`)."""
        if b.path not in self.calls_by_name:
            index: dict[str, list[Node]] = {}
            for call in b.module.query(_CALLS).get("call", []):
                fn = call.child_by_field_name("function")
                if fn is not None and fn.type in ("identifier", "member_expression"):
                    index.setdefault(fn.text.decode(), []).append(call)
            self.calls_by_name[b.path] = index
        return self.calls_by_name[b.path]


def _with_callers(call: FrontendCall, callers: tuple[Location, ...]) -> FrontendCall:
    if not callers:
        return call
    return FrontendCall(call.method, call.path, call.location, call.component, call.client, call.written, callers)


def _args(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


def _default_base_assignments(b: Bindings, name: str) -> list[Node]:
    """Values of `name.defaults.baseURL = ...` in the module."""
    found, stack = [], [b.module.root]
    target = f"{name}.defaults.baseURL".encode()
    while stack:
        node = stack.pop()
        if node.type == "assignment_expression":
            left = node.child_by_field_name("left")
            if left is not None and left.text.replace(b" ", b"") == target:
                right = node.child_by_field_name("right")
                if right is not None:
                    found.append(right)
        stack.extend(node.named_children)
    return sorted(found, key=lambda n: n.start_byte)


def _enclosing_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in _FUNCTIONS:
            return current
        current = current.parent
    return None


def _parameters(function: Node) -> list[str]:
    params = function.child_by_field_name("parameters")
    if params is None:
        single = function.child_by_field_name("parameter")  # `path => api.get(path)`
        return [single.text.decode()] if single is not None and single.type == "identifier" else []
    names = []
    for param in params.named_children:
        if param.type == "identifier":
            names.append(param.text.decode())
        elif param.type == "assignment_pattern":
            left = param.child_by_field_name("left")
            names.append(left.text.decode() if left is not None else "")
        else:
            names.append("")
    return names


def _function_key(node: Node) -> str | None:
    """How the function around `node` is named in its module: `get`, `eventsAPI.seats`."""
    function = _enclosing_function(node)
    if function is None:
        return None
    if function.type == "function_declaration":
        name = function.child_by_field_name("name")
        return name.text.decode() if name is not None else None
    parent = function.parent
    if function.type == "method_definition":
        name = function.child_by_field_name("name")
        obj = function.parent
        holder = _declarator_name(obj.parent) if obj is not None else None
        return f"{holder}.{name.text.decode()}" if holder and name is not None else None
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        return _declarator_name(parent)
    if parent.type == "pair":
        key = parent.child_by_field_name("key")
        obj = parent.parent
        holder = _declarator_name(obj.parent) if obj is not None else None
        if holder and key is not None:
            return f"{holder}.{key.text.decode().strip(chr(39) + chr(34))}"
    return None


def _declarator_name(node: Node | None) -> str | None:
    if node is None or node.type != "variable_declarator":
        return None
    name = node.child_by_field_name("name")
    return name.text.decode() if name is not None and name.type == "identifier" else None
