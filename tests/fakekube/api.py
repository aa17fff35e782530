"""REST semantics over the cluster state: list/get/watch/create/update/patch/
delete, pod logs and the scale subresource, answering like the real server
(including its Status errors). Transport-agnostic: see server.py for HTTP."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from . import errors, kubelet, objects, podlogs, printing
from .errors import ApiError
from .jsonutil import clone
from .patch import APPLY_PATCH, PatchError, apply_patch
from .resources import RESOURCES, Resource, by_kind
from .routing import Route
from .selectors import (SelectorError, fields_match, labels_match, match_labels_selector,
                        parse_field_selector, parse_label_selector)

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict              # lower-cased names
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise errors.bad_request(f"json: cannot unmarshal request body: {exc}") from None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON
    headers: dict = field(default_factory=dict)
    stream: Iterator[bytes] | None = None     # chunked body (watches)
    trickle: float = 0.0                      # seconds between the body's bytes (a server that drips)


def json_response(obj, status: int = 200) -> Response:
    return Response(status, json.dumps(obj, separators=(",", ":")).encode())


def _without_type(obj: dict) -> dict:
    """List items carry no kind/apiVersion on the wire."""
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


class Api:
    WATCH_POLL = 0.05

    def __init__(self, cluster, stopping: threading.Event):
        self.cluster = cluster
        self.store = cluster.store
        self.stopping = stopping

    def handle(self, req: Request, route: Route) -> Response:
        try:
            if route.kind == "health":
                return Response(200, b"ok", TEXT)
            if route.kind == "document":
                if req.method != "GET":
                    raise ApiError(405, "the server does not allow this method on the requested resource")
                return json_response(route.document)
            if route.kind != "resource":
                raise errors.no_such_path()
            verb = route.verb(req.method, req.query)
            handler = getattr(self, f"_{verb}", None)
            if handler is None:
                raise ApiError(405, "the server does not allow this method on the requested resource",
                               "MethodNotAllowed", {})
            return handler(req, route)
        except ApiError as exc:
            return json_response(exc.body(), exc.code)
        except SelectorError as exc:
            return json_response(errors.bad_request(str(exc)).body(), 400)

    # ---- reads -----------------------------------------------------------------------------

    def _existing(self, route: Route) -> dict:
        obj = self.store.get(route.resource.plural, route.namespace, route.name)
        if obj is None:
            raise errors.not_found(route.resource, route.name)
        return obj

    def _matcher(self, req: Request, route: Route):
        reqs = parse_label_selector(req.query.get("labelSelector"))
        terms = parse_field_selector(req.query.get("fieldSelector"), route.resource.field_labels)
        return lambda obj: labels_match(reqs, obj["metadata"].get("labels")) and fields_match(terms, obj)

    def _list(self, req: Request, route: Route) -> Response:
        r = route.resource
        matches = self._matcher(req, route)
        with self.store.lock:
            items = [o for o in self.store.items(r.plural, route.namespace) if matches(o)]
            rv = self.store.resource_version
            token, remaining = None, None
            start = _decode_continue(req.query.get("continue"))
            if start is not None:
                items = [o for o in items if _key(o) > start]
            limit = int(req.query.get("limit") or 0)
            if 0 < limit < len(items):
                remaining = len(items) - limit
                items = items[:limit]
                token = _encode_continue(_key(items[-1]), rv)
            if printing.wants_table(req.headers.get("accept")):
                return json_response(printing.table(r.plural, items, self.cluster.clock, rv, token))
            body = objects.list_of(r.kind + "List", r.api_version, [_without_type(o) for o in items], rv,
                                   token, remaining)
            return json_response(body)

    def _get(self, req: Request, route: Route) -> Response:
        with self.store.lock:
            obj = self._existing(route)
            if route.subresource == "log":
                text = podlogs.read_log(obj, self.cluster.runtime(obj), req.query)
                return Response(200, text.encode("utf-8"), TEXT)
            if route.subresource == "scale":
                return json_response(_scale_view(obj))
            if printing.wants_table(req.headers.get("accept")) and route.subresource is None:
                return json_response(printing.table(route.resource.plural, [obj], self.cluster.clock,
                                                    self.store.resource_version))
            return json_response(obj)

    def _watch(self, req: Request, route: Route) -> Response:
        """A chunked stream of {"type", "object"} lines: ADDED for what exists (unless a
        resourceVersion is given), then changes until timeoutSeconds or server stop.
        Changes from before the watch started cannot be replayed."""
        r = route.resource
        matches = self._matcher(req, route)
        timeout = min(float(req.query.get("timeoutSeconds") or 60), 600)
        replay = req.query.get("resourceVersion") in (None, "", "0")

        def events() -> Iterator[bytes]:
            with self.store.lock:   # registering inside the generator pairs it with the finally below
                self.store.watchers += 1
                last = int(self.store.resource_version)
                initial = [clone(o) for o in self.store.items(r.plural, route.namespace) if matches(o)] \
                    if replay else []
            deadline = time.monotonic() + timeout
            try:
                for obj in initial:
                    yield _watch_line("ADDED", obj)
                while not self.stopping.is_set() and time.monotonic() < deadline:
                    with self.store.changed:
                        self.store.changed.wait(self.WATCH_POLL)
                        changes = self.store.changes_since(last)
                    for rv, kind, plural, obj in changes:
                        last = rv
                        ns = obj["metadata"].get("namespace")
                        if plural == r.plural and (route.namespace is None or ns == route.namespace) \
                                and matches(obj):
                            yield _watch_line(kind, obj)
            finally:
                with self.store.lock:
                    self.store.watchers -= 1
                    if not self.store.watchers:
                        self.store.changes.clear()

        return Response(200, content_type=JSON, stream=events())

    # ---- writes ----------------------------------------------------------------------------

    def _dry_run(self, req: Request) -> bool:
        return req.query.get("dryRun") == "All"

    def _create(self, req: Request, route: Route) -> Response:
        r = route.resource
        if route.subresource:
            raise errors.no_such_path()
        body = req.json()
        if not isinstance(body, dict) or body.get("kind") not in (None, r.kind):
            raise errors.bad_request(f"the object provided is unrecognized (must be of type {r.kind})")
        body.setdefault("kind", r.kind)
        body.setdefault("apiVersion", r.api_version)
        meta = body.setdefault("metadata", {})
        if r.namespaced:
            if meta.get("namespace") not in (None, "", route.namespace):
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            meta["namespace"] = route.namespace
        with self.store.lock:
            if r.namespaced and self.store.get("namespaces", None, route.namespace) is None:
                raise errors.not_found(_resource("namespaces"), route.namespace)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + self.cluster.ids.suffix()
            if not meta.get("name"):
                raise ApiError(422, f'{r.kind} "" is invalid: metadata.name: Required value: name or '
                                    f'generateName is required', "Invalid",
                               {"kind": r.kind, "causes": [{"reason": "FieldValueRequired",
                                                            "message": "Required value: name or generateName is required",
                                                            "field": "metadata.name"}]})
            if self.store.get(r.plural, route.namespace, meta["name"]) is not None:
                raise errors.already_exists(r, meta["name"])
            for server_field in ("uid", "resourceVersion", "creationTimestamp", "generation"):
                meta.pop(server_field, None)
            obj = self.cluster.complete_metadata(body, route.namespace)
            if self._dry_run(req):
                return json_response(obj, 201)
            self._on_create(obj)
            return json_response(obj, 201)

    def _on_create(self, obj: dict) -> None:
        kind = obj["kind"]
        if kind == "Namespace":
            self.cluster.ensure_namespace(obj["metadata"]["name"])
            return
        if kind == "Service" and obj.get("spec", {}).get("type") != "ExternalName":
            spec = obj.setdefault("spec", {})
            if not spec.get("clusterIP"):
                spec["clusterIP"] = self.cluster.ids.cluster_ip()
                spec["clusterIPs"] = [spec["clusterIP"]]
            spec.setdefault("type", "ClusterIP")
            spec.setdefault("sessionAffinity", "None")
            obj.setdefault("status", {"loadBalancer": {}})
        if kind == "Pod":
            self.cluster.adopt_pod(obj)
        self.store.put(_resource_of(obj).plural, obj)

    def _update(self, req: Request, route: Route) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request was in an unknown format")
        with self.store.lock:
            existing = self._existing(route)
            sent_rv = (body.get("metadata") or {}).get("resourceVersion")
            if sent_rv and sent_rv != existing["metadata"]["resourceVersion"]:
                raise errors.conflict(route.resource, route.name)
            if route.subresource == "scale":
                return self._write_scale(req, route, existing, body)
            return self._commit(req, route, existing, body)

    def _patch(self, req: Request, route: Route) -> Response:
        media = req.content_type.split(";")[0].strip().lower()
        if media == APPLY_PATCH:
            raise ApiError(415, "server-side apply is not supported by this fake API server",
                           "UnsupportedMediaType", {})
        body = req.json()
        with self.store.lock:
            existing = self._existing(route)
            base = _scale_view(existing) if route.subresource == "scale" else existing
            try:
                patched = apply_patch(media, base, body)
            except LookupError:
                raise ApiError(415, "the body of the request was in an unknown format - accepted media types "
                                    "include: application/json-patch+json, application/merge-patch+json, "
                                    "application/apply-patch+yaml", "UnsupportedMediaType", {}) from None
            except PatchError as exc:
                raise ApiError(422, str(exc), "Invalid", {"name": route.name, "kind": route.resource.plural}) \
                    from None
            if not isinstance(patched, dict):
                raise errors.bad_request("the patch produced an invalid object")
            sent_rv = (patched.get("metadata") or {}).get("resourceVersion")
            if sent_rv and sent_rv != existing["metadata"]["resourceVersion"]:
                raise errors.conflict(route.resource, route.name)
            if route.subresource == "scale":
                return self._write_scale(req, route, existing, patched)
            return self._commit(req, route, existing, patched)

    def _commit(self, req: Request, route: Route, existing: dict, incoming: dict) -> Response:
        """Write an updated object, keeping what clients cannot change."""
        new = clone(existing)
        if route.subresource == "status":
            new["status"] = clone(incoming.get("status", {}))
        else:
            for key, value in incoming.items():
                if key not in ("metadata", "status", "kind", "apiVersion"):
                    new[key] = clone(value)
            for key in [k for k in new if k not in incoming and k not in ("metadata", "status", "kind",
                                                                           "apiVersion")]:
                del new[key]
            meta_in = incoming.get("metadata") or {}
            for key in ("labels", "annotations", "finalizers", "ownerReferences"):
                if meta_in.get(key) is not None:
                    new["metadata"][key] = clone(meta_in[key])
                else:
                    new["metadata"].pop(key, None)
            if new["kind"] == "Deployment":
                new["spec"] = objects.default_deployment_spec(new.get("spec", {}))
            if new["kind"] in ("Deployment", "ReplicaSet") and new.get("spec") != existing.get("spec"):
                new["metadata"]["generation"] = existing["metadata"].get("generation", 1) + 1
        if self._dry_run(req):
            return json_response(new)
        if new == existing:
            return json_response(existing)     # a no-op write does not bump resourceVersion
        existing.clear()
        existing.update(new)
        self.store.put(route.resource.plural, existing)
        return json_response(existing)

    def _write_scale(self, req, route, existing, scale_obj) -> Response:
        replicas = (scale_obj.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise ApiError(422, f'Scale.autoscaling "{route.name}" is invalid: spec.replicas: Invalid value: '
                                f'{replicas}: must be greater than or equal to 0', "Invalid", {})
        if not self._dry_run(req) and existing["spec"].get("replicas") != replicas:
            existing["spec"]["replicas"] = replicas
            existing["metadata"]["generation"] = existing["metadata"].get("generation", 1) + 1
            self.store.put(route.resource.plural, existing)
        view = _scale_view(existing)
        view["spec"]["replicas"] = replicas
        return json_response(view)

    def _delete(self, req: Request, route: Route) -> Response:
        options = req.json() if req.body else {}
        grace = req.query.get("gracePeriodSeconds")
        if grace is None and isinstance(options, dict):
            grace = options.get("gracePeriodSeconds")
        with self.store.lock:
            obj = self._existing(route)
            if self._dry_run(req):
                return json_response(obj)
            if obj["kind"] == "Pod":
                kubelet.terminate(self.cluster, obj, int(grace) if grace is not None else 30)
                return json_response(obj)
            self._cascade(obj)
            r = route.resource
            details = {"name": route.name, "kind": r.plural, "uid": obj["metadata"]["uid"]}
            if r.group:
                details["group"] = r.group
            return json_response(errors.success_status(details))

    def _cascade(self, obj: dict) -> None:
        """Background deletion: dependents go with their owner."""
        for plural in ("replicasets", "pods"):
            for child in self.store.owned(plural, obj["metadata"]["uid"]):
                self._cascade(child)
        if obj["kind"] == "Pod":
            kubelet.remove(self.cluster, obj)
            return
        meta = obj["metadata"]
        self.store.delete(_resource_of(obj).plural, meta.get("namespace"), meta["name"])
        self.cluster.behaviours.pop((meta.get("namespace"), meta["name"]), None)


# ---- helpers ---------------------------------------------------------------------------------

def _resource(plural: str) -> Resource:
    return next(r for r in RESOURCES if r.plural == plural)


def _resource_of(obj: dict) -> Resource:
    return by_kind(obj["kind"])


def _key(obj: dict) -> str:
    return f'{obj["metadata"].get("namespace", "")}/{obj["metadata"]["name"]}'


def _encode_continue(key: str, rv: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str | None) -> str | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded))["start"]
    except (ValueError, KeyError):
        raise ApiError(400, "continue key is not valid: incorrect encoded start resourceVersion (version "
                            "meta.k8s.io/v1)", "BadRequest") from None


def _scale_view(obj: dict) -> dict:
    meta = obj["metadata"]
    selector = obj["spec"].get("selector", {}).get("matchLabels", {})
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": obj["spec"].get("replicas", 1)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": match_labels_selector(selector)}}


def _watch_line(kind: str, obj: dict) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"
