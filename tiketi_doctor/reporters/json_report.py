"""The canonical, versioned JSON form of a report (paths relative to the checked repository)."""
from __future__ import annotations

import json
from typing import Any, TextIO

from .. import __version__
from ..model import Report, RunStatus

VERSION = 1


def to_data(report: Report) -> dict[str, Any]:
    counts = report.counts()
    statuses = {s.value: 0 for s in RunStatus}
    for run in report.runs:
        statuses[run.status.value] += 1
    return {
        "version": VERSION,
        "tool": {"name": "tiketi-doctor", "version": __version__},
        "catalogue": report.catalogue,
        "findings": [f.to_dict() for f in report.findings],
        "runs": [
            {
                "code": r.code,
                "subject": r.subject,
                "status": r.status.value,
                "duration_ms": round(r.duration * 1000, 3),
                "findings": r.findings,
                **({"reason": r.reason} if r.reason else {}),
            }
            for r in report.runs
        ],
        "summary": {
            "total": len(report.findings),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "runs": statuses,
            "duration_ms": round(report.duration * 1000, 1),
        },
    }


def render(report: Report, out: TextIO, *, color: bool = False) -> None:
    json.dump(to_data(report), out, indent=2, ensure_ascii=False)
    out.write("\n")
