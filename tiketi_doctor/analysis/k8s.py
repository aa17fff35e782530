"""Kubernetes objects from a component's manifest files, with positions."""
from __future__ import annotations

from typing import Any, Iterator

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.templates import OpenDict, Unknown, is_open, is_unknown  # noqa: F401 (the checks ask here)
from ..parsing.yamldoc import YamlDoc, parse_yaml_documents

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


def lookup(data: Any, path: tuple) -> Any:
    """The value at a JSON path of plain data (keys and list indexes), None when absent."""
    for key in path:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


class ObjectFields:
    """What every view of a Kubernetes object reads from its data: a document as written
    (K8sObject) and the object as an environment deploys it (kustomize.Placed)."""

    data: dict

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str | None:
        meta = self.data.get("metadata")
        value = meta.get("namespace") if isinstance(meta, dict) else None
        return str(value) if value else None

    def get(self, *path: Any) -> Any:
        return lookup(self.data, path)


@dataclass
class K8sObject(ObjectFields):
    path: str
    doc: YamlDoc

    @property
    def data(self) -> dict:  # type: ignore[override]
        return self.doc.data if isinstance(self.doc.data, dict) else {}

    def at(self, path: tuple, label: str | None = None) -> Location:
        return Location(self.path, self.doc.line(path), self.doc.column(path), label=label)


@dataclass
class Container:
    workload: K8sObject
    path: tuple  # JSON path of the container inside the workload document
    data: dict

    @property
    def name(self) -> str:
        return str(self.data.get("name", ""))


def yaml_documents(ctx: ScanContext, path: str) -> list[YamlDoc] | None:
    return ctx.repo.parsed("yaml", path, lambda f: parse_yaml_documents(f.text))


def objects(ctx: ScanContext, path: str) -> list[K8sObject]:
    """The file's Kubernetes objects; a Helm template's with its chart's default values filled in."""
    return ctx.memo(("k8s-objects", path), lambda: _objects(ctx, path))


def _objects(ctx: ScanContext, path: str) -> list[K8sObject]:
    docs = yaml_documents(ctx, path) or []
    if any(doc.template for doc in docs):
        from . import helm

        chart = helm.chart_of(ctx, path)
        if chart is not None:
            docs = helm.with_default_values(docs, helm.default_values(ctx, chart))
    return [K8sObject(path, doc) for doc in docs if isinstance(doc.data, dict) and "kind" in doc.data]


def opaque(ctx: ScanContext, path: str) -> bool:
    """Whether a template in `path` produces objects that cannot be read without rendering it."""
    return any(doc.opaque for doc in yaml_documents(ctx, path) or [])


def partly_unknown(value: Any) -> bool:
    """Whether a value (a label map, a selector, a port...) holds something only rendering knows:
    an Unknown anywhere in it, or a mapping a template block may add keys to."""
    if isinstance(value, (Unknown, OpenDict)):
        return True
    if isinstance(value, dict):
        return any(partly_unknown(k) or partly_unknown(v) for k, v in value.items())
    if isinstance(value, list):
        return any(partly_unknown(v) for v in value)
    return False


def component_objects(ctx: ScanContext, component: Component) -> list[K8sObject]:
    return [obj for path in component.manifests for obj in objects(ctx, path)]


def workload(ctx: ScanContext, component: Component) -> K8sObject | None:
    candidates = [o for o in component_objects(ctx, component) if o.kind in WORKLOAD_KINDS]
    named = [o for o in candidates if o.name == (component.deployment or component.name)]
    if named:
        return named[0]
    return candidates[0] if len(candidates) == 1 else None


def service(ctx: ScanContext, component: Component) -> K8sObject | None:
    candidates = [o for o in component_objects(ctx, component) if o.kind == "Service"]
    named = [o for o in candidates if o.name == (component.k8s_service or component.name)]
    if named:
        return named[0]
    return candidates[0] if len(candidates) == 1 else None


def containers(obj: K8sObject, init: bool = False) -> Iterator[Container]:
    spec_path = ("spec", "template", "spec") if obj.kind != "Pod" else ("spec",)
    if obj.kind == "Job":
        spec_path = ("spec", "template", "spec")
    key = "initContainers" if init else "containers"
    items = obj.get(*spec_path, key)
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield Container(obj, spec_path + (key, i), item)


def main_container(obj: K8sObject, component: Component) -> Container | None:
    found = list(containers(obj))
    for container in found:
        if container.name in (component.name, component.deployment):
            return container
    return found[0] if found else None
