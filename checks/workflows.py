"""CI: GitHub Actions workflows that GitHub refuses to run."""
from __future__ import annotations

from typing import Iterable, Iterator

from tiketi_doctor.analysis import k8s
from tiketi_doctor.analysis.workflows import Workflow, workflow_files, workflows
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity

TOP_KEYS = {"name", "run-name", "on", True, "permissions", "env", "defaults", "concurrency", "jobs"}
JOB_KEYS = {
    "name", "permissions", "needs", "if", "runs-on", "environment", "concurrency", "outputs", "env", "defaults",
    "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services", "uses", "with", "secrets",
}
STEP_KEYS = {"id", "if", "name", "uses", "run", "working-directory", "shell", "with", "env", "continue-on-error", "timeout-minutes"}


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

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        parsed = {w.path: w for w in workflows(ctx)}
        for path in workflow_files(ctx):
            workflow = parsed.get(path)
            if workflow is None:
                docs = k8s.yaml_documents(ctx, path)
                if docs is None:
                    yield from self._not_yaml(ctx, path)
                else:
                    what = "is empty" if not docs else "is not a mapping of workflow keys"
                    yield self.finding(
                        f"GitHub rejects {path}: it {what}",
                        Location(path, docs[0].start_line if docs else 1),
                        evidence={"workflow": path},
                        root_cause="A workflow file must be a YAML mapping with `on:` and `jobs:`; GitHub marks this one invalid and runs nothing.",
                        params={"workflow": path, "path": []},
                    )
                continue
            for message, key_path in problems(workflow):
                yield self.finding(
                    f"GitHub rejects {path}: {message}",
                    workflow.at(key_path),
                    evidence={"workflow": path, "problem": message},
                    root_cause=f"GitHub validates the whole file before running anything; \"{message}\" makes it an invalid workflow, so no job of it runs.",
                    params={"workflow": path, "path": [str(k) for k in key_path]},
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
                f"GitHub rejects {path}: it is not valid YAML ({exc})",
                Location(path, line, label=(source.lines[line - 1].strip() if 0 < line <= len(source.lines) else "")[:120]),
                evidence={"workflow": path, "problem": str(exc)},
                root_cause=(
                    f"GitHub parses the whole workflow before running anything; the YAML error at line {line} makes it "
                    "\"Invalid workflow file\", so none of its jobs run on any trigger."
                ),
                params={"workflow": path, "path": []},
            )


def problems(workflow: Workflow) -> Iterator[tuple[str, tuple]]:
    data = workflow.data
    for key in data:
        if key not in TOP_KEYS:
            yield f"unknown top-level key {key!r}", (key,)
    if "on" not in data and True not in data:
        yield "no `on:` trigger", ()
    jobs = data.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        yield "no `jobs:` (a workflow needs at least one job)", ("jobs",) if "jobs" in data else ()
        return
    for name, job in jobs.items():
        base = ("jobs", name)
        if not isinstance(job, dict):
            yield f"job {name!r} is not a mapping", base
            continue
        for key in job:
            if key not in JOB_KEYS:
                yield f"job {name!r} has unknown key {key!r}", base + (key,)
        needs = job.get("needs")
        for need in [needs] if isinstance(needs, str) else needs or []:
            if isinstance(need, str) and need not in jobs:
                yield f"job {name!r} needs {need!r}, which is not a job of this workflow", base + ("needs",)
        if "uses" in job:
            continue  # a reusable workflow call: no runs-on, no steps
        if "runs-on" not in job:
            yield f"job {name!r} has no `runs-on`", base
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            yield f"job {name!r} has no steps", base + (("steps",) if "steps" in job else ())
            continue
        for i, step in enumerate(steps):
            where = base + ("steps", i)
            label = f"step {i + 1} of job {name!r}"
            if not isinstance(step, dict):
                yield f"{label} is not a mapping", where
                continue
            for key in step:
                if key not in STEP_KEYS:
                    yield f"{label} has unknown key {key!r}", where + (key,)
            has_run, has_uses = "run" in step, "uses" in step
            if has_run and has_uses:
                yield f"{label} has both `run` and `uses`", where + ("uses",)
            elif not has_run and not has_uses:
                yield f"{label} has neither `run` nor `uses`", where
            elif has_uses:
                uses = str(step.get("uses") or "")
                if not uses.startswith(("./", "docker://")) and "@" not in uses:
                    yield f"{label} uses {uses!r} without a version (`owner/repo@ref`)", where + ("uses",)


CHECKS = (WorkflowInvalid,)
