"""npm version ranges as sets of half-open intervals, enough to tell whether two ranges can agree.

Covers what package.json files use in practice: exact, ^, ~, x-ranges, comparators,
hyphen ranges, `||` and `*`. Anything else (tags, URLs, file:) is "unknown" (None).
"""
from __future__ import annotations

import re

Version = tuple[int, int, int]
Interval = tuple[Version, Version]  # [low, high)
INFINITY: Version = (10**9, 0, 0)
ZERO: Version = (0, 0, 0)

_PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][0-9A-Za-z.-]+)?$")
_COMPARATOR = re.compile(r"^(<=|>=|<|>|=|\^|~>?)?\s*(.+)$")


def parse_range(text: str) -> list[Interval] | None:
    text = text.strip()
    if text in ("", "*", "latest", "x", "X"):
        return [(ZERO, INFINITY)]
    result: list[Interval] = []
    for alternative in text.split("||"):
        intervals = _conjunction(alternative.strip())
        if intervals is None:
            return None
        result.extend(intervals)
    return result


def intersects(a: str, b: str) -> bool | None:
    """True if some version satisfies both ranges, False if none does, None if either is unknown."""
    ra, rb = parse_range(a), parse_range(b)
    if ra is None or rb is None:
        return None
    return any(max(lo1, lo2) < min(hi1, hi2) for lo1, hi1 in ra for lo2, hi2 in rb)


def _conjunction(text: str) -> list[Interval] | None:
    hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", text)
    if hyphen:
        low, high = _partial(hyphen.group(1)), _partial(hyphen.group(2))
        if low is None or high is None:
            return None
        return [(_floor(low), _ceiling(high))]
    low, high = ZERO, INFINITY
    for token in re.sub(r"(<=|>=|<|>|=|\^|~)\s+", r"\1", text).split():
        interval = _comparator(token)
        if interval is None:
            return None
        low, high = max(low, interval[0]), min(high, interval[1])
    return [(low, high)] if low < high else []


def _comparator(token: str) -> Interval | None:
    match = _COMPARATOR.match(token)
    if not match:
        return None
    op, rest = match.group(1) or "", match.group(2)
    parts = _partial(rest)
    if parts is None:
        return None
    floor, ceiling = _floor(parts), _ceiling(parts)
    if op == "^":  # allows changes that do not modify the left-most non-zero part
        major, minor, patch = parts
        if major is None:
            return ZERO, INFINITY
        if major > 0 or minor is None:
            return floor, (major + 1, 0, 0)
        if minor > 0 or patch is None:
            return floor, (0, minor + 1, 0)
        return floor, (0, 0, patch + 1)
    if op in ("~", "~>"):
        if parts[1] is None:
            return floor, (parts[0] + 1, 0, 0)
        return floor, (parts[0], parts[1] + 1, 0)
    if op == ">=":
        return floor, INFINITY
    if op == ">":
        return ceiling, INFINITY
    if op == "<":
        return ZERO, floor
    if op == "<=":
        return ZERO, ceiling
    return floor, ceiling  # exact or x-range


def _partial(text: str) -> tuple[int | None, int | None, int | None] | None:
    match = _PARTIAL.match(text)
    if not match:
        return None
    values = []
    for group in match.groups():
        values.append(None if group is None or group in "xX*" else int(group))
    # Once a part is a wildcard, the rest are too.
    for i in range(1, 3):
        if values[i - 1] is None:
            values[i] = None
    return tuple(values)  # type: ignore[return-value]


def _floor(parts) -> Version:
    return tuple(p or 0 for p in parts)  # type: ignore[return-value]


def _ceiling(parts) -> Version:
    """Smallest version above everything `parts` matches."""
    major, minor, patch = parts
    if major is None:
        return INFINITY
    if minor is None:
        return (major + 1, 0, 0)
    if patch is None:
        return (major, minor + 1, 0)
    return (major, minor, patch + 1)
