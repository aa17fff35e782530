"""CFG: placeholders left in config that gets deployed as written."""
from __future__ import annotations

import re
from typing import Any, Iterable, Iterator

from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity

# `<your-registry>`, `<REGISTRY>`, `<ACR_NAME>.azurecr.io`; not `</div>`, `<a href=...>`, `Name <a@b.c>`.
_ANGLE = re.compile(r"<([A-Za-z][A-Za-z0-9_.-]*(?: [A-Za-z0-9_.-]+){0,3})>")
_YOUR = re.compile(r"(?<![A-Za-z0-9])your[-_][A-Za-z0-9]", re.IGNORECASE)
_WHOLE = re.compile(r"^(?:change[-_]?me|replace[-_]?me|todo|fixme|x{3,}|tbd)$", re.IGNORECASE)
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?([^/:?#\s]+)", re.IGNORECASE)
_HOST = re.compile(r"^(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_RESERVED = re.compile(r"(?:^|\.)(?:example\.(?:com|org|net)|[A-Za-z0-9-]+\.invalid|invalid)$", re.IGNORECASE)
_HOST_KEYS = {"host", "hosts", "hostname", "domain", "domains", "dnsnames", "server_name", "servername"}
_IMAGE_KEYS = {"image", "newname", "repository", "registry", "images", "tags"}


@facts
class PlaceholderFacts(Facts):
    """CFG001: the file and the key path (as strings) of the placeholder value."""

    file: str
    key: tuple[str, ...] = ()

    @property
    def dotted(self) -> str:
        return _dotted(tuple(int(k) if k.isdigit() else k for k in self.key))


class PlaceholderInConfig(Check):
    code = "CFG001"
    name = "placeholder-in-deployed-config"
    severity = Severity.WARNING
    scope = "repository"
    summary = (
        "A manifest, Helm values file, compose file or workflow env/with value is still a placeholder "
        "(a `<REGISTRY>` or your-… token, changeme, TODO, an example.com host)."
    )
    why = (
        "Deployable config is applied as written: nothing replaces `<your-registry>/api:1.0` or `changeme` on the "
        "way to the cluster. An image placeholder ends in InvalidImageName/ImagePullBackOff, an example.com host "
        "makes the Ingress serve a domain nobody reaches (and cert-manager never gets a certificate for it), and "
        "a `TODO` URL or key reaches the application as that literal text."
    )
    example = "k8s/api.yaml: `image: <your-registry>/api:1.0`, or an Ingress `host: app.example.com`"
    fix = (
        "Put the real value in, or make it a real parameter: a kustomize `images:` rewrite, a Helm value the "
        "install sets, `${VAR}` that compose or the workflow fills in. `tiketi-doctor fix` fills in a placeholder "
        "image when exactly one build of the repository (compose, Skaffold, workflow, script) names that image."
    )
    fixable = True
    Facts = PlaceholderFacts
    symptom = "{dotted} in {file} is deployed as a placeholder"
    fix_title = "Put the real value for {dotted} in {file}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for path, doc, roots in deployable_yaml(ctx):
            for key_path, value in _scalars(doc.data, roots):
                kind = placeholder_kind(value, key_path)
                if kind is None:
                    continue
                where = Location(path, doc.line(key_path), doc.column(key_path), label=_dotted(key_path))
                breaks = _what_breaks(key_path, kind) if roots == [()] else Msg("the workflow passes the placeholder text on as it is")
                yield self.finding(
                    Msg("{key} is still a placeholder ({kind}): {value!r} — {breaks}", key=_dotted(key_path), kind=kind, value=value, breaks=breaks),
                    where,
                    evidence={"value": value, "placeholder": kind, "key": _dotted(key_path), "breaks": breaks},
                    root_cause=Msg("{path} is deployed as written and nothing fills in {value!r}: {breaks}.", path=path, value=value, breaks=breaks),
                    facts=PlaceholderFacts(path, tuple(str(k) for k in key_path)),
                )


def deployable_yaml(ctx: ScanContext) -> Iterator[tuple[str, Any, list[tuple]]]:
    """(path, YAML document, key paths to read inside it) of config that is deployed as written:
    Kubernetes manifests and kustomizations (not Helm templates, whose values come from values.yaml),
    each chart's values.yaml, compose files, and the env:/with: values of workflows."""
    from tiketi_doctor.analysis import helm, k8s
    from tiketi_doctor.analysis.compose import compose_paths
    from tiketi_doctor.analysis.environments import manifest_files
    from tiketi_doctor.analysis.kustomize import kustomizations
    from tiketi_doctor.analysis.workflows import workflows

    files = set(manifest_files(ctx)) | {k.path for k in kustomizations(ctx)} | set(compose_paths(ctx))
    for chart in helm.charts(ctx):
        for name in ("values.yaml", "values.yml"):
            path = name if chart == "." else f"{chart}/{name}"
            if ctx.repo.exists(path):
                files.add(path)
    for path in sorted(files):
        for doc in k8s.yaml_documents(ctx, path) or []:
            if not doc.opaque:
                yield path, doc, [()]
    for workflow in workflows(ctx):
        roots = [("env",)]
        for name, job in (workflow.data.get("jobs") or {}).items() if isinstance(workflow.data.get("jobs"), dict) else []:
            roots.append(("jobs", name, "env"))
            roots.append(("jobs", name, "with"))
            for i, _ in enumerate(job.get("steps") or [] if isinstance(job, dict) else []):
                roots += [("jobs", name, "steps", i, "env"), ("jobs", name, "steps", i, "with")]
        yield workflow.path, workflow.doc, roots


def _scalars(data: Any, roots: list[tuple]) -> Iterator[tuple[tuple, str]]:
    from tiketi_doctor.parsing.templates import is_unknown

    def walk(value: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
        if isinstance(value, dict):
            if value.get("enabled") is False:
                return  # a switched-off section (Helm `ingress.enabled: false`) deploys none of its values
            for key, item in value.items():
                yield from walk(item, path + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from walk(item, path + (i,))
        elif isinstance(value, str) and not is_unknown(value) and "\n" not in value.strip():
            yield path, value.strip()  # multi-line values are files (nginx.conf, XML) with their own syntax

    for root in roots:
        node = data
        for key in root:
            if isinstance(node, dict):
                node = node.get(key)
            else:
                node = node[key] if isinstance(node, list) and isinstance(key, int) and key < len(node) else None
        if node is not None:
            yield from walk(node, root)


def placeholder_kind(value: str, key_path: tuple = ()) -> str | None:
    """What makes `value` a placeholder, or None."""
    if "${{" in value or "{{" in value:
        return None  # filled in by the workflow or a template engine
    if _WHOLE.match(value):
        return Msg("the whole value is {value!r}", value=value)
    angle = _ANGLE.search(value)
    if angle and "=" not in value:
        return Msg("{token} token", token=f"<{angle.group(1)}>")
    your = _YOUR.search(value)
    if your:
        return Msg("a your-… token")
    host = _host_of(value, key_path)
    if host and _RESERVED.search(host):
        return Msg("reserved example host {host}", host=host)
    return None


def _host_of(value: str, key_path: tuple) -> str | None:
    url = _URL_HOST.match(value)
    if url:
        return url.group(1)
    keys = [str(k).lower() for k in key_path if isinstance(k, str)]  # `hosts[0]`: the key of its list
    if keys and keys[-1] in _HOST_KEYS and _HOST.match(value):
        return value.lstrip("*.")
    return None


def _what_breaks(key_path: tuple, kind: str) -> str:
    keys = [str(k).lower() for k in key_path if isinstance(k, str)]
    last = keys[-1] if keys else ""
    if last in _IMAGE_KEYS or (len(keys) >= 2 and keys[-2] == "image"):
        return Msg("the image cannot be pulled (InvalidImageName or ImagePullBackOff)")
    if kind.startswith("reserved example host") and last in _HOST_KEYS:
        return Msg("the Ingress serves a domain nobody reaches (and no certificate is issued for it)")
    if kind.startswith("reserved example host"):
        return Msg("requests go to a reserved example domain, not to a real service")
    return Msg("the application receives the placeholder text literally")


def _dotted(path: tuple) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "(document)"


CHECKS = (PlaceholderInConfig,)
