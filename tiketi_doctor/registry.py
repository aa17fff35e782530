"""The check registry: families are discovered through entry points and validated."""
from __future__ import annotations

import os
import re
import sys
from importlib import import_module

from .deferred import dataclass
from .check import Check

GROUP = "tiketi_doctor.checks"
CODE_FORMAT = re.compile(r"^[A-Z]{2,5}\d{3}$")
NAME_FORMAT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_FIELDS = ("summary", "why", "example", "fix")

# The letters of the codes each built-in family registers, so that --select/--ignore can leave a
# family unimported (its analyses with it) without importing it to ask. tests/test_meta.py checks
# it against the families; a family missing here is always imported.
FAMILY_LETTERS: dict[str, tuple[str, ...]] = {
    "checks.buildctx": ("CTX",),
    "checks.compose": ("CMP",),
    "checks.dependencies": ("DEP",),
    "checks.dockerfile": ("DKF",),
    "checks.docs": ("DOC",),
    "checks.envconfig": ("ENV",),
    "checks.frontend_env": ("FE",),
    "checks.gitops": ("ARGO", "CRD"),
    "checks.gateway": ("GW",),
    "checks.health": ("HC",),
    "checks.images": ("IMG",),
    "checks.ingress": ("ING",),
    "checks.install": ("INS",),
    "checks.kubeschema": ("KUBE",),
    "checks.live": ("CL",),
    "checks.manifests": ("KUBE",),
    "checks.modules": ("MOD",),
    "checks.origins": ("ORG",),
    "checks.placeholders": ("CFG",),
    "checks.platforms": ("ARCH",),
    "checks.ports": ("PORT",),
    "checks.service_names": ("NET",),
    "checks.skaffold": ("SKF",),
    "checks.ui": ("UI",),
    "checks.workflow_steps": ("CI",),
    "checks.workflows": ("CI",),
}


class RegistryError(Exception):
    pass


@dataclass
class Registry:
    checks: list[Check]
    # Families left unimported because --select/--ignore rule out every code they can register.
    skipped: tuple[str, ...] = ()

    def get(self, code: str) -> Check | None:
        code = code.upper()
        return next((c for c in self.checks if c.code == code or c.name == code.lower()), None)

    def select(self, select: list[str] | None = None, ignore: list[str] | None = None) -> list[Check]:
        return [c for c in self.checks if is_selected(c.code, select, ignore)]

    def runnable(self, select=None, ignore=None, live: bool = False) -> list[Check]:
        return [c for c in self.select(select, ignore) if c.scope != "input" and c.live == live]


# The code prefix of the live checks (checks.live): a run without --live does not import them.
LIVE_LETTERS = "CL"


def matches(code: str, token: str) -> bool:
    """A token selects a code exactly or as a prefix (`DEP` selects DEP001...)."""
    token = token.strip().upper()
    return bool(token) and code.startswith(token)


def is_selected(code: str, select: list[str] | None, ignore: list[str] | None) -> bool:
    if select and not any(matches(code, t) for t in select):
        return False
    return not (ignore and any(matches(code, t) for t in ignore))


def load_registry(modules: list[str] | None = None, select: list[str] | None = None, ignore: list[str] | None = None) -> Registry:
    """Checks of every family; `modules` overrides discovery (tests, plugins under development).

    With `select`/`ignore`, a built-in family none of whose codes can be selected is not imported
    (see FAMILY_LETTERS); `Registry.skipped` names it."""
    if modules is None:
        core = ["tiketi_doctor.input_problems", "tiketi_doctor.suppressions"]
        modules = core + entry_point_values(GROUP)
    skipped = tuple(m for m in modules if (select or ignore) and not _may_select(FAMILY_LETTERS.get(m), select, ignore))
    checks: list[Check] = []
    for module_name in modules:
        if module_name in skipped:
            continue
        try:
            module = import_module(module_name)
        except ImportError as exc:
            raise RegistryError(f"check family {module_name!r} cannot be imported: {exc}") from exc
        family = getattr(module, "CHECKS", None)
        if not isinstance(family, (tuple, list)):
            raise RegistryError(f"check family {module_name!r} has no CHECKS tuple")
        checks.extend(cls() for cls in family)
    _validate(checks)
    return Registry(sorted(checks, key=lambda c: c.code), skipped)


def _may_select(letters: tuple[str, ...] | None, select: list[str] | None, ignore: list[str] | None) -> bool:
    """Whether a family whose codes start with one of `letters` may hold a selected check (True when unknown)."""
    if letters is None:
        return True
    tokens = [t.strip().upper() for t in select or [] if t.strip()]
    if tokens and not any(t.startswith(p) or p.startswith(t) for t in tokens for p in letters):
        return False
    dropped = [t.strip().upper() for t in ignore or [] if t.strip()]
    return not all(any(p.startswith(t) for t in dropped) for p in letters)


def entry_point_values(group: str) -> list[str]:
    """The values of a group's entry points, in the order `importlib.metadata.entry_points` gives.

    Read from each installed distribution's entry_points.txt: importing importlib.metadata (email,
    zipfile, csv...) costs more than the lookup itself, on every start. Installs this reader does
    not model (zipped or egg paths, extra distribution finders) are left to importlib.metadata.
    """
    found = _read_entry_points(group)
    if found is None:
        from importlib.metadata import entry_points

        return [ep.value for ep in entry_points(group=group)]
    return found


_DIST_SUFFIXES = (".dist-info", ".egg-info")


def _read_entry_points(group: str) -> list[str] | None:
    """As importlib.metadata: sys.path in order, each distribution name once (the first wins)."""
    if any(hasattr(f, "find_distributions") and f.__name__ != "PathFinder" for f in map(_finder_type, sys.meta_path)):
        return None
    seen: set[str] = set()
    values: list[str] = []
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return None  # a zip archive on sys.path
            continue
        if os.path.basename(folder).lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(folder)
        except OSError:
            return None
        by_name: dict[str, list[str]] = {}
        for child in children:
            low = child.lower()
            if not low.endswith(_DIST_SUFFIXES):
                continue
            if not child.endswith(_DIST_SUFFIXES):
                return None  # an upper-case suffix: importlib names it from its metadata instead
            name = _normalize(low.rpartition(".")[0].partition("-")[0])
            by_name.setdefault(name, []).append(child)
        for name, dists in by_name.items():
            for dist in dists:
                if name in seen:
                    continue
                seen.add(name)
                try:
                    with open(os.path.join(folder, dist, "entry_points.txt"), encoding="utf-8") as handle:
                        text = handle.read()
                except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
                    continue
                parsed = _group_values(text, group)
                if parsed is None:
                    return None
                values.extend(parsed)
    return values


def _finder_type(finder) -> type:
    return finder if isinstance(finder, type) else type(finder)


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _group_values(text: str, group: str) -> list[str] | None:
    """Values of `group` in an entry_points.txt; None for a line importlib.metadata would reject."""
    section = None
    values = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if "=" not in line:
            return None
        if section == group:
            values.append(line.split("=", 1)[1].strip())
    return values


def _validate(checks: list[Check]) -> None:
    seen_codes: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    for check in checks:
        label = type(check).__name__
        if not CODE_FORMAT.match(getattr(check, "code", "")):
            raise RegistryError(f"{label}: code {getattr(check, 'code', None)!r} is not like DEP001")
        if not NAME_FORMAT.match(getattr(check, "name", "")):
            raise RegistryError(f"{check.code}: name {getattr(check, 'name', None)!r} is not kebab-case")
        for field in DOC_FIELDS:
            if not str(getattr(check, field, "")).strip():
                raise RegistryError(f"{check.code}: missing documentation field {field!r}")
        if check.code in seen_codes:
            raise RegistryError(f"{check.code} is registered twice ({seen_codes[check.code]} and {label})")
        if check.name in seen_names:
            raise RegistryError(f"name {check.name!r} is used by {seen_names[check.name]} and {check.code}")
        seen_codes[check.code] = label
        seen_names[check.name] = check.code
