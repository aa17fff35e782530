"""Deployment targets beyond kind: the catalogue's target, the Git tag edit, the plan per target,
the safety rules (a named context, --yes, GitOps-managed workloads never patched) and Argo CD as the
fake API server plays it. The tests that push real images are in test_registry_heal.py."""
from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.catalogue import CatalogueError, load_catalogue_text
from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE
from .fakekube import FakeKube

runner = CliRunner()
MUTATING = ("PATCH", "POST", "PUT", "DELETE")
APP_IMAGES = ("backend", "auth-service", "ticket-service", "payment-service", "stats-service", "frontend")
OVERLAY = "k8s/overlays/prod/kustomization.yaml"
OVERLAY_TEXT = (
    "# prod: the images Argo CD deploys\r\n"
    "apiVersion: kustomize.config.k8s.io/v1beta1\r\n"
    "kind: Kustomization\r\n"
    "resources:\r\n"
    "  - ../..\r\n"
    "images:\r\n"
    + "".join(f"  - name: tiketi-{name}   # {name}\r\n    newTag: 'local'\r\n" for name in APP_IMAGES)
)
BASE = "k8s/kustomization.yaml"
BASE_TEXT = "resources:\n" + "".join(f"  - {f}\n" for f in (
    "01-configmap.yaml", "02-secret.yaml", "05-backend.yaml", "06-auth-service.yaml", "07-ticket-service.yaml",
    "08-payment-service.yaml", "09-stats-service.yaml", "10-frontend.yaml"))


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    """The fake cluster moves on with each read: poll without the pauses meant for a real one."""
    from tiketi_doctor.cluster import operations

    monkeypatch.setattr(operations, "wait_for_rollout", partial(operations.wait_for_rollout, interval=0.01))
    monkeypatch.setattr(operations, "wait_for_application", partial(operations.wait_for_application, interval=0.01))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def gitops_repo(tmp_path: Path, target: str, context: str = "prod-eks") -> tuple[Path, Path]:
    """The example with a kustomize overlay, a catalogue naming `target`, committed on main and pushed
    to a bare repository beside it (the `origin` Argo CD reads). Returns (checkout, origin)."""
    repo = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, repo)
    (repo / BASE).write_text(BASE_TEXT)
    (repo / OVERLAY).parent.mkdir(parents=True)
    (repo / OVERLAY).write_bytes(OVERLAY_TEXT.encode())
    (repo / "tiketi-doctor.yaml").write_text(
        f"version: 1\nname: tiketi\nextends: tiketi\ncluster: {{context: {context}, namespace: tiketi}}\ntarget: {target}\n")
    (repo / ".gitignore").write_text(".tiketi-doctor/\n")
    git(tmp_path, "init", "--quiet", "-b", "main", str(repo))
    git(repo, "config", "user.email", "heal@example.invalid")
    git(repo, "config", "user.name", "heal test")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "initial")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(repo), str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    return repo, origin


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*")
            if p.is_file() and ".tiketi-doctor" not in p.parts and ".git" not in p.parts}


def mutations(kube) -> list[str]:
    return [f"{r.method} {r.path}" for r in kube.requests if r.method in MUTATING and not r.path.endswith("/portforward")]


def deployment(kube, name: str) -> dict:
    with urllib.request.urlopen(f"{kube.url}/apis/apps/v1/namespaces/tiketi/deployments/{name}") as response:
        return json.loads(response.read())


def image_of(kube, name: str) -> str:
    return deployment(kube, name)["spec"]["template"]["spec"]["containers"][0]["image"]


# -- the catalogue ------------------------------------------------------------------------------------------

CATALOGUE = "version: 1\nname: x\ncomponents: [{name: a, role: service}]\n"


def test_a_catalogue_without_target_deploys_to_kind():
    assert load_catalogue_text(CATALOGUE, "<t>", "file").target.type == "kind"


def test_a_gitops_target_is_read_with_its_defaults():
    target = load_catalogue_text(CATALOGUE + "target: {type: gitops, registry: reg.example.com/t, application: tiketi, overlay: k8s/prod}\n",
                                 "<t>", "file").target
    assert (target.type, target.registry, target.application, target.overlay) == ("gitops", "reg.example.com/t", "tiketi", "k8s/prod")
    assert target.application_namespace == "argocd" and target.values_key == "{component}.image.tag" and target.branch is None


@pytest.mark.parametrize("target, message", [
    ("{type: registry}", "a registry target needs registry"),
    ("{type: gitops, registry: r.io/t, overlay: o}", "a gitops target needs application"),
    ("{type: gitops, registry: r.io/t, application: a}", "exactly one of overlay (kustomize) or values (Helm)"),
    ("{type: gitops, registry: r.io/t, application: a, overlay: o, values: v.yaml}", "exactly one of overlay"),
    ("{type: ecs}", "'ecs' is not one of"),
    ("{type: registry, registry: 'https://r.io'}", "does not match"),
    ("{type: registry, registry: r.io, password: x}", "unknown key"),
])
def test_an_incomplete_target_is_a_catalogue_error(target, message):
    with pytest.raises(CatalogueError) as error:
        load_catalogue_text(CATALOGUE + f"target: {target}\n", "<t>", "file")
    assert message in str(error.value)


# -- the Git edit ---------------------------------------------------------------------------------------------

def _catalogue(target: str):
    text = ("version: 1\nname: x\ncomponents:\n"
            "  - {name: auth-service, role: service, image: 'tiketi-auth-service:local'}\n"
            "  - {name: ticket-service, role: service, image: 'tiketi-ticket-service:local'}\n"
            f"target: {target}\n")
    return load_catalogue_text(text, "<t>", "file")


def test_the_tag_edit_changes_only_the_tag_and_name_and_keeps_crlf_and_comments(tmp_path):
    from tiketi_doctor.heal.gitops import plan_tag_change

    (tmp_path / "ov").mkdir()
    original = ("# keep me\r\nimages:\r\n  - name: tiketi-auth-service   # auth-service\r\n    newName: old.io/x/tiketi-auth-service\r\n"
                "    newTag: \"v1\" # pinned\r\n  - name: tiketi-ticket-service\r\nreplicas: []\r\n")
    (tmp_path / "ov/kustomization.yaml").write_bytes(original.encode())
    change = plan_tag_change(tmp_path, _catalogue("{type: gitops, registry: '127.0.0.1:5000/t', application: a, overlay: ov}"),
                             ["auth-service", "ticket-service"], "abc1234")
    assert change.text == (
        "# keep me\r\nimages:\r\n  - name: tiketi-auth-service   # auth-service\r\n    newName: 127.0.0.1:5000/t/tiketi-auth-service\r\n"
        "    newTag: \"abc1234\" # pinned\r\n  - name: tiketi-ticket-service\r\n    newName: 127.0.0.1:5000/t/tiketi-ticket-service\r\n"
        "    newTag: abc1234\r\nreplicas: []\r\n")
    assert change.original == original


def test_the_tag_edit_of_a_helm_values_file(tmp_path):
    from tiketi_doctor.heal.gitops import plan_tag_change

    original = "auth-service:\n  image:\n    repository: r.io/t/tiketi-auth-service  # where\n    tag: '0.9.1'   # bumped by heal\nother: 1\n"
    (tmp_path / "values-prod.yaml").write_text(original)
    change = plan_tag_change(tmp_path, _catalogue("{type: gitops, registry: r.io/t, application: a, values: values-prod.yaml}"),
                             ["auth-service"], "abc1234")
    assert change.text == original.replace("'0.9.1'", "'abc1234'")


def test_an_overlay_without_the_image_says_what_to_add(tmp_path):
    from tiketi_doctor.heal.gitops import GitOpsError, plan_tag_change

    (tmp_path / "ov").mkdir()
    (tmp_path / "ov/kustomization.yaml").write_text("images:\n  - name: something-else\n    newTag: x\n")
    with pytest.raises(GitOpsError, match="no images: entry for tiketi-auth-service:local"):
        plan_tag_change(tmp_path, _catalogue("{type: gitops, registry: r.io/t, application: a, overlay: ov}"), ["auth-service"], "abc")


# -- plans and safety -------------------------------------------------------------------------------------------

REGISTRY = "{type: registry, registry: registry.example.com/tiketi}"
GITOPS = "{type: gitops, registry: registry.example.com/tiketi, application: tiketi, overlay: k8s/overlays/prod, remote: origin}"


def test_dry_run_prints_the_registry_plan(tmp_path):
    repo, _ = gitops_repo(tmp_path, REGISTRY)
    sha = git(repo, "rev-parse", "--short", "HEAD")
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--dry-run", "--select", "DEP,PORT002", "--kubeconfig", str(config)])
        assert mutations(kube) == []
    out = result.stdout
    assert result.exit_code == 1, out + result.stderr
    assert f"target: registry, images tagged {sha}-td" in out
    assert f"docker push registry.example.com/tiketi/tiketi-auth-service:{sha}-td" in out
    assert f"kubectl set image deployment/auth-service auth-service=registry.example.com/tiketi/tiketi-auth-service:{sha}-td" in out
    assert "kind load" not in out and "dry run: nothing was changed" in out


def test_dry_run_prints_the_gitops_plan_with_the_git_change(tmp_path):
    repo, _ = gitops_repo(tmp_path, GITOPS)
    before = snapshot(repo)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--dry-run", "--select", "DEP,PORT002", "--kubeconfig", str(config)])
        assert mutations(kube) == []
    out = result.stdout
    assert result.exit_code == 1, out + result.stderr
    assert "committed on main" in out and f"Git change ({OVERLAY}):" in out
    assert "+    newName: registry.example.com/tiketi/tiketi-auth-service" in out
    assert f"git switch main && git commit -m 'heal: ...' -- {OVERLAY} services/auth-service/Dockerfile" in out
    assert "git push origin HEAD:main" in out and "argocd app wait tiketi --sync --health" in out
    assert "kubectl set image" not in out and "rollout restart" not in out and "kubectl apply" not in out
    assert snapshot(repo) == before


@pytest.mark.parametrize("target", [REGISTRY, GITOPS])
def test_a_context_beyond_kind_must_be_named_on_the_command_line(tmp_path, target):
    repo, _ = gitops_repo(tmp_path, target)
    before, head = snapshot(repo), git(repo, "rev-parse", "HEAD")
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
        unnamed = runner.invoke(app, ["heal", str(repo), "--yes", "--kubeconfig", str(config)])
        unconfirmed = runner.invoke(app, ["heal", str(repo), "--context", "prod-eks", "--kubeconfig", str(config)])
        assert mutations(kube) == []
    assert unnamed.exit_code == 2 and "Pass --context prod-eks" in unnamed.stderr
    assert unconfirmed.exit_code == 2 and "not confirmed" in unconfirmed.stderr
    assert "steps (" in unconfirmed.stdout  # the plan was shown before the question
    assert snapshot(repo) == before and git(repo, "rev-parse", "HEAD") == head


@pytest.mark.parametrize("by", ["annotation", "label"])
def test_a_gitops_managed_workload_is_never_patched(tmp_path, by):
    """A kind heal finds ticket-service deployed by Argo CD: it says so and proposes the Git change."""
    repo = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, repo)
    before = snapshot(repo)
    with FakeKube("broken") as kube:
        kube.argo_application("tiketi", str(tmp_path / "nowhere.git"), "k8s", deployments=["ticket-service"], by=by)
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "PORT003", "--kubeconfig", str(config)])
        assert mutations(kube) == []
    assert result.exit_code == 2, result.stdout
    assert "deployment/ticket-service is managed by the Argo CD Application 'tiketi'" in result.stderr
    assert "never patched directly" in result.stderr and "target: {type: gitops" in result.stderr
    assert snapshot(repo) == before


def test_operations_refuse_to_patch_a_gitops_managed_deployment():
    from tiketi_doctor.cluster import operations
    from tiketi_doctor.cluster.access import ClusterTarget, connect

    with FakeKube("healthy") as kube, pytest.MonkeyPatch.context():
        kube.argo_application("tiketi", "/nowhere", "k8s", deployments=["auth-service"])
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            config = kube.write_kubeconfig(Path(folder) / "kubeconfig", context="kind-tiketi-local", namespace="tiketi")
            with connect(ClusterTarget("kind-tiketi-local", "tiketi", str(config))) as session:
                for call in (lambda: operations.rollout_restart(session, "auth-service", allow_mutation=True),
                             lambda: operations.set_image(session, "auth-service", "auth-service", "x:1", allow_mutation=True)):
                    with pytest.raises(operations.GitOpsManaged, match="managed by the Argo CD Application 'tiketi'"):
                        call()
        assert mutations(kube) == []


# -- Argo CD in the fake API server, and a GitOps heal that needs no image --------------------------------------------

def test_the_fake_argo_cd_follows_git(tmp_path):
    from tiketi_doctor.cluster import operations
    from tiketi_doctor.cluster.access import ClusterTarget, connect

    repo, origin = gitops_repo(tmp_path, GITOPS)
    with FakeKube("healthy") as kube:
        kube.argo_application("tiketi", str(origin), "k8s/overlays/prod", deployments=list(APP_IMAGES), target_revision="main")
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
        with connect(ClusterTarget("prod-eks", "tiketi", str(config))) as session:
            read = lambda: operations.get_application(session, "tiketi", "argocd")["status"]
            kube.tick()
            assert read()["sync"]["status"] == "OutOfSync"
            kube.tick()
            status = read()
            assert (status["sync"]["status"], status["health"]["status"]) == ("Synced", "Healthy")
            assert status["sync"]["revision"] == git(origin, "rev-parse", "main")
            text = (repo / OVERLAY).read_bytes().replace(b"tiketi-auth-service   # auth-service\r\n    newTag: 'local'",
                                                         b"tiketi-auth-service   # auth-service\r\n    newName: r.io/t/auth\r\n    newTag: 'abc'")
            (repo / OVERLAY).write_bytes(text)
            git(repo, "commit", "--quiet", "-am", "tag")
            git(repo, "push", "--quiet", "origin", "main")
            kube.tick()
            assert read()["sync"]["status"] == "OutOfSync"
            kube.tick()
            status = read()
            assert status["sync"] == status["sync"] | {"status": "Synced", "revision": git(origin, "rev-parse", "main")}
            assert image_of(kube, "auth-service") == "r.io/t/auth:abc"
            assert status["health"]["status"] == "Progressing"  # the new pods are not ready yet
            kube.settle()
            kube.tick()
            assert read()["health"]["status"] == "Healthy"
            git(repo, "revert", "--no-edit", "HEAD")  # the overlay renders the base image again
            git(repo, "push", "--quiet", "origin", "main")
            kube.tick(2)
            assert read()["sync"]["revision"] == git(origin, "rev-parse", "main")
            assert image_of(kube, "auth-service") == "tiketi-auth-service:local"


def test_a_gitops_heal_whose_verification_fails_is_reverted_in_git_and_synced_back(tmp_path):
    """The manifest fix is committed and pushed; Argo CD syncs it, ticket-service still crashes:
    a revert commit is pushed, Argo CD syncs back to it, and the checkout is as it was."""
    repo, origin = gitops_repo(tmp_path, GITOPS.replace("registry.example.com/tiketi", "127.0.0.1:1/tiketi"))
    before, head = snapshot(repo), git(repo, "rev-parse", "HEAD")
    with FakeKube("broken") as kube:
        kube.argo_application("tiketi", str(origin), "k8s/overlays/prod", deployments=list(APP_IMAGES), target_revision="main")
        kube.tick(2)
        kube.auto_tick(reads=2)
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
        result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "PORT003", "--context", "prod-eks", "--kubeconfig", str(config)])
        direct = [m for m in mutations(kube)]
        status = kube.get("applications", "tiketi", namespace="argocd")["status"]
    out = result.stdout
    assert result.exit_code == 1, out + result.stderr
    assert "✔ commit" in out and "✖ sync" in out and "rolling back" in out and "revert commit" in out
    assert direct == []  # nothing was patched in the cluster: Git changed, Argo CD followed
    log = git(repo, "log", "--format=%s", "main").splitlines()
    assert log[0].startswith('Revert "heal:') and log[1].startswith("heal:") and log[2] == "initial"
    assert git(origin, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")  # both commits pushed
    assert git(repo, "diff", head, "HEAD") == ""  # the tree is the one before the heal
    assert snapshot(repo) == before
    assert status["sync"]["status"] == "Synced" and status["sync"]["revision"] == git(repo, "rev-parse", "HEAD")


@pytest.mark.parametrize("command", ["rebuild", "redeploy"])
def test_rebuild_and_redeploy_stay_kind_commands(tmp_path, command):
    repo, _ = gitops_repo(tmp_path, GITOPS)
    with FakeKube("broken") as kube:
        config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
        result = runner.invoke(app, [command, "auth-service", "--repo", str(repo), "--yes", "--context", "prod-eks",
                                     "--kubeconfig", str(config)])
        assert mutations(kube) == []
    assert result.exit_code == 2 and "the catalogue's target is gitops: use heal" in result.stderr
