"""How the repository builds, tags, pushes and loads its images: the one build interpreter.

Read from every shell/PowerShell/batch script, Makefile recipes, the shell blocks of the catalogue's
guides, `# docker build ...` comments in Dockerfiles, GitHub workflows, compose `build:` sections
and Skaffold artifacts. Checks and discovery both read builds from here.

Read from the catalogue's scripts and the shell blocks of its guides (`docker build -t IMG -f
FILE CONTEXT`, `docker buildx build --push`, `docker tag`, `docker push`, `kind load
docker-image`), GitHub workflows (`run:` steps in their working directory, and
`docker/build-push-action` with `context`/`file`/`tags`/`push`, including tags from
`docker/metadata-action`) and compose `build:` sections.

Paths in a command are relative to the directory it runs in. Scripts are assumed to start at
the repository root (how `./scripts/x.sh` is run) unless they `cd` somewhere; the usual
`ROOT="$(cd "$(dirname "$0")/.." && pwd)"`, `$PSScriptRoot` and `%~dp0` spellings are followed.
Variables assigned in the script, `${VAR:-default}` and `for x in a b c` loops are expanded;
anything else stays a wildcard (`app:$TAG` is `app:*`) or, for paths, unknown.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field, replace
from typing import Iterator

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from .compose import compose_files
from ..parsing.dockerfile_name import is_dockerfile
from ..parsing.shell import SimpleCommand, command_words, split_commands
from . import skaffold
from .guides import CODE, SCRIPT, SCRIPT_KINDS, Guide, guide_files
from .imageref import WILDCARD, ImageRef, parse_image
from .workflows import Step, with_matrix, workflows

SCRIPT_DIR = "\x01script\x01"
_SCRIPT_DIR_TOKEN = re.compile(
    r"""\$\(\s*dirname\s+["']?\$\{?(?:0|BASH_SOURCE(?:\[0\])?)\}?["']?\s*\)|\$\{?PSScriptRoot\}?|%~dp0"""
)
_SPLIT_PARENT = re.compile(r"Split-Path\s+(?:-Parent\s+)?\$PSScriptRoot(?:\s+-Parent)?", re.I)
_SH_ASSIGN = re.compile(r"^\s*(?:export\s+|readonly\s+|local\s+|declare\s+(?:-\w+\s+)?)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_PS_ASSIGN = re.compile(r"^\s*\$([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+?)\s*$")
_BAT_ASSIGN = re.compile(r"^\s*set\s+\"?([A-Za-z_][A-Za-z0-9_]*)=(.*?)\"?\s*$", re.I)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)|%([A-Za-z_][A-Za-z0-9_]*)%")
_FOR = re.compile(r"^\s*for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.+?)\s*(?:;\s*do\b(.*))?$")
_DONE = re.compile(r"(?:^|;)\s*done\b")
_MAKE_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAKE_ASSIGN = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?|:|::)?=\s*(.*)$")
_CD = {"cd", "pushd", "set-location", "push-location", "sl", "chdir"}
# docker build options that take a value (the context is the one positional argument).
_VALUE_OPTIONS = {
    "-t", "--tag", "-f", "--file", "--build-arg", "--target", "--platform", "--label", "--cache-from",
    "--cache-to", "--secret", "--ssh", "--network", "-o", "--output", "--progress", "--iidfile",
    "--add-host", "--build-context", "--builder", "--metadata-file", "--shm-size", "--ulimit", "-m",
    "--memory", "--memory-swap", "--cgroup-parent", "--isolation", "--cpuset-cpus", "--cpuset-mems",
    "--cpu-shares", "-c", "--cpu-period", "--cpu-quota", "--attest", "--annotation", "--allow", "--call",
}


@dataclass(frozen=True)
class BuildCommand:
    """One image build: which Dockerfile, from which context, tagged how, written where."""

    dockerfile: str | None  # repository-relative; None when it cannot be resolved
    context: str | None  # repository-relative; None when unknown
    tags: tuple[ImageRef, ...]
    location: Location
    origin: str  # script | makefile | guide | comment | workflow | compose | skaffold
    push: bool = False
    # The tags are computed somewhere this reading cannot follow: any name is possible.
    unknown_tags: bool = False
    assumed_cwd: bool = False  # the directory it runs in was assumed (repository root)
    target: str | None = None  # the stage built (`--target`, compose/Skaffold `target`)
    service: str | None = None  # the compose service, or the Skaffold artifact's image

    @property
    def kind(self) -> str:
        return self.origin


@dataclass(frozen=True)
class ImageAction:
    """`docker push IMG`, `docker tag SRC DST`, `kind load docker-image IMG --name CLUSTER`."""

    kind: str  # push | tag | load
    image: ImageRef
    location: Location
    source: ImageRef | None = None  # for tag: the image that gets the new name
    cluster: str | None = None  # for load


@dataclass
class BuildInventory:
    builds: list[BuildCommand] = field(default_factory=list)
    actions: list[ImageAction] = field(default_factory=list)

    def of_dockerfile(self, dockerfile: str) -> list[BuildCommand]:
        return [b for b in self.builds if b.dockerfile == dockerfile]

    def pushes(self) -> list[ImageRef]:
        pushed = [a.image for a in self.actions if a.kind == "push"]
        pushed += [t for b in self.builds if b.push for t in b.tags]
        return pushed

    def loads(self) -> list[ImageAction]:
        return [a for a in self.actions if a.kind == "load"]

    def produced(self) -> list[tuple[ImageRef, Location]]:
        """Every image name the repository gives a built image (build tags and `docker tag` targets)."""
        names = [(t, b.location) for b in self.builds for t in b.tags]
        names += [(a.image, a.location) for a in self.actions if a.kind == "tag"]
        return names


def inventory(ctx: ScanContext) -> BuildInventory:
    return ctx.memo("build-inventory", lambda: _collect(ctx))


SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".ps1", ".bat", ".cmd")
MAKEFILE_NAMES = ("Makefile", "makefile", "GNUmakefile")


def _collect(ctx: ScanContext) -> BuildInventory:
    result = BuildInventory()
    resolver = _Resolver(ctx)
    read = set()
    for guide in guide_files(ctx):
        read.add(guide.path)
        _read_guide(guide, result, resolver)
    for path in ctx.repo.walk(suffixes=SCRIPT_SUFFIXES):
        if path not in read and (source := ctx.repo.text(path)) is not None and "build" in source.text:
            kind = SCRIPT_KINDS.get(posixpath.splitext(path)[1].lower(), "shell")
            lines = [(i, 1, text) for i, text in enumerate(source.lines, 1)]
            _read_lines(path, lines, _Session(".", True, posixpath.dirname(path) or ".", resolver=resolver), "script", result, kind)
    for path in ctx.repo.walk():
        name = posixpath.basename(path)
        if name in MAKEFILE_NAMES or name.endswith(".mk"):
            _read_makefile(ctx, path, result, resolver)
        elif is_dockerfile(path) and (source := ctx.repo.text(path)) is not None and "docker" in source.text:
            lines = [(i, 1, t.lstrip()[1:]) for i, t in enumerate(source.lines, 1) if t.lstrip().startswith("#")]
            _read_lines(path, lines, _Session(".", True, posixpath.dirname(path) or ".", resolver=resolver), "comment", result, "shell")
    for workflow in workflows(ctx):
        metadata = {s.data.get("id"): s for s in workflow.steps if s.action() == "docker/metadata-action" and s.data.get("id")}
        for step in workflow.steps:
            for combo in step.matrix:
                if step.action() == "docker/build-push-action":
                    where = workflow.at(step.path, label=str(step.data.get("name") or step.uses)[:160])
                    result.builds.append(_build_push_action(step, metadata, where, combo))
                elif step.script:
                    session = _Session(with_matrix(step.working_directory, combo), assumed=False, resolver=resolver)
                    lines = [(line.number, line.column, with_matrix(line.text, combo)) for line in step.script]
                    _read_lines(workflow.path, lines, session, "workflow", result, "shell")
    for compose in compose_files(ctx):
        for service in compose.services:
            if service.build is None:
                continue
            image = parse_image(service.image) if service.image else None
            # without `image:`, compose names the build <project>-<service>, after a folder name it does not know
            result.builds.append(
                BuildCommand(
                    service.build.dockerfile, service.build.context, (image,) if image else (),
                    replace(service.build.location, label=f"services.{service.name}.build"),
                    "compose", unknown_tags=image is None, service=service.name,
                )
            )
    for config in skaffold.configs(ctx):
        for artifact in config.artifacts:
            ref = parse_image(artifact.image)
            if ref is None:
                continue
            # Skaffold tags every build itself and rewrites the deployed manifests to that tag: any tag of the name.
            ref = ImageRef(ref.registry, ref.repository, WILDCARD, None, artifact.image)
            known = artifact.builder in ("docker", "kaniko")
            result.builds.append(BuildCommand(
                artifact.dockerfile if known else None, artifact.context, (ref,), artifact.location, "skaffold",
                push=bool(artifact.push), target=artifact.target, service=artifact.image,
            ))
            if artifact.push is not True:  # with a local cluster Skaffold loads what it builds (kind load)
                result.actions.append(ImageAction("load", ref, artifact.location))
    return result


def _read_makefile(ctx: ScanContext, path: str, result: BuildInventory, resolver: "_Resolver") -> None:
    """Recipe lines (tab-indented) of a Makefile, run by make in the Makefile's folder; `VAR = value` expanded."""
    source = ctx.repo.text(path)
    if source is None or "build" not in source.text:
        return
    variables: dict[str, str] = {}
    lines = []
    for number, text in enumerate(source.lines, 1):
        if text.startswith("\t"):
            recipe = _MAKE_VAR.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text.strip().lstrip("@-+ "))
            lines.append((number, 1, recipe.replace("$$", "$")))
            continue
        assign = _MAKE_ASSIGN.match(text)
        if assign:
            variables[assign.group(1)] = _MAKE_VAR.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), assign.group(2).strip())
    folder = posixpath.dirname(path) or "."
    _read_lines(path, lines, _Session(folder, False, folder, resolver=resolver), "makefile", result, "shell")


# -- shell -------------------------------------------------------------------------------------------
@dataclass
class _Session:
    cwd: str | None  # repository-relative; None once it cannot be followed
    assumed: bool
    script_dir: str = "."
    variables: dict[str, str] = field(default_factory=dict)
    loop: tuple[str, list[str]] | None = None
    clone: str | None = None  # the folder `git clone` made: the repository itself
    resolver: "_Resolver | None" = None


def _read_guide(guide: Guide, result: BuildInventory, resolver: "_Resolver") -> None:
    script_dir = posixpath.dirname(guide.path) or "."
    if guide.is_markdown:
        blocks: dict[int, list[tuple[int, int, str]]] = {}
        for line in guide.lines:
            if line.context == CODE and line.shell and line.block is not None:
                blocks.setdefault(line.block, []).append((line.number, 1, line.text))
        for lines in blocks.values():
            _read_lines(guide.path, lines, _Session(".", True, script_dir, resolver=resolver), "guide", result, "shell")
        for line in guide.lines:  # `docker build -t api:local api` written inline in prose
            for start, end in line.code_spans if line.context not in (CODE, SCRIPT) else ():
                if "docker" in line.text[start:end]:
                    span = [(line.number, start + 1, line.text[start:end])]
                    before = len(result.builds)
                    _read_lines(guide.path, span, _Session(".", True, script_dir, resolver=resolver), "guide", result, "shell")
                    label = " ".join(line.text.replace("`", " ").split())[:160]  # the sentence, not just the span
                    result.builds[before:] = [replace(b, location=replace(b.location, label=label)) for b in result.builds[before:]]
    else:
        lines = [(line.number, 1, line.text) for line in guide.lines if line.context == SCRIPT]
        _read_lines(guide.path, lines, _Session(".", True, script_dir, resolver=resolver), "script", result, guide.kind)


def _logical_lines(lines: list[tuple[int, int, str]], kind: str) -> Iterator[tuple[int, int, str]]:
    """Join continuation lines (`\\`, PowerShell's backtick, batch's `^`)."""
    marker = {"powershell": "`", "batch": "^"}.get(kind, "\\")
    pending: tuple[int, int, str] | None = None
    for number, column, text in lines:
        text = text.rstrip("\r")
        if pending is not None:
            text = pending[2] + " " + text.strip()
            number, column = pending[0], pending[1]
            pending = None
        if text.rstrip().endswith(marker):
            pending = (number, column, text.rstrip()[:-1])
            continue
        yield number, column, text
    if pending is not None:
        yield pending


def _read_lines(path: str, lines: list[tuple[int, int, str]], session: _Session, origin: str, result: BuildInventory, kind: str) -> None:
    for number, column, text in _logical_lines(lines, kind):
        stripped = text.strip()
        if not stripped or stripped.startswith(("#", "REM ", "rem ", "::")):
            continue
        loop = _FOR.match(stripped)
        loop_ends = False
        if loop:
            values = [v for v in (_expand(w, session) for w in command_words(loop.group(2))) if v is not None]
            session.loop = (loop.group(1), values)
            if not loop.group(3):
                continue
            stripped = loop.group(3)
            loop_ends = bool(_DONE.search(stripped))
        elif _DONE.search(stripped) and session.loop is not None:
            before = _DONE.split(stripped)[0]
            if before.strip():
                _statement(path, number, column, before, session, origin, result)
            session.loop = None
            continue
        assign = _assignment(stripped, kind)
        if assign is not None:
            name, expression = assign
            value = _evaluate(expression, session)
            if value is not None:
                session.variables[name] = value
            else:
                session.variables.pop(name, None)
            continue
        _statement(path, number, column, stripped, session, origin, result)
        if loop_ends:
            session.loop = None


def _assignment(text: str, kind: str) -> tuple[str, str] | None:
    """`NAME=value` (shell), `$Name = value` (PowerShell), `set NAME=value` (batch); not `NAME=1 cmd`."""
    if kind == "powershell":
        match = _PS_ASSIGN.match(text)
        return (match.group(1), match.group(2)) if match else None
    if kind == "batch":
        match = _BAT_ASSIGN.match(text)
        return (match.group(1), match.group(2)) if match else None
    match = _SH_ASSIGN.match(text)
    if match is None:
        return None
    value = match.group(2).rstrip().rstrip(";")
    if not value.startswith(("'", '"', "$(", "`")) and re.search(r"\s", value):
        return None  # an environment prefix of a command: DOCKER_BUILDKIT=1 docker build ...
    return match.group(1), value


def _statement(path, number, column, text, session: _Session, origin, result: BuildInventory) -> None:
    outer: list = []  # the directory each enclosing `( ... )` started in
    for command in _split(text):
        while len(outer) > command.depth:
            session.cwd = outer.pop()
        outer += [session.cwd] * (command.depth - len(outer))
        words = command.words
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words = words[1:]  # environment prefix
        if not words:
            continue
        program = words[0].rsplit("/", 1)[-1].lower().removesuffix(".exe")
        if program == "git" and words[1:2] == ["clone"]:
            rest = [w for w in words[2:] if not w.startswith("-")]
            if rest:
                session.clone = rest[1] if len(rest) > 1 else rest[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
            continue
        if program in _CD:
            target = next((w for w in words[1:] if not w.startswith("-")), "~")
            if session.clone and (target == session.clone or target.startswith(session.clone + "/")):
                session.cwd = posixpath.normpath("." + target[len(session.clone):])  # cd into the clone: the repository root
                continue
            expanded = _evaluate(target, session)
            session.cwd = _change_dir(session, expanded) if expanded is not None else None
            continue
        variants = [{}]
        if session.loop and any(f"${session.loop[0]}" in w or f"${{{session.loop[0]}}}" in w for w in words):
            variants = [{session.loop[0]: value} for value in session.loop[1]]
        for extra in variants:
            expanded = [_expand(w, session, extra, keep=True) for w in words]
            _command(path, number, column, expanded, session, origin, result)
    if outer:
        session.cwd = outer[0]  # the line ended inside, or right after, a subshell


def _command(path, number, column, words: list[str], session: _Session, origin, result: BuildInventory) -> None:
    where = Location(path, number, column, label=" ".join(words)[:160])
    program = words[0].rsplit("/", 1)[-1].lower().removesuffix(".exe")
    args = words[1:]
    if program in ("docker", "podman"):
        if args[:1] == ["build"] or args[:2] in (["buildx", "build"], ["image", "build"], ["builder", "build"]):
            skip = 1 if args[:1] == ["build"] else 2
            result.builds.extend(_docker_build(args[skip:], session, where, origin))
        elif args[:1] == ["push"] or args[:2] == ["image", "push"]:
            rest = [a for a in args[1 if args[0] == "push" else 2:] if not a.startswith("-")]
            if rest and (image := parse_image(rest[0])):
                result.actions.append(ImageAction("push", image, where))
        elif args[:1] == ["tag"] or args[:2] == ["image", "tag"]:
            rest = [a for a in args[1 if args[0] == "tag" else 2:] if not a.startswith("-")]
            if len(rest) >= 2 and (source := parse_image(rest[0])) and (target := parse_image(rest[1])):
                result.actions.append(ImageAction("tag", target, where, source=source))
    elif program == "kind" and args[:2] == ["load", "docker-image"]:
        cluster = None
        images = []
        rest = args[2:]
        i = 0
        while i < len(rest):
            word = rest[i]
            if word in ("--name", "-n") and i + 1 < len(rest):
                cluster = rest[i + 1]
                i += 2
                continue
            if word.startswith("--name="):
                cluster = word.split("=", 1)[1]
            elif not word.startswith("-"):
                images.append(word)
            elif word in ("--nodes",):
                i += 1
            i += 1
        for text in images:
            image = parse_image(text)
            if image is not None:
                result.actions.append(ImageAction("load", image, where, cluster=cluster))


def _docker_build(args: list[str], session: _Session, where: Location, origin: str) -> list[BuildCommand]:
    tags: list[str] = []
    dockerfile: str | None = None
    target: str | None = None
    positional: list[str] = []
    push = False
    i = 0
    while i < len(args):
        word = args[i]
        name, eq, inline = word.partition("=")
        if word.startswith("-") and eq and name in _VALUE_OPTIONS:
            value = inline
            i += 1
        elif word in _VALUE_OPTIONS and i + 1 < len(args):
            name, value = word, args[i + 1]
            i += 2
        else:
            if word == "--push" or word.startswith("--output=type=registry") or word == "--output=type=image,push=true":
                push = True
            elif not word.startswith("-"):
                positional.append(word)
            i += 1
            continue
        if name in ("-t", "--tag"):
            tags.append(value)
        elif name in ("-f", "--file"):
            dockerfile = value
        elif name == "--target":
            target = value
        elif name in ("-o", "--output") and ("push=true" in value or "type=registry" in value):
            push = True
    if not positional:
        return []
    context_word = positional[-1]
    if "://" in context_word or context_word.startswith("git@") or context_word == "-" or dockerfile == "-":
        return []
    found = []
    for file, context, binding in _locate(session, context_word, dockerfile):
        images = [i for i in (parse_image(_bind(t, binding)) for t in tags) if i is not None]
        unknown = any(_unknown_name(i) for i in images)
        images = [i for i in images if not _unknown_name(i)]
        found.append(BuildCommand(file, context, tuple(images), where, origin, push, unknown_tags=unknown, assumed_cwd=session.assumed, target=target))
    return found


# $VAR, ${VAR}, $(command), ${{ expression }}, %VAR%: parts of a path only known when it runs.
_PATH_VARIABLE = re.compile(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$\w+|%\w+%")


def _locate(session: _Session, context_word: str, file_word: str | None) -> list[tuple[str | None, str | None, dict]]:
    """(Dockerfile, context, variable binding) a build means. A script whose folder was assumed may be
    run from the root, its own folder or its parent: the first where the Dockerfile exists. A path
    with a variable (`services/$svc/Dockerfile`) stands for every Dockerfile of that shape."""
    resolver = session.resolver
    bases = [session.cwd] if session.cwd is not None else []
    if session.assumed and session.cwd is not None:
        bases += [session.script_dir, posixpath.dirname(session.script_dir) or "."]
    if resolver is not None:
        for base in dict.fromkeys(bases):
            trial = _Session(base, session.assumed, session.script_dir)
            if _PATH_VARIABLE.search(context_word) or (file_word and _PATH_VARIABLE.search(file_word)):
                matches = resolver.match(trial, context_word, file_word)
                if matches:
                    return matches
                continue
            context = _resolve(trial, context_word)
            file = _default_file(trial, context, file_word)
            if file is not None and resolver.ctx.repo.exists(file):
                return [(file, context, {})]
    context = _resolve(session, context_word)
    return [(_default_file(session, context, file_word), context, {})]


def _default_file(session: _Session, context: str | None, file_word: str | None) -> str | None:
    if file_word is None:
        return posixpath.join(context, "Dockerfile") if context is not None else None
    return _resolve(session, file_word)


def _bind(text: str, binding: dict) -> str:
    return _PATH_VARIABLE.sub(lambda m: binding.get(m.group(0), m.group(0)), text) if binding else text


class _Resolver:
    """The repository's Dockerfiles, to resolve build paths against."""

    def __init__(self, ctx: ScanContext):
        self.ctx = ctx
        self._files: list[str] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = [p for p in self.ctx.repo.walk() if is_dockerfile(p)]
        return self._files

    def match(self, session: _Session, context_word: str, file_word: str | None) -> list[tuple[str, str, dict]]:
        word = file_word if file_word is not None else posixpath.join(context_word, "Dockerfile")
        base = session.script_dir if SCRIPT_DIR in word else session.cwd
        word = word.split(SCRIPT_DIR, 1)[1].lstrip("/") or "." if SCRIPT_DIR in word else word
        if base is None or word.startswith("/"):
            return []
        pattern = posixpath.normpath(posixpath.join(base, word.replace("\\", "/")))
        regex, names, position = "", [], 0
        for var in _PATH_VARIABLE.finditer(pattern):
            regex += re.escape(pattern[position:var.start()])
            if var.group(0) in names:
                regex += f"(?P=v{names.index(var.group(0))})"
            else:
                regex += f"(?P<v{len(names)}>[^/]+)"
                names.append(var.group(0))
            position = var.end()
        compiled = re.compile(regex + re.escape(pattern[position:]))
        found = []
        for candidate in self.files():
            hit = compiled.fullmatch(candidate)
            if hit is None:
                continue
            binding = {name: hit.group(f"v{i}") for i, name in enumerate(names)}
            context = _resolve(session, _bind(context_word, binding))
            if context is not None and not _PATH_VARIABLE.search(context):
                found.append((candidate, context, binding))
        return found


def _unknown_name(image: ImageRef) -> bool:
    """`$image.Name`, `${IMAGE}`: the whole name is computed."""
    return image.repository.startswith("*")


def _build_push_action(step: Step, metadata: dict, where: Location, combo: dict[str, str]) -> BuildCommand:
    options = {k: with_matrix(v, combo) if isinstance(v, str) else v for k, v in step.with_.items()}
    context = str(options.get("context") or ".")
    context = None if "${{" in context or "://" in context else posixpath.normpath(context.removeprefix("./") or ".")
    file = options.get("file")
    if file is not None and "${{" in str(file):
        dockerfile = None
    elif file is not None:
        dockerfile = posixpath.normpath(str(file).removeprefix("./"))
    else:
        dockerfile = posixpath.join(context, "Dockerfile") if context not in (None, ".") else ("Dockerfile" if context == "." else None)
    raw = options.get("tags")
    texts = [t for t in re.split(r"[\n,]", raw) if t.strip()] if isinstance(raw, str) else [str(t) for t in raw or []]
    tags: list[ImageRef] = []
    unknown = False
    for text in texts:
        output = re.fullmatch(r"\s*\$\{\{\s*steps\.([\w-]+)\.outputs\.tags\s*\}\}\s*", text)
        if output:
            meta = metadata.get(output.group(1))
            images = meta.with_.get("images") if meta is not None else None
            names = [n for n in re.split(r"[\n,]", images) if n.strip()] if isinstance(images, str) else []
            if not names:
                unknown = True
            tags += [i for i in (parse_image(n.strip().split(",")[0] + ":${{ tag }}") for n in names) if i]
            continue
        image = parse_image(text.strip())
        if image is not None:
            tags.append(image)
    push = str(options.get("push", "false")).strip().lower() == "true" or "${{" in str(options.get("push", ""))
    return BuildCommand(dockerfile, context, tuple(tags), where, "workflow", push, unknown_tags=unknown or not texts)


# -- words, variables, directories -----------------------------------------------------------------
_SUBSTITUTION = re.compile(r"\$\((?![^()]*\b(?:dirname|pwd)\b)[^()]*\)")


def _split(text: str) -> list[SimpleCommand]:
    """Simple commands of a line (`a && b; c | d`), as words with quotes removed.

    A command substitution other than the script-folder idiom becomes `$(…)`, an unknown part.
    """
    try:
        return split_commands(_SUBSTITUTION.sub("$(…)", text), comments=True)
    except ValueError:
        return [SimpleCommand(text.split())] if text.split() else []


def _expand(word: str, session: _Session, extra: dict | None = None, keep: bool = False) -> str | None:
    """Substitute known variables; unknown ones stay as written when `keep`, else the word is unknown."""
    variables = {**session.variables, **(extra or {})}
    unknown = False

    def value(match: re.Match) -> str:
        nonlocal unknown
        name = match.group(1) or match.group(3) or match.group(4)
        if name in variables:
            return variables[name]
        if match.group(2) is not None:
            return match.group(2)
        unknown = True
        return match.group(0)

    result = _VAR.sub(value, word)
    return result if keep or not unknown else None


def _evaluate(expression: str, session: _Session) -> str | None:
    """The value of an assignment: a literal, a known variable, or the script's folder (plus a relative part)."""
    text = expression.strip()
    if _SPLIT_PARENT.search(text):
        return SCRIPT_DIR + "/.."
    token = _SCRIPT_DIR_TOKEN.search(text)
    if token:
        rest = re.match(r"""[/\\]?([^"'\s)&;`]*)""", text[token.end():])
        suffix = rest.group(1).replace("\\", "/") if rest else ""
        return SCRIPT_DIR + ("/" + suffix if suffix else "")
    if text.startswith("$(") or text.startswith("`"):
        return None
    words = command_words(text)
    if len(words) != 1:
        return None
    return _expand(words[0], session)


def _change_dir(session: _Session, target: str) -> str | None:
    if target in ("-", "~") or target.startswith("~"):
        return None
    return _resolve(session, target)


def _resolve(session: _Session, word: str) -> str | None:
    """A path word relative to the session's directory, as a repository path; None when unknown."""
    word = word.replace("\\", "/")
    if SCRIPT_DIR in word:
        base, rest = session.script_dir, word.split(SCRIPT_DIR, 1)[1]
        word = rest.lstrip("/") or "."
    else:
        if session.cwd is None or "$" in word or word.startswith("/") or "%" in word:
            return None
        base = session.cwd
    path = posixpath.normpath(posixpath.join(base, word))
    if path.startswith(".."):
        return None
    return path
