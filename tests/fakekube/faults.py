"""Fault injection: rules matched against incoming requests that answer with
an error Status, slow the answer down, never answer, or drop the connection."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from .requestlog import RequestRecord


@dataclass
class Fault:
    status: int | None = None       # answer with this code and the matching Status body
    delay: float = 0.0              # seconds to wait before answering
    hang: bool = False              # do not answer while the rule is active
    drop: bool = False              # close the connection without any answer
    message: str | None = None      # overrides the Status message
    trickle: float = 0.0            # answer normally, but send the body one byte per `trickle` seconds
    body: object = None             # answer 200 (or `status`) with this JSON instead: a server of the wrong shape
    method: str | None = None
    resource: str | None = None     # 'pods', 'pods/log', 'deployments', ...
    verb: str | None = None         # 'list', 'get', 'patch', 'watch', ...
    namespace: str | None = None
    name: str | None = None
    path: str | None = None         # regex searched in the request path
    times: int | None = None        # apply to this many matching requests, then retire
    user: str | None = None         # 403: the user the Status message names (default: kubernetes-admin)
    hits: int = 0
    active: bool = True
    _owner: "FaultSet | None" = field(default=None, repr=False, compare=False)

    def matches(self, record: RequestRecord) -> bool:
        if not self.active:
            return False
        if self.path and not re.search(self.path, record.path):
            return False
        return record.matches(self.method, self.resource, verb=self.verb, namespace=self.namespace,
                              name=self.name)

    def remove(self) -> None:
        if self._owner is not None:
            self._owner.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class FaultSet:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        fault._owner = self
        with self._lock:
            self._rules.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            fault.active = False
            if fault in self._rules:
                self._rules.remove(fault)

    def clear(self) -> None:
        with self._lock:
            for fault in self._rules:
                fault.active = False
            self._rules.clear()

    def match(self, record: RequestRecord) -> Fault | None:
        """The first active rule for this request; counts the hit and retires
        rules whose `times` are used up."""
        with self._lock:
            for fault in self._rules:
                if fault.matches(record):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._rules.remove(fault)
                        if not fault.hang:
                            fault.active = False
                    return fault
        return None

    def rules(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)
