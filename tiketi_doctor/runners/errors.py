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

    def headline(self) -> str:
        """The first line of the explanation, as a message when it is one (`str()` of it is `str(self)`'s first line)."""
        text = self.args[0] if len(self.args) == 1 and isinstance(self.args[0], str) else super().__str__()
        return text if "\n" not in text else text.splitlines()[0]


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
        self.hint = Msg("build it first (docker build -t {image} ...) or check the name with `docker images`", image=image)
        super().__init__(Msg("no image {image} in the local Docker engine", image=repr(image)))


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
        built = ", ".join(tags) or dockerfile
        self.head = (Msg("docker build of {image} failed at {step} ({where})", image=built, step=step, where=where) if step
                     else Msg("docker build of {image} failed ({where})", image=built, where=where))
        lines = [self.head, Msg("  {reason}", reason=reason)]
        if self.log_tail:
            lines.append(Msg("  last {count} log lines:", count=len(self.log_tail)))
            lines.extend(f"    | {entry}" for entry in self.log_tail)
        super().__init__(Joined(lines, "\n"))

    def headline(self) -> str:
        return self.head


class KindClusterNotFound(RunnerError):
    def __init__(self, cluster: str, label: str):
        self.cluster = cluster
        self.hint = Msg("list clusters with `kind get clusters`, or create it: kind create cluster --config k8s/kind-config.yaml")
        super().__init__(Msg("no node container of kind cluster {cluster} (no container labelled {label}={name})", cluster=repr(cluster), label=label, name=cluster))


class ImageLoadFailed(RunnerError):
    """An image did not reach one or more kind nodes."""

    def __init__(self, image: str, cluster: str, failures: Sequence[tuple[str, str]]):
        self.image = image
        self.cluster = cluster
        self.failures = tuple(failures)  # (node, reason)
        detail = "; ".join(f"{node}: {reason}" for node, reason in self.failures)
        super().__init__(Msg("loading {image} into kind cluster {cluster} failed on {count} node(s): {detail}",
                             image=image, cluster=repr(cluster), count=len(self.failures), detail=detail))
