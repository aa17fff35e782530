"""`docker build` through the engine API: streamed log, image ID, tags, and readable failures."""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..deferred import dataclass
from .engine import connect, daemon_url
from .errors import BuildFailed, CommandTimeout, DockerUnavailable

LOG_TAIL = 30
# Legacy builder progress lines: "Step 5/12 : RUN npm install --omit=dev".
_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_BUILT = re.compile(r"^Successfully built ([0-9a-f]{12,64})$")
# The legacy builder wraps a RUN's stderr in colour codes.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class BuildResult:
    image_id: str  # "sha256:<64 hex>"
    tags: tuple[str, ...]  # the requested tags, then the build's unique tag
    unique_tag: str | None  # "<repository>:td-<12 hex of the image ID>"
    dockerfile: str  # as given, relative to the repository root
    context: str
    seconds: float
    log: tuple[str, ...]


def split_reference(reference: str) -> tuple[str, str]:
    """("repo", "tag") of "repo:tag"; a registry port ("host:5000/repo") is not a tag."""
    name, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, "latest"
    return name, tag


def unique_tag_for(reference: str, image_id: str) -> str:
    """A tag naming exactly this build: the same content gives the same tag, new content a new one."""
    repository, _ = split_reference(reference)
    return f"{repository}:td-{image_id.removeprefix('sha256:')[:12]}"


def build_image(
    repo_root: str | Path,
    context: str | Path,
    dockerfile: str | Path,
    tags: Sequence[str],
    *,
    on_log: Callable[[str], None] | None = None,
    timeout: float = 900.0,
    unique_tag: bool = True,
    nocache: bool = False,
    pull: bool = False,
    build_args: dict[str, str] | None = None,
    client=None,
) -> BuildResult:
    """Build `dockerfile` with `context` (both relative to `repo_root`) and tag it `tags`.

    Every log line goes to `on_log` as it arrives. Raises BuildFailed (with the failing step and
    the log tail), CommandTimeout, or DockerUnavailable; never a raw SDK error.
    """
    if not tags:
        raise ValueError("build_image needs at least one tag")
    root = Path(repo_root)
    context_dir = (root / context).resolve()
    dockerfile_path = (root / dockerfile).resolve()
    shown = Path(dockerfile).as_posix()
    if not context_dir.is_dir():
        raise BuildFailed(shown, f"the build context {context_dir} is not a directory", tags=tags)
    if not dockerfile_path.is_file():
        raise BuildFailed(shown, f"no Dockerfile at {dockerfile_path}", tags=tags)
    # The SDK reads a relative Dockerfile path inside the context, and sends one from outside it along.
    try:
        dockerfile_arg = dockerfile_path.relative_to(context_dir).as_posix()
    except ValueError:
        dockerfile_arg = str(dockerfile_path)

    own_client = client is None
    client = client or connect(timeout=min(timeout, 300.0))
    log = _Log(on_log)
    started = time.monotonic()
    deadline = started + timeout
    image_id = None
    error = None
    try:
        import docker
        import requests

        try:
            stream = client.api.build(
                path=str(context_dir),
                dockerfile=dockerfile_arg,
                tag=tags[0],
                rm=True,
                forcerm=True,
                nocache=nocache,
                pull=pull,
                buildargs=build_args or None,
                decode=True,
            )
            for chunk in stream:
                if "stream" in chunk:
                    log.feed(chunk["stream"])
                elif "status" in chunk:  # pulling a base image
                    log.feed(" ".join(str(chunk[k]) for k in ("id", "status", "progress") if chunk.get(k)) + "\n")
                if "aux" in chunk and isinstance(chunk["aux"], dict) and chunk["aux"].get("ID"):
                    image_id = chunk["aux"]["ID"]
                if "error" in chunk:
                    error = (chunk.get("errorDetail") or {}).get("message") or chunk["error"]
                    log.feed(error + "\n")
                if time.monotonic() > deadline:
                    raise CommandTimeout(f"docker build of {tags[0]}", timeout)
        except docker.errors.APIError as exc:
            error = exc.explanation or str(exc)
        except requests.exceptions.ReadTimeout:
            raise CommandTimeout(f"docker build of {tags[0]} (silent for too long)", min(timeout, 300.0)) from None
        except (docker.errors.DockerException, OSError) as exc:  # includes requests' ConnectionError
            if not _engine_answers(client):
                raise DockerUnavailable(daemon_url(), str(exc)) from None
            error = f"the build stream broke: {exc}"
        log.flush()
        if error:
            raise _failure(shown, dockerfile_path, error, log.lines, tags)
        if image_id is None:
            image_id = _built_id(client, log.lines)
        if image_id is None:
            raise _failure(shown, dockerfile_path, "the engine reported no image ID", log.lines, tags)
        all_tags = list(dict.fromkeys(tags))
        extra = unique_tag_for(tags[0], image_id) if unique_tag else None
        for reference in [*all_tags[1:], *([extra] if extra else [])]:
            repository, tag = split_reference(reference)
            client.api.tag(image_id, repository, tag, force=True)
        if extra and extra not in all_tags:
            all_tags.append(extra)
        return BuildResult(
            image_id=image_id,
            tags=tuple(all_tags),
            unique_tag=extra,
            dockerfile=shown,
            context=Path(context).as_posix(),
            seconds=time.monotonic() - started,
            log=tuple(log.lines),
        )
    finally:
        if own_client:
            client.close()


def image_id(reference: str, *, client=None) -> str | None:
    """The local image ID ("sha256:...") that `reference` names, or None when there is none."""
    import docker

    own_client = client is None
    client = client or connect()
    try:
        return client.api.inspect_image(reference)["Id"]
    except docker.errors.ImageNotFound:
        return None
    finally:
        if own_client:
            client.close()


class _Log:
    """Joins the engine's stream fragments into whole lines and hands each to the callback."""

    def __init__(self, on_log: Callable[[str], None] | None):
        self.on_log = on_log
        self.lines: list[str] = []
        self._partial = ""

    def feed(self, text: str) -> None:
        text = self._partial + _ANSI.sub("", text).replace("\r\n", "\n")
        *complete, self._partial = text.split("\n")
        for line in complete:
            self._emit(line)

    def flush(self) -> None:
        if self._partial:
            self._emit(self._partial)
            self._partial = ""

    def _emit(self, line: str) -> None:
        line = line.rstrip()
        self.lines.append(line)
        if self.on_log:
            self.on_log(line)


def _failure(shown: str, path: Path, error: str, lines: list[str], tags: Sequence[str]) -> BuildFailed:
    step = None
    for line in reversed(lines):
        if _STEP.match(line):
            step = line
            break
    tail = [line for line in lines if line.strip()][-LOG_TAIL:]
    return BuildFailed(shown, error.strip(), step=step, line=_step_line(path, step), log_tail=tail, tags=tags)


def _step_line(path: Path, step: str | None) -> int | None:
    """The Dockerfile line where step N's instruction starts (the legacy builder counts every
    instruction, global ARGs and FROMs included, in file order)."""
    match = _STEP.match(step or "")
    if not match:
        return None
    try:
        import dockerfile as buildkit

        commands = buildkit.parse_string(path.read_text())
    except Exception:  # noqa: BLE001 - a line number is a nicety, never a reason to fail
        return None
    number, total, text = int(match.group(1)), int(match.group(2)), match.group(3)
    if len(commands) != total or not 0 < number <= total:
        return None
    command = commands[number - 1]
    if not text.upper().startswith(command.cmd.upper()):
        return None
    return command.start_line


def _built_id(client, lines: list[str]) -> str | None:
    for line in reversed(lines):
        match = _BUILT.match(line)
        if match:
            return client.api.inspect_image(match.group(1))["Id"]
    return None


def _engine_answers(client) -> bool:
    try:
        client.ping()
        return True
    except Exception:  # noqa: BLE001
        return False

