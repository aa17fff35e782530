"""What the names of a JavaScript module are bound to: imports, declarations, exports.

Route and URL analyses need a little static evaluation — "`api` here is the axios
instance created in services/api.js", "`${API_URL}/api` is `http://localhost:3001/api`
unless the environment says otherwise". This is a deliberately small, scope-insensitive
model: module-level names win over nested ones, and anything it cannot follow stays
unknown instead of being guessed.
"""
from __future__ import annotations

import posixpath
from dataclasses import field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..parsing.javascript import JsModule, env_name, is_type_only, shared_query, string_value
from .resolution import resolve_import
from .source import js_module

if TYPE_CHECKING:
    from tree_sitter import Node

# Stands for a part of a string that is only known at run time.
DYNAMIC = "\x00"

_FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "generator_function_declaration")


@dataclass(frozen=True)
class Import:
    local: str
    specifier: str
    name: str  # "default", "*", an export name, or "module" for a whole require()
    path: str | None  # the repository file a relative specifier resolves to


@dataclass
class Bindings:
    module: JsModule
    imports: dict[str, Import] = field(default_factory=dict)
    # name -> the bound expression (a variable's value) or the function declaration itself
    declarations: dict[str, Node] = field(default_factory=dict)
    # export name ("default" is module.exports / export default) -> exported expression
    exports: dict[str, Node] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.module.path

    def exported(self, name: str) -> Node | None:
        """The node exported under `name`, following `module.exports = { name }` and `export { name }`."""
        if name in self.exports:
            return self.exports[name]
        default = self.exports.get("default")
        if default is not None and default.type == "identifier":
            default = self.declarations.get(default.text.decode())
        if default is not None and default.type == "object":
            for prop in default.named_children:
                if prop.type == "shorthand_property_identifier" and prop.text.decode() == name:
                    return prop
                if prop.type == "pair" and _key(prop) == name:
                    return prop.child_by_field_name("value")
        return None


def bindings(ctx: ScanContext, path: str) -> Bindings | None:
    def compute() -> Bindings | None:
        module = js_module(ctx, path)
        if module is None:
            return None
        # The same module (same text) read in an earlier view of the repository, e.g. the fix
        # planner's previous round: its bindings hold while its relative imports resolve as before.
        earlier = module._cache.get(_BINDINGS)
        if earlier is not None and all(resolve_import(ctx, path, i.specifier) == i.path for i in earlier.imports.values()):
            return earlier
        module._cache[_BINDINGS] = result = _collect(ctx, module)
        return result

    return ctx.memo(("js-bindings", path), compute)


_BINDINGS = ("js-bindings",)  # where a module keeps its bindings


def _collect(ctx: ScanContext, module: JsModule) -> Bindings:
    result = Bindings(module)
    # Module-level statements first, so their names win over nested ones of the same name.
    for statement in module.root.named_children:
        _top_level(ctx, result, statement)
    _nested(ctx, result, module)
    return result


def _top_level(ctx: ScanContext, b: Bindings, statement: Node) -> None:
    kind = statement.type
    if kind == "import_statement":
        if not is_type_only(statement):
            _import(ctx, b, statement)
    elif kind == "export_statement":
        declaration = statement.child_by_field_name("declaration")
        value = statement.child_by_field_name("value")
        if declaration is not None:
            for name, node in _declared_names(declaration):
                b.declarations.setdefault(name, node)
                if node is not None:
                    b.exports.setdefault(name, node)
            _declare_requires(ctx, b, declaration)
        elif value is not None:
            b.exports["default"] = value
        elif statement.child_by_field_name("source") is None:
            for clause in statement.named_children:
                if clause.type == "export_clause":
                    for spec in clause.named_children:
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is not None:
                            b.exports[alias.text.decode()] = name
    elif kind in ("lexical_declaration", "variable_declaration", "function_declaration", "class_declaration",
                  "abstract_class_declaration"):
        for name, node in _declared_names(statement):
            b.declarations.setdefault(name, node)
        _declare_requires(ctx, b, statement)
    elif kind == "expression_statement" and statement.named_children:
        expr = statement.named_children[0]
        if expr.type == "assignment_expression":
            _export_assignment(b, expr)


# The nodes `_nested` looks at, found by tree-sitter instead of a walk over every node in Python.
_NESTED = shared_query("[(variable_declarator) (function_declaration) (assignment_expression)] @node")


def _nested(ctx: ScanContext, b: Bindings, module: JsModule) -> None:
    # Captures come grouped by node type: sorted by (start, outermost first) they are in pre-order,
    # the order in which the first declaration of a name wins.
    nodes = sorted(module.query(_NESTED).get("node", []), key=lambda n: (n.start_byte, -n.end_byte))
    for node in nodes:
        if node.type == "variable_declarator":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is not None and name.type == "identifier" and value is not None:
                b.declarations.setdefault(name.text.decode(), _assigned_value(value))
            if value is not None and value.type == "assignment_expression":
                _export_assignment(b, value)  # const app = module.exports = express()
            _require_declarator(ctx, b, node)
        elif node.type == "function_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                b.declarations.setdefault(name.text.decode(), node)
        elif node.type == "assignment_expression" and "default" not in b.exports:
            _export_assignment(b, node)


def _declare_requires(ctx: ScanContext, b: Bindings, declaration: Node) -> None:
    for declarator in declaration.named_children:
        if declarator.type == "variable_declarator":
            _require_declarator(ctx, b, declarator)


def _assigned_value(node: Node) -> Node:
    while node.type == "assignment_expression":
        right = node.child_by_field_name("right")
        if right is None:
            break
        node = right
    return node


def _declared_names(declaration: Node) -> list[tuple[str, Node | None]]:
    if declaration.type in ("function_declaration", "class_declaration", "abstract_class_declaration",
                            "generator_function_declaration"):
        name = declaration.child_by_field_name("name")
        return [(name.text.decode(), declaration)] if name is not None else []
    names = []
    for declarator in declaration.named_children:
        if declarator.type != "variable_declarator":
            continue
        name = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name is not None and name.type == "identifier":
            names.append((name.text.decode(), _assigned_value(value) if value is not None else None))
    return names


def _import(ctx: ScanContext, b: Bindings, statement: Node) -> None:
    source = statement.child_by_field_name("source")
    if source is None:  # import x = require('y'): the source is the clause's
        clause = next((c for c in statement.named_children if c.type == "import_require_clause"), None)
        source = clause.child_by_field_name("source") if clause is not None else None
    specifier = string_value(source) if source is not None else None
    if specifier is None:
        return
    path = resolve_import(ctx, b.path, specifier)
    for clause in statement.named_children:
        if clause.type == "import_require_clause":  # TypeScript: import x = require('y')
            ident = next((c for c in clause.named_children if c.type == "identifier"), None)
            if ident is not None:
                b.imports[ident.text.decode()] = Import(ident.text.decode(), specifier, "module", path)
            continue
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                b.imports[part.text.decode()] = Import(part.text.decode(), specifier, "default", path)
            elif part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                if ident is not None:
                    b.imports[ident.text.decode()] = Import(ident.text.decode(), specifier, "*", path)
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if any(c.type == "type" for c in spec.children):
                        continue  # `import {type X}`: a type, no runtime binding
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias") or name
                    if name is not None:
                        b.imports[alias.text.decode()] = Import(alias.text.decode(), specifier, name.text.decode(), path)


def _require_declarator(ctx: ScanContext, b: Bindings, declarator: Node) -> None:
    name = declarator.child_by_field_name("name")
    value = declarator.child_by_field_name("value")
    if name is None or value is None:
        return
    member = None
    if value.type == "member_expression":  # require('./x').y
        prop = value.child_by_field_name("property")
        member = prop.text.decode() if prop is not None else None
        value = value.child_by_field_name("object")
    specifier = _require_call(value)
    if specifier is None:
        return
    path = resolve_import(ctx, b.path, specifier)
    if name.type == "identifier":
        b.imports.setdefault(name.text.decode(), Import(name.text.decode(), specifier, member or "module", path))
    elif name.type == "object_pattern" and member is None:
        for prop in name.named_children:
            if prop.type == "shorthand_property_identifier_pattern":
                local = prop.text.decode()
                b.imports.setdefault(local, Import(local, specifier, local, path))
            elif prop.type == "pair_pattern":
                key, alias = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                if key is not None and alias is not None and alias.type == "identifier":
                    b.imports.setdefault(alias.text.decode(), Import(alias.text.decode(), specifier, key.text.decode(), path))


def _require_call(node: Node | None) -> str | None:
    """The specifier of `require('x')` (also `require('x')(...)`, a factory call)."""
    if node is None:
        return None
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is not None and fn.type == "identifier" and fn.text == b"require" and args is not None and args.named_children:
            return string_value(args.named_children[0])
        if fn is not None and fn.type == "call_expression":
            return _require_call(fn)
    return None


def require_specifier(node: Node | None) -> str | None:
    return _require_call(node)


def _export_assignment(b: Bindings, expr: Node) -> None:
    left = expr.child_by_field_name("left")
    right = _assigned_value(expr)
    if left is None or right is None:
        return
    text = left.text.decode()
    if text == "module.exports":
        b.exports["default"] = right
    elif text.startswith(("module.exports.", "exports.")) and left.type == "member_expression":
        prop = left.child_by_field_name("property")
        if prop is not None:
            b.exports[prop.text.decode()] = right


def _key(pair: Node) -> str | None:
    key = pair.child_by_field_name("key")
    if key is None:
        return None
    if key.type in ("string", "template_string"):
        return string_value(key)
    return key.text.decode()


def object_property(node: Node | None, name: str) -> Node | None:
    """The value of property `name` in an object literal."""
    if node is None or node.type != "object":
        return None
    for prop in node.named_children:
        if prop.type == "pair" and _key(prop) == name:
            return prop.child_by_field_name("value")
        if prop.type == "shorthand_property_identifier" and prop.text.decode() == name:
            return prop
    return None


def is_function(node: Node | None) -> bool:
    return node is not None and node.type in _FUNCTIONS


# -- static strings ------------------------------------------------------------------
def static_text(ctx: ScanContext, b: Bindings, node: Node | None, depth: int = 0) -> str:
    """The string an expression evaluates to, with DYNAMIC where a part is only known at run time.

    `process.env.X || 'default'` gives the default (what runs when X is unset); a bare
    `process.env.X` gives the catalogue's url_default for X when a component declares it.
    """
    if node is None or depth > 6:
        return DYNAMIC
    kind = node.type
    if kind == "string":
        value = string_value(node)
        return value if value is not None else DYNAMIC
    if kind == "template_string":
        return string_value(node, substitute=lambda inner: static_text(ctx, b, inner, depth + 1))
    if kind == "parenthesized_expression" and node.named_children:
        return static_text(ctx, b, node.named_children[0], depth + 1)
    if kind == "binary_expression":
        operator = node.child_by_field_name("operator")
        op = operator.text.decode() if operator is not None else ""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op == "+":
            return static_text(ctx, b, left, depth + 1) + static_text(ctx, b, right, depth + 1)
        if op in ("||", "??"):
            fallback = static_text(ctx, b, right, depth + 1)
            if env_name(left) is not None and fallback != DYNAMIC:
                return fallback
            first = static_text(ctx, b, left, depth + 1)
            return first if DYNAMIC not in first else (fallback if DYNAMIC not in fallback else first)
        return DYNAMIC
    name = env_name(node)
    if name is not None:
        owner = next((c for c in components_by_url_env(ctx).get(name, ()) if c.url_default), None)
        return owner.url_default if owner is not None else DYNAMIC
    if kind == "member_expression":  # CONFIG.apiPrefix, with CONFIG an object literal
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        if obj is None or prop is None or obj.type != "identifier":
            return DYNAMIC
        target = resolve_identifier(ctx, b, obj.text.decode())
        if target is None or target[1].type != "object":
            return DYNAMIC
        value = object_property(target[1], prop.text.decode())
        if value is None or value.type == "shorthand_property_identifier":
            return DYNAMIC
        return static_text(ctx, target[0], value, depth + 1)
    if kind == "identifier":
        target = resolve_identifier(ctx, b, node.text.decode())
        if target is None:
            return DYNAMIC
        owner, value = target
        if value.type in ("string", "template_string", "binary_expression", "identifier", "member_expression",
                          "parenthesized_expression"):
            return static_text(ctx, owner, value, depth + 1)
        return DYNAMIC
    return DYNAMIC


def components_by_url_env(ctx: ScanContext) -> dict[str, list[Component]]:
    """url_env -> the components declaring it, in catalogue order (looked up for every name in a handler)."""

    def build() -> dict[str, list[Component]]:
        index: dict[str, list[Component]] = {}
        for component in ctx.catalogue.components:
            if component.url_env:
                index.setdefault(component.url_env, []).append(component)
        return index

    return ctx.memo(("components-by-url-env",), build)


def resolve_identifier(ctx: ScanContext, b: Bindings, name: str, depth: int = 0) -> tuple[Bindings, Node] | None:
    """Where `name` is defined: a declaration here, or an export of the relative module it is imported from."""
    if depth > 4:
        return None
    declared = b.declarations.get(name)
    if declared is not None and _require_call(declared) is None:
        return b, declared
    imported = b.imports.get(name)
    if imported is None or imported.path is None:
        return None
    other = bindings(ctx, imported.path)
    if other is None:
        return None
    export_name = "default" if imported.name in ("module", "default") else imported.name
    node = other.exported(export_name)
    if node is None:
        return None
    if node.type in ("identifier", "shorthand_property_identifier"):
        return resolve_identifier(ctx, other, node.text.decode(), depth + 1) or (other, node)
    return other, node


# -- URLs and paths ----------------------------------------------------------------------
def split_url(text: str) -> tuple[str | None, str]:
    """(host or None, path) of a statically evaluated URL or path.

    A leading DYNAMIC part is taken as the host (`${API_URL}/api`); a literal
    `http://host:port/path` gives its host; a path gives None.
    """
    if text.startswith(DYNAMIC):
        rest = text.lstrip(DYNAMIC)
        return DYNAMIC, rest
    if "://" in text.split("/", 1)[0] + "/" or text.startswith(("http://", "https://", "//")):
        parts = urlsplit(text.replace(DYNAMIC, "__dyn__"))
        path = parts.path.replace("__dyn__", DYNAMIC)
        return (parts.hostname or DYNAMIC), path
    return None, text


def normalise_path(text: str) -> str:
    """`/events/\\x00/seats?x=1` -> `/events/:param/seats`: query dropped, dynamic segments as :param."""
    for stop in ("?", "#"):
        text = text.split(stop, 1)[0]
    segments = []
    for segment in text.split("/"):
        if not segment:
            continue
        segments.append(":param" if DYNAMIC in segment else segment)
    return "/" + "/".join(segments)


def join_paths(prefix: str, path: str) -> str:
    """Express mounts and axios baseURLs both concatenate: `/api` + `/stats` -> `/api/stats`."""
    prefix = prefix.rstrip("/")
    path = path.lstrip("/")
    joined = f"{prefix}/{path}" if path else prefix
    return joined or "/"
