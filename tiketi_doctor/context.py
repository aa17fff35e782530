"""What a static check may look at: the catalogue and a read-only repository view."""
from __future__ import annotations

from typing import Callable, TypeVar

from .catalogue import Catalogue
from .repo import RepoView

T = TypeVar("T")


class ScanContext:
    def __init__(self, repo: RepoView, catalogue: Catalogue):
        self.repo = repo
        self.catalogue = catalogue
        self._memo: dict[object, object] = {}
        self._undecided: list[str] = []

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """Share an analysis between checks (e.g. what an image installs) within one run."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[return-value]

    def undecided(self, reason: str) -> None:
        """Tell the engine the current check could not decide, and why."""
        self._undecided.append(reason)

    def take_undecided(self) -> list[str]:
        reasons, self._undecided = self._undecided, []
        return reasons
