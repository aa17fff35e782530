"""Skaffold configurations: what they build, which manifests they deploy, what they port-forward.

A config is a YAML document with `apiVersion: skaffold/v*` (`skaffold.yaml` anywhere, several
documents per file, `requires:` other configs by path). Paths are relative to the config's
folder; an artifact's `docker.dockerfile` is relative to its `context` (default `.`, Dockerfile
default `Dockerfile`). `custom`, `jib`, `ko`, `buildpacks` and `bazel` builders build the image
in ways this reading does not follow: built, contents unknown. Manifests come from
`manifests.rawYaml`/`kustomize.paths`/`helm.releases[].chartPath` (v3+) or the older
`deploy.kubectl.manifests`/`deploy.kustomize.paths`/`deploy.helm.releases`. A profile
replaces `build`, `manifests`, `deploy` and `portForward` when active: each profile's
entries are read too, marked with its name.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Any

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from ..parsing.yamldoc import YamlDoc
from . import k8s

CONFIG_NAMES = ("skaffold.yaml", "skaffold.yml")
UNKNOWN_BUILDERS = ("custom", "jib", "ko", "buildpacks", "bazel")
_TEMPLATE = re.compile(r"\{\{|\$\{|\$[A-Za-z_]")


@dataclass(frozen=True)
class Artifact:
    image: str
    context: str  # repository-relative
    builder: str  # docker | kaniko | custom | jib | ko | buildpacks | bazel
    dockerfile: str | None  # repository-relative, for docker and kaniko builders
    dockerfile_written: str | None
    target: str | None
    build_args: dict
    location: Location  # the `image:` line
    context_location: Location
    dockerfile_location: Location
    config: str
    profile: str | None
    push: bool | None  # build.local.push; None when not said (Skaffold decides by the kube context)


@dataclass(frozen=True)
class ManifestSource:
    kind: str  # rawYaml | kustomize | helm
    written: str
    path: str  # repository-relative pattern or folder
    location: Location
    profile: str | None
    remote: bool = False  # a URL or a templated path: not checkable

    def files(self, ctx: ScanContext) -> list[str]:
        """Files a rawYaml pattern matches, or the kustomization/chart file of a folder."""
        if self.remote:
            return []
        if self.kind == "rawYaml":
            return glob(ctx, self.path)
        names = ("kustomization.yaml", "kustomization.yml", "Kustomization") if self.kind == "kustomize" else ("Chart.yaml",)
        return [p for p in (posixpath.join(self.path, n) if self.path != "." else n for n in names) if ctx.repo.exists(p)]


@dataclass(frozen=True)
class PortForward:
    resource_type: str
    resource_name: str
    namespace: str | None
    port: Any
    location: Location  # the `resourceName:` line
    port_location: Location
    profile: str | None


@dataclass
class SkaffoldConfig:
    path: str
    doc: YamlDoc
    name: str | None
    artifacts: list[Artifact] = field(default_factory=list)
    manifests: list[ManifestSource] = field(default_factory=list)
    port_forwards: list[PortForward] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)  # paths of required config files

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    def at(self, path: tuple, label: str | None = None) -> Location:
        return Location(self.path, self.doc.line(path), self.doc.column(path), label=label)


def config_files(ctx: ScanContext) -> list[str]:
    return [p for p in ctx.repo.walk(suffixes=CONFIG_NAMES) if posixpath.basename(p) in CONFIG_NAMES]


def configs(ctx: ScanContext) -> list[SkaffoldConfig]:
    return ctx.memo("skaffold-configs", lambda: [c for path in config_files(ctx) for c in _read(ctx, path)])


def deployed(ctx: ScanContext, config: SkaffoldConfig, seen: set | None = None) -> list[ManifestSource]:
    """The manifest sources of a config and of the configs it requires (every profile)."""
    seen = seen if seen is not None else set()
    if (config.path, config.name) in seen:
        return []
    seen.add((config.path, config.name))
    found = list(config.manifests)
    for required in config.requires:
        for other in configs(ctx):
            if other.path == required:
                found += deployed(ctx, other, seen)
    return found


def glob(ctx: ScanContext, pattern: str) -> list[str]:
    """Files matching a Skaffold glob: `*` within a folder, `**/` any number of folders (also none)."""
    from ..globs import glob_regex

    wildcard = next((i for i, ch in enumerate(pattern) if ch in "*?["), None)
    if wildcard is None:
        if ctx.repo.is_dir(pattern):
            return [p for p in ctx.repo.walk(pattern) if p.endswith((".yaml", ".yml", ".json"))]
        return [pattern] if ctx.repo.exists(pattern) else []
    folder = pattern[:wildcard].rpartition("/")[0] or "."
    regex = glob_regex(pattern)
    return [p for p in ctx.repo.walk(folder) if regex.fullmatch(p)]


# -- reading -----------------------------------------------------------------------------------
def _read(ctx: ScanContext, path: str) -> list[SkaffoldConfig]:
    found = []
    for doc in k8s.yaml_documents(ctx, path) or []:
        data = doc.data
        if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith("skaffold/"):
            continue
        meta = data.get("metadata")
        config = SkaffoldConfig(path, doc, str(meta.get("name")) if isinstance(meta, dict) and meta.get("name") else None)
        _section(config, data, (), None)
        for i, profile in enumerate(data.get("profiles") or []):
            if isinstance(profile, dict):
                _section(config, profile, ("profiles", i), str(profile.get("name") or i))
        for i, req in enumerate(data.get("requires") or []):
            if isinstance(req, dict) and isinstance(req.get("path"), str) and not _TEMPLATE.search(req["path"]):
                target = _join(config.folder, req["path"])
                if not target.endswith(CONFIG_NAMES):
                    target = next((p for p in (posixpath.join(target, n) for n in CONFIG_NAMES) if ctx.repo.exists(p)), posixpath.join(target, CONFIG_NAMES[0]))
                config.requires.append(target)
        found.append(config)
    return found


def _section(config: SkaffoldConfig, data: dict, base: tuple, profile: str | None) -> None:
    build = data.get("build") if isinstance(data.get("build"), dict) else {}
    local = build.get("local") if isinstance(build.get("local"), dict) else {}
    push = local.get("push") if isinstance(local.get("push"), bool) else None
    for i, artifact in enumerate(build.get("artifacts") or []):
        if isinstance(artifact, dict) and isinstance(artifact.get("image"), str):
            config.artifacts.append(_artifact(config, artifact, base + ("build", "artifacts", i), profile, push))
    manifests = data.get("manifests") if isinstance(data.get("manifests"), dict) else {}
    deploy = data.get("deploy") if isinstance(data.get("deploy"), dict) else {}
    kubectl = deploy.get("kubectl") if isinstance(deploy.get("kubectl"), dict) else {}
    lists = [
        ("rawYaml", manifests.get("rawYaml"), base + ("manifests", "rawYaml")),
        ("rawYaml", kubectl.get("manifests"), base + ("deploy", "kubectl", "manifests")),
    ]
    for owner, key in ((manifests, ("manifests",)), (deploy, ("deploy",))):
        kustomize = owner.get("kustomize") if isinstance(owner.get("kustomize"), dict) else {}
        lists.append(("kustomize", kustomize.get("paths"), base + key + ("kustomize", "paths")))
    for kind, values, path in lists:
        for i, value in enumerate(values or [] if isinstance(values, list) else []):
            if isinstance(value, str):
                config.manifests.append(_source(config, kind, value, path + (i,), profile))
    for owner, key in ((manifests, ("manifests",)), (deploy, ("deploy",))):
        helm = owner.get("helm") if isinstance(owner.get("helm"), dict) else {}
        for i, release in enumerate(helm.get("releases") or []):
            if isinstance(release, dict) and isinstance(release.get("chartPath"), str):
                where = base + key + ("helm", "releases", i, "chartPath")
                config.manifests.append(_source(config, "helm", release["chartPath"], where, profile))
            elif isinstance(release, dict):  # remoteChart / repo: a chart from elsewhere
                config.manifests.append(ManifestSource("helm", str(release.get("remoteChart") or ""), "", config.at(base + key + ("helm", "releases", i)), profile, True))
    for i, forward in enumerate(data.get("portForward") or []):
        if isinstance(forward, dict) and isinstance(forward.get("resourceName"), str):
            where = base + ("portForward", i)
            namespace = forward.get("namespace")
            config.port_forwards.append(PortForward(
                str(forward.get("resourceType") or "").lower(), forward["resourceName"],
                str(namespace) if namespace else None, forward.get("port"),
                config.at(where + ("resourceName",), label=f"resourceName: {forward['resourceName']}"),
                config.at(where + ("port",), label=f"port: {forward.get('port')}"), profile,
            ))


def _artifact(config: SkaffoldConfig, data: dict, path: tuple, profile: str | None, push: bool | None) -> Artifact:
    written_context = str(data.get("context") or ".")
    context = _join(config.folder, written_context)
    builder = next((b for b in (*UNKNOWN_BUILDERS, "kaniko", "docker") if b in data), "docker")
    options = data.get(builder) if isinstance(data.get(builder), dict) else {}
    dockerfile_written = dockerfile = None
    if builder in ("docker", "kaniko"):
        dockerfile_written = str(options.get("dockerfile") or "Dockerfile")
        dockerfile = None if _TEMPLATE.search(dockerfile_written) else _join(context, dockerfile_written)
    args = options.get("buildArgs") if isinstance(options.get("buildArgs"), dict) else {}
    has_file = builder in ("docker", "kaniko") and "dockerfile" in options
    return Artifact(
        data["image"], context, builder, dockerfile, dockerfile_written,
        str(options["target"]) if options.get("target") else None, dict(args),
        config.at(path + ("image",), label=f"image: {data['image']}"),
        config.at(path + ("context",) if "context" in data else path, label=f"context: {written_context}"),
        config.at(path + (builder, "dockerfile") if has_file else path, label=f"dockerfile: {dockerfile_written}"),
        config.path, profile, push,
    )


def _source(config: SkaffoldConfig, kind: str, written: str, path: tuple, profile: str | None) -> ManifestSource:
    remote = "://" in written or bool(_TEMPLATE.search(written))
    return ManifestSource(kind, written, "" if remote else _join(config.folder, written), config.at(path, label=written), profile, remote)


def _join(folder: str, path: str) -> str:
    return posixpath.normpath(posixpath.join(folder, path.removeprefix("./")))
