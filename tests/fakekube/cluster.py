"""Cluster state plus the bits of control plane the fake imitates: time, object
creation with server-side fields, events, images and the tick loop."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from . import endpoints as endpoints_ctl
from . import argocd, kubelet, objects, rollout
from .behaviour import Behaviour, Healthy, as_behaviour
from .clock import Clock, iso
from .ids import Ids
from .podstate import qualify_image
from .resources import by_kind
from .store import Store

# kind names images it loads with `ctr import --digests` as import-<date>@sha256:...
_KIND_IMPORT_PREFIX = "docker.io/library/import-"
# The API server's default --event-ttl: events not updated for an hour are gone.
EVENT_TTL = 3600


@dataclass
class PodRuntime:
    """Per-pod bookkeeping that is not part of the API object."""
    behaviour: Behaviour
    step: int = 0
    frozen: bool = False                    # seeded pods keep their state
    pod_ip: str | None = None
    image_ids: dict = field(default_factory=dict)
    state: Any = None                       # the PodState last rendered (holds the logs)
    log_overrides: dict = field(default_factory=dict)   # (container, previous) -> text


class Cluster:
    def __init__(self, *, seed: int = 0, now: _dt.datetime | None = None, tick_seconds: float | None = None,
                 node_name: str = objects.NODE_NAME):
        self.store = Store()
        self.lock = self.store.lock
        self.clock = Clock(now)
        self.ids = Ids(seed)
        # A tick is one controller/kubelet step. On the live clock it does not move time
        # by default (time flows anyway); on a frozen clock it moves 10 s.
        self.tick_seconds = tick_seconds if tick_seconds is not None else (10.0 if self.clock.frozen else 0.0)
        self.node_name = node_name
        self.ticks = 0
        self.runtimes: dict[tuple[str, str], PodRuntime] = {}
        # Per deployment (namespace, name): what new pods do, and what seeded pods did.
        self.behaviours: dict[tuple[str, str], Behaviour] = {}
        self.seed_behaviours: dict[tuple[str, str], Behaviour] = {}
        self._image_ids: dict[str, str] = {}
        self._event_index: dict[tuple, tuple[str, str]] = {}
        self._bootstrap()

    # ---- objects ---------------------------------------------------------------------

    def _bootstrap(self) -> None:
        created = self.clock.ago(86400)
        node = objects.node(self.node_name, self.ids.uid(), created, self.ids.uid(), self.ids.hex(32))
        self.store.put("nodes", node)
        for name in ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage"):
            self.ensure_namespace(name, created)

    def ensure_namespace(self, name: str, created: _dt.datetime | None = None) -> dict:
        with self.lock:
            existing = self.store.get("namespaces", None, name)
            if existing is not None:
                return existing
            created = created or self.clock.ago(3600)
            self.store.put("namespaces", objects.namespace(name, self.ids.uid(), created))
            root_ca = objects.configmap("kube-root-ca.crt", name, self.ids.uid(), created, {
                "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIfakefakefake\n"
                          "-----END CERTIFICATE-----\n"})
            root_ca["metadata"]["annotations"] = {
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify the "
                                             "kube-apiserver when using internal endpoints such as the "
                                             "internal service IP or kubernetes.default.svc. No other "
                                             "usage is guaranteed across distributions of Kubernetes clusters."}
            self.store.put("configmaps", root_ca)
            return self.store.get("namespaces", None, name)

    def complete_metadata(self, obj: dict, namespace: str | None = None) -> dict:
        """Fill what the API server sets on create: uid, creationTimestamp, generation."""
        meta = obj.setdefault("metadata", {})
        resource = by_kind(obj["kind"])
        if resource.namespaced:
            meta["namespace"] = meta.get("namespace") or namespace or "default"
        else:
            meta.pop("namespace", None)
        meta.setdefault("uid", self.ids.uid())
        meta.setdefault("creationTimestamp", iso(self.clock.now()))
        meta.setdefault("resourceVersion", "0")
        if obj["kind"] in ("Deployment", "ReplicaSet"):
            meta.setdefault("generation", 1)
        if obj["kind"] == "Deployment":
            obj["spec"] = objects.default_deployment_spec(obj.get("spec", {}))
            obj.setdefault("status", {})
        if obj["kind"] == "Pod":
            obj["spec"] = objects.default_pod_spec(obj.get("spec", {}))
            obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
        return obj

    def add(self, obj: dict, namespace: str | None = None) -> dict:
        """Store an object as-is after completing server-set metadata."""
        with self.lock:
            obj = self.complete_metadata(obj, namespace)
            if obj["metadata"].get("namespace"):
                self.ensure_namespace(obj["metadata"]["namespace"])
            return self.store.put(by_kind(obj["kind"]).plural, obj)

    # ---- pods --------------------------------------------------------------------------

    def spawn_pod(self, rs: dict, behaviour: Behaviour, *, step: int = 0, frozen: bool = False,
                  created: _dt.datetime | None = None, pod_ip: str | None = None,
                  name: str | None = None, owned: bool = True) -> dict:
        """Create a pod for a ReplicaSet and render it at `step` of `behaviour`
        (`owned=False`: a bare pod built from the holder's template)."""
        with self.lock:
            rs_name = rs["metadata"]["name"]
            created = created or self.clock.now()
            name = name or f"{rs_name}-{self.ids.suffix()}"
            pod = objects.pod(rs, name, self.ids.uid(), created, self.node_name, self.ids.suffix(), owned)
            runtime = PodRuntime(behaviour, step, frozen)
            ctx = kubelet.context(self, pod, runtime)
            state = kubelet.initial_state(behaviour, step, ctx, frozen)
            if state.scheduled:
                runtime.pod_ip = self.ids.reserve_ip(pod_ip) if pod_ip else self.ids.pod_ip()
            else:
                pod["spec"].pop("nodeName", None)
            self.runtimes[(pod["metadata"]["namespace"], name)] = runtime
            kubelet.render(self, pod, state, runtime, seeded=frozen)
            return self.store.put("pods", pod)

    def adopt_pod(self, pod: dict, behaviour: Behaviour | None = None) -> dict:
        """A pod created through the API: give it a kubelet and render its first step."""
        with self.lock:
            meta = pod["metadata"]
            runtime = PodRuntime(behaviour or Healthy())
            runtime.pod_ip = self.ids.pod_ip()
            pod["spec"].setdefault("nodeName", self.node_name)
            self.runtimes[(meta["namespace"], meta["name"])] = runtime
            kubelet.render(self, pod, runtime.behaviour.at(0, kubelet.context(self, pod, runtime)), runtime)
            return pod

    def runtime(self, pod: dict) -> PodRuntime | None:
        return self.runtimes.get((pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def image_id(self, image: str) -> str:
        """What containerd reports as imageID; stable until the image is reloaded."""
        if image not in self._image_ids:
            self._image_ids[image] = self._new_image_id(image)
        return self._image_ids[image]

    def _new_image_id(self, image: str) -> str:
        digest = self.ids.digest(image, str(len(self._image_ids)))
        repo = image.split("@")[0]
        if ":" in repo.rsplit("/", 1)[-1]:
            repo = repo.rsplit(":", 1)[0]
        if image.endswith(":local") or repo.startswith("tiketi-"):
            # Locally built images reach kind through `kind load`, which has no repo digest.
            return f"{_KIND_IMPORT_PREFIX}{self.clock.now():%Y-%m-%d}@{digest}"
        return qualify_image(repo).rsplit(":", 1)[0] + "@" + digest

    def load_image(self, image: str) -> str:
        """Model `kind load docker-image`: pods created afterwards report a new imageID."""
        with self.lock:
            self._image_ids[image] = self._new_image_id(image)
            return self._image_ids[image]

    # ---- behaviours ----------------------------------------------------------------------

    def behaviour_for(self, namespace: str, deployment: str) -> Behaviour:
        key = (namespace, deployment)
        return self.behaviours.get(key) or self.seed_behaviours.get(key) or Healthy()

    def set_behaviour(self, namespace: str, deployment: str, spec) -> Behaviour:
        """'same' restores what the seeded pods did; anything else goes through as_behaviour."""
        with self.lock:
            key = (namespace, deployment)
            if spec == "same":
                self.behaviours.pop(key, None)
                return self.behaviour_for(namespace, deployment)
            self.behaviours[key] = as_behaviour(spec)
            return self.behaviours[key]

    # ---- events ----------------------------------------------------------------------------

    def record_event(self, involved: dict, event: dict, *, first: _dt.datetime | None = None,
                     increment: bool = False) -> dict | None:
        """Create or update an aggregated event (same object, reason, message → one event
        with a count). `count` is absolute unless `increment` is set. Seeded events whose
        last occurrence is older than the event TTL are not kept, as on a real server."""
        with self.lock:
            meta = involved["metadata"]
            key = (meta["uid"], event["reason"], event["message"], event.get("fieldPath"))
            now = self.clock.now()
            if key in self._event_index:
                ns, name = self._event_index[key]
                existing = self.store.get("events", ns, name)
                if existing is not None:
                    count = existing["count"] + 1 if increment else event.get("count", 1)
                    if count > existing["count"]:
                        existing["count"] = count
                        existing["lastTimestamp"] = iso(now)
                        self.store.put("events", existing)
                    return existing
            count = event.get("count", 1)
            first = first or now
            last = now if count > 1 else first
            if (now - last).total_seconds() > EVENT_TTL:
                return None
            namespace = meta.get("namespace") or "default"
            name = f'{meta["name"]}.{self.ids.hex(16)}'
            host = self.node_name if event.get("component", "kubelet") == "kubelet" else None
            obj = objects.event(name, namespace, self.ids.uid(), involved, event["type"], event["reason"],
                                event["message"], count, first, last,
                                event.get("component", "kubelet"), host, event.get("fieldPath"))
            self._event_index[key] = (namespace, name)
            return self.store.put("events", obj)

    # ---- time --------------------------------------------------------------------------------

    def tick(self, n: int = 1, seconds: float | None = None) -> None:
        """Advance fake time and let kubelet and the controllers take one step each."""
        for _ in range(n):
            with self.lock:
                self.clock.advance(self.tick_seconds if seconds is None else seconds)
                self.ticks += 1
                kubelet.reap(self)
                kubelet.advance(self)
                argocd.reconcile_all(self)
                rollout.reconcile_all(self)
                endpoints_ctl.sync_all(self)

    def refresh(self) -> None:
        """Recompute derived state (RS/deployment status, endpoints) without moving time."""
        with self.lock:
            rollout.update_statuses(self, seeding=True)
            endpoints_ctl.sync_all(self)
