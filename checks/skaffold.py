"""SKF: Skaffold configs against the repository — build paths, manifest paths, port-forwards."""
from __future__ import annotations

import posixpath
from typing import Iterable

from tiketi_doctor.analysis.skaffold import Artifact, PortForward, SkaffoldConfig, configs, deployed
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity


@facts
class ArtifactFacts(Facts):
    """SKF001: the Skaffold config and the artifact whose context folder does not exist."""

    config: str
    image: str
    context: str


@facts
class ArtifactDockerfileFacts(ArtifactFacts):
    """SKF001: ... or whose Dockerfile, joined to the context, does not exist."""

    dockerfile: str


class ArtifactPathMissing(Check):
    code = "SKF001"
    name = "skaffold-artifact-path-missing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A Skaffold artifact's context folder, or its Dockerfile relative to that context, does not exist."
    why = (
        "Skaffold sends `context` as the build context and reads `docker.dockerfile` relative to it, not to "
        "skaffold.yaml. `context: apps/api` with `dockerfile: apps/api/Dockerfile` looks for "
        "apps/api/apps/api/Dockerfile: `skaffold dev` and `skaffold build` stop before building anything."
    )
    example = "artifacts: [{image: api, context: apps/api, docker: {dockerfile: apps/api/Dockerfile}}]"
    fix = "Write the Dockerfile path relative to the context (`dockerfile: Dockerfile`), or make the context the folder the Dockerfile's COPY paths are written for."
    Facts = ArtifactFacts
    symptom = "`skaffold dev` and `skaffold build` stop before building {image}"
    fix_title = "Make the context and Dockerfile of Skaffold artifact {image} paths that exist"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen = set()
        for config in configs(ctx):
            for artifact in config.artifacts:
                key = (artifact.image, artifact.context, artifact.dockerfile)
                if key in seen:
                    continue  # a profile repeating the top-level artifact
                seen.add(key)
                if not ctx.repo.is_dir(artifact.context):
                    yield self._no_context(artifact)
                elif artifact.dockerfile and not ctx.repo.exists(artifact.dockerfile):
                    yield self._no_dockerfile(ctx, config, artifact)

    def _no_context(self, artifact: Artifact) -> Finding:
        return self.finding(
            Msg("Skaffold artifact {image}: the context folder {context} does not exist", image=artifact.image, context=artifact.context),
            artifact.context_location,
            related=[artifact.location],
            evidence={"image": artifact.image, "context": artifact.context},
            root_cause=Msg(
                "Skaffold builds {image} from {context}, which is not a folder of the repository, so the build fails before it starts.",
                image=artifact.image, context=artifact.context,
            ),
            facts=ArtifactFacts(config=artifact.config, image=artifact.image, context=artifact.context),
        )

    def _no_dockerfile(self, ctx: ScanContext, config: SkaffoldConfig, artifact: Artifact) -> Finding:
        from checks.buildctx import parsed_dockerfile
        from tiketi_doctor.analysis.build_context import check_sources

        written = artifact.dockerfile_written or "Dockerfile"
        as_from_config = posixpath.normpath(posixpath.join(config.folder, written))
        hints = []
        related = [artifact.location, artifact.context_location]
        if as_from_config != artifact.dockerfile and ctx.repo.exists(as_from_config):
            hints.append(Msg(
                "{path} exists relative to {base}: the path is written as if it were not relative to the context",
                path=as_from_config, base=Msg("the repository root") if config.folder == "." else config.folder,
            ))
            parsed = parsed_dockerfile(ctx, as_from_config)
            outside = [p for p in check_sources(ctx, parsed, artifact.context) if p.reason in ("missing", "outside")] if parsed else []
            if outside and parsed and not check_sources(ctx, parsed, config.folder):
                names = ", ".join(dict.fromkeys(p.source.text for p in outside[:5]))
                hints.append(Msg(
                    "and `dockerfile: {relative}` alone would still fail: it copies "
                    "{names}, which exist only outside {context}; use `context: {folder}` with "
                    "`dockerfile: {from_folder}`",
                    relative=posixpath.relpath(as_from_config, artifact.context), names=names, context=artifact.context,
                    folder=config.folder, from_folder=posixpath.relpath(as_from_config, config.folder),
                ))
                related += [p.source.location for p in outside[:3]]
            else:
                hints.append(Msg("write `dockerfile: {relative}`", relative=posixpath.relpath(as_from_config, artifact.context)))
        message = Msg(
            "Skaffold artifact {image}: dockerfile {written} is read relative to the context "
            "{context}, as {dockerfile}, which does not exist",
            image=artifact.image, written=written, context=artifact.context, dockerfile=artifact.dockerfile,
        )
        if hints:
            message = Msg("{message}; {hints}", message=message, hints=Joined(hints, "; "))
        return self.finding(
            message,
            artifact.dockerfile_location,
            related=list(dict.fromkeys(related)),
            evidence={"image": artifact.image, "context": artifact.context, "dockerfile": artifact.dockerfile, "written": written},
            root_cause=Msg(
                "Skaffold joins `docker.dockerfile` to `context`; {dockerfile} is not in the repository, so building {image} fails.",
                dockerfile=artifact.dockerfile, image=artifact.image,
            ),
            facts=ArtifactDockerfileFacts(config=artifact.config, image=artifact.image, context=artifact.context, dockerfile=artifact.dockerfile),
        )


@facts
class ManifestEntryFacts(Facts):
    """SKF002: the Skaffold config and the manifest entry (as written) that matches nothing."""

    config: str
    entry: str


# Why a manifest entry deploys nothing, per kind of entry and what is at its path.
ENTRY_PROBLEMS = {
    "no file": N_("matches no file"),
    "no kustomization": N_("has no kustomization.yaml"),
    "no chart": N_("has no Chart.yaml"),
    "not a folder": N_("is not a folder"),
}


class ManifestPathMissing(Check):
    code = "SKF002"
    name = "skaffold-manifest-path-missing"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A Skaffold rawYaml/kubectl glob, kustomize path or Helm chartPath matches nothing in the repository."
    why = (
        "Skaffold deploys what its manifest entries match. A glob that matches no file, a kustomize folder "
        "without a kustomization or a chartPath without a Chart.yaml deploys nothing (or fails), so "
        "`skaffold dev` builds an image that no workload runs."
    )
    example = "manifests: {rawYaml: [k8s/auth-service/*.yaml]} while the manifests are in k8s/auth/"
    fix = "Point the entry at the folder or files that hold the manifests, or remove it."
    Facts = ManifestEntryFacts
    symptom = "`skaffold dev` applies nothing for {entry}: the workloads it should deploy never appear"
    fix_title = "Point the Skaffold entry {entry} in {config} at the manifests"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen = set()
        for config in configs(ctx):
            for source in config.manifests:
                if source.remote or (source.path, source.kind) in seen:
                    continue
                seen.add((source.path, source.kind))
                if source.files(ctx):
                    continue
                what = Msg(ENTRY_PROBLEMS[{
                    "rawYaml": "no file",
                    "kustomize": "no kustomization" if ctx.repo.is_dir(source.path) else "not a folder",
                    "helm": "no chart" if ctx.repo.is_dir(source.path) else "not a folder",
                }[source.kind]])
                resolved = f" ({source.path})" if source.path != source.written else ""
                yield self.finding(
                    Msg(
                        "Skaffold {kind} entry {entry}{resolved} {what}: it deploys nothing{nearest}",
                        kind=source.kind, entry=source.written, resolved=resolved, what=what, nearest=_nearest(ctx, source.path),
                    ),
                    source.location,
                    evidence={"entry": source.written, "resolved": source.path, "kind": source.kind, "profile": source.profile},
                    root_cause=Msg(
                        "Skaffold resolves {entry} relative to {folder}; nothing is there, so the manifests it was meant to deploy are not applied.",
                        entry=source.written, folder=config.folder,
                    ),
                    facts=ManifestEntryFacts(config=config.path, entry=source.written),
                )


@facts
class ForwardFacts(Facts):
    """SKF003: the Skaffold config and the Service a portForward names."""

    config: str
    service: str


@facts
class MissingServiceFacts(ForwardFacts):
    """SKF003: ... which no manifest defines in the forward's namespace."""

    namespace: str | None = None


@facts
class MissingPortFacts(ForwardFacts):
    """SKF003: ... which does not expose the forwarded port."""

    port: int | str | None = None


class PortForwardTargetMissing(Check):
    code = "SKF003"
    name = "skaffold-port-forward-target-missing"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A Skaffold portForward names a Service that no manifest defines in that namespace, or a port it does not expose."
    why = (
        "`skaffold dev` forwards to the Service and port named in portForward. When no deployed manifest "
        "defines that Service in that namespace, or the Service has no such port, the forward never "
        "connects and localhost answers nothing."
    )
    example = "portForward: [{resourceType: service, resourceName: auth-service, port: 3000}] — the Service is `auth`, port 80"
    fix = "Name the Service, namespace and Service port (not the container port) that the manifests define."
    Facts = ForwardFacts
    symptom = "the `skaffold dev` port-forward to Service {service} never connects: localhost answers nothing"
    fix_title = "Point the portForward in {config} at a Service and port the manifests define"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for config in configs(ctx):
            forwards = [f for f in config.port_forwards if f.resource_type == "service" and "{{" not in f.resource_name]
            if not forwards:
                continue
            sources = deployed(ctx, config)
            services = _services(ctx, sources)
            opaque = any(s.remote or s.kind == "helm" for s in sources)  # Service names only known once rendered
            for forward in forwards:
                named = [s for s in services if s[0] == forward.resource_name]
                matching = [s for s in named if _same_namespace(s[1], forward.namespace)]
                if not matching:
                    if opaque:
                        continue
                    yield self._missing(config, forward, services, named)
                    continue
                port = forward.port
                if port is None or (isinstance(port, str) and "{{" in port):
                    continue
                if not any(_exposes(s[2], port) for s in matching):
                    yield self._no_port(config, forward, matching)

    def _missing(self, config: SkaffoldConfig, forward: PortForward, services: list, named: list) -> Finding:
        namespace = Msg(" in namespace {namespace}", namespace=forward.namespace) if forward.namespace else ""
        if named:
            namespaces = [Msg("(none)") if n is None else n for n in sorted({s[1] for s in named}, key=lambda n: n or "(none)")]
            what = Msg("Service {name} is defined only in namespace {namespaces}", name=forward.resource_name, namespaces=Joined(namespaces, ", "))
        elif services:
            listed = Joined([
                Msg("{name} (namespace {namespace}, port {ports}) at {place}", name=n, namespace=ns, ports=_ports(data), place=f"{where.path}:{where.line}")
                if ns else Msg("{name} (port {ports}) at {place}", name=n, ports=_ports(data), place=f"{where.path}:{where.line}")
                for n, ns, data, where in services[:5]
            ], ", ")
            what = Msg("the Services defined are {listed}", listed=listed)
        else:
            what = Msg("no manifest defines any Service")
        return self.finding(
            Msg(
                "Skaffold port-forwards to Service {service}{namespace}, which no manifest defines; {what}",
                service=forward.resource_name, namespace=namespace, what=what,
            ),
            forward.location,
            related=[s[3] for s in (named or services)[:5]],
            evidence={"service": forward.resource_name, "namespace": forward.namespace, "services": [f"{s[1] or ''}/{s[0]}" for s in services]},
            root_cause=Msg(
                "`skaffold dev` waits for Service {service}{namespace} to forward port {port}; nothing Skaffold or the repository "
                "deploys creates it, so the forward never connects.",
                service=forward.resource_name, namespace=namespace, port=forward.port,
            ),
            facts=MissingServiceFacts(config=config.path, service=forward.resource_name, namespace=forward.namespace),
        )

    def _no_port(self, config: SkaffoldConfig, forward: PortForward, matching: list) -> Finding:
        name, _, data, where = matching[0]
        return self.finding(
            Msg(
                "Skaffold port-forwards to port {port} of Service {name}, which exposes port {ports} ({place})",
                port=forward.port, name=name, ports=_ports(data), place=f"{where.path}:{where.line}",
            ),
            forward.port_location,
            related=[where],
            evidence={"service": name, "port": forward.port, "service_ports": _ports(data)},
            root_cause=Msg(
                "portForward `port` is the Service's port; {name} has no port {port}, so the forward fails.", name=name, port=forward.port,
            ),
            facts=MissingPortFacts(config=config.path, service=name, port=forward.port),
        )


def _services(ctx: ScanContext, sources) -> list[tuple[str, str | None, dict, Location]]:
    """(name, namespace, spec, location) of every Service the deployed set or the repository defines."""
    from tiketi_doctor.analysis import k8s
    from tiketi_doctor.analysis.environments import environments
    from tiketi_doctor.analysis.kustomize import kustomization_in, render

    found = []
    for source in sources:
        if source.kind == "rawYaml":
            for path in source.files(ctx):
                for obj in k8s.objects(ctx, path):
                    if obj.kind == "Service":
                        meta = obj.data.get("metadata") if isinstance(obj.data.get("metadata"), dict) else {}
                        found.append((obj.name, str(meta["namespace"]) if meta.get("namespace") else None, obj.data, obj.at(("metadata", "name"))))
        elif source.kind == "kustomize" and (k := kustomization_in(ctx, source.path)) is not None:
            found += [(p.name, p.namespace, p.data, p.at(("metadata", "name"))) for p in render(ctx, k).objects if p.kind == "Service"]
    for env in environments(ctx):
        found += [(p.name, p.namespace, p.data, p.at(("metadata", "name"))) for p in env.of_kind("Service")]
    unique = {}
    for item in found:
        unique.setdefault((item[0], item[1]), item)
    return list(unique.values())


def _nearest(ctx: ScanContext, path: str) -> str:
    """`; infra/k8s holds auth/, base/`: what exists at the deepest folder of the path that does."""
    folder = path.split("*", 1)[0].rstrip("/")
    while folder not in ("", ".") and not ctx.repo.is_dir(folder):
        folder = posixpath.dirname(folder)
    folder = folder or "."
    prefix = "" if folder == "." else folder + "/"
    children = sorted({p[len(prefix):].split("/", 1)[0] + ("/" if "/" in p[len(prefix):] else "") for p in ctx.repo.walk(folder)})
    if not children or folder == ".":
        return ""
    return Msg("; {folder} holds {children}", folder=folder, children=", ".join(children[:8]))


def _same_namespace(defined: str | None, wanted: str | None) -> bool:
    return defined is None or wanted is None or defined == wanted


def _exposes(data: dict, port) -> bool:
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    for entry in spec.get("ports") or []:
        if isinstance(entry, dict) and (str(entry.get("port")) == str(port) or (entry.get("name") and entry.get("name") == port)):
            return True
    return False


def _ports(data: dict) -> str:
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    ports = [str(e.get("port")) for e in spec.get("ports") or [] if isinstance(e, dict)]
    return ", ".join(ports) or Msg("none")


@facts
class OtherServiceFacts(Facts):
    """SKF004: the artifact, its context, and the folder named after its image (None when it is a copy of another artifact)."""

    config: str
    image: str
    context: str
    folder: str | None = None


class ArtifactFromOtherService(Check):
    code = "SKF004"
    name = "skaffold-artifact-from-other-service"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A Skaffold artifact builds its image from another service's folder (a copied artifact whose context or Dockerfile was not changed)."
    why = (
        "Artifacts are usually added by copying the one above. When `image: orders` keeps `context: services/auth`, "
        "Skaffold builds the auth service and deploys it as orders: the orders Deployment runs the wrong program, "
        "answers the wrong routes and its probes or clients fail — while the build itself succeeds."
    )
    example = "artifacts: [{image: auth, context: services/auth}, {image: orders, context: services/auth}]"
    fix = "Point the artifact's `context` (and `docker.dockerfile`) at the service the image is named after."
    Facts = OtherServiceFacts
    symptom = "the workload that runs {image} runs another service's program: wrong routes, failing probes or clients"
    fix_title = "Point Skaffold artifact {image} in {config} at its own service's folder"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for config in configs(ctx):
            groups: dict[tuple, list[Artifact]] = {}
            for artifact in config.artifacts:
                if artifact.builder not in ("docker", "kaniko") or not artifact.dockerfile:
                    continue
                key = (artifact.profile, artifact.context, artifact.dockerfile, artifact.target, tuple(sorted(map(str, artifact.build_args.items()))))
                groups.setdefault(key, []).append(artifact)
            for artifact in config.artifacts:
                if artifact.builder not in ("docker", "kaniko") or not artifact.dockerfile or not ctx.repo.exists(artifact.dockerfile):
                    continue
                mark = (artifact.image, artifact.context, artifact.dockerfile)
                if mark in seen:
                    continue  # a profile repeating an artifact
                key = (artifact.profile, artifact.context, artifact.dockerfile, artifact.target, tuple(sorted(map(str, artifact.build_args.items()))))
                twins = [a for a in groups.get(key, []) if a.image != artifact.image]
                owner = _service_folder_named(ctx, artifact)
                if owner is None and not (twins and groups[key].index(artifact) > 0):
                    continue
                seen.add(mark)
                folder = posixpath.dirname(artifact.dockerfile) or "."
                if owner is not None:
                    message = Msg(
                        "Skaffold artifact {image} is built from {folder} ({dockerfile}), but {owner} is the "
                        "folder named after it: the image holds another service",
                        image=artifact.image, folder=folder, dockerfile=artifact.dockerfile, owner=owner,
                    )
                    cause = Msg(
                        "{owner} has its own Dockerfile and is named like the image, yet the artifact's context and Dockerfile are those of {folder}.",
                        owner=owner, folder=folder,
                    )
                else:
                    first = groups[key][0]
                    message = Msg(
                        "Skaffold artifact {image} builds the same context {context} and Dockerfile "
                        "{dockerfile} as {first}: both images hold the same service",
                        image=artifact.image, context=artifact.context, dockerfile=artifact.dockerfile, first=first.image,
                    )
                    cause = Msg(
                        "Two artifacts with one context, Dockerfile, target and build args produce the same image under two names; "
                        "{image} was copied from {first} and not pointed at its own folder.",
                        image=artifact.image, first=first.image,
                    )
                yield self.finding(
                    message,
                    artifact.context_location,
                    related=[artifact.location] + [a.location for a in twins[:1]],
                    evidence={"image": artifact.image, "context": artifact.context, "dockerfile": artifact.dockerfile, "service_folder": owner, "same_as": [a.image for a in twins]},
                    root_cause=Joined([cause, Msg("Skaffold deploys it wherever the manifests use the image, so that workload runs the wrong program.")], " "),
                    facts=OtherServiceFacts(config=artifact.config, image=artifact.image, context=artifact.context, folder=owner),
                )


def _service_folder_named(ctx: ScanContext, artifact: Artifact) -> str | None:
    """The one other folder with a Dockerfile whose name is the image's name, when the artifact builds a folder of another name."""
    from tiketi_doctor.parsing.dockerfile_name import is_dockerfile

    name = artifact.image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    folder = posixpath.dirname(artifact.dockerfile or "") or "."
    if folder == "." or posixpath.basename(folder) == name or not name:
        return None
    candidates = {posixpath.dirname(p) for p in ctx.repo.walk() if posixpath.basename(posixpath.dirname(p)) == name and is_dockerfile(p)}
    candidates = {c for c in candidates if c != folder and not c.startswith(folder + "/")}
    return next(iter(candidates)) if len(candidates) == 1 else None


CHECKS = (ArtifactPathMissing, ManifestPathMissing, PortForwardTargetMissing, ArtifactFromOtherService)
