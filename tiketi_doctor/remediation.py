"""The commands that put a repository change into the kind cluster, derived from the catalogue."""
from __future__ import annotations

from .catalogue import Catalogue, Component


def rebuild_commands(catalogue: Catalogue, component: Component) -> list[str]:
    """Build the image from its catalogue context, load it into kind and restart the rollout."""
    if not (component.image and component.dockerfile):
        return []
    ns = catalogue.cluster.namespace
    commands = [
        f"docker build -t {component.image} -f {component.dockerfile} {component.build_context or '.'}",
        f"kind load docker-image {component.image} --name {catalogue.cluster.kind_cluster}",
    ]
    if component.deployment:
        commands += [
            f"kubectl rollout restart deployment/{component.deployment} -n {ns}",
            f"kubectl rollout status deployment/{component.deployment} -n {ns} --timeout=180s",
        ]
    return commands


def reapply_commands(catalogue: Catalogue, component: Component, manifest: str) -> list[str]:
    """Re-apply a changed manifest and wait for the rollout it triggers."""
    ns = catalogue.cluster.namespace
    commands = [f"kubectl apply -f {manifest}"]
    if component.deployment:
        commands.append(f"kubectl rollout status deployment/{component.deployment} -n {ns} --timeout=180s")
    return commands
