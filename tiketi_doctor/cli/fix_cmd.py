"""`tiketi-doctor fix`: plan every fix, print the diff, write it with --apply, or undo the last one."""
from __future__ import annotations

import sys
from pathlib import Path

from ..catalogue import CatalogueError
from ..catalogue_choice import find_catalogue, nothing_to_check
from ..fixing.context import FixOptions
from ..fixing.planner import BrokenFix, FixPlan, NotConverged, plan_fixes
from ..fixing.registry import FixerError, load_fixers
from ..fixing.writer import WriteRefused, undo, write_plan
from ..registry import RegistryError, is_selected, load_registry, matches
from ..i18n import Msg, N_, localize
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, error, print_catalogue_error, split_codes


def run_fix(
    path: Path,
    apply: bool,
    select: list[str],
    ignore: list[str],
    minimal: bool,
    unsafe: bool,
    patch: Path | None,
    undo_last: bool,
    force: bool,
    catalogue_file: Path | None,
    color: bool | None,
    overwrite_read_only: bool = False,
    max_file_bytes: int | None = None,
) -> int:
    if not path.is_dir():
        error(Msg("{path} is not a directory", path=str(path)))
        return EXIT_USAGE
    if undo_last:
        return _undo(path, force)
    try:
        catalogue = find_catalogue(path, catalogue_file)
        unrelated = nothing_to_check(path, catalogue)
        if unrelated:
            error(unrelated)
            return EXIT_USAGE
        if max_file_bytes is not None:
            catalogue.max_file_bytes = max_file_bytes
        registry = load_registry()
        fixers = load_fixers()
    except CatalogueError as exc:
        print_catalogue_error(exc)
        return EXIT_USAGE
    except (RegistryError, FixerError) as exc:
        error(Msg("internal error: {reason}", reason=str(exc)))
        return EXIT_INTERNAL
    selected, ignored = split_codes(select), split_codes(ignore)
    for token in selected + ignored:
        if not any(matches(c.code, token) for c in registry.checks):
            error(Msg("{token} matches no check code; see `tiketi-doctor checks list`", token=repr(token)))
            return EXIT_USAGE
    chosen = {code: f for code, f in fixers.items() if is_selected(code, selected, ignored)}
    try:
        plan = plan_fixes(path, catalogue, registry.runnable(), chosen, FixOptions(minimal=minimal, unsafe=unsafe))
    except (NotConverged, BrokenFix) as exc:
        error(Msg("{reason}; nothing was written", reason=str(exc)))
        return EXIT_INTERNAL
    use_color = color if color is not None else sys.stdout.isatty()
    _print_diff(plan, use_color)
    if patch is not None:
        patch.write_text(plan.full_diff(), encoding="utf-8")
    if not apply:
        _print_summary(plan, apply)
        return EXIT_FINDINGS if plan.changed_paths else EXIT_CLEAN
    try:
        journal = write_plan(plan, overwrite_read_only=overwrite_read_only)
    except WriteRefused as exc:  # the user's situation (a changed, read-only or unwritable file): no bug
        error(Msg("nothing was written: {reason}", reason=str(exc)))
        return EXIT_USAGE
    _print_summary(plan, apply)  # only now is it true that they were fixed
    if journal is not None:
        print(localize(Msg("wrote {count} files; undo with `{command}`", count=len(plan.changed_paths), command=f"tiketi-doctor fix {path} --undo")))
    # The exit status answers for what was asked to be fixed; other findings are listed above.
    remaining = [f for f in plan.remaining.findings if f.severity.value == "error" and is_selected(f.code, selected, ignored)]
    return EXIT_FINDINGS if remaining else EXIT_CLEAN


def _undo(path: Path, force: bool) -> int:
    try:
        restored = undo(path, force=force)
    except WriteRefused as exc:
        error(str(exc))
        return EXIT_USAGE
    print(localize(Msg("restored {count} files: {paths}", count=len(restored), paths=", ".join(restored))))
    return EXIT_CLEAN


def _print_diff(plan: FixPlan, color: bool) -> None:
    for changed in plan.changed_paths:
        for line in plan.diff(changed).splitlines(keepends=True):
            if color and line.startswith(("+++", "---")):
                line = f"\033[1m{line.rstrip()}\033[0m\n"
            elif color and line.startswith("+"):
                line = f"\033[32m{line.rstrip()}\033[0m\n"
            elif color and line.startswith("-"):
                line = f"\033[31m{line.rstrip()}\033[0m\n"
            elif color and line.startswith("@@"):
                line = f"\033[36m{line.rstrip()}\033[0m\n"
            sys.stdout.write(line)


def _print_summary(plan: FixPlan, apply: bool) -> None:
    out = sys.stdout
    count = len({(a.finding.code, a.finding.fingerprint) for a in plan.applied})
    files = len(plan.changed_paths)
    if apply:
        done = Msg("fixed {count} findings in {files} file", count=count, files=files) if files == 1 else \
            Msg("fixed {count} findings in {files} files", count=count, files=files)
    else:
        done = Msg("would fix {count} findings in {files} file", count=count, files=files) if files == 1 else \
            Msg("would fix {count} findings in {files} files", count=count, files=files)
    out.write(f"\n{localize(done)}")
    if plan.changed_paths and not apply:
        out.write(localize(Msg("; run with --apply to write them")))
    out.write("\n")
    for skipped in plan.skipped:
        line = Msg("not fixed {code} {location}: {reason}", code=skipped.finding.code, location=str(skipped.finding.location), reason=skipped.reason)
        out.write(f"  {localize(line)}\n")
    left = plan.remaining.findings
    if left:
        out.write(localize(Msg("{count} findings remain after fixing", count=len(left))))
        out.write(localize(Msg(" (run `tiketi-doctor check` for details)")) + "\n" if apply else "\n")
        for finding in left:
            out.write(f"  {_severity(finding.severity.value)} {finding.code} {finding.location}: {localize(finding.message)}\n")


SEVERITY_WORDS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}


def _severity(value: str) -> str:
    """The severity word in the process's language, padded to 7 terminal cells (`{value:7}` in English)."""
    from rich.cells import cell_len

    word = localize(Msg(SEVERITY_WORDS[value])) if value in SEVERITY_WORDS else value
    return word + " " * max(0, 7 - cell_len(word))
