"""`explain`, `checks list` and `catalogue validate`."""
from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

from ..catalogue import CatalogueError, load_catalogue
from ..catalogue_choice import find_catalogue
from ..i18n import Msg
from ..registry import RegistryError, load_registry
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, error, print_catalogue_error


def run_explain(code: str) -> int:
    try:
        registry = load_registry()
    except RegistryError as exc:
        error(Msg("internal error: {reason}", reason=str(exc)))
        return EXIT_INTERNAL
    check = registry.get(code)
    if check is None:
        known = [c.code for c in registry.checks] + [c.name for c in registry.checks]
        close = difflib.get_close_matches(code.upper(), known, n=3) or difflib.get_close_matches(code.lower(), known, n=3)
        hint = Msg(" Did you mean {codes}?", codes=", ".join(close)) if close else Msg(" See `tiketi-doctor checks list`.")
        error(Msg("no check {code}.{hint}", code=repr(code), hint=hint))
        return EXIT_USAGE
    from ..i18n import N_, translate

    out = sys.stdout
    fixable = translate(N_(", fixable")) if check.fixable else ""
    out.write(f"{check.code} {check.name} ({check.severity.value}{fixable})\n\n")
    out.write(f"{translate(check.summary)}\n\n")
    sections = ((N_("Why it matters"), check.why), (N_("Example"), check.example), (N_("How to fix"), check.fix))
    for title, text in sections:
        body = "\n".join("  " + line for line in translate(text).strip().splitlines())
        out.write(f"{translate(title)}:\n{body}\n\n")
    out.write(f"{translate(N_('More:'))} {_page_reference(check.code)}\n")
    return EXIT_CLEAN


def _page_reference(code: str) -> str:
    """The check's documentation page: its URL, and its path when running from a checkout that has it."""
    from ..reporters.checkdocs import local_page, page_url

    url = page_url(code) or ""
    path = local_page(code)
    if path is None:
        return url
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return f"{shown} ({url})"


def run_docs(output: Path, check_only: bool) -> int:
    """Write one Markdown page per check and the index into `output`; with `check_only`, write
    nothing and exit 1 when a page is missing, stale or documents no check."""
    from ..reporters import checkpages

    try:
        registry = load_registry()
    except RegistryError as exc:
        error(Msg("internal error: {reason}", reason=str(exc)))
        return EXIT_INTERNAL
    wanted = checkpages.pages(registry.checks)
    if check_only:
        diff = checkpages.compare(output, wanted)
        for line in diff.lines():
            print(f"{output}: {line}")
        if diff:
            print(f"regenerate with `{checkpages.COMMAND}`")
            return EXIT_FINDINGS
        print(f"✔ {output}: {len(wanted)} pages are current")
        return EXIT_CLEAN
    if output.exists() and not output.is_dir():
        error(f"{output} is not a folder")
        return EXIT_USAGE
    try:
        diff = checkpages.write(output, wanted)
    except OSError as exc:
        error(f"cannot write the pages into {output}: {exc.strerror or exc}")
        return EXIT_USAGE
    changed = len(diff.missing) + len(diff.stale)
    removed = f", removed {len(diff.orphaned)} for no check" if diff.orphaned else ""
    print(f"✔ {output}: {len(wanted)} pages, {changed} written{removed}")
    return EXIT_CLEAN


def run_list(list_format: str) -> int:
    try:
        registry = load_registry()
    except RegistryError as exc:
        error(Msg("internal error: {reason}", reason=str(exc)))
        return EXIT_INTERNAL
    checks = registry.checks
    if list_format == "json":
        data = [
            {"code": c.code, "name": c.name, "severity": c.severity.value, "scope": c.scope, "fixable": c.fixable, "live": c.live, "summary": c.summary}
            for c in checks
        ]
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif list_format == "markdown":
        sys.stdout.write(markdown_table(checks))
    else:
        from rich.console import Console
        from rich.table import Table

        from ..i18n import translate

        table = Table("code", "name", "severity", "fix", "summary", show_lines=False)
        for c in checks:
            table.add_row(c.code, c.name, c.severity.value, "yes" if c.fixable else "", translate(c.summary))
        Console().print(table)
    return EXIT_CLEAN


def markdown_table(checks) -> str:
    lines = ["| code | name | severity | fixable | what it finds |", "|---|---|---|---|---|"]
    for c in checks:
        summary = c.summary.replace("|", "\\|")
        lines.append(f"| {c.code} | {c.name} | {c.severity.value} | {'yes' if c.fixable else ''} | {summary} |")
    return "\n".join(lines) + "\n"


def run_validate(file: Path | None, repo: Path) -> int:
    try:
        catalogue = load_catalogue(file) if file is not None else find_catalogue(repo)
    except CatalogueError as exc:
        print_catalogue_error(exc)
        return EXIT_USAGE
    apps = sum(1 for c in catalogue.components if c.is_app)
    print(f"✔ {catalogue.source}: valid ({len(catalogue.components)} components, {apps} applications)")
    return EXIT_CLEAN
