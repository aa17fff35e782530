"""What a check is: metadata as plain data, its words, its typed facts, and one method.

A check owns every word it says, next to its code: the message and root-cause sentence it builds
(`Msg` templates), the predicted `symptom` (what a person will see if the problem ships), the
`fix_title`, and its documentation (summary, why, example, fix). All are English gettext msgids;
translations live in the family's catalogue (see tiketi_doctor/i18n.py).
"""
from __future__ import annotations

import dataclasses
import typing
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from .deferred import complete, dataclass as deferred_dataclass, is_pending
from .i18n import Msg
from .model import Finding, Location, Severity

if TYPE_CHECKING:
    from .catalogue import Component
    from .context import ScanContext

# The words every check must own (tests/test_check_words.py).
WORD_FIELDS = ("summary", "why", "example", "fix", "symptom", "fix_title")


def facts(cls: type) -> type:
    """`@dataclass(frozen=True)` for a Facts class, made when its first instance is (see
    tiketi_doctor/deferred.py): most checks find nothing in a run, so most facts classes never get
    an instance."""
    return deferred_dataclass(frozen=True)(cls)


def dataclass_of(cls: type) -> type:
    """The class as the dataclass it declares (see `facts`): the class itself, made complete."""
    return complete(cls)


class Facts:
    """Base of a check's typed facts: a frozen dataclass (declared with `@facts`) whose
    `params()` is `Finding.params`.

    `Finding.params` stays the serialised form (JSON output, fingerprints and baselines use it);
    fixers and reporters read the typed facts with `SomeFacts.of(finding)`, which also rebuilds
    them from `params` when a finding was read back from JSON.
    """

    def params(self) -> dict[str, Any]:
        return _to_data(self)

    @classmethod
    def of(cls, finding: Finding):
        """The finding's facts; rebuilt from `params` when needed; None when they do not fit this type."""
        if isinstance(finding.facts, cls):
            return finding.facts
        try:
            return cls.from_params(finding.params)
        except (TypeError, ValueError):
            return None

    @classmethod
    def from_params(cls, data: dict[str, Any]):
        return _from_data(cls, data)  # which completes the class first (dataclass_of)


@dataclasses.dataclass(frozen=True)
class Span:
    """An exact range in a file as facts carry it (`Location.span()`): 1-based, end column exclusive."""

    path: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    text: str | None = None

    @classmethod
    def of(cls, location: Location | None) -> "Span | None":
        return None if location is None else cls(**location.span())


@facts
class NoFacts(Facts):
    """For a check whose findings carry no facts (`params` is empty): its words use only `{service}`."""


def _to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_data(v) for k, v in value.items()}
    return value


def _from_data(kind: Any, data: Any) -> Any:
    if isinstance(kind, type) and is_pending(kind):
        complete(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind) and isinstance(data, dict):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        return kind(**{k: _from_data(hints.get(k), v) for k, v in data.items() if k in names})
    origin = typing.get_origin(kind)
    if origin in (list, tuple) and isinstance(data, (list, tuple)):
        args = [a for a in typing.get_args(kind) if a is not Ellipsis]
        items = [_from_data(args[0] if args else None, v) for v in data]
        return tuple(items) if origin is tuple else items
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(kind):
            if isinstance(arg, type) and is_pending(arg):
                complete(arg)
            if dataclasses.is_dataclass(arg) and isinstance(data, dict):
                return _from_data(arg, data)
    return data


class Check:
    """Base class. Subclasses set the class attributes and implement one `check_*` method.

    scope "component": `check_component(ctx, component)` runs once per component it `applies_to`.
    scope "repository": `check_repository(ctx)` runs once.
    scope "input": documentation only; the engine reports these itself (unreadable files...).
    """

    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, names the problem: "dockerfile-port-mismatch"
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line, shown by `checks list`
    why: ClassVar[str]  # why it matters
    example: ClassVar[str]  # a failing example
    fix: ClassVar[str]  # how to fix it
    # What a person will see if the problem ships, a template over the facts' fields and `service`
    # ("{call} → 404 from the gateway"); `predicted_symptom` may choose among several.
    symptom: ClassVar[str]
    # The title of the fix, a template over the facts' fields ("Set {kinds} to {expected} in {path}").
    fix_title: ClassVar[str]
    # The dataclass (a `Facts`) of what the check establishes; None for a check not converted yet.
    Facts: ClassVar[type | None] = None
    # The component does not run at all when this problem ships (the report ranks it P0).
    crashes: ClassVar[bool] = False
    scope: ClassVar[str] = "component"
    fixable: ClassVar[bool] = False
    live: ClassVar[bool] = False

    def applies_to(self, component: "Component") -> bool:
        return component.is_app

    def check_component(self, ctx: "ScanContext", component: "Component") -> Iterable[Finding]:
        raise NotImplementedError

    def check_repository(self, ctx: "ScanContext") -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self,
        message: str,
        location: Location,
        *,
        service: str | None = None,
        severity: Severity | None = None,
        facts: Facts | None = None,
        **details,
    ) -> Finding:
        if facts is not None:
            details["params"] = facts.params()
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            location=location,
            service=service,
            facts=facts,
            **details,
        )

    # --- words over facts -------------------------------------------------------------------

    def which_symptom(self, finding: Finding) -> str:
        """The symptom template for this finding (override to choose among several)."""
        return self.symptom

    def predicted_symptom(self, finding: Finding) -> Msg | None:
        """What a person would see, rendered from the finding's facts; None without facts or a template."""
        template = getattr(self, "symptom", None) and self.which_symptom(finding)
        if not template:
            return None
        return words(template, finding, self.Facts)

    def title_of_fix(self, finding: Finding) -> Msg | None:
        template = getattr(self, "fix_title", None)
        return words(template, finding, self.Facts) if template else None

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")


def template_fields(template: str) -> set[str]:
    import string

    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def words(template: str, finding: Finding, facts_type: type | None) -> Msg | None:
    """`template` filled from the finding's facts (fields and properties) and its `service`; None when a field is unknown."""
    facts = facts_type.of(finding) if facts_type is not None else None
    if facts_type is not None and facts is None:
        return None
    values: dict[str, Any] = {}
    for name in template_fields(template):
        if facts is not None and hasattr(facts, name):
            values[name] = getattr(facts, name)
        elif name == "service":
            values[name] = finding.service or ""
        else:
            return None
    return Msg(template, **values)
