"""The deployment and ReplicaSet controllers, reduced to what a rollout needs:
new ReplicaSet revisions, rolling (surge/unavailable) scaling, rollbacks to an
older template, and status/conditions with the real reasons and messages."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from . import kubelet, objects
from .clock import iso, parse_time
from .ids import template_hash
from .jsonutil import clone
from .objects import REVISION, REVISION_HISTORY

if TYPE_CHECKING:
    from .cluster import Cluster


# ---- lookups ---------------------------------------------------------------------------

def owned(cluster: "Cluster", owner: dict, plural: str) -> list[dict]:
    return cluster.store.owned(plural, owner["metadata"]["uid"])


def revision(rs: dict) -> int:
    return int(rs["metadata"].get("annotations", {}).get(REVISION, "0"))


def is_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


def active_pods(cluster: "Cluster", rs: dict) -> list[dict]:
    return [p for p in owned(cluster, rs, "pods") if not p["metadata"].get("deletionTimestamp")]


def available(cluster: "Cluster", rs: dict) -> int:
    return sum(1 for p in active_pods(cluster, rs) if is_ready(p))


def same_template(a: dict, b: dict) -> bool:
    """The controller's EqualIgnoreHash: templates equal apart from pod-template-hash."""
    return objects.strip_hash(a) == objects.strip_hash(b)


def deployment_of(cluster: "Cluster", rs: dict) -> dict | None:
    ref = next((r for r in rs["metadata"].get("ownerReferences", []) if r["kind"] == "Deployment"), None)
    return cluster.store.get("deployments", rs["metadata"]["namespace"], ref["name"]) if ref else None


# ---- conditions ----------------------------------------------------------------------------

def set_condition(cluster: "Cluster", status: dict, kind: str, ok: bool, reason: str, message: str,
                  touch: bool = False, at: str | None = None) -> None:
    """SetDeploymentCondition: unchanged status+reason keeps the entry (only lastUpdateTime moves
    when progress is made); a change re-appends it, so the latest change is last."""
    now = at or iso(cluster.clock.now())
    conditions = status.setdefault("conditions", [])
    current = next((c for c in conditions if c["type"] == kind), None)
    value = "True" if ok else "False"
    if current and current["status"] == value and current["reason"] == reason:
        if touch or current["message"] != message:
            current["message"] = message
            current["lastUpdateTime"] = now
        return
    transition = current["lastTransitionTime"] if current and current["status"] == value else now
    conditions[:] = [c for c in conditions if c["type"] != kind]
    conditions.append({"type": kind, "status": value, "lastUpdateTime": now,
                       "lastTransitionTime": transition, "reason": reason, "message": message})


def _condition(status: dict, kind: str) -> dict | None:
    return next((c for c in status.get("conditions", []) if c["type"] == kind), None)


# ---- the deployment controller -----------------------------------------------------------------

def scale(cluster: "Cluster", deploy: dict, rs: dict, replicas: int) -> None:
    old = rs["spec"]["replicas"]
    if old == replicas:
        return
    rs["spec"]["replicas"] = replicas
    rs["metadata"]["generation"] = rs["metadata"].get("generation", 1) + 1
    desired = deploy["spec"]["replicas"]
    rs["metadata"].setdefault("annotations", {}).update({
        objects.DESIRED_REPLICAS: str(desired),
        objects.MAX_REPLICAS: str(desired + objects.max_surge(deploy))})
    cluster.store.put("replicasets", rs)
    direction = "up" if replicas > old else "down"
    cluster.record_event(deploy, {
        "type": "Normal", "reason": "ScalingReplicaSet", "component": "deployment-controller",
        "message": f'Scaled {direction} replica set {rs["metadata"]["name"]} from {old} to {replicas}'},
        increment=True)


def _new_replicaset(cluster: "Cluster", deploy: dict, rss: list[dict]) -> dict:
    template = deploy["spec"]["template"]
    collision = 0
    while True:
        pod_hash = template_hash({"template": objects.strip_hash(template), "collision": collision} if collision
                                 else objects.strip_hash(template))
        name = f'{deploy["metadata"]["name"]}-{pod_hash}'
        if cluster.store.get("replicasets", deploy["metadata"]["namespace"], name) is None:
            break
        collision += 1
    next_revision = max((revision(rs) for rs in rss), default=0) + 1
    rs = objects.replicaset(deploy, cluster.ids.uid(), cluster.clock.now(), pod_hash, next_revision, 0,
                            template=objects.strip_hash(template))
    return cluster.store.put("replicasets", rs)


def reconcile_deployment(cluster: "Cluster", deploy: dict) -> None:
    meta, spec, status = deploy["metadata"], deploy["spec"], deploy.setdefault("status", {})
    rss = owned(cluster, deploy, "replicasets")
    new_rs = next((rs for rs in rss if same_template(rs["spec"]["template"], spec["template"])), None)
    newest = max((revision(rs) for rs in rss), default=0)
    if new_rs is None:
        new_rs = _new_replicaset(cluster, deploy, rss)
        set_condition(cluster, status, "Progressing", True, "NewReplicaSetCreated",
                      f'Created new replica set "{new_rs["metadata"]["name"]}"')
    elif revision(new_rs) < newest:
        # A rollback: the old ReplicaSet becomes the newest revision again.
        annotations = new_rs["metadata"].setdefault("annotations", {})
        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
        annotations[REVISION_HISTORY] = ",".join(history + [str(revision(new_rs))])
        annotations[REVISION] = str(newest + 1)
        cluster.store.put("replicasets", new_rs)
        set_condition(cluster, status, "Progressing", True, "FoundNewReplicaSet",
                      f'Found new replica set "{new_rs["metadata"]["name"]}"')
    meta.setdefault("annotations", {})[REVISION] = str(revision(new_rs))
    status["observedGeneration"] = meta.get("generation", 1)
    olds = sorted((rs for rs in rss if rs is not new_rs), key=revision)
    if spec.get("paused"):
        return
    if spec.get("strategy", {}).get("type") == "Recreate":
        _recreate(cluster, deploy, new_rs, olds)
    else:
        _rolling(cluster, deploy, new_rs, olds)


def _recreate(cluster, deploy, new_rs, olds):
    for rs in olds:
        scale(cluster, deploy, rs, 0)
    if not any(owned(cluster, rs, "pods") for rs in olds):
        scale(cluster, deploy, new_rs, deploy["spec"]["replicas"])


def _rolling(cluster, deploy, new_rs, olds):
    desired = deploy["spec"]["replicas"]
    surge, unavailable = objects.max_surge(deploy), objects.max_unavailable(deploy)
    old_total = sum(rs["spec"]["replicas"] for rs in olds)
    new_count = new_rs["spec"]["replicas"]
    if new_count < desired:
        room = desired + surge - (new_count + old_total)
        scale(cluster, deploy, new_rs, min(desired, new_count + max(room, 0)))
    elif new_count > desired:
        scale(cluster, deploy, new_rs, desired)
    if not old_total:
        return
    min_available = desired - unavailable
    new_unavailable = new_rs["spec"]["replicas"] - available(cluster, new_rs)
    # First drop old pods that are not available anyway (cleanupUnhealthyReplicas).
    budget = old_total + new_rs["spec"]["replicas"] - min_available - new_unavailable
    for rs in olds:
        if budget <= 0:
            break
        unhealthy = rs["spec"]["replicas"] - available(cluster, rs)
        cut = min(unhealthy, budget)
        if cut > 0:
            scale(cluster, deploy, rs, rs["spec"]["replicas"] - cut)
            budget -= cut
    # Then scale old ones down as far as availability allows.
    spare = sum(available(cluster, rs) for rs in olds + [new_rs]) - min_available
    for rs in olds:
        if spare <= 0:
            break
        cut = min(rs["spec"]["replicas"], spare)
        if cut > 0:
            scale(cluster, deploy, rs, rs["spec"]["replicas"] - cut)
            spare -= cut


# ---- the ReplicaSet controller -------------------------------------------------------------------

def _deletion_rank(pod: dict):
    """Unscheduled, then not ready, then newest pods go first (like the real controller)."""
    return (bool(pod["spec"].get("nodeName")), is_ready(pod), _negated(pod["metadata"]["creationTimestamp"]))


def _negated(stamp: str):
    return tuple(-ord(ch) for ch in stamp)


def sync_replicaset(cluster: "Cluster", rs: dict) -> None:
    pods = active_pods(cluster, rs)
    want = rs["spec"]["replicas"]
    deploy = deployment_of(cluster, rs)
    if len(pods) < want:
        behaviour = cluster.behaviour_for(rs["metadata"]["namespace"],
                                          deploy["metadata"]["name"] if deploy else rs["metadata"]["name"])
        for _ in range(want - len(pods)):
            pod = cluster.spawn_pod(rs, behaviour)
            cluster.record_event(rs, {"type": "Normal", "reason": "SuccessfulCreate",
                                      "component": "replicaset-controller",
                                      "message": f'Created pod: {pod["metadata"]["name"]}'})
    elif len(pods) > want:
        for pod in sorted(pods, key=_deletion_rank)[: len(pods) - want]:
            kubelet.terminate(cluster, pod)
            cluster.record_event(rs, {"type": "Normal", "reason": "SuccessfulDelete",
                                      "component": "replicaset-controller",
                                      "message": f'Deleted pod: {pod["metadata"]["name"]}'})


def update_replicaset_status(cluster: "Cluster", rs: dict) -> None:
    pods = active_pods(cluster, rs)
    ready = sum(1 for p in pods if is_ready(p))
    status = {"replicas": len(pods)}
    if pods:
        status["fullyLabeledReplicas"] = len(pods)
    if ready:
        status["readyReplicas"] = ready
        status["availableReplicas"] = ready
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    if status != rs.get("status"):
        rs["status"] = status
        cluster.store.put("replicasets", rs)


def update_deployment_status(cluster: "Cluster", deploy: dict, seeding: bool = False) -> None:
    spec, old = deploy["spec"], deploy.get("status") or {}
    status = clone(old)
    rss = owned(cluster, deploy, "replicasets")
    new_rs = next((rs for rs in rss if same_template(rs["spec"]["template"], spec["template"])), None)
    desired = spec["replicas"]
    total = sum(rs["spec"]["replicas"] for rs in rss)
    actual = sum(rs["status"].get("replicas", 0) for rs in rss)
    ready = sum(rs["status"].get("readyReplicas", 0) for rs in rss)
    avail = sum(rs["status"].get("availableReplicas", 0) for rs in rss)
    updated = new_rs["status"].get("replicas", 0) if new_rs else 0
    counts = {"replicas": actual, "updatedReplicas": updated, "readyReplicas": ready,
              "availableReplicas": avail, "unavailableReplicas": max(total - avail, 0)}
    for key, value in counts.items():     # zero counts are omitted (omitempty)
        if value:
            status[key] = value
        else:
            status.pop(key, None)
    status.setdefault("observedGeneration", deploy["metadata"].get("generation", 1))
    progressing = _condition(status, "Progressing")
    deadline = spec.get("progressDeadlineSeconds", 600)
    # Seeded deployments have been around for a while: date their conditions back.
    at, deadline_at = None, None
    if seeding:
        created = parse_time(deploy["metadata"]["creationTimestamp"])
        at = iso(min(created + _dt.timedelta(seconds=20), cluster.clock.now()))
        deadline_at = created + _dt.timedelta(seconds=deadline)
    if avail >= desired - objects.max_unavailable(deploy):
        set_condition(cluster, status, "Available", True, "MinimumReplicasAvailable",
                      "Deployment has minimum availability.", at=at)
    else:
        set_condition(cluster, status, "Available", False, "MinimumReplicasUnavailable",
                      "Deployment does not have minimum availability.", at=at)
    rs_name = new_rs["metadata"]["name"] if new_rs else deploy["metadata"]["name"]
    complete = (new_rs is not None and updated == desired and actual == desired and avail == desired
                and status["observedGeneration"] >= deploy["metadata"].get("generation", 1))
    if complete:
        set_condition(cluster, status, "Progressing", True, "NewReplicaSetAvailable",
                      f'ReplicaSet "{rs_name}" has successfully progressed.', at=at)
    elif seeding and cluster.clock.seconds_since(deploy["metadata"]["creationTimestamp"]) > deadline:
        set_condition(cluster, status, "Progressing", False, "ProgressDeadlineExceeded",
                      f'ReplicaSet "{rs_name}" has timed out progressing.', at=iso(deadline_at))
    elif progressing is None or (seeding and progressing["status"] == "True"):
        set_condition(cluster, status, "Progressing", True, "ReplicaSetUpdated",
                      f'ReplicaSet "{rs_name}" is progressing.', at=at)
    elif any(counts[k] > old.get(k, 0) for k in ("updatedReplicas", "readyReplicas", "availableReplicas")) \
            or counts["replicas"] < old.get("replicas", 0):
        set_condition(cluster, status, "Progressing", True, "ReplicaSetUpdated",
                      f'ReplicaSet "{rs_name}" is progressing.', touch=True)
    elif progressing["status"] == "True" and progressing["reason"] != "NewReplicaSetAvailable" and \
            cluster.clock.seconds_since(progressing["lastUpdateTime"]) > deadline:
        set_condition(cluster, status, "Progressing", False, "ProgressDeadlineExceeded",
                      f'ReplicaSet "{rs_name}" has timed out progressing.')
    if status != old:
        deploy["status"] = status
        cluster.store.put("deployments", deploy)


def update_statuses(cluster: "Cluster", seeding: bool = False) -> None:
    for rs in cluster.store.items("replicasets"):
        update_replicaset_status(cluster, rs)
    for deploy in cluster.store.items("deployments"):
        update_deployment_status(cluster, deploy, seeding)


def reconcile_all(cluster: "Cluster") -> None:
    """One controller pass: deployments scale ReplicaSets, ReplicaSets make or
    remove pods, then every status is recomputed."""
    deployments = list(cluster.store.items("deployments"))
    for deploy in deployments:
        before = clone(deploy)
        reconcile_deployment(cluster, deploy)
        if deploy != before:
            cluster.store.put("deployments", deploy)
    for rs in list(cluster.store.items("replicasets")):
        sync_replicaset(cluster, rs)
    update_statuses(cluster)
