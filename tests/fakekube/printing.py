"""Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for
(`Accept: application/json;as=Table;...`), with kubectl's usual columns."""

from __future__ import annotations

from .clock import Clock, parse_time


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery duration.HumanDuration, as in the AGE column."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    d = h // 24
    if h < 24 * 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    return f"{d}d" if d < 365 * 2 else f"{d // 365}y"


def _age(obj: dict, clock: Clock) -> str:
    stamp = obj["metadata"].get("creationTimestamp")
    return human_duration(clock.seconds_since(stamp)) if stamp else "<unknown>"


def _pod_status(pod: dict) -> str:
    """kubectl's printPod STATUS column."""
    status = pod.get("status", {})
    reason = status.get("reason") or status.get("phase", "Unknown")
    inits = status.get("initContainerStatuses", [])
    initializing = False
    for i, cs in enumerate(inits):
        state = cs.get("state", {})
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        initializing = True
        if term:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(pod['spec'].get('initContainers', []))}"
        break
    if not initializing:
        running = False
        for cs in reversed(status.get("containerStatuses", [])):
            state = cs.get("state", {})
            if state.get("waiting", {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated"):
                term = state["terminated"]
                reason = term.get("reason") or f"ExitCode:{term.get('exitCode')}"
            elif state.get("running") and cs.get("ready"):
                running = True
        if reason == "Completed" and running:
            reason = "Running"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _restarts(pod: dict, clock: Clock) -> str:
    statuses = pod.get("status", {}).get("containerStatuses", [])
    count = sum(cs.get("restartCount", 0) for cs in statuses)
    finished = [cs["lastState"]["terminated"]["finishedAt"] for cs in statuses
                if cs.get("lastState", {}).get("terminated", {}).get("finishedAt")]
    if count and finished:
        return f"{count} ({human_duration(clock.seconds_since(max(finished)))} ago)"
    return str(count)


def _ports(svc: dict) -> str:
    parts = []
    for p in svc["spec"].get("ports", []):
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        parts.append(f"{p['port']}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _event_object(ev: dict) -> str:
    ref = ev["involvedObject"]
    return f"{ref['kind'].lower()}/{ref['name']}"


def _since(stamp: str | None, clock: Clock) -> str:
    return human_duration(clock.seconds_since(stamp)) if stamp else "<unknown>"


def _col(name, kind="string", priority=0):
    return {"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": "",
            "priority": priority}


# plural -> (columns, cells(obj, clock))
_PRINTERS = {
    "pods": ([_col("Name"), _col("Ready"), _col("Status"), _col("Restarts", "string"), _col("Age"),
              _col("IP", priority=1), _col("Node", priority=1)],
             lambda o, c: [o["metadata"]["name"],
                           f"{sum(1 for s in o['status'].get('containerStatuses', []) if s.get('ready'))}/"
                           f"{len(o['spec'].get('containers', []))}",
                           _pod_status(o), _restarts(o, c), _age(o, c),
                           o["status"].get("podIP", "<none>"), o["spec"].get("nodeName", "<none>")]),
    "deployments": ([_col("Name"), _col("Ready"), _col("Up-to-date", "integer"), _col("Available", "integer"),
                     _col("Age"), _col("Containers", priority=1), _col("Images", priority=1)],
                    lambda o, c: [o["metadata"]["name"],
                                  f"{o['status'].get('readyReplicas', 0)}/{o['spec'].get('replicas', 1)}",
                                  o["status"].get("updatedReplicas", 0), o["status"].get("availableReplicas", 0),
                                  _age(o, c),
                                  ",".join(x["name"] for x in o["spec"]["template"]["spec"]["containers"]),
                                  ",".join(x["image"] for x in o["spec"]["template"]["spec"]["containers"])]),
    "replicasets": ([_col("Name"), _col("Desired", "integer"), _col("Current", "integer"),
                     _col("Ready", "integer"), _col("Age")],
                    lambda o, c: [o["metadata"]["name"], o["spec"].get("replicas", 0),
                                  o["status"].get("replicas", 0), o["status"].get("readyReplicas", 0), _age(o, c)]),
    "services": ([_col("Name"), _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"),
                  _col("Age")],
                 lambda o, c: [o["metadata"]["name"], o["spec"].get("type", "ClusterIP"),
                               o["spec"].get("clusterIP", "<none>"), "<none>", _ports(o), _age(o, c)]),
    "events": ([_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")],
               lambda o, c: [_since(o.get("lastTimestamp"), c), o.get("type", ""), o.get("reason", ""),
                             _event_object(o), o.get("message", "")]),
    "nodes": ([_col("Name"), _col("Status"), _col("Roles"), _col("Age"), _col("Version")],
              lambda o, c: [o["metadata"]["name"],
                            "Ready" if any(x["type"] == "Ready" and x["status"] == "True"
                                           for x in o["status"].get("conditions", [])) else "NotReady",
                            ",".join(k.split("/", 1)[1] for k in o["metadata"].get("labels", {})
                                     if k.startswith("node-role.kubernetes.io/")) or "<none>",
                            _age(o, c), o["status"]["nodeInfo"]["kubeletVersion"]]),
    "namespaces": ([_col("Name"), _col("Status"), _col("Age")],
                   lambda o, c: [o["metadata"]["name"], o["status"].get("phase", ""), _age(o, c)]),
}
_DEFAULT = ([_col("Name"), _col("Age")], lambda o, c: [o["metadata"]["name"], _age(o, c)])


def wants_table(accept: str) -> bool:
    return "as=Table" in (accept or "")


def table(plural: str, objects: list[dict], clock: Clock, resource_version: str,
          continue_token: str | None = None) -> dict:
    columns, cells = _PRINTERS.get(plural, _DEFAULT)
    if plural == "events":   # kubectl lists events oldest first
        objects = sorted(objects, key=lambda e: parse_time(e.get("lastTimestamp") or
                                                           e["metadata"]["creationTimestamp"]))
    rows = [{"cells": cells(o, clock),
             "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                        "metadata": o["metadata"]}} for o in objects]
    meta = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": columns, "rows": rows}
