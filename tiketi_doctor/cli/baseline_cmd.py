"""`tiketi-doctor baseline create`: record today's findings so `check --baseline` reports only new ones."""
from __future__ import annotations

import json
from pathlib import Path

from ..deferred import dataclass
from ..i18n import Msg, localize
from ..model import RunStatus
from ..registry import Registry
from ..suppressions import baseline_data
from .check_cmd import ScanOptions, scan_repository
from .common import EXIT_CLEAN, EXIT_INTERNAL, EXIT_USAGE, InternalError, UsageError, error, exit_for, write_output

DEFAULT_BASELINE = Path("tiketi-doctor-baseline.json")


@dataclass
class BaselineOptions(ScanOptions):
    output: Path = DEFAULT_BASELINE


def run_create(options: BaselineOptions, registry: Registry | None = None) -> int:
    try:
        report = scan_repository(options, registry)
    except (UsageError, InternalError) as exc:
        return exit_for(exc)
    errored = [run for run in report.runs if run.status == RunStatus.ERROR]
    if errored:
        # A baseline without that check's findings would report them all as new once it works again.
        for run in errored:
            error(Msg("internal error: {code} on {subject} raised {reason}", code=run.code, subject=run.subject, reason=run.reason))
        error(Msg("no baseline written: it would be incomplete"))
        return EXIT_INTERNAL
    data = baseline_data(report)
    try:
        with write_output(options.output) as out:
            out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        error(Msg("cannot write {path}: {reason}", path=str(options.output), reason=str(exc.strerror or exc)))
        return EXIT_USAGE
    count = len(data["findings"])
    wrote = Msg("wrote {path}: 1 known finding; `check --baseline {path}` reports only new ones", path=str(options.output)) if count == 1 else \
        Msg("wrote {path}: {count} known findings; `check --baseline {path}` reports only new ones", path=str(options.output), count=count)
    print(localize(wrote))
    return EXIT_CLEAN
