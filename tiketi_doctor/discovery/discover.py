"""Discovery, step by step: files, builds, cluster objects, applications, ports, URLs, roles, routes.

Read-only: everything goes through a RepoView. Each step only adds facts (with where they were
found); the analyses that need a catalogue (ports, Express proxies) run on a provisional one
built from what the earlier steps found.
"""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Sequence

from ..analysis.compose import services_of
from ..analysis.express import app_files
from ..catalogue import Catalogue, Cluster
from ..catalogue import Component as CatalogueComponent
from ..context import ScanContext
from ..model import Location
from ..parsing.javascript import SOURCE_SUFFIXES
from ..repo import RepoView
from . import repository, urls
from .apps import App, find_apps, sanitize
from .builds import build_invocations
from .cluster import ClusterIndex, Workload, index_cluster
from .target import discover_target
from .inventory import DEFAULT_EXCLUDE, Inventory, take_inventory
from .model import Component, Discovery, Fact, listed
from .ports import listen_port
from .topology import analyse

_ROLE_ORDER = {"frontend": 0, "gateway": 1, "service": 2, "infrastructure": 3}
URL_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def discover(root: Path, exclude: Sequence[str] | None = None) -> Discovery:
    root = Path(root).resolve()
    repo = RepoView(root, exclude=tuple(DEFAULT_EXCLUDE if exclude is None else exclude))
    return _Discoverer(root, repo).run(list(repo.exclude))


@dataclasses.dataclass
class _Unit:
    """One component while it is being discovered."""

    found: Component
    catalogue: CatalogueComponent
    app: App | None = None
    workload: Workload | None = None
    compose_name: str | None = None


class _Discoverer:
    def __init__(self, root: Path, repo: RepoView):
        self.root = root
        self.repo = repo
        self.inventory: Inventory = take_inventory(repo)
        self.cluster: ClusterIndex = index_cluster(repo, self.inventory.yaml_files)
        self.units: list[_Unit] = []
        self.owned: dict[str, list[urls.Binding]] = {}  # component -> values it holds itself
        self.configmaps: dict[tuple, list[urls.Binding]] = {}  # (file, name, prefix) -> its keys
        self.loads: dict[str, list[tuple]] = {}  # component -> the ConfigMaps it loads whole
        self.local_packages: dict[str, str] = {}  # package name -> folder, for packages that are not applications

    def run(self, exclude: list[str]) -> Discovery:
        invocations = build_invocations(self.inventory)
        apps = find_apps(self.inventory, invocations, self.cluster)
        compose = {s.build.dockerfile: s for s in services_of(self.repo, self.inventory.compose_files) if s.build and s.build.in_repository}
        for app in apps:
            self._app_unit(app, compose.get(app.dockerfile) if app.dockerfile else None)
        tied = {id(a.workload) for a in apps if a.workload is not None}
        for workload in self.cluster.workloads:
            if id(workload) not in tied and not self._variant(workload):
                self._infrastructure_unit(workload)
        self._unique_names()
        self.local_packages = repository.local_packages(self.inventory, {a.folder for a in apps})
        ctx = self._context()
        self._ports(ctx)
        hosts = self._hosts()
        self._bindings(ctx)
        self._url_variables(hosts, ctx)
        ctx = self._context()
        self._roles_and_routes(ctx)
        self._depends_on(ctx, hosts)
        self._health()
        self.units.sort(key=lambda u: (_ROLE_ORDER[u.found.role.value], u.found.name))
        kind = repository.kind_cluster(self.inventory, self.cluster, self.root)
        apps = [u.app for u in self.units if u.app is not None]
        discovery = Discovery(
            name=repository.system_name(self.repo, self.root),
            components=[u.found for u in self.units],
            kind_cluster=kind,
            namespace=repository.namespace(self.inventory, self.cluster),
            context=Fact(f"kind-{kind.value}", "kind-<kind_cluster>, as kind names its kube context"),
            exclude=exclude,
        )
        discovery.shared_packages = repository.shared_packages(apps, self.local_packages)
        discovery.docs = repository.docs(self.inventory)
        discovery.scripts = repository.scripts(self.inventory, [u.catalogue.source for u in self.units if u.catalogue.source])
        discovery.config_files = repository.config_files(
            self.inventory,
            [f for u in self.units if u.app is not None and u.workload is not None for f in urls.loaded_configmaps(self.cluster, u.workload)],
            [u.catalogue.env_file for u in self.units if u.catalogue.env_file],
        )
        discovery.target = discover_target(self.cluster)
        discovery.warnings = [f"{p.location}: {p.message}" for p in self.repo.problems]
        discovery.read = {
            "Dockerfiles": sum(1 for u in self.units if u.app is not None and u.app.dockerfile),
            "manifests": len(self.cluster.files),
            "compose files": len(self.inventory.compose_files),
            "CI workflows": len(self.inventory.workflows),
        }
        return discovery

    # -- components -------------------------------------------------------------------------
    def _app_unit(self, app: App, compose_service) -> None:
        workload, service = app.workload, app.service
        name = app.name if workload is not None or compose_service is None else sanitize(compose_service.name)
        built = f"an application built from {app.dockerfile}" if app.dockerfile else f"a Node.js server ({app.package_json})"
        role = Fact("frontend", app.frontend) if app.frontend else Fact("service", built)
        found = Component(name, role, description=_description(app))
        found.build = app.build
        if app.build is None:
            role.doubts.append("no Dockerfile builds it: how is it deployed?")
        elif app.others:
            found.build.doubts.append(f"{app.folder} also has {', '.join(app.others)}")
        if app.package_json:
            found.package_json = Fact(app.package_json)
        found.source = Fact(app.source)
        if app.env_file:
            found.env_file = Fact(app.env_file)
        self._cluster_facts(found, workload, service, app.workload_reason, app.service_doubts)
        found.image = _image(app, workload, self.cluster)
        unit = _Unit(found, CatalogueComponent(
            name=name, role=role.value, build_context=app.build.value[0] if app.build else None, dockerfile=app.dockerfile,
            package_json=app.package_json, source=app.source, env_file=app.env_file,
            manifests=tuple(found.manifests.value) if found.manifests else (),
            deployment=workload.name if workload else None, k8s_service=service.name if service else None,
        ), app, workload, compose_service.name if compose_service else None)
        self.units.append(unit)

    def _variant(self, workload: Workload) -> bool:
        """A workload that runs a variant of an application's image (`rs-payment-fix` next to `rs-payment`,
        as an Istio or canary folder deploys it) and is named after that application: the same component,
        not one of its own. Noted as a doubt on the application's manifests."""
        own = _image_name(workload.image)
        for unit in self.units:
            base = _image_name(unit.found.image.value if unit.found.image else None)
            if unit.app is None or not base or not own.startswith(base + "-"):
                continue
            if workload.name.startswith(unit.found.name + "-") or workload.name == unit.found.name:
                if unit.found.manifests is not None:
                    unit.found.manifests.doubts.append(f"{workload.path} runs a variant of it ({workload.image})")
                return True
        return False

    def _infrastructure_unit(self, workload: Workload) -> None:
        services = self.cluster.services_for(workload)
        service = next((s for s in services if s.name == workload.name), services[0] if services else None)
        image = workload.image or ""
        role = Fact("infrastructure", f"runs {image}; no Dockerfile in the repository builds it")
        found = Component(sanitize(workload.name), role)
        doubts = [f"other Services select it too: {', '.join(s.name for s in services if s is not service)}"] if len(services) > 1 else []
        self._cluster_facts(found, workload, service, "", doubts)
        if image:
            found.image = Fact(image, _where(workload.at("image", label=f"image: {image}")))
        self.units.append(_Unit(found, CatalogueComponent(
            name=found.name, role="infrastructure", image=image or None,
            manifests=tuple(found.manifests.value) if found.manifests else (),
            deployment=workload.name, k8s_service=service.name if service else None,
        ), None, workload))

    def _cluster_facts(self, found: Component, workload: Workload | None, service, reason: str, service_doubts: list[str]) -> None:
        if workload is None:
            return
        files = [workload.path] + ([service.path] if service is not None and service.path != workload.path else [])
        held = f"{workload.obj.kind} {workload.name}" + (f" and Service {service.name}" if service is not None else "")
        found.manifests = Fact(files, held)
        duplicates = self.cluster.duplicates.get(workload.name)
        if duplicates:
            found.manifests.doubts.append(f"{workload.name} is also defined in {', '.join(duplicates[:3])}")
        found.deployment = Fact(workload.name, _where(workload.obj.at(("metadata", "name")), label=False) + (f"; {reason}" if reason else ""))
        if service is not None:
            found.k8s_service = Fact(service.name, _where(service.at(("metadata", "name"), f"Service {service.name}")), list(service_doubts))
        else:
            found.manifests.doubts.append(f"no Service selects the pods of {workload.name}")

    def _unique_names(self) -> None:
        seen: Counter = Counter()
        for unit in self.units:
            seen[unit.found.name] += 1
            if seen[unit.found.name] > 1:
                unit.found.name = f"{unit.found.name}-{seen[unit.found.name]}"
                unit.found.role.doubts.append("renamed: another component has the same name")
                unit.catalogue = dataclasses.replace(unit.catalogue, name=unit.found.name)

    def _context(self) -> ScanContext:
        catalogue = Catalogue(name="discovered", components=[u.catalogue for u in self.units], cluster=Cluster(), source="<discovered>", origin="discovered")
        return ScanContext(self.repo, catalogue)

    # -- ports ----------------------------------------------------------------------------------
    def _ports(self, ctx: ScanContext) -> None:
        claimed: dict[int, str] = {}
        for unit in self.units:
            fact = listen_port(ctx, unit.catalogue)
            if fact is None:
                continue
            if fact.value in claimed:
                unit.found.commented.append(("port", fact.value, f"{claimed[fact.value]} claims {fact.value} too; a catalogue gives each component its own port ({fact.source})"))
                continue
            claimed[fact.value] = unit.found.name
            unit.found.port = fact
            unit.catalogue = dataclasses.replace(unit.catalogue, port=fact.value)

    # -- URL variables ------------------------------------------------------------------------
    def _hosts(self) -> urls.Hosts:
        names: dict[str, str] = {}
        ports: dict[int, list[str]] = {}
        for unit in self.units:
            for host in filter(None, (unit.found.name, unit.catalogue.k8s_service, unit.compose_name, unit.catalogue.deployment)):
                names.setdefault(host.lower(), unit.found.name)
            if unit.catalogue.port:
                ports.setdefault(unit.catalogue.port, []).append(unit.found.name)
        return urls.Hosts(names, ports)

    def _files(self, ctx: ScanContext, unit: _Unit) -> list[str]:
        return app_files(ctx, unit.catalogue) if unit.app is not None else []

    def _bindings(self, ctx: ScanContext) -> None:
        """Every variable value, by the component that holds it; whole ConfigMaps once each."""
        compose = {s.name: s for s in services_of(self.repo, self.inventory.compose_files)}
        for unit in self.units:
            name = unit.found.name
            own = urls.code_bindings(ctx, name, self._files(ctx, unit))
            if unit.workload is not None:
                own += urls.workload_bindings(self.cluster, unit.workload, name)
                for configmap, prefix in urls.env_from(self.cluster, unit.workload):
                    key = (configmap.path, configmap.name, prefix)
                    if key not in self.configmaps:
                        self.configmaps[key] = urls.configmap_bindings(configmap, prefix)
                    self.loads.setdefault(name, []).append(key)
            if unit.catalogue.env_file:
                own += urls.env_file_bindings(self.repo, unit.catalogue.env_file, name)
            service = compose.get(unit.compose_name or "") or compose.get(name)
            if service is not None:
                own += [urls.Binding(v.name, v.value, v.location, "compose", name) for v in service.environment if v.value is not None]
            self.owned[name] = own

    def _visible(self, name: str) -> list[urls.Binding]:
        """The values a component's process sees (its own, and those of the ConfigMaps it loads)."""
        return self.owned.get(name, []) + [b for key in self.loads.get(name, []) for b in self.configmaps[key]]

    def _url_variables(self, hosts: urls.Hosts, ctx: ScanContext) -> None:
        reads = {u.found.name: urls.env_reads(ctx, self._files(ctx, u)) for u in self.units}
        readers_of: dict[str, set[str]] = {}
        for reader, names in reads.items():
            for variable in names:
                readers_of.setdefault(variable, set()).add(reader)
        pointing: dict[str, dict[str, dict]] = {}  # target -> variable -> {(path, line, value): binding}
        loaded = {(path, name) for path, name, _ in self.configmaps}
        unloaded = [b for c in self.cluster.configmaps if (c.path, c.name) not in loaded for b in urls.configmap_bindings(c)]
        everything = [b for own in self.owned.values() for b in own] + [b for bs in self.configmaps.values() for b in bs] + unloaded
        for b in everything:
            if not URL_ENV.match(b.variable) or not urls.is_url_variable(b.variable) or not urls.is_http(b.value):
                continue
            target = hosts.target(b.value)
            if target is not None and b.owner != target.component:
                pointing.setdefault(target.component, {}).setdefault(b.variable, {}).setdefault((b.where.path, b.where.line, b.value), b)
        for unit in self.units:
            name = unit.found.name
            candidates = {variable: list(found.values()) for variable, found in pointing.get(name, {}).items()}
            if not candidates:
                continue

            def score(item):
                variable, found = item
                readers = readers_of.get(variable, set()) - {name}
                return (len(readers), sum(b.kind == "code" for b in found), len(found))

            variable, found = max(sorted(candidates.items()), key=score)
            readers = sorted(readers_of.get(variable, set()) - {name})
            first = next((reads[r][variable] for r in readers), None)
            source = f"read by {listed(readers)} ({_where(first, label=False)})" if readers and first else f"set in {found[0].describe()}; no code reads it"
            unit.found.url_env = Fact(variable, source)
            default = _best_default(found, unit.catalogue.port, hosts)
            fact = Fact(default.value, default.describe())
            others = sorted({b.describe() for b in found if b is not default and b.value == default.value} - {default.describe()})
            if others:
                fact.source += "; also " + listed(others, 3)
            for b in found:
                doubt = f"{b.describe()} says {b.value}"
                if b.value != default.value and b.kind != "env file" and doubt not in fact.doubts:
                    fact.doubts.append(doubt)
            unit.found.url_default = fact
            unit.catalogue = dataclasses.replace(unit.catalogue, url_env=variable, url_default=default.value)

    # -- roles and routes ---------------------------------------------------------------------------
    def _roles_and_routes(self, ctx: ScanContext) -> None:
        topology = analyse(ctx, self._ingress_api())
        by_name = {u.found.name: u for u in self.units}
        if topology.gateway is not None:
            unit = by_name[topology.gateway]
            unit.found.role = Fact("gateway", topology.gateway_reason, unit.found.role.doubts + topology.gateway_doubts)
            unit.catalogue = dataclasses.replace(unit.catalogue, role="gateway")
        for name, prefixes in topology.routes.items():
            unit = by_name[name]
            proxied = {p.path for p in topology.proxied.get(name, [])}
            groups: dict[str, list[Location]] = {}
            for prefix in prefixes:
                if prefix.path in proxied:
                    kind = f"forwarded by {topology.gateway}"
                elif name == topology.gateway:
                    kind = "its own routers"
                else:
                    kind = "its own mounts"
                groups.setdefault(kind, []).append(prefix.where)
            parts = [f"{kind} ({_places(places)})" for kind, places in groups.items()]
            fact = Fact([p.path for p in prefixes], "; ".join(parts))
            if topology.gateway is not None and name != topology.gateway:
                unrouted = [p.path for p in prefixes if p.path not in proxied]
                if unrouted:
                    fact.doubts.append(f"{topology.gateway} does not route {', '.join(unrouted)} yet")
            unit.found.routes = fact
            unit.catalogue = dataclasses.replace(unit.catalogue, routes=tuple(fact.value))

    def _ingress_api(self) -> str | None:
        """The component whose Service an Ingress sends /api to."""
        by_service = {u.catalogue.k8s_service: u.found.name for u in self.units if u.catalogue.k8s_service}
        for ingress in self.cluster.ingresses:
            for rule in ingress.get("spec", "rules") or []:
                for path in ((rule or {}).get("http") or {}).get("paths") or []:
                    if not isinstance(path, dict) or not str(path.get("path", "")).startswith("/api"):
                        continue
                    backend = (path.get("backend") or {}).get("service") or {}
                    name = backend.get("name") or (path.get("backend") or {}).get("serviceName")
                    if name in by_service:
                        return by_service[name]
        return None

    # -- depends_on -------------------------------------------------------------------------
    def _depends_on(self, ctx: ScanContext, hosts: urls.Hosts) -> None:
        for unit in self.units:
            if unit.app is None:
                continue
            name = unit.found.name
            used = repository.packages_used(unit.app, self.local_packages)
            package_files = [f for path in used for f in self.repo.walk(path, SOURCE_SUFFIXES)]
            reads = urls.env_reads(ctx, self._files(ctx, unit) + package_files)
            visible = self._visible(name) + urls.code_bindings(ctx, name, package_files)
            deps: dict[str, str] = {}
            for b in visible:
                if b.variable not in reads or not urls.is_url_variable(b.variable):
                    continue
                target = hosts.target(b.value)
                if target is not None and target.component != name and target.component not in deps:
                    deps[target.component] = f"{b.variable} ({b.describe()})"
            if deps:
                evidence = list(deps.values())
                source = "via " + listed(evidence, 3)
                unit.found.depends_on = Fact(list(deps), source)

    # -- health -----------------------------------------------------------------------------------
    def _health(self) -> None:
        for unit in self.units:
            workload = unit.workload
            probes = {}
            if workload is not None and workload.container is not None:
                for probe in ("livenessProbe", "readinessProbe"):
                    spec = workload.container.data.get(probe)
                    path = ((spec or {}).get("httpGet") or {}).get("path") if isinstance(spec, dict) else None
                    if isinstance(path, str) and path.startswith("/"):
                        probes[probe] = Fact(path, _where(workload.at(probe, "httpGet", "path", label=f"{probe} {path}")))
            health = probes.get("livenessProbe") or probes.get("readinessProbe")
            if health is None and unit.app is not None and unit.app.dockerfile:
                health = self._healthcheck_path(unit.app.dockerfile)
            if health is not None:
                unit.found.health = health
            readiness = probes.get("readinessProbe")
            if readiness is not None and health is not None and readiness.value != health.value:
                unit.found.readiness = readiness

    def _healthcheck_path(self, path: str) -> Fact[str] | None:
        from .builds import dockerfile

        parsed = dockerfile(self.repo, path)
        for inst in parsed.final.instructions if parsed else []:
            if inst.cmd == "HEALTHCHECK":
                match = re.search(r"https?://(?:localhost|127\.0\.0\.1)(?::\d+)?(/[\w./-]*)", " ".join(inst.value))
                if match:
                    return Fact(match.group(1), f"{path}:{inst.start_line} (HEALTHCHECK)", ["no probe in the manifests; taken from the Dockerfile's HEALTHCHECK"])
        return None


# -- helpers ------------------------------------------------------------------------------------------
def _where(location: Location | None, label: bool = True) -> str:
    if location is None:
        return ""
    text = f"{location.path}:{location.line}" if location.line else location.path
    return f"{text} ({location.label})" if label and location.label else text


def _places(places: list[Location]) -> str:
    """`a.js:37, :38, b.js:4`: one file name for consecutive places in the same file."""
    parts, last = [], None
    for place in places:
        parts.append(f":{place.line}" if place.path == last else f"{place.path}:{place.line}")
        last = place.path
    return ", ".join(parts)


def _image_name(image: str | None) -> str:
    """An image's own name: its last path segment without tag or digest (`rs-payment`); empty when a
    template or variable computes it."""
    name = (image or "").split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return "" if "{" in name or "$" in name else name


def _description(app: App) -> str | None:
    value = app.package.data.get("description") if app.package else None
    return value if isinstance(value, str) and value.strip() else None


def _image(app: App, workload: Workload | None, cluster: ClusterIndex) -> Fact[str] | None:
    """The image the build produces and the workload runs; else what the workload runs; else the build tag."""
    deployed = cluster.image_names(workload.image) if workload is not None and workload.image else set()
    where = workload.at("image", label=f"image: {workload.image}") if workload is not None and workload.image else None
    rewrites = cluster.rewrites(workload.image) if workload is not None and workload.image else {}
    for tag in app.tags:
        if tag in deployed:
            build = next(b for b in app.invocations if tag in b.tags)
            via = f" via {rewrites[tag]}" if tag in rewrites and tag != workload.image else ""
            return Fact(tag, f"{_where(build.where, label=False)} builds it; {_where(where, label=False)} runs it{via}")
    if workload is not None and workload.image:
        if len(rewrites) == 1:
            image, by = next(iter(rewrites.items()))
            return Fact(image, f"{_where(where, label=False)} runs {workload.image}, rewritten by {by}")
        fact = Fact(workload.image, _where(where))
        if app.tags:
            fact.doubts.append(f"built as {', '.join(app.tags[:2])}, which no manifest runs")
        return fact
    plain = [t for t in app.tags if "$" not in t]
    if plain:
        build = next(b for b in app.invocations if plain[0] in b.tags)
        return Fact(plain[0], _where(build.where, label=False), ["no Kubernetes workload runs it"])
    return None


def _best_default(found: list[urls.Binding], port: int | None, hosts: urls.Hosts) -> urls.Binding:
    """A URL default that points at the component's own port, code before config before the rest."""
    order = {"code": 0, "configmap": 1, "env": 2, "compose": 3, "env file": 4}

    def rank(b: urls.Binding):
        target = hosts.target(b.value)
        right_port = port is None or (target is not None and (target.port or _default_port(target.scheme)) == port)
        return (not right_port, order.get(b.kind, 5))

    return min(found, key=rank)


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)
