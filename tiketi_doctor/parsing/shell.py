"""Just enough POSIX shell to read what a Dockerfile RUN line does."""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field

OPERATORS = {"&&", "||", ";", "|", "&", "(", ")"}
REDIRECTS = {">", ">>", ">|", "<", "<<", "<<-"}


@dataclass
class SimpleCommand:
    words: list[str]
    # (operator, target) pairs such as (">", "package.json") or ("<<", "EOF").
    redirects: list[tuple[str, str]] = field(default_factory=list)
    # The operator that joined this command to the previous one ("" for the first).
    joined_by: str = ""

    @property
    def program(self) -> str:
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""

    def writes(self) -> list[str]:
        return [target for op, target in self.redirects if op in (">", ">>", ">|")]


def split_commands(text: str) -> list[SimpleCommand]:
    """Simple commands of a shell line; raises ValueError on unbalanced quotes."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    commands = [SimpleCommand([])]
    tokens = list(lexer)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in OPERATORS or (set(token) <= set(";&|()") and token):
            commands.append(SimpleCommand([], joined_by=token))
        elif token in REDIRECTS or (set(token) <= set("<>|&") and token):
            target = tokens[i + 1] if i + 1 < len(tokens) else ""
            commands[-1].redirects.append((token, target))
            i += 1
        elif token.isdigit() and i + 1 < len(tokens) and tokens[i + 1] and set(tokens[i + 1]) <= set("<>&"):
            pass  # a file descriptor number such as the 2 of 2>&1
        else:
            commands[-1].words.append(token)
        i += 1
    return [c for c in commands if c.words or c.redirects]


def printf_text(fmt: str, args: list[str]) -> str:
    """What `printf FORMAT ARGS` prints, for the escapes that appear in practice."""
    out = []
    i = 0
    args = list(args)
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
    while i < len(fmt):
        ch = fmt[i]
        if ch == "\\" and i + 1 < len(fmt):
            nxt = fmt[i + 1]
            out.append(escapes.get(nxt, "\\" + nxt))
            i += 2
            continue
        if ch == "%" and i + 1 < len(fmt):
            nxt = fmt[i + 1]
            if nxt == "%":
                out.append("%")
            elif nxt in "sdb":
                out.append(args.pop(0) if args else "")
            else:
                out.append(ch + nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def echo_text(words: list[str]) -> str:
    """What `echo [-e|-n] WORDS` prints (escapes honoured with -e, as busybox/dash do for JSON)."""
    interpret = False
    while words and words[0] in ("-e", "-n", "-en", "-ne", "-E"):
        interpret = interpret or "e" in words[0][1:]
        words = words[1:]
    text = " ".join(words)
    return printf_text(text.replace("%", "%%"), []) if interpret else text
