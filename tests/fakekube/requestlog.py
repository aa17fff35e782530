"""Every request the fake received, with helpers to count calls per resource
(so tests can assert e.g. a constant number of list calls)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    seq: int
    method: str
    path: str
    query: dict
    content_type: str
    body: str
    verb: str | None = None              # Kubernetes verb: list, get, watch, patch, ...
    resource: str | None = None          # plural, e.g. 'pods'
    subresource: str | None = None       # e.g. 'log', 'status', 'scale'
    namespace: str | None = None
    name: str | None = None
    token: str | None = None             # bearer token, to tell kubeconfig users apart
    status: int | None = None            # None while unanswered; 0 if the connection was dropped
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def resource_path(self) -> str | None:
        """'pods', 'pods/log', 'deployments/scale'..."""
        if self.resource is None:
            return None
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource

    def matches(self, method=None, resource=None, *, verb=None, namespace=None, name=None,
                status=None, token=None, path=None) -> bool:
        if method and self.method != method.upper():
            return False
        if resource and self.resource_path != resource.split(".")[0] and \
                self.resource_path != resource:
            return False
        checks = ((verb, self.verb), (namespace, self.namespace), (name, self.name),
                  (status, self.status), (token, self.token), (path, self.path))
        return all(want is None or want == have for want, have in checks)


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._seq = itertools.count(1)

    def add(self, **fields) -> RequestRecord:
        with self._lock:
            record = RequestRecord(seq=next(self._seq), **fields)
            self._records.append(record)
            return record

    def all(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def find(self, method=None, resource=None, **filters) -> list[RequestRecord]:
        """Records matching all given filters. `resource` is 'pods' (the resource
        itself, not its subresources) or 'pods/log' style."""
        return [r for r in self.all() if r.matches(method, resource, **filters)]

    def count(self, method=None, resource=None, **filters) -> int:
        return len(self.find(method, resource, **filters))

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
