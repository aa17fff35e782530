"""kustomize: the kustomizations of a repository and what each one renders to.

Rendering reads the kustomizations itself, so results never depend on what is installed: resources and bases (files
and folders), configMapGenerator/secretGenerator, strategic-merge and JSON 6902 patches,
namespace, namePrefix/nameSuffix (with the references to renamed ConfigMaps, Secrets and
Services), commonLabels/labels and `images:` rewrites. Either way every rendered object keeps
its origin — the source document it came from and the overlay lines that changed it — so a
finding points at the line a person has to edit, not at generated output. With the opt-in
`check --kubectl-kustomize` (and kubectl on PATH), `kubectl kustomize DIR` renders each overlay
instead as a cross-check, the reader's origins kept: one process per overlay, so it is never the default.
"""
from __future__ import annotations

import copy
import posixpath
import re
import shutil
import subprocess
from dataclasses import field
from typing import Any, Iterator

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from ..parsing import ParseError
from ..parsing.yamldoc import YamlDoc, parse_yaml_documents
from . import k8s
from .imageref import parse_image, with_rewrite

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
KUBECTL_TIMEOUT = 60
# kubectl appends a content hash to generated ConfigMap/Secret names.
_HASH_SUFFIX = re.compile(r"-[a-z0-9]{10}$")
_CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "PriorityClass", "IngressClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
}
KNOWN_FIELDS = {
    "apiVersion", "kind", "metadata", "resources", "bases", "components", "namespace", "namePrefix", "nameSuffix",
    "commonLabels", "labels", "commonAnnotations", "images", "replicas", "patches", "patchesStrategicMerge",
    "patchesJson6902", "configMapGenerator", "secretGenerator", "generatorOptions", "vars", "replacements", "crds",
    "generators", "transformers", "validators", "helmCharts", "helmGlobals", "helmChartInflationGenerator", "openapi",
    "buildMetadata", "sortOptions", "configurations", "inventory",
}
_REMOTE = re.compile(r"^(?:https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/)")


@dataclass(frozen=True)
class ImageRewrite:
    name: str
    new_name: str | None
    new_tag: str | None
    digest: str | None
    location: Location
    kustomization: str

    def describe(self) -> str:
        target = self.new_name or self.name
        if self.digest:
            return f"{self.name} -> {target}@{self.digest}"
        return f"{self.name} -> {target}" + (f":{self.new_tag}" if self.new_tag else "")


@dataclass
class Kustomization:
    path: str
    doc: YamlDoc

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path) or "."

    @property
    def data(self) -> dict:
        return self.doc.data if isinstance(self.doc.data, dict) else {}

    def at(self, *path: Any) -> Location:
        return Location(self.path, self.doc.line(path), self.doc.column(path))

    def entries(self, key: str) -> list[tuple[str, Location]]:
        items = self.data.get(key)
        if not isinstance(items, list):
            return []
        return [(str(item), self.at(key, i)) for i, item in enumerate(items) if isinstance(item, (str, int))]

    def resolve(self, entry: str) -> str:
        return posixpath.normpath(posixpath.join(self.folder, entry))

    @property
    def images(self) -> list[ImageRewrite]:
        found = []
        for i, item in enumerate(self.data.get("images") or []):
            if isinstance(item, dict) and item.get("name"):
                found.append(
                    ImageRewrite(
                        str(item["name"]),
                        _str(item.get("newName")),
                        _str(item.get("newTag")),
                        _str(item.get("digest")),
                        self.at("images", i, "name"),
                        self.path,
                    )
                )
        return found


@dataclass
class Placed(k8s.ObjectFields):
    """A Kubernetes object as one environment deploys it, with where its values come from."""

    data: dict
    origin: k8s.K8sObject | None  # the source document (None for generated objects)
    overrides: dict[tuple, Location] = field(default_factory=dict)  # JSON path -> overlay line that set it
    fallback: Location | None = None  # for values with no better place (generated objects)
    # Generated from a file the repository does not hold (an env file written at deploy time): its keys are unknown.
    partial: bool = False

    def at(self, path: tuple, label: str | None = None) -> Location:
        """Where a person edits `path`: the overlay line that set it, else the source document."""
        path = tuple(path)
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.overrides:
                found = self.overrides[path[:cut]]
                return Location(found.path, found.line, found.column, label=label)
        if self.origin is not None:
            return self.origin.at(path, label)
        fallback = self.fallback or Location("", None)
        return Location(fallback.path, fallback.line, fallback.column, label=label)

    @property
    def display_name(self) -> str:
        """The name without the content hash kubectl gives generated ConfigMaps and Secrets."""
        if self.origin is None and self.kind in ("ConfigMap", "Secret"):
            return _HASH_SUFFIX.sub("", self.name)
        return self.name

    @property
    def source(self) -> str:
        if self.origin is not None:
            return self.origin.path
        return self.fallback.path if self.fallback else ""

    @property
    def identity(self) -> tuple:
        """The source document this object comes from: the same base object in two overlays is one object."""
        if self.origin is not None:
            return (self.origin.path, self.origin.doc.index)
        return (self.kind, self.name, self.fallback.path if self.fallback else "")


@dataclass
class Rendering:
    kustomization: Kustomization
    objects: list[Placed]
    renderer: str  # "kubectl" | "reader"
    files: set[str]  # every file the kustomization reads
    problems: list[tuple[str, Location]]  # (message, where) for resources that cannot be built
    remote: list[Location]  # remote resources that were not fetched


# -- discovery ---------------------------------------------------------------------------------------
def kustomizations(ctx: ScanContext) -> list[Kustomization]:
    return ctx.memo("kustomizations", lambda: list(_discover(ctx)))


def _discover(ctx: ScanContext) -> Iterator[Kustomization]:
    for path in ctx.repo.walk():
        if posixpath.basename(path) in KUSTOMIZATION_FILES:
            docs = k8s.yaml_documents(ctx, path)
            if docs and isinstance(docs[0].data, dict):
                yield Kustomization(path, docs[0])


def kustomization_in(ctx: ScanContext, folder: str) -> Kustomization | None:
    for k in kustomizations(ctx):
        if k.folder == folder:
            return k
    return None


def leaves(ctx: ScanContext) -> list[Kustomization]:
    """Kustomizations no other kustomization includes: the ones that get applied (overlays)."""
    included = set()
    for k in kustomizations(ctx):
        for key in ("resources", "bases", "components"):
            for entry, _ in k.entries(key):
                included.add(k.resolve(entry))
    return [k for k in kustomizations(ctx) if k.folder not in included]


def render(ctx: ScanContext, kustomization: Kustomization) -> Rendering:
    return ctx.memo(("kustomize", kustomization.path), lambda: _render(ctx, kustomization))


def included_files(ctx: ScanContext) -> set[str]:
    """Every file some kustomization reads: such manifests are deployed only through an overlay."""
    files: set[str] = set()
    for k in leaves(ctx):
        files |= render(ctx, k).files
    for k in kustomizations(ctx):
        files.add(k.path)
    return files


def kubectl_available() -> bool:
    return shutil.which("kubectl") is not None


def _render(ctx: ScanContext, kustomization: Kustomization) -> Rendering:
    reader = _Reader(ctx)
    objects = reader.build(kustomization)
    rendering = Rendering(kustomization, objects, "reader", reader.files, reader.problems, reader.remote)
    touched = any(path in reader.files for path in ctx.repo.overlay)
    # kubectl cannot build what needs a file written at deploy time; the reader's rendering stands.
    if ctx.catalogue.kubectl_kustomize and kubectl_available() and not touched and not reader.remote and not reader.deploy_time:
        _with_kubectl(ctx, rendering)
    return rendering


def _with_kubectl(ctx: ScanContext, rendering: Rendering) -> None:
    folder = ctx.repo.root / rendering.kustomization.folder
    try:
        result = subprocess.run(
            ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=KUBECTL_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired):
        return  # the reader's rendering stands
    if result.returncode != 0:
        message = _kubectl_error(result.stderr, str(ctx.repo.root))
        if not rendering.problems:
            rendering.problems.append((f"`kubectl kustomize {rendering.kustomization.folder}` fails: {message}", rendering.kustomization.at()))
        return
    try:
        docs = parse_yaml_documents(result.stdout)
    except ParseError:
        return
    by_key = {}
    for placed in rendering.objects:
        by_key.setdefault(_match_key(placed.kind, placed.name, placed.namespace), placed)
    objects = []
    for doc in docs:
        if not isinstance(doc.data, dict):
            continue
        probe = Placed(doc.data, None)
        mine = by_key.get(_match_key(probe.kind, probe.name, probe.namespace)) or by_key.get(
            _match_key(probe.kind, _HASH_SUFFIX.sub("", probe.name), probe.namespace)
        )
        if mine is None:
            objects.append(Placed(doc.data, None, {}, rendering.kustomization.at()))
        else:
            objects.append(Placed(doc.data, mine.origin, mine.overrides, mine.fallback, mine.partial))
    rendering.objects = objects
    rendering.renderer = "kubectl"


_KLOG = re.compile(r'^[EWI]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="(.*)"$')


def _kubectl_error(stderr: str, root: str) -> str:
    """kubectl's error without klog's timestamp prefix and with repository-relative paths."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip() and not line.startswith("# Warning")]
    text = lines[-1] if lines else ""
    match = _KLOG.match(text)
    if match:
        text = match.group(1)
    text = text.replace('\\"', '"').replace(root + "/", "").replace(root, ".")
    return text[:300] or "no error message"


def _match_key(kind: str, name: str, namespace: str | None) -> tuple:
    return (kind, name, namespace or "")


# -- the reader -----------------------------------------------------------------------------------
class _Reader:
    def __init__(self, ctx: ScanContext):
        self.ctx = ctx
        self.files: set[str] = set()
        self.problems: list[tuple[str, Location]] = []
        self.remote: list[Location] = []
        self.stack: list[str] = []
        self.deploy_time: list[str] = []  # env files absent and gitignored: written when deploying

    def build(self, k: Kustomization) -> list[Placed]:
        if k.path in self.stack:
            self.problems.append((f"{k.path} includes itself (through {' -> '.join(self.stack)})", k.at()))
            return []
        self.stack.append(k.path)
        self.files.add(k.path)
        for key in k.data:
            if key not in KNOWN_FIELDS:
                self.problems.append((f"invalid Kustomization: unknown field {key!r}", k.at(key)))
        objects: list[Placed] = []
        for key in ("resources", "bases", "components"):
            for entry, where in k.entries(key):
                objects.extend(self._resource(k, entry, where))
        self._generators(k, objects)
        self._patches(k, objects)
        self._namespace(k, objects)
        self._names(k, objects)
        self._labels(k, objects)
        self._images(k, objects)
        self.stack.pop()
        return objects

    def _resource(self, k: Kustomization, entry: str, where: Location) -> list[Placed]:
        if _REMOTE.match(entry):
            self.remote.append(where)
            return []
        path = k.resolve(entry)
        repo = self.ctx.repo
        if repo.is_dir(path):
            if _within(k.folder, path):
                self.problems.append((f"resource {entry} is a folder that contains this kustomization; kustomize refuses the cycle", where))
                return []
            sub = kustomization_in(self.ctx, path)
            if sub is None:
                self.problems.append((f"{entry} is a folder without a kustomization.yaml", where))
                return []
            return self.build(sub)
        if not repo.exists(path):
            self.problems.append((f"resource {entry} does not exist ({path})", where))
            return []
        if not _within(path, k.folder):
            self.problems.append((
                f"resource {entry} is a file outside the kustomization's folder; kustomize loads files only from "
                f"{k.folder} and below (list the folder that holds it, with its own kustomization.yaml)",
                where,
            ))
            return []
        self.files.add(path)
        return [Placed(copy.deepcopy(o.data), o) for o in k8s.objects(self.ctx, path)]

    # -- generators ----------------------------------------------------------------------------
    def _generators(self, k: Kustomization, objects: list[Placed]) -> None:
        options = k.data.get("generatorOptions") if isinstance(k.data.get("generatorOptions"), dict) else {}
        for key, kind in (("configMapGenerator", "ConfigMap"), ("secretGenerator", "Secret")):
            for i, gen in enumerate(k.data.get(key) or []):
                if not isinstance(gen, dict) or not gen.get("name"):
                    continue
                problems = len(self.problems)
                missing = len(self.deploy_time)
                values, lines = self._generator_values(k, gen, (key, i))
                partial = len(self.problems) > problems or len(self.deploy_time) > missing
                behavior = str(gen.get("behavior") or "create")
                namespace = gen.get("namespace")
                existing = next((o for o in objects if o.kind == kind and o.name == gen["name"]), None)
                data_key = "data" if kind == "ConfigMap" else "stringData"
                if existing is not None and behavior in ("merge", "replace"):
                    section = existing.data.setdefault(data_key if kind == "ConfigMap" else "stringData", {})
                    if behavior == "replace":
                        section.clear()
                    section.update(values)
                    existing.overrides.update({(data_key, name): loc for name, loc in lines.items()})
                    existing.partial = existing.partial or partial
                    continue
                meta: dict[str, Any] = {"name": str(gen["name"])}
                if namespace:
                    meta["namespace"] = namespace
                labels = {**(options.get("labels") or {}), **(gen.get("options", {}) or {}).get("labels", {})}
                if labels:
                    meta["labels"] = labels
                data = {"apiVersion": "v1", "kind": kind, "metadata": meta, data_key: values}
                if kind == "Secret":
                    data["type"] = str(gen.get("type") or "Opaque")
                overrides = {(data_key, name): loc for name, loc in lines.items()}
                objects.append(Placed(data, None, overrides, k.at(key, i, "name"), partial))

    def _generator_values(self, k: Kustomization, gen: dict, path: tuple) -> tuple[dict, dict]:
        values: dict[str, str] = {}
        lines: dict[str, Location] = {}
        for j, literal in enumerate(gen.get("literals") or []):
            name, sep, value = str(literal).partition("=")
            if sep:
                values[name.strip()] = value.strip().strip("\"'")
                lines[name.strip()] = k.at(*path, "literals", j)
        env_files = list(gen.get("envs") or []) + ([gen["env"]] if gen.get("env") else [])
        for env_file in env_files:
            file = k.resolve(str(env_file))
            self.files.add(file)
            if not _within(file, k.folder):
                self.problems.append((f"env file {env_file} is outside the kustomization's folder {k.folder}", k.at(*path)))
                continue
            source = self.ctx.repo.text(file)
            if source is None and _written_at_deploy_time(self.ctx, file):
                self.deploy_time.append(file)  # its contents are unknown, not missing
                continue
            if source is None:
                self.problems.append((f"env file {env_file} does not exist ({file})", k.at(*path)))
                continue
            for number, line in enumerate(source.lines, 1):
                name, sep, value = line.partition("=")
                if sep and name.strip() and not name.lstrip().startswith("#"):
                    values[name.strip()] = value.strip().strip("\"'")
                    lines[name.strip()] = Location(file, number, 1)
        for j, item in enumerate(gen.get("files") or []):
            name, sep, rel = str(item).partition("=")
            rel = rel if sep else name
            key = name if sep else posixpath.basename(rel)
            file = k.resolve(rel)
            self.files.add(file)
            source = self.ctx.repo.text(file)
            if source is None:
                self.problems.append((f"file {rel} does not exist ({file})", k.at(*path, "files", j)))
                continue
            values[key] = source.text
            lines[key] = k.at(*path, "files", j)
        return values, lines

    # -- patches --------------------------------------------------------------------------------
    def _patches(self, k: Kustomization, objects: list[Placed]) -> None:
        for i, item in enumerate(k.data.get("patchesStrategicMerge") or []):
            if isinstance(item, str):
                self._patch_text_or_file(k, item, None, objects, ("patchesStrategicMerge", i))
        for key in ("patches", "patchesJson6902"):
            for i, item in enumerate(k.data.get(key) or []):
                if not isinstance(item, dict):
                    continue
                target = item.get("target") if isinstance(item.get("target"), dict) else None
                if item.get("path"):
                    self._patch_text_or_file(k, str(item["path"]), target, objects, (key, i, "path"))
                elif item.get("patch"):
                    self._patch_inline(k, str(item["patch"]), target, objects, (key, i, "patch"))

    def _patch_text_or_file(self, k, entry: str, target, objects, where: tuple) -> None:
        if "\n" in entry or entry.lstrip().startswith(("apiVersion", "kind", "-", "{")):
            self._patch_inline(k, entry, target, objects, where)
            return
        file = k.resolve(entry)
        self.files.add(file)
        if not _within(file, k.folder):
            self.problems.append((f"patch {entry} is outside the kustomization's folder; kustomize loads files only from {k.folder} and below", k.at(*where)))
            return
        docs = k8s.yaml_documents(self.ctx, file)
        if docs is None:
            if not self.ctx.repo.exists(file):
                self.problems.append((f"patch file {entry} does not exist ({file})", k.at(*where)))
            return
        for doc in docs:
            self._apply_patch(doc.data, target, objects, lambda p, d=doc, f=file: Location(f, d.line(p), d.column(p)))

    def _patch_inline(self, k, text: str, target, objects, where: tuple) -> None:
        try:
            docs = parse_yaml_documents(text)
        except ParseError:
            self.problems.append(("an inline patch is not valid YAML", k.at(*where)))
            return
        spot = k.at(*where)
        for doc in docs:
            self._apply_patch(doc.data, target, objects, lambda p, s=spot: s)

    def _apply_patch(self, patch: Any, target: dict | None, objects: list[Placed], locate) -> None:
        if isinstance(patch, list):  # JSON 6902 operations
            for placed in self._targets(objects, target):
                for i, op in enumerate(patch):
                    if isinstance(op, dict):
                        _json_patch(placed, op, locate((i,)))
            return
        if not isinstance(patch, dict):
            return
        meta = patch.get("metadata") if isinstance(patch.get("metadata"), dict) else {}
        selector = target or {"kind": patch.get("kind"), "name": meta.get("name")}
        for placed in self._targets(objects, selector):
            body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
            if target is not None and isinstance(body.get("metadata"), dict):
                body["metadata"] = {k: v for k, v in body["metadata"].items() if k != "name"}
            _merge(placed, placed.data, body, (), (), locate)

    @staticmethod
    def _targets(objects: list[Placed], target: dict | None) -> list[Placed]:
        if not target:
            return []
        found = []
        for placed in objects:
            if target.get("kind") and placed.kind != target["kind"]:
                continue
            if target.get("name") and not _name_matches(str(target["name"]), placed.name):
                continue
            if target.get("namespace") and placed.namespace != target["namespace"]:
                continue
            found.append(placed)
        return found

    # -- namespace, names, labels, images -----------------------------------------------------
    def _namespace(self, k: Kustomization, objects: list[Placed]) -> None:
        namespace = k.data.get("namespace")
        if not namespace:
            return
        for placed in objects:
            if placed.kind not in _CLUSTER_SCOPED:
                placed.data.setdefault("metadata", {})["namespace"] = str(namespace)
                placed.overrides[("metadata", "namespace")] = k.at("namespace")

    def _names(self, k: Kustomization, objects: list[Placed]) -> None:
        prefix, suffix = str(k.data.get("namePrefix") or ""), str(k.data.get("nameSuffix") or "")
        if not prefix and not suffix:
            return
        renamed: dict[tuple[str, str], str] = {}
        for placed in objects:
            if placed.kind in ("Namespace", "CustomResourceDefinition") or not placed.name:
                continue
            new = prefix + placed.name + suffix
            renamed[(placed.kind, placed.name)] = new
            placed.data["metadata"]["name"] = new
        for placed in objects:
            _rename_references(placed.data, renamed)

    def _labels(self, k: Kustomization, objects: list[Placed]) -> None:
        common = k.data.get("commonLabels") if isinstance(k.data.get("commonLabels"), dict) else {}
        sets = [(common, True, True, ("commonLabels",))] if common else []
        for i, item in enumerate(k.data.get("labels") or []):
            if isinstance(item, dict) and isinstance(item.get("pairs"), dict):
                sets.append((item["pairs"], bool(item.get("includeSelectors")), bool(item.get("includeTemplates") or item.get("includeSelectors")), ("labels", i)))
        for pairs, selectors, templates, where in sets:
            pairs = {str(a): str(b) for a, b in pairs.items()}
            location = k.at(*where)
            for placed in objects:
                _add_labels(placed, ("metadata", "labels"), pairs, location)
                if templates and isinstance(placed.get("spec", "template"), dict):
                    _add_labels(placed, ("spec", "template", "metadata", "labels"), pairs, location)
                if selectors:
                    if placed.kind == "Service" and isinstance(placed.get("spec"), dict):
                        _add_labels(placed, ("spec", "selector"), pairs, location)
                    elif isinstance(placed.get("spec", "template"), dict):
                        _add_labels(placed, ("spec", "selector", "matchLabels"), pairs, location)

    def _images(self, k: Kustomization, objects: list[Placed]) -> None:
        rewrites = k.images
        if not rewrites:
            return
        for placed in objects:
            for path, container in containers_of(placed.data):
                image = parse_image(str(container.get("image") or ""))
                if image is None:
                    continue
                for rewrite in rewrites:
                    if image.name == rewrite.name:
                        container["image"] = with_rewrite(image, rewrite.new_name, rewrite.new_tag, rewrite.digest).text
                        placed.overrides[path + ("image",)] = rewrite.location
                        break


# -- helpers ------------------------------------------------------------------------------------
def containers_of(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """(JSON path, container) of every container and init container anywhere in an object."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("containers", "initContainers", "ephemeralContainers") and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        yield path + (key, i), item
            elif isinstance(value, (dict, list)):
                yield from containers_of(value, path + (key,))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from containers_of(item, path + (i,))


def _merge(placed: Placed, target: dict, patch: dict, target_path: tuple, patch_path: tuple, locate) -> None:
    """Strategic merge: maps merge, lists of named items merge by name (port lists by port)."""
    for key, value in patch.items():
        here, there = target_path + (key,), patch_path + (key,)
        current = target.get(key)
        if value is None:
            target.pop(key, None)
            placed.overrides[here] = locate(there)
        elif isinstance(value, dict) and isinstance(current, dict):
            _merge(placed, current, value, here, there, locate)
        elif isinstance(value, list) and isinstance(current, list) and _merge_key(value):
            merge_key = _merge_key(value)
            for j, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                index = next(
                    (n for n, old in enumerate(current) if isinstance(old, dict) and old.get(merge_key) == item.get(merge_key)),
                    None,
                )
                if index is None:
                    current.append(copy.deepcopy(item))
                    placed.overrides[here + (len(current) - 1,)] = locate(there + (j,))
                else:
                    _merge(placed, current[index], item, here + (index,), there + (j,), locate)
        else:
            target[key] = copy.deepcopy(value)
            placed.overrides[here] = locate(there)


def _merge_key(items: list) -> str | None:
    for key in ("name", "containerPort", "port", "mountPath", "ip"):
        if items and all(isinstance(i, dict) and key in i for i in items):
            return key
    return None


def _json_patch(placed: Placed, op: dict, where: Location) -> None:
    kind, pointer = str(op.get("op", "")), str(op.get("path", ""))
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if not parts:
        return
    parent: Any = placed.data
    path: list = []
    for part in parts[:-1]:
        key = int(part) if isinstance(parent, list) and part.isdigit() else part
        try:
            parent = parent[key]
        except (KeyError, IndexError, TypeError):
            return
        path.append(key)
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else (int(last) if last.isdigit() else None)
        if index is None:
            return
        if kind == "add":
            parent.insert(index, copy.deepcopy(op.get("value")))
        elif kind == "replace" and index < len(parent):
            parent[index] = copy.deepcopy(op.get("value"))
        elif kind == "remove" and index < len(parent):
            parent.pop(index)
        placed.overrides[tuple(path) + (index,)] = where
    elif isinstance(parent, dict):
        if kind in ("add", "replace"):
            parent[last] = copy.deepcopy(op.get("value"))
        elif kind == "remove":
            parent.pop(last, None)
        placed.overrides[tuple(path) + (last,)] = where


def _rename_references(data: Any, renamed: dict[tuple[str, str], str]) -> None:
    """Point references at renamed ConfigMaps, Secrets and Services, as kustomize does."""
    refs = {
        "configMapRef": "ConfigMap", "configMapKeyRef": "ConfigMap", "configMap": "ConfigMap",
        "secretRef": "Secret", "secretKeyRef": "Secret",
    }
    if isinstance(data, dict):
        for key, value in data.items():
            if key in refs and isinstance(value, dict) and isinstance(value.get("name"), str):
                value["name"] = renamed.get((refs[key], value["name"]), value["name"])
            elif key == "secret" and isinstance(value, dict) and isinstance(value.get("secretName"), str):
                value["secretName"] = renamed.get(("Secret", value["secretName"]), value["secretName"])
            elif key == "service" and isinstance(value, dict) and isinstance(value.get("name"), str):
                value["name"] = renamed.get(("Service", value["name"]), value["name"])
            elif key == "serviceName" and isinstance(value, str):
                data[key] = renamed.get(("Service", value), value)
            elif key == "scaleTargetRef" and isinstance(value, dict) and isinstance(value.get("name"), str):
                value["name"] = renamed.get((str(value.get("kind")), value["name"]), value["name"])
            else:
                _rename_references(value, renamed)
    elif isinstance(data, list):
        for item in data:
            _rename_references(item, renamed)


def _add_labels(placed: Placed, path: tuple, pairs: dict, location: Location) -> None:
    node: Any = placed.data
    for key in path:
        if not isinstance(node, dict):
            return
        node = node.setdefault(key, {})
        if node is None:
            return
    if isinstance(node, dict):
        for name, value in pairs.items():
            node[name] = value
            placed.overrides[path + (name,)] = location


def _written_at_deploy_time(ctx: ScanContext, path: str) -> bool:
    """An absent file that .gitignore excludes: a deploy step writes it (azd writes an overlay's
    .env), so a fresh clone never has it and that is no fault."""
    from ..files import _folder_rules  # the run's .gitignore rules, read once per folder

    if ctx.repo.exists(path):
        return False
    folder = path
    while folder not in ("", "."):
        folder = posixpath.dirname(folder)
        ignore = _folder_rules(ctx, folder or ".")[0]
        inner = path[len(folder) + 1:] if folder else path
        if ignore is not None and ignore.match_file(inner):
            return True
    return False


def _within(path: str, folder: str) -> bool:
    return folder == "." and not path.startswith("..") or path == folder or path.startswith(folder.rstrip("/") + "/")


def _name_matches(pattern: str, name: str) -> bool:
    if pattern == name:
        return True
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error:
        return False


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
