"""What a heal will do, derived from the fix plan: which images to rebuild and load, which manifests
to apply, which rollouts to restart and wait for. Building the plan changes nothing."""
from __future__ import annotations

from dataclasses import field

from ..deferred import dataclass
from ..analysis.build_inputs import Impact, impact
from ..catalogue import Catalogue, Component
from ..context import ScanContext
from ..fixing.planner import FixPlan
from ..repo import RepoView

BUILD, LOAD, APPLY, RESTART, WAIT = "build", "load", "apply", "restart", "wait"
PUSH, COMMIT, SYNC = "push", "commit", "sync"  # registry and gitops targets


@dataclass(frozen=True)
class Step:
    kind: str  # build | load | push | apply | restart | commit | sync | wait
    component: str | None
    # The equivalent command a person would type; shown in plans, progress and the report.
    command: str
    timeout: float
    manifest: str | None = None  # for apply
    image: str | None = None  # for push and a registry restart: the reference pushed and rolled out


@dataclass
class HealPlan:
    fix: FixPlan
    impact: Impact
    components: list[str]  # redeployed, dependencies first
    steps: list[Step] = field(default_factory=list)
    target: str = "kind"
    tag: str | None = None  # registry and gitops: the tag every pushed image gets
    branch: str | None = None  # gitops: where the change is committed
    tag_change: object | None = None  # gitops: heal.gitops.TagChange
    problems: list[str] = field(default_factory=list)  # why the plan cannot be carried out as it stands

    @property
    def changes_anything(self) -> bool:
        return bool(self.fix.changed_paths)


@dataclass(frozen=True)
class Timeouts:
    build: float = 900.0
    load: float = 600.0
    push: float = 600.0
    apply: float = 60.0
    rollout: float = 180.0
    sync: float = 300.0


def plan_heal(fix: FixPlan, catalogue: Catalogue, timeouts: Timeouts = Timeouts(), only: list[str] | None = None,
              tag: str | None = None, branch: str | None = None) -> HealPlan:
    """Steps for the files the fix plan changes (or, with `only`, for those components as they are).

    The catalogue's target decides the steps: kind builds and loads; registry builds, pushes `tag`
    and points the Deployment at it; gitops builds, pushes, commits the tag on `branch` and waits for
    Argo CD (no direct change to the cluster at all)."""
    repo = RepoView(fix.root, fix.changes, exclude=catalogue.exclude)  # the repository as it will be
    ctx = ScanContext(repo, catalogue)
    result = impact(ctx, fix.changed_paths)
    if only is not None:
        result = Impact(rebuild={n: ["(requested)"] for n in only}, reapply={}, config={})
    readers = {name for names in result.config.values() for name in names}
    touched = set(result.rebuild) | set(result.reapply) | readers
    ordered = [c.name for c in _dependency_order(catalogue) if c.name in touched]
    plan = HealPlan(fix, result, ordered, target=catalogue.target.type, tag=tag, branch=branch)
    if plan.target != "kind":
        return plan  # heal.targets.plan_for_target adds the registry/gitops steps
    ns, cluster = catalogue.cluster.namespace, catalogue.cluster.kind_cluster
    for manifest in sorted(result.config):  # shared ConfigMaps/Secrets first: their readers restart after
        plan.steps.append(Step(APPLY, None, f"kubectl apply -f {manifest}", timeouts.apply, manifest))
    for name in ordered:
        component = catalogue.component(name)
        if name in result.rebuild and component.image and component.dockerfile:
            context = component.build_context or "."
            plan.steps.append(Step(BUILD, name, f"docker build -t {component.image} -f {component.dockerfile} {context}", timeouts.build))
            plan.steps.append(Step(LOAD, name, f"kind load docker-image {component.image} --name {cluster}", timeouts.load))
        for manifest in result.reapply.get(name, []):
            plan.steps.append(Step(APPLY, name, f"kubectl apply -f {manifest}", timeouts.apply, manifest))
        if component.deployment:
            plan.steps.append(Step(RESTART, name, f"kubectl rollout restart deployment/{component.deployment} -n {ns}", timeouts.apply))
            plan.steps.append(Step(WAIT, name, f"kubectl rollout status deployment/{component.deployment} -n {ns} --timeout={timeouts.rollout:g}s", timeouts.rollout))
    return plan


def _dependency_order(catalogue: Catalogue) -> list[Component]:
    """Components with their dependencies first (catalogue order breaks ties; cycles keep catalogue order)."""
    done: list[Component] = []
    seen: set[str] = set()

    def visit(component: Component, path: tuple[str, ...]) -> None:
        if component.name in seen or component.name in path:
            return
        for dependency in component.depends_on:
            other = catalogue.component(dependency)
            if other is not None:
                visit(other, path + (component.name,))
        seen.add(component.name)
        done.append(component)

    for component in catalogue.components:
        visit(component, ())
    return done
