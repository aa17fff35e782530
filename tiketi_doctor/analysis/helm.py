"""Helm charts read without Helm: their templates as partially known objects.

No Helm engine installs from the package registries this tool uses, so a chart is not rendered.
Its templates are read by the template-aware YAML reader (parsing/templates.py), and a value
that is text and simple expressions is filled in from the chart's values.yaml and Chart.yaml:
that is what `helm template` does with the default values. Simple means `.Values.a.b`,
`.Chart.AppVersion`, literals, and the `default` and `quote` functions; anything else (other
functions, `.Release`, includes) stays Unknown.
"""
from __future__ import annotations

import copy
import posixpath
import re
from typing import Any

from ..context import ScanContext
from ..parsing.templates import Expr, OpenDict, Unknown
from ..parsing.yamldoc import YamlDoc, parse_yaml_documents

CHART_FILE = "Chart.yaml"
_PATH = re.compile(r"^\.(Values|Chart)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")
_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$')
_UNKNOWN = object()
_PLAIN_SCALAR = re.compile(r"^[\w./@:+-]+$")


def chart_of(ctx: ScanContext, path: str) -> str | None:
    """The chart folder when `path` is one of its templates (`CHART/templates/...`)."""
    parts = path.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "templates":
            root = "/".join(parts[:i]) or "."
            if ctx.repo.exists(posixpath.join(root, CHART_FILE) if root != "." else CHART_FILE):
                return root
    return None


def charts(ctx: ScanContext) -> list[str]:
    return ctx.memo("helm-charts", lambda: sorted(
        posixpath.dirname(p) or "." for p in ctx.repo.walk() if posixpath.basename(p) == CHART_FILE
    ))


def template_files(ctx: ScanContext, chart: str) -> list[str]:
    folder = "templates" if chart == "." else f"{chart}/templates"
    return [p for p in ctx.repo.walk(folder, suffixes=(".yaml", ".yml")) if chart_of(ctx, p) == chart]


def default_values(ctx: ScanContext, chart: str) -> dict:
    """{"Values": values.yaml, "Chart": Chart.yaml}: what a template's `.Values`/`.Chart` read."""

    def first(*names: str) -> dict:
        for name in names:
            path = name if chart == "." else f"{chart}/{name}"
            # The same parse (and cache key) as k8s.yaml_documents, which imports this module.
            docs = ctx.repo.parsed("yaml", path, lambda f: parse_yaml_documents(f.text))
            if docs and isinstance(docs[0].data, dict):
                return docs[0].data
        return {}

    def read() -> dict:
        meta = first(CHART_FILE)
        # Template fields are capitalised (.Chart.AppVersion); Chart.yaml's keys are not (appVersion).
        return {"Values": first("values.yaml", "values.yml"), "Chart": {k[:1].upper() + k[1:]: v for k, v in meta.items()}}

    return ctx.memo(("helm-values", chart), read)


def with_default_values(docs: list[YamlDoc], values: dict) -> list[YamlDoc]:
    """Copies of template documents with the values Helm's defaults give them."""
    found = []
    for doc in docs:
        if not doc.template:
            found.append(doc)
            continue
        filled = copy.copy(doc)
        filled.data = _fill(doc.data, values)
        found.append(filled)
    return found


def _fill(data: Any, values: dict) -> Any:
    if isinstance(data, Unknown):
        return render_value(data, values)
    if isinstance(data, dict):
        filled = {k: _fill(v, values) for k, v in data.items()}
        return OpenDict(filled) if isinstance(data, OpenDict) else filled
    if isinstance(data, list):
        return [_fill(v, values) for v in data]
    return data


def render_value(value: Unknown, values: dict) -> Any:
    """The value with its expressions filled in, or the Unknown itself when that is not exact."""
    if not value.parts:
        return value
    text = []
    quoted = getattr(value, "quoted", False)
    for part in value.parts:
        if not isinstance(part, Expr):
            text.append(part)
            continue
        found, as_string = _evaluate(part, values)
        if isinstance(found, bool):
            found = "true" if found else "false"  # Go prints booleans in lower case
        if found is _UNKNOWN or not isinstance(found, (str, int)) or not _PLAIN_SCALAR.match(str(found)):
            return value  # a function, .Release, a missing or structured value: not knowable here
        quoted = quoted or as_string
        text.append(str(found))
    rendered = "".join(text)
    if quoted:
        return rendered
    import yaml

    try:
        typed = yaml.safe_load(rendered)  # Helm's output is YAML again: 8080 is a number
    except yaml.YAMLError:
        return value
    return typed if isinstance(typed, (str, int, bool)) else rendered


def _evaluate(expr: str, values: dict) -> tuple[Any, bool]:
    """(value, whether `quote` made it a string) of `TERM`, `TERM | default X`, `default X TERM`,
    `TERM | quote`; _UNKNOWN for anything else."""
    stages = [stage.strip() for stage in expr.split("|")]
    words = stages[0].split()
    if len(words) == 3 and words[0] == "default":
        stages = [words[2], f"default {words[1]}"] + stages[1:]
    current = _term(stages[0], values)
    quoted = False
    for stage in stages[1:]:
        if stage.startswith("default "):
            if current is None or current in ("", 0, False) or current == {} or current == []:
                current = _term(stage[len("default "):].strip(), values)
        elif stage == "quote" and current is not _UNKNOWN:
            quoted = True
        else:
            return _UNKNOWN, False
    return (_UNKNOWN if current is None else current), quoted


def _term(term: str, values: dict) -> Any:
    match = _PATH.match(term)
    if match:
        return _lookup(values.get(match.group(1), {}), match.group(2).split(".")[1:])
    string = _STRING.match(term)
    if string:
        return string.group(1)
    if term.isdigit():
        return int(term)
    return _UNKNOWN


def _lookup(values: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(values, dict) or key not in values:
            return None  # missing: Helm renders nothing (or `default` applies)
        values = values[key]
    return values
