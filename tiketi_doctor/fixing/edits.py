"""Applying text edits exactly: positions, stale-edit detection, newline style, overlaps."""
from __future__ import annotations

from ..model import TextEdit


class StaleEdit(ValueError):
    """The text under an edit is not what the fixer saw: the file changed in between."""


def offset(text: str, line: int, column: int) -> int:
    """Character offset of a 1-based (line, column); column may point just past the line's end."""
    index = 0
    for _ in range(line - 1):
        newline = text.find("\n", index)
        if newline == -1:
            raise ValueError(f"line {line} is past the end of the text")
        index = newline + 1
    line_end = text.find("\n", index)
    line_end = len(text) if line_end == -1 else line_end
    if index + column - 1 > line_end + 1:
        raise ValueError(f"column {column} is past the end of line {line}")
    return index + column - 1


def span(text: str, edit: TextEdit) -> tuple[int, int]:
    return offset(text, *edit.start), offset(text, *edit.end)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two ranges conflict when they share characters, or are the same insertion point."""
    if a[0] == a[1] and b[0] == b[1]:
        return a[0] == b[0]
    return a[0] < b[1] and b[0] < a[1]


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits of one file. New text written with \\n takes the file's newline style."""
    crlf = "\r\n" in text
    placed = sorted(((span(text, e), e) for e in edits), key=lambda item: item[0], reverse=True)
    for i in range(1, len(placed)):
        if overlaps(placed[i][0], placed[i - 1][0]):
            raise ValueError(f"overlapping edits in {placed[i][1].path}")
    for (start, end), edit in placed:
        if text[start:end] != edit.old_text:
            raise StaleEdit(
                f"{edit.path}:{edit.start[0]}: expected {edit.old_text!r}, found {text[start:end]!r}"
            )
        new = edit.new_text
        if crlf:
            new = new.replace("\r\n", "\n").replace("\n", "\r\n")
        text = text[:start] + new + text[end:]
    return text


def replace_at(path: str, text: str, line: int, column: int, old: str, new: str) -> TextEdit:
    """An edit replacing `old`, which must start at (line, column) of `text`."""
    start = offset(text, line, column)
    if text[start:start + len(old)] != old:
        raise StaleEdit(f"{path}:{line}:{column}: expected {old!r}")
    end_line = line + old.count("\n")
    end_column = (len(old) - old.rfind("\n")) if "\n" in old else column + len(old)
    return TextEdit(path, (line, column), (end_line, end_column), new, old)


def replace_lines(path: str, text: str, first: int, last: int, new: str) -> TextEdit:
    """An edit replacing whole lines first..last (inclusive, 1-based) with `new` (which should end with a newline)."""
    lines = text.splitlines(keepends=True)
    old = "".join(lines[first - 1:last])
    end = (last + 1, 1) if last < len(lines) or old.endswith("\n") else (last, len(lines[last - 1]) + 1)
    if not old.endswith(("\n", "\r")) and new.endswith("\n"):
        new = new[:-1]
    return TextEdit(path, (first, 1), end, new, old)


def insert_at(path: str, line: int, column: int, new: str) -> TextEdit:
    return TextEdit(path, (line, column), (line, column), new, "")
