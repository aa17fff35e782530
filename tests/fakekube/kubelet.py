"""The kubelet's part: rendering pod status from a behaviour's state, stepping
live pods forward, and finishing pod termination."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .behaviour import PodContext, seed_state
from .clock import iso, parse_time
from .objects import REVISION
from .podevents import pod_events
from .podstate import PodState, RenderContext, render_status

if TYPE_CHECKING:
    from .cluster import Cluster, PodRuntime


def context(cluster: "Cluster", pod: dict, runtime: "PodRuntime") -> PodContext:
    meta = pod["metadata"]
    containers = pod["spec"].get("containers") or [{"name": "", "image": ""}]
    owner = next((o for o in meta.get("ownerReferences", []) if o["kind"] == "ReplicaSet"), None)
    rs = cluster.store.get("replicasets", meta["namespace"], owner["name"]) if owner else None
    revision = (rs or {}).get("metadata", {}).get("annotations", {}).get(REVISION, "0")
    return PodContext(
        name=meta["name"], namespace=meta["namespace"],
        container=containers[0]["name"], image=containers[0].get("image", ""),
        age=cluster.clock.seconds_since(meta["creationTimestamp"]),
        revision=int(revision), template=(rs or {}).get("spec", {}).get("template", {}))


def initial_state(behaviour, step: int, ctx: PodContext, seeded: bool) -> PodState:
    return seed_state(behaviour, ctx) if seeded else behaviour.at(step, ctx)


def render(cluster: "Cluster", pod: dict, state: PodState, runtime: "PodRuntime", seeded: bool = False) -> None:
    meta = pod["metadata"]
    created = parse_time(meta["creationTimestamp"])
    ctx = RenderContext(
        now=cluster.clock.now(), pod_uid=meta["uid"], created=created, node_name=cluster.node_name,
        pod_ip=runtime.pod_ip, pod_ref=f'{meta["name"]}_{meta["namespace"]}({meta["uid"]})',
        image_id=lambda image: runtime.image_ids.setdefault(image, cluster.image_id(image)))
    runtime.state = state
    pod["status"] = render_status(state, pod["spec"], ctx)
    # Seeded pods got their events over their lifetime; new ones get them now.
    first = created if seeded else None
    for event in pod_events(state, pod, cluster.node_name):
        cluster.record_event(pod, event, first=first)


def advance(cluster: "Cluster") -> None:
    """One kubelet step for every live (controller-made, not terminating) pod."""
    for pod in list(cluster.store.items("pods")):
        runtime = cluster.runtime(pod)
        if runtime is None or runtime.frozen or pod["metadata"].get("deletionTimestamp"):
            continue
        runtime.step += 1
        state = runtime.behaviour.at(runtime.step, context(cluster, pod, runtime))
        render(cluster, pod, state, runtime)
        cluster.store.put("pods", pod)


def terminate(cluster: "Cluster", pod: dict, grace: int = 30) -> None:
    """Mark a pod Terminating; it disappears at the next tick (or now, with grace 0)."""
    meta = pod["metadata"]
    if grace == 0:
        remove(cluster, pod)
        return
    if meta.get("deletionTimestamp"):
        return
    meta["deletionTimestamp"] = iso(cluster.clock.now())
    meta["deletionGracePeriodSeconds"] = grace
    cluster.record_event(pod, {"type": "Normal", "reason": "Killing", "component": "kubelet",
                               "message": f'Stopping container {pod["spec"]["containers"][0]["name"]}',
                               "fieldPath": f'spec.containers{{{pod["spec"]["containers"][0]["name"]}}}'})
    cluster.store.put("pods", pod)


def remove(cluster: "Cluster", pod: dict) -> None:
    meta = pod["metadata"]
    cluster.store.delete("pods", meta["namespace"], meta["name"])
    cluster.runtimes.pop((meta["namespace"], meta["name"]), None)


def reap(cluster: "Cluster") -> None:
    """Terminating pods from earlier ticks are gone by now."""
    for pod in list(cluster.store.items("pods")):
        if pod["metadata"].get("deletionTimestamp"):
            remove(cluster, pod)
