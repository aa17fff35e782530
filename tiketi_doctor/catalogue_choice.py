"""Which catalogue a run uses: the one named, the repository's own, the built-in one when the
repository is laid out like it, or one discovered from the repository.

This policy sits above both the catalogue (a leaf: reading and validating catalogue files) and
discovery (which builds a catalogue from the repository), so neither imports the other.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import manifests

from .catalogue import BUILTIN, REPO_CATALOGUE_NAMES, Catalogue, _read_yaml, load_builtin, load_catalogue


def find_catalogue(repo_root: Path, explicit: Path | None = None, load: Callable[..., Catalogue] = load_catalogue) -> Catalogue:
    """The explicit file, else the repository's own catalogue, else the built-in one when the
    repository is laid out like it, else what discovery finds (the built-in one if it finds nothing).
    `load` reads a catalogue file (cache.cached_catalogue keeps the result between runs)."""
    if explicit is not None:
        return load(explicit, origin="file")
    for name in REPO_CATALOGUE_NAMES:
        candidate = repo_root / name
        if candidate.is_file():
            return load(candidate, origin="repository", display=name)
    if not looks_like_builtin(repo_root, BUILTIN) and _holds_a_system(repo_root):
        from .discovery import discovered_catalogue  # only repositories of another shape pay for it

        discovered = discovered_catalogue(repo_root)
        if discovered is not None:
            return discovered
    return load_builtin(BUILTIN)


def nothing_to_check(repo_root: Path, catalogue: Catalogue) -> str | None:
    """Why checking `repo_root` against the built-in catalogue would prove nothing: it was the
    fallback (no catalogue file, nothing discovered) and the folder holds none of the files its
    components name. Checked against that, every check is undecided and the run looks clean: a
    wrong folder would pass a CI gate."""
    if catalogue.origin != "builtin":
        return None
    named = [
        path for c in catalogue.components
        for path in (c.dockerfile, c.package_json, c.source, c.env_file, *c.manifests) if path
    ]
    if any((repo_root / path).exists() for path in named):
        return None
    return (
        f"{repo_root} holds none of the files the built-in {catalogue.name} catalogue names (Dockerfiles, "
        "package.json files, source folders, manifests) and nothing to discover: run it at the repository's "
        "root, or give --catalogue FILE (`tiketi-doctor init` writes one)"
    )


def _holds_a_system(repo_root: Path) -> bool:
    """Whether there is anything to discover (a Dockerfile, package.json or YAML file), without importing discovery."""
    import os

    from .parsing.dockerfile_name import is_dockerfile
    from .repo import SKIPPED_DIRS

    for _, dirnames, filenames in os.walk(repo_root):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
        if any(is_dockerfile(f) or f.endswith(("package.json", ".yaml", ".yml")) for f in filenames):
            return True
    return False


def looks_like_builtin(repo_root: Path, name: str) -> bool:
    """Whether most Dockerfiles and package.json files the built-in catalogue names exist here."""
    path = manifests.builtin_catalogue(name)
    if path is None:
        return False
    data = _read_yaml(path, f"<builtin:{name}>").data
    files = [c["build"]["dockerfile"] for c in data["components"] if c.get("build")]
    files += [c["package_json"] for c in data["components"] if c.get("package_json")]
    present = sum(1 for f in files if _is_file(repo_root / f))
    return bool(files) and present * 2 >= len(files)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a folder on the way cannot be entered: the scan reports it
        return False
