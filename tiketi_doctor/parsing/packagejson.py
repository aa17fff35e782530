"""package.json with the line of every dependency entry."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from . import ParseError
from . import load_json

SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


@dataclass(frozen=True)
class Dependency:
    name: str
    spec: str
    section: str
    line: int


@dataclass
class PackageJson:
    path: str
    data: dict
    deps: dict[str, dict[str, Dependency]] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        value = self.data.get("name")
        return value if isinstance(value, str) else None

    def section(self, section: str) -> dict[str, Dependency]:
        return self.deps.get(section, {})

    @property
    def dependencies(self) -> dict[str, Dependency]:
        return self.section("dependencies")

    def declared(self, name: str) -> Dependency | None:
        for section in SECTIONS:
            if name in self.section(section):
                return self.section(section)[name]
        return None


def parse_package_json(text: str, path: str) -> PackageJson:
    try:
        data = load_json(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.lineno) from None
    if not isinstance(data, dict):
        raise ParseError("package.json must hold a JSON object", 1)
    pkg = PackageJson(path, data)
    for section in SECTIONS:
        entries = data.get(section)
        if isinstance(entries, dict):
            lines = _entry_lines(text, section, list(entries))
            pkg.deps[section] = {
                name: Dependency(name, str(spec), section, lines.get(name, 1)) for name, spec in entries.items()
            }
    return pkg


def _entry_lines(text: str, section: str, names: list[str]) -> dict[str, int]:
    """Line of each key inside the `"section": { ... }` object (package.json is plain JSON)."""
    match = re.search(r'"%s"\s*:\s*\{' % re.escape(section), text)
    if not match:
        return {}
    start = match.end()
    depth, end = 1, start
    in_string = escaped = False
    while end < len(text) and depth:
        ch = text[end]
        if in_string:
            escaped = ch == "\\" and not escaped
            if ch == '"' and not escaped:
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        end += 1
    block = text[start:end]
    base = text.count("\n", 0, start) + 1
    lines = {}
    for name in names:
        key = re.search(r'"%s"\s*:' % re.escape(json.dumps(name)[1:-1]), block)
        if key:
            lines[name] = base + block.count("\n", 0, key.start())
    return lines
