"""Which components a change touches: what each image is built from, which manifests deploy it.

A component must be rebuilt when a changed file is its Dockerfile or lies under a COPY/ADD
source of that Dockerfile (relative to the catalogue's build context); its manifests must be
re-applied when one of them changed. Everything else (guides, scripts) needs no redeploy.
"""
from __future__ import annotations

import posixpath
from dataclasses import field

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..globs import covers
from . import k8s
from .build_context import copy_sources
from .image import dockerfile_of


@dataclass
class Impact:
    rebuild: dict[str, list[str]] = field(default_factory=dict)  # component -> changed build inputs
    reapply: dict[str, list[str]] = field(default_factory=dict)  # component -> changed manifests
    # ConfigMaps/Secrets that changed: re-apply the file, then restart the components reading them.
    config: dict[str, list[str]] = field(default_factory=dict)  # manifest -> components to restart
    untouched: list[str] = field(default_factory=list)  # changed files no component is built or deployed from


def build_sources(ctx: ScanContext, component: Component) -> list[str]:
    """Repository-relative COPY/ADD sources (globs allowed) of the component's Dockerfile, plus the Dockerfile."""
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is None or not component.dockerfile:
        return []
    context = component.build_context or posixpath.dirname(component.dockerfile) or "."
    sources = [component.dockerfile]
    for source in copy_sources(dockerfile):
        sources.append(posixpath.normpath(posixpath.join(context, source.text.lstrip("/"))))
    return sources


def is_input(path: str, sources: list[str]) -> bool:
    for source in sources:
        if source in (".", ""):
            return True
        if covers(source, path):
            return True
    return False


def impact(ctx: ScanContext, changed: list[str]) -> Impact:
    result = Impact()
    for path in changed:
        touched = False
        for component in ctx.catalogue.components:
            if component.dockerfile and is_input(path, build_sources(ctx, component)):
                result.rebuild.setdefault(component.name, []).append(path)
                touched = True
            if path in component.manifests:
                result.reapply.setdefault(component.name, []).append(path)
                touched = True
        readers = _config_readers(ctx, path)
        if readers:
            result.config[path] = readers
            touched = True
        if not touched:
            result.untouched.append(path)
    return result


def _config_readers(ctx: ScanContext, path: str) -> list[str]:
    """Components whose containers read a ConfigMap or Secret defined in `path`."""
    if not path.endswith((".yaml", ".yml")):
        return []
    names = {(o.kind, o.name) for o in k8s.objects(ctx, path) if o.kind in ("ConfigMap", "Secret")}
    if not names:
        return []
    readers = []
    for component in ctx.catalogue.components:
        workload = k8s.workload(ctx, component)
        if workload is None:
            continue
        for container in [*k8s.containers(workload), *k8s.containers(workload, init=True)]:
            if names & _references(container.data):
                readers.append(component.name)
                break
    return readers


def _references(container: dict) -> set[tuple[str, str]]:
    refs = set()
    for source in container.get("envFrom") or []:
        if isinstance(source, dict):
            for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if isinstance(source.get(key), dict):
                    refs.add((kind, str(source[key].get("name"))))
    for env in container.get("env") or []:
        value_from = env.get("valueFrom") if isinstance(env, dict) else None
        if isinstance(value_from, dict):
            for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if isinstance(value_from.get(key), dict):
                    refs.add((kind, str(value_from[key].get("name"))))
    return refs
