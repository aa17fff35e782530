"""The finding model shared by checks, the engine and every reporter."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: "Severity") -> bool:
        return self.rank >= other.rank


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


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

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "line": self.line}
        for key in ("column", "end_line", "end_column", "label"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
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

    @property
    def fingerprint(self) -> str:
        """Stable across runs and line shifts: code, service, file and the facts, not the line."""
        basis = json.dumps(
            [self.code, self.service, self.location.path, self.params or self.message],
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


@dataclass
class Report:
    root: str
    catalogue: str
    findings: list[Finding]
    runs: list[CheckRun]
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)

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
