"""Applications: one per built Dockerfile, with its build, package.json, source, env file and workload.

A Dockerfile is tied to a Kubernetes workload through the image it is built as (a build tag
equal to the workload's image, also after kustomize `images:` rewrites, or the same image
name), else through folder names (`services/auth-service` runs as Deployment `auth-service`).
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import field

from ..deferred import dataclass
from ..analysis.k8s import K8sObject
from ..parsing.packagejson import PackageJson, parse_package_json
from ..repo import RepoView
from .builds import BuildInvocation, copy_sources, dockerfile, unresolved_sources
from .cluster import ClusterIndex, Workload, image_name, split_image
from .inventory import TEST_FOLDERS, Inventory
from .model import Fact

FRONTEND_PACKAGES = (
    "react", "react-dom", "react-scripts", "vue", "svelte", "@sveltejs/kit", "@angular/core", "next", "nuxt",
    "vite", "preact", "solid-js", "gatsby",
)
# Packages that only build or test browser code: alone they do not make a package a frontend.
BUILD_TOOLS = ("vite", "react-scripts", "gatsby")
# HTTP server frameworks: a package that ships one runs a server.
SERVER_PACKAGES = ("express", "fastify", "koa", "@hapi/hapi", "@nestjs/core", "restify", "polka", "hono")
_NODE_ENTRY = re.compile(r"\bnode(?:mon)?\s+(?:--?[\w-]+(?:=\S+)?\s+)*([\w./-]+\.[mc]?js)\b")
# Where a Node.js server starts when package.json does not say; a server calls listen() or express().
CONVENTIONAL_ENTRIES = ["server.js", "index.js", "app.js", "src/server.js", "src/index.js", "src/app.js", "src/main.js"]
_SERVER = re.compile(r"\.listen\(|\bexpress\(\s*\)|\bcreateServer\(")
UNPARSABLE = "the Dockerfile does not parse (reported as SRC002 by check): its build could not be read"
ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.local.example")


@dataclass
class App:
    dockerfile: str | None  # None: a Node.js server nothing in the repository builds an image of
    folder: str  # where package.json (else the Dockerfile) lives
    build: Fact[tuple[str, str]] | None
    invocations: list[BuildInvocation]
    package_json: str | None = None
    package: PackageJson | None = None
    source: str = "."
    env_file: str | None = None
    frontend: str | None = None  # why it is a frontend: "react in apps/web/package.json"
    workload: Workload | None = None
    workload_reason: str = ""
    service: K8sObject | None = None
    service_doubts: list[str] = field(default_factory=list)
    name: str = ""
    others: list[str] = field(default_factory=list)  # other Dockerfiles of the same folder

    @property
    def tags(self) -> list[str]:
        if self.build is None:
            return []
        chosen = [b for b in self.invocations if (b.context, b.dockerfile) == self.build.value]
        rest = [b for b in self.invocations if b not in chosen]
        return list(dict.fromkeys(t for b in sorted(chosen, key=lambda b: b.priority) + rest for t in b.tags))


def find_apps(inventory: Inventory, invocations: list[BuildInvocation], cluster: ClusterIndex) -> list[App]:
    repo = inventory.repo
    apps: dict[str, App] = {}
    for path in inventory.dockerfiles:
        app = _app(repo, path, [b for b in invocations if b.dockerfile == path])
        kept = apps.get(app.folder)
        if kept is None or _preferred(app, kept):
            if kept is not None:
                app.others = kept.others + [kept.dockerfile]
            apps[app.folder] = app
        else:
            kept.others.append(path)
    found = sorted(list(apps.values()) + _unbuilt_apps(inventory, set(apps)), key=lambda a: a.folder)
    _tie_workloads(found, cluster)
    for app in found:
        app.name = sanitize(app.workload.name) if app.workload else _name(app)
    return found


def _unbuilt_apps(inventory: Inventory, taken: set[str]) -> list[App]:
    """Node.js servers (a start script or main file that calls `.listen(`) that no Dockerfile builds."""
    repo = inventory.repo
    found = []
    for path in inventory.package_jsons:
        folder = posixpath.dirname(path)
        if not folder or TEST_FOLDERS.intersection(folder.split("/")) or any(folder == t or folder.startswith(t + "/") for t in taken):
            continue
        pkg = repo.parsed("package.json", path, lambda f: parse_package_json(f.text, path))
        if pkg is None:
            continue
        entries = [pkg.data["main"]] if isinstance(pkg.data.get("main"), str) else []
        start = (pkg.data.get("scripts") or {}).get("start") if isinstance(pkg.data.get("scripts"), dict) else None
        entries += _NODE_ENTRY.findall(start) if isinstance(start, str) else []
        entries += CONVENTIONAL_ENTRIES
        paths = dict.fromkeys(posixpath.normpath(posixpath.join(folder, e)) for e in entries)
        texts = [repo.text(p) for p in paths if repo.exists(p)]
        if not any(t is not None and _SERVER.search(t.text) for t in texts):
            continue
        app = App(None, folder, None, [], package_json=path, package=pkg)
        src = posixpath.join(folder, "src")
        app.source = src if repo.is_dir(src) else folder
        app.env_file = next((p for p in (posixpath.join(folder, n) for n in ENV_EXAMPLES) if repo.exists(p)), None)
        app.frontend = _frontend(pkg)
        found.append(app)
    return found


def _preferred(app: App, other: App) -> bool:
    """Of two Dockerfiles in one folder: the one something builds, else one that parses, else the plain `Dockerfile`."""
    def rank(a: App) -> tuple:
        return (bool(a.invocations), not a.build.doubts[-1:] == [UNPARSABLE], posixpath.basename(a.dockerfile) == "Dockerfile")

    return rank(app) > rank(other)


def _app(repo: RepoView, path: str, invocations: list[BuildInvocation]) -> App:
    build = choose_build(repo, path, invocations)
    context = build.value[0]
    package_path = _package_json_for(repo, path, context)
    folder = posixpath.dirname(package_path) if package_path else (posixpath.dirname(path) or ".")
    folder = folder or "."
    app = App(path, folder, build, invocations, package_json=package_path)
    if package_path:
        app.package = repo.parsed("package.json", package_path, lambda f: parse_package_json(f.text, package_path))
    src = posixpath.join(folder, "src") if folder != "." else "src"
    app.source = src if repo.is_dir(src) else folder
    app.env_file = next((p for p in (posixpath.join(folder, n) if folder != "." else n for n in ENV_EXAMPLES) if repo.exists(p)), None)
    app.frontend = _frontend(app.package)
    return app


def choose_build(repo: RepoView, path: str, invocations: list[BuildInvocation]) -> Fact[tuple[str, str]]:
    """The build context: from the invocation that works (its COPY sources exist), else the most
    authoritative one, else the folder (or ancestor) from which the COPY sources resolve."""
    if dockerfile(repo, path) is None:
        folder = posixpath.dirname(path) or "."
        best = min(invocations, key=lambda b: b.priority) if invocations else None
        fact = Fact((best.context, path), _where(best)) if best else Fact((folder, path), "its folder")
        fact.doubts.append(UNPARSABLE)
        return fact
    if invocations:
        ranked = sorted(invocations, key=lambda b: (bool(unresolved_sources(repo, path, b.context)), b.priority))
        best = ranked[0]
        fact = Fact((best.context, path), _where(best))
        for other in ranked[1:]:
            if other.context != best.context:
                fact.doubts.append(f"{_where(other)} builds it with context {other.context}")
        missing = unresolved_sources(repo, path, best.context)
        if missing:
            fact.doubts.append(f"COPY {', '.join(missing[:3])} does not exist in context {best.context}: the build fails there")
        return fact
    folder = posixpath.dirname(path) or "."
    candidates = [folder]
    while candidates[-1] != ".":
        candidates.append(posixpath.dirname(candidates[-1]) or ".")
    for candidate in candidates:
        if not unresolved_sources(repo, path, candidate):
            fact = Fact((candidate, path), "no build command found; its COPY sources resolve from here")
            if candidate != folder:
                fact.doubts.append(f"nothing in the repository builds {path}; the context is inferred from its COPY sources")
            return fact
    return Fact((folder, path), "no build command found", [f"no build command found and the COPY sources of {path} resolve from no folder"])


def _where(build: BuildInvocation) -> str:
    label = f" ({build.where.label})" if build.where.label else ""
    return f"{build.where.path}:{build.where.line}{label}" if build.where.line else build.where.path + label


def _package_json_for(repo: RepoView, path: str, context: str) -> str | None:
    folder = posixpath.dirname(path)
    own = posixpath.join(folder, "package.json") if folder else "package.json"
    if repo.exists(own):
        return own
    for source in copy_sources(repo, path):
        if re.fullmatch(r"(?:.*/)?package(?:\*|\.json)", source.rstrip("/")):
            target = posixpath.normpath(posixpath.join(context, source.replace("package*.json", "package.json")))
            if repo.exists(target) and target != "package.json":
                return target
    return None


def _frontend(pkg: PackageJson | None) -> str | None:
    """Why the package is a browser app: a UI library it ships, or a bundler when it runs no HTTP server.

    A bundler or test runner among devDependencies (vite for vitest) does not make an Express API a
    frontend: a server framework in dependencies means the code listens, and that wins.
    """
    if pkg is None:
        return None
    shipped, dev = pkg.dependencies, pkg.section("devDependencies")
    server = next((name for name in SERVER_PACKAGES if name in shipped), None)
    for name in FRONTEND_PACKAGES:
        if name in shipped and not (server and name in BUILD_TOOLS):
            return f"{name} in {pkg.path}:{shipped[name].line}"
        if name in dev and server is None:
            return f"{name} in {pkg.path}:{dev[name].line}"
    return None


def _name(app: App) -> str:
    raw = posixpath.basename(app.folder) if app.folder != "." else ""
    if not raw and app.package and app.package.name:
        raw = app.package.name.rsplit("/", 1)[-1]
    return sanitize(raw or "app")


def sanitize(name: str) -> str:
    """A catalogue component name: lower-case letters, digits and dashes."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return cleaned or "app"


# -- tying Dockerfiles to workloads ---------------------------------------------------------------
def _tie_workloads(apps: list[App], cluster: ClusterIndex) -> None:
    candidates = _WorkloadLookup(cluster)
    scored: list[tuple[int, int, int, str]] = []
    for i, app in enumerate(apps):
        tags = app.tags
        for j in candidates.for_app(app, tags):
            strength, reason = _strength(app, tags, cluster.workloads[j], candidates.deployed[j])
            if strength:
                scored.append((strength, i, j, reason))
    taken_apps: set[int] = set()
    taken_workloads: set[int] = set()
    for strength, i, j, reason in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if i in taken_apps or j in taken_workloads:
            continue
        taken_apps.add(i)
        taken_workloads.add(j)
        app, workload = apps[i], cluster.workloads[j]
        app.workload, app.workload_reason = workload, reason
        services = cluster.services_for(workload)
        named = [s for s in services if s.name == workload.name]
        if services:
            app.service = (named or services)[0]
            if len(services) > 1:
                app.service_doubts.append("other Services select it too: " + ", ".join(f"{s.name} ({s.path})" for s in services if s is not app.service))


class _WorkloadLookup:
    """Which workloads may run an app, by image and name: a lookup, not a scan of every pair."""

    def __init__(self, cluster: ClusterIndex):
        self.deployed = [cluster.image_names(w.image) if w.image else set() for w in cluster.workloads]
        self.index: dict[str, set[int]] = {}
        for j, (workload, images) in enumerate(zip(cluster.workloads, self.deployed)):
            keys = {workload.name}
            for image in images:
                name = image_name(image)
                keys |= {image, split_image(image)[0], name}
                keys |= {name.split("-", k)[-1] for k in range(1, name.count("-") + 1)}  # tiketi-backend -> backend
            for key in keys:
                self.index.setdefault(key, set()).add(j)

    def for_app(self, app: App, tags: list[str]) -> list[int]:
        keys = set(tags) | {image_name(t) for t in tags}
        keys.add(posixpath.basename(app.folder) if app.folder != "." else "")
        if app.package and app.package.name:
            keys.add(app.package.name.rsplit("/", 1)[-1])
        return sorted({j for key in keys if key for j in self.index.get(key, ())})


def _strength(app: App, tags: list[str], workload: Workload, deployed: set[str]) -> tuple[int, str]:
    if not workload.image:
        return 0, ""
    for tag in tags:
        if tag in deployed or (":" not in tag.rsplit("/", 1)[-1] and any(split_image(d)[0] == tag for d in deployed)):
            return 4, f"runs {tag}, built from {app.dockerfile}"
    built = {image_name(t) for t in tags}
    names = {image_name(d) for d in deployed}
    if built & names:
        return 3, f"runs image {sorted(built & names)[0]}, built from {app.dockerfile}"
    folder = posixpath.basename(app.folder) if app.folder != "." else ""
    package = app.package.name.rsplit("/", 1)[-1] if app.package and app.package.name else ""
    for hint in filter(None, (folder, package)):
        if workload.name == hint or any(n == hint or n.endswith("-" + hint) for n in names):
            return 2, f"named like {app.folder}"
    return 0, ""
