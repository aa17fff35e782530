"""The endpoints controller: one Endpoints object per selector-based Service,
listing ready pods as addresses and the rest as notReadyAddresses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import objects
from .selectors import labels_match, parse_label_selector, match_labels_selector

if TYPE_CHECKING:
    from .cluster import Cluster


def _comparable(ep: dict) -> tuple:
    return ep.get("subsets"), ep["metadata"].get("labels")


def _pods_by_label(cluster: "Cluster") -> dict:
    """(namespace, key, value) -> pods, so each Service only looks at candidates."""
    index: dict = {}
    for pod in cluster.store.items("pods"):
        ns = pod["metadata"]["namespace"]
        for key, value in (pod["metadata"].get("labels") or {}).items():
            index.setdefault((ns, key, value), []).append(pod)
    return index


def sync_service(cluster: "Cluster", svc: dict, index: dict | None = None) -> None:
    selector = svc["spec"].get("selector")
    if not selector:
        return  # selector-less services have hand-managed endpoints
    meta = svc["metadata"]
    index = index if index is not None else _pods_by_label(cluster)
    reqs = parse_label_selector(match_labels_selector(selector))
    first_key, first_value = sorted(selector.items())[0]
    pods = [p for p in index.get((meta["namespace"], first_key, first_value), [])
            if labels_match(reqs, p["metadata"].get("labels"))]
    existing = cluster.store.get("endpoints", meta["namespace"], meta["name"])
    uid = existing["metadata"]["uid"] if existing else cluster.ids.uid()
    created = meta["creationTimestamp"]
    fresh = objects.endpoints(svc, pods, uid, cluster.clock.now(), cluster.clock.now())
    fresh["metadata"]["creationTimestamp"] = created
    if existing is None or _comparable(existing) != _comparable(fresh):
        cluster.store.put("endpoints", fresh)


def sync_all(cluster: "Cluster") -> None:
    index = _pods_by_label(cluster)
    for svc in cluster.store.items("services"):
        sync_service(cluster, svc, index)
