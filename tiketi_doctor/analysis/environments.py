"""The Kubernetes objects a repository deploys, per environment.

An environment is either the plain manifests (`kubectl apply -f`: every Kubernetes YAML file
that no kustomization includes, figit/envsubst templates read as partially known), one Helm
chart (its templates read as partially known, with the chart's default values; see helm.py) or
one applied kustomization (an overlay, rendered). A base
that overlays include is checked through the overlays only: its own `image: app` without a
tag is never deployed as written. Component workloads are found in each environment by
their source document or, for generated output, by name.
"""
from __future__ import annotations

import posixpath
from dataclasses import field

from ..deferred import dataclass
from ..catalogue import REPO_CATALOGUE_NAMES, Component
from ..parsing.templates import OpenDict
from ..context import ScanContext
from . import helm, k8s
from .kustomize import KUSTOMIZATION_FILES, Placed, Rendering, included_files, leaves, render
from ..files import holds_kubernetes_objects, is_compose_file

PLAIN = "manifests"
# apiVersions of YAML files that are not Kubernetes objects (kind's cluster config, kustomize's own).
_NOT_OBJECTS = ("kind.x-k8s.io/", "kustomize.config.k8s.io/", "skaffold/", "config.k8s.io/")


@dataclass
class Environment:
    name: str  # "manifests" or the kustomization folder ("k8s/overlays/prod")
    objects: list[Placed]
    kustomization: str | None = None  # the kustomization file
    renderer: str = "files"  # files | kubectl | reader | helm-template
    chart: str | None = None  # the Helm chart folder
    # Template files whose objects cannot be read without rendering (checks cannot rule them out).
    opaque: list[str] = field(default_factory=list)
    rendering: Rendering | None = field(default=None, repr=False)
    _by_kind: dict[str, list[Placed]] | None = field(default=None, init=False, repr=False, compare=False)
    _workloads: dict | None = field(default=None, init=False, repr=False, compare=False)
    _selectors: "_SelectorIndex | None" = field(default=None, init=False, repr=False, compare=False)

    def of_kind(self, *kinds: str) -> list[Placed]:
        if self._by_kind is None:  # every component asks: index once (objects do not change after rendering)
            self._by_kind = {}
            for placed in self.objects:
                self._by_kind.setdefault(placed.kind, []).append(placed)
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        return [o for o in self.objects if o.kind in kinds]

    def services_selecting(self, labels: dict | None) -> list[tuple[Placed, bool | None]]:
        """(Service, True or None) for each Service whose selector matches pod `labels` or may
        (None: a template leaves it open), in file order; Services without a selector never do.
        Indexed once by selector, so a workload is compared with the Services that could select
        it, not with every Service."""
        if self._selectors is None:
            self._selectors = _SelectorIndex(self.of_kind("Service"))
        return self._selectors.selecting(labels if labels is not None else {})

    def find(self, kind: str, name: str, namespace: str | None = None) -> Placed | None:
        for placed in self.objects:
            if placed.kind == kind and placed.name == name and _same_namespace(placed.namespace, namespace):
                return placed
        return None

    def describe(self) -> str:
        from ..i18n import Msg

        if self.chart is not None:
            return Msg("the Helm chart {chart}", chart=self.chart)
        return Msg("the plain manifests") if self.kustomization is None else Msg("the kustomization {name}", name=self.name)


class _SelectorIndex:
    """Services by one (key, value) pair of their selector: a selector matches only labels that
    hold each of its pairs, so the labels' own pairs name every Service that may match them. A
    label whose value a template fills in may equal any value: that key's Services are candidates;
    a label map a template extends (OpenDict) may hold any pair: every Service is."""

    def __init__(self, services: list[Placed]):
        self.services: list[tuple[Placed, dict]] = []
        self.always: list[int] = []  # selectors the index cannot place (templated)
        self.by_pair: dict[tuple[str, str], list[int]] = {}
        self.by_key: dict[str, list[int]] = {}
        for service in services:
            selector = service.get("spec", "selector")
            if not isinstance(selector, dict) or not selector:
                continue
            index = len(self.services)
            self.services.append((service, selector))
            plain = "matchLabels" not in selector and "matchExpressions" not in selector
            if not plain or k8s.partly_unknown(selector):
                self.always.append(index)
                continue
            key, value = next(iter(selector.items()))
            self.by_pair.setdefault((str(key), str(value)), []).append(index)
            self.by_key.setdefault(str(key), []).append(index)

    def selecting(self, labels: dict) -> list[tuple[Placed, bool | None]]:
        if isinstance(labels, OpenDict):
            candidates = set(range(len(self.services)))
        else:
            candidates = set(self.always)
            for key, value in labels.items():
                found = self.by_key.get(str(key)) if k8s.partly_unknown(value) else self.by_pair.get((str(key), str(value)))
                candidates.update(found or ())
        result = []
        for index in sorted(candidates):
            service, selector = self.services[index]
            matched = selector_matches(selector, labels)
            if matched is not False:
                result.append((service, matched))
        return result


def _same_namespace(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def manifest_files(ctx: ScanContext) -> list[str]:
    """Repository YAML files that hold Kubernetes objects (not workflows, compose, Helm chart
    templates: each chart is an environment of its own)."""
    return ctx.memo("k8s-manifest-files", lambda: [p for p in ctx.repo.walk(suffixes=(".yaml", ".yml")) if _is_manifest(ctx, p)])


def _is_manifest(ctx: ScanContext, path: str) -> bool:
    name = posixpath.basename(path)
    if path.startswith(".github/") or name in KUSTOMIZATION_FILES or name in REPO_CATALOGUE_NAMES:
        return False
    if is_compose_file(name) or name in (".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "Chart.yaml"):
        return False
    source = ctx.repo.text(path)
    if source is None or helm.chart_of(ctx, path) is not None:
        return False
    return holds_kubernetes_objects(source.text)


def plain_objects(ctx: ScanContext, paths: list[str]) -> list[Placed]:
    found = []
    for path in paths:
        for obj in k8s.objects(ctx, path):
            api = str(obj.data.get("apiVersion", ""))
            if api.startswith(_NOT_OBJECTS):
                continue
            found.append(Placed(obj.data, obj))
    return found


def environments(ctx: ScanContext) -> list[Environment]:
    return ctx.memo("environments", lambda: _environments(ctx))


def _environments(ctx: ScanContext) -> list[Environment]:
    included = included_files(ctx)
    components = {p for c in ctx.catalogue.components for p in c.manifests}
    charted = {p for chart in helm.charts(ctx) for p in helm.template_files(ctx, chart)}
    plain_paths = sorted({p for p in manifest_files(ctx) if p not in included} | {p for p in components if p not in included | charted})
    envs = [Environment(PLAIN, plain_objects(ctx, plain_paths), opaque=[p for p in plain_paths if k8s.opaque(ctx, p)])]
    for chart in helm.charts(ctx):
        files = helm.template_files(ctx, chart)
        if files:
            opaque = [p for p in files if k8s.opaque(ctx, p)]
            envs.append(Environment(chart, plain_objects(ctx, files), renderer="helm-template", chart=chart, opaque=opaque))
    for k in leaves(ctx):
        rendering = render(ctx, k)
        envs.append(Environment(k.folder, rendering.objects, k.path, rendering.renderer, rendering=rendering))
    return envs


def workload_in(ctx: ScanContext, env: Environment, component: Component) -> Placed | None:
    """The component's workload as `env` deploys it."""
    by_origin, by_name = _workload_index(env)
    source = k8s.workload(ctx, component)
    if source is not None:
        placed = by_origin.get((source.path, source.doc.index))
        if placed is not None:
            return placed
    named = by_name.get(component.deployment or component.name, [])
    return named[0] if len(named) == 1 else None


def _workload_index(env: Environment) -> tuple[dict[tuple[str, int], Placed], dict[str, list[Placed]]]:
    """An environment's workloads by source document (the first wins) and by name (their own or
    their source's), built once for all components."""
    if env._workloads is None:
        by_origin: dict[tuple[str, int], Placed] = {}
        by_name: dict[str, list[Placed]] = {}
        for placed in env.of_kind(*k8s.WORKLOAD_KINDS):
            if placed.origin is not None:
                by_origin.setdefault((placed.origin.path, placed.origin.doc.index), placed)
            names = {placed.name} | ({placed.origin.name} if placed.origin is not None else set())
            for name in names:
                by_name.setdefault(name, []).append(placed)
        env._workloads = {"origin": by_origin, "name": by_name}
    return env._workloads["origin"], env._workloads["name"]


def main_container(placed: Placed, component: Component) -> tuple[tuple, dict] | None:
    """(JSON path, container) of the component's container in a placed workload."""
    spec = ("spec",) if placed.kind == "Pod" else ("spec", "template", "spec")
    items = placed.get(*spec, "containers")
    if not isinstance(items, list):
        return None
    found = [(spec + ("containers", i), c) for i, c in enumerate(items) if isinstance(c, dict)]
    for path, container in found:
        if container.get("name") in (component.name, component.deployment):
            return path, container
    return found[0] if found else None


def pod_labels(placed: Placed) -> dict | None:
    """The pod template's labels; an empty OpenDict when a template block may write them."""
    meta_path = ("metadata",) if placed.kind == "Pod" else ("spec", "template", "metadata")
    labels = placed.get(*meta_path, "labels")
    if isinstance(labels, dict):
        return labels
    if labels is None and any(isinstance(placed.get(*meta_path[:i]), OpenDict) for i in range(len(meta_path) + 1)):
        return OpenDict()
    return None


def selector_matches(selector: dict, labels: dict) -> bool | None:
    """A label selector (matchLabels + matchExpressions, or a Service's plain map) against labels:
    True or False, or None when a template leaves the answer open (an Unknown value, a label map
    an include block extends). Callers must treat None as undecided, never as a mismatch."""
    open_labels = isinstance(labels, OpenDict)  # keys may be missing only because a block adds them
    if k8s.partly_unknown(selector):
        return None
    match_labels = selector.get("matchLabels") if "matchLabels" in selector or "matchExpressions" in selector else selector
    undecided = False
    for key, value in (match_labels or {}).items():
        if key in labels:
            if k8s.partly_unknown(labels[key]):
                undecided = True
            elif str(labels[key]) != str(value):
                return False
        elif open_labels:
            undecided = True  # the key may be among those the template adds
        else:
            return False
    for expr in selector.get("matchExpressions") or [] if "matchExpressions" in selector else []:
        if not isinstance(expr, dict):
            continue
        key, op = expr.get("key"), expr.get("operator")
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if (present and k8s.partly_unknown(labels[key])) or (not present and open_labels):
            undecided = True
            continue
        if op == "In" and not (present and str(labels[key]) in values):
            return False
        if op == "NotIn" and present and str(labels[key]) in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return None if undecided else True
