"""Incremental re-checks: static check runs kept between invocations and reused while nothing they
depended on changed.

A scan with a cache tracks, for each check run, the files it read and the listings it walked,
directly or through the analyses it used (ScanContext(track_reads=True)). After the runs, one file
per repository in the cache folder records, for each run that did not raise: its findings, its run
record, and the ids of what it depended on; for each file read, a digest of its bytes (and its stat,
so an unchanged file is not read again); for each listing, a digest of the paths below it. The next
scan of the same repository with the same tool code and catalogue takes over every run whose inputs
still have the same digests and runs the others.

The file is written to a temporary name and renamed (a concurrent scan sees the old file or the new
one, never half of one; the last writer wins), starts with a format line and a SHA-256 of the rest,
and is read with an unpickler that only builds the tool's own types: a truncated, corrupted or
foreign file is deleted and the scan runs cold.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .repo import RepoView, digest, stat_signature, too_big

FORMAT = 2
MAGIC = b"tiketi-doctor run cache %d\n" % FORMAT
ENV_DIR = "TIKETI_DOCTOR_CACHE_DIR"
# A file whose stat is this recent when read may change again within the same clock tick without
# its stat showing it: its stat is not trusted, its bytes are hashed on the next scan.
RACY_NS = 2_000_000_000
# Cache files of repositories not checked for this long are removed when another one is written.
KEEP_SECONDS = 30 * 86400
_SUFFIX = ".runs"


def default_folder() -> Path:
    """$TIKETI_DOCTOR_CACHE_DIR, else $XDG_CACHE_HOME/tiketi-doctor, else ~/.cache/tiketi-doctor."""
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tiketi-doctor"


def tool_fingerprint(checks: Iterable[object]) -> bytes:
    """The tool's code and data as installed: size and mtime of every file of its packages and of
    the packages the checks come from, and the installed distributions (the site-packages folders'
    mtimes change when one is installed, upgraded or removed). Cheap: stats, no reading."""
    import importlib.util

    from . import __version__

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{__version__}\0{sys.version}\0{sys.executable}".encode())
    folders = {Path(__file__).resolve().parent}
    for top in check_packages(checks):
        package = sys.modules.get(top)
        entries = list(getattr(package, "__path__", None) or [getattr(package, "__file__", None) or ""])
        folders.update(Path(entry).resolve() for entry in entries if entry)
    spec = importlib.util.find_spec("manifests")  # the packaged data (schemas, known versions)
    for entry in (spec.submodule_search_locations or []) if spec is not None else []:
        folders.add(Path(entry).resolve())
    for folder in sorted(folders):
        _fingerprint_tree(h, str(folder))
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")):
            with suppress(OSError):
                h.update(f"{entry}\0{os.stat(entry).st_mtime_ns}\0".encode())
    return h.digest()


def check_packages(checks: Iterable[object]) -> set[str]:
    """The top-level packages the checks are defined in (their types may be in stored findings)."""
    return {type(check).__module__.partition(".")[0] for check in checks}


def _fingerprint_tree(h: Any, top: str) -> None:
    try:
        info = os.stat(top)
    except OSError:
        return
    if not os.path.isdir(top):
        h.update(f"{top}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        return
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            with suppress(OSError):
                if entry.is_dir():
                    pending.append(entry.path)
                else:
                    stat = entry.stat()
                    h.update(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())


def catalogue_fingerprint(catalogue: object) -> bytes:
    """Everything the catalogue says (its repr holds every field that matters; no sets)."""
    return hashlib.blake2b(repr(catalogue).encode(), digest_size=16).digest()


# -- the stored form --------------------------------------------------------------------------
# keys:     read keys (a path, or ("walk", folder)), in id order
# states:   what each key was: ("file", digest), ("dir",), ("missing",), ("walk", digest), ...
# stats:    for a file key, its trusted stat signature (None: hash its bytes to compare)
# nodes:    analyses (memo entries): (key ids it read, node ids it used); a node only uses earlier ones
# runs:     (check code, component or None) -> (key ids, node ids, findings, CheckRun)
# problems: (key id, finding) for the input problems (unreadable, malformed files)
# pragmas:  path -> (stat signature, its inline-ignore pragmas) of every text file the pragma scan
#           looked at: an unchanged file is not read again for them
# cutoffs:  node id -> (its memo key, pickled; a digest of its value, pickled) for analyses used by
#           many runs: when such an analysis computed again gives the same value, the runs that
#           depend on it through that analysis alone are still taken (an edit of a comment does not
#           re-run every check that uses a repository-wide index)


@dataclass
class Stored:
    key: bytes
    keys: list
    states: list
    stats: list
    nodes: list
    runs: dict
    problems: list
    cutoffs: dict = field(default_factory=dict)
    pragmas: dict = field(default_factory=dict)


class Warm:
    """A loaded cache checked against the repository as it is now."""

    def __init__(self, stored: Stored | None, repo: RepoView):
        self.stored = stored
        self.repo = repo
        self.current: dict[object, tuple] = {}  # read key -> its state now (computed once)
        self.taken: set = set()  # run keys reused by this scan
        self.valid_runs: set = set()
        self.position: dict[object, int] = {}
        self.bad_keys: set[int] = set()
        self.bad_nodes: set[int] = set()
        self.scan: Any = None  # the ScanContext (bind): which analyses it computed, and their values
        self._verified: dict[int, bool] = {}
        # Nodes found unchanged by computing them again: their memo keys. The file records the new
        # computation's inputs for them (the same value may now come from other files).
        self.recomputed: dict[int, object] = {}
        self._unclean: dict[int, int] = {}  # node -> the number of analyses computed when it was found unclean
        self.changed = stored is None
        self.key_ok: list[bool] = []
        if stored is None:
            return
        self.position = {key: index for index, key in enumerate(stored.keys)}
        ok = []
        for index, key in enumerate(stored.keys):
            now = state_of(repo, key, stored.stats[index], stored.states[index])
            self.current[key] = now
            ok.append(now == stored.states[index])
        self.key_ok = ok
        bad_keys = {index for index, good in enumerate(ok) if not good}
        if not bad_keys:
            self.valid_runs = set(stored.runs)
            return
        bad_nodes: set[int] = set()
        for node, (reads, uses) in enumerate(stored.nodes):  # a node only uses earlier ones
            if not bad_keys.isdisjoint(reads) or not bad_nodes.isdisjoint(uses):
                bad_nodes.add(node)
        for run_key, (reads, uses, _findings, _run) in stored.runs.items():
            if bad_keys.isdisjoint(reads) and bad_nodes.isdisjoint(uses):
                self.valid_runs.add(run_key)
        self.bad_keys, self.bad_nodes = bad_keys, bad_nodes
        self.changed = True

    def bind(self, scan: Any) -> None:
        """The scan's context, to compare the analyses it computes again with the stored ones."""
        self.scan = scan

    def _clean(self, node: int) -> bool:
        """Whether the analysis `node` has the value it had: its inputs did not change, or it was
        computed again by this scan with the same value, or it only uses such analyses."""
        if node not in self.bad_nodes or self._verified.get(node):
            return True
        computed = self.scan.computed_count() if self.scan is not None else 0
        if self._unclean.get(node) == computed:
            return False  # nothing new was computed since it was found unclean
        stored = self.stored
        clean = False
        cutoff = stored.cutoffs.get(node) if stored is not None else None
        if cutoff is not None and self.scan is not None:
            clean = self._same_value(node, cutoff)
        if not clean and stored is not None:
            reads, uses = stored.nodes[node]
            clean = self.bad_keys.isdisjoint(reads) and all(self._clean(n) for n in uses)
        if clean:
            self._verified[node] = True
        else:
            self._unclean[node] = computed
        return clean

    def _same_value(self, node: int, cutoff: tuple[bytes, bytes]) -> bool:
        try:
            key = _Unpickler(io.BytesIO(cutoff[0]), ("tiketi_doctor",)).load()
            found, value = self.scan.memo_lookup(key)
            same = found and value_digest(value) == cutoff[1]
        except Exception:  # a key or value that cannot be compared: not the same
            return False
        if same:
            self.recomputed[node] = key
        return same

    def take(self, run_key: tuple) -> tuple[list, object] | None:
        """The findings and run record of an unchanged run, or None when it must run."""
        if run_key not in self.valid_runs:
            if self.stored is None or run_key not in self.stored.runs:
                return None
            reads, uses, _findings, _run = self.stored.runs[run_key]
            if not self.bad_keys.isdisjoint(reads) or not all(self._clean(n) for n in uses):
                return None
            self.valid_runs.add(run_key)
        self.taken.add(run_key)
        entry = self.stored.runs[run_key]  # type: ignore[union-attr]
        return entry[2], entry[3]

    def problems(self) -> list:
        """The input problems of files the reused runs depend on (they do not read them again)."""
        if not self.taken or self.stored is None or not self.stored.problems:
            return []
        stored = self.stored
        needed: set[int] = set()
        seen_nodes: set[int] = set()
        pending: list[int] = []
        for run_key in self.taken:
            reads, uses, _f, _r = stored.runs[run_key]
            needed.update(reads)
            pending.extend(uses)
        while pending:
            node = pending.pop()
            if node in seen_nodes:
                continue
            seen_nodes.add(node)
            reads, uses = stored.nodes[node]
            needed.update(reads)
            pending.extend(uses)
        return [f for key, f in stored.problems if key in needed and self.key_ok[key]]


def value_digest(value: object) -> bytes | None:
    """A digest of an analysis' value, or None when it cannot be pickled."""
    try:
        return digest(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:
        return None


# Analyses used by at least this many runs or analyses, and by half as many as there are
# components, get a value digest (early cut-off): the repository-wide indexes every component's
# runs use. Hashing every small per-file analysis would cost more than it saves.
CUTOFF_USERS = 8


def state_of(repo: RepoView, key: object, trusted_stat: tuple | None = None, known: tuple | None = None) -> tuple:
    """What a read key shows now. A file whose stat equals `trusted_stat` is taken to still hold
    `known` without being read."""
    if isinstance(key, tuple):  # ("walk", folder)
        listing = "\n".join(repo.listed_below(key[1])).encode()
        return ("walk", digest(listing))
    seen = repo.state(key)
    if seen[0] != "file":
        return seen
    try:
        info = os.stat(seen[1])
    except OSError as exc:
        return ("error", exc.errno)
    if trusted_stat is not None and known is not None and stat_signature(info) == trusted_stat:
        return known
    if info.st_size > repo.max_bytes:
        return ("file", too_big(info.st_size))
    try:
        with open(seen[1], "rb") as handle:
            return ("file", digest(handle.read(repo.max_bytes + 1)))
    except OSError as exc:
        return ("error", exc.errno)


@dataclass
class RunCache:
    """The cache of one repository: `open` before the runs, `save` after them."""

    folder: Path
    root: Path
    key: bytes
    started_ns: int = field(default_factory=time.time_ns)
    trusted: tuple[str, ...] = ("tiketi_doctor", "checks", "fixes")

    @property
    def file(self) -> Path:
        name = hashlib.blake2b(str(self.root).encode(), digest_size=16).hexdigest()
        return self.folder / (name + _SUFFIX)

    def open(self, repo: RepoView) -> Warm:
        repo.digests = {}
        return Warm(self._load(), repo)

    def _load(self) -> Stored | None:
        try:
            raw = self.file.read_bytes()
        except OSError:
            return None
        head = len(MAGIC)
        if raw[:head] != MAGIC or hashlib.sha256(raw[head + 32:]).digest() != raw[head:head + 32]:
            self._discard()
            return None
        try:
            stored = _Unpickler(io.BytesIO(raw[head + 32:]), self.trusted).load()
        except Exception:  # anything unreadable is discarded, never trusted
            self._discard()
            return None
        if not isinstance(stored, Stored) or not _well_formed(stored):
            self._discard()
            return None
        return stored if stored.key == self.key else None

    def _discard(self) -> None:
        with suppress(OSError):
            self.file.unlink()

    def scan_pragmas(self, repo: RepoView, warm: Warm) -> tuple[list, dict]:
        """The repository's inline-ignore pragmas, and the table to store: files whose stat the
        stored table still shows are not read again."""
        from .suppressions import scan_pragmas

        table: dict = {}
        known = warm.stored.pragmas if warm.stored is not None else None
        return scan_pragmas(repo, known, table, self.started_ns - RACY_NS), table

    def save(self, ctx: Any, warm: Warm, pragmas: dict) -> None:
        """Record the runs of this scan (those that did not raise) and the reused ones still valid,
        and the pragma table of `scan_pragmas`."""
        from .model import RunStatus

        fresh = {k: v for k, v in ctx.check_reads.items() if k not in warm.taken}
        if not fresh and not warm.changed and warm.stored is not None and pragmas == warm.stored.pragmas:
            return  # everything was reused: the file already says all of it
        writer = _Writer(warm, self.started_ns)
        writer.deps = ctx.memo_deps
        runs: dict = {}
        for run_key, (reads, uses, produced, run) in fresh.items():
            if run.status == RunStatus.ERROR:
                continue
            node_ids = writer.fresh_nodes(ctx.memo_deps, uses)
            if node_ids is None:
                continue  # an analysis whose reads were not tracked: not cacheable
            runs[run_key] = (tuple(writer.key_id(k) for k in reads), node_ids, produced, run)
        stored = warm.stored
        if stored is not None:
            for run_key in warm.valid_runs:  # reused, or not selected this time but still valid
                if run_key not in runs:
                    reads, uses, produced, run = stored.runs[run_key]
                    runs[run_key] = (
                        tuple(writer.key_id(stored.keys[k]) for k in reads),
                        tuple(writer.old_node(stored, n) for n in uses),
                        produced,
                        run,
                    )
        problems, seen = [], set()
        candidates = list(ctx.input_problems)
        if stored is not None:
            candidates += [f for k, f in stored.problems if warm.key_ok[k]]
        for finding in candidates:
            path = _normal(finding.location.path)
            if path in writer.index and (finding.code, path) not in seen:
                seen.add((finding.code, path))
                problems.append((writer.index[path], finding))
        cutoffs = writer.cutoffs(ctx, runs, stored)
        self._write(Stored(self.key, writer.keys, writer.states, writer.stats, writer.nodes, runs, problems, cutoffs, pragmas))

    def _write(self, stored: Stored) -> None:
        try:
            payload = pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a finding that cannot be stored: this scan is simply not cached
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(MAGIC + hashlib.sha256(payload).digest() + payload)
                os.replace(tmp, self.file)
            except BaseException:
                with suppress(OSError):
                    os.unlink(tmp)
                raise
            self._prune()
        except OSError:
            return  # a read-only or full cache folder only costs the next scan its speed

    def _prune(self) -> None:
        """Remove the cache files of repositories not checked for KEEP_SECONDS, and temporary
        files left by a killed scan."""
        limit = time.time() - KEEP_SECONDS
        with suppress(OSError), os.scandir(self.folder) as listing:
            for entry in listing:
                with suppress(OSError):
                    if (entry.name.endswith(_SUFFIX) or entry.name.endswith(".tmp")) and entry.stat().st_mtime < limit:
                        os.unlink(entry.path)


class _Writer:
    """Builds the id tables of the file to write."""

    def __init__(self, warm: Warm, started_ns: int):
        self.warm = warm
        self.repo = warm.repo
        self.limit = started_ns - RACY_NS
        self.index: dict[object, int] = {}
        self.keys: list = []
        self.states: list = []
        self.stats: list = []
        self.nodes: list = []
        self._fresh: dict[object, int] = {}
        self._old: dict[int, int] = {}
        self.deps: dict | None = None  # the scan's memo dependencies

    def key_id(self, key: object) -> int:
        found = self.index.get(key)
        if found is not None:
            return found
        trusted = None
        recorded = self.repo.digests.get(key) if isinstance(key, str) and self.repo.digests else None
        if recorded is not None:  # read by this scan: what it held when read
            signature, data = recorded
            state = ("file", data)
            if signature[1] < self.limit and signature[2] < self.limit:
                trusted = signature
        else:
            state = self.warm.current.get(key) or state_of(self.repo, key)
            if state[0] == "file" and self.warm.stored is not None and key in self.warm.current:
                trusted = self._old_trusted(key, state)
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.states.append(state)
        self.stats.append(trusted)
        return self.index[key]

    def _old_trusted(self, key: object, state: tuple) -> tuple | None:
        stored, position = self.warm.stored, self.warm.position.get(key)
        if stored is None or position is None:
            return None
        return stored.stats[position] if stored.states[position] == state else None

    def fresh_nodes(self, deps: dict, uses: Iterable[object]) -> tuple[int, ...] | None:
        ids = []
        for key in uses:
            node = self._fresh_node(deps, key)
            if node is None:
                return None
            ids.append(node)
        return tuple(sorted(ids))

    def _fresh_node(self, deps: dict, key: object) -> int | None:
        if key in self._fresh:
            return self._fresh[key]
        entry = deps.get(key)
        if entry is None:
            return None
        self._fresh[key] = -1  # a cycle cannot be recorded (an analysis cannot use itself)
        used = self.fresh_nodes(deps, entry[1])
        if used is None or -1 in used:
            self._fresh[key] = None  # type: ignore[assignment]
            return None
        self._fresh[key] = self._node((tuple(sorted(self.key_id(k) for k in entry[0])), used))
        return self._fresh[key]

    def _node(self, node: tuple) -> int:
        """A new node. Equal nodes are not merged: two analyses with the same inputs may have
        different values, and a node's value digest (cutoffs) speaks for one analysis only."""
        self.nodes.append(node)
        return len(self.nodes) - 1

    def cutoffs(self, ctx: Any, runs: dict, stored: Stored | None) -> dict:
        """Memo key and value digest of the analyses many runs or analyses use."""
        users: dict[int, int] = {}
        for _reads, uses, _f, _r in runs.values():
            for node in uses:
                users[node] = users.get(node, 0) + 1
        for _reads, uses in self.nodes:
            for node in uses:
                users[node] = users.get(node, 0) + 1
        least = max(CUTOFF_USERS, len(ctx.catalogue.components) // 2)
        found: dict[int, tuple[bytes, bytes]] = {}
        if stored is not None:
            for old, new in self._old.items():
                if old in stored.cutoffs and users.get(new, 0) >= least:
                    found[new] = stored.cutoffs[old]
        for key, node in self._fresh.items():
            if node is None or node < 0 or node in found or users.get(node, 0) < least:
                continue
            known, value = ctx.memo_lookup(key)
            if not known:
                continue
            value_hash = value_digest(value)
            try:
                key_bytes = pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                continue
            if value_hash is not None:
                found[node] = (key_bytes, value_hash)
        return found

    def old_node(self, stored: Stored, node: int) -> int:
        if node in self._old:
            return self._old[node]
        again = self.warm.recomputed.get(node)
        if again is not None and self.deps is not None:
            fresh = self._fresh_node(self.deps, again)
            if fresh is not None and fresh >= 0:
                self._old[node] = fresh
                return fresh
        reads, uses = stored.nodes[node]
        used = tuple(sorted(self.old_node(stored, n) for n in uses))
        self._old[node] = self._node((tuple(sorted(self.key_id(stored.keys[k]) for k in reads)), used))
        return self._old[node]


def _well_formed(stored: Stored) -> bool:
    """The tables agree with each other (a file that passed its digest but is not ours is refused)."""

    def within(ids, limit: int) -> bool:  # min/max run in C: the tables hold some 100,000 ids
        return not ids or (min(ids) >= 0 and max(ids) < limit)

    try:
        count, nodes = len(stored.keys), len(stored.nodes)
        if not (len(stored.states) == len(stored.stats) == count):
            return False
        for position, (reads, uses) in enumerate(stored.nodes):
            if not within(reads, count) or not within(uses, position):
                return False
        for reads, uses, findings, _run in stored.runs.values():
            if not within(reads, count) or not within(uses, nodes) or not isinstance(findings, list):
                return False
        if not within(list(stored.cutoffs), nodes):
            return False
        if not isinstance(stored.pragmas, dict) or any(not isinstance(v, tuple) or not isinstance(v[1], list) for v in stored.pragmas.values()):
            return False
        return within([k for k, _ in stored.problems], count)
    except (TypeError, ValueError, AttributeError):
        return False


def _normal(path: str) -> str:
    from .repo import _normal as normal

    return normal(path)


_BUILTINS = frozenset({"set", "frozenset", "list", "dict", "tuple", "str", "int", "float", "bool", "bytes", "complex", "slice", "range"})
_MODULES = {
    "copyreg": frozenset({"_reconstructor", "__newobj__"}),
    "collections": frozenset({"OrderedDict", "defaultdict", "Counter", "deque"}),
    "pathlib": frozenset({"PurePosixPath", "PosixPath", "PureWindowsPath", "Path"}),
    "datetime": frozenset({"datetime", "date", "time", "timedelta", "timezone"}),
}


class _Unpickler(pickle.Unpickler):
    """Builds only built-in containers and the tool's (and its check plugins') own types."""

    def __init__(self, handle: io.BytesIO, trusted: tuple[str, ...]):
        super().__init__(handle)
        self.trusted = trusted

    def find_class(self, module: str, name: str) -> Any:
        top = module.partition(".")[0]
        if (module == "builtins" and name in _BUILTINS) or name in _MODULES.get(module, ()) or top in self.trusted:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not stored by tiketi-doctor")
