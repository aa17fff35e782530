"""Does a repository path match a glob: the one answer every reader uses.

Paths and patterns are repository- (or build-context-) relative with `/`, anchored at that root,
as Docker (.dockerignore, COPY sources), Skaffold and the catalogue read them:

- `*` matches within one path segment, `?` one character of a segment, `[...]` a class;
- `**` matches any number of segments, and `**/` also none (`**/*.md` matches `README.md`);
- `matches` is a match of the whole path; `covers` also accepts a path inside a folder the pattern
  matches (`src/*` covers `src/a/b.js`), as a COPY source or an ignore rule naming a folder names
  everything in it.

Image references (`analysis/imageref.py`) and .gitignore files (through `pathspec`) have other
languages and are not read here.
"""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def glob_regex(pattern: str) -> re.Pattern:
    """The compiled form of `pattern` (see the module's semantics); match with `fullmatch`."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            if i < len(pattern) and pattern[i] == "/":
                out[-1] = "(?:.*/)?"
                i += 1
            continue
        if ch == "[":
            close = pattern.find("]", i + 2 if pattern.startswith(("[!", "[^"), i) else i + 1)
            if close > i:
                body = pattern[i + 1 : close]
                body = "^" + body[1:] if body.startswith("!") else body
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = close + 1
                continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch)))
        i += 1
    return re.compile("".join(out))


def is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def matches(pattern: str, path: str) -> bool:
    """Whether the whole of `path` matches `pattern`."""
    return glob_regex(pattern).fullmatch(path) is not None


def covers(pattern: str, path: str) -> bool:
    """Whether `path`, or a folder that contains it, matches `pattern`."""
    return covering_regex((pattern,)).fullmatch(path) is not None


@lru_cache(maxsize=256)
def covering_regex(patterns: tuple[str, ...]) -> re.Pattern:
    """One regex for "covered by any of `patterns`": a pattern followed by nothing or by `/...`
    matches exactly the paths inside a folder it matches (paths are normalised: no `//`, no
    leading `/`), so a path is tested once instead of once per folder above it."""
    if not patterns:
        return re.compile(r"(?!)")
    either = "|".join(f"(?:{glob_regex(pattern).pattern})" for pattern in patterns)
    return re.compile(f"(?:{either})(?:/[\\s\\S]*)?")
