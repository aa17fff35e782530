"""`init` discovers the deployment target: an Argo CD Application in the repository -> gitops with the
overlay it tracks, a kustomize images: entry naming a registry -> registry, else kind (written as nothing)."""
from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE

runner = CliRunner()
BASE = "resources:\n  - 05-backend.yaml\n  - 06-auth-service.yaml\n"
OVERLAY = ("resources:\n  - ../..\nimages:\n  - name: tiketi-auth-service\n    newName: registry.example.io/tiketi/tiketi-auth-service\n"
           "    newTag: '1.4.2'\n")
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: tiketi-prod
  namespace: argo
spec:
  project: default
  source:
    repoURL: https://git.example.io/tiketi/tiketi.git
    path: k8s/overlays/prod
    targetRevision: release
  destination:
    server: https://kubernetes.default.svc
    namespace: tiketi
"""


def _repo(tmp_path: Path, overlay: str | None = OVERLAY, application: str | None = APPLICATION) -> Path:
    repo = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, repo)
    if overlay is not None:
        (repo / "k8s/kustomization.yaml").write_text(BASE)
        (repo / "k8s/overlays/prod").mkdir(parents=True)
        (repo / "k8s/overlays/prod/kustomization.yaml").write_text(overlay)
    if application is not None:
        (repo / "argocd").mkdir()
        (repo / "argocd/tiketi-prod.yaml").write_text(application)
    return repo


def _init(repo: Path):
    result = runner.invoke(app, ["init", str(repo)])
    assert result.exit_code == 0, result.output
    return (repo / "tiketi-doctor.yaml").read_text(encoding="utf-8"), find_catalogue(repo)


def test_an_argo_cd_application_makes_a_gitops_target_with_the_overlay_it_tracks(tmp_path):
    text, catalogue = _init(_repo(tmp_path))
    target = catalogue.target
    assert (target.type, target.application, target.application_namespace, target.overlay, target.branch, target.registry) == (
        "gitops", "tiketi-prod", "argo", "k8s/overlays/prod", "release", "registry.example.io/tiketi")
    assert "target:  # argocd/tiketi-prod.yaml:4 (Argo CD Application tiketi-prod)" in text
    assert "# check: cluster.context is the context of the cluster Argo CD deploys to" in text


def test_a_registry_in_an_overlay_without_argo_cd_makes_a_registry_target(tmp_path):
    text, catalogue = _init(_repo(tmp_path, application=None))
    assert (catalogue.target.type, catalogue.target.registry) == ("registry", "registry.example.io/tiketi")
    assert "target:  # k8s/overlays/prod/kustomization.yaml (images: newName registry.example.io/tiketi/tiketi-auth-service)" in text


def test_nothing_beyond_kind_writes_no_target(tmp_path):
    text, catalogue = _init(_repo(tmp_path, overlay=None, application=None))
    assert catalogue.target.type == "kind" and "target:" not in text


def test_an_application_without_a_registry_stays_kind_and_says_what_to_add(tmp_path):
    overlay = "resources:\n  - ../..\nimages:\n  - name: tiketi-auth-service\n    newTag: '1.4.2'\n"
    text, catalogue = _init(_repo(tmp_path, overlay=overlay))
    assert catalogue.target.type == "kind" and "\ntarget:" not in text
    assert "# check: Argo CD Application tiketi-prod deploys k8s/overlays/prod, but no image in the repository names a registry" in text


def test_an_application_of_a_chart_repository_is_not_a_target_in_this_repository(tmp_path):
    chart = APPLICATION.replace("    path: k8s/overlays/prod\n", "    chart: tiketi\n")
    text, catalogue = _init(_repo(tmp_path, application=chart))
    assert catalogue.target.type == "registry"  # the overlay's registry still stands
