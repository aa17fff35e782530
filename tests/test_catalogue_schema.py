"""Valid catalogues pass the fast compiled validator; an invalid one is re-checked by jsonschema for
every problem. Both must say the same about validity, which holds while the schema keeps to keywords
that draft-07 (fastjsonschema) and 2020-12 (jsonschema) define alike."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest
import yaml

import manifests
from tiketi_doctor.catalogue import _fast_validator

# Keywords whose meaning is the same in draft-07 and 2020-12 (`items` only in its single-schema form).
SHARED_KEYWORDS = {
    "$defs", "$id", "$ref", "$schema", "additionalProperties", "const", "default", "description", "enum",
    "examples", "items", "maxItems", "maxLength", "maximum", "minItems", "minLength", "minimum", "pattern",
    "properties", "required", "title", "type", "uniqueItems",
}
SCHEMA = json.loads(manifests.path("catalogue.schema.json").read_text(encoding="utf-8"))
BUILTIN = yaml.safe_load(manifests.path("tiketi.catalogue.yaml").read_text(encoding="utf-8"))


def _keywords(node, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in ("properties", "$defs"):
                for child in value.values():
                    _keywords(child, found)
            elif key not in ("enum", "const", "default", "examples", "required"):
                _keywords(value, found)
    elif isinstance(node, list):
        for item in node:
            _keywords(item, found)
    return found


def test_schema_uses_only_keywords_both_validators_define_alike():
    used = _keywords(SCHEMA, set())
    assert used <= SHARED_KEYWORDS, f"keywords fastjsonschema may read differently: {sorted(used - SHARED_KEYWORDS)}"
    assert not any(isinstance(node.get("items"), list) for node in _schemas(SCHEMA)), "tuple-form items differ between drafts"


def _schemas(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schemas(item)


def _mutations():
    """The built-in catalogue, then one broken value at a time: wrong types, unknown keys, bad enums and ranges."""
    yield "builtin", BUILTIN
    component_schema = SCHEMA["$defs"]["component"]["properties"]
    for key in sorted(component_schema):
        for label, value in (("object", {"x": 1}), ("list", [1]), ("number", 70000), ("string", "?? no"), ("empty", "")):
            data = copy.deepcopy(BUILTIN)
            data["components"][1][key] = value
            yield f"components[1].{key}={label}", data
    for key, value in (("version", 2), ("name", 3), ("components", []), ("unknown", 1)):
        data = copy.deepcopy(BUILTIN)
        data[key] = value
        yield f"{key}={value!r}", data
    data = copy.deepcopy(BUILTIN)
    del data["components"][0]["name"]
    yield "missing name", data
    data = copy.deepcopy(BUILTIN)
    data["components"][0]["surprise"] = True
    yield "unknown component key", data


@pytest.mark.parametrize("label,data", list(_mutations()), ids=[label for label, _ in _mutations()])
def test_fast_validator_agrees_with_jsonschema(label, data):
    expected = not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    assert _fast_validator()(data) is expected


def test_mutations_include_both_outcomes():
    outcomes = {_fast_validator()(data) for _, data in _mutations()}
    assert outcomes == {True, False}
