"""How each Dockerfile is built, for discovery: a view of the build interpreter (analysis/builds.py).

Every build it reads (scripts, Makefiles, guides, Dockerfile comments, CI, compose, Skaffold)
that names a Dockerfile of the inventory and a context inside the repository becomes an
invocation; discovery reads every Markdown file as a guide.
"""
from __future__ import annotations


from ..deferred import dataclass
from ..model import Location
from ..parsing.dockerfile import Dockerfile, parse_dockerfile
from ..repo import RepoView
from .inventory import Inventory

# How much an invocation says about the intended build: CI, compose and Skaffold run it, a script
# or Makefile is what people run, a comment or a guide only describes it.
PRIORITY = {"workflow": 0, "compose": 0, "skaffold": 0, "script": 1, "makefile": 1, "comment": 2, "guide": 3}


@dataclass(frozen=True)
class BuildInvocation:
    dockerfile: str  # repository-relative
    context: str  # repository-relative, "." for the root
    tags: tuple[str, ...]
    where: Location
    via: str  # workflow | compose | skaffold | script | makefile | comment | guide
    service: str | None = None  # the compose service name

    @property
    def priority(self) -> int:
        return PRIORITY[self.via]


def build_invocations(inventory: Inventory) -> list[BuildInvocation]:
    from ..analysis.builds import inventory as builds
    from ..catalogue import Catalogue, Cluster
    from ..context import ScanContext

    catalogue = Catalogue(name="discovering", components=[], cluster=Cluster(), docs=("**/*.md",), origin="discovered")
    known = set(inventory.dockerfiles)
    found: list[BuildInvocation] = []
    for build in builds(ScanContext(inventory.repo, catalogue)).builds:
        if build.dockerfile not in known or build.context is None or build.context.startswith(".."):
            continue
        tags = tuple(t.text for t in build.tags if "*" not in t.name and "$" not in t.name)
        service = build.service if build.origin == "compose" else None
        found.append(BuildInvocation(build.dockerfile, build.context, tags, build.location, build.origin, service))
    unique = {(b.dockerfile, b.context, b.tags, b.where.path, b.where.line): b for b in found}
    return sorted(unique.values(), key=lambda b: _ORDER.index(b.via))  # among equals, the first read wins


_ORDER = ("compose", "workflow", "skaffold", "script", "makefile", "comment", "guide")


def dockerfile(repo: RepoView, path: str) -> Dockerfile | None:
    """The parsed Dockerfile (the same cache entry the image analysis uses)."""
    return repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))


def copy_sources(repo: RepoView, path: str) -> list[str]:
    """COPY/ADD sources of a Dockerfile as written (not from other stages, not heredocs or URLs)."""
    parsed = dockerfile(repo, path)
    if parsed is None:
        return []
    from ..analysis.build_context import copy_sources as read

    return [s.text.lstrip("/") for s in read(parsed) if "$" not in s.text]


def unresolved_sources(repo: RepoView, path: str, context: str) -> list[str]:
    """The COPY sources of `path` that do not exist in `context` (a build would fail on them)."""
    from ..analysis.build_context import find_source

    return [source for source in copy_sources(repo, path) if find_source(repo, context, source)[0] is not None]
