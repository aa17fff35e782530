"""Input that parses but is not what its readers expect (issue 18): duplicate YAML keys and a
package.json whose fields have the wrong type. Each is one SRC002 and the file is unknown, so no
check guesses from it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app
from tiketi_doctor.parsing import ParseError
from tiketi_doctor.parsing.packagejson import parse_package_json
from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

from .conftest import CASES

runner = CliRunner()


def _check(repo: Path):
    result = runner.invoke(app, ["check", str(repo), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return json.loads(result.stdout)["findings"]


# -- duplicate keys ----------------------------------------------------------------------
def test_a_duplicate_key_is_a_parse_error_naming_both_lines():
    with pytest.raises(ParseError) as error:
        parse_yaml_documents("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nkind: Deployment\n")
    assert error.value.line == 4
    assert "duplicate key 'kind'" in str(error.value) and "line 2" in str(error.value)
    assert "kubectl" in str(error.value)


def test_duplicates_in_nested_mappings_and_env_entries_are_found():
    text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    env:\n    - name: PORT\n      value: '1'\n      value: '2'\n"
    with pytest.raises(ParseError) as error:
        parse_yaml_documents(text)
    assert error.value.line == 9


def test_merge_keys_and_template_branches_are_not_duplicates():
    docs = parse_yaml_documents("base: &b {PORT: '1'}\nmerged:\n  <<: *b\n  PORT: '2'\n")
    assert docs[0].data["merged"] == {"PORT": "2"}
    template = "apiVersion: v1\nkind: ConfigMap\ndata:\n{{- if .Values.a }}\n  X: '1'\n{{- else }}\n  X: '2'\n{{- end }}\n"
    assert parse_yaml_documents(template)[0].data["kind"] == "ConfigMap"


def test_check_reports_a_configmap_key_given_twice(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    config = repo / "k8s" / "00-config.yaml"
    lines = config.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("data:"))
    lines[at + 1:at + 1] = ["  PORT: \"3005\"", "  PORT: \"3009\""]
    config.write_text("\n".join(lines) + "\n")
    src = [f for f in _check(repo) if f["code"] == "SRC002"]
    assert [(f["location"]["path"], f["location"]["line"]) for f in src] == [("k8s/00-config.yaml", at + 3)]


# -- package.json shapes -----------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("dependencies", ["express"], '"dependencies" must be an object'),
        ("scripts", "node x", '"scripts" must be an object'),
        ("name", 5, '"name" must be a string'),
        ("devDependencies", {"jest": 29}, '"devDependencies"."jest" must be a string'),
        ("workspaces", "packages/*", '"workspaces" must be'),
    ],
)
def test_a_package_json_field_of_the_wrong_shape_is_malformed(field, value, expected):
    with pytest.raises(ParseError) as error:
        parse_package_json(json.dumps({"private": True, field: value}, indent=2), "package.json")
    assert expected in str(error.value)
    assert error.value.line == 3  # the field's own line


def test_a_well_shaped_package_json_parses():
    pkg = parse_package_json(json.dumps({"name": "x", "workspaces": {"packages": ["a/*"]}, "bin": "cli.js",
                                         "dependencies": {"a": "1"}, "scripts": {"start": "node ."}}), "package.json")
    assert pkg.dependencies["a"].spec == "1"


def test_check_reports_the_shape_once_and_derives_nothing_from_the_file(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    path = repo / "api" / "package.json"
    data = json.loads(path.read_text())
    data["dependencies"] = list(data["dependencies"])
    path.write_text(json.dumps(data, indent=2) + "\n")
    findings = _check(repo)
    assert [(f["code"], f["location"]["path"]) for f in findings if f["code"].startswith("SRC")] == [("SRC002", "api/package.json")]
    assert not [f for f in findings if f["code"].startswith("DEP")]
