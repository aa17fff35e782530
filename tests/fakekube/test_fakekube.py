"""The fake API server, exercised through the official kubernetes client."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import httpx
import pytest
import urllib3
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from . import (SCENARIO_DIR, ByImage, CrashLoop, FakeKube, Scenario, context_token, large_namespace,
               nodelogs)
from .fixtures import PROD_CONTEXT, fake_kube, fake_kubeconfig  # noqa: F401  (fixtures)
from .kubeconfig import KIND_CONTEXT

NS = "tiketi"
AUTH_CRASH = nodelogs.module_not_found("google-auth-library", ["/app/src/routes/auth.js", "/app/src/server.js"],
                                       "/app/src/routes/auth.js:4:26")
# One client for raw HTTP checks: creating an httpx client (its TLS context) costs ~50 ms.
HTTP = httpx.Client(timeout=5)
RESTART_PATCH = {"spec": {"template": {"metadata": {"annotations": {
    "kubectl.kubernetes.io/restartedAt": "2025-12-31T15:04:05+09:00"}}}}}


def _clients(host: str, retries: int | None = None):
    cfg = client.Configuration()
    cfg.host = host
    if retries is not None:
        cfg.retries = retries
    api_client = client.ApiClient(cfg)
    return api_client, client.CoreV1Api(api_client), client.AppsV1Api(api_client)


@pytest.fixture
def apis(fake_kube):
    api_client, core, apps = _clients(fake_kube.url)
    yield core, apps
    api_client.close()


def _status_body(exc: ApiException) -> dict:
    return json.loads(exc.body)


def _pod(core, app: str):
    pods = [p for p in core.list_namespaced_pod(NS, label_selector=f"app={app}").items
            if p.metadata.deletion_timestamp is None]
    assert len(pods) == 1, [p.metadata.name for p in pods]
    return pods[0]


def _rs_by_revision(apps, app: str) -> dict:
    items = apps.list_namespaced_replica_set(NS, label_selector=f"app={app}").items
    return {int(rs.metadata.annotations["deployment.kubernetes.io/revision"]): rs for rs in items}


def _pod_hash_of_revision(apps, revision: int) -> str:
    return _rs_by_revision(apps, "auth-service")[revision].metadata.labels["pod-template-hash"]


def _pod_name(kube, app):
    return kube.pods(app)[0]["metadata"]["name"]


# ---- lifecycle, discovery, kubeconfig ---------------------------------------------------------

def test_starts_on_an_ephemeral_port_and_stops_cleanly():
    kube = FakeKube()
    kube.start()
    url = kube.url
    assert kube.port > 0 and url.startswith("http://127.0.0.1:")
    with httpx.Client() as http:                       # a keep-alive connection
        assert http.get(url + "/version").json()["gitVersion"] == "v1.32.2"
        kube.stop()
        with pytest.raises(httpx.TransportError):
            http.get(url + "/version", timeout=1)
    with pytest.raises(httpx.ConnectError):
        HTTP.get(url + "/version", timeout=1)
    with FakeKube() as second:
        assert HTTP.get(second.url + "/healthz").text == "ok"


def test_discovery_documents(fake_kube):
    api_client, core, apps = _clients(fake_kube.url)
    with api_client:
        assert client.VersionApi(api_client).get_code().minor == "32"
        assert client.CoreApi(api_client).get_api_versions().versions == ["v1"]
        groups = client.ApisApi(api_client).get_api_versions().groups
        assert [g.name for g in groups] == ["apps", "autoscaling", "argoproj.io"]
        argo = client.CustomObjectsApi(api_client).get_api_resources("argoproj.io", "v1alpha1")
        assert [(r.name, r.kind, r.namespaced) for r in argo.resources] == [("applications", "Application", True)]
        core_names = {r.name for r in core.get_api_resources().resources}
        assert {"pods", "pods/log", "events", "services", "endpoints", "configmaps", "secrets",
                "namespaces", "nodes"} <= core_names
        apps_names = {r.name for r in apps.get_api_resources().resources}
        assert {"deployments", "deployments/status", "deployments/scale", "replicasets"} <= apps_names


def test_load_kube_config_with_the_kind_context(fake_kube, fake_kubeconfig):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(fake_kubeconfig), context=KIND_CONTEXT, client_configuration=cfg)
    assert cfg.host == fake_kube.url
    with client.ApiClient(cfg) as api_client:
        names = [p.metadata.name for p in client.CoreV1Api(api_client).list_namespaced_pod(NS).items]
    assert len(names) == 8
    assert {r.token for r in fake_kube.requests} == {context_token(KIND_CONTEXT)}


def test_kubeconfig_contexts_are_told_apart_by_token(fake_kube, fake_kubeconfig):
    contexts, current = config.list_kube_config_contexts(config_file=str(fake_kubeconfig))
    assert current["name"] == KIND_CONTEXT
    assert current["context"] == {"cluster": KIND_CONTEXT, "user": KIND_CONTEXT, "namespace": NS}
    assert {c["name"] for c in contexts} == {KIND_CONTEXT, PROD_CONTEXT}
    prod = config.new_client_from_config(config_file=str(fake_kubeconfig), context=PROD_CONTEXT)
    with prod:
        client.CoreV1Api(prod).list_namespace()
    assert fake_kube.calls(token=context_token(PROD_CONTEXT)) == 1
    assert fake_kube.calls(token=context_token(KIND_CONTEXT)) == 0


def test_kubeconfig_can_make_another_context_current(tmp_path):
    with FakeKube() as kube:
        path = kube.write_kubeconfig(tmp_path / "config", extra_contexts={"prod-eks": "https://eks.invalid"},
                                     current_context="prod-eks")
        _, current = config.list_kube_config_contexts(config_file=str(path))
        assert current["name"] == "prod-eks"
        cfg = client.Configuration()
        config.load_kube_config(config_file=str(path), context="prod-eks", client_configuration=cfg)
        assert cfg.host == "https://eks.invalid"


# ---- pods, logs, events ------------------------------------------------------------------------

def test_list_pods_with_label_and_field_selectors(apis):
    core, _ = apis
    assert len(core.list_namespaced_pod(NS).items) == 8
    assert [p.metadata.labels["app"] for p in core.list_namespaced_pod(NS, label_selector="app=auth-service").items] \
        == ["auth-service"]
    both = core.list_namespaced_pod(NS, label_selector="app in (auth-service, ticket-service)").items
    assert sorted(p.metadata.labels["app"] for p in both) == ["auth-service", "ticket-service"]
    assert len(core.list_namespaced_pod(NS, label_selector="app!=auth-service,app").items) == 7
    assert len(core.list_namespaced_pod(NS, field_selector="status.phase=Running").items) == 8
    assert core.list_namespaced_pod(NS, field_selector="status.phase=Pending").items == []
    name = _pod(core, "frontend").metadata.name
    only = core.list_namespaced_pod(NS, field_selector=f"metadata.name={name}").items
    assert [p.metadata.name for p in only] == [name]
    assert len(core.list_pod_for_all_namespaces(label_selector="app=backend").items) == 1
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod(NS, field_selector="spec.image=x")
    assert err.value.status == 400
    assert _status_body(err.value)["message"] == "field label not supported: spec.image"


def test_crashloop_fields_deserialise_to_real_values(apis):
    core, _ = apis
    pod_list = core.list_namespaced_pod(NS, label_selector="app=auth-service")
    assert int(pod_list.metadata.resource_version) > 0
    pod = pod_list.items[0]
    assert pod.metadata.name.startswith("auth-service-")
    assert pod.metadata.owner_references[0].kind == "ReplicaSet"
    assert pod.metadata.labels["pod-template-hash"] in pod.metadata.owner_references[0].name
    assert pod.status.phase == "Running"
    conditions = {c.type: c for c in pod.status.conditions}
    assert conditions["PodScheduled"].status == "True"
    assert (conditions["Ready"].status, conditions["Ready"].reason) == ("False", "ContainersNotReady")
    cs = pod.status.container_statuses[0]
    assert cs.state.waiting.reason == "CrashLoopBackOff"
    assert "restarting failed container=auth-service" in cs.state.waiting.message
    assert cs.restart_count == 5 and cs.ready is False and cs.started is False
    term = cs.last_state.terminated
    assert (term.exit_code, term.reason, term.signal) == (1, "Error", None)
    assert isinstance(term.started_at, dt.datetime) and term.started_at < term.finished_at
    assert cs.image == "docker.io/library/tiketi-auth-service:local"
    assert cs.image_id.startswith("docker.io/library/import-") and "@sha256:" in cs.image_id
    spec = pod.spec.containers[0]
    assert (spec.image, spec.image_pull_policy, spec.ports[0].container_port) == \
        ("tiketi-auth-service:local", "Never", 3005)
    assert spec.readiness_probe.http_get.path == "/health"
    healthy = _pod(core, "frontend").status.container_statuses[0]
    assert healthy.ready and healthy.state.running.started_at is not None and healthy.last_state.terminated is None


def test_previous_log_returns_the_node_crash_text(fake_kube, apis):
    core, _ = apis
    auth = _pod(core, "auth-service").metadata.name
    text = core.read_namespaced_pod_log(auth, NS, previous=True, tail_lines=20)
    assert text == "".join(AUTH_CRASH.splitlines(keepends=True)[-20:])
    assert "Error: Cannot find module 'google-auth-library'" in text
    assert core.read_namespaced_pod_log(auth, NS, tail_lines=2) == "\nNode.js v20.20.2\n"
    ticket = _pod(core, "ticket-service").metadata.name
    assert "Cannot find module '@socket.io/redis-adapter'" in core.read_namespaced_pod_log(
        ticket, NS, previous=True, container="ticket-service")
    raw = HTTP.get(f"{fake_kube.url}/api/v1/namespaces/{NS}/pods/{auth}/log", params={"previous": "true"})
    assert raw.headers["content-type"] == "text/plain; charset=utf-8"
    assert raw.text == AUTH_CRASH
    assert "running on port 3000" not in core.read_namespaced_pod_log(_pod(core, "backend").metadata.name, NS)


def test_log_errors_are_status_bodies(apis):
    core, _ = apis
    frontend = _pod(core, "frontend").metadata.name
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(frontend, NS, previous=True)
    assert err.value.status == 400
    assert _status_body(err.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'previous terminated container "frontend" in pod "{frontend}" not found',
        "reason": "BadRequest", "code": 400}
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(frontend, NS, container="nope")
    assert _status_body(err.value)["message"] == f"container nope is not valid for pod {frontend}"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("ghost", NS)
    assert err.value.status == 404


def test_events_with_field_selectors(apis):
    core, _ = apis
    pod = _pod(core, "ticket-service")
    events = core.list_namespaced_event(
        NS, field_selector=f"involvedObject.name={pod.metadata.name},involvedObject.kind=Pod").items
    by_reason = {e.reason: e for e in events}
    assert set(by_reason) == {"Scheduled", "Pulled", "Created", "Started", "BackOff"}
    backoff = by_reason["BackOff"]
    assert backoff.type == "Warning" and backoff.count == 22
    assert backoff.message.startswith(f"Back-off restarting failed container ticket-service in pod {pod.metadata.name}")
    assert backoff.involved_object.uid == pod.metadata.uid
    assert backoff.involved_object.field_path == "spec.containers{ticket-service}"
    assert backoff.source.component == "kubelet" and backoff.first_timestamp < backoff.last_timestamp
    assert by_reason["Pulled"].message == 'Container image "tiketi-ticket-service:local" already present on machine'
    assert by_reason["Pulled"].count == 6
    warnings = core.list_namespaced_event(NS, field_selector="type=Warning").items
    assert sorted(e.involved_object.name.split("-")[0] for e in warnings) == ["auth", "ticket"]
    deployment_events = core.list_namespaced_event(NS, field_selector="involvedObject.kind=Deployment").items
    assert {e.reason for e in deployment_events} == {"ScalingReplicaSet"}


def test_services_endpoints_config_and_cluster_objects(apis):
    core, _ = apis
    services = {s.metadata.name: s for s in core.list_namespaced_service(NS).items}
    assert {"frontend-service", "backend-service", "auth-service", "ticket-service", "payment-service",
            "stats-service", "postgres-service", "dragonfly-service"} == set(services)
    auth = services["auth-service"]
    assert (auth.spec.type, auth.spec.ports[0].port, auth.spec.ports[0].target_port, auth.spec.selector) == \
        ("NodePort", 3005, 3005, {"app": "auth-service"})
    assert services["postgres-service"].spec.cluster_ip == "10.96.45.12"
    endpoints = core.read_namespaced_endpoints("auth-service", NS)
    assert endpoints.subsets[0].addresses is None           # its only pod is not ready
    assert endpoints.subsets[0].not_ready_addresses[0].target_ref.name.startswith("auth-service-")
    backend = core.read_namespaced_endpoints("backend-service", NS).subsets[0]
    assert backend.addresses[0].ip == _pod(core, "backend").status.pod_ip and backend.ports[0].port == 3001
    assert core.read_namespaced_config_map("tiketi-config", NS).data["STATS_SERVICE_URL"] == "http://stats-service:3004"
    assert set(core.read_namespaced_secret("tiketi-secret", NS).data) >= {"JWT_SECRET", "DB_PASSWORD"}
    assert core.read_namespace(NS).status.phase == "Active"
    assert {"default", "kube-system", NS} <= {n.metadata.name for n in core.list_namespace().items}
    node = core.list_node().items[0]
    assert node.metadata.name == "tiketi-local-control-plane"
    assert node.status.node_info.kubelet_version == "v1.32.2"
    assert {c.type: c.status for c in node.status.conditions}["Ready"] == "True"


def test_deployments_and_replicasets(apis):
    _, apps = apis
    deployments = {d.metadata.name: d for d in apps.list_namespaced_deployment(NS).items}
    assert len(deployments) == 8
    broken = apps.read_namespaced_deployment_status("auth-service", NS)
    assert broken.status.available_replicas is None and broken.status.unavailable_replicas == 1
    conditions = {c.type: c.reason for c in broken.status.conditions}
    assert conditions == {"Available": "MinimumReplicasUnavailable", "Progressing": "ProgressDeadlineExceeded"}
    fine = deployments["frontend"]
    assert (fine.status.ready_replicas, fine.status.observed_generation) == (1, fine.metadata.generation)
    assert {c.type: c.reason for c in fine.status.conditions}["Progressing"] == "NewReplicaSetAvailable"
    assert fine.spec.strategy.rolling_update.max_surge == "25%"
    (rs,) = apps.list_namespaced_replica_set(NS, label_selector="app=frontend").items
    owner = rs.metadata.owner_references[0]
    assert (owner.kind, owner.name, owner.uid, owner.controller) == ("Deployment", "frontend", fine.metadata.uid, True)
    assert rs.metadata.annotations["deployment.kubernetes.io/revision"] == "1"
    pod_hash = rs.metadata.labels["pod-template-hash"]
    assert rs.metadata.name == f"frontend-{pod_hash}"
    assert rs.spec.selector.match_labels == {"app": "frontend", "pod-template-hash": pod_hash}
    assert (rs.status.replicas, rs.status.ready_replicas) == (1, 1)


def test_table_responses_for_kubectl_get(fake_kube):
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    table = HTTP.get(f"{fake_kube.url}/api/v1/namespaces/{NS}/pods", params={"labelSelector": "app=auth-service"},
                     headers={"Accept": accept}).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"][:5]] == ["Name", "Ready", "Status", "Restarts", "Age"]
    name, ready, status, restarts, _age = table["rows"][0]["cells"][:5]
    assert (ready, status) == ("0/1", "CrashLoopBackOff") and restarts.startswith("5 (")
    assert table["rows"][0]["object"]["metadata"]["name"] == name
    deploy = HTTP.get(f"{fake_kube.url}/apis/apps/v1/namespaces/{NS}/deployments/frontend",
                      headers={"Accept": accept}).json()
    assert deploy["rows"][0]["cells"][:4] == ["frontend", "1/1", 1, 1]


# ---- rollouts ------------------------------------------------------------------------------------

def test_rollout_restart_replaces_pods_over_ticks(fake_kube, apis):
    core, apps = apis
    old_pod = _pod(core, "auth-service").metadata.name
    patched = apps.patch_namespaced_deployment("auth-service", NS, RESTART_PATCH)
    assert patched.metadata.generation == 2 and patched.status.observed_generation == 1
    record = fake_kube.log.find("PATCH", "deployments")[0]
    assert record.content_type == "application/strategic-merge-patch+json" and record.json == RESTART_PATCH

    fake_kube.tick()
    revisions = _rs_by_revision(apps, "auth-service")
    assert sorted(revisions) == [1, 2]
    new_rs = revisions[2]
    assert new_rs.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]
    status = apps.read_namespaced_deployment("auth-service", NS)
    assert status.status.observed_generation == 2
    assert status.metadata.annotations["deployment.kubernetes.io/revision"] == "2"
    assert {c.type: c.reason for c in status.status.conditions}["Progressing"] == "NewReplicaSetCreated"
    creating = core.list_namespaced_pod(NS, label_selector=f"pod-template-hash={new_rs.metadata.labels['pod-template-hash']}").items
    assert creating[0].status.container_statuses[0].state.waiting.reason == "ContainerCreating"

    fake_kube.tick()
    status = apps.read_namespaced_deployment_status("auth-service", NS).status
    assert (status.updated_replicas, status.ready_replicas, status.available_replicas, status.replicas) == (1, 1, 1, 1)
    assert {c.type: c.reason for c in status.conditions} == {
        "Available": "MinimumReplicasAvailable", "Progressing": "NewReplicaSetAvailable"}
    terminating = core.read_namespaced_pod(old_pod, NS)
    assert terminating.metadata.deletion_timestamp is not None
    assert _rs_by_revision(apps, "auth-service")[1].spec.replicas == 0

    fake_kube.tick()
    new_pod = _pod(core, "auth-service")
    assert new_pod.metadata.name != old_pod and new_pod.status.container_statuses[0].ready
    assert "auth-service running on port 3005" in core.read_namespaced_pod_log(new_pod.metadata.name, NS)
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod(old_pod, NS)
    assert err.value.status == 404
    assert fake_kube.rollout_complete("auth-service")
    reasons = [e.message for e in core.list_namespaced_event(NS, field_selector="involvedObject.name=auth-service").items]
    assert f"Scaled up replica set {new_rs.metadata.name} from 0 to 1" in reasons


def test_rollout_that_still_crashes_never_completes(fake_kube, apis):
    core, apps = apis
    fake_kube.set_behaviour("auth-service", "same")
    apps.patch_namespaced_deployment("auth-service", NS, RESTART_PATCH)
    fake_kube.tick(4)
    pods = core.list_namespaced_pod(NS, label_selector="app=auth-service").items
    assert len(pods) == 2                                  # the old pod stays until the new one is available
    new = next(p for p in pods if p.metadata.labels["pod-template-hash"] != _pod_hash_of_revision(apps, 1))
    cs = new.status.container_statuses[0]
    assert cs.state.waiting.reason == "CrashLoopBackOff" and cs.restart_count == 1
    assert "google-auth-library" in core.read_namespaced_pod_log(new.metadata.name, NS, previous=True)
    assert not fake_kube.rollout_complete("auth-service")
    fake_kube.tick(seconds=601)
    conditions = {c.type: (c.status, c.reason) for c in apps.read_namespaced_deployment("auth-service", NS).status.conditions}
    assert conditions["Progressing"] == ("False", "ProgressDeadlineExceeded")


def test_rollback_patches_the_template_back_to_an_older_revision(fake_kube, apis):
    core, apps = apis
    apps.patch_namespaced_deployment("auth-service", NS, RESTART_PATCH)
    assert fake_kube.settle(["auth-service"])
    # What `kubectl rollout undo` does client-side: copy revision 1's template back (JSON patch).
    old = client.ApiClient().sanitize_for_serialization(_rs_by_revision(apps, "auth-service")[1].spec.template)
    del old["metadata"]["labels"]["pod-template-hash"]
    apps.patch_namespaced_deployment("auth-service", NS, [{"op": "replace", "path": "/spec/template", "value": old}])
    assert fake_kube.log.find("PATCH", "deployments")[-1].content_type == "application/json-patch+json"
    assert fake_kube.settle(["auth-service"], max_ticks=5)
    revisions = _rs_by_revision(apps, "auth-service")
    assert sorted(revisions) == [2, 3]                    # revision 1 came back as revision 3
    assert revisions[3].metadata.annotations["deployment.kubernetes.io/revision-history"] == "1"
    assert (revisions[3].spec.replicas, revisions[2].spec.replicas) == (1, 0)
    deployment = apps.read_namespaced_deployment("auth-service", NS)
    assert deployment.metadata.annotations["deployment.kubernetes.io/revision"] == "3"
    assert deployment.metadata.generation == 3 and deployment.status.observed_generation == 3
    pod = _pod(core, "auth-service")
    assert pod.metadata.labels["pod-template-hash"] == revisions[3].metadata.labels["pod-template-hash"]
    assert "kubectl.kubernetes.io/restartedAt" not in (pod.metadata.annotations or {})


def test_new_image_with_per_image_behaviour(fake_kube, apis):
    core, apps = apis
    fake_kube.set_behaviour("ticket-service", ByImage({"tiketi-ticket-service:fixed": "healthy"},
                                                      default=CrashLoop("still broken\n")))
    image_patch = {"spec": {"template": {"spec": {"containers": [
        {"name": "ticket-service", "image": "tiketi-ticket-service:fixed"}]}}}}
    apps.patch_namespaced_deployment("ticket-service", NS, image_patch)
    new_id = fake_kube.load_image("tiketi-ticket-service:fixed")
    assert fake_kube.settle(["ticket-service"])
    pod = _pod(core, "ticket-service")
    container = pod.spec.containers[0]
    assert container.image == "tiketi-ticket-service:fixed" and container.ports[0].container_port == 3002
    assert pod.status.container_statuses[0].ready and pod.status.container_statuses[0].image_id == new_id


def test_merge_json_and_unsupported_patches(fake_kube):
    base = f"{fake_kube.url}/apis/apps/v1/namespaces/{NS}/deployments/frontend"
    merge = HTTP.patch(base, content=json.dumps({"spec": {"replicas": 2}}),
                        headers={"Content-Type": "application/merge-patch+json"})
    assert merge.status_code == 200 and merge.json()["spec"]["replicas"] == 2
    assert merge.json()["metadata"]["generation"] == 2
    assert fake_kube.settle(["frontend"])
    assert len(fake_kube.pods("frontend")) == 2
    failed_test = HTTP.patch(base, content=json.dumps([{"op": "test", "path": "/spec/replicas", "value": 5}]),
                              headers={"Content-Type": "application/json-patch+json"})
    assert failed_test.status_code == 422 and failed_test.json()["reason"] == "Invalid"
    unsupported = HTTP.patch(base, content="{}", headers={"Content-Type": "application/apply-patch+yaml"})
    assert unsupported.status_code == 415 and unsupported.json()["kind"] == "Status"
    stale = HTTP.put(base, json={**merge.json(), "metadata": {**merge.json()["metadata"], "resourceVersion": "1"}})
    assert stale.status_code == 409 and stale.json()["reason"] == "Conflict"


def test_scale_subresource_and_pod_deletion(fake_kube, apis):
    core, apps = apis
    apps.patch_namespaced_deployment_scale("backend", NS, {"spec": {"replicas": 3}})
    assert apps.read_namespaced_deployment_scale("backend", NS).spec.replicas == 3
    assert fake_kube.settle(["backend"])
    assert len(core.list_namespaced_pod(NS, label_selector="app=backend").items) == 3
    victim = _pod(core, "frontend").metadata.name
    core.delete_namespaced_pod(victim, NS)
    assert core.read_namespaced_pod(victim, NS).metadata.deletion_timestamp is not None
    fake_kube.tick(2)
    replacement = _pod(core, "frontend")
    assert replacement.metadata.name != victim and replacement.status.container_statuses[0].ready


def test_dry_run_changes_nothing(fake_kube, apis):
    _, apps = apis
    before = apps.read_namespaced_deployment("backend", NS)
    apps.patch_namespaced_deployment("backend", NS, {"spec": {"replicas": 4}}, dry_run="All")
    after = apps.read_namespaced_deployment("backend", NS)
    assert after.spec.replicas == 1 and after.metadata.resource_version == before.metadata.resource_version


# ---- errors, faults, request log ----------------------------------------------------------------

def test_not_found_status_bodies(fake_kube, apis):
    core, apps = apis
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod("x", NS)
    assert err.value.status == 404
    assert _status_body(err.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'pods "x" not found', "reason": "NotFound", "details": {"name": "x", "kind": "pods"},
        "code": 404}
    with pytest.raises(ApiException) as err:
        apps.read_namespaced_deployment("x", NS)
    assert _status_body(err.value)["message"] == 'deployments.apps "x" not found'
    assert _status_body(err.value)["details"] == {"name": "x", "group": "apps", "kind": "deployments"}
    unknown = HTTP.get(f"{fake_kube.url}/api/v1/namespaces/{NS}/widgets")
    assert unknown.status_code == 404 and unknown.json()["reason"] == "NotFound"
    assert HTTP.get(f"{fake_kube.url}/nope").json()["message"] == "the server could not find the requested resource"


def test_injected_403_401_and_500(fake_kube, apis):
    core, apps = apis
    with fake_kube.inject(403, resource="pods", verb="list"):
        with pytest.raises(ApiException) as err:
            core.list_namespaced_pod(NS)
        assert err.value.status == 403
        body = _status_body(err.value)
        assert body["reason"] == "Forbidden"
        assert body["message"] == ('pods is forbidden: User "kubernetes-admin" cannot list resource "pods" in '
                                   'API group "" in the namespace "tiketi"')
        core.read_namespaced_pod(_pod_name(fake_kube, "frontend"), NS)     # other verbs still work
    assert len(core.list_namespaced_pod(NS).items) == 8
    fake_kube.inject(500, method="PATCH", times=1)
    with pytest.raises(ApiException) as err:
        apps.patch_namespaced_deployment("auth-service", NS, RESTART_PATCH)
    assert err.value.status == 500 and _status_body(err.value)["reason"] == "InternalError"
    assert apps.patch_namespaced_deployment("auth-service", NS, RESTART_PATCH).metadata.generation == 2
    fake_kube.inject(401, path=r"/apis/apps/")
    with pytest.raises(ApiException) as err:
        apps.list_namespaced_deployment(NS)
    assert err.value.status == 401
    fake_kube.clear_faults()
    assert len(apps.list_namespaced_deployment(NS).items) == 8


def test_injected_delay_trips_client_timeouts(fake_kube):
    api_client, core, _ = _clients(fake_kube.url, retries=0)
    with api_client:
        pod = _pod_name(fake_kube, "auth-service")
        fake_kube.inject(delay=5.0, resource="pods/log")     # stop() cuts the wait short
        started = time.monotonic()
        with pytest.raises(urllib3.exceptions.HTTPError):      # ReadTimeoutError / MaxRetryError
            # (connect, read): this client version ignores a plain float timeout
            core.read_namespaced_pod_log(pod, NS, previous=True, _request_timeout=(1, 0.2))
        assert time.monotonic() - started < 3.0
        assert core.read_namespaced_pod(pod, NS).metadata.name == pod     # only logs are slow


def test_hang_drop_and_stop(fake_kube):
    url = fake_kube.url + "/api/v1/namespaces/tiketi/pods"
    fake_kube.hang()
    with pytest.raises(httpx.ReadTimeout):
        HTTP.get(url, timeout=0.2)
    fake_kube.resume()
    assert HTTP.get(url, timeout=2).status_code == 200
    fake_kube.inject(drop=True, resource="pods", times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        HTTP.get(url, timeout=2)
    assert [r.status for r in fake_kube.log.find("GET", "pods")][-1] == 0
    fake_kube.hang()
    waiter = threading.Thread(target=lambda: pytest.raises(httpx.HTTPError, HTTP.get, url, timeout=5))
    waiter.start()
    time.sleep(0.1)
    fake_kube.stop()                                       # releases the hung request
    waiter.join(timeout=3)
    assert not waiter.is_alive()


def test_request_log_counts_calls(fake_kube, apis):
    core, apps = apis
    fake_kube.reset_requests()
    for _ in range(3):
        core.list_namespaced_pod(NS)
    pod = _pod_name(fake_kube, "auth-service")
    core.read_namespaced_pod(pod, NS)
    core.read_namespaced_pod_log(pod, NS, previous=True)
    core.read_namespaced_pod_log(pod, NS)
    apps.list_namespaced_deployment(NS, label_selector="app=auth-service")
    assert fake_kube.calls("GET", "pods") == 4
    assert fake_kube.calls(verb="list", resource="pods") == 3
    assert fake_kube.calls(resource="pods/log") == 2
    assert fake_kube.calls("GET", "deployments", namespace=NS) == 1
    assert fake_kube.calls("PATCH") == 0
    (dep,) = fake_kube.log.find(resource="deployments")
    assert dep.query == {"labelSelector": "app=auth-service"} and dep.status == 200 and dep.verb == "list"


# ---- progression modes, watches, concurrency ---------------------------------------------------------

def test_auto_tick_after_reads(fake_kube, apis):
    _, apps = apis
    fake_kube.auto_tick(reads=2)
    apps.patch_namespaced_deployment("auth-service", NS, RESTART_PATCH)
    reads = 0
    while not _complete(apps.read_namespaced_deployment_status("auth-service", NS)):
        reads += 1
        assert reads < 10
    assert fake_kube.cluster.ticks >= 2


def test_auto_tick_on_a_timer(fake_kube, apis):
    _, apps = apis
    fake_kube.auto_tick(seconds=0.02)
    apps.patch_namespaced_deployment("ticket-service", NS, RESTART_PATCH)
    deadline = time.monotonic() + 3
    while not _complete(apps.read_namespaced_deployment_status("ticket-service", NS)):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    fake_kube.auto_tick()


def _complete(deployment) -> bool:
    st = deployment.status
    return (st.observed_generation == deployment.metadata.generation and st.updated_replicas == 1
            and st.replicas == 1 and st.available_replicas == 1)


def test_watch_streams_added_and_modified_events(fake_kube, apis):
    _, apps = apis
    seen = []
    for event in watch.Watch().stream(apps.list_namespaced_deployment, NS, timeout_seconds=10):
        seen.append((event["type"], event["object"].metadata.name))
        if len(seen) == 8:
            apps.patch_namespaced_deployment("stats-service", NS, RESTART_PATCH)
        if event["type"] == "MODIFIED":
            break
    assert [kind for kind, _ in seen[:8]] == ["ADDED"] * 8
    assert seen[8] == ("MODIFIED", "stats-service")


def test_concurrent_reads_during_ticks(fake_kube):
    failures = []

    def reader():
        for _ in range(10):
            response = HTTP.get(f"{fake_kube.url}/api/v1/namespaces/tiketi/pods")
            if response.status_code != 200 or len(response.json()["items"]) < 8:
                failures.append(response.status_code)

    fake_kube.auto_tick(seconds=0.005)
    HTTP.patch(f"{fake_kube.url}/apis/apps/v1/namespaces/{NS}/deployments/backend",
               content=json.dumps({"spec": {"replicas": 3}}), headers={"Content-Type": "application/merge-patch+json"})
    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fake_kube.auto_tick()
    assert failures == []
    assert fake_kube.settle(["backend"]) and len(fake_kube.pods("backend")) == 3


# ---- scenarios ---------------------------------------------------------------------------------------

def _main_status(core, app):
    pod = _pod(core, app)
    return pod, (pod.status.container_statuses or [None])[0]


def _check_image_pull_backoff(core):
    pod, cs = _main_status(core, "payment-service")
    assert cs.state.waiting.reason == "ImagePullBackOff" and cs.image_id == ""
    return pod, {"Failed", "BackOff", "Pulling"}


def _check_err_image_never_pull(core):
    pod, cs = _main_status(core, "stats-service")
    assert cs.state.waiting.reason == "ErrImageNeverPull"
    assert cs.state.waiting.message == 'Container image "tiketi-stats-service:local" is not present with pull policy of Never'
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(pod.metadata.name, NS)
    assert _status_body(err.value)["message"].endswith("is waiting to start: ErrImageNeverPull")
    return pod, {"ErrImageNeverPull", "Failed"}


def _check_oomkilled(core):
    pod, cs = _main_status(core, "stats-service")
    term = cs.last_state.terminated
    assert (term.reason, term.exit_code, cs.restart_count) == ("OOMKilled", 137, 4)
    assert pod.spec.containers[0].resources.limits["memory"] == "128Mi"
    return pod, {"BackOff"}


def _check_pending_unschedulable(core):
    pod, cs = _main_status(core, "payment-service")
    assert pod.status.phase == "Pending" and cs is None and pod.spec.node_name is None
    scheduled = pod.status.conditions[0]
    assert (scheduled.type, scheduled.status, scheduled.reason) == ("PodScheduled", "False", "Unschedulable")
    assert scheduled.message.startswith("0/1 nodes are available: 1 Insufficient memory.")
    return pod, {"FailedScheduling"}


def _check_init_waiting_postgres(core):
    pod, cs = _main_status(core, "auth-service")
    init = pod.status.init_container_statuses[0]
    assert pod.status.phase == "Pending" and init.name == "wait-for-postgres" and init.state.running
    assert cs.state.waiting.reason == "PodInitializing"
    assert "waiting for postgres" in core.read_namespaced_pod_log(pod.metadata.name, NS, container="wait-for-postgres")
    assert core.read_namespaced_endpoints("postgres-service", NS).subsets is None
    return pod, set()


def _check_probe_failure(core):
    pod, cs = _main_status(core, "stats-service")
    assert pod.status.pod_ip == "10.244.0.12" and cs.state.running and not cs.ready and cs.restart_count == 3
    return pod, {"Unhealthy"}


def _crash_check(app, needle, exit_code=1):
    def check(core):
        pod, cs = _main_status(core, app)
        assert cs.state.waiting.reason == "CrashLoopBackOff" and cs.last_state.terminated.exit_code == exit_code
        assert needle in core.read_namespaced_pod_log(pod.metadata.name, NS, previous=True)
        return pod, {"BackOff"}
    return check


def _check_missing_env(core):
    _crash_check("auth-service", "Error: JWT_SECRET environment variable is required")(core)
    pod, cs = _main_status(core, "payment-service")
    assert cs.state.waiting.reason == "CreateContainerConfigError"
    assert cs.state.waiting.message == "couldn't find key TOSS_SECRET_KEY in Secret tiketi/tiketi-secret"
    assert "JWT_SECRET" not in core.read_namespaced_secret("tiketi-secret", NS).data
    return pod, {"Failed"}


def _check_healthy(core):
    pods = core.list_namespaced_pod(NS).items
    assert len(pods) == 8 and all(p.status.container_statuses[0].ready for p in pods)
    return pods[0], set()


SCENARIO_CHECKS = {
    "broken": _crash_check("auth-service", "Cannot find module 'google-auth-library'"),
    "healthy": _check_healthy,
    "image-pull-backoff": _check_image_pull_backoff,
    "err-image-never-pull": _check_err_image_never_pull,
    "oomkilled": _check_oomkilled,
    "pending-unschedulable": _check_pending_unschedulable,
    "init-waiting-postgres": _check_init_waiting_postgres,
    "probe-failure": _check_probe_failure,
    "eaddrinuse": _crash_check("ticket-service", "Error: listen EADDRINUSE: address already in use :::3002"),
    "econnrefused-postgres": _crash_check("payment-service", "Error: connect ECONNREFUSED 10.96.45.12:5432"),
    "missing-env": _check_missing_env,
    "unhandled-rejection": _crash_check("stats-service", "code: 'ERR_UNHANDLED_REJECTION'"),
    "syntax-error": _crash_check("payment-service", "SyntaxError: Unexpected token ')'"),
}


def test_every_scenario_file_is_checked():
    assert {p.stem for p in SCENARIO_DIR.glob("*.yaml")} == set(SCENARIO_CHECKS)


@pytest.mark.parametrize("name", sorted(SCENARIO_CHECKS))
def test_scenario(name):
    with FakeKube(name) as kube:
        api_client, core, _ = _clients(kube.url)
        with api_client:
            pod, reasons = SCENARIO_CHECKS[name](core)
            events = core.list_namespaced_event(NS, field_selector=f"involvedObject.name={pod.metadata.name}").items
            assert reasons <= {e.reason for e in events}
            for event in events:
                if event.reason in ("Unhealthy", "FailedScheduling", "ErrImageNeverPull"):
                    assert event.type == "Warning" and event.count > 1


def test_probe_failure_events_carry_the_probe_message():
    with FakeKube("probe-failure") as kube:
        messages = {e["message"] for e in kube.list("events") if e["reason"] == "Unhealthy"}
    assert ('Readiness probe failed: Get "http://10.244.0.12:3004/health": dial tcp 10.244.0.12:3004: '
            'connect: connection refused') in messages


def test_python_builders():
    scenario = (Scenario(namespace="shop")
                .deployment("api", port=8080, image="shop-api:1.2", replicas=2, previous_images=["shop-api:1.1"])
                .crashlooping("worker", log=nodelogs.missing_env("QUEUE_URL"), restarts=7, service=False)
                .pod("debug", image="busybox:1.36", service=False))
    with FakeKube(scenario) as kube:
        api_client, core, apps = _clients(kube.url)
        with api_client:
            assert kube.namespace == "shop"
            api = apps.read_namespaced_deployment("api", "shop")
            assert api.metadata.annotations["deployment.kubernetes.io/revision"] == "2"
            assert sorted(r.spec.replicas for r in apps.list_namespaced_replica_set("shop", label_selector="app=api").items) == [0, 2]
            worker = core.list_namespaced_pod("shop", label_selector="app=worker").items[0]
            assert worker.status.container_statuses[0].restart_count == 7
            assert "QUEUE_URL" in core.read_namespaced_pod_log(worker.metadata.name, "shop", previous=True)
            debug = core.read_namespaced_pod("debug", "shop")
            assert debug.metadata.owner_references is None and debug.status.phase == "Running"
            assert core.list_namespaced_service("shop").items[0].metadata.name == "api-service"


def test_frozen_clock_is_deterministic():
    start = dt.datetime(2025, 12, 31, 6, 0, tzinfo=dt.timezone.utc)
    first, second = (FakeKube("broken", now=start) for _ in range(2))
    assert first.list("pods") == second.list("pods")
    assert first.get("pods", first.pods("auth-service")[0]["metadata"]["name"])["metadata"]["creationTimestamp"] \
        == "2025-12-31T05:35:01Z"
    first.tick(3)
    assert first.cluster.clock.now() == start + dt.timedelta(seconds=30)


# ---- large namespaces -----------------------------------------------------------------------------------

@pytest.mark.slow  # the point is the size
def test_large_namespace_pages_through_500_pods():
    with FakeKube(large_namespace(500)) as kube:
        api_client, core, apps = _clients(kube.url)
        with api_client:
            names, token = [], None
            while True:
                # Raw JSON: deserialising into models costs ~4 ms a pod in this client version.
                page = json.loads(core.list_namespaced_pod(NS, limit=200, _continue=token,
                                                           _preload_content=False).data)
                names += [p["metadata"]["name"] for p in page["items"]]
                token = page["metadata"].get("continue")
                assert page["metadata"].get("remainingItemCount", 0) == 500 - len(names)
                if not token:
                    break
            assert len(names) == len(set(names)) == 500
            assert kube.calls(verb="list", resource="pods") == 3
            deployments = apps.list_namespaced_deployment(NS).items
            assert len(deployments) == 50
            crashing = [d.metadata.name for d in deployments if not d.status.available_replicas]
            assert crashing == ["worker-0024", "worker-0049"]


@pytest.mark.slow  # the point is the size
def test_large_namespace_generates_5000_pods():
    kube = FakeKube(large_namespace(5000, deployments=250))
    store = kube.cluster.store
    assert (store.count("pods"), store.count("deployments"), store.count("replicasets")) == (5000, 250, 250)
    assert {rs["status"]["replicas"] for rs in store.items("replicasets")} == {20}
    crashing = [d["metadata"]["name"] for d in store.items("deployments") if not d["status"].get("availableReplicas")]
    assert len(crashing) == 10 and crashing[0] == "worker-0024"
