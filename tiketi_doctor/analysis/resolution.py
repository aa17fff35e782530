"""How Node (and the TypeScript toolchain) resolves a bare specifier for a component.

- the lockfile that governs a package.json (the nearest one up the tree, of the package manager
  the project uses), and what it hoists;
- workspace packages (npm/yarn `workspaces`, pnpm-workspace.yaml, lerna.json), by name;
- tsconfig/jsconfig `paths` and `baseUrl` aliases (with `extends`, comments and trailing commas):
  such a specifier names project files, not a package;
- which repository file an import names (`resolve_import`): relative, then `paths`, then `baseUrl`,
  then a bundler's source root, each tried with TypeScript's suffix and index order.
"""
from __future__ import annotations

import posixpath
import re

from ..deferred import dataclass
from ..context import ScanContext
from .lockfiles import LOCK_NAMES, Lockfile, parse_lockfile
from ..parsing import load_json
from ..parsing.javascript import resolution_candidates
from ..parsing.yamldoc import load_yaml


def _ancestors(folder: str) -> list[str]:
    """`a/b` -> [`a/b`, `a`, `.`]."""
    folder = posixpath.normpath(folder or ".")
    chain = []
    while True:
        chain.append(folder)
        if folder in (".", ""):
            return chain
        folder = posixpath.dirname(folder) or "."


def _read_json(ctx: ScanContext, path: str, comments: bool = False):
    source = ctx.repo.text(path) if ctx.repo.exists(path) else None
    if source is None:
        return None
    try:
        return load_json(strip_jsonc(source.text) if comments else source.text)
    except ValueError:
        return None


# -- lockfiles ------------------------------------------------------------------------------------
def lockfile_for(ctx: ScanContext, package_json: str, prefer: str | None = None) -> Lockfile | None:
    """The lockfile an install of `package_json` follows: the nearest folder up the tree that holds one;
    of several there, the one of the manager package.json's `packageManager` (or `prefer`) names."""
    return ctx.memo(("lockfile-for", package_json, prefer), lambda: _find_lockfile(ctx, package_json, prefer))


def _find_lockfile(ctx: ScanContext, package_json: str, prefer: str | None) -> Lockfile | None:
    folders = _ancestors(posixpath.dirname(package_json))
    manager = prefer
    for folder in folders:
        data = _read_json(ctx, posixpath.join(folder, "package.json"))
        if isinstance(data, dict) and isinstance(data.get("packageManager"), str):
            manager = data["packageManager"].split("@", 1)[0]
            break
    for folder in folders:
        present = [n for n in LOCK_NAMES if ctx.repo.exists(posixpath.join(folder, n))]
        if not present:
            continue
        if ctx.repo.exists(posixpath.join(folder, "pnpm-workspace.yaml")) and manager is None:
            manager = "pnpm"
        chosen = next((n for n in present if _manager(n) == manager), present[0])
        path = posixpath.join(folder, chosen) if folder != "." else chosen
        npmrc = _text(ctx, posixpath.join(folder, ".npmrc"))
        yarnrc = _text(ctx, posixpath.join(folder, ".yarnrc.yml"))
        # The settings files are inputs of the parse too: they are part of its kind, so a parse
        # shared between views (RepoView.parsed) is only taken for the same lockfile and settings.
        kind = "\0".join(("lockfile", npmrc or "", yarnrc or ""))
        return ctx.repo.parsed(kind, path, lambda f: parse_lockfile(f.text, path, npmrc, yarnrc))
    return None


def _manager(lock_name: str) -> str:
    return {"pnpm-lock.yaml": "pnpm", "yarn.lock": "yarn"}.get(lock_name, "npm")


def _text(ctx: ScanContext, path: str) -> str:
    source = ctx.repo.text(path) if ctx.repo.exists(path) else None
    return source.text if source is not None else ""


# -- workspaces -------------------------------------------------------------------------------
def workspace_packages(ctx: ScanContext) -> dict[str, str]:
    """Workspace package name -> its package.json, for every workspace root in the repository."""
    return ctx.memo(("workspace-packages",), lambda: _workspaces(ctx))


def _workspaces(ctx: ScanContext) -> dict[str, str]:
    patterns: list[tuple[str, str]] = []  # (root folder, glob)
    for path in ctx.repo.walk("."):
        name = posixpath.basename(path)
        folder = posixpath.dirname(path) or "."
        globs = []
        if name == "package.json":
            data = _read_json(ctx, path)
            spaces = data.get("workspaces") if isinstance(data, dict) else None
            if isinstance(spaces, dict):
                spaces = spaces.get("packages")
            globs = spaces if isinstance(spaces, list) else []
        elif name in ("pnpm-workspace.yaml", "lerna.json"):
            source = ctx.repo.text(path)
            try:
                data = load_yaml(source.text) if source is not None else None  # JSON is YAML too
            except ValueError:
                data = None
            globs = data.get("packages") if isinstance(data, dict) and isinstance(data.get("packages"), list) else []
        patterns += [(folder, g) for g in globs if isinstance(g, str) and not g.startswith("!")]
    found: dict[str, str] = {}
    for folder, pattern in patterns:
        glob = posixpath.normpath(posixpath.join(folder, pattern.rstrip("/"), "package.json"))
        for manifest in ctx.repo.glob(glob):
            data = _read_json(ctx, manifest)
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                found.setdefault(data["name"], manifest)
    return found


# -- import specifiers ------------------------------------------------------------------------
def resolve_import(ctx: ScanContext, importer: str, specifier: str, roots: tuple[str, ...] = ()) -> str | None:
    """The repository file `specifier` (imported by `importer`) names; None for a package or no file.

    A relative specifier is joined with the importer's folder; any other is tried through the
    nearest tsconfig/jsconfig `paths`, then its `baseUrl`, then each of `roots` (a bundler's source
    root, such as create-react-app's src/).
    """
    if specifier.startswith("."):
        return resolve_file(ctx, posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier)))
    if specifier.startswith("/"):
        return None
    bases = aliases_for(ctx, importer).targets(specifier) + [posixpath.normpath(posixpath.join(r, specifier)) for r in roots]
    return next((found for found in map(lambda base: resolve_file(ctx, base), bases) if found), None)


def resolve_file(ctx: ScanContext, base: str) -> str | None:
    """The file a specifier joined to a repository path names: itself, its suffixed forms, its index file."""
    for candidate in resolution_candidates(base):
        if ctx.repo.exists(candidate) and not ctx.repo.is_dir(candidate):
            return candidate
    return None


# -- tsconfig aliases -------------------------------------------------------------------------
@dataclass(frozen=True)
class Aliases:
    config: str | None
    patterns: tuple[str, ...]  # `paths` keys: `@app/*`, `~`
    base: str | None  # baseUrl as a repository folder
    # each `paths` key with its targets as repository paths (`src/app/*`)
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def matches(self, ctx: ScanContext, specifier: str) -> bool:
        if any(_capture(pattern, specifier) is not None for pattern in self.patterns):
            return True
        if self.base is not None:
            target = posixpath.normpath(posixpath.join(self.base, specifier))
            return ctx.repo.exists(target) or ctx.repo.exists(target + ".json") or resolve_file(ctx, target) is not None
        return False

    def targets(self, specifier: str) -> list[str]:
        """Repository paths the specifier may name, in TypeScript's order: `paths`, then `baseUrl`."""
        found = []
        for pattern, targets in self.paths:
            captured = _capture(pattern, specifier)
            if captured is not None:
                found += [posixpath.normpath(t.replace("*", captured, 1)) for t in targets]
        if self.base is not None:
            found.append(posixpath.normpath(posixpath.join(self.base, specifier)))
        return found


def _capture(pattern: str, specifier: str) -> str | None:
    """What the `*` of a `paths` key matches in the specifier ("" for an exact key), None when it does not match."""
    prefix, star, suffix = pattern.partition("*")
    if not star:
        return "" if specifier == pattern else None
    if specifier.startswith(prefix) and specifier.endswith(suffix) and len(specifier) >= len(prefix) + len(suffix):
        return specifier[len(prefix) : len(specifier) - len(suffix)]
    return None


def aliases_for(ctx: ScanContext, path: str) -> Aliases:
    """The aliases the nearest tsconfig.json (or jsconfig.json) above `path` defines."""
    folder = posixpath.dirname(path) or "."
    return ctx.memo(("aliases", folder), lambda: _aliases(ctx, folder))


def _aliases(ctx: ScanContext, folder: str) -> Aliases:
    for candidate in _ancestors(folder):
        for name in ("tsconfig.json", "jsconfig.json"):
            config = posixpath.normpath(posixpath.join(candidate, name))
            if not ctx.repo.exists(config):
                continue
            # A solution-style tsconfig.json lists `references` (tsconfig.app.json...) that hold the options.
            configs = [config] + _references(ctx, config)
            paths: dict[str, tuple[str, ...]] = {}
            base = None
            for path in configs:
                found, found_base = _compiler_paths(ctx, path, set())
                paths = {**found, **paths}
                base = base or found_base
            return Aliases(config, tuple(paths), base, tuple(paths.items()))
    return Aliases(None, (), None)


def _references(ctx: ScanContext, config: str) -> list[str]:
    data = _read_json(ctx, config, comments=True)
    found = []
    for ref in data.get("references") or [] if isinstance(data, dict) else []:
        target = ref.get("path") if isinstance(ref, dict) else None
        if isinstance(target, str):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(config), target))
            found.append(target if target.endswith(".json") else posixpath.join(target, "tsconfig.json"))
    return [path for path in found if ctx.repo.exists(path)]


def _compiler_paths(ctx: ScanContext, config: str, seen: set[str]) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """`paths` (keys and repository targets) and the baseUrl folder, following `extends` (a child overrides its parent)."""
    if config in seen:
        return {}, None
    seen.add(config)
    data = _read_json(ctx, config, comments=True)
    if not isinstance(data, dict):
        return {}, None
    folder = posixpath.dirname(config) or "."
    paths: dict[str, tuple[str, ...]] = {}
    base = None
    parents = data.get("extends")
    for parent in [parents] if isinstance(parents, str) else parents if isinstance(parents, list) else []:
        if isinstance(parent, str) and parent.startswith("."):
            target = posixpath.normpath(posixpath.join(folder, parent))
            if not target.endswith(".json"):
                target += ".json"
            inherited, inherited_base = _compiler_paths(ctx, target, seen)
            paths.update(inherited)
            base = inherited_base or base
    options = data.get("compilerOptions") if isinstance(data.get("compilerOptions"), dict) else {}
    if isinstance(options.get("baseUrl"), str):
        base = posixpath.normpath(posixpath.join(folder, options["baseUrl"]))
    if isinstance(options.get("paths"), dict):
        # targets are relative to baseUrl when there is one, else to the tsconfig that declares them
        root = base or folder
        paths = {
            str(key): tuple(posixpath.join(root, t) for t in (value if isinstance(value, list) else [value]) if isinstance(t, str))
            for key, value in options["paths"].items()
        }
    return paths, base


_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r'"(?:\\.|[^"\\])*"|,(?=\s*[\]}])')


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (tsconfig's dialect) -> JSON; strings are kept as they are."""
    keep = lambda m: m.group(0) if m.group(0).startswith('"') else ""  # noqa: E731
    return _TRAILING_COMMA.sub(keep, _COMMENT.sub(keep, text))


def ancestor_declaration(ctx: ScanContext, package_json: str, name: str) -> str | None:
    """The package.json above `package_json` (a monorepo root) that declares `name`, if any."""
    for folder in _ancestors(posixpath.dirname(package_json))[1:]:
        path = posixpath.join(folder, "package.json") if folder != "." else "package.json"
        data = _read_json(ctx, path)
        if isinstance(data, dict) and any(
            isinstance(data.get(section), dict) and name in data[section]
            for section in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
        ):
            return path
    return None
