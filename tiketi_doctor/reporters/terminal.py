"""The human view: findings grouped by service, severity colours, a one-line summary."""
from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..i18n import Msg, N_, localize
from ..model import Finding, Report, RunStatus, Severity
from ..suppressions import refused
from .masking import mask

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SEVERITY_WORDS = {Severity.ERROR: N_("ERROR"), Severity.WARNING: N_("WARNING"), Severity.INFO: N_("INFO")}
MAX_RELATED = 6
INDENT = "   "


def render(report: Report, out: TextIO, *, color: bool = False, verbose: bool = False, lang: str | None = None) -> None:
    console = Console(file=out, force_terminal=color, no_color=not color, highlight=False, soft_wrap=False, width=_width(out))
    groups: dict[str | None, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        groups[finding.service].append(finding)
    # Every line of the findings goes out in one print: rich's print pipeline, not the text, is
    # what costs per call (some 0.5 ms, a quarter of a second for a few hundred findings).
    lines: list[Text] = []
    for service in sorted(groups, key=lambda s: (s is None, s or "")):
        lines.append(Text(service or localize(Msg("repository"), lang), style="bold underline"))
        for finding in sorted(groups[service], key=lambda f: (-f.severity.rank, f.sort_key())):
            lines += _finding(console, finding, lang)
        lines.append(Text())
    if lines:
        _print_lines(console, lines)
    _summary(console, report, lang)


def _print_lines(console: Console, lines: list[Text]) -> None:
    """Lines printed as they are (soft wrap). Without styles to show (no terminal, no colour),
    their plain text is what rich would write, without its per-segment pipeline (a tenth of a
    second for a few hundred findings)."""
    if console.is_terminal:
        console.print(Text("\n").join(lines), soft_wrap=True)
    else:
        console.file.write("\n".join(line.plain for line in lines) + "\n")


def _finding(console: Console, finding: Finding, lang: str | None = None) -> list[Text]:
    """The lines of one finding: its label (wrapped like any printed line when it is too long),
    then its message, root cause and related places with a hanging indent."""
    word = localize(Msg(SEVERITY_WORDS[finding.severity]), lang)
    label = Text(f" {word}" + " " * max(0, 7 - _cells(word)), style=STYLES[finding.severity])
    label.append(f" {finding.code} ", style="bold")
    label.append(str(finding.location), style="blue")
    width = console.width
    lines = list(label.wrap(console, width)) if label.cell_len > width else [label]
    lines += _block(mask(localize(finding.message, lang)), "", width)
    if finding.root_cause:
        lines += _block(mask(localize(finding.root_cause, lang)), "dim", width, localize(Msg("why: "), lang))
    for loc in finding.related[:MAX_RELATED]:
        tail = f"  {loc.label}" if loc.label else ""
        lines += _block(mask(f"{loc}{tail}"), "dim", width, localize(Msg("also: "), lang))
    if len(finding.related) > MAX_RELATED:
        lines += _block(localize(Msg("… and {count} more places", count=len(finding.related) - MAX_RELATED), lang), "dim", width)
    return lines


def _block(text: str, style: str, width: int, lead: str = "") -> list[Text]:
    """A paragraph with a hanging indent, so each finding reads as one block."""
    return [Text(line, style=style) for line in _wrap(text, width - 1, INDENT + lead, INDENT + " " * _cells(lead))]


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """textwrap.wrap measured in terminal cells: Korean syllables are two cells wide.

    Words separated by single spaces, none too long for a line, are placed by the loop below,
    which is what textwrap does with them without its chunking (a third of a report's time)."""
    words = text.split()
    if _cells(text) == len(text) and _cells(first) == len(first):
        room = width - max(len(first), len(rest))
        if " ".join(words) != text or any(len(word) > room for word in words):
            return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)
    lines: list[str] = []
    current, used, placed = first, _cells(first), False
    for word in words:
        size = _cells(word)
        if placed and used + 1 + size > width:
            lines.append(current)
            current, used = rest + word, _cells(rest) + size
        elif placed:
            current, used = current + " " + word, used + 1 + size
        else:
            current, used = current + word, used + size
        placed = True
    if placed:
        lines.append(current)
    return lines


# Severity counts in the summary line, singular and plural ("1 error", "2 errors").
COUNT_WORDS = {
    Severity.ERROR: (N_("{count} error"), N_("{count} errors")),
    Severity.WARNING: (N_("{count} warning"), N_("{count} warnings")),
    Severity.INFO: (N_("{count} info"), N_("{count} info")),
}
KIND_WORDS = {"catalogue": N_("catalogue"), "inline": N_("inline"), "baseline": N_("baseline")}


def _count(severity: Severity, count: int) -> Msg:
    one, many = COUNT_WORDS[severity]
    return Msg(one if count == 1 else many, count=count)


def _kind(kind: str) -> Msg | str:
    return Msg(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def _summary(console: Console, report: Report, lang: str | None = None) -> None:
    counts = report.counts()
    unknown = [r for r in report.runs if r.status == RunStatus.UNKNOWN]
    errored = [r for r in report.runs if r.status == RunStatus.ERROR]
    if not report.findings:
        line = Text("✔ " + localize(Msg("no problems found"), lang), style="bold green")
    else:
        parts = [localize(_count(s, counts[s.value]), lang) for s in Severity if counts[s.value]]
        worst = report.worst()
        line = Text("✖ " + ", ".join(reversed(parts)), style=STYLES[worst] if worst else "")
    runs = Msg("{runs} check runs in {seconds} s", runs=len(report.runs), seconds=f"{report.duration:.2f}")
    line.append(f"  ({localize(runs, lang)})", style="dim")
    console.print(line)
    _accepted(console, report, lang)
    lead = "  " + localize(Msg("note: "), lang)
    for note in report.notes:
        for line in _wrap(mask(localize(note, lang)), console.width - 1, lead, " " * _cells(lead)):
            console.print(Text(line, style="dim"), soft_wrap=True)
    for run in unknown:
        text = Msg("{code} on {subject}: could not decide — {reason}", code=run.code, subject=run.subject, reason=escape(localize(run.reason, lang)))
        console.print(Text(f"  ? {localize(text, lang)}", style="dim"))
    for run in errored:
        text = Msg("{code} on {subject} failed internally: {reason}", code=run.code, subject=run.subject, reason=localize(run.reason, lang))
        console.print(Text(f"  ! {localize(text, lang)}", style="bold magenta"))


def _accepted(console: Console, report: Report, lang: str | None = None) -> None:
    """What ignores and the baseline hid, what --strict refused, what the baseline no longer sees."""
    if report.suppressed:
        kinds = Counter(f.suppression.kind for f in report.suppressed if f.suppression)
        detail = ", ".join(f"{n} {localize(_kind(kind), lang)}" for kind, n in sorted(kinds.items()))
        text = Msg("{count} suppressed, not counted ({detail})", count=len(report.suppressed), detail=detail)
        console.print(Text(f"  {localize(text, lang)}", style="dim"))
    for finding in refused(report):
        s = finding.suppression
        where = Msg(" at {location}", location=str(s.location)) if s and s.location else ""
        text = Msg(
            "--strict refused the {kind} ignore of {code} {location}{where}: {reason}",
            kind=_kind(s.kind) if s else "", code=finding.code, location=str(finding.location), where=where, reason=s.reason if s else "",
        )
        console.print(Text(f"  ! {localize(text, lang)}", style="yellow"))
    if report.baseline_resolved:
        text = Msg("{count} baseline entries no longer match (resolved):", count=len(report.baseline_resolved))
        console.print(Text(f"  ✔ {localize(text, lang)}", style="green"))
        for entry in report.baseline_resolved:
            console.print(Text(f"    {entry.get('code', '?')} {entry.get('path', '')}: {entry.get('message', entry['fingerprint'])}", style="dim"))


def _cells(text: str) -> int:
    """The terminal width of a text (a Korean syllable takes two cells)."""
    if text.isascii() and text.isprintable():  # one cell a character: most texts, at no cost
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _width(out: TextIO) -> int:
    """COLUMNS when set, the terminal's width when writing to one, else 120: output to a file or a
    pipe wraps the same wherever it runs (a CI log, a test worker)."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return max(80, int(columns))
    try:
        if out.isatty():
            return max(80, os.get_terminal_size(out.fileno()).columns)
    except (AttributeError, OSError, ValueError):
        pass
    return 120
