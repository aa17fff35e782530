"""Repository-model questions behind the PORT/HC precision work: discovery's port and role,
which workloads a Service sends traffic to, and routers mounted from workspace packages."""
from __future__ import annotations

import textwrap
from pathlib import Path

from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.express import express_app
from tiketi_doctor.analysis.traffic import selected_by_a_service
from tiketi_doctor.catalogue import Catalogue, Cluster, Component
from tiketi_doctor.context import ScanContext
from tiketi_doctor.discovery import discover
from tiketi_doctor.repo import RepoView


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def _ctx(root: Path, *components: Component) -> ScanContext:
    catalogue = Catalogue(name="t", components=list(components), cluster=Cluster(), source="<test>", origin="discovered")
    return ScanContext(RepoView(root), catalogue)


API_PACKAGE = """
{"name": "auth-service", "main": "dist/index.js",
 "dependencies": {"express": "^4.19.0"},
 "devDependencies": {"vite": "^5.0.0", "vitest": "^1.0.0"}}
"""
API_DOCKERFILE = """
FROM node:20-alpine
WORKDIR /app
COPY package.json ./
RUN npm install
COPY src ./src
EXPOSE 8080
CMD ["node", "src/index.js"]
"""
API_MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: auth}
spec:
  selector: {matchLabels: {app: auth}}
  template:
    metadata: {labels: {app: auth}}
    spec:
      containers:
        - name: auth
          image: auth-service:1.0
          ports: [{containerPort: 3000}]
          env: [{name: PORT, value: "3000"}]
          readinessProbe: {httpGet: {path: /health, port: 3000}}
          livenessProbe: {httpGet: {path: /health, port: 3000}}
---
apiVersion: v1
kind: Service
metadata: {name: auth}
spec:
  selector: {app: auth}
  ports: [{port: 80, targetPort: 3000}]
"""


def _api_repo(root: Path) -> Path:
    return _write(root, {
        "apps/auth-service/package.json": API_PACKAGE,
        "apps/auth-service/Dockerfile": API_DOCKERFILE,
        "apps/auth-service/.env.template": "PORT=8080\n",
        "apps/auth-service/src/index.js": "const express = require('express');\nconst app = express();\napp.listen(process.env.PORT);\n",
        "k8s/auth.yaml": API_MANIFEST,
    })


def test_without_a_code_default_the_port_the_deployment_files_agree_on_beats_an_env_template(tmp_path):
    found = discover(_api_repo(tmp_path))
    auth = next(c for c in found.components if c.name == "auth")
    assert auth.port.value == 3000
    assert "containerPort: 3000" in auth.port.source
    assert any("8080" in d for d in auth.port.doubts)  # the template and EXPOSE are listed for review


def test_a_dev_bundler_next_to_a_server_framework_is_not_a_frontend(tmp_path):
    found = discover(_api_repo(tmp_path))
    assert next(c for c in found.components if c.name == "auth").role.value == "service"


def test_a_bundler_without_a_server_still_makes_a_frontend(tmp_path):
    root = _api_repo(tmp_path)
    (root / "apps/auth-service/package.json").write_text('{"name": "web", "devDependencies": {"vite": "^5.0.0"}}')
    found = discover(root)
    assert next(c for c in found.components if c.name == "auth").role.value == "frontend"


def test_only_workloads_a_service_selects_receive_traffic(tmp_path):
    root = _write(tmp_path, {"k8s/all.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            metadata: {labels: {app: api, tier: backend}}
            spec: {containers: [{name: api, image: api}]}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: load}
        spec:
          template:
            metadata: {labels: {app: load}}
            spec: {containers: [{name: load, image: locust}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: public}
        spec: {selector: {tier: backend}, ports: [{port: 80}]}
        """})
    ctx = _ctx(root, Component(name="api", role="service", manifests=("k8s/all.yaml",)))
    by_name = {o.name: o for o in k8s.objects(ctx, "k8s/all.yaml")}
    assert selected_by_a_service(ctx, by_name["api"])
    assert not selected_by_a_service(ctx, by_name["load"])


def test_a_router_mounted_from_a_workspace_package_serves_its_prefix(tmp_path):
    root = _write(tmp_path, {
        "api/package.json": '{"name": "api", "main": "src/server.js", "dependencies": {"express": "4"}}',
        "api/src/server.js": """
            const express = require('express');
            const { healthCheckRouter } = require('@org/common');
            const cors = require('cors');
            const app = express();
            app.use(cors());
            app.use('/health-check', healthCheckRouter);
            app.listen(3000);
            """,
    })
    ctx = _ctx(root, Component(name="api", role="service", package_json="api/package.json", source="api/src"))
    app = express_app(ctx, ctx.catalogue.components[0])
    assert app.serves("GET", "/health-check", static=False) is not None
    assert app.serves("GET", "/other", static=False) is None
