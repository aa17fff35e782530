"""DKF: Dockerfile instructions that do not do what they say — read as Docker runs them.

Each check here is about one instruction's semantics, not style: exec form expands no variables,
COPY runs no shell, a build ARG is gone when the container runs, and `npm run X` needs a script X
in the package.json the image really holds.
"""
from __future__ import annotations

import posixpath
import re
from typing import Iterable

from tiketi_doctor.analysis.image import dockerfile_of, package_json
from tiketi_doctor.analysis.installs import script_call
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.dockerfile import Dockerfile, Instruction, Stage
from tiketi_doctor.parsing.shell import split_commands

_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)[^}]*\}|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))")
_SHELLS = {"sh", "bash", "ash", "dash", "zsh", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/env", "cmd", "powershell", "pwsh"}
# Tokens that only a shell gives meaning to; as COPY sources they are file names that do not exist.
_SHELL_TOKENS = {"&&", "||", ";", "|", ">", ">>", "2>", "2>&1", "&"}


def _located(dockerfile: Dockerfile, inst: Instruction, needle: str | None = None) -> Location:
    line, column = dockerfile.locate(needle, inst) if needle else (inst.start_line, 1)
    return Location(dockerfile.path, line, column, label=inst.original.strip()[:120])


def _variables(text: str) -> list[str]:
    return [m.group("braced") or m.group("plain") for m in _VARIABLE.finditer(text)]


class _DockerfileCheck(Check):
    def applies_to(self, component: Component) -> bool:
        return bool(component.dockerfile)

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        dockerfile = dockerfile_of(ctx, component)
        if dockerfile is None:
            ctx.undecided(Msg("{path} cannot be read or parsed", path=component.dockerfile))
            return []
        return list(self.check_dockerfile(ctx, component, dockerfile))

    def check_dockerfile(self, ctx: ScanContext, component: Component, dockerfile: Dockerfile) -> Iterable[Finding]:
        raise NotImplementedError


@facts
class ExecFormFacts(Facts):
    """DKF001: the exec-form instruction, the argument that holds variables, and their names."""

    instruction: str
    argument: str
    variables: tuple[str, ...] = ()


class ExecFormVariable(_DockerfileCheck):
    code = "DKF001"
    name = "exec-form-variable"
    severity = Severity.ERROR
    summary = "An exec-form (JSON) CMD, ENTRYPOINT or RUN uses $VAR, which nothing expands."
    why = (
        "In exec form Docker starts the program directly, without a shell, so `$PORT` reaches it as the "
        "literal text `$PORT`: `[\"node\", \"server.js\", \"--port\", \"$PORT\"]` listens on no port the author "
        "meant, or crashes parsing it."
    )
    example = 'CMD ["node", "dist/main.js", "--port", "${PORT}"]'
    fix = (
        "Use the shell form (`CMD node dist/main.js --port \"$PORT\"`), run a shell explicitly "
        "(`[\"sh\", \"-c\", \"node dist/main.js --port $PORT\"]`), or read the variable in the code (`process.env.PORT`)."
    )
    Facts = ExecFormFacts
    symptom = "the program receives the literal text {argument}"
    fix_title = "Let a shell expand {argument} in the {instruction} (shell form or `sh -c`), or read it in the code"

    def check_dockerfile(self, ctx, component, dockerfile):
        final = dockerfile.final
        entrypoint = _last(final, "ENTRYPOINT")
        for inst in dockerfile.instructions:
            if inst.cmd not in ("CMD", "ENTRYPOINT", "RUN") or not inst.json or not inst.value:
                continue
            if inst.cmd == "CMD" and inst.stage == final.index and entrypoint is not None:
                continue  # CMD only gives arguments to the ENTRYPOINT, which may expand them itself
            if inst.value[0] in _SHELLS or posixpath.basename(inst.value[0]) in _SHELLS:
                continue  # ["sh", "-c", "... $VAR"]: the shell expands it
            for argument in inst.value[1:]:
                names = _variables(argument)
                if names:
                    yield self.finding(
                        Msg(
                            "{instruction} in exec form passes {quoted} literally: no shell expands ${name} (the program receives the text {quoted})",
                            instruction=inst.cmd, quoted=repr(argument), name=names[0],
                        ),
                        _located(dockerfile, inst, argument),
                        service=component.name,
                        root_cause=Msg("Exec form (a JSON array) runs the program without a shell; only a shell expands variables."),
                        facts=ExecFormFacts(instruction=inst.cmd, argument=argument, variables=tuple(names)),
                    )
                    break


@facts
class CopyShellFacts(Facts):
    """DKF002: the COPY/ADD and the shell token it takes for a file name."""

    instruction: str
    token: str


class CopyShellSyntax(_DockerfileCheck):
    code = "DKF002"
    name = "copy-shell-syntax"
    severity = Severity.ERROR
    summary = "A COPY or ADD holds shell syntax (&&, ||, ;, |, >, $(...)): COPY runs no shell, so the build fails."
    why = (
        "COPY and ADD take file names, not a command line: `COPY a.json ./ && COPY b.json ./` asks for files "
        "named `&&`, `COPY` and `b.json`, and the build stops with \"failed to compute cache key: \"/&&\": not found\"."
    )
    example = "COPY package.json ./ && npm install"
    fix = "Split it: one COPY per set of files, and a RUN for the command."
    Facts = CopyShellFacts
    symptom = "docker build fails: \"{token}\": not found"
    fix_title = "Split the {instruction} at {token}: one COPY per set of files, and a RUN for the command"

    def check_dockerfile(self, ctx, component, dockerfile):
        for inst in dockerfile.instructions:
            if inst.cmd not in ("COPY", "ADD") or inst.heredocs:
                continue
            for token in inst.value:
                if token in _SHELL_TOKENS or "$(" in token or "`" in token:
                    yield self.finding(
                        Msg(
                            "{instruction} treats {token} as a file name: COPY and ADD run no shell, so the build fails looking for it",
                            instruction=inst.cmd, token=repr(token),
                        ),
                        _located(dockerfile, inst, token),
                        service=component.name,
                        root_cause=Msg("{instruction} copies files; only RUN runs a shell command line.", instruction=inst.cmd),
                        facts=CopyShellFacts(instruction=inst.cmd, token=token),
                    )
                    break


@facts
class BuildArgFacts(Facts):
    """DKF003: the variable CMD/ENTRYPOINT reads that is only a build ARG."""

    variable: str


class BuildArgAtRuntime(_DockerfileCheck):
    code = "DKF003"
    name = "build-arg-at-runtime"
    severity = Severity.WARNING
    summary = "CMD or ENTRYPOINT reads a variable that the Dockerfile declares only as a build ARG: it is empty when the container runs."
    why = (
        "ARG values exist only while the image is built. `ARG NODE_ENV=production` followed by "
        "`CMD npm run start:$NODE_ENV` runs `npm run start:` in the container unless the runtime environment "
        "happens to set NODE_ENV; the default the author wrote is never seen."
    )
    example = "ARG APP_ENV=production\nCMD node dist/main.js --env=$APP_ENV"
    fix = "Persist it: `ENV APP_ENV=$APP_ENV` after the ARG (or set it in the Deployment's env)."
    Facts = BuildArgFacts
    symptom = "${variable} is empty when the container runs"
    fix_title = "Persist ${variable} with `ENV {variable}=${variable}` after its ARG"

    def check_dockerfile(self, ctx, component, dockerfile):
        final = dockerfile.final
        env_names = _env_names(dockerfile, final)
        args: dict[str, Instruction] = {}
        for inst in final.instructions:
            if inst.cmd == "ARG":
                for item in inst.value:
                    name, _, default = item.partition("=")
                    if default:  # a default the author meant to be used
                        args[name] = inst
        for inst in final.instructions:
            if inst.cmd not in ("CMD", "ENTRYPOINT"):
                continue
            text = inst.shell if not inst.json else " ".join(inst.value[2:]) if inst.value[:1] and inst.value[0] in _SHELLS else ""
            for name in _variables(text):
                if name in args and name not in env_names:
                    yield self.finding(
                        Msg(
                            "{instruction} reads ${name}, which this Dockerfile only declares as a build ARG "
                            "({arg} at line {line}): it is empty in the container unless the runtime environment sets it",
                            instruction=inst.cmd, name=name, arg=args[name].original.strip(), line=args[name].start_line,
                        ),
                        _located(dockerfile, inst, name),
                        service=component.name,
                        related=[_located(dockerfile, args[name], name)],
                        root_cause=Msg("Build arguments are not part of the image's environment; only ENV is."),
                        facts=BuildArgFacts(variable=name),
                    )
                    break


@facts
class NpmScriptFacts(Facts):
    """DKF004: the script npm is asked to run, the package.json in the image, and the scripts it has."""

    script: str
    package_json: str
    scripts: tuple[str, ...] = ()


class NpmScriptMissing(_DockerfileCheck):
    code = "DKF004"
    name = "npm-script-missing"
    severity = Severity.ERROR
    summary = "The Dockerfile runs `npm run X` (or `npm start`) but the package.json it copies has no script X."
    why = (
        "npm stops with \"Missing script: build\": in a RUN the image does not build, in CMD the container exits "
        "at start and the pod crash-loops. It happens when a script is renamed in package.json "
        "(`start:prod` → `prod`) and the Dockerfile is not."
    )
    example = "COPY package*.json ./\nRUN npm run build   # package.json has no \"build\" script"
    fix = "Call a script that package.json defines, or add the script to package.json."
    Facts = NpmScriptFacts
    symptom = "npm error Missing script: \"{script}\""
    fix_title = "Call a script {package_json} defines instead of {script}, or add {script} to it"

    def check_dockerfile(self, ctx, component, dockerfile):
        context = component.build_context or "."
        for stage in dockerfile.stages:
            workdir, manifest = "/", None  # the repository package.json that sits in the working directory
            for inst in stage.instructions:
                if inst.cmd == "WORKDIR" and inst.value:
                    workdir = posixpath.normpath(posixpath.join(workdir, inst.expand(inst.value[0])))
                elif inst.cmd in ("COPY", "ADD") and not inst.flag("from") and not inst.heredocs:
                    manifest = _copied_manifest(ctx, inst, context, workdir) or manifest
                elif inst.cmd in ("RUN", "CMD", "ENTRYPOINT") and manifest is not None:
                    yield from self._scripts(ctx, component, dockerfile, inst, manifest)

    def _scripts(self, ctx, component, dockerfile, inst, manifest_path):
        text = inst.shell if not inst.json else " ".join(inst.value)
        try:
            commands = split_commands(text)
        except ValueError:
            return
        for command in commands:
            call = script_call(command.words)
            # `npm test` without a test script is left alone: only scripts that start or build the service.
            if call is None or not call.certain or call.verb == "test":
                continue
            script = call.script
            manifest = package_json(ctx, manifest_path)
            if manifest is None:
                return
            scripts = manifest.data.get("scripts")
            scripts = scripts if isinstance(scripts, dict) else {}
            if script in scripts:
                continue
            if script == "start" and ctx.repo.exists(posixpath.join(posixpath.dirname(manifest_path), "server.js")):
                continue  # npm start without a start script runs `node server.js`
            known = ", ".join(sorted(scripts)) or Msg("none")
            yield self.finding(
                Msg(
                    "{instruction} runs `{command}` but {manifest} has no {quoted} script (its scripts: {known}): "
                    "npm stops with \"Missing script: {script}\"",
                    instruction=inst.cmd, command=" ".join(command.words), manifest=manifest_path, quoted=repr(script), known=known, script=script,
                ),
                _located(dockerfile, inst, script),
                service=component.name,
                related=[Location(manifest_path, 1, label="scripts")],
                root_cause=Msg("The package.json copied into the image defines no {quoted} script.", quoted=repr(script)),
                facts=NpmScriptFacts(script=script, package_json=manifest_path, scripts=tuple(sorted(scripts))),
            )


@facts
class RunServerFacts(Facts):
    """DKF005: the RUN command that starts the server, its line, and whether the image has a CMD/ENTRYPOINT."""

    command: str
    line: int | None = None
    has_cmd: bool = False


class ServerStartedByRun(_DockerfileCheck):
    code = "DKF005"
    name = "server-started-by-run"
    severity = Severity.ERROR
    summary = "A RUN starts the server (`npm start`, `node server.js`) where CMD was meant: the build hangs, and the image starts nothing."
    why = (
        "RUN executes while the image is built and waits for the command to exit. A server never exits, so "
        "`docker build` hangs at that step until CI times out (or fails when the server cannot reach its database "
        "at build time); and as the image has no CMD of its own, a container of it runs the base image's default "
        "(`node`, a REPL that exits at once) — the pod completes or crash-loops."
    )
    example = "COPY . .\nRUN npm start      # no CMD after it"
    fix = "Start the server with CMD (`CMD [\"npm\", \"start\"]` or `CMD [\"node\", \"server.js\"]`); keep RUN for steps that finish (install, build)."
    Facts = RunServerFacts
    symptom = "`docker build` hangs at `RUN {command}` until it times out; the image never gets built"
    fix_title = "Start the server with CMD instead of `RUN {command}`"

    def check_dockerfile(self, ctx, component, dockerfile):
        chain = _stage_chain(dockerfile, dockerfile.final)
        commands = [i for stage in chain for i in stage.instructions if i.cmd in ("CMD", "ENTRYPOINT")]
        start_words = _start_words(commands[-1]) if commands else None
        for inst in dockerfile.final.instructions:
            if inst.cmd != "RUN" or inst.json and not inst.value:
                continue
            text = inst.shell if not inst.json else " ".join(inst.value)
            try:
                run = split_commands(text)
            except ValueError:
                continue
            for index, command in enumerate(run):
                backgrounded = index + 1 < len(run) and run[index + 1].joined_by == "&"
                if backgrounded or command.depth or not _starts_server(ctx, component, command.words):
                    continue
                words = [w for w in command.words if not _ASSIGNMENT.match(w)]
                if commands and words != start_words:
                    continue  # with a CMD, only a RUN of the very command CMD runs is surely the server
                what = Msg("and CMD runs the same command") if commands else Msg("and the image has no CMD or ENTRYPOINT")
                yield self.finding(
                    Msg(
                        "RUN `{command}` starts the server while the image is built {what}: "
                        "`docker build` waits at line {line} for a process that never exits",
                        command=" ".join(command.words), what=what, line=inst.start_line,
                    ),
                    _located(dockerfile, inst, command.words[0]),
                    service=component.name,
                    root_cause=Msg(
                        "RUN runs at build time and waits for its command to finish; a server runs until stopped, so the "
                        "build hangs (or fails if the server cannot start without its services)."
                    ) if commands else Msg(
                        "RUN runs at build time and waits for its command to finish; a server runs until stopped, so the "
                        "build hangs (or fails if the server cannot start without its services), and the container would run "
                        "the base image's default command instead."
                    ),
                    facts=RunServerFacts(command=" ".join(command.words), line=inst.start_line, has_cmd=bool(commands)),
                )
                break


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SERVER_FILES = {"server", "index", "app", "main", "www"}


def _stage_chain(dockerfile: Dockerfile, stage: Stage) -> list[Stage]:
    chain, seen = [], set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        chain.insert(0, stage)
        stage = dockerfile.stage(stage.base)
    return chain


def _start_words(inst: Instruction) -> list[str] | None:
    if inst.json:
        return list(inst.value)
    try:
        commands = split_commands(inst.shell)
    except ValueError:
        return None
    return [w for w in commands[0].words if not _ASSIGNMENT.match(w)] if len(commands) == 1 else None


def _starts_server(ctx: ScanContext, component: Component, words: list[str]) -> bool:
    """`npm start`, `npm run start*|serve`, `node server.js`, nodemon/pm2-runtime: the command that runs the service."""
    words = [w for w in words if not _ASSIGNMENT.match(w)]
    if not words:
        return False
    call = script_call(words)
    if call is not None:
        return call.verb == "start" or (call.verb in ("run", "implicit") and (call.script == "start" or call.script.startswith("start:") or call.script in ("serve", "start-prod", "prod")))
    program = posixpath.basename(words[0])
    if program in ("nodemon", "pm2-runtime", "ts-node-dev"):
        return True
    if program in ("node", "ts-node", "tsx"):
        files = [w for w in words[1:] if not w.startswith("-")]
        if not files or not files[0].endswith((".js", ".mjs", ".cjs", ".ts")):
            return False
        stem = posixpath.splitext(posixpath.basename(files[0]))[0]
        return stem in _SERVER_FILES and not any(part in ("scripts", "script", "tools", "migrations", "seed", "seeds") for part in files[0].split("/"))
    return False


def _copied_manifest(ctx: ScanContext, inst: Instruction, context: str, workdir: str) -> str | None:
    """The repository package.json that a COPY puts into the working directory, if it does."""
    if len(inst.value) < 2:
        return None
    *sources, dest = (inst.expand(v) for v in inst.value)
    dest_dir = posixpath.normpath(posixpath.join(workdir, dest))
    for source in sources:
        source = source.lstrip("./") if source not in (".", "./") else "."
        if source == ".":
            target = dest_dir
            folder = ""
        elif posixpath.basename(source) in ("package.json", "package*.json", "package.json*") and (dest.endswith("/") or dest in (".", "./") or dest_dir == workdir):
            target = dest_dir
            folder = posixpath.dirname(source)
        else:
            continue
        if target != workdir:
            continue
        path = posixpath.normpath(posixpath.join(context, folder, "package.json"))
        if ctx.repo.exists(path):
            return path
    return None


def _env_names(dockerfile: Dockerfile, stage: Stage) -> set[str]:
    """Names the stage's environment holds at run time: its ENV and those of the stages it is built FROM."""
    names: set[str] = set()
    seen: set[int] = set()
    while stage is not None and stage.index not in seen:
        seen.add(stage.index)
        for inst in stage.instructions:
            if inst.cmd == "ENV":
                names.update(inst.value[::2])
        stage = dockerfile.stage(stage.base)
    return names


def _last(stage: Stage, cmd: str) -> Instruction | None:
    found = [inst for inst in stage.instructions if inst.cmd == cmd]
    return found[-1] if found else None


CHECKS = (ExecFormVariable, CopyShellSyntax, BuildArgAtRuntime, NpmScriptMissing, ServerStartedByRun)
