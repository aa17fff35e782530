"""The snapshot: kubectl's columns, a constant number of list calls, logs read lazily and once."""
from __future__ import annotations

import datetime as dt

import pytest

from tiketi_doctor.cluster.access import ClusterTarget, connect
from tiketi_doctor.cluster.snapshot import human_age, kubectl_status, pod_view, take_snapshot

from .fakekube import FakeKube, large_namespace


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (1500, "25m"),
                                                (3 * 3600 + 60, "3h1m"), (9 * 3600, "9h"), (50 * 3600, "2d2h"), (30 * 86400, "30d")])
def test_human_age_matches_kubectl(seconds, text):
    assert human_age(seconds) == text


def _pod(status: dict, init=0, deleting=False) -> dict:
    spec = {"containers": [{"name": "app"}], "initContainers": [{"name": f"init{i}"} for i in range(init)]}
    meta = {"name": "p", **({"deletionTimestamp": "2025-12-31T00:00:00Z"} if deleting else {})}
    return {"metadata": meta, "spec": spec, "status": status}


@pytest.mark.parametrize(("status", "init", "deleting", "column"), [
    ({"phase": "Running", "containerStatuses": [{"name": "app", "ready": True, "state": {"running": {}}}]}, 0, False, "Running"),
    ({"phase": "Running", "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}, 0, False, "CrashLoopBackOff"),
    ({"phase": "Running", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 137}}}]}, 0, False, "ExitCode:137"),
    ({"phase": "Pending", "initContainerStatuses": [{"name": "init0", "state": {"running": {}}}]}, 1, False, "Init:0/1"),
    ({"phase": "Pending", "initContainerStatuses": [{"name": "init0", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}, 1, False, "Init:CrashLoopBackOff"),
    ({"phase": "Running", "containerStatuses": [{"name": "app", "ready": True, "state": {"running": {}}}]}, 0, True, "Terminating"),
])
def test_kubectl_status_column(status, init, deleting, column):
    raw = _pod(status, init, deleting)
    view = pod_view(raw)
    assert kubectl_status(raw, view.containers, view.init_containers) == column == view.status


NOW = dt.datetime(2025, 12, 31, 6, 0, tzinfo=dt.timezone.utc)


def test_broken_namespace_as_kubectl_shows_it(tmp_path):
    with FakeKube("broken", now=NOW) as fake_kube, connect(
            ClusterTarget("kind-tiketi-local", "tiketi", str(fake_kube.write_kubeconfig(tmp_path / "config")))) as session:
        snapshot = take_snapshot(session, now=NOW)
        rows = {p.deployment: (p.ready, p.status, p.restarts, snapshot.age(p.created)) for p in snapshot.pods}
        assert rows["auth-service"] == ("0/1", "CrashLoopBackOff", 5, "24m")  # created 24m59s before NOW
        assert rows["frontend"] == ("1/1", "Running", 0, "24m")
        auth = snapshot.pods_of("auth-service")[0]
        assert auth.containers[0].last.exit_code == 1 and auth.containers[0].last.reason == "Error"
        assert [e.reason for e in snapshot.events_for("Pod", auth.name)] == ["BackOff"]  # warnings only
        assert session.calls == {f"list {r}": 1 for r in ("pods", "events", "deployments", "replicasets", "services", "horizontalpodautoscalers", "applications")}
        assert fake_kube.calls(resource="pods/log") == 0  # nothing read until asked
        first = snapshot.log(auth.name, "auth-service", previous=True)
        again = snapshot.log(auth.name, "auth-service", previous=True)
        assert first is again and "Cannot find module 'google-auth-library'" in first.text
        assert fake_kube.calls(resource="pods/log") == 1 and snapshot.log_reads == 1


def test_a_log_that_cannot_be_read_says_why(fake_kube, fake_kubeconfig):
    with connect(ClusterTarget("kind-tiketi-local", "tiketi", str(fake_kubeconfig))) as session:
        snapshot = take_snapshot(session)
        frontend = snapshot.pods_of("frontend")[0]
        read = snapshot.log(frontend.name, "frontend", previous=True)  # it never restarted
        assert read.text is None and "previous terminated container" in read.error


def test_list_calls_stay_constant_with_the_namespace_size(tmp_path):
    counts = []
    for size in (50, 500):
        with FakeKube(large_namespace(size)) as kube:
            path = kube.write_kubeconfig(tmp_path / f"config-{size}", namespace="tiketi")
            with connect(ClusterTarget("kind-tiketi-local", "tiketi", str(path))) as session:
                snapshot = take_snapshot(session, now=dt.datetime.now(dt.timezone.utc))
            assert len(snapshot.pods) == size
            counts.append(kube.calls(verb="list"))
    assert counts == [7, 7]  # one list per resource (autoscalers and Argo CD Applications included), whatever the size
