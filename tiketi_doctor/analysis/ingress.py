"""Ingress rules as routes (host, path, pathType, backend Service and port), matched like a controller.

`Prefix` matches whole path segments (`/api` matches `/api/x`, not `/apix`), `Exact` the path
itself, `ImplementationSpecific` a string prefix — or a regular expression when the path holds
regex syntax or ingress-nginx's `use-regex`/`rewrite-target` annotations say so. The longest
matching path of a host wins; a `defaultBackend` takes the rest.
"""
from __future__ import annotations

import re

from ..deferred import dataclass
from ..model import Location
from .environments import Environment
from .kustomize import Placed

REWRITE_TARGET = "nginx.ingress.kubernetes.io/rewrite-target"
_REGEX_HINT = re.compile(r"[()\[\]*+?$^|\\]")


@dataclass(frozen=True)
class IngressRoute:
    ingress: str
    host: str | None
    path: str
    path_type: str
    service: str | None
    port: int | str | None
    location: Location  # the path entry
    backend: Location  # the backend's service name
    regex: bool = False
    default: bool = False  # a defaultBackend: every path no rule matches
    rewrite: str | None = None  # ingress-nginx's rewrite-target annotation
    annotation: Location | None = None  # where the rewrite-target is written

    def rewritten(self, path: str) -> tuple[str, list[int]] | None:
        """The path the backend receives under `rewrite-target`, and the capture groups it names that
        the rule's path does not have; None without a rewrite (or when the rule does not match).

        ingress-nginx writes `rewrite "(?i)<path>" <target> break;`: the whole URI becomes the target,
        with `$n` replaced by the path's capture groups (empty when a group did not take part)."""
        if self.rewrite is None or self.default:
            return None
        pattern = self.path if self.regex else re.escape(self.path)
        try:
            match = re.match(pattern, path, re.IGNORECASE)
        except re.error:
            return None
        if match is None:
            return None
        missing: list[int] = []

        def group(m: re.Match) -> str:
            n = int(m.group(1) or m.group(2))
            if n > match.re.groups:
                missing.append(n)
                return ""
            return match.group(n) or ""

        target = re.sub(r"\$(?:\{(\d+)\}|(\d+))", group, self.rewrite)
        return (target or "/"), missing

    def matches(self, path: str) -> bool:
        if self.default:
            return True
        if self.regex:
            try:
                return re.match(self.path, path, re.IGNORECASE) is not None
            except re.error:
                return False
        if self.path_type == "Exact":
            return path == self.path
        prefix = self.path.rstrip("/")
        if not prefix:
            return True
        if self.path_type == "Prefix":
            return path == prefix or path.startswith(prefix + "/")
        return path.startswith(self.path)

    @property
    def weight(self) -> tuple[int, int]:
        """Rank for "longest match wins": exact matches beat prefixes of the same length."""
        if self.default:
            return (-1, 0)
        return (len(self.path), 1 if self.path_type == "Exact" else 0)

    def describe(self) -> str:
        target = f"{self.service}:{self.port}" if self.service else "no Service"
        if self.default:
            return f"defaultBackend -> {target}"
        return f"{self.host or '*'}{self.path} ({self.path_type}) -> {target}"


def routes(env: Environment) -> list[IngressRoute]:
    found = []
    for ingress in env.of_kind("Ingress"):
        found.extend(_routes_of(ingress))
    return found


def _routes_of(ingress: Placed) -> list[IngressRoute]:
    annotations = ingress.get("metadata", "annotations") or {}
    regex_mode = str(annotations.get("nginx.ingress.kubernetes.io/use-regex", "")).lower() == "true"
    target = annotations.get(REWRITE_TARGET)
    target = str(target) if target is not None and not isinstance(target, (dict, list)) else None
    rewrite = target is not None and "$" in target
    annotation = ingress.at(("metadata", "annotations", REWRITE_TARGET), label=f"rewrite-target: {target}") if target is not None else None
    found = []
    default = ingress.get("spec", "defaultBackend") or ingress.get("spec", "backend")
    if isinstance(default, dict):
        key = "defaultBackend" if ingress.get("spec", "defaultBackend") else "backend"
        service, port = _backend(default)
        where = ingress.at(("spec", key), label=f"{key}: {service}:{port}")
        found.append(IngressRoute(ingress.name, None, "/", "Prefix", service, port, where, where, default=True))
    for i, rule in enumerate(ingress.get("spec", "rules") or []):
        if not isinstance(rule, dict):
            continue
        host = rule.get("host")
        for j, item in enumerate((rule.get("http") or {}).get("paths") or []):
            if not isinstance(item, dict):
                continue
            path = str(item.get("path") or "/")
            path_type = str(item.get("pathType") or "ImplementationSpecific")
            service, port = _backend(item.get("backend") or {})
            base = ("spec", "rules", i, "http", "paths", j)
            location = ingress.at(base + ("path",), label=f"path: {path}")
            backend_key = ("backend", "service", "name") if isinstance((item.get("backend") or {}).get("service"), dict) else ("backend", "serviceName")
            backend = ingress.at(base + backend_key, label=f"{service}:{port}")
            regex = path_type == "ImplementationSpecific" and (regex_mode or rewrite) and bool(_REGEX_HINT.search(path))
            found.append(IngressRoute(ingress.name, str(host) if host else None, path, path_type, service, port, location, backend, regex, rewrite=target, annotation=annotation))
    return found


def _backend(backend: dict) -> tuple[str | None, int | str | None]:
    service = backend.get("service")
    if isinstance(service, dict):  # networking.k8s.io/v1
        port = service.get("port") or {}
        value = port.get("number") if isinstance(port, dict) and port.get("number") is not None else (port.get("name") if isinstance(port, dict) else None)
        return (str(service.get("name")) if service.get("name") else None), value
    if backend.get("serviceName"):  # extensions/v1beta1
        return str(backend["serviceName"]), backend.get("servicePort")
    return None, None


def route_for(found: list[IngressRoute], path: str, host: str | None) -> IngressRoute | None:
    """The route a controller picks for `path` on `host`: that host's rules, or the host-less ones when it has none."""
    hosted = host is not None and any(r.host == host for r in found)
    pool = [r for r in found if (r.default or r.host == (host if hosted else None)) and r.matches(path)]
    return max(pool, key=lambda r: r.weight) if pool else None
