"""Fixes for the UI family: bring back a navigation link hidden in a comment."""
from __future__ import annotations

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import replace_lines
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix, TextEdit


def restore_link(ctx: FixContext, finding: Finding) -> Fix | None:
    from checks.ui import HiddenLinkFacts, HiddenNavLink  # here: loading fixers imports no check family

    facts = HiddenLinkFacts.of(finding)
    if facts is None:
        return None
    path, span, restored = facts.file, facts.replace, facts.restored
    text = ctx.current_text(path) if path else None
    if text is None or span is None or restored is None:
        return None
    lines = text.splitlines()
    old = _span_text(lines, span)
    edits = [TextEdit(path, (span.line, span.column), (span.end_line, span.end_column), restored, old)]
    todo = facts.todo_comment
    if todo is not None and todo.line and todo.line != span.line:
        stale = _span_text(lines, todo)
        if lines[todo.line - 1].strip() == stale.strip():  # the TODO stands alone on its line: drop the line
            edits.append(replace_lines(path, text, todo.line, todo.line, ""))
    return Fix(Msg(HiddenNavLink.fix_title, target=facts.target, file=path), tuple(edits))


def _span_text(lines: list[str], span) -> str:
    first, last = span.line, span.end_line or span.line
    if first == last:
        return lines[first - 1][span.column - 1:span.end_column - 1]
    parts = [lines[first - 1][span.column - 1:]] + lines[first:last - 1] + [lines[last - 1][:span.end_column - 1]]
    return "\n".join(parts)


FIXERS = {"UI001": restore_link}
