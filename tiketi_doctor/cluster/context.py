"""What a live check may look at: the static ScanContext, the cluster snapshot, the static
results of the same run (for correlation) and the HTTP prober."""
from __future__ import annotations

import posixpath
from dataclasses import field

from ..deferred import dataclass
from ..analysis import k8s
from ..catalogue import Catalogue, Component
from ..context import ScanContext
from ..model import CheckRun, Finding, Location, RunStatus
from ..repo import RepoView
from .http import HttpProber
from .snapshot import ClusterSnapshot, PodView


@dataclass
class Workload:
    """One Deployment (or a group of owner-less pods) and the catalogue component it runs."""

    name: str
    component: Component | None
    deployment: dict | None
    pods: list[PodView] = field(default_factory=list)

    @property
    def service(self) -> str:
        return self.component.name if self.component else self.name

    @property
    def live_pods(self) -> list[PodView]:
        """Pods not being deleted: what the workload runs now."""
        return [p for p in self.pods if not p.deleting] or self.pods

    @property
    def desired(self) -> int | None:
        spec = (self.deployment or {}).get("spec") or {}
        return spec.get("replicas", 1) if self.deployment else None

    @property
    def available(self) -> int:
        return ((self.deployment or {}).get("status") or {}).get("availableReplicas") or 0


@dataclass
class StaticResults:
    """The static findings (reported and suppressed) and check runs of the same run."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    runs: list[CheckRun] = field(default_factory=list)

    def find(self, code: str, service: str | None = None, **params) -> list[Finding]:
        found = []
        for finding in self.findings + self.suppressed:
            if finding.code != code or (service is not None and finding.service != service):
                continue
            if all(finding.params.get(k) == v for k, v in params.items()):
                found.append(finding)
        return found

    def passed(self, code: str, subject: str) -> bool:
        """Did the static check run on this component and find nothing?"""
        return any(r.code == code and r.subject == subject and r.status == RunStatus.PASSED for r in self.runs)

    def ran(self, code: str, subject: str) -> bool:
        return any(r.code == code and r.subject in (subject, "repository") for r in self.runs)


class LiveContext(ScanContext):
    def __init__(self, repo: RepoView, catalogue: Catalogue, snapshot: ClusterSnapshot, static: StaticResults,
                 prober: HttpProber | None = None, kind_cluster: str | None = None):
        super().__init__(repo, catalogue)
        self.snapshot = snapshot
        self.static = static
        self.prober = prober
        # The kind cluster name when the context is a kind one (kind-tiketi-local -> tiketi-local).
        self.kind_cluster = kind_cluster

    # -- workloads ------------------------------------------------------------------------
    def workloads(self) -> list[Workload]:
        return self.memo("live-workloads", self._workloads)

    def _workloads(self) -> list[Workload]:
        snap = self.snapshot
        result: dict[str, Workload] = {}
        for dep in snap.deployments:
            name = (dep.get("metadata") or {}).get("name", "")
            result[name] = Workload(name, self.component_of(name), dep, list(snap.pods_of(name)))
        for pod in snap.pods:
            if pod.deployment is None:
                key = pod.labels.get("app") or pod.name
                result.setdefault(key, Workload(key, self.component_of(key), None)).pods.append(pod)
        for component in self.catalogue.components:
            name = component.deployment or component.name
            if component.manifests and name not in result:
                result[name] = Workload(name, component, None)
        return sorted(result.values(), key=lambda w: w.name)

    def workload_of(self, component: Component) -> Workload | None:
        name = component.deployment or component.name
        return next((w for w in self.workloads() if w.name == name), None)

    def component_of(self, deployment: str) -> Component | None:
        return next((c for c in self.catalogue.components if (c.deployment or c.name) == deployment), None)

    def component_by_host(self, host: str) -> Component | None:
        """A catalogue component from a host name or a cluster IP (Service or pod)."""
        component = self.catalogue.by_host(host)
        if component is not None:
            return component
        svc = self.snapshot.service_by_ip(host)
        if svc is not None:
            return self.catalogue.by_host((svc.get("metadata") or {}).get("name", ""))
        pod = self.snapshot.pod_by_ip(host)
        if pod is not None and pod.deployment:
            return self.component_of(pod.deployment)
        return None

    # -- repository places ---------------------------------------------------------------------
    def manifest_workload(self, component: Component | None) -> k8s.K8sObject | None:
        if component is None or not component.manifests:
            return None
        return k8s.workload(self, component)

    def workload_location(self, workload: Workload) -> Location:
        """The Deployment in the repository's manifest, else the catalogue entry, else the cluster object."""
        obj = self.manifest_workload(workload.component)
        if obj is not None:
            return obj.at(("metadata", "name"), label=f"{obj.kind} {obj.name}")
        if workload.component is not None and workload.component.declared_at[0] and not workload.component.declared_at[0].startswith("<"):
            path, line = workload.component.declared_at
            return Location(path, line, label=f"component {workload.component.name}")
        return Location(f"k8s:{self.snapshot.namespace}/deployment/{workload.name}", None, label="live object, not in the repository")

    def manifest_container(self, component: Component | None, name: str | None = None) -> k8s.Container | None:
        obj = self.manifest_workload(component)
        if obj is None:
            return None
        for container in k8s.containers(obj):
            if name is None or container.name == name:
                return container
        return k8s.main_container(obj, component) if component else None

    def repo_path(self, component: Component | None, container_file: str) -> str | None:
        """The repository file a path inside the image comes from (/app/src/routes/auth.js -> services/auth-service/src/routes/auth.js)."""
        if component is None or not container_file.startswith("/"):
            return None
        roots = [posixpath.dirname(component.source.rstrip("/"))] if component.source else []
        if component.package_json:
            roots.append(posixpath.dirname(component.package_json))
        parts = container_file.strip("/").split("/")
        for root in dict.fromkeys(roots):
            for start in range(len(parts)):
                candidate = posixpath.normpath(posixpath.join(root or ".", *parts[start:]))
                if self.repo.exists(candidate):
                    return candidate
        return None
