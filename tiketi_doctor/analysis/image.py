"""What a component's image will install, read from its Dockerfile like Docker and npm would.

The final stage's node_modules is what the container runs with. It comes from:
the package.json the build writes or copies next to `npm install`/`npm ci`, packages
named on the npm command line, local packages copied into node_modules, and
node_modules copied from earlier stages.
"""
from __future__ import annotations

import posixpath
from dataclasses import field

from ..deferred import dataclass
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.dockerfile import Dockerfile, Instruction, parse_dockerfile
from ..parsing.packagejson import PackageJson, parse_package_json
from ..parsing.shell import SimpleCommand, echo_text, printf_text, split_commands
from ..repo import MALFORMED
from ..parsing import load_json

NPM_INSTALL_VERBS = {"install", "i", "add", "ci", "clean-install", "install-clean", "isntall"}
OMIT_DEV_FLAGS = {"--omit=dev", "--production", "--only=prod", "--only=production", "--prod"}


@dataclass
class ImageManifest:
    """A package.json inside the image: written inline by the Dockerfile or copied from the repo."""

    kind: str  # "inline" | "copied"
    location: Location  # the Dockerfile instruction that put it there
    dependencies: dict[str, str]
    dev_dependencies: dict[str, str]
    positions: dict[str, Location]  # dependency name -> where its entry is written
    source_path: str | None = None  # copied from this repository file


@dataclass(frozen=True)
class InstalledPackage:
    name: str
    spec: str | None
    location: Location
    via: str  # inline package.json | copied package.json | npm command line | copied local package | earlier stage


@dataclass
class _StageState:
    workdir: str = "/"
    manifest: ImageManifest | None = None
    omit_dev: bool = False
    packages: dict[str, InstalledPackage] = field(default_factory=dict)
    # node_modules folders a workspace install wrote elsewhere (`pnpm deploy DIR`): folder -> (packages, manifest)
    elsewhere: dict[str, tuple[dict[str, InstalledPackage], ImageManifest | None]] = field(default_factory=dict)


@dataclass
class ImageInstall:
    dockerfile: str
    packages: dict[str, InstalledPackage]  # in the final stage: what the container runs with
    manifests: list[ImageManifest]
    npm_ran: bool
    undecided: list[str]
    # In any stage: what a bundler running in a build stage can import.
    build_packages: dict[str, InstalledPackage] = field(default_factory=dict)
    final_manifest: ImageManifest | None = None  # the package.json the final stage's node_modules came from

    @property
    def generated(self) -> list[ImageManifest]:
        return [m for m in self.manifests if m.kind == "inline"]

    @property
    def effective_manifest(self) -> ImageManifest | None:
        if self.final_manifest is not None:
            return self.final_manifest
        return self.manifests[-1] if self.manifests else None


def dockerfile_of(ctx: ScanContext, component: Component) -> Dockerfile | None:
    if not component.dockerfile:
        return None
    path = component.dockerfile
    return ctx.repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))


def package_json(ctx: ScanContext, path: str | None) -> PackageJson | None:
    if not path:
        return None
    return ctx.repo.parsed("package.json", path, lambda f: parse_package_json(f.text, path))


def image_install(ctx: ScanContext, component: Component) -> ImageInstall | None:
    return ctx.memo(("image-install", component.name), lambda: _analyse(ctx, component))


def _analyse(ctx: ScanContext, component: Component) -> ImageInstall | None:
    dockerfile = dockerfile_of(ctx, component)
    if dockerfile is None:
        return None
    reader = _Reader(ctx, component, dockerfile)
    return reader.run()


class _Reader:
    def __init__(self, ctx: ScanContext, component: Component, dockerfile: Dockerfile):
        self.ctx = ctx
        self.component = component
        self.df = dockerfile
        self.context = component.build_context or posixpath.dirname(component.dockerfile or "") or "."
        self.states: list[_StageState] = []
        self.manifests: list[ImageManifest] = []
        self.undecided: list[str] = []
        self.npm_ran = False

    def run(self) -> ImageInstall:
        for stage in self.df.stages:
            parent = self.df.stage(stage.base) if stage.base else None
            state = _StageState()
            if parent is not None and parent.index < stage.index:
                inherited = self.states[parent.index]
                state = _StageState(
                    inherited.workdir, inherited.manifest, inherited.omit_dev, dict(inherited.packages), dict(inherited.elsewhere)
                )
            self.states.append(state)
            for inst in stage.instructions:
                self._instruction(state, inst)
        final = self.states[-1]
        every_stage = {name: pkg for state in self.states for name, pkg in state.packages.items()}
        return ImageInstall(
            self.df.path, final.packages, self.manifests, self.npm_ran, self.undecided, every_stage, final_manifest=final.manifest
        )

    # -- instructions ----------------------------------------------------------
    def _instruction(self, state: _StageState, inst: Instruction) -> None:
        if inst.cmd == "WORKDIR" and inst.value:
            state.workdir = posixpath.normpath(posixpath.join(state.workdir, inst.expand(inst.value[0])))
        elif inst.cmd == "ENV":
            env = dict(zip(inst.value[::2], inst.value[1::2]))
            if env.get("NODE_ENV") == "production":
                state.omit_dev = True
        elif inst.cmd in ("COPY", "ADD"):
            self._copy(state, inst)
        elif inst.cmd == "RUN":
            self._run(state, inst)

    def _copy(self, state: _StageState, inst: Instruction) -> None:
        values = [inst.expand(v) for v in inst.value]
        if len(values) < 2:
            return
        *sources, dest = values
        dest_abs = posixpath.normpath(posixpath.join(state.workdir, dest))
        dest_is_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        stage_ref = inst.flag("from")
        if stage_ref is not None:
            self._copy_from_stage(state, inst, stage_ref, sources)
            return
        heredocs = {h.name: h.content for h in inst.heredocs}
        for source in sources:
            if source.startswith("<<"):
                content = heredocs.get(source.lstrip("<-").strip("'\""))
                if content is not None and self._is_manifest_path(state, dest_abs):
                    self._inline_manifest(state, inst, content)
                continue
            self._copy_source(state, inst, source, dest_abs, dest_is_dir)

    def _copy_source(self, state, inst, source: str, dest_abs: str, dest_is_dir: bool) -> None:
        pattern = posixpath.normpath(posixpath.join(self.context, source.lstrip("/")))
        matches = self.ctx.repo.glob(pattern) if any(c in source for c in "*?[") else [pattern]
        for match in matches:
            if self.ctx.repo.is_dir(match):
                landing = dest_abs
                if self.ctx.repo.exists(posixpath.join(match, "package.json")):
                    manifest_at = posixpath.normpath(posixpath.join(landing, "package.json"))
                    if self._is_manifest_path(state, manifest_at):
                        self._copied_manifest(state, inst, posixpath.join(match, "package.json"))
                self._local_package(state, inst, match, landing)
            elif self.ctx.repo.exists(match):
                landing = posixpath.join(dest_abs, posixpath.basename(match)) if dest_is_dir else dest_abs
                if posixpath.basename(match) == "package.json" and self._is_manifest_path(state, landing):
                    self._copied_manifest(state, inst, match)

    def _copy_from_stage(self, state, inst, stage_ref: str, sources: list[str]) -> None:
        stage = self.df.stage(stage_ref)
        if stage is None or stage.index >= len(self.states):
            return  # an external image: its contents are unknown
        donor = self.states[stage.index]
        for source in sources:
            source_abs = posixpath.normpath(posixpath.join(donor.workdir, source))
            modules_dir = posixpath.join(donor.workdir, "node_modules")
            line, col = self.df.locate(source, inst)
            deployed = next(
                (v for folder, v in donor.elsewhere.items() if folder == source_abs or folder.startswith(source_abs.rstrip("/") + "/")),
                None,
            )
            if deployed is not None:  # the node_modules a workspace install wrote to that folder
                packages, manifest = deployed
                for name, pkg in packages.items():
                    state.packages.setdefault(name, InstalledPackage(name, pkg.spec, Location(self.df.path, line, col), "earlier stage"))
                state.manifest = manifest or state.manifest
            elif "node_modules" in source_abs.split("/") or modules_dir.startswith(source_abs.rstrip("/") + "/"):
                if donor.manifest is not None:
                    state.manifest = donor.manifest
                for name, pkg in donor.packages.items():
                    state.packages.setdefault(
                        name, InstalledPackage(name, pkg.spec, Location(self.df.path, line, col), "earlier stage")
                    )

    def _local_package(self, state, inst, source_dir: str, landing: str) -> None:
        parts = landing.split("/")
        if "node_modules" not in parts:
            return
        rest = parts[parts.index("node_modules") + 1:]
        name = "/".join(rest[:2]) if rest and rest[0].startswith("@") else (rest[0] if rest else "")
        if not name:
            return
        line, col = self.df.locate(inst.value[-1], inst)
        state.packages[name] = InstalledPackage(name, None, Location(self.df.path, line, col, label=f"COPY {source_dir}"), "copied local package")

    def _is_manifest_path(self, state: _StageState, path: str) -> bool:
        return posixpath.normpath(path) == posixpath.normpath(posixpath.join(state.workdir, "package.json"))

    # -- package.json in the image ----------------------------------------------
    def _copied_manifest(self, state, inst: Instruction, repo_path: str) -> None:
        pkg = package_json(self.ctx, repo_path)
        location = Location(self.df.path, inst.start_line, 1, label=inst.original.splitlines()[0][:120])
        if pkg is None:
            self.undecided.append(f"{repo_path} (copied by {self.df.path}:{inst.start_line}) cannot be read")
            return
        positions = {}
        for section in ("dependencies", "devDependencies"):
            for name, dep in pkg.section(section).items():
                positions.setdefault(name, Location(repo_path, dep.line, label=f'"{name}": "{dep.spec}"'))
        manifest = ImageManifest(
            "copied",
            location,
            {n: d.spec for n, d in pkg.dependencies.items()},
            {n: d.spec for n, d in pkg.section("devDependencies").items()},
            positions,
            source_path=repo_path,
        )
        state.manifest = manifest
        self.manifests.append(manifest)

    def _inline_manifest(self, state, inst: Instruction, content: str) -> None:
        location = Location(self.df.path, inst.start_line, 1, label="inline package.json")
        try:
            data = load_json(content)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            self.ctx.repo.problem(
                MALFORMED,
                self.df.path,
                f"{self.df.path}:{inst.start_line}: the package.json this RUN writes is not valid JSON ({exc})",
                line=inst.start_line,
            )
            self.undecided.append(f"the inline package.json at {self.df.path}:{inst.start_line} is not valid JSON")
            state.manifest = None
            return
        deps = {str(k): str(v) for k, v in (data.get("dependencies") or {}).items()}
        dev = {str(k): str(v) for k, v in (data.get("devDependencies") or {}).items()}
        positions = {}
        cursor = None
        for name in list(deps) + list(dev):
            line, col = self.df.locate(f'"{name}"', inst, after=cursor)
            positions[name] = Location(self.df.path, line, col, label=f'"{name}": "{deps.get(name, dev.get(name))}"')
        manifest = ImageManifest("inline", location, deps, dev, positions)
        state.manifest = manifest
        self.manifests.append(manifest)

    # -- RUN ----------------------------------------------------------------------
    def _run(self, state: _StageState, inst: Instruction) -> None:
        if inst.json:
            commands = [SimpleCommand(list(inst.value))]
        else:
            try:
                commands = split_commands(inst.shell)
            except ValueError as exc:
                self.undecided.append(f"{self.df.path}:{inst.start_line}: RUN could not be read as shell ({exc})")
                return
        heredocs = {h.name: h.content for h in inst.heredocs}
        for command in commands:
            written = self._written_content(command, heredocs)
            if written is not None:
                self._inline_manifest(state, inst, written)
            if command.program in ("npm", "yarn", "pnpm"):
                self._npm(state, inst, command)

    def _written_content(self, command: SimpleCommand, heredocs: dict[str, str]) -> str | None:
        targets = [t for t in command.writes() if posixpath.basename(t) == "package.json"]
        if not targets:
            return None
        words = command.words
        if command.program == "printf" and len(words) >= 2:
            return printf_text(words[1], words[2:])
        if command.program == "echo":
            return echo_text(words[1:])
        if command.program == "cat":
            for op, target in command.redirects:
                if op in ("<<", "<<-"):
                    return heredocs.get(target)
        return None

    def _npm(self, state: _StageState, inst: Instruction, command: SimpleCommand) -> None:
        tool = command.program
        verb, positional, options, flags = _npm_words(command.words[1:])
        if verb is None:
            verb = "install" if tool == "yarn" else ""
        targets = options.get("filter", []) + options.get("workspace", [])
        if tool == "yarn" and verb == "workspaces" and positional[:1] == ["focus"]:
            verb, targets = "install", positional[1:]  # `yarn workspaces focus NAME`: that workspace's install
            positional = []
        if tool == "pnpm" and verb == "deploy":
            self._deploy(state, inst, targets, positional, flags)
            return
        if tool == "yarn" and verb not in ("install", "add"):
            return
        if tool != "yarn" and verb not in NPM_INSTALL_VERBS:
            return
        self.npm_ran = True
        omit_dev = state.omit_dev or any(a in OMIT_DEV_FLAGS for a in flags)
        manifest = state.manifest
        if targets:  # one workspace's dependencies (pnpm --filter, npm --workspace, yarn workspaces focus)
            manifest = self._workspace_manifest(state, inst, targets)
            if manifest is None:
                return
        if manifest is not None:
            via = f"{manifest.kind} package.json"
            entries = dict(manifest.dependencies)
            if not omit_dev:
                entries.update(manifest.dev_dependencies)
            for name, spec in entries.items():
                state.packages.setdefault(name, InstalledPackage(name, spec, manifest.positions.get(name, manifest.location), via))
        cursor = None
        for arg in positional:
            name, spec = split_package_arg(arg)
            if not name:
                continue
            line, col = self.df.locate(arg, inst, after=cursor)
            cursor = (line, col)
            state.packages[name] = InstalledPackage(
                name, spec, Location(self.df.path, line, col, label=f"{tool} {verb} {arg}"), "npm command line"
            )

    def _deploy(self, state: _StageState, inst: Instruction, targets: list[str], positional: list[str], flags: list[str]) -> None:
        """`pnpm --filter PKG deploy DIR`: PKG's dependencies (without devDependencies under --prod) in DIR/node_modules."""
        self.npm_ran = True
        if not positional:
            self.undecided.append(f"{self.df.path}:{inst.start_line}: pnpm deploy names no target folder")
            return
        manifest = self._workspace_manifest(state, inst, targets)
        if manifest is None:
            return
        omit_dev = state.omit_dev or any(a in OMIT_DEV_FLAGS for a in flags)
        entries = dict(manifest.dependencies)
        if not omit_dev:
            entries.update(manifest.dev_dependencies)
        packages = {
            name: InstalledPackage(name, spec, manifest.positions.get(name, manifest.location), "workspace deploy")
            for name, spec in entries.items()
        }
        folder = posixpath.normpath(posixpath.join(state.workdir, positional[0], "node_modules"))
        state.elsewhere[folder] = (packages, manifest)

    def _workspace_manifest(self, state: _StageState, inst: Instruction, targets: list[str]) -> ImageManifest | None:
        """The package.json of the one workspace package a filter names (a path or a package name);
        None (and the image undecided) when it names several or none that can be found."""
        from .resolution import workspace_packages

        found = set()
        for target in targets:
            value = target.strip("{}").removesuffix("...").removeprefix("...").removeprefix("^").strip("{}")
            if value.startswith((".", "/")) or ("/" in value and not value.startswith("@")):
                # a workspace path is relative to the workspace root, copied from the build context
                candidate = posixpath.normpath(posixpath.join(self.context, value.lstrip("/"), "package.json"))
                path = candidate if self.ctx.repo.exists(candidate) else None
            else:
                path = workspace_packages(self.ctx).get(value)
            if path is None:
                self.undecided.append(f"{self.df.path}:{inst.start_line}: the workspace {target!r} cannot be found in the repository")
                return None
            found.add(path)
        if len(found) != 1:
            self.undecided.append(f"{self.df.path}:{inst.start_line}: the install covers {len(found)} workspace packages")
            return None
        path = found.pop()
        pkg = package_json(self.ctx, path)
        if pkg is None:
            self.undecided.append(f"{path} cannot be read")
            return None
        location = Location(self.df.path, inst.start_line, 1, label=inst.original.splitlines()[0][:120])
        positions = {}
        for section in ("dependencies", "devDependencies"):
            for name, dep in pkg.section(section).items():
                positions.setdefault(name, Location(path, dep.line, label=f'"{name}": "{dep.spec}"'))
        manifest = ImageManifest(
            "copied", location, {n: d.spec for n, d in pkg.dependencies.items()},
            {n: d.spec for n, d in pkg.section("devDependencies").items()}, positions, source_path=path,
        )
        self.manifests.append(manifest)
        return manifest


# Options of npm, pnpm and yarn that take a value (`--filter X`, `-w X`), by the key they are kept under.
_VALUE_OPTIONS = {
    "--filter": "filter", "-F": "filter", "--workspace": "workspace", "-w": "workspace",
    "--dir": "dir", "-C": "dir", "--prefix": "dir", "--cwd": "dir",
}


def _npm_words(words: list[str]) -> tuple[str | None, list[str], dict[str, list[str]], list[str]]:
    """(verb, positional arguments after it, options with values, other flags)."""
    verb = None
    positional: list[str] = []
    options: dict[str, list[str]] = {}
    flags: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        name, eq, value = word.partition("=")
        if name in _VALUE_OPTIONS:
            if not eq:
                index += 1
                value = words[index] if index < len(words) else ""
            options.setdefault(_VALUE_OPTIONS[name], []).append(value)
        elif word.startswith("-"):
            flags.append(word)
        elif verb is None:
            verb = word
        else:
            positional.append(word)
        index += 1
    return verb, positional, options, flags


def split_package_arg(arg: str) -> tuple[str | None, str | None]:
    """`pkg@^1`, `@scope/pkg@1`, `pkg` -> (name, spec); paths and URLs -> (None, None)."""
    if arg.startswith((".", "/", "file:", "git+", "http:", "https:")) or arg.endswith((".tgz", ".tar.gz")):
        return None, None
    at = arg.find("@", 1)
    if at == -1:
        return arg, None
    return arg[:at], arg[at + 1:] or None
