"""The runners explain an unreachable Docker daemon instead of dumping the SDK's traceback."""
from __future__ import annotations

import pytest

from tiketi_doctor.runners import DockerUnavailable
from tiketi_doctor.runners.engine import connect
from tiketi_doctor.runners.images import build_image, image_id
from tiketi_doctor.runners.kind import load_image


@pytest.fixture
def no_daemon(tmp_path, monkeypatch) -> str:
    url = f"unix://{tmp_path}/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", url)
    return url


def test_missing_socket_is_explained(no_daemon):
    with pytest.raises(DockerUnavailable) as caught:
        connect(timeout=5)
    assert str(caught.value) == f"cannot reach the Docker daemon at {no_daemon}: is dockerd running? (no socket there)"
    assert caught.value.url == no_daemon


def test_a_socket_nobody_listens_on_is_explained(no_daemon):
    import socket

    path = no_daemon.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)  # bound but not listening: connections are refused
        with pytest.raises(DockerUnavailable) as caught:
            connect(timeout=5)
    assert str(caught.value).endswith("is dockerd running? (connection refused)")


def test_every_entry_point_raises_it(no_daemon, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM node:20-alpine\n")
    with pytest.raises(DockerUnavailable):
        build_image(tmp_path, ".", "Dockerfile", ["x:y"], timeout=5)
    with pytest.raises(DockerUnavailable):
        image_id("x:y")
    with pytest.raises(DockerUnavailable):
        load_image("x:y", "tiketi-local", use_kind=False, timeout=5)
