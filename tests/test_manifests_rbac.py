"""The shipped RBAC and CronJob manifests: valid Kubernetes objects, and a role that grants exactly
the reads the live checks make — taken from the code (the snapshot's reads) and from what a whole
live run really asks the API server, never from a copy of the list."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import manifests
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cluster.access import IN_CLUSTER, RBAC_MANIFEST
from tiketi_doctor.cluster.runner import LiveOptions, run_live
from tiketi_doctor.cluster.snapshot import READS

from .fakekube import FakeKube
from .live.support import EXAMPLE, Gateway, live_registry, static_report

READ_VERBS = {"get", "list", "watch"}


def _docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(manifests.path(name).read_text()) if d]


def _all(kind: str) -> list[dict]:
    return [d for name in ("rbac.yaml", "cronjob.yaml") for d in _docs(name) if d["kind"] == kind]


def _one(kind: str) -> dict:
    found = _all(kind)
    assert len(found) == 1, kind
    return found[0]


def _granted() -> set[tuple[str, str, str, str]]:
    """(API group, resource, verb, namespace) for every rule of every role, in the namespace its binding grants it."""
    roles = {r["metadata"]["name"]: r for r in _all("ClusterRole")}
    return {(group, resource, verb, binding["metadata"]["namespace"])
            for binding in _all("RoleBinding") for rule in roles[binding["roleRef"]["name"]]["rules"]
            for group in rule["apiGroups"] for resource in rule["resources"] for verb in rule["verbs"]}


@pytest.mark.parametrize("name", ["rbac.yaml", "cronjob.yaml"])
def test_the_manifests_validate_against_the_kubernetes_schema(name):
    import kubernetes_validate
    from kubernetes_validate import utils

    version = utils.latest_version()
    for doc in _docs(name):
        kubernetes_validate.validate(doc, version, strict=True)  # raises ValidationError with the path


def test_the_schema_validation_can_fail():
    import kubernetes_validate
    from kubernetes_validate import utils

    role = _all("ClusterRole")[0]
    broken = {**role, "rules": [{**role["rules"][0], "verb": ["list"]}]}  # misspelt field
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, utils.latest_version(), strict=True)


def test_the_role_grants_exactly_the_snapshot_reads_and_only_reads():
    assert {(group, resource, verb) for group, resource, verb, _ in _granted()} == {(p.group, p.resource, p.verb) for p in READS}
    assert {verb for _, _, verb, _ in _granted()} <= READ_VERBS


_API_PATH = re.compile(r"^/(?:api/v1|apis/(?P<group>[^/]+)/[^/]+)/")


def test_the_role_grants_what_a_whole_live_run_asks_for(tmp_path: Path):
    """Every live check on the broken example (crash loops, so logs are read too, and an HTTP probe):
    the API requests it sends are the role's rules, no more and no fewer."""
    report = static_report()
    with FakeKube("broken") as kube, Gateway() as gateway:
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="tiketi")
        options = LiveOptions(kubeconfig=str(kubeconfig), port_forward=False, base_urls=[gateway.url])
        outcome = run_live(report, EXAMPLE, find_catalogue(EXAMPLE), live_registry().runnable(["CL"], live=True), options)
        requests = [r for r in kube.requests if _API_PATH.match(r.path)]
    assert outcome.ran and requests
    asked = {(_API_PATH.match(r.path).group("group") or "", r.resource + (f"/{r.subresource}" if r.subresource else ""), r.verb, r.namespace)
             for r in requests}
    assert ("", "pods/log", "get", "tiketi") in asked  # the run did read logs: the comparison covers them
    assert asked == _granted()


def test_the_binding_and_the_cronjob_use_the_read_only_account():
    account = _one("ServiceAccount")["metadata"]
    roles = {r["metadata"]["name"] for r in _all("ClusterRole")}
    bindings = _all("RoleBinding")
    assert {b["roleRef"]["name"] for b in bindings} == roles and len(bindings) == len(roles)
    for binding in bindings:
        assert binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io" and binding["roleRef"]["kind"] == "ClusterRole"
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}]
    pod = _one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["name"]
    command = " ".join(pod["containers"][0]["args"])
    assert "check /work/repo --live" in command and f"--context {IN_CLUSTER}" in command
    assert RBAC_MANIFEST == "manifests/rbac.yaml" and manifests.path("rbac.yaml").is_file()
