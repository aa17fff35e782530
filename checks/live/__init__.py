"""CL: what the running cluster shows, explained by the repository.

Each finding is one failing component: what its pods show, why (the static root cause with
file:line, when one explains it) and what fixes it (see `base`). The family by concern:
`base` (the shared live-finding machinery), `explainers` (crash log signatures tied to static root
causes), `pods` (pod-state checks), `http_probes` (HTTP), `rollout` (deployed and scaled).
"""
from __future__ import annotations

from .http_probes import GatewayRouteMissingLive, HealthEndpointFailing
from .pods import (
    ConfigObjectMissing, ContainerConfigError, ContainerCrashLoop, ContainerOomKilled, ContainerRestarting, ImageNotAvailable, ImagePullFailed,
    InitContainerBlocked, PodUnschedulable, ProbeFailing,
)
from .rollout import ArgoApplicationUnhealthy, ComponentNotRunning, ReplicasFightAutoscalerLive

CHECKS = (
    ContainerCrashLoop,
    ImageNotAvailable,
    ContainerOomKilled,
    PodUnschedulable,
    InitContainerBlocked,
    ProbeFailing,
    ContainerConfigError,
    ContainerRestarting,
    HealthEndpointFailing,
    GatewayRouteMissingLive,
    ComponentNotRunning,
    ImagePullFailed,
    ConfigObjectMissing,
    ArgoApplicationUnhealthy,
    ReplicasFightAutoscalerLive,
)
