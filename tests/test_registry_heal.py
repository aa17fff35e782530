"""Pushes to a real registry and a GitOps heal end to end: the real Docker engine, Debian's
docker-registry (distribution) on 127.0.0.1 with basic auth, a Git checkout and its bare origin, and the
fake API server playing Argo CD. Nothing is sent anywhere but the loopback registry and the fake.
"""
from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
import warnings
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .dockersupport import docker_client, free_port, node_base_image, remove_images  # noqa: F401  (fixtures)
from .fakekube import FakeKube
from .test_targets import APP_IMAGES, OVERLAY, git, gitops_repo, image_of, mutations, snapshot

pytestmark = pytest.mark.docker
runner = CliRunner()
REGISTRY_BINARY = Path("/usr/bin/docker-registry")
USER, PASSWORD = "heal", f"s3cret-{uuid.uuid4().hex[:12]}"
MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json",
])


def _htpasswd(user: str, password: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            pytest.skip("no crypt module to write the registry's bcrypt password file")
    hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))
    if not hashed or not hashed.startswith("$2"):
        pytest.skip("this libc's crypt cannot make bcrypt hashes for the registry's password file")
    return f"{user}:{hashed}\n"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """docker-registry serving 127.0.0.1:<free port> from a temporary folder, basic auth on."""
    if not REGISTRY_BINARY.is_file():
        pytest.skip("docker-registry is not installed (.ci/install-docker.sh installs it)")
    folder = tmp_path_factory.mktemp("registry")
    port = free_port()
    (folder / "htpasswd").write_text(_htpasswd(USER, PASSWORD))
    (folder / "config.yml").write_text(
        "version: 0.1\n"
        "log: {level: warn, accesslog: {disabled: true}}\n"
        f"storage: {{filesystem: {{rootdirectory: {folder / 'data'}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: '127.0.0.1:{port}', secret: {uuid.uuid4().hex}}}\n"
        f"auth: {{htpasswd: {{realm: tiketi-doctor-test, path: {folder / 'htpasswd'}}}}}\n"
    )
    log = (folder / "registry.log").open("wb")
    process = subprocess.Popen([str(REGISTRY_BINARY), "serve", str(folder / "config.yml")], stdout=log, stderr=subprocess.STDOUT)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://{address}/v2/", timeout=2)
                break
            except urllib.error.HTTPError as exc:
                if exc.code == 401:  # up, and asking for the credentials
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"docker-registry did not start: {(folder / 'registry.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def docker_config(tmp_path, monkeypatch, registry):
    """A Docker config holding the registry's credentials: the only place they come from."""
    folder = tmp_path / "docker-config"
    folder.mkdir()
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    (folder / "config.json").write_text(json.dumps({"auths": {registry: {"auth": token}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder


def read_manifest(registry: str, repository: str, tag: str) -> tuple[dict, str]:
    request = urllib.request.Request(f"http://{registry}/v2/{repository}/manifests/{tag}", headers={
        "Accept": MANIFEST_TYPES,
        "Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
    })
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read()), response.headers["Docker-Content-Digest"]


def never_shown(*texts: str) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for text in texts:
        assert PASSWORD not in text and token not in text


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    from tiketi_doctor.cluster import operations

    monkeypatch.setattr(operations, "wait_for_rollout", partial(operations.wait_for_rollout, interval=0.05))
    monkeypatch.setattr(operations, "wait_for_application", partial(operations.wait_for_application, interval=0.05))


def _tiny_image(docker_client, reference: str) -> None:
    """An image of one small file, made with `docker import` (no registry is reachable from here)."""
    import io
    import tarfile

    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        body = uuid.uuid4().hex.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    repository, _, tag = reference.rpartition(":")
    docker_client.api.import_image_from_data(data.getvalue(), repository=repository, tag=tag)


def test_push_uses_the_docker_config_credentials_and_the_manifest_reads_back(registry, docker_config, docker_client):
    from tiketi_doctor.heal.registry import push_image

    source = f"tiketi-doctor-test/push-{uuid.uuid4().hex[:8]}:local"
    reference = f"{registry}/tiketi/push-test:abc1234"
    _tiny_image(docker_client, source)
    lines: list[str] = []
    try:
        pushed = push_image(source, reference, on_log=lines.append)
        manifest, digest = read_manifest(registry, "tiketi/push-test", "abc1234")
        assert pushed.digest == digest and manifest["layers"]
        never_shown(*lines)
    finally:
        remove_images(docker_client, source, reference)


def test_a_push_without_credentials_fails_with_the_registrys_reason_and_no_secret(registry, tmp_path, monkeypatch, docker_client):
    from tiketi_doctor.heal.registry import PushFailed, push_image

    empty = tmp_path / "empty-config"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    monkeypatch.setenv("DOCKER_CONFIG", str(empty))
    source = f"tiketi-doctor-test/push-{uuid.uuid4().hex[:8]}:local"
    _tiny_image(docker_client, source)
    try:
        with pytest.raises(PushFailed, match=f"docker push {registry}/tiketi/denied:x") as error:
            push_image(source, f"{registry}/tiketi/denied:x")
        assert "no basic auth credentials" in str(error.value) or "authentication required" in str(error.value)
    finally:
        remove_images(docker_client, source, f"{registry}/tiketi/denied:x")


GITOPS = "{{type: gitops, registry: '{registry}/tiketi', application: tiketi, overlay: k8s/overlays/prod, remote: origin}}"


@pytest.mark.usefixtures("node_base_image")
def test_gitops_heal_builds_pushes_commits_waits_for_argo_and_rolls_back(registry, docker_config, docker_client, tmp_path):
    """build -> push -> the tag edit committed and pushed -> Argo CD (the fake) syncs -> verified; then
    the same heal with new pods that crash: the revert commit is pushed and Argo CD syncs back."""
    repo, origin = gitops_repo(tmp_path, GITOPS.format(registry=registry))
    overlay_before, head = (repo / OVERLAY).read_bytes(), git(repo, "rev-parse", "HEAD")
    report = tmp_path / "report.md"
    pushed: list[str] = []
    try:
        # -- failing: ticket-service's new pods crash like the old ones; everything is put back ------
        with FakeKube("broken") as kube:
            kube.argo_application("tiketi", str(origin), "k8s/overlays/prod", deployments=list(APP_IMAGES), target_revision="main")
            kube.tick(2)
            kube.set_behaviour("ticket-service", "same")
            kube.auto_tick(reads=2)
            config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
            before_images = {n: image_of(kube, n) for n in APP_IMAGES}
            result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "DEP,PORT002", "--context", "prod-eks",
                                         "--kubeconfig", str(config)])
            kube.settle()
            kube.tick(2)
            after_images = {n: image_of(kube, n) for n in APP_IMAGES}
            direct = mutations(kube)
        out = result.stdout + result.stderr
        pushed += [line.split("docker push ", 1)[1].split()[0] for line in result.stdout.splitlines() if "docker push " in line]
        assert result.exit_code == 1, out
        assert "✔ build" in out and "✔ push" in out and "✔ commit" in out and "✖ sync" in out and "revert commit" in out, out
        assert direct == []  # the cluster was never patched: Argo CD applied what Git said
        assert after_images == before_images  # Argo CD synced back to the revert
        assert (repo / OVERLAY).read_bytes() == overlay_before and git(repo, "diff", head, "HEAD") == ""
        subjects = git(repo, "log", "--format=%s", "main").splitlines()
        assert subjects[0].startswith('Revert "heal:') and subjects[1].startswith("heal:") and subjects[2] == "initial"
        assert git(origin, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
        never_shown(out)

        # -- healed: the new pods come up; the tag is in Git, byte for byte elsewhere ------------------
        git(repo, "reset", "--quiet", "--hard", head)  # start again from the first commit (a test checkout)
        git(repo, "push", "--quiet", "--force", "origin", "main")
        with FakeKube("broken") as kube:
            kube.argo_application("tiketi", str(origin), "k8s/overlays/prod", deployments=list(APP_IMAGES), target_revision="main")
            kube.tick(2)
            kube.auto_tick(reads=2)
            config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
            result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "DEP,PORT002", "--context", "prod-eks",
                                         "--kubeconfig", str(config), "--report", str(report)])
            images = {n: image_of(kube, n) for n in APP_IMAGES}
            status = kube.get("applications", "tiketi", namespace="argocd")["status"]
            direct = mutations(kube)
        out = result.stdout + result.stderr
        assert result.exit_code == 0, out
        assert "healed and verified" in out and direct == []
        tag = out.split("images tagged ", 1)[1].split(",", 1)[0]
        assert tag.startswith(head[:7])
        for name in ("auth-service", "ticket-service", "payment-service", "stats-service"):
            assert images[name] == f"{registry}/tiketi/tiketi-{name}:{tag}", images
            manifest, _ = read_manifest(registry, f"tiketi/tiketi-{name}", tag)
            assert manifest["layers"]
            pushed.append(images[name])
        assert images["backend"] == "tiketi-backend:local"  # not rebuilt, not touched
        assert status["sync"]["status"] == "Synced" and status["sync"]["revision"] == git(repo, "rev-parse", "HEAD")
        overlay = (repo / OVERLAY).read_bytes()
        expected = overlay_before
        for name in ("auth-service", "ticket-service", "payment-service", "stats-service"):
            expected = expected.replace(
                f"  - name: tiketi-{name}   # {name}\r\n    newTag: 'local'\r\n".encode(),
                f"  - name: tiketi-{name}   # {name}\r\n    newName: {registry}/tiketi/tiketi-{name}\r\n    newTag: '{tag}'\r\n".encode())
        assert overlay == expected  # only the tags (and names) changed: comments, quotes and CRLF kept
        assert git(repo, "log", "-1", "--format=%s").startswith("heal: auth-service -> ")
        assert git(origin, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
        never_shown(out, report.read_text())
    finally:
        remove_images(docker_client, *dict.fromkeys(pushed))


REGISTRY_TARGET = "{{type: registry, registry: '{registry}/tiketi'}}"


@pytest.mark.usefixtures("node_base_image")
def test_registry_heal_points_the_deployments_at_the_pushed_commit_tag_and_rolls_back_the_reference(
        registry, docker_config, docker_client, tmp_path):
    repo, _ = gitops_repo(tmp_path, REGISTRY_TARGET.format(registry=registry))
    files, head = snapshot(repo), git(repo, "rev-parse", "HEAD")
    pushed: list[str] = []
    try:
        with FakeKube("broken") as kube:  # ticket-service's new pods crash: the image references go back
            kube.set_behaviour("ticket-service", "same")
            kube.auto_tick(reads=2)
            config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
            before = {n: image_of(kube, n) for n in APP_IMAGES}
            result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "DEP,PORT002", "--context", "prod-eks",
                                         "--kubeconfig", str(config)])
            after = {n: image_of(kube, n) for n in APP_IMAGES}
        out = result.stdout + result.stderr
        pushed += [line.split("docker push ", 1)[1].split()[0] for line in result.stdout.splitlines() if "docker push " in line]
        assert result.exit_code == 1, out
        assert "✔ push" in out and "kubectl set image deployment/auth-service auth-service=" in out and "rolling back" in out, out
        assert "kubectl rollout undo deployment/ticket-service" in out
        assert after == before and snapshot(repo) == files and git(repo, "rev-parse", "HEAD") == head
        never_shown(out)

        with FakeKube("broken") as kube:
            kube.auto_tick(reads=2)
            config = kube.write_kubeconfig(tmp_path / "kubeconfig", context="prod-eks", namespace="tiketi")
            result = runner.invoke(app, ["heal", str(repo), "--yes", "--select", "DEP,PORT002", "--context", "prod-eks",
                                         "--kubeconfig", str(config)])
            images = {n: image_of(kube, n) for n in APP_IMAGES}
        out = result.stdout + result.stderr
        assert result.exit_code == 0 and "healed and verified" in out, out
        tag = out.split("images tagged ", 1)[1].split("\n", 1)[0].split(",", 1)[0]
        assert tag.startswith(f"{head[:7]}-td")  # the commit, and the heal's own file changes
        for name in ("auth-service", "ticket-service", "payment-service", "stats-service"):
            assert images[name] == f"{registry}/tiketi/tiketi-{name}:{tag}"
            manifest, _ = read_manifest(registry, f"tiketi/tiketi-{name}", tag)
            assert manifest["layers"]
            pushed.append(images[name])
        never_shown(out)
    finally:
        remove_images(docker_client, *dict.fromkeys(pushed))
