"""Node.js failure signatures in container logs: a table, matched line by line.

Each `Signature` names a kind of failure, a regular expression whose named groups are the facts
(module, host, port, variable, ...), and how many following lines belong to the quote (a
`Require stack:` list, say). Adding a failure is one entry in SIGNATURES; order is priority: the
first kind that matches is the primary diagnosis, the others are kept as secondary evidence.
"""
from __future__ import annotations

import re
from dataclasses import field

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.i18n import Msg, N_

# The header Node prints above an uncaught exception: "/app/src/routes/payments.js:42".
_ORIGIN = re.compile(r"^(?P<file>/[^\s:]+\.[cm]?js):(?P<line>\d+)\s*$")
# A stack frame in application code: "at Object.<anonymous> (/app/src/routes/auth.js:4:26)".
_FRAME = re.compile(r"^\s*at (?:.*?\()?(?P<file>/[^\s:()]+\.[cm]?js):(?P<line>\d+):(?P<column>\d+)\)?\s*$")
_ERROR_LINE = re.compile(r"^\s*(?:[A-Z]\w*)?Error\b")
_NODE_VERSION = re.compile(r"^Node\.js (v\d+\.\d+\.\d+)\s*$")
_VAR = r"(?P<variable>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}[A-Z0-9]*)"


@dataclass(frozen=True)
class Signature:
    kind: str
    pattern: re.Pattern
    title: str  # N_("Cannot find module '{module}'"): a one-line name for the failure, a template over the facts
    continuation: re.Pattern | None = None  # following lines that belong to the quote
    max_quote: int = 6
    failure: bool = True  # False for facts that are not failures (the port the app says it listens on)


def _sig(kind: str, pattern: str, title: str, continuation: str | None = None, **options) -> Signature:
    return Signature(kind, re.compile(pattern), title, re.compile(continuation) if continuation else None, **options)


SIGNATURES: tuple[Signature, ...] = (
    _sig("module-not-found", r"Error: Cannot find module '(?P<module>[^']+)'", N_("Cannot find module '{module}'"),
         continuation=r"^\s*(Require stack:|- /)"),
    _sig("syntax-error", r"^(?P<error>SyntaxError: .+?)\s*$", "{error}"),
    _sig("missing-env", _VAR + r"\s+(?:environment variable|env(?:ironment)? var(?:iable)?)s?\s+(?:is\s+)?(?:required|missing|not set|undefined|must be set)",
         N_("environment variable {variable} is not set")),
    _sig("missing-env", r"(?i:missing|required|undefined|not set)[^\n]*?(?i:environment variables?|env vars?|env)\W+" + _VAR,
         N_("environment variable {variable} is not set")),
    _sig("missing-env", r"process\.env\." + _VAR + r" is (?:not defined|undefined|required|empty)", N_("environment variable {variable} is not set")),
    _sig("missing-env", r"(?P<error>secretOrPrivateKey must have a value)", N_("the JWT secret is empty ({error})")),
    _sig("unhandled-rejection", r"(?:ERR_UNHANDLED_REJECTION|UnhandledPromiseRejection|Unhandled promise rejection)",
         N_("unhandled promise rejection")),
    _sig("eaddrinuse", r"EADDRINUSE(?:: address already in use)?\s+(?P<address>\S*?):(?P<port>\d+)", N_("port {port} is already in use (EADDRINUSE)")),
    _sig("econnrefused", r"ECONNREFUSED\s+(?P<host>\[[0-9a-fA-F:]+\]|[\w.-]+):(?P<port>\d+)", N_("connection refused by {host}:{port}")),
    _sig("enotfound", r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN)\s+(?P<host>[\w.-]+)", N_("host name {host} does not resolve")),
    _sig("etimedout", r"(?:connect )?ETIMEDOUT\s+(?P<host>[\w.-]+):(?P<port>\d+)", N_("connection to {host}:{port} timed out")),
    _sig("db-auth-failed", r"password authentication failed for user \"?(?P<user>[^\"\s]+)\"?", N_("the database rejected the password of user {user}")),
    _sig("db-missing", r"database \"(?P<database>[^\"]+)\" does not exist", N_("database {database} does not exist")),
    _sig("heap-out-of-memory", r"(?P<error>JavaScript heap out of memory)", "{error}"),
    _sig("uncaught-error", r"^(?P<error>(?:[A-Z]\w*)?Error(?: \[\w+\])?: .+?)\s*$", "{error}"),
    _sig("listening", r"(?i:listening|running|started|server)\b[^\n]*?\bon\s+(?:port\s*:?\s*|https?://[\w.-]+:|:)?(?P<port>\d{2,5})\b",
         N_("the app says it listens on {port}"), failure=False),
)

# "The promise rejected with the reason "..."": what an unhandled rejection was about.
_REJECTION_REASON = re.compile(r'rejected with the reason "(?P<reason>[^"]+)"')


@dataclass(frozen=True)
class LogMatch:
    kind: str
    title: str  # a Msg: English as str, translated in a Korean report
    facts: dict[str, str]
    line: int  # 0-based index in the log tail
    quote: tuple[str, ...]  # the log lines that show it


@dataclass(frozen=True)
class Origin:
    """Where in the container's files the failure points: the uncaught-exception header or the first app frame."""

    file: str
    line: int
    source: str = ""  # the source line Node printed under the header


@dataclass
class LogDiagnosis:
    matches: list[LogMatch] = field(default_factory=list)
    origin: Origin | None = None
    node_version: str | None = None

    @property
    def failures(self) -> list[LogMatch]:
        return [m for m in self.matches if _SIGNATURE_BY_KIND[m.kind].failure]

    @property
    def primary(self) -> LogMatch | None:
        failures = self.failures
        if not failures:
            return None
        return min(failures, key=lambda m: (_PRIORITY[m.kind], m.line))

    def first(self, kind: str) -> LogMatch | None:
        return next((m for m in self.matches if m.kind == kind), None)


_SIGNATURE_BY_KIND = {s.kind: s for s in SIGNATURES}
_PRIORITY = {kind: i for i, kind in enumerate(dict.fromkeys(s.kind for s in SIGNATURES))}


def diagnose(text: str | None) -> LogDiagnosis:
    """Every signature found in a log tail, the failure's origin and the Node version."""
    result = LogDiagnosis()
    if not text:
        return result
    lines = text.splitlines()
    seen: set[tuple[str, str]] = set()
    for index, line in enumerate(lines):
        for sig in SIGNATURES:
            found = sig.pattern.search(line)
            if not found:
                continue
            facts = {k: v for k, v in found.groupdict().items() if v is not None}
            if sig.kind == "unhandled-rejection":
                reason = _REJECTION_REASON.search(line) or next((_REJECTION_REASON.search(x) for x in lines[index:index + 3] if _REJECTION_REASON.search(x)), None)
                if reason:
                    facts["reason"] = reason.group("reason")
            key = (sig.kind, repr(sorted(facts.items())))
            if not facts and any(m.kind == sig.kind for m in result.matches):
                seen.add(key)  # a bare repeat ("code: 'ERR_UNHANDLED_REJECTION'") of a failure already quoted
            if key in seen:
                at = next((i for i, m in enumerate(result.matches) if (m.kind, repr(sorted(m.facts.items()))) == key), None)
                if at is not None and _ERROR_LINE.match(line):  # quote Node's "Error: ..." line, not the source line above it
                    result.matches[at] = LogMatch(sig.kind, result.matches[at].title, facts, index, _quote(lines, index, sig))
            else:
                seen.add(key)
                result.matches.append(LogMatch(sig.kind, Msg(sig.title, **facts), facts, index, _quote(lines, index, sig)))
            if sig.failure and sig.kind != "unhandled-rejection":
                break  # one failure kind per line, the most specific (a rejection also names what it was about)
        version = _NODE_VERSION.match(line)
        if version:
            result.node_version = version.group(1)
    result.origin = _origin(lines)
    return result


def _quote(lines: list[str], index: int, sig: Signature) -> tuple[str, ...]:
    quote = [lines[index].rstrip()]
    if sig.continuation is not None:
        for line in lines[index + 1 :]:
            if len(quote) >= sig.max_quote or not sig.continuation.search(line):
                break
            quote.append(line.rstrip())
    return tuple(quote)


def _origin(lines: list[str]) -> Origin | None:
    for index, line in enumerate(lines):
        header = _ORIGIN.match(line.strip())
        if header and "node_modules" not in header.group("file") and not header.group("file").startswith("/node"):
            source = lines[index + 1].strip() if index + 1 < len(lines) else ""
            return Origin(header.group("file"), int(header.group("line")), source)
    for line in lines:
        frame = _FRAME.match(line)
        if frame and "node_modules" not in frame.group("file"):
            return Origin(frame.group("file"), int(frame.group("line")))
    return None
