"""Discovery on small real trees: builds, workloads, ports, URL variables, roles, routes, robustness."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from tiketi_doctor.catalogue import load_catalogue_text
from tiketi_doctor.discovery import discover, render


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def _component(found, name):
    return next(c for c in found.components if c.name == name)


SERVICE_JS = """
const express = require('express');
const app = express();
const PORT = process.env.PORT || {port};
app.get('/health', (req, res) => res.json({{ ok: true }}));
app.use('/api/{prefix}', require('./routes/{prefix}'));
app.listen(PORT);
"""
ROUTER_JS = """
const router = require('express').Router();
router.get('/', (req, res) => res.json([]));
module.exports = router;
"""
NODE_DOCKERFILE = """
FROM node:20-alpine
WORKDIR /app
COPY {prefix}package.json ./
RUN npm install --omit=dev
COPY {prefix}src ./src
EXPOSE {expose}
CMD ["node", "src/server.js"]
"""


def _deployment(name: str, image: str, port: int, service: str | None = None, config: str | None = None) -> str:
    env_from = f"\n              envFrom: [{{configMapRef: {{name: {config}}}}}]" if config else ""
    return f"""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {name}
    spec:
      selector:
        matchLabels: {{app: {name}}}
      template:
        metadata:
          labels: {{app: {name}}}
        spec:
          containers:
            - name: {name}
              image: {image}
              ports:
                - containerPort: {port}{env_from}
              livenessProbe:
                httpGet: {{path: /health, port: {port}}}
              readinessProbe:
                httpGet: {{path: /ready, port: {port}}}
    ---
    apiVersion: v1
    kind: Service
    metadata:
      name: {service or name}
    spec:
      selector: {{app: {name}}}
      ports:
        - port: {port}
          targetPort: {port}
    """


def _service(folder: str, port: int, prefix: str, root_context: bool = True) -> dict[str, str]:
    copy_prefix = f"{folder}/" if root_context else ""
    return {
        f"{folder}/package.json": '{"name": "%s", "dependencies": {"express": "^4.21.2"}}' % folder.rsplit("/", 1)[-1],
        f"{folder}/src/server.js": SERVICE_JS.format(port=port, prefix=prefix),
        f"{folder}/src/routes/{prefix}.js": ROUTER_JS,
        f"{folder}/Dockerfile": NODE_DOCKERFILE.format(prefix=copy_prefix, expose=port),
    }


# -- build contexts ----------------------------------------------------------------------------------
def test_build_context_comes_from_the_script_that_cds_and_loops(tmp_path):
    root = _write(tmp_path, {
        **_service("services/orders", 4002, "orders"),
        **_service("services/billing", 4003, "billing"),
        "scripts/build.sh": """
            #!/usr/bin/env bash
            set -euo pipefail
            cd "$(dirname "$0")/.."
            for svc in orders billing; do
              docker build \\
                -t "shop-${svc}:local" \\
                -f "services/${svc}/Dockerfile" .
            done
        """,
    })
    found = discover(root)
    orders = _component(found, "orders")
    assert orders.build.value == (".", "services/orders/Dockerfile")
    assert orders.build.source.startswith("scripts/build.sh:5 (docker build")
    assert orders.image.value == "shop-orders:local" and orders.image.doubts == ["no Kubernetes workload runs it"]
    assert _component(found, "billing").build.value == (".", "services/billing/Dockerfile")


def test_build_context_from_a_workflow_matrix_and_from_compose(tmp_path):
    root = _write(tmp_path, {
        **_service("apps/api", 4001, "items", root_context=False),
        **_service("apps/worker", 4005, "jobs", root_context=False),
        ".github/workflows/build.yml": """
            on: push
            jobs:
              image:
                runs-on: ubuntu-latest
                strategy:
                  matrix:
                    app: [api]
                steps:
                  - uses: actions/checkout@v4
                  - uses: docker/build-push-action@v6
                    with:
                      context: apps/${{ matrix.app }}
                      file: apps/${{ matrix.app }}/Dockerfile
                      tags: ghcr.io/acme/${{ matrix.app }}:${{ github.sha }}
        """,
        "docker-compose.yml": """
            services:
              jobs-worker:
                build:
                  context: ./apps/worker
                image: acme/worker:dev
        """,
    })
    found = discover(root)
    api = _component(found, "api")
    assert api.build.value == ("apps/api", "apps/api/Dockerfile")
    assert api.build.source == ".github/workflows/build.yml:10 (docker/build-push-action@v6)"
    worker = _component(found, "jobs-worker")  # no workload: named after its compose service
    assert worker.build.value == ("apps/worker", "apps/worker/Dockerfile")
    assert worker.build.source == "docker-compose.yml:3 (services.jobs-worker.build)"
    assert worker.image.value == "acme/worker:dev"


def test_a_build_whose_copy_sources_do_not_resolve_loses_to_one_that_works(tmp_path):
    root = _write(tmp_path, {
        **_service("api", 3005, "users"),  # COPY api/package.json: needs the repository root as context
        "docs/BUILD.md": "Build it with `docker build -t api:local api` from the root.\n",
        "scripts/images.sh": "docker build -t api:local -f api/Dockerfile .\n",
    })
    build = _component(discover(root), "api").build
    assert build.value == (".", "api/Dockerfile") and build.source.startswith("scripts/images.sh:1")
    assert build.doubts == ["docs/BUILD.md:1 (Build it with docker build -t api:local api from the root.) builds it with context api"]


def test_without_any_build_command_the_context_is_where_copy_sources_resolve(tmp_path):
    root = _write(tmp_path, {**_service("api", 3005, "users")})  # COPY api/...: from the root
    build = _component(discover(root), "api").build
    assert build.value == (".", "api/Dockerfile")
    assert build.doubts == ["nothing in the repository builds api/Dockerfile; the context is inferred from its COPY sources"]


# -- workloads, images, ports ----------------------------------------------------------------------
def test_a_dockerfile_is_tied_to_the_deployment_running_its_image_after_kustomize_rewrites(tmp_path):
    root = _write(tmp_path, {
        **_service("apps/catalog", 4001, "products", root_context=False),
        "docker-compose.yml": "services:\n  catalog:\n    build: apps/catalog\n    image: ghcr.io/acme/catalog:dev\n",
        "deploy/base/catalog.yaml": _deployment("catalog-api", "acme/catalog:latest", 4001, service="catalog"),
        "deploy/base/kustomization.yaml": "resources: [catalog.yaml]\n",
        "deploy/overlays/dev/kustomization.yaml": """
            namespace: shop-dev
            resources: [../../base]
            images:
              - name: acme/catalog
                newName: ghcr.io/acme/catalog
                newTag: dev
        """,
    })
    found = discover(root)
    catalog = _component(found, "catalog-api")  # named after the Deployment that runs it
    assert catalog.deployment.value == "catalog-api" and catalog.k8s_service.value == "catalog"
    assert catalog.image.value == "ghcr.io/acme/catalog:dev"
    assert catalog.manifests.value == ["deploy/base/catalog.yaml"]
    assert (catalog.health.value, catalog.readiness.value) == ("/health", "/ready")
    assert found.namespace.value == "shop-dev" and found.namespace.source.endswith("(the dev overlay)")


def test_the_apps_own_default_port_wins_and_disagreeing_places_are_listed(tmp_path):
    files = _service("services/ticket", 3002, "events")
    files["services/ticket/Dockerfile"] = files["services/ticket/Dockerfile"].replace("EXPOSE 3002", "EXPOSE 3004")
    root = _write(tmp_path, {**files, "k8s/ticket.yaml": _deployment("ticket", "ticket:local", 3004)})
    port = _component(discover(root), "ticket").port
    assert port.value == 3002
    assert port.source == "services/ticket/src/server.js:3 (process.env.PORT || 3002)"
    assert port.doubts[0].startswith("others say 3004: services/ticket/Dockerfile:6 (EXPOSE 3004), k8s/ticket.yaml:16 (containerPort: 3004)")


def test_workloads_without_a_dockerfile_are_infrastructure(tmp_path):
    root = _write(tmp_path, {
        **_service("api", 3005, "users"),
        "k8s/api.yaml": _deployment("api", "api:local", 3005),
        "k8s/db.yaml": """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: postgres}
            spec:
              template:
                metadata: {labels: {app: pg}}
                spec:
                  containers:
                    - name: postgres
                      image: postgres:16
                      ports: [{containerPort: 5432}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: postgres-service}
            spec:
              selector: {app: pg}
              ports: [{port: 5432}]
        """,
    })
    postgres = _component(discover(root), "postgres")
    assert postgres.role.value == "infrastructure"
    assert (postgres.port.value, postgres.image.value, postgres.k8s_service.value) == (5432, "postgres:16", "postgres-service")


# -- URLs, roles, routes, dependencies -----------------------------------------------------------------
GATEWAY = {
    "gateway/package.json": '{"name": "gateway", "dependencies": {"express": "^4.21.2", "axios": "^1.7.9"}}',
    "gateway/src/server.js": """
        const express = require('express');
        const axios = require('axios');
        const app = express();
        const ORDERS_URL = process.env.ORDERS_URL || 'http://orders:4002';
        const BILLING = process.env.BILLING_SERVICE_URL || 'http://billing:4003';
        const forward = (base) => async (req, res) => {
          const upstream = await axios({ method: req.method, url: `${base}${req.originalUrl}`, data: req.body });
          res.status(upstream.status).json(upstream.data);
        };
        app.use('/api/orders', forward(ORDERS_URL));
        app.use('/api/invoices', forward(BILLING));
        app.use('/api/news', require('./routes/news'));
        app.listen(process.env.PORT || 3001);
    """,
    "gateway/src/routes/news.js": ROUTER_JS,
    "gateway/Dockerfile": NODE_DOCKERFILE.format(prefix="gateway/", expose=3001),
    "web/package.json": '{"name": "web", "dependencies": {"react": "^18.3.1", "axios": "^1.7.9"}}',
    "web/src/api.js": """
        import axios from 'axios';
        export const api = axios.create({ baseURL: `${process.env.REACT_APP_API_URL || 'http://localhost:3001'}/api` });
    """,
    "web/Dockerfile": "FROM nginx:alpine\nCOPY web/src /usr/share/nginx/html\nEXPOSE 8080\n",
}


def _system(tmp_path: Path, extra: dict | None = None) -> Path:
    return _write(tmp_path, {
        **GATEWAY,
        **_service("orders", 4002, "orders"),
        **_service("billing", 4003, "invoices"),
        "billing/src/routes/refunds.js": ROUTER_JS,
        "billing/src/extra.js": "const app = require('./server');\n",
        "k8s/config.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: shop}
            data:
              ORDERS_URL: http://orders:4002
              BILLING_SERVICE_URL: http://billing:4033
              CORS_ORIGIN: http://localhost:8080
        """,
        **(extra or {}),
    })


def test_roles_url_variables_and_routes(tmp_path):
    root = _system(tmp_path, {
        "billing/src/server.js": SERVICE_JS.format(port=4003, prefix="invoices").replace(
            "app.listen", "app.use('/api/refunds', require('./routes/refunds'));\napp.listen"
        ),
        "k8s/gateway.yaml": _deployment("gateway", "gateway:local", 3001),
        "k8s/billing.yaml": _deployment("billing", "billing:local", 4003),
    })
    found = discover(root)
    gateway, web, billing, orders = (_component(found, n) for n in ("gateway", "web", "billing", "orders"))
    assert (gateway.role.value, web.role.value, billing.role.value) == ("gateway", "frontend", "service")
    assert gateway.role.source == "forwards 2 prefixes to orders, billing (gateway/src/server.js:10)"
    assert web.role.source == "react in web/package.json:1"
    # the browser reaches the gateway on localhost:3001; CORS_ORIGIN names a caller, not a target
    assert (gateway.url_env.value, gateway.url_default.value) == ("REACT_APP_API_URL", "http://localhost:3001")
    assert web.url_env is None
    # the code default on the service's own port wins over the ConfigMap, which is listed for review
    assert (billing.url_env.value, billing.url_default.value) == ("BILLING_SERVICE_URL", "http://billing:4003")
    assert billing.url_default.doubts == ["k8s/config.yaml:6 says http://billing:4033"]
    assert gateway.routes.value == ["/api/news"]
    assert orders.routes.value == ["/api/orders"]
    assert billing.routes.value == ["/api/invoices", "/api/refunds"]
    assert billing.routes.doubts == ["gateway does not route /api/refunds yet"]
    assert gateway.depends_on.value == ["orders", "billing"] and web.depends_on.value == ["gateway"]


def test_dependencies_read_through_shared_packages_and_configmaps(tmp_path):
    root = _system(tmp_path, {
        "orders/package.json": '{"name": "orders", "dependencies": {"express": "^4.21.2", "@shop/db": "file:../packages/db"}}',
        "orders/src/server.js": SERVICE_JS.format(port=4002, prefix="orders") + "require('@shop/db');\n",
        "packages/db/package.json": '{"name": "@shop/db", "main": "index.js"}',
        "packages/db/index.js": "module.exports = { host: process.env.DB_HOST || 'localhost' };\n",
        "k8s/orders.yaml": _deployment("orders", "orders:local", 4002, config="shop"),
        "k8s/db.yaml": _deployment("postgres", "postgres:16", 5432, service="postgres-service"),
        "k8s/config.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: shop}
            data:
              DB_HOST: postgres-service
        """,
    })
    found = discover(root)
    orders = _component(found, "orders")
    assert orders.depends_on.value == ["postgres"]
    assert orders.depends_on.source == "via DB_HOST (k8s/config.yaml:5)"
    assert found.shared_packages == [("@shop/db", "packages/db", "orders/package.json:1 (file:../packages/db)")]
    assert found.config_files == ["k8s/config.yaml"]


# -- robustness -----------------------------------------------------------------------------------------
def test_backup_folders_are_ignored_unless_the_exclude_list_says_otherwise(tmp_path):
    root = _write(tmp_path, {
        **_service("api", 3005, "users"),
        **_service("api.backup", 3105, "users"),
        **_service("_legacy_backup/api", 3205, "users"),
        "k8s/api.yaml": _deployment("api", "api:local", 3005),
        "_legacy_backup/k8s/api.yaml": _deployment("api-old", "api-old:local", 3205),
    })
    assert [c.name for c in discover(root).components] == ["api"]
    kept = discover(root, exclude=["**/_legacy_backup/**"])  # a catalogue's own exclude: list
    assert sorted(c.name for c in kept.components) == ["api", "api-backup"]


def test_files_that_are_not_utf8_are_read_with_a_warning(tmp_path):
    root = _write(tmp_path, {
        **_service("api", 3005, "users"),
        "api/.env.example": "# 한글 주석\nPORT=3005\n".encode("cp949"),
        "k8s/api.yaml": ("# 설명\n" + textwrap.dedent(_deployment("api", "api:local", 3005))).encode("euc-kr"),
    })
    found = discover(root)
    api = _component(found, "api")
    assert api.port.value == 3005 and api.deployment.value == "api" and api.env_file.value == "api/.env.example"
    assert any(w.startswith("api/.env.example:1: api/.env.example is not valid UTF-8") for w in found.warnings)
    assert any(w.startswith("k8s/api.yaml:1: k8s/api.yaml is not valid UTF-8") for w in found.warnings)


@pytest.mark.slow  # the point is the size
def test_a_few_hundred_generated_manifests(tmp_path):
    files = {}
    for i in range(250):
        name = f"svc-{i:03d}"
        files.update(_service(f"services/{name}", 5000 + i, name))
        files[f"k8s/{i:03d}-{name}.yaml"] = _deployment(name, f"{name}:local", 5000 + i)
    for i in range(150):  # manifests that are not workloads: ConfigMaps of a chart, a CRD-like kind
        files[f"k8s/extra/{i:03d}.yaml"] = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: extra-{i}}}\ndata: {{K: v}}\n"
    found = discover(_write(tmp_path, files))
    assert len(found.components) == 250 and found.read["manifests"] == 400
    assert len({c.port.value for c in found.components}) == 250
    assert all(c.deployment.value == c.name for c in found.components)


def test_the_rendered_yaml_is_the_discovered_data_and_a_valid_catalogue(tmp_path):
    found = discover(_system(tmp_path))
    text = render(found)
    assert yaml.safe_load(text) == found.to_data()
    catalogue = load_catalogue_text(text, "tiketi-doctor.yaml", "repository")
    assert catalogue.component("gateway").role == "gateway"
    assert "    # check: k8s/config.yaml:6 says http://billing:4033\n" in text


def test_broken_and_templated_inputs_do_not_stop_discovery(tmp_path):
    root = _write(tmp_path, {
        **_service("api", 3005, "users"),
        **_service("worker", 3006, "jobs"),
        "worker/Dockerfile": "RUN echo this file lost its FROM line\n",  # does not parse
        "docs/Dockerfile.md": "# How our Dockerfiles are written\n",  # not a Dockerfile
        "chart/templates/deployment.yaml": "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  {{- with .Values.labels }}\n",
        "deploy/kustomization.yaml": "namespace: ${NAMESPACE}\nresources: [api.yaml]\n",
        "deploy/api.yaml": _deployment("api", "api:local", 3005),
        "docker-compose.yml": "services:\n  api:\n    build: ../elsewhere\n",  # a context outside the repository
    })
    found = discover(root)
    assert [c.name for c in found.components] == ["api", "worker"]
    worker = _component(found, "worker")
    assert worker.build.value == ("worker", "worker/Dockerfile") and worker.build.doubts == [
        "the Dockerfile does not parse (reported as SRC002 by check): its build could not be read"
    ]
    assert worker.port.value == 3006
    assert found.namespace.value == "default"
    assert found.namespace.doubts == ["'${NAMESPACE}' is not a namespace name (templated?); using default"]
    # The template is read as partially known: not malformed, and no component named after `{{ .Release.Name }}`.
    assert not any("chart/templates/deployment.yaml" in w for w in found.warnings)
    load_catalogue_text(render(found), "tiketi-doctor.yaml", "repository")  # still a valid catalogue


def test_two_apps_on_the_same_port_keep_one_claim_and_comment_the_other(tmp_path):
    root = _write(tmp_path, {**_service("alpha", 3000, "a"), **_service("beta", 3000, "b")})
    found = discover(root)
    alpha, beta = _component(found, "alpha"), _component(found, "beta")
    assert alpha.port.value == 3000 and beta.port is None
    assert beta.commented == [("port", 3000, "alpha claims 3000 too; a catalogue gives each component its own port (beta/src/server.js:3 (process.env.PORT || 3000))")]
    text = render(found)
    assert "    # port: 3000\n    # check: alpha claims 3000 too;" in text
    load_catalogue_text(text, "tiketi-doctor.yaml", "repository")
