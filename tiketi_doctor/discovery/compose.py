"""docker compose files: each service's build (context, Dockerfile), image and environment."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from ..model import Location
from ..parsing.yamldoc import YamlDoc, parse_yaml_documents
from ..repo import RepoView


@dataclass
class ComposeService:
    name: str
    file: str
    line: int | None
    image: str | None
    context: str | None  # repository-relative; None when the service is not built
    dockerfile: str | None
    build_line: int | None
    environment: dict[str, tuple[str, Location]] = field(default_factory=dict)


def compose_services(repo: RepoView, path: str) -> list[ComposeService]:
    docs = repo.parsed("yaml", path, lambda f: parse_yaml_documents(f.text)) or []
    found: list[ComposeService] = []
    for doc in docs:
        services = doc.data.get("services") if isinstance(doc.data, dict) else None
        if not isinstance(services, dict):
            continue
        for name, spec in services.items():
            if isinstance(spec, dict):
                found.append(_service(path, doc, str(name), spec))
    return found


def _service(path: str, doc: YamlDoc, name: str, spec: dict) -> ComposeService:
    base = posixpath.dirname(path) or "."
    image = spec.get("image") if isinstance(spec.get("image"), str) else None
    build = spec.get("build")
    context = dockerfile = None
    if isinstance(build, str):
        build = {"context": build}
    if isinstance(build, dict):
        raw_context = str(build.get("context") or ".")
        if "://" not in raw_context and not raw_context.startswith("/") and not _join(base, raw_context).startswith(".."):
            context = _join(base, raw_context)
            raw_file = build.get("dockerfile")
            dockerfile = _join(context, str(raw_file)) if isinstance(raw_file, str) else _join(context, "Dockerfile")
    service = ComposeService(
        name, path, doc.line(("services", name)), image, context, dockerfile,
        doc.line(("services", name, "build")) if build is not None else None,
    )
    env = spec.get("environment")
    if isinstance(env, dict):
        for key, value in env.items():
            if value is not None:
                line = doc.line(("services", name, "environment", key))
                service.environment[str(key)] = (str(value), Location(path, line, label=f"{key}: {value}"))
    elif isinstance(env, list):
        for i, item in enumerate(env):
            if isinstance(item, str) and "=" in item:
                key, value = item.split("=", 1)
                line = doc.line(("services", name, "environment", i))
                service.environment[key] = (value, Location(path, line, label=item))
    return service


def _join(base: str, rel: str) -> str:
    return posixpath.normpath(posixpath.join(base, rel))
