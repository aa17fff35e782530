"""Which version range to write when a fix adds a dependency: lockfile, the repository, then a table."""
from __future__ import annotations

import posixpath
from functools import cache

import yaml

import manifests
from tiketi_doctor.analysis.image import package_json
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.parsing import load_json


@cache
def known_versions() -> dict[str, str]:
    return yaml.safe_load(manifests.path("known-versions.yaml").read_text(encoding="utf-8")) or {}


def version_for(ctx: ScanContext, name: str, package_json_path: str | None) -> tuple[str, str] | None:
    """(range, where it came from) for `name`, or None when nothing trustworthy names one."""
    if package_json_path:
        locked = _from_lockfile(ctx, posixpath.join(posixpath.dirname(package_json_path), "package-lock.json"), name)
        if locked:
            return locked
    for path in ctx.memo("all-package-json", lambda: [p for p in ctx.repo.walk(".") if p.endswith("/package.json") or p == "package.json"]):
        pkg = package_json(ctx, path)
        declared = pkg.declared(name) if pkg else None
        if declared is not None and not declared.spec.startswith(("file:", "link:", "workspace:")):
            return declared.spec, f"{path}:{declared.line}"
    if name in known_versions():
        return known_versions()[name], Msg("tiketi-doctor's known-versions table")
    return None


def _from_lockfile(ctx: ScanContext, path: str, name: str) -> tuple[str, str] | None:
    source = ctx.repo.text(path)
    if source is None:
        return None
    try:
        data = load_json(source.text)
    except ValueError:
        return None
    entry = (data.get("packages") or {}).get(f"node_modules/{name}") or (data.get("dependencies") or {}).get(name)
    if isinstance(entry, dict) and isinstance(entry.get("version"), str):
        return f"^{entry['version']}", path
    return None
