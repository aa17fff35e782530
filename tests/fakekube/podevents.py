"""The events kubelet and the scheduler would have written for a pod in a given
state. Counts are absolute, so recording the same state twice changes nothing."""

from __future__ import annotations

from .podstate import PodState


def _event(type_: str, reason: str, message: str, count: int = 1, field_path: str | None = None,
           component: str = "kubelet") -> dict:
    return {"type": type_, "reason": reason, "message": message, "count": max(int(count), 1),
            "fieldPath": field_path, "component": component}


def _started_events(spec: dict, instances: int, field_path: str) -> list[dict]:
    image, name = spec.get("image", ""), spec["name"]
    if spec.get("imagePullPolicy") == "Always":
        pulled = [_event("Normal", "Pulling", f'Pulling image "{image}"', instances, field_path),
                  _event("Normal", "Pulled", f'Successfully pulled image "{image}" in 812ms '
                         f'(812ms including waiting). Image size: 51379411 bytes.', instances, field_path)]
    else:
        pulled = [_event("Normal", "Pulled", f'Container image "{image}" already present on machine',
                         instances, field_path)]
    return pulled + [
        _event("Normal", "Created", f"Created container: {name}", instances, field_path),
        _event("Normal", "Started", f"Started container {name}", instances, field_path),
    ]


def pod_events(state: PodState, pod: dict, node: str) -> list[dict]:
    meta, spec = pod["metadata"], pod["spec"]
    pod_ref = f'{meta["name"]}_{meta["namespace"]}({meta["uid"]})'
    events = []
    if not state.scheduled:
        events.append(_event("Warning", "FailedScheduling", state.unschedulable_message or "",
                             state.repeats or 1, component="default-scheduler"))
        return events + list(state.events)
    events.append(_event("Normal", "Scheduled",
                         f'Successfully assigned {meta["namespace"]}/{meta["name"]} to {node}',
                         component="default-scheduler"))
    for i, cspec in enumerate(spec.get("initContainers", [])):
        st = state.init_container(i)
        if st.image_pulled and (st.state != "waiting" or st.restarts):
            events += _started_events(cspec, st.restarts + 1, f'spec.initContainers{{{cspec["name"]}}}')
    for i, cspec in enumerate(spec.get("containers", [])):
        st = state.container(i)
        path = f'spec.containers{{{cspec["name"]}}}'
        ever_started = st.state != "waiting" or st.restarts > 0 or st.last_terminated is not None
        if st.image_pulled and ever_started:
            events += _started_events(cspec, st.restarts + 1, path)
        if st.reason == "CrashLoopBackOff":
            count = state.repeats or max(1, st.restarts * 4 - 2)
            events.append(_event("Warning", "BackOff",
                                 f'Back-off restarting failed container {cspec["name"]} in pod {pod_ref}',
                                 count, path))
    return events + list(state.events)
