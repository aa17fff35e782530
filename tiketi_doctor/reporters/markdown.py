"""The troubleshooting report as Markdown (GitHub-flavoured), in English or Korean."""
from __future__ import annotations

from typing import TextIO

from ..model import Report
from . import document
from .templating import environment


def render(report: Report, out: TextIO, *, color: bool = False, lang: str = "en") -> None:
    text = environment(html=False).get_template("report.md.j2").render(doc=document.build(report, lang))
    out.write(_tidy(text))


def _tidy(text: str) -> str:
    """Collapse the blank lines the template's conditionals leave behind (never inside code blocks)."""
    lines, blank, fence = [], 0, ""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            ticks = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            fence = "" if fence and ticks == fence and stripped == ticks else (fence or ticks)
        if not stripped and not fence:
            blank += 1
            if blank > 1:
                continue
        else:
            blank = 0
        lines.append(line.rstrip() if not fence else line)
    return "\n".join(lines).strip("\n") + "\n"
