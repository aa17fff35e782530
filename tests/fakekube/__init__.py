"""A stateful fake Kubernetes API server for testing tiketi-doctor.

The official `kubernetes` client (and, for common commands, kubectl) talks to it
over HTTP on 127.0.0.1. See FakeKube for the controls tests use.
"""

from .behaviour import (Behaviour, ByImage, ConfigError, CrashLoop, Healthy, ImageNeverPull, ImagePullBackOff,
                        InitWaiting, OOMKilled, PodContext, ProbeFailing, Unschedulable, as_behaviour)
from .faults import Fault
from .generate import large_namespace
from .kubeconfig import DEFAULT_TOKEN, KIND_CONTEXT, context_token, write_kubeconfig
from .podstate import ContainerState, PodState, Terminated
from .requestlog import RequestRecord
from .scenario import SCENARIO_DIR, Component, Scenario
from .server import FakeKube

__all__ = [
    "FakeKube", "Scenario", "Component", "SCENARIO_DIR", "large_namespace",
    "write_kubeconfig", "KIND_CONTEXT", "DEFAULT_TOKEN", "context_token",
    "Fault", "RequestRecord",
    "Behaviour", "Healthy", "CrashLoop", "OOMKilled", "ImageNeverPull", "ImagePullBackOff", "Unschedulable",
    "InitWaiting", "ProbeFailing", "ConfigError", "ByImage", "PodContext", "as_behaviour",
    "PodState", "ContainerState", "Terminated",
]
