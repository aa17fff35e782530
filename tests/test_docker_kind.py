"""Loading an image into a kind node's containerd, natively (no kind binary, no registry).

The "node" is a container like kind's: labelled io.x-k8s.kind.cluster=<cluster>, running a real
containerd (the host's, from the docker.io package) with the native snapshotter.
"""
from __future__ import annotations

import tarfile
import uuid

import pytest

from tiketi_doctor.runners import ImageLoadFailed, ImageNotFound, KindClusterNotFound
from tiketi_doctor.runners.kind import LOADED, PRESENT, cluster_nodes, containerd_reference, load_image

from .dockersupport import KIND_CLUSTER_LABEL, Rootfs, docker_client, kind_node, remove_images  # noqa: F401

# Unique per run: test runs sharing one engine must not see each other's images or nodes.
RUN_ID = uuid.uuid4().hex[:8]
IMAGE = f"tiketi-doctor-test/payload:{RUN_ID}"


@pytest.fixture(scope="module")
def cluster_and_node(docker_client):
    """A kind node of `tiketi-local` (the example's cluster name), or of a cluster of its own
    when a real cluster or another test run already has that name."""
    import docker

    for cluster in ("tiketi-local", f"tiketi-doctor-test-{RUN_ID}"):
        if docker_client.containers.list(all=True, filters={"label": f"{KIND_CLUSTER_LABEL}={cluster}"}):
            continue
        try:
            with kind_node(docker_client, cluster) as container:
                yield cluster, container
            return
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: the name was taken meanwhile
                raise
    pytest.fail("could not create a kind node container")


@pytest.fixture(scope="module")
def cluster(cluster_and_node) -> str:
    return cluster_and_node[0]


@pytest.fixture(scope="module")
def node(cluster_and_node):
    return cluster_and_node[1]


@pytest.fixture(scope="module")
def payload(docker_client, tmp_path_factory):
    """A tiny image with a file of its own, so its ID is unique to this test run."""
    archive = tmp_path_factory.mktemp("payload") / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        Rootfs(tar).text("/payload.txt", f"{uuid.uuid4()}\n")
    repository, tag = IMAGE.rsplit(":", 1)
    docker_client.api.import_image(src=str(archive), repository=repository, tag=tag)
    image = docker_client.images.get(IMAGE)
    yield image
    remove_images(docker_client, IMAGE)


def _node_images(node) -> list[str]:
    code, output = node.exec_run(["ctr", "-n", "k8s.io", "images", "ls", "-q"])
    assert code == 0, output
    return output.decode().split()


def test_load_then_already_present(docker_client, cluster, node, payload):
    assert containerd_reference(IMAGE) not in _node_images(node)
    lines: list[str] = []
    first = load_image(IMAGE, cluster, use_kind=False, on_log=lines.append, timeout=120, client=docker_client)
    assert first.method == "native"
    assert first.image_id == payload.id
    assert [(n.node, n.outcome) for n in first.nodes] == [(node.name, LOADED)]
    assert first.ok and first.raise_for_failures() is first
    assert f'Image: "{IMAGE}" with ID "{payload.id}" not yet present on node "{node.name}", loading...' in lines
    assert any(line.startswith(f"unpacking docker.io/{IMAGE} (sha256:") for line in lines)
    assert containerd_reference(IMAGE) == f"docker.io/tiketi-doctor-test/payload:{RUN_ID}"
    assert containerd_reference(IMAGE) in _node_images(node)

    second = load_image(IMAGE, cluster, use_kind=False, timeout=120, client=docker_client)
    assert [(n.node, n.outcome) for n in second.nodes] == [(node.name, PRESENT)]
    assert second.outcome(node.name) == PRESENT


def test_a_changed_image_under_the_same_tag_is_loaded_again(docker_client, cluster, node, payload, tmp_path):
    load_image(IMAGE, cluster, use_kind=False, timeout=120, client=docker_client)
    archive = tmp_path / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        Rootfs(tar).text("/payload.txt", "rebuilt\n")
    docker_client.api.import_image(src=str(archive), repository="tiketi-doctor-test/payload", tag=RUN_ID)
    try:
        rebuilt = docker_client.images.get(IMAGE)
        assert rebuilt.id != payload.id
        result = load_image(IMAGE, cluster, use_kind=False, timeout=120, client=docker_client)
        assert result.image_id == rebuilt.id
        assert result.outcome(node.name) == LOADED
    finally:
        payload.tag("tiketi-doctor-test/payload", RUN_ID)  # the module's image again, for other tests


def test_nodes_are_found_by_kind_label(docker_client, cluster, node):
    assert [c.name for c in cluster_nodes(cluster, client=docker_client)] == [node.name]


def test_unknown_cluster_and_unknown_image_are_clear_errors(docker_client, cluster, payload):
    with pytest.raises(KindClusterNotFound) as caught:
        load_image(IMAGE, "tiketi-doctor-no-such-cluster", use_kind=False, client=docker_client)
    assert str(caught.value).startswith(
        "no node container of kind cluster 'tiketi-doctor-no-such-cluster' "
        "(no container labelled io.x-k8s.kind.cluster=tiketi-doctor-no-such-cluster)"
    )
    with pytest.raises(ImageNotFound, match="no image 'tiketi-doctor-test/none:v0' in the local Docker engine"):
        load_image("tiketi-doctor-test/none:v0", cluster, use_kind=False, client=docker_client)


def test_a_node_that_is_not_running_is_reported_failed(docker_client, payload):
    from .dockersupport import OWNER_LABEL

    cluster = f"tiketi-doctor-stopped-{RUN_ID}"
    labels = {KIND_CLUSTER_LABEL: cluster, OWNER_LABEL: "1"}
    stopped = docker_client.containers.create(payload.id, command=["/nothing"], labels=labels, name=f"{cluster}-control-plane")
    try:
        result = load_image(IMAGE, cluster, use_kind=False, client=docker_client)
    finally:
        stopped.remove(force=True)
    assert [(n.node, n.outcome, n.reason) for n in result.nodes] == [
        (f"{cluster}-control-plane", "failed", "node container is created, not running")
    ]
    assert not result.ok
    with pytest.raises(ImageLoadFailed) as caught:
        result.raise_for_failures()
    assert str(caught.value) == (
        f"loading {IMAGE} into kind cluster '{cluster}' failed on 1 node(s): "
        f"{cluster}-control-plane: node container is created, not running"
    )


def test_containerd_reference_normalises_like_containerd():
    assert containerd_reference("tiketi-auth-service:local") == "docker.io/library/tiketi-auth-service:local"
    assert containerd_reference("busybox") == "docker.io/library/busybox:latest"
    assert containerd_reference("org/app:1") == "docker.io/org/app:1"
    assert containerd_reference("localhost:5000/app") == "localhost:5000/app:latest"
    assert containerd_reference("ghcr.io/org/app:2") == "ghcr.io/org/app:2"
