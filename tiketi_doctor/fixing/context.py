"""What a fixer sees: the scan context of the round it runs in, plus the fix options."""
from __future__ import annotations


from ..deferred import dataclass
from ..catalogue import Catalogue
from ..context import ScanContext
from ..repo import RepoView


@dataclass(frozen=True)
class FixOptions:
    # Add a missing dependency to an inline package.json instead of replacing it with a COPY.
    minimal: bool = False
    # Also apply fixes marked unsafe (they change behaviour a reviewer should look at).
    unsafe: bool = False
    max_rounds: int = 10


class FixContext(ScanContext):
    def __init__(self, repo: RepoView, catalogue: Catalogue, options: FixOptions, track_reads: bool = True):
        # Tracking reads lets the planner's next round re-run only what the fixes touch (and the
        # run cache record what each run read); a single pass without a cache needs none of it.
        super().__init__(repo, catalogue, track_reads=track_reads)
        self.options = options

    def current_text(self, path: str) -> str | None:
        source = self.repo.text(path)
        return source.text if source is not None else None
