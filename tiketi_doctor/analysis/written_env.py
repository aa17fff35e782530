"""Env files a CI workflow writes before it runs compose: `.env` is not committed, the workflow builds it.

Read from the workflow's own `run:` lines (not from scripts it sends to another machine over ssh):
- `echo "NAME=value" >> .env`, `echo NAME=$X > .env`, `printf 'NAME=%s\\n' "$X" >> .env`;
- a heredoc `cat <<EOF > .env` / `cat > .env <<EOF` whose body lines are `NAME=value`.
Any other write to the file (`cp`, `cat FILE >`, `env >`, `echo "$ALL" >`) makes its content unknown:
the file is then `complete=False`, and nothing may be said to be missing from it.
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from .workflows import workflows

_NAME_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")
_ECHO = re.compile(r"""^\s*(?:echo|printf)\s+(?:-[neE]+\s+)?(["']?)([A-Za-z_][A-Za-z0-9_]*)=[^>]*?\1\s*(?:\S*\s*)*?>{1,2}\s*(["']?)([^\s"';&|]+)\3\s*$""")
_REDIRECT = re.compile(r""">{1,2}\s*(["']?)([^\s"';&|<>]+)\1""")
# Commands that read or remove an env file rather than write it.
_READERS = {"docker", "docker-compose", "source", ".", "cat", "ls", "test", "[", "if", "rm", "grep", "wc"}
_HEREDOC = re.compile(r"""<<-?\s*(["']?)([A-Za-z_]+)\1""")


@dataclass
class WrittenEnv:
    path: str  # repository-relative
    names: set[str] = field(default_factory=set)
    complete: bool = True
    location: Location | None = None  # the first write
    workflow: str = ""


def written_env_files(ctx: ScanContext) -> dict[str, WrittenEnv]:
    return ctx.memo("written-env-files", lambda: _collect(ctx))


def _collect(ctx: ScanContext) -> dict[str, WrittenEnv]:
    found: dict[str, WrittenEnv] = {}
    for workflow in workflows(ctx):
        for step in workflow.steps:
            lines = step.script
            i = 0
            while i < len(lines):
                text = lines[i].text
                target = _target(text)
                if target is None or not _env_name(target):
                    first = text.split()[0] if text.split() else ""
                    for word in [] if first in _READERS else re.split(r"[\s;&|=]+", text):  # `cp .env.example .env`, `tee -a .env`: content unknown
                        word = word.strip("\"'")
                        if word and _env_name(word):
                            path = posixpath.normpath(posixpath.join(step.working_directory or ".", word))
                            found.setdefault(path, WrittenEnv(path, workflow=workflow.path)).complete = False
                    i += 1
                    continue
                path = posixpath.normpath(posixpath.join(step.working_directory or ".", target))
                entry = found.setdefault(path, WrittenEnv(path, workflow=workflow.path))
                if entry.location is None:
                    entry.location = Location(workflow.path, lines[i].number, lines[i].column, label=text.strip()[:120])
                heredoc = _HEREDOC.search(text)
                echo = _ECHO.match(text)
                if heredoc and re.match(r"^\s*cat\b", text):
                    end = heredoc.group(2)
                    i += 1
                    while i < len(lines) and lines[i].text.strip() != end:
                        body = lines[i].text
                        match = _NAME_LINE.match(body)
                        if match:
                            entry.names.add(match.group(1))
                        elif body.strip() and not body.strip().startswith("#"):
                            entry.complete = False
                        i += 1
                elif echo and "$(" not in text.split("=", 1)[0]:
                    entry.names.add(echo.group(2))
                else:
                    entry.complete = False
                i += 1
    return found


def _target(text: str) -> str | None:
    match = _REDIRECT.search(text)
    if match is None or match.group(2).startswith("&"):
        return None
    return match.group(2)


def _env_name(path: str) -> bool:
    name = posixpath.basename(path)
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")
