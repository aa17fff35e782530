"""Generate a TIKETI-shaped monorepo of N services for benchmarks.

Each service has a Dockerfile, a package.json, a dozen source files with routes, a
Kubernetes manifest (Deployment + Service) and a .env.example; a gateway mounts every
service's prefix; a ConfigMap and a port-forward script name every service. Every tenth
service carries the report's faults (an inline package.json missing a dependency, a
copied Dockerfile port) so every tool has something to find; the others are clean.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

BASE_PORT = 4000
ROUTE_FILES = 10


def service_name(i: int) -> str:
    return f"svc-{i:04d}"


def generate(root: Path, services: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "k8s").mkdir(exist_ok=True)
    (root / "scripts").mkdir(exist_ok=True)
    components = [_gateway_entry(services)]
    forwards, config = [], {}
    for i in range(services):
        name = service_name(i)
        faulty = i % 10 == 9
        _service(root, i, name, faulty)
        components.append(_entry(i, name))
        forwards.append(f"kubectl port-forward -n bench svc/{name} {BASE_PORT + i}:{BASE_PORT + i} &")
        config[f"{name.upper().replace('-', '_')}_URL"] = f"http://{name}:{BASE_PORT + i}"
    _gateway(root, services)
    (root / "scripts" / "port-forward-all.sh").write_text("#!/usr/bin/env bash\n" + "\n".join(forwards) + "\nwait\n")
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bench-config"}, "data": config}
    (root / "k8s" / "00-configmap.yaml").write_text(_yaml(configmap))
    catalogue = {
        "version": 1,
        "name": "bench",
        "cluster": {"kind_cluster": "bench", "namespace": "bench", "context": "kind-bench"},
        "components": components,
        "docs": ["*.md"],
        "scripts": ["scripts/*.sh"],
        "config_files": ["k8s/*configmap*.yaml", "**/.env.example"],
    }
    (root / "tiketi-doctor.yaml").write_text(json.dumps(catalogue, indent=1))
    (root / "README.md").write_text("# bench\n\nRun `bash scripts/port-forward-all.sh`.\n")
    return root


def _entry(i: int, name: str) -> dict:
    return {
        "name": name,
        "role": "service",
        "port": BASE_PORT + i,
        "image": f"bench-{name}:local",
        "build": {"context": ".", "dockerfile": f"services/{name}/Dockerfile"},
        "package_json": f"services/{name}/package.json",
        "source": f"services/{name}/src",
        "env_file": f"services/{name}/.env.example",
        "manifests": [f"k8s/{name}.yaml"],
        "deployment": name,
        "k8s_service": name,
        "health": "/health",
        "url_env": f"{name.upper().replace('-', '_')}_URL",
        "url_default": f"http://{name}:{BASE_PORT + i}",
        "routes": [f"/api/{name}"],
    }


def _gateway_entry(services: int) -> dict:
    return {
        "name": "gateway", "role": "gateway", "port": 3001, "source": "gateway/src",
        "package_json": "gateway/package.json", "health": "/health",
    }


DEPENDENCIES = {"express": "^4.21.2", "jsonwebtoken": "^9.0.2", "pg": "^8.13.1", "ioredis": "^5.4.2", "cors": "^2.8.5"}


def _service(root: Path, i: int, name: str, faulty: bool) -> None:
    folder = root / "services" / name
    (folder / "src" / "routes").mkdir(parents=True, exist_ok=True)
    port = BASE_PORT + i
    (folder / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", "dependencies": DEPENDENCIES}, indent=2) + "\n")
    exposed = port + 1 if faulty else port
    if faulty:  # the report's fault: the image writes its own package.json, and it lacks a dependency
        inline = {k: v for k, v in DEPENDENCIES.items() if k != "ioredis"}
        install = (f"RUN printf '{json.dumps({'name': name, 'dependencies': inline}, separators=(',', ':'))}' > package.json \\\n"
                   "    && npm install --omit=dev\n")
    else:
        install = f"COPY services/{name}/package.json ./\nRUN npm install --omit=dev\n"
    (folder / "Dockerfile").write_text(
        "FROM node:20-alpine\nWORKDIR /app\nENV NODE_ENV=production\n" + install +
        f"COPY services/{name}/src ./src\nUSER node\nEXPOSE {exposed}\n"
        f"HEALTHCHECK CMD wget -qO- http://localhost:{exposed}/health || exit 1\n"
        'CMD ["node", "src/server.js"]\n'
    )
    (folder / ".env.example").write_text(f"PORT={port}\nDB_HOST=postgres\n")
    mounts = "\n".join(f"app.use('/api/{name}/r{j}', require('./routes/r{j}'));" for j in range(ROUTE_FILES))
    (folder / "src" / "server.js").write_text(
        "const express = require('express');\nconst cors = require('cors');\n"
        "const { connect } = require('./db');\n\nconst app = express();\napp.use(cors());\napp.use(express.json());\n"
        f"{mounts}\napp.get('/health', (req, res) => res.json({{ status: 'ok', service: '{name}' }}));\n"
        "app.get('/ready', async (req, res) => res.status((await connect().then(() => 200, () => 503))).end());\n"
        f"const PORT = process.env.PORT || {port};\n"
        "app.listen(PORT, process.env.HOST || '0.0.0.0', () => connect().catch(() => {}));\n"
    )
    (folder / "src" / "db.js").write_text(
        "const { Pool } = require('pg');\nconst Redis = require('ioredis');\n// require('not-a-dependency') in a comment\n"
        "let pool;\nexports.connect = async () => {\n  pool = pool ?? new Pool({ host: process.env.DB_HOST });\n"
        "  const redis = new Redis({ lazyConnect: true });\n  redis.on('error', () => {});\n  return pool?.query('select 1');\n};\n"
    )
    for j in range(ROUTE_FILES):
        (folder / "src" / "routes" / f"r{j}.js").write_text(
            "const router = require('express').Router();\nconst jwt = require('jsonwebtoken');\n\n"
            f"router.get('/', (req, res) => res.json({{ items: [], page: req.query.page ?? 1 }}));\n"
            f"router.get('/:id', (req, res) => res.json({{ id: req.params.id, route: {j} }}));\n"
            "router.post('/', (req, res) => {\n  const token = req.headers.authorization?.split(' ')[1];\n"
            "  res.status(201).json({ ok: Boolean(token && jwt.decode(token)) });\n});\n"
            "module.exports = router;\n"
        )
    manifest = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}}, "spec": {
             "containers": [{"name": name, "image": f"bench-{name}:local", "imagePullPolicy": "Never",
                             "ports": [{"name": "http", "containerPort": port}],
                             "env": [{"name": "PORT", "value": str(port)}, {"name": "DB_HOST", "value": "postgres"}],
                             "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}},
                             "readinessProbe": {"httpGet": {"path": "/ready", "port": port}}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"selector": {"app": name}, "ports": [{"port": port, "targetPort": "http"}]}},
    ]
    (root / "k8s" / f"{name}.yaml").write_text(f"# {name}\n" + "---\n".join(_yaml(doc) for doc in manifest))


def _gateway(root: Path, services: int) -> None:
    src = root / "gateway" / "src" / "routes"
    src.mkdir(parents=True, exist_ok=True)
    (root / "gateway" / "package.json").write_text(json.dumps({"name": "gateway", "dependencies": {"express": "^4.21.2"}}, indent=2))
    lines = ["const express = require('express');", "const app = express();",
             "app.get('/health', (req, res) => res.json({ status: 'ok' }));"]
    for i in range(services):
        name = service_name(i)
        lines.append(f"app.use('/api/{name}', require('./routes/{name}'));")
        (src / f"{name}.js").write_text(
            "const router = require('express').Router();\n"
            f"const URL = process.env.{name.upper().replace('-', '_')}_URL || 'http://{name}:{BASE_PORT + i}';\n"
            "router.all('/*', async (req, res) => {\n"
            "  const upstream = await fetch(URL + req.originalUrl, { method: req.method });\n"
            "  res.status(upstream.status).send(await upstream.text());\n});\nmodule.exports = router;\n"
        )
    lines.append("app.listen(process.env.PORT || 3001);")
    (root / "gateway" / "src" / "server.js").write_text("\n".join(lines) + "\n")


def _yaml(data) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
