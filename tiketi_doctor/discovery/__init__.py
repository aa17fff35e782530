"""Discover a catalogue from a repository: its applications, builds, ports, manifests, URLs and routes.

`discover(root)` reads the repository (never writes) and returns a `Discovery`: catalogue
values with where each was found and what is uncertain. `render(discovery)` writes it as the
commented YAML `tiketi-doctor init` saves; `discovered_catalogue(root)` is the same catalogue
loaded for `check` on a repository that has none.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from ..catalogue import Catalogue, load_catalogue_text
from .discover import discover
from .inventory import DEFAULT_EXCLUDE
from .model import Discovery
from .render import render

DISPLAY = "<discovered>"

__all__ = ["DEFAULT_EXCLUDE", "Discovery", "discover", "discovered_catalogue", "render"]


def discovered_catalogue(root: Path, exclude: Sequence[str] | None = None) -> Catalogue | None:
    """The catalogue discovery finds, validated, with a note saying so; None when it finds no component."""
    found = discover(root, exclude)
    if not found.components:
        return None
    catalogue = load_catalogue_text(render(found), DISPLAY, "discovered")
    catalogue.notes = (
        f"no catalogue: discovered {found.summary()}; run `tiketi-doctor init` to keep and edit it",
    )
    return catalogue
