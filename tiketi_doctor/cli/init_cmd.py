"""`tiketi-doctor init`: discover the repository's catalogue and write it as a commented YAML file.

Exit codes: 0 written; 1 nothing to write (no application or workload found); 2 usage error
(not a directory, the file exists without --force); 3 internal error (the discovered
catalogue does not validate — nothing is written).
"""
from __future__ import annotations

import sys
from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from ..catalogue import CatalogueError, load_catalogue_text
from ..i18n import Msg, localize
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, error, print_catalogue_error, write_output

DEFAULT_NAME = "tiketi-doctor.yaml"


@dataclass
class InitOptions:
    path: Path
    output: Path | None = None  # default: PATH/tiketi-doctor.yaml
    stdout: bool = False
    force: bool = False
    exclude: list[str] = field(default_factory=list)  # added to the defaults (or to the kept file's list)


def run_init(options: InitOptions) -> int:
    from ..discovery import DEFAULT_EXCLUDE, discover, render

    if not options.path.is_dir():
        error(Msg("{path} is not a directory", path=str(options.path)))
        return EXIT_USAGE
    target = options.output or options.path / DEFAULT_NAME
    exclude = list(DEFAULT_EXCLUDE)
    if target.exists():
        if not options.force and not options.stdout:
            error(Msg("{path} exists; use --force to overwrite it (its exclude: list is kept), or --stdout to see the result", path=str(target)))
            return EXIT_USAGE
        kept = kept_exclude(target)  # the user's edits to exclude: survive a new discovery
        exclude = kept if kept is not None else exclude
    exclude += [glob for glob in options.exclude if glob not in exclude]
    found = discover(options.path, exclude)
    if not found.components:
        error(Msg("found no application in {path}: no Dockerfile and no Kubernetes workload; nothing written", path=str(options.path)))
        return EXIT_FINDINGS
    text = render(found)
    try:
        load_catalogue_text(text, str(target), "repository")
    except CatalogueError as exc:  # a discovery bug: never write a file that check would refuse
        print_catalogue_error(exc)
        return EXIT_INTERNAL
    for warning in found.warnings:
        print("  " + localize(Msg("warning: {warning}", warning=warning)), file=sys.stderr)
    if options.stdout:
        sys.stdout.write(text)
        return EXIT_CLEAN
    try:
        with write_output(target) as out:
            out.write(text)
    except OSError as exc:
        error(Msg("cannot write {path}: {reason}", path=str(target), reason=str(exc.strerror or exc)))
        return EXIT_USAGE
    checks = text.count("# check:")
    print(localize(Msg("wrote {path}: {summary}", path=str(target), summary=found.summary())), file=sys.stderr)
    if checks:
        guesses = Msg("1 value marked `# check:` are best guesses: confirm or correct them") if checks == 1 else \
            Msg("{count} values marked `# check:` are best guesses: confirm or correct them", count=checks)
        print(f"  {localize(guesses)}", file=sys.stderr)
    return EXIT_CLEAN


def kept_exclude(path: Path) -> list[str] | None:
    """The `exclude:` list of an existing catalogue file (the user's edits survive `init --force`)."""
    from ..parsing.yamldoc import load_yaml

    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    values = data.get("exclude") if isinstance(data, dict) else None
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        return list(values)
    return None
