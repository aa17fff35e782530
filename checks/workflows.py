"""CI: GitHub Actions workflows that GitHub refuses to run."""
from __future__ import annotations

from typing import Iterable, Iterator

from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.workflows import Workflow, workflow_files, workflows
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity

TOP_KEYS = {"name", "run-name", "on", True, "permissions", "env", "defaults", "concurrency", "jobs"}
JOB_KEYS = {
    "name", "permissions", "needs", "if", "runs-on", "environment", "concurrency", "outputs", "env", "defaults",
    "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services", "uses", "with", "secrets",
}
STEP_KEYS = {"id", "if", "name", "uses", "run", "working-directory", "shell", "with", "env", "continue-on-error", "timeout-minutes"}


@facts
class InvalidWorkflowFacts(Facts):
    """CI001: the workflow GitHub rejects, and the key path of the problem (empty for the whole file)."""

    workflow: str
    path: tuple[str, ...] = ()


class WorkflowInvalid(Check):
    code = "CI001"
    name = "workflow-invalid"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A GitHub Actions workflow is not a valid workflow: GitHub refuses to run it."
    why = (
        "A workflow with a YAML error, no `on:` trigger, a job without "
        "`runs-on`, a step with both or neither of `run` and `uses`, an unknown key or a `needs` on a job that "
        "does not exist fails to load: GitHub shows \"Invalid workflow file\" and none of its jobs run — the "
        "image builds and checks it should gate silently stop."
    )
    example = ".github/workflows/build.yml: a step with `uses: docker/build-push-action` and `run: docker build .`"
    fix = "Correct the key the message names; `actionlint` checks workflows locally before pushing."
    Facts = InvalidWorkflowFacts
    symptom = "GitHub shows \"Invalid workflow file\" for {workflow} and runs none of its jobs"
    fix_title = "Correct {workflow} so that GitHub accepts it"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        parsed = {w.path: w for w in workflows(ctx)}
        for path in workflow_files(ctx):
            workflow = parsed.get(path)
            if workflow is None:
                docs = k8s.yaml_documents(ctx, path)
                if docs is None:
                    yield from self._not_yaml(ctx, path)
                else:
                    message = (
                        Msg("GitHub rejects {path}: it is empty", path=path) if not docs
                        else Msg("GitHub rejects {path}: it is not a mapping of workflow keys", path=path)
                    )
                    yield self.finding(
                        message,
                        Location(path, docs[0].start_line if docs else 1),
                        evidence={"workflow": path},
                        root_cause=Msg("A workflow file must be a YAML mapping with `on:` and `jobs:`; GitHub marks this one invalid and runs nothing."),
                        facts=InvalidWorkflowFacts(workflow=path, path=()),
                    )
                continue
            for message, key_path in problems(workflow):
                yield self.finding(
                    Msg("GitHub rejects {path}: {problem}", path=path, problem=message),
                    workflow.at(key_path),
                    evidence={"workflow": path, "problem": str(message)},
                    root_cause=Msg(
                        "GitHub validates the whole file before running anything; \"{problem}\" makes it an invalid workflow, so no job of it runs.",
                        problem=message,
                    ),
                    facts=InvalidWorkflowFacts(workflow=path, path=tuple(str(k) for k in key_path)),
                )


    def _not_yaml(self, ctx: ScanContext, path: str) -> Iterator[Finding]:
        """A workflow that is not YAML: SRC002 says the doctor could not read it; this says GitHub runs none of it."""
        from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

        source = ctx.repo.text(path)
        if source is None:
            return
        try:
            parse_yaml_documents(source.text)
        except ValueError as exc:
            line = getattr(exc, "line", None) or 1
            yield self.finding(
                Msg("GitHub rejects {path}: it is not valid YAML ({error})", path=path, error=str(exc)),
                Location(path, line, label=(source.lines[line - 1].strip() if 0 < line <= len(source.lines) else "")[:120]),
                evidence={"workflow": path, "problem": str(exc)},
                root_cause=Msg(
                    "GitHub parses the whole workflow before running anything; the YAML error at line {line} makes it "
                    "\"Invalid workflow file\", so none of its jobs run on any trigger.",
                    line=line,
                ),
                facts=InvalidWorkflowFacts(workflow=path, path=()),
            )


def problems(workflow: Workflow) -> Iterator[tuple[Msg, tuple]]:
    data = workflow.data
    for key in data:
        if key not in TOP_KEYS:
            yield Msg("unknown top-level key {key}", key=repr(key)), (key,)
    if "on" not in data and True not in data:
        yield Msg("no `on:` trigger"), ()
    jobs = data.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        yield Msg("no `jobs:` (a workflow needs at least one job)"), ("jobs",) if "jobs" in data else ()
        return
    for name, job in jobs.items():
        base = ("jobs", name)
        if not isinstance(job, dict):
            yield Msg("job {job} is not a mapping", job=repr(name)), base
            continue
        for key in job:
            if key not in JOB_KEYS:
                yield Msg("job {job} has unknown key {key}", job=repr(name), key=repr(key)), base + (key,)
        needs = job.get("needs")
        for need in [needs] if isinstance(needs, str) else needs or []:
            if isinstance(need, str) and need not in jobs:
                yield Msg("job {job} needs {need}, which is not a job of this workflow", job=repr(name), need=repr(need)), base + ("needs",)
        if "uses" in job:
            continue  # a reusable workflow call: no runs-on, no steps
        if "runs-on" not in job:
            yield Msg("job {job} has no `runs-on`", job=repr(name)), base
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            yield Msg("job {job} has no steps", job=repr(name)), base + (("steps",) if "steps" in job else ())
            continue
        for i, step in enumerate(steps):
            where = base + ("steps", i)
            label = Msg("step {number} of job {job}", number=i + 1, job=repr(name))
            if not isinstance(step, dict):
                yield Msg("{step} is not a mapping", step=label), where
                continue
            for key in step:
                if key not in STEP_KEYS:
                    yield Msg("{step} has unknown key {key}", step=label, key=repr(key)), where + (key,)
            has_run, has_uses = "run" in step, "uses" in step
            if has_run and has_uses:
                yield Msg("{step} has both `run` and `uses`", step=label), where + ("uses",)
            elif not has_run and not has_uses:
                yield Msg("{step} has neither `run` nor `uses`", step=label), where
            elif has_uses:
                uses = str(step.get("uses") or "")
                if not uses.startswith(("./", "docker://")) and "@" not in uses:
                    yield Msg("{step} uses {uses} without a version (`owner/repo@ref`)", step=label, uses=repr(uses)), where + ("uses",)


CHECKS = (WorkflowInvalid,)
