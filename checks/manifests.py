"""KUBE: workloads and Services that cannot work as written, and kustomizations that do not build."""
from __future__ import annotations

import posixpath
from dataclasses import field
from typing import Iterable

from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.environments import environments, pod_labels, selector_matches
from tiketi_doctor.analysis.kustomize import Placed, kustomizations, leaves, render
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Severity

SELECTED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def _pods_with_a_label_of(selector: dict, by_label: dict, pods: list) -> list:
    """The pods carrying the first of the selector's required labels (all pods for an
    expressions-only selector): a pod without it cannot match."""
    required = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector else selector
    if not isinstance(required, dict) or not required:
        return pods
    key, value = next(iter(required.items()))
    return by_label.get((str(key), str(value)), [])


def _component_of(ctx: ScanContext, placed: Placed) -> str | None:
    """The catalogue component a workload or Service belongs to (by its source document's name)."""
    name = placed.origin.name if placed.origin is not None else placed.name
    for component in ctx.catalogue.components:
        wanted = component.k8s_service if placed.kind == "Service" else component.deployment
        if name in (wanted, component.name):
            return component.name
    return None


def _labels_of(placed: Placed) -> dict:
    labels = pod_labels(placed)
    return {} if labels is None else labels  # an empty OpenDict stays open


@facts
class SelectorFacts(Facts):
    """KUBE001: the workload, its selector and its pod template's labels (as written)."""

    workload: str
    selector: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)


@facts
class ServiceSelectorFacts(Facts):
    """KUBE002: the Service, its selector, and the workload closest to it."""

    service: str
    selector: dict = field(default_factory=dict)
    closest: str | None = None


@facts
class KustomizeFacts(Facts):
    """KUBE003: the kustomization and what kustomize says is wrong."""

    kustomization: str
    problem: str = ""


def _labels_text(labels: dict | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or Msg("none")


def _selector_text(selector: dict) -> str:
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        if isinstance(expr, dict):
            parts.append(f"{expr.get('key')} {expr.get('operator')} {expr.get('values') or ''}".strip())
    return ", ".join(parts) or Msg("none")


# -- KUBE001 -----------------------------------------------------------------------------------------
class SelectorTemplateMismatch(Check):
    code = "KUBE001"
    name = "selector-template-mismatch"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A Deployment's spec.selector does not match the labels of its own pod template."
    why = (
        "The API server rejects such a Deployment (`selector` does not match template `labels`), so "
        "`kubectl apply` fails for the whole file; and since the selector is immutable, changing it later "
        "means deleting the Deployment. It usually happens when an app is renamed in one place only or "
        "an overlay adds labels to the template but not to the selector."
    )
    example = "selector.matchLabels: {app: auth}; template.metadata.labels: {app: auth-service}"
    fix = "Make spec.selector.matchLabels a subset of spec.template.metadata.labels (usually: the same `app:` label)."
    Facts = SelectorFacts
    symptom = "`kubectl apply` rejects {workload}: selector does not match template labels"
    fix_title = "Make the selector of {workload} match its pod template's labels"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            for placed in env.of_kind(*SELECTED_KINDS):
                selector = placed.get("spec", "selector")
                if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
                    continue
                labels = _labels_of(placed)
                matched = selector_matches(selector, labels)
                if matched is None:
                    ctx.undecided(Msg("{workload} ({source}): a template fills in its selector or pod labels",
                                      workload=f"{placed.kind} {placed.name}", source=placed.source))
                    continue
                if matched:
                    continue
                where = placed.at(("spec", "selector"), label=f"selector: {_selector_text(selector)}")
                template = placed.at(("spec", "template", "metadata", "labels"), label=f"labels: {_labels_text(labels)}")
                key = (where.path, where.line, template.path, template.line)
                if key in seen:
                    continue
                seen.add(key)
                missing = {k: v for k, v in (selector.get("matchLabels") or {}).items() if str(labels.get(k)) != str(v)}
                yield self.finding(
                    Msg("{workload} selects {selector} but its pod template is labelled {labels} ({environment})",
                        workload=f"{placed.kind} {placed.name}", selector=_selector_text(selector), labels=_labels_text(labels),
                        environment=env.describe()),
                    where,
                    service=_component_of(ctx, placed),
                    related=[template],
                    evidence={"selector": selector, "template_labels": labels, "unmatched": missing, "environment": env.name},
                    root_cause=Msg(
                        "The API server requires the selector to match the template's labels; here {missing} is not on the "
                        "template, so `kubectl apply` rejects {workload} and none of its pods are created.",
                        missing=", ".join(f"{k}={v}" for k, v in missing.items()) or Msg("an expression"),
                        workload=f"{placed.kind} {placed.name}",
                    ),
                    facts=SelectorFacts(f"{placed.kind}/{placed.name}", selector, labels),
                    remediation=[f"kubectl apply -f {placed.source}"] if placed.source else [],
                )


# -- KUBE002 -----------------------------------------------------------------------------------------
class ServiceSelectsNothing(Check):
    code = "KUBE002"
    name = "service-selects-nothing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A Service's selector matches the pod labels of no workload in the repository."
    why = (
        "A Service routes to the pods its selector matches. With no match it has no endpoints: every caller "
        "gets `connection refused` or a gateway 503, although the pods are Running and healthy."
    )
    example = "Service auth-service selects app=auth; the Deployment's pods are labelled app=auth-service"
    fix = "Make the Service's selector equal to (a subset of) the labels of the pods it should reach."
    Facts = ServiceSelectorFacts
    symptom = "connection refused or 503 on Service {service}: it has no endpoints"
    fix_title = "Make the selector of Service {service} match the labels of its pods"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            pods = [(p, _labels_of(p)) for p in env.of_kind(*k8s.WORKLOAD_KINDS, "Pod", "CronJob")]
            if not pods:
                continue
            by_label: dict[tuple[str, str], list[tuple]] = {}  # (key, value) -> pods carrying that label
            for pod in pods:
                for key, value in pod[1].items():
                    by_label.setdefault((str(key), str(value)), []).append(pod)
            for service in env.of_kind("Service"):
                selector = service.get("spec", "selector")
                spec_type = service.get("spec", "type")  # Unknown when a template chooses it: not ExternalName
                if not isinstance(selector, dict) or not selector or (spec_type == "ExternalName" and not k8s.partly_unknown(spec_type)):
                    continue
                if not (env.kustomization or _component_of(ctx, service) or _beside_workloads(service, pods)):
                    continue  # may select pods an operator or a chart creates: judge Services kept with the workloads
                namespace = service.namespace
                if k8s.partly_unknown(selector) or k8s.partly_unknown(namespace):
                    ctx.undecided(Msg("Service {name} ({source}): a template fills in its selector or namespace", name=service.name, source=service.source))
                    continue
                pool = _pods_with_a_label_of(selector, by_label, pods)  # only these can match: no scan of every pod
                answers = {selector_matches(selector, labels) for p, labels in pool if _same_namespace(p, namespace)}
                if True in answers:
                    continue
                if None in answers:
                    ctx.undecided(Msg("Service {name} ({source}): a template fills in the labels of pods it may select", name=service.name, source=service.source))
                    continue
                candidates = [(p, labels) for p, labels in pods if _same_namespace(p, namespace)]
                unknown = _unknown_pods(env, service, candidates)
                if unknown:
                    ctx.undecided(Msg("Service {name} ({source}): {unknown} is a template whose pod labels only rendering shows",
                                      name=service.name, source=service.source, unknown=unknown))
                    continue
                where = service.at(("spec", "selector"), label=f"selector: {_labels_text(selector)}")
                if (where.path, where.line) in seen:
                    continue
                seen.add((where.path, where.line))
                near = _nearest(selector, candidates)
                related = [near[0].at(("spec", "template", "metadata", "labels"), label=f"labels: {_labels_text(near[1])}")] if near else []
                detail = Msg("; the closest is {workload} with {labels}", workload=f"{near[0].kind} {near[0].name}", labels=_labels_text(near[1])) if near else ""
                yield self.finding(
                    Msg("Service {name} selects {selector}, which no pod template carries ({environment}){detail}",
                        name=service.name, selector=_labels_text(selector), environment=env.describe(), detail=detail),
                    where,
                    service=_component_of(ctx, service),
                    related=related,
                    evidence={"selector": selector, "environment": env.name, "closest": near[0].name if near else None},
                    root_cause=Msg(
                        "Service {name} gets no endpoints: no Deployment, StatefulSet or other workload in "
                        "{environment} labels its pods {selector}, so connections to it are refused.",
                        name=service.name, environment=env.describe(), selector=_labels_text(selector),
                    ),
                    facts=ServiceSelectorFacts(service.name, selector, near[0].name if near else None),
                    remediation=[f"kubectl get endpoints {service.name} -n {namespace or ctx.catalogue.cluster.namespace}"],
                )


def _same_namespace(pod: Placed, namespace: str | None) -> bool:
    return namespace is None or pod.namespace is None or pod.namespace == namespace or k8s.partly_unknown(pod.namespace)


def _unknown_pods(env, service: Placed, candidates: list[tuple[Placed, dict]]) -> str | None:
    """A workload beside the Service (same chart, or same folder) whose pod labels a template
    leaves open, or a template there that cannot be read at all: the Service may select it."""
    def near(path: str) -> bool:
        return env.chart is not None or posixpath.dirname(path) == posixpath.dirname(service.source)

    for placed, labels in candidates:
        if near(placed.source) and (k8s.partly_unknown(labels) or not labels and placed.origin is not None and placed.origin.doc.template):
            return f"{placed.kind} {placed.name} ({placed.source})"
    return next((path for path in env.opaque if near(path)), None)


def _beside_workloads(service: Placed, pods: list[tuple[Placed, dict]]) -> bool:
    folder = posixpath.dirname(service.source)
    return any(posixpath.dirname(p.source) == folder for p, _ in pods)


def _nearest(selector: dict, candidates: list[tuple[Placed, dict]]) -> tuple[Placed, dict] | None:
    """The workload sharing most selector keys (and values) — usually the intended one."""
    best, score = None, 0
    for placed, labels in candidates:
        value = sum(2 if str(labels.get(k)) == str(v) else 1 for k, v in selector.items() if k in labels)
        if value > score:
            best, score = (placed, labels), value
    return best


# -- KUBE003 -----------------------------------------------------------------------------------------
class KustomizationDoesNotBuild(Check):
    code = "KUBE003"
    name = "kustomization-does-not-build"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A kustomization cannot be built: a resource, patch or env file it names is missing, or kustomize fails."
    why = (
        "`kubectl apply -k` renders the whole kustomization first; one missing file or invalid entry fails it "
        "and nothing of that overlay is applied."
    )
    example = "k8s/overlays/prod/kustomization.yaml: resources: [../../base/auth.yaml] — the file is base/06-auth-service.yaml"
    fix = "Point the entry at the file that exists (paths are relative to the kustomization's folder), then `kubectl kustomize DIR`."
    Facts = KustomizeFacts
    symptom = "`kubectl apply -k` fails for {kustomization}: nothing of it is deployed"
    fix_title = "Correct the entry kustomize cannot build in {kustomization}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        targets = leaves(ctx) or kustomizations(ctx)
        for k in targets:
            rendering = render(ctx, k)
            for message, where in rendering.problems:
                key = (where.path, where.line, message)
                if key in seen:
                    continue
                seen.add(key)
                yield self.finding(
                    Msg("{folder}: {problem}", folder=k.folder, problem=message),
                    where,
                    evidence={"kustomization": k.path, "renderer": rendering.renderer},
                    root_cause=Msg("`kubectl kustomize {folder}` (and `kubectl apply -k {folder}`) fails, so nothing of it is deployed.", folder=k.folder),
                    facts=KustomizeFacts(k.path, message),
                    remediation=[f"kubectl kustomize {k.folder}"],
                )


CHECKS = (SelectorTemplateMismatch, ServiceSelectsNothing, KustomizationDoesNotBuild)
