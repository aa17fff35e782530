"""Files and folders a guide or script certainly refers to: a path in a command's file-taking
position (`kubectl apply -f X`, `bash X.sh`, `./X`, `cd X`, ...) or a Markdown link to a local file.

Commands run where the reader is: the repository root or the guide's folder, a folder a `cd`
entered (`git clone URL && cd NAME` is the repository itself), or the folder a section says its
commands run from ("Run from the infra subdirectory"). Words in prose, other code blocks (JavaScript,
YAML), compose service names, npm script names, globs and placeholders are never references.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Iterator
from urllib.parse import unquote

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from ..repo import SKIPPED_DIRS
from .compose import compose_files
from .guides import PROSE, Command, Guide, Word, commands, guide_files


@dataclass(frozen=True)
class PathReference:
    guide: str
    location: Location  # the reference as written, label = the text
    target: str  # normalised: forward slashes, no line suffix or anchor
    kind: str  # file | dir | any
    how: str  # what the guide does with it: "runs", "applies", "changes into", "links to", "reads"
    bases: tuple[str, ...]  # folders it may be relative to, in order
    # Folders the guide works in elsewhere (a `cd`, "run from infra/"): where a reader may still be.
    elsewhere: tuple[tuple[str, str], ...] = ()  # (folder, why)


# Placeholders and generic examples: `<name>`, `{svc}`, `$DIR`, `%CD%`, `...`, `path/to/`, `your-app`.
_PLACEHOLDER = re.compile(r"[<>{}$%]|\.\.\.|…|path/to|/to/|\byour[-_]|\bmy[-_]|xxx|\bfoo\b|\bexample\b|[*?\[\]]", re.I)
_LINE_SUFFIX = re.compile(r"(?::\d+(?:[-:]\d+)*|#L\d+(?:-L?\d+)?)$")
_SKIP_WORDS = {"sudo", "time", "exec", "command", "call", "nohup", "env", "start", "then", "do", "else", "!", "&", "."}
_SOURCES = {"bash", "sh", "zsh", "dash", "ksh", "source"}
_INTERPRETERS = {"node", "python", "python3", "ts-node", "tsx"}
_READERS = {"cat", "less", "more", "head", "tail", "nano", "vi", "vim", "code"}
_CD = {"cd", "pushd", "set-location", "sl", "chdir"}
_KUBECTL_FILE_VERBS = {"apply", "create", "delete", "replace", "diff"}
# "Run from the infra subdirectory", "commands run in the `deploy/` folder", "from inside ./infra".
_WORKS_IN = re.compile(
    r"\b(?:run|execute|commands?|work|working|everything)\b[^.!?\n]{0,40}?\b(?:from|in|inside|within)\s+(?:the\s+)?"
    r"`?\.?/?([\w.-]+(?:/[\w.-]+)*)/?`?\s+(?:sub)?(?:directory|folder|dir)\b",
    re.I,
)


def path_references(ctx: ScanContext) -> list[PathReference]:
    return _walk(ctx)[0]


def command_folders(ctx: ScanContext) -> list[tuple[Command, tuple[str, ...]]]:
    """Each guide command whose folder is known, with the folders it may run in (innermost `cd` first)."""
    return _walk(ctx)[1]


def _walk(ctx: ScanContext) -> tuple[list[PathReference], list[tuple[Command, tuple[str, ...]]]]:
    def walk():
        refs: list[PathReference] = []
        places: list[tuple[Command, tuple[str, ...]]] = []
        for guide in guide_files(ctx):
            refs += _references(ctx, guide, lambda command, bases: places.append((command, bases)))
        return refs, places

    return ctx.memo("guide-path-references", walk)


@dataclass
class _Session:
    """Where the reader is after the commands read so far."""

    cwd: list[str] = field(default_factory=list)  # folders entered, innermost last
    lost: bool = False  # somewhere the repository does not show (another clone, a missing or new folder)


@dataclass
class _Guide:
    """What holds for the whole guide: the repository's clones and the files its commands write."""

    clones: dict[str, bool] = field(default_factory=dict)  # folder -> it is this repository
    written: set[str] = field(default_factory=set)


def _references(ctx: ScanContext, guide: Guide, visit=None) -> Iterator[PathReference]:
    home = (guide.folder, ".") if guide.folder != "." else (".",)
    works_in = _works_in(ctx, guide)
    state = _Guide(clones={ctx.repo.root.name: True})
    session, section, block = _Session(), None, None
    cds: list[tuple[str, str]] = []  # folders some `cd` entered (for the message)
    found: list[PathReference] = []
    services = ctx.memo("compose-service-names", lambda: {s.name for f in compose_files(ctx) for s in f.services})
    for command in commands(ctx, guide):
        here = guide.section(command.line.number) if guide.is_markdown else None
        if here != section:
            section, session = here, _Session()
        elif command.block != block:
            session.lost = False  # a `cd` that could not be followed misleads until the end of its block
        block = command.block
        if session.lost:
            continue
        said = tuple(folder for line, end, folder, _ in works_in if line <= command.line.number <= end)
        bases = tuple(dict.fromkeys((*reversed(session.cwd), *said, *home)))
        if visit is not None:
            visit(command, bases)
        for word, target, kind, how in _command_paths(command, state):
            ref = _reference(guide, command, word, target, kind, how, bases)
            if ref is None or (how != "changes into" and ref.target in services):
                continue  # `docker compose logs api`: a compose service, not a file
            joined = posixpath.normpath(posixpath.join(bases[0], ref.target))
            if how == "writes":
                state.written.add(joined)
                continue
            if any(posixpath.normpath(posixpath.join(b, ref.target)) in state.written for b in bases):
                if how == "changes into":
                    session.lost = True  # a folder made by the guide: its content is unknown
                continue
            if how == "changes into":
                if ref.target == "..":
                    if session.cwd:
                        session.cwd.pop()
                    else:
                        session.lost = True
                    continue
                if ref.target in state.clones:
                    session.cwd.clear()
                    session.lost = not state.clones[ref.target]  # another repository's clone
                    continue
                reached = resolve_reference(ctx, ref)
                if isinstance(reached, str):
                    session.cwd.append(reached)
                    cds.append((reached, f"`cd` at line {command.line.number}"))
                else:
                    session.lost = True
            found.append(ref)
        clone = _clone(command)
        if clone:
            state.clones.setdefault(clone, not any(state.clones.values()) or len(state.clones) == 1)
    elsewhere = tuple(dict.fromkeys([(f, f'"{text}" at line {line}') for line, _, f, text in works_in] + cds))
    for ref in found:
        yield PathReference(ref.guide, ref.location, ref.target, ref.kind, ref.how, ref.bases, elsewhere)
    if guide.is_markdown:
        yield from _links(guide, home)


def _works_in(ctx: ScanContext, guide: Guide) -> list[tuple[int, int, str, str]]:
    """(first line, last line, folder, sentence) of sections that say where their commands run."""
    if not guide.is_markdown:
        return []
    found = []
    for line in guide.lines:
        if line.context != PROSE:
            continue
        for match in _WORKS_IN.finditer(line.text):
            folder = posixpath.normpath(posixpath.join(guide.folder, match.group(1)))
            if not ctx.repo.is_dir(folder):
                folder = posixpath.normpath(match.group(1))
                if not ctx.repo.is_dir(folder):
                    continue
            heading = guide.section(line.number)
            first, last = (heading.line, heading.end) if heading else (1, len(guide.lines))
            found.append((first, last, folder, match.group(0).strip()))
    return found


def _clone(command: Command) -> str | None:
    """The folder `git clone URL [DIR]` creates."""
    words = [w.text for w in command.words]
    if len(words) < 3 or words[0] != "git" or words[1] != "clone":
        return None
    positional = [w for w in words[2:] if not w.startswith("-")]
    if len(positional) >= 2:
        return positional[1].rstrip("/")
    return positional[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") if positional else None


def _command_paths(command: Command, state: _Guide) -> Iterator[tuple[Word, str, str, str]]:
    """(word, path text, kind, how) of the paths in one command's file-taking positions."""
    words = list(command.words)
    while words and (words[0].text.lower() in _SKIP_WORDS or re.match(r"^[A-Za-z_]\w*=", words[0].text)):
        words = words[1:]
    if not words:
        return
    first = words[0]
    program = first.text.lower().removesuffix(".exe")
    program = program if program.startswith(".") else program.rsplit("/", 1)[-1]
    args = words[1:]
    texts = [a.text for a in args]
    # Operands: not flags, redirections or what they redirect to (a heredoc's delimiter, an output file).
    positional = [a for i, a in enumerate(args) if not a.text.startswith(("-", "<", ">")) and not (i and texts[i - 1][:1] in "<>")]

    def value_of(flags: tuple[str, ...], within: list[Word] = args) -> Iterator[Word]:
        for i, word in enumerate(within):
            lower = word.text.lower()
            for flag in flags:
                if lower == flag and i + 1 < len(within):
                    yield within[i + 1]
                elif lower.startswith(flag + "="):
                    yield Word(word.text[len(flag) + 1 :], word.line, word.start + len(flag) + 1)

    # Outputs: written here, read by later commands.
    for i, word in enumerate(args):
        if i > 0 and texts[i - 1] in (">", ">>"):
            yield word, word.text, "any", "writes"
    for word in value_of(("-o", "--output", "--out", "-outfile", "--outfile", "--kubeconfig")):
        yield word, word.text, "any", "writes"
    if program in ("mkdir", "touch", "tee", "new-item", "ni"):
        for word in positional:
            yield word, word.text, "any", "writes"
    if program in ("cp", "mv", "copy-item", "move-item", "ln", "copy", "move") and len(positional) >= 2:
        yield positional[-1], positional[-1].text, "any", "writes"
        for word in positional[:-1]:
            yield word, word.text, "any", "reads"
        return

    if re.match(r"^\.{1,2}[/\\]\S", first.text):
        yield first, first.text, "file", "runs"
    elif program in _SOURCES or program in _INTERPRETERS:
        if positional and "-c" not in texts and "-e" not in texts and "-m" not in texts:
            yield positional[0], positional[0].text, "file", "runs"
    elif program in ("powershell", "pwsh"):
        for word in value_of(("-file", "-f")):
            yield word, word.text, "file", "runs"
    elif program == "kubectl" and set(texts) & _KUBECTL_FILE_VERBS:
        for word in value_of(("-f", "--filename")):
            yield word, word.text, "any", "applies"
        for word in value_of(("-k", "--kustomize")):
            yield word, word.text, "dir", "applies"
    elif program in ("docker", "podman", "docker-compose"):
        subcommand = next((i for i, a in enumerate(args) if not a.text.startswith("-") and a.text not in ("compose",)), len(args))
        is_compose = program == "docker-compose" or "compose" in texts[:subcommand]
        if is_compose:  # -f is a compose file only before the subcommand (`logs -f` follows)
            for word in value_of(("-f", "--file"), args[:subcommand + 0]):
                yield word, word.text, "file", "uses"
        elif texts[subcommand : subcommand + 1] == ["build"] or texts[:2] == ["buildx", "build"]:
            for word in value_of(("-f", "--file")):
                yield word, word.text, "file", "uses"
    elif program == "helm":
        for word in value_of(("-f", "--values")):
            yield word, word.text, "file", "uses"
    elif program == "kind":
        for word in value_of(("--config",)):
            yield word, word.text, "file", "uses"
    elif program in ("skaffold",):
        for word in value_of(("-f", "--filename")):
            yield word, word.text, "file", "uses"
    elif program in _CD:
        if positional:
            yield positional[0], positional[0].text, "dir", "changes into"
    elif program in _READERS:
        for word in positional:
            yield word, word.text, "file", "reads"
    elif program == "chmod" and len(positional) >= 2:
        for word in positional[1:]:
            yield word, word.text, "file", "reads"


def _reference(guide: Guide, command: Command, word: Word, token: str, kind: str, how: str, bases) -> PathReference | None:
    raw = token.strip("\"'")
    if not raw or _PLACEHOLDER.search(raw) or "://" in raw or raw in (".", "./", "-"):
        return None  # checked before trimming, so that `k8s/...` stays a placeholder
    if how == "changes into" and raw.rstrip("/") == "..":
        return PathReference(guide.path, command.location(word, raw), "..", "dir", how, tuple(bases))
    token = _LINE_SUFFIX.sub("", raw.rstrip(",;)"))
    token = re.sub(r":[/\\].*$", "", token)  # a volume mapping ./data:/var/lib/data
    token = token.replace("\\", "/")
    if not token or token.startswith(("/", "~", "-", "@")) or re.match(r"^[A-Za-z]:/", token) or token.startswith(".."):
        return None  # absolute, or outside the repository: the reader's machine
    segments = [s for s in token.split("/") if s not in ("", ".")]
    if not segments or any(s in SKIPPED_DIRS for s in segments):
        return None  # generated or installed (node_modules, build...)
    if any(re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", s) for s in segments):
        return None  # NAME, SERVICE: a placeholder
    return PathReference(guide.path, command.location(word, token), posixpath.normpath(token), kind, how, tuple(bases))


def _links(guide: Guide, home) -> Iterator[PathReference]:
    for span in guide.links:
        target = span.text
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "//")):
            continue
        clean = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        if not clean or _PLACEHOLDER.search(clean):
            continue
        bases = home
        if clean.startswith("/"):  # repository-root relative, as rendered by GitHub/GitLab
            clean, bases = clean.lstrip("/"), (".",)
        line = guide.lines[span.line - 1]
        yield PathReference(guide.path, guide.location(line, span.start, span.end, target), posixpath.normpath(clean), "any", "links to", bases)


def resolve_reference(ctx: ScanContext, ref: PathReference, bases: tuple[str, ...] | None = None) -> str | None | bool:
    """The repository path a reference reaches; None when it reaches nothing; False when it
    cannot be checked (it leaves the repository, or the repository ignores it)."""
    inside = False
    for base in ref.bases if bases is None else bases:
        candidate = posixpath.normpath(posixpath.join(base, ref.target))
        if candidate.startswith(".."):
            continue
        inside = True
        if ctx.repo.exists(candidate):
            is_dir = ctx.repo.is_dir(candidate)
            if ref.kind == "any" or (ref.kind == "dir") == is_dir:
                return candidate
    if not inside or _ignored(ctx, ref.target):
        return False
    return None


def _ignored(ctx: ScanContext, target: str) -> bool:
    """Whether the repository's .gitignore covers the path: a generated file is not drift."""
    spec = ctx.memo("gitignore-spec", lambda: _gitignore(ctx))
    return spec is not None and (spec.match_file(target) or spec.match_file(target.rstrip("/") + "/"))


def _gitignore(ctx: ScanContext):
    source = ctx.repo.text(".gitignore")
    if source is None:
        return None
    import pathspec  # lazy: only guides that name a missing path pay for it

    return pathspec.GitIgnoreSpec.from_lines(source.lines)

