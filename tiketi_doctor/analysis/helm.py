"""Helm charts read without Helm: their templates as partially known objects.

No Helm engine installs from the package registries this tool uses, so a chart is not rendered.
Its templates are read by the template-aware YAML reader (parsing/templates.py), and a value
that is exactly text and plain `.Values.a.b` paths is filled in from the chart's values.yaml:
that is what `helm template` does with the default values. Anything else stays Unknown.
"""
from __future__ import annotations

import copy
import posixpath
import re
from typing import Any

from ..context import ScanContext
from ..parsing.templates import Expr, OpenDict, Unknown
from ..parsing.yamldoc import YamlDoc

CHART_FILE = "Chart.yaml"
_VALUES_PATH = re.compile(r"^\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")
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
    def read() -> dict:
        from . import k8s

        for name in ("values.yaml", "values.yml"):
            docs = k8s.yaml_documents(ctx, name if chart == "." else f"{chart}/{name}")
            if docs and isinstance(docs[0].data, dict):
                return docs[0].data
        return {}

    return ctx.memo(("helm-values", chart), read)


def with_default_values(docs: list[YamlDoc], values: dict) -> list[YamlDoc]:
    """Copies of template documents with the values Helm's defaults give them."""
    found = []
    for doc in docs:
        if not doc.template or not values:
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
    """The value with its `.Values` paths filled in, or the Unknown itself when that is not exact."""
    if not value.parts:
        return value
    text = []
    for part in value.parts:
        if not isinstance(part, Expr):
            text.append(part)
            continue
        match = _VALUES_PATH.match(part)
        found = _lookup(values, match.group(1).split(".")[1:]) if match else None
        if isinstance(found, bool):
            found = "true" if found else "false"  # Go prints booleans in lower case
        if not isinstance(found, (str, int)) or not _PLAIN_SCALAR.match(str(found)):
            return value  # a function, a pipeline, a missing or structured value: not knowable here
        text.append(str(found))
    rendered = "".join(text)
    if getattr(value, "quoted", False):
        return rendered
    import yaml

    try:
        typed = yaml.safe_load(rendered)  # Helm's output is YAML again: 8080 is a number
    except yaml.YAMLError:
        return value
    return typed if isinstance(typed, (str, int, bool)) else rendered


def _lookup(values: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(values, dict) or key not in values:
            return None
        values = values[key]
    return values
