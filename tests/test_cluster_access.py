"""Cluster access: kubeconfig and context like kubectl, and every failure as one ClusterError kind."""
from __future__ import annotations

import time

import pytest

from tiketi_doctor.cluster.access import (FORBIDDEN, NO_CONFIG, SERVER_ERROR, TIMEOUT, UNREACHABLE, ClusterError, ClusterTarget,
                                          connect, is_kind_context)
from tiketi_doctor.cluster.snapshot import take_snapshot

from .fakekube import FakeKube

KIND = "kind-tiketi-local"


def _target(path, context=KIND, timeout=5.0) -> ClusterTarget:
    return ClusterTarget(context, "tiketi", str(path), timeout)


def _failure(target: ClusterTarget) -> ClusterError:
    with pytest.raises(ClusterError) as err:
        with connect(target) as session:
            take_snapshot(session)
    return err.value


@pytest.mark.parametrize(("name", "kind"), [("kind-tiketi-local", True), ("kind-x", True), ("kind-", False), ("prod-eks", False),
                                            ("arn:aws:eks:ap-northeast-2:1:cluster/kind-x", False), ("", False), (None, False)])
def test_is_kind_context(name, kind):
    assert is_kind_context(name) is kind


def test_session_reads_raw_json_through_the_named_context(fake_kube, fake_kubeconfig):
    with connect(_target(fake_kubeconfig)) as session:
        pods = session.list("pods")
        assert session.is_kind and session.server == fake_kube.url
    assert len(pods) == 8 and all(isinstance(p, dict) for p in pods)
    assert fake_kube.calls("GET", "pods", token="fake-token-kind-tiketi-local") == 1
    assert fake_kube.calls(token="fake-token-prod-eks") == 0


def test_the_catalogue_context_is_used_not_the_current_one(fake_kube, tmp_path):
    path = fake_kube.write_kubeconfig(tmp_path / "config", extra_contexts={"prod-eks": None}, current_context="prod-eks")
    with connect(_target(path)) as session:
        session.list("services")
    assert fake_kube.calls(token="fake-token-prod-eks") == 0 and fake_kube.calls("GET", "services") == 1


def test_no_kubeconfig(tmp_path):
    error = _failure(_target(tmp_path / "missing"))
    assert error.kind == NO_CONFIG and "no kubeconfig at" in error.reason


def test_unknown_context_lists_the_known_ones(fake_kubeconfig):
    error = _failure(_target(fake_kubeconfig, context="kind-other"))
    assert error.kind == NO_CONFIG
    assert "'kind-other' is not in" in error.reason and "kind-tiketi-local, prod-eks" in error.reason


def test_unparsable_kubeconfig(tmp_path):
    path = tmp_path / "config"
    path.write_text("::: not yaml [")
    assert _failure(_target(path)).kind == NO_CONFIG


def test_unreachable_server(tmp_path):
    kube = FakeKube("healthy").start()
    path = kube.write_kubeconfig(tmp_path / "config")
    kube.stop()
    error = _failure(_target(path))
    assert error.kind == UNREACHABLE and error.reason.endswith("Connection refused")


def test_forbidden_carries_the_missing_permission_and_the_servers_message(fake_kube, fake_kubeconfig):
    fake_kube.inject(403, resource="pods", verb="list")
    with connect(_target(fake_kubeconfig)) as session:
        with pytest.raises(ClusterError) as err:
            session.list("pods")
        snapshot = take_snapshot(session)  # a forbidden list is recorded, the others are still read
    error = err.value
    assert error.kind == FORBIDDEN and error.status == 403
    assert (error.permission.verb, error.permission.resource, error.permission.group, error.permission.namespace) == ("list", "pods", "", "tiketi")
    assert 'cannot list resource "pods"' in error.reason
    assert list(snapshot.denied) == ["pods"] and snapshot.pods == [] and snapshot.deployments


def test_rejected_credentials(fake_kube, fake_kubeconfig):
    fake_kube.inject(401, path=r"/apis/apps/")
    error = _failure(_target(fake_kubeconfig))
    assert error.kind == FORBIDDEN and "401 Unauthorized" in error.reason


def test_server_error(fake_kube, fake_kubeconfig):
    fake_kube.inject(500, resource="events")
    error = _failure(_target(fake_kubeconfig))
    assert error.kind == SERVER_ERROR and "answered 500" in error.reason


def test_a_hanging_server_times_out_once(fake_kube, fake_kubeconfig):
    fake_kube.hang()
    started = time.monotonic()
    error = _failure(_target(fake_kubeconfig, timeout=0.5))
    assert error.kind == TIMEOUT and time.monotonic() - started < 3  # the five lists wait together, no retries
    fake_kube.resume()


def test_a_dropped_connection_is_unreachable(fake_kube, fake_kubeconfig):
    fake_kube.inject(drop=True, resource="pods")
    assert _failure(_target(fake_kubeconfig)).kind == UNREACHABLE


def _node(name, provider=None):
    return {"metadata": {"name": name}, "spec": {"providerID": provider} if provider is not None else {}}


@pytest.mark.parametrize(("nodes", "refusal"), [
    ([_node("dev-control-plane", "kind://docker/dev/dev-control-plane"), _node("dev-worker", "kind://podman/dev/dev-worker")], None),
    ([_node("dev-control-plane"), _node("dev-worker2")], None),  # kind before providerIDs: the names say it
    ([_node("ip-10-0-1-5", "aws:///eu-west-1a/i-0abc")], "node ip-10-0-1-5 is not a kind node (providerID aws:///eu-west-1a/i-0abc)"),
    ([_node("prod-control-plane", "kind://docker/prod/prod-control-plane")], "node prod-control-plane belongs to kind cluster 'prod', not 'dev'"),
    ([_node("gke-pool-1")], "node gke-pool-1 is not a kind node (providerID unset)"),
    ([], "the cluster lists no nodes"),
    (["not a node"], "the API server answered the node list with something that is not a node"),
])
def test_kind_nodes_are_recognised_by_provider_id_or_kind_names(nodes, refusal):
    from tiketi_doctor.cluster.access import kind_node_refusal

    assert kind_node_refusal("dev", nodes) == refusal
