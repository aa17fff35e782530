"""HC: health probes and HEALTHCHECKs must exist, hit paths the app serves, and tell liveness from readiness."""
from __future__ import annotations

import re
from typing import Iterable

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.express import ExpressApp, express_app
from tiketi_doctor.analysis.image import dockerfile_of
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands, reapply_commands

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")
LOCAL_HEALTH_URL = re.compile(r"(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d{2,5}))?(/[^\s'\"`)\]|;&]*)?")

# What a probe failing on a path nobody serves does, per place.
CONSEQUENCES = {
    "livenessProbe": N_("the kubelet restarts the container every few failures (a restart loop that looks like a crash)"),
    "readinessProbe": N_("the pod never becomes Ready, so its Service sends it no traffic and rollouts stall"),
    "startupProbe": N_("the container is killed before it ever counts as started"),
    "HEALTHCHECK": N_("Docker and compose mark the container unhealthy"),
    "catalogue health": N_("tiketi-doctor's live checks (and anyone following the catalogue) probe a path that answers 404"),
    "catalogue readiness": N_("tiketi-doctor's live checks (and anyone following the catalogue) probe a path that answers 404"),
}
# The kinds of health place as a reader of a message names them (probe fields and HEALTHCHECK stay as written).
KIND_WORDS = {
    "catalogue health": N_("catalogue health"),
    "catalogue readiness": N_("catalogue readiness"),
}


def kind_word(kind: str) -> str:
    return Msg(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def _workload(ctx: ScanContext, component: Component) -> k8s.K8sObject | None:
    obj = k8s.workload(ctx, component)
    return obj if obj is not None and obj.kind in LONG_RUNNING else None


def _named_ports(container: k8s.Container) -> dict[str, int]:
    ports = {}
    for port in container.data.get("ports") or []:
        if isinstance(port, dict) and port.get("name") and isinstance(port.get("containerPort"), int):
            ports[str(port["name"])] = port["containerPort"]
    return ports


def probe_handler(spec: object, named_ports: dict[str, int]) -> tuple | None:
    """A comparable description of what a probe runs: ("httpGet", path, port, host, scheme), ..."""
    if not isinstance(spec, dict):
        return None

    def port(value):
        if k8s.is_unknown(value):
            return value[:]  # the template's text: an Unknown equals anything, the same expression only itself
        if isinstance(value, str) and not value.isdigit():
            return named_ports.get(value, value)
        return int(value) if value is not None and str(value).isdigit() else value

    http = spec.get("httpGet")
    if isinstance(http, dict):
        path = str(http.get("path") or "/")
        host = http.get("host")
        return ("httpGet", path.rstrip("/") or "/", port(http.get("port")), host[:] if k8s.is_unknown(host) else host, str(http.get("scheme") or "HTTP").upper())
    tcp = spec.get("tcpSocket")
    if isinstance(tcp, dict):
        return ("tcpSocket", port(tcp.get("port")), str(tcp.get("host") or "")[:])
    exec_ = spec.get("exec")
    if isinstance(exec_, dict) and isinstance(exec_.get("command"), list):
        return ("exec", tuple(str(part)[:] for part in exec_["command"]))
    grpc = spec.get("grpc")
    if isinstance(grpc, dict):
        return ("grpc", port(grpc.get("port")), str(grpc.get("service") or "")[:] or None)
    return None


def describe_handler(handler: tuple | list) -> str:
    kind = handler[0]
    if kind == "httpGet":
        return Msg("httpGet {path} on port {port}", path=handler[1], port=handler[2])
    if kind == "tcpSocket":
        return Msg("tcpSocket on port {port}", port=handler[1])
    if kind == "exec":
        return "exec " + " ".join(handler[1])
    if handler[2]:
        return Msg("grpc on port {port} service {name}", port=handler[1], name=handler[2])
    return Msg("grpc on port {port}", port=handler[1])


def _catalogue_location(ctx: ScanContext, component: Component, key: str) -> Location | None:
    file, line = component.declared_at
    if not file or ctx.catalogue.origin == "builtin" or file.startswith("<"):
        return None
    path = ctx.repo.rel(file)
    if path.startswith(("/", "..")) or not ctx.repo.exists(path):
        return None
    return Location(path, ctx.catalogue.lines.get((component.name, key)) or line, label=f"{key}: {getattr(component, key)}")


# -- HC001 ----------------------------------------------------------------------------------
@facts
class SameProbeFacts(Facts):
    """HC001: the container whose liveness and readiness probes run one handler, and where they are written."""

    manifest: str
    workload: str
    container: str
    handler: tuple
    liveness_line: int | None = None
    readiness_line: int | None = None
    suggested_readiness_path: str | None = None

    @property
    def check(self) -> str:
        return describe_handler(self.handler)


class IdenticalLivenessReadiness(Check):
    code = "HC001"
    name = "identical-liveness-readiness"
    severity = Severity.WARNING
    summary = "A container's liveness and readiness probes run the same check."
    why = (
        "They answer different questions. Liveness: is the process stuck (restart it)? Readiness: can it serve "
        "right now — database and Redis reachable (stop sending traffic)? With one handler for both, either a "
        "database outage restarts every healthy pod in a loop, or pods keep receiving traffic they cannot serve. "
        "The source report lists readiness distinct from liveness as future work."
    )
    example = "livenessProbe: httpGet /health :3005 and readinessProbe: httpGet /health :3005"
    fix = (
        "Keep liveness on a cheap endpoint that only proves the process answers (/health) and point readiness "
        "at one that checks the dependencies (/health/ready: `SELECT 1`, Redis PING), then re-apply the manifest."
    )
    Facts = SameProbeFacts
    symptom = "a database or Redis outage restarts every {service} pod in a loop, or pods stay Ready while they cannot serve"
    fix_title = "Give the readinessProbe of container {container} in {manifest} its own endpoint"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        workload = _workload(ctx, component)
        if workload is None:
            return
        for container in k8s.containers(workload):
            ports = _named_ports(container)
            live = probe_handler(container.data.get("livenessProbe"), ports)
            ready = probe_handler(container.data.get("readinessProbe"), ports)
            if live is None or ready is None or live != ready:
                continue
            yield self._finding(ctx, component, workload, container, live)

    def _finding(self, ctx, component: Component, workload: k8s.K8sObject, container: k8s.Container, handler: tuple) -> Finding:
        base = container.path
        where = workload.at(base + ("readinessProbe",), f"readinessProbe: {describe_handler(handler)}")
        live_at = workload.at(base + ("livenessProbe",), f"livenessProbe: {describe_handler(handler)}")
        suggestion = component.readiness if component.readiness and handler[0] == "httpGet" and component.readiness != handler[1] else None
        cause = Msg(
            "Both probes of container {container} run {handler}. "
            "If that endpoint checks the database or Redis, a dependency outage makes the kubelet restart healthy "
            "containers; if it does not, pods stay Ready while they cannot serve requests.",
            container=repr(container.name), handler=describe_handler(handler),
        )
        if suggestion:
            cause = Joined([cause, Msg("The catalogue gives {component} a readiness endpoint, {path}.", component=component.name, path=suggestion)], " ")
        return self.finding(
            Msg(
                "{component}: the readinessProbe of container {container} is the same check as its livenessProbe ({handler})",
                component=component.name, container=repr(container.name), handler=describe_handler(handler),
            ),
            where,
            service=component.name,
            related=[live_at],
            evidence={"handler": str(describe_handler(handler)), "liveness_at": str(live_at), "readiness_at": str(where)},
            root_cause=cause,
            facts=SameProbeFacts(
                manifest=workload.path,
                workload=workload.name,
                container=container.name,
                handler=tuple(handler),
                liveness_line=live_at.line,
                readiness_line=where.line,
                suggested_readiness_path=suggestion,
            ),
            remediation=reapply_commands(ctx.catalogue, component, workload.path),
        )


# -- HC002 ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HealthPlace:
    kind: str  # livenessProbe | readinessProbe | startupProbe | HEALTHCHECK | catalogue health | catalogue readiness
    path: str
    location: Location


def health_places(ctx: ScanContext, component: Component, app: ExpressApp | None = None) -> list[HealthPlace]:
    """Every place that says which HTTP path answers the component's health: probes, HEALTHCHECK, catalogue."""
    places: list[HealthPlace] = []
    workload = _workload(ctx, component)
    container = k8s.main_container(workload, component) if workload is not None else None
    if container is not None:
        for probe in PROBES:
            spec = container.data.get(probe)
            http = spec.get("httpGet") if isinstance(spec, dict) else None
            if isinstance(http, dict) and isinstance(http.get("path"), str) and not k8s.partly_unknown(http["path"]):
                path = http["path"]
                at = workload.at(container.path + (probe, "httpGet", "path"), f"{probe}.httpGet.path: {path}")
                places.append(HealthPlace(probe, path, at))
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is not None:
        for inst in dockerfile.final.instructions:
            if inst.cmd != "HEALTHCHECK" or not inst.value or inst.value[0].upper() == "NONE":
                continue
            text = inst.expand(" ".join(inst.value))
            for match in LOCAL_HEALTH_URL.finditer(text):
                if match.group(1) is None and match.group(2) is None:
                    continue
                path = match.group(2) or "/"
                line, column = dockerfile.locate(match.group(0), inst)
                places.append(HealthPlace("HEALTHCHECK", path, Location(dockerfile.path, line, column, label=f"HEALTHCHECK {match.group(0)}")))
    for key in ("health", "readiness"):
        path = getattr(component, key)
        if not path:
            continue
        at = _catalogue_location(ctx, component, key)
        if at is None:
            if app is None or not app.apps:
                continue
            at = app.apps[0]  # a built-in catalogue: point at the app, where the route would go
        places.append(HealthPlace(f"catalogue {key}", path, at))
    return places


@dataclass(frozen=True)
class CheckedAt:
    """One place that checks a health path: its kind (livenessProbe, HEALTHCHECK, catalogue health...) and position."""

    kind: str
    path: str = ""
    line: int | None = None
    column: int | None = None


@facts
class UnservedPathFacts(Facts):
    """HC002: the health path the app does not serve, the places that check it, and the app's health routes."""

    path: str
    places: tuple[CheckedAt, ...] = ()
    served_health_paths: tuple[str, ...] = ()
    server_file: str = ""
    insert_after_line: int | None = None

    @property
    def kinds(self) -> Joined:
        return Joined([kind_word(k) for k in dict.fromkeys(p.kind for p in self.places)], ", ")


class ProbePathNotServed(Check):
    code = "HC002"
    name = "probe-path-not-served"
    severity = Severity.ERROR
    summary = "A probe, HEALTHCHECK or catalogue health path is a path the application does not serve."
    why = (
        "A health check on a path the app answers with 404 fails forever: a readiness probe keeps the pod out "
        "of its Service, a liveness probe restarts a working container in a loop, a HEALTHCHECK marks the "
        "container unhealthy. The app itself is fine, which makes it a slow one to find by hand."
    )
    example = "k8s/06-auth-service.yaml: readinessProbe httpGet /ready, while auth-service serves /health and /health/ready"
    fix = "Point the probe at a path the app serves, or add the route (`app.get('/health/ready', ...)`) and rebuild."
    Facts = UnservedPathFacts
    symptom = "the pods of {service} never become Ready: their readinessProbe gets 404 on GET {path}"
    symptom_liveness = "{service} restarts in a loop: its livenessProbe gets 404 on GET {path}"
    symptom_startup = "{service} is killed before it starts: its startupProbe gets 404 on GET {path}"
    symptom_healthcheck = "Docker marks the {service} container unhealthy: its HEALTHCHECK gets 404 on GET {path}"
    symptom_catalogue = "health checks that follow the catalogue get 404 on GET {path} from {service}"
    fix_title = "Serve GET {path} in {service}, or point its {kinds} at a path it serves"

    def which_symptom(self, finding):
        """The worst of what the places that check the path do: a restart loop, no traffic, an unhealthy container."""
        facts = UnservedPathFacts.of(finding)
        kinds = {p.kind for p in facts.places} if facts is not None else set()
        if "livenessProbe" in kinds:
            return self.symptom_liveness
        if "readinessProbe" in kinds:
            return self.symptom
        if "startupProbe" in kinds:
            return self.symptom_startup
        return self.symptom_healthcheck if "HEALTHCHECK" in kinds else self.symptom_catalogue

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        app = express_app(ctx, component)
        places = health_places(ctx, component, app)
        if not places:
            return
        if app is None:
            ctx.undecided(Msg("no Express app was found in {where}'s source, so its routes are unknown", where=component.source or component.name))
            return
        by_path: dict[str, list[HealthPlace]] = {}
        for place in places:
            path = place.path.split("?", 1)[0] or "/"
            if app.serves("GET", path, static=False) is None:
                by_path.setdefault(path, []).append(place)
        if by_path and app.unresolved:
            ctx.undecided(Msg("{component} has mounts that could not be read ({mounts})", component=component.name, mounts="; ".join(app.unresolved)))
            return
        for path, group in by_path.items():
            yield self._finding(ctx, component, app, path, group)

    def _finding(self, ctx, component: Component, app: ExpressApp, path: str, group: list[HealthPlace]) -> Finding:
        health_routes = [r for r in app.routes if r.method in ("GET", "ALL") and re.search(r"health|ready|live|status|ping", r.path)]
        serves = ", ".join(r.path for r in health_routes) or Msg("no health route at all")
        server_file = app.apps[0].path
        last_get = max((r for r in app.routes_in(server_file) if r.kind == "handler"), key=lambda r: r.location.line or 0, default=None)
        facts = UnservedPathFacts(
            path=path,
            places=tuple(CheckedAt(p.kind, p.location.path, p.location.line, p.location.column) for p in group),
            served_health_paths=tuple(r.path for r in health_routes),
            server_file=server_file,
            insert_after_line=last_get.location.line if last_get else None,
        )
        consequences = Joined(dict.fromkeys(Msg(CONSEQUENCES[p.kind]) for p in group), "; ")
        template = (
            N_("{component} does not serve GET {path}, which its {kinds} checks") if len(group) == 1
            else N_("{component} does not serve GET {path}, which its {kinds} check")
        )
        message = Msg(template, component=component.name, path=path, kinds=facts.kinds)
        cause = Msg(
            "{component}'s routes (read from {file}) answer {serves}; GET {path} gets 404, so {consequences}.",
            component=component.name, file=server_file, serves=serves, path=path, consequences=consequences,
        )
        related = [p.location for p in group[1:]] + [r.location for r in health_routes[:3]]
        manifests = [p.location.path for p in group if p.kind in PROBES]
        remediation = reapply_commands(ctx.catalogue, component, manifests[0]) if manifests else []
        if any(p.kind == "HEALTHCHECK" for p in group):
            remediation = rebuild_commands(ctx.catalogue, component) + [c for c in remediation if c.startswith("kubectl apply")]
        return self.finding(
            message,
            group[0].location,
            service=component.name,
            related=related,
            evidence={"path": path, "checked_by": [f"{p.kind} at {p.location}" for p in group], "health_routes": [r.describe() for r in health_routes]},
            root_cause=cause,
            facts=facts,
            remediation=remediation,
        )


# -- HC003 ----------------------------------------------------------------------------------
# Info, not warning: on real repositories (Helm charts, sample apps) most Deployments have no probes
# and run fine; a missing readiness probe only costs errors during start-up and rollouts, so it is a
# best-practice note a maintainer may act on, not a fault that breaks the deployment.
@facts
class NoReadinessFacts(Facts):
    """HC003: the container without a readinessProbe, and what a probe for it would check."""

    manifest: str
    workload: str
    container: str
    container_line: int | None = None
    has_liveness: bool = False
    suggested_path: str | None = None
    port: int | None = None


class MissingReadinessProbe(Check):
    code = "HC003"
    name = "missing-readiness-probe"
    severity = Severity.INFO
    summary = "An application container runs without a readinessProbe (best practice: it gates traffic during start-up and rollouts)."
    why = (
        "Without a readiness probe a pod receives traffic as soon as the container starts — before the app "
        "listens, and while its database is unreachable — and a rollout replaces working pods with ones that "
        "cannot serve yet. Liveness alone does not stop traffic; it only restarts."
    )
    example = "k8s/05-backend.yaml: containers[0] has a livenessProbe on /health and no readinessProbe"
    fix = (
        "Add `readinessProbe: {httpGet: {path: /health/ready, port: <port>}, periodSeconds: 5}` (an endpoint "
        "that checks the database/Redis) and re-apply the manifest."
    )
    Facts = NoReadinessFacts
    symptom = "errors from {service} during start-up and rollouts: requests reach pods that cannot serve yet"
    fix_title = "Add a readinessProbe to container {container} in {manifest}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        workload = _workload(ctx, component)
        if workload is None:
            return
        container = k8s.main_container(workload, component)
        if container is None or _may_have(container.data, "readinessProbe"):
            return
        if not _receives_traffic(ctx, component, workload):
            return  # readiness only gates Service endpoints: nothing to protect
        has_liveness = _may_have(container.data, "livenessProbe")
        template = (
            N_("{component}: container {container} in {manifest} has a livenessProbe but no readinessProbe") if has_liveness
            else N_("{component}: container {container} in {manifest} has no readinessProbe (and no livenessProbe)")
        )
        path = component.readiness or component.health
        at = workload.at(container.path, f"container {container.name}")
        cause = Msg(
            "Kubernetes counts {component} Ready as soon as the container starts, so its Service routes "
            "requests to pods that are still starting or have lost their database.",
            component=component.name,
        )
        if component.readiness:
            cause = Joined([cause, Msg("The catalogue's readiness endpoint is {path}.", path=component.readiness)], " ")
        yield self.finding(
            Msg(template, component=component.name, container=repr(container.name), manifest=workload.path),
            at,
            service=component.name,
            related=[workload.at(container.path + ("livenessProbe",), "livenessProbe")] if has_liveness else [],
            evidence={"workload": f"{workload.kind}/{workload.name}", "liveness": has_liveness},
            root_cause=cause,
            facts=NoReadinessFacts(
                manifest=workload.path,
                workload=workload.name,
                container=container.name,
                container_line=at.line,
                has_liveness=has_liveness,
                suggested_path=path,
                port=component.port,
            ),
            remediation=reapply_commands(ctx.catalogue, component, workload.path),
        )


def _may_have(container: dict, key: str) -> bool:
    """The key is written (with any value a template may fill), or a template block may add it."""
    return container.get(key) is not None or k8s.is_open(container)


def _receives_traffic(ctx: ScanContext, component: Component, workload: k8s.K8sObject) -> bool:
    """A Service selects its pods, or the catalogue names the component's Service and it exists."""
    from tiketi_doctor.analysis.traffic import selected_by_a_service

    named = component.k8s_service is not None and k8s.service(ctx, component) is not None
    return named or selected_by_a_service(ctx, workload)


# -- HC004 ---------------------------------------------------------------------------------
# Narrowed from "a Dockerfile without HEALTHCHECK" (never a real fault on real repositories: the
# kubelet ignores HEALTHCHECK and compose files define their own) to the one case that breaks:
# compose waits for `condition: service_healthy` on a service that has no healthcheck at all.
@facts
class UnhealthyWaitFacts(Facts):
    """HC004: the compose file, the service that waits, and the dependency it waits for."""

    compose_file: str
    service: str
    dependency: str


class MissingHealthcheck(Check):
    code = "HC004"
    name = "missing-healthcheck"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A compose service waits for another to be healthy, but that service has no healthcheck at all."
    why = (
        "`depends_on: {X: {condition: service_healthy}}` needs X to report a health status. When neither the "
        "compose service nor its image defines a healthcheck, `docker compose up` stops with \"container X has "
        "no healthcheck configured\" and the waiting service never starts. (Kubernetes ignores Docker "
        "HEALTHCHECK entirely, so a Dockerfile without one is not a fault by itself.)"
    )
    example = "docker-compose.yml: api: depends_on: {db: {condition: service_healthy}}; db: build: ./db (no HEALTHCHECK)"
    fix = (
        "Give X a `healthcheck:` in the compose file (test, interval, retries) or a HEALTHCHECK in its Dockerfile, "
        "or wait with `condition: service_started`."
    )
    Facts = UnhealthyWaitFacts
    symptom = "`docker compose up` fails with \"container {dependency} has no healthcheck configured\" and {service} never starts"
    fix_title = "Give {dependency} a healthcheck in {compose_file}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.analysis.compose import compose_files

        projects: dict[str, dict] = {}
        for file in compose_files(ctx):
            by_name = projects.setdefault(file.project, {})
            for service in file.services:
                by_name.setdefault(service.name, []).append(service)
        for file in compose_files(ctx):
            for service in file.services:
                depends = service.data.get("depends_on")
                if not isinstance(depends, dict):
                    continue  # the list form only waits for the start
                for name, spec in depends.items():
                    if not isinstance(spec, dict) or spec.get("condition") != "service_healthy":
                        continue
                    target = projects[file.project].get(str(name))
                    if not target:
                        continue
                    verdict = _health_source(ctx, target)
                    if verdict is None:
                        ctx.undecided(Msg("{name} runs an image built elsewhere: whether it defines a HEALTHCHECK is unknown", name=name))
                        continue
                    if verdict:
                        continue
                    yield self._finding(file, service, str(name), target)

    def _finding(self, file, service, name: str, target: list) -> Finding:
        where = Location(file.path, *_position(file, service.path + ("depends_on", name, "condition")), label=f"{name}: condition: service_healthy")
        build = next((t.build for t in target if t.build is not None), None)
        built = Msg(" and its image (built from {dockerfile}) declares no HEALTHCHECK", dockerfile=build.dockerfile) if build else ""
        return self.finding(
            Msg(
                "{file}: {waiting} waits for {name} to be healthy, but {name} has no healthcheck",
                file=file.path, waiting=service.name, name=name,
            ),
            where,
            service=service.name,
            related=[target[0].location],
            evidence={"waiting": service.name, "dependency": name, "dockerfile": build.dockerfile if build else None},
            root_cause=Msg(
                "{name} defines no `healthcheck:` in the compose file{built}, so it never reports healthy: "
                "`docker compose up` fails with \"container {name} has no healthcheck configured\" and {waiting} never starts.",
                name=name, built=built, waiting=service.name,
            ),
            facts=UnhealthyWaitFacts(compose_file=file.path, service=service.name, dependency=name),
        )


def _position(file, path: tuple) -> tuple[int | None, int | None]:
    return file.doc.line(path), file.doc.column(path)


def _health_source(ctx: ScanContext, services: list) -> bool | None:
    """Whether a compose service (its definitions across the project's files) reports health:
    True/False when known, None when it runs an image the repository does not build."""
    from tiketi_doctor.parsing.dockerfile import parse_dockerfile

    for service in reversed(services):  # a later (override) file wins
        check = service.data.get("healthcheck")
        if isinstance(check, dict):
            test = check.get("test")
            disabled = check.get("disable") is True or (isinstance(test, list) and test[:1] == ["NONE"]) or test == "NONE"
            return not disabled
    build = next((s.build for s in reversed(services) if s.build is not None), None)
    if build is None:
        image = next((s.image for s in reversed(services) if s.image), None)
        return _base_verdict(image) if image else None
    if not build.in_repository or not ctx.repo.exists(build.dockerfile):
        return None
    path = build.dockerfile
    dockerfile = ctx.repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))
    if dockerfile is None or not dockerfile.stages:
        return None
    raw = next((s.data.get("build") for s in reversed(services) if isinstance(s.data.get("build"), dict)), None)
    target = raw.get("target") if isinstance(raw, dict) else None
    stage = dockerfile.stage(str(target)) if target else dockerfile.final
    if stage is None:
        return None
    chain = [stage]
    while (parent := dockerfile.stage(chain[-1].base)) is not None and parent.index < chain[-1].index:
        chain.append(parent)  # FROM an earlier stage inherits its HEALTHCHECK
    for current in chain:
        for inst in reversed(current.instructions):
            if inst.cmd == "HEALTHCHECK":
                return not (inst.value and inst.value[0].upper() == "NONE")
    return _base_verdict(chain[-1].base)


def _base_verdict(image: str) -> bool | None:
    """Whether an image from a registry reports health: Docker Official Images (`node`, `mongo:7`,
    `library/redis`) never declare a HEALTHCHECK by policy, `scratch` has nothing; any other image
    may, so it is unknown."""
    name = image.split("@", 1)[0].rsplit(":", 1)[0] if "/" not in image.split("@", 1)[0].rsplit(":", 1)[-1] else image
    if "$" in name:
        return None
    if name == "scratch" or "/" not in name or name.startswith(("library/", "docker.io/library/")):
        return False
    return None


CHECKS = (IdenticalLivenessReadiness, ProbePathNotServed, MissingReadinessProbe, MissingHealthcheck)
