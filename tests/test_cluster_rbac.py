"""`check --live` under read-only RBAC that grants less than every read: each forbidden read is named
(verb, resource, API group, namespace) where it matters, the checks that need it say they could not
decide, the others still run, and the static report stays whole."""
from __future__ import annotations

import json
from pathlib import Path

from tiketi_doctor.cli.check_cmd import CheckOptions, run_check
from tiketi_doctor.cluster.runner import LiveOptions, run_live
from tiketi_doctor.model import RunStatus

from .fakekube import FakeKube
from .live.support import EXAMPLE, live_registry, static_report

NS = "tiketi"


def _live(kube: FakeKube, tmp_path: Path, codes: list[str] | None = None):
    report = static_report()
    static_codes = {f.code for f in report.findings}
    kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace=NS)
    from tiketi_doctor.catalogue_choice import find_catalogue

    checks = live_registry().runnable(codes or ["CL"], live=True)
    outcome = run_live(report, EXAMPLE, find_catalogue(EXAMPLE), checks, LiveOptions(kubeconfig=str(kubeconfig), port_forward=False))
    return report, outcome, static_codes


def _undecided(report, code: str) -> list[str]:
    return [r.reason for r in report.runs if r.code == code and r.status == RunStatus.UNKNOWN]


def test_forbidden_events_leave_the_other_checks_running(tmp_path):
    with FakeKube("broken") as kube:
        kube.forbid("list", "events")
        report, outcome, _ = _live(kube, tmp_path)
    assert outcome.ran, outcome.summary()
    denied = "cannot list events in namespace tiketi: RBAC forbids 'list' on 'events'; grant it with the ClusterRole in manifests/rbac.yaml"
    assert any(n.startswith(f"live checks: {denied}") for n in report.notes)
    # the probe check needs the Unhealthy events: it says why it could not decide, it does not pass
    [reason] = _undecided(report, "CL006")
    assert reason.startswith(denied)
    # the crash loops are still found and explained from the pods and their logs
    assert sorted(f.service for f in report.findings if f.code == "CL001") == ["auth-service", "ticket-service"]
    assert _undecided(report, "CL001") == []


def test_forbidden_pods_skip_the_live_part_with_the_reason_and_the_static_report_stands(tmp_path):
    with FakeKube("broken") as kube:
        kube.forbid("list", "pods")
        report, outcome, static_codes = _live(kube, tmp_path)
    assert outcome.skipped is not None and outcome.skipped.permission.resource == "pods"
    assert outcome.summary().startswith(
        "live checks skipped (forbidden): cannot list pods in namespace tiketi: RBAC forbids 'list' on 'pods'; "
        "grant it with the ClusterRole in manifests/rbac.yaml — permission denied (403): pods is forbidden: "
        'User "system:serviceaccount:tiketi:tiketi-doctor" cannot list resource "pods"')
    assert not [f for f in report.findings if f.code.startswith("CL")]  # an empty list is not "no pods"
    assert static_codes <= {f.code for f in report.findings}  # DEP001 stays: nothing live absorbed it


def test_forbidden_deployments_name_the_apps_api_group(tmp_path):
    with FakeKube("broken") as kube:
        kube.forbid("list", "deployments")
        report, _, _ = _live(kube, tmp_path, ["CL011"])
    assert not [f for f in report.findings if f.code == "CL011"]  # not "postgres is not deployed"
    [reason] = _undecided(report, "CL011")
    assert reason.startswith(
        "cannot list deployments in namespace tiketi: RBAC forbids 'list' on 'deployments' (API group 'apps'); "
        "grant it with the ClusterRole in manifests/rbac.yaml")


def test_forbidden_logs_keep_the_finding_and_say_what_is_missing(tmp_path):
    with FakeKube("broken") as kube:
        kube.forbid("get", "pods/log")
        report, _, _ = _live(kube, tmp_path, ["CL001"])
    crashes = [f for f in report.findings if f.code == "CL001"]
    assert len(crashes) == 2
    assert all(f.evidence["log_error"].startswith("cannot get pods/log in namespace tiketi: RBAC forbids 'get' on 'pods/log'")
               for f in crashes)


def test_check_command_reports_the_missing_permission_without_a_traceback(tmp_path, capsys):
    with FakeKube("broken") as kube:
        kube.forbid("list", "replicasets")
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace=NS)
        out = tmp_path / "r.json"
        code = run_check(CheckOptions(EXAMPLE, formats=["json"], outputs=[str(out)],
                                      live=LiveOptions(kubeconfig=str(kubeconfig), port_forward=False)), registry=live_registry())
    data = json.loads(out.read_text())
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert code == 1  # the static errors of the example still count
    assert {f["code"] for f in data["findings"]} >= {"DEP001"}
    text = json.dumps(data)
    assert "cannot list replicasets in namespace tiketi: RBAC forbids 'list' on 'replicasets' (API group 'apps')" in text


def test_in_cluster_outside_a_pod_is_a_clear_error(monkeypatch):
    from tiketi_doctor.cluster.access import IN_CLUSTER, NO_CONFIG, ClusterError, ClusterTarget, connect

    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    try:
        connect(ClusterTarget(context=IN_CLUSTER, namespace=NS))
    except ClusterError as exc:
        assert exc.kind == NO_CONFIG and "works only inside a pod with a service account" in exc.reason
    else:
        raise AssertionError("connected in-cluster outside a pod")


def test_forbidden_argo_cd_applications_leave_only_cl014_undecided(tmp_path):
    with FakeKube("broken") as kube:
        kube.forbid("list", "applications", namespace="argocd")
        report, outcome, _ = _live(kube, tmp_path)
    assert outcome.ran
    [reason] = _undecided(report, "CL014")
    assert reason.startswith("cannot list applications in namespace argocd: RBAC forbids 'list' on 'applications' (API group 'argoproj.io')")
    assert sorted(f.service for f in report.findings if f.code == "CL001") == ["auth-service", "ticket-service"]
