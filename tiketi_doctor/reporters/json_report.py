"""The canonical, versioned JSON form of a report (paths relative to the checked repository)."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, TextIO

from .. import __version__
from ..model import Finding, Report, RunStatus
from .masking import mask, mask_data

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
        "system": report.system,
        "findings": [finding_data(f) for f in report.findings],
        # Findings an ignore or the baseline accepted: not counted, each with its `suppression`.
        "suppressed": [finding_data(f) for f in report.suppressed],
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
        "notes": list(report.notes),
        "summary": {
            "total": len(report.findings),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "suppressed": len(report.suppressed),
            "refused_suppressions": sum(1 for f in report.findings if f.suppression is not None),
            "baseline_resolved": len(report.baseline_resolved),
            "runs": statuses,
            "duration_ms": round(report.duration * 1000, 1),
        },
        **({"baseline_resolved": report.baseline_resolved} if report.baseline_resolved else {}),
        **({"pods": [asdict(p) for p in report.pods]} if report.pods else {}),
        **({"commands": [{**asdict(c), "command": mask(c.command), "output": mask(c.output)} for c in report.commands]} if report.commands else {}),
    }


def finding_data(finding: Finding) -> dict[str, Any]:
    """A finding's dict with secrets masked in what people read; fix edits stay exact for tools that apply them."""
    data = finding.to_dict()
    for key in ("message", "root_cause"):
        data[key] = mask(data[key])
    data["evidence"] = mask_data(data["evidence"])
    for loc in data["related"]:
        if "label" in loc:
            loc["label"] = mask(loc["label"])
    if "fix" in data and "diff" in data["fix"]:
        data["fix"]["diff"] = mask(data["fix"]["diff"])
    return data


def render(report: Report, out: TextIO, *, color: bool = False, lang: str = "en") -> None:
    # One write: json.dump hands the stream each of its some 850,000 pieces at 1,000 services.
    out.write(json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n")
