"""Which workloads a Service sends traffic to.

Readiness only gates a Service's endpoints (an Ingress reaches pods through a Service too), so a
workload that no Service selects — a load generator, a log shipper, a queue worker — has nothing
for a readiness probe to protect.
"""
from __future__ import annotations

from ..context import ScanContext
from . import k8s
from .environments import environments, selector_matches


def _selectors(ctx: ScanContext) -> list[tuple[str | None, dict]]:
    """(namespace, selector) of every Service with a selector, in any environment, read once."""

    def collect() -> list[tuple[str | None, dict]]:
        found = []
        for env in environments(ctx):
            for service in env.of_kind("Service"):
                selector = service.get("spec", "selector")
                if isinstance(selector, dict) and selector:
                    found.append((service.namespace, selector))
        return found

    return ctx.memo("service-selectors", collect)


def selected_by_a_service(ctx: ScanContext, workload: k8s.K8sObject) -> bool:
    """Whether some Service's selector matches the workload's pod labels (namespaces permitting)."""
    labels = workload.get("spec", "template", "metadata", "labels") if workload.kind != "Pod" else workload.get("metadata", "labels")
    if not isinstance(labels, dict) or not labels:
        return False
    namespace = workload.get("metadata", "namespace")
    return any(
        selector_matches(selector, labels)
        for ns, selector in _selectors(ctx)
        if ns is None or namespace is None or ns == namespace
    )
