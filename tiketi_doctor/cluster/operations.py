"""The mutating side, for heal: rollout restart, set image, wait for a rollout, rollout undo.

Every call that changes the cluster goes through `guard` first: it needs `allow_mutation=True`,
and a context that is not a kind cluster (`kind-*`) is refused unless the caller names it exactly
in `allow_context` — so no default, typo or stale current-context can touch a shared cluster.
What the calls send is what kubectl sends (the same patches), so a person can replay them.
"""
from __future__ import annotations

import copy
import datetime as dt
import time
from dataclasses import field
from typing import Callable

from ..deferred import dataclass
from .access import ClusterError, Session
from .snapshot import ContainerView, pod_view

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
# What `kubectl rollout undo` never copies from a ReplicaSet back to its Deployment.
_UNDO_SKIPPED_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
})
# Waiting reasons of new pods that no amount of waiting fixes.
FAILING_REASONS = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "InvalidImageName",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
})


class MutationRefused(Exception):
    """A mutating call was not allowed; nothing was sent to the cluster."""


class RolloutError(Exception):
    """The operation cannot be done as asked (no previous revision, no such container)."""


class GitOpsManaged(MutationRefused):
    """The object is deployed by Argo CD from Git: a direct patch would be undone (or fought) by it."""

    def __init__(self, kind: str, name: str, application: str, evidence: str):
        self.kind, self.name, self.application, self.evidence = kind, name, application, evidence
        super().__init__(
            f"{kind.lower()}/{name} is managed by the Argo CD Application {application!r} ({evidence}): it is never "
            f"patched directly, the change belongs in the Git source that Application tracks"
        )


TRACKING_ID = "argocd.argoproj.io/tracking-id"
INSTANCE_LABEL = "app.kubernetes.io/instance"
ARGOCD_ANNOTATION_PREFIX = "argocd.argoproj.io/"


def gitops_owner(obj: dict) -> tuple[str, str] | None:
    """(Application, evidence) when Argo CD tracks this live object: the tracking-id annotation
    (`<app>:<group>/<kind>:<ns>/<name>`), or the instance label beside an argocd.argoproj.io/ annotation."""
    meta = obj.get("metadata") or {}
    annotations, labels = meta.get("annotations") or {}, meta.get("labels") or {}
    tracking = annotations.get(TRACKING_ID)
    if isinstance(tracking, str) and ":" in tracking:
        return tracking.split(":", 1)[0], f"annotation {TRACKING_ID}={tracking}"
    instance = labels.get(INSTANCE_LABEL)
    argo = sorted(k for k in annotations if k.startswith(ARGOCD_ANNOTATION_PREFIX))
    if instance and argo:
        return instance, f"label {INSTANCE_LABEL}={instance} with annotation {argo[0]}"
    return None


def refuse_gitops_managed(obj: dict) -> None:
    owner = gitops_owner(obj)
    if owner is not None:
        raise GitOpsManaged(obj.get("kind") or "object", (obj.get("metadata") or {}).get("name", "?"), *owner)


def guard(session: Session, allow_mutation: bool, allow_context: str | None, action: str) -> None:
    if not allow_mutation:
        raise MutationRefused(f"{action}: refused, the caller did not pass allow_mutation=True")
    if allow_context == session.context:
        return  # the caller named exactly this context
    refusal = session.kind_refusal()
    if refusal is not None:
        raise MutationRefused(
            f"{action}: refused on context {session.context!r}, which is not a kind cluster ({refusal}); "
            f"pass allow_context={session.context!r} to allow exactly this context"
        )


@dataclass(frozen=True)
class Change:
    """What a mutating call did: the deployment's generation after it, to wait for."""

    action: str
    deployment: str
    generation: int
    detail: str = ""


def rollout_restart(session: Session, deployment: str, *, allow_mutation: bool = False, allow_context: str | None = None,
                    now: dt.datetime | None = None) -> Change:
    """`kubectl rollout restart deployment/NAME`: stamp the pod template so every pod is replaced."""
    guard(session, allow_mutation, allow_context, f"rollout restart deployment/{deployment}")
    refuse_gitops_managed(session.get("deployments", deployment) | {"kind": "Deployment"})
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone().isoformat(timespec="seconds")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    result = session.patch("deployments", deployment, body)
    return Change("rollout-restart", deployment, _generation(result), f"{RESTARTED_AT}={stamp}")


def set_image(session: Session, deployment: str, container: str, image: str, *, allow_mutation: bool = False,
              allow_context: str | None = None) -> Change:
    """`kubectl set image deployment/NAME CONTAINER=IMAGE` (a strategic merge on the container by name)."""
    guard(session, allow_mutation, allow_context, f"set image deployment/{deployment} {container}={image}")
    current = session.get("deployments", deployment)
    refuse_gitops_managed(current | {"kind": "Deployment"})
    names = [c.get("name") for c in _template(current).get("spec", {}).get("containers") or []]
    if container not in names:
        raise RolloutError(f"deployment/{deployment} has no container {container!r} (containers: {', '.join(names) or 'none'})")
    body = {"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}}
    result = session.patch("deployments", deployment, body)
    return Change("set-image", deployment, _generation(result), f"{container}={image}")


def rollout_undo(session: Session, deployment: str, *, to_revision: int | None = None, allow_mutation: bool = False,
                 allow_context: str | None = None) -> Change:
    """`kubectl rollout undo`: copy an older ReplicaSet's pod template (default: the previous revision) back."""
    guard(session, allow_mutation, allow_context, f"rollout undo deployment/{deployment}")
    current = session.get("deployments", deployment)
    meta = current.get("metadata") or {}
    revision = _int(meta.get("annotations", {}).get(REVISION))
    revisions = {}
    for rs in session.list("replicasets", label_selector=selector(current)):
        rs_meta = rs.get("metadata") or {}
        if any(o.get("kind") == "Deployment" and o.get("name") == deployment for o in rs_meta.get("ownerReferences") or []):
            number = _int((rs_meta.get("annotations") or {}).get(REVISION))
            if number:
                revisions[number] = rs
    if to_revision:
        target = revisions.get(to_revision)
        if target is None:
            raise RolloutError(f"deployment/{deployment} has no revision {to_revision} (revisions: {', '.join(map(str, sorted(revisions))) or 'none'})")
        number = to_revision
    else:
        older = [n for n in revisions if revision is None or n < revision]
        if not older:
            raise RolloutError(f"deployment/{deployment} has no previous revision to roll back to")
        number = max(older)
        target = revisions[number]
    template = copy.deepcopy(_template(target))
    (template.get("metadata") or {}).get("labels", {}).pop(TEMPLATE_HASH, None)
    if _without_hash(template) == _without_hash(_template(current)):
        return Change("rollout-undo", deployment, _int(meta.get("generation")) or 0, f"skipped: the template already matches revision {number}")
    annotations = dict(meta.get("annotations") or {})
    for key, value in ((target.get("metadata") or {}).get("annotations") or {}).items():
        if key not in _UNDO_SKIPPED_ANNOTATIONS:
            annotations[key] = value
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
    result = session.patch("deployments", deployment, patch)
    return Change("rollout-undo", deployment, _generation(result), f"to revision {number}")


@dataclass
class RolloutStatus:
    """Where a rollout stands: done, still progressing, or failed (with the reason)."""

    deployment: str
    done: bool
    failed: bool
    message: str
    desired: int = 0
    updated: int = 0
    available: int = 0
    failing_pods: list[str] = field(default_factory=list)  # "auth-service-7c9-x2: CrashLoopBackOff (exit 1)"


def rollout_status(session: Session, deployment: str, *, min_generation: int | None = None, fail_fast: bool = True) -> RolloutStatus:
    """kubectl's `rollout status` test, plus the new pods' failure when the rollout is not done."""
    dep = session.get("deployments", deployment)
    meta, spec, status = dep.get("metadata") or {}, dep.get("spec") or {}, dep.get("status") or {}
    desired = spec.get("replicas", 1)
    updated, available, total = status.get("updatedReplicas", 0), status.get("availableReplicas", 0), status.get("replicas", 0)
    result = RolloutStatus(deployment, False, False, "", desired, updated, available)
    generation = _int(meta.get("generation")) or 0
    if generation < (min_generation or 0) or status.get("observedGeneration", 0) < generation:
        result.message = "waiting for the deployment spec update to be observed"
        return result
    progressing = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), {})
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        result.failed = True
        result.message = f"deployment/{deployment} exceeded its progress deadline"
    elif updated < desired:
        result.message = f"{updated} of {desired} new replicas have been updated"
    elif total > updated:
        result.message = f"{total - updated} old replicas are pending termination"
    elif available < updated:
        result.message = f"{available} of {updated} updated replicas are available"
    else:
        result.done = True
        result.message = f"deployment/{deployment} successfully rolled out"
        return result
    result.failing_pods = _failing_new_pods(session, dep)
    if result.failing_pods:
        result.message += "; new pods " + "; ".join(result.failing_pods)
        result.failed = result.failed or fail_fast
    return result


def wait_for_rollout(session: Session, deployment: str, *, timeout: float = 180.0, interval: float = 2.0,
                     min_generation: int | None = None, fail_fast: bool = True,
                     sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> RolloutStatus:
    """Poll `rollout_status` until done, failed, or `timeout` seconds pass (then not done, with why)."""
    deadline = clock() + timeout
    while True:
        status = rollout_status(session, deployment, min_generation=min_generation, fail_fast=fail_fast)
        if status.done or status.failed:
            return status
        if clock() >= deadline:
            status.message = f"timed out after {timeout:g} s: {status.message}"
            status.failed = True
            return status
        sleep(interval)


def selector(deployment: dict) -> str:
    labels = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _failing_new_pods(session: Session, deployment: dict) -> list[str]:
    """Pods of the newest ReplicaSet stuck in a state waiting does not fix."""
    name = (deployment.get("metadata") or {}).get("name")
    revision = (deployment.get("metadata") or {}).get("annotations", {}).get(REVISION)
    newest = None
    for rs in session.list("replicasets", label_selector=selector(deployment)):
        rs_meta = rs.get("metadata") or {}
        owned = any(o.get("kind") == "Deployment" and o.get("name") == name for o in rs_meta.get("ownerReferences") or [])
        if owned and (rs_meta.get("annotations") or {}).get(REVISION) == revision:
            newest = rs
    template_hash = ((newest or {}).get("metadata") or {}).get("labels", {}).get(TEMPLATE_HASH)
    if not template_hash:
        return []
    failing = []
    for raw in session.list("pods", label_selector=f"{selector(deployment)},{TEMPLATE_HASH}={template_hash}"):
        pod = pod_view(raw)
        for c in pod.init_containers + pod.containers:
            if c.reason in FAILING_REASONS:
                failing.append(f"{pod.name}: {c.reason}{_last_exit(c)}")
    return failing


def _last_exit(container: ContainerView) -> str:
    term = container.last or container.current
    if term is None:
        return ""
    return f" ({term.describe()}, {container.restarts} restarts)"


def _template(obj: dict) -> dict:
    return (obj.get("spec") or {}).get("template") or {}


def _without_hash(template: dict) -> dict:
    clone = copy.deepcopy(template)
    (clone.get("metadata") or {}).get("labels", {}).pop(TEMPLATE_HASH, None)
    (clone.get("metadata") or {}).pop("creationTimestamp", None)
    return clone


def _generation(obj: dict) -> int:
    return _int((obj.get("metadata") or {}).get("generation")) or 0


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = [
    "ClusterError", "MutationRefused", "GitOpsManaged", "gitops_owner", "get_application", "wait_for_application", "RolloutError", "Change", "RolloutStatus", "guard", "rollout_restart",
    "set_image", "rollout_undo", "rollout_status", "wait_for_rollout", "selector",
]


# Kinds a heal may apply from the repository's manifests, with the keys that carry their content.
APPLIED_KINDS = {"Deployment": ("deployments", "spec"), "Service": ("services", "spec"),
                 "ConfigMap": ("configmaps", "data"), "Secret": ("secrets", "data")}


def apply_object(session: Session, obj: dict, *, allow_mutation: bool = False, allow_context: str | None = None) -> Change:
    """What `kubectl apply -f` does for one object of a manifest, in the parts a heal changes.

    An existing object gets a JSON Patch replacing each top-level key of its spec (or data):
    lists are replaced, not merged (a strategic merge would add port 3002 beside 3004 instead of
    changing it), and fields the server owns (clusterIP, nodePort allocations not written in the
    file) are kept. A missing object is created.
    """
    kind, name = obj.get("kind"), (obj.get("metadata") or {}).get("name")
    if kind not in APPLIED_KINDS or not name:
        raise RolloutError(f"cannot apply a {kind or 'nameless object'}: only {', '.join(APPLIED_KINDS)}")
    guard(session, allow_mutation, allow_context, f"apply {kind} {name}")
    resource, section = APPLIED_KINDS[kind]
    try:
        current = session.get(resource, name)
    except ClusterError as exc:
        if exc.status != 404:
            raise
        created = session.create(resource, obj)
        return Change("create", name, _generation(created), f"{kind} {name} created")
    refuse_gitops_managed(current | {"kind": kind})
    keys = [k for k in ("data", "stringData") if k in obj] if section == "data" else list((obj.get(section) or {}))
    ops = []
    for key in keys:
        path = f"/{key}" if section == "data" else f"/{section}/{key}"
        value = obj[key] if section == "data" else obj[section][key]
        exists = key in current if section == "data" else key in (current.get(section) or {})
        ops.append({"op": "replace" if exists else "add", "path": path, "value": value})
    patched = session.patch(resource, name, ops) if ops else current
    return Change("apply", name, _generation(patched), f"{kind} {name}: {', '.join(keys) or 'unchanged'}")


# -- Argo CD Applications (read only: a GitOps heal changes Git, and waits for Argo CD to follow) --------

ARGO_GROUP, ARGO_VERSION, ARGO_PLURAL = "argoproj.io", "v1alpha1", "applications"


def get_application(session: Session, name: str, namespace: str) -> dict:
    """`kubectl get applications.argoproj.io NAME -n NAMESPACE -o json`."""
    from kubernetes import client

    api = client.CustomObjectsApi(session._api_client)
    session._count("get applications.argoproj.io")
    return session._raw(api.get_namespaced_custom_object, ARGO_GROUP, ARGO_VERSION, namespace, ARGO_PLURAL, name)


@dataclass
class ApplicationStatus:
    name: str
    sync: str  # Synced | OutOfSync | Unknown
    health: str  # Healthy | Progressing | Degraded | Missing | Suspended | Unknown
    revision: str  # what Argo CD synced last
    done: bool = False
    failed: bool = False
    message: str = ""


def application_status(app: dict, revision: str | None, healthy: bool = True) -> ApplicationStatus:
    """Where an Application stands against the commit a heal made (None: any revision); with
    `healthy=False` being Synced there is enough (a rollback returns to what was, healthy or not)."""
    status = app.get("status") or {}
    sync, health = status.get("sync") or {}, status.get("health") or {}
    name = (app.get("metadata") or {}).get("name", "?")
    result = ApplicationStatus(name, sync.get("status") or "Unknown", health.get("status") or "Unknown", sync.get("revision") or "")
    at = revision is None or result.revision == revision or (len(revision) < 40 and result.revision.startswith(revision))
    operation = status.get("operationState") or {}
    op_revision = ((operation.get("syncResult") or {}).get("revision")) or ((operation.get("operation") or {}).get("sync") or {}).get("revision")
    where = f"application {name}: {result.sync}/{result.health} at {result.revision[:7] or 'no revision'}"
    if operation.get("phase") in ("Failed", "Error") and (revision is None or op_revision == revision or (op_revision or "").startswith(revision or "")):
        result.failed, result.message = True, f"{where}; sync {operation['phase'].lower()}: {operation.get('message', '')}".rstrip(": ")
    elif at and result.sync == "Synced" and result.health == "Degraded" and healthy:
        result.failed, result.message = True, f"{where}: {health.get('message') or 'degraded'}"
    elif at and result.sync == "Synced" and (result.health == "Healthy" or not healthy):
        result.done, result.message = True, where
    else:
        waiting = f"waiting for {revision[:7]}" if revision and not at else "waiting for Synced/Healthy"
        result.message = f"{where} ({waiting})" + (f": {health['message']}" if health.get("message") else "")
    return result


def wait_for_application(session: Session, name: str, namespace: str, revision: str | None, *, timeout: float = 300.0,
                         interval: float = 2.0, deployments: tuple[str, ...] = (), healthy: bool = True,
                         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> ApplicationStatus:
    """Poll the Application until it is Synced and Healthy at `revision`, failed, or `timeout` passes.

    Once it is Synced at `revision`, the rollouts of `deployments` (what this heal redeploys) decide
    too: a new pod that crashes fails the wait at once (Argo CD says Degraded only at the progress
    deadline), and when all of them are rolled out the wait is over even if the Application is
    Degraded by a resource this heal does not touch (the message says so)."""
    deadline = clock() + timeout
    while True:
        status = application_status(get_application(session, name, namespace), revision, healthy)
        synced = status.sync == "Synced" and (revision is None or status.revision.startswith(revision))
        if healthy and synced and deployments and not status.done:
            rollouts = [rollout_status(session, d) for d in deployments]
            failed = [r.message for r in rollouts if r.failed]
            if failed:
                status.failed, status.message = True, f"{status.message}; " + "; ".join(failed)
                return status
            if all(r.done for r in rollouts):
                status.failed, status.done = False, True
                status.message += f"; {', '.join(deployments)} rolled out (the {status.health} health comes from other resources)"
                return status
        elif status.done or status.failed:
            return status
        if clock() >= deadline:
            status.failed = True
            status.message = f"timed out after {timeout:g} s: {status.message}"
            return status
        sleep(interval)
