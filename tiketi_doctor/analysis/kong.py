"""Kong's declarative configuration (`kong.yml` with `_format_version`) as a gateway's route table.

Services name their upstream (`url`, or `protocol`/`host`/`port`/`path`); routes list `paths`
(a prefix, or a regex when it starts with `~`) and `strip_path` (default true). The upstream
receives the service's path followed by the request path, minus the matched prefix when
`strip_path` is on. Routes are nested under their service or listed at the top with
`service: NAME`.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

from ..deferred import dataclass
from ..model import Location
from ..parsing.yamldoc import YamlDoc

CONFIG_NAMES = ("kong.yml", "kong.yaml")


def is_config(path: str) -> bool:
    return posixpath.basename(path) in CONFIG_NAMES


@dataclass(frozen=True)
class KongRoute:
    service: str
    path: str  # as written (`/api/orders`, `~/api/orders/\d+$`)
    strip_path: bool
    host: str | None  # the upstream host
    service_path: str  # the upstream path prefix
    location: Location

    @property
    def regex(self) -> bool:
        return self.path.startswith("~")

    def match(self, path: str) -> str | None:
        """The matched part of `path`, or None."""
        if self.regex:
            try:
                found = re.match(self.path[1:], path)
            except re.error:
                return None
            return found.group(0) if found else None
        return self.path if path.startswith(self.path) else None

    def forwarded(self, path: str) -> str | None:
        matched = self.match(path)
        if matched is None:
            return None
        rest = path[len(matched):] if self.strip_path else path
        base = self.service_path.rstrip("/")
        if not rest.startswith("/"):
            rest = "/" + rest if rest else ""
        return (base + rest) or "/"


def routes(doc: YamlDoc, path: str) -> list[KongRoute] | None:
    """The routes of a declarative config; None when the file is not one (no `_format_version`)."""
    data = doc.data
    if not isinstance(data, dict) or "_format_version" not in data:
        return None
    found: list[KongRoute] = []
    services = {}
    for i, service in enumerate(data.get("services") or []):
        if not isinstance(service, dict) or not service.get("name"):
            continue
        upstream = _upstream(service)
        services[str(service["name"])] = upstream
        for j, route in enumerate(service.get("routes") or []):
            found.extend(_route(doc, path, ("services", i, "routes", j), route, str(service["name"]), upstream))
    for j, route in enumerate(data.get("routes") or []):
        if not isinstance(route, dict):
            continue
        ref = route.get("service")
        name = str(ref.get("name") if isinstance(ref, dict) else ref or "")
        if name in services:
            found.extend(_route(doc, path, ("routes", j), route, name, services[name]))
    return found


def _upstream(service: dict) -> tuple[str | None, str]:
    if isinstance(service.get("url"), str):
        parts = urlsplit(service["url"])
        return parts.hostname, parts.path or ""
    host = service.get("host")
    return (str(host) if host else None), str(service.get("path") or "")


def _route(doc: YamlDoc, path: str, at: tuple, route, service: str, upstream: tuple[str | None, str]) -> list[KongRoute]:
    if not isinstance(route, dict):
        return []
    strip = route.get("strip_path", True) is not False
    found = []
    for k, item in enumerate(route.get("paths") or []):
        if isinstance(item, str) and item:
            where = Location(path, doc.line(at + ("paths", k)), label=f"paths: {item}")
            found.append(KongRoute(service, item, strip, upstream[0], upstream[1], where))
    return found
