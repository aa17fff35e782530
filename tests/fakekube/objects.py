"""Builders for API objects with the fields and server-side defaults a real
API server fills in (so client models deserialise to realistic values)."""

from __future__ import annotations

import base64

from .clock import iso
from .jsonutil import clone

NODE_NAME = "tiketi-local-control-plane"
NODE_IP = "172.18.0.2"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"


def metadata(name: str, namespace: str | None, uid: str, created, labels: dict | None = None,
             annotations: dict | None = None, owner: dict | None = None,
             generation: int | None = None, generate_name: str | None = None) -> dict:
    meta = {"name": name}
    if generate_name:
        meta["generateName"] = generate_name
    if namespace:
        meta["namespace"] = namespace
    meta["uid"] = uid
    meta["resourceVersion"] = "0"   # the store assigns the real one
    if generation is not None:
        meta["generation"] = generation
    meta["creationTimestamp"] = iso(created)
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    if owner:
        meta["ownerReferences"] = [owner]
    return meta


def owner_ref(obj: dict) -> dict:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


# ---- defaulting (what the API server adds on create/update) ---------------------

def _default_probe(probe: dict | None) -> dict | None:
    if not probe:
        return probe
    probe = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3,
             **probe}
    if "httpGet" in probe:
        probe["httpGet"] = {"scheme": "HTTP", **probe["httpGet"]}
    return probe


def default_container(container: dict) -> dict:
    return _fill_container(clone(container))


def _fill_container(c: dict) -> dict:
    image = c.get("image", "")
    tag = image.rsplit("/", 1)[-1]
    if "imagePullPolicy" not in c:
        c["imagePullPolicy"] = "Always" if (":" not in tag or tag.endswith(":latest")) and "@" not in tag \
            else "IfNotPresent"
    c.setdefault("resources", {})
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    for port in c.get("ports", []):
        port.setdefault("protocol", "TCP")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if c.get(key):
            c[key] = _default_probe(c[key])
    return c


def default_pod_spec(spec: dict) -> dict:
    s = clone(spec)
    for c in s.get("containers", []) + s.get("initContainers", []):
        _fill_container(c)
    s.setdefault("containers", [])
    s.setdefault("restartPolicy", "Always")
    s.setdefault("terminationGracePeriodSeconds", 30)
    s.setdefault("dnsPolicy", "ClusterFirst")
    s.setdefault("securityContext", {})
    s.setdefault("schedulerName", "default-scheduler")
    return s


def default_template(template: dict) -> dict:
    t = {"metadata": clone(template.get("metadata") or {}), "spec": default_pod_spec(template.get("spec", {}))}
    t["metadata"].setdefault("creationTimestamp", None)
    return t


def default_deployment_spec(spec: dict) -> dict:
    s = {k: clone(v) for k, v in spec.items() if k != "template"}
    s.setdefault("replicas", 1)
    s.setdefault("revisionHistoryLimit", 10)
    s.setdefault("progressDeadlineSeconds", 600)
    strategy = s.setdefault("strategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy["type"] = "RollingUpdate"
        strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
    s["template"] = default_template(spec.get("template") or {})
    return s


# ---- workload objects -------------------------------------------------------------

def deployment(name: str, namespace: str, uid: str, created, template: dict, replicas: int = 1,
               labels: dict | None = None, annotations: dict | None = None,
               selector: dict | None = None) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, namespace, uid, created, labels, annotations, generation=1),
        "spec": default_deployment_spec({
            "replicas": replicas,
            "selector": selector or {"matchLabels": dict(template.get("metadata", {}).get("labels", labels))},
            "template": template,
        }),
        "status": {},
    }


def strip_hash(template: dict) -> dict:
    t = clone(template)
    labels = t.get("metadata", {}).get("labels")
    if labels:
        labels.pop(HASH_LABEL, None)
    return t


def replicaset(deploy: dict, uid: str, created, pod_hash: str, revision: int, replicas: int,
               template: dict | None = None) -> dict:
    dmeta, dspec = deploy["metadata"], deploy["spec"]
    template = clone(template if template is not None else dspec["template"])
    template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
    selector = clone(dspec["selector"])
    selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
    labels = dict(template["metadata"]["labels"])
    desired = dspec.get("replicas", 1)
    annotations = {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(desired + max_surge(deploy)),
                   REVISION: str(revision)}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata(f'{dmeta["name"]}-{pod_hash}', dmeta["namespace"], uid, created, labels,
                             annotations, owner_ref(deploy), generation=1),
        "spec": {"replicas": replicas, "selector": selector, "template": template},
        "status": {"replicas": 0, "observedGeneration": 1},
    }


def _resolve(value, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        scaled = total * int(value[:-1]) / 100
        return int(-(-scaled // 1)) if round_up else int(scaled // 1)
    return int(value or 0)


def max_surge(deploy: dict) -> int:
    spec = deploy["spec"]
    if spec.get("strategy", {}).get("type") == "Recreate":
        return 0
    rolling = spec.get("strategy", {}).get("rollingUpdate", {})
    return _resolve(rolling.get("maxSurge", "25%"), spec.get("replicas", 1), True)


def max_unavailable(deploy: dict) -> int:
    spec = deploy["spec"]
    replicas = spec.get("replicas", 1)
    if spec.get("strategy", {}).get("type") == "Recreate":
        return replicas
    rolling = spec.get("strategy", {}).get("rollingUpdate", {})
    unavailable = _resolve(rolling.get("maxUnavailable", "25%"), replicas, False)
    if unavailable == 0 and max_surge(deploy) == 0:
        unavailable = 1  # the API forbids both being zero; the controller assumes 1
    return min(unavailable, replicas)


def pod(rs: dict, name: str, uid: str, created, node: str | None, api_access_suffix: str,
        owned: bool = True) -> dict:
    """A pod as the ReplicaSet controller creates it (status is rendered separately)."""
    template = rs["spec"]["template"]
    spec = clone(template["spec"])          # ReplicaSet templates are already defaulted
    volume = f"kube-api-access-{api_access_suffix}"
    for c in spec["containers"] + spec.get("initContainers", []):
        c.setdefault("volumeMounts", []).append(
            {"name": volume, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
    spec.setdefault("volumes", []).append({"name": volume, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]}})
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    if node:
        spec["nodeName"] = node
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("priority", 0)
    spec.setdefault("tolerations", [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
    ])
    tmeta = template.get("metadata", {})
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(name, rs["metadata"]["namespace"], uid, created, tmeta.get("labels"),
                             tmeta.get("annotations"), owner_ref(rs) if owned else None,
                             generate_name=rs["metadata"]["name"] + "-" if owned else None),
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }


# ---- networking ------------------------------------------------------------------------

def service(name: str, namespace: str, uid: str, created, selector: dict, ports: list[dict],
            cluster_ip: str, type_: str = "ClusterIP", labels: dict | None = None) -> dict:
    spec_ports = []
    for p in ports:
        port = {"name": p.get("name", "http"), "protocol": p.get("protocol", "TCP"), "port": p["port"],
                "targetPort": p.get("targetPort", p["port"])}
        if type_ in ("NodePort", "LoadBalancer") and p.get("nodePort"):
            port["nodePort"] = p["nodePort"]
        spec_ports.append(port)
    spec = {"ports": spec_ports, "selector": dict(selector), "clusterIP": cluster_ip,
            "clusterIPs": [cluster_ip], "type": type_, "sessionAffinity": "None",
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"}
    if type_ in ("NodePort", "LoadBalancer"):
        spec["externalTrafficPolicy"] = "Cluster"
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": metadata(name, namespace, uid, created, labels),
            "spec": spec, "status": {"loadBalancer": {}}}


def _resolve_target(port: dict, pod_spec: dict) -> int | None:
    target = port.get("targetPort", port["port"])
    if isinstance(target, int):
        return target
    for c in pod_spec.get("containers", []):
        for cp in c.get("ports", []):
            if cp.get("name") == target:
                return cp["containerPort"]
    return None


def endpoints(svc: dict, pods: list[dict], uid: str, created, now) -> dict:
    """The Endpoints the endpoints controller keeps for a selector-based Service."""
    meta = svc["metadata"]
    ready, not_ready, ports = [], [], []
    for p in pods:
        ip = p.get("status", {}).get("podIP")
        if not ip or p["metadata"].get("deletionTimestamp"):
            continue
        address = {"ip": ip, "nodeName": p["spec"].get("nodeName", NODE_NAME),
                   "targetRef": {"kind": "Pod", "namespace": p["metadata"]["namespace"],
                                 "name": p["metadata"]["name"], "uid": p["metadata"]["uid"]}}
        is_ready = any(c["type"] == "Ready" and c["status"] == "True"
                       for c in p["status"].get("conditions", []))
        (ready if is_ready else not_ready).append(address)
    if pods:
        for sp in svc["spec"].get("ports", []):
            number = _resolve_target(sp, pods[0]["spec"])
            if number is not None:
                ports.append({"name": sp.get("name"), "port": number, "protocol": sp.get("protocol", "TCP")})
    obj = {"apiVersion": "v1", "kind": "Endpoints",
           "metadata": metadata(meta["name"], meta["namespace"], uid, created, meta.get("labels"),
                                {"endpoints.kubernetes.io/last-change-trigger-time": iso(now)})}
    if ready or not_ready:
        subset = {}
        if ready:
            subset["addresses"] = sorted(ready, key=lambda a: a["ip"])
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: a["ip"])
        subset["ports"] = ports
        obj["subsets"] = [subset]
    return obj


# ---- config and cluster-scoped objects ------------------------------------------------

def configmap(name: str, namespace: str, uid: str, created, data: dict, labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": metadata(name, namespace, uid, created, labels),
            "data": {k: str(v) for k, v in data.items()}}


def secret(name: str, namespace: str, uid: str, created, string_data: dict, type_: str = "Opaque") -> dict:
    data = {k: base64.b64encode(str(v).encode()).decode() for k, v in string_data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata(name, namespace, uid, created),
            "data": data, "type": type_}


def namespace(name: str, uid: str, created) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": metadata(name, None, uid, created, {"kubernetes.io/metadata.name": name}),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def node(name: str, uid: str, created, boot_id: str, machine_id: str) -> dict:
    """A kind control-plane node (kindest/node v1.32.2)."""
    conditions = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    stamp = iso(created)
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "node-role.kubernetes.io/control-plane": "",
              "node.kubernetes.io/exclude-from-external-load-balancers": ""}
    annotations = {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                   "node.alpha.kubernetes.io/ttl": "0",
                   "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
    capacity = {"cpu": "2", "ephemeral-storage": "61202244Ki", "hugepages-2Mi": "0",
                "memory": "2014788Ki", "pods": "110"}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": metadata(name, None, uid, created, labels, annotations),
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"],
                 "providerID": f"kind://docker/{name.removesuffix('-control-plane')}/{name}"},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [{"type": t, "status": s, "lastHeartbeatTime": stamp, "lastTransitionTime": stamp,
                            "reason": r, "message": m} for t, s, r, m in conditions],
            "addresses": [{"type": "InternalIP", "address": NODE_IP}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": machine_id, "systemUUID": machine_id, "bootID": boot_id,
                "kernelVersion": "6.1.0-27-amd64", "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://2.0.2", "kubeletVersion": "v1.32.2",
                "kubeProxyVersion": "v1.32.2", "operatingSystem": "linux", "architecture": "amd64",
            },
            "images": [],
        },
    }


def event(name: str, namespace: str, uid: str, involved: dict, type_: str, reason: str, message: str,
          count: int, first, last, component: str, host: str | None, field_path: str | None = None) -> dict:
    imeta = involved["metadata"]
    ref = {"kind": involved["kind"], "namespace": imeta.get("namespace"), "name": imeta["name"],
           "uid": imeta["uid"], "apiVersion": involved["apiVersion"],
           "resourceVersion": imeta.get("resourceVersion")}
    if field_path:
        ref["fieldPath"] = field_path
    source = {"component": component}
    if host and component == "kubelet":
        source["host"] = host
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": metadata(name, namespace, uid, first),
        "involvedObject": ref, "reason": reason, "message": message, "source": source,
        "firstTimestamp": iso(first), "lastTimestamp": iso(last), "count": count, "type": type_,
        "eventTime": None, "reportingComponent": component, "reportingInstance": host or "",
    }


def list_of(kind: str, api_version: str, items: list[dict], resource_version: str,
            continue_token: str | None = None, remaining: int | None = None) -> dict:
    meta = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
        if remaining is not None:
            meta["remainingItemCount"] = remaining
    return {"kind": kind, "apiVersion": api_version, "metadata": meta, "items": items}
