"""TypeScript and TSX read through the same front end as JavaScript: module facts, bindings, resolution."""
from __future__ import annotations

import textwrap

import pytest

from tiketi_doctor.analysis.jsbindings import bindings
from tiketi_doctor.analysis.resolution import resolve_import
from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.context import ScanContext
from tiketi_doctor.parsing.javascript import (
    SOURCE_SUFFIXES,
    compile_query,
    grammar_of,
    parse_javascript,
    resolution_candidates,
)
from tiketi_doctor.repo import RepoView

MODULE = textwrap.dedent("""\
    import type { Config } from './types';
    import { type Request, type Response } from 'express-types-only';
    import { type Logger, createLogger } from './logging';
    export type { Shape } from './shapes';
    export { helper } from './helpers';
    import crypto = require('crypto-js');
    import './side-effect';
    const lazy = await import('lazy-mod');

    enum Level { Low = 1, High }
    abstract class Base<T> { abstract run(input: T): Promise<void>; }

    @Injectable()
    export class Service<T extends object> extends Base<T> {
      constructor(@Inject('X') private readonly cfg: ConfigService<Config>) { super(); }
      async run(input: T): Promise<void> {
        const port = (process.env.PORT as string) ?? '3000';
        const value = { a: 1 } satisfies Record<string, number>;
        const x = <const>['a'];
        return undefined as unknown as void;
      }
    }
    export const server = createLogger<Level>(Level.High);
    """)


@pytest.mark.parametrize("path,grammar", [
    ("a.ts", "typescript"), ("a.mts", "typescript"), ("a.cts", "typescript"), ("a.tsx", "tsx"),
    ("a.js", "javascript"), ("a.jsx", "javascript"), ("a.mjs", "javascript"), ("a.cjs", "javascript"),
])
def test_the_grammar_is_chosen_by_suffix(path, grammar):
    assert grammar_of(path) == grammar and path.endswith(SOURCE_SUFFIXES)


def test_typescript_module_refs_skip_type_only_imports():
    module = parse_javascript(MODULE.replace("const x = <const>['a'];\n", ""), "src/service.ts")
    assert not module.has_errors
    refs = [(r.specifier, r.kind) for r in module.module_refs]
    # type-only imports/exports are erased by the compiler; a mixed import still loads the module
    assert refs == [
        ("./logging", "import"), ("./helpers", "export-from"), ("crypto-js", "import-require"),
        ("./side-effect", "import"), ("lazy-mod", "dynamic-import"),
    ]


def test_tsx_parses_jsx_and_generics():
    src = "import React from 'react';\nconst f = <T,>(x: T) => x;\nexport const App = () => <Route path=\"/a\" element={<A/>} />;\n"
    module = parse_javascript(src, "src/App.tsx")
    assert not module.has_errors and [r.specifier for r in module.module_refs] == ["react"]


def test_queries_compile_per_grammar_and_jsx_queries_find_nothing_in_plain_typescript():
    jsx = "(jsx_self_closing_element name: (identifier) @name) @element"
    assert compile_query(jsx, "typescript") is None
    assert compile_query(jsx, "tsx") is not None and compile_query(jsx, "javascript") is not None
    assert parse_javascript("const a = 1 as number;\n", "a.ts").query(jsx) == {}
    with pytest.raises(Exception):
        compile_query("(no_such_node) @x", "typescript")


def test_env_defaults_through_typescript_expressions():
    module = parse_javascript("const port = process.env.PORT ?? 3000;\n", "a.ts")
    assert [(d.name, d.value) for d in module.env_defaults] == [("PORT", "3000")]


def test_resolution_order_prefers_typescript_and_maps_js_specifiers_to_their_sources():
    assert resolution_candidates("src/a")[:3] == ["src/a", "src/a.ts", "src/a.tsx"]
    assert "src/a/index.ts" in resolution_candidates("src/a")
    assert resolution_candidates("src/a.js")[:3] == ["src/a.js", "src/a.ts", "src/a.tsx"]


def test_bindings_follow_typescript_imports(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "service.ts").write_text(MODULE.replace("const x = <const>['a'];\n", ""))
    (tmp_path / "src" / "logging").mkdir()
    (tmp_path / "src" / "logging" / "index.ts").write_text("export function createLogger<T>(level: T) { return level; }\n")
    (tmp_path / "src" / "helpers.ts").write_text("export const helper = 'h';\n")
    ctx = ScanContext(RepoView(tmp_path), load_builtin("tiketi"))
    b = bindings(ctx, "src/service.ts")
    assert b is not None
    assert b.imports["createLogger"].path == "src/logging/index.ts"
    assert "Logger" not in b.imports and "Request" not in b.imports and "Config" not in b.imports
    assert b.imports["crypto"].specifier == "crypto-js" and b.imports["crypto"].name == "module"
    assert {"Service", "Base", "server"} <= set(b.declarations) and "server" in b.exports
    assert resolve_import(ctx, "src/service.ts", "./helpers.js") == "src/helpers.ts"
