"""A read-only, cached view of the repository being checked.

Every file is read once and parsed at most once per run. Files that exist but
cannot be used (binary, not UTF-8, malformed) are recorded as input problems —
reported as findings — instead of raising, so one bad file never hides the rest.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from .model import Finding, Location, Severity

T = TypeVar("T")

# Folders that never hold the system's own sources.
SKIPPED_DIRS = frozenset(
    {".git", "node_modules", "build", "dist", ".venv", "venv", "__pycache__", ".next", "coverage", ".tiketi-doctor"}
)
BINARY_SNIFF = 8192

# Input-problem codes; documented in tiketi_doctor/input_problems.py.
UNREADABLE = "SRC001"
MALFORMED = "SRC002"
NOT_UTF8 = "SRC003"


@dataclass(frozen=True)
class TextFile:
    path: str  # repository-relative, forward slashes
    text: str
    crlf: bool
    bom: bool = False
    # False when bytes were replaced while decoding: such a file is never rewritten.
    exact: bool = True

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class RepoView:
    """`overlay` maps repository paths to proposed new contents: the fix planner checks its
    changes through the same view before anything is written."""

    def __init__(self, root: Path, overlay: dict[str, str] | None = None, exclude: tuple[str, ...] = ()):
        self.root = root.resolve()
        self.overlay = dict(overlay or {})
        # Globs (catalogue `exclude`) of paths never listed: backups, legacy copies.
        self.exclude = tuple(exclude)
        self._texts: dict[str, TextFile | None] = {}
        self._parsed: dict[tuple[str, str], object] = {}
        self._problems: dict[tuple[str, str], Finding] = {}

    # -- paths -------------------------------------------------------------
    def rel(self, path: Path | str) -> str:
        path = Path(path)
        if not path.is_absolute():
            path = self.root / path
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def inside(self, rel: str) -> Path | None:
        """The absolute path of `rel`, or None when it would leave the repository."""
        candidate = (self.root / rel).resolve()
        if candidate == self.root or self.root in candidate.parents:
            return candidate
        return None

    def exists(self, rel: str) -> bool:
        if rel in self.overlay:
            return True
        path = self.inside(rel)
        return path is not None and path.exists()

    def is_dir(self, rel: str) -> bool:
        path = self.inside(rel)
        return path is not None and path.is_dir()

    def walk(self, folder: str = ".", suffixes: tuple[str, ...] = ()) -> Iterator[str]:
        """Repository-relative files below `folder`, sorted, skipping vendored/build folders."""
        base = self.inside(folder)
        if base is None:
            return
        found = set()
        if base.is_dir():
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
                found.update(self.rel(Path(dirpath) / name) for name in filenames)
        prefix = "" if folder in (".", "") else folder.rstrip("/") + "/"
        found.update(p for p in self.overlay if p.startswith(prefix))  # files a fix would create
        for rel in sorted(found):
            if (not suffixes or rel.endswith(suffixes)) and not self.excluded(rel):
                yield rel

    def excluded(self, rel: str) -> bool:
        return any(fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase("/" + rel, pattern) for pattern in self.exclude)

    def glob(self, pattern: str) -> list[str]:
        """Files matching a repository-relative glob (`**` crosses folders)."""
        if not any(ch in pattern for ch in "*?["):
            return [pattern] if self.exists(pattern) and not self.is_dir(pattern) else []
        head = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
        folder = head.rsplit("/", 1)[0] if "/" in head else "."
        return [p for p in self.walk(folder) if fnmatch.fnmatchcase(p, pattern)]

    # -- reading -----------------------------------------------------------
    def text(self, rel: str) -> TextFile | None:
        if rel in self._texts:
            return self._texts[rel]
        result = self._read(rel)
        self._texts[rel] = result
        return result

    def _read(self, rel: str) -> TextFile | None:
        if rel in self.overlay:
            text = self.overlay[rel]
            return TextFile(rel, text, crlf="\r\n" in text)
        path = self.inside(rel)
        if path is None or not path.is_file():
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.problem(UNREADABLE, rel, f"cannot read {rel}: {exc.strerror or exc}")
            return None
        if b"\x00" in data[:BINARY_SNIFF]:
            self.problem(UNREADABLE, rel, f"{rel} is a binary file, not text")
            return None
        exact = True
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            exact = False
            line = data[: exc.start].count(b"\n") + 1
            self.problem(
                NOT_UTF8,
                rel,
                f"{rel} is not valid UTF-8 (first bad byte at line {line}); read with replacement characters",
                line=line,
                severity=Severity.WARNING,
            )
            text = data.decode("utf-8", errors="replace")
        return TextFile(rel, text, crlf="\r\n" in text, bom=data.startswith(b"\xef\xbb\xbf"), exact=exact)

    def parsed(self, kind: str, rel: str, parse: Callable[[TextFile], T]) -> T | None:
        """Parse `rel` once with `parse`; a ValueError from the parser becomes an input problem.

        Parsers raise ValueError (or a subclass) with an optional `line` attribute.
        """
        key = (kind, rel)
        if key in self._parsed:
            return self._parsed[key]  # type: ignore[return-value]
        source = self.text(rel)
        result = None
        if source is not None:
            try:
                result = parse(source)
            except ValueError as exc:
                self.problem(MALFORMED, rel, f"{rel}: {exc}", line=getattr(exc, "line", None))
        self._parsed[key] = result
        return result

    # -- problems ------------------------------------------------------------
    def problem(
        self,
        code: str,
        rel: str,
        message: str,
        line: int | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        key = (code, rel)
        if key not in self._problems:
            self._problems[key] = Finding(
                code=code,
                severity=severity,
                message=message,
                location=Location(rel, line),
                root_cause="tiketi-doctor could not use this file, so checks that need it could not decide.",
            )

    @property
    def problems(self) -> list[Finding]:
        return list(self._problems.values())
