"""The human view: findings grouped by service, severity colours, a one-line summary."""
from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..model import Finding, Report, RunStatus, Severity
from ..suppressions import refused
from .masking import mask

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MAX_RELATED = 6
INDENT = "   "


def render(report: Report, out: TextIO, *, color: bool = False, verbose: bool = False, lang: str = "en") -> None:
    console = Console(file=out, force_terminal=color, no_color=not color, highlight=False, soft_wrap=False, width=_width(out))
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        groups[finding.service or "repository"].append(finding)
    for service in sorted(groups, key=lambda s: (s == "repository", s)):
        console.print(Text(service, style="bold underline"))
        for finding in sorted(groups[service], key=lambda f: (-f.severity.rank, f.sort_key())):
            _finding(console, finding)
        console.print()
    _summary(console, report)


def _finding(console: Console, finding: Finding) -> None:
    label = Text(f" {finding.severity.value.upper():7}", style=STYLES[finding.severity])
    label.append(f" {finding.code} ", style="bold")
    label.append(str(finding.location), style="blue")
    console.print(label)
    width = console.width
    _block(console, mask(finding.message), "", width)
    if finding.root_cause:
        _block(console, mask(finding.root_cause), "dim", width, "why: ")
    for loc in finding.related[:MAX_RELATED]:
        tail = f"  {loc.label}" if loc.label else ""
        _block(console, mask(f"{loc}{tail}"), "dim", width, "also: ")
    if len(finding.related) > MAX_RELATED:
        _block(console, f"… and {len(finding.related) - MAX_RELATED} more places", "dim", width)


def _block(console: Console, text: str, style: str, width: int, lead: str = "") -> None:
    """A paragraph with a hanging indent, so each finding reads as one block."""
    lines = textwrap.wrap(text, width=width - 1, initial_indent=INDENT + lead, subsequent_indent=INDENT + " " * len(lead), break_on_hyphens=False)
    for line in lines:
        console.print(Text(line, style=style), soft_wrap=True)


def _summary(console: Console, report: Report) -> None:
    counts = report.counts()
    unknown = [r for r in report.runs if r.status == RunStatus.UNKNOWN]
    errored = [r for r in report.runs if r.status == RunStatus.ERROR]
    if not report.findings:
        line = Text("✔ no problems found", style="bold green")
    else:
        parts = [f"{counts[s.value]} {s.value}{'s' if counts[s.value] != 1 and s != Severity.INFO else ''}" for s in Severity if counts[s.value]]
        worst = report.worst()
        line = Text("✖ " + ", ".join(reversed(parts)), style=STYLES[worst] if worst else "")
    line.append(f"  ({len(report.runs)} check runs in {report.duration:.2f} s)", style="dim")
    console.print(line)
    _accepted(console, report)
    for note in report.notes:
        for line in textwrap.wrap(mask(note), width=console.width - 1, initial_indent="  note: ", subsequent_indent=" " * 8, break_on_hyphens=False):
            console.print(Text(line, style="dim"), soft_wrap=True)
    for run in unknown:
        console.print(Text(f"  ? {run.code} on {run.subject}: could not decide — {escape(run.reason)}", style="dim"))
    for run in errored:
        console.print(Text(f"  ! {run.code} on {run.subject} failed internally: {run.reason}", style="bold magenta"))


def _accepted(console: Console, report: Report) -> None:
    """What ignores and the baseline hid, what --strict refused, what the baseline no longer sees."""
    if report.suppressed:
        kinds = Counter(f.suppression.kind for f in report.suppressed if f.suppression)
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        console.print(Text(f"  {len(report.suppressed)} suppressed, not counted ({detail})", style="dim"))
    for finding in refused(report):
        s = finding.suppression
        where = f" at {s.location}" if s and s.location else ""
        console.print(Text(f"  ! --strict refused the {s.kind if s else ''} ignore of {finding.code} {finding.location}{where}: {s.reason if s else ''}", style="yellow"))
    if report.baseline_resolved:
        console.print(Text(f"  ✔ {len(report.baseline_resolved)} baseline entries no longer match (resolved):", style="green"))
        for entry in report.baseline_resolved:
            console.print(Text(f"    {entry.get('code', '?')} {entry.get('path', '')}: {entry.get('message', entry['fingerprint'])}", style="dim"))


def _width(out: TextIO) -> int:
    try:
        import shutil

        return max(80, shutil.get_terminal_size((120, 24)).columns)
    except OSError:
        return 120
