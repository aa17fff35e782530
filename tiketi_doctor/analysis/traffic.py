"""Which workloads a Service sends traffic to.

Readiness only gates a Service's endpoints (an Ingress reaches pods through a Service too), so a
workload that no Service selects — a load generator, a log shipper, a queue worker — has nothing
for a readiness probe to protect.
"""
from __future__ import annotations

from ..context import ScanContext
from . import k8s
from .environments import environments


def selected_by_a_service(ctx: ScanContext, workload: k8s.K8sObject) -> bool:
    """Whether some Service's selector matches the workload's pod labels (namespaces permitting),
    in any environment."""
    labels = workload.get("spec", "template", "metadata", "labels") if workload.kind != "Pod" else workload.get("metadata", "labels")
    if not isinstance(labels, dict) or not labels:
        return False
    namespace = workload.get("metadata", "namespace")
    return any(
        matched and (service.namespace is None or namespace is None or service.namespace == namespace)
        for env in environments(ctx)
        for service, matched in env.services_selecting(labels)
    )
