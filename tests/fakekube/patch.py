"""The three PATCH flavours the API server accepts for built-in types."""

from __future__ import annotations

import copy

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"


class PatchError(ValueError):
    """A patch that cannot be applied (the server answers 422/400)."""


def merge_patch(target, patch):
    """RFC 7386: objects merge recursively, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# patchMergeKey of the list fields in the pod and workload types: lists under these
# names merge element-wise by that key instead of being replaced.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "ports": "containerPort",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
}

# Service ports merge by port number rather than containerPort.
_SERVICE_PORT_KEY = "port"


def _merge_key(key: str, items: list) -> str | None:
    merge_key = MERGE_KEYS.get(key)
    if key == "ports" and items and isinstance(items[0], dict) and "containerPort" not in items[0] \
            and _SERVICE_PORT_KEY in items[0]:
        return _SERVICE_PORT_KEY
    return merge_key


def strategic_merge_patch(target, patch):
    """Strategic merge for the shapes kubectl and clients actually send: nested maps,
    keyed lists (containers by name, env by name, ...), null deletion, and the
    `$patch: replace|delete` and `$setElementOrder`/`$retainKeys` directives."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch") \
                or key.startswith("$deleteFromPrimitiveList/"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = strategic_merge_patch(result.get(key), value)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(key: str, current, patch_items: list) -> list:
    merge_key = _merge_key(key, patch_items or current or [])
    if not merge_key or not isinstance(current, list) or \
            not all(isinstance(i, dict) for i in patch_items):
        replace = [i for i in patch_items if not (isinstance(i, dict) and i.get("$patch") == "replace")]
        return copy.deepcopy(replace)
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch_items):
        return [copy.deepcopy({k: v for k, v in i.items() if k != "$patch"})
                for i in patch_items if i.get("$patch") != "replace"]
    result = copy.deepcopy(current)
    for item in patch_items:
        ident = item.get(merge_key)
        index = next((n for n, existing in enumerate(result)
                      if isinstance(existing, dict) and existing.get(merge_key) == ident), None)
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(copy.deepcopy(item))
        else:
            result[index] = strategic_merge_patch(result[index], item)
    return result


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _walk(doc, pointer: str):
    """-> (parent container, last token) for a JSON pointer."""
    if not pointer.startswith("/"):
        raise PatchError(f"invalid JSON pointer {pointer!r}")
    tokens = [_unescape(t) for t in pointer[1:].split("/")]
    node = doc
    for token in tokens[:-1]:
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise PatchError(f"doc is missing path: {pointer!r}") from None
    return node, tokens[-1]


def _get(doc, pointer):
    if pointer == "":
        return doc
    parent, token = _walk(doc, pointer)
    try:
        return parent[int(token)] if isinstance(parent, list) else parent[token]
    except (KeyError, IndexError, ValueError, TypeError):
        raise PatchError(f"doc is missing path: {pointer!r}") from None


def _add(doc, pointer, value):
    if pointer == "":
        return value
    parent, token = _walk(doc, pointer)
    if isinstance(parent, list):
        index = len(parent) if token == "-" else int(token)
        if index > len(parent):
            raise PatchError(f"index out of range in {pointer!r}")
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[token] = value
    else:
        raise PatchError(f"doc is missing path: {pointer!r}")
    return doc


def _remove(doc, pointer):
    parent, token = _walk(doc, pointer)
    try:
        if isinstance(parent, list):
            return parent.pop(int(token))
        return parent.pop(token)
    except (KeyError, IndexError, ValueError, TypeError):
        raise PatchError(f"doc is missing path: {pointer!r}: missing value") from None


def json_patch(target, operations: list):
    """RFC 6902 (what `kubectl rollout undo` sends): add, remove, replace, move, copy, test."""
    if not isinstance(operations, list):
        raise PatchError("json patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)  # must exist
            if path == "":
                doc = copy.deepcopy(op.get("value"))
            else:
                _remove(doc, path)
                doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "move":
            value = _remove(doc, op["from"])
            doc = _add(doc, path, value)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise PatchError(f"testing value {path} failed")
        else:
            raise PatchError(f"Unexpected kind: {kind}")
    return doc


def apply_patch(content_type: str, target: dict, body) -> dict:
    media = (content_type or "").split(";")[0].strip().lower()
    if media == JSON_PATCH:
        return json_patch(target, body)
    if media == MERGE_PATCH:
        return merge_patch(target, body)
    if media == STRATEGIC_MERGE_PATCH:
        return strategic_merge_patch(target, body)
    raise LookupError(media)
