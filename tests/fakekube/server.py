"""FakeKube: the fake API server as tests use it. It owns the listening thread,
records every request, applies injected faults and hands the rest to the Api;
its methods seed state, move time, inject faults and count calls."""

from __future__ import annotations

import threading
from pathlib import Path

from . import errors, routing, transport
from .api import Api, json_response
from .cluster import Cluster
from .faults import Fault, FaultSet
from .jsonutil import clone
from .kubeconfig import write_kubeconfig
from .requestlog import RequestLog, RequestRecord
from .resources import RESOURCES
from .scenario import Scenario
from .selectors import labels_match, parse_label_selector

_PLURALS = {r.plural: r for r in RESOURCES}
_KIND_ALIASES = {alias: r.plural for r in RESOURCES for alias in (r.kind.lower(), r.singular, *r.short_names)}


def _plural(resource: str) -> str:
    name = resource.split(".")[0].lower()
    return _KIND_ALIASES.get(name, name)


class FakeKube:
    """A stateful fake Kubernetes API server on 127.0.0.1.

        with FakeKube("broken") as kube:
            kube.write_kubeconfig(tmp_path / "config")
            ...
    """

    def __init__(self, scenario: str | Path | Scenario | dict | None = None, *, seed: int = 0, now=None,
                 tick_seconds: float | None = None, host: str = "127.0.0.1", port: int = 0,
                 auto_tick_reads: int | None = None, auto_tick_seconds: float | None = None,
                 kind_cluster: str = "tiketi-local"):
        # The kind cluster it plays: its node is <kind_cluster>-control-plane, as kind names it.
        self.cluster = Cluster(seed=seed, now=now, tick_seconds=tick_seconds, node_name=f"{kind_cluster}-control-plane")
        self.namespace = "tiketi"
        self.faults = FaultSet()
        self.log = RequestLog()
        self.host, self._requested_port = host, port
        self._stopping = threading.Event()
        self._api = Api(self.cluster, self._stopping)
        self._server: transport.HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._hung = threading.Event()
        self._auto_reads: int | None = None
        self._reads = 0
        self._reads_lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()
        self._pending_auto_seconds = auto_tick_seconds
        if scenario is not None:
            self.load(scenario)
        else:
            self.cluster.ensure_namespace(self.namespace)
        if auto_tick_reads:
            self.auto_tick(reads=auto_tick_reads)

    # ---- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "FakeKube":
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = transport.HTTPServer((self.host, self._requested_port), self._serve)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"fakekube:{self.port}", daemon=True)
        self._thread.start()
        if self._pending_auto_seconds:
            self.auto_tick(seconds=self._pending_auto_seconds)
        return self

    def stop(self) -> None:
        """Stop listening, release hung requests, end watches, close every connection."""
        self._stopping.set()
        self._stop_ticker()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "FakeKube":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeKube is not running; call start() first")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    # ---- seeding and state ------------------------------------------------------------------------

    def load(self, scenario: str | Path | Scenario | dict) -> Scenario:
        """Seed state from a scenario name ('broken'), a YAML path, a dict or a Scenario."""
        if isinstance(scenario, dict):
            scenario = Scenario.from_dict(scenario)
        elif not isinstance(scenario, Scenario):
            scenario = Scenario.load(scenario)
        self.namespace = scenario.namespace
        scenario.apply(self.cluster)
        return scenario

    def add(self, obj: dict, namespace: str | None = None) -> dict:
        """Store a raw API object (server fields are filled in)."""
        with self.cluster.lock:
            return clone(self.cluster.add(clone(obj), namespace or self.namespace))

    def get(self, resource: str, name: str, namespace: str | None = None) -> dict | None:
        plural = _plural(resource)
        ns = None if not _PLURALS[plural].namespaced else (namespace or self.namespace)
        with self.cluster.lock:
            obj = self.cluster.store.get(plural, ns, name)
            return clone(obj) if obj is not None else None

    def list(self, resource: str, namespace: str | None = None, label_selector: str | None = None) -> list[dict]:
        plural = _plural(resource)
        ns = None if not _PLURALS[plural].namespaced else (namespace or self.namespace)
        reqs = parse_label_selector(label_selector)
        with self.cluster.lock:
            return [clone(o) for o in self.cluster.store.items(plural, ns)
                    if labels_match(reqs, o["metadata"].get("labels"))]

    def pods(self, app: str | None = None, namespace: str | None = None, include_terminating: bool = True):
        pods = self.list("pods", namespace, f"app={app}" if app else None)
        return [p for p in pods if include_terminating or not p["metadata"].get("deletionTimestamp")]

    def set_behaviour(self, deployment: str, behaviour, namespace: str | None = None):
        """What pods created from now on for this deployment do: 'healthy', 'same',
        {'crashloop': {'log': ...}}, a Behaviour, or a callable (step, ctx) -> PodState."""
        return self.cluster.set_behaviour(namespace or self.namespace, deployment, behaviour)

    def set_log(self, pod: str, text: str, *, container: str | None = None, previous: bool = False,
                namespace: str | None = None) -> None:
        with self.cluster.lock:
            obj = self.cluster.store.get("pods", namespace or self.namespace, pod)
            if obj is None:
                raise KeyError(pod)
            runtime = self.cluster.runtime(obj)
            name = container or obj["spec"]["containers"][0]["name"]
            runtime.log_overrides[(name, previous)] = text

    def argo_application(self, name: str, repo_url: str, path: str, *, deployments: list[str] = (),
                         namespace: str = "argocd", target_revision: str = "HEAD", by: str = "annotation") -> dict:
        """Play Argo CD: an Application syncing `path` of the Git repository `repo_url` (a local path),
        tracking `deployments` the way Argo CD marks what it applied (`by`: the tracking-id
        annotation, or the instance label). See argocd.py for what each tick then does."""
        from . import argocd

        with self.cluster.lock:
            self.cluster.ensure_namespace(namespace)
            for deployment in deployments:
                obj = self.cluster.store.get("deployments", self.namespace, deployment)
                meta = obj["metadata"]
                if by == "label":
                    meta.setdefault("labels", {})[argocd.INSTANCE_LABEL] = name
                    meta.setdefault("annotations", {})["argocd.argoproj.io/sync-options"] = "ServerSideApply=false"
                else:
                    meta.setdefault("annotations", {})[argocd.TRACKING_ID] = f"{name}:apps/Deployment:{self.namespace}/{deployment}"
                self.cluster.store.put("deployments", obj)
            app = argocd.application(name, repo_url, path, namespace=namespace, target_revision=target_revision,
                                     destination_namespace=self.namespace)
            return clone(self.cluster.add(app, namespace))

    def load_image(self, image: str) -> str:
        """Model `kind load docker-image`: returns the new imageID new pods will report."""
        return self.cluster.load_image(image)

    # ---- time ---------------------------------------------------------------------------------------

    def tick(self, n: int = 1, seconds: float | None = None) -> None:
        self.cluster.tick(n, seconds)

    def rollout_complete(self, deployment: str, namespace: str | None = None) -> bool:
        """kubectl's `rollout status` success test."""
        d = self.get("deployments", deployment, namespace)
        if d is None:
            return False
        st, desired = d.get("status", {}), d["spec"].get("replicas", 1)
        return (st.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
                and st.get("updatedReplicas", 0) == desired and st.get("replicas", 0) == desired
                and st.get("availableReplicas", 0) == desired)

    def settle(self, deployments: list[str] | None = None, max_ticks: int = 30,
               namespace: str | None = None) -> bool:
        """Tick until the deployments' rollouts are complete and no pod is terminating."""
        names = deployments or [d["metadata"]["name"] for d in self.list("deployments", namespace)]
        for _ in range(max_ticks + 1):
            done = all(self.rollout_complete(n, namespace) for n in names)
            terminating = any(p["metadata"].get("deletionTimestamp") for p in self.pods(namespace=namespace))
            if done and not terminating:
                return True
            self.tick()
        return False

    def auto_tick(self, reads: int | None = None, seconds: float | None = None) -> None:
        """Progress without explicit ticks: one tick every `reads` GET requests and/or
        every `seconds` of wall time. auto_tick() with no arguments turns both off."""
        with self._reads_lock:
            self._auto_reads, self._reads = reads, 0
        self._stop_ticker()
        if seconds:
            if not self.running:
                self._pending_auto_seconds = seconds
                return
            self._ticker_stop.clear()
            self._ticker = threading.Thread(target=self._tick_every, args=(seconds,), daemon=True,
                                            name="fakekube-ticker")
            self._ticker.start()

    def _tick_every(self, seconds: float) -> None:
        while not self._ticker_stop.wait(seconds):
            self.cluster.tick()

    def _stop_ticker(self) -> None:
        self._pending_auto_seconds = None
        self._ticker_stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None

    # ---- faults -------------------------------------------------------------------------------------

    def inject(self, status: int | None = None, **rule) -> Fault:
        """Add a fault rule, e.g. inject(403, resource='pods', verb='list'),
        inject(delay=2.0, resource='pods/log'), inject(500, method='PATCH', times=1),
        inject(hang=True, path='/version'). Usable as a context manager."""
        return self.faults.add(Fault(status=status, **rule))

    def forbid(self, verb: str, resource: str, *, namespace: str | None = None,
               user: str = "system:serviceaccount:tiketi:tiketi-doctor") -> Fault:
        """RBAC that does not grant `verb` on `resource` ('pods', 'pods/log', ...) to `user`: every such
        request gets the 403 Status a real API server sends (`pods is forbidden: User "..." cannot list
        resource "pods" in API group "" in the namespace "tiketi"`)."""
        return self.inject(403, verb=verb, resource=resource, namespace=namespace, user=user)

    def clear_faults(self) -> None:
        self.faults.clear()

    def hang(self) -> None:
        """Stop answering entirely: connections are accepted, nothing comes back."""
        self._hung.set()

    def resume(self) -> None:
        self._hung.clear()

    # ---- request log --------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.all()

    def calls(self, method: str | None = None, resource: str | None = None, **filters) -> int:
        """Count requests, e.g. calls('GET', 'pods'), calls(resource='pods/log'),
        calls(verb='list', resource='pods', namespace='tiketi')."""
        return self.log.count(method, _plural(resource) if resource and "/" not in resource else resource,
                              **filters)

    def reset_requests(self) -> None:
        self.log.clear()

    # ---- kubeconfig ----------------------------------------------------------------------------------

    def write_kubeconfig(self, path: str | Path, **options) -> Path:
        """Options: context, namespace, extra_contexts={'prod-eks': None}, current_context."""
        return write_kubeconfig(path, self.url, **options)

    # ---- HTTP serving ---------------------------------------------------------------------------------

    def _serve(self, handler: transport.Handler) -> None:
        """Record the request, maybe tick, apply a matching fault, else ask the Api."""
        request = transport.read_request(handler)
        route = routing.parse(request.path)
        record = self.log.add(
            method=request.method, path=request.path, query=request.query, content_type=request.content_type,
            body=request.body.decode("utf-8", errors="replace"),
            verb=route.verb(request.method, request.query) if route.kind == "resource" else None,
            resource=route.resource.plural if route.resource else None, subresource=route.subresource,
            namespace=route.namespace, name=route.name, token=transport.bearer_token(request))
        if request.method == "GET":
            self._count_read()
        fault = self.faults.match(record)
        while (self._hung.is_set() or (fault and fault.hang and fault.active)) and not self._stopping.is_set():
            self._stopping.wait(0.02)
        if fault and fault.delay:
            self._stopping.wait(fault.delay)
        if self._stopping.is_set() or (fault and fault.drop):
            record.status = 0
            transport.drop(handler)
            return
        if fault and fault.body is not None:
            response = json_response(fault.body, fault.status or 200)
        elif fault and fault.status:
            error = errors.injected(fault.status, fault.message, route.resource, record.verb or "get",
                                    route.namespace, route.name, route.subresource, fault.user)
            response = json_response(error.body(), fault.status)
            if fault.status == 429:
                response.headers["Retry-After"] = "1"
        else:
            response = self._api.handle(request, route)
        if fault and fault.trickle:
            response.trickle = fault.trickle
        record.status = response.status
        transport.send(handler, response)

    def _count_read(self) -> None:
        with self._reads_lock:
            if not self._auto_reads:
                return
            self._reads += 1
            due = self._reads % self._auto_reads == 0
        if due:
            self.cluster.tick()
