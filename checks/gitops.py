"""ARGO: Argo CD Applications and AppProjects that cannot sync as written, and replicas they keep fighting over."""
from __future__ import annotations

from typing import Iterable

from tiketi_doctor.analysis.environments import PLAIN, environments
from tiketi_doctor.analysis.k8s import partly_unknown
from tiketi_doctor.analysis.gitops import Application, applications, glob_allows, is_this_repository, projects
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Severity

_SCALED = ("Deployment", "StatefulSet")


@facts
class SourceFacts(Facts):
    application: str
    repo_url: str
    path: str
    closest: str | None
    this_repository: bool | None


@facts
class ProjectFacts(Facts):
    application: str
    project: str
    field: str  # sourceRepos | destinations
    value: str


@facts
class ReplicasFacts(Facts):
    workload: str
    kind: str
    replicas: int | str
    hpa: str
    application: str


@facts
class AddonFacts(Facts):
    group: str
    kinds: tuple[str, ...]
    addon: str

    @property
    def kind_list(self) -> str:
        return ", ".join(self.kinds)


class ArgoSourceMissing(Check):
    code = "ARGO001"
    name = "argo-source-path-missing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "An Argo CD Application deploys a folder of this repository that does not exist."
    why = (
        "Argo CD renders `spec.source.path` of `repoURL` at `targetRevision`. After a move or a rename the "
        "Application points at nothing: the sync fails with 'app path does not exist' and the environment "
        "keeps running whatever was deployed last, however many commits follow."
    )
    example = "argocd/app.yaml: repoURL: https://github.com/acme/shop, path: k8s/overlays/prod — the folder is deploy/overlays/prod"
    fix = "Point `path` at the folder that holds the manifests (a kustomization, a chart or plain YAML), or restore the folder."
    symptom = "Argo CD cannot sync {application}: `app path does not exist`; the cluster keeps the last deployed version"
    fix_title = "Point {application}'s source path at an existing folder"
    Facts = SourceFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for app in applications(ctx):
            for source in app.sources:
                if source.chart or source.path is None:
                    continue
                ours = is_this_repository(ctx, source.repo_url)
                if ours is False or source.folder == "." or ctx.repo.is_dir(source.folder):
                    continue
                where = app.placed.at(source.index + ("path",), label=f"path: {source.path}")
                near = _nearest(ctx, source.folder)
                if ours:
                    message = Msg(
                        "Application {application} deploys {path} of this repository ({url}), which has no such folder",
                        application=app.name, path=source.path, url=source.repo_url,
                    )
                    cause = Msg(
                        "The Git remote of this checkout is {url}, and {folder} does not exist in it: Argo CD cannot render "
                        "the Application and every sync fails.",
                        url=source.repo_url, folder=source.folder,
                    )
                else:
                    message = Msg(
                        "Application {application} deploys {path} of {url}; this repository has no such folder",
                        application=app.name, path=source.path, url=source.repo_url,
                    )
                    cause = Msg(
                        "{folder} does not exist here. This checkout has no Git remote, so whether {url} is this repository "
                        "is unknown: if it is, every sync fails with `app path does not exist`.",
                        folder=source.folder, url=source.repo_url,
                    )
                if near:
                    cause = Msg("{cause} The closest existing folder is {near}.", cause=cause, near=near)
                yield self.finding(
                    message,
                    where,
                    severity=None if ours else Severity.INFO,
                    related=[source.location],
                    evidence={"application": app.name, "repoURL": source.repo_url, "path": source.path, "closest": near},
                    root_cause=cause,
                    facts=SourceFacts(app.name, source.repo_url, source.path, near, ours),
                )


def _nearest(ctx: ScanContext, folder: str) -> str | None:
    """The deepest existing ancestor of a missing folder, when it is not the repository root."""
    parts = folder.split("/")
    for cut in range(len(parts) - 1, 0, -1):
        candidate = "/".join(parts[:cut])
        if ctx.repo.is_dir(candidate):
            return candidate
    return None


class ArgoProjectDenies(Check):
    code = "ARGO002"
    name = "argo-project-denies"
    severity = Severity.ERROR
    scope = "repository"
    summary = "An Argo CD Application's source repository or destination is not allowed by its AppProject."
    why = (
        "An AppProject lists the repositories (`sourceRepos`) and the clusters and namespaces (`destinations`) its "
        "Applications may use. An Application outside them is refused: 'application repo ... is not permitted in "
        "project' or 'application destination ... is not permitted', and nothing is deployed."
    )
    example = "AppProject shop: destinations [{namespace: shop, server: https://kubernetes.default.svc}]; Application api: destination.namespace: shop-prod"
    fix = "Add the repository or destination to the AppProject, or move the Application to the project that allows it."
    symptom = "Argo CD refuses {application}: `{field}` of project {project} does not permit {value}; nothing is deployed"
    fix_title = "Allow {value} in AppProject {project}'s {field}"
    Facts = ProjectFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        declared = projects(ctx)
        for app in applications(ctx):
            project = declared.get(app.project)
            if project is None:
                continue  # the built-in default project, or one the cluster holds
            if partly_unknown(project.get("spec")) or partly_unknown(app.placed.get("spec", "destination")) or partly_unknown(app.placed.get("spec", "project")):
                continue  # templated: only rendering knows the values
            repos = [str(r) for r in project.get("spec", "sourceRepos") or []]
            for source in app.sources:
                if glob_allows(repos, source.repo_url):
                    continue
                yield self.finding(
                    Msg(
                        "Application {application} uses {url}, which AppProject {project} does not allow (sourceRepos: {allowed})",
                        application=app.name, url=source.repo_url, project=app.project, allowed=", ".join(repos) or "-",
                    ),
                    source.location,
                    related=[project.at(("spec", "sourceRepos"), label="sourceRepos")],
                    evidence={"application": app.name, "project": app.project, "repoURL": source.repo_url, "sourceRepos": repos},
                    root_cause=Msg(
                        "Argo CD refuses the Application: `application repo {url} is not permitted in project {project}`.",
                        url=source.repo_url, project=app.project,
                    ),
                    facts=ProjectFacts(app.name, app.project, "sourceRepos", source.repo_url),
                )
            finding = self._destination(app, project)
            if finding is not None:
                yield finding

    def _destination(self, app: Application, project) -> Finding | None:
        dest = app.placed.get("spec", "destination")
        if not isinstance(dest, dict):
            return None
        server, cluster, namespace = (str(dest.get(k) or "") for k in ("server", "name", "namespace"))
        rules = [d for d in project.get("spec", "destinations") or [] if isinstance(d, dict)]
        allowed = _destination_allowed(rules, server, cluster, namespace)
        if allowed is not False:
            return None
        target = f"{server or cluster or '*'}{' / ' + namespace if namespace else ''}"
        listed = "; ".join(f"{d.get('server') or d.get('name') or '*'} / {d.get('namespace') or '*'}" for d in rules) or "-"
        where = app.placed.at(("spec", "destination", "namespace") if namespace else ("spec", "destination"), label=f"destination: {target}")
        return self.finding(
            Msg(
                "Application {application} deploys to {target}, which AppProject {project} does not allow (destinations: {allowed})",
                application=app.name, target=target, project=app.project, allowed=listed,
            ),
            where,
            related=[project.at(("spec", "destinations"), label="destinations")],
            evidence={"application": app.name, "project": app.project, "destination": dest, "destinations": rules},
            root_cause=Msg(
                "Argo CD refuses the sync: `application destination {{{destination}}} is not permitted in project {project}`.",
                destination=f"{server or cluster} {namespace}", project=app.project,
            ),
            facts=ProjectFacts(app.name, app.project, "destinations", target),
        )


def _destination_allowed(rules: list[dict], server: str, cluster: str, namespace: str) -> bool | None:
    """Whether some destination rule admits the Application's; None when a rule names the cluster the
    other way (by name against a server URL) and the cluster's registration decides."""
    undecided = False
    allowed = False
    for rule in rules:
        r_server, r_name, r_ns = (str(rule.get(k) or "") for k in ("server", "name", "namespace"))
        negated = r_ns.startswith("!") or r_server.startswith("!") or r_name.startswith("!")
        ns_ok = not namespace or not r_ns or _glob(r_ns.lstrip("!"), namespace)
        if server and r_server:
            cluster_ok = _glob(r_server.lstrip("!"), server)
        elif cluster and r_name:
            cluster_ok = _glob(r_name.lstrip("!"), cluster)
        elif r_server == "*" or r_name == "*":
            cluster_ok = True
        else:
            undecided = True
            continue
        if negated:
            if cluster_ok and ns_ok:
                return False
            continue
        if cluster_ok and ns_ok:
            allowed = True
    if allowed:
        return True
    return None if undecided else False


def _glob(pattern: str, value: str) -> bool:
    return glob_allows([pattern], value)


class ReplicasFightAutoscaler(Check):
    code = "ARGO003"
    name = "replicas-fight-autoscaler"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A Deployment sets `replicas` while an HPA scales it and Argo CD self-heals it: the two keep resetting each other."
    why = (
        "The HorizontalPodAutoscaler writes `spec.replicas`; Argo CD with `selfHeal` sees that as drift from Git and "
        "writes the manifest's number back. Under load the Deployment flaps between the HPA's count and the fixed "
        "one, pods are killed mid-request, and the Application shows OutOfSync after every scale."
    )
    example = "deployment.yaml: replicas: 2; hpa.yaml: scaleTargetRef: Deployment api; Application: syncPolicy.automated.selfHeal: true"
    fix = "Remove `replicas` from the Deployment (the HPA's minReplicas takes over), or add `ignoreDifferences` for /spec/replicas to the Application."
    symptom = "{workload}'s replica count flaps between the HPA's and {replicas}; pods are killed mid-request and {application} shows OutOfSync"
    fix_title = "Remove `replicas` from {kind} {workload}"
    Facts = ReplicasFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        healing = [a for a in applications(ctx) if a.self_heal]
        if not healing:
            return
        seen: set[tuple] = set()
        for env in environments(ctx):
            if env.chart is not None:
                continue  # chart templates switch replicas and the HPA on values (`if .Values.autoscaling.enabled`)
            for hpa in env.of_kind("HorizontalPodAutoscaler"):
                target = hpa.get("spec", "scaleTargetRef")
                if not isinstance(target, dict) or target.get("kind") not in _SCALED:
                    continue
                workload = env.find(str(target["kind"]), str(target.get("name")), hpa.namespace)
                if workload is None or workload.get("spec", "replicas") is None or partly_unknown(workload.get("spec", "replicas")):
                    continue
                app = next((a for a in healing if _deploys(ctx, a, env, workload) and not a.ignores(workload.kind, "/spec/replicas")), None)
                if app is None or (workload.identity, app.name) in seen:
                    continue
                seen.add((workload.identity, app.name))
                replicas = workload.get("spec", "replicas")
                hpa_range = f"{hpa.get('spec', 'minReplicas') or 1}–{hpa.get('spec', 'maxReplicas')}"
                yield self.finding(
                    Msg(
                        "{kind} {workload} fixes `replicas: {replicas}` while HPA {hpa} scales it ({range}) and Application "
                        "{application} self-heals: each undoes the other",
                        kind=workload.kind, workload=workload.name, replicas=replicas, hpa=hpa.name, range=hpa_range, application=app.name,
                    ),
                    workload.at(("spec", "replicas"), label=f"replicas: {replicas}"),
                    related=[hpa.at(("spec", "scaleTargetRef"), label=f"HPA {hpa.name}"), app.placed.at(("spec", "syncPolicy", "automated", "selfHeal"), label="selfHeal: true")],
                    evidence={"workload": workload.name, "replicas": replicas, "hpa": hpa.name, "application": app.name, "environment": env.name},
                    root_cause=Msg(
                        "HPA {hpa} sets spec.replicas of {workload}; Argo CD compares it with the {replicas} in Git, finds drift "
                        "and, with selfHeal, writes {replicas} back — the replica count flaps after every scale.",
                        hpa=hpa.name, workload=workload.name, replicas=replicas,
                    ),
                    facts=ReplicasFacts(workload.name, workload.kind, replicas, hpa.name, app.name),
                )


def _deploys(ctx: ScanContext, app: Application, env, workload) -> bool:
    """Whether one of the Application's sources (in this repository) renders `env`'s copy of the workload."""
    for source in app.sources:
        if source.chart or source.path is None or is_this_repository(ctx, source.repo_url) is False:
            continue
        folder = source.folder
        if env.name == PLAIN:
            path = workload.source
            if folder == "." or path.startswith(folder + "/"):
                return True
        elif env.name == folder or env.chart == folder:
            return True
    return False


# -- CRD001 ---------------------------------------------------------------------------------------
# API groups of add-ons and the words their installs are written with (a Helm chart, a release
# manifest URL, a kustomize remote base).
ADDONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bitnami.com": ("Sealed Secrets", ("sealed-secrets",)),
    "monitoring.coreos.com": ("the Prometheus Operator", ("kube-prometheus", "prometheus-operator", "prometheus-community")),
    "cert-manager.io": ("cert-manager", ("cert-manager",)),
    "acme.cert-manager.io": ("cert-manager", ("cert-manager",)),
    "external-secrets.io": ("External Secrets", ("external-secrets",)),
    "argoproj.io": ("Argo CD", ("argo-cd", "argocd", "argoproj/argo")),
    "keda.sh": ("KEDA", ("keda",)),
    "traefik.io": ("Traefik", ("traefik",)),
    "traefik.containo.us": ("Traefik", ("traefik",)),
    "networking.istio.io": ("Istio", ("istio",)),
    "gateway.networking.k8s.io": ("the Gateway API", ("gateway-api", "gateway.networking.k8s.io/v1/standard")),
    "postgresql.cnpg.io": ("CloudNativePG", ("cloudnative-pg", "cnpg")),
    "kafka.strimzi.io": ("Strimzi", ("strimzi",)),
}
_INSTALL_SUFFIXES = (".sh", ".bash", ".ps1", ".md", ".yaml", ".yml", ".txt", ".mk")


class AddonNotInstalled(Check):
    code = "CRD001"
    name = "custom-resource-without-controller"
    severity = Severity.INFO
    scope = "repository"
    summary = "Custom resources (SealedSecret, ServiceMonitor, Certificate…) of an add-on this repository never installs, while it installs others itself."
    why = (
        "A custom resource does nothing without its CustomResourceDefinition and controller: `kubectl apply` fails with "
        "'no matches for kind', or the object is accepted and never acted on (a SealedSecret that never becomes a Secret, "
        "a Certificate that is never issued). Most clusters get their operators from elsewhere, so this is reported only "
        "for repositories that install other add-ons themselves, and only as information."
    )
    example = "k8s/secret.yaml: kind: SealedSecret; scripts/setup.sh installs ingress-nginx and cert-manager, nothing installs sealed-secrets"
    fix = "Install the add-on where the others are installed (its Helm chart or release manifest), or say in the docs that the cluster provides it."
    symptom = "`no matches for kind` when {kind_list} is applied, or the object is never acted on"
    fix_title = "Install {addon} with the other add-ons"
    Facts = AddonFacts

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        used: dict[str, list] = {}
        defined: set[tuple[str, str]] = set()
        for env in environments(ctx):
            for placed in env.objects:
                group = str(placed.data.get("apiVersion", "")).rpartition("/")[0]
                if placed.kind == "CustomResourceDefinition":
                    names = placed.get("spec", "names") or {}
                    defined.add((str(placed.get("spec", "group")), str(names.get("kind") if isinstance(names, dict) else "")))
                elif group in ADDONS:
                    used.setdefault(group, []).append(placed)
        if not used:
            return
        text = _install_text(ctx)
        installed = {g for g, (_, words) in ADDONS.items() if any(w in text for w in words)}
        if not defined and not installed:
            return  # the repository installs no add-on itself: the cluster provides them
        for group, objects in sorted(used.items()):
            label, words = ADDONS[group]
            missing = [o for o in objects if (group, o.kind) not in defined]
            if group in installed or not missing:
                continue
            first = missing[0]
            kinds = sorted({o.kind for o in missing})
            others = sorted({ADDONS[g][0] for g in installed if g != group} | ({"CustomResourceDefinitions"} if defined else set()))
            yield self.finding(
                Msg(
                    "{kinds} ({group}) used, but nothing in the repository installs {addon}",
                    kinds=", ".join(kinds), group=group, addon=label,
                ),
                first.at(("kind",), label=f"kind: {first.kind}"),
                related=[o.at(("kind",), label=f"kind: {o.kind}") for o in missing[1:4]],
                evidence={"group": group, "kinds": kinds, "installs": others},
                root_cause=Msg(
                    "The repository installs {others} itself, but no CRD, chart, manifest URL or script mentions {addon} "
                    "({words}): on a cluster without it, applying {kind} fails with `no matches for kind`.",
                    others=", ".join(others), addon=label, words=" / ".join(words), kind=first.kind,
                ),
                facts=AddonFacts(group, tuple(kinds), label),
            )


def _install_text(ctx: ScanContext) -> str:
    """Scripts, docs, workflows, charts and kustomizations, lower-cased: where installs are written."""
    def read() -> str:
        parts = []
        for path in ctx.repo.walk(suffixes=_INSTALL_SUFFIXES):
            if "node_modules/" in path:
                continue
            found = ctx.repo.text(path)
            if found is not None:
                parts.append(found.text.lower())
        for name in ("Makefile", "Justfile", "Taskfile"):
            found = ctx.repo.text(name)
            if found is not None:
                parts.append(found.text.lower())
        text = "\n".join(parts)
        for group in sorted(ADDONS, key=len, reverse=True):  # `cert-manager.io/v1` is a use, not an install
            text = text.replace(group, "")
        return text

    return ctx.memo("addon-install-text", read)


CHECKS = (ArgoSourceMissing, ArgoProjectDenies, ReplicasFightAutoscaler, AddonNotInstalled)
