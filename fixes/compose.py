"""Fixes for the CMP family: a compose service that takes a host port another one already publishes."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

from . import render


def free_host_port(ctx: FixContext, finding: Finding) -> Fix | None:
    """`3000:3000` -> `3001:3000` on the later mapping: the first host port no service of the project publishes."""
    from checks.compose import FREE_PORT_TITLE, HostPortFacts, projects  # here: loading fixers imports no check family

    facts = HostPortFacts.of(finding)
    if facts is None:
        return None
    path, line, port = finding.location.path, finding.location.line, facts.port
    text = ctx.current_text(path) if path else None
    if text is None or not line or not isinstance(port, int):
        return None
    project = next((files for files in projects(ctx).values() if any(f.path == path for f in files)), None)
    if project is None:
        return None
    mappings = [m for f in project for s in f.services for m in s.ports]
    mine = next((m for m in mappings if m.location.path == path and m.location.line == line and m.host_start == port == m.host_end), None)
    if mine is None:
        return None  # a range, or a mapping this reading cannot place
    used = {p for m in mappings for p in range(m.host_start, m.host_end + 1)}
    free = next(p for p in range(port + 1, 65536) if p not in used)
    row = text.splitlines()[line - 1]
    found = list(re.finditer(rf"(?<![\w.:-])((?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}:)?){port}:(\d+(?:/(?:tcp|udp|sctp))?)(?![\w-])", row))
    match = found[0] if len(found) == 1 else None
    if match is None:
        return None  # long syntax (`published: 3000`) or two mappings on one line: left to a person
    old = match.group(0)
    new = render("compose-host-port.j2", host_ip=match.group(1), port=free, container=match.group(2))
    edit = replace_at(path, text, line, match.start() + 1, old, new)
    return Fix(Msg(FREE_PORT_TITLE, mapping=mine.text, free=free, port=port, path=path), (edit,))


FIXERS = {"CMP001": free_host_port}
