"""Cluster access like kubectl: kubeconfig + context + namespace → a Session of raw JSON calls.

Every failure becomes one `ClusterError` with a `kind` (no-config | unreachable | forbidden |
timeout | server-error) and a one-line human `reason`, so callers can skip the live part cleanly.
Responses are read as raw JSON (`_preload_content=False`): turning thousands of pods into client
model objects costs seconds, the dicts cost milliseconds.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from typing import Any

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.i18n import Msg

NO_CONFIG, UNREACHABLE, FORBIDDEN, TIMEOUT, SERVER_ERROR = "no-config", "unreachable", "forbidden", "timeout", "server-error"
KINDS = (NO_CONFIG, UNREACHABLE, FORBIDDEN, TIMEOUT, SERVER_ERROR)
DEFAULT_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
# All API calls of one session together: a server that answers one byte a second passes every
# per-read timeout, so the whole live phase also has one deadline.
DEFAULT_DEADLINE = 60.0
# `--context in-cluster`: the pod's service account (the CronJob in manifests/cronjob.yaml).
IN_CLUSTER = "in-cluster"

# resource -> (api attribute, namespaced list method, read method)
# The API group of each resource the session reads ("" is the core group): RBAC names it.
API_GROUPS = {"pods": "", "pods/log": "", "events": "", "services": "", "configmaps": "", "secrets": "",
              "nodes": "", "deployments": "apps", "replicasets": "apps", "horizontalpodautoscalers": "autoscaling",
              "applications": "argoproj.io"}
# Argo CD's Applications live in Argo CD's own namespace (its default install), not in the app's.
ARGOCD_NAMESPACE = "argocd"
# custom resource -> (group, version, the namespace it is listed in); a cluster without the CRD has none
_CUSTOM_LISTS = {"applications": ("argoproj.io", "v1alpha1", ARGOCD_NAMESPACE)}
_LISTS = {
    "pods": ("core", "list_namespaced_pod"),
    "events": ("core", "list_namespaced_event"),
    "services": ("core", "list_namespaced_service"),
    "deployments": ("apps", "list_namespaced_deployment"),
    "replicasets": ("apps", "list_namespaced_replica_set"),
    "horizontalpodautoscalers": ("autoscaling", "list_namespaced_horizontal_pod_autoscaler"),
}
# Lists a cluster may not serve (an API version it predates): empty rather than an error.
_OPTIONAL = frozenset({"horizontalpodautoscalers", "applications"})
_READS = {
    "pods": ("core", "read_namespaced_pod"),
    "deployments": ("apps", "read_namespaced_deployment"),
    "services": ("core", "read_namespaced_service"),
    "configmaps": ("core", "read_namespaced_config_map"),
    "secrets": ("core", "read_namespaced_secret"),
}
_PATCHES = {
    "deployments": ("apps", "patch_namespaced_deployment"),
    "services": ("core", "patch_namespaced_service"),
    "configmaps": ("core", "patch_namespaced_config_map"),
    "secrets": ("core", "patch_namespaced_secret"),
}
_CREATES = {
    "deployments": ("apps", "create_namespaced_deployment"),
    "services": ("core", "create_namespaced_service"),
    "configmaps": ("core", "create_namespaced_config_map"),
    "secrets": ("core", "create_namespaced_secret"),
}


RBAC_MANIFEST = "manifests/rbac.yaml"  # the read-only ClusterRole the doctor ships


@dataclass(frozen=True)
class Permission:
    """One RBAC permission: a verb on a resource of an API group, in a namespace."""

    verb: str
    resource: str  # plural, with its subresource: "pods", "pods/log"
    group: str = ""
    namespace: str | None = None

    def denied(self) -> str:
        """"cannot list pods in namespace tiketi: RBAC forbids 'list' on 'pods'; grant it with ..."."""
        where = Msg(" in namespace {namespace}", namespace=self.namespace) if self.namespace else ""
        group = Msg(" (API group {group})", group=repr(self.group)) if self.group else ""
        return Msg("cannot {verb} {resource}{where}: RBAC forbids {verb_q} on {resource_q}{group}; "
                   "grant it with the ClusterRole in {manifest}", verb=self.verb, resource=self.resource, where=where,
                   verb_q=repr(self.verb), resource_q=repr(self.resource), group=group, manifest=RBAC_MANIFEST)


class ClusterError(Exception):
    """The cluster could not be used; `reason` is one line a person can act on.

    A 403 on a call whose permission is known carries it in `permission`."""

    def __init__(self, kind: str, reason: str, *, status: int | None = None, permission: Permission | None = None):
        assert kind in KINDS, kind
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.status = status
        self.permission = permission

    def __str__(self) -> str:
        return self.reason


def is_kind_context(name: str | None) -> bool:
    """kind names its contexts kind-<cluster>. A name alone proves nothing (anyone can name a
    context kind-prod): before anything changes, `Session.kind_refusal` checks what the cluster is."""
    return bool(name) and name.startswith("kind-") and len(name) > len("kind-")


def _loopback(server: str) -> bool:
    """Whether an API server URL points at this machine, as kind publishes its control plane."""
    import ipaddress
    from urllib.parse import urlsplit

    host = (urlsplit(server).hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# kind sets each node's providerID to kind://<provider>/<cluster>/<node> (docker or podman).
_KIND_PROVIDER_ID = re.compile(r"^kind://[^/]+/(?P<cluster>[^/]+)/(?P<node>[^/]+)$")
_KIND_NODE_NAME = re.compile(r"^(?P<cluster>.+)-(?:control-plane|worker)\d*$")


def kind_node_refusal(cluster: str, nodes: list[dict]) -> str | None:
    """None when every node is a node of kind cluster `cluster`, else why not."""
    if not nodes:
        return "the cluster lists no nodes"
    for node in nodes:
        if not isinstance(node, dict):
            return "the API server answered the node list with something that is not a node"
        name = str((node.get("metadata") or {}).get("name") or "?")
        provider = str((node.get("spec") or {}).get("providerID") or "")
        match = _KIND_PROVIDER_ID.match(provider)
        if match is None and not provider:
            match = _KIND_NODE_NAME.match(name)  # kind releases before providerIDs: node names say it
        if match is None:
            return f"node {name} is not a kind node (providerID {provider or 'unset'})"
        if match.group("cluster") != cluster:
            return f"node {name} belongs to kind cluster {match.group('cluster')!r}, not {cluster!r}"
    return None


def default_kubeconfig() -> str:
    """What kubectl reads: $KUBECONFIG (possibly several paths), else ~/.kube/config."""
    return os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")


@dataclass(frozen=True)
class ClusterTarget:
    """Which cluster and namespace to talk to; None means the default (see `resolve`)."""

    context: str
    namespace: str
    kubeconfig: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    deadline: float | None = None  # seconds for every call of a session together (the live phase sets it)

    @property
    def request_timeout(self) -> tuple[float, float]:
        # A (connect, read) tuple: this client version ignores a plain float.
        return (min(CONNECT_TIMEOUT, self.timeout), self.timeout)


@dataclass
class Session:
    """An open connection to one context and namespace. Read calls return plain dicts."""

    target: ClusterTarget
    server: str
    _api_client: Any
    core: Any
    apps: Any
    custom: Any = None  # CustomObjectsApi: Argo CD Applications
    autoscaling: Any = None  # AutoscalingV2Api
    calls: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _started: float = field(default_factory=time.monotonic, repr=False)
    _kind_refusal: tuple[str | None] | None = field(default=None, repr=False)

    @property
    def context(self) -> str:
        return self.target.context

    @property
    def namespace(self) -> str:
        return self.target.namespace

    @property
    def is_kind(self) -> bool:
        """Whether this is verifiably a local kind cluster (see `kind_refusal`)."""
        return self.kind_refusal() is None

    def kind_refusal(self) -> str | None:
        """None when the cluster really is the kind cluster its context names, else the reason.

        kind names its context kind-<cluster>, publishes the API server on a loopback address and
        sets every node's providerID to kind://<provider>/<cluster>/<node>. All three must hold:
        a context merely named kind-* that points elsewhere is refused. One call (list nodes),
        made once per session."""
        if self._kind_refusal is None:
            self._kind_refusal = (self._kind_reason(),)
        return self._kind_refusal[0]

    def _kind_reason(self) -> str | None:
        if not is_kind_context(self.context):
            return f"context {self.context!r} is not a kind context (kind-<cluster>)"
        if not _loopback(self.server):
            return f"context {self.context!r} points at {self.server}, not at a kind node on this machine (loopback)"
        self._count("list nodes")
        try:
            body = self._raw(self.core.list_node)
        except ClusterError as exc:
            return f"cannot tell whether context {self.context!r} is a kind cluster: {exc.reason}"
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return "the API server answered the node list with something that is not a list"
        reason = kind_node_refusal(self.context[len("kind-"):], items)
        return f"context {self.context!r}: {reason}" if reason else None

    def _count(self, key: str) -> None:
        with self._lock:
            self.calls[key] += 1

    def list(self, resource: str, **query) -> list[dict]:
        """Every object of a namespaced resource in one call (no paging: the call count stays constant)."""
        self._count(f"list {resource}")
        try:
            if resource in _CUSTOM_LISTS:
                group, version, namespace = _CUSTOM_LISTS[resource]
                with self._needs("list", resource, namespace):
                    body = self._raw(self.custom.list_namespaced_custom_object, group, version, namespace, resource, **query)
            else:
                api, method = _LISTS[resource]
                with self._needs("list", resource):
                    body = self._raw(getattr(getattr(self, api), method), self.namespace, **query)
        except ClusterError as exc:
            if exc.status == 404 and resource in _OPTIONAL:
                return []  # the API server does not serve the kind: no such add-on or API version
            raise
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            if isinstance(body, dict) and items is None and body.get("kind", "").endswith("List"):
                return []  # an empty list may come without items
            raise ClusterError(SERVER_ERROR, f"unexpected answer from {self.server}: the {resource} list is not a list of objects")
        return items

    def get(self, resource: str, name: str) -> dict:
        api, method = _READS[resource]
        self._count(f"get {resource}")
        return self._raw(getattr(getattr(self, api), method), name, self.namespace)

    def log(self, pod: str, container: str, *, previous: bool = False, tail: int = 50) -> str:
        self._count("get pods/log")
        with self._needs("get", "pods/log"):
            response = self._call(
                self.core.read_namespaced_pod_log, pod, self.namespace,
                container=container, previous=previous, tail_lines=tail, _preload_content=False,
            )
            return self._body(response).decode("utf-8", errors="replace")

    @contextmanager
    def _needs(self, verb: str, resource: str, namespace: str | None = None):
        """A 403 of the calls inside becomes a ClusterError naming the missing permission."""
        try:
            yield
        except ClusterError as exc:
            if exc.status != 403:
                raise
            permission = Permission(verb, resource, API_GROUPS.get(resource, ""), namespace or self.namespace)
            # the server's own words name the user it refused
            raise ClusterError(FORBIDDEN, Msg("{denied} — {reason}", denied=permission.denied(), reason=exc.reason),
                               status=403, permission=permission) from exc

    def patch(self, resource: str, name: str, body: Any) -> dict:
        """Strategic merge for a dict body, JSON patch for a list (the client picks the content type)."""
        api, method = _PATCHES[resource]
        self._count(f"patch {resource}")
        return self._raw(getattr(getattr(self, api), method), name, self.namespace, body)

    def create(self, resource: str, body: dict) -> dict:
        api, method = _CREATES[resource]
        self._count(f"create {resource}")
        return self._raw(getattr(getattr(self, api), method), self.namespace, body)

    def _raw(self, fn, *args, **kwargs) -> dict:
        response = self._call(fn, *args, _preload_content=False, **kwargs)
        try:
            return json.loads(self._body(response))
        except ValueError:
            raise ClusterError(SERVER_ERROR, f"the API server at {self.server} answered with something that is not JSON") from None

    def _remaining(self) -> float:
        if self.target.deadline is None:
            return float("inf")
        remaining = self.target.deadline - (time.monotonic() - self._started)
        if remaining <= 0:
            raise ClusterError(TIMEOUT, f"the live phase used up its deadline of {self.target.deadline:g} s ({self.server}, context {self.context})")
        return remaining

    def _call(self, fn, *args, **kwargs):
        connect, read = self.target.request_timeout
        remaining = self._remaining()
        try:
            return fn(*args, _request_timeout=(min(connect, remaining), min(read, remaining)), **kwargs)
        except Exception as exc:  # every client failure becomes one ClusterError
            raise translate(exc, self) from exc

    def _body(self, response) -> bytes:
        """The whole body, read a piece at a time so the session's deadline holds against a
        server that drips its answer (each read waits at most the read timeout)."""
        chunks = []
        try:
            while True:
                self._remaining()
                chunk = response.read1(65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        except ClusterError:
            response.close()
            raise
        except Exception as exc:
            raise translate(exc, self) from exc

    def close(self) -> None:
        try:
            self._api_client.close()
        except Exception:  # closing a pool that never connected must not hide the real result
            pass

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(target: ClusterTarget) -> Session:
    """Load the kubeconfig for `target.context` (never the global client default) and open a session.

    Nothing is sent yet: the first call tells whether the cluster answers.
    """
    from kubernetes import client
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import list_kube_config_contexts, load_kube_config

    if target.context == IN_CLUSTER:
        return _connect_in_cluster(target)
    kubeconfig = target.kubeconfig or default_kubeconfig()
    paths = [p for p in kubeconfig.split(os.pathsep) if p]
    if not any(Path(p).expanduser().is_file() for p in paths):
        raise ClusterError(NO_CONFIG, f"no kubeconfig at {kubeconfig} (create the cluster with `kind create cluster` or pass --kubeconfig)")
    # A kubeconfig that is not YAML, or YAML of the wrong shape, is the user's file to mend: the
    # client raises whatever its parsing met (YAMLError, ConfigException, TypeError, KeyError...).
    import yaml

    unusable = (ConfigException, OSError, ValueError, TypeError, AttributeError, KeyError, yaml.YAMLError)
    try:
        contexts, _ = list_kube_config_contexts(config_file=kubeconfig)
        names = [c.get("name") for c in contexts or []]
    except unusable as exc:
        raise ClusterError(NO_CONFIG, f"cannot read the kubeconfig {kubeconfig}: {_first_line(exc)}") from None
    if target.context not in names:
        known = ", ".join(n for n in names if n) or "none"
        raise ClusterError(NO_CONFIG, f"context {target.context!r} is not in {kubeconfig} (contexts: {known}); pass --context")
    configuration = client.Configuration()
    try:
        load_kube_config(config_file=kubeconfig, context=target.context, client_configuration=configuration, persist_config=False)
    except unusable as exc:
        raise ClusterError(NO_CONFIG, f"context {target.context!r} in {kubeconfig} cannot be used: {_first_line(exc)}") from None
    configuration.retries = 0  # a dead server must fail in one timeout, not four
    api_client = client.ApiClient(configuration)
    return Session(target, configuration.host, api_client, client.CoreV1Api(api_client), client.AppsV1Api(api_client),
                   client.CustomObjectsApi(api_client), client.AutoscalingV2Api(api_client))


def _connect_in_cluster(target: ClusterTarget) -> Session:
    """Inside a pod: the service account's token and CA, and the API server Kubernetes names in the environment."""
    from kubernetes import client
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import load_incluster_config

    configuration = client.Configuration()
    try:
        load_incluster_config(client_configuration=configuration)
    except (ConfigException, OSError) as exc:
        raise ClusterError(NO_CONFIG, f"context {IN_CLUSTER!r} works only inside a pod with a service account: {_first_line(exc)}") from None
    configuration.retries = 0
    api_client = client.ApiClient(configuration)
    return Session(target, configuration.host, api_client, client.CoreV1Api(api_client), client.AppsV1Api(api_client),
                   client.CustomObjectsApi(api_client), client.AutoscalingV2Api(api_client))


def translate(exc: BaseException, session: Session | None = None) -> ClusterError:
    """One ClusterError for whatever the client raised."""
    if isinstance(exc, ClusterError):
        return exc
    server = session.server if session else Msg("the API server")
    context = session.context if session else "?"
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status:
        message = _status_message(getattr(exc, "body", None)) or str(getattr(exc, "reason", "") or "")
        if status == 401:
            return ClusterError(FORBIDDEN, Msg("{server} rejected the credentials of context {context} (401 Unauthorized)",
                                                server=server, context=context), status=status)
        if status == 403:
            return ClusterError(FORBIDDEN, Msg("permission denied (403): {message}", message=message), status=status)
        if status in (408, 504):
            return ClusterError(TIMEOUT, Msg("{server} timed out ({status}): {message}", server=server, status=status, message=message), status=status)
        return ClusterError(SERVER_ERROR, Msg("{server} answered {status}: {message}", server=server, status=status, message=message), status=status)
    import urllib3.exceptions as u3

    cause = exc.reason if isinstance(exc, u3.MaxRetryError) and exc.reason is not None else exc
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, but a refused connection is no timeout.
    refused = isinstance(cause, (u3.NewConnectionError, ConnectionRefusedError)) and "timed out" not in str(cause).lower()
    if not refused and (isinstance(cause, (u3.ConnectTimeoutError, u3.ReadTimeoutError, TimeoutError)) or "timed out" in str(cause).lower()):
        return ClusterError(TIMEOUT, Msg("{server} did not answer in time (context {context})", server=server, context=context))
    if isinstance(cause, (u3.NewConnectionError, ConnectionError, u3.ProtocolError, u3.SSLError, OSError, u3.HTTPError)):
        return ClusterError(UNREACHABLE, Msg("cannot reach the API server {server} (context {context}): {error}",
                                                  server=server, context=context, error=_first_line(cause)))
    return ClusterError(SERVER_ERROR, Msg("unexpected failure talking to {server}: {error_type}: {error}",
                                          server=server, error_type=type(exc).__name__, error=_first_line(exc)))


def _status_message(body: Any) -> str:
    if not body:
        return ""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return _first_line(body)
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _first_line(value: Any) -> str:
    text = str(value).strip()
    # urllib3: "<urllib3.connection.HTTPConnection object at 0x7f..>: Failed to establish a new connection: [Errno 111] Connection refused"
    refused = re.search(r"Failed to establish a new connection:\s*(?:\[Errno -?\d+\]\s*)?(.+?)[\"')]*$", text, re.MULTILINE)
    if refused:
        text = refused.group(1)
    return text.splitlines()[0] if text else type(value).__name__
