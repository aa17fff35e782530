"""The steps of a heal beyond kind: the registry target and the gitops target.

registry: build -> push registry/name:<commit> -> apply the fixed manifests -> point the Deployment
at the pushed reference (`kubectl set image`) -> wait. Rollback: the previous image reference.
gitops: build -> push -> commit the tag (and the fixed files) on the approved branch -> wait for the
Argo CD Application to be Synced and Healthy at that commit -> wait for the rollouts (read only).
Rollback: a revert commit, and Argo CD syncing back to it. Nothing in the cluster is patched.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..catalogue import Catalogue
from ..fixing.planner import FixPlan
from .plan import APPLY, BUILD, COMMIT, PUSH, RESTART, SYNC, WAIT, HealPlan, Step, Timeouts, plan_heal
from .registry import NoCommit, commit_tag, pushed_name

UNKNOWN_COMMIT = "<commit>"


def heal_tag(root: Path, changes: dict[str, str]) -> str:
    """The commit's short SHA; when the heal's fixes change files, a suffix naming those changes, so an
    image built from the fixed tree never takes the tag of the commit it was not built from."""
    try:
        sha = commit_tag(root)
    except NoCommit:
        sha = UNKNOWN_COMMIT
    if not changes:
        return sha
    digest = hashlib.sha256()
    for path in sorted(changes):
        digest.update(path.encode() + b"\0" + changes[path].encode() + b"\0")
    return f"{sha}-td{digest.hexdigest()[:7]}"


def plan_for_target(fix: FixPlan, catalogue: Catalogue, tag: str | None = None, branch: str | None = None,
                    timeouts: Timeouts = Timeouts()) -> HealPlan:
    """The heal plan for the catalogue's target: kind's steps, or the registry/gitops ones."""
    plan = plan_heal(fix, catalogue, timeouts, tag=tag, branch=branch)
    if plan.target != "kind":
        plan_target_steps(plan, catalogue, timeouts)
    return plan


def plan_target_steps(plan: HealPlan, catalogue: Catalogue, timeouts: Timeouts) -> None:
    target = catalogue.target
    ns = catalogue.cluster.namespace
    result = plan.impact
    tag = plan.tag or UNKNOWN_COMMIT
    rebuilt = []
    for name in plan.components:
        component = catalogue.component(name)
        if name in result.rebuild and component.image and component.dockerfile:
            reference = f"{pushed_name(target.registry or '', component.image)}:{tag}"
            context = component.build_context or "."
            plan.steps.append(Step(BUILD, name, f"docker build -t {component.image} -f {component.dockerfile} {context}", timeouts.build))
            plan.steps.append(Step(PUSH, name, f"docker push {reference}", timeouts.push, image=reference))
            rebuilt.append(name)
    if target.type == "registry":
        for manifest in sorted(result.config):
            plan.steps.append(Step(APPLY, None, f"kubectl apply -f {manifest}", timeouts.apply, manifest))
        for name in plan.components:
            component = catalogue.component(name)
            for manifest in result.reapply.get(name, []):
                plan.steps.append(Step(APPLY, name, f"kubectl apply -f {manifest}", timeouts.apply, manifest))
            if not component.deployment:
                continue
            push = next((s for s in plan.steps if s.kind == PUSH and s.component == name), None)
            if push is not None:
                plan.steps.append(Step(RESTART, name, f"kubectl set image deployment/{component.deployment} {name}={push.image} -n {ns}",
                                       timeouts.apply, image=push.image))
            else:
                plan.steps.append(Step(RESTART, name, f"kubectl rollout restart deployment/{component.deployment} -n {ns}", timeouts.apply))
            plan.steps.append(_wait(component.deployment, name, ns, timeouts))
        return
    # gitops
    if rebuilt:
        from .gitops import GitOpsError, plan_tag_change

        try:
            plan.tag_change = plan_tag_change(plan.fix.root, catalogue, rebuilt, tag)
        except GitOpsError as exc:
            plan.problems.append(str(exc))
    branch = plan.branch or target.branch or "<the branch the Application tracks>"
    files = [plan.tag_change.path] if plan.tag_change is not None else ([_tag_file_shown(plan, catalogue)] if rebuilt else [])
    files += [p for p in plan.fix.changed_paths if p not in files]
    push = f" && git push {target.remote} HEAD:{branch}" if target.remote else ""
    if rebuilt or plan.fix.changed_paths:
        plan.steps.append(Step(COMMIT, None, f"git switch {branch} && git commit -m 'heal: ...' -- {' '.join(files)}{push}", timeouts.apply))
        plan.steps.append(Step(SYNC, None, f"argocd app wait {target.application} --sync --health --timeout {timeouts.sync:g}", timeouts.sync))
        for name in plan.components:
            component = catalogue.component(name)
            if component.deployment:
                plan.steps.append(_wait(component.deployment, name, ns, timeouts))


def _tag_file_shown(plan: HealPlan, catalogue: Catalogue) -> str:
    from .gitops import GitOpsError, tag_file

    try:
        return tag_file(plan.fix.root, catalogue.target)
    except GitOpsError:
        return catalogue.target.values or catalogue.target.overlay or "."


def _wait(deployment: str, name: str, ns: str, timeouts: Timeouts) -> Step:
    return Step(WAIT, name, f"kubectl rollout status deployment/{deployment} -n {ns} --timeout={timeouts.rollout:g}s", timeouts.rollout)
