"""CMP: compose services that collide on host ports or hide what their image installed."""
from __future__ import annotations

import posixpath
from typing import Iterable

from tiketi_doctor.analysis.compose import ComposeFile, ComposeService, compose_files
from tiketi_doctor.analysis.image import dockerfile_of, package_json
from tiketi_doctor.analysis.imageref import parse_image
from tiketi_doctor.analysis.installs import npm_steps
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.dockerfile import parse_dockerfile


def projects(ctx: ScanContext) -> dict[str, list[ComposeFile]]:
    grouped: dict[str, list[ComposeFile]] = {}
    for compose in compose_files(ctx):
        grouped.setdefault(compose.project, []).append(compose)
    for files in grouped.values():
        files.sort(key=lambda f: ".override." in f.path)  # the base file first, as compose merges them
    return grouped


@facts
class HostPortFacts(Facts):
    """CMP001: the host port, the services that publish it (the one that binds it first, then the other) and the file."""

    port: int
    services: tuple[str, ...]
    file: str

    @property
    def first(self) -> str:
        return self.services[0] if self.services else ""

    @property
    def second(self) -> str:
        return self.services[-1] if self.services else ""


# The title of the fix that moves the later mapping to a free host port (fixes/compose.py).
FREE_PORT_TITLE = N_("Publish {mapping} on host port {free} instead of {port} in {path}")


class ComposePortCollision(Check):
    code = "CMP001"
    name = "compose-port-collision"
    severity = Severity.ERROR
    scope = "repository"
    fixable = True
    summary = "Two compose services (or two mappings of one) publish the same host port."
    why = (
        "Only one container can bind a host port. `docker compose up` starts the first and fails the second "
        "with \"Bind for 0.0.0.0:3000 failed: port is already allocated\" — typically after a port was copied "
        "from another service. Compose merges docker-compose.override.yml into docker-compose.yml, so their "
        "mappings collide too."
    )
    example = "services: {frontend: {ports: [\"3000:3000\"]}, grafana: {ports: [\"3000:3000\"]}}"
    fix = "Give each service its own host port (the left side of `HOST:CONTAINER`); the container port can stay."
    Facts = HostPortFacts
    symptom = "`docker compose up` does not start {second}: host port {port} \"is already allocated\" by {first}"
    fix_title = "Give {second} a host port of its own instead of {port} in {file}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for files in projects(ctx).values():
            mappings = [(s, m) for f in files for s in f.services for m in s.ports]
            reported: set[tuple] = set()
            for i, (service, mapping) in enumerate(mappings):
                for other_service, other in mappings[:i]:
                    if not mapping.overlaps(other):
                        continue
                    if other_service.name != service.name and _exclusive_profiles(service, other_service):
                        continue
                    if other_service.name == service.name and other_service.file != service.file and mapping.text == other.text:
                        continue  # an override repeating the base mapping: compose keeps one
                    key = (mapping.location.path, mapping.location.line)
                    if key in reported:
                        continue
                    reported.add(key)
                    port = max(mapping.host_start, other.host_start)
                    who = (
                        Msg("{first} and {second}", first=service.name, second=other_service.name) if other_service.name != service.name
                        else Msg("{name} (twice)", name=service.name)
                    )
                    yield self.finding(
                        Msg(
                            "{who} both publish host port {port} ({other} at {place}, {mapping} here)",
                            who=who, port=port, other=other.text, place=f"{other.location.path}:{other.location.line}", mapping=mapping.text,
                        ),
                        mapping.location,
                        related=[other.location],
                        evidence={"port": port, "services": [other_service.name, service.name], "protocol": mapping.protocol},
                        root_cause=Msg(
                            "`docker compose up` binds {address}:{port} for {first} first; "
                            "{second} then fails with \"port is already allocated\" and does not start.",
                            address=other.host_ip or "0.0.0.0", port=port, first=other_service.name, second=service.name,
                        ),
                        facts=HostPortFacts(port=port, services=(other_service.name, service.name), file=mapping.location.path),
                    )


def _exclusive_profiles(a: ComposeService, b: ComposeService) -> bool:
    """Services in disjoint profiles are never started together."""
    return bool(a.profiles and b.profiles and not a.profiles & b.profiles)


@facts
class HiddenByMountFacts(Facts):
    """CMP002: the compose service, its bind mount and what of the image it hides (node_modules or the started file)."""

    service: str
    mount: str
    hidden: str
    file: str


class ComposeMountHidesInstall(Check):
    code = "CMP002"
    name = "compose-mount-hides-install"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A compose bind mount covers the folder where the image installed node_modules, or the built file its container starts."
    why = (
        "A bind mount replaces the container's folder with the host's. Mounting the source folder over "
        "/app hides /app/node_modules that `npm install` put into the image: the container starts with the "
        "host's node_modules (usually none, or built for another OS — bcrypt and other native modules) and "
        "crashes with `Cannot find module`. The same happens to what the image built (`dist/main.js` from `npm run build`): "
        "the host folder of a fresh checkout has no build output."
    )
    example = "volumes: [\"./services/auth-service:/app\"] while the Dockerfile runs `npm install` in /app"
    fix = "Keep the image's modules with an anonymous volume on top (`- /app/node_modules`), or mount only the source (`./services/auth-service/src:/app/src`); for build output, run the source in development (`command: npm run dev`) or keep the output with a volume (`- /app/dist`)."
    Facts = HiddenByMountFacts
    symptom = "compose service {service} crashes with `Cannot find module`: the bind mount {mount} hides {hidden}"
    fix_title = "Keep the image's {hidden} under the bind mount {mount} of {service} (a volume on top, or a narrower mount)"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for compose in compose_files(ctx):
            for service in compose.services:
                installed = _installed_dirs(ctx, compose, service)
                for mount in service.mounts:
                    if mount.kind != "bind":
                        continue
                    for folder, where in installed:
                        if not (folder == mount.target or folder.startswith(mount.target.rstrip("/") + "/")):
                            continue
                        kept = [m for m in service.mounts if m is not mount and (folder == m.target or folder.startswith(m.target.rstrip("/") + "/")) and m.target.startswith(mount.target.rstrip("/") + "/")]
                        if kept:
                            continue
                        yield self.finding(
                            Msg(
                                "compose service {service} mounts {source} over {target}, hiding {hidden} that its image installed",
                                service=service.name, source=mount.source, target=mount.target, hidden=folder,
                            ),
                            mount.location,
                            service=_catalogued(ctx, compose, service),
                            related=[where],
                            evidence={"mount": mount.text, "hidden": folder, "service": service.name},
                            root_cause=Msg(
                                "The image installs its packages into {hidden} ({place}); the bind mount "
                                "replaces {target} with the host folder {source}, which has no node_modules of "
                                "the image, so the container crashes with Cannot find module.",
                                hidden=folder, place=f"{where.path}:{where.line}", target=mount.target, source=mount.source,
                            ),
                            facts=HiddenByMountFacts(service=service.name, mount=mount.text, hidden=folder, file=compose.path),
                        )
                        break
                    else:
                        hidden = _hidden_entry(ctx, compose, service, mount)
                        if hidden is not None:
                            entry, host, where = hidden
                            yield self.finding(
                                Msg(
                                    "compose service {service} mounts {source} over {target}, hiding {hidden} "
                                    "that its container starts with ({host} is not in the repository)",
                                    service=service.name, source=mount.source, target=mount.target, hidden=entry, host=host,
                                ),
                                mount.location,
                                service=_catalogued(ctx, compose, service),
                                related=[where],
                                evidence={"mount": mount.text, "hidden": entry, "service": service.name, "host_path": host},
                                root_cause=Msg(
                                    "The container runs {hidden} ({place}), which the image builds; the bind "
                                    "mount replaces {target} with the host folder {source}, where {host} does not "
                                    "exist on a fresh checkout, so node exits with `Cannot find module`.",
                                    hidden=entry, place=f"{where.path}:{where.line}", target=mount.target, source=mount.source, host=host,
                                ),
                                facts=HiddenByMountFacts(service=service.name, mount=mount.text, hidden=entry, file=compose.path),
                            )


def _hidden_entry(ctx: ScanContext, compose: ComposeFile, service: ComposeService, mount):
    """(entry file in the image, its host path, where it is named) when the bind mount hides the file the container starts."""
    from tiketi_doctor.analysis.installs import script_call
    from tiketi_doctor.parsing.shell import command_words

    if mount.source.startswith(("/", "~", "..")) or "command" in service.data or "entrypoint" in service.data:
        return None  # outside the repository, or the service starts something else than the image's CMD
    component = _component_for(ctx, compose, service)
    if component is None:
        return None
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is None:
        return None
    final = dockerfile.final.index
    start = next((s for s in npm_steps(ctx, component) if s.tool == "CMD" and s.stage == final), None)
    if start is None:
        return None
    words = [w for w in start.words if "=" not in w.split("/")[0]]
    call = script_call(words)
    if call is not None:
        if not call.certain and call.verb != "implicit":
            return None
        manifest = start.files.repo_path(ctx, start.manifest)
        pkg = package_json(ctx, manifest) if manifest else None
        scripts = pkg.data.get("scripts") if pkg is not None and isinstance(pkg.data.get("scripts"), dict) else {}
        script = scripts.get(call.script)
        if not isinstance(script, str) or "&&" in script or ";" in script:
            return None
        words = command_words(script)
    if len(words) < 2 or posixpath.basename(words[0]) != "node":
        return None
    files = [w for w in words[1:] if not w.startswith("-")]
    if not files or "$" in files[0]:
        return None
    entry = posixpath.normpath(posixpath.join(start.workdir, files[0]))
    target = mount.target.rstrip("/") or "/"
    if not entry.startswith(target + "/"):
        return None
    inner = [m for m in service.mounts if m is not mount and m.target.startswith(target + "/") and (entry == m.target or entry.startswith(m.target.rstrip("/") + "/"))]
    if inner:
        return None  # a deeper volume keeps the image's files there
    host = posixpath.normpath(posixpath.join(mount.source, entry[len(target) + 1:]))
    candidates = [host] + ([host + ext for ext in (".js", ".cjs", ".mjs")] if not posixpath.splitext(host)[1] else [])
    if any(ctx.repo.exists(c) for c in candidates) or ctx.repo.is_dir(host):
        return None
    if start.files.repo_path(ctx, entry) is not None:
        return None  # the image copies it from the repository: the host folder has it too, unless it is elsewhere
    return entry, host, start.location


def _installed_dirs(ctx: ScanContext, compose: ComposeFile, service: ComposeService):
    component = _component_for(ctx, compose, service)
    if component is None or dockerfile_of(ctx, component) is None:
        return []
    dockerfile = dockerfile_of(ctx, component)
    final = dockerfile.final.index
    found = []
    for step in npm_steps(ctx, component):
        if step.stage == final and step.verb in ("install", "ci"):
            found.append((posixpath.join(step.workdir, "node_modules"), step.location))
    workdir = "/"
    for inst in dockerfile.final.instructions:
        if inst.cmd == "WORKDIR" and inst.value:
            workdir = posixpath.normpath(posixpath.join(workdir, inst.value[0]))
        elif inst.cmd == "COPY" and inst.flag("from") and len(inst.value) >= 2 and any("node_modules" in v for v in inst.value[:-1]):
            dest = posixpath.normpath(posixpath.join(workdir, inst.value[-1]))
            found.append((dest if dest.endswith("node_modules") else posixpath.join(dest, "node_modules"), Location(dockerfile.path, inst.start_line, 1, label=inst.original[:120])))
    return found


def _catalogued(ctx: ScanContext, compose: ComposeFile, service: ComposeService) -> str | None:
    component = _component_for(ctx, compose, service)
    return component.name if component is not None and ctx.catalogue.component(component.name) is not None else None


def _component_for(ctx: ScanContext, compose: ComposeFile, service: ComposeService) -> Component | None:
    """The Dockerfile behind a service: its `build:`, or the catalogue component whose image it runs."""
    if service.build is not None:
        if not ctx.repo.exists(service.build.dockerfile):
            return None
        known = next((c for c in ctx.catalogue.components if c.dockerfile == service.build.dockerfile and posixpath.normpath(c.build_context or ".") == service.build.context), None)
        return known or Component(f"compose:{compose.path}:{service.name}", "service", build_context=service.build.context, dockerfile=service.build.dockerfile)
    image = parse_image(service.image or "")
    if image is None:
        return None
    for component in ctx.catalogue.components:
        ref = parse_image(component.image or "")
        if component.dockerfile and ref is not None and ref.same_name(image):
            return component
    return None


# Published images of infrastructure products: a compose service that names one runs that product.
PRODUCT_IMAGES = frozenset({
    "postgres", "mysql", "mariadb", "mongo", "redis", "rabbitmq", "nginx", "httpd", "traefik", "haproxy", "memcached",
    "elasticsearch", "kibana", "logstash", "zookeeper", "cassandra", "couchdb", "neo4j", "nats", "consul", "vault",
    "adminer", "mongo-express", "influxdb", "telegraf", "registry", "sonarqube", "eclipse-mosquitto", "clickhouse",
})
PRODUCT_NAMESPACES = frozenset({
    "bitnami", "confluentinc", "grafana", "prom", "minio", "jaegertracing", "localstack", "mailhog", "wurstmeister",
    "dpage", "openzipkin", "redislabs", "axllent", "mongodb", "clickhouse",
})


@facts
class ShadowedImageFacts(Facts):
    """CMP003: the compose service, the product image it names, the Dockerfile it builds instead and the file."""

    service: str
    image: str
    dockerfile: str
    file: str


class ComposeBuildShadowsImage(Check):
    code = "CMP003"
    name = "compose-build-shadows-product-image"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A compose service names a product image (postgres, redis, nginx…) and also has `build:` of a Dockerfile that is not based on it."
    why = (
        "With both keys compose builds the Dockerfile and tags the result with the `image:` name: `docker compose up` "
        "runs that build as the database or proxy, and the local `postgres:16` tag now names your application. It "
        "happens when a service block is copied from an application service and `build: .` stays. The database never "
        "starts, so every service that needs it fails to connect."
    )
    example = "db: {image: postgres:16, build: .}  # the Dockerfile builds the api"
    fix = "Remove `build:` from the product's service (or base the Dockerfile on that image when you really customise it)."
    Facts = ShadowedImageFacts
    symptom = "compose service {service} runs the build of {dockerfile} instead of {image}: the services that need it cannot connect"
    fix_title = "Remove `build:` from compose service {service}, which should run {image}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for compose in compose_files(ctx):
            for service in compose.services:
                if service.build is None or not service.image:
                    continue
                image = parse_image(service.image)
                if image is None or not _product(image.repository):
                    continue
                if not ctx.repo.exists(service.build.dockerfile):
                    continue  # CTX003 says the Dockerfile is missing
                path = service.build.dockerfile
                dockerfile = ctx.repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))
                if dockerfile is None:
                    continue
                bases = [parse_image(stage.base) for stage in dockerfile.stages]
                if any(b is not None and b.repository.removeprefix("library/") == image.repository.removeprefix("library/") for b in bases):
                    continue  # a customised product image: the build is based on it
                first = dockerfile.stages[0].base if dockerfile.stages else "?"
                yield self.finding(
                    Msg(
                        "compose service {service} names the image {image} but builds {dockerfile} (FROM {base}): "
                        "compose runs that build as {service} and tags it {image}",
                        service=service.name, image=service.image, dockerfile=path, base=first,
                    ),
                    service.build.location,
                    related=[Location(path, dockerfile.stages[0].instructions[0].start_line if dockerfile.stages and dockerfile.stages[0].instructions else 1)],
                    evidence={"service": service.name, "image": service.image, "dockerfile": path, "from": first},
                    root_cause=Msg(
                        "With `build:` and `image:` together, compose builds {dockerfile} and names the result {image}; "
                        "{dockerfile} is not based on {product}, so {service} runs another program, not {product}.",
                        dockerfile=path, image=service.image, product=image.repository, service=service.name,
                    ),
                    facts=ShadowedImageFacts(service=service.name, image=service.image, dockerfile=path, file=compose.path),
                )


def _product(repository: str) -> bool:
    name = repository.removeprefix("library/")
    if "/" not in name:
        return name in PRODUCT_IMAGES
    return name.split("/", 1)[0] in PRODUCT_NAMESPACES


CHECKS = (ComposePortCollision, ComposeMountHidesInstall, ComposeBuildShadowsImage)
