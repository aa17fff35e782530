"""Every place in the repository where a component's port is written down.

A place belongs to the component it is about: a Dockerfile EXPOSE to the component
built from that Dockerfile, `http://stats-service:3004` to stats-service wherever
it is written, `svc/auth-service 3005:3002` to auth-service (remote port 3002).
"""
from __future__ import annotations

import re
from typing import Iterator

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from . import k8s
from .image import dockerfile_of
from .source import js_module, source_files

APP, DOCKERFILE, MANIFEST, URL = "app", "dockerfile", "manifest", "url"

URL_PATTERN = re.compile(r"\b(?:https?|wss?)://([A-Za-z0-9][A-Za-z0-9.-]*):(\d{2,5})\b")
LOCAL_URL = re.compile(r"(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0):(\d{2,5})")
ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


@dataclass(frozen=True)
class PortPlace:
    component: str  # the component this port is about
    category: str  # app | dockerfile | manifest | url
    kind: str  # what the place is: "EXPOSE", "readinessProbe", "Service targetPort", ...
    value: int
    location: Location
    # Set when the value was resolved through a named port: the name itself needs no change.
    via_name: str | None = None


def port_places(ctx: ScanContext) -> list[PortPlace]:
    # 0 (a random port, or a template's placeholder) and out-of-range numbers name no port.
    return ctx.memo("port-places", lambda: [p for p in _collect(ctx) if 0 < p.value < 65536])


def places_of(ctx: ScanContext, component: str, category: str) -> list[PortPlace]:
    """The places of one component and category (indexed once, not filtered per check run)."""

    def index() -> dict[tuple[str, str], list[PortPlace]]:
        grouped: dict[tuple[str, str], list[PortPlace]] = {}
        for place in port_places(ctx):
            grouped.setdefault((place.component, place.category), []).append(place)
        return grouped

    return ctx.memo("port-places-by-component", index).get((component, category), [])


def _collect(ctx: ScanContext) -> Iterator[PortPlace]:
    for component in ctx.catalogue.components:
        yield from _component_places(ctx, component)
    yield from _url_places(ctx)


def _component_places(ctx: ScanContext, component: Component) -> list[PortPlace]:
    """One component's own places, an analysis of its own: a changed file re-reads one component
    (the run cache stores each component's list)."""

    def collect() -> list[PortPlace]:
        return [*_app_places(ctx, component), *_dockerfile_places(ctx, component), *_manifest_places(ctx, component)]

    return ctx.memo(("component-port-places", component.name), collect)


# -- the application -----------------------------------------------------------
def _app_places(ctx: ScanContext, component: Component) -> Iterator[PortPlace]:
    for path in source_files(ctx, component):
        module = js_module(ctx, path)
        if module is None:
            continue
        for default in module.env_defaults:
            if default.name == "PORT" and default.value.isdigit():
                yield PortPlace(
                    component.name, APP, "app default", int(default.value),
                    Location(path, default.line, default.column, label=default.text),
                )
        for port, line, column in module.listen_literals:
            yield PortPlace(component.name, APP, "listen()", port, Location(path, line, column, label=f"listen({port})"))
    if component.env_file:
        source = ctx.repo.text(component.env_file)
        for number, line in enumerate(source.lines if source else [], 1):
            match = ENV_LINE.match(line)
            if match and match.group(1) == "PORT" and match.group(2).strip("'\"").isdigit():
                yield PortPlace(
                    component.name, APP, "env file PORT", int(match.group(2).strip("'\"")),
                    Location(component.env_file, number, line.index("PORT") + 1, label=line.strip()),
                )


# -- the Dockerfile --------------------------------------------------------------
def _dockerfile_places(ctx: ScanContext, component: Component) -> Iterator[PortPlace]:
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is None:
        return
    for inst in dockerfile.final.instructions:
        if inst.cmd == "EXPOSE":
            for raw in inst.value:
                value = inst.expand(raw).split("/")[0]
                if value.isdigit():
                    line, col = dockerfile.locate(raw, inst)
                    yield PortPlace(component.name, DOCKERFILE, "EXPOSE", int(value), Location(dockerfile.path, line, col, label=f"EXPOSE {raw}"))
        elif inst.cmd == "HEALTHCHECK":
            text = inst.expand(" ".join(inst.value))
            for match in LOCAL_URL.finditer(text):
                line, col = dockerfile.locate(match.group(0), inst)
                yield PortPlace(
                    component.name, DOCKERFILE, "HEALTHCHECK", int(match.group(1)),
                    Location(dockerfile.path, line, col, label=f"HEALTHCHECK {match.group(0)}"),
                )
        elif inst.cmd == "ENV":
            env = dict(zip(inst.value[::2], inst.value[1::2]))
            if env.get("PORT", "").isdigit():
                line, col = dockerfile.locate("PORT", inst)
                yield PortPlace(component.name, DOCKERFILE, "ENV PORT", int(env["PORT"]), Location(dockerfile.path, line, col, label=f"ENV PORT={env['PORT']}"))


# -- Kubernetes manifests ----------------------------------------------------------
def _manifest_places(ctx: ScanContext, component: Component) -> Iterator[PortPlace]:
    workload = k8s.workload(ctx, component)
    named_ports: dict[str, int] = {}
    if workload is not None:
        container = k8s.main_container(workload, component)
        if container is not None:
            yield from _container_places(component, container, named_ports)
    service = k8s.service(ctx, component)
    if service is not None:
        yield from _service_places(component, service, named_ports)


def _container_places(component: Component, container: k8s.Container, named_ports: dict) -> Iterator[PortPlace]:
    obj, base = container.workload, container.path
    ports = container.data.get("ports") or []
    for i, port in enumerate(ports):
        if isinstance(port, dict) and isinstance(port.get("containerPort"), int):
            if port.get("name"):
                named_ports[str(port["name"])] = port["containerPort"]
            if not _serving(port, ports):
                continue
            path = base + ("ports", i, "containerPort")
            yield PortPlace(component.name, MANIFEST, "containerPort", port["containerPort"], obj.at(path, f"containerPort: {port['containerPort']}"))
    for i, env in enumerate(container.data.get("env") or []):
        if isinstance(env, dict) and env.get("name") == "PORT" and str(env.get("value", "")).isdigit():
            path = base + ("env", i, "value")
            yield PortPlace(component.name, MANIFEST, "env PORT", int(env["value"]), obj.at(path, f"PORT={env['value']}"))
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        spec = container.data.get(probe)
        if not isinstance(spec, dict):
            continue
        for handler in ("httpGet", "tcpSocket", "grpc"):
            port = (spec.get(handler) or {}).get("port") if isinstance(spec.get(handler), dict) else None
            value = named_ports.get(port) if isinstance(port, str) and not port.isdigit() else port
            if value is not None and str(value).isdigit():
                path = base + (probe, handler, "port")
                label = f"{probe}.{handler}.port: {port}"
                via = port if isinstance(port, str) and not port.isdigit() else None
                yield PortPlace(component.name, MANIFEST, probe, int(value), obj.at(path, label), via)


def _service_places(component: Component, service: k8s.K8sObject, named_ports: dict) -> Iterator[PortPlace]:
    ports = service.get("spec", "ports") or []
    for i, port in enumerate(ports):
        if not isinstance(port, dict) or not _serving(port, ports):
            continue
        target = port.get("targetPort")
        value = named_ports.get(target) if isinstance(target, str) and not target.isdigit() else target
        # Only the target has to be the container's port. The Service port is another link of the
        # chain only when it is the target (no targetPort) or written as the same number; a port
        # that maps elsewhere (80 -> 3000) is a deliberate choice of what callers use.
        mirrored = target is None or (value is not None and str(value) == str(port.get("port")))
        if isinstance(port.get("port"), int) and mirrored:
            yield PortPlace(component.name, MANIFEST, "Service port", port["port"], service.at(("spec", "ports", i, "port"), f"port: {port['port']}"))
        if value is not None and str(value).isdigit():
            via = target if isinstance(target, str) and not target.isdigit() else None
            yield PortPlace(component.name, MANIFEST, "Service targetPort", int(value), service.at(("spec", "ports", i, "targetPort"), f"targetPort: {target}"), via)


def _serving(port: dict, ports: list) -> bool:
    """Whether a port entry is the component's serving port, not an extra (metrics, debug) one."""
    name = str(port.get("name") or "")
    return len(ports) == 1 or not name or any(word in name for word in ("http", "web", "api"))


# -- URLs that point at a component ---------------------------------------------------
def _url_places(ctx: ScanContext) -> Iterator[PortPlace]:
    """Each URL naming a component's host, once per (component, file, line, URL) in the order the
    components and their files are listed."""
    seen: set[tuple] = set()
    for component in ctx.catalogue.components:
        candidates = ctx.memo(("component-url-places", component.name), lambda: list(_component_urls(ctx, component)))
        yield from _first_of_each(candidates, seen)
    candidates = ctx.memo("config-url-places", lambda: list(_config_urls(ctx)))
    yield from _first_of_each(candidates, seen)


def _first_of_each(places: list[PortPlace], seen: set[tuple]) -> Iterator[PortPlace]:
    for place in places:
        key = (place.component, place.location.path, place.location.line, place.location.label)
        if key not in seen:
            seen.add(key)
            yield place


def _url_emitter(ctx: ScanContext):
    catalogue = ctx.catalogue

    def emit(text: str, location: Location) -> Iterator[PortPlace]:
        if "://" not in text:
            return  # most strings are no URL: skip the regex
        for match in URL_PATTERN.finditer(text):
            target = catalogue.by_host(match.group(1))
            if target is not None:
                yield PortPlace(target.name, URL, "URL", int(match.group(2)), Location(location.path, location.line, location.column, label=match.group(0)))

    return emit


def _component_urls(ctx: ScanContext, component: Component) -> Iterator[PortPlace]:
    """The URLs in one component's sources, manifests and env file (repeats included)."""
    emit = _url_emitter(ctx)
    for path in source_files(ctx, component):
        module = js_module(ctx, path)
        if module is None or b"://" not in module.source:
            continue  # no URL in this file: its string literals need not be listed
        for literal in module.strings:
            yield from emit(literal.value, Location(path, literal.line, literal.column))
    for manifest in component.manifests:
        yield from _yaml_strings(ctx, manifest, emit)
    if component.env_file:
        yield from _text_lines(ctx, component.env_file, emit)


def _config_urls(ctx: ScanContext) -> Iterator[PortPlace]:
    """The URLs in the catalogue's config files (repeats included)."""
    emit = _url_emitter(ctx)
    for pattern in ctx.catalogue.config_files:
        for path in ctx.repo.glob(pattern):
            if path.endswith((".yaml", ".yml")):
                yield from _yaml_strings(ctx, path, emit)
            else:
                yield from _text_lines(ctx, path, emit)


def _yaml_strings(ctx: ScanContext, path: str, emit) -> Iterator[PortPlace]:
    for doc in k8s.yaml_documents(ctx, path) or []:
        for json_path, (line, column) in doc.positions.items():
            value = k8s.lookup(doc.data, json_path)
            if isinstance(value, str):
                yield from emit(value, Location(path, line, column))


def _text_lines(ctx: ScanContext, path: str, emit) -> Iterator[PortPlace]:
    source = ctx.repo.text(path)
    for number, line in enumerate(source.lines if source else [], 1):
        for match in URL_PATTERN.finditer(line):
            yield from emit(match.group(0), Location(path, number, match.start() + 1))


