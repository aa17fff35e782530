"""The position-aware parsers that every check stands on."""
from __future__ import annotations

import pytest

from tiketi_doctor.analysis.semver import intersects
from tiketi_doctor.analysis.source import package_name
from tiketi_doctor.parsing import ParseError
from tiketi_doctor.parsing.dockerfile import parse_dockerfile
from tiketi_doctor.parsing.javascript import parse_javascript
from tiketi_doctor.parsing.packagejson import parse_package_json
from tiketi_doctor.parsing.shell import command_words, echo_text, printf_text, split_commands
from tiketi_doctor.parsing.yamldoc import parse_yaml_documents


def test_dockerfile_stages_variables_and_heredocs():
    text = (
        "ARG BASE=node:20-alpine\nFROM ${BASE} AS build\nWORKDIR /app\nENV PORT=3005 NODE_ENV=production\n"
        "RUN cat > package.json <<'JSON'\n{\"dependencies\": {}}\nJSON\n"
        "FROM build\nEXPOSE ${PORT}\n"
    )
    df = parse_dockerfile(text, "Dockerfile")
    assert [s.name for s in df.stages] == ["build", None]
    assert df.stages[0].instructions[0].cmd == "FROM"
    run = df.stages[0].instructions[3]
    assert (run.cmd, run.start_line, run.end_line) == ("RUN", 5, 7)
    assert run.heredocs[0].name == "JSON" and '"dependencies"' in run.heredocs[0].content
    expose = df.final.instructions[1]
    assert expose.expand(expose.value[0]) == "3005"  # a stage built FROM another inherits its ENV
    assert df.stage("build").index == 0


def test_dockerfile_locate_points_inside_continuation_lines():
    text = "FROM node\nRUN printf '{\\\n  \"dependencies\": {\"a\": \"1\"}}' > package.json\n"
    df = parse_dockerfile(text, "Dockerfile")
    run = df.final.instructions[1]
    assert (run.start_line, run.end_line) == (2, 3)
    assert df.locate('"a"', run) == (3, 20)


@pytest.mark.parametrize("text", ["", "\x00\x01binary", "just some words\n"])
def test_not_a_dockerfile(text):
    with pytest.raises(ParseError):
        parse_dockerfile(text, "Dockerfile")


def test_shell_split_and_redirects():
    commands = split_commands("mkdir -p /app && printf '%s' '{\"a\":1}' > package.json; npm ci --omit=dev || npm i x@1 2>&1")
    assert [c.words[0] for c in commands] == ["mkdir", "printf", "npm", "npm"]
    assert commands[1].writes() == ["package.json"]
    assert [c.joined_by for c in commands] == ["", "&&", ";", "||"]
    assert commands[3].words == ["npm", "i", "x@1"]


def test_shell_words_keep_substitutions_and_quoted_operators_whole():
    commands = split_commands('cd "$(dirname "$0")/.." && (echo ";" `a|b` ${X:-a b} >&2; ls) # c|d', comments=True)
    assert [(c.words, c.depth) for c in commands] == [
        (["cd", '$(dirname "$0")/..'], 0), (["echo", ";", "`a|b`", "${X:-a b}"], 1), (["ls"], 1)]
    assert split_commands("echo a # c|d")[1].words == ["d"]  # without `comments`, # is a word
    assert command_words("npm run 'build:prod' && x") == ["npm", "run", "build:prod"]
    assert command_words("echo 'unclosed") == ["echo", "'unclosed"]
    with pytest.raises(ValueError):
        split_commands("echo $(unclosed")


def test_printf_and_echo_escapes():
    assert printf_text('{"a":\\n"100%%"}', []) == '{"a":\n"100%"}'
    assert printf_text("%s-%s", ["x", "y"]) == "x-y"
    assert echo_text(["-e", '{"a":\\t1}']) == '{"a":\t1}'
    assert echo_text(['{"a":\\n1}']) == '{"a":\\n1}'


def test_javascript_module_refs_ignore_comments_and_strings():
    src = (
        "// require('commented')\n/* import x from 'block' */\n"
        "const a = require('a'); const s = \"require('in-string')\";\n"
        "import b from '@scope/b/sub';\nexport * from './local';\nconst c = await import(`c`);\n"
        "const d = require(`d-${x}`);\n"
    )
    module = parse_javascript(src, "x.js")
    refs = [(r.specifier, r.line, r.kind) for r in module.module_refs]
    assert refs == [("a", 3, "require"), ("@scope/b/sub", 4, "import"), ("./local", 5, "export-from"), ("c", 6, "dynamic-import")]


def test_javascript_modern_syntax_parses_without_errors():
    src = "class A { #p = 1; static s = 2 }\nconst v = a?.b ?? 1_000n;\nconst el = <Link to=\"/news\">뉴스</Link>;\nfor await (const x of y) {}\n"
    assert not parse_javascript(src, "x.jsx").has_errors


def test_javascript_env_defaults_and_columns_in_characters():
    src = "const 한글 = 1; const PORT = Number(process.env['PORT'] ?? 3005);\n"
    default = parse_javascript(src, "x.js").env_defaults[0]
    assert (default.name, default.value, default.line, default.column) == ("PORT", "3005", 1, 58)


@pytest.mark.parametrize(
    "spec,name",
    [("express", "express"), ("express/lib/router", "express"), ("@socket.io/redis-adapter", "@socket.io/redis-adapter"),
     ("@scope/x/sub/path", "@scope/x"), ("fs", None), ("fs/promises", None), ("node:test", None), ("./x", None), ("/abs", None)],
)
def test_package_name(spec, name):
    assert package_name(spec) == name


def test_package_json_lines():
    text = '{\n  "name": "x",\n  "dependencies": {\n    "a": "^1",\n    "@s/b": "2"\n  },\n  "devDependencies": {"a": "^1"}\n}\n'
    pkg = parse_package_json(text, "package.json")
    assert pkg.dependencies["a"].line == 4 and pkg.dependencies["@s/b"].line == 5
    assert pkg.section("devDependencies")["a"].line == 7


def test_package_json_error_has_line():
    with pytest.raises(ParseError) as info:
        parse_package_json('{\n  "a": 1,\n}\n', "package.json")
    assert info.value.line == 3


def test_yaml_positions_across_documents():
    docs = parse_yaml_documents("# c\na: 1\n---\nkind: Service\nspec:\n  ports:\n    - port: 80\n      targetPort: http\n")
    assert docs[1].line(("spec", "ports", 0, "targetPort")) == 8
    assert docs[1].data["spec"]["ports"][0]["port"] == 80
    assert docs[1].line(("spec", "missing")) == 5  # nearest ancestor, at its key's line
    assert docs[1].column(("spec", "ports", 0, "targetPort")) == 19  # the value, where an edit goes


@pytest.mark.parametrize(
    "a,b,expected",
    [("^4.18.2", "^4.21.2", True), ("^4.18.2", "5.0.0", False), ("~1.2.3", "1.3.0", False), ("^0.2.3", "0.3.0", False),
     ("1.x", "2.0.0", False), ("1.2.3 - 2.3", "2.3.9", True), ("^1 || ^2", "2.5.0", True), ("github:a/b", "1", None)],
)
def test_semver_intersection(a, b, expected):
    assert intersects(a, b) is expected


# -- hostile YAML and JSON: refused as malformed, never expanded or recursed without end ---------

def _billion_laughs(levels: int = 10) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  " + "\n  ".join(lines) + "\n"


def test_yaml_alias_expansion_has_a_budget():
    from tiketi_doctor.parsing import ParseError
    from tiketi_doctor.parsing.yamldoc import load_yaml, parse_yaml_documents

    for parse in (parse_yaml_documents, load_yaml):
        with pytest.raises(ParseError, match="alias expansion too large"):
            parse(_billion_laughs())
    assert len(parse_yaml_documents(_billion_laughs(4))[0].data["data"]["a3"]) == 9  # modest aliases still expand


def test_a_yaml_alias_inside_itself_is_malformed_not_a_recursion():
    from tiketi_doctor.parsing import ParseError
    from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

    with pytest.raises(ParseError, match="an alias refers to the node that contains it"):
        parse_yaml_documents("kind: ConfigMap\nmetadata: &m {name: x, self: *m}\n")


def test_yaml_merge_keys_follow_the_spec():
    from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

    doc = parse_yaml_documents("b: &b {a: 1, z: 0}\nx: {<<: *b, a: 2}\ny:\n  a: 5\n  <<: [{a: 7, d: 4}, *b]\n")[0]
    assert doc.data["x"] == {"a": 2, "z": 0} and doc.data["y"] == {"a": 5, "d": 4, "z": 0}


def test_json_nested_too_deeply_is_malformed():
    from tiketi_doctor.parsing import ParseError
    from tiketi_doctor.parsing.packagejson import parse_package_json

    with pytest.raises(ParseError, match="nested too deeply"):
        parse_package_json("[" * 100_000 + "]" * 100_000, "package.json")
