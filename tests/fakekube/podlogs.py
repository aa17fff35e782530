"""GET pods/{name}/log: which container instance's output to return, and the
errors kubelet gives when there is none (validateContainerLogStatus)."""

from __future__ import annotations

from .clock import iso_nano, parse_time
from .errors import bad_request
from .podstate import ContainerState
from .routing import flag


def _pick_container(pod: dict, requested: str | None) -> tuple[str, bool, int]:
    """-> (name, is_init, index)."""
    name = pod["metadata"]["name"]
    mains = [c["name"] for c in pod["spec"].get("containers", [])]
    inits = [c["name"] for c in pod["spec"].get("initContainers", [])]
    if not requested:
        if len(mains) == 1:
            return mains[0], False, 0
        message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(mains)}]"
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        raise bad_request(message)
    if requested in mains:
        return requested, False, mains.index(requested)
    if requested in inits:
        return requested, True, inits.index(requested)
    raise bad_request(f"container {requested} is not valid for pod {name}")


def _output(st: ContainerState, container: str, pod_name: str, previous: bool) -> str:
    where = f'container "{container}" in pod "{pod_name}"'
    if previous:
        if st.last_terminated is None:
            raise bad_request(f'previous terminated {where} not found')
        return st.previous_log or ""
    if st.state in ("running", "terminated"):
        return st.log or ""
    if st.last_terminated is not None:
        return st.previous_log or ""
    reason = st.reason or "ContainerCreating"
    if reason == "ErrImagePull":
        raise bad_request(f"{where} is waiting to start: image can't be pulled")
    if reason == "ImagePullBackOff":
        raise bad_request(f"{where} is waiting to start: trying and failing to pull image")
    raise bad_request(f"{where} is waiting to start: {reason}")


def _tail(text: str, query: dict, started: str | None) -> str:
    lines = text.splitlines(keepends=True)
    if query.get("tailLines") not in (None, ""):
        count = int(query["tailLines"])
        lines = lines[-count:] if count > 0 else []
    if flag(query, "timestamps") and started:
        stamp = iso_nano(parse_time(started))
        lines = [f"{stamp} {line}" for line in lines]
    out = "".join(lines)
    if query.get("limitBytes") not in (None, ""):
        out = out.encode()[: int(query["limitBytes"])].decode(errors="ignore")
    return out


def read_log(pod: dict, runtime, query: dict) -> str:
    container, is_init, index = _pick_container(pod, query.get("container"))
    previous = flag(query, "previous")
    if not pod["spec"].get("nodeName"):
        return ""   # not scheduled: the server has no kubelet to ask and answers empty
    if runtime is None or runtime.state is None:
        return ""
    override = runtime.log_overrides.get((container, previous))
    state = runtime.state
    st = state.init_container(index) if is_init else state.container(index)
    text = _output(st, container, pod["metadata"]["name"], previous)
    if override is not None:
        text = override
    return _tail(text, query, pod.get("status", {}).get("startTime"))
