"""Compute every fix on an in-memory overlay, re-checking after each round, until nothing applies.

Rules (after ruff and sqlfluff): only fixes at the allowed safety; identical edits once;
a fix overlapping an edit already taken this round waits for the next round; edits whose
expected text is gone are dropped; a fix that makes a file unparsable is refused; more than
`max_rounds` rounds, or a state seen before, means the fixes do not converge and nothing
may be written.
"""
from __future__ import annotations

import difflib
import hashlib
import posixpath
from dataclasses import field
from pathlib import Path

from ..deferred import dataclass
from ..catalogue import Catalogue
from ..check import Check
from ..context import ScanContext
from ..engine import Reuse, scan
from ..model import Finding, Fix, Report, Safety, TextEdit
from ..repo import MALFORMED, NOT_UTF8, UNREADABLE, RepoView
from .context import FixContext, FixOptions
from .edits import StaleEdit, apply_edits, overlaps, span
from .registry import Fixer
from .validate import parse_problem

INPUT_PROBLEMS = (UNREADABLE, MALFORMED, NOT_UTF8)


class NotConverged(Exception):
    def __init__(self, rounds: int, codes: list[str]):
        super().__init__(f"fixes did not converge after {rounds} rounds (still changing: {', '.join(sorted(set(codes)))})")
        self.codes = codes


@dataclass
class Applied:
    finding: Finding
    fix: Fix
    round: int


@dataclass
class Skipped:
    finding: Finding
    reason: str


@dataclass
class FixPlan:
    root: Path
    originals: dict[str, str | None]  # disk text when read; None for files a fix creates
    original_bytes: dict[str, bytes | None]
    changes: dict[str, str]  # path -> final text
    applied: list[Applied]
    skipped: list[Skipped]
    before: Report
    remaining: Report
    rounds: int
    bom: dict[str, bool] = field(default_factory=dict)

    @property
    def changed_paths(self) -> list[str]:
        return sorted(p for p, text in self.changes.items() if text != self.originals.get(p))

    def diff(self, path: str) -> str:
        return unified_diff(path, self.originals.get(path), self.changes[path])

    def full_diff(self) -> str:
        return "".join(self.diff(path) for path in self.changed_paths)


def unified_diff(path: str, old: str | None, new: str) -> str:
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile="/dev/null" if old is None else f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def plan_fixes(
    root: Path,
    catalogue: Catalogue,
    checks: list[Check],
    fixers: dict[str, Fixer],
    options: FixOptions = FixOptions(),
    first: ScanContext | None = None,
) -> FixPlan:
    """`first`: the context of a scan the caller already ran over the same files with the same
    catalogue and checks, tracking reads: the first round takes its runs over instead of running
    them again."""
    overlay: dict[str, str] = {}
    disk = RepoView.of(root, catalogue)
    originals: dict[str, str | None] = {}
    original_bytes: dict[str, bytes | None] = {}
    bom: dict[str, bool] = {}
    applied: list[Applied] = []
    skipped: dict[tuple, Skipped] = {}
    seen_states: set[str] = set()
    before: Report | None = None
    previous: tuple[FixContext, dict[str, str]] | None = None
    for round_number in range(1, options.max_rounds + 2):
        repo = RepoView.of(root, catalogue, overlay)
        ctx = FixContext(repo, catalogue, options)
        if previous is not None:
            reuse = Reuse(previous[0], changed_keys(previous[1], overlay, disk))
        else:
            reuse = Reuse(first, set()) if first is not None and first.track_reads else None
        report = scan(root, catalogue, checks, repo=repo, context=ctx, reuse=reuse)
        previous = (ctx, dict(overlay))
        if before is None:
            before = report
        _refuse_broken_files(before, report)  # the previous round's fixes must leave every file readable
        taken = _take_round(ctx, report, fixers, options, disk, skipped, round_number)
        if not taken:
            remaining = {(f.code, f.fingerprint) for f in report.findings}
            still = [s for key, s in skipped.items() if key in remaining]  # others were solved by another fix
            return FixPlan(root, originals, original_bytes, overlay, applied, still, before, report, round_number - 1, bom)
        if round_number > options.max_rounds:
            raise NotConverged(options.max_rounds, [f.code for f, _ in taken])
        by_path: dict[str, list[TextEdit]] = {}
        for finding, fix in taken:
            for edit in fix.edits:
                by_path.setdefault(edit.path, []).append(edit)
        for path, edits in by_path.items():
            if path not in originals:
                source = disk.text(path)
                originals[path] = source.text if source is not None else None
                absolute = disk.inside(path)
                original_bytes[path] = absolute.read_bytes() if absolute is not None and absolute.is_file() else None
                bom[path] = bool(source and source.bom)
            current = ctx.current_text(path) or ""
            changed = apply_edits(current, _unique(edits))
            problem = _new_parse_problem(path, current, changed)
            if problem:
                raise BrokenFix([f for f, fix in taken if path in fix.paths], f"{path}: {problem}")
            overlay[path] = changed
        for finding, fix in taken:
            applied.append(Applied(finding, fix, round_number))
        state = hashlib.sha256(repr(sorted(overlay.items())).encode()).hexdigest()
        if state in seen_states:
            raise NotConverged(round_number, [f.code for f, _ in taken])
        seen_states.add(state)
    raise AssertionError("unreachable")


def attach_fixes(ctx: FixContext, report: Report, fixers: dict[str, Fixer], options: FixOptions = FixOptions()) -> None:
    """Give each finding of a scan its own fix, as reports show it: computed on the files as they
    are, with the planner's refusals (a suggestion only, unsafe, outside the repository, a file
    that is not valid UTF-8, one the fix would leave unparsable, an edit that no longer matches).

    Unlike `plan_fixes` nothing is applied and nothing is re-checked: fixes that overlap each
    other are each shown against the files as they are (applying them is the planner's job, in
    rounds). One pass of the fixers over a finished scan, so a report with fixes costs little more
    than the scan."""
    repo = ctx.repo
    by_fingerprint: dict[str, Fix] = {}
    for finding in report.findings:
        fixer = fixers.get(finding.code)
        if fixer is None or finding.fix is not None:
            continue
        try:
            fix = fixer(ctx, finding)
        except (StaleEdit, ValueError):
            continue
        if fix is None or not fix.edits or _refusal(ctx, repo, fix, options) or not _applies_cleanly(ctx, fix):
            continue
        finding.fix = by_fingerprint.setdefault(finding.fingerprint, _with_diff(ctx, fix))
    for finding in report.suppressed:
        finding.fix = finding.fix or by_fingerprint.get(finding.fingerprint)


def _applies_cleanly(ctx: FixContext, fix: Fix) -> bool:
    """Whether every edit finds the text it expects, and no file it edits stops parsing."""
    for path in fix.paths:
        current = ctx.current_text(path) or ""
        edits = _unique([e for e in fix.edits if e.path == path])
        try:
            if any(current[slice(*span(current, e))] != e.old_text for e in edits):
                return False
            changed = apply_edits(current, edits)
        except (StaleEdit, ValueError):
            return False
        if _new_parse_problem(path, current, changed):
            return False
    return True


def _new_parse_problem(path: str, before: str, after: str) -> str | None:
    """Why `after` no longer parses when `before` did (a file that was already broken may stay so)."""
    problem = parse_problem(path, after)
    return problem if problem and not parse_problem(path, before) else None


def changed_keys(before: dict[str, str], after: dict[str, str], disk: RepoView) -> set:
    """What a round's fixes changed, as the read keys of RepoView: each path whose text changed;
    for a file that did not exist, also the listings of every folder above it and those folders."""
    changed: set = set()
    for path, text in after.items():
        if before.get(path) == text:
            continue
        changed.add(path)
        if path not in before and not disk.exists(path):
            folder = posixpath.dirname(path)
            while folder:
                changed.update((folder, ("walk", folder)))
                folder = posixpath.dirname(folder)
            changed.add(("walk", "."))
    return changed


def _take_round(ctx, report, fixers, options, disk, skipped, round_number) -> list[tuple[Finding, Fix]]:
    """The fixes of this round that can be applied together."""
    taken: list[tuple[Finding, Fix]] = []
    spans: dict[str, list[tuple[tuple[int, int], TextEdit]]] = {}
    for finding in report.findings:
        fixer = fixers.get(finding.code)
        if fixer is None:
            continue
        key = (finding.code, finding.fingerprint)
        try:
            fix = fixer(ctx, finding)
        except (StaleEdit, ValueError) as exc:
            skipped[key] = Skipped(finding, f"the fixer could not place its edit: {exc}")
            continue
        if fix is None or not fix.edits:
            skipped.setdefault(key, Skipped(finding, "no automatic fix for this shape; see `tiketi-doctor explain " + finding.code + "`"))
            continue
        reason = _refusal(ctx, disk, fix, options)
        if reason:
            skipped[key] = Skipped(finding, reason)
            continue
        placed, conflict = [], False
        for edit in fix.edits:
            text = ctx.current_text(edit.path) or ""
            try:
                edit_span = span(text, edit)
            except ValueError as exc:
                skipped[key] = Skipped(finding, f"stale position: {exc}")
                conflict = True
                break
            if text[edit_span[0]:edit_span[1]] != edit.old_text:
                skipped[key] = Skipped(finding, f"{edit.path} no longer holds the text this fix expects")
                conflict = True
                break
            existing = spans.get(edit.path, [])
            if any(other == edit for _, other in existing):
                continue  # the same edit from another finding: apply once
            if any(overlaps(edit_span, s) for s, _ in existing):
                conflict = True  # deferred: it is recomputed on the next round
                break
            placed.append((edit_span, edit))
        if conflict:
            continue
        for edit_span, edit in placed:
            spans.setdefault(edit.path, []).append((edit_span, edit))
        skipped.pop(key, None)
        taken.append((finding, _with_diff(ctx, fix)))
    return taken


def _refusal(ctx: FixContext, disk: RepoView, fix: Fix, options: FixOptions) -> str | None:
    if fix.safety == Safety.DISPLAY:
        return "a suggestion only: " + fix.title
    if fix.safety == Safety.UNSAFE and not options.unsafe:
        return f"unsafe fix not applied without --unsafe-fixes: {fix.title}"
    for edit in fix.edits:
        if disk.inside(edit.path) is None:
            return f"refused: {edit.path} is outside the repository"
        source = disk.text(edit.path)
        if edit.creates and source is not None and edit.path not in ctx.repo.overlay:
            return f"refused: {edit.path} already exists"
        if source is not None and not source.exact:
            return f"refused: {edit.path} is not valid UTF-8 and would be rewritten lossily"
    return None


def _unique(edits: list[TextEdit]) -> list[TextEdit]:
    return list(dict.fromkeys(edits))


def _with_diff(ctx: FixContext, fix: Fix) -> Fix:
    parts = []
    for path in fix.paths:
        old = ctx.current_text(path)
        new = apply_edits(old or "", _unique([e for e in fix.edits if e.path == path]))
        parts.append(unified_diff(path, old, new))
    return Fix(fix.title, fix.edits, fix.safety, "".join(parts))


def _refuse_broken_files(before: Report, after: Report) -> None:
    """A fix that makes a file unreadable or unparsable is a bug in the fixer: write nothing."""
    known = {(f.code, f.location.path) for f in before.findings if f.code in INPUT_PROBLEMS}
    new = [f for f in after.findings if f.code in INPUT_PROBLEMS and (f.code, f.location.path) not in known]
    if new:
        raise BrokenFix(new, "; ".join(f"{f.location.path}: {f.message}" for f in new))


class BrokenFix(Exception):
    """A fixer produced a file that no longer parses: a bug in the fixer, so nothing is written."""

    def __init__(self, findings: list[Finding], problem: str):
        codes = ", ".join(sorted({f.code for f in findings})) or "?"
        super().__init__(f"the fix for {codes} would break {problem}")
        self.findings = findings
