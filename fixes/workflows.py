"""Fixes for the CI family: `with:` inputs that name a shell variable GitHub never expands."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

from . import render

# Default variables whose value is a context property GitHub evaluates in `with:`.
_CONTEXTS = (("GITHUB_", "github"), ("RUNNER_", "runner"))
_NOT_PROPERTIES = {"GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE"}


def expression_for(name: str) -> str | None:
    """`env.IMAGE_TAG` for a workflow variable, `github.sha` for GITHUB_SHA; None for a file-command variable."""
    if name in _NOT_PROPERTIES:
        return None
    for prefix, context in _CONTEXTS:
        if name.startswith(prefix):
            return f"{context}.{name[len(prefix):].lower()}"
    return f"env.{name}"


def shell_variable_to_expression(ctx: FixContext, finding: Finding) -> Fix | None:
    """`tags: me/api:$IMAGE_TAG` -> `tags: me/api:${{ env.IMAGE_TAG }}` on the input's own line."""
    # Imported here: loading the fixers must not import check families --select left out.
    from checks.workflow_steps import EDIT_TITLE, InputVariableFacts

    facts = InputVariableFacts.of(finding)
    if facts is None:
        return None
    path, line, name = finding.location.path, finding.location.line, facts.variable
    text = ctx.current_text(path) if path else None
    expression = expression_for(name) if isinstance(name, str) else None
    if text is None or not line or expression is None:
        return None
    row = text.splitlines()[line - 1]
    found = [m for m in re.finditer(rf"(?<![$\\])\$(?:\{{{name}\}}|{name}(?![A-Za-z0-9_]))", row) if not _inside_expression(row, m.start())]
    if len(found) != 1:
        return None  # on another line (a block scalar), or more than once: left to a person
    match = found[0]
    new = render("github-expression.j2", expression=expression)
    edit = replace_at(path, text, line, match.start() + 1, match.group(0), new)
    title = Msg(EDIT_TITLE, new=new, old=match.group(0), input=facts.input, place=f"{path}:{line}")
    return Fix(title, (edit,))


def _inside_expression(row: str, at: int) -> bool:
    return any(m.start() <= at < m.end() for m in re.finditer(r"\$\{\{.*?\}\}", row))


FIXERS = {"CI004": shell_variable_to_expression}
