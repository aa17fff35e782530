"""How the repository builds, tags, pushes and loads images: scripts, guides, workflows and compose."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from tiketi_doctor.analysis.builds import inventory
from tiketi_doctor.analysis.imageref import parse_image
from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

from .conftest import CASES, EXAMPLE


def _ctx(root: Path) -> ScanContext:
    return ScanContext(RepoView(root), find_catalogue(root))


def _builds(ctx: ScanContext) -> list[tuple]:
    return [(b.dockerfile, b.context, [t.text for t in b.tags], f"{b.location.path}:{b.location.line}", b.origin, b.push, b.unknown_tags) for b in inventory(ctx).builds]


def test_the_example_builds_every_image_from_the_root_and_loads_it():
    ctx = ScanContext(RepoView(EXAMPLE), load_builtin("tiketi"))
    builds = _builds(ctx)
    script = [b for b in builds if b[3].startswith("scripts/build-and-load.sh")]
    assert [(b[0], b[1], b[2]) for b in script] == [
        ("backend/Dockerfile", ".", ["tiketi-backend:local"]),
        ("services/auth-service/Dockerfile", ".", ["tiketi-auth-service:local"]),
        ("services/ticket-service/Dockerfile", ".", ["tiketi-ticket-service:local"]),
        ("services/payment-service/Dockerfile", ".", ["tiketi-payment-service:local"]),
        ("services/stats-service/Dockerfile", ".", ["tiketi-stats-service:local"]),
        ("frontend/Dockerfile", ".", ["tiketi-frontend:local"]),
    ]
    # README's code block, run from the root; the PowerShell loop's `$image.Name` cannot be followed
    assert ("services/auth-service/Dockerfile", ".", ["tiketi-auth-service:local"], "README.md:59", "guide", False, False) in builds
    assert (None, ".", [], "scripts/setup-tiketi.ps1:31", "script", False, True) in builds
    loads = [(str(a.image), a.cluster) for a in inventory(ctx).loads()]
    assert ("tiketi-frontend:local", "tiketi-local") in loads and len(loads) == 7


SCRIPT = r"""#!/usr/bin/env bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REGISTRY=${REGISTRY:-localhost:5001}
TAG="${TAG:-dev}"
cd "$ROOT"
for svc in auth ticket; do
  DOCKER_BUILDKIT=1 docker build \
    -t "$REGISTRY/tiketi-$svc:$TAG" \
    -f services/$svc/Dockerfile services/$svc
  docker push "$REGISTRY/tiketi-$svc:$TAG"
done
docker buildx build --push -t ghcr.io/org/web:$(git rev-parse --short HEAD) -f web/Dockerfile .
docker tag localhost:5001/tiketi-auth:dev tiketi-auth:local
cd services/auth && docker build -t auth-local .
kind load docker-image tiketi-auth:local auth-local --name=tiketi-local
"""

WORKFLOW = """\
name: images
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: |
            ghcr.io/org/api
      - uses: docker/build-push-action@v6
        with:
          context: ./api
          push: ${{ github.event_name != 'pull_request' }}
          tags: ${{ steps.meta.outputs.tags }}
      - name: local build
        working-directory: web
        run: |
          echo building
          docker build -t web:ci .
"""

COMPOSE = """\
services:
  api:
    build: ./api
    image: mini-api:compose
  web:
    build:
      context: .
      dockerfile: web/Dockerfile
"""


def test_scripts_workflows_and_compose(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / "scripts" / "build.sh").write_text(SCRIPT)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "images.yml").write_text(WORKFLOW)
    (root / "docker-compose.yml").write_text(COMPOSE)
    ctx = _ctx(root)
    assert _builds(ctx) == [
        ("services/auth/Dockerfile", "services/auth", ["localhost:5001/tiketi-auth:dev"], "scripts/build.sh:8", "script", False, False),
        ("services/ticket/Dockerfile", "services/ticket", ["localhost:5001/tiketi-ticket:dev"], "scripts/build.sh:8", "script", False, False),
        ("web/Dockerfile", ".", ["ghcr.io/org/web:$(…)"], "scripts/build.sh:13", "script", True, False),
        ("services/auth/Dockerfile", "services/auth", ["auth-local"], "scripts/build.sh:15", "script", False, False),
        ("api/Dockerfile", "api", ["ghcr.io/org/api:${{ tag }}"], ".github/workflows/images.yml:13", "workflow", True, False),
        ("web/Dockerfile", "web", ["web:ci"], ".github/workflows/images.yml:22", "workflow", False, False),
        ("api/Dockerfile", "api", ["mini-api:compose"], "docker-compose.yml:3", "compose", False, False),
        ("web/Dockerfile", ".", [], "docker-compose.yml:6", "compose", False, True),
    ]
    actions = [(a.kind, a.image.text, a.source.text if a.source else None, a.cluster, a.location.line) for a in inventory(ctx).actions]
    assert actions == [
        ("push", "localhost:5001/tiketi-auth:dev", None, None, 11),
        ("push", "localhost:5001/tiketi-ticket:dev", None, None, 11),
        ("tag", "tiketi-auth:local", "localhost:5001/tiketi-auth:dev", None, 14),
        ("load", "tiketi-auth:local", None, "tiketi-local", 16),
        ("load", "auth-local", None, "tiketi-local", 16),
    ]
    pushed = inventory(ctx).pushes()
    assert any(p.matches(parse_image("ghcr.io/org/api:1.2.3")) for p in pushed)
    assert not any(p.matches(parse_image("ghcr.io/org/other:1.2.3")) for p in pushed)


def test_image_references_compare_like_docker():
    assert parse_image("nginx").matches(parse_image("docker.io/library/nginx:latest"))
    assert not parse_image("nginx:1.27").matches(parse_image("nginx"))
    local = parse_image("localhost:5001/tiketi-auth:dev")
    assert local.registry == "localhost:5001" and local.has_registry and local.repository == "tiketi-auth"
    assert parse_image("app:${TAG}").matches(parse_image("app:v3")) and parse_image("app:${TAG}").templated
    assert parse_image("postgres@sha256:abc").latest is False and parse_image("tiketi-auth").latest
    assert parse_image("has space") is None


def test_a_script_that_cannot_be_followed_leaves_the_context_unknown(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / "scripts" / "build.sh").write_text(textwrap.dedent("""\
        cd "$WORKSPACE"
        docker build -t mini-api:local -f api/Dockerfile .
        """))
    assert _builds(_ctx(root)) == [(None, None, ["mini-api:local"], "scripts/build.sh:2", "script", False, False)]


def test_a_subshell_cd_ends_with_the_subshell_and_a_redirect_is_not_an_argument(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / "scripts" / "build.sh").write_text(textwrap.dedent("""\
        (cd api && docker build -t mini-api:local . > build.log 2>&1) # the api
        docker build -t "mini-api:$(git rev-parse --short HEAD; echo x)" -f api/Dockerfile .
        """))
    assert _builds(_ctx(root)) == [
        ("api/Dockerfile", "api", ["mini-api:local"], "scripts/build.sh:1", "script", False, False),
        ("api/Dockerfile", ".", ["mini-api:$(…)"], "scripts/build.sh:2", "script", False, False),
    ]


MATRIX = """\
on: [push]
jobs:
  image:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        app: [api, web]
        include:
          - app: worker
    steps:
      - uses: docker/build-push-action@v6
        with:
          context: apps/${{ matrix.app }}
          tags: ghcr.io/org/${{ matrix.app }}:${{ github.sha }}
      - run: docker build -t ${{ matrix.app }}:ci apps/${{ matrix.app }}
"""


def test_a_workflow_matrix_is_expanded(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "images.yml").write_text(MATRIX)
    builds = [(b[0], b[1], b[2]) for b in _builds(_ctx(root))]
    assert builds == [
        ("apps/api/Dockerfile", "apps/api", ["ghcr.io/org/api:${{ github.sha }}"]),
        ("apps/web/Dockerfile", "apps/web", ["ghcr.io/org/web:${{ github.sha }}"]),
        ("apps/worker/Dockerfile", "apps/worker", ["ghcr.io/org/worker:${{ github.sha }}"]),
        ("apps/api/Dockerfile", "apps/api", ["api:ci"]),
        ("apps/web/Dockerfile", "apps/web", ["web:ci"]),
        ("apps/worker/Dockerfile", "apps/worker", ["worker:ci"]),
    ]


def test_a_guide_that_clones_and_enters_the_repository_builds_from_its_root(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / "GUIDE.md").write_text(
        "# Setup\n\n```bash\ngit clone https://github.com/example/mini.git\ncd mini\n"
        "docker build -t mini-api:local -f api/Dockerfile .\ncd api && docker build -t mini-api:dev .\n```\n"
    )
    assert [(b[0], b[1], b[3]) for b in _builds(_ctx(root))] == [
        ("api/Dockerfile", ".", "GUIDE.md:6"),
        ("api/Dockerfile", "api", "GUIDE.md:7"),
    ]
