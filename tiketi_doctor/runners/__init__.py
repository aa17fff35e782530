"""Everything that talks to Docker (and kind/containerd through it) lives here.

Rules: argv lists, never a shell; every call bounded by a timeout; the `docker` SDK imported
inside the functions that need it, so static commands never pay for (or depend on) it. Failures
are the exceptions of `errors`, whose messages are meant to be printed as they are.
"""
from .errors import (
    BuildFailed,
    CommandTimeout,
    DockerUnavailable,
    ImageLoadFailed,
    ImageNotFound,
    KindClusterNotFound,
    RunnerError,
)

__all__ = [
    "BuildFailed",
    "CommandTimeout",
    "DockerUnavailable",
    "ImageLoadFailed",
    "ImageNotFound",
    "KindClusterNotFound",
    "RunnerError",
]
