"""Argo CD as the repository declares it: Applications, AppProjects, and whether a source is this repository.

An Application's source names a Git repository (`repoURL`), a revision and a folder (`path`), or a
Helm chart (`chart`). Whether `repoURL` is the repository being checked is known only from the
repository's own Git remotes (read from `.git/config`, never from a parent folder's repository).
Project rules (`sourceRepos`, `destinations`) are globs as Argo CD matches them: `*` matches any
text, including `/`, and a leading `!` denies.
"""
from __future__ import annotations

import configparser
import fnmatch
import posixpath
import re
from pathlib import Path

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from .environments import Environment, environments
from .k8s import partly_unknown
from .kustomize import Placed

_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")


@dataclass(frozen=True)
class Source:
    repo_url: str
    path: str | None  # None for a Helm chart source
    chart: str | None
    index: tuple  # JSON path of the source in the Application
    location: Location  # the repoURL line

    @property
    def folder(self) -> str:
        return posixpath.normpath(self.path.strip("/")) if self.path and self.path.strip("/") else "."


@dataclass(frozen=True)
class Application:
    placed: Placed
    env: Environment

    @property
    def name(self) -> str:
        return self.placed.name

    @property
    def project(self) -> str:
        return str(self.placed.get("spec", "project") or "default")

    @property
    def sources(self) -> list[Source]:
        found = []
        single = self.placed.get("spec", "source")
        items = [(("spec", "source"), single)] if isinstance(single, dict) else []
        for i, item in enumerate(self.placed.get("spec", "sources") or []):
            items.append((("spec", "sources", i), item))
        for path, item in items:
            if not isinstance(item, dict) or not isinstance(item.get("repoURL"), str):
                continue
            if partly_unknown(item.get("repoURL")) or partly_unknown(item.get("path")) or partly_unknown(item.get("chart")):
                continue  # a templated Application: only rendering knows its source
            where = self.placed.at(path + ("repoURL",), label=f"repoURL: {item['repoURL']}")
            folder = item.get("path")
            chart = item.get("chart")
            found.append(Source(item["repoURL"], str(folder) if folder is not None else None, str(chart) if chart else None, path, where))
        return found

    @property
    def self_heal(self) -> bool:
        automated = self.placed.get("spec", "syncPolicy", "automated")
        return isinstance(automated, dict) and automated.get("selfHeal") is True

    def ignores(self, kind: str, pointer: str) -> bool:
        """Whether `ignoreDifferences` leaves `pointer` (/spec/replicas) of `kind` out of the diff."""
        for item in self.placed.get("spec", "ignoreDifferences") or []:
            if not isinstance(item, dict) or item.get("kind") not in (kind, None):
                continue
            pointers = [str(p) for p in item.get("jsonPointers") or []]
            jq = [str(p) for p in item.get("jqPathExpressions") or []]
            managers = item.get("managedFieldsManagers") or []
            if pointer in pointers or "." + pointer.strip("/").replace("/", ".") in jq or managers:
                return True
        return False


def applications(ctx: ScanContext) -> list[Application]:
    return ctx.memo("argo-applications", lambda: _of_kind(ctx, "Application", Application))


def projects(ctx: ScanContext) -> dict[str, Placed]:
    return ctx.memo("argo-projects", lambda: {a.placed.name: a.placed for a in _of_kind(ctx, "AppProject", Application)})


def _of_kind(ctx: ScanContext, kind: str, wrap) -> list:
    seen: set[tuple] = set()
    found = []
    for env in environments(ctx):
        for placed in env.of_kind(kind):
            if not str(placed.data.get("apiVersion", "")).startswith("argoproj.io/") or placed.identity in seen:
                continue
            seen.add(placed.identity)
            found.append(wrap(placed, env))
    return found


# -- this repository ---------------------------------------------------------------------------------
def remotes(ctx: ScanContext) -> list[str]:
    """The URLs of the repository's Git remotes, normalised (host/owner/name); empty when unknown."""
    return ctx.memo("git-remotes", lambda: _remotes(ctx.repo.root))


def _remotes(root: Path) -> list[str]:
    git = root / ".git"
    try:
        if git.is_file():
            pointer = git.read_text(encoding="utf-8", errors="replace").strip()
            if not pointer.startswith("gitdir:"):
                return []
            git = (root / pointer[len("gitdir:"):].strip()).resolve()
            common = git / "commondir"
            if common.is_file():
                git = (git / common.read_text(encoding="utf-8").strip()).resolve()
        config = git / "config"
        if not config.is_file():
            return []
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string(config.read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return []
    urls = []
    for section in parser.sections():
        if section.startswith("remote ") and parser.has_option(section, "url"):
            urls.append(normal_url(parser.get(section, "url")))
    return [u for u in urls if u]


def normal_url(url: str) -> str:
    """`https://github.com/Org/App.git`, `git@github.com:org/app` and `ssh://git@github.com/org/app/` → github.com/org/app."""
    text = url.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
        text = text.split("@", 1)[1] if "@" in text.split("/", 1)[0] else text
        host, _, rest = text.partition("/")
        host = host.split(":", 1)[0]  # a port
    else:
        match = _SCP_LIKE.match(text)
        if not match:
            return ""
        host, rest = match.group(1), match.group(2)
    rest = rest.strip("/")
    if rest.endswith(".git"):
        rest = rest[:-4]
    return f"{host}/{rest}".lower() if rest else ""


def is_this_repository(ctx: ScanContext, url: str) -> bool | None:
    """True/False when the repository has Git remotes to compare with; None when it has none."""
    known = remotes(ctx)
    if not known:
        return None
    return normal_url(url) in known


# -- project rules ----------------------------------------------------------------------------------
def glob_allows(patterns: list[str], value: str) -> bool:
    """Argo CD's rule: allowed when some pattern matches and no `!pattern` does."""
    allowed = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if fnmatch.fnmatchcase(value, pattern[1:]):
                return False
        elif fnmatch.fnmatchcase(value, pattern):
            allowed = True
    return allowed
