"""The discovered catalogue as YAML a person edits: every value with where it was found.

Written by hand rather than dumped so that each value carries its comment on the same line
and each doubt a `# check:` line right below it. The result is the same data as
`Discovery.to_data()` (a test parses it back).
"""
from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import yaml

from .model import Component, Discovery, Fact

_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./-]*")
MAX_LINE = 140
MAX_FLOW = 100
MIN_ROOM = 48


def render(discovery: Discovery) -> str:
    lines = [
        f"# tiketi-doctor catalogue for {discovery.name}, written by `tiketi-doctor init` from what the repository says.",
        f"# Discovered {discovery.summary()}.",
        "# Each value says where it was found; `# check:` marks a best guess to confirm or correct.",
        "# `tiketi-doctor check` uses this file as it is: edit it freely, then run `tiketi-doctor catalogue validate`.",
        "version: 1",
        f"name: {scalar(discovery.name)}",
        "",
        "cluster:",
    ]
    for key in ("kind_cluster", "namespace", "context"):
        lines += _fact_lines("  ", key, getattr(discovery, key))
    lines += _target_lines(discovery.target)
    lines += ["", "components:"]
    for component in discovery.components:
        lines += _component(component)
        lines.append("")
    if discovery.shared_packages:
        lines.append("shared_packages:")
        for name, path, where in discovery.shared_packages:
            lines.append(_with_comment(f"  - {{name: {scalar(name)}, path: {scalar(path)}}}", where))
        lines.append("")
    sections = (
        ("docs", "Guides whose commands and URLs are checked against the manifests."),
        ("scripts", "Setup and port-forward scripts, checked the same way."),
        ("config_files", "ConfigMaps, compose and env files that carry URLs and ports."),
        ("exclude", "Never read: backup and legacy copies. Add globs here to hide more; `init --force` keeps them."),
    )
    for key, comment in sections:
        values = getattr(discovery, key)
        if values:
            lines += [f"# {comment}", f"{key}: {flow_list(values)}"]
    return "\n".join(lines).rstrip() + "\n"


def _target_lines(target: Fact[dict] | None) -> list[str]:
    """`target:` for registry and gitops (kind is the default and is not written; its doubts are)."""
    if target is None:
        return []
    if target.value.get("type") == "kind":
        return [""] + [_line(f"# check: {doubt}") for doubt in target.doubts]
    lines = ["", _with_comment("target:", target.source)]
    lines += [_line(f"  # check: {doubt}") for doubt in target.doubts]
    return lines + [f"  {key}: {scalar(value)}" for key, value in target.value.items()]


def _component(component: Component) -> list[str]:
    lines = [f"  - name: {scalar(component.name)}"]
    if component.description:
        lines.append(f"    description: {scalar(component.description)}")
    for key, fact in component.facts():
        lines += _fact_lines("    ", key, fact)
    for key, value, why in component.commented:
        lines.append(f"    # {key}: {scalar(value)}")
        lines.append(_line(f"    # check: {why}"))
    return lines


def _fact_lines(indent: str, key: str, fact: Fact) -> list[str]:
    value = fact.value
    if key == "build":
        text = f"{{context: {scalar(value[0])}, dockerfile: {scalar(value[1])}}}"
    elif isinstance(value, list):
        if not value:
            return []
        text = flow_list(value)
        if len(text) > MAX_FLOW:  # one item a line
            lines = [_with_comment(f"{indent}{key}:", fact.source)]
            lines += [_line(f"{indent}# check: {doubt}") for doubt in fact.doubts]
            return lines + [f"{indent}  - {scalar(v)}" for v in value]
    else:
        text = scalar(value)
    lines = [_with_comment(f"{indent}{key}: {text}", fact.source)]
    lines += [_line(f"{indent}# check: {doubt}") for doubt in fact.doubts]
    return lines


def _with_comment(text: str, comment: str) -> str:
    """`text  # comment`; a long comment goes on, wrapped, in comment lines below."""
    comment = " ".join(comment.split())
    if not comment:
        return text
    room = max(MIN_ROOM, MAX_LINE - len(text) - 4)
    if len(comment) <= room:
        return f"{text}  # {comment}"
    indent = " " * (len(text) - len(text.lstrip()))
    first, *rest = textwrap.wrap(comment, room, break_on_hyphens=False, break_long_words=False) or [""]
    more = textwrap.wrap(" ".join(rest), MAX_LINE - len(indent) - 4, break_on_hyphens=False, break_long_words=False)
    return "\n".join([f"{text}  # {first}"] + [f"{indent}#   {line}" for line in more])


def _line(text: str) -> str:
    return " ".join(text.split(" ")).replace("\n", " ")


def scalar(value: Any) -> str:
    """A YAML scalar that reads back as the same value, also inside a flow list."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow_list(values: list) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"
