"""The same live checks on a real kind cluster: opt-in.

    TIKETI_DOCTOR_KIND_CONTEXT=kind-tiketi-local python -m pytest tests/test_live_real_cluster.py

Optional: TIKETI_DOCTOR_KUBECONFIG (default: $KUBECONFIG or ~/.kube/config), TIKETI_DOCTOR_NAMESPACE
(default tiketi), TIKETI_DOCTOR_REPO (default examples/tiketi). Read-only: nothing is changed.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cluster.access import ClusterTarget, connect, is_kind_context
from tiketi_doctor.cluster.runner import LiveOptions, run_live
from tiketi_doctor.cluster.snapshot import take_snapshot
from tiketi_doctor.model import RunStatus

from .conftest import EXAMPLE
from .live.support import live_registry, static_report

CONTEXT = os.environ.get("TIKETI_DOCTOR_KIND_CONTEXT")
pytestmark = pytest.mark.skipif(not CONTEXT, reason="set TIKETI_DOCTOR_KIND_CONTEXT to a kind context to run the live checks on a real cluster")
NAMESPACE = os.environ.get("TIKETI_DOCTOR_NAMESPACE", "tiketi")
KUBECONFIG = os.environ.get("TIKETI_DOCTOR_KUBECONFIG")
REPO = Path(os.environ.get("TIKETI_DOCTOR_REPO", str(EXAMPLE)))


def test_the_context_is_a_kind_one():
    assert is_kind_context(CONTEXT), f"{CONTEXT} is not a kind context; this test only reads kind clusters"


def test_snapshot_of_the_real_namespace():
    with connect(ClusterTarget(CONTEXT, NAMESPACE, KUBECONFIG)) as session:
        snapshot = take_snapshot(session)
        assert session.calls == {f"list {r}": 1 for r in ("pods", "events", "deployments", "replicasets", "services")}
    for pod in snapshot.pods:
        assert pod.status and "/" in pod.ready


def test_live_checks_run_on_the_real_cluster():
    report = static_report(REPO) if REPO == EXAMPLE else None
    if report is None:
        from tiketi_doctor.engine import scan

        report = scan(REPO, find_catalogue(REPO), live_registry().runnable())
    options = LiveOptions(context=CONTEXT, namespace=NAMESPACE, kubeconfig=KUBECONFIG)
    outcome = run_live(report, REPO, find_catalogue(REPO), live_registry().runnable(live=True), options)
    assert outcome.ran, outcome.summary()
    assert not [r for r in report.runs if r.subject == "cluster" and r.status == RunStatus.ERROR]
    for finding in (f for f in report.findings if f.code.startswith("CL")):
        assert finding.evidence["symptom"] and finding.root_cause
    print(outcome.summary())
    for finding in report.findings:
        if finding.code.startswith("CL"):
            print(f"{finding.code} {finding.location}: {finding.message}")
