"""The connection to the Docker daemon, with "is it running?" turned into a DockerUnavailable."""
from __future__ import annotations

import os

from .errors import DockerUnavailable

DEFAULT_URL = "unix:///var/run/docker.sock"


def daemon_url() -> str:
    return os.environ.get("DOCKER_HOST") or DEFAULT_URL


def _cause(exc: BaseException) -> str:
    """The root cause in words, instead of requests' nested repr."""
    seen = exc
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__
        if isinstance(seen, (FileNotFoundError, PermissionError, ConnectionRefusedError)):
            break
    if isinstance(seen, FileNotFoundError):
        return "no socket there"
    if isinstance(seen, PermissionError):
        return "permission denied on the socket: run as root or join the docker group"
    if isinstance(seen, ConnectionRefusedError):
        return "connection refused"
    text = str(exc).strip() or exc.__class__.__name__
    return text if len(text) < 300 else text[:300] + "..."


def connect(timeout: float = 60.0):
    """A `docker.DockerClient` that has answered a ping. `timeout` bounds each API read."""
    import docker

    url = daemon_url()
    try:
        client = docker.from_env(timeout=int(max(1, timeout)))
    except docker.errors.DockerException as exc:
        raise DockerUnavailable(url, _cause(exc)) from None
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - requests/urllib3/docker errors all mean "no daemon"
        client.close()
        raise DockerUnavailable(url, _cause(exc)) from None
    return client
