"""Rollout: whether each catalogue component is deployed and scaled at all."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from tiketi_doctor.model import Finding, Severity
from tiketi_doctor.remediation import reapply_commands

from .base import Explanation, LiveCheck

if TYPE_CHECKING:
    from tiketi_doctor.cluster.context import LiveContext, Workload


# -- CL011 -------------------------------------------------------------------------------------------

class ComponentNotRunning(LiveCheck):
    code = "CL011"
    name = "component-not-running"
    severity = Severity.ERROR
    summary = "A catalogue component has no Deployment in the namespace, or is scaled to zero replicas."
    why = (
        "Everything that depends on a component that is not deployed — or was scaled to 0 and forgotten — fails "
        "with connection refused or waits forever in an init container, while the component itself shows no "
        "failing pod at all. This finding names the root of those symptoms."
    )
    example = "postgres: Deployment scaled to 0 replicas (the repository's k8s/03-postgres.yaml says 1); auth-service waits for it"
    fix = "Apply the component's manifest (`kubectl apply -f`), or scale it back: `kubectl scale deployment/NAME --replicas=1`."

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        component = workload.component
        if component is None:
            return
        ns = ctx.snapshot.namespace
        manifest = ctx.manifest_workload(component)
        if workload.deployment is None and not workload.pods:
            path = manifest.path if manifest else (component.manifests[0] if component.manifests else None)
            why = Explanation(
                headline=f"there is no Deployment {workload.name} in namespace {ns}",
                cause=f"The catalogue lists {component.name}, but namespace {ns} has no Deployment {workload.name}: it was never applied, or was deleted.",
                remediation=reapply_commands(ctx.catalogue, component, path) if path else [],
                params={"replicas": None},
            )
            yield self.live_finding(ctx, None, workload, f"{component.name} is not deployed", why)
            return
        if workload.desired == 0:
            wanted = manifest.get("spec", "replicas") if manifest else None
            dependents = [c.name for c in ctx.catalogue.components if component.name in c.depends_on]
            why = Explanation(
                headline="the Deployment is scaled to 0 replicas" + (f" (the repository's manifest says {wanted if wanted is not None else 1})" if manifest else ""),
                cause=(
                    f"deployment/{workload.name} has replicas: 0, so no pod runs"
                    + (f"; {', '.join(dependents)} depend on it" if dependents else "") + ". Scale it back up."
                ),
                remediation=[f"kubectl scale deployment/{workload.name} -n {ns} --replicas={wanted or 1}"],
                params={"replicas": 0, "manifest_replicas": wanted},
            )
            yield self.live_finding(ctx, None, workload, f"{component.name} runs no pod (scaled to 0)", why,
                                    evidence={"dependents": dependents})

