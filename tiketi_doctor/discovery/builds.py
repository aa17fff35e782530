"""How each Dockerfile is built: `docker build` in scripts and CI, compose `build:`, or its own folder.

Every invocation found says which Dockerfile, which context and which tags. Paths in a
command are relative to where it runs: the folder a script `cd`s into, else the repository
root, the script's folder or its parent (the first where the Dockerfile exists). Variables
(`services/$svc/Dockerfile`, `${{ matrix.app }}`) match every Dockerfile of that shape, and
the matched part is substituted into the context and tags of the same command.
"""
from __future__ import annotations

import itertools
import posixpath
import re
from dataclasses import dataclass

from ..analysis.compose import services_of
from ..model import Location
from ..parsing.dockerfile import Dockerfile, parse_dockerfile
from ..parsing.shell import split_commands
from ..parsing.yamldoc import parse_yaml_documents
from ..repo import RepoView
from .inventory import Inventory

# How much an invocation says about the intended build: CI and compose run it, a script is
# what people run, a comment or a guide only describes it.
PRIORITY = {"workflow": 0, "compose": 0, "script": 1, "comment": 2, "guide": 3}

_VALUE_OPTIONS = {
    "-t", "--tag", "-f", "--file", "--build-arg", "--target", "--platform", "--label", "--cache-from", "--cache-to",
    "--secret", "--ssh", "--network", "--progress", "-o", "--output", "--iidfile", "--add-host", "--build-context",
    "--builder", "--metadata-file", "--annotation", "--attest", "--shm-size", "--ulimit", "--cgroup-parent",
    "--isolation", "-m", "--memory", "--memory-swap", "-c", "--cpu-shares", "--cpuset-cpus", "--cpuset-mems",
    "--cpu-period", "--cpu-quota", "--allow", "--call", "--provenance", "--sbom",
}
_CONTINUATION = {".sh": "\\", ".bash": "\\", ".ps1": "`", ".bat": "^", ".cmd": "^", ".md": "\\", "": "\\"}
# $VAR, ${VAR}, $env:VAR, $(command), %VAR%, and a GitHub expression turned into $__expr_N
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\([^)]*\)|\$(?:env:)?\w+|%\w+%")
_LEADING_VARIABLES = re.compile(r"^(?:(?:\$\{[^}]*\}|\$\([^)]*\)|\$(?:env:)?\w+|%\w+%)[/\\])+")
_ONLY_VARIABLE = re.compile(r"^(?:\$\{[^}]*\}|\$\([^)]*\)|\$(?:env:)?\w+|%\w+%)$")
_GITHUB_EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
_FOR_LOOP = re.compile(r"\bfor\s+(\w+)\s+in\s+([^;\n]+?)\s*;?\s*(?:do\b|$)")
_CD = re.compile(r"^\s*(?:cd|pushd|Set-Location|sl)\s+(.+?)\s*(?:&&.*|;.*)?$")
_DOCKER_BUILD = re.compile(r"\bdocker(?:\.exe)?\s+(?:buildx\s+|image\s+)?build\b")


@dataclass(frozen=True)
class BuildInvocation:
    dockerfile: str  # repository-relative
    context: str  # repository-relative, "." for the root
    tags: tuple[str, ...]
    where: Location
    via: str  # workflow | compose | script | comment | guide
    service: str | None = None  # the compose service name

    @property
    def priority(self) -> int:
        return PRIORITY[self.via]


def build_invocations(inventory: Inventory) -> list[BuildInvocation]:
    repo = inventory.repo
    found: list[BuildInvocation] = []
    known = set(inventory.dockerfiles)
    for service in services_of(repo, inventory.compose_files):
        build = service.build
        if build is not None and build.in_repository and build.dockerfile in known:
            where = Location(service.file, build.location.line, label=f"services.{service.name}.build")
            tags = (service.image,) if service.image else ()
            found.append(BuildInvocation(build.dockerfile, build.context, tags, where, "compose", service.name))
    for path in inventory.workflows:
        found.extend(_workflow(inventory, path))
    for path in inventory.scripts:
        found.extend(_script(inventory, path, "script"))
    for path in inventory.dockerfiles:
        found.extend(_script(inventory, path, "comment"))
    for path in inventory.markdown:
        found.extend(_script(inventory, path, "guide"))
    return found


def dockerfile(repo: RepoView, path: str) -> Dockerfile | None:
    """The parsed Dockerfile (the same cache entry the image analysis uses)."""
    return repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))


def copy_sources(repo: RepoView, path: str) -> list[str]:
    """COPY/ADD sources of a Dockerfile as written (not from other stages, not heredocs or URLs)."""
    parsed = dockerfile(repo, path)
    if parsed is None:
        return []
    sources = []
    for inst in parsed.instructions:
        if inst.cmd not in ("COPY", "ADD") or inst.flag("from") is not None or len(inst.value) < 2:
            continue
        for source in inst.value[:-1]:
            source = inst.expand(source)
            if not source.startswith("<<") and "://" not in source and "$" not in source:
                sources.append(source.lstrip("/"))
    return sources


def unresolved_sources(repo: RepoView, path: str, context: str) -> list[str]:
    """The COPY sources of `path` that do not exist in `context` (a build would fail on them)."""
    missing = []
    for source in copy_sources(repo, path):
        target = posixpath.normpath(posixpath.join(context, source))
        if target.startswith("../") or target == "..":
            missing.append(source)
        elif any(ch in source for ch in "*?["):
            if not repo.glob(target):
                missing.append(source)
        elif not repo.exists(target):
            missing.append(source)
    return missing


# -- scripts, comments and guides ------------------------------------------------------------
def _script(inventory: Inventory, path: str, via: str) -> list[BuildInvocation]:
    source = inventory.repo.text(path)
    if source is None or "build" not in source.text:
        return []
    suffix = posixpath.splitext(path)[1].lower()
    if via == "comment":
        suffix = ""
    folder = posixpath.dirname(path) or "."
    loops = {name: words.split() for name, words in _FOR_LOOP.findall(source.text)}
    current: str | None = None
    found = []
    for number, line in _logical_lines(source.text, _CONTINUATION.get(suffix, "\\")):
        if via == "comment":
            if not line.lstrip().startswith("#"):
                continue
            line = line.lstrip().lstrip("#")
        elif via == "guide":
            line = line.replace("`", " ")  # inline code in prose
        cd = _CD.match(line) if via == "script" else None
        if cd:
            current = _cd(current, folder, cd.group(1))
            continue
        match = _DOCKER_BUILD.search(line)
        if not match:
            continue
        command = _parse_build(line[match.start():])
        if command is None:
            continue
        bases = [b for b in (current, ".", folder, posixpath.dirname(folder) or ".") if b is not None]
        where = Location(path, number, label=" ".join(line.split())[:160])
        found.extend(_resolve(inventory, command, list(dict.fromkeys(bases)), where, via, loops))
    return found


def _logical_lines(text: str, continuation: str):
    """(first line number, joined text) with line continuations folded."""
    pending: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        stripped = line.rstrip()
        if stripped.endswith(continuation):
            pending.append(stripped[: -len(continuation)])
            continue
        pending.append(line)
        yield start, " ".join(part.strip() for part in pending)
        pending = []
    if pending:
        yield start, " ".join(part.strip() for part in pending)


def _cd(current: str | None, folder: str, target: str) -> str | None:
    target = target.strip().strip("'\"")
    if "dirname" in target or "PSScriptRoot" in target or "%~dp0" in target:
        return posixpath.normpath(posixpath.join(folder, "..")) if ".." in target else folder
    if _ONLY_VARIABLE.match(target) or target in ("-", "~") or target.startswith(("$", "~", "/")):
        return "."  # `cd "$ROOT"`: scripts that cd into a variable go to the repository root
    return posixpath.normpath(posixpath.join(current or ".", target))


@dataclass
class _Command:
    dockerfile: str | None
    context: str | None
    tags: list[str]


def _parse_build(text: str) -> _Command | None:
    try:
        commands = split_commands(text)
    except ValueError:
        return None
    if not commands:
        return None
    words = commands[0].words
    start = next((i for i, w in enumerate(words) if w == "build"), None)
    if start is None:
        return None
    args = words[start + 1:]
    tags: list[str] = []
    dockerfile = context = None
    i = 0
    while i < len(args):
        word = args[i]
        if word.startswith("-"):
            name, _, inline = word.partition("=")
            if name in _VALUE_OPTIONS:
                value = inline if inline else (args[i + 1] if i + 1 < len(args) else "")
                i += 0 if inline else 1
                if name in ("-t", "--tag"):
                    tags.append(value)
                elif name in ("-f", "--file"):
                    dockerfile = value
        elif context is None:
            context = word
        i += 1
    if context is None or context == "-":
        return None
    return _Command(dockerfile, context, tags)


def _resolve(inventory: Inventory, command: _Command, bases: list[str], where: Location, via: str, loops: dict) -> list[BuildInvocation]:
    """The Dockerfiles a command builds, from the first base folder where its paths exist."""
    context_word = _strip_leading_variables(command.context or ".")
    file_word = _strip_leading_variables(command.dockerfile) if command.dockerfile else None
    for base in bases:
        if file_word is not None:
            pattern = _join(base, file_word) if not file_word.startswith("/") else file_word.lstrip("/")
            dockerfiles = inventory.dockerfiles
        else:
            pattern = _join(_join(base, context_word), "Dockerfile")
            dockerfiles = [d for d in inventory.dockerfiles if posixpath.basename(d) == "Dockerfile"]
        matches = _match(pattern, dockerfiles, loops)
        if not matches:
            continue
        result = []
        for path, binding in matches:
            context = _join(base, _substitute(context_word, binding))
            if _VARIABLE.search(context) or context == ".." or context.startswith("../"):
                continue  # unknown, or outside the repository
            tags = tuple(_substitute(t, binding) for t in command.tags)
            result.append(BuildInvocation(path, context, tuple(t for t in tags if not _VARIABLE.search(t.split(":")[0])), where, via))
        return result
    return []


def _match(pattern: str, candidates: list[str], loops: dict) -> list[tuple[str, dict[str, str]]]:
    if not _VARIABLE.search(pattern):
        return [(pattern, {})] if pattern in candidates else []
    names: list[str] = []
    regex = ""
    position = 0
    for var in _VARIABLE.finditer(pattern):
        regex += re.escape(pattern[position:var.start()])
        name = _variable_name(var.group(0))
        if name in names:
            regex += f"(?P={name})"
        else:
            names.append(name)
            regex += f"(?P<{name}>[^/]+)"
        position = var.end()
    regex += re.escape(pattern[position:])
    compiled = re.compile(regex + "$")
    result = []
    for candidate in candidates:
        found = compiled.match(candidate)
        if not found:
            continue
        binding = {name: found.group(name) for name in names}
        if any(name in loops and binding[name] not in loops[name] for name in binding):
            continue  # `for app in a b c`: only the listed values
        result.append((candidate, binding))
    return result


def _variable_name(text: str) -> str:
    name = re.sub(r"\W", "_", text.strip("${}()%")).strip("_") or "v"
    return name[4:] if name.startswith("env_") else name


def _substitute(text: str, binding: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: binding.get(_variable_name(m.group(0)), m.group(0)), text)


def _strip_leading_variables(word: str) -> str:
    if _ONLY_VARIABLE.match(word):
        return "."
    return _LEADING_VARIABLES.sub("", word).replace("\\", "/")


def _join(base: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(base, rel))


# -- CI workflows ------------------------------------------------------------------------------
def _workflow(inventory: Inventory, path: str) -> list[BuildInvocation]:
    docs = inventory.repo.parsed("yaml", path, lambda f: parse_yaml_documents(f.text)) or []
    found: list[BuildInvocation] = []
    for doc in docs:
        jobs = doc.data.get("jobs") if isinstance(doc.data, dict) else None
        if not isinstance(jobs, dict):
            continue
        for job_name, job in jobs.items():
            if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
                continue
            for combo in _matrix(job):
                for index, step in enumerate(job["steps"]):
                    if isinstance(step, dict):
                        line = doc.line(("jobs", job_name, "steps", index))
                        found.extend(_step(inventory, path, line, step, combo))
    unique = {(b.dockerfile, b.context, b.tags): b for b in found}
    return list(unique.values())


def _matrix(job: dict) -> list[dict[str, str]]:
    """Every combination of a job's matrix lists (a few dozen at most), or one empty combination."""
    matrix = (job.get("strategy") or {}).get("matrix") if isinstance(job.get("strategy"), dict) else None
    if not isinstance(matrix, dict):
        return [{}]
    axes = {k: [str(v) for v in values] for k, values in matrix.items() if isinstance(values, list) and k not in ("include", "exclude")}
    combos = [dict(zip(axes, values)) for values in itertools.islice(itertools.product(*axes.values()), 64)] if axes else [{}]
    for extra in matrix.get("include") or []:
        if isinstance(extra, dict):
            combos.append({str(k): str(v) for k, v in extra.items()})
    return combos


def _expand(text: str, combo: dict[str, str]) -> str:
    """`${{ matrix.app }}` -> its value; other expressions become a variable matched like `$x`."""
    def replace(match: re.Match) -> str:
        expr = match.group(1)
        if expr.startswith("matrix.") and expr[len("matrix."):] in combo:
            return combo[expr[len("matrix."):]]
        return "${" + re.sub(r"\W", "_", expr) + "}"

    return _GITHUB_EXPRESSION.sub(replace, text)


def _step(inventory: Inventory, path: str, line: int | None, step: dict, combo: dict[str, str]) -> list[BuildInvocation]:
    uses = str(step.get("uses") or "")
    where = Location(path, line, label=str(step.get("name") or uses or "run")[:160])
    if uses.startswith("docker/build-push-action"):
        inputs = step.get("with") if isinstance(step.get("with"), dict) else {}
        context = _expand(str(inputs.get("context") or "."), combo)
        file = _expand(str(inputs["file"]), combo) if inputs.get("file") else _join(context, "Dockerfile")
        raw_tags = inputs.get("tags") or ""
        tags = [_expand(t.strip(), combo) for t in (raw_tags if isinstance(raw_tags, list) else re.split(r"[\n,]", str(raw_tags)))]
        command = _Command(file, context, [t for t in tags if t])
        return _resolve(inventory, command, ["."], where, "workflow", {})
    run = step.get("run")
    if not isinstance(run, str) or not _DOCKER_BUILD.search(run):
        return []
    base = str(step.get("working-directory") or ".")
    found = []
    for _, text in _logical_lines(_expand(run, combo), "\\"):
        match = _DOCKER_BUILD.search(text)
        command = _parse_build(text[match.start():]) if match else None
        if command is not None:
            found.extend(_resolve(inventory, command, [base], where, "workflow", {}))
    return found
