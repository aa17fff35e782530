"""Real-Docker test support: engine detection, offline base images, and container cleanup.

No registry is reachable from the test machines, so the images the tests need are made from the
host's own files with `docker import`:

- `node:20-alpine` (what the example's Dockerfiles say): the host's node, npm, busybox and CA
  bundle. Unmodified `FROM node:20-alpine` / `RUN npm install` Dockerfiles build with it; npm
  reaches the registry through the host's intercepting CA (global npmrc `cafile` plus
  `NODE_EXTRA_CA_CERTS`). It is glibc, not musl, and has no `apk`.
- a "kind node": containerd + ctr + busybox, labelled like a kind node container, so that
  `tiketi_doctor.runners.kind` can load images into a real containerd without kind.

Each image carries a label with a hash of what went into it; a matching image is reused.
Import the fixtures into a test module (`from .dockersupport import docker_client, ...`).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Written by .ci/install-docker.sh when it could not get an engine running.
STATUS_FILE = Path(os.environ.get("TIKETI_DOCKER_STATUS_FILE", "/tmp/tiketi-docker-status"))
CONTENT_LABEL = "org.tiketi-doctor.test-image"
# Every container a test starts carries this label: `docker ps -a --filter label=...` finds
# what a killed run left behind.
OWNER_LABEL = "org.tiketi-doctor.test"
# Bump when the way the images are assembled changes (the content hash then changes too).
RECIPE = "3"

NODE_IMAGE = "node:20-alpine"
NODE_BASE_REPOSITORY = "tiketi-doctor-test/node-base"  # tagged with the content fingerprint
KIND_NODE_REPOSITORY = "tiketi-doctor-test/kind-node"
KIND_NODE_IMAGE = f"{KIND_NODE_REPOSITORY}:latest"
KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


# --- engine -------------------------------------------------------------------------------------


def engine_problem() -> str | None:
    """Why no Docker engine can be used here, or None when one answers."""
    from tiketi_doctor.runners import DockerUnavailable
    from tiketi_doctor.runners.engine import connect

    try:
        connect(timeout=10).close()
        return None
    except DockerUnavailable as exc:
        reason = f"no Docker engine: {exc}"
    installer = STATUS_FILE.read_text().strip() if STATUS_FILE.is_file() else ""
    if installer:
        return f"{reason}; .ci/install-docker.sh said: {installer}"
    return f"{reason}; run `bash .ci/install-docker.sh` as root to install and start one"


@pytest.fixture(scope="session")
def docker_client():
    problem = engine_problem()
    if problem:
        pytest.skip(problem)
    import docker

    client = docker.from_env(timeout=600)
    yield client
    client.close()


# --- rootfs assembly ----------------------------------------------------------------------------


class Rootfs:
    """A root filesystem written straight into a tar: host files, symlinks, directories, text."""

    def __init__(self, tar: tarfile.TarFile):
        self.tar = tar
        self.dirs: set[str] = set()
        self.files: set[str] = set()

    def dir(self, path: str, mode: int = 0o755, uid: int = 0) -> None:
        path = path.strip("/")
        if not path or path in self.dirs:
            return
        self.dir(os.path.dirname(path))
        info = tarfile.TarInfo(path)
        info.type, info.mode, info.uid, info.gid, info.mtime = tarfile.DIRTYPE, mode, uid, uid, 0
        self.tar.addfile(info)
        self.dirs.add(path)

    def file(self, path: str, source: str, mode: int | None = None) -> None:
        """The host file `source` (symlinks followed) at `path`."""
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        real = os.path.realpath(source)
        info = self.tar.gettarinfo(real, arcname=path)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        if mode is not None:
            info.mode = mode
        with open(real, "rb") as handle:
            self.tar.addfile(info, handle)
        self.files.add(path)

    def text(self, path: str, content: str, mode: int = 0o644) -> None:
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        data = content.encode()
        info = tarfile.TarInfo(path)
        info.size, info.mode, info.mtime = len(data), mode, 0
        self.tar.addfile(info, io.BytesIO(data))

    def link(self, path: str, target: str) -> None:
        path = path.strip("/")
        self.dir(os.path.dirname(path))
        info = tarfile.TarInfo(path)
        info.type, info.linkname, info.mode, info.mtime = tarfile.SYMTYPE, target, 0o777, 0
        self.tar.addfile(info)

    def tree(self, path: str, source: str) -> None:
        """A host directory, recursively, keeping its internal symlinks as symlinks."""
        path = path.strip("/")
        self.dir(os.path.dirname(path))

        def as_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            return info

        self.tar.add(os.path.realpath(source), arcname=path, recursive=True, filter=as_root)
        self.dirs.add(path)

    def executable(self, path: str, source: str) -> None:
        """A dynamically linked host binary plus the shared libraries `ldd` says it loads."""
        self.file(path, source)
        for library in shared_libraries(source):
            if library.strip("/") not in self.files:
                self.file(library, library)

    def busybox(self, skip: set[str] = frozenset()) -> None:
        """busybox-static at /bin/busybox and every applet it has as a symlink (sh, wget, env, ...)."""
        binary = shutil.which("busybox")
        if binary is None:
            raise RuntimeError("busybox is not installed (apt-get install busybox-static)")
        self.file("/bin/busybox", binary)
        listing = subprocess.run([binary, "--list-full"], capture_output=True, text=True, timeout=30, check=True)
        for applet in listing.stdout.split():
            if "/" + applet not in skip and applet != "bin/busybox":
                self.link(applet, "/bin/busybox")


def shared_libraries(binary: str) -> list[str]:
    """Absolute paths of the shared libraries (and the loader) a host binary needs."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30)
    if "not a dynamic executable" in out.stdout + out.stderr:
        return []
    libraries = []
    for line in out.stdout.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) > parts.index("=>") + 1 and parts[parts.index("=>") + 1].startswith("/"):
            libraries.append(parts[parts.index("=>") + 1])
        elif parts and parts[0].startswith("/"):
            libraries.append(parts[0])
    return libraries


def _fingerprint(*parts: str | Path) -> str:
    """A content hash of the inputs: file paths by size and mtime (node is 100 MB), text as is."""
    digest = hashlib.sha256(RECIPE.encode())
    for part in parts:
        if isinstance(part, Path):
            real = Path(os.path.realpath(part))
            stat = real.stat()
            digest.update(f"{real}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        else:
            digest.update(part.encode())
    return digest.hexdigest()[:16]


def _cached(client, repository: str, fingerprint: str):
    """The image imported earlier from the same inputs. Looked up by its own reference, not by
    label alone: every image built FROM it inherits its labels."""
    import docker

    try:
        image = client.images.get(f"{repository}:{fingerprint}")
    except docker.errors.ImageNotFound:
        return None
    return image if (image.labels or {}).get(CONTENT_LABEL) == fingerprint else None


def _import(client, tar_path: Path, repository: str, fingerprint: str, changes: list[str]):
    """`docker import` with `--change` lines, tagged `repository:fingerprint`; returns the image."""
    changes = [*changes, f"LABEL {CONTENT_LABEL}={fingerprint}"]
    client.api.import_image(src=str(tar_path), repository=repository, tag=fingerprint, changes=changes)
    image = _cached(client, repository, fingerprint)
    if image is None:
        raise RuntimeError(f"docker import of {repository}:{fingerprint} produced no labelled image")
    return image


def _ensure_tag(client, image, reference: str) -> None:
    repository, _, tag = reference.rpartition(":")
    if reference not in image.tags:
        image.tag(repository, tag)


# --- node:20-alpine -----------------------------------------------------------------------------

PASSWD = """root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
"""
GROUP = """root:x:0:
node:x:1000:
nogroup:x:65534:
"""
NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _npm_root() -> Path:
    return Path(os.path.realpath(shutil.which("npm") or "/usr/bin/npm")).parent.parent


def node_base_fingerprint() -> str:
    node = Path(shutil.which("node") or "/usr/bin/node")
    busybox = Path(shutil.which("busybox") or "/bin/busybox")
    npm_version = (_npm_root() / "package.json").read_text()
    return _fingerprint(node, busybox, npm_version, Path(CA_BUNDLE).read_text())


def build_node_base(client, reference: str = NODE_IMAGE):
    """The offline `node:20-alpine`: cached by content, (re)tagged `reference`. Returns the image."""
    fingerprint = node_base_fingerprint()
    image = _cached(client, NODE_BASE_REPOSITORY, fingerprint)
    if image is None:
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node is not installed on the host")
        npm_root = _npm_root()
        with tempfile.TemporaryDirectory() as scratch:
            tar_path = Path(scratch) / "rootfs.tar"
            with tarfile.open(tar_path, "w") as tar:
                root = Rootfs(tar)
                root.executable("/usr/bin/node", node)
                root.busybox(skip={"/usr/bin/node"})
                root.tree("/usr/lib/node_modules/npm", str(npm_root))
                root.link("/usr/bin/npm", "../lib/node_modules/npm/bin/npm-cli.js")
                root.link("/usr/bin/npx", "../lib/node_modules/npm/bin/npx-cli.js")
                root.file(CA_BUNDLE, CA_BUNDLE)
                # npm's globalconfig is <prefix>/etc/npmrc, and the prefix of /usr/bin/node is /usr.
                root.text("/usr/etc/npmrc", f"cafile={CA_BUNDLE}\nfund=false\naudit=false\nupdate-notifier=false\n")
                root.text("/etc/passwd", PASSWD)
                root.text("/etc/group", GROUP)
                root.text("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n")
                root.text("/etc/hosts", "127.0.0.1 localhost\n")
                root.dir("/root", 0o700)
                root.dir("/home/node", 0o755, uid=1000)
                root.dir("/tmp", 0o1777)
                root.dir("/var/tmp", 0o1777)
            image = _import(
                client,
                tar_path,
                NODE_BASE_REPOSITORY,
                fingerprint,
                [
                    f"ENV PATH={NODE_PATH}",
                    f"ENV NODE_EXTRA_CA_CERTS={CA_BUNDLE}",
                    f"ENV NPM_CONFIG_CAFILE={CA_BUNDLE}",
                    'CMD ["node"]',
                ],
            )
    _ensure_tag(client, image, reference)
    return image


@pytest.fixture(scope="session")
def node_base_image(docker_client):
    """`node:20-alpine` built offline from the host's node (an existing real one is left alone)."""
    import docker

    try:
        existing = docker_client.images.get(NODE_IMAGE)
    except docker.errors.ImageNotFound:
        existing = None
    if existing is not None and CONTENT_LABEL not in (existing.labels or {}):
        return existing  # a real node:20-alpine pulled on this machine: never overwrite it
    return build_node_base(docker_client)


# --- a kind node with a real containerd -----------------------------------------------------------

CONTAINERD_CONFIG = """version = 2
root = "/var/lib/containerd"
state = "/run/containerd"

[grpc]
  address = "/run/containerd/containerd.sock"

# Where kind (and tiketi_doctor.runners.kind) read the snapshotter for `ctr images import`.
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "native"
"""


def build_kind_node_image(client, reference: str = KIND_NODE_IMAGE):
    containerd, ctr = shutil.which("containerd"), shutil.which("ctr")
    if not containerd or not ctr:
        raise RuntimeError("containerd and ctr are not installed (they come with the docker.io package)")
    fingerprint = _fingerprint(Path(containerd), Path(ctr), Path(shutil.which("busybox") or "/bin/busybox"), CONTAINERD_CONFIG)
    image = _cached(client, KIND_NODE_REPOSITORY, fingerprint)
    if image is None:
        with tempfile.TemporaryDirectory() as scratch:
            tar_path = Path(scratch) / "rootfs.tar"
            with tarfile.open(tar_path, "w") as tar:
                root = Rootfs(tar)
                root.busybox()
                root.executable("/usr/local/bin/containerd", containerd)
                root.executable("/usr/local/bin/ctr", ctr)
                root.text("/etc/containerd/config.toml", CONTAINERD_CONFIG)
                root.text("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                root.text("/etc/group", "root:x:0:\n")
                root.dir("/tmp", 0o1777)
                root.dir("/run/containerd")
                root.dir("/var/lib/containerd")
            image = _import(
                client,
                tar_path,
                KIND_NODE_REPOSITORY,
                fingerprint,
                [f"ENV PATH={NODE_PATH}", 'CMD ["containerd", "--config", "/etc/containerd/config.toml"]'],
            )
    _ensure_tag(client, image, reference)
    return image


@contextlib.contextmanager
def kind_node(client, cluster: str, name: str | None = None) -> Iterator:
    """A running container that kind would call a node of `cluster`, its containerd ready."""
    image = build_kind_node_image(client)
    name = name or f"{cluster}-control-plane"
    with running(
        client,
        image.id,
        name=name,
        # kind runs nodes --privileged; this VM's bounding set lacks CAP_SYS_RESOURCE, which makes
        # --privileged fail ("unable to apply caps"). Unpacking an image into the native
        # snapshotter bind-mounts the snapshot, which is all that needs more than the defaults.
        cap_add=["SYS_ADMIN"],
        security_opt=["apparmor=unconfined", "seccomp=unconfined"],
        labels={KIND_CLUSTER_LABEL: cluster, "io.x-k8s.kind.role": "control-plane"},
        # kind keeps /var/lib/containerd on a volume too: snapshots must not sit on overlayfs.
        volumes={f"{name}-containerd": {"bind": "/var/lib/containerd", "mode": "rw"}},
        volume_cleanup=[f"{name}-containerd"],
    ) as container:
        deadline = time.monotonic() + 30
        while True:
            code, output = container.exec_run(["ctr", "version"])
            if code == 0:
                break
            container.reload()
            if container.status != "running" or time.monotonic() > deadline:
                logs = container.logs(tail=30).decode(errors="replace")
                raise RuntimeError(f"containerd did not start in {name}: {output.decode(errors='replace')}\n{logs}")
            time.sleep(0.2)
        yield container


# --- containers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def running(client, image: str, *, volume_cleanup: list[str] = (), **options) -> Iterator:
    """`docker run -d` that always removes the container (and named volumes) afterwards, even
    when it fails to start.

    Published ports must be bound to 127.0.0.1: pass `ports={"3005/tcp": ("127.0.0.1", port)}`.
    """
    for spec in (options.get("ports") or {}).values():
        if not (isinstance(spec, tuple) and spec[0] == "127.0.0.1"):
            raise ValueError(f"publish ports on 127.0.0.1 only, not {spec!r}")
    labels = {OWNER_LABEL: "1", **(options.pop("labels", None) or {})}
    options.setdefault("name", f"td-test-{uuid.uuid4().hex[:10]}")
    container = client.containers.create(image, labels=labels, **options)
    try:
        container.start()
        yield container
    finally:
        with contextlib.suppress(Exception):
            container.remove(force=True, v=True)
        for volume in volume_cleanup:
            with contextlib.suppress(Exception):
                client.volumes.get(volume).remove(force=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def remove_images(client, *references: str) -> None:
    for reference in references:
        with contextlib.suppress(Exception):
            client.images.remove(reference, force=True, noprune=False)
