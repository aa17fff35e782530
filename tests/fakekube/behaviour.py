"""Pod behaviours: how a pod of a given deployment evolves, step by step.

Step 0 is the moment a pod is created; every tick moves each controller-made pod
one step on. Seeded pods are rendered once at `seed_step()` (e.g. a crash loop
that has already restarted five times) and then stay as they are.

A deployment's behaviour decides what the pods of a *new* rollout look like, so a
test can model "the fixed image now starts" (`healthy`) against "still crashes"
(`crashloop`). Any callable `(step, ctx) -> PodState` works as a behaviour too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from . import nodelogs
from . import podstate as ps
from .podstate import ContainerState, PodState, Terminated


@dataclass
class PodContext:
    name: str
    namespace: str
    container: str          # the main container's name
    image: str              # the main container's image
    age: float = 0.0        # seconds since the pod was created
    revision: int = 1
    template: dict = field(default_factory=dict)


def _warning(reason, message, count, ctx, component="kubelet"):
    return {"type": "Warning", "reason": reason, "message": message, "count": count,
            "fieldPath": f"spec.containers{{{ctx.container}}}", "component": component}


def _normal(reason, message, count, ctx):
    return dict(_warning(reason, message, count, ctx), type="Normal")


class Behaviour:
    """Base class: subclasses implement `at`; `seed_step` places seeded pods."""

    def at(self, step: int, ctx: PodContext) -> PodState:
        raise NotImplementedError

    def seed_step(self) -> int:
        return 10

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "log" and k != "init_log")
        return f"{type(self).__name__}({fields})"


class Healthy(Behaviour):
    """Starts and becomes ready after `ready_after` steps. Without a log, TIKETI
    images print their usual start-up banner."""

    def __init__(self, log: str | None = None, ready_after: int = 1):
        self.log, self.ready_after = log, ready_after

    def at(self, step, ctx):
        if step < self.ready_after:
            return ps.creating()
        return ps.running(log=self._log(ctx), running_for=max(ctx.age - 2, 1))

    def _log(self, ctx):
        if self.log is not None:
            return self.log
        ports = [p.get("containerPort") for c in ctx.template.get("spec", {}).get("containers", [])
                 if c.get("name") == ctx.container for p in c.get("ports", [])]
        if ctx.image.startswith("tiketi-") and ports:
            return nodelogs.startup(ctx.container, ports[0])
        return ""


class CrashLoop(Behaviour):
    """Starts, crashes with `log`, then backs off; restarts grow by one per step."""

    def __init__(self, log: str, exit_code: int = 1, reason: str = "Error", signal: int | None = None,
                 restarts: int = 5, repeats: int | None = None):
        self.log, self.exit_code, self.reason, self.signal = log, exit_code, reason, signal
        self.restarts, self.repeats = restarts, repeats

    def at(self, step, ctx):
        if step == 0:
            return ps.creating()
        if step == 1:
            return ps.running(log=self.log, ready=False, running_for=1)
        if step == 2:
            return ps.crashed_once(self.log, self.exit_code, self.reason)
        return ps.crashloop(self.log, restarts=step - 2, exit_code=self.exit_code,
                            reason=self.reason, signal=self.signal)

    def seed_step(self):
        return self.restarts + 2

    def seed(self, ctx):
        state = self.at(self.seed_step(), ctx)
        state.repeats = self.repeats
        return state


def OOMKilled(log: str = "", restarts: int = 4, **kw) -> CrashLoop:
    """Killed by the memory cgroup: exit 137 (128 + SIGKILL), reason OOMKilled."""
    return CrashLoop(log, exit_code=137, reason="OOMKilled", restarts=restarts, **kw)


class ImageNeverPull(Behaviour):
    """imagePullPolicy: Never and the image is not on the node (not `kind load`ed)."""

    def __init__(self, repeats: int = 12):
        self.repeats = repeats

    def at(self, step, ctx):
        message = f'Container image "{ctx.image}" is not present with pull policy of Never'
        state = ps.waiting("ErrImageNeverPull", message)
        count = step + 1
        state.events = [_warning("ErrImageNeverPull", message, count, ctx),
                        _warning("Failed", "Error: ErrImageNeverPull", count, ctx)]
        return state

    def seed_step(self):
        return self.repeats - 1


class ImagePullBackOff(Behaviour):
    """The image is pulled from a registry that does not have it."""

    def __init__(self, detail: str | None = None, repeats: int = 6):
        self.detail, self.repeats = detail, repeats

    def _detail(self, image):
        if self.detail:
            return self.detail
        ref = ps.qualify_image(image)
        return (f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": '
                f'pull access denied, repository does not exist or may require authorization: '
                f'server message: insufficient_scope: authorization failed')

    def at(self, step, ctx):
        detail = self._detail(ctx.image)
        if step == 0:
            return ps.creating()
        pulls = (step + 1) // 2
        backoffs = step // 2
        if step % 2:
            state = ps.waiting("ErrImagePull", detail)
        else:
            state = ps.waiting("ImagePullBackOff", f'Back-off pulling image "{ctx.image}": ErrImagePull: {detail}')
        state.events = [
            _normal("Pulling", f'Pulling image "{ctx.image}"', pulls, ctx),
            _warning("Failed", f'Failed to pull image "{ctx.image}": {detail}', pulls, ctx),
            _warning("Failed", "Error: ErrImagePull", pulls, ctx),
        ]
        if backoffs:
            state.events += [_normal("BackOff", f'Back-off pulling image "{ctx.image}"', backoffs * 2, ctx),
                             _warning("Failed", "Error: ImagePullBackOff", backoffs * 2, ctx)]
        return state

    def seed_step(self):
        return self.repeats * 2


class Unschedulable(Behaviour):
    DEFAULT = ("0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: "
               "1 No preemption victims found for incoming pod.")

    def __init__(self, message: str = DEFAULT, repeats: int = 3):
        self.message, self.repeats = message, repeats

    def at(self, step, ctx):
        state = ps.unschedulable(self.message)
        state.repeats = step + 1
        return state

    def seed_step(self):
        return self.repeats - 1


class InitWaiting(Behaviour):
    """An init container (e.g. wait-for-postgres) that never completes."""

    def __init__(self, init_log: str = "waiting for postgres\n", lines_per_step: int = 1):
        self.init_log, self.lines_per_step = init_log, lines_per_step

    def at(self, step, ctx):
        return ps.init_waiting(self.init_log * max(1, (step + 1) * self.lines_per_step))

    def seed_step(self):
        return 40


class ProbeFailing(Behaviour):
    """Runs but never becomes ready: the probe gets no answer. With a liveness message,
    kubelet also kills it regularly (exit 143 after SIGTERM)."""

    def __init__(self, log: str = "", readiness: str | None = None, liveness: str | None = None,
                 restarts: int = 0, repeats: int = 20):
        self.log, self.readiness, self.liveness = log, readiness, liveness
        self.restarts, self.repeats = restarts, repeats

    def at(self, step, ctx):
        if step == 0:
            return ps.creating()
        restarts = (step // 4) if self.liveness else 0
        last = Terminated(143, "Error", started_ago=100, finished_ago=40) if restarts else None
        state = PodState(containers=[ContainerState(
            ready=False, restarts=restarts, running_for=30, log=self.log,
            last_terminated=last, previous_log=self.log if restarts else None)])
        count = step * 3
        if self.readiness:
            state.events.append(_warning("Unhealthy", f"Readiness probe failed: {self.readiness}", count, ctx))
        if self.liveness:
            state.events.append(_warning("Unhealthy", f"Liveness probe failed: {self.liveness}", count, ctx))
            if restarts:
                state.events.append(_normal(
                    "Killing", f"Container {ctx.container} failed liveness probe, will be restarted",
                    restarts, ctx))
        return state

    def seed_step(self):
        return max(self.restarts * 4, self.repeats // 3, 1)


class ConfigError(Behaviour):
    """CreateContainerConfigError: a referenced ConfigMap/Secret (key) is missing."""

    def __init__(self, message: str, repeats: int = 8):
        self.message, self.repeats = message, repeats

    def at(self, step, ctx):
        state = ps.waiting("CreateContainerConfigError", self.message, image_pulled=True)
        state.events = [_warning("Failed", f"Error: {self.message}", step + 1, ctx)]
        return state

    def seed_step(self):
        return self.repeats - 1


class MountFailing(Behaviour):
    """ContainerCreating for ever: a volume's Secret/ConfigMap does not exist (kubelet's FailedMount)."""

    def __init__(self, volume: str, secret: str | None = None, config_map: str | None = None, repeats: int = 6):
        self.volume, self.repeats = volume, repeats
        self.missing = f'secret "{secret}" not found' if secret else f'configmap "{config_map}" not found'

    def at(self, step, ctx):
        state = ps.creating()
        state.events = [dict(_warning("FailedMount", f'MountVolume.SetUp failed for volume "{self.volume}" : {self.missing}',
                                      step + 1, ctx), fieldPath="")]
        return state

    def seed_step(self):
        return self.repeats - 1


class Static(Behaviour):
    """Always the same state (handy for hand-built PodStates)."""

    def __init__(self, state: PodState):
        self.state = state

    def at(self, step, ctx):
        return replace(self.state)


class FromCallable(Behaviour):
    def __init__(self, fn: Callable[[int, PodContext], PodState]):
        self.fn = fn

    def at(self, step, ctx):
        return self.fn(step, ctx)


class ByImage(Behaviour):
    """Choose by the main container's image: e.g. {'tiketi-auth-service:fixed': 'healthy'}."""

    def __init__(self, mapping: dict, default="healthy"):
        self.mapping = {image: as_behaviour(b) for image, b in mapping.items()}
        self.default = as_behaviour(default)

    def pick(self, ctx: PodContext) -> Behaviour:
        return self.mapping.get(ctx.image, self.default)

    def at(self, step, ctx):
        return self.pick(ctx).at(step, ctx)


def seed_state(behaviour: Behaviour, ctx: PodContext) -> PodState:
    chosen = behaviour.pick(ctx) if isinstance(behaviour, ByImage) else behaviour
    if hasattr(chosen, "seed"):
        return chosen.seed(ctx)
    return chosen.at(chosen.seed_step(), ctx)


# ---- building behaviours from scenario specs --------------------------------------

NAMED = {
    "healthy": Healthy,
    "running": Healthy,
    "crashloop": CrashLoop,
    "oomkilled": OOMKilled,
    "image-never-pull": ImageNeverPull,
    "image-pull-backoff": ImagePullBackOff,
    "unschedulable": Unschedulable,
    "pending": Unschedulable,
    "init-waiting": InitWaiting,
    "probe-failing": ProbeFailing,
    "config-error": ConfigError,
    "mount-failing": MountFailing,
}


def snake_case(key: str) -> str:
    """'exitCode' -> 'exit_code', 'podIPs' -> 'pod_ips' (scenario YAML uses camelCase)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower().replace("-", "_")


def as_behaviour(spec) -> Behaviour:
    """'healthy' | {'crashloop': {'log': ..., 'exitCode': 1}} | {'kind': 'crashloop', ...}
    | a Behaviour | a callable (step, ctx) -> PodState."""
    if isinstance(spec, Behaviour) or callable(getattr(spec, "at", None)):
        return spec
    if callable(spec) and not isinstance(spec, type):
        return FromCallable(spec)
    if isinstance(spec, str):
        name, params = spec, {}
    elif isinstance(spec, dict) and "kind" in spec:
        name, params = spec["kind"], {k: v for k, v in spec.items() if k != "kind"}
    elif isinstance(spec, dict) and len(spec) == 1:
        (name, params), = spec.items()
        params = params or {}
    else:
        raise ValueError(f"cannot make a pod behaviour from {spec!r}")
    if name == "by-image":
        return ByImage(params.get("images", {}), params.get("default", "healthy"))
    if name not in NAMED:
        raise ValueError(f"unknown pod behaviour {name!r}; known: {sorted(NAMED)}")
    return NAMED[name](**{snake_case(k): v for k, v in params.items()})
