"""labelSelector and fieldSelector parsing and matching, with the real server's
error messages for malformed input."""

from __future__ import annotations

import re
from dataclasses import dataclass


class SelectorError(ValueError):
    """Raised for a selector the real server would answer with 400 BadRequest."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str                   # '=', '!=', 'in', 'notin', 'exists', '!'
    values: tuple = ()

    def matches(self, labels: dict) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "=":
            return present and value == self.values[0]
        if self.op == "!=":
            return not present or value != self.values[0]
        if self.op == "in":
            return present and value in self.values
        if self.op == "notin":
            return not present or value not in self.values
        if self.op == "exists":
            return present
        return not present  # '!'


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside a '(...)' value set."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


_SET_RE = re.compile(r"^([A-Za-z0-9._/-]+)\s+(in|notin)\s+\((.*)\)$")
_KEY_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$")


def parse_label_selector(text: str | None) -> list[Requirement]:
    if not text:
        return []
    reqs = []
    for part in _split_top_level(text):
        match = _SET_RE.match(part)
        if match:
            values = tuple(v.strip() for v in match.group(3).split(",") if v.strip())
            reqs.append(Requirement(match.group(1), match.group(2), values))
            continue
        for op, name in (("!=", "!="), ("==", "="), ("=", "=")):
            if op in part:
                key, value = (s.strip() for s in part.split(op, 1))
                if not _KEY_RE.match(key):
                    raise SelectorError(f"unable to parse requirement: invalid label key {key!r}")
                reqs.append(Requirement(key, name, (value,)))
                break
        else:
            if part.startswith("!"):
                reqs.append(Requirement(part[1:].strip(), "!"))
            elif _KEY_RE.match(part):
                reqs.append(Requirement(part, "exists"))
            else:
                raise SelectorError(f"unable to parse requirement: found '{part}', expected: identifier")
    return reqs


def labels_match(reqs: list[Requirement], labels: dict | None) -> bool:
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)


def match_labels_selector(match_labels: dict) -> str:
    """A matchLabels map as the comma-joined string kubectl sends."""
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


def parse_field_selector(text: str | None, allowed: tuple) -> list[tuple[str, str, str]]:
    """-> [(path, op, value)], op '=' or '!='. Unsupported labels are a 400, as on a real server."""
    if not text:
        return []
    terms = []
    for part in _split_top_level(text):
        for op, name in (("!=", "!="), ("==", "="), ("=", "=")):
            if op in part:
                path, value = (s.strip() for s in part.split(op, 1))
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        if path not in allowed:
            raise SelectorError(f'field label not supported: {path}')
        terms.append((path, name, value))
    return terms


def field_value(obj: dict, path: str) -> str:
    """Field selectors compare strings; 'source' on events means source.component."""
    if path == "source":
        path = "source.component"
    node = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def fields_match(terms: list[tuple[str, str, str]], obj: dict) -> bool:
    for path, op, value in terms:
        actual = field_value(obj, path)
        if (actual == value) != (op == "="):
            return False
    return True
