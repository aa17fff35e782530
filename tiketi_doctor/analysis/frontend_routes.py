"""The frontend's router and its navigation links: which paths exist, which links lead where.

Routes come from react-router JSX (`<Route path element>` v6 with nested children,
`<Route path component>` v5) and from route objects (`createBrowserRouter([...])`,
`useRoutes([...])`). Links are `<Link to>`, `<NavLink to>` and `<a href>` elements;
links inside comments are found by parsing the comment's text as JSX, so a link
written in a string never counts.

Spans are `Location`s with 1-based lines and character columns; `end_column` is
exclusive (the column just past the last character), as in SARIF.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import TYPE_CHECKING

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.javascript import SOURCE_SUFFIXES, JsModule, parse_javascript, string_value
from .resolution import resolve_import
from .source import js_module, source_files

if TYPE_CHECKING:
    from tree_sitter import Node

ROUTER_FACTORIES = ("createBrowserRouter", "createHashRouter", "createMemoryRouter", "createStaticRouter", "useRoutes")
LINK_ATTRIBUTE = {"Link": "to", "NavLink": "to", "a": "href"}
REDIRECTS = ("Navigate", "Redirect")
TODO_PATTERN = re.compile(r"\b(TODO|FIXME|XXX|HACK)\b[^\n]*")
DYNAMIC = "${}"  # a template substitution in a link target: matches any one segment

_ROUTE_ELEMENTS = """
    ([(jsx_self_closing_element name: (identifier) @name)
      (jsx_opening_element name: (identifier) @name)] @element
     (#eq? @name "Route"))
"""
_LINK_ELEMENTS = """
    ([(jsx_self_closing_element name: (identifier) @name)
      (jsx_opening_element name: (identifier) @name)] @element
     (#match? @name "^(Link|NavLink|a)$"))
"""
_ROUTER_CALLS = f"""
    ((call_expression function: [(identifier) @fn (member_expression property: (property_identifier) @fn)]
        arguments: (arguments . (_) @routes))
     (#match? @fn "^({'|'.join(ROUTER_FACTORIES)})$"))
"""
_COMMENTS = "(comment) @comment"


# -- results -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PageComponent:
    """The component a route renders, resolved to the file that defines it."""

    name: str
    file: str | None  # where it is defined (None when it could not be found)
    exists: bool
    reason: str = ""  # why it does not exist, or where it comes from
    package: str | None = None  # imported from an npm package (react-router's Navigate...)

    @property
    def is_redirect(self) -> bool:
        return self.package is not None and self.name in REDIRECTS


@dataclass(frozen=True)
class RoutePath:
    path: str  # the full path, parents joined: "/news/:id"; "/*" for the catch-all
    page: PageComponent | None
    location: Location  # the <Route> element or the route object
    declared_as: str  # "<Route>" | "route object"

    @property
    def is_fallback(self) -> bool:
        """The root catch-all (`path="*"`), a not-found page rather than a route of the app."""
        return self.path == "/*"


@dataclass(frozen=True)
class NavLink:
    element: str  # Link | NavLink | a
    attribute: str  # to | href
    target: str  # the literal path; template substitutions written as ${}
    location: Location  # the whole element, label = its source text

    @property
    def source(self) -> str:
        return self.location.label or ""


@dataclass(frozen=True)
class HiddenLink:
    """A link element that sits inside a comment."""

    link: NavLink  # located in the file; its label is the commented source text
    restored: str  # the link as it reads uncommented, ready to replace `replace`
    comment: Location  # the comment(s) holding it, label = their text
    replace: Location  # what restoring replaces: the comment, or the `{/* ... */}` around it in JSX
    todo: str | None  # "TODO: ..." in the same comment or the one just before
    todo_comment: Location | None  # that earlier comment (with its `{}`), when it is separate


@dataclass
class Router:
    routes: list[RoutePath] = field(default_factory=list)
    # Route declarations that could not be read statically; links may match them.
    unresolved: list[Location] = field(default_factory=list)


# -- public API ------------------------------------------------------------------------------
def router(ctx: ScanContext, component: Component) -> Router:
    return ctx.memo(("frontend-router", component.name), lambda: _read_router(ctx, component))


def router_paths(ctx: ScanContext, component: Component) -> list[RoutePath]:
    return router(ctx, component).routes


def nav_links(ctx: ScanContext, component: Component) -> list[NavLink]:
    """Active (not commented-out) links with a literal or template target."""
    return ctx.memo(("frontend-links", component.name), lambda: _read_links(ctx, component))


def hidden_links(ctx: ScanContext, component: Component) -> list[HiddenLink]:
    """Links inside comments, in JavaScript sources and HTML files of the frontend."""
    return ctx.memo(("frontend-hidden-links", component.name), lambda: _read_hidden(ctx, component))


def app_path(target: str) -> str | None:
    """The router path a link target names; None for external, relative, anchor-only or empty targets."""
    target = target.strip()
    if not target.startswith("/") or target.startswith("//"):
        return None
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    return _normalise(path)


def match_route(routes: list[RoutePath], target: str, *, fallback: bool = False) -> RoutePath | None:
    """The most specific route a link target reaches (`:param`, optional `:param?` and `*` honoured).

    The root catch-all only counts when `fallback` is set: it renders a not-found page.
    """
    path = app_path(target)
    if path is None:
        return None
    wanted = _segments(path)
    best: tuple[tuple, RoutePath] | None = None
    for route in routes:
        if route.is_fallback and not fallback:
            continue
        if _matches(_segments(route.path), wanted):
            rank = _specificity(route.path, wanted)
            if best is None or rank > best[0]:
                best = (rank, route)
    return best[1] if best else None


def frontend_files(ctx: ScanContext, component: Component) -> list[str]:
    """HTML files of the frontend (public/index.html...), next to its JavaScript sources."""
    root = _component_root(component)
    if root is None:
        return []
    return ctx.memo(("frontend-html", component.name), lambda: list(ctx.repo.walk(root, (".html", ".htm"))))


# -- routes ------------------------------------------------------------------------------------
def _read_router(ctx: ScanContext, component: Component) -> Router:
    found = Router()
    for path in source_files(ctx, component):
        module = js_module(ctx, path)
        if module is None:
            continue
        resolver = _Resolver(ctx, component, module)
        for element in module.query(_ROUTE_ELEMENTS).get("element", []):
            _jsx_route(module, element, resolver, found)
        for call in module.matches(_ROUTER_CALLS):
            for argument in call.get("routes", []):
                _object_routes(module, argument, resolver, found)
    found.routes.sort(key=lambda r: (r.location.path, r.location.line or 0, r.path))
    return found


def _jsx_route(module: JsModule, element: Node, resolver: "_Resolver", found: Router) -> None:
    whole = element.parent if element.type == "jsx_opening_element" else element
    parents = _enclosing_route_paths(whole)
    if parents is None:
        found.unresolved.append(_location(module, whole, _first_line(whole)))
        return
    attributes = _attributes(element)
    own = _route_path_values(attributes.get("path"))
    if own is None:
        found.unresolved.append(_location(module, whole, _first_line(whole)))
        return
    page = _jsx_route_page(whole, attributes, resolver)
    if not own:  # a layout route (no path) or an index route: the parent's path
        if "index" in attributes or page is not None:
            for parent in parents:
                found.routes.append(RoutePath(parent, page, _location(module, whole, _first_line(whole)), "<Route>"))
        return
    for parent in parents:
        for value in own:
            found.routes.append(RoutePath(_join(parent, value), page, _location(module, whole, _first_line(whole)), "<Route>"))


def _enclosing_route_paths(whole: Node) -> list[str] | None:
    """Full paths of the enclosing <Route> elements (["/"] at the top); None when one is dynamic."""
    chain = []
    node = whole.parent
    while node is not None:
        if node.type == "jsx_element":
            opening = node.child_by_field_name("open_tag") or (node.children[0] if node.children else None)
            name = opening.child_by_field_name("name") if opening is not None else None
            if name is not None and name.text == b"Route":
                chain.append(opening)
        node = node.parent
    paths = ["/"]
    for opening in reversed(chain):
        values = _route_path_values(_attributes(opening).get("path"))
        if values is None:
            return None
        if values:
            paths = [_join(p, v) for p in paths for v in values]
    return paths


def _route_path_values(value: Node | None | bool) -> list[str] | None:
    """Literal path(s) of a `path` attribute: [] when absent, None when not literal."""
    if value is None or value is True:
        return []
    node = value
    if node.type == "jsx_expression":
        inner = node.named_children
        if len(inner) != 1:
            return None
        node = inner[0]
    if node.type == "array":
        values = [string_value(item) for item in node.named_children]
        return None if any(v is None for v in values) else values  # type: ignore[return-value]
    literal = string_value(node)
    return None if literal is None else [literal]


def _jsx_route_page(whole: Node, attributes: dict, resolver: "_Resolver") -> PageComponent | None:
    from tree_sitter import Node  # loaded: there is a syntax tree

    element = attributes.get("element")
    if isinstance(element, Node):
        jsx = _first_jsx(element)
        if jsx is not None:
            return resolver.page(_innermost_page(jsx))
    for key in ("component", "Component"):
        value = attributes.get(key)
        if isinstance(value, Node) and value.type == "jsx_expression" and value.named_children:
            inner = value.named_children[0]
            if inner.type == "identifier":
                return resolver.page(inner.text.decode())
    render = attributes.get("render")
    if isinstance(render, Node):
        jsx = _first_jsx(render)
        if jsx is not None:
            return resolver.page(_innermost_page(jsx))
    if whole.type == "jsx_element":  # v5: <Route path="/x"><X /></Route>
        for child in whole.named_children:
            if child.type in ("jsx_element", "jsx_self_closing_element") and _element_name(child) not in ("Route", None):
                return resolver.page(_innermost_page(child))
    return None


def _object_routes(module: JsModule, node: Node, resolver: "_Resolver", found: Router, parent: str = "/") -> None:
    if node.type == "identifier":
        declared = resolver.array_named(node.text.decode())
        if declared is None:
            found.unresolved.append(_location(module, node, node.text.decode()))
            return
        node = declared
    if node.type == "call_expression" and (node.child_by_field_name("function").text or b"").endswith(
        (b"createRoutesFromElements", b"createRoutesFromChildren")
    ):
        return  # <Route> elements: read with the JSX routes
    if node.type != "array":
        found.unresolved.append(_location(module, node, _first_line(node)))
        return
    for item in node.named_children:
        if item.type != "object":
            found.unresolved.append(_location(module, item, _first_line(item)))
            continue
        pairs = _object_pairs(item)
        raw = pairs.get("path")
        own = string_value(raw) if raw is not None else ""
        if own is None:
            found.unresolved.append(_location(module, item, _first_line(item)))
            continue
        full = _join(parent, own) if own else parent
        page = None
        if "element" in pairs:
            jsx = _first_jsx(pairs["element"])
            page = resolver.page(_innermost_page(jsx)) if jsx is not None else None
        elif "Component" in pairs and pairs["Component"].type == "identifier":
            page = resolver.page(pairs["Component"].text.decode())
        elif "lazy" in pairs:
            page = resolver.lazy_page(pairs["lazy"])
        if own or pairs.get("index") is not None or page is not None:
            found.routes.append(RoutePath(full, page, _location(module, item, _first_line(item)), "route object"))
        if "children" in pairs:
            _object_routes(module, pairs["children"], resolver, found, full)


def _object_pairs(node: Node) -> dict[str, Node]:
    pairs = {}
    for pair in node.named_children:
        if pair.type == "pair":
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is not None and value is not None:
                name = string_value(key) if key.type == "string" else key.text.decode()
                if name:
                    pairs[name] = value
        elif pair.type == "shorthand_property_identifier":
            pairs[pair.text.decode()] = pair
    return pairs


class _Resolver:
    """Resolves an identifier used in a module to the file that defines it."""

    def __init__(self, ctx: ScanContext, component: Component, module: JsModule):
        self.ctx, self.component, self.module = ctx, component, module
        self._bindings: dict[str, tuple[str, str]] | None = None  # name -> (specifier, imported name)
        self._local: set[str] | None = None
        self._arrays: dict[str, Node] | None = None

    def page(self, name: str | None) -> PageComponent | None:
        if not name:
            return None
        self._scan()
        here = self.module.path
        if name[:1].islower():  # <p>, <div>: markup written in place, nothing to resolve
            return PageComponent(name, here, True, f"inline <{name}> markup in {here}")
        if name in self._bindings:  # type: ignore[operator]
            specifier, imported = self._bindings[name]  # type: ignore[index]
            return self._imported(name, specifier, imported)
        if name in self._local:  # type: ignore[operator]
            return PageComponent(name, here, True, f"declared in {here}")
        return PageComponent(name, None, False, f"{name} is neither imported nor declared in {here}")

    def lazy_page(self, node: Node) -> PageComponent | None:
        specifier = _dynamic_import(node)
        return self._imported(specifier, specifier, "default") if specifier else None

    def array_named(self, name: str) -> Node | None:
        self._scan()
        return self._arrays.get(name)  # type: ignore[union-attr]

    def _imported(self, name: str, specifier: str, imported: str) -> PageComponent:
        roots = (self.component.source,) if self.component.source else ()
        target = resolve_import(self.ctx, self.module.path, specifier, roots)
        if target is None:
            if specifier.startswith("."):
                return PageComponent(name, None, False, f"{specifier!r} (imported by {self.module.path}) matches no file")
            return PageComponent(name, None, True, f"from the package {specifier}", package=specifier)
        if not _exports(self.ctx, target, imported):
            what = "has no default export" if imported == "default" else f"does not export {imported}"
            return PageComponent(name, target, False, f"{target} {what}")
        return PageComponent(name, target, True, f"imported from {target}")

    def _scan(self) -> None:
        if self._bindings is not None:
            return
        self._bindings, self._local, self._arrays = {}, set(), {}
        for node in _walk(self.module.root):
            if node.type == "import_statement":
                source = node.child_by_field_name("source")
                specifier = string_value(source)
                clause = next((c for c in node.named_children if c.type == "import_clause"), None)
                if specifier is None or clause is None:
                    continue
                for part in clause.named_children:
                    if part.type == "identifier":
                        self._bindings[part.text.decode()] = (specifier, "default")
                    elif part.type == "named_imports":
                        for spec in part.named_children:
                            if spec.type != "import_specifier":
                                continue
                            original = spec.child_by_field_name("name")
                            alias = spec.child_by_field_name("alias") or original
                            if original is not None and alias is not None:
                                self._bindings[alias.text.decode()] = (specifier, original.text.decode())
            elif node.type in ("function_declaration", "class_declaration"):
                name = node.child_by_field_name("name")
                if name is not None:
                    self._local.add(name.text.decode())
            elif node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is None or name.type != "identifier":
                    continue
                text = name.text.decode()
                specifier = _dynamic_import(value) if value is not None else None
                required = _required(value)
                if specifier:
                    self._bindings[text] = (specifier, "default")
                elif required:
                    self._bindings[text] = (required, "default")
                else:
                    self._local.add(text)
                    if value is not None and value.type == "array":
                        self._arrays[text] = value


def _exports(ctx: ScanContext, path: str, name: str) -> bool:
    """Whether a module exports `name` ("default" for the default export); True when it cannot tell."""
    if not path.endswith(SOURCE_SUFFIXES):
        return True
    module = js_module(ctx, path)
    if module is None:
        return True
    text = module.source.decode("utf-8", "replace")
    if "module.exports" in text or "exports." in text:
        return True
    for node in module.root.named_children:
        if node.type != "export_statement":
            continue
        if name == "default" and any(c.type == "default" for c in node.children):
            return True
        if name in _exported_names(node):
            return True
        if node.child_by_field_name("source") is not None and any(c.type == "*" for c in node.children):
            return True  # export * from '...'
    return False


def _exported_names(node: Node) -> set[str]:
    names = set()
    declaration = node.child_by_field_name("declaration")
    if declaration is not None:
        name = declaration.child_by_field_name("name")
        if name is not None:
            names.add(name.text.decode())
        for child in declaration.named_children:
            if child.type == "variable_declarator" and child.child_by_field_name("name") is not None:
                names.add(child.child_by_field_name("name").text.decode())
    for child in node.named_children:
        if child.type == "export_clause":
            for spec in child.named_children:
                alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if alias is not None:
                    names.add(alias.text.decode())
    return names


def _dynamic_import(node: Node | None) -> str | None:
    for child in _walk(node) if node is not None else ():
        if child.type == "call_expression":
            fn = child.child_by_field_name("function")
            args = child.child_by_field_name("arguments")
            if fn is not None and fn.type == "import" and args is not None and args.named_children:
                return string_value(args.named_children[0])
    return None


def _required(node: Node | None) -> str | None:
    if node is not None and node.type == "call_expression":
        fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if fn is not None and fn.text == b"require" and args is not None and args.named_children:
            return string_value(args.named_children[0])
    return None


# -- links ---------------------------------------------------------------------------------------
def _read_links(ctx: ScanContext, component: Component) -> list[NavLink]:
    links = []
    for path in source_files(ctx, component):
        module = js_module(ctx, path)
        if module is not None:
            links.extend(_links_in(module, module.source, path, 0))
    return links


def _links_in(module: JsModule, file_source: bytes, path: str, offset: int) -> list[NavLink]:
    """Link elements of `module`, located in a file whose bytes are `file_source` (`module` may be a
    fragment of it starting at byte `offset`)."""
    return [link for link, _ in _link_nodes(module, file_source, path, offset)]


def _link_nodes(module: JsModule, file_source: bytes, path: str, offset: int) -> list[tuple[NavLink, Node]]:
    found = []
    for element in module.query(_LINK_ELEMENTS).get("element", []):
        name = _element_name(element)
        attribute = LINK_ATTRIBUTE.get(name or "")
        if attribute is None:
            continue
        target = _link_target(_attributes(element).get(attribute))
        if target is None:
            continue
        whole = element.parent if element.type == "jsx_opening_element" else element
        location = _span(file_source, path, offset + whole.start_byte, offset + whole.end_byte)
        found.append((NavLink(name, attribute, target, location), whole))  # type: ignore[arg-type]
    return found


def _link_target(value: Node | None | bool) -> str | None:
    from tree_sitter import Node  # loaded: there is a syntax tree

    if not isinstance(value, Node):
        return None
    node = value
    if node.type == "jsx_expression":
        if len(node.named_children) != 1:
            return None
        node = node.named_children[0]
    if node.type == "object":  # to={{ pathname: '/x', search: '?a=1' }}
        pathname = _object_pairs(node).get("pathname")
        return string_value(pathname) if pathname is not None else None
    if node.type == "template_string":
        parts = []
        for child in node.named_children:
            if child.type == "template_substitution":
                parts.append(DYNAMIC)
            else:
                parts.append(child.text.decode("utf-8", "replace"))
        return "".join(parts)
    return string_value(node)


# -- links in comments -------------------------------------------------------------------------------
@dataclass
class _CommentGroup:
    start: int  # byte offsets in the file
    end: int
    nodes: list[Node]  # the comment nodes (empty for HTML comments)
    delimiters: list[tuple[int, int]]  # byte ranges (file offsets) that are comment syntax, not content


def _read_hidden(ctx: ScanContext, component: Component) -> list[HiddenLink]:
    hidden = []
    for path in source_files(ctx, component):
        module = js_module(ctx, path)
        if module is not None:
            groups = _js_comment_groups(module)
            hidden.extend(_hidden_in(module.source, path, groups))
    for path in frontend_files(ctx, component):
        source = ctx.repo.text(path)
        if source is not None:
            data = source.text.encode("utf-8")
            hidden.extend(_hidden_in(data, path, _html_comment_groups(data)))
    return hidden


def _js_comment_groups(module: JsModule) -> list[_CommentGroup]:
    """Comments in file order; adjacent `//` lines form one group (a link may span several)."""
    nodes = sorted(module.query(_COMMENTS).get("comment", []), key=lambda n: n.start_byte)
    groups: list[_CommentGroup] = []
    source = module.source
    for node in nodes:
        text = node.text or b""
        ranges = _js_delimiters(node.start_byte, text)
        previous = groups[-1] if groups else None
        if (
            previous is not None
            and text.startswith(b"//")
            and previous.nodes
            and (previous.nodes[-1].text or b"").startswith(b"//")
            and source[previous.end : node.start_byte].strip(b" \t\r") == b"\n"
        ):
            previous.end = node.end_byte
            previous.nodes.append(node)
            previous.delimiters.extend(ranges)
        else:
            groups.append(_CommentGroup(node.start_byte, node.end_byte, [node], ranges))
    return groups


def _js_delimiters(start: int, text: bytes) -> list[tuple[int, int]]:
    if text.startswith(b"//"):
        return [(start, start + 2)]
    ranges = [(start, start + 2), (start + len(text) - 2, start + len(text))]
    if text.startswith(b"/**"):
        ranges.append((start + 2, start + 3))
    # JSDoc-style continuation lines: " * <Link ...>" — the leading star is syntax.
    for match in re.finditer(rb"\n[ \t]*(\*)(?!/)", text):
        ranges.append((start + match.start(1), start + match.end(1)))
    return ranges


def _html_comment_groups(data: bytes) -> list[_CommentGroup]:
    groups = []
    for match in re.finditer(rb"<!--(.*?)-->", data, re.S):
        start, end = match.start(), match.end()
        groups.append(_CommentGroup(start, end, [], [(start, start + 4), (end - 3, end)]))
    return groups


def _hidden_in(source: bytes, path: str, groups: list[_CommentGroup]) -> list[HiddenLink]:
    hidden = []
    for index, group in enumerate(groups):
        links = _links_in_comment(source, path, group)
        if not links:
            continue
        comment_loc = _span(source, path, group.start, group.end)
        replace = _replace_span(source, path, group)
        todo, todo_loc = _todo_text(source, group), None
        if todo is None and index > 0:
            before = groups[index - 1]
            between = source[before.end : _outer_start(group)]
            if between.strip(b" \t\r\n{}") == b"" and between.count(b"\n") <= 1 and not _links_in_comment(source, path, before):
                todo = _todo_text(source, before)
                todo_loc = _replace_span(source, path, before) if todo else None
        indent = _indentation(source, _outer_start(group))
        for link, text in links:
            hidden.append(HiddenLink(link, _restored(text, indent), comment_loc, replace, todo, todo_loc))
    return hidden


def _blanked(source: bytes, group: _CommentGroup) -> bytes:
    """The group's bytes with the comment syntax turned into spaces: same length, same offsets."""
    raw = bytearray(source[group.start : group.end])
    for start, end in group.delimiters:
        raw[start - group.start : end - group.start] = b" " * (end - start)
    return bytes(raw)


def _links_in_comment(source: bytes, path: str, group: _CommentGroup) -> list[tuple[NavLink, str]]:
    """Link elements in a comment's text, with their text once uncommented: first parsed as code
    (`// return <Link/>`), else as a JSX fragment."""
    text = _blanked(source, group)
    if b"<" not in text:
        return []
    as_code = parse_javascript(text.decode("utf-8", "replace"), path)
    if not as_code.has_errors:
        return [(link, _text(text, node)) for link, node in _link_nodes(as_code, source, path, group.start)]
    # Wrapped in a fragment, in place of the (blanked) opening delimiter: byte offsets stay the same.
    fragment = parse_javascript((b"<>" + text[2:] + b"</>").decode("utf-8", "replace"), path)
    links = []
    for link, node in _link_nodes(fragment, source, path, group.start):
        line_start = text.rfind(b"\n", 0, node.start_byte) + 1
        prefix = text[line_start : node.start_byte]
        if any(prefix.count(q) % 2 for q in (b"'", b'"', b"`")):
            continue  # written inside a string in the commented-out code
        links.append((link, _text(text, node)))
    return links


def _text(data: bytes, node: Node) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _restored(text: str, indent: str) -> str:
    """The link as it reads uncommented, continuation lines re-indented under `indent`."""
    first, *rest = text.split("\n")
    rest = [line.rstrip() for line in rest]
    margin = min((len(line) - len(line.lstrip()) for line in rest if line.strip()), default=0)
    body = [indent + (line[margin:] if line.strip() else "") for line in rest]
    return "\n".join([first.strip(), *body])


def _indentation(source: bytes, offset: int) -> str:
    line_start = source.rfind(b"\n", 0, offset) + 1
    line = source[line_start:offset].decode("utf-8", "replace")
    return line[: len(line) - len(line.lstrip())]


def _todo_text(source: bytes, group: _CommentGroup) -> str | None:
    text = _blanked(source, group).decode("utf-8", "replace")
    match = TODO_PATTERN.search(text)
    if match is None:
        return None
    return match.group(0).split("<", 1)[0].strip().rstrip("*/ ").strip() or None


def _outer_start(group: _CommentGroup) -> int:
    """Where a JSX comment's `{` starts, for comments that fill a `{...}` on their own."""
    container = _sole_container(group)
    return container.start_byte if container is not None else group.start


def _sole_container(group: _CommentGroup) -> Node | None:
    if not group.nodes:
        return None
    parent = group.nodes[0].parent
    if parent is not None and parent.type == "jsx_expression":
        if all(child.type == "comment" for child in parent.named_children):
            return parent
    return None


def _replace_span(source: bytes, path: str, group: _CommentGroup) -> Location:
    container = _sole_container(group)
    if container is not None:
        return _span(source, path, container.start_byte, container.end_byte)
    return _span(source, path, group.start, group.end)


# -- small helpers ----------------------------------------------------------------------------------
def _attributes(element: Node) -> dict[str, Node | bool]:
    """JSX attributes by name; a valueless attribute (`index`, `exact`) maps to True."""
    attributes: dict[str, Node | bool] = {}
    for child in element.named_children:
        if child.type != "jsx_attribute" or not child.named_children:
            continue
        name = child.named_children[0]
        value = child.named_children[1] if len(child.named_children) > 1 else None
        attributes[name.text.decode()] = value if value is not None else True
    return attributes


def _element_name(element: Node) -> str | None:
    if element.type == "jsx_element":
        element = element.children[0]
    name = element.child_by_field_name("name")
    return name.text.decode() if name is not None and name.type == "identifier" else None


def _first_jsx(node: Node) -> Node | None:
    for child in _walk(node):
        if child.type in ("jsx_element", "jsx_self_closing_element"):
            return child
    return None


def _innermost_page(element: Node) -> str | None:
    """The page inside wrappers: `<RequireAuth><AdminStats /></RequireAuth>` renders AdminStats."""
    while True:
        name = _element_name(element)
        if element.type != "jsx_element":
            return name
        children = [c for c in element.named_children if c.type in ("jsx_element", "jsx_self_closing_element")]
        capitalised = [c for c in children if (_element_name(c) or "a")[:1].isupper()]
        if len(capitalised) != 1:
            return name
        element = capitalised[0]


def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _join(parent: str, child: str) -> str:
    if child.startswith("/"):
        return _normalise(child)
    return _normalise(parent.rstrip("/") + "/" + child)


def _normalise(path: str) -> str:
    path = "/" + "/".join(part for part in path.split("/") if part)
    return path


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _matches(route: list[str], target: list[str]) -> bool:
    if not route:
        return not target
    head, rest = route[0], route[1:]
    if head == "*":
        return True
    if head.startswith(":") and head.endswith("?"):
        return _matches(rest, target) or (bool(target) and _matches(rest, target[1:]))
    if not target:
        return False
    segment = target[0]
    if head.startswith(":"):
        return bool(segment) and _matches(rest, target[1:])
    if DYNAMIC in segment:
        pattern = re.escape(segment).replace(re.escape(DYNAMIC), ".+")
        return re.fullmatch(pattern, head, re.I) is not None and _matches(rest, target[1:])
    return head.lower() == segment.lower() and _matches(rest, target[1:])


def _specificity(path: str, target: list[str]) -> tuple:
    """Literal segments matched by literal segments first, then fewer splats, then length."""
    parts = _segments(path)
    literal = sum(1 for p, t in zip(parts, target) if not p.startswith((":", "*")) and DYNAMIC not in t)
    return (literal, -sum(1 for p in parts if p == "*"), len(parts))


def _component_root(component: Component) -> str | None:
    if component.package_json:
        return posixpath.dirname(component.package_json) or "."
    if component.source:
        return posixpath.dirname(component.source.rstrip("/")) or "."
    return None


def _first_line(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace").split("\n", 1)[0].strip()


def _location(module: JsModule, node: Node, label: str) -> Location:
    line, column = module.position(node)
    return Location(module.path, line, column, label=label)


def _span(source: bytes, path: str, start: int, end: int) -> Location:
    line, column = _point(source, start)
    end_line, end_column = _point(source, end)
    text = source[start:end].decode("utf-8", "replace")
    return Location(path, line, column, end_line, end_column, label=text)


def _point(source: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of a byte offset."""
    line_start = source.rfind(b"\n", 0, offset) + 1
    return source.count(b"\n", 0, offset) + 1, len(source[line_start:offset].decode("utf-8", "replace")) + 1
