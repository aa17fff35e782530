"""Compose files: port mappings and mounts as Compose reads them, and which files form one project."""
from __future__ import annotations

import shutil

from tiketi_doctor.analysis.compose import compose_files
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

from .conftest import CASES

COMPOSE = """\
services:
  app:
    image: app
    ports:
      - "3000"
      - "8080:80"
      - "127.0.0.1:5432:5432"
      - "[::1]:6379:6379/udp"
      - "9000-9002:9000-9002"
      - "${HOST_PORT:-4000}:4000"
      - target: 443
        published: 8443
        host_ip: 0.0.0.0
    volumes:
      - ./src:/app/src:ro
      - /app/node_modules
      - data:/var/lib/data
      - type: bind
        source: ./config
        target: /etc/app
"""


def test_ports_and_mounts(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / "deploy").mkdir()
    (root / "deploy" / "docker-compose.yml").write_text(COMPOSE)
    (root / "deploy" / "docker-compose.override.yml").write_text("services: {}\n")
    (root / "deploy" / "docker-compose.prod.yml").write_text("services: {}\n")
    ctx = ScanContext(RepoView(root), find_catalogue(root))
    files = compose_files(ctx)
    assert {f.path: f.project for f in files} == {
        "deploy/docker-compose.override.yml": "deploy/docker-compose",
        "deploy/docker-compose.prod.yml": "deploy/docker-compose.prod.yml",
        "deploy/docker-compose.yml": "deploy/docker-compose",
    }
    app = next(f for f in files if f.path.endswith("compose.yml")).services[0]
    assert [(p.host_ip, p.host_start, p.host_end, p.container_start, p.protocol, p.location.line) for p in app.ports] == [
        ("", 8080, 8080, 80, "tcp", 6),
        ("127.0.0.1", 5432, 5432, 5432, "tcp", 7),
        ("[::1]", 6379, 6379, 6379, "udp", 8),
        ("", 9000, 9002, 9000, "tcp", 9),
        ("", 4000, 4000, 4000, "tcp", 10),
        ("0.0.0.0", 8443, 8443, 443, "tcp", 11),
    ]
    assert [(m.kind, m.source, m.target) for m in app.mounts] == [
        ("bind", "deploy/src", "/app/src"),
        ("anonymous", "", "/app/node_modules"),
        ("volume", "data", "/var/lib/data"),
        ("bind", "deploy/config", "/etc/app"),
    ]
    ranges, loopback = app.ports[3], app.ports[1]
    assert ranges.overlaps(app.ports[3]) and not loopback.overlaps(app.ports[0])
