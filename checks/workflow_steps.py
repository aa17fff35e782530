"""CI: workflows GitHub never runs, and steps that do something other than what they say."""
from __future__ import annotations

import posixpath
import re
from typing import Iterable, Iterator

from tiketi_doctor.analysis.image import package_json
from tiketi_doctor.analysis.installs import script_call
from tiketi_doctor.analysis.workflows import Step, Workflow, workflows
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.shell import split_commands

WORKFLOW_FOLDER = ".github/workflows/"


# -- CI002 --------------------------------------------------------------------------------------
class WorkflowIgnored(Check):
    code = "CI002"
    name = "workflow-ignored"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A workflow under .github/workflows is never run: its name does not end in .yml/.yaml, or it sits in a subfolder."
    why = (
        "GitHub loads only `.github/workflows/*.yml` and `*.yaml`. A workflow saved as `deploy.yml.txt`, "
        "`build.yml.disabled`, `ci` or `.github/workflows/prod/deploy.yml` is silently ignored: the images it "
        "should build and the deploys it should run never happen, and nothing says so."
    )
    example = ".github/workflows/deploy.yaml.txt holds `on: push` and `jobs:`"
    fix = "Rename the file to `<name>.yml` directly in .github/workflows (or delete it if it was disabled on purpose)."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.parsing.yamldoc import load_yaml

        for path in ctx.repo.walk(WORKFLOW_FOLDER.rstrip("/")):
            nested = "/" in path[len(WORKFLOW_FOLDER):]
            if (not nested and path.endswith((".yml", ".yaml"))) or path.endswith((".md", ".json", ".sh", ".js", ".ts", ".py")):
                continue
            source = ctx.repo.text(path)
            if source is None:
                continue
            try:
                data = load_yaml(source.text)
            except ValueError:
                continue
            # Only a file that is a workflow by content: jobs plus a trigger (PyYAML reads `on` as True).
            if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict) or not ("on" in data or True in data):
                continue
            reason = "it is in a subfolder" if nested else "its name does not end in .yml or .yaml"
            yield self.finding(
                f"GitHub never runs {path}: {reason}",
                Location(path, 1),
                evidence={"workflow": path, "subfolder": nested},
                root_cause=f"GitHub Actions loads only .github/workflows/*.yml and *.yaml; {path} is a workflow by content, but {reason}, so none of its jobs run.",
                params={"workflow": path},
            )


# -- CI003 --------------------------------------------------------------------------------------
class WorkflowScriptMissing(Check):
    code = "CI003"
    name = "workflow-npm-script-missing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A workflow step runs `npm run X`, and the package.json of the step's working directory has no script X."
    why = (
        "npm stops with `npm ERR! Missing script: \"X\"` and exit code 1: the job fails at that step, and the "
        "build, test or deploy after it never runs. This happens when a script is renamed or moved to another "
        "package and the workflow keeps the old name or folder."
    )
    example = "run: npm run build:prod — package.json has only \"build\""
    fix = "Call a script the package.json defines (or add it), or set `working-directory:` to the package that has it."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for workflow in workflows(ctx):
            for step in workflow.steps:
                for folder, script, line in _npm_runs(step):
                    manifest = "package.json" if folder == "." else posixpath.join(folder, "package.json")
                    pkg = package_json(ctx, manifest) if ctx.repo.exists(manifest) else None
                    if pkg is None:
                        continue  # no package.json in the repository there: something else creates it
                    scripts = pkg.data.get("scripts")
                    scripts = scripts if isinstance(scripts, dict) else {}
                    if script in scripts:
                        continue
                    where = Location(workflow.path, line.number, line.column, label=line.text.strip()[:120])
                    known = ", ".join(sorted(map(str, scripts))[:8]) or "none"
                    yield self.finding(
                        f"{workflow.path}:{line.number} runs `npm run {script}` in {folder}, but {manifest} has no script {script!r} — the job fails there",
                        where,
                        related=[Location(manifest, _scripts_line(ctx, manifest), label=f"scripts: {known}")],
                        evidence={"script": script, "package_json": manifest, "scripts": sorted(map(str, scripts))},
                        root_cause=f"{manifest} defines the scripts {known}; npm stops with `Missing script: \"{script}\"` and the job fails at {workflow.path}:{line.number}.",
                        params={"workflow": workflow.path, "line": line.number, "script": script, "package_json": manifest},
                    )


def _scripts_line(ctx: ScanContext, manifest: str) -> int:
    source = ctx.repo.text(manifest)
    for number, text in enumerate(source.lines if source else [], 1):
        if '"scripts"' in text:
            return number
    return 1


_EXPRESSION = re.compile(r"\$\{\{|\$[({]?[A-Za-z_]")


def _npm_runs(step: Step) -> Iterator[tuple[str, str, object]]:
    """(folder, script, script line) of each `npm run X` whose folder and name are literal."""
    folder = step.working_directory
    if "${{" in folder:
        return
    for line in step.script:
        try:
            commands = split_commands(line.text)
        except ValueError:
            continue
        for command in commands:
            words = command.words
            if command.program == "cd":
                target = words[1] if len(words) > 1 else ""
                if not target or _EXPRESSION.search(target) or target.startswith(("~", "/", "-")):
                    return  # a folder we cannot follow: stay silent for the rest of the step
                folder = posixpath.normpath(posixpath.join(folder, target))
            elif command.program == "pushd" or command.program == "popd":
                return
            else:
                call = script_call(words)
                if call is None or call.tool != "npm" or call.verb != "run" or not call.certain or _EXPRESSION.search(call.script):
                    continue
                script = call.script
                yield folder, script, line


# -- CI004 --------------------------------------------------------------------------------------
_SHELL_VAR = re.compile(r"(?<![$\\])\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# Inputs that actions hand to a shell (or to a script language) themselves: $VAR is meant there.
SCRIPT_INPUTS = {"script", "scripts", "run", "command", "commands", "cmd", "args", "entrypoint", "shell", "script_stop", "pre-build", "post-build"}
DEFAULT_ENV = re.compile(r"^(GITHUB|RUNNER)_[A-Z_]+$")


class WorkflowInputShellVariable(Check):
    code = "CI004"
    name = "workflow-input-shell-variable"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A `with:` input uses `$VAR`, which GitHub does not expand there; `${{ env.VAR }}` was meant."
    why = (
        "`with:` inputs are passed to the action as written: only `${{ }}` expressions are evaluated, and no "
        "shell runs over them. `tags: me/api:$GITHUB_SHA` pushes an image tagged with the literal text "
        "`$GITHUB_SHA` (or fails as an invalid tag), and `context: $APP_DIR` builds a folder named `$APP_DIR`."
    )
    example = "with: {tags: \"registry/api:$IMAGE_TAG\"} — env: {IMAGE_TAG: ...} is set on the job"
    fix = "Write the expression GitHub evaluates: `${{ env.IMAGE_TAG }}` (or `${{ github.sha }}` for GITHUB_SHA)."

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for workflow in workflows(ctx):
            for step in workflow.steps:
                if not step.uses or step.uses.startswith("docker://"):
                    continue
                env = _env_names(workflow, step)
                for key, value in step.with_.items():
                    if not isinstance(value, str) or str(key).lower() in SCRIPT_INPUTS or "\n" in value.strip():
                        continue
                    outside = re.sub(r"\$\{\{.*?\}\}", "", value)
                    for match in _SHELL_VAR.finditer(outside):
                        name = match.group(1) or match.group(2)
                        # Only variables the workflow defines or GitHub sets: then $NAME was surely meant as that value.
                        if name not in env and not DEFAULT_ENV.match(name):
                            continue
                        meant = _expression(name)
                        yield self.finding(
                            f"{workflow.path}: input {key!r} of {step.uses} is passed as the literal text {match.group(0)!r} — GitHub does not expand shell variables in `with:`; use {meant}",
                            workflow.at(step.path + ("with", key), label=f"{key}: {value}"[:120]),
                            evidence={"input": str(key), "value": value, "variable": name, "action": step.uses},
                            root_cause=f"`with:` values are evaluated only inside ${{{{ }}}}; {step.uses} receives {value!r} with {match.group(0)} unexpanded.",
                            params={"workflow": workflow.path, "input": str(key), "variable": name, "expression": meant},
                        )
                        break


def _expression(name: str) -> str:
    if DEFAULT_ENV.match(name) and name.startswith("GITHUB_"):
        return f"${{{{ github.{name[7:].lower()} }}}} (or ${{{{ env.{name} }}}})"
    return f"${{{{ env.{name} }}}}"


def _env_names(workflow: Workflow, step: Step) -> set[str]:
    names: set[str] = set()
    job = (workflow.data.get("jobs") or {}).get(step.job)
    for scope in (workflow.data, job if isinstance(job, dict) else {}, step.data):
        env = scope.get("env")
        if isinstance(env, dict):
            names.update(str(k) for k in env)
    return names


CHECKS = (WorkflowIgnored, WorkflowScriptMissing, WorkflowInputShellVariable)
