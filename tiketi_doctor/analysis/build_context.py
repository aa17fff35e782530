"""What a Docker build context contains: COPY/ADD sources resolved against it, and .dockerignore.

BuildKit sends the context folder minus what `.dockerignore` excludes (`<Dockerfile>.dockerignore`
next to the Dockerfile wins over `<context>/.dockerignore`); COPY sources are paths relative to
that folder and may not leave it. Patterns follow Docker: `*` and `?` within one path segment,
`**` across segments, `!` re-includes, a pattern that matches a folder excludes everything in it,
and the last matching pattern decides.
"""
from __future__ import annotations

import posixpath

from ..deferred import dataclass
from ..context import ScanContext
from ..globs import covers, is_glob
from ..model import Location
from ..parsing.dockerfile import Dockerfile, Instruction
from ..repo import SKIPPED_DIRS, RepoView


@dataclass(frozen=True)
class CopySource:
    instruction: Instruction
    text: str  # as written (variables expanded)
    location: Location


@dataclass(frozen=True)
class IgnoreRule:
    pattern: str
    negated: bool
    location: Location


@dataclass(frozen=True)
class Missing:
    source: CopySource
    reason: str  # "missing" | "outside" | "ignored"
    rule: IgnoreRule | None = None


def copy_sources(dockerfile: Dockerfile) -> list[CopySource]:
    """COPY/ADD sources read from the build context (not `--from` stages, URLs or heredocs)."""
    found = []
    for inst in dockerfile.instructions:
        if inst.cmd not in ("COPY", "ADD") or inst.flag("from") is not None or len(inst.value) < 2:
            continue
        for raw in inst.value[:-1]:
            text = inst.expand(raw)
            if raw.startswith("<<") or _remote(raw) or _remote(text):
                continue  # heredoc content lives in the Dockerfile; a URL or git remote is not in the context
            line, column = dockerfile.locate(raw, inst)
            found.append(CopySource(inst, text, Location(dockerfile.path, line, column, label=f"{inst.cmd} {raw}")))
    return found


def _remote(source: str) -> bool:
    return "://" in source or source.startswith("git@")


def ignore_rules(ctx: ScanContext, dockerfile: str, context: str) -> list[IgnoreRule]:
    candidates = [f"{dockerfile}.dockerignore", posixpath.join(context, ".dockerignore") if context != "." else ".dockerignore"]
    for path in candidates:
        source = ctx.repo.text(path)
        if source is None:
            continue
        rules = []
        for number, line in enumerate(source.lines, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            negated = text.startswith("!")
            pattern = posixpath.normpath(text.lstrip("!").strip().lstrip("/")) or "."
            rules.append(IgnoreRule(pattern, negated, Location(path, number, 1, label=text)))
        return rules
    return []


def ignored_by(rules: list[IgnoreRule], path: str) -> IgnoreRule | None:
    """The rule that excludes `path` (relative to the context), or None when it is sent."""
    decision: IgnoreRule | None = None
    for rule in rules:
        if covers(rule.pattern, path):
            decision = None if rule.negated else rule
    return decision


def check_sources(ctx: ScanContext, dockerfile: Dockerfile, context: str) -> list[Missing]:
    """The COPY/ADD sources that a build of `dockerfile` with this context cannot find."""
    rules = ignore_rules(ctx, dockerfile.path, context)
    sources = copy_sources(dockerfile)
    checked = [(source, _check(ctx, context, source, rules)) for source in sources]
    problems = []
    for source, problem in checked:
        if problem is None:
            continue
        if problem.reason == "missing" and any(c in source.text for c in "*?["):
            # `COPY package.json yarn.loc[k] ./`: a wildcard may match nothing while a sibling source matches
            siblings = [p for s, p in checked if s.instruction is source.instruction]
            if any(p is None for p in siblings):
                continue
        problems.append(problem)
    return problems


def _check(ctx: ScanContext, context: str, source: CopySource, rules: list[IgnoreRule]) -> Missing | None:
    reason, matches = find_source(ctx.repo, context, source.text)
    if reason is not None:
        return Missing(source, reason)
    if not matches or matches == [context]:
        return None
    if rules:
        excluded = [ignored_by(rules, posixpath.relpath(m, context) if context != "." else m) for m in matches]
        if all(excluded):
            return Missing(source, "ignored", excluded[0])
    return None


def find_source(repo: RepoView, context: str, text: str) -> tuple[str | None, list[str]]:
    """Where a COPY source (as written, variables expanded) is in the repository when built with `context`.

    Returns ("outside" | "missing", []) when a build cannot find it, else (None, the repository paths it
    names; [] when that cannot be known: a build argument, or generated output such as dist/).
    """
    relative = posixpath.normpath(text.lstrip("/")) if text.strip("/") else "."
    if relative.startswith(".."):
        return "outside", []
    if "$" in relative or any(part in SKIPPED_DIRS for part in relative.split("/")):
        return None, []  # a build argument, or generated output (build/, dist/) made before the build
    target = posixpath.normpath(posixpath.join(context, relative)) if relative != "." else context
    matches = repo.glob(target) if is_glob(relative) else ([target] if repo.exists(target) else [])
    return (None, matches) if matches else ("missing", [])
