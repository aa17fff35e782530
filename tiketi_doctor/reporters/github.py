"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff.

`::error file=…,line=…,col=…,title=…::message` (warning → `::warning`, info → `::notice`), then a
closing `::notice` with the counts. Suppressed findings are not annotated; they are counted.
"""
from __future__ import annotations

from typing import TextIO

from ..model import Finding, Report, RunStatus, Severity
from .masking import mask

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report, out: TextIO, *, color: bool = False, lang: str = "en") -> None:
    for finding in report.findings:
        out.write(annotation(finding) + "\n")
    for run in report.runs:
        if run.status == RunStatus.ERROR:
            out.write(f"::error title={_property(f'tiketi-doctor: {run.code} failed internally')}::{_data(mask(run.reason))}\n")
    counts = report.counts()
    summary = f"tiketi-doctor: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info"
    if report.suppressed:
        summary += f"; {len(report.suppressed)} suppressed"
    if report.baseline_resolved:
        summary += f"; {len(report.baseline_resolved)} baseline entries resolved"
    out.write(f"::notice title=tiketi-doctor::{_data(summary)}\n")


def annotation(finding: Finding) -> str:
    loc = finding.location
    props = [f"file={_property(loc.path)}"]
    if loc.line:
        props.append(f"line={loc.line}")
        if loc.column:
            props.append(f"col={loc.column}")
        if loc.end_line:
            props.append(f"endLine={loc.end_line}")
            if loc.end_column:
                props.append(f"endColumn={loc.end_column}")
    props.append(f"title={_property(f'{finding.code} {finding.name}'.strip())}")
    text = mask(finding.message)
    if finding.root_cause:
        text += "\n\n" + mask(finding.root_cause)
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{_data(text)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
