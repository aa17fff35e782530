"""The registry side of a heal: the commit tag, the pushed reference, and `docker push` through the engine.

Images go only to the registry the catalogue's target names. Credentials are the Docker config's
(`~/.docker/config.json`, credential helpers included), looked up by the Docker SDK when it pushes;
they are never read from the catalogue and never written to the output: a push error is reported
by its message, which the engine never fills with the credentials.
"""
from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from ..deferred import dataclass
from ..runners.errors import RunnerError

GIT_TIMEOUT = 30


class PushFailed(RunnerError):
    pass


class NoCommit(RunnerError):
    pass


def commit_tag(root: Path) -> str:
    """The short SHA of the commit the repository is at: the tag every pushed image gets."""
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NoCommit(f"cannot read the commit of {root}: {exc}") from None
    if done.returncode != 0:
        raise NoCommit(f"{root} is not a Git checkout with a commit: {done.stderr.strip() or 'git rev-parse failed'}")
    return done.stdout.strip()


def pushed_name(registry: str, image: str) -> str:
    """Where `image` (`tiketi-auth-service:local`, `old.registry/x/auth:1`) lives in `registry`:
    the registry and path of the target, the image's last path part, without its tag."""
    from ..analysis.imageref import parse_image

    ref = parse_image(image)
    last = (ref.repository if ref else image).rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{last}"


@dataclass(frozen=True)
class Pushed:
    reference: str  # registry/name:tag
    digest: str | None  # sha256:... as the registry reported it


def push_image(source: str, reference: str, *, on_log: Callable[[str], None] | None = None, timeout: float = 600.0,
               client=None) -> Pushed:
    """Tag the local image `source` as `reference` and push it; raises PushFailed with the registry's message."""
    from ..runners.engine import connect
    from ..runners.images import split_reference

    own = client is None
    client = client or connect(timeout=min(timeout, 300.0))
    repository, tag = split_reference(reference)
    digest, error = None, None
    try:
        import docker

        try:
            client.api.tag(source, repository, tag, force=True)
            # The SDK finds the registry's credentials in the Docker config itself (auth_config=None).
            for chunk in client.api.push(repository, tag=tag, stream=True, decode=True):
                if "error" in chunk:
                    error = (chunk.get("errorDetail") or {}).get("message") or chunk["error"]
                elif on_log and chunk.get("status"):
                    on_log(" ".join(str(chunk[k]) for k in ("id", "status") if chunk.get(k)))
                aux = chunk.get("aux")
                if isinstance(aux, dict) and aux.get("Digest"):
                    digest = aux["Digest"]
        except docker.errors.ImageNotFound:
            error = f"no local image {source}"
        except docker.errors.APIError as exc:
            error = exc.explanation or str(exc)
        except (docker.errors.DockerException, OSError) as exc:
            error = f"the push stream broke: {exc}"
    finally:
        if own:
            client.close()
    if error:
        raise PushFailed(f"docker push {reference}: {error}")
    return Pushed(reference, digest)
