"""Fixers are discovered like checks: entry points of group tiketi_doctor.fixers, each a module with FIXERS."""
from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
from typing import Callable, Optional

from ..model import Finding, Fix

GROUP = "tiketi_doctor.fixers"
Fixer = Callable[..., Optional[Fix]]  # fixer(ctx: FixContext, finding: Finding) -> Fix | None


class FixerError(Exception):
    pass


def load_fixers(modules: list[str] | None = None) -> dict[str, Fixer]:
    if modules is None:
        modules = [ep.value for ep in entry_points(group=GROUP)]
    fixers: dict[str, Fixer] = {}
    for name in modules:
        module = import_module(name)
        table = getattr(module, "FIXERS", None)
        if not isinstance(table, dict):
            raise FixerError(f"fixer family {name!r} has no FIXERS mapping")
        for code, fixer in table.items():
            if code in fixers:
                raise FixerError(f"two fixers for {code}")
            fixers[code] = fixer
    return fixers
