"""What a check is: metadata as plain data, its documentation, and one method."""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Iterable

from .model import Finding, Location, Severity

if TYPE_CHECKING:
    from .catalogue import Component
    from .context import ScanContext


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
        **details,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            location=location,
            service=service,
            **details,
        )

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")
