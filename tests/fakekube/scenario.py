"""Scenarios: the cluster state a test starts from, built in Python
(`Scenario().deployment(...)`, `.crashlooping(...)`, `.pod(...)`) or loaded from
YAML files in `scenarios/` (which may `extends:` another scenario and override
components by name). `apply(cluster)` seeds objects through the same machinery
the controllers use, so seeded and rolled-out objects look alike."""

from __future__ import annotations

import copy
import datetime as _dt
import functools
import gc
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from . import nodelogs, objects
from .behaviour import CrashLoop, Healthy, as_behaviour, snake_case
from .clock import parse_duration
from .ids import template_hash

SCENARIO_DIR = Path(__file__).parent / "scenarios"


@dataclass
class Component:
    """One workload: a Deployment, its ReplicaSet(s), pods and usually a Service."""
    name: str
    port: int | None = None
    image: str | None = None                 # default tiketi-<name>:local
    image_pull_policy: str | None = None     # default Never for tiketi-*:local images
    replicas: int = 1
    namespace: str | None = None
    labels: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    env_from: list | None = None
    command: list | None = None
    args: list | None = None
    probes: Any = None                       # None: http /health for apps, tcp for others; False: none
    probe_port: int | None = None            # where probes point, if not `port`
    probe_path: str = "/health"
    resources: dict | None = None
    init_containers: list = field(default_factory=list)
    service: Any = True                      # True, False, or {name, type, port, nodePort, clusterIP}
    state: Any = "healthy"                   # behaviour the seeded pods are frozen in
    after_rollout: Any = None                # behaviour of pods made later; None/"same": as `state`
    log: str | None = None                   # a healthy pod's log (default: a startup banner)
    age: Any = "25m"
    pod_ips: list = field(default_factory=list)
    previous_images: list = field(default_factory=list)   # older revisions, oldest first
    events: list = field(default_factory=list)            # extra events on the first pod
    annotations: dict = field(default_factory=dict)
    bare: bool = False                       # a lone pod without Deployment/ReplicaSet

    @classmethod
    def from_dict(cls, name: str, data: dict) -> "Component":
        known = {f.name for f in fields(cls)}
        values = {}
        for key, value in (data or {}).items():
            attr = snake_case(key)
            if attr not in known:
                raise ValueError(f"component {name!r}: unknown field {key!r}")
            values[attr] = value
        return cls(name=name, **values)

    @property
    def is_app(self) -> bool:
        return self.resolved_image.startswith("tiketi-")

    @property
    def resolved_image(self) -> str:
        return self.image or f"tiketi-{self.name}:local"


class Scenario:
    def __init__(self, namespace: str = "tiketi", name: str = "custom", description: str = ""):
        self.namespace = namespace
        self.name = name
        self.description = description
        self.components: dict[tuple[str, str], Component] = {}
        self.app_defaults: dict = {}
        self.config_maps: dict[str, dict] = {}
        self.secrets: dict[str, dict] = {}
        self.raw_objects: list[dict] = []
        self.extra_namespaces: list[str] = []
        self.default_age: Any = "25m"

    # ---- Python builders -----------------------------------------------------------------

    def deployment(self, name: str, **spec) -> "Scenario":
        """Add (or replace) a component; keyword names are Component fields."""
        comp = Component(name=name, **spec)
        comp.namespace = comp.namespace or self.namespace
        self.components[(comp.namespace, name)] = comp
        return self

    def crashlooping(self, name: str, log: str | None = None, restarts: int = 5, exit_code: int = 1,
                     reason: str = "Error", **spec) -> "Scenario":
        log = log if log is not None else nodelogs.module_not_found(
            "express", ["/app/src/server.js"], "/app/src/server.js:1:17")
        return self.deployment(name, state=CrashLoop(log, exit_code, reason, restarts=restarts), **spec)

    def pod(self, name: str, image: str, state: Any = "healthy", **spec) -> "Scenario":
        """A bare pod (no owner), e.g. a debug pod someone started by hand."""
        return self.deployment(name, image=image, state=state, bare=True,
                               service=spec.pop("service", False), **spec)

    def update(self, name: str, namespace: str | None = None, **changes) -> "Scenario":
        comp = self.components[(namespace or self.namespace, name)]
        for key, value in changes.items():
            setattr(comp, key, value)
        return self

    def remove(self, name: str, namespace: str | None = None) -> "Scenario":
        self.components.pop((namespace or self.namespace, name), None)
        return self

    def configmap(self, name: str, data: dict) -> "Scenario":
        self.config_maps[name] = dict(data)
        return self

    def secret(self, name: str, data: dict) -> "Scenario":
        self.secrets[name] = dict(data)
        return self

    def object(self, obj: dict) -> "Scenario":
        self.raw_objects.append(copy.deepcopy(obj))
        return self

    def add_namespace(self, name: str) -> "Scenario":
        self.extra_namespaces.append(name)
        return self

    def component(self, name: str, namespace: str | None = None) -> Component:
        return self.components[(namespace or self.namespace, name)]

    # ---- YAML --------------------------------------------------------------------------------

    @classmethod
    def load(cls, name_or_path: str | Path) -> "Scenario":
        """A scenario by name ('broken') or by path to a YAML file."""
        return cls.from_dict(_load_merged(_resolve(name_or_path)))

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        sc = cls(namespace=data.get("namespace", "tiketi"), name=data.get("name", "custom"),
                 description=data.get("description", ""))
        sc.default_age = data.get("age", "25m")
        sc.app_defaults = {snake_case(k): v for k, v in (data.get("appDefaults") or {}).items()}
        sc.config_maps = dict(data.get("configMaps") or {})
        sc.secrets = dict(data.get("secrets") or {})
        sc.raw_objects = list(data.get("objects") or [])
        sc.extra_namespaces = list(data.get("namespaces") or [])
        for name, spec in (data.get("components") or {}).items():
            spec = dict(spec or {})
            spec.setdefault("age", sc.default_age)
            comp = Component.from_dict(name, spec)
            comp.namespace = comp.namespace or sc.namespace
            sc.components[(comp.namespace, name)] = comp
        return sc

    # ---- seeding -------------------------------------------------------------------------------

    def apply(self, cluster) -> None:
        # Seeding builds many short-lived dicts; the cyclic GC only slows that down.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._apply(cluster)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _apply(self, cluster) -> None:
        with cluster.lock:
            cluster.ensure_namespace(self.namespace, cluster.clock.ago(parse_duration(self.default_age) + 120))
            for extra in self.extra_namespaces:
                cluster.ensure_namespace(extra)
            created = cluster.clock.ago(parse_duration(self.default_age) + 60)
            for name, data in self.config_maps.items():
                cluster.add(objects.configmap(name, self.namespace, cluster.ids.uid(), created, data))
            for name, data in self.secrets.items():
                cluster.add(objects.secret(name, self.namespace, cluster.ids.uid(), created, data))
            for obj in self.raw_objects:
                cluster.add(copy.deepcopy(obj), self.namespace)
            for comp in self.components.values():     # explicit IPs first, so none gets handed out
                for ip in comp.pod_ips:
                    cluster.ids.reserve_ip(ip)
            for comp in self.components.values():
                seed_component(cluster, self._with_defaults(comp))
            cluster.refresh()

    def _with_defaults(self, comp: Component) -> Component:
        comp = copy.deepcopy(comp)
        if comp.is_app:
            explicit = {f.name for f in fields(Component)
                        if getattr(comp, f.name) != getattr(Component(name=comp.name), f.name)}
            for key, value in self.app_defaults.items():
                if key not in explicit:
                    setattr(comp, key, copy.deepcopy(value))
        return comp


def _resolve(name_or_path) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    candidate = SCENARIO_DIR / f"{name_or_path}.yaml"
    if candidate.exists():
        return candidate
    known = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    raise FileNotFoundError(f"no scenario {name_or_path!r}; known: {known}")


@functools.lru_cache(maxsize=64)
def _parse_yaml(path: Path, mtime: float) -> dict:
    import yaml  # only scenario files need YAML; the server itself is stdlib-only

    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _load_merged(path: Path) -> dict:
    # Parsing is the slow part of seeding; tests load the same few files over and over.
    data = copy.deepcopy(_parse_yaml(path.resolve(), path.stat().st_mtime))
    base_name = data.pop("extends", None)
    if not base_name:
        return data
    base = _load_merged(_resolve(base_name))
    merged = {**base, **{k: v for k, v in data.items() if k not in ("components", "configMaps", "secrets",
                                                                       "objects", "appDefaults")}}
    components = copy.deepcopy(base.get("components") or {})
    for name, override in (data.get("components") or {}).items():
        if override is None:
            components.pop(name, None)          # `name: null` removes a component
        else:
            components[name] = {**components.get(name, {}), **override}
    merged["components"] = components
    for key in ("configMaps", "secrets", "appDefaults"):
        merged[key] = {**(base.get(key) or {}), **(data.get(key) or {})}
    merged["objects"] = list(base.get("objects") or []) + list(data.get("objects") or [])
    return merged


# ---- turning a component into objects --------------------------------------------------------

def _probes(comp: Component) -> dict:
    port = comp.probe_port or comp.port
    if comp.probes is False or port is None:
        return {}
    if isinstance(comp.probes, dict):
        return copy.deepcopy(comp.probes)
    kind = comp.probes or ("http" if comp.is_app else "tcp")
    action = {"httpGet": {"path": comp.probe_path, "port": port}} if kind == "http" else {"tcpSocket": {"port": port}}
    return {"livenessProbe": {**action, "initialDelaySeconds": 30, "periodSeconds": 10},
            "readinessProbe": {**copy.deepcopy(action), "initialDelaySeconds": 5, "periodSeconds": 5}}


def _container(comp: Component) -> dict:
    container = {"name": comp.name, "image": comp.resolved_image}
    policy = comp.image_pull_policy or ("Never" if comp.resolved_image.endswith(":local") else None)
    if policy:
        container["imagePullPolicy"] = policy
    if comp.command:
        container["command"] = list(comp.command)
    if comp.args:
        container["args"] = list(comp.args)
    if comp.port:
        container["ports"] = [{"containerPort": comp.port, "name": "http" if comp.is_app else "tcp"}]
    env = dict(comp.env)
    if comp.is_app and comp.port and "PORT" not in env:
        env = {"PORT": str(comp.port), **env}
    if env:
        # A mapping value is a valueFrom source, e.g. {secretKeyRef: {name: s, key: k}}.
        container["env"] = [{"name": k, "valueFrom": copy.deepcopy(v)} if isinstance(v, dict)
                            else {"name": k, "value": str(v)} for k, v in env.items()]
    if comp.env_from:
        container["envFrom"] = copy.deepcopy(comp.env_from)
    if comp.resources:
        container["resources"] = copy.deepcopy(comp.resources)
    container.update(_probes(comp))
    return container


def _template(comp: Component, image: str | None = None) -> dict:
    container = _container(comp)
    if image:
        container["image"] = image
    spec = {"containers": [container]}
    if comp.init_containers:
        spec["initContainers"] = copy.deepcopy(comp.init_containers)
    labels = {"app": comp.name, **comp.labels}
    return objects.default_template({"metadata": {"labels": labels}, "spec": spec})


def _seed_behaviour(comp: Component):
    if comp.state in ("healthy", "running", None):
        return Healthy(comp.log)
    return as_behaviour(comp.state)


def _service(cluster, comp: Component, created) -> None:
    if comp.service is False or comp.port is None:
        return
    spec = comp.service if isinstance(comp.service, dict) else {}
    name = spec.get("name") or (comp.name if comp.name.endswith("-service") else f"{comp.name}-service")
    port = {"name": spec.get("portName", "http" if comp.is_app else "tcp"), "port": spec.get("port", comp.port),
            "targetPort": spec.get("targetPort", comp.port)}
    if spec.get("nodePort"):
        port["nodePort"] = spec["nodePort"]
    cluster_ip = cluster.ids.reserve_cluster_ip(spec["clusterIP"]) if spec.get("clusterIP") \
        else cluster.ids.cluster_ip()
    svc = objects.service(name, comp.namespace, cluster.ids.uid(), created, {"app": comp.name}, [port],
                          cluster_ip, spec.get("type", "ClusterIP"), labels={"app": comp.name})
    cluster.add(svc)


def seed_component(cluster, comp: Component) -> None:
    now = cluster.clock.now()
    created = now - _dt.timedelta(seconds=parse_duration(comp.age))
    seed = _seed_behaviour(comp)
    key = (comp.namespace, comp.name)
    if comp.bare:
        holder = {"metadata": {"name": comp.name, "namespace": comp.namespace},
                  "spec": {"template": _template(comp)}}
        cluster.spawn_pod(holder, seed, frozen=True, created=created, name=comp.name,
                          pod_ip=(comp.pod_ips or [None])[0], owned=False)
        return
    cluster.seed_behaviours[key] = seed
    if comp.after_rollout not in (None, "same"):
        cluster.behaviours[key] = as_behaviour(comp.after_rollout)
    template = _template(comp)
    revisions = len(comp.previous_images) + 1
    deploy = objects.deployment(comp.name, comp.namespace, cluster.ids.uid(), created, template,
                                comp.replicas, labels={"app": comp.name, **comp.labels},
                                annotations={**comp.annotations, objects.REVISION: str(revisions)},
                                selector={"matchLabels": {"app": comp.name}})
    deploy["metadata"]["generation"] = revisions
    deploy["status"] = {"observedGeneration": revisions}
    cluster.add(deploy)
    step = (now - created) / (revisions + 1)
    rs = None
    for number, image in enumerate(comp.previous_images + [None], start=1):
        rs_template = _template(comp, image)
        rs_created = created + step * (number - 1) if number > 1 else created
        current = image is None
        rs = objects.replicaset(deploy, cluster.ids.uid(), rs_created, template_hash(rs_template), number,
                                comp.replicas if current else 0, template=rs_template)
        cluster.add(rs)
        scaled = {"type": "Normal", "reason": "ScalingReplicaSet", "component": "deployment-controller"}
        cluster.record_event(deploy, {**scaled, "message": f'Scaled up replica set {rs["metadata"]["name"]} '
                                                           f'from 0 to {comp.replicas}'}, first=rs_created)
        if not current:
            cluster.record_event(deploy, {**scaled, "message": f'Scaled down replica set '
                                                               f'{rs["metadata"]["name"]} from {comp.replicas} to 0'},
                                 first=rs_created + step)
    rs_created = created + step * (revisions - 1) if revisions > 1 else created
    pods = []
    for index in range(comp.replicas):
        ip = comp.pod_ips[index] if index < len(comp.pod_ips) else None
        pod = cluster.spawn_pod(rs, seed, frozen=True, created=rs_created + _dt.timedelta(seconds=1), pod_ip=ip)
        pods.append(pod)
        cluster.record_event(rs, {"type": "Normal", "reason": "SuccessfulCreate", "component": "replicaset-controller",
                                  "message": f'Created pod: {pod["metadata"]["name"]}'}, first=rs_created)
    for event in comp.events:
        target = deploy if event.get("on") == "deployment" or not pods else pods[0]
        ev = {"type": event.get("type", "Warning"), "reason": event["reason"], "message": event["message"],
              "count": event.get("count", 1), "component": event.get("component", "kubelet"),
              "fieldPath": event.get("fieldPath", f"spec.containers{{{comp.name}}}" if target is not deploy else None)}
        cluster.record_event(target, ev, first=rs_created + _dt.timedelta(seconds=5))
    _service(cluster, comp, created)
