"""What a static check may look at: the catalogue and a read-only repository view."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from .catalogue import Catalogue
from .repo import RepoView

T = TypeVar("T")


class ScanContext:
    def __init__(self, repo: RepoView, catalogue: Catalogue, track_reads: bool = False):
        self.repo = repo
        self.catalogue = catalogue
        self._memo: dict[object, object] = {}
        self._undecided: list[str] = []
        # With track_reads, what each analysis read (its own reads and those of the analyses it
        # used), so a check run can say what its result depends on (engine: reuse across rounds).
        self.track_reads = track_reads
        self._memo_reads: dict[object, frozenset] = {}
        # (check code, component or None) -> (what the run read, its findings, its run record)
        self.check_reads: dict[tuple, tuple] = {}
        self.input_problems: list = []  # set by the engine: the scan's unreadable and malformed files

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """Share an analysis between checks (e.g. what an image installs) within one run."""
        if not self.track_reads:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[return-value]
        if key in self._memo:
            if self.repo.read_sets:
                self.repo.read_sets[-1].update(self._memo_reads[key])  # the caller depends on what it read
            return self._memo[key]  # type: ignore[return-value]
        with self.reading() as reads:  # merged into the caller's reads on the way out
            value = self._memo[key] = compute()
        self._memo_reads[key] = frozenset(reads)
        return value

    @contextmanager
    def reading(self) -> Iterator[set]:
        """Collect what is read inside the block (nested blocks count for the outer ones too)."""
        reads: set = set()
        self.repo.read_sets.append(reads)
        try:
            yield reads
        finally:
            self.repo.read_sets.pop()
            if self.repo.read_sets:
                self.repo.read_sets[-1].update(reads)

    def undecided(self, reason: str) -> None:
        """Tell the engine the current check could not decide, and why."""
        self._undecided.append(reason)

    def take_undecided(self) -> list[str]:
        reasons, self._undecided = self._undecided, []
        return reasons
