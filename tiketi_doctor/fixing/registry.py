"""Fixers are discovered like checks: entry points of group tiketi_doctor.fixers, each a module with FIXERS."""
from __future__ import annotations

from importlib import import_module
from typing import Callable, Optional

from ..model import Fix
from ..registry import entry_point_values

GROUP = "tiketi_doctor.fixers"
Fixer = Callable[..., Optional[Fix]]  # fixer(ctx: FixContext, finding: Finding) -> Fix | None


class FixerError(Exception):
    pass


def load_fixers(modules: list[str] | None = None) -> dict[str, Fixer]:
    if modules is None:
        modules = entry_point_values(GROUP)  # the checks' reader: importlib.metadata costs more than the lookup
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
