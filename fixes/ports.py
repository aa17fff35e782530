"""Fixes for the PORT family: write the catalogue's port in every place that disagrees."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix


def set_catalogue_port(ctx: FixContext, finding: Finding) -> Fix | None:
    # Imported here: loading the fixers must not import check families --select left out.
    from checks.ports import PortFacts, PortMismatch

    facts = PortFacts.of(finding)
    if facts is None or facts.expected is None or not facts.places:
        return None
    edits = []
    for place in facts.places:
        if place.via_name:
            continue  # a named port follows its containerPort, which is fixed itself
        text = ctx.current_text(place.path)
        if text is None or not place.line:
            return None
        line = text.splitlines()[place.line - 1]
        # The port digits at or after the place's column, not part of a longer number.
        match = re.compile(r"(?<!\d)%d(?!\d)" % place.value).search(line, max(0, (place.column or 1) - 1))
        if match is None:
            return None
        edits.append(replace_at(place.path, text, place.line, match.start() + 1, match.group(0), str(facts.expected)))
    title = Msg(PortMismatch.fix_title, kinds=facts.kinds, expected=facts.expected, path=facts.path)
    return Fix(title, tuple(edits))


FIXERS = {code: set_catalogue_port for code in ("PORT001", "PORT002", "PORT003", "PORT004", "PORT005")}
