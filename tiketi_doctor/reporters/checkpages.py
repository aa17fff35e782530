"""One Markdown page per check under docs/checks/, and their index, from the checks' own documentation.

Deterministic: the same checks give the same bytes (no date, no version), so a test can compare
the pages in the repository with what the checks say today.
"""
from __future__ import annotations

import re
from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from ..check import Check
from .checkdocs import page_name
from .templating import environment

INDEX = "README.md"
COMMAND = "tiketi-doctor checks docs --output docs/checks"
# Files of a pages folder that the generator owns: the index and one page per code.
_PAGE = re.compile(r"^[A-Z]{2,5}\d{3}\.md$")
_RUNS = {
    "component": "statically, once per component",
    "repository": "statically, once per repository",
    "input": "by the repository reader, about an input file itself",
}


def render_page(check: Check) -> str:
    runs = "live, with `check --live`, on the running cluster" if check.live else _RUNS.get(check.scope, check.scope)
    fixable = "yes: `tiketi-doctor fix`" if check.fixable else "no"
    template = environment(html=False).get_template("check-page.md.j2")
    return template.render(check=check, runs=runs, fixable=fixable, command=COMMAND)


def render_index(checks: list[Check]) -> str:
    template = environment(html=False).get_template("check-index.md.j2")
    return template.render(checks=checks, page=page_name, command=COMMAND)


def pages(checks: list[Check]) -> dict[str, str]:
    """File name -> content of every page and the index, in code order."""
    ordered = sorted(checks, key=lambda c: c.code)
    out = {page_name(c.code): render_page(c) for c in ordered}
    out[INDEX] = render_index(ordered)
    return out


@dataclass
class Difference:
    """How a pages folder differs from what the checks say."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)  # a page for no check

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.orphaned)

    def lines(self) -> list[str]:
        return (
            [f"missing: {name}" for name in self.missing]
            + [f"stale: {name}" for name in self.stale]
            + [f"for no check: {name}" for name in self.orphaned]
        )


def compare(folder: Path, wanted: dict[str, str]) -> Difference:
    diff = Difference()
    for name, text in wanted.items():
        path = folder / name
        if not path.is_file():
            diff.missing.append(name)
        elif path.read_bytes() != text.encode("utf-8"):
            diff.stale.append(name)
    if folder.is_dir():
        diff.orphaned = sorted(p.name for p in folder.iterdir() if _PAGE.match(p.name) and p.name not in wanted)
    return diff


def write(folder: Path, wanted: dict[str, str]) -> Difference:
    """Bring the folder in line: write missing and stale pages, remove pages of checks that are gone.
    Files the generator does not own (other names) are left alone. Returns what it changed."""
    diff = compare(folder, wanted)
    folder.mkdir(parents=True, exist_ok=True)
    for name in diff.missing + diff.stale:
        (folder / name).write_bytes(wanted[name].encode("utf-8"))
    for name in diff.orphaned:
        (folder / name).unlink()
    return diff
