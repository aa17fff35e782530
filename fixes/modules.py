"""Fixes for the MOD family: an import that asks for a near miss of the one name the module exports."""
from __future__ import annotations

from difflib import SequenceMatcher

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

from . import render

NEAR = 0.85  # a candidate this close is the name that was meant...
RIVAL = 0.8  # ...unless another exported name is nearly as close


def meant(asked: str, exported: list[str]) -> str | None:
    """The one exported name `asked` is a misspelling of, or None when that is not certain."""
    same_letters = [name for name in exported if name.lower() == asked.lower()]
    if same_letters:
        return same_letters[0] if len(same_letters) == 1 else None
    ratios = {name: SequenceMatcher(None, asked, name).ratio() for name in exported}
    near = [name for name, ratio in ratios.items() if ratio >= NEAR]
    if len(near) != 1 or sum(ratio >= RIVAL for ratio in ratios.values()) != 1:
        return None
    return near[0]


def import_the_exported_name(ctx: FixContext, finding: Finding) -> Fix | None:
    """`import { foobar }` -> `import { fooBar as foobar }` (`const { fooBar: foobar } = require()`):
    the name the module exports, under the old local name so the code that uses it is unchanged.

    Only for a named import or destructured require written as an identifier, when exactly one
    exported runtime value is a near miss of it; a default import is left to a person."""
    from checks.modules import ExportFacts, ExportMissing, module_exports, module_uses  # here: loading fixers imports no check family

    facts = ExportFacts.of(finding)
    if facts is None or facts.name == "default":
        return None
    text = ctx.current_text(facts.path)
    exports = module_exports(ctx, facts.module)
    if text is None or exports is None:
        return None
    uses = [u for u in module_uses(ctx, facts.path)
            if u.location.line == facts.line and u.name == facts.name and u.target == facts.module]
    if len(uses) != 1 or uses[0].spelling is None:
        return None
    use, spelling = uses[0], uses[0].spelling
    exported = meant(facts.name, sorted(n for n in exports.names if n != "default"))
    if exported is None or exported not in exports.values:
        return None  # no single near miss, or one that may be a TypeScript type
    new = render("import-name.j2", exported=exported, how=use.how, alias=spelling.alias, local=spelling.text)
    edit = replace_at(facts.path, text, spelling.line, spelling.column, spelling.text, new)
    return Fix(Msg(ExportMissing.fix_title, path=facts.path, module=facts.module), (edit,))


FIXERS = {"MOD001": import_the_exported_name}
