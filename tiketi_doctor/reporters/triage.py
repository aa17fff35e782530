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
  gateway  a routing finding of a gateway or an Ingress (families GW, ING): one problem per
           component the route fails to reach (the finding's evidence `owner`, else its service);
  ui       a frontend finding (families UI, ORG: links, origins the browser calls): one problem per component;
  deploy   everything else — image, manifests, code: one problem per component.

Predicted symptoms say what a person would see when no live evidence is attached: each check owns
its `symptom` template (tiketi_doctor/check.py); a check that declares none (a plug-in's) shows its message.
"""
from __future__ import annotations


from ..deferred import dataclass
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
AREA_OF_FAMILY = {"GW": "gateway", "ING": "gateway", "UI": "ui", "ORG": "ui"}
AREAS = ("deploy", "gateway", "ui", "docs")

# Live evidence a finding may carry in `evidence` (filled by live checks; see document.py).
POD_STATUS, LOG_EXCERPT, HTTP = "pod_status", "log_excerpt", "http"

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
    return localize(finding.message, lang)
