"""The jinja2 environment of the document reporters, with the escaping each output needs."""
from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_BACKTICKS = re.compile(r"`+")


def md_text(text: str) -> str:
    """Markdown prose: keep `code spans`, neutralise HTML-looking text (`<Link to=...>`) outside them."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        out.append(_escape_prose(text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_escape_prose(text[last:]))
    return "".join(out)


def _escape_prose(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_cell(text: str) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return md_text(" ".join(str(text).split())).replace("|", "\\|")


def md_code(text: str) -> str:
    """Inline code that survives backticks inside it."""
    text = str(text)
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(text: str) -> str:
    """A code fence longer than any backtick run in the block."""
    longest = max((len(m) for m in _BACKTICKS.findall(str(text))), default=0)
    return "`" * max(3, longest + 1)


def html_code_spans(text: str) -> Markup:
    """HTML prose with its `code spans` as <code> elements; everything else escaped."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(str(text)):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<code>{escape(match.group(2).strip())}</code>")
        last = match.end()
    out.append(str(escape(str(text)[last:])))
    return Markup("".join(out))


@lru_cache(maxsize=2)
def environment(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("tiketi_doctor.reporters", "templates"),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md_text, cell=md_cell, code=md_code, fence=md_fence, codespans=html_code_spans)
    return env
