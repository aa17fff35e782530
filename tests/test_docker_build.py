"""Real `docker build` / `docker run` of the example's auth-service: the report's crash, and the fix.

These need a Docker engine (`bash .ci/install-docker.sh`); without one they skip and say why.
The base image `node:20-alpine` is made offline from the host's node (tests/dockersupport.py).
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app
from tiketi_doctor.runners import BuildFailed
from tiketi_doctor.runners.images import build_image, image_id, split_reference, unique_tag_for

from .conftest import EXAMPLE
from .dockersupport import docker_client, free_port, node_base_image, remove_images, running  # noqa: F401

DOCKERFILE = "services/auth-service/Dockerfile"
TAG = "tiketi-auth-service:local"
BUILD_TIMEOUT = 600


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory, docker_client, node_base_image):
    """The example as it is, auth-service built from the repository root like its guide says."""
    root = tmp_path_factory.mktemp("broken") / "tiketi"
    shutil.copytree(EXAMPLE, root)
    lines: list[str] = []
    result = build_image(root, ".", DOCKERFILE, [TAG], on_log=lines.append, timeout=BUILD_TIMEOUT, client=docker_client)
    yield result, lines
    remove_images(docker_client, *result.tags)


@pytest.fixture(scope="module")
def fixed_build(tmp_path_factory, docker_client, node_base_image):
    """The example after `tiketi-doctor fix --apply --select DEP,PORT`, auth-service rebuilt."""
    root = tmp_path_factory.mktemp("fixed") / "tiketi"
    shutil.copytree(EXAMPLE, root)
    outcome = CliRunner().invoke(app, ["fix", str(root), "--apply", "--select", "DEP,PORT", "--no-color"])
    assert outcome.exit_code in (0, 1), outcome.output  # 1: findings of other families remain
    fixed = (root / DOCKERFILE).read_text()
    assert "printf" not in fixed and "EXPOSE 3005" in fixed, f"the fix did not rewrite {DOCKERFILE}:\n{outcome.output}"
    result = build_image(root, ".", DOCKERFILE, [TAG], timeout=BUILD_TIMEOUT, client=docker_client)
    yield result, root
    remove_images(docker_client, *result.tags)


def test_build_reports_id_tags_and_streams_the_log(broken_build, docker_client):
    result, lines = broken_build
    assert result.image_id.startswith("sha256:") and len(result.image_id) == 71
    assert result.tags == (TAG, unique_tag_for(TAG, result.image_id))
    assert result.unique_tag == f"tiketi-auth-service:td-{result.image_id[7:19]}"
    # TAG itself may be moved meanwhile by another test run sharing the engine; the unique tag may not.
    assert image_id(result.unique_tag, client=docker_client) == result.image_id
    assert f"Successfully tagged {TAG}" in lines
    assert image_id("tiketi-doctor-test/no-such-image:nope", client=docker_client) is None
    assert lines == list(result.log)
    assert lines[0] == "Step 1/12 : FROM node:20-alpine"
    assert any(line.startswith("Step 4/12 : RUN printf ") for line in lines)
    assert not any("\x1b[" in line for line in lines)
    assert result.seconds > 0


def test_broken_image_crashes_like_the_report(broken_build, docker_client):
    result, _ = broken_build
    with running(docker_client, result.image_id) as container:
        status = container.wait(timeout=60)
        log = container.logs().decode(errors="replace")
    assert status["StatusCode"] == 1, log
    assert "Error: Cannot find module 'google-auth-library'" in log
    assert "/app/src/routes/auth.js" in log  # the require that fails (src/routes/auth.js:6)


def test_fixed_image_builds_and_answers_health(fixed_build, docker_client):
    result, root = fixed_build
    port = free_port()
    # HOST unset: the app binds 0.0.0.0 inside the container; only 127.0.0.1 is published.
    with running(docker_client, result.image_id, ports={"3005/tcp": ("127.0.0.1", port)}) as container:
        deadline = time.monotonic() + 30
        answer = None
        with httpx.Client(timeout=2) as http:
            while time.monotonic() < deadline:
                try:
                    answer = http.get(f"http://127.0.0.1:{port}/health")
                    break
                except httpx.TransportError:
                    container.reload()
                    if container.status == "exited":
                        break
                    time.sleep(0.2)
        log = container.logs().decode(errors="replace")
    assert answer is not None, f"no answer on 127.0.0.1:{port} within 30 s; container log:\n{log}"
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "service": "auth-service"}
    assert "listening on http://0.0.0.0:3005" in log


def test_failing_run_step_gives_build_failed_with_step_and_log_tail(tmp_path, docker_client, node_base_image):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text(
        "FROM node:20-alpine\n"
        "WORKDIR /app\n"
        "RUN for i in $(seq 1 40); do echo \"line $i\"; done\n"
        "RUN echo 'npm error 404 Not Found - GET https://registry.npmjs.org/no-such-package' >&2 \\\n"
        "    && exit 3\n"
        'CMD ["node"]\n'
    )
    seen: list[str] = []
    with pytest.raises(BuildFailed) as caught:
        build_image(tmp_path, ".", "app/Dockerfile", ["tiketi-doctor-test/failing:td"], on_log=seen.append, timeout=120, nocache=True, client=docker_client)
    failure = caught.value
    assert failure.step.startswith("Step 4/5 : RUN echo 'npm error 404 Not Found")
    assert failure.line == 4
    assert failure.dockerfile == "app/Dockerfile"
    assert "returned a non-zero code: 3" in failure.reason
    assert len(failure.log_tail) == 30
    assert "npm error 404 Not Found - GET https://registry.npmjs.org/no-such-package" in failure.log_tail
    assert failure.log_tail[-1] == failure.reason
    assert seen[-1] == failure.reason  # the streamed log ends with the error too
    message = str(failure)
    assert message.splitlines()[0] == (
        "docker build of tiketi-doctor-test/failing:td failed at Step 4/5 : RUN echo 'npm error 404 Not Found - GET "
        "https://registry.npmjs.org/no-such-package' >&2     && exit 3 (app/Dockerfile:4)"
    )
    assert "Traceback" not in message


def test_missing_dockerfile_and_context_are_build_failures(tmp_path):
    with pytest.raises(BuildFailed, match="no Dockerfile at"):
        build_image(tmp_path, ".", "nowhere/Dockerfile", ["x:y"])
    with pytest.raises(BuildFailed, match="is not a directory"):
        build_image(tmp_path, "missing", "Dockerfile", ["x:y"])


def test_references_split_like_docker():
    assert split_reference("tiketi-auth-service:local") == ("tiketi-auth-service", "local")
    assert split_reference("localhost:5000/auth") == ("localhost:5000/auth", "latest")
    assert split_reference("localhost:5000/auth:v2") == ("localhost:5000/auth", "v2")
    assert unique_tag_for("localhost:5000/auth:v2", "sha256:" + "ab" * 32) == "localhost:5000/auth:td-abababababab"
