"""Thread-safe in-memory object store with resourceVersions, an owner index,
and a change feed for watches. Objects are plain dicts shaped like API JSON."""

from __future__ import annotations

import collections
import threading

from .jsonutil import clone


def _owner_uids(obj: dict) -> tuple:
    return tuple(ref.get("uid") for ref in obj["metadata"].get("ownerReferences", []))


class Store:
    CHANGE_LOG = 20000

    def __init__(self):
        # One re-entrant lock guards the store and everything the controllers do with
        # it, so a request never sees a half-finished tick.
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[str, dict[tuple[str, str], dict]] = collections.defaultdict(dict)
        self._owners: dict[tuple[str, str], set] = collections.defaultdict(set)  # (plural, uid) -> keys
        self._owned_by: dict[tuple[str, tuple], tuple] = {}                     # (plural, key) -> uids
        self._rv = 1000
        # Changes are only kept while someone watches: snapshots are not free.
        self.watchers = 0
        self.changes: collections.deque = collections.deque(maxlen=self.CHANGE_LOG)

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def _bump(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _record(self, kind: str, plural: str, obj: dict) -> None:
        if self.watchers:
            self.changes.append((self._rv, kind, plural, clone(obj)))
            self.changed.notify_all()

    def _index(self, plural: str, key: tuple, obj: dict | None) -> None:
        for uid in self._owned_by.pop((plural, key), ()):
            self._owners[(plural, uid)].discard(key)
        if obj is not None:
            uids = _owner_uids(obj)
            if uids:
                self._owned_by[(plural, key)] = uids
                for uid in uids:
                    self._owners[(plural, uid)].add(key)

    def get(self, plural: str, namespace: str | None, name: str) -> dict | None:
        with self.lock:
            return self._objects[plural].get((namespace or "", name))

    def put(self, plural: str, obj: dict) -> dict:
        """Insert or replace; assigns a fresh resourceVersion. The dict is kept as is."""
        meta = obj["metadata"]
        key = (meta.get("namespace") or "", meta["name"])
        with self.lock:
            kind = "MODIFIED" if key in self._objects[plural] else "ADDED"
            meta["resourceVersion"] = self._bump()
            self._objects[plural][key] = obj
            self._index(plural, key, obj)
            self._record(kind, plural, obj)
        return obj

    def delete(self, plural: str, namespace: str | None, name: str) -> dict | None:
        key = (namespace or "", name)
        with self.lock:
            obj = self._objects[plural].pop(key, None)
            if obj is not None:
                self._index(plural, key, None)
                obj["metadata"]["resourceVersion"] = self._bump()
                self._record("DELETED", plural, obj)
            return obj

    def items(self, plural: str, namespace: str | None = None) -> list[dict]:
        """Objects sorted by namespace/name, as etcd returns them."""
        with self.lock:
            objects = self._objects[plural]
            keys = sorted(k for k in objects if namespace is None or k[0] == namespace)
            return [objects[k] for k in keys]

    def owned(self, plural: str, owner_uid: str) -> list[dict]:
        with self.lock:
            objects = self._objects[plural]
            return [objects[k] for k in sorted(self._owners.get((plural, owner_uid), ())) if k in objects]

    def count(self, plural: str) -> int:
        with self.lock:
            return len(self._objects[plural])

    def changes_since(self, rv: int) -> list[tuple]:
        with self.lock:
            return [c for c in self.changes if c[0] > rv]
