"""PrefixOverlaps answers `any(overlaps_prefix(p, prefix) for p in patterns)` without trying every pattern."""
from __future__ import annotations

import itertools

import pytest

from tiketi_doctor.analysis.routepaths import PrefixOverlaps, overlaps_prefix

PATTERNS = [
    "/api/events", "/api/events/:id", "/API/Reservations/*", "/api/:section/list", "/api/stats(.*)",
    "/health", "/", "/*", "/api/news/:id?", "/api/pay-:kind", "/static/{*splat}", "/Admin/", "",
]
PREFIXES = [
    "/api", "/api/events", "/api/reservations", "/api/payments", "/api/stats", "/health", "/admin",
    "/api/news", "/nothing/here", "/", "/api/pay-card", "/static/js", "/api/:param",
]


@pytest.mark.parametrize("size", range(0, len(PATTERNS) + 1, 3))
def test_index_agrees_with_trying_every_pattern(size):
    for patterns in (PATTERNS[:size], PATTERNS[size:], PATTERNS[::2][:size]):
        index = PrefixOverlaps(patterns)
        for prefix in PREFIXES:
            expected = any(overlaps_prefix(p, prefix) for p in patterns)
            assert index.any_overlaps(prefix) is expected, (patterns, prefix)


def test_both_answers_occur_and_case_is_ignored():
    index = PrefixOverlaps(["/API/Reservations/*", "/api/events/:id"])
    assert index.any_overlaps("/api/reservations")
    assert index.any_overlaps("/api")  # a route below the prefix serves something there
    assert not index.any_overlaps("/api/payments")
    assert not PrefixOverlaps([]).any_overlaps("/api")
    # every order of the same patterns gives the same answers
    for order in itertools.permutations(["/api/events", "/*", "/health"]):
        assert PrefixOverlaps(list(order)).any_overlaps("/anything")
