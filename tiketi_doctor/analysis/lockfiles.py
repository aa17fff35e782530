"""What a lockfile installs: every package and the packages each one depends on.

Readers for package-lock.json / npm-shrinkwrap.json (v1 `dependencies`, v2/v3 `packages`),
pnpm-lock.yaml (v5-v9) and yarn.lock (classic and berry). The question they answer: does
package P land where the project's own code resolves it, and through which declared dependency?
npm and yarn classic hoist transitive packages into the top node_modules, so `require('p')`
works by accident; pnpm does not (unless `.npmrc` says `shamefully-hoist`, `node-linker=hoisted`
or `public-hoist-pattern=*`), and yarn berry's Plug'n'Play does not (unless `nodeLinker: node-modules`).
"""
from __future__ import annotations

import json
import posixpath
import re
from collections import deque
from dataclasses import field
from typing import Iterable
from ..deferred import dataclass
from ..parsing import load_json
from ..parsing.yamldoc import load_yaml

LOCK_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock")
_MANAGER_OF = {"package-lock.json": "npm", "npm-shrinkwrap.json": "npm", "pnpm-lock.yaml": "pnpm", "yarn.lock": "yarn"}


@dataclass
class Lockfile:
    path: str
    manager: str  # npm | pnpm | yarn
    hoisted: bool  # transitive packages resolve from the project's code
    graph: dict[str, set[str]] = field(default_factory=dict)  # package name -> names it depends on
    top: set[str] | None = None  # npm: names installed in a top node_modules (None: every name hoists)

    def via(self, direct: Iterable[str], name: str) -> str | None:
        """The direct dependency through which `name` is installed where the code resolves it, or None."""
        if not self.hoisted or (self.top is not None and name not in self.top):
            return None
        seen: set[str] = set()
        for root in sorted(direct):
            queue = deque([root])
            while queue:
                current = queue.popleft()
                if current in seen:
                    continue
                seen.add(current)
                if current == name and current != root:
                    return root
                queue.extend(self.graph.get(current, ()))
        return None

    def installs(self, name: str) -> bool:
        return name in self.graph


def parse_lockfile(text: str, path: str, npmrc: str = "", yarnrc: str = "") -> Lockfile:
    """Raises ValueError when the file is not a lockfile of its kind."""
    base = posixpath.basename(path)
    manager = _MANAGER_OF[base]
    if manager == "npm":
        return _npm(text, path)
    if manager == "pnpm":
        return _pnpm(text, path, npmrc)
    return _yarn(text, path, yarnrc)


# -- npm ----------------------------------------------------------------------------------------
def _npm(text: str, path: str) -> Lockfile:
    try:
        data = load_json(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ValueError("a lockfile must hold a JSON object")
    lock = Lockfile(path, "npm", hoisted=True, top=set())
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        for key, entry in packages.items():
            if not key or not isinstance(entry, dict):
                continue
            name = entry.get("name") or key.rpartition("node_modules/")[2]
            if not isinstance(name, str) or not name:
                continue
            deps = lock.graph.setdefault(name, set())
            for section in ("dependencies", "optionalDependencies", "peerDependencies"):
                deps.update(_names(entry.get(section)))
            # `node_modules/x` and `apps/a/node_modules/x` are where code resolves x; `.../x/node_modules/y` is x's own copy
            if key.count("node_modules/") == 1:
                lock.top.add(name)
    else:  # lockfileVersion 1: a nested tree
        def walk(tree: dict, depth: int) -> None:
            for name, entry in tree.items():
                if not isinstance(entry, dict):
                    continue
                lock.graph.setdefault(name, set()).update(_names(entry.get("requires")))
                if depth == 0:
                    lock.top.add(name)
                if isinstance(entry.get("dependencies"), dict):
                    walk(entry["dependencies"], depth + 1)

        walk(data.get("dependencies") or {}, 0)
    return lock


def _names(section) -> set[str]:
    return {str(k) for k in section} if isinstance(section, dict) else set()


# -- pnpm ---------------------------------------------------------------------------------------
_PNPM_HOIST = re.compile(r"^\s*(shamefully-hoist\s*=\s*true|node-linker\s*=\s*hoisted|public-hoist-pattern\s*=\s*\*)\s*$", re.M)


def _pnpm(text: str, path: str, npmrc: str) -> Lockfile:
    try:
        data = load_yaml(text)
    except ValueError as exc:
        raise ValueError(f"{exc}") from None
    if not isinstance(data, dict):
        raise ValueError("pnpm-lock.yaml must hold a mapping")
    lock = Lockfile(path, "pnpm", hoisted=bool(_PNPM_HOIST.search(npmrc or "")))
    importers = data.get("importers")
    if not isinstance(importers, dict):  # a lockfile without workspaces: the root is the only importer
        importers = {".": data}
    for importer in importers.values():
        if isinstance(importer, dict):
            for section in ("dependencies", "devDependencies", "optionalDependencies"):
                for name in _names(importer.get(section)):
                    lock.graph.setdefault(name, set())
    for section in ("snapshots", "packages"):
        for key, entry in (data.get(section) or {}).items():
            name = _pnpm_name(str(key))
            if not name:
                continue
            deps = lock.graph.setdefault(name, set())
            if isinstance(entry, dict):
                for dep_section in ("dependencies", "optionalDependencies"):
                    deps.update(_names(entry.get(dep_section)))
    return lock


def _pnpm_name(key: str) -> str | None:
    """`/@scope/a/1.0.0` (v5), `/@scope/a@1.0.0(peer@2)` (v6), `@scope/a@1.0.0` (v9) -> `@scope/a`."""
    key = key.lstrip("/").split("(", 1)[0]
    at = key.find("@", 1)
    if at > 0:
        return key[:at]
    head, _, version = key.rpartition("/")
    return head if head and version[:1].isdigit() else None


# -- yarn ---------------------------------------------------------------------------------------
_YARN_NODE_MODULES = re.compile(r"^\s*nodeLinker\s*:\s*[\"']?node-modules[\"']?\s*$", re.M)


def _yarn(text: str, path: str, yarnrc: str) -> Lockfile:
    berry = "__metadata:" in text
    hoisted = bool(_YARN_NODE_MODULES.search(yarnrc or "")) if berry else True
    lock = Lockfile(path, "yarn", hoisted=hoisted)
    current: list[str] = []
    in_deps = False
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if indent == 0:
            current = [n for n in (_yarn_spec_name(s) for s in line.rstrip(":").split(",")) if n]
            for name in current:
                lock.graph.setdefault(name, set())
            in_deps = False
        elif indent == 2:
            in_deps = line.rstrip(":") in ("dependencies", "optionalDependencies")
        elif indent >= 4 and in_deps and current:
            dep = re.split(r"[:\s]", line, maxsplit=1)[0] if not line.startswith('"') else line[1:line.index('"', 1)]
            if dep:
                for name in current:
                    lock.graph[name].add(dep)
    if not lock.graph and text.strip():
        raise ValueError("no package entries")
    return lock


def _yarn_spec_name(spec: str) -> str | None:
    """`"@scope/a@npm:^1.0.0"`, `a@^1`, `a@workspace:apps/a` -> the package name."""
    spec = spec.strip().strip('"')
    if not spec or spec == "__metadata":
        return None
    at = spec.find("@", 1)
    return spec[:at] if at > 0 else None


# -- peer dependencies (npm 7+) --------------------------------------------------------------------
@dataclass(frozen=True)
class PeerConflict:
    """A package whose peerDependencies range excludes the version of the peer the lockfile installs for it."""

    package: str  # the package declaring the peer (its name; "" for the project itself)
    location: str  # its key in `packages` (node_modules/x)
    version: str
    peer: str
    wanted: str  # the peerDependencies range
    installed: str  # the version the lockfile resolves the peer to
    installed_at: str  # the key of that version in `packages`


def peer_conflicts(lock: dict) -> list[PeerConflict]:
    """Invalid peer edges recorded in a v2/v3 package-lock.json: npm 7+ stops on them with ERESOLVE.

    Each package's `peerDependencies` (the lockfile records them) is resolved the way Node resolves
    it from the package's folder (its own node_modules, then each parent's, then the top). A peer
    that is not installed, is optional (`peerDependenciesMeta`), or whose range or version cannot be
    read is not a conflict; neither is a prerelease, whose range rules differ.
    """
    from .semver import parse_range

    packages = lock.get("packages")
    if not isinstance(packages, dict) or not isinstance(lock.get("lockfileVersion"), int) or lock["lockfileVersion"] < 2:
        return []
    found = []
    for key, entry in packages.items():
        if not key or not isinstance(entry, dict) or entry.get("link") or not isinstance(entry.get("peerDependencies"), dict):
            continue
        optional = entry.get("peerDependenciesMeta") if isinstance(entry.get("peerDependenciesMeta"), dict) else {}
        for peer, wanted in entry["peerDependencies"].items():
            meta = optional.get(peer)
            if not isinstance(wanted, str) or (isinstance(meta, dict) and meta.get("optional")):
                continue
            at = _resolve_from(packages, key, peer)
            installed = packages.get(at, {}).get("version") if at else None
            if not isinstance(installed, str) or not re.fullmatch(r"\d+\.\d+\.\d+", installed):
                continue
            ranges = parse_range(wanted)
            if ranges is None:
                continue
            version = tuple(int(p) for p in installed.split("."))
            if any(low <= version < high for low, high in ranges):
                continue
            name = entry.get("name") or key.rsplit("node_modules/", 1)[-1]
            found.append(PeerConflict(str(name), key, str(entry.get("version") or ""), str(peer), wanted, installed, at))
    return found


def _resolve_from(packages: dict, key: str, name: str) -> str | None:
    """The `packages` key Node finds `name` at, starting in the folder `key`."""
    folder = key
    while True:
        candidate = f"{folder}/node_modules/{name}" if folder else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not folder:
            return None
        cut = folder.rfind("/node_modules/")
        folder = folder[:cut] if cut >= 0 else ("" if folder.startswith("node_modules/") else posixpath.dirname(folder))
