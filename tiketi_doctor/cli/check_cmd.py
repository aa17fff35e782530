"""`tiketi-doctor check`: load the catalogue, run the selected static checks, render, exit."""
from __future__ import annotations

import sys
from pathlib import Path

from ..catalogue import CatalogueError, find_catalogue
from ..engine import scan
from ..model import RunStatus, Severity
from ..registry import RegistryError, load_registry, matches
from ..reporters import render
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, error, print_catalogue_error, split_codes, write_output


def run_check(
    path: Path,
    catalogue_file: Path | None,
    select: list[str],
    ignore: list[str],
    output_format: str,
    output: Path | None,
    fail_on: Severity,
    color: bool | None,
) -> int:
    if not path.is_dir():
        error(f"{path} is not a directory")
        return EXIT_USAGE
    try:
        catalogue = find_catalogue(path, catalogue_file)
    except CatalogueError as exc:
        print_catalogue_error(exc)
        return EXIT_USAGE
    try:
        registry = load_registry()
    except RegistryError as exc:
        error(f"internal error: {exc}")
        return EXIT_INTERNAL
    selected, ignored = split_codes(select), split_codes(ignore)
    for token in selected + ignored:
        if not any(matches(c.code, token) for c in registry.checks):
            error(f"{token!r} matches no check code; see `tiketi-doctor checks list`")
            return EXIT_USAGE
    report = scan(path, catalogue, registry.runnable(selected, ignored))
    with write_output(output) as out:
        use_color = color if color is not None else (output is None and sys.stdout.isatty())
        render(output_format, report, out, color=use_color)
    if any(run.status == RunStatus.ERROR for run in report.runs):
        return EXIT_INTERNAL
    return EXIT_FINDINGS if report.fails(fail_on) else EXIT_CLEAN
