"""`tiketi-doctor check`: run the static checks, apply ignores and the baseline, render every output, exit.

Exit codes: 0 no reported finding at or above --fail-on; 1 such findings; 2 usage error, invalid
catalogue or baseline; 3 a check failed internally (the other outputs are still written).
"""
from __future__ import annotations

import sys
from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from ..catalogue import Catalogue, CatalogueError
from ..catalogue_choice import find_catalogue, nothing_to_check
from ..check import Check
from ..engine import scan
from ..i18n import Msg
from ..model import Report, RunStatus, Severity
from ..registry import LIVE_LETTERS, Registry, RegistryError, load_registry, matches
from ..reporters import CARRIES_FIXES, REPORT_SUFFIXES, render, report_format, write_report
from ..suppressions import BaselineError, apply_baseline, load_baseline, refuse
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, InternalError, UsageError, error, exit_for, print_catalogue_error, split_codes, write_output

STDOUT = "-"


@dataclass
class ScanOptions:
    path: Path
    catalogue: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    baseline: Path | None = None
    strict: bool = False
    # Give each finding its fix (nothing is written) so that the outputs can show them as diffs and replacements.
    with_fixes: bool = False
    # --max-file-size: overrides the catalogue's max_file_bytes.
    max_file_bytes: int | None = None
    # Cross-check: render kustomizations with `kubectl kustomize` (when on PATH) instead of the reader alone.
    kubectl_kustomize: bool = False
    # Reuse the check runs of an earlier scan whose inputs did not change (tiketi_doctor.cache);
    # --no-cache turns it off, --cache-dir (or $TIKETI_DOCTOR_CACHE_DIR) moves it.
    cache: bool = True
    cache_dir: Path | None = None


@dataclass
class CheckOptions(ScanOptions):
    formats: list[str] = field(default_factory=lambda: ["terminal"])
    outputs: list[str] = field(default_factory=list)  # paired with formats; "-" is standard output
    fail_on: Severity = Severity.ERROR
    color: bool | None = None
    report: Path | None = None
    lang: str = "en"
    # --live: the cluster options (tiketi_doctor.cluster.runner.LiveOptions); None for a static check.
    live: object | None = None


def run_check(options: CheckOptions, registry: Registry | None = None) -> int:
    live = None
    try:
        destinations = pair_outputs(options.formats, options.outputs)
        if options.report is not None and report_format(options.report) is None:
            raise UsageError(Msg("--report {path}: the file name must end in {suffixes}", path=str(options.report), suffixes=", ".join(REPORT_SUFFIXES)))
        options.with_fixes = options.with_fixes or options.report is not None or any(n in CARRIES_FIXES for n, _ in destinations)
        catalogue = load_catalogue_for(options)
        report = scan_repository(options, registry, catalogue)
        if options.live is not None:  # the live checks, after the static ones (kubernetes is imported only here)
            from .live_cmd import run_live_part

            live = run_live_part(report, options, catalogue, registry)
        for name, target in destinations:
            with write_output(target) as out:
                use_color = options.color if options.color is not None else (target is None and sys.stdout.isatty())
                render(name, report, out, color=use_color and name == "terminal", lang=options.lang)
        if options.report is not None:
            write_report(report, options.report, options.lang)
    except (UsageError, InternalError, OSError) as exc:
        return exit_for(exc)
    if options.live is not None:  # 4 when the live part could not run and nothing else decides the exit
        from .live_cmd import live_exit_code

        return live_exit_code(exit_code(report, options.fail_on), live)
    return exit_code(report, options.fail_on)


def exit_code(report: Report, fail_on: Severity) -> int:
    """3 when a check failed internally, else 1 when a reported finding reaches --fail-on, else 0."""
    if any(run.status == RunStatus.ERROR for run in report.runs):
        for run in report.runs:
            if run.status == RunStatus.ERROR:
                error(f"internal error: {run.code} on {run.subject} raised {run.reason}")
        return EXIT_INTERNAL
    return EXIT_FINDINGS if report.fails(fail_on) else EXIT_CLEAN


def pair_outputs(formats: list[str], outputs: list[str]) -> list[tuple[str, Path | None]]:
    """Pair repeated --format with --output in order (None = standard output); one format at most on stdout."""
    formats = formats or ["terminal"]
    if not outputs:
        if len(formats) > 1:
            raise UsageError(Msg("{count} formats cannot all go to standard output: give each an --output FILE (or - for one of them)", count=len(formats)))
        return [(formats[0], None)]
    if len(outputs) != len(formats):
        raise UsageError(Msg("{formats} --format but {outputs} --output: pair each --format with its --output (- for standard output)", formats=len(formats), outputs=len(outputs)))
    pairs = [(name, None if out == STDOUT else Path(out)) for name, out in zip(formats, outputs)]
    if sum(1 for _, target in pairs if target is None) > 1:
        raise UsageError(Msg("only one format can go to standard output (-)"))
    files = [target for _, target in pairs if target is not None]
    if len(set(files)) != len(files):
        raise UsageError(Msg("two formats are written to the same --output file"))
    return pairs


def load_catalogue_for(options: ScanOptions) -> Catalogue:
    """The repository's catalogue (given, found or discovered); a usage error names every problem."""
    if not options.path.is_dir():
        raise UsageError(Msg("{path} is not a directory", path=str(options.path)))
    try:
        catalogue = find_catalogue(options.path, options.catalogue, _catalogue_loader(options))
    except CatalogueError as exc:
        print_catalogue_error(exc)
        raise UsageError("") from None  # already reported, problem by problem
    unrelated = nothing_to_check(options.path, catalogue)
    if unrelated:
        raise UsageError(unrelated)
    if options.max_file_bytes is not None:
        catalogue.max_file_bytes = options.max_file_bytes
    return catalogue


def scan_repository(options: ScanOptions, registry: Registry | None = None, catalogue: Catalogue | None = None) -> Report:
    """Catalogue, registry, scan, then the baseline and --strict: the report every command renders."""
    if catalogue is None:
        catalogue = load_catalogue_for(options)
    try:
        baseline = load_baseline(options.baseline) if options.baseline is not None else None
    except BaselineError as exc:
        raise UsageError(str(exc)) from None
    selected, ignored = split_codes(options.select), split_codes(options.ignore)
    injected = registry is not None
    if registry is None:
        try:
            # Families ruled out are not imported; without --live, neither are the live checks
            # (the live part loads them itself).
            static_only = [] if getattr(options, "live", None) is not None else [LIVE_LETTERS]
            registry = load_registry(select=selected, ignore=ignored + static_only)
        except RegistryError as exc:
            raise InternalError(str(exc)) from None
    for token in selected + ignored:
        if not any(matches(c.code, token) for c in registry.checks):
            if registry.skipped:  # the token may name a check of a family left unimported: ask them all
                registry = load_registry()
                if any(matches(c.code, token) for c in registry.checks):
                    continue
            raise UsageError(Msg("{token} matches no check code; see `tiketi-doctor checks list`", token=repr(token)))
    checks = registry.runnable(selected, ignored)
    catalogue.kubectl_kustomize = options.kubectl_kustomize
    cache = _run_cache(options, catalogue, checks, injected)
    if options.with_fixes:
        report = _scan_with_fixes(options, catalogue, checks, cache)
    else:
        report = scan(options.path, catalogue, checks, cache=cache)
    report.notes[:0] = catalogue.notes  # e.g. that the catalogue was discovered, not read from a file
    if baseline is not None and options.baseline is not None:
        apply_baseline(report, baseline, options.baseline.as_posix())
    if options.strict:
        refuse(report)
    return report


def _catalogue_loader(options: ScanOptions):
    """Catalogue files are read through the cache folder unless --no-cache: a large catalogue
    (a thousand components) takes a third of a second to parse and validate."""
    if not options.cache:
        from ..catalogue import load_catalogue

        return load_catalogue
    from functools import partial

    from ..cache import cached_catalogue, default_folder

    return partial(cached_catalogue, options.cache_dir or default_folder())


def _run_cache(options: ScanOptions, catalogue: Catalogue, checks: list[Check], injected: bool):
    """The repository's run cache, or None: with --no-cache; with --kubectl-kustomize (its output
    depends on the kubectl installed, not only on the files); and for a registry handed in by the
    caller (its checks may behave differently from what their files say, as in tests)."""
    if not options.cache or options.kubectl_kustomize or injected:
        return None
    from ..cache import RunCache, catalogue_fingerprint, check_packages, default_folder, tool_fingerprint

    folder = options.cache_dir or default_folder()
    trusted = tuple(sorted({"tiketi_doctor", "checks", "fixes"} | check_packages(checks)))
    key = tool_fingerprint(checks) + catalogue_fingerprint(catalogue)
    return RunCache(folder, options.path.resolve(), key, trusted=trusted)


def _scan_with_fixes(options: ScanOptions, catalogue: Catalogue, checks: list[Check], cache) -> Report:
    """A scan with each finding's own fix attached (fixing.planner.attach_fixes); without fixes,
    and a note saying why, when the fixers cannot be loaded."""
    from ..fixing.context import FixContext, FixOptions
    from ..fixing.planner import attach_fixes
    from ..fixing.registry import FixerError, load_fixers
    from ..repo import RepoView

    repo = RepoView.of(options.path, catalogue)
    ctx = FixContext(repo, catalogue, FixOptions(), track_reads=cache is not None)
    report = scan(options.path, catalogue, checks, context=ctx, cache=cache)
    try:
        fixers = load_fixers()
    except FixerError as exc:
        report.notes.append(f"fixes are not shown: {exc}")
        return report
    attach_fixes(ctx, report, fixers)
    return report
