"""One walk over the repository, sorting the files discovery reads by what they are."""
from __future__ import annotations

import posixpath
from dataclasses import field

from ..deferred import dataclass
from ..files import is_compose_file
from ..parsing.dockerfile_name import is_dockerfile
from ..repo import RepoView

# Backup and legacy copies of the system: never read unless the catalogue's `exclude:` says otherwise.
DEFAULT_EXCLUDE = (
    "**/*.backup/**",
    "**/_legacy_backup/**",
    "**/*_backup/**",
    "**/*.bak/**",
    "**/*.old/**",
)
# Dockerfiles in these folders build test fixtures, not the system.
TEST_FOLDERS = frozenset({"test", "tests", "__tests__", "fixtures", "testdata", "e2e"})
SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1", ".bat", ".cmd")
YAML_SUFFIXES = (".yaml", ".yml")
# A file bigger than this is data (a dump, a bundled chart), not a manifest someone wrote.
MAX_MANIFEST_BYTES = 2_000_000


@dataclass
class Inventory:
    repo: RepoView
    dockerfiles: list[str] = field(default_factory=list)
    package_jsons: list[str] = field(default_factory=list)
    yaml_files: list[str] = field(default_factory=list)
    compose_files: list[str] = field(default_factory=list)
    workflows: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    markdown: list[str] = field(default_factory=list)


def take_inventory(repo: RepoView) -> Inventory:
    found = Inventory(repo)
    for path in repo.walk():
        name = posixpath.basename(path)
        parts = path.split("/")
        if is_dockerfile(name):
            if not TEST_FOLDERS.intersection(parts[:-1]):
                found.dockerfiles.append(path)
        elif name == "package.json":
            found.package_jsons.append(path)
        elif name.endswith(YAML_SUFFIXES):
            if is_compose_file(name):
                found.compose_files.append(path)
            elif path.startswith(".github/workflows/"):
                found.workflows.append(path)
            elif not TEST_FOLDERS.intersection(parts[:-1]) and _small(repo, path):
                found.yaml_files.append(path)
        elif name.endswith(SCRIPT_SUFFIXES):
            found.scripts.append(path)
        elif name.lower().endswith(".md"):
            found.markdown.append(path)
    return found


def _small(repo: RepoView, path: str) -> bool:
    absolute = repo.inside(path)
    try:
        return absolute is not None and absolute.stat().st_size <= MAX_MANIFEST_BYTES
    except OSError:
        return False
