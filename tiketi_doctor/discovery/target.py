"""Where heal deploys, as the repository says it: an Argo CD Application -> gitops (with the overlay it
tracks), a kustomize `images:` entry that moves an image into a registry -> registry, else kind (the
catalogue then says nothing: kind is the default)."""
from __future__ import annotations

import posixpath

from ..analysis.imageref import parse_image
from .cluster import ClusterIndex
from .model import Fact

_HEAD = ("", "HEAD")


def discover_target(index: ClusterIndex) -> Fact[dict] | None:
    kustomizations = {k.folder: k for k in index.kustomizations}
    registry, registry_source = _registry(index)
    for app in index.applications:
        source = app.get("spec", "source")
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            continue  # Helm charts from a chart repository, multiple sources: nothing in this repository to edit
        folder = posixpath.normpath(source["path"].strip("/") or ".")
        if folder not in kustomizations:
            continue
        where = f"{app.path}:{app.at(('metadata', 'name')).line} (Argo CD Application {app.name})"
        target: dict = {"type": "gitops", "application": app.name, "overlay": folder}
        namespace = app.get("metadata", "namespace")
        if isinstance(namespace, str) and namespace and namespace != "argocd":
            target["application_namespace"] = namespace
        revision = source.get("targetRevision")
        if isinstance(revision, str) and revision not in _HEAD:
            target["branch"] = revision
        doubts = ["cluster.context is the context of the cluster Argo CD deploys to; heal needs it named with --context"]
        if registry is None:
            return Fact({"type": "kind"}, where, [
                f"Argo CD Application {app.name} deploys {folder}, but no image in the repository names a registry: "
                f"set target: {{type: gitops, registry: REGISTRY/PATH, application: {app.name}, overlay: {folder}}}"])
        target["registry"] = registry
        return Fact(target, f"{where}; registry from {registry_source}", doubts)
    if registry is not None:
        return Fact({"type": "registry", "registry": registry}, registry_source,
                    ["cluster.context is the context of the cluster the images run in; heal needs it named with --context"])
    return None


def _registry(index: ClusterIndex) -> tuple[str | None, str]:
    """The registry (and path) of the first kustomize `images:` entry that moves an image into one."""
    for kustomization in sorted(index.kustomizations, key=lambda k: k.path):
        for entry in kustomization.image_rewrites:
            ref = parse_image(str(entry.get("newName") or ""))
            if ref is None or not ref.has_registry or ref.templated or ref.placeholder:
                continue
            path = posixpath.dirname(ref.repository)
            return (f"{ref.registry}/{path}" if path else ref.registry), f"{kustomization.path} (images: newName {ref.name})"
    return None, ""
