"""Output formats. Each module renders the same Report; adding one means one module and one line here."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

if TYPE_CHECKING:
    from ..model import Report

# format name -> module defining `render(report, out, *, color: bool, lang: str) -> None`
FORMATS = {
    "terminal": "tiketi_doctor.reporters.terminal",
    "json": "tiketi_doctor.reporters.json_report",
    "sarif": "tiketi_doctor.reporters.sarif",
    "junit": "tiketi_doctor.reporters.junit",
    "github": "tiketi_doctor.reporters.github",
    "markdown": "tiketi_doctor.reporters.markdown",
    "html": "tiketi_doctor.reporters.html",
}

# Formats that show fixes (diffs, SARIF replacements): the fixes are planned, never written, for them.
CARRIES_FIXES = frozenset({"json", "sarif", "markdown", "html"})

# The troubleshooting report's formats, chosen by the file name of --report / report --output.
REPORT_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def renderer(name: str) -> Callable[..., None]:
    return import_module(FORMATS[name]).render


def render(name: str, report: Report, out: TextIO, color: bool = False, lang: str = "en") -> None:
    renderer(name)(report, out, color=color, lang=lang)


def report_format(path: Path) -> str | None:
    """markdown or html for a report file name, None when the suffix says neither."""
    return REPORT_SUFFIXES.get(path.suffix.lower())


def write_report(report: Report, path: Path, lang: str = "en") -> None:
    """Write the troubleshooting report (Markdown or HTML by the file's suffix), replacing the file atomically."""
    from ..cli.common import write_output

    name = report_format(path)
    if name is None:
        raise ValueError(f"{path}: a report file must end in {', '.join(REPORT_SUFFIXES)}")
    with write_output(path) as out:
        render(name, report, out, lang=lang)
