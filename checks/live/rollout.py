"""Rollout: whether each catalogue component is deployed and scaled at all, and whether the Argo CD
Application that deploys the namespace is in sync with Git and healthy."""
from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Iterable

from tiketi_doctor.analysis import k8s
from tiketi_doctor.check import facts
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import reapply_commands

from .base import UNSET, Explanation, LiveCheck, LiveFacts, from_static, mask

if TYPE_CHECKING:
    from tiketi_doctor.cluster.context import LiveContext, Workload


@facts
class NotRunningFacts(LiveFacts):
    """CL011: the replicas in the cluster (None: no Deployment) and in the repository's manifest."""

    replicas: int | None = UNSET
    manifest_replicas: int | None = UNSET


@facts
class ArgoFacts(LiveFacts):
    """CL014: the Application, its sync and health status, and its source path in Git."""

    application: str = UNSET
    sync: str = UNSET
    health: str | None = UNSET
    source_path: str = UNSET


@facts
class FightFacts(LiveFacts):
    """CL015: the HPA, the self-healing Application, and the replica counts of Git and of the HPA."""

    hpa: str = UNSET
    application: str = UNSET
    git_replicas: int = UNSET
    hpa_replicas: int = UNSET


# -- CL011 -------------------------------------------------------------------------------------------

class ComponentNotRunning(LiveCheck):
    code = "CL011"
    name = "component-not-running"
    severity = Severity.ERROR
    summary = "A catalogue component has no Deployment in the namespace, or is scaled to zero replicas."
    why = (
        "Everything that depends on a component that is not deployed — or was scaled to 0 and forgotten — fails "
        "with connection refused or waits forever in an init container, while the component itself shows no "
        "failing pod at all. This finding names the root of those symptoms."
    )
    example = "postgres: Deployment scaled to 0 replicas (the repository's k8s/03-postgres.yaml says 1); auth-service waits for it"
    fix = "Apply the component's manifest (`kubectl apply -f`), or scale it back: `kubectl scale deployment/NAME --replicas=1`."
    Facts = NotRunningFacts
    symptom = "nothing serves {deployment}: its callers get connection refused or wait"
    fix_title = "Deploy {deployment} or scale it back up"

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        component = workload.component
        if component is None:
            return
        ns = ctx.snapshot.namespace
        manifest = ctx.manifest_workload(component)
        if workload.deployment is None and not workload.pods:
            path = manifest.path if manifest else (component.manifests[0] if component.manifests else None)
            why = Explanation(
                headline=Msg("there is no Deployment {name} in namespace {namespace}", name=workload.name, namespace=ns),
                cause=Msg("The catalogue lists {component}, but namespace {namespace} has no Deployment {name}: it was never applied, or was deleted.",
                          component=component.name, namespace=ns, name=workload.name),
                remediation=reapply_commands(ctx.catalogue, component, path) if path else [],
                params={"replicas": None},
            )
            yield self.live_finding(ctx, None, workload, Msg("{component} is not deployed", component=component.name), why)
            return
        if workload.desired == 0:
            wanted = manifest.get("spec", "replicas") if manifest else None
            dependents = [c.name for c in ctx.catalogue.components if component.name in c.depends_on]
            scaled = Msg("the Deployment is scaled to 0 replicas")
            why = Explanation(
                headline=Msg("{headline} (the repository's manifest says {replicas})", headline=scaled,
                             replicas=wanted if wanted is not None else 1) if manifest else scaled,
                cause=Msg(
                    "{deployment} has replicas: 0, so no pod runs{dependents}. Scale it back up.", deployment=f"deployment/{workload.name}",
                    dependents=Msg("; {names} depend on it", names=", ".join(dependents)) if dependents else "",
                ),
                remediation=[f"kubectl scale deployment/{workload.name} -n {ns} --replicas={wanted or 1}"],
                params={"replicas": 0, "manifest_replicas": wanted},
            )
            yield self.live_finding(ctx, None, workload, Msg("{component} runs no pod (scaled to 0)", component=component.name), why,
                                    evidence={"dependents": dependents})



# -- CL014 -------------------------------------------------------------------------------------------

_KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class ArgoApplicationUnhealthy(LiveCheck):
    code = "CL014"
    name = "argo-application-unhealthy"
    severity = Severity.WARNING
    reads = ("pods", "replicasets", "deployments", "applications")
    summary = "An Argo CD Application that deploys this namespace is OutOfSync or Degraded: its status explained and tied to the files in Git."
    why = (
        "With Argo CD, what runs is what Git says once the Application is Synced; a change made in the cluster directly is "
        "reported OutOfSync and undone by self-heal, and a sync that fails leaves the old state running. Degraded means "
        "a resource Argo CD deployed is unhealthy (a Deployment past its progress deadline). The Application's status "
        "names the resources that differ or fail, and its source path names the folder in Git to change."
    )
    example = (
        "Application tiketi (argocd) is Degraded: Deployment payment-service exceeded its progress deadline "
        "(k8s/08-payment-service.yaml; source path k8s at HEAD)"
    )
    fix = (
        "Degraded: fix the failing resource (its pod findings say why) in the source path in Git, commit and let Argo CD "
        "sync. OutOfSync: make the change in Git instead of the cluster, or sync (`argocd app sync NAME`) when the "
        "Application has no automated sync; a failed sync's message says what Argo CD could not apply."
    )
    Facts = ArgoFacts
    symptom = "Argo CD Application {application} does not run what Git says"
    fix_title = "Fix {source_path} in Git and let Argo CD sync {application}"

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not self.can_decide(ctx):
            return
        ns = ctx.snapshot.namespace
        for app in ctx.snapshot.applications:
            spec, status = app.get("spec") or {}, app.get("status") or {}
            if ((spec.get("destination") or {}).get("namespace") or ns) != ns:
                continue
            sync = (status.get("sync") or {}).get("status") or "Unknown"
            health = status.get("health") or {}
            if sync != "OutOfSync" and health.get("status") not in ("Degraded", "Missing"):
                continue
            yield self._finding(ctx, app, sync, health)

    def _finding(self, ctx: LiveContext, app: dict, sync: str, health: dict) -> Finding:
        from tiketi_doctor.cluster.context import Workload

        meta, spec, status = app.get("metadata") or {}, app.get("spec") or {}, app.get("status") or {}
        name, source = meta.get("name", "?"), spec.get("source") or {}
        path = str(source.get("path") or ".").strip("/") or "."
        revision = source.get("targetRevision") or "HEAD"
        automated = (spec.get("syncPolicy") or {}).get("automated")
        resources = [r for r in status.get("resources") or [] if isinstance(r, dict)]
        differing = [r for r in resources if r.get("status") == "OutOfSync"]
        failing = [r for r in resources if (r.get("health") or {}).get("status") in ("Degraded", "Missing")]
        places = {(r.get("kind"), r.get("name")): self._place(ctx, path, r.get("kind"), r.get("name")) for r in differing + failing}
        exists, folder = self._folder(ctx, path)
        degraded = health.get("status") in ("Degraded", "Missing")
        states = [s for s in (sync if sync == "OutOfSync" else "", health.get("status") if degraded else "") if s]
        parts: list[str] = []
        if degraded:
            lines = [f"{r.get('kind')} {r.get('name')}: {(r.get('health') or {}).get('message') or (r.get('health') or {}).get('status')}" for r in failing]
            parts.append(Msg("{status}: {reasons}. The pod findings of those components say why they fail; fix it in Git, commit, "
                             "and Argo CD rolls it out.", status=health.get("status"),
                             reasons="; ".join(lines) or health.get("message") or Msg("no resource says why")))
        if sync == "OutOfSync":
            listed = ", ".join(f"{r.get('kind')} {r.get('name')}" for r in differing) or Msg("its resources")
            which = Msg("{resources} differs", resources=listed) if len(differing) == 1 else Msg("{resources} differ", resources=listed)
            operation = status.get("operationState") or {}
            if operation.get("phase") in ("Failed", "Error"):
                parts.append(Msg("OutOfSync: {which} from Git and the last sync failed: \"{message}\".", which=which,
                                 message=mask(str(operation.get("message") or ""))))
            elif automated is not None:
                parts.append(Msg("OutOfSync: {which} from Git; Argo CD syncs them back by itself{self_heal}: a change made in the "
                                 "cluster directly does not last — make it in Git.", which=which,
                                 self_heal=Msg(" (self-heal)") if automated.get("selfHeal") else ""))
            else:
                parts.append(Msg("OutOfSync: {which} from Git and the Application has no automated sync: "
                                 "sync it (`{command}`) or change Git to what the cluster should run.", which=which,
                                 command=f"argocd app sync {name}"))
        for condition in status.get("conditions") or []:
            if isinstance(condition, dict) and condition.get("message"):
                parts.append(f"{condition.get('type')}: \"{mask(str(condition['message']))}\".")
        if not exists:
            parts.append(Msg("The source path {path} is not a folder of this repository (see ARGO001).", path=path))
        located = [loc for loc in places.values() if loc is not None]
        location = located[0] if located else folder
        target = next((w for r in failing + differing for w in ctx.workloads() if r.get("kind") == "Deployment" and w.name == r.get("name")), None)
        workload = target or Workload(name, None, None)
        why = Explanation(
            headline=Msg("source {path} at {revision}{resources}", path=path, revision=revision,
                         resources=f" ({', '.join(f'{k} {n}' for (k, n), loc in places.items() if loc)})" if located else ""),
            cause=Msg("Application {name} ({namespace}) deploys {repository} {path} at {revision}. {parts}", name=name,
                      namespace=meta.get("namespace"), repository=source.get("repoURL"), path=path, revision=revision,
                      parts=Joined(parts, " ")),
            location=location,
            related=[loc for loc in located[1:]] + ([folder] if folder and folder != location else []),
            remediation=[] if automated is not None else [f"argocd app sync {name}"],
            params={"application": name, "sync": sync, "health": health.get("status"), "source_path": path},
        )
        text = Msg("Argo CD Application {name} is {states}", name=name, states=Joined(states, N_(" and ")))
        return self.live_finding(ctx, None, workload, text, why, severity=Severity.ERROR if degraded else None,
                                 evidence={"application": {"name": name, "sync": sync, "health": health.get("status"),
                                                           "revision": (status.get("sync") or {}).get("revision")}})

    @staticmethod
    def _folder(ctx: LiveContext, path: str) -> tuple[bool, Location | None]:
        """Whether the source path is a folder of the repository, and its kustomization when it has one."""
        files = list(ctx.repo.walk(path))
        direct = [f for f in files if posixpath.dirname(f) == ("" if path == "." else path)]
        chosen = next((f for f in direct if posixpath.basename(f) in _KUSTOMIZATION_FILES), None)
        return bool(files), (Location(chosen, 1, label=f"source path {path}") if chosen else None)

    @staticmethod
    def _place(ctx: LiveContext, path: str, kind: str | None, name: str | None) -> Location | None:
        """Where the repository defines a resource of the Application: under its source path first."""
        obj = _repo_object(ctx, str(kind), str(name), path)
        return obj.at(("metadata", "name"), label=f"{kind} {name}") if obj is not None else None


# -- CL015 -------------------------------------------------------------------------------------------

class ReplicasFightAutoscalerLive(LiveCheck):
    code = "CL015"
    name = "replicas-fight-autoscaler-live"
    severity = Severity.WARNING
    reads = ("pods", "replicasets", "deployments", "horizontalpodautoscalers", "applications")
    summary = "An HPA scales a Deployment to another count than the `replicas` in Git while a self-healing Argo CD Application keeps writing Git's count back."
    why = (
        "An HorizontalPodAutoscaler owns spec.replicas of its target. When the manifest in Git also sets `replicas`, Argo "
        "CD sees the HPA's count as drift, and with self-heal it writes Git's count back; the HPA scales again, and the "
        "Deployment flaps between the two — pods start and stop, and under load the service has too few of them. The "
        "cluster shows it: the HPA wants one count, Git says another, the Application self-heals."
    )
    example = "backend: HPA backend wants 3 replicas (2–5), k8s/05-backend.yaml:11 says replicas: 1, Application tiketi self-heals"
    fix = (
        "Remove `replicas` from the Deployment's manifest (the HPA owns it), or tell Argo CD to ignore it: "
        "`ignoreDifferences: [{group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}]` in the Application."
    )
    Facts = FightFacts
    symptom = "{deployment} flaps between {git_replicas} and {hpa_replicas} replicas"
    fix_title = "Remove `replicas` from the manifest of {deployment}, or ignore it in {application}"

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not self.can_decide(ctx):
            return
        snapshot = ctx.snapshot
        for hpa in snapshot.autoscalers:
            spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
            target = spec.get("scaleTargetRef") or {}
            deployment = snapshot.deployment(str(target.get("name"))) if target.get("kind") == "Deployment" else None
            wanted = status.get("desiredReplicas", status.get("currentReplicas"))
            if deployment is None or not isinstance(wanted, int):
                continue
            name = deployment["metadata"]["name"]
            app = next((a for a in snapshot.applications if _self_heals(a, snapshot.namespace, deployment)), None)
            obj = _repo_object(ctx, "Deployment", name, _source_path(app) if app else ".")
            git = obj.get("spec", "replicas") if obj is not None else None
            if app is None or not isinstance(git, int) or git == wanted:
                continue
            yield self._finding(ctx, hpa, deployment, app, obj, git, wanted)

    def _finding(self, ctx: LiveContext, hpa: dict, deployment: dict, app: dict, obj, git: int, wanted: int) -> Finding:
        from tiketi_doctor.cluster.context import Workload

        name, hpa_name, app_name = deployment["metadata"]["name"], hpa["metadata"]["name"], app["metadata"]["name"]
        spec = hpa.get("spec") or {}
        bounds = f"{spec.get('minReplicas') or 1}–{spec.get('maxReplicas')}"
        live = (deployment.get("spec") or {}).get("replicas")
        workload = next((w for w in ctx.workloads() if w.name == name), None) or Workload(name, None, deployment)
        at = obj.at(("spec", "replicas"), label=f"replicas: {git}")
        static = [f for f in ctx.static.find("ARGO003") if f.params.get("workload") == name]
        headline = Msg("HPA {hpa} wants {wanted} ({bounds}), {location} says {git}, and Application {application} self-heals",
                       hpa=hpa_name, wanted=wanted, bounds=bounds, location=f"{at.path}:{at.line}", git=git, application=app_name)
        if static:
            why = from_static(static, headline)
        else:
            why = Explanation(
                headline=headline,
                cause=Msg("HPA {hpa} sets {deployment} to {wanted} replicas (now {live}); Git says replicas: {git} "
                          "({location}), and Argo CD Application {application} self-heals, so every sync writes {git} back "
                          "and the HPA scales again. Remove `replicas` from the manifest (the HPA owns it), or add "
                          "ignoreDifferences for /spec/replicas of Deployments to the Application.",
                          hpa=hpa_name, deployment=f"deployment/{name}", wanted=wanted, live=live, git=git,
                          location=f"{at.path}:{at.line}", application=app_name),
                location=at,
            )
        why.params.update({"hpa": hpa_name, "application": app_name, "git_replicas": git, "hpa_replicas": wanted})
        text = Msg("{service}'s replica count flaps: an HPA scales it and Argo CD writes Git's count back", service=workload.service)
        return self.live_finding(ctx, None, workload, text, why,
                                 evidence={"hpa": {"name": hpa_name, "desired": wanted, "range": bounds}, "deployment_replicas": live,
                                           "git_replicas": git, "application": app_name})


def _source_path(app: dict) -> str:
    return str(((app.get("spec") or {}).get("source") or {}).get("path") or ".").strip("/") or "."


def _self_heals(app: dict, namespace: str, deployment: dict) -> bool:
    """Whether the Application deploys this Deployment with self-heal and does not ignore its replicas."""
    spec = app.get("spec") or {}
    if ((spec.get("destination") or {}).get("namespace") or namespace) != namespace:
        return False
    if not ((spec.get("syncPolicy") or {}).get("automated") or {}).get("selfHeal"):
        return False
    if any("/spec/replicas" in (d.get("jsonPointers") or []) and d.get("kind") in (None, "Deployment")
           for d in spec.get("ignoreDifferences") or [] if isinstance(d, dict)):
        return False
    name, meta = app["metadata"]["name"], deployment.get("metadata") or {}
    tracked = ((meta.get("labels") or {}).get("app.kubernetes.io/instance") == name
               or str((meta.get("annotations") or {}).get("argocd.argoproj.io/tracking-id", "")).split(":", 1)[0] == name)
    listed = any(r.get("kind") == "Deployment" and r.get("name") == meta.get("name")
                 for r in (app.get("status") or {}).get("resources") or [] if isinstance(r, dict))
    return tracked or listed


def _repo_object(ctx: LiveContext, kind: str, name: str, under: str):
    """The repository's manifest object of that kind and name: under `under` first."""
    from tiketi_doctor.analysis.environments import manifest_files

    files = manifest_files(ctx)
    inside = [f for f in files if under == "." or f.startswith(under + "/")]
    for f in inside + [f for f in files if f not in inside]:
        for obj in k8s.objects(ctx, f):
            if obj.kind == kind and obj.name == name:
                return obj
    return None
