"""Repository-wide facts: the system's name, kind cluster and namespace, shared packages, guides, scripts, config files."""
from __future__ import annotations

import posixpath
import re
from collections import Counter
from pathlib import Path

from ..model import Location
from ..repo import RepoView
from .apps import App, sanitize
from .cluster import ClusterIndex
from .inventory import Inventory
from .model import Fact
from ..parsing import load_json

GUIDE_NAME = re.compile(
    r"^(?:README|QUICK[_-]?START|GETTING[_-]?STARTED|SETUP|INSTALL(?:ATION)?|DEPLOY(?:MENT)?|RUNBOOK|"
    r"LOCAL[_-]?DEV(?:ELOPMENT)?|DEVELOPMENT|TROUBLESHOOTING)(?:[_-][\w-]*)?\.md$",
    re.IGNORECASE,
)
PACKAGE_NAME = re.compile(r"^(@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*$")
NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_KIND_NAME = re.compile(
    r"\bkind(?:\.exe)?\s+(?:create\s+cluster|load\s+docker-image|load\s+image-archive|delete\s+cluster)\b[^\n]*?"
    r"--name[= ]+[\"']?([a-z0-9][-a-z0-9.]*)"
)
_APPLY_K = re.compile(r"\b(?:kubectl\s+apply\s+-k|kustomize\s+build)\s+[\"']?([\w./-]+)")
_OVERLAYS = ("dev", "local", "kind")


def system_name(repo: RepoView, root: Path) -> str:
    """The root package.json's name, else the folder's."""
    name = _json(repo, "package.json").get("name")
    return (name if isinstance(name, str) and name else root.name).split("/")[-1] or "system"


def kind_cluster(inventory: Inventory, cluster: ClusterIndex, root: Path) -> Fact[str]:
    """The kind config's `name:`, else `--name` of a kind command in a script or guide, else the folder's name."""
    for config in cluster.kind_configs:
        name = config.get("name")
        if isinstance(name, str) and name:
            return Fact(name, _where(config.at(("name",), f"name: {name}")))
    for path, number, line in _lines(inventory):
        match = _KIND_NAME.search(line)
        if match:
            return Fact(match.group(1), f"{path}:{number} ({line.strip()[:100]})")
    return Fact(sanitize(root.name), "", [f"no kind config or `kind create cluster --name` found; named after the folder {root.name}"])


def namespace(inventory: Inventory, cluster: ClusterIndex) -> Fact[str]:
    fact = _namespace(inventory, cluster)
    if not NAMESPACE.fullmatch(fact.value):
        return Fact("default", fact.source, [f"{fact.value!r} is not a namespace name (templated?); using default"])
    return fact


def _namespace(inventory: Inventory, cluster: ClusterIndex) -> Fact[str]:
    """The namespace of the kustomization a script applies, else of a dev/local/kind overlay, else the one
    Namespace object, else the workloads' most common one."""
    kustomizations = {k.folder: k for k in cluster.kustomizations}
    for path, number, line in _lines(inventory):
        for target in _APPLY_K.findall(line):
            kustomization = kustomizations.get(posixpath.normpath(target.rstrip("/")))
            if kustomization is not None and isinstance(kustomization.data.get("namespace"), str):
                return Fact(kustomization.data["namespace"], f"{kustomization.path} (applied at {path}:{number})")
    for folder, kustomization in sorted(kustomizations.items()):
        if posixpath.basename(folder) in _OVERLAYS and isinstance(kustomization.data.get("namespace"), str):
            return Fact(kustomization.data["namespace"], f"{kustomization.path} (the {posixpath.basename(folder)} overlay)")
    namespaces = [n for n in cluster.namespaces if not n.name.startswith("kube-")]
    if len(namespaces) == 1:
        return Fact(namespaces[0].name, _where(namespaces[0].at(("metadata", "name"), f"Namespace {namespaces[0].name}")))
    counts = Counter(w.obj.get("metadata", "namespace") for w in cluster.workloads if w.obj.get("metadata", "namespace"))
    if counts:
        value = str(counts.most_common(1)[0][0])
        return Fact(value, "metadata.namespace of the workloads", [] if len(counts) == 1 else [f"the workloads use {len(counts)} namespaces"])
    for kustomization in cluster.kustomizations:
        if isinstance(kustomization.data.get("namespace"), str):
            return Fact(kustomization.data["namespace"], kustomization.path)
    return Fact("default", "", ["no namespace found in the manifests"])


def local_packages(inventory: Inventory, app_folders: set[str]) -> dict[str, str]:
    """Package name -> folder of every package.json in the repository that is not an application's (nor the root)."""
    found: dict[str, str] = {}
    for path in inventory.package_jsons:
        folder = posixpath.dirname(path) or "."
        if folder in app_folders or folder == ".":
            continue
        name = _json(inventory.repo, path).get("name")
        if isinstance(name, str):
            found.setdefault(name, folder)
    return found


def packages_used(app: App, local: dict[str, str]) -> list[str]:
    """Folders of the local packages an application depends on (`file:` specs or workspace names)."""
    pkg = app.package
    if pkg is None:
        return []
    used = []
    base = posixpath.dirname(pkg.path)
    for section in ("dependencies", "devDependencies", "peerDependencies"):
        for name, dep in pkg.section(section).items():
            if dep.spec.startswith("file:"):
                used.append(posixpath.normpath(posixpath.join(base, dep.spec[5:])))
            elif name in local:
                used.append(local[name])
    return list(dict.fromkeys(used))


def shared_packages(apps: list[App], local: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, folder, where an application declares it) of the local packages applications use."""
    by_folder = {folder: name for name, folder in local.items()}
    found: dict[str, tuple[str, str, str]] = {}
    for app in apps:
        for folder in packages_used(app, local):
            name = by_folder.get(folder)
            if name and PACKAGE_NAME.match(name) and name not in found:
                dep = app.package.declared(name)
                found[name] = (name, folder, f"{app.package.path}:{dep.line} ({dep.spec})" if dep else "")
    return sorted(found.values())


def docs(inventory: Inventory) -> list[str]:
    """README and setup guides at the root, and everything under docs/ (not change logs or fault lists)."""
    found = [p for p in inventory.markdown if "/" not in p and GUIDE_NAME.match(p)]
    if any(p.startswith("docs/") for p in inventory.markdown):
        found.append("docs/**/*.md")
    return sorted(found, key=lambda p: (p != "README.md", p))


def scripts(inventory: Inventory, sources: list[str]) -> list[str]:
    """`folder/*.ext` for every folder of shell, PowerShell and batch scripts outside the applications' code."""
    sources = [s for s in sources if s != "."]
    patterns: list[str] = []
    for path in inventory.scripts:
        if any(path.startswith(s + "/") for s in sources):
            continue
        folder, suffix = posixpath.dirname(path), posixpath.splitext(path)[1]
        pattern = f"{folder}/*{suffix}" if folder else f"*{suffix}"
        if pattern not in patterns:
            patterns.append(pattern)
    return patterns


def config_files(inventory: Inventory, configmap_files: list[str], env_files: list[str]) -> list[str]:
    """ConfigMaps the applications load, compose files, and every env example file by name."""
    files = list(dict.fromkeys(configmap_files + inventory.compose_files))
    return files + [f"**/{name}" for name in sorted({posixpath.basename(f) for f in env_files})]


def _lines(inventory: Inventory):
    for path in inventory.scripts + inventory.markdown:
        source = inventory.repo.text(path)
        for number, line in enumerate(source.lines if source else [], 1):
            yield path, number, line


def _json(repo: RepoView, path: str) -> dict:
    source = repo.text(path) if repo.exists(path) else None
    try:
        data = load_json(source.text) if source else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _where(location: Location) -> str:
    text = f"{location.path}:{location.line}" if location.line else location.path
    return f"{text} ({location.label})" if location.label else text
