"""KUBE004-KUBE005: manifests checked against the official Kubernetes schemas.

`kubectl apply` validates strictly since Kubernetes 1.27: an unknown field (`valu:` for `value:`,
`port:` for `ports:`), a field one level too deep or too shallow, or a value of the wrong type
makes the whole apply fail, and an apiVersion that is no longer served is refused outright. The
schemas come from `kubernetes-validate` (the OpenAPI schemas of every Kubernetes release, as JSON
Schema). Custom resources, templates (Helm, figit) and kustomize patches are not judged where the
schema cannot apply: a CRD's kind has no schema here, a template's values are unknown, and a patch
is a partial object by design.
"""
from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any, Iterable

from tiketi_doctor.analysis.environments import manifest_files
from tiketi_doctor.analysis.k8s import yaml_documents
from tiketi_doctor.analysis.kustomize import kustomizations
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.yamldoc import YamlDoc

# API groups that Kubernetes itself serves: a kind there without a schema is a removed version.
_BUILTIN_GROUP = re.compile(r"^(?:v1|[a-z0-9]+/v\w+|[a-z0-9.]+\.k8s\.io/v\w+)$")
_PATCH_KEYS = ("patchesStrategicMerge", "patches", "patchesJson6902")


@cache
def _schemas() -> tuple[str, str]:
    """(schema folder, Kubernetes version) of the newest strict schemas kubernetes-validate ships."""
    from kubernetes_validate import utils

    version = utils.latest_version()  # "1.37.0"
    return f"kubernetes-json-schema/v{version}-local-strict", utils.major_minor(version)


@cache
def _definitions_json() -> dict:
    """The shared definitions every kind's schema refers to, read once per run (1.8 MB)."""
    return _load(f"{_schemas()[0]}/_definitions.json")


@cache
def _definitions() -> Any:
    """The same definitions as a registry for the validators."""
    from referencing import Registry, Resource

    return Resource.from_contents(_definitions_json()) @ Registry()


def _load(name: str) -> Any:
    from kubernetes_validate import utils

    try:
        return utils.schema_contents(name, _schemas()[1])
    except utils.VersionNotSupportedError as exc:  # the folder is missing: an incomplete install
        raise FileNotFoundError(name) from exc


@cache
def _validator(kind: str, api_version: str):
    """A validator for kind/apiVersion, or None when no schema exists for it."""
    import jsonschema
    from referencing import Resource

    folder, _ = _schemas()
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = _load(f"{folder}/{kind.lower()}-{group}.json")
    except (FileNotFoundError, OSError, ValueError):
        return None
    registry = Resource.from_contents(schema) @ _definitions()
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


@cache
def _schema_stems() -> tuple[str, ...]:
    """`<kind>-<group>-<version>` of every schema file (`deployment-apps-v1`), listed once per run."""
    import importlib.resources

    folder, _ = _schemas()
    names = importlib.resources.files("kubernetes_validate").joinpath(folder).iterdir()
    return tuple(sorted(n.name.removesuffix(".json") for n in names if n.name.endswith(".json") and not n.name.startswith("_")))


@cache
def _served_kinds() -> frozenset[str]:
    """Lower-case kinds that some built-in API version serves today."""
    return frozenset(stem.split("-", 1)[0] for stem in _schema_stems())


def _patch_files(ctx: ScanContext) -> set[str]:
    """Files that kustomizations use as patches: partial objects, not whole manifests."""
    patches: set[str] = set()
    for kustomization in kustomizations(ctx):
        for key in _PATCH_KEYS:
            for item in kustomization.data.get(key) or []:
                entry = item.get("path") if isinstance(item, dict) else item
                if isinstance(entry, str) and "\n" not in entry:
                    patches.add(kustomization.resolve(entry))
    return patches


def _objects(ctx: ScanContext) -> Iterable[tuple[str, YamlDoc, dict]]:
    patches = _patch_files(ctx)
    for path in manifest_files(ctx):
        if path in patches:
            continue
        for doc, data in _object_docs(yaml_documents(ctx, path) or []):
            yield path, doc, data


def _object_docs(docs: list[YamlDoc]) -> Iterable[tuple[YamlDoc, dict]]:
    for doc in docs:
        data = doc.data
        if getattr(doc, "template", False) or getattr(doc, "opaque", False) or not isinstance(data, dict):
            continue  # a template's values are unknown until it is rendered
        if isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str) and data["kind"] != "List":
            yield doc, data


def _schema_errors(ctx: ScanContext, path: str) -> dict[int, list | None]:
    """The schema errors of each object of a file, by document index, ordered by where they are;
    None for an object no schema exists for. A pure function of the file's text, so it goes
    through the shared parses (RepoView.parsed): a file validated once (an earlier fix round, an
    earlier scan in this process) is not validated again."""

    def validate(_source) -> dict[int, list | None]:
        found: dict[int, list | None] = {}
        for doc, data in _object_docs(yaml_documents(ctx, path) or []):
            validator = _validator(data["kind"], data["apiVersion"])
            found[doc.index] = None if validator is None else sorted(
                validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
        return found

    return ctx.repo.parsed("kube-schema-errors", path, validate) or {}


def _where(path: str, doc: YamlDoc, json_path: tuple, label: str) -> Location:
    return Location(path, doc.line(json_path), doc.column(json_path), label=label)


def _dotted(json_path: tuple) -> str:
    text = ""
    for part in json_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or Msg("(top level)")


@facts
class SchemaFacts(Facts):
    """KUBE004: the field the schema refuses, and what is wrong with it: unknown (with the allowed
    names), of another type, missing, or a value out of its enum. Unset ones are left out of the params."""

    field: str
    unknown: str | None = None
    allowed: tuple[str, ...] | None = None
    expected: str | None = None
    missing: str | None = None
    value: str | None = None

    def params(self):
        return {k: v for k, v in super().params().items() if v is not None or k == "field"}


@facts
class ApiVersionFacts(Facts):
    """KUBE005: the kind, the removed apiVersion, and the versions that serve it now."""

    kind: str
    api_version: str
    served: str = ""


class ManifestSchemaInvalid(Check):
    code = "KUBE004"
    name = "manifest-schema-invalid"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A manifest field is unknown, misplaced or of the wrong type for its kind (checked against the official Kubernetes schema)."
    why = (
        "`kubectl apply` validates strictly: `strict decoding error: unknown field \"spec.template.spec.containers[0].port\"` "
        "and the whole file is refused, or with an older kubectl the field is silently dropped (the env var is never set, the "
        "port never opened). YAML makes it easy: a value one level too deep, `valu:` for `value:`, `replicas: \"2\"`, or an "
        "unquoted `- --flag: x` list item that YAML reads as a mapping."
    )
    example = "containers:\n  - name: api\n    image: api:1\n    port:            # should be ports:\n      - containerPort: 3000"
    fix = "Use the field the schema names (the finding says which one was probably meant), at the level it belongs, with the right type."
    Facts = SchemaFacts
    symptom = "`kubectl apply` refuses the file (or an older kubectl drops {field} silently)"
    fix_title = "Correct {field} as the Kubernetes schema defines it"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        try:
            _schemas()
        except ImportError:
            ctx.undecided(Msg("kubernetes-validate is not installed"))
            return
        for path, doc, data in _objects(ctx):
            errors = _schema_errors(ctx, path).get(doc.index)
            if errors is None:
                continue  # a custom resource or a removed version (KUBE005)
            reported: set[tuple] = set()
            for error in errors:
                finding = self._finding(path, doc, data, error)
                if finding is not None and (finding.location.line, finding.message) not in reported:
                    reported.add((finding.location.line, finding.message))
                    yield finding

    def _finding(self, path: str, doc: YamlDoc, data: dict, error) -> Finding | None:
        where = tuple(error.absolute_path)
        subject = f"{data['kind']} {(data.get('metadata') or {}).get('name', '?')}"
        if error.validator == "additionalProperties":
            allowed = sorted((error.schema.get("properties") or {}).keys())
            extra = [key for key in error.instance if key not in allowed] if isinstance(error.instance, dict) else []
            if not extra:
                return None
            key = extra[0]
            hint = self._hint(key, allowed, error.schema)
            return self.finding(
                Msg("{subject}: {field} is not a field of {parent}{hint}; kubectl apply refuses the file (strict decoding error: unknown field)",
                    subject=subject, field=_dotted(where + (key,)), parent=_dotted(where) if where else data["kind"], hint=hint),
                _where(path, doc, where + (key,), key),
                root_cause=Msg("The Kubernetes {version} schema of {kind} ({api_version}) has no field {key!r} there.",
                               version=_schemas()[1], kind=data["kind"], api_version=data["apiVersion"], key=key),
                facts=SchemaFacts(_dotted(where + (key,)), unknown=key, allowed=tuple(allowed)),
            )
        if error.validator == "type":
            expected = error.validator_value
            expected = expected if isinstance(expected, str) else "/".join(t for t in expected if t != "null")
            footgun = ""
            if expected == "string" and isinstance(error.instance, dict) and len(error.instance) == 1:
                (k, v), = error.instance.items()
                footgun = Msg(" (YAML read `{item}` as a mapping because of the `: `; quote the whole item)", item=f"{k}: {v}")
            got = {"dict": "mapping", "str": "string", "int": "integer", "float": "number", "bool": "boolean", "NoneType": "null"}.get(
                type(error.instance).__name__, type(error.instance).__name__)
            template = (
                N_("{subject}: {field} must be an {expected}, not a {got}{footgun}") if expected[:1] in "aeiou"
                else N_("{subject}: {field} must be a {expected}, not a {got}{footgun}")
            )
            return self.finding(
                Msg(template, subject=subject, field=_dotted(where), expected=expected, got=got, footgun=footgun),
                _where(path, doc, where, _dotted(where)),
                root_cause=Msg("The Kubernetes {version} schema of {kind} types {field} as {expected}.",
                               version=_schemas()[1], kind=data["kind"], field=_dotted(where), expected=expected),
                facts=SchemaFacts(_dotted(where), expected=expected),
            )
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
            return self.finding(
                Msg("{subject}: {parent} lacks the required field {missing!r}",
                    subject=subject, parent=_dotted(where) if where else data["kind"], missing=missing),
                _where(path, doc, where, missing),
                root_cause=Msg("The Kubernetes {version} schema of {kind} requires {missing!r} there.",
                               version=_schemas()[1], kind=data["kind"], missing=missing),
                facts=SchemaFacts(_dotted(where + (missing,)), missing=missing),
            )
        if error.validator == "enum":
            return self.finding(
                Msg("{subject}: {field} is {value!r}; allowed: {allowed}",
                    subject=subject, field=_dotted(where), value=error.instance, allowed=", ".join(map(str, error.validator_value))),
                _where(path, doc, where, _dotted(where)),
                root_cause=Msg("The Kubernetes {version} schema of {kind} allows only those values.", version=_schemas()[1], kind=data["kind"]),
                facts=SchemaFacts(_dotted(where), value=str(error.instance)),
            )
        return None

    @staticmethod
    def _hint(key: str, allowed: list[str], schema: dict) -> str:
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            return Msg(" (did you mean {name!r}?)", name=close[0])
        for name, child in sorted((schema.get("properties") or {}).items()):
            child = _resolved(child)
            items = _resolved(child.get("items", {})) if child.get("type") in ("array", ["array", "null"]) else child
            if key in (items.get("properties") or {}):
                return Msg(" (it belongs under {name!r})", name=name)
        return ""


def _resolved(schema: Any) -> dict:
    """A schema with one level of $ref into the shared definitions followed."""
    if not isinstance(schema, dict):
        return {}
    ref = schema.get("$ref")
    if ref is None and isinstance(schema.get("allOf"), list) and schema["allOf"]:
        ref = schema["allOf"][0].get("$ref") if isinstance(schema["allOf"][0], dict) else None
    if isinstance(ref, str) and "#/definitions/" in ref:
        definitions = _definitions_json().get("definitions", {})
        return definitions.get(ref.split("#/definitions/")[1], {})
    return schema


class RemovedApiVersion(Check):
    code = "KUBE005"
    name = "removed-api-version"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A manifest uses a built-in API version that current Kubernetes no longer serves (e.g. extensions/v1beta1 Deployment)."
    why = (
        "`kubectl apply` answers `no matches for kind \"Deployment\" in version \"extensions/v1beta1\"` and nothing is "
        "created. Old tutorials and charts still carry versions removed in Kubernetes 1.16, 1.22 and 1.25."
    )
    example = "apiVersion: extensions/v1beta1\nkind: Deployment"
    fix = "Move to the served version (apps/v1 for Deployment, DaemonSet, StatefulSet; networking.k8s.io/v1 for Ingress) and add what it requires (spec.selector for apps/v1)."
    Facts = ApiVersionFacts
    symptom = "`kubectl apply` answers \"no matches for kind {kind} in version {api_version}\" and creates nothing"
    fix_title = "Move {kind} from {api_version} to a served version"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        try:
            served = _served_kinds()
        except ImportError:
            ctx.undecided(Msg("kubernetes-validate is not installed"))
            return
        for path, doc, data in _objects(ctx):
            kind, api_version = data["kind"], data["apiVersion"]
            if not _BUILTIN_GROUP.match(api_version) or kind.lower() not in served:
                continue  # a custom resource: its CRD decides
            if _validator(kind, api_version) is not None:
                continue
            versions = _versions_of(kind)
            yield self.finding(
                Msg("{object} uses apiVersion {api_version}, which Kubernetes {version} does not serve{use}: kubectl apply answers "
                    "\"no matches for kind {kind!r} in version {api_version!r}\"",
                    object=f"{kind} {(data.get('metadata') or {}).get('name', '?')}", api_version=api_version, version=_schemas()[1],
                    use=Msg(" (use {versions})", versions=versions) if versions else "", kind=kind),
                _where(path, doc, ("apiVersion",), f"apiVersion: {api_version}"),
                root_cause=Msg("{api_version} was removed from Kubernetes; {kind} is served as {versions}.",
                               api_version=api_version, kind=kind, versions=versions or Msg("another version")),
                facts=ApiVersionFacts(kind, api_version, versions),
            )


@cache
def _versions_of(kind: str) -> str:
    found = []
    for stem in _schema_stems():
        if stem.startswith(kind.lower() + "-"):
            group, _, version = stem[len(kind) + 1:].rpartition("-")
            found.append(f"{_GROUP_DOMAINS.get(group, group)}/{version}" if group else version)
    return " or ".join(sorted(found))


# Schema file names drop the API group's domain (networking-v1): the group as manifests spell it.
_GROUP_DOMAINS = {
    "networking": "networking.k8s.io", "rbac": "rbac.authorization.k8s.io", "storage": "storage.k8s.io",
    "scheduling": "scheduling.k8s.io", "admissionregistration": "admissionregistration.k8s.io",
    "apiextensions": "apiextensions.k8s.io", "certificates": "certificates.k8s.io",
    "coordination": "coordination.k8s.io", "discovery": "discovery.k8s.io", "node": "node.k8s.io",
    "flowcontrol": "flowcontrol.apiserver.k8s.io", "events": "events.k8s.io", "resource": "resource.k8s.io",
}


CHECKS = (ManifestSchemaInvalid, RemovedApiVersion)
