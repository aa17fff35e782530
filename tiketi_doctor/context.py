"""What a static check may look at: the catalogue and a read-only repository view."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

from .catalogue import Catalogue
from .repo import RepoView

T = TypeVar("T")


class ScanContext:
    def __init__(self, repo: RepoView, catalogue: Catalogue, track_reads: bool = False):
        self.repo = repo
        self.catalogue = catalogue
        self._memo: dict[object, object] = {}
        self._undecided: list[str] = []
        # With track_reads, what each analysis read directly and which analyses it used, so a
        # check run can say what its result depends on (engine.Reuse: reuse across fix rounds).
        self.track_reads = track_reads
        self.memo_deps: dict[object, tuple[frozenset, frozenset]] = {}  # memo key -> (reads, memo keys used)
        self.memo_cost: dict[object, float] = {}  # memo key -> seconds it took, the analyses it computed included
        self.memo_children: dict[object, list] = {}  # memo key -> the analyses computed while computing it
        self._computing: list[list] = []  # the children of the analyses being computed, innermost last
        # A loaded run cache (cache.Warm) that may hold an analysis' value from an earlier scan whose
        # inputs are unchanged: `serve(key)` gives (value, its memo_deps entry) or None.
        self.stored: Any = None
        self._uses: list[set] = []  # memo keys used by the open runs and analyses, innermost last
        # (check code, component or None) -> (reads, memo keys used, its findings, its run record)
        self.check_reads: dict[tuple, tuple] = {}
        self.input_problems: list = []  # set by the engine: the scan's unreadable and malformed files

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """Share an analysis between checks (e.g. what an image installs) within one run."""
        if self._uses:  # only while tracking reads
            self._uses[-1].add(key)  # the caller depends on whatever this analysis depends on
        if key not in self._memo:
            if not self.track_reads:
                self._memo[key] = compute()
            else:
                served = self.stored.serve(key) if self.stored is not None else None
                if served is not None:  # its inputs are unchanged: the stored value, with what it read
                    self._memo[key], self.memo_deps[key] = served
                else:
                    started = time.perf_counter()
                    self._computing.append([])
                    try:
                        with self.reading() as (reads, uses):
                            self._memo[key] = compute()
                    finally:
                        children = self._computing.pop()
                    self.memo_cost[key] = time.perf_counter() - started  # children before their parents
                    if children:
                        self.memo_children[key] = children
                    if self._computing:
                        self._computing[-1].append(key)
                    self.memo_deps[key] = (frozenset(reads), frozenset(uses))
        return self._memo[key]  # type: ignore[return-value]

    def memo_lookup(self, key: object) -> tuple[bool, object]:
        """(whether this scan computed the analysis `key`, its value) — for the run cache."""
        try:
            return (key in self._memo, self._memo.get(key))
        except TypeError:  # an unhashable key from a stored file
            return (False, None)

    def computed_count(self) -> int:
        return len(self._memo)

    @contextmanager
    def reading(self) -> Iterator[tuple[set, set]]:
        """Collect what the block reads itself and the analyses (memo keys) it uses."""
        reads: set = set()
        uses: set = set()
        self.repo.read_sets.append(reads)
        self._uses.append(uses)
        try:
            yield reads, uses
        finally:
            self.repo.read_sets.pop()
            self._uses.pop()

    def undecided(self, reason: str) -> None:
        """Tell the engine the current check could not decide, and why."""
        self._undecided.append(reason)

    def take_undecided(self) -> list[str]:
        reasons, self._undecided = self._undecided, []
        return reasons
