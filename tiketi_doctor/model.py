"""The finding model shared by checks, the engine and every reporter."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .severity import Severity  # its own module: the command line offers --fail-on without the model


@dataclass(frozen=True)
class Location:
    """A place in the repository: path relative to its root, 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    # What stands there, e.g. "EXPOSE 3002" — lets a reader skip opening the file.
    label: str | None = None

    def __str__(self) -> str:
        text = self.path
        if self.line:
            text += f":{self.line}"
            if self.column:
                text += f":{self.column}"
        return text

    def span(self) -> dict[str, Any]:
        """The exact range, for fixers: 1-based line/column, end column exclusive, and the text there."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "text": self.label,
        }

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "line": self.line}
        for key in ("column", "end_line", "end_column", "label"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(frozen=True)
class TextEdit:
    """Replace the text between two 1-based (line, column) positions (end exclusive).

    `old_text` is what the range must still hold when the edit is applied: a file that
    changed since it was read is never edited blindly. A whole new file is an edit of
    the empty range (1, 1)-(1, 1) of a file that does not exist yet, with `creates=True`.
    """

    path: str
    start: tuple[int, int]
    end: tuple[int, int]
    new_text: str
    old_text: str = ""
    creates: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start": {"line": self.start[0], "column": self.start[1]},
            "end": {"line": self.end[0], "column": self.end[1]},
            "old_text": self.old_text,
            "new_text": self.new_text,
            **({"creates": True} if self.creates else {}),
        }


class Safety(str, Enum):
    SAFE = "safe"  # applied by `fix --apply`
    UNSAFE = "unsafe"  # changes behaviour in a way a person should review; needs --unsafe-fixes
    DISPLAY = "display-only"  # shown as a suggestion, never applied


@dataclass(frozen=True)
class Fix:
    title: str  # imperative: "Copy package.json into the image and install from it"
    edits: tuple[TextEdit, ...]
    safety: Safety = Safety.SAFE
    # Unified diff of the edits against the files as they were read, set by the fix planner.
    diff: str = ""

    @property
    def paths(self) -> list[str]:
        return sorted({e.path for e in self.edits})

    def to_dict(self) -> dict[str, Any]:
        data = {"title": self.title, "safety": self.safety.value, "edits": [e.to_dict() for e in self.edits]}
        if self.diff:
            data["diff"] = self.diff
        return data


def _without_positions(value: Any) -> Any:
    """Params minus line/column numbers (`line`, `end_column`, `insert_after_line`...), for fingerprints."""
    if isinstance(value, dict):
        return {
            k: _without_positions(v)
            for k, v in value.items()
            if not (isinstance(k, str) and (k in ("line", "column") or k.endswith(("_line", "_column"))))
        }
    if isinstance(value, (list, tuple)):
        return [_without_positions(v) for v in value]
    return value


class FindingStatus(str, Enum):
    """Where a finding stands in a heal: found, corrected in the repository, proven gone."""

    OPEN = "open"
    FIXED = "fixed"  # the fix was applied (and redeployed), not yet proven
    VERIFIED = "verified"  # a re-check after the redeploy no longer sees it


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not counted: a catalogue ignore, an inline pragma or a baseline entry.

    `accepted` is False when `--strict` refused it: the finding then counts like any other.
    """

    kind: str  # "catalogue" | "inline" | "baseline"
    reason: str
    location: Location | None = None  # the pragma or catalogue entry
    accepted: bool = True

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "reason": self.reason, "accepted": self.accepted}
        if self.location is not None:
            data["location"] = self.location.to_dict()
        return data


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str
    location: Location
    service: str | None = None
    related: list[Location] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    root_cause: str = ""
    # Facts the check established, enough for a fixer to act without re-deriving them.
    params: dict[str, Any] = field(default_factory=dict)
    remediation: list[str] = field(default_factory=list)
    name: str = ""
    # Filled in by the fix planner when a fixer can correct this finding.
    fix: Fix | None = None
    # Filled in by a heal: fixed once its fix is applied, verified once a re-check proves it gone;
    # `verification` says what proved it ("auth-service 1/1 Running; GET /health -> 200").
    status: FindingStatus = FindingStatus.OPEN
    verification: str = ""
    # Set when an ignore or a baseline entry covers the finding (see Report.suppressed).
    suppression: Suppression | None = None
    # The check's typed facts (a `check.Facts` dataclass) when it declares them; `params` is their
    # serialised form. Not part of the JSON output: `params` is.
    facts: Any = field(default=None, repr=False, compare=False)
    # Fingerprints of the static findings this (live) finding stands for: the runner does not report
    # them a second time. Not part of the JSON output: `params["absorbed"]` names them.
    absorbs: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """Stable across runs and line shifts: code, service, file and the facts, not the line."""
        basis = json.dumps(
            [self.code, self.service, self.location.path, _without_positions(self.params) or self.message],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def sort_key(self) -> tuple:
        return (self.location.path, self.location.line or 0, self.location.column or 0, self.code)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "service": self.service,
            "location": self.location.to_dict(),
            "related": [loc.to_dict() for loc in self.related],
            "evidence": self.evidence,
            "root_cause": self.root_cause,
            "fingerprint": self.fingerprint,
        }
        if self.remediation:
            data["remediation"] = self.remediation
        if self.fix is not None:
            data["fix"] = self.fix.to_dict()
        data["status"] = self.status.value
        if self.verification:
            data["verification"] = self.verification
        if self.suppression is not None:
            data["suppression"] = self.suppression.to_dict()
        return data


class RunStatus(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    # The check could not decide (an input it needs is missing or unparsable).
    UNKNOWN = "unknown"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass
class CheckRun:
    code: str
    subject: str  # the component it ran on, or "repository"
    status: RunStatus
    duration: float
    findings: int = 0
    reason: str = ""

    def __reduce__(self):
        # The run cache holds one per check run (33,000 at 1,000 services): a flat tuple loads in
        # a third of the time of an object with an enum member rebuilt by name.
        return (_check_run, (self.code, self.subject, self.status.value, self.duration, self.findings, self.reason))


def _check_run(code: str, subject: str, status: str, duration: float, findings: int, reason) -> CheckRun:
    return CheckRun(code, subject, _RUN_STATUSES[status], duration, findings, reason)


_RUN_STATUSES = {status.value: status for status in RunStatus}


@dataclass(frozen=True)
class PodRow:
    """One line of `kubectl get pods`, as the report's pod table shows it."""

    name: str
    ready: str  # "1/1"
    status: str  # "Running", "CrashLoopBackOff"
    restarts: int = 0
    age: str = ""  # "4m", as kubectl prints it
    service: str | None = None  # the catalogue component the pod belongs to


@dataclass(frozen=True)
class CommandRecord:
    """A command a heal ran (returncode set) or planned (returncode None), e.g. a redeploy step."""

    command: str
    returncode: int | None = None
    service: str | None = None
    output: str = ""  # the tail of its output, shown when it failed
    duration: float = 0.0


@dataclass
class Report:
    root: str
    catalogue: str
    findings: list[Finding]
    runs: list[CheckRun]
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    # Findings an accepted ignore or baseline entry hides; each carries its `suppression`.
    # They never count for the exit code, and reporters show them as suppressed.
    suppressed: list[Finding] = field(default_factory=list)
    # Baseline entries (as stored in the baseline file) that no finding matches any more.
    baseline_resolved: list[dict[str, Any]] = field(default_factory=list)
    # Live evidence and heal results; empty for a static check.
    pods: list[PodRow] = field(default_factory=list)  # the final pod table
    commands: list[CommandRecord] = field(default_factory=list)  # commands that were run
    system: str = "tiketi"  # the catalogue's system name, for report titles

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def worst(self) -> Severity | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def fails(self, threshold: Severity) -> bool:
        return any(f.severity.at_least(threshold) for f in self.findings)
