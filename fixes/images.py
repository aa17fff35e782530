"""Fixes for the IMG family: pull policies kind can satisfy, kustomize `images:` names that match."""
from __future__ import annotations

import re

from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import insert_at, replace_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix

_POLICY = re.compile(r"(imagePullPolicy:\s*[\"']?)(Always)([\"']?)")
_IMAGE_KEY = re.compile(r"^(\s*)(?:-\s+)?(image:\s*\S.*?)\s*(?:#.*)?$")


def never_pull_local_image(ctx: FixContext, finding: Finding) -> Fix | None:
    """`imagePullPolicy: Always` -> `Never`; a missing policy is added under the `image:` line."""
    from checks.images import PullPolicyBreaksKind, PullPolicyFacts  # here: loading fixers imports no check family

    facts = PullPolicyFacts.of(finding)
    if facts is None:
        return None
    path, line = facts.path, facts.line
    text = ctx.current_text(path) if path else None
    if text is None or not line:
        return None
    lines = text.splitlines()
    if facts.policy == "Always":
        match = _POLICY.search(lines[line - 1])
        if match is None:
            return None
        edit = replace_at(path, text, line, match.start(2) + 1, "Always", "Never")
        return Fix(Msg(PullPolicyBreaksKind.fix_title, image=facts.image, path=path), (edit,))
    image_line = facts.image_line
    if facts.policy is not None or not image_line:
        return None
    match = _IMAGE_KEY.match(lines[image_line - 1])
    if match is None or "{" in lines[image_line - 1]:
        return None  # a flow mapping: no line to add the key under
    indent = " " * lines[image_line - 1].index("image:")
    if image_line >= len(lines):
        return None
    edit = insert_at(path, image_line + 1, 1, f"{indent}imagePullPolicy: Never   # loaded with kind load docker-image, never pulled\n")
    return Fix(Msg("Add imagePullPolicy: Never for the local image {image} in {path}", image=facts.image, path=path), (edit,))


def bare_image_name(ctx: FixContext, finding: Finding) -> Fix | None:
    """`images: [{name: app:local}]` -> `name: app` when the bare name is what the resources use."""
    from checks.images import KustomizeImageRewriteUnmatched, RewriteFacts

    facts = RewriteFacts.of(finding)
    if facts is None:
        return None
    path, line, name, bare = facts.kustomization, facts.line, facts.name, facts.bare
    text = ctx.current_text(path) if path else None
    if text is None or not line or not bare or not name:
        return None
    column = text.splitlines()[line - 1].find(name)
    if column < 0:
        return None
    edit = replace_at(path, text, line, column + 1, name, bare)
    return Fix(Msg(KustomizeImageRewriteUnmatched.fix_title, bare=bare, kustomization=path), (edit,))


FIXERS = {"IMG003": never_pull_local_image, "IMG004": bare_image_name}
