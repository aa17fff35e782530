"""The check registry: families are discovered through entry points and validated."""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points

from .check import Check

GROUP = "tiketi_doctor.checks"
CODE_FORMAT = re.compile(r"^[A-Z]{2,5}\d{3}$")
NAME_FORMAT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_FIELDS = ("summary", "why", "example", "fix")


class RegistryError(Exception):
    pass


@dataclass
class Registry:
    checks: list[Check]

    def get(self, code: str) -> Check | None:
        code = code.upper()
        return next((c for c in self.checks if c.code == code or c.name == code.lower()), None)

    def select(self, select: list[str] | None = None, ignore: list[str] | None = None) -> list[Check]:
        return [c for c in self.checks if is_selected(c.code, select, ignore)]

    def runnable(self, select=None, ignore=None, live: bool = False) -> list[Check]:
        return [c for c in self.select(select, ignore) if c.scope != "input" and c.live == live]


def matches(code: str, token: str) -> bool:
    """A token selects a code exactly or as a prefix (`DEP` selects DEP001...)."""
    token = token.strip().upper()
    return bool(token) and code.startswith(token)


def is_selected(code: str, select: list[str] | None, ignore: list[str] | None) -> bool:
    if select and not any(matches(code, t) for t in select):
        return False
    return not (ignore and any(matches(code, t) for t in ignore))


def load_registry(modules: list[str] | None = None) -> Registry:
    """Checks of every family; `modules` overrides discovery (tests, plugins under development)."""
    if modules is None:
        core = ["tiketi_doctor.input_problems", "tiketi_doctor.suppressions"]
        modules = core + [ep.value for ep in entry_points(group=GROUP)]
    checks: list[Check] = []
    for module_name in modules:
        try:
            module = import_module(module_name)
        except ImportError as exc:
            raise RegistryError(f"check family {module_name!r} cannot be imported: {exc}") from exc
        family = getattr(module, "CHECKS", None)
        if not isinstance(family, (tuple, list)):
            raise RegistryError(f"check family {module_name!r} has no CHECKS tuple")
        checks.extend(cls() for cls in family)
    _validate(checks)
    return Registry(sorted(checks, key=lambda c: c.code))


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
