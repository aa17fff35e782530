"""JavaScript, JSX, TypeScript and TSX through tree-sitter: module references, env defaults, string literals.

A syntax tree (not a regex) is what keeps requires inside comments and strings
from counting, and what lets optional chaining, JSX, class fields and ESM parse.
The grammar is chosen by suffix; every query is compiled per grammar, so analyses
write one query text for all of them.
"""
from __future__ import annotations

import re
from tiketi_doctor.deferred import dataclass
from dataclasses import field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree-sitter is imported on the first parse: commands that parse no JavaScript skip it
    from tree_sitter import Language, Node, Parser, Query

# Every suffix of source code the analyses read, and the grammar each is parsed with.
_GRAMMARS = {
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
}
SOURCE_SUFFIXES = tuple(_GRAMMARS)
# What an extensionless relative specifier may name, in the order TypeScript (and bundlers) try
# them; a plain `.js` specifier in TypeScript sources names the `.ts` file it is compiled from.
_RESOLVE_ORDER = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
_COMPILED_FROM = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def grammar_of(path: str) -> str:
    """The tree-sitter grammar for a file: typescript, tsx or javascript (anything else parses as JavaScript)."""
    dot = path.rfind(".")
    return _GRAMMARS.get(path[dot:].lower(), "javascript") if dot >= 0 else "javascript"


def resolution_candidates(base: str) -> list[str]:
    """Repository paths a relative specifier (joined and normalised to `base`) may name, in resolution order."""
    candidates = [base]
    dot = base.rfind(".")
    suffix = base[dot:] if dot > base.rfind("/") else ""
    candidates += [base[: -len(suffix)] + alt for alt in _COMPILED_FROM.get(suffix, ())]
    candidates += [base + s for s in _RESOLVE_ORDER]
    candidates += [f"{base}/index{s}" for s in _RESOLVE_ORDER]
    return candidates

_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}
_ENV_MEMBER = re.compile(r"^process\.env(?:\.(\w+)|\[\s*['\"](\w+)['\"]\s*\])$")

# One pass collects every fact the core needs from a module (each query pass walks the whole tree).
_FACTS = """
    (call_expression function: (identifier) @req.fn
        arguments: (arguments . [(string) (template_string)] @req.spec)
        (#eq? @req.fn "require"))
    (import_statement source: (string) @imp.spec)
    (export_statement source: (string) @imp.spec)
    (call_expression function: (import) arguments: (arguments . [(string) (template_string)] @imp.spec))
    (binary_expression operator: ["||" "??"]) @bin.expr
    (call_expression
        function: (member_expression property: (property_identifier) @listen.method)
        arguments: (arguments . (number) @listen.port)
        (#eq? @listen.method "listen"))
"""
# Every string literal: asked for few modules (URL scans), so not part of the shared pass.
_STRINGS = "[(string) (template_string)] @str"
_ENV_DESTRUCTURE = """
    (variable_declarator
        name: (object_pattern (object_assignment_pattern
            left: (shorthand_property_identifier_pattern) @name
            right: [(number) (string)] @value))
        value: (member_expression) @source)
"""


@cache
def _tree_sitter():
    import tree_sitter

    return tree_sitter


@cache
def _language(grammar: str = "javascript") -> Language:
    if grammar == "javascript":
        import tree_sitter_javascript

        return _tree_sitter().Language(tree_sitter_javascript.language())
    import tree_sitter_typescript

    factory = tree_sitter_typescript.language_tsx if grammar == "tsx" else tree_sitter_typescript.language_typescript
    return _tree_sitter().Language(factory())


@cache
def compile_query(source: str, grammar: str = "javascript") -> Query | None:
    """A compiled tree-sitter query for one grammar (cached per grammar and text).

    None when the query names node types that grammar does not have (JSX in plain TypeScript,
    `import x = require()` in JavaScript): such a module has nothing to match. A query that
    compiles for no grammar is a bug and raises.
    """
    try:
        return _tree_sitter().Query(_language(grammar), source)
    except Exception:  # tree_sitter.QueryError
        others = [g for g in _GRAMMAR_NAMES if g != grammar]
        if not any(_compiles(source, g) for g in others):
            raise
        return None


_GRAMMAR_NAMES = ("javascript", "typescript", "tsx")


@cache
def _compiles(source: str, grammar: str) -> bool:
    try:
        _tree_sitter().Query(_language(grammar), source)
    except Exception:
        return False
    return True


def _captures(source: str, grammar: str, root: Node) -> dict[str, list[Node]]:
    query = compile_query(source, grammar)
    return {} if query is None else _tree_sitter().QueryCursor(query).captures(root)


# Queries answered together by one pass over each module: every pass walks the whole tree again,
# and for the small modules of a service a walk costs about as much as the parse.
_SHARED: list[str] = []
_CAPTURE_NAME = re.compile(r"@([A-Za-z_][\w.-]*)")


def shared_query(source: str) -> str:
    """Register a query text (an analysis' module constant) for the combined pass; returns it.
    `JsModule.query` then answers it with the others, captures named as in the text."""
    if source not in _SHARED:
        _SHARED.append(source)
    return source


shared_query(_FACTS)
# TypeScript's `import x = require('y')`: a runtime module reference (the grammar for JavaScript has no such node).
_TS_FACTS = shared_query("(import_require_clause source: (string) @spec)")


@cache
def _combined_query(queries: tuple[str, ...], grammar: str) -> Query | None:
    """One query of all shared ones that the grammar can compile, each capture renamed `q<index>.<name>`.

    Compiling a query costs about as much as compiling it inside the combined one, so the parts
    are not compiled one by one first: a part is left out when the grammar lacks a node type or
    field it names (confirmed by compiling it), and only when the combined query still does not
    compile is each part tried on its own."""
    chosen = [i for i, text in enumerate(queries) if _may_compile(text, grammar) or compile_query(text, grammar) is not None]
    try:
        return _combine(queries, chosen, grammar)
    except Exception:  # tree_sitter.QueryError: a part the names did not rule out
        return _combine(queries, [i for i in chosen if compile_query(queries[i], grammar) is not None], grammar)


def _combine(queries: tuple[str, ...], chosen: list[int], grammar: str) -> Query | None:
    parts = [_CAPTURE_NAME.sub(lambda m, i=i: f"@q{i}.{m.group(1)}", queries[i]) for i in chosen]
    return _tree_sitter().Query(_language(grammar), "\n".join(parts)) if parts else None


_QUERY_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_QUERY_COMMENT = re.compile(r";[^\n]*")
_QUERY_NODE = re.compile(r"\(\s*([A-Za-z_]\w*)")
_QUERY_FIELD = re.compile(r"([A-Za-z_]\w*)\s*:")
_QUERY_SPECIAL = {"_", "ERROR", "MISSING"}


def _may_compile(source: str, grammar: str) -> bool:
    """False when the query names a node type or field the grammar does not have (it cannot
    compile); True only means that its names do not rule it out."""
    language = _language(grammar)
    text = _QUERY_COMMENT.sub("", _QUERY_STRING.sub('""', source))
    kinds = set(_QUERY_NODE.findall(text)) - _QUERY_SPECIAL
    fields = set(_QUERY_FIELD.findall(text))
    return all(language.id_for_node_kind(k, True) is not None for k in kinds) and all(
        language.field_id_for_name(f) is not None for f in fields
    )


@cache
def _parser(grammar: str = "javascript") -> Parser:
    return _tree_sitter().Parser(_language(grammar))


@dataclass(frozen=True)
class ModuleRef:
    specifier: str
    line: int
    column: int
    kind: str  # require | import | dynamic-import | export-from | import-require


@dataclass(frozen=True)
class EnvDefault:
    """`process.env.NAME || value` (or `??`, or a destructuring default)."""

    name: str
    value: str
    line: int
    column: int
    text: str


@dataclass(frozen=True)
class StringLiteral:
    value: str
    line: int
    column: int


@dataclass
class JsModule:
    path: str
    source: bytes
    tree: object
    has_errors: bool
    grammar: str = "javascript"
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Node:
        return self.tree.root_node  # type: ignore[attr-defined]

    def query(self, source: str) -> dict[str, list[Node]]:
        """Captures of a tree-sitter query over this module, by capture name (cached per module)."""
        found = self._cache.get(source)
        if found is None:
            if source in _SHARED:
                self._shared_pass()
                found = self._cache[source]
            else:
                found = self._cache[source] = _captures(source, self.grammar, self.root)
        return found

    def _shared_pass(self) -> None:
        queries = tuple(_SHARED)
        split: dict[str, dict[str, list[Node]]] = {text: {} for text in queries}
        combined = _combined_query(queries, self.grammar)
        for name, nodes in (_tree_sitter().QueryCursor(combined).captures(self.root) if combined else {}).items():
            prefix, _, own = name.partition(".")
            split[queries[int(prefix[1:])]][own] = nodes
        self._cache.update(split)

    def matches(self, source: str) -> list[dict[str, list[Node]]]:
        """Per-match captures, when captures of one match must stay together (cached per module)."""
        key = ("matches", source)
        found = self._cache.get(key)
        if found is None:
            query = compile_query(source, self.grammar)
            found = self._cache[key] = (
                [captures for _, captures in _tree_sitter().QueryCursor(query).matches(self.root)] if query else []
            )
        return found

    def facts(self, name: str) -> list[Node]:
        return self.query(_FACTS).get(name, [])

    def _derived(self, name: str, compute) -> list:
        """A fact list computed once per module (several analyses read it); each caller gets its own copy."""
        key = ("derived", name)
        if key not in self._cache:
            self._cache[key] = compute()
        return list(self._cache[key])

    def position(self, node: Node) -> tuple[int, int]:
        return position(self.source, node)

    @property
    def module_refs(self) -> list[ModuleRef]:
        return self._derived("module_refs", self._module_refs)

    def _module_refs(self) -> list[ModuleRef]:
        refs = []
        for node in self.query(_TS_FACTS).get("spec", []):
            value = string_value(node)
            if value is not None:
                refs.append(_ref(self.source, node, value, "import-require"))
        for node in self.facts("req.spec"):
            value = string_value(node)
            if value is not None:
                refs.append(_ref(self.source, node, value, "require"))
        for node in self.facts("imp.spec"):
            value = string_value(node)
            if value is None:
                continue
            parent = node.parent
            kind = "import"
            if parent is not None and parent.type == "arguments":
                kind = "dynamic-import"
            elif parent is not None and parent.type == "export_statement":
                kind = "export-from"
            if parent is not None and is_type_only(parent):
                continue  # erased by the compiler: not a module the code loads
            refs.append(_ref(self.source, node, value, kind))
        return sorted(refs, key=lambda r: (r.line, r.column))

    @property
    def env_defaults(self) -> list[EnvDefault]:
        return self._derived("env_defaults", self._env_defaults)

    def _env_defaults(self) -> list[EnvDefault]:
        found = []
        for expr in self.facts("bin.expr"):
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            name = env_name(left)
            value = literal_value(right)
            if name and value is not None:
                found.append(_env_default(self.source, name, value, right, expr))
        if b"process.env" in self.source:  # destructuring defaults: a second pass only where they can occur
            for match in self.matches(_ENV_DESTRUCTURE):
                source, name_node, value_node = match["source"][0], match["name"][0], match["value"][0]
                if source.text == b"process.env":
                    value = literal_value(value_node)
                    if value is not None:
                        found.append(_env_default(self.source, name_node.text.decode(), value, value_node, value_node.parent))
        return sorted(found, key=lambda d: (d.line, d.column))

    @property
    def listen_literals(self) -> list[tuple[int, int, int]]:
        """(port, line, column) of `x.listen(3005, ...)` calls with a literal port."""
        return self._derived("listen_literals", self._listen_literals)

    def _listen_literals(self) -> list[tuple[int, int, int]]:
        return [
            (int(node.text), *position(self.source, node))
            for node in self.facts("listen.port")
            if node.text.isdigit()
        ]

    @property
    def strings(self) -> list[StringLiteral]:
        return self._derived("strings", self._strings)

    def _strings(self) -> list[StringLiteral]:
        result = []
        for node in self.query(_STRINGS).get("str", []):
            value = string_value(node, allow_substitutions=True)
            if value:
                result.append(StringLiteral(value, *position(self.source, node)))
        return result


def parse_javascript(text: str, path: str) -> JsModule:
    """Parse JavaScript or TypeScript source, the grammar chosen by the path's suffix."""
    source = text.encode("utf-8")
    grammar = grammar_of(path)
    tree = _parser(grammar).parse(source)
    return JsModule(path, source, tree, tree.root_node.has_error, grammar)


def is_type_only(statement: Node) -> bool:
    """An import/export the TypeScript compiler erases: `import type ...`, `export type ... from`,
    or `import {type A, type B} from` where every specifier is type-only."""
    if statement.type not in ("import_statement", "export_statement"):
        return False
    if any(child.type == "type" for child in statement.children):
        return True
    if statement.type != "import_statement":
        return False
    clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
    if clause is None or len(clause.named_children) != 1 or clause.named_children[0].type != "named_imports":
        return False
    specifiers = clause.named_children[0].named_children
    return bool(specifiers) and all(any(c.type == "type" for c in spec.children) for spec in specifiers)


def string_value(node: Node | None, allow_substitutions: bool = False, substitute=None) -> str | None:
    """The value of a string or template literal.

    A template's `${}` parts make it None, unless `allow_substitutions` (their source text is kept)
    or `substitute(expression_node)` gives their text.
    """
    if node is None or node.type not in ("string", "template_string"):
        return None
    text = node.text
    if b"\\" not in text and (node.type == "string" or b"${" not in text):
        return text[1:-1].decode("utf-8", "replace")  # no escape, no substitution: the text between the quotes
    parts = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(child.text.decode("utf-8", "replace"))
        elif child.type == "escape_sequence":
            parts.append(_unescape(child.text.decode()))
        elif child.type == "template_substitution":
            if substitute is not None:
                inner = child.named_children[0] if child.named_children else None
                parts.append(substitute(inner))
            elif allow_substitutions:
                parts.append(child.text.decode("utf-8", "replace"))
            else:
                return None
    return "".join(parts)


def literal_value(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "number":
        return node.text.decode()
    return string_value(node)


def env_name(node: Node | None) -> str | None:
    """NAME for `process.env.NAME`, also when wrapped in parseInt()/Number()/String()."""
    while node is not None and node.type in ("call_expression", "parenthesized_expression"):
        if node.type == "parenthesized_expression":
            node = node.named_children[0] if node.named_children else None
            continue
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or fn.text not in (b"parseInt", b"Number", b"String", b"parseFloat") or args is None:
            return None
        node = args.named_children[0] if args.named_children else None
    if node is None or node.type not in ("member_expression", "subscript_expression"):
        return None
    match = _ENV_MEMBER.match(node.text.decode("utf-8", "replace"))
    return (match.group(1) or match.group(2)) if match else None


def _unescape(seq: str) -> str:
    body = seq[1:]
    if body[:1] in _STRING_ESCAPES:
        return _STRING_ESCAPES[body[:1]]
    if body.startswith("u") or body.startswith("x"):
        try:
            return chr(int(body[1:].strip("{}"), 16))
        except ValueError:
            return seq
    return body


def position(source: bytes, node: Node) -> tuple[int, int]:
    """1-based (line, column) of a node, the column counted in characters, not bytes."""
    start = node.start_byte
    line_start = source.rfind(b"\n", 0, start) + 1
    return node.start_point[0] + 1, len(source[line_start:start].decode("utf-8", "replace")) + 1


def _ref(source: bytes, node: Node, value: str, kind: str) -> ModuleRef:
    return ModuleRef(value, *position(source, node), kind)


def _env_default(source: bytes, name: str, value: str, value_node: Node, expr: Node) -> EnvDefault:
    return EnvDefault(name, value, *position(source, value_node), expr.text.decode("utf-8", "replace"))
