"""MOD: imports of a repository module that asks for a name the module does not export."""
from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Iterable, Iterator

from tiketi_doctor.deferred import dataclass
from tiketi_doctor import files as roles
from tiketi_doctor.analysis.resolution import resolve_import
from tiketi_doctor.analysis.source import js_module, source_files
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.javascript import is_type_only, string_value

if TYPE_CHECKING:
    from tree_sitter import Node

SOURCE = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
MAX_REEXPORT_DEPTH = 4


@dataclass
class Exports:
    """The names a module exports, when every export is one this reader can follow."""

    kind: str  # "esm" | "cjs"
    names: dict[str, int] = field(default_factory=dict)  # name -> line of its export
    values: set[str] = field(default_factory=set)  # the names certainly bound at run time (not TypeScript types)


def module_exports(ctx: ScanContext, path: str, depth: int = 0) -> Exports | None:
    """The module's exports, or None when they are not fully known (dynamic, `export *` from
    something unreadable, `export =`, ESM mixed with CommonJS, or no export at all)."""
    return ctx.memo(("module-exports", path), lambda: _exports(ctx, path, depth))


def _exports(ctx: ScanContext, path: str, depth: int) -> Exports | None:
    if not path.endswith(SOURCE) or path.endswith((".d.ts", ".d.mts", ".d.cts")):
        return None
    module = js_module(ctx, path)
    if module is None:
        return None
    esm: dict[str, int] = {}
    values: set[str] = set()
    cjs: dict[str, int] = {}
    cjs_targets: set[int] = set()  # start bytes of the `exports`/`module.exports` nodes we understood
    for statement in module.root.named_children:
        line = statement.start_point[0] + 1
        if statement.type == "export_statement":
            if not _esm_export(ctx, path, statement, esm, depth, values):
                return None
        elif statement.type == "expression_statement" and statement.named_children:
            expr = statement.named_children[0]
            if expr.type == "assignment_expression":
                left = expr.child_by_field_name("left")
                right = expr.child_by_field_name("right")
                text = left.text.decode() if left is not None else ""
                if text == "module.exports":
                    if right is None or right.type != "object":
                        return None  # a function, class or instance: its properties are not followed
                    for prop in right.named_children:
                        name = _property_name(prop)
                        if name is None:
                            return None  # spread or computed key
                        cjs[name] = prop.start_point[0] + 1
                    cjs_targets.add(left.start_byte)
                elif left is not None and left.type == "member_expression" and text.startswith(("module.exports.", "exports.")) and text.count(".") == text.startswith("module.") + 1:
                    cjs[left.child_by_field_name("property").text.decode()] = line
                    cjs_targets.add(left.child_by_field_name("object").start_byte)
    # Any other use of `exports` / `module.exports` (Object.assign, exports[k], nested assignments) is not followed.
    if any(node.start_byte not in cjs_targets for node in _export_objects(module.root)):
        return None
    if esm and cjs or not (esm or cjs):
        return None
    return Exports("esm", esm, values) if esm else Exports("cjs", cjs, set(cjs))


VALUE_DECLARATIONS = (
    "function_declaration", "generator_function_declaration", "class_declaration", "abstract_class_declaration",
    "lexical_declaration", "variable_declaration", "enum_declaration",
)
TYPESCRIPT = (".ts", ".tsx", ".mts", ".cts")


def _esm_export(ctx: ScanContext, path: str, statement: Node, names: dict[str, int], depth: int, values: set[str]) -> bool:
    line = statement.start_point[0] + 1
    if any(c.type == "=" for c in statement.children):
        return False  # TypeScript `export = x`: a CommonJS module
    declaration = statement.child_by_field_name("declaration")
    source = statement.child_by_field_name("source")
    if statement.child_by_field_name("value") is not None or any(c.type == "default" for c in statement.children):
        names["default"] = line
        return True
    if declaration is not None:
        declared = _declared(declaration)
        if declared is None:
            return False
        for name in declared:
            names[name] = line
            if declaration.type in VALUE_DECLARATIONS:
                values.add(name)
        return True
    clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
    if clause is not None:
        for spec in clause.named_children:
            name = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias") or name
            if alias is not None:
                exported = string_value(alias) or alias.text.decode()
                names[exported] = line
                if not path.endswith(TYPESCRIPT):  # in TypeScript `export { X }` may name a type
                    values.add(exported)
        return True
    namespace = next((c for c in statement.named_children if c.type == "namespace_export"), None)
    if namespace is not None:
        ident = namespace.named_children[-1] if namespace.named_children else None
        if ident is None:
            return False
        names[string_value(ident) or ident.text.decode()] = line
        values.add(string_value(ident) or ident.text.decode())
        return True
    if source is not None and any(c.type == "*" for c in statement.children):  # export * from './x'
        specifier = string_value(source)
        target = resolve_import(ctx, path, specifier) if specifier else None
        if target is None or depth >= MAX_REEXPORT_DEPTH:
            return False
        inner = module_exports(ctx, target, depth + 1)
        if inner is None or inner.kind != "esm":
            return False
        names.update({n: line for n in inner.names if n != "default"})  # `export *` never re-exports default
        values.update(n for n in inner.values if n != "default")
        return True
    return False


def _declared(declaration: Node) -> list[str] | None:
    kind = declaration.type
    if kind in ("lexical_declaration", "variable_declaration"):
        found = []
        for declarator in declaration.named_children:
            if declarator.type != "variable_declarator":
                continue
            name = declarator.child_by_field_name("name")
            if name is None or name.type != "identifier":
                return None  # `export const {a, b} = obj`: not followed
            found.append(name.text.decode())
        return found
    name = declaration.child_by_field_name("name")
    if name is None:
        return None
    # Types and interfaces count too: a TypeScript named import of a type is erased, never an error.
    return [name.text.decode()]


def _property_name(prop: Node) -> str | None:
    if prop.type == "shorthand_property_identifier":
        return prop.text.decode()
    if prop.type in ("pair", "method_definition"):
        key = prop.child_by_field_name("key") or prop.child_by_field_name("name")
        if key is None or key.type == "computed_property_name":
            return None
        return string_value(key) if key.type == "string" else key.text.decode()
    return None


def _export_objects(root: Node) -> Iterator[Node]:
    """Every bare `exports` identifier and every `module.exports` expression."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "identifier" and node.text == b"exports" or node.type == "member_expression" and node.text == b"module.exports":
            yield node
        elif node.child_count and b"exports" in node.text:
            stack.extend(node.children)


@dataclass(frozen=True)
class Use:
    name: str  # "default" or an export name
    specifier: str
    target: str
    location: Location
    how: str  # "import" | "require"
    spelling: Spelling | None = None  # where the asked-for name is written, when it is a plain identifier


@dataclass(frozen=True)
class Spelling:
    """The imported name as written: 1-based line and character column, and the local alias (None: no alias)."""

    line: int
    column: int
    text: str
    alias: str | None


def module_uses(ctx: ScanContext, path: str) -> list[Use]:
    """Top-level default/named imports and destructured requires of repository modules."""
    module = js_module(ctx, path)
    if module is None:
        return []
    uses: list[Use] = []
    for statement in module.root.named_children:
        if statement.type == "import_statement" and not is_type_only(statement):
            source = statement.child_by_field_name("source")
            specifier = string_value(source) if source is not None else None
            target = resolve_import(ctx, path, specifier) if specifier else None
            clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
            if target is None or clause is None:
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    uses.append(Use("default", specifier, target, _at(path, part, statement), "import"))
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        if any(c.type == "type" for c in spec.children):
                            continue
                        name = spec.child_by_field_name("name")
                        if name is not None:
                            alias = spec.child_by_field_name("alias")
                            spelling = _spelling(module.source, name, alias) if name.type == "identifier" else None
                            uses.append(Use(string_value(name) or name.text.decode(), specifier, target, _at(path, spec, statement), "import", spelling))
        elif statement.type in ("lexical_declaration", "variable_declaration"):
            for declarator in statement.named_children:
                pattern = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if declarator.type != "variable_declarator" or pattern is None or pattern.type != "object_pattern":
                    continue
                specifier = _require(value)
                target = resolve_import(ctx, path, specifier) if specifier else None
                if target is None:
                    continue
                for prop in pattern.named_children:
                    if prop.type == "shorthand_property_identifier_pattern":
                        key, alias = prop, None
                    elif prop.type == "pair_pattern" and prop.child_by_field_name("key") is not None and prop.child_by_field_name("key").type == "property_identifier":
                        key, alias = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                    else:
                        continue
                    if key.text != b"default":
                        uses.append(Use(key.text.decode(), specifier, target, _at(path, prop, statement), "require", _spelling(module.source, key, alias)))
    return uses


def _require(node: Node | None) -> str | None:
    if node is None or node.type != "call_expression":
        return None
    fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    if fn is None or fn.text != b"require" or args is None or len(args.named_children) != 1:
        return None
    return string_value(args.named_children[0])


def _spelling(source: bytes, name: Node, alias: Node | None) -> Spelling:
    line_start = name.start_byte - name.start_point[1]
    column = len(source[line_start:name.start_byte].decode("utf-8", "replace")) + 1
    return Spelling(name.start_point[0] + 1, column, name.text.decode(), alias.text.decode() if alias is not None else None)


def _at(path: str, node: Node, statement: Node) -> Location:
    return Location(path, node.start_point[0] + 1, node.start_point[1] + 1, label=statement.text.decode().splitlines()[0][:120])


@facts
class ExportFacts(Facts):
    """MOD001: the import (file and line), the module it reads and the name it asks for."""

    path: str
    line: int | None
    module: str
    name: str


class ExportMissing(Check):
    code = "MOD001"
    name = "import-not-exported"
    severity = Severity.ERROR
    fixable = True
    summary = "A default or named import (or destructured require) asks a repository module for a name it does not export."
    why = (
        "A default import of a module that has only named exports, or `import { x }` / `const { x } = require()` "
        "of a name the module never exports, is `undefined` at run time (native ESM refuses to load it with "
        "\"does not provide an export named\"; TypeScript refuses to compile it). The first call through it "
        "crashes with `TypeError: x is not a function` — often at start, after the import was renamed."
    )
    example = "import authMiddleware from './middleware/auth' — auth.js has `export function requireAuth`, no default"
    fix = "Import the name the module exports (`import { requireAuth } from ...`), or export the name the importer expects."
    Facts = ExportFacts
    symptom = "`TypeError: {name} is not a function` (the import is undefined), or a failed TypeScript build"
    fix_title = "Import a name {module} exports in {path}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        table = roles.file_roles(ctx)
        seen = ctx.memo("MOD001-seen", set)
        for path in source_files(ctx, component):
            if path in seen or not table.is_production(path):
                continue
            seen.add(path)
            for use in module_uses(ctx, path):
                exports = module_exports(ctx, use.target)
                if exports is None or use.name in exports.names:
                    continue
                if use.name == "default" and exports.kind == "cjs":
                    continue  # Node and esModuleInterop give a CommonJS module's exports object as the default
                known = ", ".join(sorted(n for n in exports.names if n != "default")) or Msg("none")
                what = Msg("has no default export") if use.name == "default" else Msg("does not export {name!r}", name=use.name)
                first = min(exports.names.values())
                yield self.finding(
                    Msg("{where} imports {name} from {specifier}, but {module} {what} (it exports: {known}) — the binding is undefined",
                        where=f"{use.location.path}:{use.location.line}", name=Msg("the default") if use.name == "default" else repr(use.name),
                        specifier=use.specifier, module=use.target, what=what, known=known),
                    use.location,
                    service=component.name,
                    related=[Location(use.target, first, label=f"exports: {known}")],
                    evidence={"module": use.target, "name": use.name, "exports": sorted(exports.names), "kind": exports.kind},
                    root_cause=Msg(
                        "{module} is {kind} whose exports are {known}; {name!r} is not one of them, so {where} gets undefined "
                        "and the first use of it throws TypeError.",
                        module=use.target, kind=Msg("an ES module") if exports.kind == "esm" else Msg("a CommonJS module"),
                        known=known, name=use.name, where=f"{use.location.path}:{use.location.line}",
                    ),
                    facts=ExportFacts(use.location.path, use.location.line, use.target, use.name),
                )


CHECKS = (ExportMissing,)
