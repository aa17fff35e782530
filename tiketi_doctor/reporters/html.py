"""The troubleshooting report as one self-contained HTML page (inline CSS, no script, no external files;
each finding's code links to its check's documentation page)."""
from __future__ import annotations

from typing import TextIO

from ..model import Report
from . import document
from .checkdocs import page_url
from .templating import environment


def render(report: Report, out: TextIO, *, color: bool = False, lang: str = "en") -> None:
    out.write(environment(html=True).get_template("report.html.j2").render(doc=document.build(report, lang), page_url=page_url))
