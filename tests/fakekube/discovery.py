"""Discovery documents: /version, /api, /apis and the per-group resource lists.
Enough for the Python client and for kubectl's legacy (non-aggregated) discovery."""

from __future__ import annotations

from .resources import GROUPS, RESOURCES

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.2",
    "gitCommit": "67a30c0adcf52bd3f56ff0893ce19966be12991f",
    "gitTreeState": "clean",
    "buildDate": "2025-02-12T21:19:47Z",
    "goVersion": "go1.23.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}

# kind's control plane is reachable at the node IP from inside the cluster.
_SERVER_ADDRESS = [{"clientCIDR": "0.0.0.0/0", "serverAddress": "172.18.0.2:6443"}]


def api_versions() -> dict:
    return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": _SERVER_ADDRESS}


def _group(name: str, version: str) -> dict:
    gv = {"groupVersion": f"{name}/{version}", "version": version}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


def api_group(name: str) -> dict | None:
    if name not in GROUPS:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, GROUPS[name])}


def api_group_list() -> dict:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(name, version) for name, version in GROUPS.items()]}


def api_resource_list(group: str, version: str) -> dict | None:
    served = [r for r in RESOURCES if r.group == group and r.version == version]
    if not served:
        return None
    entries = []
    for r in served:
        entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": list(r.verbs)}
        if r.short_names:
            entry["shortNames"] = list(r.short_names)
        if r.plural in ("pods", "deployments", "replicasets", "services"):
            entry["categories"] = ["all"]
        entries.append(entry)
        for sub in r.subresources:
            kind = {"log": "Pod", "scale": "Scale"}.get(sub, r.kind)
            sub_entry = {"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                         "kind": kind, "verbs": ["get"] if sub == "log" else ["get", "patch", "update"]}
            if sub == "scale":
                sub_entry.update(group="autoscaling", version="v1")
            entries.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": entries}
