"""Write a fix plan atomically and all-or-nothing, keeping a journal that `fix --undo` replays."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from .planner import FixPlan

JOURNAL_DIR = Path(".tiketi-doctor") / "undo"


class WriteRefused(Exception):
    pass


def _sha(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _inside(root: Path, rel: str) -> Path:
    path = (root / rel).resolve()
    if path != root and root not in path.parents:
        raise WriteRefused(f"{rel} is outside the repository")
    return path


def _encode(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def write_plan(plan: FixPlan, overwrite_read_only: bool = False) -> Path | None:
    """Apply every change or none; returns the journal written for undo (None when nothing changed).

    Refused, with nothing written (WriteRefused names the file): a file that changed since it was
    read, one outside the repository, a read-only file (unless `overwrite_read_only`), and any
    file the system will not let us write. The journal is kept only when every file was written."""
    root = plan.root.resolve()
    paths = plan.changed_paths
    if not paths:
        return None
    targets = {}
    for rel in paths:
        path = _inside(root, rel)
        current = _read_current(path, rel)
        if current != plan.original_bytes.get(rel):
            raise WriteRefused(f"{rel} changed since it was read; run the fix again")
        if current is not None and not overwrite_read_only and not path.stat().st_mode & 0o222:
            raise WriteRefused(f"{rel} is read-only; make it writable or pass --overwrite-read-only")
        targets[rel] = (path, current, _encode(plan.changes[rel], plan.bom.get(rel, False)))
    pending = _journal(root, {rel: (before, after) for rel, (_, before, after) in targets.items()})
    try:
        _replace_all(targets)
    except BaseException:
        with contextlib.suppress(OSError):
            pending.unlink()  # nothing changed: no journal may be left to undo
        raise
    journal = pending.with_suffix(".json")
    os.replace(pending, journal)
    return journal


def _read_current(path: Path, rel: str) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise WriteRefused(f"cannot read {rel}: {exc.strerror or exc}") from None


def _replace_all(targets: dict[str, tuple[Path, bytes | None, bytes]]) -> None:
    temps: dict[str, str] = {}
    done: list[str] = []
    rel = ""
    try:
        for rel, (path, before, after) in targets.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tiketi-doctor", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(after)
                handle.flush()
                os.fsync(handle.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            temps[rel] = tmp
        for rel, (path, _, _) in targets.items():
            os.replace(temps[rel], path)
            del temps[rel]
            done.append(rel)
    except BaseException as exc:
        for put_back in done:  # put back what was already replaced
            path, before, _ = targets[put_back]
            if before is None:
                with contextlib.suppress(OSError):
                    path.unlink()
            else:
                path.write_bytes(before)
        for tmp in temps.values():
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):  # the user's situation (permissions, a full disk), not a bug
            raise WriteRefused(f"cannot write {rel}: {exc.strerror or exc}; every file was left as it was") from None
        raise


def _journal_folder(root: Path) -> Path:
    """.tiketi-doctor/undo, never through a symlink (it could point outside the repository), and
    ignored by git: the journal holds copies of edited files, secrets included."""
    top = root / JOURNAL_DIR.parts[0]
    folder = root / JOURNAL_DIR
    for part in (top, folder):
        if part.is_symlink():
            raise WriteRefused(f"{part.relative_to(root)} is a symlink; the fix journal is only written inside the repository")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = top / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# tiketi-doctor's fix journal: copies of edited files, never committed\n*\n", encoding="utf-8")
    except OSError as exc:
        raise WriteRefused(f"cannot write the fix journal in {JOURNAL_DIR}: {exc.strerror or exc}") from None
    return folder


def _journal(root: Path, files: dict[str, tuple[bytes | None, bytes]]) -> Path:
    """Written before any file is replaced, as `<stamp>.pending`; `write_plan` renames it to
    .json once every file is written, or removes it."""
    folder = _journal_folder(root)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{time.time_ns() % 1_000_000:06d}"
    data = {
        "version": 1,
        "created": stamp,
        "files": {
            rel: {
                "before": base64.b64encode(before).decode() if before is not None else None,
                "after_sha256": _sha(after),
            }
            for rel, (before, after) in files.items()
        },
    }
    path = folder / f"{stamp}.pending"
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise WriteRefused(f"cannot write the fix journal in {JOURNAL_DIR}: {exc.strerror or exc}") from None
    return path


def latest_journal(root: Path) -> Path | None:
    folder = root.resolve() / JOURNAL_DIR
    if (root.resolve() / JOURNAL_DIR.parts[0]).is_symlink() or folder.is_symlink():
        raise WriteRefused(f"{JOURNAL_DIR} is a symlink; a fix journal is only read inside the repository")
    journals = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return journals[-1] if journals else None


def undo(root: Path, journal: Path | None = None, force: bool = False) -> list[str]:
    """Restore the files of the latest (or given) journal exactly; refuse if they changed since, unless forced."""
    root = root.resolve()
    journal = journal or latest_journal(root)
    if journal is None:
        raise WriteRefused("nothing to undo: no fix journal in .tiketi-doctor/undo")
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        entries = data["files"].items()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WriteRefused(f"the fix journal {journal.name} cannot be used ({exc}); nothing was restored") from None
    targets = {}
    changed = []
    for rel, entry in entries:
        path = _inside(root, rel)
        current = path.read_bytes() if path.is_file() else None
        if _sha(current) != entry["after_sha256"]:
            changed.append(rel)
        before = base64.b64decode(entry["before"]) if entry["before"] is not None else None
        targets[rel] = (path, current, before)
    if changed and not force:
        raise WriteRefused("changed after the fix, not undone (use --force to overwrite): " + ", ".join(changed))
    writes = {rel: (path, current, before) for rel, (path, current, before) in targets.items() if before is not None}
    _replace_all(writes)
    for rel, (path, _, before) in targets.items():
        if before is None and path.exists():
            path.unlink()  # the fix created it
    journal.rename(journal.with_suffix(".undone"))
    return sorted(targets)
