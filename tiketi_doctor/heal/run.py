"""Carry out a heal plan: write the fixes, build, load, apply, roll out, wait, verify — or roll back.

Every step is timed and recorded; a failure or an interrupt stops at that step, says which, and
rolls back what was done (rollouts undone, applied manifests re-applied from their original text,
files restored from the fix journal).
"""
from __future__ import annotations

import time
from dataclasses import field
from pathlib import Path
from typing import Callable, Protocol

from ..deferred import dataclass
from ..catalogue import Catalogue
from ..i18n import Msg
from ..cluster import operations
from ..cluster.access import ClusterError, Session
from ..fixing.writer import undo, write_plan
from ..model import CommandRecord
from ..parsing.yamldoc import parse_yaml_documents
from .plan import APPLY, BUILD, COMMIT, LOAD, PUSH, RESTART, SYNC, WAIT, HealPlan, Step

SET_IMAGE, RESTART_ONLY = "set-image", "restart"


class Progress(Protocol):
    def started(self, step: Step) -> None: ...
    def finished(self, result: "StepResult") -> None: ...
    def log(self, line: str) -> None: ...


@dataclass
class StepResult:
    step: Step
    ok: bool
    seconds: float
    detail: str = ""
    output: str = ""  # the tail shown when it failed

    def record(self) -> CommandRecord:
        return CommandRecord(self.step.command, 0 if self.ok else 1, self.step.component, self.output, self.seconds)


@dataclass
class HealOptions:
    strategy: str = SET_IMAGE
    allow_context: str | None = None


@dataclass
class Execution:
    results: list[StepResult] = field(default_factory=list)
    journal: Path | None = None
    failed: StepResult | None = None
    interrupted: Step | None = None
    built: dict[str, str] = field(default_factory=dict)  # component -> unique tag of the new image
    changed: dict[str, int] = field(default_factory=dict)  # deployment -> generation to wait for
    touched: list[str] = field(default_factory=list)  # deployments whose pods this heal replaced
    applied: list[str] = field(default_factory=list)  # manifests applied
    # The objects as the cluster had them before this heal applied anything: what a rollback restores.
    saved: list[dict] = field(default_factory=list)
    pushed: dict[str, str] = field(default_factory=dict)  # component -> registry reference pushed
    commit: object | None = None  # gitops: heal.gitops.Commit made by this heal


def execute(plan: HealPlan, catalogue: Catalogue, session: Session, options: HealOptions, progress: Progress) -> Execution:
    """Write the fixes and run every step in order; stop at the first failure or interrupt."""
    run = Execution()
    run.journal = write_plan(plan.fix)
    step: Step | None = None
    try:
        for step in plan.steps:
            progress.started(step)
            started = time.monotonic()
            try:
                detail = _STEPS[step.kind](step, plan, catalogue, session, options, run, progress)
                result = StepResult(step, True, time.monotonic() - started, detail)
            except (operations.RolloutError, operations.MutationRefused, ClusterError) as exc:
                result = StepResult(step, False, time.monotonic() - started, str(exc))
            except Exception as exc:  # runner errors carry a printable message with the log tail
                from ..runners import RunnerError

                if not isinstance(exc, RunnerError):
                    raise
                result = StepResult(step, False, time.monotonic() - started, exc.headline(), exc.message())
            run.results.append(result)
            progress.finished(result)
            if not result.ok:
                run.failed = result
                break
    except KeyboardInterrupt:
        run.interrupted = step
    return run


def _build(step, plan, catalogue, session, options, run, progress) -> str:
    from ..runners.images import build_image

    component = catalogue.component(step.component)
    result = build_image(
        plan.fix.root, component.build_context or ".", component.dockerfile, [component.image],
        on_log=progress.log, timeout=step.timeout,
    )
    run.built[component.name] = result.unique_tag
    return f"{result.unique_tag} ({result.image_id[:19]})"


def _load(step, plan, catalogue, session, options, run, progress) -> str:
    from ..runners.kind import load_image

    component = catalogue.component(step.component)
    # Set-image loads the build's own tag: the catalogue tag on the nodes keeps the previous image,
    # which is what a rollback returns to. Restart reloads the catalogue tag itself.
    image = run.built[component.name] if options.strategy == SET_IMAGE else component.image
    result = load_image(image, catalogue.cluster.kind_cluster, timeout=step.timeout, on_log=progress.log)
    result.raise_for_failures()
    return ", ".join(f"{n.node}: {n.outcome}" for n in result.nodes)


def _apply(step, plan, catalogue, session, options, run, progress) -> str:
    text = plan.fix.changes.get(step.manifest) or (plan.fix.root / step.manifest).read_text(encoding="utf-8")
    done = []
    for doc in parse_yaml_documents(text):
        obj = doc.data if isinstance(doc.data, dict) else {}
        if obj.get("kind") in operations.APPLIED_KINDS:
            _save_live(session, obj, run)
            change = operations.apply_object(session, obj, allow_mutation=True, allow_context=options.allow_context)
            done.append(change.detail)
            if obj["kind"] == "Deployment":
                run.changed[change.deployment] = change.generation
                run.touched.append(change.deployment)
    run.applied.append(step.manifest)
    return "; ".join(done)


def _save_live(session: Session, obj: dict, run: Execution) -> None:
    resource, _ = operations.APPLIED_KINDS[obj["kind"]]
    try:
        live = session.get(resource, obj["metadata"]["name"])
    except ClusterError as exc:
        if exc.status != 404:
            raise
        return  # created by this heal: nothing to restore
    run.saved.append({key: live[key] for key in ("apiVersion", "kind", "metadata", "spec", "data") if key in live} | {"kind": obj["kind"]})


def _push(step, plan, catalogue, session, options, run, progress) -> str:
    from .registry import push_image

    component = catalogue.component(step.component)
    source = run.built.get(component.name) or component.image
    pushed = push_image(source, step.image, on_log=progress.log, timeout=step.timeout)
    run.pushed[component.name] = pushed.reference
    return f"{pushed.reference}" + (f" ({pushed.digest[:19]})" if pushed.digest else "")


def _commit(step, plan, catalogue, session, options, run, progress) -> str:
    from .gitops import TagChange, write_and_commit

    root = plan.fix.root
    change = plan.tag_change
    if change is None:  # only fixed files to commit: an empty tag change of the first one
        first = plan.fix.changed_paths[0]
        text = (root / first).read_text(encoding="utf-8")
        change = TagChange(first, text, text, ())
    message = "heal: " + ("; ".join(change.images) if change.images else f"{len(plan.fix.changed_paths)} fixed files")
    run.commit = write_and_commit(root, change, plan.fix.changed_paths, plan.branch, catalogue.target.remote, message)
    return f"{run.commit.sha[:7]} on {run.commit.branch}" + (f", pushed to {catalogue.target.remote}" if run.commit.pushed else "")


def _sync(step, plan, catalogue, session, options, run, progress) -> str:
    target = catalogue.target
    deployments = tuple(c.deployment for c in map(catalogue.component, plan.components) if c.deployment)
    status = operations.wait_for_application(session, target.application, target.application_namespace, run.commit.sha,
                                             timeout=step.timeout, deployments=deployments)
    if not status.done:
        raise operations.RolloutError(status.message)
    return status.message


def _restart(step, plan, catalogue, session, options, run, progress) -> str:
    component = catalogue.component(step.component)
    deployment = component.deployment
    if step.image is not None:  # registry target: the pushed reference
        container = component.name if _has_container(session, deployment, component.name) else _first_container(session, deployment)
        change = operations.set_image(session, deployment, container, step.image, allow_mutation=True, allow_context=options.allow_context)
    elif options.strategy == SET_IMAGE and component.name in run.built:
        container = component.name if _has_container(session, deployment, component.name) else _first_container(session, deployment)
        change = operations.set_image(session, deployment, container, run.built[component.name],
                                      allow_mutation=True, allow_context=options.allow_context)
    elif deployment in run.changed and component.name not in run.built:
        return Msg("the applied manifest already started a rollout")
    else:
        change = operations.rollout_restart(session, deployment, allow_mutation=True, allow_context=options.allow_context)
    run.changed[deployment] = change.generation
    run.touched.append(deployment)
    return change.detail


def _wait(step, plan, catalogue, session, options, run, progress) -> str:
    deployment = catalogue.component(step.component).deployment
    status = operations.wait_for_rollout(session, deployment, timeout=step.timeout, min_generation=run.changed.get(deployment))
    if not status.done:
        raise operations.RolloutError(status.message)
    return status.message


def _has_container(session: Session, deployment: str, name: str) -> bool:
    containers = session.get("deployments", deployment)["spec"]["template"]["spec"]["containers"]
    return any(c.get("name") == name for c in containers)


def _first_container(session: Session, deployment: str) -> str:
    return session.get("deployments", deployment)["spec"]["template"]["spec"]["containers"][0]["name"]


_STEPS: dict[str, Callable] = {BUILD: _build, LOAD: _load, PUSH: _push, APPLY: _apply, RESTART: _restart, COMMIT: _commit,
                                SYNC: _sync, WAIT: _wait}


def finalize(plan: HealPlan, catalogue: Catalogue, run: Execution, options: HealOptions, progress: Progress) -> list[StepResult]:
    """After a verified set-image heal: load the catalogue tags too, so manifests applied later run this build."""
    if options.strategy != SET_IMAGE or plan.target != "kind":
        return []
    from ..runners.kind import load_image

    results = []
    for name in run.built:
        component = catalogue.component(name)
        step = Step(LOAD, name, f"kind load docker-image {component.image} --name {catalogue.cluster.kind_cluster}", 600.0)
        progress.started(step)
        started = time.monotonic()
        try:
            load_image(component.image, catalogue.cluster.kind_cluster, timeout=step.timeout, on_log=progress.log).raise_for_failures()
            result = StepResult(step, True, time.monotonic() - started, Msg("catalogue tag now names this build"))
        except Exception as exc:  # the heal is verified already: report, do not roll back
            result = StepResult(step, False, time.monotonic() - started, exc.headline(), exc.message())
        results.append(result)
        progress.finished(result)
    return results


def rollback(plan: HealPlan, catalogue: Catalogue, session: Session, run: Execution, options: HealOptions,
             progress: Progress) -> list[StepResult]:
    """Undo what the heal did, newest first: manifests re-applied as they were, rollouts undone, files restored."""
    results: list[StepResult] = []

    def attempt(step: Step, action: Callable[[], str]) -> None:
        progress.started(step)
        started = time.monotonic()
        try:
            result = StepResult(step, True, time.monotonic() - started, action())
        except Exception as exc:  # keep rolling back the rest, and say what could not be undone
            result = StepResult(step, False, time.monotonic() - started, str(exc).splitlines()[0] if str(exc) else repr(exc))
        results.append(result)
        progress.finished(result)

    if run.commit is not None:  # gitops: Git is put back, and Argo CD follows it back
        _revert(plan, catalogue, session, run, attempt)
        return results
    reapplied: set[str] = set()
    for live in reversed(run.saved):
        name = live["metadata"]["name"]

        def restore(obj=live) -> str:
            operations.apply_object(session, obj, allow_mutation=True, allow_context=options.allow_context)
            return Msg("{kind} {name} as it was before the heal", kind=obj["kind"], name=obj["metadata"]["name"])

        attempt(Step(APPLY, None, f"restore {live['kind']} {name}", 60.0), restore)
        if live["kind"] == "Deployment":
            reapplied.add(name)
    for deployment in dict.fromkeys(reversed(run.touched)):
        if deployment in reapplied:
            continue
        attempt(
            Step(RESTART, None, f"kubectl rollout undo deployment/{deployment} -n {catalogue.cluster.namespace}", 60.0),
            lambda d=deployment: operations.rollout_undo(session, d, allow_mutation=True, allow_context=options.allow_context).detail,
        )
    if run.journal is not None:
        attempt(Step("restore", None, "tiketi-doctor fix --undo", 30.0), lambda: Msg("restored {count} files", count=len(undo(plan.fix.root, run.journal))))
    return results


def _revert(plan: HealPlan, catalogue: Catalogue, session: Session, run: Execution, attempt) -> None:
    from .gitops import revert

    target = catalogue.target
    commit = run.commit
    reverted: list = []

    def do_revert() -> str:
        reverted.append(revert(plan.fix.root, commit, target.remote))
        return f"revert commit {reverted[0].sha[:7]} of {commit.sha[:7]} on {commit.branch}" + (", pushed" if reverted[0].pushed else "")

    push = f" && git push {target.remote} HEAD:{commit.branch}" if target.remote and commit.pushed else ""
    attempt(Step(COMMIT, None, f"git revert --no-edit {commit.sha[:7]}{push}", 60.0), do_revert)
    if not reverted:
        return

    def synced_back() -> str:
        status = operations.wait_for_application(session, target.application, target.application_namespace, reverted[0].sha, timeout=300.0,
                                                 healthy=False)
        if not status.done:
            raise operations.RolloutError(status.message)
        return status.message

    attempt(Step(SYNC, None, f"argocd app wait {target.application} --sync", 300.0), synced_back)
