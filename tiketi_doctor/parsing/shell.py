"""Just enough POSIX shell to read what a Dockerfile RUN line does."""
from __future__ import annotations

import re
from tiketi_doctor.deferred import dataclass
from dataclasses import field

@dataclass
class SimpleCommand:
    words: list[str]
    # (operator, target) pairs such as (">", "package.json") or ("<<", "EOF").
    redirects: list[tuple[str, str]] = field(default_factory=list)
    # The operator that joined this command to the previous one ("" for the first).
    joined_by: str = ""
    # How many `( ... )` subshells enclose the command: what they change does not outlive them.
    depth: int = 0

    @property
    def program(self) -> str:
        return self.words[0].rsplit("/", 1)[-1] if self.words else ""

    def writes(self) -> list[str]:
        return [target for op, target in self.redirects if op in (">", ">>", ">|")]


_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")")  # longest first
_REDIRECTS = ("<<<", "<<-", "&>>", ">>", ">|", ">&", "<&", "<<", "&>", ">", "<")
_OPERATOR_STARTS = frozenset("&|;()<>")
# Characters that stand for themselves, taken a run at a time (a `#` inside a word is one of them).
_PLAIN_RUN = re.compile(r"[^ \t\n\\'\"$`&|;()<>]+")


def split_commands(text: str, comments: bool = False) -> list[SimpleCommand]:
    """Simple commands of a shell line; raises ValueError on unbalanced quotes or substitutions.

    Words lose their quotes; `$(...)`, `$((...))`, `${...}` and backquotes stay whole inside their word,
    so an operator inside a substitution does not split the line. `comments` drops `# ...` (a `#` that
    starts a word), as a script or a guide's shell block means it.
    """
    commands = [SimpleCommand([])]
    tokens = _tokens(text, comments)
    depth = i = 0
    while i < len(tokens):
        kind, token = tokens[i]
        if kind == "op":
            depth = depth + 1 if token == "(" else max(depth - 1, 0) if token == ")" else depth
            commands.append(SimpleCommand([], joined_by=token, depth=depth))
        elif kind == "redirect":
            has_target = i + 1 < len(tokens) and tokens[i + 1][0] == "word"
            commands[-1].redirects.append((token, tokens[i + 1][1] if has_target else ""))
            i += has_target
        else:
            commands[-1].words.append(token)
        i += 1
    return [c for c in commands if c.words or c.redirects]


def command_words(text: str) -> list[str]:
    """The words of the first simple command of `text`; whitespace-separated words if it is not valid shell."""
    try:
        commands = split_commands(text)
    except ValueError:
        return text.split()
    return commands[0].words if commands else []


def _tokens(text: str, comments: bool) -> list[tuple[str, str]]:
    """(kind, text) tokens: kind is word, op or redirect; a file descriptor before a redirect is dropped."""
    tokens: list[tuple[str, str]] = []
    word: list[str] = []
    in_word = False  # distinguishes an empty quoted word ('') from no word
    i, n = 0, len(text)

    def finish() -> None:
        nonlocal word, in_word
        if in_word:
            tokens.append(("word", "".join(word)))
        word, in_word = [], False

    while i < n:
        ch = text[i]
        if ch in " \t\n":
            finish()
            i += 1
        elif ch == "#" and comments and not in_word:
            while i < n and text[i] != "\n":
                i += 1
        elif ch == "\\":
            if text.startswith("\n", i + 1):
                i += 2  # a line continuation
                continue
            word.append(text[i + 1 : i + 2])
            in_word = True
            i += 2
        elif ch == "'":
            close = text.find("'", i + 1)
            if close < 0:
                raise ValueError("No closing quotation")
            word.append(text[i + 1 : close])
            in_word = True
            i = close + 1
        elif ch == '"':
            i = _double_quoted(text, i + 1, word)
            in_word = True
        elif ch == "$" and text.startswith(("$(", "${"), i) or ch == "`":
            close = _substitution_end(text, i)
            word.append(text[i:close])
            in_word = True
            i = close
        elif ch not in _OPERATOR_STARTS:
            plain = _PLAIN_RUN.match(text, i)
            end = plain.end() if plain else i + 1  # a `$` that opens no substitution
            word.append(text[i:end])
            in_word = True
            i = end
        else:
            redirect = next((r for r in _REDIRECTS if text.startswith(r, i)), None)
            operator = None if redirect else next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if redirect is None and operator is None:
                word.append(ch)
                in_word = True
                i += 1
                continue
            if redirect and in_word and "".join(word).isdigit():
                word, in_word = [], False  # the 2 of 2>&1: a file descriptor, not a word
            finish()
            tokens.append(("redirect", redirect) if redirect else ("op", operator))
            i += len(redirect or operator)
            if redirect in (">&", "<&") and i < n and (text[i].isdigit() or text[i] == "-"):
                i += 1  # >&1 duplicates a descriptor: no file is written
                tokens.pop()
    finish()
    return tokens


def _double_quoted(text: str, i: int, word: list[str]) -> int:
    """Append the inside of a double-quoted string starting at `i`; return the index after its close."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            return i + 1
        if ch == "\\" and i + 1 < n and text[i + 1] in '"\\$`\n':
            if text[i + 1] != "\n":
                word.append(text[i + 1])
            i += 2
        elif ch == "$" and text.startswith(("$(", "${"), i) or ch == "`":
            close = _substitution_end(text, i)
            word.append(text[i:close])
            i = close
        else:
            word.append(ch)
            i += 1
    raise ValueError("No closing quotation")


def _substitution_end(text: str, i: int) -> int:
    """Index after the `$(...)`, `${...}` or backquoted part starting at `i`, quotes and nesting honoured."""
    n = len(text)
    if text[i] == "`":
        j = i + 1
        while j < n and text[j] != "`":
            j += 2 if text[j] == "\\" else 1
        if j >= n:
            raise ValueError("No closing backquote")
        return j + 1
    opener, closer = ("(", ")") if text[i + 1] == "(" else ("{", "}")
    depth, j = 0, i + 1
    while j < n:
        ch = text[j]
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return j + 1
        elif ch == "\\":
            j += 1
        elif ch == "'" and opener == "(":
            close = text.find("'", j + 1)
            if close < 0:
                raise ValueError("No closing quotation")
            j = close
        elif ch == '"':
            j = _double_quoted(text, j + 1, []) - 1
        elif ch == "$" and text.startswith(("$(", "${"), j) or ch == "`":
            j = _substitution_end(text, j) - 1
        j += 1
    raise ValueError("No closing parenthesis of a substitution")


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
