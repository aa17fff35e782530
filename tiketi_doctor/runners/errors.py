"""The failures of the Docker/kind runners, each with a message the CLI can print as it is.

None of these carries a traceback's worth of noise: `str(error)` is the explanation, and the
attributes hold the facts (step, log tail, node) for reporters that want them separately.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..i18n import Joined, Msg


class RunnerError(Exception):
    """Base class: something outside tiketi-doctor (Docker, kind, containerd) refused."""

    hint: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n{self.hint}" if self.hint else text

    def message(self) -> str:
        """The explanation as a message (translated where its parts are `Msg`s); `str()` of it is `str(self)`."""
        text = self.args[0] if len(self.args) == 1 and isinstance(self.args[0], str) else super().__str__()
        return Joined([text, self.hint], "\n") if self.hint else text


class DockerUnavailable(RunnerError):
    """The Docker daemon did not answer."""

    def __init__(self, url: str, cause: str):
        self.url = url
        self.cause = cause
        super().__init__(Msg("cannot reach the Docker daemon at {url}: is dockerd running? ({cause})", url=url, cause=cause))


class CommandTimeout(RunnerError):
    def __init__(self, what: str, seconds: float):
        self.what = what
        self.seconds = seconds
        super().__init__(Msg("{what} did not finish within {seconds}s", what=what, seconds=f"{seconds:g}"))


class ImageNotFound(RunnerError):
    def __init__(self, image: str):
        self.image = image
        self.hint = f"build it first (docker build -t {image} ...) or check the name with `docker images`"
        super().__init__(f"no image {image!r} in the local Docker engine")


class BuildFailed(RunnerError):
    """`docker build` stopped: which step, why, and the end of its log."""

    def __init__(
        self,
        dockerfile: str,
        reason: str,
        *,
        step: str | None = None,
        line: int | None = None,
        log_tail: Sequence[str] = (),
        tags: Sequence[str] = (),
    ):
        self.dockerfile = dockerfile
        self.reason = reason
        self.step = step  # "Step 5/12 : RUN npm install --omit=dev"
        self.line = line  # where that instruction starts in the Dockerfile (1-based)
        self.log_tail = tuple(log_tail)
        self.tags = tuple(tags)
        where = f"{dockerfile}:{line}" if line else dockerfile
        head = f"docker build of {', '.join(tags) or dockerfile} failed"
        head += f" at {step} ({where})" if step else f" ({where})"
        lines = [head, f"  {reason}"]
        if self.log_tail:
            lines.append(f"  last {len(self.log_tail)} log lines:")
            lines.extend(f"    | {entry}" for entry in self.log_tail)
        super().__init__("\n".join(lines))


class KindClusterNotFound(RunnerError):
    def __init__(self, cluster: str, label: str):
        self.cluster = cluster
        self.hint = "list clusters with `kind get clusters`, or create it: kind create cluster --config k8s/kind-config.yaml"
        super().__init__(f"no node container of kind cluster {cluster!r} (no container labelled {label}={cluster})")


class ImageLoadFailed(RunnerError):
    """An image did not reach one or more kind nodes."""

    def __init__(self, image: str, cluster: str, failures: Sequence[tuple[str, str]]):
        self.image = image
        self.cluster = cluster
        self.failures = tuple(failures)  # (node, reason)
        detail = "; ".join(f"{node}: {reason}" for node, reason in self.failures)
        super().__init__(f"loading {image} into kind cluster {cluster!r} failed on {len(self.failures)} node(s): {detail}")
