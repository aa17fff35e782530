"""Where a component's environment variables come from, with their values and locations.

- the cluster: the container's `env` entries and the ConfigMaps/Secrets its `envFrom` loads,
  per environment (plain manifests, each kustomize overlay);
- the image: `ENV` of the Dockerfile's final stage, and for a frontend (whose bundle inlines
  `process.env` at build time) `ARG`s and `--define:process.env.X` in its build scripts;
- local runs: the component's `.env.example` (and `.env.sample`/`.env.template` next to its
  package.json) and compose `environment:`/`env_file:` of services built from its Dockerfile.
Secret values are kept only as `secret=True` with no value: nothing here ever prints them.
"""
from __future__ import annotations

import base64
import binascii
import posixpath
import re

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from .compose import compose_files
from .environments import Environment, environments, main_container, workload_in
from .envvars import defined_at_build
from .image import dockerfile_of, package_json
from .kustomize import Placed

ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
LOCAL_ENV_FILES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.local.example")
# Set by Kubernetes, Docker, the shell or npm itself: never need a provider in the repository.
PLATFORM = re.compile(
    r"^(?:HOSTNAME|HOME|PATH|PWD|USER|SHELL|LANG|TERM|TMPDIR|TZ|CI|NODE_ENV|NODE_OPTIONS|npm_[a-z_]+|"
    r"KUBERNETES_[A-Z_]+|[A-Z0-9_]+_SERVICE_(?:HOST|PORT(?:_[A-Z0-9_]+)?)|[A-Z0-9_]+_PORT_\d+_(?:TCP|UDP)(?:_[A-Z]+)?|"
    r"GITHUB_[A-Z_]+|RUNNER_[A-Z_]+|PUBLIC_URL|INIT_CWD)$"
)


@dataclass(frozen=True)
class EnvSource:
    name: str
    value: str | None  # None: not a literal (fieldRef, a Secret's value, a build ARG without default)
    location: Location
    kind: str  # env | configmap | secret | dockerfile | build | env-file | compose
    describe: str  # "ConfigMap tiketi-config (k8s/01-configmap.yaml)"
    secret: bool = False


@dataclass
class ContainerEnv:
    """What one container of one environment receives."""

    environment: Environment
    workload: Placed
    container_path: tuple
    sources: list[EnvSource]
    # False when an envFrom/valueFrom names a ConfigMap or Secret the environment does not define, or one
    # generated from a file the repository does not hold (written at deploy time, gitignored).
    complete: bool
    loaded: list[tuple[str, str]]  # (kind, name) of the ConfigMaps/Secrets loaded with envFrom

    def names(self) -> set[str]:
        return {s.name for s in self.sources}

    def of(self, name: str) -> list[EnvSource]:
        return [s for s in self.sources if s.name == name]


def container_envs(ctx: ScanContext, component: Component) -> list[ContainerEnv]:
    def collect() -> list[ContainerEnv]:
        found = []
        for env in environments(ctx):
            placed = workload_in(ctx, env, component)
            if placed is None:
                continue
            main = main_container(placed, component)
            if main is not None:
                found.append(read_container(env, placed, *main))
        return found

    return ctx.memo(("container-envs", component.name), collect)


def read_container(env: Environment, placed: Placed, path: tuple, container: dict) -> ContainerEnv:
    result = ContainerEnv(env, placed, path, [], True, [])
    for i, source in enumerate(container.get("envFrom") or []):
        if not isinstance(source, dict):
            continue
        prefix = str(source.get("prefix") or "")
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(key)
            if not isinstance(ref, dict) or not ref.get("name"):
                continue
            obj = env.find(kind, str(ref["name"]), placed.namespace)
            result.loaded.append((kind, str(ref["name"])))
            if obj is None:
                result.complete = result.complete and bool(ref.get("optional"))
                continue
            if obj.partial:  # generated from a file that is not in the repository: any key may be there
                result.complete = False
            for name, value, where in config_entries(obj):
                result.sources.append(_from_object(obj, prefix + name, value, where))
    for i, entry in enumerate(container.get("env") or []):
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        name = str(entry["name"])
        where = placed.at(path + ("env", i, "name"), label=f"env {name}")
        if "value" in entry:
            value = entry.get("value")
            result.sources.append(EnvSource(name, None if value is None else str(value), where, "env", f"the env entry in {where.path}"))
            continue
        value_from = entry.get("valueFrom") if isinstance(entry.get("valueFrom"), dict) else {}
        for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            ref = value_from.get(key)
            if not isinstance(ref, dict):
                continue
            obj = env.find(kind, str(ref.get("name")), placed.namespace)
            if obj is None:
                result.complete = result.complete and bool(ref.get("optional"))
            value = None
            if obj is not None and kind == "ConfigMap":
                value = _str(obj.get("data", str(ref.get("key"))))
            result.sources.append(
                EnvSource(name, value, where, "env", f"{key} {ref.get('name')}/{ref.get('key')} in {where.path}", secret=kind == "Secret")
            )
        if not any(k in value_from for k in ("configMapKeyRef", "secretKeyRef")):
            result.sources.append(EnvSource(name, None, where, "env", f"the env entry in {where.path}"))
    return result


def config_entries(obj: Placed) -> list[tuple[str, str | None, Location]]:
    """(key, value, location) of a ConfigMap's data or a Secret's data/stringData (Secret values: None)."""
    entries = []
    sections = ("data",) if obj.kind == "ConfigMap" else ("data", "stringData")
    for section in sections:
        data = obj.get(section)
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            shown = _str(value) if obj.kind == "ConfigMap" else None
            entries.append((str(key), shown, obj.at((section, key), label=str(key))))
    return entries


def secret_values(obj: Placed) -> list[tuple[str, str, Location, str]]:
    """(key, decoded value, location, section) of a Secret: for classification only, never for output."""
    found = []
    for section in ("stringData", "data"):
        data = obj.get(section)
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            text = "" if value is None else str(value)
            if section == "data":
                try:
                    text = base64.b64decode(text, validate=True).decode("utf-8", "replace")
                except (binascii.Error, ValueError):
                    pass
            found.append((str(key), text, obj.at((section, key), label=str(key)), section))
    return found


def _from_object(obj: Placed, name: str, value: str | None, where: Location) -> EnvSource:
    kind = "configmap" if obj.kind == "ConfigMap" else "secret"
    return EnvSource(name, value, where, kind, f"{obj.kind} {obj.name} ({where.path})", secret=obj.kind == "Secret")


def image_sources(ctx: ScanContext, component: Component) -> list[EnvSource]:
    """ENV of the final stage; for a frontend also build ARGs and bundler defines."""
    def collect() -> list[EnvSource]:
        dockerfile = dockerfile_of(ctx, component)
        found: list[EnvSource] = []
        if dockerfile is not None:
            for inst in dockerfile.final.instructions:
                if inst.cmd == "ENV":
                    for name, value in zip(inst.value[::2], inst.value[1::2]):
                        line, column = dockerfile.locate(name, inst)
                        found.append(EnvSource(name, value, Location(dockerfile.path, line, column, label=f"ENV {name}"), "dockerfile", f"ENV in {dockerfile.path}"))
            if component.role == "frontend":
                for inst in dockerfile.instructions:
                    if inst.cmd == "ARG":
                        for item in inst.value:
                            name, eq, value = item.partition("=")
                            line, column = dockerfile.locate(name, inst)
                            found.append(EnvSource(name, value if eq else None, Location(dockerfile.path, line, column, label=f"ARG {item}"), "build", f"build ARG in {dockerfile.path}"))
        if component.role == "frontend":
            pkg = package_json(ctx, component.package_json)
            scripts = pkg.data.get("scripts") if pkg is not None else None
            for name, script in (scripts or {}).items() if isinstance(scripts, dict) else []:
                for variable in sorted(defined_at_build(str(script))):
                    found.append(EnvSource(variable, None, Location(pkg.path, None, label=f"scripts.{name}"), "build", f"the {name} script of {pkg.path}"))
        return found

    return ctx.memo(("image-env", component.name), collect)


def env_file_paths(ctx: ScanContext, component: Component) -> list[str]:
    paths = [component.env_file] if component.env_file else []
    for folder in {posixpath.dirname(p) for p in (component.package_json, component.env_file) if p}:
        for name in LOCAL_ENV_FILES:
            candidate = posixpath.join(folder, name) if folder else name
            if candidate not in paths and ctx.repo.exists(candidate):
                paths.append(candidate)
    return [p for p in paths if ctx.repo.exists(p)]


def env_file_entries(ctx: ScanContext, path: str) -> list[EnvSource]:
    source = ctx.repo.text(path)
    found = []
    for number, line in enumerate(source.lines if source else [], 1):
        if line.lstrip().startswith("#"):
            continue
        match = ENV_LINE.match(line)
        if match:
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            elif " #" in value:
                value = value.split(" #", 1)[0].rstrip()
            found.append(EnvSource(match.group(1), value, Location(path, number, line.index(match.group(1)) + 1, label=match.group(1)), "env-file", path))
    return found


def local_sources(ctx: ScanContext, component: Component) -> list[EnvSource]:
    """Env files of the component and compose services built from its Dockerfile."""
    def collect() -> list[EnvSource]:
        found = [entry for path in env_file_paths(ctx, component) for entry in env_file_entries(ctx, path)]
        if component.dockerfile:
            for compose in compose_files(ctx):
                for service in compose.services:
                    if service.build is None or service.build.dockerfile != component.dockerfile:
                        continue
                    found += _compose_environment(ctx, compose.doc, service)
        return found

    return ctx.memo(("local-env", component.name), collect)


def _compose_environment(ctx: ScanContext, doc, service) -> list[EnvSource]:
    origin = f"compose service {service.name} ({service.file})"
    found = [EnvSource(v.name, v.value, v.location, "compose", origin) for v in service.environment]
    env_files = service.data.get("env_file")
    for item in [env_files] if isinstance(env_files, str) else env_files or []:
        rel = item.get("path") if isinstance(item, dict) else item
        if isinstance(rel, str):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(service.file), rel))
            found += env_file_entries(ctx, path)
    return found


def _str(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
