"""What each Dockerfile stage has on disk when it runs npm, and how it runs it.

For every `npm install|ci` / `yarn` / `pnpm install`, `npm run X`, `npx X` and the final CMD,
this records the stage, the working directory, whether devDependencies are left out
(`--omit=dev`, `--production`, `NODE_ENV=production` set before it; `--include=dev` puts them
back), and which repository files the earlier COPY/ADD instructions put where — enough to
ask "is the lockfile there for `npm ci`?", "is `../../packages/common` there for a `file:`
dependency?" and "is the build tool a devDependency that was left out?".
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.dockerfile import Dockerfile, Instruction
from ..parsing.shell import SimpleCommand, command_words, split_commands
from .image import OMIT_DEV_FLAGS, dockerfile_of

INSTALL_VERBS = {"install", "i", "ci", "clean-install", "install-clean", "isntall", "add"}
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")


@dataclass
class StageFiles:
    """Image path -> repository path of what COPY/ADD put there (folders map to folders)."""

    copies: dict[str, str] = field(default_factory=dict)
    inline: set[str] = field(default_factory=set)  # image paths written by RUN (printf > file)

    def repo_path(self, ctx: ScanContext, image_path: str) -> str | None:
        """The repository file at `image_path`, following copied folders; None when nothing put it there."""
        image_path = posixpath.normpath(image_path)
        if image_path in self.copies:
            return self.copies[image_path]
        for landed, source in sorted(self.copies.items(), key=lambda kv: -len(kv[0])):
            if image_path.startswith(landed.rstrip("/") + "/") and ctx.repo.is_dir(source):
                candidate = posixpath.normpath(posixpath.join(source, image_path[len(landed.rstrip("/")) + 1:]))
                return candidate if ctx.repo.exists(candidate) else None
        return None

    def has(self, ctx: ScanContext, image_path: str) -> bool:
        return posixpath.normpath(image_path) in self.inline or self.repo_path(ctx, image_path) is not None


@dataclass
class NpmStep:
    stage: int
    stage_name: str | None
    location: Location
    tool: str  # npm | yarn | pnpm | npx | <binary> | CMD
    verb: str  # install | ci | run | exec | start | binary
    words: list[str]
    workdir: str
    omit_dev: bool  # for installs: devDependencies left out; for others: of the last install before
    files: StageFiles  # what the stage holds when the step runs (a snapshot)
    installed: bool = False  # for non-install steps: an install ran before in this stage (or its parent)

    @property
    def manifest(self) -> str:
        return posixpath.join(self.workdir, "package.json")


def npm_steps(ctx: ScanContext, component: Component) -> list[NpmStep]:
    return ctx.memo(("npm-steps", component.name), lambda: _read(ctx, component))


def _read(ctx: ScanContext, component: Component) -> list[NpmStep]:
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is None:
        return []
    context = component.build_context or posixpath.dirname(component.dockerfile or "") or "."
    return list(_Walker(ctx, dockerfile, context).run())


class _Walker:
    def __init__(self, ctx: ScanContext, dockerfile: Dockerfile, context: str):
        self.ctx = ctx
        self.df = dockerfile
        self.context = context

    def run(self):
        states: list[tuple[str, StageFiles, bool, bool, bool]] = []  # workdir, files, node_env_prod, omit, installed
        for stage in self.df.stages:
            parent = self.df.stage(stage.base) if stage.base else None
            if parent is not None and parent.index < stage.index:
                workdir, files, production, omit, installed = states[parent.index]
                files = StageFiles(dict(files.copies), set(files.inline))
            else:
                workdir, files, production, omit, installed = "/", StageFiles(), False, False, False
            for inst in stage.instructions:
                if inst.cmd == "WORKDIR" and inst.value:
                    workdir = posixpath.normpath(posixpath.join(workdir, inst.expand(inst.value[0])))
                elif inst.cmd == "ENV":
                    env = dict(zip(inst.value[::2], inst.value[1::2]))
                    if "NODE_ENV" in env:
                        production = env["NODE_ENV"] == "production"
                elif inst.cmd in ("COPY", "ADD") and inst.flag("from") is None:
                    self._copy(inst, workdir, files)
                elif inst.cmd == "RUN":
                    for command in self._commands(inst):
                        step = self._step(stage, inst, command, workdir, files, production, omit, installed)
                        if step is None:
                            continue
                        if step.verb in ("install", "ci"):
                            omit, installed = step.omit_dev, True
                        yield step
                        for target in command.writes():
                            files.inline.add(posixpath.normpath(posixpath.join(workdir, target)))
                elif inst.cmd in ("CMD", "ENTRYPOINT") and stage is self.df.final:
                    words = list(inst.value) if inst.json else command_words(" ".join(inst.value))
                    if words:
                        location = Location(self.df.path, inst.start_line, 1, label=inst.original.splitlines()[0][:120])
                        yield NpmStep(stage.index, stage.name, location, "CMD", "binary", words, workdir, omit, _snapshot(files), installed)
            states.append((workdir, files, production, omit, installed))

    def _commands(self, inst: Instruction) -> list[SimpleCommand]:
        if inst.json:
            return [SimpleCommand(list(inst.value))]
        try:
            return split_commands(inst.shell)
        except ValueError:
            return []

    def _copy(self, inst: Instruction, workdir: str, files: StageFiles) -> None:
        values = [inst.expand(v) for v in inst.value]
        if len(values) < 2:
            return
        *sources, dest = values
        dest_abs = posixpath.normpath(posixpath.join(workdir, dest))
        dest_is_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1 or any(c in "".join(sources) for c in "*?[")
        for source in sources:
            if source.startswith("<<") or "://" in source:
                continue
            pattern = posixpath.normpath(posixpath.join(self.context, source.lstrip("/")))
            matches = self.ctx.repo.glob(pattern) if any(c in source for c in "*?[") else [pattern]
            for match in matches:
                if self.ctx.repo.is_dir(match):
                    files.copies[dest_abs] = match
                elif self.ctx.repo.exists(match):
                    landing = posixpath.join(dest_abs, posixpath.basename(match)) if dest_is_dir else dest_abs
                    files.copies[posixpath.normpath(landing)] = match

    def _step(self, stage, inst: Instruction, command: SimpleCommand, workdir, files, production, omit, installed) -> NpmStep | None:
        words = [inst.expand(w) for w in command.words]
        # `cd dir && npm ci` runs in dir
        program = command.program
        if not program:
            return None
        location = Location(self.df.path, inst.start_line, 1, label=" ".join(words)[:120])
        if program in ("npm", "yarn", "pnpm"):
            args = words[1:]
            verb = next((w for w in args if not w.startswith("-")), "install" if program == "yarn" else "")
            if verb in INSTALL_VERBS:
                flags = [a for a in args if a.startswith("-")]
                dev_out = production or any(f in OMIT_DEV_FLAGS for f in flags)
                if any(f in ("--include=dev", "--production=false") for f in flags):
                    dev_out = False
                kind = "ci" if verb in ("ci", "clean-install", "install-clean") else "install"
                if program == "yarn" and "--frozen-lockfile" in flags or program == "pnpm" and "--frozen-lockfile" in flags:
                    kind = "ci"
                return NpmStep(stage.index, stage.name, location, program, kind, words, workdir, dev_out, _snapshot(files), installed)
            if verb in ("run", "run-script", "start", "test", "exec") or (program == "yarn" and verb not in INSTALL_VERBS):
                return NpmStep(stage.index, stage.name, location, program, "run", words, workdir, omit, _snapshot(files), installed)
            return None
        if program == "npx":
            return NpmStep(stage.index, stage.name, location, "npx", "exec", words, workdir, omit, _snapshot(files), installed)
        return NpmStep(stage.index, stage.name, location, program, "binary", words, workdir, omit, _snapshot(files), installed)


def _snapshot(files: StageFiles) -> StageFiles:
    return StageFiles(dict(files.copies), set(files.inline))


# -- which package.json script a command runs ----------------------------------------------------
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Flags that take no value, so the word after them is still the command (`npm --silent run build`).
_BOOLEAN_FLAGS = {"-s", "--silent", "-q", "--quiet", "-d", "--verbose", "--no-color", "--no-progress", "--no-audit", "--no-fund"}
# Flags that make the command run another package's script (`--workspace api`, `--prefix web`, `-C web`).
_ELSEWHERE_FLAGS = ("--workspace", "-w", "--workspaces", "-ws", "--prefix", "-C", "--filter", "-F", "--dir", "--cwd", "--recursive", "-r")
_LIFECYCLE = {"npm": {"start", "stop", "restart", "test", "t", "tst"}, "yarn": {"start", "test"}, "pnpm": {"start", "test", "t"}}
_TEST_ALIASES = {"t": "test", "tst": "test"}
_RUN_VERBS = {"run", "run-script", "rum", "urn"}
# Subcommands of yarn/pnpm that are not a script (anything else is `yarn <script>`).
_NOT_SCRIPTS = {
    "add", "audit", "bin", "cache", "config", "create", "dlx", "exec", "global", "help", "import", "info", "init",
    "install", "i", "link", "list", "ls", "outdated", "pack", "publish", "remove", "rm", "store", "unlink",
    "upgrade", "up", "update", "why", "version", "versions", "workspace", "workspaces", "login", "logout",
    "node", "plugin", "set", "prune", "rebuild", "fetch", "patch", "patch-commit", "env", "dedupe",
}


@dataclass(frozen=True)
class ScriptCall:
    """A package.json script that an npm/yarn/pnpm command runs."""

    tool: str  # npm | yarn | pnpm
    verb: str  # run | start | stop | restart | test | implicit (`yarn build`: a script, or else a binary)
    script: str
    elsewhere: bool = False  # --workspace/--prefix/-C/--filter: another package's script
    optional: bool = False  # --if-present: a missing script is fine

    @property
    def certain(self) -> bool:
        """npm stops with "Missing script" when this package.json lacks the script."""
        return self.verb != "implicit" and not self.elsewhere and not self.optional


def script_call(words: list[str]) -> ScriptCall | None:
    """The script `words` (one simple command) runs through npm, yarn or pnpm; None when it runs none.

    Leading `VAR=value` assignments are skipped. A flag before the subcommand that may take a value
    (`npm --loglevel warn run x`) makes the command unreadable: None, rather than a wrong guess.
    """
    words = list(words)
    while words and _ASSIGNMENT.match(words[0]):
        words = words[1:]
    if not words:
        return None
    tool = posixpath.basename(words[0])
    if tool not in _LIFECYCLE:
        return None
    args = words[1:]
    flags = [a for a in args if a.startswith("-")]
    elsewhere = any(f == e or f.startswith(e + "=") or (len(e) == 2 and f.startswith(e) and len(f) > 2 and not f.startswith("--")) for f in flags for e in _ELSEWHERE_FLAGS)
    optional = "--if-present" in flags
    index = 0
    while index < len(args) and args[index].startswith("-"):
        if "=" not in args[index] and args[index] not in _BOOLEAN_FLAGS and not elsewhere:
            return None
        index += 1
    if index >= len(args):
        return None
    verb, rest = args[index], args[index + 1:]
    if verb in _RUN_VERBS:
        positional = [a for a in rest if not a.startswith("-")]
        if not positional or (rest and rest[0].startswith("-") and "=" not in rest[0] and rest[0] not in _BOOLEAN_FLAGS and rest[0] != "--if-present" and not elsewhere):
            return None
        return ScriptCall(tool, "run", positional[0], elsewhere, optional)
    if verb in _LIFECYCLE[tool]:
        return ScriptCall(tool, _TEST_ALIASES.get(verb, verb), _TEST_ALIASES.get(verb, verb), elsewhere, optional)
    if tool in ("yarn", "pnpm") and verb not in _NOT_SCRIPTS and verb not in INSTALL_VERBS:
        return ScriptCall(tool, "implicit", verb, elsewhere, optional)
    return None
