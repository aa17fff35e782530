"""What a pod is doing, independent of its name and spec, and how that renders
as the `status` block a kubelet would report."""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Callable

from .clock import iso


@dataclass
class Terminated:
    """One finished container instance (state.terminated or lastState.terminated)."""
    exit_code: int
    reason: str = "Error"
    signal: int | None = None
    message: str | None = None
    started_ago: float = 45.0      # seconds before "now"
    finished_ago: float = 44.0


@dataclass
class ContainerState:
    state: str = "running"                  # waiting | running | terminated
    reason: str | None = None               # waiting reason (e.g. CrashLoopBackOff)
    message: str | None = None              # waiting message
    ready: bool = True
    restarts: int = 0
    running_for: float = 600.0              # age of the running instance, seconds
    terminated: Terminated | None = None    # current state when state == 'terminated'
    last_terminated: Terminated | None = None
    log: str | None = ""                    # output of the current instance; None = never started
    previous_log: str | None = None         # output of the instance in last_terminated
    image_pulled: bool = True               # False: the image never reached the node (imageID "")

    @property
    def started(self) -> bool:
        return self.state == "running"


@dataclass
class PodState:
    phase: str = "Running"
    containers: list[ContainerState] = field(default_factory=lambda: [ContainerState()])
    init_containers: list[ContainerState] = field(default_factory=list)
    scheduled: bool = True
    unschedulable_message: str | None = None
    # Extra events beyond the ones the state implies (probe failures and the like):
    # dicts with type, reason, message, count and optionally fieldPath/component.
    events: list[dict] = field(default_factory=list)
    repeats: int | None = None              # count of the recurring warning (BackOff, FailedScheduling)

    def container(self, index: int) -> ContainerState:
        """States apply positionally; extra containers wait with the first one while
        the pod is Pending (ContainerCreating, PodInitializing) and are healthy otherwise."""
        if index < len(self.containers):
            return self.containers[index]
        first = self.containers[0] if self.containers else None
        if self.phase == "Pending" and first is not None and first.reason in ("ContainerCreating",
                                                                             "PodInitializing"):
            return ContainerState(state="waiting", reason=first.reason, ready=False, log=None)
        return ContainerState()

    def init_container(self, index: int) -> ContainerState:
        if index < len(self.init_containers):
            return self.init_containers[index]
        return ContainerState(state="terminated", ready=False,
                              terminated=Terminated(0, "Completed", started_ago=600, finished_ago=598))


# ---- rendering -----------------------------------------------------------------

def qualify_image(image: str) -> str:
    """containerd reports images fully qualified: docker.io/library/x:tag."""
    name, _, digest = image.partition("@")
    first = name.split("/")[0]
    if "/" not in name or ("." not in first and ":" not in first and first != "localhost"):
        name = ("docker.io/library/" if "/" not in name else "docker.io/") + name
    last = name.rsplit("/", 1)[-1]
    if not digest and ":" not in last:
        name += ":latest"
    return name + ("@" + digest if digest else "")


@dataclass
class RenderContext:
    now: _dt.datetime
    pod_uid: str
    created: _dt.datetime
    node_name: str = "tiketi-local-control-plane"
    host_ip: str = "172.18.0.2"
    pod_ip: str | None = None
    pod_ref: str = ""                       # "name_namespace(uid)", as kubelet messages print it
    image_id: Callable[[str], str] = lambda image: ""

    def at(self, seconds_ago: float) -> str:
        return iso(max(self.now - _dt.timedelta(seconds=seconds_ago), self.created))

    def container_id(self, name: str, instance: int) -> str:
        raw = f"{self.pod_uid}/{name}/{instance}".encode()
        return "containerd://" + hashlib.sha256(raw).hexdigest()


def _terminated_json(t: Terminated, ctx: RenderContext, name: str, instance: int) -> dict:
    out = {"exitCode": t.exit_code, "reason": t.reason, "startedAt": ctx.at(t.started_ago),
           "finishedAt": ctx.at(t.finished_ago), "containerID": ctx.container_id(name, instance)}
    if t.signal is not None:
        out["signal"] = t.signal
    if t.message:
        out["message"] = t.message
    return out


def container_status(spec: dict, st: ContainerState, ctx: RenderContext) -> dict:
    name, image = spec["name"], spec.get("image", "")
    if st.state == "running":
        state = {"running": {"startedAt": ctx.at(st.running_for)}}
    elif st.state == "terminated":
        state = {"terminated": _terminated_json(st.terminated or Terminated(0, "Completed"),
                                                ctx, name, st.restarts)}
    else:
        waiting = {"reason": st.reason or "ContainerCreating"}
        if st.message:
            waiting["message"] = st.message.replace("{container}", name).replace("{pod}", ctx.pod_ref)
        state = {"waiting": waiting}
    last = {}
    if st.last_terminated is not None:
        last = {"terminated": _terminated_json(st.last_terminated, ctx, name, max(st.restarts - 1, 0))}
    out = {
        "name": name,
        "state": state,
        "lastState": last,
        "ready": st.ready,
        "restartCount": st.restarts,
        "image": qualify_image(image) if st.image_pulled else image,
        "imageID": ctx.image_id(image) if st.image_pulled else "",
        "started": st.started,
    }
    if st.state in ("running", "terminated"):
        out["containerID"] = ctx.container_id(name, st.restarts)
    elif st.last_terminated is not None:
        out["containerID"] = ctx.container_id(name, max(st.restarts - 1, 0))
    return out


def _condition(kind: str, ok: bool, ctx: RenderContext, reason: str | None = None,
               message: str | None = None) -> dict:
    cond = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None,
            "lastTransitionTime": iso(ctx.created if ok else ctx.now)}
    if not ok and reason:
        cond["reason"] = reason
    if not ok and message:
        cond["message"] = message
    return cond


def render_status(state: PodState, spec: dict, ctx: RenderContext) -> dict:
    """The pod `status` block, shaped like a v1.32 kubelet writes it."""
    main_specs = spec.get("containers", [])
    init_specs = spec.get("initContainers", [])
    if not state.scheduled:
        return {
            "phase": "Pending",
            "conditions": [_condition("PodScheduled", False, ctx, "Unschedulable",
                                      state.unschedulable_message)],
            "qosClass": qos_class(spec),
        }
    inits = [container_status(s, state.init_container(i), ctx) for i, s in enumerate(init_specs)]
    mains = [container_status(s, state.container(i), ctx) for i, s in enumerate(main_specs)]
    incomplete = [s["name"] for i, s in enumerate(init_specs)
                  if not (state.init_container(i).state == "terminated"
                          and (state.init_container(i).terminated or Terminated(0)).exit_code == 0)]
    unready = [c["name"] for c in mains if not c["ready"]]
    sandbox = not all(st["state"].get("waiting", {}).get("reason") == "ContainerCreating"
                      for st in mains) or bool(inits)
    conditions = [
        _condition("PodReadyToStartContainers", sandbox, ctx),
        _condition("Initialized", not incomplete, ctx, "ContainersNotInitialized",
                   f"containers with incomplete status: [{' '.join(incomplete)}]"),
        _condition("Ready", not unready, ctx, "ContainersNotReady",
                   f"containers with unready status: [{' '.join(unready)}]"),
        _condition("ContainersReady", not unready, ctx, "ContainersNotReady",
                   f"containers with unready status: [{' '.join(unready)}]"),
        _condition("PodScheduled", True, ctx),
    ]
    status = {"phase": state.phase, "conditions": conditions, "hostIP": ctx.host_ip,
              "hostIPs": [{"ip": ctx.host_ip}]}
    if ctx.pod_ip and sandbox:
        status["podIP"] = ctx.pod_ip
        status["podIPs"] = [{"ip": ctx.pod_ip}]
    status["startTime"] = iso(ctx.created)
    if inits:
        status["initContainerStatuses"] = inits
    status["containerStatuses"] = mains
    status["qosClass"] = qos_class(spec)
    return status


def qos_class(spec: dict) -> str:
    containers = spec.get("containers", []) + spec.get("initContainers", [])
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits", {}).get(k) and r.get("requests", r.get("limits", {})).get(k) == r["limits"][k]
        for r in resources for k in ("cpu", "memory"))
    return "Guaranteed" if guaranteed else "Burstable"


# ---- common states -------------------------------------------------------------

def running(log: str = "", restarts: int = 0, ready: bool = True, running_for: float = 600,
            last_terminated: Terminated | None = None, previous_log: str | None = None) -> PodState:
    return PodState(containers=[ContainerState(
        ready=ready, restarts=restarts, running_for=running_for, log=log,
        last_terminated=last_terminated, previous_log=previous_log)])


def creating() -> PodState:
    return PodState(phase="Pending", containers=[ContainerState(
        state="waiting", reason="ContainerCreating", ready=False, log=None)])


def crashloop(log: str, restarts: int = 5, exit_code: int = 1, reason: str = "Error",
              signal: int | None = None, repeats: int | None = None,
              ran_for: float = 1.0) -> PodState:
    """Waiting in CrashLoopBackOff after `restarts` restarts; both the current and the
    previous log are the crash output, as they are for a deterministic crash."""
    backoff = min(10 * 2 ** max(restarts - 1, 0), 300)
    last = Terminated(exit_code, reason, signal, started_ago=ran_for + 15, finished_ago=15)
    return PodState(
        containers=[ContainerState(
            state="waiting", reason="CrashLoopBackOff",
            message=f"back-off {_duration(backoff)} restarting failed container={{container}} pod={{pod}}",
            ready=False, restarts=restarts, last_terminated=last, log=None, previous_log=log)],
        repeats=repeats)


def crashed_once(log: str, exit_code: int = 1, reason: str = "Error", restarts: int = 0) -> PodState:
    """The moment right after a crash, before kubelet starts backing off."""
    return PodState(containers=[ContainerState(
        state="terminated", ready=False, restarts=restarts,
        terminated=Terminated(exit_code, reason, started_ago=3, finished_ago=1), log=log)])


def waiting(reason: str, message: str | None = None, phase: str = "Pending",
            image_pulled: bool = False) -> PodState:
    return PodState(phase=phase, containers=[ContainerState(
        state="waiting", reason=reason, message=message, ready=False, log=None,
        image_pulled=image_pulled)])


def unschedulable(message: str) -> PodState:
    return PodState(phase="Pending", containers=[], scheduled=False, unschedulable_message=message)


def init_waiting(init_log: str, main_count: int = 1) -> PodState:
    """First init container still running; main containers wait in PodInitializing."""
    main = [ContainerState(state="waiting", reason="PodInitializing", ready=False, log=None)
            for _ in range(main_count)]
    return PodState(phase="Pending", containers=main,
                    init_containers=[ContainerState(ready=False, running_for=300, log=init_log)])


def _duration(seconds: int) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"

