"""`tiketi-doctor baseline create`: record today's findings so `check --baseline` reports only new ones."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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
            error(f"internal error: {run.code} on {run.subject} raised {run.reason}")
        error("no baseline written: it would be incomplete")
        return EXIT_INTERNAL
    data = baseline_data(report)
    try:
        with write_output(options.output) as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
    except OSError as exc:
        error(f"cannot write {options.output}: {exc.strerror or exc}")
        return EXIT_USAGE
    count = len(data["findings"])
    print(f"wrote {options.output}: {count} known finding{'s' if count != 1 else ''}; `check --baseline {options.output}` reports only new ones")
    return EXIT_CLEAN
