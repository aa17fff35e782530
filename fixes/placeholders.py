"""Fixes for CFG001: a placeholder image reference the repository's own build names for certain."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

from . import render

_VALUE = re.compile(r"""(["']?)([^\s"'#,{}\[\]]+)\1""")


def built_image(ctx: FixContext, finding: Finding) -> Fix | None:
    """`image: your-registry/worker:1.0` -> `image: worker:local` when the repository's builds (compose, Skaffold,
    workflow, script, guide) give exactly one image name ending in the same segment: the tag a build pins, or
    the placeholder's own when every build computes its tag. A Helm `image.repository` gets the name only, and
    only when no build pins a tag (the values' own tag key stays). Any other placeholder (a password, a host,
    TODO) has no value in the repository: no fix."""
    from checks.placeholders import PlaceholderFacts, PlaceholderInConfig  # here: loading fixers imports no check family
    from tiketi_doctor.analysis.imageref import WILDCARD, parse_image

    facts = PlaceholderFacts.of(finding)
    if facts is None or not facts.key:
        return None
    keys = [k.lower() for k in facts.key if not k.isdigit()]
    whole = keys[-1] == "image"
    if not whole and keys[-2:] != ["image", "repository"]:
        return None  # not an image reference
    path, line, column = facts.file, finding.location.line, finding.location.column
    text = ctx.current_text(path) if path else None
    if text is None or not line or not column:
        return None
    match = _VALUE.match(text.splitlines()[line - 1], column - 1)
    placeholder = parse_image(match.group(2)) if match else None
    if placeholder is None or placeholder.digest or WILDCARD in placeholder.text:
        return None
    image = _the_image(ctx, placeholder.repository.rsplit("/", 1)[-1])
    if image is None:
        return None
    name, pinned = image
    if whole:
        tag = placeholder.tag if pinned is None else pinned or None
    elif pinned is None:
        tag = None  # `repository:` holds the name; the tag has its own key
    else:
        return None  # a build pins a tag the values file sets under another key: not one edit
    new = render("image-reference.j2", name=name, tag=tag)
    edit = replace_at(path, text, line, match.start(2) + 1, match.group(2), new)
    return Fix(Msg(PlaceholderInConfig.fix_title, dotted=facts.dotted, file=path), (edit,))


def _the_image(ctx: FixContext, segment: str) -> tuple[str, str | None] | None:
    """The one image name the repository's builds give a name ending in `segment`, and the tag they pin:
    None when every build of it computes its tag (`$TAG`, Skaffold's own), "" when they write none (latest).
    None when no build names it, or builds give it several names or pin several tags: not certain then."""
    from checks.placeholders import placeholder_kind
    from tiketi_doctor.analysis.builds import inventory
    from tiketi_doctor.analysis.imageref import WILDCARD

    names, pinned = set(), {}
    for build in inventory(ctx).builds:
        for ref in build.tags:
            if ref.repository.rsplit("/", 1)[-1] != segment or WILDCARD in ref.name or ref.digest:
                continue
            if ref.placeholder or placeholder_kind(ref.name) is not None:
                continue  # a compose `build:` whose `image:` is the placeholder itself names nothing real
            names.add(ref.name)
            if ref.tag is None or WILDCARD not in ref.tag:
                pinned.setdefault(ref.effective_tag, set()).add(ref.tag or "")
    if len(names) != 1 or len(pinned) > 1:
        return None
    if not pinned:
        return names.pop(), None
    spellings = next(iter(pinned.values()))  # `app` and `app:latest` are the same image: write it as a build does
    return names.pop(), max(spellings)


FIXERS = {"CFG001": built_image}
