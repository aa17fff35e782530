"""The report groups findings by area: routing at a gateway or Ingress, the frontend, guides, deployment."""
from __future__ import annotations

import pytest

from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.reporters.triage import area_of


@pytest.mark.parametrize(
    ("code", "path", "area"),
    [
        ("GW001", "gateway/src/index.js", "gateway"),
        ("ING001", "k8s/ingress.yaml", "gateway"),
        ("ING005", "k8s/ingress.yaml", "gateway"),
        ("UI001", "frontend/src/App.js", "ui"),
        ("ORG001", "frontend/src/api.js", "ui"),
        ("ORG002", "k8s/api-config.yaml", "ui"),
        ("PORT003", "k8s/api.yaml", "deploy"),
        ("ARGO001", "argocd/app.yaml", "deploy"),
        ("DOC005", "README.md", "docs"),
        ("ING001", "docs/setup.md", "docs"),  # a guide's wrong URL is a docs problem whatever checks it
    ],
)
def test_area_of_a_finding(code: str, path: str, area: str) -> None:
    finding = Finding(code=code, severity=Severity.ERROR, message="m", location=Location(path, 1))
    assert area_of(finding) == area
