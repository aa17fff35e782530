"""Argo CD, reduced to what a GitOps heal watches: Application objects (argoproj.io/v1alpha1) whose
status the fake's controller keeps the way Argo CD's application controller does.

Each tick, for every Application with auto-sync:
- refresh: the head of `spec.source.targetRevision` in `spec.source.repoURL` (a local Git
  repository: a path or file:// URL) differs from `status.sync.revision` -> `OutOfSync`;
- next tick, sync: the kustomization at `spec.source.path` of that revision is read and its
  `images:` entries (name -> newName/newTag/digest) are set on the containers of the Deployments the
  Application tracks (label `app.kubernetes.io/instance=<app>` or the annotation
  `argocd.argoproj.io/tracking-id: <app>:apps/Deployment:<ns>/<name>`); the deployment controller
  then rolls out -> `Synced` at that revision, health `Progressing`;
- health from the tracked Deployments, as Argo CD's health assessment says it: `Degraded` when one
  exceeded its progress deadline, `Healthy` when every rollout is complete, else `Progressing`.

Not modelled: Helm sources, manual sync operations, hooks, pruning, multiple sources.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import yaml

from .clock import iso
from .jsonutil import clone

if TYPE_CHECKING:
    from .cluster import Cluster

INSTANCE_LABEL = "app.kubernetes.io/instance"
TRACKING_ID = "argocd.argoproj.io/tracking-id"
GIT_TIMEOUT = 20


def application(name: str, repo_url: str, path: str, *, namespace: str = "argocd", target_revision: str = "HEAD",
                destination_namespace: str = "tiketi", auto_sync: bool = True) -> dict:
    """An Application as `argocd app create` writes it (status filled in by the controller)."""
    spec = {
        "project": "default",
        "source": {"repoURL": repo_url, "path": path, "targetRevision": target_revision},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": destination_namespace},
    }
    if auto_sync:
        spec["syncPolicy"] = {"automated": {"prune": False, "selfHeal": True}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec, "status": {}}


def tracks(app_name: str, obj: dict) -> bool:
    meta = obj.get("metadata") or {}
    if (meta.get("labels") or {}).get(INSTANCE_LABEL) == app_name:
        return True
    tracking = (meta.get("annotations") or {}).get(TRACKING_ID, "")
    return tracking.split(":", 1)[0] == app_name


def _git(repo: str, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _repo_path(url: str) -> str:
    return url[len("file://"):] if url.startswith("file://") else url


def _images(repo: str, revision: str, path: str) -> dict[str, dict] | None:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        text = _git(repo, "show", f"{revision}:{path.strip('/')}/{name}")
        if text is not None:
            data = yaml.safe_load(text) or {}
            return {str(i["name"]): i for i in data.get("images") or [] if isinstance(i, dict) and i.get("name")}
    return None


def _rewrite(image: str, entries: dict[str, dict]) -> str:
    name = image.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        name = name[:colon]
    entry = entries.get(name)
    if entry is None:
        return image
    new = entry.get("newName") or name
    if entry.get("digest"):
        return f"{new}@{entry['digest']}"
    if entry.get("newTag") is not None:
        return f"{new}:{entry['newTag']}"
    return new + image[len(name):]


def _sync(cluster: "Cluster", app: dict, repo: str, revision: str) -> str | None:
    """Apply the revision's image rewrites to the tracked Deployments; None, or why the sync failed."""
    source, destination = app["spec"]["source"], app["spec"].get("destination") or {}
    entries = _images(repo, revision, source.get("path", "."))
    if entries is None:
        return f"{source.get('path')}: app path does not contain a kustomization at {revision[:7]}"
    # What the base manifests say, before any overlay: the image each container had when Argo CD first
    # synced it. Each sync renders the overlay's images: over it, as kustomize build does.
    bases = cluster.__dict__.setdefault("argo_base_images", {})
    for deploy in cluster.store.items("deployments", destination.get("namespace")):
        if not tracks(app["metadata"]["name"], deploy):
            continue
        changed = False
        for container in deploy["spec"]["template"]["spec"].get("containers") or []:
            key = (deploy["metadata"]["namespace"], deploy["metadata"]["name"], container.get("name"))
            image = _rewrite(bases.setdefault(key, container.get("image", "")), entries)
            if image != container.get("image"):
                container["image"], changed = image, True
        if changed:
            deploy["metadata"]["generation"] = deploy["metadata"].get("generation", 1) + 1
            cluster.store.put("deployments", deploy)
    return None


def _health(cluster: "Cluster", app: dict) -> tuple[str, str]:
    namespace = (app["spec"].get("destination") or {}).get("namespace")
    tracked = [d for d in cluster.store.items("deployments", namespace) if tracks(app["metadata"]["name"], d)]
    if not tracked:
        return "Missing", "no tracked resources"
    progressing = []
    for deploy in tracked:
        status = deploy.get("status") or {}
        condition = next((c for c in status.get("conditions") or [] if c.get("type") == "Progressing"), {})
        name = deploy["metadata"]["name"]
        if condition.get("reason") == "ProgressDeadlineExceeded":
            return "Degraded", f'Deployment "{name}" exceeded its progress deadline'
        desired = deploy["spec"].get("replicas", 1)
        done = (status.get("observedGeneration", 0) >= deploy["metadata"].get("generation", 1)
                and status.get("updatedReplicas", 0) == desired and status.get("availableReplicas", 0) == desired
                and status.get("replicas", 0) == desired)
        if not done:
            progressing.append(name)
    if progressing:
        return "Progressing", f'Waiting for rollout to finish: {", ".join(progressing)}'
    return "Healthy", ""


def reconcile_all(cluster: "Cluster") -> None:
    for app in list(cluster.store.items("applications")):
        reconcile(cluster, app)


def reconcile(cluster: "Cluster", app: dict) -> None:
    spec, before = app.get("spec") or {}, clone(app.get("status") or {})
    status = app.setdefault("status", {})
    source = spec.get("source") or {}
    repo = _repo_path(source.get("repoURL", ""))
    head = _git(repo, "rev-parse", f"{source.get('targetRevision') or 'HEAD'}^{{commit}}")
    now = iso(cluster.clock.now())
    sync = status.setdefault("sync", {"status": "Unknown"})
    sync["comparedTo"] = {"source": dict(source), "destination": dict(spec.get("destination") or {})}
    if head is None:
        sync["status"] = "Unknown"
        status["conditions"] = [{"type": "ComparisonError", "message": f"Failed to load target state: cannot read {source.get('targetRevision')} of {source.get('repoURL')}",
                                 "lastTransitionTime": now}]
    else:
        head = head.strip()
        status.pop("conditions", None)
        if sync.get("revision") != head and sync.get("status") != "OutOfSync":
            sync["status"] = "OutOfSync"  # the refresh sees the new commit; the sync comes next tick
        elif sync.get("revision") != head and (spec.get("syncPolicy") or {}).get("automated") is not None:
            problem = _sync(cluster, app, repo, head)
            operation = {"operation": {"sync": {"revision": head}}, "startedAt": now, "finishedAt": now,
                         "syncResult": {"revision": head, "source": dict(source)}}
            if problem:
                operation.update(phase="Failed", message=problem)
            else:
                operation.update(phase="Succeeded", message="successfully synced (all tasks run)")
                sync.update(status="Synced", revision=head)
                status.setdefault("history", []).append({"id": len(status.get("history", [])), "revision": head, "deployedAt": now,
                                                         "source": dict(source)})
            status["operationState"] = operation
    health, message = _health(cluster, app)
    status["health"] = {"status": health, **({"message": message} if message else {})}
    if status != before:
        status["reconciledAt"] = now
        cluster.store.put("applications", app)
