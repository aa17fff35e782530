"""Data shipped with tiketi-doctor: the catalogue schema and the built-in catalogues."""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(name: str) -> Path:
    """Filesystem path of a data file in this package (works from a checkout and a wheel)."""
    return Path(str(resources.files(__name__).joinpath(name)))


def builtin_catalogue(name: str) -> Path | None:
    candidate = path(f"{name}.catalogue.yaml")
    return candidate if candidate.is_file() else None
