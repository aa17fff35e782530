"""Multi-document YAML as plain data plus the source position of every node.

Templated YAML (Helm, figit, envsubst; see templates.py) is read as partially known: values a
template fills in are `Unknown`, mappings a template block extends are `OpenDict`, and a
document that cannot be read even so is kept as `opaque` instead of failing the whole file.
"""
from __future__ import annotations

import re
from dataclasses import field
from typing import Any

import yaml

from ..deferred import dataclass
from . import ParseError
from . import templates
from .templates import OPEN_MARKER, TOKEN_PREFIX, OpenDict, Unknown

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"

Path = tuple  # a JSON path: keys and list indexes


@dataclass
class YamlDoc:
    data: Any
    index: int
    # JSON path -> (line, column), 1-based, of the value node: where an edit of the value goes.
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # JSON path -> line of its key: where a reader looks (differs for nested blocks).
    key_lines: dict[Path, int] = field(default_factory=dict)
    start_line: int = 1
    template: bool = False  # read from a template: it may hold Unknown values and OpenDict mappings
    opaque: bool = False  # a template document whose objects cannot be known (unparsable, or one block)

    def line(self, path: Path) -> int | None:
        """Line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.key_lines:
                return self.key_lines[path]
            if path in self.positions:
                return self.positions[path][0]
            path = path[:-1]
        return self.positions.get((), (self.start_line, 1))[0]

    def column(self, path: Path) -> int | None:
        pos = self.positions.get(tuple(path))
        return pos[1] if pos else None


# A template action where a YAML value or line starts (`replicas: {{ .Values.n }}`, `- {{ x }}`,
# `{{- if }}` on its own line): plain YAML would read it as a flow mapping, not fail, so such a
# file goes to the template reader first. `${{ }}` (workflow expressions) is not one.
_BARE_ACTION = re.compile(r"(?:^[ \t]*|:[ \t]+|-[ \t]+)\{\{")


def _bare_action(text: str) -> bool:
    for line in text.splitlines():
        if "{{" in line and not line.lstrip().startswith("#") and _BARE_ACTION.search(line.split(" #", 1)[0]):
            return True
    return False


def parse_yaml_documents(text: str) -> list[YamlDoc]:
    if templates.has_actions(text) and _bare_action(text):
        return _parse_template(text)
    try:
        return _parse(text)
    except ParseError:
        if not templates.has_actions(text):
            raise
    return _parse_template(text)  # fails only because of its actions: never a parse error


def _parse(text: str, template: bool = False, first_index: int = 0) -> list[YamlDoc]:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParseError(f"invalid YAML: {problem}" + (f" (line {line})" if line else ""), line) from None
    docs = []
    for index, node in enumerate(nodes, first_index):
        if node is None:
            continue
        # Values a template fills in are read as Unknown in Kubernetes objects only: compose and
        # workflow files interpolate `${VAR}`/`${{ }}` by rules of their own.
        marked = template or (_is_object(node) and (templates.has_actions(text) or "${" in text))
        doc = YamlDoc(data=None, index=index, start_line=node.start_mark.line + 1, template=marked)
        doc.data = _Builder(doc).build(node, ())
        doc.opaque = isinstance(doc.data, OpenDict) and "kind" not in doc.data
        docs.append(doc)
    return docs


def _parse_template(text: str) -> list[YamlDoc]:
    """The template's documents as far as they can be read: the whole file with its block
    expressions marked, else without the marks, else document by document (an unreadable one
    is kept as opaque)."""
    variants = [templates.blank(text, True), templates.blank(text, False)]
    for variant in variants:
        try:
            return _parse(variant, template=True)
        except ParseError:
            pass
    split = [variant.split("\n") for variant in variants]  # the same lines in both variants
    starts = [0] + [i for i, line in enumerate(split[1]) if i and line.startswith("---")]
    docs: list[YamlDoc] = []
    for number, first in enumerate(starts):
        last = starts[number + 1] if number + 1 < len(starts) else len(split[1])
        for lines in split:
            try:
                found = _parse("\n" * first + "\n".join(lines[first:last]), True, len(docs) + number)
            except ParseError:
                continue
            docs.extend(found)
            break
        else:
            docs.append(YamlDoc(data=None, index=len(docs) + number, start_line=first + 1, template=True, opaque=True))
    return docs


def _is_object(node: yaml.Node) -> bool:
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)} if isinstance(node, yaml.MappingNode) else set()
    return "kind" in keys and "apiVersion" in keys


# Aliases are expanded into plain data: a "billion laughs" document (ten levels of nine aliases,
# one kilobyte of text) would expand into a billion nodes. Past this many built nodes a document
# is refused as malformed; real manifests, compose and catalogue files hold a few thousand.
MAX_NODES = 200_000


class _Builder:
    """Plain data and positions from a composed node graph, expanding aliases within a budget and
    refusing an alias that contains itself (which would never end)."""

    def __init__(self, doc: YamlDoc | None):
        self.doc = doc
        self.ctor = yaml.constructor.SafeConstructor()
        self.built = 0
        self.open: set[int] = set()  # ids of the collection nodes being built (the path from the root)

    def build(self, node: yaml.Node, path: Path, doc: Any = "document") -> Any:
        doc = self.doc if doc == "document" else doc  # merged content is built without positions (None)
        self.built += 1
        if self.built > MAX_NODES:
            line = node.start_mark.line + 1
            raise ParseError(f"invalid YAML: alias expansion too large (over {MAX_NODES:,} nodes; a \"billion laughs\" document?)", line)
        if isinstance(node, yaml.ScalarNode):
            if doc is not None:
                doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
            return _scalar(node, self.ctor, doc)
        if id(node) in self.open:
            line = node.start_mark.line + 1
            raise ParseError(f"invalid YAML: an alias refers to the node that contains it (line {line})", line)
        self.open.add(id(node))
        try:
            return self._collection(node, path, doc)
        finally:
            self.open.discard(id(node))

    def _collection(self, node: yaml.Node, path: Path, doc: YamlDoc | None) -> Any:
        if doc is not None:
            doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), doc) for i, item in enumerate(node.value)]
        result: dict = {}
        explicit: set = set()  # keys written in this mapping (merged ones may be overridden)
        for key_node, value_node in node.value:
            if doc is not None and doc.template and isinstance(key_node, yaml.ScalarNode) and key_node.value.startswith(OPEN_MARKER):
                result = OpenDict(result)  # an include/toYaml block adds keys here
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, path, None)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        result.update({k: v for k, v in item.items() if k not in result})
                continue
            key = _scalar(key_node, self.ctor, doc) if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            if doc is not None and not doc.template:  # a template's branches may set a key twice
                if key in explicit:
                    _duplicate(key, key_node, doc.key_lines.get(path + (key,)))
                explicit.add(key)
            if doc is not None:
                doc.key_lines[path + (key,)] = key_node.start_mark.line + 1
            value = self.build(value_node, path + (key,), doc)
            if doc is not None and doc.template and key in result and result[key] != value:
                value = Unknown(f"{result[key]} | {value}")  # both branches of a conditional
            result[key] = value
        return result


def _duplicate(key: Any, node: yaml.Node, first: int | None) -> None:
    """A key given twice: PyYAML would keep the last silently, but kubectl's strict decoding,
    docker compose and kustomize (yaml.v3) reject the file, so it is malformed, not guessed."""
    line = node.start_mark.line + 1
    raise ParseError(
        f"invalid YAML: duplicate key {key!r} (line {line}"
        + (f", first at line {first}" if first else "")
        + "); kubectl (strict decoding), docker compose and kustomize reject a mapping with a key given twice",
        line,
    )


def load_yaml(text: str) -> Any:
    """The first document of a YAML file as plain data, with the same limits as
    parse_yaml_documents (for files read as data only: lockfiles, workspace lists)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParseError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", mark.line + 1 if mark else None) from None
    return None if node is None else _Builder(None).build(node, ())


def _scalar(node: yaml.ScalarNode, ctor, doc: YamlDoc | None = None) -> Any:
    text = node.value
    if doc is not None and doc.template and ("{" in text or "$" in text or TOKEN_PREFIX in text):
        unknown = templates.unknown_scalar(templates.untoken(text) if TOKEN_PREFIX in text else text)
        if unknown is not None:
            unknown.quoted = node.style in ("'", '"')
            return unknown
    if node.tag == _STR:
        return text  # what SafeConstructor.construct_yaml_str gives, without its machinery per scalar
    try:
        return ctor.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value
