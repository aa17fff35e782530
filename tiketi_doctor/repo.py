"""A read-only, cached view of the repository being checked.

Every file is read once and parsed at most once per run. Files that exist but
cannot be used (binary, not UTF-8, malformed) are recorded as input problems —
reported as findings — instead of raising, so one bad file never hides the rest.
"""
from __future__ import annotations

import bisect
import itertools
import errno
import os
import posixpath
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterator, TypeVar

from .deferred import dataclass
from .i18n import Msg
from .model import Finding, Location, Severity

if TYPE_CHECKING:
    from .catalogue import Catalogue

T = TypeVar("T")

# Folders that never hold the system's own sources.
SKIPPED_DIRS = frozenset(
    {".git", "node_modules", "build", "dist", ".venv", "venv", "__pycache__", ".next", "coverage", ".tiketi-doctor"}
)
# A path that names ".." or a skipped folder anywhere (a substring test, as a first filter).
_SKIP_NAMES = tuple(sorted(SKIPPED_DIRS | {".."}))
_MAY_SKIP = re.compile("|".join(re.escape(name) for name in _SKIP_NAMES))
BINARY_SNIFF = 8192

# Input-problem codes; documented in tiketi_doctor/input_problems.py.
UNREADABLE = "SRC001"
MALFORMED = "SRC002"
NOT_UTF8 = "SRC003"
SKIPPED = "SRC005"

# Larger files are not read: no source, manifest or guide people write is this big, and parsing a
# generated bundle of that size took a minute. RepoView(max_bytes=...) changes it.
MAX_FILE_BYTES = 4_000_000

# RepoView.state of a folder and of a path that does not exist (one object each: stored compactly).
DIR_STATE = ("dir",)
MISSING_STATE = ("missing",)


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

    def __init__(
        self, root: Path, overlay: dict[str, str] | None = None, exclude: tuple[str, ...] = (), max_bytes: int | None = None
    ):
        self.root = root.resolve()
        self._root_text = str(self.root)
        self.max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
        self.overlay = dict(overlay or {})
        # Globs (catalogue `exclude`) of paths never listed: backups, legacy copies.
        self.exclude = tuple(exclude)
        self._excluding = None  # their one regex (globs.covering_regex), made on first use
        self._files: list[str] | None = None
        self._dirs: set[str] = set()
        self._skipped_exists: dict[str, bool] = {}  # skipped folder -> whether it exists (still_missing)
        self._files_set: set[str] | None = None
        self._inside: dict[str, Path | None] = {}
        self._links: set[str] = set()
        # Listed paths that are no regular file (a named pipe, a device, a symlink loop): never opened.
        self._special: dict[str, str] = {}
        # Folders that could not be listed: what lies below them is unknown, not missing.
        self._blocked: set[str] = set()
        self._texts: dict[str, TextFile | None] = {}
        self._parsed: dict[tuple[str, str], object] = {}
        self._problems: dict[tuple[str, str], Finding] = {}
        # What the checks read, when a scan tracks it (ScanContext(track_reads=True)): one set per
        # open check run or analysis, innermost last. Keys: a path (its text or existence) or
        # ("walk", folder) for a listing below a folder.
        self.read_sets: list[set] = []
        # When set (by the incremental cache), what each file read held: path -> (its stat when it
        # was opened: size, mtime_ns, ctime_ns, inode; the digest of the bytes read, or of "too big").
        self.digests: dict[str, tuple[tuple[int, int, int, int], bytes]] | None = None

    @classmethod
    def of(cls, root: Path, catalogue: "Catalogue", overlay: dict[str, str] | None = None) -> "RepoView":
        """The view of `root` a catalogue asks for: its excludes and its file size limit."""
        return cls(root, overlay, exclude=catalogue.exclude, max_bytes=catalogue.max_file_bytes)

    def _touch(self, rel: str) -> None:
        if self.read_sets:
            self.read_sets[-1].add(_normal(rel))

    # -- paths -------------------------------------------------------------
    def rel(self, path: Path | str) -> str:
        path = Path(path)
        if not path.is_absolute():
            path = self.root / path
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except (ValueError, RuntimeError, OSError):  # outside, or a symlink loop
            return path.as_posix() if not path.is_relative_to(self.root) else path.relative_to(self.root).as_posix()

    def inside(self, rel: str) -> Path | None:
        """The absolute path of `rel`, or None when it would leave the repository (also via symlinks)."""
        self._touch(rel)
        files = self._file_set()
        if rel in self._special:
            return None  # reading it could block (a pipe) or never end (a loop)
        if rel in files and rel not in self._links:
            return self.root / rel  # a listed regular file: no symlink on its path, nothing to resolve
        if rel not in self._inside:
            try:
                candidate = (self.root / rel).resolve()
            except (RuntimeError, OSError):  # a symlink loop on the way
                candidate = None
            ok = candidate is not None and (candidate == self.root or self.root in candidate.parents)
            self._inside[rel] = candidate if ok else None
        return self._inside[rel]

    def _listing(self) -> tuple[list[str], set[str]]:
        """Every file (sorted) and folder of the repository, walked once per view."""
        if self._files is None:
            files: list[str] = []
            dirs: set[str] = {"."}
            pending = [(str(self.root), "")]
            while pending:
                folder, base = pending.pop()
                try:
                    with os.scandir(folder) as listing:
                        entries = list(listing)
                except OSError as exc:
                    self._unlistable(base.rstrip("/") or ".", exc)
                    continue
                for entry in entries:
                    rel = base + entry.name
                    link = entry.is_symlink()
                    if _is_dir(entry):
                        if entry.name in SKIPPED_DIRS:
                            continue
                        dirs.add(rel)
                        if link:  # linked folders are not walked; their files are resolved when read
                            self._links.add(rel)
                        else:
                            pending.append((entry.path, rel + "/"))
                        continue
                    files.append(rel)
                    if link:
                        self._links.add(rel)
                    special = _not_regular(entry)
                    if special:
                        self._special[rel] = special
            files.extend(p for p in self.overlay if p not in set(files))  # files a fix would create
            files.sort()
            self._files, self._dirs = files, dirs
        return self._files, self._dirs  # type: ignore[return-value]

    def _unlistable(self, rel: str, exc: OSError) -> None:
        self._blocked.add(rel)
        self.problem(
            UNREADABLE, rel, Msg("cannot read the folder {path}: {error}; the files below it were not checked", path=rel, error=exc.strerror or str(exc))
        )

    def _below_blocked(self, rel: str) -> bool:
        return bool(self._blocked) and any(rel == b or rel.startswith(b + "/") or b == "." for b in self._blocked)

    def exists(self, rel: str) -> bool:
        rel = _normal(rel)
        self._touch(rel)
        files, dirs = self._listing()
        if rel in self.overlay or rel in dirs or rel in self._file_set():
            return True
        if self._below_blocked(rel):
            return True  # cannot be told: unknown rather than missing (the folder is reported)
        if not self._unlisted(rel):
            return False  # the listing is complete outside skipped and linked folders
        path = self.inside(rel)
        return path is not None and path.exists()

    def is_dir(self, rel: str) -> bool:
        rel = _normal(rel)
        self._touch(rel)
        if rel in self._listing()[1]:
            return True
        if not self._unlisted(rel) or self._below_blocked(rel):
            return False
        path = self.inside(rel)
        try:
            return path is not None and path.is_dir()
        except OSError:
            return False

    def _unlisted(self, rel: str) -> bool:
        """Whether `rel` lies where the listing does not look (node_modules, linked folders...)."""
        if not self._links and not self._may_skip(rel):
            return False  # the common case, answered without splitting the path
        parts = rel.split("/")
        if any(part in SKIPPED_DIRS or part == ".." for part in parts):
            return True
        return any("/".join(parts[:i]) in self._links for i in range(1, len(parts) + 1))

    @staticmethod
    def _may_skip(rel: str) -> bool:
        return _MAY_SKIP.search(rel) is not None

    def _file_set(self) -> set[str]:
        if self._files_set is None:
            self._files_set = set(self._listing()[0])
        return self._files_set

    def walk(self, folder: str = ".", suffixes: tuple[str, ...] = ()) -> Iterator[str]:
        """Repository-relative files below `folder`, sorted, skipping vendored/build folders."""
        folder = _normal(folder)
        if self.read_sets:
            self.read_sets[-1].add(("walk", folder))
        prefix = "" if folder == "." else folder + "/"
        files = self._listing()[0]
        # The listing is sorted, so a folder's files are one contiguous run starting at bisect.
        for index in range(bisect.bisect_left(files, prefix), len(files)):
            rel = files[index]
            if not rel.startswith(prefix):
                break
            if (not suffixes or rel.endswith(suffixes)) and not (self.exclude and self.excluded(rel)):
                yield rel

    def excluded(self, rel: str) -> bool:
        if not self.exclude:
            return False
        from .globs import covering_regex

        if self._excluding is None:
            self._excluding = covering_regex(tuple(pattern.lstrip("/") for pattern in self.exclude))
        return self._excluding.fullmatch(rel) is not None

    def glob(self, pattern: str) -> list[str]:
        """Files matching a repository-relative glob, or inside a folder it matches (globs.covers)."""
        pattern = _normal(pattern)
        wildcard = next((i for i, ch in enumerate(pattern) if ch in "*?["), None)
        if wildcard is None:
            return [pattern] if self.exists(pattern) and not self.is_dir(pattern) else []
        # Everything before the first wildcard matches literally: walk only the folder it names.
        folder = pattern[:wildcard].rpartition("/")[0] or "."
        from .globs import covers

        return [p for p in self.walk(folder) if covers(pattern, p)]

    # -- reading -----------------------------------------------------------
    def text(self, rel: str) -> TextFile | None:
        self._touch(rel)
        if rel in self._texts:
            return self._texts[rel]
        result = self._read(rel)
        self._texts[rel] = result
        return result

    def cached(self, rel: str) -> TextFile | None:
        """The text of `rel` if a check has read it already (nothing is read, nothing reported)."""
        return self._texts.get(rel)

    def _read(self, rel: str) -> TextFile | None:
        if rel in self.overlay:
            text = self.overlay[rel]
            return TextFile(rel, text, crlf="\r\n" in text)
        if rel not in self._file_set() and (not self.exists(rel) or self.is_dir(rel)):
            return None  # a listed file exists and is no folder: only others are looked up
        if rel in self._special:
            self.problem(UNREADABLE, rel, Msg("{path} is {kind}, not a regular file; it was not read", path=rel, kind=self._special[rel]))
            return None
        if self._below_blocked(rel):
            return None  # the folder is reported once
        path = self.inside(rel)
        if path is None:
            return None
        try:
            data = self._read_bytes(rel, path)
        except OSError as exc:
            self.problem(UNREADABLE, rel, Msg("cannot read {path}: {error}", path=rel, error=exc.strerror or str(exc)))
            return None
        if data is None:
            return None
        if b"\x00" in data[:BINARY_SNIFF]:
            self.problem(UNREADABLE, rel, Msg("{path} is a binary file, not text", path=rel))
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
                Msg("{path} is not valid UTF-8 (first bad byte at line {line}); read with replacement characters", path=rel, line=line),
                line=line,
                severity=Severity.WARNING,
            )
            text = data.decode("utf-8", errors="replace")
        return TextFile(rel, text, crlf="\r\n" in text, bom=data.startswith(b"\xef\xbb\xbf"), exact=exact)

    def _read_bytes(self, rel: str, path: Path) -> bytes | None:
        """The bytes of a regular file within the size limit. Opened without blocking: a path that
        turned into a named pipe after the listing must not wait for a writer."""
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self.problem(UNREADABLE, rel, Msg("{path} is {kind}, not a regular file; it was not read", path=rel, kind=_kind(info.st_mode)))
                return None
            if info.st_size > self.max_bytes:
                if self.digests is not None:
                    self.digests[rel] = (stat_signature(info), too_big(info.st_size))
                self.problem(
                    SKIPPED,
                    rel,
                    Msg("{path} was not read: {size} MB is over the {limit} MB limit for a file",
                        path=rel, size=f"{info.st_size / 1e6:.1f}", limit=f"{self.max_bytes / 1e6:g}"),
                    severity=Severity.INFO,
                )
                return None
            data = read_at_most(handle, info.st_size, self.max_bytes)
            if self.digests is not None:
                self.digests[rel] = (stat_signature(info), digest(data))
            return data

    # -- what the incremental cache compares ---------------------------------
    def state(self, rel: str) -> tuple:
        """What a check sees of the path `rel` short of its bytes, without tracking the look-up:
        ("dir",), ("missing",), ("unknown",) below an unlistable folder, ("special", kind),
        ("outside",) for a link leaving the repository, or ("file", absolute path)."""
        if rel in self._file_set():  # the common cases first: a listed file, a path nobody has
            if rel in self._special:
                return ("special", self._special[rel])
            if rel not in self._links and not self._blocked:
                return ("file", self._root_text + "/" + rel)  # a listed path: relative, normalised
        elif rel in self._dirs:
            return DIR_STATE
        elif self._listing_tells() and not self._may_skip(rel):
            return MISSING_STATE
        reads, self.read_sets = self.read_sets, []
        try:
            if self.is_dir(rel):
                return DIR_STATE
            if not self.exists(rel):
                return MISSING_STATE
            if self._below_blocked(rel) and rel not in self._file_set():
                return ("unknown",)
            if rel in self._special:
                return ("special", self._special[rel])
            path = self.inside(rel)
            return ("outside",) if path is None else ("file", path)
        finally:
            self.read_sets = reads

    def still_missing(self, paths: list[str]) -> set[str] | None:
        """Of `paths`, each missing when last looked at, those the listing alone shows are still
        missing (in one set operation: a repository's module resolution probes some hundred
        thousand names); None when the listing alone cannot tell (linked or unlistable folders,
        an overlay)."""
        files = self._file_set()
        if not self._listing_tells():
            return None
        present = files.intersection(paths) | self._dirs.intersection(paths)
        absent = set(paths) - present
        # Names under a skipped folder or with ".." are answered path by path: one search over
        # all the names finds them (a search per name cost more than the rest of the check).
        text = "\n".join(paths)
        found = [at for name in _SKIP_NAMES for at in _occurrences(text, name)]  # str.find: a regex alternation took 4×
        if found:
            starts = list(itertools.accumulate((len(p) + 1 for p in paths), initial=0))
            flagged = {paths[bisect.bisect_right(starts, at) - 1] for at in found}
            absent -= {p for p in flagged if not self._below_missing_skipped(p)}
        return absent

    def _listing_tells(self) -> bool:
        """Whether a path the listing lacks is missing (outside skipped folders): no folder was
        unlistable, none is a link, and no overlay adds files."""
        return not (self._blocked or self._links or self.overlay)

    def _below_missing_skipped(self, rel: str) -> bool:
        """Whether an unlisted `rel` that names a skipped folder somewhere (a substring test found
        it) is certainly missing: no skipped folder on its path after all ("build.js"), or the first
        one does not exist (one look at a missing node_modules answers every probe below it)."""
        parts = rel.split("/")
        if ".." in parts:
            return False
        for end, part in enumerate(parts, 1):
            if part in SKIPPED_DIRS:
                folder = "/".join(parts[:end])
                known = self._skipped_exists.get(folder)
                if known is None:
                    known = self._skipped_exists[folder] = os.path.lexists(os.path.join(self._root_text, folder))
                return not known
        return True  # the listing is complete where nothing is skipped

    def listed_below(self, folder: str) -> list[str]:
        """The listing below `folder` as `walk` sees it before excludes (which the catalogue fixes),
        and the folders below it that could not be listed."""
        folder = _normal(folder)
        prefix = "" if folder == "." else folder + "/"
        files = self._listing()[0]
        start = bisect.bisect_left(files, prefix)
        end = bisect.bisect_left(files, prefix[:-1] + chr(ord("/") + 1)) if prefix else len(files)
        blocked = sorted("!" + b for b in self._blocked if folder == "." or b == folder or b.startswith(prefix))
        return files[start:end] + blocked

    def parsed(self, kind: str, rel: str, parse: Callable[[TextFile], T]) -> T | None:
        """Parse `rel` once with `parse`; a ValueError from the parser becomes an input problem.

        Parsers raise ValueError (or a subclass) with an optional `line` attribute. Parsers are
        pure functions of the file, so any later view of a file with the same path and text (the
        fix planner's next round, the checks after discovery, a copy of the repository) reuses
        the result.
        """
        key = (kind, rel)
        self._touch(rel)  # also when the result is cached: the caller depends on the file
        if key in self._parsed:
            return self._parsed[key]  # type: ignore[return-value]
        source = self.text(rel)
        result = None
        if source is not None:
            shared_key = (kind, rel, source.text, source.bom, source.exact)
            known = _SHARED_PARSES.get(shared_key)
            if known is not None:
                result, problem = known
            else:
                problem = None
                try:
                    result = parse(source)
                except ValueError as exc:
                    problem = (f"{rel}: {exc}", getattr(exc, "line", None))
                _share(shared_key, (result, problem))
            if problem is not None:
                self.problem(MALFORMED, rel, problem[0], line=problem[1])
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
                root_cause=Msg("tiketi-doctor could not use this file, so checks that need it could not decide."),
            )

    @property
    def problems(self) -> list[Finding]:
        return list(self._problems.values())


# Parse results by (kind, path, text, bom, exact), shared by every view in the process; the
# oldest go once the texts they hold pass a bound, so a long run over many trees does not grow.
_SHARED_PARSES: dict[tuple, tuple[object, tuple[str, int | None] | None]] = {}
_SHARED_CHARS = [0]
_SHARED_MAX_CHARS = 64 * 1024 * 1024


def _share(key: tuple, value: tuple) -> None:
    _SHARED_PARSES[key] = value
    _SHARED_CHARS[0] += len(key[2])
    while _SHARED_CHARS[0] > _SHARED_MAX_CHARS and len(_SHARED_PARSES) > 1:
        oldest = next(iter(_SHARED_PARSES))
        del _SHARED_PARSES[oldest]
        _SHARED_CHARS[0] -= len(oldest[2])


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Where `word` starts in `text`, every time."""
    at = text.find(word)
    while at != -1:
        yield at
        at = text.find(word, at + 1)


def read_at_most(handle: BinaryIO, size: int, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of an open file whose size was `size` when it was statted (one more
    byte shows it is over the limit). The read asks for the size, not the limit: a buffered read
    allocates what it is asked for, and 4 MB per file tripled the cost of reading a small one."""
    data = handle.read(min(size, limit) + 1)
    if len(data) > size and len(data) <= limit:  # it grew since the stat: the rest, still bounded
        data += handle.read(limit + 1 - len(data))
    return data


def stat_signature(info: os.stat_result) -> tuple[int, int, int, int]:
    """What changes when a file's bytes change (ctime cannot be set back by a user)."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def digest(data: bytes) -> bytes:
    import hashlib

    return hashlib.blake2b(data, digest_size=16).digest()


def too_big(size: int) -> bytes:
    """The digest recorded for a file over the size limit: only its size shows in the findings."""
    return b"size:%d" % size


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _not_regular(entry: os.DirEntry) -> str | None:
    """What a listed non-folder is when it is no regular file (None for a regular file)."""
    try:
        if entry.is_file():  # the type from the listing; a stat only for a symlink
            return None
        return _kind(entry.stat().st_mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Msg("a symbolic link loop")
        if exc.errno == errno.ENOENT:
            return Msg("a symbolic link to nothing")
        return None  # e.g. permission denied: reading it says so


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return Msg("a named pipe")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Msg("a device")
    if stat.S_ISSOCK(mode):
        return Msg("a socket")
    return Msg("not a file")


def _normal(rel: str) -> str:
    """`./a//b/` -> `a/b`; the listing's spelling of a repository path."""
    rel = posixpath.normpath(rel.replace("\\", "/")) if rel else "."
    return rel[2:] if rel.startswith("./") else rel
