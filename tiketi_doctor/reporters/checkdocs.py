"""The checks' own documentation, for reporters that print it (SARIF rules, lessons learned)."""
from __future__ import annotations

from functools import lru_cache

from ..check import Check
from ..registry import RegistryError, load_registry
from ..suppressions import CHECKS as SUPPRESSION_CHECKS


@lru_cache(maxsize=1)
def check_docs() -> dict[str, Check]:
    """Every known check by code; empty when the check families cannot be loaded."""
    try:
        checks = list(load_registry().checks)
    except RegistryError:
        checks = []
    docs = {c.code: c for c in checks}
    for cls in SUPPRESSION_CHECKS:
        docs.setdefault(cls.code, cls())
    return docs
