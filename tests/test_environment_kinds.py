"""Each environment knows what it is: a kustomize overlay is never taken for a Helm chart."""
from __future__ import annotations

from pathlib import Path

from tiketi_doctor.analysis.environments import environments
from tiketi_doctor.catalogue import Catalogue, Cluster
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: api}]
"""


def test_overlay_and_chart_environments_describe_themselves(tmp_path: Path) -> None:
    files = {
        "deploy/base/api.yaml": DEPLOYMENT,
        "deploy/base/kustomization.yaml": "resources: [api.yaml]\n",
        "deploy/overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
        "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        "chart/values.yaml": "image: api\n",
        "chart/templates/api.yaml": DEPLOYMENT.replace("image: api", "image: {{ .Values.image }}"),
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    catalogue = Catalogue(name="t", components=[], cluster=Cluster())
    ctx = ScanContext(RepoView(tmp_path), catalogue)
    by_name = {env.name: env for env in environments(ctx)}
    overlay = by_name["deploy/overlays/prod"]
    assert overlay.chart is None and overlay.rendering is not None
    assert overlay.describe() == "the kustomization deploy/overlays/prod"
    assert by_name["chart"].describe() == "the Helm chart chart"
