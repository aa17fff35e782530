"""`tiketi-doctor heal`, `rebuild` and `redeploy`: the report's hour of manual work as one command."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from ..catalogue import CatalogueError
from ..catalogue_choice import find_catalogue
from ..i18n import Msg, N_, localize
from ..model import FindingStatus, Report
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_USAGE, error, print_catalogue_error

EXIT_INTERRUPTED = 130

# The step kinds as the plan and the progress lines name them (tiketi_doctor/heal/plan.py).
STEP_WORDS = {
    "build": N_("build"), "load": N_("load"), "apply": N_("apply"), "restart": N_("restart"), "wait": N_("wait"),
    "push": N_("push"), "commit": N_("commit"), "sync": N_("sync"), "restore": N_("restore"),
}


def _say(message) -> str:
    """A message in the process's language (plain strings pass through)."""
    return localize(message)


def _kind(kind: str, cells: int = 8) -> str:
    """A step kind in the process's language, padded to `cells` terminal cells (as `{kind:8}` in English)."""
    from rich.cells import cell_len

    word = localize(Msg(STEP_WORDS[kind])) if kind in STEP_WORDS else kind
    return word + " " * max(0, cells - cell_len(word))


class ConsoleProgress:
    """A line when each step ends, with its duration; on a terminal a spinner shows the running step.
    Build output streams with -v."""

    def __init__(self, verbose: bool, out=None):
        self.verbose = verbose
        self.out = out or sys.stdout  # the stream at call time, not at import time
        self._status = None
        self._console = None
        if self.out.isatty():
            from rich.console import Console

            self._console = Console(file=self.out, highlight=False)

    def started(self, step) -> None:
        text = f"{_kind(step.kind, 0)} {step.component or ''}: {step.command}"
        if self._console is not None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self.out.write(f"  … {_kind(step.kind)} {step.component or '':16} {step.command}\n")
            self.out.flush()

    def finished(self, result) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        mark = "✔" if result.ok else "✖"
        self.out.write(f"  {mark} {_kind(result.step.kind)} {result.step.component or '':16} {result.seconds:6.1f} s  {_say(result.detail)}\n")
        if not result.ok and result.output:
            for line in _say(result.output).splitlines()[-30:]:
                self.out.write(f"      {line}\n")
        self.out.flush()

    def log(self, line: str) -> None:
        if self.verbose:
            if self._console is not None:
                self._console.print(f"      | {line.rstrip()}", markup=False)
            else:
                self.out.write(f"      | {line.rstrip()}\n")


def run_heal(path: Path, options: dict) -> int:
    """Check, fix, rebuild, load, roll out, wait, verify; roll back when verification fails."""
    from ..cluster.access import ClusterError, connect, is_kind_context
    from ..cluster.runner import LiveOptions, resolve_target
    from ..context import ScanContext
    from ..repo import RepoView
    from ..fixing.context import FixOptions
    from ..fixing.writer import WriteRefused
    from ..fixing.planner import BrokenFix, NotConverged, plan_fixes
    from ..fixing.registry import load_fixers
    from ..heal.run import HealOptions, execute, finalize, rollback
    from ..heal.targets import plan_for_target
    from ..heal.verify import diagnose, verify
    from ..registry import is_selected

    setup = _setup(path, options)
    if isinstance(setup, int):
        return setup
    catalogue, registry = setup
    live = LiveOptions(options.get("context"), options.get("kubeconfig"), options.get("namespace"), options.get("base_url") or [])
    target = resolve_target(live, catalogue)
    kind_target = catalogue.target.type == "kind"
    if kind_target:
        refusal = _context_refusal(target.context, options.get("allow_context"), is_kind_context)
        if refusal is None and not options.get("dry_run"):
            refusal = _cluster_refusal(target, options.get("allow_context"))
    else:
        refusal = _spelled_out_refusal(target.context, options.get("context"), is_kind_context)
    if refusal and not options.get("dry_run"):
        error(refusal)
        return EXIT_USAGE
    allowed = options.get("allow_context") if kind_target else (options.get("context") or options.get("allow_context"))
    out = sys.stdout
    out.write(_say(Msg("tiketi-doctor heal: {path} → context {context}, namespace {namespace}, target {target}",
                       path=str(path), context=target.context, namespace=target.namespace, target=catalogue.target.type)) + "\n")

    started = time.monotonic()
    scanned = ScanContext(RepoView.of(path, catalogue), catalogue, track_reads=True)
    before, outcome = diagnose(path, catalogue, registry, live, scanned)
    if not outcome.ran and not options.get("dry_run"):
        error(Msg("cannot heal: {reason}", reason=outcome.summary()))
        return 4
    live_before = [f for f in before.findings if f.code.startswith("CL")]
    out.write(_say(Msg("found {count} problems ({live} seen in the cluster)", count=len(before.findings), live=len(live_before))) + "\n")

    selected, ignored = options.get("select") or [], options.get("ignore") or []
    fixers = {c: f for c, f in load_fixers().items() if is_selected(c, selected, ignored)}
    try:
        fix = plan_fixes(path, catalogue, registry.runnable(), fixers, FixOptions(minimal=options.get("minimal", False)), first=scanned)
    except (NotConverged, BrokenFix) as exc:
        error(Msg("{reason}; nothing was written", reason=str(exc)))
        return EXIT_INTERNAL
    tag = branch = None
    if not kind_target:
        from ..heal.targets import heal_tag

        tag = heal_tag(path, {p: fix.changes[p] for p in fix.changed_paths})
        branch = _gitops_branch(path, catalogue, target) if catalogue.target.type == "gitops" else None
    plan = plan_for_target(fix, catalogue, tag=tag, branch=branch)
    _print_plan(plan, out)
    if options.get("dry_run"):
        out.write(_say(Msg("dry run: nothing was changed")) + "\n")
        return EXIT_FINDINGS if plan.changes_anything else EXIT_CLEAN
    if not plan.changes_anything:
        out.write(_say(Msg("nothing to fix")) + "\n")
        return EXIT_CLEAN if not before.fails(options.get("fail_on")) else EXIT_FINDINGS
    if plan.problems or (tag is not None and tag.startswith("<")) or (catalogue.target.type == "gitops" and not branch):
        problems = plan.problems or ([Msg("{path} is not a Git checkout with a commit: images are tagged with the commit", path=str(path))]
                                     if tag and tag.startswith("<") else [Msg("no branch to commit on: name target.branch in the catalogue")])
        for problem in problems:
            error(Msg("cannot heal: {reason}", reason=problem))
        return EXIT_USAGE
    if not _confirmed(options.get("yes"), Msg("Apply {files} file changes and run {steps} steps on {context}?",
                                              files=len(fix.changed_paths), steps=len(plan.steps), context=target.context)):
        error(Msg(NOT_CONFIRMED))
        return EXIT_USAGE
    if any(s.kind == "build" for s in plan.steps) and (problem := _docker_problem()):
        error(Msg("cannot heal: {reason}", reason=problem))
        return EXIT_USAGE

    heal_options = HealOptions(options.get("strategy", "set-image"), allowed)
    progress = ConsoleProgress(options.get("verbose", False))
    try:
        session = connect(target)
    except ClusterError as exc:
        error(Msg("cannot heal: {reason}", reason=str(exc)))
        return 4
    records = []
    with session:
        if plan.target != "gitops" and (managed := _gitops_managed(session, plan, catalogue)):
            for line in managed:
                error(line)
            error(Msg("nothing was changed; the Git change that heals it is the fix plan above (tiketi-doctor fix --patch), "
                      "or set target: {{type: gitops, ...}} in the catalogue so heal commits it and waits for Argo CD"))
            return EXIT_USAGE
        try:
            run = execute(plan, catalogue, session, heal_options, progress)
        except WriteRefused as exc:  # a fix could not be written: nothing was changed, nothing to roll back
            error(Msg("cannot heal: nothing was written: {reason}", reason=str(exc)))
            return EXIT_USAGE
        records += [r.record() for r in run.results]
        if run.interrupted is not None:
            out.write(_say(Msg("interrupted during: {command}", command=run.interrupted.command)) + "\n")
        verified = None
        if run.failed is None and run.interrupted is None:
            out.write(_say(Msg("verifying…")) + "\n")
            verified = verify(path, catalogue, registry, live, plan.components, live_before)
        if verified is None or not verified.ok:
            failed = [Msg("step failed: {command}: {detail}", command=run.failed.step.command, detail=run.failed.detail)] if run.failed else []
            for problem in (verified.problems if verified else failed):
                out.write(f"  ✖ {_say(problem)}\n")
            out.write(_say(Msg("rolling back…")) + "\n")
            records += [r.record() for r in rollback(plan, catalogue, session, run, heal_options, progress)]
            out.write(_say(Msg("heal failed and was rolled back ({seconds} s)", seconds=f"{time.monotonic() - started:.0f}")) + "\n")
            _write_report(options, before, records, verified.report if verified else None, catalogue, {})
            return EXIT_INTERRUPTED if run.interrupted is not None else EXIT_FINDINGS
        records += [r.record() for r in finalize(plan, catalogue, run, heal_options, progress)]
    out.write(_say(Msg("healed and verified in {seconds} s", seconds=f"{time.monotonic() - started:.0f}")) + "\n")
    _print_pods(verified.report, out)
    _write_report(options, before, records, verified.report, catalogue, verified.proofs, fix)
    return EXIT_CLEAN


def _setup(path: Path, options: dict):
    from ..registry import RegistryError, load_registry

    if not path.is_dir():
        error(Msg("{path} is not a directory", path=str(path)))
        return EXIT_USAGE
    try:
        return find_catalogue(path, options.get("catalogue")), load_registry()
    except CatalogueError as exc:
        print_catalogue_error(exc)
        return EXIT_USAGE
    except RegistryError as exc:
        error(Msg("internal error: {reason}", reason=str(exc)))
        return EXIT_INTERNAL


def _context_refusal(context: str, allowed: str | None, is_kind) -> str | None:
    if is_kind(context) or allowed == context:
        return None
    return _refusing(context, Msg("it is not a kind cluster"))


def _cluster_refusal(target, allowed: str | None) -> str | None:
    """Why the cluster behind a kind-* context is not the local kind cluster it claims to be
    (None when it is, or when --allow-context names it). Nothing is built or loaded before this."""
    from ..cluster.access import ClusterError, connect

    if allowed == target.context:
        return None
    try:
        with connect(target) as session:
            reason = session.kind_refusal()
    except ClusterError as exc:
        reason = Msg("cannot tell whether it is a kind cluster: {reason}", reason=exc.reason)
    return _refusing(target.context, reason) if reason else None


def _spelled_out_refusal(context: str, given: str | None, is_kind) -> str | None:
    """Beyond kind, the context a heal changes must be named on the command line, never a default."""
    if is_kind(context) or given == context:
        return None
    return Msg("refusing to change context {context}: it is not a kind cluster and was not named on the command line. "
               "Pass --context {name} (and --yes, or answer the confirmation) if you mean it.", context=repr(context), name=context)


def _gitops_branch(path: Path, catalogue, target) -> str | None:
    """The catalogue's branch, else the one the Argo CD Application tracks, else the checkout's."""
    from ..cluster import operations
    from ..cluster.access import ClusterError, connect
    from ..heal.gitops import current_branch

    if catalogue.target.branch:
        return catalogue.target.branch
    try:
        with connect(target) as session:
            app = operations.get_application(session, catalogue.target.application, catalogue.target.application_namespace)
        revision = ((app.get("spec") or {}).get("source") or {}).get("targetRevision")
        if revision and revision != "HEAD" and not all(c in "0123456789abcdef" for c in revision):
            return revision
    except ClusterError:
        pass
    return current_branch(path)


def _gitops_managed(session, plan, catalogue) -> list[str]:
    """Deployments this heal would patch that Argo CD deploys from Git (each refused, with why)."""
    from ..cluster import operations
    from ..cluster.access import ClusterError

    refused = []
    for name in plan.components:
        component = catalogue.component(name)
        if not component.deployment or not any(s.component == name and s.kind in ("restart", "apply") for s in plan.steps):
            continue
        try:
            live = session.get("deployments", component.deployment)
        except ClusterError:
            continue
        owner = operations.gitops_owner(live)
        if owner is not None:
            refused.append(Msg("cannot heal: deployment/{deployment} is managed by the Argo CD Application {application} "
                               "({namespace}): it is never patched directly",
                               deployment=component.deployment, application=repr(owner[0]), namespace=owner[1]))
    return refused


NOT_CONFIRMED = N_("not confirmed: nothing was changed (use --yes to run without asking)")


def _refusing(context: str, reason) -> Msg:
    return Msg("refusing to change context {context}: {reason}. Pass --allow-context {name} if you really mean it.",
               context=repr(context), reason=reason, name=context)


def _confirmed(yes: bool, question) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        return False
    answer = input(f"{_say(question)} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def _docker_problem() -> str | None:
    from ..runners import RunnerError
    from ..runners.engine import connect

    try:
        connect(timeout=10).close()
    except RunnerError as exc:
        return exc.message()
    return None


def _print_plan(plan, out) -> None:
    out.write(_say(Msg("fixes: {findings} findings, {files} files", findings=len(plan.fix.applied), files=len(plan.fix.changed_paths))) + "\n")
    for path in plan.fix.changed_paths:
        out.write(f"  ~ {path}\n")
    for skipped in plan.fix.skipped:
        out.write("  " + _say(Msg("not fixed {code} {location}: {reason}", code=skipped.finding.code,
                                  location=str(skipped.finding.location), reason=skipped.reason)) + "\n")
    if plan.target != "kind":
        pushes = any(s.kind == "push" for s in plan.steps)
        tagged = Msg(", images tagged {tag}", tag=plan.tag) if pushes else ""
        committed = Msg(", committed on {branch}", branch=plan.branch) if plan.branch else ""
        out.write(_say(Msg("target: {target}{tagged}{committed}", target=plan.target, tagged=tagged, committed=committed)) + "\n")
    if plan.tag_change is not None and plan.tag_change.text != plan.tag_change.original:
        from ..fixing.planner import unified_diff

        out.write(_say(Msg("Git change ({path}):", path=plan.tag_change.path)) + "\n")
        for line in unified_diff(plan.tag_change.path, plan.tag_change.original, plan.tag_change.text).splitlines():
            out.write(f"  {line}\n")
    for problem in plan.problems:
        out.write(f"  ✖ {_say(problem)}\n")
    out.write(_say(Msg("steps ({count}):", count=len(plan.steps))) + "\n")
    for step in plan.steps:
        out.write(f"  {_kind(step.kind)} {step.component or '':16} {step.command}\n")


def _print_pods(report: Report, out) -> None:
    if not report.pods:
        return
    out.write("\nNAME                                READY   STATUS             RESTARTS   AGE\n")
    for pod in report.pods:
        out.write(f"{pod.name:35} {pod.ready:7} {pod.status:18} {pod.restarts:<10} {pod.age}\n")


def _write_report(options, before: Report, records, after: Report | None, catalogue, proofs: dict, fix=None) -> None:
    target = options.get("report")
    if not target:
        return
    from ..reporters import write_report

    remaining = {(f.code, f.fingerprint) for f in (after.findings if after else before.findings)}
    fixed_paths = set(fix.changed_paths) if fix else set()
    for finding in before.findings:
        if (finding.code, finding.fingerprint) in remaining:
            continue
        if finding.service in proofs:
            finding.status, finding.verification = FindingStatus.VERIFIED, proofs[finding.service]
        elif fix is not None and (finding.location.path in fixed_paths or not finding.code.startswith("CL")):
            finding.status, finding.verification = FindingStatus.FIXED, Msg("the re-check after the fix no longer reports it")
    before.commands = records
    if after is not None:
        before.pods = after.pods
    write_report(before, Path(target), options.get("lang", "en"))


def run_rebuild(path: Path, components: list[str], options: dict) -> int:
    """Build and load the named components' images (the cluster's nodes change: needs --yes or a yes)."""
    return _partial(path, components, options, kinds=("build", "load"))


def run_redeploy(path: Path, components: list[str], options: dict) -> int:
    """Restart the named components' rollouts, wait for them and verify."""
    return _partial(path, components, options, kinds=("restart", "wait"))


def _partial(path: Path, components: list[str], options: dict, kinds: tuple[str, ...]) -> int:
    from ..cluster.access import ClusterError, connect, is_kind_context
    from ..cluster.runner import LiveOptions, resolve_target
    from ..fixing.planner import FixPlan
    from ..heal.plan import plan_heal
    from ..heal.run import RESTART_ONLY, HealOptions, execute

    setup = _setup(path, options)
    if isinstance(setup, int):
        return setup
    catalogue, registry = setup
    if catalogue.target.type != "kind":
        how = Msg("commits the change for Argo CD") if catalogue.target.type == "gitops" else Msg("updates the image reference")
        error(Msg("{command} is for kind clusters; the catalogue's target is {target}: use heal, which pushes and {how}",
                  command=" ".join(kinds), target=catalogue.target.type, how=how))
        return EXIT_USAGE
    unknown = [n for n in components if catalogue.component(n) is None]
    if unknown:
        error(Msg("no component named {names} in the catalogue", names=", ".join(unknown)))
        return EXIT_USAGE
    live = LiveOptions(options.get("context"), options.get("kubeconfig"), options.get("namespace"), options.get("base_url") or [])
    target = resolve_target(live, catalogue)
    refusal = _context_refusal(target.context, options.get("allow_context"), is_kind_context)
    if refusal:
        error(refusal)
        return EXIT_USAGE
    empty = FixPlan(path, {}, {}, {}, [], [], Report(str(path), catalogue.source, [], [], system=catalogue.name), Report(str(path), catalogue.source, [], [], system=catalogue.name), 0)
    plan = plan_heal(empty, catalogue, only=components)
    plan.steps = [s for s in plan.steps if s.kind in kinds]
    _print_plan(plan, sys.stdout)
    if not _confirmed(options.get("yes"), Msg("Run {steps} steps on {context}?", steps=len(plan.steps), context=target.context)):
        error(Msg(NOT_CONFIRMED))
        return EXIT_USAGE
    try:
        session = connect(target)
    except ClusterError as exc:
        error(str(exc))
        return 4
    with session:
        refusal = None if options.get("allow_context") == target.context else session.kind_refusal()
        if refusal is not None:
            error(_refusing(target.context, refusal))
            return EXIT_USAGE
        run = execute(plan, catalogue, session, HealOptions(RESTART_ONLY, options.get("allow_context")), ConsoleProgress(options.get("verbose", False)))
    if run.interrupted is not None:
        return EXIT_INTERRUPTED
    return EXIT_CLEAN if run.failed is None else EXIT_FINDINGS
