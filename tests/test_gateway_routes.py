"""nginx and Kong configuration read as route tables: matching order and the path the upstream receives."""
from __future__ import annotations

from tiketi_doctor.analysis import kong, nginx
from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

CONF = r"""
# envsubst template
opentracing_propagate_context;
http {
  server {
    listen 8080;
    location / { root /usr/share/nginx/html; try_files $uri /index.html; }
    location = /health { return 200 '{"status":"ok","v":"${APP_VERSION}"}'; }
    location /api/orders {
        rewrite ^/api/orders$ / break;
        rewrite ^/api/orders(/.*)$ $1 break;
        proxy_pass http://order-service:3000;
    }
    location /api/catalogue/ { proxy_pass http://${CATALOGUE_HOST}:8080/; }
    location /api/ { proxy_pass http://gateway:3001/v1/; }
    location ~ ^/ws/(\d+)$ { proxy_pass http://live:4000; }
    location ^~ /static/ { root /srv; }
  }
}
"""


def _server() -> nginx.NginxServer:
    found = nginx.servers("nginx.conf", CONF)
    assert found is not None and len(found) == 1
    return found[0]


def test_locations_match_like_nginx() -> None:
    server = _server()
    assert server.location_for("/health").modifier == "="
    assert server.location_for("/api/orders/7").path == "/api/orders"
    assert server.location_for("/ws/12").modifier == "~"
    assert server.location_for("/static/x.js").modifier == "^~"
    assert server.location_for("/cart").path == "/"


def test_forwarded_paths() -> None:
    server = _server()
    assert server.location_for("/api/orders").forwarded("/api/orders") == "/"
    assert server.location_for("/api/orders/7").forwarded("/api/orders/7") == "/7"
    assert server.location_for("/api/users/1").forwarded("/api/users/1") == "/v1/users/1"
    assert server.location_for("/ws/12").forwarded("/ws/12") == "/ws/12"
    catalogue = server.location_for("/api/catalogue/x")
    assert catalogue.forwarded("/api/catalogue/x") == "/x" and catalogue.upstream_host is None


def test_unbalanced_config_is_not_read() -> None:
    assert nginx.servers("nginx.conf", "server { location / { root /x; }") is None
    assert nginx.servers("nginx.conf", "}") is None


def test_kong_routes() -> None:
    doc = parse_yaml_documents(
        "_format_version: '3.0'\nservices:\n  - name: orders\n    url: http://orders:3000/v1\n    routes:\n"
        "      - paths: [/api/orders]\n  - name: users\n    host: users\n    port: 3000\nroutes:\n"
        "  - service: {name: users}\n    strip_path: false\n    paths: ['~/api/users/\\d+$']\n"
    )[0]
    found = kong.routes(doc, "kong.yml")
    assert [(r.service, r.path, r.strip_path, r.host) for r in found] == [
        ("orders", "/api/orders", True, "orders"),
        ("users", "~/api/users/\\d+$", False, "users"),
    ]
    assert found[0].forwarded("/api/orders/3") == "/v1/3"
    assert found[1].forwarded("/api/users/5") == "/api/users/5"
    assert found[1].forwarded("/api/users/x") is None
    assert kong.routes(parse_yaml_documents("services: []\n")[0], "kong.yml") is None
