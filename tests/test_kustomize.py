"""kustomize rendering: the built-in reader always; `kubectl kustomize` only when asked (--kubectl-kustomize) — same facts."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from tiketi_doctor.analysis.environments import environments, main_container, workload_in
from tiketi_doctor.analysis.kustomize import kubectl_available, leaves, render
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

from .conftest import CASES

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")

FILES = {
    "k8s/base/kustomization.yaml": """\
        resources:
          - app.yaml
        configMapGenerator:
          - name: api-config
            literals:
              - API_URL=http://api:3005
        """,
    "k8s/base/app.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              containers:
                - name: api
                  image: mini-api
                  envFrom:
                    - configMapRef: {name: api-config}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: api
        spec:
          selector: {app: api}
          ports: [{port: 3005}]
        """,
    "k8s/overlays/dev/kustomization.yaml": """\
        resources:
          - ../../base
        namespace: mini-dev
        namePrefix: dev-
        labels:
          - pairs: {env: dev}
            includeSelectors: true
        images:
          - name: mini-api
            newTag: local
        patches:
          - path: pull-policy.yaml
          - target: {kind: Deployment, name: api}
            patch: |-
              - op: add
                path: /spec/template/spec/containers/0/env
                value: [{name: LOG_LEVEL, value: debug}]
        configMapGenerator:
          - name: api-config
            behavior: merge
            literals:
              - LOG_LEVEL=debug
        """,
    "k8s/overlays/dev/pull-policy.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          template:
            spec:
              containers:
                - name: api
                  imagePullPolicy: Never
        """,
    "k8s/overlays/prod/kustomization.yaml": """\
        resources:
          - ../../base
        images:
          - name: mini-api
            newName: registry.example.com/mini/api
            newTag: "1.4"
        """,
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    shutil.rmtree(root / "k8s")
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    catalogue = (root / "tiketi-doctor.yaml").read_text().replace("manifests: [k8s/api.yaml]", "manifests: [k8s/base/app.yaml]")
    (root / "tiketi-doctor.yaml").write_text(catalogue)
    return root


@pytest.fixture
def without_kubectl(monkeypatch):
    """PATH without the folder that holds kubectl: the reader renders."""
    folders = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "kubectl").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(folders))
    assert not kubectl_available()


def _facts(root: Path, kubectl: bool = False) -> dict:
    catalogue = find_catalogue(root)
    catalogue.kubectl_kustomize = kubectl
    ctx = ScanContext(RepoView(root), catalogue)
    component = ctx.catalogue.component("api")
    facts = {}
    for env in environments(ctx):
        placed = workload_in(ctx, env, component)
        if placed is None:
            facts[env.name] = None
            continue
        path, container = main_container(placed, component)
        config = next(o for o in env.of_kind("ConfigMap"))
        service = env.find("Service", placed.name)
        facts[env.name] = {
            "renderer": env.renderer,
            "workload": (placed.name, placed.namespace),
            "image": (container.get("image"), str(placed.at(path + ("image",)))),
            "policy": (container.get("imagePullPolicy"), str(placed.at(path + ("imagePullPolicy",)))),
            "env": container.get("env"),
            "selector": placed.get("spec", "selector", "matchLabels"),
            "template": placed.get("spec", "template", "metadata", "labels"),
            "service_selector": service.get("spec", "selector") if service else None,
            "config": (config.display_name, dict(config.get("data")), [str(config.at(("data", k))) for k in sorted(config.get("data"))]),
            "config_ref": container["envFrom"][0]["configMapRef"]["name"] == config.name,
        }
    return facts


EXPECTED = {
    "manifests": None,  # every manifest is deployed through an overlay
    "k8s/overlays/dev": {
        "workload": ("dev-api", "mini-dev"),
        "image": ("mini-api:local", "k8s/overlays/dev/kustomization.yaml:9:11"),
        "policy": ("Never", "k8s/overlays/dev/pull-policy.yaml:10:28"),
        "env": [{"name": "LOG_LEVEL", "value": "debug"}],
        "selector": {"app": "api", "env": "dev"},
        "template": {"app": "api", "env": "dev"},
        "service_selector": {"app": "api", "env": "dev"},
        "config": (
            "dev-api-config",
            {"API_URL": "http://api:3005", "LOG_LEVEL": "debug"},
            ["k8s/base/kustomization.yaml:6:9", "k8s/overlays/dev/kustomization.yaml:22:9"],
        ),
        "config_ref": True,
    },
    "k8s/overlays/prod": {
        "workload": ("api", None),
        "image": ("registry.example.com/mini/api:1.4", "k8s/overlays/prod/kustomization.yaml:4:11"),
        "policy": (None, "k8s/base/app.yaml:13"),
        "env": None,
        "selector": {"app": "api"},
        "template": {"app": "api"},
        "service_selector": {"app": "api"},
        "config": ("api-config", {"API_URL": "http://api:3005"}, ["k8s/base/kustomization.yaml:6:9"]),
        "config_ref": True,
    },
}


def _without_renderer(facts: dict) -> dict:
    return {name: ({k: v for k, v in f.items() if k != "renderer"} if f else f) for name, f in facts.items()}


@pytest.mark.slow  # runs kubectl
@needs_kubectl
def test_kubectl_renders_the_overlays_and_keeps_source_lines(repo):
    facts = _facts(repo, kubectl=True)
    assert {f["renderer"] for f in facts.values() if f} == {"kubectl"}
    assert _without_renderer(facts) == EXPECTED


def test_the_reader_renders_the_same_without_kubectl(repo, without_kubectl):
    facts = _facts(repo)
    assert {f["renderer"] for f in facts.values() if f} == {"reader"}
    assert _without_renderer(facts) == EXPECTED


def test_only_applied_kustomizations_are_environments(repo):
    ctx = ScanContext(RepoView(repo), find_catalogue(repo))
    assert [k.folder for k in leaves(ctx)] == ["k8s/overlays/dev", "k8s/overlays/prod"]
    assert [e.name for e in environments(ctx)] == ["manifests", "k8s/overlays/dev", "k8s/overlays/prod"]


def _problems(root: Path, kubectl: bool = False) -> list[tuple[str, int | None, str]]:
    catalogue = find_catalogue(root)
    catalogue.kubectl_kustomize = kubectl
    ctx = ScanContext(RepoView(root), catalogue)
    found = []
    for k in leaves(ctx):
        found += [(where.path, where.line, message) for message, where in render(ctx, k).problems]
    return found


BROKEN = """\
    resources:
      - ../../base
      - ../../base/app.yaml
      - missing.yaml
    patches:
      - path: ../../base/app.yaml
    namePrefx: x-
    """


def test_the_reader_names_what_kustomize_refuses(repo, without_kubectl):
    (repo / "k8s/overlays/prod/kustomization.yaml").write_text(textwrap.dedent(BROKEN))
    problems = _problems(repo)
    assert [(path, line) for path, line, _ in problems] == [
        ("k8s/overlays/prod/kustomization.yaml", 7),
        ("k8s/overlays/prod/kustomization.yaml", 3),
        ("k8s/overlays/prod/kustomization.yaml", 4),
        ("k8s/overlays/prod/kustomization.yaml", 6),
    ]
    messages = " | ".join(m for _, _, m in problems)
    assert "unknown field 'namePrefx'" in messages and "outside the kustomization's folder" in messages
    assert "missing.yaml does not exist" in messages and "patch ../../base/app.yaml is outside" in messages


@pytest.mark.slow  # runs kubectl
@needs_kubectl
def test_a_failure_only_kubectl_sees_is_reported_without_its_log_prefix(repo):
    (repo / "k8s/overlays/prod/kustomization.yaml").write_text("resources:\n  - ../../base\nimages:\n  - name: mini-api\n    newTag: [1, 2]\n")
    problems = _problems(repo, kubectl=True)
    assert len(problems) == 1
    path, line, message = problems[0]
    assert (path, line) == ("k8s/overlays/prod/kustomization.yaml", 1)
    assert message.startswith("`kubectl kustomize k8s/overlays/prod` fails: ")
    assert str(repo) not in message and "run.go" not in message and "E1" not in message.split(": ", 1)[1][:3]


def test_a_base_that_contains_its_overlay_is_a_cycle(repo, without_kubectl):
    (repo / "k8s/kustomization.yaml").write_text("resources:\n  - base/app.yaml\n")
    (repo / "k8s/overlays/prod/kustomization.yaml").write_text("resources:\n  - ../..\n")
    problems = _problems(repo)
    assert any("contains this kustomization" in m for _, _, m in problems)


FAKE_KUBECTL = """#!/bin/sh
echo "$@" >> "{log}"
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: only-kubectl-renders-this\\n'
"""


def _report(root: Path, kubectl: bool = False) -> list[tuple]:
    from tiketi_doctor.engine import scan
    from tiketi_doctor.registry import load_registry

    catalogue = find_catalogue(root)
    catalogue.kubectl_kustomize = kubectl
    report = scan(root, catalogue, load_registry().runnable())
    return [(f.code, str(f.location), f.message, sorted(f.evidence.items(), key=str)) for f in report.findings]


def test_results_do_not_depend_on_kubectl_on_path(repo, tmp_path, monkeypatch):
    """Without the opt-in, kubectl on PATH is never run: the same findings, evidence included."""
    bin_dir, log = tmp_path / "bin", tmp_path / "kubectl.log"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL.format(log=log))
    (bin_dir / "kubectl").chmod(0o755)
    others = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "kubectl").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(others))
    without = _report(repo)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), *others]))
    assert kubectl_available()
    assert _report(repo) == without
    assert not log.exists()
    # The opt-in does run it (here a fake whose rendering differs, so the cross-check shows).
    catalogue = find_catalogue(repo)
    catalogue.kubectl_kustomize = True
    ctx = ScanContext(RepoView(repo), catalogue)
    rendered = {k.folder: (render(ctx, k).renderer, [o.name for o in render(ctx, k).objects]) for k in leaves(ctx)}
    assert rendered["k8s/overlays/prod"] == ("kubectl", ["only-kubectl-renders-this"])
    assert log.read_text().split()[0] == "kustomize"
