"""Fixes for the DOC family: no machine-specific addresses, guides that run from scratch."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import insert_at, replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

from . import render


def replace_private_address(ctx: FixContext, finding: Finding) -> Fix | None:
    """Point the reader at localhost, and say in one sentence why the address was wrong."""
    from checks.docs import HardcodedPrivateIp, PrivateAddressFacts  # here: loading fixers imports no check family

    facts = PrivateAddressFacts.of(finding)
    if facts is None:
        return None
    span, address = facts.span, facts.address
    path = span.path if span else None
    text = ctx.current_text(path) if path else None
    if text is None or not address or not span.line:
        return None
    line_number = span.line
    line = text.splitlines()[line_number - 1]
    column = line.find(address, max(0, (span.column or 1) - 1)) + 1
    if column == 0:
        return None
    edits = [replace_at(path, text, line_number, column, address, facts.replacement or "localhost")]
    if path.endswith((".md", ".markdown")) and not _in_fenced_block(text, line_number):
        bullet = re.match(r"(\s*)([-*+] )?", line)
        note = render("private-ip-note.j2", indent=bullet.group(1) + ("  " if bullet.group(2) else ""))
        edits.append(insert_at(path, line_number, len(line) + 1, "\n" + note.rstrip("\n")))
    return Fix(Msg(HardcodedPrivateIp.fix_title, address=address, path=path), tuple(edits))


def _in_fenced_block(text: str, line_number: int) -> bool:
    """Whether a Markdown line lies inside a ``` or ~~~ block (a note there would break the snippet)."""
    fence = None
    for line in text.splitlines()[: line_number - 1]:
        marker = line.lstrip()[:3]
        if marker in ("```", "~~~"):
            fence = None if fence == marker else (fence or marker)
    return fence is not None


def add_missing_sections(ctx: FixContext, finding: Finding) -> Fix | None:
    """Add a prerequisites section before the first step and a cleanup section at the end."""
    from checks.docs import GuideNotRunnableFromScratch, SectionsFacts  # here: loading fixers imports no check family

    facts = SectionsFacts.of(finding)
    if facts is None:
        return None
    path, missing = facts.guide, list(facts.missing)
    text = ctx.current_text(path) if path else None
    if text is None or not missing:
        return None
    lines = text.splitlines()
    catalogue = ctx.catalogue
    edits = []
    if "prerequisites" in missing:
        first_step = next((i for i, l in enumerate(lines, 1) if l.startswith("## ")), None)
        if first_step is None:
            return None
        ports = sorted({c.port for c in catalogue.apps if c.port})
        section = render("guide-prerequisites.j2", ports=ports, states_duration=facts.states_duration)
        edits.append(insert_at(path, first_step, 1, section))
    if "cleanup" in missing:
        script = next((f"./{p}" for p in ctx.repo.glob("scripts/cleanup.sh")), None)
        section = render(
            "guide-cleanup.j2",
            cleanup_script=script,
            namespace=catalogue.cluster.namespace,
            kind_cluster=catalogue.cluster.kind_cluster,
        )
        if text.endswith("\n"):  # after the final newline, separated by a blank line
            edits.append(insert_at(path, len(lines) + 1, 1, "\n" + section))
        else:
            edits.append(insert_at(path, len(lines), len(lines[-1]) + 1, "\n\n" + section.rstrip("\n")))
    return Fix(Msg(GuideNotRunnableFromScratch.fix_title, sections=facts.sections, guide=path), tuple(edits))


FIXERS = {"DOC002": replace_private_address, "DOC004": add_missing_sections}
