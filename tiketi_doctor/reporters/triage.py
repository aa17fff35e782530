"""How findings become the problems of a troubleshooting report, and how urgent each one is.

This module is the one place that decides it.

Priority of a finding (a problem takes the most urgent of its findings):
  P0  the component does not run — it crashes or is restarted in a loop: a check whose `crashes`
      is set (the image lacks a module the code loads at start), or live evidence of a pod in one
      of CRASH_STATES;
  P1  any other error: a feature is broken while the pods run (a 404 at the gateway, a port
      nothing listens on, a probe on the wrong port);
  P2  an error in a guide or a script (people cannot follow it), and every warning;
  P3  information.

Area of a finding (findings of one area and component form one problem):
  docs     the finding is in a guide or a script (DOC_SUFFIXES): one problem for all of them,
           whatever component the wrong value belongs to;
  gateway  a gateway routing finding (family GW): one problem per component the gateway fails to
           reach (the finding's evidence `owner`, else its service);
  ui       a frontend finding (family UI): one problem per component;
  deploy   everything else — image, manifests, code: one problem per component.

Predicted symptoms say what a person would see when no live evidence is attached: each check owns
its `symptom` template (tiketi_doctor/check.py); LEGACY_SYMPTOMS holds the ones of families that do
not declare typed facts yet and shrinks to nothing as they are converted.
"""
from __future__ import annotations

import string
from dataclasses import dataclass

from ..model import Finding, Severity

PRIORITIES = ("P0", "P1", "P2", "P3")
CRASH_STATES = (
    "CrashLoopBackOff",
    "Error",
    "OOMKilled",
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "RunContainerError",
)
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".sh", ".bash", ".ps1", ".bat", ".cmd")
AREA_OF_FAMILY = {"GW": "gateway", "UI": "ui"}
AREAS = ("deploy", "gateway", "ui", "docs")

# Live evidence a finding may carry in `evidence` (filled by live checks; see document.py).
POD_STATUS, LOG_EXCERPT, HTTP = "pod_status", "log_excerpt", "http"

# code -> (English, Korean) predicted symptom of a check that declares no typed facts yet; {fields}
# come from the finding's evidence and params. A converted check's own `symptom` replaces its entry.
LEGACY_SYMPTOMS: dict[str, tuple[str, str]] = {}


@dataclass(frozen=True)
class ProblemKey:
    area: str
    service: str  # "" for the docs problem

    def sort_key(self) -> tuple:
        return (AREAS.index(self.area), self.service)


def is_doc(path: str) -> bool:
    return path.lower().endswith(DOC_SUFFIXES)


def area_of(finding: Finding) -> str:
    if is_doc(finding.location.path):
        return "docs"
    family = finding.code.rstrip("0123456789")
    return AREA_OF_FAMILY.get(family, "deploy")


def problem_key(finding: Finding) -> ProblemKey:
    area = area_of(finding)
    if area == "docs":
        return ProblemKey(area, "")
    owner = finding.evidence.get("owner") if area == "gateway" else None
    return ProblemKey(area, str(owner or finding.service or "repository"))


def crashes(finding: Finding) -> bool:
    from .checkdocs import check_docs

    check = check_docs().get(finding.code)
    if check is not None and check.crashes:
        return True
    return any(state in line for line in evidence_lines(finding, POD_STATUS) for state in CRASH_STATES)


def priority(finding: Finding) -> str:
    if crashes(finding):
        return "P0"
    if finding.severity == Severity.ERROR:
        return "P2" if area_of(finding) == "docs" else "P1"
    return "P2" if finding.severity == Severity.WARNING else "P3"


def evidence_lines(finding: Finding, key: str) -> list[str]:
    """A live evidence entry as lines, whether the check stored a string or a list."""
    value = finding.evidence.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def http_results(finding: Finding) -> list[dict]:
    """Live HTTP evidence: [{"method", "url", "status"}, ...] (a single dict is accepted too)."""
    value = finding.evidence.get(HTTP)
    if isinstance(value, dict):
        value = [value]
    return [v for v in value or [] if isinstance(v, dict)]


def predicted_symptom(finding: Finding, lang: str) -> str:
    """What a person would see, for a finding without live evidence; the message when no template fits."""
    from ..i18n import localize
    from .checkdocs import check_docs

    check = check_docs().get(finding.code)
    if check is not None and check.Facts is not None:
        symptom = check.predicted_symptom(finding)
        return localize(symptom if symptom is not None else finding.message, lang)
    template = LEGACY_SYMPTOMS.get(finding.code)
    if template is None:
        return localize(finding.message, lang)
    fields = {"service": finding.service or "", **_scalars(finding.params), **_scalars(finding.evidence)}
    calls = finding.evidence.get("calls") or finding.evidence.get("frontend_calls")
    if isinstance(calls, list) and calls:
        # "GET /api/stats/overview (frontend/src/pages/AdminStats.js:16)" -> the request alone
        fields.setdefault("call", str(calls[0]).split(" (", 1)[0])
    text = template[1] if lang == "ko" else template[0]
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    if not names <= fields.keys():
        return localize(finding.message, lang)
    return text.format(**fields)


def _scalars(data: dict) -> dict:
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, (str, int, float))}
