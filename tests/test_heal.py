"""heal: plan-only runs, safety, rollback on failed verification, and the whole loop with real Docker.

The Kubernetes side is the fake API server (tests/fakekube); images are built by the real engine and
loaded into a real containerd running in a kind-style node container.
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE
from .dockersupport import docker_client, node_base_image  # noqa: F401  (fixtures)
from .fakekube import FakeKube

runner = CliRunner()
MUTATING = ("PATCH", "POST", "PUT", "DELETE")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    """The fake cluster moves on with each read, not with time: poll without the 2 s pauses meant for a real one."""
    from functools import partial

    from tiketi_doctor.cluster import operations

    monkeypatch.setattr(operations, "wait_for_rollout", partial(operations.wait_for_rollout, interval=0.01))


def _copy(tmp_path: Path) -> Path:
    repo = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, repo)
    return repo


def _snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".tiketi-doctor" not in p.parts}


def _mutations(kube) -> list[str]:
    # A port-forward is a POST to pods/portforward (the live HTTP probes open them) but changes nothing.
    return [f"{r.method} {r.path}" for r in kube.requests if r.method in MUTATING and not r.path.endswith("/portforward")]


def test_dry_run_shows_the_plan_and_changes_nothing(tmp_path):
    repo = _copy(tmp_path)
    before = _snapshot(repo)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--dry-run", "--kubeconfig", str(config)])
        assert _mutations(kube) == []
    assert result.exit_code == 1, result.stdout
    out = result.stdout
    assert "docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile ." in out
    assert "kind load docker-image tiketi-auth-service:local --name tiketi-local" in out
    assert "kubectl apply -f k8s/07-ticket-service.yaml" in out
    assert "kubectl rollout status deployment/ticket-service -n tiketi" in out
    assert "dry run: nothing was changed" in out
    assert _snapshot(repo) == before


def test_refuses_a_context_that_is_not_kind(tmp_path):
    repo = _copy(tmp_path)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi",
                                       extra_contexts={"prod-eks": None})
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--kubeconfig", str(config), "--context", "prod-eks"])
        assert _mutations(kube) == []
    assert result.exit_code == 2 and "not a kind cluster" in result.stderr and "--allow-context prod-eks" in result.stderr


def test_not_confirmed_without_a_terminal_changes_nothing(tmp_path):
    repo = _copy(tmp_path)
    before = _snapshot(repo)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--select", "PORT003", "--kubeconfig", str(config)])
        assert _mutations(kube) == []
    assert result.exit_code == 2 and "not confirmed" in result.stderr
    assert _snapshot(repo) == before


def test_failed_verification_rolls_back_the_cluster_and_the_files(tmp_path):
    """ticket-service's manifest is fixed, but its new pods still crash: everything is put back."""
    repo = _copy(tmp_path)
    before = _snapshot(repo)
    with FakeKube("broken") as kube:
        kube.set_behaviour("ticket-service", "same")  # the new pods crash like the old ones
        kube.auto_tick(reads=2)
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
        original_spec = kube_deployment(kube, "ticket-service")
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "PORT003", "--kubeconfig", str(config)])
        restored_spec = kube_deployment(kube, "ticket-service")
    assert result.exit_code == 1, result.stdout
    assert "apply" in result.stdout and "rolling back" in result.stdout and "was rolled back" in result.stdout
    assert _snapshot(repo) == before  # files restored byte for byte
    ports = lambda spec: [p["containerPort"] for c in spec["template"]["spec"]["containers"] for p in c.get("ports", [])]
    assert ports(restored_spec) == ports(original_spec)  # what ran before the heal runs again


def kube_deployment(kube, name: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{kube.url}/apis/apps/v1/namespaces/tiketi/deployments/{name}") as response:
        return json.loads(response.read())["spec"]


@pytest.mark.usefixtures("node_base_image")
def test_heal_end_to_end_with_real_images(tmp_path, docker_client):
    """The report's broken state to verified healthy: every seed finding fixed, images rebuilt and loaded."""
    from .dockersupport import kind_node, remove_images

    cluster = f"tiketi-heal-{uuid.uuid4().hex[:8]}"
    repo = _copy(tmp_path)
    # The example's own catalogue, pointed at this test's kind cluster (the node container below).
    (repo / "tiketi-doctor.yaml").write_text(
        f"version: 1\nname: tiketi\nextends: tiketi\ncluster: {{kind_cluster: {cluster}, context: kind-{cluster}}}\n"
    )
    report = tmp_path / "report.md"
    with FakeKube("broken", kind_cluster=cluster) as kube, kind_node(docker_client, cluster) as node:
        kube.auto_tick(reads=2)
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context=f"kind-{cluster}", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--kubeconfig", str(config), "--report", str(report)])
        assert result.exit_code == 0, result.stdout + result.stderr
        images = {}
        for name in ("auth-service", "ticket-service", "payment-service", "stats-service", "backend", "frontend"):
            images[name] = kube_deployment(kube, name)["template"]["spec"]["containers"][0]["image"]
        code, listing = node.exec_run(["ctr", "-n", "k8s.io", "images", "ls", "-q"])
        after = runner.invoke(app, ["check", str(repo), "--live", "--kubeconfig", str(config), "--format", "json"])
    try:
        out = result.stdout
        assert "healed and verified" in out
        for name, image in images.items():  # each changed image was rebuilt and the Deployment runs that build
            assert image.startswith(f"tiketi-{name}:td-"), (name, image)
        loaded = listing.decode()
        for image in images.values():
            assert f"docker.io/library/{image}" in loaded  # in the node's containerd
            assert f"docker.io/library/{image.split(':')[0]}:local" in loaded  # and the catalogue tag, after verification
        assert after.exit_code == 0 and '"findings": []' in after.stdout  # nothing left, statically or live
        text = report.read_text()
        assert "verified" in text and "docker build -t tiketi-auth-service:local" in text
    finally:
        remove_images(docker_client, *images.values())


def test_an_interrupt_is_reported_and_rolled_back(tmp_path, monkeypatch):
    from tiketi_doctor.cluster import operations

    repo = _copy(tmp_path)
    before = _snapshot(repo)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(operations, "wait_for_rollout", interrupted)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
        original = kube_deployment(kube, "ticket-service")
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "PORT003", "--kubeconfig", str(config)])
        restored = kube_deployment(kube, "ticket-service")
    assert result.exit_code == 130, result.stdout
    assert "interrupted during: kubectl rollout status deployment/ticket-service" in result.stdout
    assert "rolled back" in result.stdout
    assert _snapshot(repo) == before
    assert restored["template"]["spec"]["containers"][0]["ports"] == original["template"]["spec"]["containers"][0]["ports"]


@pytest.mark.usefixtures("node_base_image")
def test_a_failing_build_shows_its_step_and_log_tail_and_rolls_back(tmp_path, docker_client):
    repo = _copy(tmp_path)
    dockerfile = repo / "services/auth-service/Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("WORKDIR /app\n", "WORKDIR /app\nRUN echo 'no disk left' >&2 && exit 3\n", 1))
    before = _snapshot(repo)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "DEP,PORT002", "--kubeconfig", str(config)])
        assert _mutations(kube) == []  # the build failed before anything reached the cluster
    out = result.stdout
    assert result.exit_code == 1, out
    assert "✖ build" in out and "RUN echo 'no disk left' >&2 && exit 3" in out and "no disk left" in out
    assert "rolled back" in out and _snapshot(repo) == before


@pytest.mark.parametrize("command", [["heal", "{repo}", "--yes"], ["redeploy", "auth-service", "--repo", "{repo}", "--yes"],
                                     ["rebuild", "auth-service", "--repo", "{repo}", "--yes"]])
def test_a_context_only_named_kind_is_refused_with_the_reason(tmp_path, command):
    """kind-prod-eu1 is a name anyone can give a context; the cluster behind it is not kind-prod-eu1."""
    repo = _copy(tmp_path)
    before = _snapshot(repo)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi",
                                       extra_contexts={"kind-prod-eu1": None})
        args = [arg.format(repo=repo) for arg in command] + ["--kubeconfig", str(config), "--context", "kind-prod-eu1"]
        result = runner.invoke(app, args)
        assert _mutations(kube) == []
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "belongs to kind cluster 'tiketi-local', not 'prod-eu1'" in result.stderr
    assert "--allow-context kind-prod-eu1" in result.stderr
    assert _snapshot(repo) == before
