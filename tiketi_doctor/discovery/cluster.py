"""The Kubernetes side of a repository: workloads, Services, Ingresses, ConfigMaps, kustomizations, kind configs.

Every YAML file that holds `kind:` is parsed once. A workload defined in several files (a
copied folder, an overlay patch) is taken from its first complete definition that is not a
kustomize patch; the others are remembered, not merged.
"""
from __future__ import annotations

import posixpath
from dataclasses import field
from typing import Any

from ..deferred import dataclass
from ..analysis.k8s import WORKLOAD_KINDS, Container, K8sObject, containers
from ..model import Location
from ..parsing.templates import is_unknown
from ..parsing.yamldoc import parse_yaml_documents
from ..repo import RepoView
from ..files import holds_kubernetes_objects

APP_WORKLOADS = tuple(k for k in WORKLOAD_KINDS if k not in ("Job", "ReplicaSet"))


@dataclass
class Workload:
    obj: K8sObject
    container: Container | None  # the main container

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def path(self) -> str:
        return self.obj.path

    @property
    def image(self) -> str | None:
        value = self.container.data.get("image") if self.container else None
        return str(value) if value else None

    @property
    def pod_labels(self) -> dict:
        labels = self.obj.get("spec", "template", "metadata", "labels")
        return labels if isinstance(labels, dict) else {}

    def at(self, *keys: Any, label: str | None = None) -> Location:
        base = self.container.path if self.container else ()
        return self.obj.at(base + tuple(keys), label)


@dataclass
class Kustomization:
    path: str
    data: dict

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def patch_files(self) -> set[str]:
        files = set()
        for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
            for item in self.data.get(key) or []:
                rel = item.get("path") if isinstance(item, dict) else item
                if isinstance(rel, str) and "\n" not in rel:
                    files.add(posixpath.normpath(posixpath.join(self.folder, rel)))
        return files

    @property
    def image_rewrites(self) -> list[dict]:
        return [i for i in self.data.get("images") or [] if isinstance(i, dict) and i.get("name")]


@dataclass
class ClusterIndex:
    workloads: list[Workload] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # workload name -> other files defining it
    services: list[K8sObject] = field(default_factory=list)
    ingresses: list[K8sObject] = field(default_factory=list)
    configmaps: list[K8sObject] = field(default_factory=list)
    namespaces: list[K8sObject] = field(default_factory=list)
    kustomizations: list[Kustomization] = field(default_factory=list)
    kind_configs: list[K8sObject] = field(default_factory=list)
    applications: list[K8sObject] = field(default_factory=list)  # Argo CD Applications (the deployment target)
    files: list[str] = field(default_factory=list)  # files holding at least one object

    def services_for(self, workload: Workload) -> list[K8sObject]:
        """Services whose selector picks the workload's pods."""
        labels = workload.pod_labels
        found = []
        for svc in self.services:
            selector = svc.get("spec", "selector")
            if isinstance(selector, dict) and selector and all(labels.get(k) == v for k, v in selector.items()):
                found.append(svc)
        return found

    def configmap(self, name: str) -> K8sObject | None:
        return next((c for c in self.configmaps if c.name == name), None)

    def image_names(self, image: str) -> set[str]:
        """An image and what kustomize `images:` rewrite it to (newName, newTag)."""
        return {image} | set(self.rewrites(image))

    def rewrites(self, image: str) -> dict[str, str]:
        """What kustomize `images:` entries rewrite an image to -> the kustomization file saying so."""
        found: dict[str, str] = {}
        repository, tag = split_image(image)
        for kustomization in self.kustomizations:
            for rewrite in kustomization.image_rewrites:
                if rewrite.get("name") == repository:
                    new_tag = rewrite.get("newTag") or tag
                    new_name = rewrite.get("newName") or repository
                    found.setdefault(f"{new_name}:{new_tag}" if new_tag else str(new_name), kustomization.path)
        return found


def index_cluster(repo: RepoView, paths: list[str]) -> ClusterIndex:
    index = ClusterIndex()
    candidates: dict[str, list[Workload]] = {}
    for path in paths:
        source = repo.text(path)
        is_kustomization = posixpath.basename(path) in ("kustomization.yaml", "kustomization.yml")
        if source is None or not (is_kustomization or holds_kubernetes_objects(source.text)):
            continue
        docs = repo.parsed("yaml", path, lambda f: parse_yaml_documents(f.text)) or []
        held = False
        for doc in docs:
            if is_kustomization and isinstance(doc.data, dict):
                index.kustomizations.append(Kustomization(path, doc.data))
                held = True
                continue
            if not isinstance(doc.data, dict) or "kind" not in doc.data:
                continue
            obj = K8sObject(path, doc)
            kind, api = obj.kind, str(doc.data.get("apiVersion", ""))
            held = True
            if kind == "Kustomization":
                index.kustomizations.append(Kustomization(path, doc.data))
            elif kind == "Cluster" and api.startswith("kind.x-k8s.io"):
                index.kind_configs.append(obj)
            elif kind == "Application" and api.startswith("argoproj.io/"):
                index.applications.append(obj)
            elif kind in ("Service", "Ingress", "ConfigMap", "Namespace", *APP_WORKLOADS) and not obj.name:
                continue  # no metadata.name: kubectl refuses it, and nothing can be named after it
            elif kind in APP_WORKLOADS:
                if is_unknown(obj.name):
                    continue  # a template names it at render time: no component to name after it
                found = list(containers(obj))
                main = next((c for c in found if c.name == obj.name), found[0] if found else None)
                candidates.setdefault(obj.name, []).append(Workload(obj, main))
            elif kind == "Service":
                index.services.append(obj)
            elif kind == "Ingress":
                index.ingresses.append(obj)
            elif kind == "ConfigMap":
                index.configmaps.append(obj)
            elif kind == "Namespace":
                index.namespaces.append(obj)
        if held:
            index.files.append(path)
    patches = {p for k in index.kustomizations for p in k.patch_files}
    for name, defined in candidates.items():
        complete = [w for w in defined if w.image and w.path not in patches]
        chosen = (complete or defined)[0]
        index.workloads.append(chosen)
        others = [w.path for w in defined if w is not chosen]
        if others:
            index.duplicates[name] = others
    index.services = _first_of_each(index.services, patches)
    return index


def _first_of_each(objects: list[K8sObject], patches: set[str]) -> list[K8sObject]:
    seen: dict[str, K8sObject] = {}
    for obj in sorted(objects, key=lambda o: o.path in patches):
        seen.setdefault(obj.name, obj)
    return list(seen.values())


def split_image(image: str) -> tuple[str, str | None]:
    """`ghcr.io/a/b:1.2@sha256:..` -> (`ghcr.io/a/b`, `1.2`)."""
    image = image.split("@", 1)[0]
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon + 1:]
    return image, None


def image_name(image: str) -> str:
    """The last path segment without tag: `ghcr.io/acme/shop-edge:dev` -> `shop-edge`."""
    return split_image(image)[0].rsplit("/", 1)[-1].lower()
