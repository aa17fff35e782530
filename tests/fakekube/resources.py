"""The resource types the fake serves, described once for routing, discovery,
error messages and field-selector validation."""

from __future__ import annotations

from dataclasses import dataclass, field

READ = ["get", "list", "watch"]
ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]

# Fields every resource accepts in a fieldSelector (the real server's default).
COMMON_FIELDS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class Resource:
    plural: str
    kind: str
    group: str = ""            # "" is the core group
    version: str = "v1"
    namespaced: bool = True
    verbs: tuple = tuple(ALL_VERBS)
    short_names: tuple = ()
    subresources: tuple = ()
    fields: tuple = field(default=())  # extra fieldSelector labels

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """'pods' or 'deployments.apps': how the API server names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def field_labels(self) -> tuple:
        return COMMON_FIELDS + self.fields


RESOURCES = [
    Resource("pods", "Pod", short_names=("po",), subresources=("log", "status"),
             fields=("status.phase", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                     "spec.serviceAccountName", "status.podIP", "status.nominatedNodeName")),
    Resource("events", "Event", short_names=("ev",),
             fields=("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                     "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                     "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")),
    Resource("services", "Service", short_names=("svc",), subresources=("status",)),
    Resource("endpoints", "Endpoints", short_names=("ep",)),
    Resource("configmaps", "ConfigMap", short_names=("cm",)),
    Resource("secrets", "Secret", fields=("type",)),
    Resource("namespaces", "Namespace", namespaced=False, short_names=("ns",),
             subresources=("status",), fields=("status.phase",)),
    Resource("nodes", "Node", namespaced=False, short_names=("no",), subresources=("status",),
             fields=("spec.unschedulable",)),
    Resource("deployments", "Deployment", group="apps", short_names=("deploy",),
             subresources=("status", "scale")),
    Resource("replicasets", "ReplicaSet", group="apps", short_names=("rs",),
             subresources=("status", "scale"), fields=("status.replicas",)),
    Resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", group="autoscaling", version="v2",
             short_names=("hpa",), subresources=("status",)),
    # Argo CD's custom resource (tests/fakekube/argocd.py keeps its status).
    Resource("applications", "Application", group="argoproj.io", version="v1alpha1", short_names=("app",)),
]

BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KIND = {r.kind: r for r in RESOURCES}
GROUPS = {"apps": "v1", "autoscaling": "v2", "argoproj.io": "v1alpha1"}  # non-core groups and their one served version


def lookup(group: str, version: str, plural: str) -> Resource | None:
    return BY_PATH.get((group, version, plural))


def by_kind(kind: str) -> Resource:
    if kind not in BY_KIND:
        raise ValueError(f"the fake API server does not serve kind {kind!r}; it serves {sorted(BY_KIND)}")
    return BY_KIND[kind]


def list_kind(resource: Resource) -> str:
    return resource.kind + "List"
