"""The route analyses the GW and HC checks share: path patterns, Express apps, frontend calls."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from tiketi_doctor.analysis import routepaths
from tiketi_doctor.analysis.express import express_app
from tiketi_doctor.analysis.frontend_calls import frontend_api
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

from .conftest import CASES, EXAMPLE


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("/api/events/*", "/api/events", True),
        ("/api/events/*", "/api/events/:param/seats", True),
        ("/api/news/:id", "/api/news/:param", True),
        ("/api/stats/overview", "/api/stats/:param", False),  # an unknown id is not assumed to be "overview"
        ("/api/Stats/Overview", "/api/stats/overview/", True),  # case-insensitive, trailing slash tolerated
        ("/api/items/:id?", "/api/items", True),
        ("/files/:name.png", "/files/logo.png", True),
        ("/api/(.*)", "/api/anything/below", True),
        ("/api/payments", "/api/payments/confirm", False),
    ],
)
def test_route_patterns_match_called_paths(pattern, path, expected):
    assert routepaths.matches(pattern, path) is expected


def test_mount_prefixes_cover_paths_below_them():
    assert routepaths.matches_prefix("/api/payments", "/api/payments/confirm")
    assert not routepaths.matches_prefix("/api/pay", "/api/payments")
    assert routepaths.strip_prefix("/api/stats", "/api/stats/overview") == "/overview"


def _context(root: Path) -> ScanContext:
    return ScanContext(RepoView(root), find_catalogue(root))


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def test_express_app_reads_nested_routers_and_proxies(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    _write(root, {
        "web/src/server.js": """
            const express = require('express');
            const app = express();
            app.set('title', 'web');
            app.get('title');
            app.use('/api', require('./routes'));
            app.listen(3001);
            """,
        "web/src/routes/index.js": """
            const { Router } = require('express');
            const router = Router();
            router.use('/items', require('./items'));
            module.exports = router;
            """,
        "web/src/routes/items.js": """
            const express = require('express');
            const { forward } = require('../lib/proxy');
            const router = express.Router();
            const API_URL = process.env.API_URL || 'http://api:3005';
            router.get('/report', async (req, res) => res.json(await (await fetch(`${API_URL}/internal/report`)).json()));
            router.all('/*', forward(API_URL));
            module.exports = router;
            """,
        "web/src/lib/proxy.js": """
            exports.forward = (base) => (req, res) => fetch(new URL(req.originalUrl, base)).then((r) => r.body.pipe(res));
            """,
    })
    ctx = _context(root)
    app = express_app(ctx, ctx.catalogue.component("web"))
    routes = {(r.method, r.path): r for r in app.routes}
    assert set(routes) == {("GET", "/api/items/report"), ("ALL", "/api/items/*")}
    assert routes[("GET", "/api/items/report")].proxy is None  # a fixed upstream path is business logic
    proxy = routes[("ALL", "/api/items/*")].proxy
    assert (proxy.component, proxy.variable, proxy.forwards) == ("api", "API_URL", "original")
    assert proxy.helper == "forward (web/src/lib/proxy.js:1)"
    assert (routes[("ALL", "/api/items/*")].location.path, routes[("ALL", "/api/items/*")].location.line) == ("web/src/routes/items.js", 6)
    assert [(m.prefix, m.file) for m in app.mounts] == [("/api", "web/src/routes/index.js"), ("/api/items", "web/src/routes/items.js")]
    assert app.serves("POST", "/api/items/:param/stock").path == "/api/items/*"
    assert app.serves("GET", "/api/orders") is None


def test_frontend_calls_resolve_instances_across_modules(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    catalogue = (root / "tiketi-doctor.yaml").read_text().replace(
        "docs:", "  - name: ui\n    role: frontend\n    source: ui/src\ndocs:"
    )
    (root / "tiketi-doctor.yaml").write_text(catalogue)
    _write(root, {
        "ui/src/api.js": """
            import axios from 'axios';
            const API_URL = process.env.REACT_APP_API_URL || 'http://localhost:3001';
            export const api = axios.create({ baseURL: `${API_URL}/api` });
            export const itemsAPI = { one: (id) => api.get(`/items/${id}?full=1`) };
            """,
        "ui/src/page.js": """
            import { api as client, itemsAPI } from './api';
            // client.get('/in/a/comment')
            export const load = (id) => [client.post('/orders', { id }), itemsAPI.one(id), fetch('https://example.com/x')];
            """,
    })
    calls = frontend_api(_context(root)).calls
    found = [(c.method, c.path, c.location.path, c.location.line, [str(x) for x in c.callers]) for c in calls]
    assert found == [
        ("GET", "/api/items/:param", "ui/src/api.js", 4, ["ui/src/page.js:3:62"]),
        ("POST", "/api/orders", "ui/src/page.js", 3, []),
    ]


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason="the example repository is not present")
def test_example_frontend_calls_and_gateway_routes():
    ctx = _context(EXAMPLE)
    calls = {(c.method, c.path): c for c in frontend_api(ctx).calls}
    assert calls[("POST", "/api/payments/confirm")].location.path == "frontend/src/pages/PaymentSuccess.js"
    assert calls[("GET", "/api/stats/overview")].location.path == "frontend/src/pages/AdminStats.js"
    assert calls[("GET", "/api/events/:param/seats")].location.path == "frontend/src/services/api.js"
    gateway = express_app(ctx, ctx.catalogue.component("backend"))
    targets = {r.mount: r.proxy.component for r in gateway.proxies}
    assert targets == {
        "/api/auth": "auth-service",
        "/api/events": "ticket-service",
        "/api/reservations": "ticket-service",
        "/api/queue": "ticket-service",
        "/api/payments": "payment-service",
    }
    assert gateway.serves("GET", "/api/news/:param").proxy is None  # served by the gateway itself
    stats = express_app(ctx, ctx.catalogue.component("stats-service"))
    assert stats.serves("GET", "/api/stats/overview").file == "services/stats-service/src/routes/stats.js"
    frontend = express_app(ctx, ctx.catalogue.component("frontend"))  # frontend/server.js, outside src/
    assert frontend.serves("GET", "/health/ready", static=False) is not None
