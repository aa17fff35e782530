"""SARIF 2.1.0 for code-scanning UIs (GitHub, Azure DevOps, VS Code's SARIF viewer).

One rule per check, with its documentation as help and its page (docs/checks/<CODE>.md, see
checkdocs.docs_base_url) as helpUri; one result per finding — reported ones, and suppressed ones
with their `suppressions` (accepted, or rejected under --strict); fixes as artifact changes with
replacements; paths relative to the checked repository (%SRCROOT%).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from .. import __version__
from ..check import Check
from ..model import Finding, Location, Report, RunStatus, Severity
from . import triage
from .checkdocs import check_docs, page_url
from .masking import mask, mask_data

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
ROOT = "%SRCROOT%"
FINGERPRINT = "tiketiDoctor/v1"


def to_sarif(report: Report) -> dict[str, Any]:
    docs = check_docs()
    findings = report.findings + report.suppressed
    codes = list(OrderedDict.fromkeys(sorted(docs) + sorted({f.code for f in findings} - docs.keys())))
    index = {code: i for i, code in enumerate(codes)}
    baselined = bool(report.baseline_resolved) or any(f.suppression and f.suppression.kind == "baseline" for f in findings)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "tiketi-doctor",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(code, docs.get(code)) for code in codes],
            }
        },
        "invocations": [_invocation(report)],
        "originalUriBaseIds": {ROOT: {"uri": Path(report.root).resolve().as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.code], baselined) for f in sorted(findings, key=Finding.sort_key)],
    }
    if report.baseline_resolved:
        run["properties"] = {"baselineResolved": mask_data(report.baseline_resolved)}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, out: TextIO, *, color: bool = False, lang: str = "en") -> None:
    out.write(json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n")  # one write, not one per piece


def _rule(code: str, check: Check | None) -> dict[str, Any]:
    if check is None:
        return {"id": code, "shortDescription": {"text": code}}
    why, example, fix = (" ".join(text.split()) for text in (check.why, check.example, check.fix))
    return {
        "id": check.code,
        "name": check.name,
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": why},
        "help": {
            "text": f"{why}\n\nExample: {example}\n\nHow to fix: {fix}\n\nMore: tiketi-doctor explain {check.code}",
            "markdown": f"{why}\n\n**Example:** {example}\n\n**How to fix:** {fix}\n\nMore: `tiketi-doctor explain {check.code}`",
        },
        "helpUri": page_url(check.code),
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {"tags": [check.family, check.scope], "precision": "high", "fixable": check.fixable},
    }


def _result(finding: Finding, rule_index: int, baselined: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": mask(finding.message)},
        "locations": [_location(finding.location, finding.service)],
        "partialFingerprints": {FINGERPRINT: finding.fingerprint},
        "properties": {
            "service": finding.service,
            "priority": triage.priority(finding),
            "rootCause": mask(finding.root_cause),
            "evidence": mask_data(finding.evidence),
            "status": finding.status.value,
            **({"remediation": [mask(c) for c in finding.remediation]} if finding.remediation else {}),
        },
    }
    if finding.related:
        result["relatedLocations"] = [
            {**_location(loc, None), "id": i, **({"message": {"text": mask(loc.label)}} if loc.label else {})}
            for i, loc in enumerate(finding.related, start=1)
        ]
    if finding.fix is not None and finding.fix.edits:
        result["fixes"] = [_fix(finding)]
    if finding.suppression is not None:
        s = finding.suppression
        suppression: dict[str, Any] = {
            "kind": "inSource" if s.kind == "inline" else "external",
            "status": "accepted" if s.accepted else "rejected",
            "justification": mask(s.reason),
            "properties": {"source": s.kind},
        }
        if s.location is not None:
            suppression["location"] = _location(s.location, None)
        result["suppressions"] = [suppression]
    if baselined:
        is_known = finding.suppression is not None and finding.suppression.kind == "baseline"
        result["baselineState"] = "unchanged" if is_known else "new"
    return result


def _location(loc: Location, service: str | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(loc.path, safe="/"), "uriBaseId": ROOT}}
    if loc.line:
        region: dict[str, Any] = {"startLine": loc.line}
        if loc.column:
            region["startColumn"] = loc.column
        if loc.end_line and loc.end_line >= loc.line:
            region["endLine"] = loc.end_line
            if loc.end_column and (loc.end_line > loc.line or not loc.column or loc.end_column >= loc.column):
                region["endColumn"] = loc.end_column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if service:
        location["logicalLocations"] = [{"name": service, "kind": "module"}]
    return location


def _fix(finding: Finding) -> dict[str, Any]:
    fix = finding.fix
    assert fix is not None
    by_path: dict[str, list[dict[str, Any]]] = OrderedDict()
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(
            {
                "deletedRegion": {
                    "startLine": edit.start[0],
                    "startColumn": edit.start[1],
                    "endLine": edit.end[0],
                    "endColumn": edit.end[1],
                },
                "insertedContent": {"text": edit.new_text},
            }
        )
    return {
        "description": {"text": mask(fix.title)},
        "artifactChanges": [
            {"artifactLocation": {"uri": quote(path, safe="/"), "uriBaseId": ROOT}, "replacements": replacements}
            for path, replacements in by_path.items()
        ],
        "properties": {"safety": fix.safety.value},
    }


def _invocation(report: Report) -> dict[str, Any]:
    notifications = [
        {
            "level": "error" if run.status == RunStatus.ERROR else "note",
            "message": {"text": mask(f"{run.code} on {run.subject}: {'failed internally' if run.status == RunStatus.ERROR else 'could not decide'}: {run.reason}")},
            "descriptor": {"id": run.code},
        }
        for run in report.runs
        if run.status in (RunStatus.ERROR, RunStatus.UNKNOWN)
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not any(r.status == RunStatus.ERROR for r in report.runs)}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation
