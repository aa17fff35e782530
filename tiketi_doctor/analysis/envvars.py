"""Which environment variables a component's code reads, and how much it depends on each.

A read is classified by what the code does with the value:
- `default`: `process.env.X || 'x'`, `?? 3000`, `{ X = 'x' } = process.env` — unset is fine;
  so is a read that is itself the fallback (`hostname || process.env.X`): the value has another source;
- `guarded`: only tested — `if (process.env.X)`, `process.env.X === 's3'`, `!process.env.X`,
  `cond ? ... : ...`, optional chaining, or a variable that holds it and is only ever tested;
- `required`: the value itself is used — passed to a function, assigned and used, `.split(',')` —
  or a guard stops the program without it (`if (!process.env.X) throw ...`, `... process.exit(1)`).
Reads through libraries (zod schemas parsed from process.env, envalid, env-var, NestJS's
ConfigService) come from analysis/envschema.py with the same classification.
Only required reads need a provider. The code is the component's source folder, the folder of
its package.json (a frontend's `server.js`) and the local packages it depends on (`file:`),
without tests. `process.env.X = ...` is a write: the code provides X itself.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field

from tree_sitter import Node

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.javascript import SOURCE_SUFFIXES, JsModule, string_value
from .envschema import VALUE, calls_factory, factory_call_keys, module_schema_reads, package_folders
from .image import package_json
from .jsbindings import bindings
from .source import js_module

DEFAULT, GUARDED, REQUIRED, UNKNOWN = "default", "guarded", "required", "unknown"
_RANK = {DEFAULT: 0, GUARDED: 1, UNKNOWN: 2, REQUIRED: 3}

_READS = """
    (member_expression
        object: (member_expression object: (identifier) @obj property: (property_identifier) @prop)
        property: (property_identifier) @name) @read
    (subscript_expression
        object: (member_expression object: (identifier) @obj property: (property_identifier) @prop)
        index: (string) @key) @read
    (member_expression
        object: (member_expression object: (meta_property) property: (property_identifier) @prop)
        property: (property_identifier) @name) @read
"""
_DESTRUCTURE = """
    (variable_declarator name: (object_pattern) @pattern value: (member_expression) @source)
"""
_IDENTIFIERS = "(identifier) @id"
# Set by Vite itself in every build (`import.meta.env.BASE_URL`): not read from the environment.
_VITE_BUILTINS = {"BASE_URL", "MODE", "DEV", "PROD", "SSR"}
# Calls that only print the environment: they read no variable of it.
_PRINTS = re.compile(rb"^(?:JSON\.stringify|console\.\w+|\w*[lL]ogger\.\w+|log)$")
_CONVERTERS = {b"Number", b"parseInt", b"parseFloat", b"String", b"Boolean", b"JSON.parse", b"Number.parseInt", b"Number.parseFloat"}
_TESTS = {"===", "!==", "==", "!=", "&&"}
_TEST_FILE = re.compile(r"(?:^|/)(?:__tests__|__mocks__|tests?|spec|e2e|cypress)/|\.(?:test|spec)\.[cm]?[jt]sx?$")
# Expressions that only change the static type: the value is what they wrap.
_TYPE_ONLY = ("non_null_expression", "as_expression", "satisfies_expression", "type_assertion")


@dataclass(frozen=True)
class EnvRead:
    name: str
    usage: str  # default | guarded | required | unknown
    location: Location


@dataclass
class EnvUse:
    """Everything one component's code does with its environment."""

    reads: dict[str, list[EnvRead]]
    writes: dict[str, Location]
    files: list[str]
    # Where the code hands the whole environment to something (`cleanEnv(process.env)`, `process.env[key]`):
    # any variable may be read there.
    reads_all: list[Location] = field(default_factory=list)

    def usage(self, name: str) -> str | None:
        reads = self.reads.get(name)
        if not reads:
            return None
        return max((r.usage for r in reads), key=_RANK.__getitem__)

    def required(self, runs=lambda path: True) -> dict[str, EnvRead]:
        """Variables read without a default or guard (in files `runs` accepts): the first such read of each."""
        found = {}
        for name, reads in self.reads.items():
            first = next((r for r in reads if r.usage == REQUIRED and runs(r.location.path)), None)
            if first is not None and name not in self.writes:
                found[name] = first
        return found


def code_files(ctx: ScanContext, component: Component) -> list[str]:
    """The JavaScript the component runs: its source, its package folder and its local packages."""
    def collect() -> list[str]:
        folders = []
        if component.source:
            folders.append(component.source)
        if component.package_json:
            folders.append(posixpath.dirname(component.package_json) or ".")
        folders += local_packages(ctx, component)
        files: list[str] = []
        for folder in dict.fromkeys(folders):
            if folder == ".":
                continue
            for path in ctx.repo.walk(folder, SOURCE_SUFFIXES):
                if not _TEST_FILE.search(path) and path not in files:
                    files.append(path)
        return sorted(files)

    return ctx.memo(("env-code-files", component.name), collect)


def local_packages(ctx: ScanContext, component: Component) -> list[str]:
    """Folders of the `file:` packages the component depends on (and catalogue shared packages it names)."""
    pkg = package_json(ctx, component.package_json)
    if pkg is None:
        return []
    base = posixpath.dirname(pkg.path) or "."
    folders = []
    for dep in pkg.dependencies.values():
        if dep.spec.startswith("file:"):
            folder = posixpath.normpath(posixpath.join(base, dep.spec[5:]))
            if ctx.repo.is_dir(folder):
                folders.append(folder)
        elif dep.name in ctx.catalogue.shared_packages:
            folders.append(ctx.catalogue.shared_packages[dep.name])
    return folders


def env_use(ctx: ScanContext, component: Component) -> EnvUse:
    return ctx.memo(("env-use", component.name), lambda: _collect(ctx, component))


def _collect(ctx: ScanContext, component: Component) -> EnvUse:
    use = EnvUse({}, {}, code_files(ctx, component))
    modules = [m for m in (js_module(ctx, path) for path in use.files) if m is not None]
    schemas = {m.path: module_schema_reads(ctx, m) for m in modules}
    factories = [f for reads in schemas.values() for f in reads.factories]
    packages = package_folders(ctx, local_packages(ctx, component)) if factories else {}
    for module in modules:
        schema = schemas[module.path]
        found = [EnvRead(k.name, _usage(module, k.value, 0) if k.usage == VALUE else k.usage, k.location) for k in schema.keys]
        for factory in factories:
            if factory.name.encode() not in module.source:
                continue
            b = bindings(ctx, module.path)
            sites = [args for name, args in schema.calls if b is not None and calls_factory(b, name, factory, packages)]
            if not sites:
                continue
            found += [EnvRead(k.name, k.usage, k.location) for k in factory.base]
            for args in sites:
                found += [EnvRead(k.name, k.usage, k.location) for k in factory_call_keys(ctx, module, args, factory)]
        if b"process.env" in module.source or b"import.meta.env" in module.source:
            found += file_reads(module)
            use.reads_all += whole_environment(module, schema.consumed)
        for read in found:
            if read.usage == "write":
                use.writes.setdefault(read.name, read.location)
            else:
                use.reads.setdefault(read.name, []).append(read)
    return use


_WHOLE = """
    (member_expression object: (identifier) @obj property: (property_identifier) @prop) @env
"""


def whole_environment(module: JsModule, consumed: set[int] = frozenset()) -> list[Location]:
    """`process.env` used as a value (passed, spread, iterated) or indexed with a computed key;
    `consumed` are the start bytes of ones handed to a schema whose keys are known."""
    found = []
    for match in module.matches(_WHOLE):
        if match["obj"][0].text != b"process" or match["prop"][0].text != b"env":
            continue
        node = match["env"][0]
        if node.start_byte in consumed:
            continue
        parent = node.parent
        if parent is not None and parent.type == "member_expression" and parent.child_by_field_name("object") == node:
            continue  # process.env.X
        if parent is not None and parent.type == "subscript_expression" and parent.child_by_field_name("object") == node:
            index = parent.child_by_field_name("index")
            if index is not None and index.type == "string":
                continue  # process.env['X']
        if parent is not None and parent.type == "variable_declarator" and parent.child_by_field_name("name").type == "object_pattern":
            continue  # const { X } = process.env
        if parent is not None and parent.type == "assignment_expression" and parent.child_by_field_name("left") == node:
            continue
        call = parent.parent if parent is not None and parent.type == "arguments" else None
        function = call.child_by_field_name("function") if call is not None else None
        if function is not None and _PRINTS.match(function.text):
            continue  # JSON.stringify(process.env): printed, not read
        line, column = module.position(node)
        found.append(Location(module.path, line, column, label=(parent or node).text.decode("utf-8", "replace")[:80]))
    return found


def file_reads(module: JsModule) -> list[EnvRead]:
    """Every environment read (and write, usage "write") in one module."""
    found: list[EnvRead] = []
    for match in module.matches(_READS):
        obj, prop = match.get("obj"), match["prop"][0]
        if prop.text != b"env" or (obj and obj[0].text != b"process"):
            continue
        node = match["read"][0]
        if match.get("name"):
            name = match["name"][0].text.decode()
        else:
            name = string_value(match["key"][0]) or ""
        if not name or (not obj and name in _VITE_BUILTINS):
            continue
        usage = _usage(module, node, depth=0)
        line, column = module.position(node)
        label = node.text.decode("utf-8", "replace")[:80]
        guard = _stopping_guard(node) if usage == GUARDED else None
        if guard is not None:
            usage = REQUIRED
            label = f"the guard at line {module.position(guard)[0]} (`if ({_short(guard)})` → {_stop_kind(guard)}) requires {name}"
        found.append(EnvRead(name, usage, Location(module.path, line, column, label=label)))
    for match in module.matches(_DESTRUCTURE):
        if match["source"][0].text not in (b"process.env", b"import.meta.env"):
            continue
        for child in match["pattern"][0].named_children:
            if child.type == "shorthand_property_identifier_pattern":
                name = child.text.decode()
                usage = _variable_usage(module, child, match["pattern"][0].parent, unused=UNKNOWN)
            elif child.type == "object_assignment_pattern":
                left = child.child_by_field_name("left")
                name, usage = (left.text.decode() if left is not None else ""), DEFAULT
            elif child.type == "pair_pattern":
                key = child.child_by_field_name("key")
                name, usage = (key.text.decode().strip("'\"") if key is not None else ""), UNKNOWN
            else:
                continue
            line, column = module.position(child)
            found.append(EnvRead(name, usage, Location(module.path, line, column, label=child.text.decode()[:80])))
    return found


def _stopping_guard(node: Node) -> Node | None:
    """The `if` statement when the read is a startup guard that stops the program without the value:
    `if (!process.env.X) throw ...`, `if (!A || !B) process.exit(1)`, `if (process.env.X === undefined) throw`."""
    child, parent = node, node.parent
    unset = False
    while parent is not None:
        if parent.type == "parenthesized_expression":
            pass
        elif parent.type == "unary_expression" and parent.child_by_field_name("operator") is not None \
                and parent.child_by_field_name("operator").text == b"!":
            unset = not unset
        elif parent.type == "binary_expression":
            operator = parent.child_by_field_name("operator")
            op = operator.text if operator is not None else b""
            other = parent.child_by_field_name("right") if parent.child_by_field_name("left") == child else parent.child_by_field_name("left")
            if op in (b"===", b"==") and other is not None and other.text in (b"undefined", b"null", b"''", b'""'):
                unset = True
            elif op != b"||" or not unset:
                return None  # `!A && !B`, comparisons with values: not "stop when this one is unset"
        elif parent.type == "if_statement" and parent.child_by_field_name("condition") == child:
            return parent if unset and _stops(parent.child_by_field_name("consequence")) else None
        else:
            return None
        child, parent = parent, parent.parent
    return None


def _stops(body: Node | None) -> bool:
    """Whether a branch ends the program or the call: a `throw`, or `process.exit(...)`."""
    if body is None:
        return False
    statements = body.named_children if body.type == "statement_block" else [body]
    for statement in statements:
        if statement.type == "throw_statement":
            return True
        if statement.type == "expression_statement" and statement.named_children:
            call = statement.named_children[0]
            function = call.child_by_field_name("function") if call.type == "call_expression" else None
            if function is not None and function.text == b"process.exit":
                return True
    return False


def _short(guard: Node) -> str:
    condition = guard.child_by_field_name("condition")
    text = condition.text.decode("utf-8", "replace").strip("()") if condition is not None else ""
    return text if len(text) <= 60 else text[:59] + "…"


def _stop_kind(guard: Node) -> str:
    return "process.exit" if b"process.exit" in (guard.child_by_field_name("consequence") or guard).text else "throw"


def _usage(module: JsModule, node: Node, depth: int) -> str:
    """How the value of `node` is used; a use inside `if (X) {...}` or `X ? ... : ...` that tests the same value is guarded."""
    usage = _direct_usage(module, node, depth)
    if usage == REQUIRED and _tested_around(node):
        return GUARDED
    return usage


def _tested_around(node: Node) -> bool:
    """Whether an enclosing if/ternary/&& tests the same expression (`if (process.env.X) use(process.env.X)`)."""
    text = node.text
    child, parent = node, node.parent
    while parent is not None:
        condition = None
        if parent.type in ("if_statement", "ternary_expression", "while_statement"):
            condition = parent.child_by_field_name("condition")
        elif parent.type == "binary_expression" and parent.child_by_field_name("right") == child:
            operator = parent.child_by_field_name("operator")
            if operator is not None and operator.text == b"&&":
                condition = parent.child_by_field_name("left")
        if condition is not None and condition != child and not _inside(child, condition) and text in condition.text:
            return True
        if parent.type in ("function_declaration", "function_expression", "arrow_function", "method_definition", "program"):
            return False
        child, parent = parent, parent.parent
    return False


def _direct_usage(module: JsModule, node: Node, depth: int) -> str:
    """How the value of `node` is used, walking up through conversions and parentheses."""
    while True:
        parent = node.parent
        if parent is None:
            return REQUIRED
        kind = parent.type
        if kind == "parenthesized_expression" or kind in _TYPE_ONLY or (kind == "subscript_expression" and parent.child_by_field_name("index") == node):
            node = parent  # `LEVELS[process.env.X] || LEVELS.info`: what matters is how the lookup is used
            continue
        if kind == "arguments":
            call = parent.parent
            function = call.child_by_field_name("function") if call is not None else None
            if function is not None and function.text in _CONVERTERS:
                node = call
                continue
            return REQUIRED
        if kind == "binary_expression":
            operator = parent.child_by_field_name("operator")
            op = operator.text.decode() if operator is not None else ""
            if op in ("||", "??"):
                if parent.child_by_field_name("left") == node:
                    return DEFAULT
                # `hostname || process.env.X`: the fallback of a value with another source
                left = parent.child_by_field_name("left")
                return REQUIRED if left is None or left.type in ("string", "number", "template_string") else DEFAULT
            return GUARDED if op in _TESTS else REQUIRED
        if kind == "unary_expression":
            return GUARDED
        if kind == "ternary_expression":
            return GUARDED if parent.child_by_field_name("condition") == node else REQUIRED
        if kind in ("if_statement", "while_statement", "do_statement"):
            return GUARDED
        if kind == "member_expression":
            optional = any(c.type == "optional_chain" for c in parent.children)
            return GUARDED if optional else REQUIRED
        if kind == "assignment_expression" and parent.child_by_field_name("left") == node:
            return "write"
        if kind == "augmented_assignment_expression" and parent.child_by_field_name("left") == node:
            return "write"
        if kind == "variable_declarator" and depth == 0:
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                return _variable_usage(module, name, parent)
        return REQUIRED


def _variable_usage(module: JsModule, name: Node, declarator: Node, unused: str = REQUIRED) -> str:
    """A variable holding the value: guarded when every use of it only tests it."""
    uses = [
        n for n in module.query(_IDENTIFIERS).get("id", [])
        if n.text == name.text and n != name and not _inside(n, declarator)
    ]
    if not uses:
        return unused
    usages = {_usage(module, n, depth=1) for n in uses}
    return GUARDED if usages <= {GUARDED, DEFAULT} else REQUIRED


def _inside(node: Node, container: Node) -> bool:
    return container.start_byte <= node.start_byte and node.end_byte <= container.end_byte


def defined_at_build(text: str) -> set[str]:
    """Variables a bundler inlines: `--define:process.env.X=...`, DefinePlugin keys, `process.env.X` in config."""
    return set(re.findall(r"process\.env\.([A-Za-z_][A-Za-z0-9_]*)", text))
