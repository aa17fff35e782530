"""The checks' own documentation, for reporters that print it (SARIF rules, lessons learned), and
where each check's documentation page lives (`docs/checks/<CODE>.md`, see `checkpages`).

The pages' base URL is the installed distribution's project URL labelled `Checks`
(`[project.urls] Checks = "..."` in pyproject.toml); `DEFAULT_DOCS_URL` when tiketi-doctor runs
without its distribution metadata (a plain checkout on `PYTHONPATH`).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..check import Check
from ..registry import RegistryError, load_registry
from ..suppressions import CHECKS as SUPPRESSION_CHECKS

DISTRIBUTION = "tiketi-doctor"
DOCS_URL_LABEL = "Checks"
# The folder of the pages in the repository, and the URL it is published under (keep it equal to
# pyproject.toml's [project.urls] Checks: tests/test_checkpages.py compares them).
DOCS_FOLDER = "docs/checks"
DEFAULT_DOCS_URL = "https://github.com/OWNER/tiketi-doctor/blob/main/docs/checks/"
# The checkout this module runs from, when it is one (editable installs): its pages can be named by path.
_CHECKOUT = Path(__file__).resolve().parents[2]


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


def page_name(code: str) -> str:
    """The file name of a check's page inside DOCS_FOLDER."""
    return f"{code}.md"


@lru_cache(maxsize=1)
def docs_base_url() -> str:
    """The URL the pages are published under, ending in `/`."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata(DISTRIBUTION).get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == DOCS_URL_LABEL.lower() and url.strip():
            return url.strip().rstrip("/") + "/"
    return DEFAULT_DOCS_URL


def page_url(code: str) -> str | None:
    """The published page of a documented check; None for a code no check documents."""
    if code not in check_docs():
        return None
    return docs_base_url() + page_name(code)


def local_page(code: str) -> Path | None:
    """The page in the checkout tiketi-doctor runs from, when there is one."""
    path = _CHECKOUT / DOCS_FOLDER / page_name(code)
    return path if path.is_file() else None
