"""The combined tree-sitter pass: parts a grammar cannot compile are left out without compiling every part first."""
from __future__ import annotations

import pytest

from tiketi_doctor.parsing.javascript import _combined_query, _may_compile, parse_javascript

TS_ONLY = "(import_require_clause source: (string) @spec)"
CALLS = '(call_expression function: (identifier) @fn (#eq? @fn "require")) @call'
# Words in strings and comments are not node types or fields.
DECOYS = '; (no_such_node) bogus_field: here\n(string) @s (#match? @s "^https?: [(]nothing_real|.")'


def test_names_rule_out_what_a_grammar_lacks():
    assert not _may_compile(TS_ONLY, "javascript")
    assert _may_compile(TS_ONLY, "typescript") and _may_compile(TS_ONLY, "tsx")
    assert _may_compile(CALLS, "javascript")
    assert _may_compile(DECOYS, "javascript")
    assert not _may_compile("(no_such_node) @x", "javascript")
    assert not _may_compile("(identifier bogus_field: (identifier)) @x", "javascript")


def _captured(queries: tuple[str, ...], grammar: str, source: str) -> dict[str, int]:
    from tiketi_doctor.parsing.javascript import _tree_sitter

    module = parse_javascript(source, "a.ts" if grammar == "typescript" else "a.js")
    query = _combined_query(queries, grammar)
    found = _tree_sitter().QueryCursor(query).captures(module.root) if query else {}
    return {name: len(nodes) for name, nodes in found.items()}


SOURCE = "const a = require('x');\nconst b = require('y');\nimport c = require('z');\n"


def test_each_grammar_gets_the_parts_it_can_compile():
    assert _captured((TS_ONLY, CALLS, DECOYS), "typescript", SOURCE) == {"q0.spec": 1, "q1.fn": 2, "q1.call": 2, "q2.s": 3}
    js = SOURCE.replace("import c = require('z');\n", "")
    assert _captured((TS_ONLY, CALLS, DECOYS, "(string) @t"), "javascript", js) == {"q1.fn": 2, "q1.call": 2, "q2.s": 2, "q3.t": 2}


def test_when_the_names_do_not_rule_a_part_out_compiling_it_does(monkeypatch):
    """A part whose names all exist can still be impossible in a grammar: the combined query then
    fails and each part is compiled on its own."""
    import tiketi_doctor.parsing.javascript as js

    monkeypatch.setattr(js, "_may_compile", lambda source, grammar: True)
    source = SOURCE.replace("import c = require('z');\n", "")
    assert _captured((CALLS, TS_ONLY, "(identifier) @i"), "javascript", source) == {"q0.fn": 2, "q0.call": 2, "q2.i": 4}


def test_a_part_no_grammar_compiles_is_a_bug_and_raises():
    with pytest.raises(Exception):
        _combined_query((CALLS, "(call_expression (((("), "javascript")
