"""package.json with the line of every dependency entry."""
from __future__ import annotations

import json
import re
from dataclasses import field

from ..deferred import dataclass
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
    _check_shape(data, text)
    pkg = PackageJson(path, data)
    for section in SECTIONS:
        entries = data.get(section)
        if isinstance(entries, dict):
            lines = _entry_lines(text, section, list(entries))
            pkg.deps[section] = {
                name: Dependency(name, str(spec), section, lines.get(name, 1)) for name, spec in entries.items()
            }
    return pkg


# The fields the checks read and the shape npm gives them. A field of another shape makes the
# whole file unknown: read anyway, an array of dependencies would look like none declared.
_STRINGS = ("name", "version", "main", "type", "packageManager")
_STRING_MAPS = SECTIONS + ("scripts", "engines")


def _check_shape(data: dict, text: str) -> None:
    def wrong(field: str, what: str, entry: str | None = None) -> ParseError:
        where = f'"{field}"' + (f'."{entry}"' if entry is not None else "")
        found = data[field] if entry is None else data[field][entry]
        return ParseError(f"{where} must be {what}, not {_json_type(found)}", _field_line(text, field))

    for field in _STRINGS:
        if field in data and not isinstance(data[field], str):
            raise wrong(field, "a string")
    for field in _STRING_MAPS:
        if field not in data:
            continue
        if not isinstance(data[field], dict):
            raise wrong(field, "an object of names to strings")
        for entry, value in data[field].items():
            if not isinstance(value, str):
                raise wrong(field, "a string", entry)
    if "bin" in data and not isinstance(data["bin"], (str, dict)):
        raise wrong("bin", "a string or an object of command names to files")
    if "workspaces" in data:
        workspaces = data["workspaces"]
        globs = workspaces.get("packages", []) if isinstance(workspaces, dict) else workspaces
        if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
            raise wrong("workspaces", 'an array of folder globs (or an object with such a "packages" array)')


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _field_line(text: str, field: str) -> int:
    """Line of the first `"field":` (the top-level one in any package.json written by npm)."""
    match = re.search(r'"%s"\s*:' % re.escape(field), text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


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
