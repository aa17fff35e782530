"""Output formats. Each module renders the same Report; adding one means one module and one line here."""
from __future__ import annotations

from importlib import import_module
from typing import Callable, TextIO

from ..model import Report

# format name -> module defining `render(report, out, *, color: bool) -> None`
FORMATS = {
    "terminal": "tiketi_doctor.reporters.terminal",
    "json": "tiketi_doctor.reporters.json_report",
}


def renderer(name: str) -> Callable[..., None]:
    return import_module(FORMATS[name]).render


def render(name: str, report: Report, out: TextIO, color: bool = False) -> None:
    renderer(name)(report, out, color=color)
