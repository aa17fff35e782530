"""Discovery on the two bundled examples: TIKETI against its built-in catalogue, and the shop."""
from __future__ import annotations

import dataclasses
import json
import shutil

from typer.testing import CliRunner

from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.catalogue_choice import find_catalogue, looks_like_builtin
from tiketi_doctor.cli.main import app
from tiketi_doctor.discovery import discover, discovered_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.registry import load_registry
from tiketi_doctor.repo import RepoView

from .conftest import EXAMPLE, ROOT

SHOP = ROOT / "examples" / "shop"
# The check families that existed when the shop's faults were planted (FAULTS.md lists what they find).
FAMILIES = "DEP,PORT,GW,HC,DOC,UI,SRC"
runner = CliRunner()


def _matched(root, patterns) -> set[str]:
    repo = RepoView(root)
    return {path for pattern in patterns for path in repo.glob(pattern)}


def test_discovery_on_tiketi_is_the_builtin_catalogue_field_by_field():
    builtin, found = load_builtin("tiketi"), discovered_catalogue(EXAMPLE)
    assert [c.name for c in found.components] == [
        "frontend", "backend", "auth-service", "payment-service", "stats-service", "ticket-service", "dragonfly", "postgres",
    ]
    assert sorted(c.name for c in builtin.components) == sorted(c.name for c in found.components)
    # Differences the repository alone cannot settle, each explained:
    expected_differences = {
        # k8s/10-frontend.yaml:44 probes /health/ready, which frontend/server.js:21 serves; the built-in
        # catalogue simply leaves the frontend's readiness path out.
        ("frontend", "readiness"): (None, "/health/ready"),
        # The example's gateway reads neither REDIS_* nor STATS_SERVICE_URL (its missing /api/stats route
        # is fault 3), so nothing in its code points at dragonfly or stats-service.
        ("backend", "depends_on"): (
            ("postgres", "dragonfly", "auth-service", "ticket-service", "payment-service", "stats-service"),
            ("auth-service", "ticket-service", "payment-service", "postgres"),
        ),
        # services/payment-service/src/routes/payments.js:16 calls ticket-service through TICKET_SERVICE_URL
        # (to confirm reservations): a real dependency the built-in catalogue does not list.
        ("payment-service", "depends_on"): (("postgres",), ("ticket-service", "postgres")),
        # Nothing mounts /api/seats: seats are served below /api/events (/api/events/:id/seats), so no
        # route, mount or URL in the repository names that prefix.
        ("ticket-service", "routes"): (
            ("/api/events", "/api/seats", "/api/reservations", "/api/queue"),
            ("/api/events", "/api/reservations", "/api/queue"),
        ),
    }
    differences = {}
    for component in builtin.components:
        other = found.component(component.name)
        for field in dataclasses.fields(component):
            if field.name == "declared_at":
                continue  # the file each was read from
            if getattr(component, field.name) != getattr(other, field.name):
                differences[(component.name, field.name)] = (getattr(component, field.name), getattr(other, field.name))
    assert differences == expected_differences
    assert found.cluster == builtin.cluster
    assert found.shared_packages == builtin.shared_packages
    # Globs are written differently (explicit files where the built-in uses patterns) but name the same files;
    # the discovered exclude list adds more backup spellings to the built-in two.
    for key in ("docs", "scripts", "config_files"):
        assert _matched(EXAMPLE, getattr(found, key)) == _matched(EXAMPLE, getattr(builtin, key)), key
    assert set(builtin.exclude) < set(found.exclude)
    # stats-service owns /api/stats through STATS_SERVICE_URL in the ConfigMap and its own mount
    stats = next(c for c in discover(EXAMPLE).components if c.name == "stats-service")
    assert stats.url_env.source == "set in k8s/01-configmap.yaml:26; no code reads it"
    assert stats.routes.source == "its own mounts (services/stats-service/src/server.js:31)"
    assert stats.routes.doubts == ["backend does not route /api/stats yet"]


def test_discovery_prefers_the_apps_own_port_and_says_where_others_disagree():
    ticket = next(c for c in discover(EXAMPLE).components if c.name == "ticket-service")
    assert ticket.port.value == 3002
    assert ticket.port.source == "services/ticket-service/src/server.js:14 (process.env.PORT || 3002)"
    assert ticket.port.doubts == [
        "others say 3004: services/ticket-service/Dockerfile:22 (EXPOSE 3004), services/ticket-service/Dockerfile:25 "
        "(HEALTHCHECK http://localhost:3004), k8s/07-ticket-service.yaml:26 (containerPort: 3004), "
        "k8s/07-ticket-service.yaml:29 (PORT=3004) and 4 more"
    ]


def test_the_discovered_tiketi_catalogue_finds_exactly_what_the_builtin_finds():
    checks = load_registry().runnable()
    with_builtin = scan(EXAMPLE, load_builtin("tiketi"), checks)
    with_discovered = scan(EXAMPLE, discovered_catalogue(EXAMPLE), checks)

    def facts(report):
        return sorted((f.code, f.location.path, f.location.line, f.service, f.message) for f in report.findings)

    assert facts(with_discovered) == facts(with_builtin)


def test_a_tiketi_shaped_repository_keeps_the_builtin_catalogue():
    assert looks_like_builtin(EXAMPLE, "tiketi") and not looks_like_builtin(SHOP, "tiketi")
    assert find_catalogue(EXAMPLE).origin == "builtin"
    catalogue = find_catalogue(SHOP)
    assert catalogue.origin == "discovered" and catalogue.source == "<discovered>"


def test_discovery_on_the_shop():
    found = discover(SHOP)
    by_name = {c.name: c for c in found.components}
    assert [(c.name, c.role.value, c.port.value) for c in found.components] == [
        ("web", "frontend", 8081), ("edge", "gateway", 8080), ("catalog", "service", 4001),
        ("orders", "service", 4002), ("redis", "infrastructure", 6379),
    ]
    edge, catalog, orders = by_name["edge"], by_name["catalog"], by_name["orders"]
    assert edge.role.source == "forwards 2 prefixes to catalog, orders (apps/edge/src/app.js:30)"
    assert edge.build.value == ("apps/edge", "apps/edge/Dockerfile")
    assert edge.build.source == "docker-compose.yml:16 (services.edge.build)"
    # the base runs shop/edge:latest; the dev overlay rewrites it to the tag compose builds
    assert edge.image.value == "ghcr.io/acme-shop/edge:dev"
    assert edge.manifests.value == ["deploy/k8s/base/edge.yaml"] and edge.k8s_service.value == "edge"
    assert (edge.health.value, edge.readiness.value) == ("/healthz", "/readyz")
    assert edge.depends_on.value == ["catalog", "orders"]
    assert (catalog.url_env.value, catalog.url_default.value) == ("CATALOG_URL", "http://catalog:4001")
    assert catalog.url_default.doubts == ["deploy/k8s/base/configmap.yaml:8 says http://catalog:4010"]  # fault 3
    assert orders.port.doubts == ["others say 4003: apps/orders/Dockerfile:17 (EXPOSE 4003)"]  # fault 1
    assert orders.routes.value == ["/api/orders", "/api/carts"]
    assert orders.routes.doubts == ["edge does not route /api/carts yet"]  # fault 2
    assert orders.depends_on.value == ["catalog", "redis"]
    assert (found.kind_cluster.value, found.namespace.value, found.context.value) == ("shop-dev", "shop-dev", "kind-shop-dev")
    assert found.namespace.source == "deploy/k8s/overlays/dev/kustomization.yaml (applied at scripts/dev-up.sh:16)"
    assert found.shared_packages == [("@shop/logger", "packages/logger", "apps/edge/package.json:12 (^1.2.0)")]
    assert (found.docs, found.scripts) == (["README.md"], ["scripts/*.sh"])
    assert found.config_files == ["deploy/k8s/base/configmap.yaml", "docker-compose.yml", "**/.env.example"]


def test_check_on_the_shop_without_a_catalogue_reports_the_planted_faults_and_says_it_discovered(tmp_path):
    repo = tmp_path / "shop"
    shutil.copytree(SHOP, repo)
    result = runner.invoke(app, ["check", str(repo), "--select", FAMILIES, "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["catalogue"] == "<discovered>"
    assert [(f["code"], f["location"]["path"], f["location"]["line"]) for f in data["findings"]] == [
        ("GW003", "apps/edge/src/app.js", 31),
        ("PORT002", "apps/orders/Dockerfile", 17),
        ("GW001", "apps/web/src/api.js", 20),
        ("PORT004", "deploy/k8s/base/configmap.yaml", 8),
    ]
    assert all(run["status"] in ("passed", "failed") for run in data["runs"])
    terminal = runner.invoke(app, ["check", str(repo), "--select", FAMILIES, "--no-color"])
    text = " ".join(terminal.stdout.split())
    assert (
        "note: no catalogue: discovered 5 components (web, edge, catalog, orders, redis) from 4 Dockerfiles, 11 manifests, "
        "1 compose file and 1 CI workflow; run `tiketi-doctor init` to keep and edit it"
    ) in text


def test_fix_on_the_shop_example_leaves_nothing_and_writes_valid_code(tmp_path):
    """The second example has no catalogue: fixes work on the discovered one, and the generated
    gateway route does not lean on names of another file."""
    import shutil
    import subprocess

    from typer.testing import CliRunner

    from tiketi_doctor.cli.main import app

    repo = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", repo)
    runner = CliRunner()
    assert runner.invoke(app, ["fix", str(repo), "--apply", "--no-color"]).exit_code == 0
    after = runner.invoke(app, ["check", str(repo), "--format", "json", "--fail-on", "info"])
    assert after.exit_code == 0 and '"findings": []' in after.stdout
    assert "no catalogue: discovered" in after.stdout
    created = repo / "apps" / "edge" / "src" / "carts.js"
    if shutil.which("node"):
        subprocess.run(["node", "--check", str(created)], check=True)
    assert "upstreams" not in created.read_text()
