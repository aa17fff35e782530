"""Large namespaces for benchmarks: many deployments, thousands of pods, a
sprinkling of crash loops so a diagnosis has something to find."""

from __future__ import annotations

from . import nodelogs
from .behaviour import CrashLoop
from .scenario import Scenario


def large_namespace(pods: int = 500, *, deployments: int | None = None, namespace: str = "tiketi",
                    crashloop_every: int = 25, base_port: int = 4000) -> Scenario:
    """`pods` pods spread over `deployments` deployments (default: 10 pods each);
    every `crashloop_every`-th deployment crash-loops (0 turns that off)."""
    deployments = deployments or max(1, pods // 10)
    per, extra = divmod(pods, deployments)
    scenario = Scenario(namespace=namespace, name=f"large-{pods}")
    for index in range(deployments):
        name = f"worker-{index:04d}"
        port = base_port + index % 1000
        replicas = per + (1 if index < extra else 0)
        spec = dict(port=port, replicas=replicas, service=index % 5 == 0, age="3h")
        if crashloop_every and index % crashloop_every == crashloop_every - 1:
            log = nodelogs.module_not_found("ioredis", ["/app/src/cache.js", "/app/src/server.js"],
                                             "/app/src/cache.js:2:15")
            scenario.deployment(name, state=CrashLoop(log, restarts=3 + index % 7), **spec)
        else:
            scenario.deployment(name, **spec)
    return scenario
