"""Incremental re-checks: a scan that takes runs from the cache reports exactly what a scan without
it reports (findings, messages, order, run records), re-runs only the runs that depend on what
changed, and never trusts a cache file that is damaged or foreign."""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
from pathlib import Path

import pytest

from tiketi_doctor import cache as cache_module
from tiketi_doctor import engine
from tiketi_doctor.cache import MAGIC, RunCache, catalogue_fingerprint, tool_fingerprint
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.check import Check
from tiketi_doctor.engine import scan
from tiketi_doctor.model import Finding, Location, RunStatus, Severity
from tiketi_doctor.registry import load_registry

from .conftest import EXAMPLE

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _result(report) -> dict:
    """What a reader of the report sees, in order (durations aside)."""
    return {
        "findings": [f.to_dict() for f in report.findings],
        "suppressed": [f.to_dict() for f in report.suppressed],
        "runs": [(r.code, r.subject, r.status.value, r.findings, r.reason) for r in report.runs],
    }


class _Counting:
    """Counts the check runs the engine really executes."""

    def __init__(self, monkeypatch):
        self.ran: list[tuple[str, str]] = []
        real = engine._run

        def counted(check, ctx, component, sink):
            self.ran.append((check.code, component.name if component is not None else "repository"))
            return real(check, ctx, component, sink)

        monkeypatch.setattr(engine, "_run", counted)


def _scans(root: Path, folder: Path, checks=None):
    """(cold report without a cache, report with the cache in `folder`)."""
    checks = checks if checks is not None else load_registry().runnable()
    cold = scan(root, find_catalogue(root), checks)
    return cold, _cached_scan(root, folder, checks)


def _cached_scan(root: Path, folder: Path, checks=None):
    """A scan with the cache in `folder`."""
    catalogue = find_catalogue(root)
    checks = checks if checks is not None else load_registry().runnable()
    # A fixed tool key: the tool's own files may change while the tests run (test_tool_fingerprint...).
    key = b"tool" + catalogue_fingerprint(catalogue)
    return scan(root, catalogue, checks, cache=RunCache(folder, root.resolve(), key))


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _generated(target: Path, services: int = 12) -> Path:
    sys.path.insert(0, str(BENCH))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(BENCH))
    return generate(target, services)


@pytest.mark.parametrize("name", ["tiketi", "shop", pytest.param("generated", marks=pytest.mark.slow)])  # 12 services
def test_warm_scans_equal_cold_scans_before_and_after_edits(name, tmp_path, monkeypatch):
    root = _generated(tmp_path / "repo") if name == "generated" else _copy(EXAMPLE.parent / name, tmp_path / "repo")
    folder = tmp_path / "cache"
    counting = _Counting(monkeypatch)

    cold, first = _scans(root, folder)
    assert _result(first) == _result(cold)
    total = len(cold.runs)
    assert list(folder.iterdir()), "the first scan writes the cache"

    counting.ran.clear()
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    assert len(counting.ran) == total, "an unchanged repository re-runs nothing (only the cold scan ran)"

    # Change a source file, add one that requires a module nobody installs, delete a guide or manifest.
    sources = sorted(p for p in root.rglob("*.js") if "node_modules" not in p.parts and "src" in p.parts)
    changed = sources[0]
    changed.write_text(changed.read_text() + "\nconst left = require('left-pad-never-installed');\n")
    added = sources[-1].parent / "added.js"
    added.write_text("const nothing = require('is-never-installed');\nmodule.exports = nothing;\n")
    deleted = sorted(root.rglob("*.md")) or sorted(root.rglob("*.yaml"))
    deleted[0].unlink()
    counting.ran.clear()
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    rerun = len(counting.ran) - total
    assert 0 < rerun < total, f"only the runs that read what changed run again ({rerun} of {total})"
    codes = {f.code for f in warm.findings if f.location.path in {added.relative_to(root).as_posix()}}
    assert codes, "the new file's finding is reported from the warm scan"

    counting.ran.clear()
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    assert len(counting.ran) == total


def test_input_problems_of_reused_runs_are_still_reported(tmp_path):
    root = _copy(EXAMPLE, tmp_path / "repo")
    manifests = sorted(root.rglob("*.yaml"))
    manifests[-1].write_text("kind: [unclosed\n")
    binary = root / "services" / "auth-service" / "src" / "blob.js"
    binary.write_bytes(b"\x00\x01\x02binary")
    folder = tmp_path / "cache"
    cold, first = _scans(root, folder)
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    assert any(f.code in ("SRC001", "SRC002") for f in warm.findings)


def _cache_file(folder: Path) -> Path:
    (found,) = [p for p in folder.iterdir() if p.suffix == ".runs"]
    return found


@pytest.fixture(scope="module")
def _written_cache(tmp_path_factory) -> tuple[Path, bytes]:
    """A copy of the example and the good cache file its first scan writes (the damage tests only read
    the repository: each damages its own copy of the file)."""
    base = tmp_path_factory.mktemp("damaged")
    root = _copy(EXAMPLE, base / "repo")
    cold, _ = _scans(root, base / "cache")
    return root, _cache_file(base / "cache").read_bytes(), cold


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty", "foreign-class", "wrong-shape"])
def test_a_damaged_cache_is_discarded_never_trusted(damage, tmp_path, monkeypatch, _written_cache):
    root, written, cold = _written_cache
    folder = tmp_path / "cache"
    folder.mkdir()
    file = folder / _cache_file(root.parent / "cache").name
    file.write_bytes(written)
    raw = file.read_bytes()
    if damage == "truncated":
        file.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped":
        middle = len(raw) // 2
        file.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1:])
    elif damage == "garbage":
        file.write_bytes(os.urandom(4096))
    elif damage == "empty":
        file.write_bytes(b"")
    else:  # a file with a correct checksum that is not ours: never unpickled into foreign objects
        marker = tmp_path / "executed"
        if damage == "foreign-class":
            payload = pickle.dumps(_Evil(str(marker)))
        else:
            payload = pickle.dumps({"runs": "not a cache"})
        file.write_bytes(MAGIC + hashlib.sha256(payload).digest() + payload)
    counting = _Counting(monkeypatch)
    warm = _cached_scan(root, folder)
    assert _result(warm) == _result(cold)
    assert len(counting.ran) == len(cold.runs), "nothing was taken from the damaged file"
    assert not (tmp_path / "executed").exists()
    counting.ran.clear()
    _cached_scan(root, folder)  # the damaged file was replaced by a good one
    assert counting.ran == []


class _Evil:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


class _Flaky(Check):
    code = "ZZZ901"
    name = "flaky"
    severity = Severity.WARNING
    scope = "repository"
    calls = 0

    def check_repository(self, ctx):
        type(self).calls += 1
        ctx.repo.text("README.md")
        if type(self).calls == 1:
            raise RuntimeError("first call fails")
        return [Finding(self.code, self.severity, "found", Location("README.md", 1))]


def test_a_run_that_raised_is_not_cached(tmp_path):
    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "cache"
    catalogue = find_catalogue(root)
    checks = [_Flaky()]
    key = b"tool" + catalogue_fingerprint(catalogue)
    first = scan(root, catalogue, checks, cache=RunCache(folder, root.resolve(), key))
    assert first.runs[0].status == RunStatus.ERROR
    second = scan(root, catalogue, checks, cache=RunCache(folder, root.resolve(), key))
    assert _Flaky.calls == 2 and second.runs[0].status == RunStatus.FAILED
    third = scan(root, catalogue, checks, cache=RunCache(folder, root.resolve(), key))
    assert _Flaky.calls == 2 and _result(third) == _result(second)


def test_another_tool_or_catalogue_key_runs_everything(tmp_path, monkeypatch):
    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "cache"
    catalogue = find_catalogue(root)
    checks = load_registry().runnable()
    scan(root, catalogue, checks, cache=RunCache(folder, root.resolve(), b"version-1"))
    counting = _Counting(monkeypatch)
    scan(root, catalogue, checks, cache=RunCache(folder, root.resolve(), b"version-2"))
    assert len(counting.ran) == len([r for r in scan(root, catalogue, checks).runs])


def test_tool_fingerprint_follows_the_check_modules(tmp_path, monkeypatch):
    checks = load_registry().runnable()
    before = tool_fingerprint(checks)
    assert tool_fingerprint(checks) == before
    module = Path(sys.modules[type(checks[0]).__module__].__file__)
    stat = module.stat()
    try:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        assert tool_fingerprint(checks) != before
    finally:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_cli_cache_flags(tmp_path, monkeypatch):
    from tiketi_doctor.cli.check_cmd import CheckOptions, run_check

    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "chosen"
    monkeypatch.setenv(cache_module.ENV_DIR, str(tmp_path / "from-env"))
    output = tmp_path / "out.xml"
    plain = CheckOptions(root, formats=["junit"], outputs=[str(output)], cache=False)
    assert run_check(plain) == 1
    assert not (tmp_path / "from-env").exists()
    expected = output.read_text()
    chosen = CheckOptions(root, formats=["junit"], outputs=[str(output)], cache_dir=folder)
    assert run_check(chosen) == 1 and list(folder.iterdir())
    assert run_check(CheckOptions(root, formats=["junit"], outputs=[str(output)])) == 1
    assert list((tmp_path / "from-env").iterdir())
    assert _strip_times(output.read_text()) == _strip_times(expected)


def _strip_times(xml: str) -> str:
    import re

    return re.sub(r'(time|timestamp)="[^"]*"', "", xml)


@pytest.mark.slow  # two tiketi-doctor processes: the point is the process boundary
def test_concurrent_checks_leave_a_valid_cache(tmp_path):
    """Two checks of the same repository writing the same cache at once: each file is renamed into
    place whole, so the one left is valid and the next check takes every run from it."""
    import subprocess

    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "cache"
    argv = [sys.executable, "-m", "tiketi_doctor", "check", str(root), "--cache-dir", str(folder), "-f", "junit"]
    both = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    outputs = [p.communicate()[0] for p in both]
    assert _strip_times(outputs[0]) == _strip_times(outputs[1])
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".runs")] == []  # no temporary file left
    raw = _cache_file(folder).read_bytes()  # whole and ours, whatever the key
    head = len(MAGIC)
    assert raw[:head] == MAGIC and hashlib.sha256(raw[head + 32:]).digest() == raw[head:head + 32]
    stored = cache_module._Unpickler(__import__("io").BytesIO(raw[head + 32:]), ("tiketi_doctor", "checks")).load()
    assert cache_module._well_formed(stored) and len(stored.runs) > 100


@pytest.mark.slow  # five scans of the generated 12-service repository (its size is the point: few of many re-run)
def test_an_index_computed_again_with_the_same_value_keeps_its_users(tmp_path, monkeypatch):
    """Early cut-off: a comment added to one source file re-computes the repository-wide port
    index, finds it unchanged, and keeps every other component's PORT runs. A file the index reads
    only since then is recorded: changing it later re-runs them."""
    root = _generated(tmp_path / "repo")
    folder = tmp_path / "cache"
    counting = _Counting(monkeypatch)
    _scans(root, folder)
    route = root / "services" / "svc-0003" / "src" / "routes" / "r0.js"
    route.write_text(route.read_text() + "\n// a comment\n")
    counting.ran.clear()
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    rerun = counting.ran[len(cold.runs):]
    assert rerun and len([code for code, _ in rerun if code.startswith("PORT")]) <= 6, rerun

    added = root / "services" / "svc-0004" / "src" / "extra.js"
    added.write_text("module.exports = {};\n")
    _scans(root, folder)
    added.write_text("module.exports = { peer: 'http://svc-0001:9999' };\n")  # a port the index now holds
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)


def test_the_pragma_scan_reads_a_file_again_only_when_its_stat_changed(tmp_path, monkeypatch):
    """Inline-ignore pragmas are looked for in every text file; the cache keeps each file's
    pragmas by its stat, so an unchanged file no check reads is not read again for them."""
    monkeypatch.setattr(cache_module, "RACY_NS", 0)  # the files below were all written before the scans start
    root = _copy(EXAMPLE, tmp_path / "repo")
    extra = root / "services" / "auth-service" / "src" / "unused.js"
    extra.write_text("// tiketi-doctor: ignore[DEP001]\nmodule.exports = {};\n")
    checks = load_registry().runnable(select=["SRC"])  # no check reads unused.js
    reads: list[str] = []

    def counted(path, *args, **kwargs):
        reads.append(os.path.basename(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr("tiketi_doctor.suppressions.open", counted, raising=False)

    def codes() -> list[tuple[str, str]]:
        catalogue = find_catalogue(root)
        report = scan(root, catalogue, checks, cache=RunCache(tmp_path / "cache", root.resolve(), b"tool" + catalogue_fingerprint(catalogue)))
        return [(f.code, f.location.path) for f in report.findings if f.code == "SRC004"]

    pragma = ("SRC004", "services/auth-service/src/unused.js")
    assert codes() == [pragma] and reads.count("unused.js") == 1
    assert codes() == [pragma] and reads.count("unused.js") == 1  # taken from the table, not read
    extra.write_text("// tiketi-doctor: ignore[DEP001] -- the file is generated, nothing requires it\nmodule.exports = {};\n")
    assert codes() == [] and reads.count("unused.js") == 2  # its stat changed: read again


def _store_every_value(monkeypatch) -> None:
    """Store every analysis value that pickles, however fast this machine computed it."""
    monkeypatch.setattr(cache_module, "VALUE_MIN_SECONDS", 0.0)
    monkeypatch.setattr(cache_module, "VALUE_BYTES_PER_SECOND", float("inf"))


class _Serving:
    """Which analyses the scans took from the cache, and which they computed."""

    def __init__(self, monkeypatch):
        self.served: list = []
        real = cache_module.Warm.serve

        def serve(warm, key):
            found = real(warm, key)
            if found is not None:
                self.served.append(key)
            return found

        monkeypatch.setattr(cache_module.Warm, "serve", serve)


def test_runs_that_run_again_take_the_stored_analyses_of_unchanged_components(tmp_path, monkeypatch):
    """A changed source file re-runs the repository-wide port check; it computes the port places
    of the changed component again and takes every other component's from the cache, and reports
    what a scan without the cache reports."""
    _store_every_value(monkeypatch)
    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "cache"
    serving = _Serving(monkeypatch)
    _scans(root, folder)
    assert not serving.served, "nothing is stored before the first scan"
    server = root / "services" / "auth-service" / "src" / "server.js"
    server.write_text(server.read_text().replace("3005", "3015", 1))
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    served = {key[1] for key in serving.served if isinstance(key, tuple) and key[0] == "component-port-places"}
    others = {c.name for c in find_catalogue(root).components} - {"auth-service"}
    assert served == others, "every other component's places come from the cache; auth-service's are computed again"


def test_a_stored_analysis_is_never_served_after_its_input_changed(tmp_path, monkeypatch):
    """The value of an analysis is taken only while every file it read (through the analyses it
    used too) is unchanged: one edit after another, each warm scan equals a scan without cache."""
    _store_every_value(monkeypatch)
    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "cache"
    serving = _Serving(monkeypatch)
    _scans(root, folder)
    server = root / "services" / "auth-service" / "src" / "server.js"
    manifest = sorted((root / "k8s").glob("*auth*.yaml"))[0]
    for edit in range(3):
        if edit == 1:
            manifest.write_text(manifest.read_text().replace("3005", "3025"))
        else:
            server.write_text(server.read_text() + f"\nconst extra{edit} = require('never-installed-{edit}');\n")
        serving.served.clear()
        cold, warm = _scans(root, folder)
        assert _result(warm) == _result(cold), f"edit {edit}"
        assert serving.served, "the analyses of the unchanged files are taken from the cache"


def test_input_problems_of_served_analyses_are_still_reported(tmp_path, monkeypatch):
    """A malformed manifest read only through a stored analysis is not read again when that value
    is served; its problem is still reported."""
    _store_every_value(monkeypatch)
    root = _copy(EXAMPLE, tmp_path / "repo")
    broken = root / "k8s" / "09-stats-service.yaml"
    broken.write_text("kind: [unclosed\n")
    folder = tmp_path / "cache"
    serving = _Serving(monkeypatch)
    _scans(root, folder)
    server = root / "services" / "auth-service" / "src" / "server.js"
    server.write_text(server.read_text() + "\n// changed\n")
    cold, warm = _scans(root, folder)
    assert serving.served
    assert _result(warm) == _result(cold)
    assert any(f.location.path == broken.relative_to(root).as_posix() for f in warm.findings)


def test_values_are_stored_only_when_small_against_their_cost():
    small, large = list(range(10)), list(range(100_000))
    assert cache_module._bounded_dumps(small, 1_000) == pickle.dumps(small, protocol=pickle.HIGHEST_PROTOCOL)
    assert cache_module._bounded_dumps(large, 1_000) is None


# -- the catalogue file, kept between runs ------------------------------------------------------
class _Loads:
    def __init__(self, monkeypatch):
        import tiketi_doctor.catalogue as catalogue_module

        self.count = 0
        real = catalogue_module.load_catalogue

        def counted(*args, **kwargs):
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(catalogue_module, "load_catalogue", counted)


def test_a_catalogue_file_is_parsed_again_only_when_it_changed(tmp_path, monkeypatch):
    from tiketi_doctor.cache import cached_catalogue

    root = _generated(tmp_path / "repo", services=3)
    path = root / "tiketi-doctor.yaml"
    loads = _Loads(monkeypatch)
    first = cached_catalogue(tmp_path / "cache", path, "repository", "tiketi-doctor.yaml")
    again = cached_catalogue(tmp_path / "cache", path, "repository", "tiketi-doctor.yaml")
    assert loads.count == 1 and again == first and again is not first
    assert cached_catalogue(tmp_path / "cache", path, "file") == find_catalogue(root, path) and loads.count == 2, "named otherwise: another entry"
    path.write_text(path.read_text().replace("svc-0001", "svc-0009"))
    changed = cached_catalogue(tmp_path / "cache", path, "repository", "tiketi-doctor.yaml")
    assert loads.count == 3 and changed != first and changed.component("svc-0009") is not None


def test_an_invalid_catalogue_is_reported_every_time_and_a_damaged_entry_is_read_again(tmp_path, monkeypatch):
    from tiketi_doctor.cache import cached_catalogue
    from tiketi_doctor.catalogue import CatalogueError

    root = _generated(tmp_path / "repo", services=3)
    path = root / "tiketi-doctor.yaml"
    good = path.read_text()
    path.write_text(good + "\nunknown_field: 1\n")
    for _ in range(2):
        with pytest.raises(CatalogueError):
            cached_catalogue(tmp_path / "cache", path, "repository")
    assert not any(p.suffix == ".catalogue" for p in (tmp_path / "cache").glob("*")), "nothing stored"
    path.write_text(good)
    cached_catalogue(tmp_path / "cache", path, "repository")
    (entry,) = (tmp_path / "cache").glob("*.catalogue")
    entry.write_bytes(entry.read_bytes()[:-10])
    loads = _Loads(monkeypatch)
    assert cached_catalogue(tmp_path / "cache", path, "repository").component("svc-0001") is not None
    assert loads.count == 1, "the damaged entry was read again from the catalogue file"


def test_no_cache_writes_no_catalogue_entry(tmp_path):
    from typer.testing import CliRunner

    from tiketi_doctor.cli.main import app

    root = _generated(tmp_path / "repo", services=2)
    runner = CliRunner()
    runner.invoke(app, ["check", str(root), "--no-cache", "--cache-dir", str(tmp_path / "cache")])
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    runner.invoke(app, ["check", str(root), "--cache-dir", str(tmp_path / "cache")])
    assert sorted(p.suffix for p in (tmp_path / "cache").iterdir()) == [".catalogue", ".runs"]


def test_probes_of_missing_files_are_answered_from_the_listing(tmp_path):
    from tiketi_doctor.repo import RepoView

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.js").write_text("x")
    (tmp_path / "src" / "node_modules" / "ms").mkdir(parents=True)  # not listed: looked at on disk
    view = RepoView(tmp_path)
    probes = ["src/b.js", "src/a.js", "src", "node_modules/left-pad/index.js", "src/node_modules/ms/index.js", "src/../src/b.js", "lib/c.ts", "src/build.js", "src/node_modules"]
    assert view.still_missing(probes) == {"src/b.js", "lib/c.ts", "node_modules/left-pad/index.js", "src/build.js"}, (
        "below a skipped folder that exists, and with '..', a probe is looked at one by one"
    )
    (tmp_path / "linked").symlink_to(tmp_path / "src")
    assert RepoView(tmp_path).still_missing(probes) is None, "a linked folder: the listing cannot tell"


def test_a_served_analysis_carries_the_input_problems_of_what_it_read(tmp_path):
    """A stored analysis read a malformed file; served, it does not read it again, and the file's
    problem is reported from the cache with the runs that used it."""
    from tiketi_doctor.repo import RepoView

    (tmp_path / "a.yaml").write_text("kind: [unclosed\n")
    repo = RepoView(tmp_path)
    problem = Finding("SRC002", Severity.ERROR, "a.yaml is not valid YAML", Location("a.yaml", 1))
    stored = cache_module.Stored(
        key=b"k", keys=["a.yaml"], states=[cache_module.state_of(repo, "a.yaml")], stats=[None],
        nodes=[((0,), ())], runs={}, problems=[(0, problem)],
        values={0: (pickle.dumps(("objects", "a.yaml")), pickle.dumps(["nothing readable"]))},
    )
    warm = cache_module.Warm(stored, repo)
    assert warm.problems() == [], "nothing used the analysis yet"
    value, deps = warm.serve(("objects", "a.yaml"))
    assert value == ["nothing readable"] and tuple(deps) == (frozenset({"a.yaml"}), frozenset())
    assert warm.problems() == [problem]
    (tmp_path / "a.yaml").write_text("kind: Service\n")
    assert cache_module.Warm(stored, RepoView(tmp_path)).serve(("objects", "a.yaml")) is None, "its file changed"


def _stored(folder: Path):
    return cache_module._read_blob(_cache_file(folder), ("tiketi_doctor", "checks", "fixes"))


def test_a_re_check_keeps_the_stored_tables_until_half_is_unused(tmp_path, monkeypatch):
    """After a small change the stored keys and analyses keep their ids (new ones are appended);
    when the entries no run uses are half of the file it is built anew. Either way the next scans
    report what a scan without the cache reports."""
    root = _copy(EXAMPLE, tmp_path / "repo")
    folder = tmp_path / "cache"
    _scans(root, folder)
    before = _stored(folder)
    server = root / "services" / "auth-service" / "src" / "server.js"
    server.write_text(server.read_text() + "\nconst extra = require('never-installed');\n")
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    after = _stored(folder)
    assert after.keys[:len(before.keys)] == before.keys and after.nodes[:len(before.nodes)] == before.nodes

    monkeypatch.setattr(cache_module._Writer, "live_share", lambda self, runs: 0.0)
    server.write_text(server.read_text() + "\n// again\n")
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)
    rebuilt = _stored(folder)
    assert len(rebuilt.nodes) < len(after.nodes), "built anew from the live runs"
    monkeypatch.undo()
    cold, warm = _scans(root, folder)
    assert _result(warm) == _result(cold)


def test_a_value_too_large_to_store_is_not_stored_inside_each_analysis_that_uses_it(tmp_path):
    """One large shared analysis (an environment) used by many small ones (each component's view
    of it): the shared one is too large for what it saves, and the small ones, whose pickles would
    each hold a copy of it, are not charged its cost and are not stored either."""
    from tiketi_doctor.context import ScanContext
    from tiketi_doctor.repo import RepoView

    repo = RepoView(tmp_path)
    ctx = ScanContext(repo, find_catalogue(EXAMPLE), track_reads=True)
    shared = [f"{i:08d}-entry" for i in range(20_000)]  # some 400 KB pickled
    views = [("view", i) for i in range(12)]
    for key in views:
        ctx.memo(key, lambda key=key: (key[1], ctx.memo("environment", lambda: shared)))
    small = ctx.memo("small", lambda: list(range(100)))
    ctx.memo_cost.update({"environment": 0.03, **{key: 0.02 for key in views}, "small": 0.001})  # seconds
    writer = cache_module._Writer(cache_module.Warm(None, repo), 0)
    writer._fresh = {key: node for node, key in enumerate(["environment", *views, "small"])}
    stored = {pickle.loads(key) for key, _value in writer.values(ctx, None).values()}
    assert stored == {"small"}, "300 KB allowed for the environment, 200 KB for each view: none fits"
    assert small == list(range(100))
