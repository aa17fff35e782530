"""The service catalogue: load, merge with the built-in one, validate, and query."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import manifests

from .parsing import ParseError
from .parsing.yamldoc import YamlDoc, parse_yaml_documents

REPO_CATALOGUE_NAMES = ("tiketi-doctor.yaml", "tiketi-doctor.yml", ".tiketi-doctor.yaml")
BUILTIN = "tiketi"


@dataclass(frozen=True)
class CatalogueProblem:
    file: str
    line: int | None
    json_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.json_path}: {self.message}"


class CatalogueError(Exception):
    def __init__(self, problems: list[CatalogueProblem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Ignore:
    code: str
    reason: str


@dataclass(frozen=True)
class Component:
    name: str
    role: str
    port: int | None = None
    image: str | None = None
    build_context: str | None = None
    dockerfile: str | None = None
    package_json: str | None = None
    source: str | None = None
    env_file: str | None = None
    manifests: tuple[str, ...] = ()
    deployment: str | None = None
    k8s_service: str | None = None
    health: str | None = None
    readiness: str | None = None
    url_env: str | None = None
    url_default: str | None = None
    routes: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    ignores: tuple[Ignore, ...] = ()
    # Where the component is declared: (catalogue file, line), for findings about it.
    declared_at: tuple[str, int | None] = ("", None)

    @property
    def hostnames(self) -> set[str]:
        """Names other components may use to reach this one (Service DNS name and variants)."""
        names = {self.name}
        if self.k8s_service:
            names.add(self.k8s_service)
        return names

    @property
    def is_app(self) -> bool:
        return self.role != "infrastructure"


@dataclass(frozen=True)
class Cluster:
    kind_cluster: str = "tiketi-local"
    namespace: str = "tiketi"
    context: str = "kind-tiketi-local"


TARGET_TYPES = ("kind", "registry", "gitops")


@dataclass(frozen=True)
class Target:
    """Where heal deploys (the catalogue's `target:`); kind when the catalogue says nothing."""

    type: str = "kind"
    registry: str | None = None  # registry[/path] images are pushed to (registry, gitops)
    application: str | None = None  # the Argo CD Application (gitops)
    application_namespace: str = "argocd"
    overlay: str | None = None  # kustomize overlay folder with the images: entries (gitops)
    values: str | None = None  # or a Helm values file (gitops)
    values_key: str = "{component}.image.tag"
    branch: str | None = None  # default: the branch the Application tracks
    remote: str | None = None  # pushed to after the commit when set


@dataclass
class Catalogue:
    name: str
    components: list[Component]
    cluster: Cluster
    target: Target = field(default_factory=Target)
    shared_packages: dict[str, str] = field(default_factory=dict)  # package name -> path
    docs: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    config_files: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int | None = None  # None: the repository view's default limit
    source: str = ""  # where it was loaded from, for messages
    origin: str = "builtin"  # builtin | repository | file | discovered
    # Said to the user with the results (e.g. that the catalogue was discovered, not read).
    notes: tuple[str, ...] = ()
    # JSON path (tuple) -> line, for pointing findings at catalogue entries.
    lines: dict[tuple, int] = field(default_factory=dict)
    # A run option (`check --kubectl-kustomize`), not read from the file: render kustomizations with
    # `kubectl kustomize` as a cross-check instead of the built-in reader alone.
    kubectl_kustomize: bool = field(default=False, compare=False)
    _indexes: dict = field(default_factory=dict, repr=False, compare=False)

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)

    def by_host(self, host: str) -> Component | None:
        host = host.split(".", 1)[0]  # ticket-service.tiketi.svc.cluster.local -> ticket-service
        return self._index("hosts").get(host)

    def by_port(self, port: int) -> list[Component]:
        return self._index("ports").get(port, [])

    def _index(self, kind: str) -> dict:
        """Lookups used once per string literal or port place: built once, not scanned each time."""
        if kind not in self._indexes:
            if kind == "hosts":
                index: dict = {}
                for c in self.components:
                    for name in sorted(c.hostnames):
                        index.setdefault(name, c)
            else:
                index = {}
                for c in self.components:
                    if c.port is not None:
                        index.setdefault(c.port, []).append(c)
            self._indexes[kind] = index
        return self._indexes[kind]

    def owner_of_route(self, path: str) -> Component | None:
        best: tuple[int, Component] | None = None
        for component in self.components:
            for prefix in component.routes:
                if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                    if best is None or len(prefix) > best[0]:
                        best = (len(prefix), component)
        return best[1] if best else None

    @property
    def apps(self) -> list[Component]:
        return [c for c in self.components if c.is_app]


def load_builtin(name: str) -> Catalogue:
    path = manifests.builtin_catalogue(name)
    if path is None:
        raise CatalogueError([CatalogueProblem("<builtin>", None, "$.extends", f"no built-in catalogue named {name!r}")])
    # Built-in catalogues ship with the tool and are schema-validated by its test suite;
    # skipping jsonschema here keeps it off the start-up path (about 100 ms).
    return load_catalogue(path, origin="builtin", display=f"<builtin:{name}>", trusted=True)


def load_catalogue(path: Path, origin: str = "file", display: str | None = None, trusted: bool = False) -> Catalogue:
    display = display or str(path)
    doc = _read_yaml(path, display)
    data = doc.data
    sources: dict[tuple, tuple[str, YamlDoc]] = {}
    if isinstance(data, dict) and isinstance(data.get("extends"), str):
        base_path = manifests.builtin_catalogue(data["extends"])
        if base_path is None:
            raise CatalogueError(
                [CatalogueProblem(display, doc.line(("extends",)), "$.extends", f"no built-in catalogue named {data['extends']!r}")]
            )
        base = _read_yaml(base_path, f"<builtin:{data['extends']}>")
        data, sources = _merge(base, doc, display, f"<builtin:{data['extends']}>")
    if not trusted:
        validate(data, display, doc, sources)
    return _build(data, display, origin, doc, sources)


def load_catalogue_text(text: str, display: str, origin: str) -> Catalogue:
    """A catalogue held in memory (a discovered one), validated like a file."""
    doc = _parse_yaml_text(text, display)
    validate(doc.data, display, doc)
    return _build(doc.data, display, origin, doc, {})


def _read_yaml(path: Path, display: str) -> YamlDoc:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogueError([CatalogueProblem(display, None, "$", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([CatalogueProblem(display, None, "$", f"cannot read: {exc}")]) from None
    return _parse_yaml_text(text, display)


def _parse_yaml_text(text: str, display: str) -> YamlDoc:
    try:
        docs = parse_yaml_documents(text)
    except ParseError as exc:
        raise CatalogueError([CatalogueProblem(display, exc.line, "$", str(exc))]) from None
    if len(docs) != 1:
        raise CatalogueError([CatalogueProblem(display, None, "$", f"expected one YAML document, found {len(docs)}")])
    return docs[0]


def _merge(base: YamlDoc, overlay: YamlDoc, overlay_name: str, base_name: str):
    """Overlay on base: components merge by name, mappings merge, other values replace.

    Returns the merged data and, per merged component index, which file and index it came from
    (so validation errors still point at the right file and line).
    """
    merged = dict(base.data)
    for key, value in overlay.data.items():
        if key == "components" and isinstance(value, list):
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    components = [dict(c) if isinstance(c, dict) else c for c in base.data.get("components", [])]
    sources = {("components", i): (base_name, base, ("components", i)) for i in range(len(components))}
    for j, item in enumerate(overlay.data.get("components", []) or []):
        name = item.get("name") if isinstance(item, dict) else None
        index = next((i for i, c in enumerate(components) if isinstance(c, dict) and c.get("name") == name), None)
        if index is None:
            components.append(item)
            index = len(components) - 1
        else:
            components[index] = {**components[index], **item}
        sources[("components", index)] = (overlay_name, overlay, ("components", j))
    merged["components"] = components
    return merged, sources


def _locate(path: tuple, display: str, doc: YamlDoc, sources: dict) -> tuple[str, int | None]:
    if len(path) >= 2 and path[:2] in sources:
        name, source_doc, source_path = sources[path[:2]]
        line = source_doc.line(source_path + tuple(path[2:]))
        return name, line
    return display, doc.line(path)


def validate(data: Any, display: str, doc: YamlDoc, sources: dict | None = None) -> None:
    """Schema validation plus the rules a schema cannot say; raises CatalogueError listing all."""
    sources = sources or {}
    problems = [] if _fast_validator()(data) else _schema_problems(data, display, doc, sources)
    if not problems:
        problems.extend(_semantic_problems(data, display, doc, sources))
    if problems:
        raise CatalogueError(problems)


def _schema() -> dict:
    return json.loads(manifests.path("catalogue.schema.json").read_text(encoding="utf-8"))


@functools.cache
def _fast_validator() -> Callable[[Any], bool]:
    """Whether data is valid, by fastjsonschema: the schema compiled to Python, ten times quicker
    than jsonschema on a large catalogue, and jsonschema's import is kept off the common path.
    It stops at the first error, so an invalid catalogue is re-validated by jsonschema to list
    every problem. The schema keeps to keywords both implement alike (tests/test_catalogue_schema.py)."""
    import fastjsonschema

    compiled = fastjsonschema.compile(_schema())

    def valid(data: Any) -> bool:
        try:
            compiled(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return valid


def _schema_problems(data: Any, display: str, doc: YamlDoc, sources: dict) -> list[CatalogueProblem]:
    """Every schema violation, with the file and line it comes from."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        file, line = _locate(path, display, doc, sources)
        problems.append(CatalogueProblem(file, line, _json_path(path), _describe(error)))
    return problems


def _semantic_problems(data: dict, display: str, doc: YamlDoc, sources: dict) -> list[CatalogueProblem]:
    problems = []
    components = data["components"]
    names: dict[str, int] = {}
    ports: dict[int, str] = {}
    routes: dict[str, str] = {}

    def add(index: int, key: str, message: str) -> None:
        path = ("components", index, key)
        file, line = _locate(path, display, doc, sources)
        problems.append(CatalogueProblem(file, line, _json_path(path), message))

    for i, comp in enumerate(components):
        if comp["name"] in names:
            add(i, "name", f"component {comp['name']!r} is declared twice (first at index {names[comp['name']]})")
        names.setdefault(comp["name"], i)
        port = comp.get("port")
        if port is not None:
            if port in ports:
                add(i, "port", f"port {port} is already claimed by {ports[port]}")
            ports.setdefault(port, comp["name"])
        for prefix in comp.get("routes", []):
            if prefix in routes:
                add(i, "routes", f"route prefix {prefix} is already owned by {routes[prefix]}")
            routes.setdefault(prefix, comp["name"])
    for i, comp in enumerate(components):
        for dep in comp.get("depends_on", []):
            if dep not in names:
                add(i, "depends_on", f"depends on unknown component {dep!r}")
    problems.extend(_target_problems(data.get("target"), display, doc, sources))
    return problems


def _target_problems(target: dict | None, display: str, doc: YamlDoc, sources: dict) -> list[CatalogueProblem]:
    """What each target type needs beyond the schema: a registry to push to, and where the tag lives in Git."""
    if not target:
        return []
    needed = {"registry": ("registry",), "gitops": ("registry", "application")}.get(target["type"], ())
    problems = []
    for key in needed:
        if key not in target:
            file, line = _locate(("target", "type"), display, doc, sources)
            problems.append(CatalogueProblem(file, line, f"$.target.{key}", f"a {target['type']} target needs {key}"))
    if target["type"] == "gitops" and ("overlay" in target) == ("values" in target):
        file, line = _locate(("target", "type"), display, doc, sources)
        problems.append(CatalogueProblem(file, line, "$.target", "a gitops target names exactly one of overlay (kustomize) or values (Helm)"))
    return problems


def _describe(error) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s) not allowed")
    if error.validator == "pattern" and "relative to the repository" in error.schema.get("description", ""):
        return f"{error.instance!r} must be a path relative to the repository that does not leave it"
    return error.message


def _json_path(path: tuple) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _build(data: dict, display: str, origin: str, doc: YamlDoc, sources: dict) -> Catalogue:
    components = []
    lines = {}
    for i, raw in enumerate(data["components"]):
        file, line = _locate(("components", i), display, doc, sources)
        build = raw.get("build") or {}
        components.append(
            Component(
                name=raw["name"],
                role=raw["role"],
                port=raw.get("port"),
                image=raw.get("image"),
                build_context=build.get("context"),
                dockerfile=build.get("dockerfile"),
                package_json=raw.get("package_json"),
                source=raw.get("source"),
                env_file=raw.get("env_file"),
                manifests=tuple(raw.get("manifests", ())),
                deployment=raw.get("deployment"),
                k8s_service=raw.get("k8s_service"),
                health=raw.get("health"),
                readiness=raw.get("readiness"),
                url_env=raw.get("url_env"),
                url_default=raw.get("url_default"),
                routes=tuple(raw.get("routes", ())),
                depends_on=tuple(raw.get("depends_on", ())),
                ignores=tuple(Ignore(x["code"], x["reason"]) for x in raw.get("ignore", ())),
                declared_at=(file, line),
            )
        )
        for key in raw:
            lines[(raw["name"], key)] = _locate(("components", i, key), display, doc, sources)[1] or line
    return Catalogue(
        name=data["name"],
        components=components,
        cluster=Cluster(**(data.get("cluster") or {})),
        target=Target(**(data.get("target") or {})),
        shared_packages={p["name"]: p["path"] for p in data.get("shared_packages", ())},
        docs=tuple(data.get("docs", ())),
        scripts=tuple(data.get("scripts", ())),
        config_files=tuple(data.get("config_files", ())),
        exclude=tuple(data.get("exclude", ())),
        max_file_bytes=data.get("max_file_bytes"),
        source=display,
        origin=origin,
        lines=lines,
    )
