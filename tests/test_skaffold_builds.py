"""The build interpreter: Skaffold configs, Makefile recipes, script variables, assumed folders, path variables."""
import shutil
import textwrap
from pathlib import Path

from tiketi_doctor.analysis.builds import inventory
from tiketi_doctor.analysis.imageref import parse_image
from tiketi_doctor.analysis.skaffold import configs, deployed
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

from .conftest import CASES


def _repo(tmp_path: Path, files: dict[str, str]) -> ScanContext:
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(text))
    return ScanContext(RepoView(root), find_catalogue(root))


SKAFFOLD = """\
apiVersion: skaffold/v4beta13
kind: Config
requires:
  - path: services/worker
build:
  local: {push: false}
  artifacts:
    - image: mini-api
      docker: {dockerfile: api/Dockerfile, target: runtime}
    - image: mini-tools
      custom: {buildCommand: ./build.sh}
manifests:
  rawYaml: ["k8s/**/*.yaml"]
profiles:
  - name: old
    deploy:
      kubectl: {manifests: [k8s/api.yaml]}
portForward:
  - {resourceType: service, resourceName: api, port: 3005}
"""
WORKER = """\
apiVersion: skaffold/v2beta29
kind: Config
build:
  artifacts:
    - {image: ghcr.io/org/worker, context: ., docker: {dockerfile: Dockerfile.dev}}
deploy:
  kustomize: {paths: [deploy]}
"""


def test_skaffold_artifacts_manifests_and_requires(tmp_path):
    ctx = _repo(tmp_path, {"skaffold.yaml": SKAFFOLD, "services/worker/skaffold.yaml": WORKER})
    by_path = {c.path: c for c in configs(ctx)}
    main, worker = by_path["skaffold.yaml"], by_path["services/worker/skaffold.yaml"]
    assert [(a.image, a.context, a.builder, a.dockerfile, a.target, a.location.line) for a in main.artifacts] == [
        ("mini-api", ".", "docker", "api/Dockerfile", "runtime", 8),
        ("mini-tools", ".", "custom", None, None, 10),
    ]
    assert worker.artifacts[0].dockerfile == "services/worker/Dockerfile.dev"  # relative to the context
    assert main.requires == ["services/worker/skaffold.yaml"]
    sources = deployed(ctx, main)
    assert [(s.kind, s.path, s.profile) for s in sources] == [
        ("rawYaml", "k8s/**/*.yaml", None), ("rawYaml", "k8s/api.yaml", "old"), ("kustomize", "services/worker/deploy", None),
    ]
    assert sources[0].files(ctx) == ["k8s/00-config.yaml", "k8s/api.yaml", "k8s/web.yaml"]  # `**/` also matches no folder
    assert [(p.resource_name, p.port, p.location.line) for p in main.port_forwards] == [("api", 3005, 19)]
    builds = [(b.dockerfile, b.context, [t.text for t in b.tags], b.origin, b.target) for b in inventory(ctx).builds if b.origin == "skaffold"]
    assert sorted(builds, key=str) == sorted([
        ("api/Dockerfile", ".", ["mini-api"], "skaffold", "runtime"),
        (None, ".", ["mini-tools"], "skaffold", None),
        ("services/worker/Dockerfile.dev", "services/worker", ["ghcr.io/org/worker"], "skaffold", None),
    ], key=str)
    # Skaffold retags and rewrites the manifests: any tag of the artifact's name is built
    assert any(t.matches(parse_image("mini-api:local")) for b in inventory(ctx).builds for t in b.tags)
    loads = sorted(str(a.image) for a in inventory(ctx).loads())
    # push: false, or not said (Skaffold then loads into a local cluster such as kind)
    assert loads == ["ghcr.io/org/worker", "mini-api", "mini-tools"]


def test_makefile_recipes_and_script_variables(tmp_path):
    ctx = _repo(tmp_path, {
        "Makefile": "IMAGE ?= mini-api\nTAG := dev\n\nbuild:\n\t@docker build -t $(IMAGE):$(TAG) -f api/Dockerfile .\n",
        "fluentd/Dockerfile": "FROM fluent/fluentd\n",
        "fluentd/build.sh": '#!/bin/sh\nIMAGE_NAME="org/fluentd:elastic"\n\ndocker build -t "$IMAGE_NAME" .\n',
        "tools/build-all.sh": "for svc in api fluentd; do\n  docker build -t mini-$svc:ci $svc\ndone\ndocker build -t x:$TAG services/$NAME\n",
        "services/a/Dockerfile": "FROM node:20\n",
    })
    builds = [(b.dockerfile, b.context, [t.text for t in b.tags], f"{b.location.path}:{b.location.line}", b.origin) for b in inventory(ctx).builds]
    assert ("api/Dockerfile", ".", ["mini-api:dev"], "Makefile:5", "makefile") in builds
    # run from the repository root, `.` is not its folder: the Dockerfile is next to the script
    assert ("fluentd/Dockerfile", "fluentd", ["org/fluentd:elastic"], "fluentd/build.sh:4", "script") in builds
    assert ("api/Dockerfile", "api", ["mini-api:ci"], "tools/build-all.sh:2", "script") in builds
    # a variable in a path stands for every Dockerfile of that shape
    assert ("services/a/Dockerfile", "services/a", ["x:$TAG"], "tools/build-all.sh:4", "script") in builds
