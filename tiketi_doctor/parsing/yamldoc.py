"""Multi-document YAML as plain data plus the source position of every node."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from . import ParseError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def parse_yaml_documents(text: str) -> list[YamlDoc]:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParseError(f"invalid YAML: {problem}" + (f" (line {line})" if line else ""), line) from None
    docs = []
    for index, node in enumerate(nodes):
        if node is None:
            continue
        doc = YamlDoc(data=None, index=index, start_line=node.start_mark.line + 1)
        doc.data = _build(node, (), doc, yaml.constructor.SafeConstructor())
        docs.append(doc)
    return docs


def _build(node: yaml.Node, path: Path, doc: YamlDoc | None, ctor) -> Any:
    if doc is not None:
        doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = _build(value_node, path, None, ctor)
                if isinstance(merged, dict):
                    result.update(merged)
                continue
            key = _scalar(key_node, ctor) if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            if doc is not None:
                doc.key_lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, path + (key,), doc, ctor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, ctor) for i, item in enumerate(node.value)]
    return _scalar(node, ctor)


def _scalar(node: yaml.ScalarNode, ctor) -> Any:
    try:
        return ctor.construct_object(node, deep=True)
    except yaml.YAMLError:
        return node.value
