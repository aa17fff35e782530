"""The Git side of a GitOps heal: the image tag edit in the overlay (or Helm values file), the commit
on the approved branch, the optional push, and the revert commit a rollback makes.

The edit changes only the characters of the tag (and the image name when the registry moves): the
rest of the file — comments, quoting, order, CRLF line ends — stays byte for byte, and it is written
by the fix writer (atomic, refused when the file changed since it was read).
"""
from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path

from ..deferred import dataclass
from ..analysis.imageref import parse_image
from ..analysis.kustomize import KUSTOMIZATION_FILES
from ..catalogue import Catalogue, Target
from ..fixing.edits import apply_edits, insert_at, offset, replace_at
from ..model import Report, TextEdit
from ..parsing import ParseError
from ..parsing.yamldoc import parse_yaml_documents
from ..runners.errors import RunnerError
from .registry import pushed_name

GIT_TIMEOUT = 60


class GitOpsError(RunnerError):
    """The tag cannot be changed in Git as the target says (no such entry, not a checkout, git refused)."""


@dataclass(frozen=True)
class TagChange:
    path: str  # the file edited, relative to the repository
    original: str
    text: str  # the file after the edit
    images: tuple[str, ...]  # "auth-service -> registry/tiketi-auth-service:abc1234"


def tag_file(root: Path, target: Target) -> str:
    """The file that carries the deployed tags: the overlay's kustomization, or the values file."""
    if target.values:
        return target.values
    folder = (target.overlay or ".").rstrip("/")
    for name in KUSTOMIZATION_FILES:
        candidate = posixpath.join(folder, name) if folder != "." else name
        if (root / candidate).is_file():
            return candidate
    raise GitOpsError(f"no kustomization in the overlay {folder} (looked for {', '.join(KUSTOMIZATION_FILES)})")


def plan_tag_change(root: Path, catalogue: Catalogue, components: list[str], tag: str) -> TagChange:
    """The edit that points each component at registry/name:tag in the target's tag file."""
    target = catalogue.target
    path = tag_file(root, target)
    try:
        raw = (root / path).read_bytes()
    except OSError as exc:
        raise GitOpsError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = raw.decode("utf-8-sig", errors="strict") if raw else ""
    try:
        docs = parse_yaml_documents(text)
    except ParseError as exc:
        raise GitOpsError(f"{path}: {exc}") from None
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise GitOpsError(f"{path}: expected one YAML mapping")
    doc = docs[0]
    edits: list[TextEdit] = []
    described = []
    for name in components:
        component = catalogue.component(name)
        if component is None or not component.image:
            continue
        new_name = pushed_name(target.registry or "", component.image)
        if target.values:
            edits += _values_edits(path, text, doc, target.values_key.format(component=name), tag)
        else:
            edits += _kustomize_edits(path, text, doc, component.image, new_name, tag)
        described.append(f"{name} -> {new_name}:{tag}")
    new_text = apply_edits(text, edits) if edits else text
    return TagChange(path, text, new_text, tuple(described))


def _scalar_end(text: str, start: int) -> int:
    """Where the scalar written at `start` ends: its closing quote, or before a comment / the line end."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end == -1 else line_end
    quote = text[start] if start < line_end else ""
    if quote in ("'", '"'):
        close = text.find(quote, start + 1, line_end)
        return close + 1 if close != -1 else line_end
    comment = text.find(" #", start, line_end)
    end = comment if comment != -1 else line_end
    return len(text[start:end].rstrip(" \t\r")) + start


def _replace_scalar(path: str, text: str, line: int, column: int, value: str) -> TextEdit:
    start = offset(text, line, column)
    old = text[start:_scalar_end(text, start)]
    quote = old[0] if old[:1] in ("'", '"') else ""
    return replace_at(path, text, line, column, old, f"{quote}{value}{quote}")


def _kustomize_edits(path: str, text: str, doc, image: str, new_name: str, tag: str) -> list[TextEdit]:
    ref = parse_image(image)
    names = {image, ref.name if ref else image, new_name}
    entries = doc.data.get("images") if isinstance(doc.data.get("images"), list) else []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or str(entry.get("name")) not in names:
            continue
        if entry.get("digest") is not None:
            raise GitOpsError(f"{path}: images[{i}] ({entry['name']}) pins a digest; a tag change would not apply")
        edits = []
        name_line, name_column = doc.line(("images", i, "name")), doc.column(("images", i, "name"))
        line_start = offset(text, name_line, 1)
        key_column = text.rfind("name", line_start, offset(text, name_line, name_column)) - line_start + 1
        indent = " " * (key_column - 1)
        inserts = []
        current_name = entry.get("newName") or entry["name"]
        if current_name != new_name:
            if "newName" in entry:
                edits.append(_replace_scalar(path, text, doc.line(("images", i, "newName")), doc.column(("images", i, "newName")), new_name))
            else:
                inserts.append(f"{indent}newName: {new_name}")
        if "newTag" in entry:
            edits.append(_replace_scalar(path, text, doc.line(("images", i, "newTag")), doc.column(("images", i, "newTag")), tag))
        else:
            inserts.append(f"{indent}newTag: {tag}")
        if inserts:
            end = _scalar_end(text, offset(text, name_line, name_column))
            line_end = text.find("\n", end)
            line_end = len(text) if line_end == -1 else line_end
            column = line_end - line_start + 1
            if text[line_start:line_end].endswith("\r"):
                column -= 1
            edits.append(insert_at(path, name_line, column, "".join("\n" + line for line in inserts)))
        return edits
    raise GitOpsError(f"{path}: no images: entry for {image} (names tried: {', '.join(sorted(names))}); add one with newName and newTag")


def _values_edits(path: str, text: str, doc, key: str, tag: str) -> list[TextEdit]:
    keys = tuple(key.split("."))
    node = doc.data
    for part in keys:
        node = node.get(part) if isinstance(node, dict) else None
    if node is None or isinstance(node, (dict, list)):
        raise GitOpsError(f"{path}: no scalar at {key} to carry the tag")
    return [_replace_scalar(path, text, doc.line(keys), doc.column(keys), tag)]


# -- Git ------------------------------------------------------------------------------------------------


def git(root: Path, *args: str, timeout: float = GIT_TIMEOUT) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitOpsError(f"git {' '.join(args)}: {exc}") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise GitOpsError(f"git {args[0]} failed: {lines[-1] if lines else f'exit {done.returncode}'}")
    return done.stdout.strip()


def current_branch(root: Path) -> str | None:
    try:
        return git(root, "symbolic-ref", "--quiet", "--short", "HEAD") or None
    except GitOpsError:
        return None


@dataclass(frozen=True)
class Commit:
    sha: str  # full SHA: what Argo CD reports as the synced revision
    branch: str
    pushed: bool


def write_and_commit(root: Path, change: TagChange, extra_paths: list[str], branch: str, remote: str | None,
                     message: str) -> Commit:
    """Write the tag edit with the fix writer, commit it (with the heal's fixed files) on `branch`, push when asked."""
    from ..fixing.planner import FixPlan
    from ..fixing.writer import write_plan

    if current_branch(root) != branch:
        exists = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
                                capture_output=True, timeout=GIT_TIMEOUT, check=False).returncode == 0
        git(root, "switch", *([] if exists else ["-c"]), branch)
    empty = Report(str(root), "", [], [])
    original = (root / change.path).read_bytes()
    plan = FixPlan(root, {change.path: change.original}, {change.path: original}, {change.path: change.text}, [], [], empty, empty, 0,
                   bom={change.path: original.startswith(b"\xef\xbb\xbf")})
    write_plan(plan)
    paths = list(dict.fromkeys([change.path, *extra_paths]))
    git(root, "add", "--", *paths)
    git(root, "commit", "--quiet", "-m", message, "--", *paths)
    sha = git(root, "rev-parse", "HEAD")
    if remote:
        git(root, "push", "--quiet", remote, f"HEAD:refs/heads/{branch}", timeout=300)
    return Commit(sha, branch, bool(remote))


def revert(root: Path, commit: Commit, remote: str | None) -> Commit:
    """A revert commit of `commit` on its branch (pushed when it was): what Argo CD then syncs back to."""
    if current_branch(root) != commit.branch:
        git(root, "switch", commit.branch)
    git(root, "revert", "--no-edit", commit.sha)
    sha = git(root, "rev-parse", "HEAD")
    if remote and commit.pushed:
        git(root, "push", "--quiet", remote, f"HEAD:refs/heads/{commit.branch}", timeout=300)
    return Commit(sha, commit.branch, commit.pushed)
