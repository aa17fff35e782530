"""Environment variables and the components their values point at.

A value points at a component when it is a URL (any scheme) or a bare host whose host is the
component's name or Service name (`http://stats-service:3004`, `redis://redis:6379`,
`postgres-service`), or a localhost URL on the component's port (`http://localhost:3001`,
what a browser bundle uses). Values come from code defaults (`process.env.X || '...'`), the
ConfigMaps and `env:` a workload loads, env example files and compose `environment:`.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..deferred import dataclass
from ..analysis.source import js_module
from ..context import ScanContext
from ..model import Location
from ..repo import RepoView
from ..analysis.k8s import K8sObject
from .cluster import ClusterIndex, Workload

LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1"}
# Variables that name where requests come from or go back to, not a component they reach.
NOT_A_TARGET = re.compile(r"ORIGIN|CORS|REDIRECT|CALLBACK|WEBHOOK|ALLOWED|RETURN", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_PORT = re.compile(r"^([a-z0-9][a-z0-9.-]*):(\d{2,5})$", re.IGNORECASE)
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_ENV_READS = """
(member_expression
    object: (member_expression property: (property_identifier) @env)
    property: (property_identifier) @name
    (#eq? @env "env")) @read
"""


@dataclass(frozen=True)
class Binding:
    variable: str
    value: str
    where: Location
    kind: str  # code | configmap | env | env file | compose
    owner: str | None  # the component whose code, workload or env file holds it

    def describe(self) -> str:
        return f"{self.where.path}:{self.where.line}" if self.where.line else self.where.path


@dataclass(frozen=True)
class Target:
    component: str
    scheme: str  # http, https, redis, ... or "" for a bare host
    port: int | None


class Hosts:
    """Host names and ports -> component names."""

    def __init__(self, names: dict[str, str], ports: dict[int, list[str]]):
        self.names = names
        self.ports = ports

    def target(self, value: str) -> Target | None:
        value = value.strip().strip("'\"")
        if _SCHEME.match(value):
            try:
                parts = urlsplit(value)
                host, port = (parts.hostname or "").lower(), parts.port
            except ValueError:
                return None
            scheme = parts.scheme.lower()
        else:
            match = _HOST_PORT.match(value)
            host, port = (match.group(1).lower(), int(match.group(2))) if match else (value.lower(), None)
            scheme = ""
        if host in LOCAL_HOSTS:
            owners = self.ports.get(port, []) if port else []
            return Target(owners[0], scheme, port) if len(owners) == 1 else None
        name = self.names.get(host) or self.names.get(host.split(".", 1)[0]) if host else None
        return Target(name, scheme, port) if name else None


def env_reads(ctx: ScanContext, files: list[str]) -> dict[str, Location]:
    """Variable name -> first place the code reads it (`process.env.X`, `import.meta.env.X`)."""
    found: dict[str, Location] = {}
    for path in files:
        for name, where in ctx.repo.parsed("env-reads", path, lambda _: _file_env_reads(ctx, path)) or []:
            found.setdefault(name, where)
    return found


def _file_env_reads(ctx: ScanContext, path: str) -> list[tuple[str, Location]]:
    found: list[tuple[str, Location]] = []
    module = js_module(ctx, path)
    if module is not None:
        for match in module.matches(_ENV_READS):
            read, name = match["read"][0], match["name"][0]
            holder = read.child_by_field_name("object")
            if holder is None or holder.text not in (b"process.env", b"import.meta.env"):
                continue
            line, column = module.position(read)
            found.append((name.text.decode(), Location(path, line, column, label=read.text.decode())))
    return found


def code_bindings(ctx: ScanContext, owner: str, files: list[str]) -> list[Binding]:
    found = []
    for path in files:
        module = js_module(ctx, path)
        for default in module.env_defaults if module else []:
            found.append(Binding(default.name, default.value, Location(path, default.line, default.column, label=default.text), "code", owner))
    return found


def workload_bindings(cluster: ClusterIndex, workload: Workload, owner: str) -> list[Binding]:
    """`env:` values of the main container, and ConfigMap keys it takes one by one (configMapKeyRef)."""
    found: list[Binding] = []
    container = workload.container
    if container is None:
        return found
    for i, entry in enumerate(container.data.get("env") or []):
        if isinstance(entry, dict) and isinstance(entry.get("value"), (str, int)):
            where = workload.at("env", i, "value", label=f"{entry.get('name')}={entry['value']}")
            found.append(Binding(str(entry.get("name")), str(entry["value"]), where, "env", owner))
        ref = ((entry.get("valueFrom") or {}).get("configMapKeyRef") if isinstance(entry, dict) else None) or {}
        configmap = cluster.configmap(str(ref.get("name"))) if ref.get("name") else None
        value = (configmap.get("data", ref.get("key")) if configmap else None)
        if configmap is not None and isinstance(value, str):
            where = configmap.at(("data", ref.get("key")), label=f"{ref.get('key')}: {value}")
            found.append(Binding(str(entry.get("name")), value, where, "configmap", owner))
    return found


def env_from(cluster: ClusterIndex, workload: Workload) -> list[tuple[K8sObject, str]]:
    """(ConfigMap, prefix) of every `envFrom: configMapRef` of the main container."""
    found = []
    for source in (workload.container.data.get("envFrom") or []) if workload.container else []:
        ref = source.get("configMapRef") if isinstance(source, dict) else None
        configmap = cluster.configmap(str(ref.get("name"))) if isinstance(ref, dict) and ref.get("name") else None
        if configmap is not None:
            found.append((configmap, str(source.get("prefix") or "")))
    return found


def configmap_bindings(configmap: K8sObject, prefix: str = "") -> list[Binding]:
    """Every key of a ConfigMap, as the environment of the workloads that load it whole (no single owner)."""
    data = configmap.get("data")
    found = []
    for key, value in (data.items() if isinstance(data, dict) else []):
        if isinstance(value, (str, int)):
            where = configmap.at(("data", key), label=f"{key}: {value}")
            found.append(Binding(prefix + str(key), str(value), where, "configmap", None))
    return found


def loaded_configmaps(cluster: ClusterIndex, workload: Workload) -> list[str]:
    """Files of the ConfigMaps a workload loads as environment."""
    files = [c.path for c, _ in env_from(cluster, workload)]
    for entry in (workload.container.data.get("env") or []) if workload.container else []:
        ref = ((entry.get("valueFrom") or {}).get("configMapKeyRef") if isinstance(entry, dict) else None) or {}
        configmap = cluster.configmap(str(ref.get("name"))) if ref.get("name") else None
        if configmap is not None:
            files.append(configmap.path)
    return list(dict.fromkeys(files))


def env_file_bindings(repo: RepoView, path: str, owner: str) -> list[Binding]:
    source = repo.text(path)
    found = []
    for number, line in enumerate(source.lines if source else [], 1):
        match = _ENV_LINE.match(line)
        if match and not line.lstrip().startswith("#"):
            value = match.group(2).strip("'\"")
            found.append(Binding(match.group(1), value, Location(path, number, label=line.strip()), "env file", owner))
    return found


def is_url_variable(name: str) -> bool:
    return not NOT_A_TARGET.search(name)


def is_http(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))
