"""Templated YAML read as partially known YAML.

Kubernetes YAML is often kept as a template: Helm charts (Go templates: `{{ .Values.x }}`,
`{{- if }}`/`{{ end }}`, `{{ include ... | nindent 4 }}`) or text expanded before `kubectl apply`
(figit `{{VAR}}`, envsubst `${VAR}`). Such a file is not YAML as committed, but most of it is
literal. `blank()` turns it into YAML with every line where it was: control actions vanish (both
branches of a conditional are kept, `define` bodies dropped), an expression inside a line becomes
a token that the YAML reader turns into an `Unknown` value, and an expression alone on its line
(an `include`/`toYaml` block) becomes a marker key that makes its mapping an `OpenDict`: a
mapping that may hold keys nobody can see without rendering.
"""
from __future__ import annotations

import re

ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
# envsubst/shell-style references; `$${X}` is an escaped dollar in compose and stays literal.
ENVSUBST = re.compile(r"(?<!\$)\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+=-][^}]*)?\}")
TOKEN_PREFIX = "tIkEtItPl"
TOKEN = re.compile(TOKEN_PREFIX + r"([0-9a-f]+)x")
OPEN_MARKER = "tIkEtIoPeN"
_OPENERS = ("if", "with", "range", "define", "block")
_INDENT = re.compile(r"\b(n?indent)\s+(\d+)\b")


class Unknown(str):
    """A value a template fills in. Its text is the template's own (`{{ .Values.tag }}`), so
    messages can quote it. It is never *different* from anything: `==` is true and `!=` false
    (also through `str()`, which returns it unchanged), so a comparison of a known value with it
    never becomes a mismatch finding. A check that reports a value for *being* something asks
    `is_unknown` first. `parts` alternates literal text and expressions (Expr), for rendering
    with default values."""

    parts: tuple = ()
    quoted = False  # written in quotes: Helm's output stays a string

    def __new__(cls, text: str = "", parts: tuple = ()):
        self = super().__new__(cls, text)
        self.parts = tuple(parts)
        return self

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self


class Expr(str):
    """The inside of one template action (`.Values.image.tag`), trimmed."""


class OpenDict(dict):
    """A mapping with keys a template adds (an `include`/`toYaml` block): what is missing may be there."""


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def is_open(value: object) -> bool:
    return isinstance(value, OpenDict)


def has_actions(text: str) -> bool:
    return "{{" in text and "}}" in text


def unknown_scalar(text: str) -> Unknown | None:
    """The value of a scalar whose text holds template expressions, else None."""
    if "{{" in text and "}}" in text:
        parts: list = []
        last = 0
        for match in ACTION.finditer(text):
            if match.start() > last:
                parts.append(text[last:match.start()])
            parts.append(Expr(_trim(match.group(1))))
            last = match.end()
        if last < len(text):
            parts.append(text[last:])
        return Unknown(text, parts)
    if "${" in text and ENVSUBST.search(text):
        return Unknown(text)
    return None


def _trim(inner: str) -> str:
    inner = inner.strip()
    if inner.startswith("-"):
        inner = inner[1:]
    if inner.endswith("-"):
        inner = inner[:-1]
    return inner.strip()


def _keyword(expr: str) -> str:
    if expr.startswith("/*"):
        return "comment"
    if expr.startswith("$") and ":=" in expr.split("|")[0] or re.match(r"^\$\w*\s*=[^=]", expr):
        return "assign"
    word = expr.split(None, 1)[0] if expr else ""
    if word in _OPENERS or word in ("else", "end"):
        return word
    return ""


def blank(text: str, open_markers: bool = True) -> str:
    """YAML text with the template's actions replaced; every line stays where it was (an action
    spanning lines keeps its newlines). With `open_markers` false, block expressions are dropped
    instead of marked (a fallback for a marker whose indentation does not fit)."""
    out: list[str] = []
    stack: list[bool] = []  # per open block: whether its content is output (not inside a define)
    last = 0
    markers = 0
    for match in ACTION.finditer(text):
        literal = text[last:match.start()]
        out.append(literal if all(stack) else _newlines(literal))
        last = match.end()
        expr = _trim(match.group(1))
        word = _keyword(expr)
        if word in _OPENERS:
            stack.append(word != "define" and all(stack))
        elif word == "end":
            if stack:
                stack.pop()
        elif word or not all(stack):
            pass  # else, comments, assignments, anything inside a define: no output
        elif _alone_on_line(text, match.start(), match.end()):
            if open_markers:
                _drop_line_tail(out)
                indent = _INDENT.search(expr)
                width = int(indent.group(2)) if indent else _line_indent(text, match.start())
                out.append(f"{' ' * width}{OPEN_MARKER}{markers}: ~")
                markers += 1
        else:
            out.append(_token(match.group(0)))
        out.append(_newlines(match.group(0)))
    out.append(text[last:] if all(stack) else _newlines(text[last:]))
    return "".join(out)


def _token(action: str) -> str:
    """A plain-scalar-safe stand-in for an inline action; the YAML reader maps it back."""
    return TOKEN_PREFIX + action.encode().hex() + "x"


def untoken(text: str) -> str:
    return TOKEN.sub(lambda m: bytes.fromhex(m.group(1)).decode(), text)


def _drop_line_tail(out: list[str]) -> None:
    """Remove what was output since the last newline (only indentation and control actions)."""
    while out:
        head, sep, _ = out[-1].rpartition("\n")
        if sep:
            out[-1] = head + sep
            return
        out.pop()


def _newlines(text: str) -> str:
    return "\n" * text.count("\n")


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    rest = text[line_start:start] + text[end:len(text) if line_end < 0 else line_end]
    return not ACTION.sub("", rest).strip()


def _line_indent(text: str, start: int) -> int:
    prefix = text[text.rfind("\n", 0, start) + 1:start]
    return len(prefix) - len(prefix.lstrip(" "))
