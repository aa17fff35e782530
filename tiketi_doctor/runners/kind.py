"""Put a local Docker image into the containerd of a kind cluster's nodes.

With the `kind` binary on PATH this is `kind load docker-image IMAGE --name CLUSTER`. Without
it, the same steps kind takes are done through the Docker API:

1. the nodes are the containers labelled `io.x-k8s.kind.cluster=<cluster>`;
2. a node already has the image when its containerd (namespace k8s.io) holds the image's
   reference, normalised the way containerd names it (`x:tag` -> `docker.io/library/x:tag`),
   and that reference's manifest points at a config whose digest is the Docker image ID.
   (Docker's image ID *is* the config digest, and `docker save` + `ctr import` keep the config
   byte for byte, while the manifest digest is recomputed by the import and cannot be compared.
   kind asks `crictl inspecti` for the same config digest; `ctr content get` needs no CRI.)
3. otherwise `docker save IMAGE` is streamed into
   `ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=<the node's> -`
   run with `docker exec -i`, and the reference is checked again afterwards.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterable

from ..deferred import dataclass
from .engine import connect
from .errors import CommandTimeout, ImageLoadFailed, ImageNotFound, KindClusterNotFound, RunnerError

CLUSTER_LABEL = "io.x-k8s.kind.cluster"
NAMESPACE = "k8s.io"
LOADED, PRESENT, FAILED = "loaded", "present", "failed"

_INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")


@dataclass(frozen=True)
class _Deadline:
    at: float  # time.monotonic() value
    seconds: float  # the timeout it was made from, for messages

    def left(self) -> float:
        return self.at - time.monotonic()


@dataclass(frozen=True)
class NodeLoad:
    node: str
    outcome: str  # LOADED, PRESENT or FAILED
    reason: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class LoadResult:
    image: str
    image_id: str
    cluster: str
    method: str  # "kind" (the binary) or "native" (Docker API + ctr)
    nodes: tuple[NodeLoad, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(node.outcome != FAILED for node in self.nodes)

    def outcome(self, node: str) -> str | None:
        return next((n.outcome for n in self.nodes if n.node == node), None)

    def raise_for_failures(self) -> LoadResult:
        failures = [(n.node, n.reason) for n in self.nodes if n.outcome == FAILED]
        if failures:
            raise ImageLoadFailed(self.image, self.cluster, failures)
        return self


def kind_binary() -> str | None:
    return shutil.which("kind")


def containerd_reference(image: str) -> str:
    """The name containerd gives an image Docker calls `image` (docker.io/library/x:latest)."""
    name, tag = image, None
    if "@" not in name:
        head, sep, last = name.rpartition(":")
        if sep and "/" not in last:
            name, tag = head, last
    first, _, rest = name.partition("/")
    if not rest:
        name = f"docker.io/library/{name}"
    elif not ("." in first or ":" in first or first == "localhost"):
        name = f"docker.io/{name}"
    if "@" in name:
        return name
    return f"{name}:{tag or 'latest'}"


def cluster_nodes(cluster: str, *, client=None) -> list:
    """The running node containers of `cluster`, by name. Raises KindClusterNotFound."""
    own_client = client is None
    client = client or connect()
    try:
        containers = client.containers.list(all=True, filters={"label": f"{CLUSTER_LABEL}={cluster}"})
    finally:
        if own_client:
            client.close()
    if not containers:
        raise KindClusterNotFound(cluster, CLUSTER_LABEL)
    return sorted(containers, key=lambda c: c.name)


def load_image(
    image: str,
    cluster: str,
    *,
    use_kind: bool | None = None,
    timeout: float = 600.0,
    on_log: Callable[[str], None] | None = None,
    client=None,
) -> LoadResult:
    """Load the local image `image` into every node of kind cluster `cluster`.

    `use_kind=None` uses the kind binary when it is on PATH. Returns one NodeLoad per node
    (loaded / present / failed with the reason); call `.raise_for_failures()` to turn failures
    into ImageLoadFailed. Raises ImageNotFound, KindClusterNotFound, DockerUnavailable.
    """
    import docker

    if re.fullmatch(r"(sha256:)?[0-9a-f]{12,64}", image):
        raise RunnerError(f"load an image by name, not by ID ({image}): pods find images by name")
    log = on_log or (lambda line: None)
    own_client = client is None
    client = client or connect(timeout=min(timeout, 300.0))
    started = time.monotonic()
    try:
        try:
            image_id = client.api.inspect_image(image)["Id"]
        except docker.errors.ImageNotFound:
            raise ImageNotFound(image) from None
        nodes = cluster_nodes(cluster, client=client)
        binary = kind_binary() if use_kind in (None, True) else None
        if use_kind and binary is None:
            raise RunnerError("kind load was asked for, but there is no `kind` binary on PATH")
        if binary:
            results = _load_with_kind(binary, image, cluster, [n.name for n in nodes], timeout, log)
            method = "kind"
        else:
            deadline = _Deadline(started + timeout, timeout)
            results = [_load_native(client, node, image, image_id, deadline, log) for node in nodes]
            method = "native"
        return LoadResult(image, image_id, cluster, method, tuple(results), time.monotonic() - started)
    finally:
        if own_client:
            client.close()


# --- with the kind binary -----------------------------------------------------------------------

_NOT_PRESENT = re.compile(r'not yet present on node "([^"]+)"')
_RETAGGED = re.compile(r'already present on the node (\S+) but is missing the tag')


def _load_with_kind(binary: str, image: str, cluster: str, nodes: list[str], timeout: float, log) -> list[NodeLoad]:
    started = time.monotonic()
    argv = [binary, "load", "docker-image", image, "--name", cluster]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise CommandTimeout(" ".join(argv), timeout) from None
    output = (done.stdout + done.stderr).splitlines()
    for line in output:
        log(line)
    seconds = time.monotonic() - started
    loading = {m.group(1) for line in output for m in [_NOT_PRESENT.search(line)] if m}
    retagged = {m.group(1) for line in output for m in [_RETAGGED.search(line)] if m}
    if done.returncode != 0:
        reason = next((line for line in reversed(output) if line.strip()), f"kind exited {done.returncode}")
        failed = loading or set(nodes)
        return [
            NodeLoad(node, FAILED, reason, seconds) if node in failed else NodeLoad(node, PRESENT)
            for node in nodes
        ]
    return [
        NodeLoad(node, LOADED, "", seconds)
        if node in loading
        else NodeLoad(node, PRESENT, "re-tagged" if node in retagged else "")
        for node in nodes
    ]


# --- natively, through the Docker API -----------------------------------------------------------


def _load_native(client, node, image: str, image_id: str, deadline: _Deadline, log) -> NodeLoad:
    started = time.monotonic()
    name = node.name
    if node.status != "running":
        return NodeLoad(name, FAILED, f"node container is {node.status}, not running")
    reference = containerd_reference(image)
    try:
        if image_id in _config_digests(client, node.id, reference, deadline):
            log(f'Image: "{image}" with ID "{image_id}" found to be already present on node "{name}"')
            return NodeLoad(name, PRESENT, "", time.monotonic() - started)
        log(f'Image: "{image}" with ID "{image_id}" not yet present on node "{name}", loading...')
        argv = ["ctr", f"--namespace={NAMESPACE}", "images", "import", "--all-platforms", "--digests"]
        snapshotter = _snapshotter(client, node.id, deadline)
        if snapshotter:
            argv.append(f"--snapshotter={snapshotter}")
        argv.append("-")
        archive = client.api.get_image(image, chunk_size=1 << 20)  # `docker save IMAGE`
        code, output = _exec(client, node.id, argv, deadline, stdin=archive)
        for line in output.splitlines():
            log(line)
        if code != 0:
            last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
            return NodeLoad(name, FAILED, f"ctr images import exited {code}: {last}", time.monotonic() - started)
        if image_id not in _config_digests(client, node.id, reference, deadline):
            return NodeLoad(name, FAILED, f"ctr import finished but {reference} does not point at {image_id}")
        return NodeLoad(name, LOADED, "", time.monotonic() - started)
    except CommandTimeout as exc:
        return NodeLoad(name, FAILED, str(exc), time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - one node's trouble must not hide the others' results
        return NodeLoad(name, FAILED, f"{exc.__class__.__name__}: {exc}", time.monotonic() - started)


def _config_digests(client, container: str, reference: str, deadline: _Deadline) -> set[str]:
    """Config digests of the image `reference` in the node's containerd (empty when absent)."""
    code, listing = _exec(client, container, ["ctr", f"--namespace={NAMESPACE}", "images", "ls", f"name=={reference}"], deadline)
    if code != 0:
        raise RuntimeError(f"ctr images ls failed: {listing.strip()}")
    digest = None
    for row in listing.splitlines()[1:]:
        columns = row.split()
        if len(columns) >= 3 and columns[0] == reference:
            digest = columns[2]
    if digest is None:
        return set()
    found: set[str] = set()
    pending = [digest]
    while pending:
        code, blob = _exec(client, container, ["ctr", f"--namespace={NAMESPACE}", "content", "get", pending.pop()], deadline)
        if code != 0:
            continue  # a manifest of another platform that --all-platforms did not fetch
        try:
            document = json.loads(blob)
        except ValueError:
            continue
        if document.get("mediaType") in _INDEX_TYPES or "manifests" in document:
            pending.extend(m["digest"] for m in document.get("manifests", []) if "digest" in m)
        elif isinstance(document.get("config"), dict):
            found.add(document["config"].get("digest", ""))
    return found


def _snapshotter(client, container: str, deadline: _Deadline) -> str | None:
    """The CRI plugin's snapshotter from `containerd config dump`, as kind reads it."""
    import tomllib

    code, dump = _exec(client, container, ["containerd", "config", "dump"], deadline)
    if code != 0:
        return None
    try:
        config = tomllib.loads(dump)
    except tomllib.TOMLDecodeError:
        return None
    cri = config.get("plugins", {}).get("io.containerd.grpc.v1.cri", {})
    return cri.get("containerd", {}).get("snapshotter") or None


def _exec(client, container: str, argv: list[str], deadline: _Deadline, stdin: Iterable[bytes] | None = None) -> tuple[int, str]:
    """`docker exec [-i] container argv...`: exit code and combined output, bounded by `deadline`.

    stdin is streamed from the iterable, then the write side is shut down so the command sees
    EOF; the output is read concurrently so neither side can block the other.
    """
    api = client.api
    exec_id = api.exec_create(container, argv, stdin=stdin is not None, stdout=True, stderr=True)["Id"]
    wrapper = api.exec_start(exec_id, socket=True)
    sock: socket.socket = getattr(wrapper, "_sock", wrapper)
    chunks: list[bytes] = []
    failure: list[BaseException] = []

    def read() -> None:
        try:
            for payload in _frames(sock, deadline):
                chunks.append(payload)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            failure.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if stdin is not None:
            for data in stdin:
                if deadline.left() <= 0:
                    raise CommandTimeout(" ".join(argv), deadline.seconds)
                sock.settimeout(max(0.1, deadline.left()))
                sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        reader.join(max(0.0, deadline.left()))
        if reader.is_alive():
            raise CommandTimeout(" ".join(argv), deadline.seconds)
    finally:
        try:
            sock.close()
        except OSError:
            pass
    if failure:
        raise failure[0]
    code = api.exec_inspect(exec_id).get("ExitCode")
    return (code if code is not None else -1), b"".join(chunks).decode(errors="replace")


def _frames(sock: socket.socket, deadline: _Deadline):
    """The payloads of Docker's multiplexed stream (8-byte header: stream, 0, 0, 0, size)."""
    buffer = b""
    while True:
        remaining = deadline.left()
        if remaining <= 0:
            raise CommandTimeout("docker exec", deadline.seconds)
        sock.settimeout(remaining)
        try:
            data = sock.recv(1 << 16)
        except socket.timeout:
            raise CommandTimeout("docker exec", deadline.seconds) from None
        if not data:
            return
        buffer += data
        while len(buffer) >= 8:
            _, size = struct.unpack(">BxxxL", buffer[:8])
            if len(buffer) < 8 + size:
                break
            yield buffer[8 : 8 + size]
            buffer = buffer[8 + size :]
