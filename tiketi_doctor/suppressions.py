"""Accepted findings: catalogue ignores, inline pragmas and baselines — each with a reason.

- catalogue: a component's `ignore: [{code, reason}]` in tiketi-doctor.yaml;
- inline: a comment on the finding's line or the line above, in the file's comment syntax:
      # tiketi-doctor: ignore[DEP005] inline list kept until the base-image migration
      // tiketi-doctor: ignore[GW001] served by the ingress, not the gateway
      {/* tiketi-doctor: ignore[UI001] hidden until the news API ships */}
      <!-- tiketi-doctor: ignore[PORT005] this guide documents the old cluster -->
  (in a Markdown guide, a `#` comment inside a shell code block works too).
  Codes are comma-separated codes or prefixes. A pragma without a reason (or without a code)
  is reported as SRC004 and never honoured. package.json cannot hold comments: use the catalogue.
- baseline: fingerprints written by `tiketi-doctor baseline create`; `check --baseline FILE` hides
  those findings, reports the new ones, and lists entries that no longer match as resolved.

A covered finding is not dropped: it moves to `Report.suppressed` with its `Suppression`, so every
reporter can count and show it. `--strict` (`refuse`) puts them all back, marked as refused.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .deferred import dataclass
from .check import Check, Facts, facts
from .i18n import Msg
from .model import Finding, Location, Report, Severity, Suppression
from .parsing.javascript import SOURCE_SUFFIXES
from .registry import matches

if TYPE_CHECKING:
    from .catalogue import Catalogue
    from .repo import RepoView, TextFile

PRAGMA_CODE = "SRC004"
PRAGMA_MARK = b"tiketi-doctor:"
MAX_PRAGMA_FILE = 2_000_000  # bytes; larger files are generated, not written by people

# Comment openers (and closers) by kind of file; a pragma counts only inside a real comment.
# A `#` comment starts a line or follows whitespace (YAML and shell); `a#b` and "`#" are not comments.
_HASH = [re.compile(r"(?:^|(?<=\s))#\s*(?P<body>tiketi-doctor:.*?)\s*$")]
# In Markdown only a whole-line `#` comment counts: a shell comment inside a code block.
_MD_HASH = [re.compile(r"^\s*#\s*(?P<body>tiketi-doctor:.*?)\s*$")]
_JS = [
    re.compile(r"//\s*(?P<body>tiketi-doctor:.*?)\s*$"),
    re.compile(r"/\*\s*(?P<body>tiketi-doctor:.*?)\s*\*/"),
]
_HTML = [re.compile(r"<!--\s*(?P<body>tiketi-doctor:.*?)\s*-->")]
_PRAGMA = re.compile(r"^tiketi-doctor:\s*ignore\s*\[(?P<codes>[^\]]*)\](?P<reason>.*)$", re.IGNORECASE)
_REASON_LEAD = " \t:-—–"
_HTML_SUFFIXES = (".md", ".markdown", ".html", ".htm")
_HASH_SUFFIXES = (".yaml", ".yml", ".sh", ".bash", ".ps1", ".psm1", ".toml", ".conf", ".cfg", ".ini", ".txt")


@facts
class PragmaFacts(Facts):
    """SRC004: the pragma as written."""

    pragma: str


class IgnoreWithoutReason(Check):
    code = PRAGMA_CODE
    name = "ignore-without-reason"
    severity = Severity.WARNING
    scope = "input"
    summary = "An inline `tiketi-doctor: ignore[...]` pragma gives no reason (or no code), so it is not honoured."
    why = (
        "An ignore is a decision someone has to be able to review later: without a reason nobody knows whether "
        "the finding was a false positive, accepted debt or a shortcut. Such a pragma is never honoured, so the "
        "finding it meant to hide is still reported."
    )
    example = "# tiketi-doctor: ignore[DEP005]   (in services/auth-service/Dockerfile, no reason)"
    fix = "Add the reason after the codes: `# tiketi-doctor: ignore[DEP005] inline list kept until the 2026 base-image migration`."
    Facts = PragmaFacts
    symptom = "the finding `{pragma}` meant to hide is still reported"
    fix_title = "Give the pragma its codes and a reason"


CHECKS = (IgnoreWithoutReason,)


@dataclass(frozen=True)
class Pragma:
    path: str
    line: int
    column: int
    codes: tuple[str, ...]
    reason: str
    text: str

    @property
    def valid(self) -> bool:
        return bool(self.codes) and bool(self.reason)

    def covers(self, finding: Finding) -> bool:
        loc = finding.location
        return (
            loc.path == self.path
            and loc.line in (self.line, self.line + 1)
            and any(matches(finding.code, code) for code in self.codes)
        )


def comment_patterns(path: str) -> list[re.Pattern[str]]:
    """The comment syntaxes a pragma may use in this file (none for JSON: it has no comments)."""
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower.endswith(SOURCE_SUFFIXES):
        return _JS
    if lower.endswith(_HTML_SUFFIXES):
        # `#` too: guides hold shell blocks, where the pragma is a shell comment above the command.
        return _HTML + _MD_HASH
    if lower.endswith(_HASH_SUFFIXES) or lower.startswith((".env", "dockerfile")) or lower.endswith(".dockerfile"):
        return _HASH
    return []


def parse_pragmas(path: str, text: str) -> list[Pragma]:
    patterns = comment_patterns(path)
    found: list[Pragma] = []
    if not patterns:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        if "tiketi-doctor:" not in line:
            continue
        for pattern in patterns:
            for match in pattern.finditer(line):
                pragma = _PRAGMA.match(match.group("body"))
                if pragma is None:
                    continue
                codes = tuple(t.strip().upper() for t in re.split(r"[,\s]+", pragma.group("codes")) if t.strip())
                reason = pragma.group("reason").strip().lstrip(_REASON_LEAD).strip()
                found.append(Pragma(path, number, match.start() + 1, codes, reason, match.group(0).strip()))
    return found


def scan_pragmas(repo: "RepoView", known: dict | None = None, record: dict | None = None, racy_before_ns: int = 0, stats: dict | None = None) -> list[Pragma]:
    """Every pragma in the repository's text files (read directly: a pragma scan never reports input problems).

    With `known` (path -> (stat signature, its pragmas), from the run cache), a file whose stat is
    unchanged is not read again; `record` receives that table for this scan (files whose stat was
    taken before `racy_before_ns` only: a file changed within the same clock tick may not show it).
    `stats` holds stats taken moments ago by the run cache (path -> os.stat_result)."""
    from .repo import stat_signature

    pragmas: list[Pragma] = []
    for rel in repo.walk():
        if not comment_patterns(rel):
            continue
        found: list[Pragma] | None = None
        signature = None
        if rel in repo.overlay:
            found = parse_pragmas(rel, repo.overlay[rel])
        elif (text := _as_read(repo.cached(rel))) is not None:
            if "tiketi-doctor:" in text and len(text.encode("utf-8")) <= MAX_PRAGMA_FILE:
                found = parse_pragmas(rel, text)
            else:
                found = []
            recorded = repo.digests.get(rel) if repo.digests else None
            signature = recorded[0] if recorded else None
        else:
            seen = repo.state(rel)  # a listed regular file's absolute path, without pathlib per file
            path = seen[1] if seen[0] == "file" else repo.inside(rel)
            info = stats.get(rel) if stats else None
            if info is None:
                try:
                    info = os.stat(path) if path is not None else None
                except OSError:
                    info = None
            if info is None:
                continue
            signature = stat_signature(info)
            earlier = known.get(rel) if known else None
            if earlier is not None and earlier[0] == signature:
                found = earlier[1]
            elif info.st_size > MAX_PRAGMA_FILE:
                found = []
            else:
                try:
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                found = parse_pragmas(rel, data.decode("utf-8", errors="replace")) if PRAGMA_MARK in data else []
        if record is not None and signature is not None and signature[1] < racy_before_ns and signature[2] < racy_before_ns:
            record[rel] = (signature, found)
        pragmas.extend(found)
    return pragmas


def _as_read(source: "TextFile | None") -> str | None:
    """A file the checks already read, as the disk read below would decode it (a leading BOM kept);
    None when it was not read or its bytes cannot be rebuilt (it was not valid UTF-8)."""
    if source is None or not source.exact:
        return None
    return "\ufeff" + source.text if source.bom else source.text


def pragma_problem(pragma: Pragma) -> Finding:
    check = IgnoreWithoutReason
    facts = PragmaFacts(pragma.text)
    if pragma.codes:
        message = Msg("the ignore pragma `{pragma}` has no reason, so it is not honoured", pragma=pragma.text)
        cause = Msg("An ignore must name the codes it hides and say why; this one lacks a reason. The findings it would hide are still reported.")
    else:
        message = Msg("the ignore pragma `{pragma}` has no code, so it is not honoured", pragma=pragma.text)
        cause = Msg("An ignore must name the codes it hides and say why; this one lacks a code. The findings it would hide are still reported.")
    return Finding(
        code=check.code,
        name=check.name,
        severity=check.severity,
        message=message,
        location=Location(pragma.path, pragma.line, pragma.column, label=pragma.text),
        root_cause=cause,
        params=facts.params(),
        facts=facts,
    )


def apply_ignores(
    findings: list[Finding], catalogue: "Catalogue", repo: "RepoView | None", pragmas: list[Pragma] | None = None
) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (reported, suppressed) by catalogue ignores and inline pragmas (those
    given, else those `scan_pragmas` finds in `repo`).

    Pragmas without a reason or a code become SRC004 findings of their own.
    """
    ignores = {c.name: (c, c.ignores) for c in catalogue.components if c.ignores}
    if pragmas is None:
        pragmas = scan_pragmas(repo) if repo is not None else []
    valid = [p for p in pragmas if p.valid]
    reported: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        suppression = _catalogue_suppression(finding, ignores, catalogue) or _inline_suppression(finding, valid)
        if suppression is None or finding.code == PRAGMA_CODE:
            reported.append(finding)
        else:
            finding.suppression = suppression
            suppressed.append(finding)
    reported.extend(pragma_problem(p) for p in pragmas if not p.valid)
    return reported, suppressed


def _catalogue_suppression(finding: Finding, ignores: dict, catalogue: "Catalogue") -> Suppression | None:
    component, entries = ignores.get(finding.service or "", (None, ()))
    for entry in entries:
        if matches(finding.code, entry.code):
            path, line = component.declared_at
            where = Location(path or catalogue.source, line, label=f"{component.name}: ignore {entry.code}")
            return Suppression("catalogue", entry.reason, where)
    return None


def _inline_suppression(finding: Finding, pragmas: Iterable[Pragma]) -> Suppression | None:
    for pragma in pragmas:
        if pragma.covers(finding):
            return Suppression("inline", pragma.reason, Location(pragma.path, pragma.line, pragma.column, label=pragma.text))
    return None


# -- baselines ---------------------------------------------------------------------------

BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file is missing or not a tiketi-doctor baseline (a usage error)."""


def baseline_data(report: Report) -> dict[str, Any]:
    """The reported findings as baseline entries (fingerprint plus what a reviewer needs to read it)."""
    entries = [
        {
            "fingerprint": f.fingerprint,
            "code": f.code,
            "service": f.service,
            "path": f.location.path,
            "message": f.message,
        }
        for f in report.findings
    ]
    entries.sort(key=lambda e: (e["path"], e["code"], e["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": "tiketi-doctor", "findings": entries}


def load_baseline(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist; create it with `tiketi-doctor baseline create`") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"baseline {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path} is not a tiketi-doctor baseline (version {BASELINE_VERSION} with a findings list)")
    entries = data["findings"]
    if not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries):
        raise BaselineError(f"{path}: every baseline entry needs a fingerprint")
    return entries


def apply_baseline(report: Report, entries: list[dict[str, Any]], source: str) -> None:
    """Move findings the baseline knows to `suppressed`; record entries nothing matches as resolved."""
    known = {e["fingerprint"]: e for e in entries}
    kept: list[Finding] = []
    for finding in report.findings:
        entry = known.get(finding.fingerprint)
        if entry is None or finding.code == PRAGMA_CODE:
            kept.append(finding)
            continue
        reason = entry.get("reason") or Msg("known finding recorded in {source}", source=str(source))
        reason = reason if isinstance(reason, Msg) else str(reason)
        finding.suppression = Suppression("baseline", reason, Location(source))
        report.suppressed.append(finding)
    report.findings = kept
    present = {f.fingerprint for f in report.findings} | {f.fingerprint for f in report.suppressed}
    report.baseline_resolved = [e for e in entries if e["fingerprint"] not in present]
    report.suppressed.sort(key=Finding.sort_key)


def refuse(report: Report) -> None:
    """--strict: no ignore or baseline applies; the covered findings count again, marked as refused."""
    for finding in report.suppressed:
        if finding.suppression is not None:
            finding.suppression = replace(finding.suppression, accepted=False)
    report.findings = sorted(report.findings + report.suppressed, key=Finding.sort_key)
    report.suppressed = []


def refused(report: Report) -> list[Finding]:
    """Findings whose ignore or baseline entry --strict refused."""
    return [f for f in report.findings if f.suppression is not None and not f.suppression.accepted]
