"""The mutating operations heal uses, against the fake API server, and their guard."""
from __future__ import annotations

import pytest

from tiketi_doctor.cluster.access import ClusterTarget, connect
from tiketi_doctor.cluster.operations import (RESTARTED_AT, REVISION, MutationRefused, RolloutError, rollout_restart, rollout_status,
                                              rollout_undo, set_image, wait_for_rollout)

from .fakekube.behaviour import ByImage, CrashLoop
from .fakekube.fixtures import PROD_CONTEXT

KIND = "kind-tiketi-local"
PROD_TOKEN = f"fake-token-{PROD_CONTEXT}"


@pytest.fixture
def session(fake_kubeconfig):
    with connect(ClusterTarget(KIND, "tiketi", str(fake_kubeconfig))) as s:
        yield s


def _ticks(kube):
    return lambda seconds: kube.tick()


def test_rollout_restart_sends_kubectls_patch_and_the_rollout_completes(fake_kube, session):
    change = rollout_restart(session, "auth-service", allow_mutation=True)
    patch = fake_kube.log.find("PATCH", "deployments")[0]
    assert patch.content_type == "application/strategic-merge-patch+json"
    assert RESTARTED_AT in patch.json["spec"]["template"]["metadata"]["annotations"]
    assert change.generation == 2
    status = wait_for_rollout(session, "auth-service", timeout=60, interval=0, min_generation=change.generation, sleep=_ticks(fake_kube))
    assert status.done and not status.failed and status.message == "deployment/auth-service successfully rolled out"
    assert fake_kube.rollout_complete("auth-service")


def test_a_rollout_whose_new_pods_crash_fails_with_the_reason(fake_kube, session):
    fake_kube.set_behaviour("auth-service", {"crashloop": {"log": "Error: Cannot find module 'google-auth-library'\n"}})
    change = rollout_restart(session, "auth-service", allow_mutation=True)
    status = wait_for_rollout(session, "auth-service", timeout=60, interval=0, min_generation=change.generation, sleep=_ticks(fake_kube))
    assert status.failed and not status.done
    assert "CrashLoopBackOff" in status.message and status.failing_pods[0].startswith("auth-service-")
    assert "exit code 1" in status.failing_pods[0]


def test_waiting_has_a_deadline(fake_kube, session):
    fake_kube.set_behaviour("auth-service", {"crashloop": {"log": "boom\n"}})
    change = rollout_restart(session, "auth-service", allow_mutation=True)
    clock = iter(range(0, 1000, 10))
    status = wait_for_rollout(session, "auth-service", timeout=25, interval=0, min_generation=change.generation, fail_fast=False,
                              sleep=lambda s: None, clock=lambda: next(clock))
    assert status.failed and status.message.startswith("timed out after 25 s")


def test_set_image_patches_the_named_container(fake_kube, session):
    fake_kube.set_behaviour("ticket-service", ByImage({"tiketi-ticket-service:fixed": "healthy"}, default=CrashLoop("still broken\n")))
    fake_kube.load_image("tiketi-ticket-service:fixed")
    change = set_image(session, "ticket-service", "ticket-service", "tiketi-ticket-service:fixed", allow_mutation=True)
    assert fake_kube.log.find("PATCH", "deployments")[0].json == {
        "spec": {"template": {"spec": {"containers": [{"name": "ticket-service", "image": "tiketi-ticket-service:fixed"}]}}}}
    assert wait_for_rollout(session, "ticket-service", timeout=60, interval=0, min_generation=change.generation, sleep=_ticks(fake_kube)).done
    with pytest.raises(RolloutError, match="no container 'nope'"):
        set_image(session, "ticket-service", "nope", "x:1", allow_mutation=True)


def test_rollout_undo_restores_the_previous_template(fake_kube, session):
    first = rollout_restart(session, "auth-service", allow_mutation=True)
    assert wait_for_rollout(session, "auth-service", timeout=60, interval=0, min_generation=first.generation, sleep=_ticks(fake_kube)).done
    undo = rollout_undo(session, "auth-service", allow_mutation=True)
    assert undo.detail == "to revision 1"
    patch = fake_kube.log.find("PATCH", "deployments")[-1]
    assert patch.content_type == "application/json-patch+json"
    template = next(op["value"] for op in patch.json if op["path"] == "/spec/template")
    assert RESTARTED_AT not in (template["metadata"].get("annotations") or {})
    assert "pod-template-hash" not in template["metadata"]["labels"]
    fake_kube.settle(["auth-service"])
    assert fake_kube.get("deployments", "auth-service")["metadata"]["annotations"][REVISION] == "3"
    with pytest.raises(RolloutError, match="no revision 9"):
        rollout_undo(session, "auth-service", to_revision=9, allow_mutation=True)


def test_undo_without_history_says_so(session):
    with pytest.raises(RolloutError, match="no previous revision"):
        rollout_undo(session, "frontend", allow_mutation=True)


def test_rollout_status_is_read_only(fake_kube, session):
    status = rollout_status(session, "auth-service")
    assert not status.done and "CrashLoopBackOff" in status.message  # the broken seed: 0 of 1 available
    assert fake_kube.calls("PATCH") == fake_kube.calls("PUT") == fake_kube.calls("POST") == fake_kube.calls("DELETE") == 0


@pytest.mark.parametrize("operation", [
    lambda s, **kw: rollout_restart(s, "auth-service", **kw),
    lambda s, **kw: set_image(s, "auth-service", "auth-service", "x:1", **kw),
    lambda s, **kw: rollout_undo(s, "auth-service", **kw),
])
def test_every_mutation_needs_allow_mutation(fake_kube, session, operation):
    with pytest.raises(MutationRefused, match="allow_mutation=True"):
        operation(session)
    assert fake_kube.calls() == 0


@pytest.mark.parametrize("operation", [
    lambda s, **kw: rollout_restart(s, "auth-service", **kw),
    lambda s, **kw: set_image(s, "auth-service", "auth-service", "x:1", **kw),
    lambda s, **kw: rollout_undo(s, "auth-service", **kw),
])
def test_a_context_that_is_not_kind_gets_no_mutating_request(fake_kube, fake_kubeconfig, operation):
    with connect(ClusterTarget(PROD_CONTEXT, "tiketi", str(fake_kubeconfig))) as prod:
        with pytest.raises(MutationRefused, match="not a kind cluster"):
            operation(prod, allow_mutation=True)
        with pytest.raises(MutationRefused):
            operation(prod, allow_mutation=True, allow_context="prod")  # a prefix is not the name
    assert fake_kube.calls(token=PROD_TOKEN) == 0


def test_naming_the_exact_context_allows_it(fake_kube, fake_kubeconfig):
    with connect(ClusterTarget(PROD_CONTEXT, "tiketi", str(fake_kubeconfig))) as prod:
        rollout_restart(prod, "auth-service", allow_mutation=True, allow_context=PROD_CONTEXT)
    assert fake_kube.calls("PATCH", "deployments", token=PROD_TOKEN) == 1


def test_a_context_named_kind_that_is_another_cluster_gets_no_mutating_request(fake_kube, tmp_path):
    """The name is not the proof: kind-prod-eu1 answers with nodes of another cluster."""
    config = fake_kube.write_kubeconfig(tmp_path / "config", extra_contexts={"kind-prod-eu1": None})
    with connect(ClusterTarget("kind-prod-eu1", "tiketi", str(config))) as impostor:
        with pytest.raises(MutationRefused, match="belongs to kind cluster 'tiketi-local', not 'prod-eu1'"):
            rollout_restart(impostor, "auth-service", allow_mutation=True)
    assert fake_kube.calls("PATCH", "deployments") == 0


def test_a_kind_context_on_a_remote_server_is_refused_before_any_request(fake_kube, tmp_path):
    config = fake_kube.write_kubeconfig(tmp_path / "config", extra_contexts={"kind-edge": "https://10.20.30.40:6443"})
    with connect(ClusterTarget("kind-edge", "tiketi", str(config))) as remote:
        with pytest.raises(MutationRefused, match="not at a kind node on this machine"):
            set_image(remote, "auth-service", "auth-service", "x:1", allow_mutation=True)
        assert remote.calls == {}  # nothing was sent to 10.20.30.40


def test_the_local_kind_cluster_is_verified_once_per_session(fake_kube, session):
    rollout_restart(session, "auth-service", allow_mutation=True)
    rollout_restart(session, "payment-service", allow_mutation=True)
    assert session.is_kind and session.calls["list nodes"] == 1
