"""`tiketi-doctor report`: check a repository and write the troubleshooting report (Markdown or HTML).

Exit codes: 0 the report was written (whatever it found: gating is `check`'s job); 2 usage error,
invalid catalogue or baseline; 3 a check failed internally (the report is written and says so).
"""
from __future__ import annotations

from pathlib import Path

from ..deferred import dataclass
from ..i18n import Msg
from ..model import RunStatus
from ..registry import Registry
from ..reporters import REPORT_SUFFIXES, render, report_format
from .check_cmd import ScanOptions, scan_repository
from .common import EXIT_CLEAN, EXIT_INTERNAL, InternalError, UsageError, error, exit_for, write_output


@dataclass
class ReportOptions(ScanOptions):
    output: Path | None = None  # standard output when None
    report_format: str | None = None  # markdown or html; default from the output's suffix, else markdown
    lang: str = "en"
    with_fixes: bool = True


def run_report(options: ReportOptions, registry: Registry | None = None) -> int:
    try:
        name = _format(options)
        report = scan_repository(options, registry)
        with write_output(options.output) as out:
            render(name, report, out, lang=options.lang)
    except (UsageError, InternalError, OSError) as exc:
        return exit_for(exc, "the report")
    if options.output is not None:

        done = Msg("wrote {path} ({format}, {lang}): {count} findings", path=str(options.output), format=name, lang=options.lang, count=len(report.findings))
        print(done.render(options.lang))
    errored = [run for run in report.runs if run.status == RunStatus.ERROR]
    for run in errored:
        error(Msg("internal error: {code} on {subject} raised {reason}", code=run.code, subject=run.subject, reason=run.reason))
    return EXIT_INTERNAL if errored else EXIT_CLEAN


def _format(options: ReportOptions) -> str:
    by_suffix = report_format(options.output) if options.output is not None else None
    if options.report_format is not None:
        if by_suffix is not None and by_suffix != options.report_format:
            raise UsageError(Msg("--format {format} does not match the file name {path}", format=options.report_format, path=str(options.output)))
        return options.report_format
    if options.output is not None and by_suffix is None:
        raise UsageError(Msg("{path}: name the file with {suffixes} or give --format", path=str(options.output), suffixes=", ".join(REPORT_SUFFIXES)))
    return by_suffix or "markdown"
