"""Express route patterns matched against the paths clients call.

A called path is concrete except for `:param` segments (a `${id}` in a template
literal). A route pattern uses Express syntax: `:id`, `:id?`, `:id(\\d+)`, `*`,
`(.*)`, `/*splat`, `{*splat}`. Matching is segment by segment and, like Express
by default, case-insensitive and tolerant of a trailing slash. A `:param` in a
call matches a parameter or a wildcard of the route, never a literal: an unknown
id is not assumed to be `overview`.
"""
from __future__ import annotations

import re
from tiketi_doctor.deferred import dataclass
from functools import lru_cache

CALL_PARAM = ":param"

LITERAL, PARAM, OPTIONAL, WILD, PATTERN = "literal", "param", "optional", "wild", "pattern"
_WILD_SEGMENTS = {"*", "(.*)", "(.*)?"}
_PARAM = re.compile(r"^\{?:(\w+)(\([^/]*\))?\}?(\?)?$")
_SPLAT = re.compile(r"^\{?\*\w*\}?$")


@dataclass(frozen=True)
class Segment:
    kind: str
    text: str
    regex: re.Pattern | None = None


@lru_cache(maxsize=65536)
def parse_pattern(pattern: str) -> tuple[Segment, ...]:
    segments = []
    for raw in pattern.split("/"):
        if not raw:
            continue
        if raw in _WILD_SEGMENTS or _SPLAT.match(raw):
            segments.append(Segment(WILD, raw))
            continue
        param = _PARAM.match(raw)
        if param:
            segments.append(Segment(OPTIONAL if param.group(3) else PARAM, raw))
            continue
        if any(ch in raw for ch in ":*()"):
            segments.append(Segment(PATTERN, raw, _segment_regex(raw)))
            continue
        segments.append(Segment(LITERAL, raw.lower()))
    return tuple(segments)


def _segment_regex(raw: str) -> re.Pattern:
    out, i = "", 0
    while i < len(raw):
        ch = raw[i]
        if ch == ":":
            match = re.match(r":\w+(\([^)]*\))?\??", raw[i:])
            if match:
                out += "[^/]+?"
                i += match.end()
                continue
        if ch == "*":
            out += ".*"
        elif ch in "()?":
            pass  # groups and optional markers of Express patterns: accept the text either way
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(f"^{out}$", re.IGNORECASE)


def call_segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in path.split("/") if s)


@lru_cache(maxsize=65536)  # pure, and asked again for every check and fix round
def matches(pattern: str, path: str) -> bool:
    """Whether a request to `path` is handled by a route declared with `pattern`."""
    return _match(parse_pattern(pattern), call_segments(path), prefix=False)


@lru_cache(maxsize=65536)  # pure, and asked again for every check and fix round
def matches_prefix(pattern: str, path: str) -> bool:
    """Whether `path` lies at or below a mount point declared with `pattern` (`app.use(pattern, ...)`)."""
    return _match(parse_pattern(pattern), call_segments(path), prefix=True)


def has_wildcard(pattern: str) -> bool:
    return any(s.kind in (WILD, PATTERN) for s in parse_pattern(pattern))


def strip_prefix(prefix: str, path: str) -> str:
    """`path` relative to a mount `prefix` (what `req.url` is inside the mounted router)."""
    count = len(parse_pattern(prefix))
    rest = call_segments(path)[count:]
    return "/" + "/".join(rest)


@lru_cache(maxsize=65536)  # pure, and asked again for every check and fix round
def overlaps_prefix(pattern: str, prefix: str) -> bool:
    """Whether a route or mount `pattern` can serve something at or below the literal `prefix`."""
    if matches_prefix(pattern, prefix):
        return True  # the pattern is a mount at or above the prefix, or a catch-all
    segments = parse_pattern(pattern)
    wanted = call_segments(prefix)
    if len(segments) < len(wanted):
        return False
    return _match(segments[: len(wanted)], wanted, prefix=False)


class PrefixOverlaps:
    """Whether any of many route or mount patterns overlaps a literal prefix (`overlaps_prefix`),
    without trying them all. Patterns sit in a tree by their leading literal segments: only those
    whose literal segments agree with the prefix's can overlap it."""

    def __init__(self, patterns: list[str]):
        self._root: dict = {}  # segment -> child; "" -> the patterns whose literal segments end here
        for pattern in patterns:
            node = self._root
            for segment in parse_pattern(pattern):
                if segment.kind != LITERAL:
                    break
                node = node.setdefault(segment.text, {})
            node.setdefault("", []).append(pattern)

    def any_overlaps(self, prefix: str) -> bool:
        candidates: list[str] = []
        node = self._root
        for value in call_segments(prefix):
            candidates.extend(node.get("", ()))
            node = node.get(value.lower())  # a literal segment never holds ":" (so never ":param")
            if node is None:
                break
        else:
            stack = [node]  # the prefix is consumed: every pattern below it starts with it
            while stack:
                below = stack.pop()
                for key, value in below.items():
                    if key:
                        stack.append(value)
                    else:
                        candidates.extend(value)
        return any(overlaps_prefix(p, prefix) for p in candidates)


def _match(segments: tuple[Segment, ...], path: tuple[str, ...], prefix: bool) -> bool:
    if not segments:
        return prefix or not path
    head, rest = segments[0], segments[1:]
    if head.kind == WILD:
        return any(_match(rest, path[i:], prefix) for i in range(len(path) + 1))
    if head.kind == OPTIONAL and _match(rest, path, prefix):
        return True
    if not path:
        return all(s.kind in (WILD, OPTIONAL) for s in segments)
    if not _segment_matches(head, path[0]):
        return False
    return _match(rest, path[1:], prefix)


def _segment_matches(segment: Segment, value: str) -> bool:
    if segment.kind in (PARAM, OPTIONAL):
        return True
    if value == CALL_PARAM:
        return segment.kind == PATTERN
    if segment.kind == PATTERN:
        return bool(segment.regex and segment.regex.match(value))
    return segment.text == value.lower()
