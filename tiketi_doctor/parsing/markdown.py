"""Markdown read as CommonMark (markdown-it-py): code blocks with their info string, headings and
their sections, inline code spans and link targets, each with its line and column.

One parse and one pass over the tokens per document; columns are found by searching forward from
a cursor inside the token's own lines, so the work stays linear in the size of the file.
"""
from __future__ import annotations

import re
from urllib.parse import unquote
from tiketi_doctor.deferred import dataclass
from dataclasses import field

_HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)


@dataclass(frozen=True)
class CodeBlock:
    info: str  # the fence's info string ("bash", "console title=x"), "" for indented blocks
    first: int  # 1-based line of the first content line
    last: int  # 1-based line of the last content line (first - 1 when empty)
    fence: tuple[int, int] | None  # 1-based lines of the opening and closing fence (None: indented)
    indent: int  # columns of indentation the block's content lines carry (list items, indented code)

    @property
    def lang(self) -> str:
        word = self.info.strip().split(None, 1)[0] if self.info.strip() else ""
        return word.strip("{}.").lower()


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int  # 1-based
    end: int  # 1-based last line of its section (up to the next heading of the same or a higher level)


@dataclass(frozen=True)
class Span:
    """An inline code span or link target on one line: 0-based [start, end) columns."""

    line: int  # 1-based
    start: int
    end: int
    text: str


@dataclass
class Document:
    lines: list[str]
    blocks: list[CodeBlock] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    code_spans: list[Span] = field(default_factory=list)
    links: list[Span] = field(default_factory=list)
    comments: set[int] = field(default_factory=set)  # 1-based lines inside HTML blocks that are comments
    prose: set[int] = field(default_factory=set)  # 1-based lines of paragraphs, headings, list items and tables


def _parser():
    from markdown_it import MarkdownIt  # lazy: only runs that read guides pay for it

    return MarkdownIt("commonmark").enable("table")


def parse(text: str) -> Document:
    lines = text.splitlines()
    doc = Document(lines)
    env: dict = {}
    tokens = _parser().parse(text, env)
    heading_level = None
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            start, end = token.map
            if token.type == "fence":
                closed = end - start >= 2 and lines[end - 1].strip().startswith(token.markup)
                first, last = start + 2, end - 1 if closed else end
                fence = (start + 1, end if closed else start + 1)
            else:
                first, last, fence = start + 1, end, None
            content_line = lines[first - 1] if first <= last else ""
            indent = len(content_line) - len(content_line.lstrip(" ")) if fence is None else _fence_indent(lines[start])
            doc.blocks.append(CodeBlock(token.info if token.type == "fence" else "", first, last, fence, indent))
        elif token.type == "html_block" and token.map:
            if token.content.lstrip().startswith("<!--"):
                doc.comments.update(range(token.map[0] + 1, token.map[1] + 1))
            else:
                _html_links(doc, token.map)
        elif token.type == "heading_open":
            heading_level = int(token.tag[1])
        elif token.type == "inline" and token.map:
            doc.prose.update(range(token.map[0] + 1, token.map[1] + 1))
            if heading_level is not None:
                doc.headings.append(Heading(heading_level, token.content.strip(), token.map[0] + 1, 0))
                heading_level = None
            _inline(doc, token)
    for label, ref in (env.get("references") or {}).items():
        if ref.get("map"):
            _locate_link(doc, ref["map"][0] + 1, ref["map"][1], ref.get("href", ""))
    doc.links.sort(key=lambda s: (s.line, s.start))
    _close_sections(doc)
    return doc


def _fence_indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _close_sections(doc: Document) -> None:
    """Each heading's section ends before the next heading of the same or a higher level."""
    ends = [len(doc.lines)] * len(doc.headings)
    stack: list[int] = []  # indices of headings whose section is still open
    for index, heading in enumerate(doc.headings):
        while stack and doc.headings[stack[-1]].level >= heading.level:
            ends[stack.pop()] = heading.line - 1
        stack.append(index)
    doc.headings = [Heading(h.level, h.text, h.line, end) for h, end in zip(doc.headings, ends)]


class _Cursor:
    """A forward-only position in the lines [first, last] of one inline token."""

    def __init__(self, lines: list[str], first: int, last: int):
        self.lines, self.line, self.column, self.last = lines, first, 0, last

    def find(self, needle: str) -> tuple[int, int] | None:
        """(1-based line, 0-based column) of the needle at or after the cursor, moving past it."""
        if not needle:
            return None
        line, column = self.line, self.column
        while line <= self.last:
            found = self.lines[line - 1].find(needle, column)
            if found >= 0:
                self.line, self.column = line, found + len(needle)
                return line, found
            line, column = line + 1, 0
        return None


def _inline(doc: Document, token) -> None:
    first, last = token.map[0] + 1, token.map[1]
    cursor = _Cursor(doc.lines, first, last)
    for child in token.children or []:
        if child.type == "code_inline":
            opened = cursor.find(child.markup)
            if opened is None:
                continue
            line, column = opened
            text = doc.lines[line - 1]
            content_start = column + len(child.markup)
            close = text.find(child.markup, content_start)
            while close >= 0 and text[close + len(child.markup) : close + len(child.markup) + 1] == "`":
                close = text.find(child.markup, close + len(child.markup) + 1)
            if close < 0:  # a span over several lines: record the part on its first line
                close = len(text)
            else:
                cursor.line, cursor.column = line, close + len(child.markup)
            doc.code_spans.append(Span(line, content_start, close, text[content_start:close]))
        elif child.type in ("link_open", "image"):
            target = child.attrs.get("href") or child.attrs.get("src") or ""
            if child.markup == "autolink":
                continue
            _locate_link(doc, cursor.line, last, target, cursor)
        elif child.type == "html_inline":
            for match in _HTML_LINK.finditer(child.content):
                _locate_link(doc, cursor.line, last, match.group(1), cursor)


def _locate_link(doc: Document, first: int, last: int, target: str, cursor: _Cursor | None = None) -> None:
    """A link target where it is written (markdown-it hands it back percent-encoded); a reference
    link's target is not on its own line and is found at its definition instead."""
    cursor = cursor or _Cursor(doc.lines, first, last)
    for written in dict.fromkeys((unquote(target), target)):
        line, column = cursor.line, cursor.column
        found = cursor.find(written)
        if found is not None:
            doc.links.append(Span(found[0], found[1], found[1] + len(written), written))
            return
        cursor.line, cursor.column = line, column


def _html_links(doc: Document, span: list[int]) -> None:
    for number in range(span[0] + 1, span[1] + 1):
        for match in _HTML_LINK.finditer(doc.lines[number - 1]):
            doc.links.append(Span(number, match.start(1), match.end(1), match.group(1)))
