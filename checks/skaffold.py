"""SKF: Skaffold configs against the repository — build paths, manifest paths, port-forwards."""
from __future__ import annotations

import posixpath
from typing import Iterable

from tiketi_doctor.analysis.skaffold import Artifact, PortForward, SkaffoldConfig, configs, deployed
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity


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
            f"Skaffold artifact {artifact.image}: the context folder {artifact.context} does not exist",
            artifact.context_location,
            related=[artifact.location],
            evidence={"image": artifact.image, "context": artifact.context},
            root_cause=f"Skaffold builds {artifact.image} from {artifact.context}, which is not a folder of the repository, so the build fails before it starts.",
            params={"config": artifact.config, "image": artifact.image, "context": artifact.context},
        )

    def _no_dockerfile(self, ctx: ScanContext, config: SkaffoldConfig, artifact: Artifact) -> Finding:
        from checks.buildctx import parsed_dockerfile
        from tiketi_doctor.analysis.build_context import check_sources

        written = artifact.dockerfile_written or "Dockerfile"
        as_from_config = posixpath.normpath(posixpath.join(config.folder, written))
        hints = []
        related = [artifact.location, artifact.context_location]
        if as_from_config != artifact.dockerfile and ctx.repo.exists(as_from_config):
            hints.append(
                f"{as_from_config} exists relative to {'the repository root' if config.folder == '.' else config.folder}: "
                f"the path is written as if it were not relative to the context"
            )
            parsed = parsed_dockerfile(ctx, as_from_config)
            outside = [p for p in check_sources(ctx, parsed, artifact.context) if p.reason in ("missing", "outside")] if parsed else []
            if outside and parsed and not check_sources(ctx, parsed, config.folder):
                names = ", ".join(dict.fromkeys(p.source.text for p in outside[:5]))
                hints.append(
                    f"and `dockerfile: {posixpath.relpath(as_from_config, artifact.context)}` alone would still fail: it copies "
                    f"{names}, which exist only outside {artifact.context}; use `context: {config.folder}` with "
                    f"`dockerfile: {posixpath.relpath(as_from_config, config.folder)}`"
                )
                related += [p.source.location for p in outside[:3]]
            else:
                hints.append(f"write `dockerfile: {posixpath.relpath(as_from_config, artifact.context)}`")
        message = (
            f"Skaffold artifact {artifact.image}: dockerfile {written} is read relative to the context "
            f"{artifact.context}, as {artifact.dockerfile}, which does not exist"
        )
        if hints:
            message += "; " + "; ".join(hints)
        return self.finding(
            message,
            artifact.dockerfile_location,
            related=list(dict.fromkeys(related)),
            evidence={"image": artifact.image, "context": artifact.context, "dockerfile": artifact.dockerfile, "written": written},
            root_cause=f"Skaffold joins `docker.dockerfile` to `context`; {artifact.dockerfile} is not in the repository, so building {artifact.image} fails.",
            params={"config": artifact.config, "image": artifact.image, "context": artifact.context, "dockerfile": artifact.dockerfile},
        )


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

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen = set()
        for config in configs(ctx):
            for source in config.manifests:
                if source.remote or (source.path, source.kind) in seen:
                    continue
                seen.add((source.path, source.kind))
                if source.files(ctx):
                    continue
                what = {
                    "rawYaml": "matches no file",
                    "kustomize": "has no kustomization.yaml" if ctx.repo.is_dir(source.path) else "is not a folder",
                    "helm": "has no Chart.yaml" if ctx.repo.is_dir(source.path) else "is not a folder",
                }[source.kind]
                resolved = f" ({source.path})" if source.path != source.written else ""
                yield self.finding(
                    f"Skaffold {source.kind} entry {source.written}{resolved} {what}: it deploys nothing{_nearest(ctx, source.path)}",
                    source.location,
                    evidence={"entry": source.written, "resolved": source.path, "kind": source.kind, "profile": source.profile},
                    root_cause=f"Skaffold resolves {source.written} relative to {config.folder}; nothing is there, so the manifests it was meant to deploy are not applied.",
                    params={"config": config.path, "entry": source.written},
                )


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
        namespace = f" in namespace {forward.namespace}" if forward.namespace else ""
        if named:
            what = f"Service {forward.resource_name} is defined only in namespace {', '.join(sorted({s[1] or '(none)' for s in named}))}"
        elif services:
            listed = ", ".join(f"{n} ({'namespace ' + ns + ', ' if ns else ''}port {_ports(data)}) at {where.path}:{where.line}" for n, ns, data, where in services[:5])
            what = f"the Services defined are {listed}"
        else:
            what = "no manifest defines any Service"
        return self.finding(
            f"Skaffold port-forwards to Service {forward.resource_name}{namespace}, which no manifest defines; {what}",
            forward.location,
            related=[s[3] for s in (named or services)[:5]],
            evidence={"service": forward.resource_name, "namespace": forward.namespace, "services": [f"{s[1] or ''}/{s[0]}" for s in services]},
            root_cause=f"`skaffold dev` waits for Service {forward.resource_name}{namespace} to forward port {forward.port}; nothing Skaffold or the repository deploys creates it, so the forward never connects.",
            params={"config": config.path, "service": forward.resource_name, "namespace": forward.namespace},
        )

    def _no_port(self, config: SkaffoldConfig, forward: PortForward, matching: list) -> Finding:
        name, _, data, where = matching[0]
        return self.finding(
            f"Skaffold port-forwards to port {forward.port} of Service {name}, which exposes port {_ports(data)} ({where.path}:{where.line})",
            forward.port_location,
            related=[where],
            evidence={"service": name, "port": forward.port, "service_ports": _ports(data)},
            root_cause=f"portForward `port` is the Service's port; {name} has no port {forward.port}, so the forward fails.",
            params={"config": config.path, "service": name, "port": forward.port},
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
    return f"; {folder} holds {', '.join(children[:8])}"


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
    return ", ".join(ports) or "none"


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
                    message = (
                        f"Skaffold artifact {artifact.image} is built from {folder} ({artifact.dockerfile}), but {owner} is the "
                        f"folder named after it: the image holds another service"
                    )
                    cause = f"{owner} has its own Dockerfile and is named like the image, yet the artifact's context and Dockerfile are those of {folder}."
                else:
                    first = groups[key][0]
                    message = (
                        f"Skaffold artifact {artifact.image} builds the same context {artifact.context} and Dockerfile "
                        f"{artifact.dockerfile} as {first.image}: both images hold the same service"
                    )
                    cause = f"Two artifacts with one context, Dockerfile, target and build args produce the same image under two names; {artifact.image} was copied from {first.image} and not pointed at its own folder."
                yield self.finding(
                    message,
                    artifact.context_location,
                    related=[artifact.location] + [a.location for a in twins[:1]],
                    evidence={"image": artifact.image, "context": artifact.context, "dockerfile": artifact.dockerfile, "service_folder": owner, "same_as": [a.image for a in twins]},
                    root_cause=cause + " Skaffold deploys it wherever the manifests use the image, so that workload runs the wrong program.",
                    params={"config": artifact.config, "image": artifact.image, "context": artifact.context, "folder": owner},
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
