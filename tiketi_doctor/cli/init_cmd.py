"""`tiketi-doctor init`: discover the repository's catalogue and write it as a commented YAML file.

Exit codes: 0 written; 1 nothing to write (no application or workload found); 2 usage error
(not a directory, the file exists without --force); 3 internal error (the discovered
catalogue does not validate — nothing is written).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import CatalogueError, load_catalogue_text
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
        error(f"{options.path} is not a directory")
        return EXIT_USAGE
    target = options.output or options.path / DEFAULT_NAME
    exclude = list(DEFAULT_EXCLUDE)
    if target.exists():
        if not options.force and not options.stdout:
            error(f"{target} exists; use --force to overwrite it (its exclude: list is kept), or --stdout to see the result")
            return EXIT_USAGE
        kept = kept_exclude(target)  # the user's edits to exclude: survive a new discovery
        exclude = kept if kept is not None else exclude
    exclude += [glob for glob in options.exclude if glob not in exclude]
    found = discover(options.path, exclude)
    if not found.components:
        error(f"found no application in {options.path}: no Dockerfile and no Kubernetes workload; nothing written")
        return EXIT_FINDINGS
    text = render(found)
    try:
        load_catalogue_text(text, str(target), "repository")
    except CatalogueError as exc:  # a discovery bug: never write a file that check would refuse
        print_catalogue_error(exc)
        return EXIT_INTERNAL
    for warning in found.warnings:
        print(f"  warning: {warning}", file=sys.stderr)
    if options.stdout:
        sys.stdout.write(text)
        return EXIT_CLEAN
    try:
        with write_output(target) as out:
            out.write(text)
    except OSError as exc:
        error(f"cannot write {target}: {exc.strerror or exc}")
        return EXIT_USAGE
    checks = text.count("# check:")
    print(f"wrote {target}: {found.summary()}", file=sys.stderr)
    if checks:
        print(f"  {checks} value{'s' if checks != 1 else ''} marked `# check:` are best guesses: confirm or correct them", file=sys.stderr)
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
