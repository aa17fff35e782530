"""Docker Compose files: services, their builds, published ports and mounts, with positions.

Compose merges `docker-compose.yml` with `docker-compose.override.yml` (and `compose.yaml`
with `compose.override.yaml`) by default, so those pairs are one project; any other file
(`docker-compose.prod.yml`) is its own. `${VAR:-default}` interpolation uses the default.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Any

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from ..parsing.yamldoc import YamlDoc, parse_yaml_documents
from ..repo import RepoView
from ..files import is_compose_file

_BASES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
ANY_ADDRESS = ("", "0.0.0.0", "::", "[::]")


@dataclass(frozen=True)
class PortMapping:
    host_ip: str
    host_start: int
    host_end: int
    container_start: int
    protocol: str
    location: Location
    text: str

    def overlaps(self, other: "PortMapping") -> bool:
        if self.protocol != other.protocol:
            return False
        if self.host_ip not in ANY_ADDRESS and other.host_ip not in ANY_ADDRESS and self.host_ip != other.host_ip:
            return False
        return self.host_start <= other.host_end and other.host_start <= self.host_end


@dataclass(frozen=True)
class Mount:
    kind: str  # bind | volume | anonymous | tmpfs
    source: str  # host path (repository-relative when inside it) or volume name
    target: str
    location: Location
    text: str


@dataclass(frozen=True)
class ComposeBuild:
    context: str  # repository-relative (may start with ../ when it leaves the repository)
    dockerfile: str  # repository-relative
    location: Location

    @property
    def in_repository(self) -> bool:
        return not (self.context == ".." or self.context.startswith(("../", "/")))


@dataclass(frozen=True)
class ComposeVariable:
    """One `environment:` entry of a service."""

    name: str
    value: str | None  # interpolated; None when passed on from the host's environment (`KEY` or `KEY:`)
    location: Location


@dataclass
class ComposeService:
    name: str
    file: str
    path: tuple
    data: dict
    location: Location
    build: ComposeBuild | None = None
    ports: list[PortMapping] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    environment: list[ComposeVariable] = field(default_factory=list)

    @property
    def image(self) -> str | None:
        value = self.data.get("image")
        return interpolate(str(value)) if value else None

    @property
    def profiles(self) -> set[str]:
        value = self.data.get("profiles")
        return {str(p) for p in value} if isinstance(value, list) else set()


@dataclass
class ComposeFile:
    path: str
    doc: YamlDoc
    services: list[ComposeService]

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def project(self) -> str:
        """Files Compose merges by default share a project key: the folder plus the base name."""
        name = posixpath.basename(self.path)
        for base in _BASES:
            stem = base.rsplit(".", 1)[0]
            if name in (base, f"{stem}.override.yml", f"{stem}.override.yaml"):
                return f"{self.folder}/{stem}"
        return self.path


def compose_paths(ctx: ScanContext) -> list[str]:
    return [p for p in ctx.repo.walk(suffixes=(".yml", ".yaml")) if is_compose_file(p)]


def compose_files(ctx: ScanContext) -> list[ComposeFile]:
    return ctx.memo("compose-files", lambda: [f for p in compose_paths(ctx) if (f := read_compose_file(ctx.repo, p)) is not None])


def interpolate(text: str) -> str:
    """Compose variable substitution with only the defaults known: `${PORT:-3000}` -> `3000`."""
    def value(match: re.Match) -> str:
        if match.group(2) in (":-", "-"):
            return match.group(3) or ""
        return match.group(0)

    return _INTERPOLATION.sub(value, text)


def services_of(repo: RepoView, paths: list[str]) -> list[ComposeService]:
    """The services of these compose files, in order."""
    return [service for path in paths if (read := read_compose_file(repo, path)) is not None for service in read.services]


def read_compose_file(repo: RepoView, path: str) -> ComposeFile | None:
    """One compose file (None when it is not a mapping); discovery reads it before any catalogue exists."""
    docs = repo.parsed("yaml", path, lambda f: parse_yaml_documents(f.text))
    if not docs or not isinstance(docs[0].data, dict):
        return None
    doc = docs[0]
    result = ComposeFile(path, doc, [])
    services = doc.data.get("services")
    if not isinstance(services, dict):
        return result
    folder = result.folder

    def at(p: tuple, label: str | None = None) -> Location:
        return Location(path, doc.line(p), doc.column(p), label=label)

    for name, data in services.items():
        if not isinstance(data, dict):
            continue
        base = ("services", name)
        service = ComposeService(str(name), path, base, data, at(base))
        service.build = _build(data.get("build"), folder, at(base + ("build",)))
        for i, item in enumerate(data.get("ports") or []):
            mapping = _port(item, at(base + ("ports", i)))
            if mapping is not None:
                service.ports.append(mapping)
        for i, item in enumerate(data.get("volumes") or []):
            mount = _mount(item, folder, at(base + ("volumes", i)))
            if mount is not None:
                service.mounts.append(mount)
        service.environment = _environment(data.get("environment"), base + ("environment",), at)
        result.services.append(service)
    return result


def _environment(value: Any, base: tuple, at) -> list[ComposeVariable]:
    """`environment:` as a map (`KEY: value`, `KEY:`) or a list (`KEY=value`, `KEY`)."""
    items: list[tuple[str, str | None, tuple]] = []
    if isinstance(value, dict):
        items = [(str(k), None if v is None else str(v), base + (k,)) for k, v in value.items()]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            name, eq, text = str(item).partition("=")
            items.append((name, text if eq else None, base + (i,)))
    return [ComposeVariable(name, interpolate(text) if text is not None else None, at(path, name)) for name, text, path in items]


def _build(value: Any, folder: str, where: Location) -> ComposeBuild | None:
    if isinstance(value, str):
        context, dockerfile = value, "Dockerfile"
    elif isinstance(value, dict):
        context = str(value.get("context") or ".")
        dockerfile = str(value.get("dockerfile") or "Dockerfile")
    else:
        return None
    context = interpolate(context)
    if "://" in context or context.startswith("git@"):
        return None
    context = posixpath.normpath(posixpath.join(folder, context))
    return ComposeBuild(context, posixpath.normpath(posixpath.join(context, interpolate(dockerfile))), where)


def _port(item: Any, where: Location) -> PortMapping | None:
    if isinstance(item, dict):
        published = item.get("published")
        if published is None:
            return None
        host = _range(interpolate(str(published)))
        target = _range(interpolate(str(item.get("target", ""))))
        if host is None or target is None:
            return None
        ip = str(item.get("host_ip") or "")
        protocol = str(item.get("protocol") or "tcp")
        return PortMapping(ip, host[0], host[1], target[0], protocol, where, f"{ip + ':' if ip else ''}{published}:{item.get('target')}")
    text = interpolate(str(item)).strip()
    protocol = "tcp"
    if "/" in text:
        text, protocol = text.rsplit("/", 1)
    ip = ""
    if text.startswith("["):
        close = text.find("]")
        ip, text = text[: close + 1], text[close + 2:]
    parts = text.split(":")
    if len(parts) == 3:
        ip, host_part, container_part = parts
    elif len(parts) == 2:
        host_part, container_part = parts
    else:
        return None  # container port only: Docker picks a free host port
    host, container = _range(host_part), _range(container_part)
    if host is None or container is None:
        return None
    return PortMapping(ip, host[0], host[1], container[0], protocol, where, str(item))


def _range(text: str) -> tuple[int, int] | None:
    start, _, end = text.strip().partition("-")
    if not start.isdigit() or (end and not end.isdigit()):
        return None
    return int(start), int(end or start)


def _mount(item: Any, folder: str, where: Location) -> Mount | None:
    if isinstance(item, dict):
        kind = str(item.get("type") or "volume")
        source = interpolate(str(item.get("source") or ""))
        target = interpolate(str(item.get("target") or ""))
        if not target:
            return None
        if kind == "bind":
            source = _host_path(source, folder)
        elif kind == "volume" and not source:
            kind = "anonymous"
        return Mount(kind, source, posixpath.normpath(target), where, f"{source}:{target}")
    text = interpolate(str(item))
    parts = text.split(":")
    if len(parts) == 1:
        return Mount("anonymous", "", posixpath.normpath(parts[0]), where, text)
    source, target = parts[0], parts[1]
    if source.startswith((".", "/", "~")):
        return Mount("bind", _host_path(source, folder), posixpath.normpath(target), where, text)
    return Mount("volume", source, posixpath.normpath(target), where, text)


def _host_path(source: str, folder: str) -> str:
    if source.startswith(("/", "~")):
        return source
    return posixpath.normpath(posixpath.join(folder, source))
