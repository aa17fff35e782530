"""PORT: every place a component's port is written must agree with the catalogue."""
from __future__ import annotations

import re
from collections import defaultdict
from typing import ClassVar, Iterable

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis.ports import APP, DOCKERFILE, MANIFEST, URL, PortPlace, places_of, port_places
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands, reapply_commands

# What a wrong port in each kind of place does, in one clause.
CONSEQUENCES = {
    "app default": N_("the app listens on {found} when PORT is unset, so everything that calls it on {expected} is refused"),
    "listen()": N_("the app always listens on {found}, whatever PORT says"),
    "env file PORT": N_("a local run configured from this file listens on {found}"),
    "EXPOSE": N_("EXPOSE {found} advertises the wrong port to `docker run -P`, compose and readers of the image"),
    "HEALTHCHECK": N_("the HEALTHCHECK probes port {found} where nothing listens, so Docker marks the container unhealthy"),
    "ENV PORT": N_("ENV PORT={found} overrides the app's default, so the container listens on {found}"),
    "containerPort": N_("containerPort {found} is what named ports, tools and readers rely on"),
    "env PORT": N_("env PORT={found} makes the app listen on {found} inside the pod"),
    "livenessProbe": N_("the liveness probe checks port {found}; when nothing answers there the kubelet restarts the container"),
    "readinessProbe": N_("the readiness probe checks port {found}; the pod never becomes Ready and gets no traffic"),
    "startupProbe": N_("the startup probe checks port {found} and the container is killed before it starts"),
    "Service port": N_("callers using {name}:{expected} reach no Service port"),
    "Service targetPort": N_("the Service forwards to port {found} in the pod, where the app does not listen"),
    "URL": N_("callers connect to port {found} and get ECONNREFUSED"),
    "port-forward remote port": N_("kubectl port-forward fails: the Service has no port {found} (or forwards to a port nothing listens on)"),
}
# The kinds of place (tiketi_doctor.analysis.ports) as a reader of a message names them.
KIND_WORDS = {
    "app default": N_("app default"),
    "env file PORT": N_("env file PORT"),
    "Service port": N_("Service port"),
    "Service targetPort": N_("Service targetPort"),
    "port-forward remote port": N_("port-forward remote port"),
}


def kind_word(kind: str) -> str:
    """A place's kind, translatable when it is words ("app default"), as written when it is a keyword (EXPOSE)."""
    return Msg(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


@dataclass(frozen=True)
class Place:
    """One place where a port is written: what it is, the value there and where."""

    kind: str
    value: int
    path: str = ""
    line: int | None = None
    column: int | None = None
    via_name: str | None = None  # the port name a Service targetPort follows, when it is named


@facts
class PortFacts(Facts):
    """PORT001-005: the port the catalogue gives, and the places in one file that disagree with it."""

    expected: int | None
    places: tuple[Place, ...]

    @property
    def found(self) -> str:
        return ", ".join(str(v) for v in sorted({p.value for p in self.places}))

    @property
    def kinds(self) -> Joined:
        return Joined([kind_word(k) for k in dict.fromkeys(p.kind for p in self.places)], ", ")

    @property
    def path(self) -> str:
        return self.places[0].path if self.places else ""


@facts
class CollisionFacts(Facts):
    """PORT006: the port and the components that default to it in one network namespace."""

    port: int
    components: tuple[str, ...]

    @property
    def names(self) -> str:
        return ", ".join(self.components)


class PortMismatch(Check):
    """Shared logic: group the disagreeing places of one category by component and file."""

    category: ClassVar[str]
    severity = Severity.ERROR
    fixable = True
    Facts = PortFacts
    fix_title = "Set {kinds} to {expected} in {path}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if component.port is None:
            return
        places = places_of(ctx, component.name, self.category)
        wrong = [p for p in self.disagreeing(ctx, component, places)]
        by_file: dict[str, list[PortPlace]] = defaultdict(list)
        for place in wrong:
            by_file[place.location.path].append(place)
        for path, group in by_file.items():
            yield self._finding(ctx, component, path, group, places)

    def _finding(self, ctx: ScanContext, component: Component, path: str, group: list[PortPlace], all_places) -> Finding:
        expected = component.port
        values = sorted({p.value for p in group})
        owners = {
            v: [c.name for c in ctx.catalogue.by_port(v) if c.name != component.name] for v in values
        }
        facts = PortFacts(expected, tuple(
            Place(p.kind, p.value, p.location.path, p.location.line, p.location.column, p.via_name) for p in group
        ))
        owner_note = Joined([Msg("; {port} is {owners}'s port", port=v, owners=", ".join(o)) for v, o in owners.items() if o], "")
        count = Msg("{count} places", count=len(group)) if len(group) > 1 else Msg("1 place")
        message = Msg(
            "{path} gives {component} port {found} in {count} ({kinds}); the catalogue says {expected}{owner_note}",
            path=path, component=component.name, found="/".join(map(str, values)), count=count, kinds=facts.kinds,
            expected=expected, owner_note=owner_note,
        )
        name = component.k8s_service or component.name
        consequences = [
            Msg(CONSEQUENCES[p.kind], found=p.value, expected=expected, name=name)
            for p in group if p.kind in CONSEQUENCES
        ]
        agreeing = [p for p in all_places if p.value == expected]
        cause = Msg(
            "{component} serves on {expected}{listens}, but {consequences}.",
            component=component.name, expected=expected, listens=_listen_evidence(ctx, component),
            consequences=Joined(dict.fromkeys(consequences), "; "),
        )
        if any(owners.values()):
            cause = Joined([cause, Msg("The value belongs to another component, a sign the file was copied from it and not updated.")], " ")
        return self.finding(
            message,
            group[0].location,
            service=component.name,
            related=[p.location for p in group[1:]],
            evidence={
                "expected": expected,
                "found": {str(v): [f"{p.kind} at {p.location}" for p in group if p.value == v] for v in values},
                "agreeing_places": len(agreeing),
                "port_owners": {str(v): o for v, o in owners.items() if o},
            },
            root_cause=cause,
            facts=facts,
            remediation=self.remediation(ctx, component, path),
        )

    def disagreeing(self, ctx: ScanContext, component: Component, places: list[PortPlace]) -> list[PortPlace]:
        return [p for p in places if p.value != component.port]

    def remediation(self, ctx: ScanContext, component: Component, path: str) -> list[str]:
        return []


def _code_sets_port(ctx: ScanContext, component: Component) -> bool:
    """Whether the code fixes a port (a PORT fallback or a literal listen()); if not, every run
    configuration (env file, compose, manifest) chooses its own with PORT."""
    return any(p.kind in ("app default", "listen()") for p in places_of(ctx, component.name, APP))


def _configured_ports(ctx: ScanContext, component: Component) -> set[int]:
    """PORT values the component's run configurations set: its env file and the compose services
    that build its Dockerfile."""
    from tiketi_doctor.analysis.compose import compose_files

    values = {p.value for p in places_of(ctx, component.name, APP) if p.kind == "env file PORT"}
    for file in compose_files(ctx) if component.dockerfile else []:
        for service in file.services:
            if service.build is not None and service.build.dockerfile == component.dockerfile:
                values |= {int(v.value) for v in service.environment if v.name == "PORT" and (v.value or "").isdigit()}
    return values


def _pod_chain_follows_env_port(ctx: ScanContext, component: Component, places: list[PortPlace]) -> bool:
    """The manifest sets env PORT, the app reads PORT (no literal listen()), and containerPort,
    probes and targetPort all follow it, while the Service publishes the catalogue's port or maps
    another number to it: the pod is consistent and callers of the Service are served."""
    env = {p.value for p in places if p.kind == "env PORT"}
    if len(env) != 1 or any(p.kind == "listen()" for p in places_of(ctx, component.name, APP)):
        return False
    (port,) = env
    chain = [p for p in places if p.kind != "Service port"]
    published = [p for p in places if p.kind == "Service port"]  # only listed when it is the target itself
    return all(p.value == port for p in chain) and all(p.value == component.port for p in published)


def _listen_evidence(ctx: ScanContext, component: Component) -> Msg:
    app = [p for p in places_of(ctx, component.name, APP) if p.kind == "app default"]
    if app and all(p.value == component.port for p in app):
        return Msg(" (its code defaults to {port} at {location})", port=component.port, location=str(app[0].location))
    return Msg(" (per the catalogue)")


class AppPortMismatch(PortMismatch):
    code = "PORT001"
    name = "app-port-mismatch"
    category = APP
    summary = "The application's own default port (PORT fallback, listen(), .env.example) differs from the catalogue."
    why = (
        "Everything else — Dockerfile, probes, Services, other services' URLs — is written for the catalogue's "
        "port. An app that listens elsewhere is unreachable although its pod looks healthy until probes fail."
    )
    example = "services/auth-service/src/server.js: const PORT = process.env.PORT || 3002;  (catalogue: 3005)"
    fix = "Change the fallback to the catalogue's port; keep PORT in the environment for overrides."
    symptom = "the app listens on {found}; callers use {expected}"

    def disagreeing(self, ctx, component, places):
        wrong = super().disagreeing(ctx, component, places)
        if not _code_sets_port(ctx, component):
            # No default in the code: an env file is one run configuration among others, not a rival default.
            wrong = [p for p in wrong if p.kind != "env file PORT"]
        return wrong

    def remediation(self, ctx, component, path):
        return rebuild_commands(ctx.catalogue, component) if path.startswith(component.source or "\0") else []


class DockerfilePortMismatch(PortMismatch):
    code = "PORT002"
    name = "dockerfile-port-mismatch"
    category = DOCKERFILE
    summary = "EXPOSE, the HEALTHCHECK URL or ENV PORT in the Dockerfile differ from the component's port."
    why = (
        "A HEALTHCHECK on the wrong port marks a healthy container unhealthy; ENV PORT changes where the app "
        "listens; EXPOSE misleads `docker run -P`, compose files and people. They are usually copied from "
        "another service's Dockerfile."
    )
    example = "services/auth-service/Dockerfile: EXPOSE 3002 / HEALTHCHECK CMD wget -qO- http://localhost:3002/health"
    fix = "Set EXPOSE, the HEALTHCHECK URL and ENV PORT to the catalogue's port, rebuild and reload the image."
    symptom = "container marked unhealthy: HEALTHCHECK probes port {found}"
    symptom_env = "the container listens on {found}; callers use {expected}"
    symptom_expose = "the image advertises port {found}: `docker run -P` and compose publish the wrong one"

    def which_symptom(self, finding):
        """What shows depends on what is wrong: a HEALTHCHECK, ENV PORT, or only EXPOSE."""
        facts = PortFacts.of(finding)
        kinds = {p.kind for p in facts.places} if facts is not None else set()
        if "HEALTHCHECK" in kinds:
            return self.symptom
        return self.symptom_env if "ENV PORT" in kinds else self.symptom_expose

    def disagreeing(self, ctx, component, places):
        wrong = super().disagreeing(ctx, component, places)
        if not _code_sets_port(ctx, component):
            # The port comes from PORT in each run configuration: EXPOSE naming one of them is right there.
            configured = _configured_ports(ctx, component)
            wrong = [p for p in wrong if not (p.kind == "EXPOSE" and p.value in configured)]
        return wrong

    def remediation(self, ctx, component, path):
        return rebuild_commands(ctx.catalogue, component)


class ManifestPortMismatch(PortMismatch):
    code = "PORT003"
    name = "manifest-port-mismatch"
    category = MANIFEST
    summary = "containerPort, env PORT, probe ports or Service port/targetPort differ from the component's port."
    why = (
        "The port chain app → containerPort → probes → Service targetPort → Service port → callers must agree "
        "end to end. One wrong link gives refused connections, failing probes and restarts, or a Service "
        "that routes nowhere."
    )
    example = "k8s/07-ticket-service.yaml: containerPort: 3004, PORT=3004, probes on 3004, Service 3004 (catalogue: 3002)"
    fix = "Set every port of the component's Deployment and Service to the catalogue's port and re-apply the manifest."
    symptom = "connection refused on {service}:{expected}"

    def disagreeing(self, ctx, component, places):
        wrong = super().disagreeing(ctx, component, places)
        if wrong and _pod_chain_follows_env_port(ctx, component, places):
            return []
        return wrong

    def remediation(self, ctx, component, path):
        return reapply_commands(ctx.catalogue, component, path)


class ServiceUrlPortMismatch(PortMismatch):
    code = "PORT004"
    name = "service-url-port-mismatch"
    category = URL
    summary = "A URL that points at a component (code default, ConfigMap, .env.example) uses another port."
    why = (
        "Services find each other by DNS name and port from environment variables with defaults. A wrong "
        "port in a default or a ConfigMap sends every call to a port nothing listens on: ECONNREFUSED, 502/503."
    )
    example = "backend/src/routes/stats.js: process.env.STATS_SERVICE_URL || 'http://stats-service:3005'"
    fix = "Use the catalogue's port in the URL (and prefer one ConfigMap entry over scattered defaults)."
    symptom = "calls fail: connection refused on port {found}"

    def disagreeing(self, ctx: ScanContext, component: Component, places: list[PortPlace]) -> list[PortPlace]:
        """A URL through the component's Kubernetes Service may use any port that Service exposes
        (`http://auth:80` to a Service 80 -> 3000); in a compose file the name is the container
        itself, so only the port the app listens on is right there."""
        from urllib.parse import urlsplit

        from tiketi_doctor.analysis import k8s
        from tiketi_doctor.analysis.compose import compose_paths

        wrong = super().disagreeing(ctx, component, places)
        service = k8s.service(ctx, component) if wrong and component.k8s_service else None
        if service is None:
            return wrong
        exposed = {p.get("port") for p in service.get("spec", "ports") or [] if isinstance(p, dict)}
        in_compose = set(compose_paths(ctx))
        return [
            p for p in wrong
            if p.location.path in in_compose
            or p.value not in exposed
            or (urlsplit(p.location.label or "").hostname or "") not in (component.k8s_service, f"{component.k8s_service}.{ctx.catalogue.cluster.namespace}")
        ]


class PortForwardMismatch(Check):
    code = "PORT005"
    name = "port-forward-mismatch"
    severity = Severity.ERROR
    fixable = True
    scope = "repository"
    summary = "A `kubectl port-forward` in a script or guide targets a port the component's Service does not serve."
    why = (
        "port-forward to svc/NAME REMOTE needs REMOTE to be a Service port; otherwise kubectl fails with "
        "\"does not have a service port\" or forwards to a port nothing listens on. Guides and scripts are "
        "what newcomers run first, so they must match the manifests."
    )
    example = "QUICK_START.md: kubectl port-forward -n tiketi svc/frontend-service 3000:80  (Service port 3000)"
    fix = "Use the component's port as the remote port: `kubectl port-forward -n tiketi svc/frontend-service 3000:3000`."
    symptom = "kubectl port-forward fails or forwards to a port nothing listens on"
    fix_title = "Set {kinds} to {expected} in {path}"
    Facts = PortFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.analysis.guides import port_forwards

        for forward in port_forwards(ctx):
            if forward.remote is None:
                continue  # a named port: kubectl resolves it in the pod
            found = _forward_problem(ctx, forward)
            if found is not None:
                yield self._finding(ctx, forward, *found)

    def _finding(self, ctx: ScanContext, forward, component: Component | None, expected: int | None, problem: str, where: Location | None) -> Finding:
        where_text = Msg(" ({place})", place=f"{where.path}:{where.line}") if where is not None and where.line else ""
        message = Msg(
            "{place} forwards to {resource} port {remote}: {problem}{where}",
            place=f"{forward.location.path}:{forward.location.line}", resource=forward.resource, remote=forward.remote,
            problem=problem, where=where_text,
        )
        if expected is not None:
            message = Msg("{message}; use {local}:{expected}", message=message, local=forward.local or expected, expected=expected)
        spec = forward.location.label or ""
        column = forward.location.column + (spec.rfind(str(forward.remote)) if ":" in spec else 0)
        facts = PortFacts(expected, () if expected is None else (
            Place("port-forward remote port", forward.remote, forward.location.path, forward.location.line, column, None),
        ))
        return self.finding(
            message,
            forward.location,
            service=component.name if component else None,
            related=[where] if where is not None and where.line else [],
            evidence={"resource": forward.resource, "namespace": forward.namespace, "remote": forward.remote, "expected": expected},
            root_cause=Msg(
                "`kubectl port-forward {resource} {spec}` {problem}, so the forward fails or connects to nothing.",
                resource=forward.resource, spec=spec, problem=problem,
            ),
            facts=facts,
        )


def _forward_problem(ctx: ScanContext, forward) -> tuple | None:
    """(component, expected remote port, what is wrong, where the truth is written) or None when the forward works."""
    from tiketi_doctor.analysis.environments import environments

    catalogue = ctx.catalogue
    if forward.kind == "service":
        component = catalogue.by_host(forward.name) or catalogue.component(forward.name)
        intended = _intended_port(ctx, component)
        named = [o for env in environments(ctx) for o in env.of_kind("Service") if o.name == forward.name]
        services = [o for o in named if forward.namespace is None or o.namespace in (None, forward.namespace)]
        if named and not services:
            return None  # a namespace the repository deploys no such Service to: nothing to compare with
        if not services:
            declared = catalogue.origin != "discovered" or intended is not None  # a discovered port alone is a guess
            if component is None or component.port is None or not declared or forward.remote == component.port:
                return None
            return component, component.port, Msg(
                "the catalogue gives {component} port {port} and no manifest defines the Service", component=component.name, port=component.port
            ), None
        ports = [(p, i) for i, p in enumerate(services[0].get("spec", "ports") or []) if isinstance(p, dict)]
        numbers = [p.get("port") for p, _ in ports]
        where = services[0].at(("spec", "ports"))
        if forward.remote not in numbers:
            if intended is not None and forward.remote == intended:
                return None  # the intended port: the Service is what disagrees (PORT003 reports it)
            expected = _expected_service_port(ctx, component, ports)
            served = ", ".join(str(n) for n in numbers) or Msg("none")
            return component, expected, Msg(
                "Service {name} has no port {remote} (its ports: {served})", name=forward.name, remote=forward.remote, served=served
            ), where
        if intended is None or intended in numbers:
            return None
        port, index = ports[numbers.index(forward.remote)]
        target = _target_port(ctx, component, port)
        if target is None or target == component.port:
            return None
        return (
            component, component.port,
            Msg(
                "Service {name} sends port {remote} to pod port {target}, but {component} serves on {port} (catalogue); "
                "PORT003 reports the Service",
                name=forward.name, remote=forward.remote, target=target, component=component.name, port=component.port,
            ),
            services[0].at(("spec", "ports", index)),
        )
    component = next((c for c in catalogue.components if (c.deployment or c.name) == forward.name), None)
    if component is None or forward.kind == "pod":
        return None  # a pod name is generated: which workload it belongs to is not written down
    workloads = [o for env in environments(ctx) for o in env.of_kind(forward.kind.capitalize() if forward.kind != "statefulset" else "StatefulSet")
                 if o.name == forward.name]
    declared_ports = {
        p.get("containerPort") for w in workloads for c in (w.get("spec", "template", "spec", "containers") or [])
        if isinstance(c, dict) for p in (c.get("ports") or []) if isinstance(p, dict)
    }
    if not declared_ports or forward.remote in declared_ports or forward.remote == component.port:
        return None
    expected = component.port if component.port in declared_ports else (next(iter(declared_ports)) if len(declared_ports) == 1 else None)
    listed = ", ".join(str(p) for p in sorted(declared_ports, key=str))
    return component, expected, Msg(
        "{kind} {name} declares container ports {listed} only", kind=forward.kind, name=forward.name, listed=listed
    ), workloads[0].at(("spec", "template", "spec", "containers"))


def _intended_port(ctx: ScanContext, component: Component | None) -> int | None:
    """The component's port when the application's own code defaults to it as well: then a Service
    that sends elsewhere is a drift, not a deliberate mapping."""
    if component is None or component.port is None:
        return None
    defaults = [p.value for p in places_of(ctx, component.name, APP) if p.kind == "app default"]
    return component.port if defaults and all(v == component.port for v in defaults) else None


def _expected_service_port(ctx: ScanContext, component: Component | None, ports: list) -> int | None:
    """The Service port a forward to this component should use: the only one, or the one reaching the app."""
    if len(ports) == 1:
        return ports[0][0].get("port")
    if component is not None and component.port is not None:
        for port, _ in ports:
            if port.get("port") == component.port or _target_port(ctx, component, port) == component.port:
                return port.get("port")
    return None


def _target_port(ctx: ScanContext, component: Component, port: dict) -> int | None:
    """The pod port a Service port sends to (a named targetPort resolved in the component's containers)."""
    from tiketi_doctor.analysis import k8s

    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    workload = k8s.workload(ctx, component)
    for container in k8s.containers(workload) if workload is not None else []:
        for declared in container.data.get("ports") or []:
            if isinstance(declared, dict) and declared.get("name") == target and isinstance(declared.get("containerPort"), int):
                return declared["containerPort"]
    return None


class PortCollision(Check):
    code = "PORT006"
    name = "port-collision"
    severity = Severity.ERROR
    scope = "repository"
    summary = "Two components that share one network namespace (a dev script, compose host networking) default to the same port."
    why = (
        "Two processes can only bind the same port in separate network namespaces. Started side by side on "
        "one host (a `concurrently` dev script) or in one namespace (compose `network_mode: host` or "
        "`service:X`), the second one fails with EADDRINUSE. In their own containers or pods they do not collide."
    )
    example = "package.json: \"dev\": \"concurrently 'npm:dev -w api' 'npm:dev -w web'\"; api and web both default to 3000"
    fix = "Give each component its own port (or keep them in separate containers)."
    symptom = "the second of {names} to start exits with EADDRINUSE on port {port}"
    fix_title = "Give each of {names} its own port"
    Facts = CollisionFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        by_port: dict[int, dict[str, Location]] = defaultdict(dict)
        for place in port_places(ctx):
            if place.category == APP and place.kind == "app default":
                by_port[place.value].setdefault(place.component, place.location)
        for port, owners in sorted(by_port.items()):
            if len(owners) < 2:
                continue
            names = sorted(owners)
            shared = _shared_namespace(ctx, names)
            if shared is None:
                continue  # separate containers or pods: each binds the port in its own namespace
            together, evidence = shared
            claimant = [c.name for c in ctx.catalogue.by_port(port)]
            message = Msg(
                "{components} all default to port {port} and run in one network namespace ({shared})",
                components=", ".join(together), port=port, shared=evidence.label,
            )
            if claimant:
                message = Msg("{message} (the catalogue gives {port} to {owner})", message=message, port=port, owner=claimant[0])
            yield self.finding(
                message,
                owners[together[0]],
                related=[owners[n] for n in together[1:]] + [evidence],
                evidence={"port": port, "components": together, "shared_by": str(evidence)},
                root_cause=Msg(
                    "Started together ({where}), only the first of {components} can bind {port}; the others exit with EADDRINUSE.",
                    where=str(evidence), components=", ".join(together), port=port,
                ),
                facts=CollisionFacts(port, tuple(together)),
            )


_PARALLEL_RUNNERS = ("concurrently", "npm-run-all", "run-p ", "run-p\t")


def _shared_namespace(ctx: ScanContext, names: list[str]) -> tuple[list[str], Location] | None:
    """Components among `names` that one command starts on the same host, or that compose puts in
    one network namespace, with where that is said; None when nothing does."""
    from tiketi_doctor.analysis.compose import compose_files

    components = {n: ctx.catalogue.component(n) for n in names}
    for file in compose_files(ctx):
        hosted: dict[str, Location] = {}
        for service in file.services:
            mode = str(service.data.get("network_mode") or "")
            owner = _compose_owner(service, components)
            if owner is None:
                continue
            if mode == "host":
                hosted[owner] = Location(file.path, service.location.line, label=f"{service.name}: network_mode: host")
            elif mode.startswith(("service:", "container:")):
                other = next((c for c in file.services if c.name == mode.split(":", 1)[1]), None)
                partner = _compose_owner(other, components) if other is not None else None
                if partner is not None and partner != owner:
                    return sorted({owner, partner}), Location(file.path, service.location.line, label=f"{service.name}: network_mode: {mode}")
        if len(hosted) > 1:
            return sorted(hosted), next(iter(hosted.values()))
    for path in sorted({p for pattern in ("package.json", "**/package.json") for p in ctx.repo.glob(pattern)}):
        source = ctx.repo.text(path)
        for number, line in enumerate(source.lines if source else [], 1):
            if not any(runner in line for runner in _PARALLEL_RUNNERS):
                continue
            started = [n for n, c in components.items() if _mentions(line, n, c)]
            if len(started) > 1:
                return sorted(started), Location(path, number, line.find('"') + 1 or 1, label=line.strip()[:80])
    return None


def _compose_owner(service, components: dict) -> str | None:
    """The component a compose service runs: built from its Dockerfile, or named like it."""
    for name, component in components.items():
        if component is None:
            continue
        if service.build is not None and component.dockerfile and service.build.dockerfile == component.dockerfile:
            return name
        if service.name == name:
            return name
    return None


def _mentions(line: str, name: str, component) -> bool:
    folder = (component.source or "").split("/")[0] if component is not None and component.source else ""
    words = {name} | ({folder} if folder and folder not in (".", "src") else set())
    return any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", line) for w in words)


CHECKS = (
    AppPortMismatch,
    DockerfilePortMismatch,
    ManifestPortMismatch,
    ServiceUrlPortMismatch,
    PortForwardMismatch,
    PortCollision,
)
