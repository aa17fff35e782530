"""JUnit XML for CI test views: one test suite per check, one test case per check run.

A run that found something fails with its findings; a run that could not decide is skipped
with the reason; a check that raised is an error; a run whose findings are all suppressed is
skipped with the suppression's reason. Findings no run produced (unreadable files, ignore
pragmas without a reason) get a test case of their own.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import OrderedDict
from typing import TextIO

from ..model import CheckRun, Finding, Report, RunStatus
from .masking import mask


def render(report: Report, out: TextIO, *, color: bool = False, lang: str = "en") -> None:
    root = ET.Element("testsuites", name="tiketi-doctor")
    suites: dict[str, ET.Element] = OrderedDict()
    active = _by_code(report.findings)
    hidden = _by_code(report.suppressed)
    for run in sorted(report.runs, key=lambda r: (r.code, r.subject)):
        suite = _suite(suites, root, run.code)
        case = _case(suite, run.code, run.subject, run.duration)
        mine = _take(active, run)
        if run.status == RunStatus.ERROR:
            ET.SubElement(case, "error", message=mask(run.reason) or "the check raised", type="internal-error").text = mask(run.reason)
        elif mine:
            _failure(case, mine)
        elif (covered := _take(hidden, run)):
            reasons = "; ".join(OrderedDict.fromkeys(f"{f.suppression.kind}: {f.suppression.reason}" for f in covered if f.suppression))
            ET.SubElement(case, "skipped", message=mask(f"suppressed ({reasons})"))
        elif run.status in (RunStatus.UNKNOWN, RunStatus.SKIPPED):
            ET.SubElement(case, "skipped", message=mask(run.reason or run.status.value))
    for code, findings in active.items():  # findings no run produced
        for finding in findings:
            _failure(_case(_suite(suites, root, code), code, str(finding.location), 0.0), [finding])
    for suite in suites.values():
        _count(suite)
    _count(root)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = OrderedDict()
    for finding in findings:
        groups.setdefault(finding.code, []).append(finding)
    return groups


def _take(groups: dict[str, list[Finding]], run: CheckRun) -> list[Finding]:
    """The findings this run produced: its code, and its component unless it ran on the repository."""
    findings = groups.get(run.code, [])
    mine = [f for f in findings if run.subject == "repository" or f.service == run.subject]
    rest = [f for f in findings if f not in mine]
    if rest:
        groups[run.code] = rest
    else:
        groups.pop(run.code, None)
    return mine


def _suite(suites: dict[str, ET.Element], root: ET.Element, code: str) -> ET.Element:
    if code not in suites:
        suites[code] = ET.SubElement(root, "testsuite", name=code)
    return suites[code]


def _case(suite: ET.Element, code: str, name: str, duration: float) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=f"tiketi-doctor.{code}", name=name, time=f"{duration:.3f}")


def _failure(case: ET.Element, findings: list[Finding]) -> None:
    worst = max(findings, key=lambda f: f.severity.rank)
    lines = []
    for f in findings:
        lines.append(f"{f.location}: {f.severity.value} {f.code} {f.message}")
        if f.root_cause:
            lines.append(f"  why: {f.root_cause}")
        lines += [f"  also: {loc}" + (f"  {loc.label}" if loc.label else "") for loc in f.related]
    message = findings[0].message if len(findings) == 1 else f"{len(findings)} findings; first: {findings[0].message}"
    ET.SubElement(case, "failure", message=mask(message), type=worst.severity.value).text = mask("\n".join(lines))


def _count(element: ET.Element) -> None:
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    element.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    element.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    element.set("time", f"{sum(float(c.get('time', 0)) for c in cases):.3f}")
