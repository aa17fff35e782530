"""Environment variables read through a library instead of `process.env.X`.

- zod: an object schema (`z.object`, `.extend`, `.merge`, `.pick/.omit/.partial`) parsed from
  `process.env` (`parse`/`safeParse`); a key is required unless `.optional()`, `.default()`,
  `.nullish()` or `.catch()` says otherwise. A factory whose parameter extends the schema
  (`createEnvConfig({...})` in a shared package) gets its keys from each call site.
- envalid: `cleanEnv(process.env, { X: str(), Y: port({ default: 3000 }) })`.
- env-var: `env.get('X').required()` (required), `.default(v)` (default), otherwise optional.
- NestJS: `configService.getOrThrow('X')` (required), `get('X', fallback)` (default), `get('X')`
  (used like `process.env.X`).
A schema key is required only when an invalid environment stops the program: `.parse()` throws;
after `.safeParse()` the enclosing function must throw or exit.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import TYPE_CHECKING

from ..deferred import dataclass
from ..model import Location
from ..parsing.javascript import JsModule, shared_query, string_value
from .jsbindings import Bindings, bindings, resolve_identifier

if TYPE_CHECKING:
    from tree_sitter import Node

    from ..context import ScanContext

DEFAULT, GUARDED, REQUIRED, UNKNOWN = "default", "guarded", "required", "unknown"

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_OPTIONAL = {"optional", "default", "nullish", "catch"}
# Methods that return a schema with the same keys as their object.
_SAME_KEYS = {"strict", "passthrough", "strip", "describe", "superRefine", "refine", "transform", "catchall", "brand",
              "readonly", "pipe", "required", "deepPartial"}
_PARSE = {"parse", "safeParse", "parseAsync", "safeParseAsync", "spa"}
_FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "method_definition", "generator_function_declaration")

_CALLS = shared_query("(call_expression function: [(identifier) (member_expression)] arguments: (arguments)) @call")


@dataclass(frozen=True)
class SchemaKey:
    name: str
    usage: str  # default | guarded | required | unknown, or VALUE: classify `value` as a process.env read is
    location: Location
    value: Node | None = None


VALUE = "value"


@dataclass
class Factory:
    """A function whose parameter extends an environment schema parsed inside it."""

    name: str
    path: str
    param: int
    base: list[SchemaKey]
    throws: bool


@dataclass
class SchemaReads:
    """What one module reads through libraries."""

    keys: list[SchemaKey] = field(default_factory=list)
    # start bytes of `process.env` nodes handed to a schema whose keys are known
    consumed: set[int] = field(default_factory=set)
    factories: list[Factory] = field(default_factory=list)
    # (callee local name, its call's arguments node) for every call: factory call sites
    calls: list[tuple[str, Node]] = field(default_factory=list)


def module_schema_reads(ctx: ScanContext, module: JsModule) -> SchemaReads:
    """Reads through zod, envalid, env-var and NestJS's ConfigService in one module (cached per module)."""
    key = ("schema-reads",)
    found = module._cache.get(key)
    if found is None or found[0] is not ctx:
        found = (ctx, _collect(ctx, module))
        module._cache[key] = found
    return found[1]


def _collect(ctx: ScanContext, module: JsModule) -> SchemaReads:
    result = SchemaReads()
    text = module.source
    relevant = b"process.env" in text or b"env-var" in text or b"ConfigService" in text
    b = bindings(ctx, module.path) if relevant else None
    nest = b"ConfigService" in text
    for call in module.query(_CALLS).get("call", []):
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if fn is None or args is None:
            continue
        if fn.type == "identifier":
            result.calls.append((fn.text.decode(), args))
        if b is None:
            continue
        first = args.named_children[0] if args.named_children else None
        if fn.type == "identifier":
            if fn.text == b"cleanEnv" and _is_process_env(first) and len(args.named_children) > 1:
                _envalid(ctx, b, args.named_children[1], result, first)
            continue
        if fn.type != "member_expression":
            continue
        method = _text(fn.child_by_field_name("property"))
        owner = fn.child_by_field_name("object")
        if method in _PARSE and _is_process_env(first):
            _parsed(ctx, b, call, owner, method, result, first)
        elif method == "cleanEnv" and _is_process_env(first) and len(args.named_children) > 1:
            _envalid(ctx, b, args.named_children[1], result, first)
        elif method == "get" and _from_env_var(b, owner):
            _env_var(module, call, first, result)
        elif nest and method in ("get", "getOrThrow") and _config_service(owner):
            _nest(module, call, method, args, result)
    return result


def _is_process_env(node: Node | None) -> bool:
    return node is not None and node.type == "member_expression" and node.text == b"process.env"


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def _location(module: JsModule, node: Node, label: str | None = None) -> Location:
    line, column = module.position(node)
    return Location(module.path, line, column, label=label or node.text.decode("utf-8", "replace").split("\n")[0][:80])


# -- zod -----------------------------------------------------------------------------------------
def _parsed(ctx: ScanContext, b: Bindings, call: Node, schema: Node, method: str, result: SchemaReads, env: Node) -> None:
    function = _enclosing_function(call)
    scope = function if function is not None else _root(call)
    throws = not method.startswith(("safe", "spa")) or _stops(scope)
    keys = _schema_keys(ctx, b, schema, function, 0)
    if keys is None:
        return  # a schema this cannot read: the whole environment may be read there
    result.consumed.add(env.start_byte)
    fixed, param = keys
    fixed = [k if throws or k.usage != REQUIRED else SchemaKey(k.name, UNKNOWN, k.location) for k in fixed]
    if param is not None and function is not None:
        name = _function_name(function)
        if name:
            result.factories.append(Factory(name, b.path, param, fixed, throws))
            return
    result.keys += fixed


def _root(node: Node) -> Node:
    while node.parent is not None:
        node = node.parent
    return node


def _stops(scope: Node | None) -> bool:
    """Whether a scope throws or exits (what follows a failed safeParse)."""
    if scope is None:
        return False
    text = scope.text
    return b"throw " in text or b"process.exit(" in text


def _schema_keys(ctx: ScanContext, b: Bindings, node: Node | None, function: Node | None, depth: int):
    """([SchemaKey], index of the function parameter that extends it, or None), or None when unknown."""
    if node is None or depth > 8:
        return None
    node = _unwrap(node)
    if node.type == "identifier":
        name = node.text.decode()
        if function is not None and _parameter_index(function, name) is not None:
            return [], _parameter_index(function, name)
        target = resolve_identifier(ctx, b, name)
        if target is None:
            return None
        owner, value = target
        return _schema_keys(ctx, owner, value, function if owner is b else None, depth + 1)
    if node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if fn is None or fn.type != "member_expression" or args is None:
        return None
    method = _text(fn.child_by_field_name("property"))
    owner = fn.child_by_field_name("object")
    first = args.named_children[0] if args.named_children else None
    if method in ("object", "strictObject", "looseObject") and owner is not None and owner.type in ("identifier", "member_expression"):
        return _object_keys(ctx, b, first)
    if method in _SAME_KEYS:
        return _schema_keys(ctx, b, owner, function, depth + 1)
    base = _schema_keys(ctx, b, owner, function, depth + 1)
    if base is None:
        return None
    keys, param = base
    if method == "partial":
        return [SchemaKey(k.name, DEFAULT, k.location) for k in keys], param
    if method in ("pick", "omit"):
        chosen = {k for k, _ in _pairs(first)} if first is not None and first.type == "object" else None
        if chosen is None:
            return None
        return [k for k in keys if (k.name in chosen) == (method == "pick")], param
    if method in ("extend", "merge", "augment"):
        added = _schema_keys(ctx, b, first, function, depth + 1) if method == "merge" else None
        if method != "merge":
            added = _object_keys(ctx, b, first) if first is not None and first.type == "object" else _schema_keys(ctx, b, first, function, depth + 1)
        if added is None:
            return None
        extra, extra_param = added
        names = {k.name for k in extra}
        return [k for k in keys if k.name not in names] + extra, param if param is not None else extra_param
    return None


def _object_keys(ctx: ScanContext, b: Bindings, node: Node | None):
    if node is None:
        return None
    node = _unwrap(node)
    if node.type == "identifier":
        target = resolve_identifier(ctx, b, node.text.decode())
        return _object_keys(ctx, target[0], target[1]) if target is not None and target[1].type == "object" else None
    if node.type != "object":
        return None
    module = b.module
    keys = []
    for name, pair in _pairs(node):
        value = pair.child_by_field_name("value")
        if _ENV_NAME.match(name):
            usage = _zod_usage(b, value, 0)
            verb = "requires" if usage == REQUIRED else "reads"
            keys.append(SchemaKey(name, usage, _location(module, pair, f"the zod schema parsed from process.env {verb} {name}")))
    return keys, None


def _pairs(node: Node) -> list[tuple[str, Node]]:
    found = []
    for pair in node.named_children:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        if key is None:
            continue
        name = string_value(key) if key.type in ("string", "template_string") else key.text.decode()
        if name:
            found.append((name, pair))
    return found


def _zod_usage(b: Bindings, value: Node | None, depth: int) -> str:
    """Required unless the chain makes undefined acceptable; unknown when the schema cannot be seen."""
    node = value
    while node is not None and depth < 8:
        node = _unwrap(node)
        if node.type == "identifier":  # a schema kept in a variable of this module
            node, depth = b.declarations.get(node.text.decode()), depth + 1
            if node is None:
                return UNKNOWN
            continue
        if node.type == "member_expression":  # the root of `z.coerce.number()`
            return REQUIRED
        fn = node.child_by_field_name("function") if node.type == "call_expression" else None
        if fn is None or fn.type != "member_expression":
            return UNKNOWN
        method = _text(fn.child_by_field_name("property"))
        if method in _OPTIONAL or (method in ("union", "or") and b"undefined" in node.text):
            return DEFAULT
        node = fn.child_by_field_name("object")
        if node is not None and node.type == "identifier" and node.text.decode() not in b.declarations:
            return REQUIRED  # `z.string()`: the chain starts at the library
    return UNKNOWN


def _unwrap(node: Node) -> Node:
    while node.type in ("parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression", "await_expression") and node.named_children:
        node = node.named_children[0]
    return node


def _enclosing_function(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in _FUNCTIONS:
            return parent
        parent = parent.parent
    return None


def _function_name(function: Node) -> str | None:
    name = function.child_by_field_name("name")
    if name is not None:
        return name.text.decode()
    parent = function.parent  # const f = (...) => ...
    if parent is not None and parent.type == "variable_declarator":
        target = parent.child_by_field_name("name")
        return target.text.decode() if target is not None and target.type == "identifier" else None
    return None


def _parameter_index(function: Node, name: str) -> int | None:
    params = function.child_by_field_name("parameters")
    for index, param in enumerate(params.named_children if params is not None else []):
        target = param
        if param.type in ("required_parameter", "optional_parameter"):
            target = param.child_by_field_name("pattern")
        elif param.type == "assignment_pattern":
            target = param.child_by_field_name("left")
        if target is not None and target.type == "identifier" and target.text.decode() == name:
            return index
    return None


def factory_call_keys(ctx: ScanContext, caller: JsModule, args: Node, factory: Factory) -> list[SchemaKey]:
    """The keys a call of a schema factory adds: its object argument, read as the schema's extension."""
    b = bindings(ctx, caller.path)
    if b is None or len(args.named_children) <= factory.param:
        return []
    found = _object_keys(ctx, b, args.named_children[factory.param])
    if found is None:
        return []
    return [k if factory.throws or k.usage != REQUIRED else SchemaKey(k.name, UNKNOWN, k.location) for k in found[0]]


def calls_factory(b: Bindings, local: str, factory: Factory, packages: dict[str, str]) -> bool:
    """Whether `local` in this module is the factory: declared here, imported from its file, or from the
    workspace package whose folder holds it."""
    if b.path == factory.path:
        return local == factory.name and local not in b.imports
    imported = b.imports.get(local)
    if imported is None or imported.name != factory.name:
        return False
    if imported.path is not None:
        return imported.path == factory.path
    parts = imported.specifier.split("/")
    package = "/".join(parts[:2]) if imported.specifier.startswith("@") else parts[0]
    folder = packages.get(package)
    return folder is not None and factory.path.startswith(folder.rstrip("/") + "/")


# -- envalid, env-var, NestJS ----------------------------------------------------------------------
def _envalid(ctx: ScanContext, b: Bindings, spec: Node, result: SchemaReads, env: Node) -> None:
    spec = _unwrap(spec)
    if spec.type == "identifier":
        target = resolve_identifier(ctx, b, spec.text.decode())
        if target is None or target[1].type != "object":
            return
        b, spec = target
    if spec.type != "object":
        return
    result.consumed.add(env.start_byte)
    for name, pair in _pairs(spec):
        value = pair.child_by_field_name("value")
        usage = REQUIRED
        args = value.child_by_field_name("arguments") if value is not None and value.type == "call_expression" else None
        options = args.named_children[0] if args is not None and args.named_children else None
        if options is not None and options.type == "object" and any(k in ("default", "devDefault") for k, _ in _pairs(options)):
            usage = DEFAULT
        if _ENV_NAME.match(name):
            verb = "requires" if usage == REQUIRED else "reads"
            result.keys.append(SchemaKey(name, usage, _location(b.module, pair, f"cleanEnv(process.env) {verb} {name}")))


def _from_env_var(b: Bindings, owner: Node | None) -> bool:
    if owner is None:
        return False
    if owner.type == "identifier":
        imported = b.imports.get(owner.text.decode())
        return imported is not None and imported.specifier == "env-var"
    return owner.type == "call_expression" and owner.text.replace(b'"', b"'") == b"require('env-var')"


def _env_var(module: JsModule, call: Node, first: Node | None, result: SchemaReads) -> None:
    name = string_value(first) if first is not None else None
    if not name or not _ENV_NAME.match(name):
        return
    usage = GUARDED  # env-var returns undefined for an unset variable unless told otherwise
    node = call
    while node.parent is not None and node.parent.type == "member_expression" and node.parent.parent is not None \
            and node.parent.parent.type == "call_expression":
        method = _text(node.parent.child_by_field_name("property"))
        outer = node.parent.parent
        if method == "required":
            args = outer.child_by_field_name("arguments")
            usage = GUARDED if args is not None and args.named_children and args.named_children[0].text == b"false" else REQUIRED
        elif method == "default":
            usage = DEFAULT
        node = outer
    result.keys.append(SchemaKey(name, usage, _location(module, call)))


def _config_service(owner: Node | None) -> bool:
    """`configService`, `this.configService`, `this.config`: what NestJS code names its ConfigService."""
    text = _text(owner).rsplit(".", 1)[-1].lower()
    return text.endswith(("configservice", "config"))


def _nest(module: JsModule, call: Node, method: str, args: Node, result: SchemaReads) -> None:
    first = args.named_children[0] if args.named_children else None
    name = string_value(first) if first is not None else None
    if not name or not _ENV_NAME.match(name):
        return  # a dotted path into a configuration namespace, not a variable
    if method == "getOrThrow":
        usage = REQUIRED
    elif len(args.named_children) > 1:
        usage = DEFAULT
    else:
        usage = VALUE  # `get('X')` returns undefined when X is unset, like process.env.X
    result.keys.append(SchemaKey(name, usage, _location(module, call), call))


def package_folders(ctx: ScanContext, folders: list[str]) -> dict[str, str]:
    """Package name -> folder, for the local/workspace package folders a component's code includes."""
    from .image import package_json

    found = {}
    for folder in folders:
        pkg = package_json(ctx, posixpath.join(folder, "package.json"))
        name = pkg.data.get("name") if pkg is not None and isinstance(pkg.data, dict) else None
        if isinstance(name, str):
            found[name] = folder
    return found
