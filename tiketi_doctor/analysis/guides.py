"""Guides and scripts as the DOC checks read them: lines in context, file references, host ports.

Guides are the catalogue's `docs` globs (Markdown); scripts its `scripts` globs (.sh, .ps1,
.bat/.cmd). Each line knows whether it is prose, inside a fenced code block (and the
block's language) or a script line, and where its inline code spans are. CRLF endings
are dropped and non-UTF-8 files arrive decoded by the repository view.
"""
from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import field
from typing import Iterator

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from ..parsing.markdown import Heading, Span
from ..parsing.markdown import parse as parse_markdown
from . import k8s
from .compose import compose_files
from .environments import manifest_files

PROSE, CODE, SCRIPT, COMMENT, FENCE = "prose", "code", "script", "comment", "fence"
# Fenced blocks whose every line is a command (a `$ ` prompt is dropped when present).
SHELL_LANGS = frozenset(
    "bash sh shell zsh ksh fish powershell ps1 pwsh posh bat batch cmd dos".split()
)
# Transcripts: only the prompted lines are commands, the rest is output.
SESSION_LANGS = frozenset("console shell-session terminal bash-session sh-session ps pwsh-session doscon".split())
SCRIPT_KINDS = {".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ps1": "powershell", ".psm1": "powershell", ".bat": "batch", ".cmd": "batch"}
# The programs a line of an unlabelled block (or an inline code span) must start with to be read as a
# command: layout diagrams, log output and prose in such blocks are not.
PROGRAMS = frozenset(
    "kubectl kind docker docker-compose podman helm minikube k3d skaffold kustomize bash sh zsh source . cd pushd "
    "node python python3 powershell pwsh cat chmod cp mv make git npm npx yarn pnpm curl wget sudo export envsubst "
    "tilt terraform az gcloud aws".split()
)
FILE_SUFFIXES = (
    ".sh", ".bash", ".ps1", ".bat", ".cmd", ".yaml", ".yml", ".json", ".js", ".mjs", ".cjs", ".ts", ".md",
    ".env", ".example", ".conf", ".toml", ".sql", ".html", ".txt", ".py", ".cfg", ".ini", ".lock", ".patch",
)
SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1", ".bat", ".cmd", ".py", ".js", ".mjs")

_PROMPT = re.compile(r"^\s*(?:\$|PS(?: [^>]*)?>|[\w.@-]+[@:][^$#>]*\$)\s+")
_FIRST_WORD = re.compile(r"^\s*([^\s;|&()<>]+)")


@dataclass(frozen=True)
class GuideLine:
    number: int  # 1-based
    text: str  # without the line ending
    context: str  # prose | code (block content) | fence (its delimiters) | script | comment (HTML comment)
    lang: str = ""  # the block's language, or the script kind (shell, powershell, batch)
    block: int | None = None  # which code block (0, 1, ...)
    code_spans: tuple[tuple[int, int], ...] = ()  # [start, end) of inline code contents, 0-based columns
    command: int = -1  # where the command starts (after indentation and a prompt); -1: not a command

    @property
    def shell(self) -> bool:
        """Commands a reader runs: script lines and the command lines of code blocks."""
        return self.context == SCRIPT or self.command >= 0

    def in_code(self, column: int) -> bool:
        """Whether a 0-based column is code: a block/script line, or inside an inline code span."""
        if self.context in (CODE, SCRIPT, FENCE):
            return True
        return any(start <= column < end for start, end in self.code_spans)


@dataclass
class Guide:
    path: str
    kind: str  # markdown | shell | powershell | batch
    lines: list[GuideLine]
    crlf: bool
    headings: list[Heading] = field(default_factory=list)  # with the last line of each section
    links: list[Span] = field(default_factory=list)  # Markdown and HTML link targets
    _starts: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def is_markdown(self) -> bool:
        return self.kind == "markdown"

    def location(self, line: GuideLine, start: int, end: int, label: str | None = None) -> Location:
        """A span on one line from 0-based [start, end) columns (end exclusive, 1-based in the result)."""
        return Location(self.path, line.number, start + 1, line.number, end + 1, label=label or line.text[start:end])

    def section(self, number: int) -> Heading | None:
        """The innermost heading whose section holds a line: the last heading at or before it (sections
        nest, so it is still open there). A binary search, not a scan: guides can be megabytes long."""
        if self._starts is None:
            self._starts = [h.line for h in self.headings]
        index = bisect.bisect_right(self._starts, number) - 1
        return self.headings[index] if index >= 0 else None


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
        if markdown or path.lower().endswith((".md", ".markdown")):
            # Through the shared parses: discovery reads the guides before the checks do, in a
            # view of its own, and a CommonMark parse is the costly part of reading one.
            guide = ctx.repo.parsed("markdown-guide", path, lambda f: read_markdown(f.path, f.text, f.crlf))
            if guide is not None:
                found.append(guide)
        else:
            kind = SCRIPT_KINDS.get(posixpath.splitext(path)[1].lower(), "shell")
            lines = source.text.splitlines()
            found.append(Guide(path, kind, [GuideLine(i, text, SCRIPT, kind, command=0) for i, text in enumerate(lines, 1)], source.crlf))
    return found


def read_markdown(path: str, text: str, crlf: bool = False) -> Guide:
    """A Markdown guide line by line, from one CommonMark parse (linear in the file's size)."""
    doc = parse_markdown(text)
    contexts: dict[int, tuple] = {}  # line -> (context, lang, block, command column)
    for index, block in enumerate(doc.blocks):
        lang = block.lang
        if block.fence is not None:
            for number in set(block.fence):
                contexts[number] = (FENCE, lang, index, -1)
        if lang in SESSION_LANGS and not any(_PROMPT.match(doc.lines[n - 1]) for n in range(block.first, block.last + 1)):
            lang_as = "shell"  # a transcript without a single prompt is a list of commands
        else:
            lang_as = lang
        for number in range(block.first, block.last + 1):
            contexts[number] = (CODE, lang, index, _command_column(doc.lines[number - 1], lang_as))
    spans: dict[int, list[tuple[int, int]]] = {}
    for span in doc.code_spans:
        spans.setdefault(span.line, []).append((span.start, span.end))
    lines = []
    for number, line_text in enumerate(doc.lines, 1):
        if number in contexts:
            context, lang, block, command = contexts[number]
            lines.append(GuideLine(number, line_text, context, lang, block, command=command))
        elif number in doc.comments:
            lines.append(GuideLine(number, line_text, COMMENT))
        else:
            lines.append(GuideLine(number, line_text, PROSE, code_spans=tuple(spans.get(number, ()))))
    return Guide(path, "markdown", lines, crlf, doc.headings, doc.links)


def _command_column(text: str, lang: str) -> int:
    """Where the command on a code block line starts, or -1 when the line is not a command."""
    prompt = _PROMPT.match(text)
    if lang in SHELL_LANGS:
        if prompt:
            return prompt.end()
        return len(text) - len(text.lstrip()) if text.strip() else -1
    if lang in SESSION_LANGS:
        return prompt.end() if prompt else -1
    if lang in ("", "text", "txt", "plain", "none"):  # unlabelled: a command only when it looks like one
        start = prompt.end() if prompt else len(text) - len(text.lstrip())
        return start if looks_like_command(text[start:]) else -1
    return -1


def looks_like_command(text: str) -> bool:
    """Whether text starts with a program a reader runs (kubectl, docker, ./script.sh, ...)."""
    first = _FIRST_WORD.match(text)
    if first is None:
        return False
    word = first.group(1)
    return word.lower().removesuffix(".exe") in PROGRAMS or bool(re.match(r"^\.{1,2}[/\\]\S", word))


def code_segments(line: GuideLine) -> list[tuple[int, str]]:
    """The commands on a line as (start column, text): a command line from its start, or each
    inline code span that reads as a command."""
    if line.command >= 0:
        return [(line.command, line.text[line.command :])]
    if line.context == PROSE:
        return [(start, line.text[start:end]) for start, end in line.code_spans if looks_like_command(line.text[start:end])]
    return []


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


# -- commands a reader runs ------------------------------------------------------------------------
_TOKEN = re.compile(r"[^\s'\"`;|&()<>,]+|[<>]+|&&|\|\||[;|&()]")
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")"}
_HEREDOC = re.compile(r"<<-?\s*([\"']?)([^\s\"'<>;|&()]+)\1")
_CONTINUATION = {"shell": "\\", "powershell": "`", "batch": "^"}


@dataclass(frozen=True)
class Word:
    text: str
    line: GuideLine
    start: int  # 0-based column in line.text


@dataclass(frozen=True)
class Command:
    """One simple command (`a | b` is two) as written: its words, where each one is."""

    guide: Guide
    words: tuple[Word, ...]
    block: int | None  # the code block it is in (None: a script or an inline code span)
    inline: bool = False

    @property
    def line(self) -> GuideLine:
        return self.words[0].line

    def location(self, word: Word, text: str | None = None) -> Location:
        text = text if text is not None else word.text
        column = word.start + max(word.text.find(text), 0)
        return self.guide.location(word.line, column, column + len(text))


def commands(ctx: ScanContext, guide: Guide) -> list[Command]:
    """The guide's commands in reading order: script lines, command lines of code blocks and
    inline code spans that are commands; continuation lines joined, heredoc bodies and comments left out."""
    return ctx.memo(("guide-commands", guide.path), lambda: list(_commands_of(guide)))


def _commands_of(guide: Guide) -> Iterator[Command]:
    kind = guide.kind if guide.kind != "markdown" else "shell"
    pending: list[Word] = []
    heredoc: str | None = None
    block: int | None = None
    for line in guide.lines:
        if line.block != block:  # a block ends: so does anything it left open
            pending, heredoc, block = [], None, line.block
        if heredoc is not None:
            if line.text.strip() == heredoc:
                heredoc = None
            continue
        for start, text in code_segments(line):
            inline = line.context == PROSE
            lang = "powershell" if line.lang in ("powershell", "ps1", "pwsh", "posh") else ("batch" if line.lang in ("bat", "batch", "cmd", "dos") else kind)
            words = _words(line, start, text, lang)
            marker = _HEREDOC.search(text)
            if marker and not inline:
                heredoc = marker.group(2)
            continuation = _CONTINUATION.get(lang)
            if not inline and continuation and words and words[-1].text == continuation:
                pending += words[:-1]
                continue
            if not inline and continuation and words and words[-1].text.endswith(continuation) and lang == "shell":
                pending += words[:-1] + [Word(words[-1].text[:-1], line, words[-1].start)]
                continue
            words, pending = pending + words, []
            current: list[Word] = []
            for word in words + [None]:  # type: ignore[list-item]
                if word is None or word.text in _SEPARATORS:
                    if current:
                        yield Command(guide, tuple(current), line.block if not inline else None, inline)
                    current = []
                else:
                    current.append(word)


def _words(line: GuideLine, offset: int, text: str, lang: str) -> list[Word]:
    words = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if lang != "batch" and token.startswith("#") and (match.start() == 0 or text[match.start() - 1] in " \t"):
            break  # a comment: the rest of the line is prose
        if lang == "batch" and not words and token.lower() in ("rem", "::"):
            break
        words.append(Word(token, line, offset + match.start()))
    return words


# -- kubectl port-forward ------------------------------------------------------------------------------
_FORWARD_KINDS = {
    "svc": "service", "service": "service", "services": "service",
    "deploy": "deployment", "deployment": "deployment", "deployments": "deployment",
    "pod": "pod", "pods": "pod", "po": "pod",
    "sts": "statefulset", "statefulset": "statefulset", "statefulsets": "statefulset",
    "rs": "replicaset", "replicaset": "replicaset", "replicasets": "replicaset",
}
_FORWARD_FLAGS_WITH_VALUE = {"-n", "--namespace", "--address", "--pod-running-timeout", "--context", "--kubeconfig", "--cluster", "--user", "-c", "--container"}
_PORT_SPEC = re.compile(r"^(?:(\d{1,5})?:)?(\d{1,5}|[a-z][-a-z0-9]{0,14})$")
_PUBLISH = re.compile(r"(?:^|\s)(?:-p|--publish)[\s=]+[\"']?(?:[\d.]+:)?(\d{1,5}):\d{1,5}")
_PORT_ENV = re.compile(r"\b(?:PORT|HOST_PORT|LOCAL_PORT)\s*=\s*[\"']?(\d{2,5})\b")
_KUBECTL_PROXY = re.compile(r"\bkubectl(?:\.exe)?\s+proxy\b(?:.*?--port[=\s]+(\d{2,5}))?")
KUBE_API_PORT = 6443  # where kind and kubeadm publish the API server that kubectl talks to


@dataclass(frozen=True)
class PortForward:
    """A `kubectl port-forward` written in a guide or script: local → resource:remote."""

    local: int | None  # None: kubectl picks one (`:80`)
    remote: int | None  # None when the remote port is a name
    resource: str  # as written: svc/auth
    location: Location  # the port spec (LOCAL:REMOTE)
    kind: str = "pod"  # service | deployment | pod | statefulset | replicaset
    name: str = ""
    namespace: str | None = None  # from -n/--namespace; None: the context's default
    remote_name: str | None = None  # a named port (8080:http)


def port_forwards(ctx: ScanContext) -> list[PortForward]:
    return ctx.memo("guide-port-forwards", lambda: [f for g in guide_files(ctx) for c in commands(ctx, g) for f in _forwards_in(c)])


def _forwards_in(command: Command) -> Iterator[PortForward]:
    texts = [w.text for w in command.words]
    if "port-forward" not in texts:
        return
    words = command.words[texts.index("port-forward") + 1 :]
    namespace, target, index = None, None, 0
    while index < len(words):
        word = words[index].text
        flag, _, value = word.partition("=")
        if flag in _FORWARD_FLAGS_WITH_VALUE:
            if not value and index + 1 < len(words):
                index += 1
                value = words[index].text
            if flag in ("-n", "--namespace"):
                namespace = value or None
        elif word.startswith("-n") and len(word) > 2 and not word.startswith("--"):
            namespace = word[2:]
        elif word.startswith("-"):
            pass
        elif target is None:
            target = words[index]
        else:
            spec = _PORT_SPEC.match(word)
            if spec is None:
                break  # anything else (a variable, a placeholder) ends what can be read
            remote = spec.group(2)
            local = spec.group(1) if word.count(":") else remote
            kind, _, name = target.text.partition("/") if "/" in target.text else ("pod", "", target.text)
            if kind.lower() not in _FORWARD_KINDS or not re.fullmatch(r"[a-z0-9][-a-z0-9.]*", name):
                return
            yield PortForward(
                int(local) if local and local.isdigit() else None,
                int(remote) if remote.isdigit() else None,
                target.text,
                command.location(words[index]),
                _FORWARD_KINDS[kind.lower()],
                name,
                namespace,
                None if remote.isdigit() else remote,
            )
        index += 1


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
    for path in manifest_files(ctx):
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
    for compose in compose_files(ctx):
        for service in compose.services:
            for mapping in service.ports:
                for port in range(mapping.host_start, min(mapping.host_end, mapping.host_start + 100) + 1):
                    add(port, f"compose service {service.name} in {compose.path}")
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


def repository_files(ctx: ScanContext) -> list[str]:
    return ctx.memo("repository-files", lambda: list(ctx.repo.walk(".")))


# -- URLs and addresses written in guides and scripts ------------------------------------------------
_LOCAL_HOST = r"localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\]|host\.docker\.internal|\d{1,3}(?:\.\d{1,3}){3}"
_LOCAL_URL = re.compile(
    rf"(?:(?P<scheme>https?|wss?)://|(?<![\w.@/:$-]))(?P<host>{_LOCAL_HOST}):(?P<port>\d{{1,5}})(?![\w])(?P<path>[^\s'\"`<>()\[\]]*)"
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


# Host names that only a local setup resolves (/etc/hosts, nip.io): a guide's URL on one must be an Ingress host.
_LOCAL_NAME_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>(?:[a-z0-9-]+\.)+(?:local|localhost|test|nip\.io|sslip\.io))(?![\w.-])(?::(?P<port>\d{1,5}))?"
    r"(?P<path>[^\s'\"`<>()\[\]]*)",
    re.IGNORECASE,
)
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".conf", ".toml", ".tpl", ".env", ".js", ".mjs", ".cjs", ".ts", ".sh", ".ps1", ".ini", ".hcl", ".tf")


@dataclass(frozen=True)
class HostUrl:
    """`http://tiketi.local/api`: a URL on a host name only a local setup resolves."""

    url: str
    host: str
    location: Location


def host_urls(ctx: ScanContext) -> list[HostUrl]:
    return ctx.memo("guide-host-urls", lambda: list(_host_urls(ctx)))


def _host_urls(ctx: ScanContext) -> Iterator[HostUrl]:
    for guide, line in guide_lines(ctx):
        if line.context == COMMENT:
            continue
        for match in _LOCAL_NAME_URL.finditer(line.text):
            host = match.group("host").lower()
            if host.endswith((".cluster.local", ".svc.local")) or host == "host.docker.internal":
                continue  # cluster DNS names: read inside the cluster, not by the reader's browser
            url = match.group(0).rstrip(".,:;")
            yield HostUrl(url, host, guide.location(line, match.start(), match.start() + len(url)))


def configured_host_names(ctx: ScanContext) -> set[str]:
    """Local host names written anywhere but in guides: manifests, values, compose labels, proxy configs, code."""
    def collect() -> set[str]:
        guides_ = {g.path for g in guide_files(ctx)}
        names: set[str] = set()
        pattern = re.compile(r"(?<![\w-])((?:[a-z0-9*-]+\.)+(?:local|localhost|test|nip\.io|sslip\.io))(?![\w-])", re.IGNORECASE)
        for path in ctx.repo.walk(".", _CONFIG_SUFFIXES):
            if path in guides_:
                continue
            source = ctx.repo.text(path)
            if source is not None:
                names |= {m.lower() for m in pattern.findall(source.text)}
        for path in ctx.repo.walk("."):
            if posixpath.basename(path) in ("Caddyfile", "nginx.conf", "Tiltfile", "hosts") and path not in guides_:
                source = ctx.repo.text(path)
                names |= {m.lower() for m in pattern.findall(source.text)} if source is not None else set()
        return names

    return ctx.memo("configured-host-names", collect)


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
    if not _IPV4.search(literal.value):
        return  # most literals hold no address: no need to locate them
    source = ctx.repo.text(path)
    if source is None:
        return
    text = source.text
    line_starts = ctx.memo(("line-starts", path), lambda: [0] + [m.end() for m in re.finditer(r"\n", text)])
    cursor = line_starts[literal.line - 1] + literal.column - 1 if literal.line <= len(line_starts) else 0
    for match in _IPV4.finditer(literal.value):
        network = private_network(match.group(1))
        start = text.find(match.group(1), cursor)
        if start < 0:
            return
        cursor = start + len(match.group(1))
        if network is None or _generic(literal.value, match):
            continue
        number = bisect.bisect_right(line_starts, start)  # one table per file, searched, not rebuilt
        column = start - line_starts[number - 1] + 1
        url = next((u.group(0) for u in _LOCAL_URL.finditer(literal.value) if u.start() <= match.start() < u.end()), None)
        location = Location(path, number, column, number, column + len(match.group(1)), label=match.group(1))
        yield PrivateAddress(match.group(1), network, location, url, service)


def _generic(text: str, match: re.Match) -> bool:
    """CIDR ranges (10.244.0.0/16), network and broadcast addresses: not one machine's address."""
    if re.match(r"/\d{1,2}\b", text[match.end(1) :]):
        return True
    return match.group(1).endswith((".0", ".255"))
