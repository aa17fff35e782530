"""Fixes for the ING family: a rule for the path the browser needs, next to the Ingress's UI rule."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import insert_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

from . import render

_PATH_ITEM = re.compile(r"^(?P<indent>\s*)- path:\s*(?P<path>\S+)\s*$")


def route_the_path(ctx: FixContext, finding: Finding) -> Fix | None:
    """Insert `path: <prefix>` (Prefix) to the Service that serves it above the UI's `- path: /` item.

    Only for a networking.k8s.io/v1 rule written as a `- path:` list item in block style, with the
    target's Service and port known; anything else is left to a person."""
    from checks.ingress import ROUTE_TITLE, UnroutedWithBackendFacts  # here: loading fixers imports no check family

    facts = UnroutedWithBackendFacts.of(finding)
    if facts is None:
        return None
    service, port, prefix = facts.service, facts.service_port, facts.path
    where = finding.location
    text = ctx.current_text(where.path) if where.path else None
    if not (service and port and prefix and where.line) or text is None:
        return None
    lines = text.splitlines()
    if where.line > len(lines):
        return None
    item = _PATH_ITEM.match(lines[where.line - 1])
    if item is None or "serviceName:" in text:
        return None
    if re.search(rf"^\s*-?\s*path:\s*['\"]?{re.escape(prefix)}/?['\"]?\s*$", text, re.MULTILINE):
        return None  # a rule for the prefix exists (for another host): a person must decide
    block = render("ingress-path.j2", indent=item.group("indent"), path=prefix, service=service, port=port)
    edit = insert_at(where.path, where.line, 1, block)
    return Fix(Msg(ROUTE_TITLE, path=prefix, service=service, port=port, ingress=facts.ingress), (edit,))


FIXERS = {"ING001": route_the_path}
