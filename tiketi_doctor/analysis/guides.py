"""Guides and scripts as the DOC checks read them: lines in context, file references, host ports.

Guides are the catalogue's `docs` globs (Markdown); scripts its `scripts` globs (.sh, .ps1,
.bat/.cmd). Each line knows whether it is prose, inside a fenced code block (and the
block's language) or a script line, and where its inline code spans are. CRLF endings
are dropped and non-UTF-8 files arrive decoded by the repository view.
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import unquote

from ..context import ScanContext
from ..model import Location
from ..repo import SKIPPED_DIRS
from . import k8s

PROSE, CODE, SCRIPT, COMMENT = "prose", "code", "script", "comment"
SHELL_LANGS = frozenset(
    "bash sh shell zsh console shell-session terminal powershell ps ps1 pwsh posh bat batch cmd dos bash-session".split()
)
SCRIPT_KINDS = {".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ps1": "powershell", ".psm1": "powershell", ".bat": "batch", ".cmd": "batch"}
FILE_SUFFIXES = (
    ".sh", ".bash", ".ps1", ".bat", ".cmd", ".yaml", ".yml", ".json", ".js", ".mjs", ".cjs", ".ts", ".md",
    ".env", ".example", ".conf", ".toml", ".sql", ".html", ".txt", ".py", ".cfg", ".ini", ".lock", ".patch",
)
FILE_NAMES = ("Dockerfile", "Makefile", "Procfile", "Jenkinsfile", ".dockerignore", ".gitignore", ".npmrc")
SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1", ".bat", ".cmd", ".py", ".js", ".mjs")

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`{]*)")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_INLINE_CODE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_MD_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_MD_REF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
_HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)


@dataclass(frozen=True)
class GuideLine:
    number: int  # 1-based
    text: str  # without the line ending
    context: str  # prose | code (fenced block) | script | comment (HTML comment in Markdown)
    lang: str = ""  # the fenced block's language, or the script kind (shell, powershell, batch)
    block: int | None = None  # which fenced block (0, 1, ...) — `cd` inside a block lasts until its end
    code_spans: tuple[tuple[int, int], ...] = ()  # [start, end) of inline code contents, 0-based columns

    @property
    def shell(self) -> bool:
        """Commands a reader runs: script lines and shell-language fenced blocks."""
        return self.context == SCRIPT or (self.context == CODE and self.lang.lower() in SHELL_LANGS)

    def in_code(self, column: int) -> bool:
        """Whether a 0-based column is code: a fenced/script line, or inside an inline code span."""
        if self.context in (CODE, SCRIPT):
            return True
        return any(start <= column < end for start, end in self.code_spans)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass
class Guide:
    path: str
    kind: str  # markdown | shell | powershell | batch
    lines: list[GuideLine]
    crlf: bool
    headings: list[Heading] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def is_markdown(self) -> bool:
        return self.kind == "markdown"

    def location(self, line: GuideLine, start: int, end: int, label: str | None = None) -> Location:
        """A span on one line from 0-based [start, end) columns (end exclusive, 1-based in the result)."""
        return Location(self.path, line.number, start + 1, line.number, end + 1, label=label or line.text[start:end])


# -- reading ---------------------------------------------------------------------------------
def guides(ctx: ScanContext) -> list[Guide]:
    """The Markdown guides (catalogue `docs`)."""
    return ctx.memo("guides", lambda: _read_all(ctx, ctx.catalogue.docs, markdown=True))


def scripts(ctx: ScanContext) -> list[Guide]:
    """The setup and port-forward scripts (catalogue `scripts`)."""
    return ctx.memo("scripts", lambda: _read_all(ctx, ctx.catalogue.scripts, markdown=False))


def guide_files(ctx: ScanContext) -> list[Guide]:
    return guides(ctx) + scripts(ctx)


def guide_lines(ctx: ScanContext) -> Iterator[tuple[Guide, GuideLine]]:
    for guide in guide_files(ctx):
        for line in guide.lines:
            yield guide, line


def _read_all(ctx: ScanContext, patterns: tuple[str, ...], markdown: bool) -> list[Guide]:
    paths = sorted({p for pattern in patterns for p in ctx.repo.glob(pattern) if not ctx.repo.excluded(p)})
    found = []
    for path in paths:
        source = ctx.repo.text(path)
        if source is None:
            continue
        lines = source.text.splitlines()
        if markdown or path.lower().endswith((".md", ".markdown")):
            found.append(_markdown(path, lines, source.crlf))
        else:
            kind = SCRIPT_KINDS.get(posixpath.splitext(path)[1].lower(), "shell")
            found.append(Guide(path, kind, [GuideLine(i, text, SCRIPT, kind) for i, text in enumerate(lines, 1)], source.crlf))
    return found


def _markdown(path: str, texts: list[str], crlf: bool) -> Guide:
    lines: list[GuideLine] = []
    headings: list[Heading] = []
    fence: tuple[str, int] | None = None  # (character, length) of the open fence
    lang, block, in_comment = "", -1, False
    for number, text in enumerate(texts, 1):
        if fence is not None:
            match = _FENCE.match(text)
            if match and match.group(2)[0] == fence[0] and len(match.group(2)) >= fence[1] and not text.strip().strip(fence[0]):
                fence = None
                lines.append(GuideLine(number, text, CODE, lang, block))
                continue
            lines.append(GuideLine(number, text, CODE, lang, block))
            continue
        if in_comment or text.lstrip().startswith("<!--"):
            in_comment = "-->" not in text
            lines.append(GuideLine(number, text, COMMENT))
            continue
        match = _FENCE.match(text)
        if match and (match.group(2)[0] == "~" or "`" not in text[match.end(2):]):
            fence, lang, block = (match.group(2)[0], len(match.group(2))), match.group(3).lower(), block + 1
            lines.append(GuideLine(number, text, CODE, lang, block))
            continue
        heading = _ATX.match(text)
        if heading:
            headings.append(Heading(len(heading.group(1)), heading.group(2), number))
        elif re.fullmatch(r"\s{0,3}(=+|-+)\s*", text) and lines and lines[-1].context == PROSE and lines[-1].text.strip():
            previous = lines[-1].text.strip()
            if not previous.startswith(("|", "-", "*", "+", ">")):
                headings.append(Heading(1 if "=" in text else 2, previous, lines[-1].number))
        spans = tuple((m.start(2), m.end(2)) for m in _INLINE_CODE.finditer(text))
        lines.append(GuideLine(number, text, PROSE, code_spans=spans))
    return Guide(path, "markdown", lines, crlf, headings)


# -- what a guide says ------------------------------------------------------------------------
def markdown_links(guide: Guide) -> Iterator[tuple[GuideLine, int, int, str]]:
    """(line, start, end, target) of Markdown and HTML link targets in prose."""
    for line in guide.lines:
        if line.context != PROSE:
            continue
        for pattern in (_MD_LINK, _MD_REF, _HTML_LINK):
            for match in pattern.finditer(line.text):
                if not line.in_code(match.start()):
                    yield line, match.start(1), match.end(1), match.group(1)


def code_segments(line: GuideLine) -> list[tuple[int, str]]:
    """The code on a line as (start column, text): the whole line, or each inline code span."""
    if line.context in (CODE, SCRIPT):
        return [(0, line.text)]
    return [(start, line.text[start:end]) for start, end in line.code_spans]


def prose_segments(line: GuideLine) -> list[tuple[int, str]]:
    """Text of a prose line outside its inline code spans, as (start column, text)."""
    if line.context != PROSE:
        return []
    segments, position = [], 0
    for start, end in line.code_spans:
        # the backticks around a span belong to neither
        ticks = len(line.text[:start]) - len(line.text[:start].rstrip("`"))
        segments.append((position, line.text[position : start - ticks]))
        position = end + ticks
    segments.append((position, line.text[position:]))
    return [(s, t) for s, t in segments if t]


# -- ports a reader can open on localhost -------------------------------------------------------------
_FORWARD = re.compile(r"\bport-forward\b")
_FORWARD_TARGET = re.compile(r"\b(?:svc|service|services|deploy|deployment|deployments|pod|pods|po|statefulset|sts|rs|replicaset)/[a-z0-9][-a-z0-9.]*")
_PORT_SPEC = re.compile(r"(?<![\w.:/=-])(?:(\d{1,5}):)?(\d{1,5})(?![\w.:/%])")
_PUBLISH = re.compile(r"(?:^|\s)(?:-p|--publish)[\s=]+[\"']?(?:[\d.]+:)?(\d{1,5}):\d{1,5}")
_PORT_ENV = re.compile(r"\b(?:PORT|HOST_PORT|LOCAL_PORT)\s*=\s*[\"']?(\d{2,5})\b")
_KUBECTL_PROXY = re.compile(r"\bkubectl(?:\.exe)?\s+proxy\b(?:.*?--port[=\s]+(\d{2,5}))?")
KUBE_API_PORT = 6443  # where kind and kubeadm publish the API server that kubectl talks to


@dataclass(frozen=True)
class PortForward:
    """A `port-forward` written in a guide or script: local → resource:remote."""

    local: int
    remote: int
    resource: str
    location: Location


def port_forwards(ctx: ScanContext) -> list[PortForward]:
    return ctx.memo("guide-port-forwards", lambda: list(_port_forwards(ctx)))


def _port_forwards(ctx: ScanContext) -> Iterator[PortForward]:
    for guide, line in guide_lines(ctx):
        if line.context == COMMENT:
            continue
        forward = _FORWARD.search(line.text)
        target = _FORWARD_TARGET.search(line.text, forward.end()) if forward else None
        if target is None:
            continue
        rest = line.text[target.end() :]
        for match in _PORT_SPEC.finditer(rest):
            remote = int(match.group(2))
            local = int(match.group(1)) if match.group(1) else remote
            start = target.end() + match.start()
            yield PortForward(local, remote, target.group(0), guide.location(line, start, target.end() + match.end()))


def published_ports(ctx: ScanContext) -> dict[int, list[str]]:
    """Ports something in the repository makes reachable on the host, with why: catalogue ports,
    Service ports and nodePorts, kind extraPortMappings hostPorts, compose/`docker run -p` host
    ports, the local side of port-forwards and PORT=... settings in guides and scripts."""
    return ctx.memo("published-ports", lambda: _published(ctx))


def _published(ctx: ScanContext) -> dict[int, list[str]]:
    known: dict[int, list[str]] = {}

    def add(port, why: str) -> None:
        if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
            reasons = known.setdefault(int(port), [])
            if why not in reasons:
                reasons.append(why)

    for component in ctx.catalogue.components:
        add(component.port, f"{component.name}'s port in the catalogue")
    for path in _manifest_files(ctx):
        for obj in k8s.objects(ctx, path):
            if obj.kind == "Service":
                for port in obj.get("spec", "ports") or []:
                    if isinstance(port, dict):
                        add(port.get("port"), f"Service {obj.name} port in {path}")
                        add(port.get("nodePort"), f"Service {obj.name} nodePort in {path}")
            elif obj.kind == "Cluster":
                for node in obj.get("nodes") or []:
                    for mapping in (node.get("extraPortMappings") or []) if isinstance(node, dict) else []:
                        if isinstance(mapping, dict):
                            add(mapping.get("hostPort"), f"kind extraPortMappings hostPort in {path}")
            elif obj.kind in k8s.WORKLOAD_KINDS:
                for container in k8s.containers(obj):
                    for port in container.data.get("ports") or []:
                        if isinstance(port, dict):
                            add(port.get("containerPort"), f"{obj.kind} {obj.name} containerPort in {path}")
    for path in _compose_files(ctx):
        for doc in k8s.yaml_documents(ctx, path) or []:
            services = doc.data.get("services") if isinstance(doc.data, dict) else None
            for name, service in services.items() if isinstance(services, dict) else []:
                for spec in (service.get("ports") or []) if isinstance(service, dict) else []:
                    add(_compose_host_port(spec), f"compose service {name} in {path}")
    for forward in port_forwards(ctx):
        add(forward.local, f"port-forward local port at {forward.location.path}:{forward.location.line}")
    for guide, line in guide_lines(ctx):
        for pattern, why in ((_PUBLISH, "docker run -p"), (_PORT_ENV, "PORT setting")):
            for match in pattern.finditer(line.text):
                add(match.group(1), f"{why} at {guide.path}:{line.number}")
        proxy = _KUBECTL_PROXY.search(line.text)
        if proxy:
            add(proxy.group(1) or "8001", f"kubectl proxy at {guide.path}:{line.number}")
    add(KUBE_API_PORT, "the Kubernetes API server")
    return known


def _manifest_files(ctx: ScanContext) -> list[str]:
    """Component manifests, other YAML in their folders, and root YAML that declares a Service or a kind Cluster."""
    paths = {p for c in ctx.catalogue.components for p in c.manifests if ctx.repo.exists(p)}
    folders = {posixpath.dirname(p) for p in paths}
    yaml = [p for p in repository_files(ctx) if p.endswith((".yaml", ".yml"))]
    candidates = [p for p in yaml if "/" not in p or any(p.startswith(folder + "/") for folder in folders if folder)]
    for path in candidates:
        if path in paths or ctx.repo.excluded(path):
            continue
        source = ctx.repo.text(path)
        if source is not None and re.search(r"^kind:\s*[\"']?(Cluster|Service)\b", source.text, re.M):
            paths.add(path)
    return sorted(paths)


def _compose_host_port(spec) -> str | int | None:
    """The host side of a compose port: "8080:80", "127.0.0.1:8080:80/tcp", {published: 8080}."""
    if isinstance(spec, dict):
        return spec.get("published")
    parts = str(spec).split("/", 1)[0].split(":")
    return parts[-2] if len(parts) >= 2 else None


def _compose_files(ctx: ScanContext) -> list[str]:
    return [p for p in repository_files(ctx) if re.fullmatch(r"(docker-)?compose[\w.-]*\.ya?ml", posixpath.basename(p)) and p.count("/") <= 1]


# -- files and folders a guide refers to ---------------------------------------------------------------
@dataclass(frozen=True)
class PathReference:
    guide: str
    location: Location  # the reference as written, label = the text
    target: str  # normalised: forward slashes, no line suffix or anchor
    kind: str  # file | dir | any
    how: str  # what the guide does with it: "runs", "applies", "changes into", "links to", "names"
    bases: tuple[str, ...]  # folders it may be relative to, in order


_TOKEN = re.compile(r"[^\s'\"`;|&()<>,]+|[<>]+|&&|\|\||[;|&()]")
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")"}
_PLACEHOLDER = re.compile(r"[<>{}$%*]{2}|[<>{}$%]|\.\.\.|…|path/to|/to/|your[-_]|xxx|\bfoo\b|example\.com", re.I)
_LINE_SUFFIX = re.compile(r"(?::\d+(?:[-:]\d+)*|#L\d+(?:-L?\d+)?)$")
_PROMPT = re.compile(r"^\s*(?:\$|PS [^>]*>|>)\s+")
_SKIP_WORDS = {"sudo", "time", "exec", "command", "call", "nohup", "env", "start", "&", "then", "do", "else", "!"}
# Values that are written, created or mounted rather than read.
_OUTPUT_FLAGS = {"-o", "--output", "--outfile", "-outfile", "--out", "--log-file", "--kubeconfig", "-v", "--volume", "--mount"}
_CREATES = {"mkdir", "touch", "tee", "new-item", "ni", "out-file", "set-content"}
_COPIES = {"cp", "mv", "copy-item", "move-item", "ln", "copy", "move", "install"}
_NO_CHECK = {"rm", "rmdir", "mkdir", "touch", "tee", "remove-item", "new-item", "out-file", "del", "git", "npm", "npx", "yarn", "pnpm", "echo", "write-host", "printf", "curl", "wget"}


def path_references(ctx: ScanContext) -> list[PathReference]:
    return ctx.memo("guide-path-references", lambda: list(_references(ctx)))


@dataclass
class _Session:
    """What earlier commands of the same script or code block did: `cd` folders, clones, files written."""

    cwd: list[str] = field(default_factory=list)
    clones: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)


def _references(ctx: ScanContext) -> Iterator[PathReference]:
    for guide in guide_files(ctx):
        home = (guide.folder, ".") if guide.folder != "." else (".",)
        session = _Session(clones={ctx.repo.root.name})
        block = None
        for line in guide.lines:
            if line.block != block and guide.is_markdown:
                block, session = line.block, _Session(clones={ctx.repo.root.name})
            if line.context == COMMENT:
                continue
            bases = tuple(dict.fromkeys((*reversed(session.cwd), *home)))
            if line.context == PROSE:
                yield from _prose_references(guide, line, bases)
            for start, text in code_segments(line):
                whole_span = line.context == PROSE
                yield from _code_references(ctx, guide, line, start, text, bases, session, whole_span)
        if guide.is_markdown:
            for line, start, end, target in markdown_links(guide):
                ref = _link_reference(guide, line, start, end, target, home)
                if ref is not None:
                    yield ref


def _link_reference(guide: Guide, line: GuideLine, start: int, end: int, target: str, home) -> PathReference | None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "//")):
        return None
    clean = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
    if not clean or _PLACEHOLDER.search(clean):
        return None
    bases = home
    if clean.startswith("/"):  # repository-root relative, as rendered by GitHub/GitLab
        clean, bases = clean.lstrip("/"), (".",)
    return PathReference(guide.path, guide.location(line, start, end, target), clean, "any", "links to", bases)


def _prose_references(guide: Guide, line: GuideLine, bases) -> Iterator[PathReference]:
    """Explicitly relative paths (./scripts/x.sh) written in prose, outside code spans and links."""
    for offset, text in prose_segments(line):
        for match in _TOKEN.finditer(text):
            token = match.group(0)
            if re.match(r"^\.{1,2}[/\\]\S", token) and not _in_link(line.text, offset + match.start()):
                ref = _reference(guide, line, offset + match.start(), token, "any", "names", bases)
                if ref is not None:
                    yield ref


def _in_link(text: str, column: int) -> bool:
    return any(m.start() <= column < m.end() for m in _MD_LINK.finditer(text))


def _code_references(ctx, guide: Guide, line: GuideLine, offset: int, text: str, bases, session: _Session, inline: bool) -> Iterator[PathReference]:
    prompt = _PROMPT.match(text) if line.context == CODE else None
    if prompt:
        offset, text = offset + prompt.end(), text[prompt.end() :]
    if inline:
        whole = _LINE_SUFFIX.sub("", text.strip().strip("\"'"))
        if whole and " " not in whole and _is_path_token(whole, strict=True):
            kind = "dir" if whole.endswith(("/", "\\")) else "file"
            ref = _reference(guide, line, offset + text.index(whole[0]), whole, kind, "names", bases)
            if ref is not None:
                yield ref
            return
    tokens = [(m.start(), m.group(0)) for m in _TOKEN.finditer(text)]
    generic = line.shell or guide.kind != "markdown"
    for command in _commands(tokens, line, text):
        clone = _clone_folder([w for _, w in command])
        if clone:
            session.clones.add(clone)
            continue
        for start, token, kind, how in _command_paths(command, generic):
            ref = _reference(guide, line, offset + start, token, kind, how, bases)
            if ref is None:
                continue
            if how == "writes":
                session.written.add(posixpath.normpath(posixpath.join(bases[0], ref.target)))
                continue
            if any(posixpath.normpath(posixpath.join(base, ref.target)) in session.written for base in bases):
                continue  # created by an earlier command of the same script or block
            if how == "changes into":
                if ref.target in session.clones:
                    session.cwd.clear()  # into the freshly cloned repository: its root
                    continue
                folder = _first_existing(ctx, ref)
                if folder is not None and ctx.repo.is_dir(folder):
                    session.cwd.append(folder)
            yield ref


def _clone_folder(words: list[str]) -> str | None:
    """The folder `git clone URL [DIR]` creates: a later `cd` into it is the repository itself."""
    if len(words) < 3 or words[0] != "git" or "clone" not in words:
        return None
    positional = [w for w in words[words.index("clone") + 1 :] if not w.startswith("-")]
    if len(positional) >= 2:
        return positional[1].rstrip("/")
    return positional[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") if positional else None


def _commands(tokens: list[tuple[int, str]], line: GuideLine, text: str) -> Iterator[list[tuple[int, str]]]:
    """Simple commands of a line; a shell/PowerShell comment starts a command of its own (usage lines)."""
    current: list[tuple[int, str]] = []
    for start, token in tokens:
        comment = token.startswith("#") and (start == 0 or text[start - 1] in " \t") and line.lang != "batch"
        if token in _SEPARATORS or comment:
            if current:
                yield current
            current = []
            if comment and token.lstrip("#"):
                current.append((start + len(token) - len(token.lstrip("#")), token.lstrip("#")))
            continue
        current.append((start, token))
    if current:
        yield current


def _command_paths(command: list[tuple[int, str]], generic: bool) -> Iterator[tuple[int, str, str, str]]:
    """(start, token, kind, how) of the paths one simple command names."""
    words = list(command)
    while words and (words[0][1].lower() in _SKIP_WORDS or re.match(r"^[A-Za-z_]\w*=", words[0][1])):
        words = words[1:]
    if not words:
        return
    program = words[0][1].lower().removesuffix(".exe")
    program = program.rsplit("/", 1)[-1] if not program.startswith(".") else program
    args = words[1:]
    skip: set[int] = set()  # indices of args that are outputs or flag values already handled

    def value_of(flags: tuple[str, ...]) -> Iterator[tuple[int, str]]:
        for i, (start, word) in enumerate(args):
            lower = word.lower()
            for flag in flags:
                if lower == flag and i + 1 < len(args):
                    skip.add(i + 1)
                    yield args[i + 1]
                elif lower.startswith(flag + "="):
                    skip.add(i)
                    yield start + len(flag) + 1, word[len(flag) + 1 :]

    first = words[0]
    if _explicit(first[1]) or ("/" in first[1] or "\\" in first[1]) and first[1].lower().endswith(SCRIPT_SUFFIXES):
        yield first[0], first[1], "file", "runs"
    positional = [(i, a) for i, a in enumerate(args) if not a[1].startswith("-") and a[1] not in (">", ">>", "<")]
    if program in ("bash", "sh", "zsh", "source", ".", "dash", "ksh") and not any(a[1] == "-c" for a in args):
        if positional:
            skip.add(positional[0][0])
            yield positional[0][1][0], positional[0][1][1], "file", "runs"
    elif program in ("powershell", "pwsh"):
        for start, word in value_of(("-file", "-f")):
            yield start, word, "file", "runs"
    elif program == "kubectl" and any(a[1] in ("apply", "create", "delete", "replace", "diff") for a in args):
        for start, word in value_of(("-f", "--filename")):
            yield start, word, "any", "applies"
        for start, word in value_of(("-k", "--kustomize")):
            yield start, word, "dir", "applies"
    elif program in ("docker", "docker-compose", "podman", "helm"):
        for start, word in value_of(("-f", "--file", "--values")):
            yield start, word, "file", "uses"
    elif program == "kind":
        for start, word in value_of(("--config",)):
            yield start, word, "file", "uses"
    elif program in ("cd", "pushd", "set-location", "sl", "chdir"):
        if positional and not positional[0][1][1].startswith(("-", "~", "/")):
            skip.add(positional[0][0])
            yield positional[0][1][0], positional[0][1][1], "dir", "changes into"
    # What the command writes or creates: later commands may read it, and it need not exist yet.
    for start, word in value_of(tuple(_OUTPUT_FLAGS)):
        yield start, word, "any", "writes"
    for i, (start, word) in enumerate(args):
        creates = program in _CREATES and not word.startswith("-")
        copied_to = program in _COPIES and i == len(args) - 1 and len(positional) > 1
        redirected = i > 0 and args[i - 1][1] in (">", ">>")
        if creates or copied_to or redirected:
            skip.add(i)
            yield start, word, "any", "writes"
    if program in _NO_CHECK:
        return
    for i, (start, word) in enumerate(args):
        if i not in skip and (_explicit(word) or (generic and _is_path_token(word, strict=False))):
            yield start, word, "any", "names"


def _explicit(token: str) -> bool:
    return bool(re.match(r"^\.{1,2}[/\\][^\s/\\]", token))


def _is_path_token(token: str, strict: bool) -> bool:
    """A file or folder path: has a separator and ends in a known file name or suffix (or `/`)."""
    token = token.replace("\\", "/")
    if "/" not in token.strip("/") and not (strict and token.endswith("/") and len(token) > 1):
        return False
    if token.startswith(("/", "-", "~", "@")) or "://" in token or not re.search(r"[A-Za-z]", token):
        return False
    if not re.fullmatch(r"[\w.@*?\[\]/+-]+", token):
        return False
    name = token.rstrip("/").rsplit("/", 1)[-1]
    if token.endswith("/"):
        return strict
    return name.endswith(FILE_SUFFIXES) or name in FILE_NAMES or name.startswith(".env")


def _reference(guide: Guide, line: GuideLine, start: int, token: str, kind: str, how: str, bases) -> PathReference | None:
    raw = token
    token = token.strip("\"'").rstrip(".,:;)")
    token = _LINE_SUFFIX.sub("", token)
    if "://" not in token:
        token = re.sub(r":[/\\].*$", "", token)  # a volume mapping ./data:/var/lib/data
    if guide.kind in ("powershell", "batch") or guide.is_markdown or re.search(r"\w\\\w", token):
        token = token.replace("\\", "/")
    if not token or token in (".", "..", "./", "-") or _PLACEHOLDER.search(token) or "://" in token:
        return None
    if token.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[/\\]", token):
        return None  # absolute: the reader's machine, not the repository
    segments = [s for s in token.split("/") if s not in ("", ".")]
    if any(s in SKIPPED_DIRS for s in segments):
        return None  # generated or installed (node_modules, build...)
    if any(re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", s) for s in segments):
        return None  # NAME, SERVICE: a placeholder
    column = start + raw.index(token[0]) if token[0] in raw else start
    return PathReference(guide.path, guide.location(line, column, column + len(token)), posixpath.normpath(token), kind, how, tuple(bases))


def resolve_reference(ctx: ScanContext, ref: PathReference) -> str | None | bool:
    """The repository path a reference reaches; None when it reaches nothing; False when it
    cannot be checked (it leaves the repository, or the repository ignores it)."""
    inside = False
    for base in ref.bases:
        candidate = posixpath.normpath(posixpath.join(base, ref.target))
        if candidate.startswith(".."):
            continue
        inside = True
        if any(ch in candidate for ch in "*?["):
            if ctx.repo.glob(candidate):
                return candidate
            continue
        if ctx.repo.exists(candidate):
            is_dir = ctx.repo.is_dir(candidate)
            if ref.kind == "any" or (ref.kind == "dir") == is_dir:
                return candidate
    if not inside or _ignored(ctx, ref.target):
        return False
    return None


def _first_existing(ctx: ScanContext, ref: PathReference) -> str | None:
    found = resolve_reference(ctx, ref)
    return found if isinstance(found, str) else None


def _ignored(ctx: ScanContext, target: str) -> bool:
    """Whether the repository's .gitignore covers the path: a generated file is not drift."""
    patterns = ctx.memo("gitignore", lambda: _gitignore(ctx))
    name = target.rstrip("/").rsplit("/", 1)[-1]
    for pattern in patterns:
        clean = pattern.strip("/")
        if fnmatch.fnmatchcase(name, clean) or fnmatch.fnmatchcase(target.rstrip("/"), clean):
            return True
        if any(fnmatch.fnmatchcase(part, clean) for part in target.split("/")[:-1]):
            return True
    return False


def _gitignore(ctx: ScanContext) -> list[str]:
    source = ctx.repo.text(".gitignore")
    if source is None:
        return []
    return [line.strip() for line in source.lines if line.strip() and not line.startswith(("#", "!"))]


def repository_files(ctx: ScanContext) -> list[str]:
    return ctx.memo("repository-files", lambda: list(ctx.repo.walk(".")))


# -- URLs and addresses written in guides and scripts ------------------------------------------------
_LOCAL_HOST = r"localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\]|host\.docker\.internal|\d{1,3}(?:\.\d{1,3}){3}"
_LOCAL_URL = re.compile(
    rf"(?:(?P<scheme>https?|wss?)://|(?<![\w.@/:$-]))(?P<host>{_LOCAL_HOST}):(?P<port>\d{{1,5}})(?![\d])(?P<path>[^\s'\"`<>()\[\]]*)"
)
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@dataclass(frozen=True)
class LocalUrl:
    """`http://localhost:3000/...` (or a bare `localhost:3000`): a port the reader opens on their machine."""

    url: str
    host: str
    port: int
    location: Location


def local_urls(ctx: ScanContext) -> list[LocalUrl]:
    return ctx.memo("guide-local-urls", lambda: list(_local_urls(ctx)))


def _local_urls(ctx: ScanContext) -> Iterator[LocalUrl]:
    for guide, line in guide_lines(ctx):
        if line.context == COMMENT:
            continue
        for match in _LOCAL_URL.finditer(line.text):
            host = match.group("host")
            if re.fullmatch(r"[\d.]+", host) and private_network(host) is None and not host.startswith("127."):
                continue  # a public address is somebody else's server
            url = match.group(0).rstrip(".,:;")
            yield LocalUrl(url, host, int(match.group("port")), guide.location(line, match.start(), match.start() + len(url)))


@dataclass(frozen=True)
class PrivateAddress:
    """A private IPv4 address written down: a machine's address that changes (WSL, Docker, DHCP)."""

    address: str
    network: str  # which private range: 172.16.0.0/12
    location: Location  # the address itself (replace it to fix)
    url: str | None  # the URL around it, when it is part of one
    service: str | None = None  # the component whose source holds it


def private_network(address: str) -> str | None:
    """The RFC 1918 range an address belongs to, or None (public, loopback, invalid)."""
    import ipaddress

    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return None
    return next((net for net in PRIVATE_NETWORKS if ip in ipaddress.IPv4Network(net)), None)


def private_addresses(ctx: ScanContext) -> list[PrivateAddress]:
    """Private addresses in guides, scripts and the frontend's sources (what ships to browsers)."""
    return ctx.memo("private-addresses", lambda: list(_private_addresses(ctx)))


def _private_addresses(ctx: ScanContext) -> Iterator[PrivateAddress]:
    for guide, line in guide_lines(ctx):
        if line.context != COMMENT:
            yield from _addresses_in(line.text, lambda s, e: guide.location(line, s, e), None)
    from .source import js_module, source_files  # the frontend's sources ship to every browser

    for component in ctx.catalogue.components:
        if component.role != "frontend":
            continue
        for path in source_files(ctx, component):
            module = js_module(ctx, path)
            for literal in module.strings if module else []:
                yield from _addresses_in_literal(ctx, path, literal, component.name)
        folder = posixpath.dirname(component.package_json or component.source or "") or "."
        for path in ctx.repo.glob(f"{folder}/.env*" if folder != "." else ".env*"):
            source = ctx.repo.text(path)
            for number, text in enumerate(source.lines if source else [], 1):
                def where(s, e, number=number, text=text, path=path):
                    return Location(path, number, s + 1, number, e + 1, label=text[s:e])

                yield from _addresses_in(text, where, component.name)


def _addresses_in(text: str, where, service: str | None) -> Iterator[PrivateAddress]:
    for match in _IPV4.finditer(text):
        address = match.group(1)
        network = private_network(address)
        if network is None or _generic(text, match):
            continue
        url = next((u.group(0) for u in _LOCAL_URL.finditer(text) if u.start() <= match.start() < u.end()), None)
        yield PrivateAddress(address, network, where(match.start(1), match.end(1)), url, service)


def _addresses_in_literal(ctx: ScanContext, path: str, literal, service: str) -> Iterator[PrivateAddress]:
    """Addresses inside a string literal, located in the file (a template literal may span lines)."""
    source = ctx.repo.text(path)
    if source is None:
        return
    text = source.text
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    cursor = line_starts[literal.line - 1] + literal.column - 1 if literal.line <= len(line_starts) else 0
    for match in _IPV4.finditer(literal.value):
        network = private_network(match.group(1))
        start = text.find(match.group(1), cursor)
        if start < 0:
            return
        cursor = start + len(match.group(1))
        if network is None or _generic(literal.value, match):
            continue
        number = text.count("\n", 0, start) + 1
        column = start - line_starts[number - 1] + 1
        url = next((u.group(0) for u in _LOCAL_URL.finditer(literal.value) if u.start() <= match.start() < u.end()), None)
        location = Location(path, number, column, number, column + len(match.group(1)), label=match.group(1))
        yield PrivateAddress(match.group(1), network, location, url, service)


def _generic(text: str, match: re.Match) -> bool:
    """CIDR ranges (10.244.0.0/16), network and broadcast addresses: not one machine's address."""
    if re.match(r"/\d{1,2}\b", text[match.end(1) :]):
        return True
    return match.group(1).endswith((".0", ".255"))
