"""nginx configuration as a gateway's route table: `location` blocks, their `proxy_pass` and `rewrite`.

Tokens come from crossplane's lexer (nginx's own quoting, escapes, comments and `${VAR}`
placeholders of envsubst templates); the block tree is built here from the text the repository
view holds. Location matching follows nginx: an exact `=` location wins, then the longest
prefix when it is `^~`, then the first regex location in file order, then the longest prefix.
What reaches the upstream: a `rewrite ... break` that matches replaces the path; otherwise a
`proxy_pass` with a URI part replaces the matched prefix with it, and one without passes the path
unchanged.
"""
from __future__ import annotations

import io
import posixpath
import re
from dataclasses import field

from ..deferred import dataclass
from ..model import Location

CONFIG_NAMES = ("nginx.conf", "default.conf", "nginx.conf.template", "default.conf.template")


def is_config(path: str) -> bool:
    name = posixpath.basename(path)
    parent = posixpath.basename(posixpath.dirname(path))
    if name in CONFIG_NAMES:
        return True
    return parent in ("conf.d", "templates", "nginx") and name.endswith((".conf", ".conf.template"))


@dataclass
class Directive:
    name: str
    args: list[str]
    line: int
    block: list["Directive"] | None = None

    def children(self, name: str) -> list["Directive"]:
        return [d for d in self.block or [] if d.name == name]


def parse(text: str) -> list[Directive] | None:
    """The directive tree; None when the text is not a balanced nginx configuration."""
    from crossplane.errors import NgxParserBaseException
    from crossplane.lexer import _lex_file_object

    root: list[Directive] = []
    stack = [root]
    words: list[tuple[str, int]] = []
    try:
        for token, line, quoted in _lex_file_object(io.StringIO(text)):
            if quoted or token not in (";", "{", "}"):
                if not token.startswith("#") or quoted:
                    words.append((token, line))
                continue
            if token == "}":
                if words or len(stack) == 1:
                    return None
                stack.pop()
                continue
            if not words:
                if token == ";":
                    continue
                return None
            directive = Directive(words[0][0], [w for w, _ in words[1:]], words[0][1], [] if token == "{" else None)
            stack[-1].append(directive)
            if token == "{":
                stack.append(directive.block)
            words = []
    except (NgxParserBaseException, StopIteration, RuntimeError):
        return None
    return root if len(stack) == 1 and not words else None


@dataclass(frozen=True)
class Rewrite:
    pattern: str
    replacement: str
    flag: str | None


@dataclass
class NginxLocation:
    modifier: str  # "", "=", "^~", "~", "~*"
    path: str
    location: Location
    proxy_pass: str | None = None
    proxy_at: Location | None = None
    rewrites: list[Rewrite] = field(default_factory=list)
    answers: bool = False  # `return`, `root`/`alias`/`try_files`: answered by nginx itself
    passes: bool = False  # fastcgi/uwsgi/grpc/scgi_pass: handed to an application nginx does not describe

    def matches(self, path: str) -> bool:
        if self.modifier == "=":
            return path == self.path
        if self.modifier in ("~", "~*"):
            try:
                return re.search(self.path, path, re.IGNORECASE if self.modifier == "~*" else 0) is not None
            except re.error:
                return False
        return path.startswith(self.path)

    def forwarded(self, path: str) -> str | None:
        """The path the upstream receives for `path`; None when a variable decides it."""
        for rewrite in self.rewrites:
            try:
                match = re.search(rewrite.pattern, path)
            except re.error:
                return None
            if match is None:
                continue
            if rewrite.flag not in ("break", None):
                return None  # `last`/`redirect`/`permanent` leave this location
            result = re.sub(r"\$(\d)", lambda m: match.group(int(m.group(1))) or "" if int(m.group(1)) <= match.re.groups else "", rewrite.replacement)
            if "$" in result:
                return None
            path = result.split("?", 1)[0] or "/"
            if rewrite.flag == "break":
                return path
        if self.proxy_pass is None:
            return None
        rest = re.sub(r"^[a-z]+://[^/]*", "", self.proxy_pass)
        if "$" in rest:
            return None
        if not rest or self.modifier in ("~", "~*"):
            return path
        return rest + path[len(self.path):] if path.startswith(self.path) else path

    @property
    def upstream_host(self) -> str | None:
        if self.proxy_pass is None:
            return None
        match = re.match(r"^[a-z]+://([^/:]+)", self.proxy_pass)
        return match.group(1) if match and "$" not in match.group(1) else None


@dataclass
class NginxServer:
    path: str
    locations: list[NginxLocation]

    def location_for(self, path: str) -> NginxLocation | None:
        exact = [l for l in self.locations if l.modifier == "=" and l.matches(path)]
        if exact:
            return exact[0]
        prefixes = [l for l in self.locations if l.modifier in ("", "^~") and l.matches(path)]
        longest = max(prefixes, key=lambda l: len(l.path)) if prefixes else None
        if longest is not None and longest.modifier == "^~":
            return longest
        regex = next((l for l in self.locations if l.modifier in ("~", "~*") and l.matches(path)), None)
        return regex or longest


def servers(path: str, text: str) -> list[NginxServer] | None:
    tree = parse(text)
    if tree is None:
        return None
    found = []
    for server in _servers(tree):
        locations: list[NginxLocation] = []
        _locations(path, server.block or [], locations)
        found.append(NginxServer(path, locations))
    return found


def _servers(tree: list[Directive]) -> list[Directive]:
    found = []
    for directive in tree:
        if directive.name == "server" and directive.block is not None:
            found.append(directive)
        elif directive.name == "http" and directive.block is not None:
            found.extend(_servers(directive.block))
    return found


def _locations(path: str, block: list[Directive], found: list[NginxLocation]) -> None:
    for directive in block:
        if directive.name != "location" or directive.block is None or not directive.args:
            continue
        modifier, where = (directive.args[0], directive.args[1]) if len(directive.args) > 1 else ("", directive.args[0])
        if modifier == "@":
            continue
        loc = NginxLocation(modifier, where, Location(path, directive.line, label=f"location {' '.join(directive.args)}"))
        for child in directive.block:
            if child.name == "proxy_pass" and child.args:
                loc.proxy_pass = child.args[0]
                loc.proxy_at = Location(path, child.line, label=f"proxy_pass {child.args[0]}")
            elif child.name == "rewrite" and len(child.args) >= 2:
                loc.rewrites.append(Rewrite(child.args[0], child.args[1], child.args[2] if len(child.args) > 2 else None))
            elif child.name in ("grpc_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass"):
                loc.passes = True
            elif child.name in ("return", "root", "alias", "try_files"):
                loc.answers = True
        found.append(loc)
        _locations(path, directive.block, found)
