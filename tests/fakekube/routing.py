"""Turn a request path into what it addresses: a discovery document or a
resource (group, version, plural, namespace, name, subresource)."""

from __future__ import annotations

from dataclasses import dataclass

from . import discovery
from .resources import Resource, lookup

HEALTH_PATHS = ("/healthz", "/livez", "/readyz")
_TRUE = {"1", "t", "T", "true", "TRUE", "True"}


def flag(query: dict, name: str) -> bool:
    """A boolean query parameter, parsed like Go's strconv.ParseBool (the Python
    client sends 'True')."""
    return query.get(name) in _TRUE


@dataclass
class Route:
    kind: str                      # 'document' | 'health' | 'resource' | 'unknown'
    document: dict | None = None
    resource: Resource | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None

    def verb(self, method: str, query: dict) -> str:
        """The Kubernetes verb, as RBAC and audit logs name it."""
        if method == "GET":
            if self.name is None:
                return "watch" if flag(query, "watch") else "list"
            return "get"
        if method == "DELETE" and self.name is None:
            return "deletecollection"
        return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())


def _document(path: str) -> dict | None:
    if path == "/version":
        return discovery.SERVER_VERSION
    if path == "/api":
        return discovery.api_versions()
    if path == "/apis":
        return discovery.api_group_list()
    if path == "/api/v1":
        return discovery.api_resource_list("", "v1")
    parts = path.split("/")[2:]
    if path.startswith("/apis/") and len(parts) == 1:
        return discovery.api_group(parts[0])
    if path.startswith("/apis/") and len(parts) == 2:
        return discovery.api_resource_list(parts[0], parts[1])
    return None


def parse(path: str) -> Route:
    path = "/" + path.strip("/")
    if path in HEALTH_PATHS or any(path.startswith(p + "/") for p in HEALTH_PATHS):
        return Route("health")
    document = _document(path)
    if document is not None:
        return Route("document", document=document)
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif parts[0] == "apis" and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return Route("unknown")
    return _resource_route(group, version, rest)


def _resource_route(group: str, version: str, rest: list[str]) -> Route:
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces" and not group:
        candidate = lookup(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    elif len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return Route("unknown")
    resource = lookup(group, version, rest[0])
    if resource is None:
        return Route("unknown")
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if resource.namespaced and name is not None and namespace is None:
        return Route("unknown")   # a namespaced object needs /namespaces/{ns}/ in its path
    if not resource.namespaced and namespace is not None:
        return Route("unknown")
    if subresource is not None and subresource not in resource.subresources:
        return Route("unknown")
    return Route("resource", resource=resource, namespace=namespace, name=name, subresource=subresource)
