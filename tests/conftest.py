from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path


def _keep_bytecode() -> None:
    """With PYTHONDONTWRITEBYTECODE set (as on some CI machines), every test worker and every
    interpreter a test starts would compile the tool's modules again, seconds per run. Their
    bytecode goes to a cache folder outside the tree instead (PYTHONPYCACHEPREFIX), for this
    process and those it starts; the tree stays free of bytecode as the setting wants."""
    if not sys.dont_write_bytecode:
        return
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or os.path.join(base, "tiketi-doctor-tests", "bytecode")
    sys.pycache_prefix = prefix
    sys.dont_write_bytecode = False
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_keep_bytecode()

import pytest  # noqa: E402

from tests.fakekube.fixtures import fake_kube, fake_kubeconfig  # noqa: E402,F401

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tiketi"
CASES = Path(__file__).resolve().parent / "checks"


# Tiers: the default loop (`-m "not docker and not browser and not slow"`, the README's test
# command) stays under a minute; .ci/run also runs the slow tier and the tiers that build images
# with a real Docker engine or start Chromium.
_TIERS = {
    "docker": "builds or runs images with a real Docker engine (skipped without one)",
    "browser": "renders pages in headless Chromium (skipped without it)",
    "slow": "inherently slow: npm installs, big generated inputs, fuzz corpora, fresh interpreters and kubectl processes (run by .ci/run)",
}

# Case folders are repositories read by the tests, not test modules: not walking their thousand
# folders saves seconds of collection on every run.
collect_ignore = ["checks", "fixes", "fixtures", "live"]
_DOCKER_FIXTURES = {"docker_client", "node_base_image"}


def pytest_collection_modifyitems(config, items):
    """Mark each test by what it needs, so no test can forget its tier."""
    for item in items:
        if _DOCKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)
        if item.path.name == "test_browser_report.py":
            item.add_marker(pytest.mark.browser)


# CPU report: with TIKETI_TEST_CPU_REPORT=1 the run ends with the tests that cost the most CPU
# (this process plus the subprocesses it waited for), which, unlike wall time, does not depend on
# what else the machine is doing. Without the variable no hook is registered.
_CPU_REPORT_TOP = 30


def _children_now() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _cpu_now() -> float:
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


class _CpuReport:
    def __init__(self) -> None:
        self.collected = 0.0
        self.per_test: dict[str, float] = {}
        self.children: dict[str, float] = {}  # the part spent in subprocesses

    def pytest_collection_finish(self, session):
        self.collected = _cpu_now()  # since the interpreter started

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        before, children = _cpu_now(), _children_now()
        yield
        self.per_test[item.nodeid] = _cpu_now() - before
        self.children[item.nodeid] = _children_now() - children

    def pytest_terminal_summary(self, terminalreporter):
        write = terminalreporter.write_line
        total = _cpu_now()
        tests = sum(self.per_test.values())
        terminalreporter.section(f"CPU seconds (process + waited-for children), top {_CPU_REPORT_TOP}")
        ranked = sorted(self.per_test.items(), key=lambda kv: kv[1], reverse=True)
        for nodeid, seconds in ranked[:_CPU_REPORT_TOP]:
            write(f"{seconds:8.2f}  {nodeid}")
        by_file: dict[str, float] = {}
        for nodeid, seconds in self.per_test.items():
            name = nodeid.split("::", 1)[0]
            by_file[name] = by_file.get(name, 0.0) + seconds
        write("by file:")
        for name, seconds in sorted(by_file.items(), key=lambda kv: kv[1], reverse=True)[:_CPU_REPORT_TOP]:
            write(f"{seconds:8.2f}  {name}")
        dump = os.environ.get("TIKETI_TEST_CPU_DUMP")
        if dump:
            Path(dump).write_text("".join(f"{seconds:.3f}\t{self.children[nodeid]:.3f}\t{nodeid}\n" for nodeid, seconds in ranked))
        write(
            f"total {total:.1f} s: start-up and collection {self.collected:.1f} s, "
            f"{len(self.per_test)} tests {tests:.1f} s"
        )


def _build_commands_once() -> None:
    """typer's CliRunner turns the app into a click command on every invoke, reading every
    command's signature again (a twentieth of a second each time); the tests' app does not change
    while they run, so it is built once per app."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, tuple[object, object]] = {}

    def get_command(app):
        kept = built.get(id(app))
        if kept is None or kept[0] is not app:
            kept = built[id(app)] = (app, build(app))
        return kept[1]

    typer.testing._get_command = get_command


def pytest_configure(config):
    _build_commands_once()
    for name, what in _TIERS.items():
        config.addinivalue_line("markers", f"{name}: {what}")
    if os.environ.get("TIKETI_TEST_CPU_REPORT") == "1":
        config.pluginmanager.register(_CpuReport(), "tiketi-cpu-report")


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of examples/tiketi that a test may modify."""
    target = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, target)
    return target


def build_case(case: Path, target: Path) -> Path:
    """The `_base` repository with a case's files laid over it (see tests/checks/README.md)."""
    import yaml

    shutil.copytree(CASES / "_base", target)
    spec = yaml.safe_load((case / "expected.yaml").read_text()) or {}
    for rel in spec.get("remove", []):
        path = target / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    overlay = case / "repo"
    if overlay.is_dir():
        for source in overlay.rglob("*"):
            if source.is_file():
                dest = target / source.relative_to(overlay)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
    return target


_run_caches = iter(range(1 << 30))


@pytest.fixture(autouse=True)
def _private_run_cache(tmp_path_factory, monkeypatch):
    """Each test has its own run cache (tiketi_doctor.cache): no test takes over runs that another
    test recorded, perhaps with a check patched to behave differently. The folder is made only by a
    scan that writes to it."""
    folder = tmp_path_factory.getbasetemp() / "run-caches" / str(next(_run_caches))
    monkeypatch.setenv("TIKETI_DOCTOR_CACHE_DIR", str(folder))
    # Terminal output wraps at COLUMNS; pytest-xdist workers set it to 80, a plain run leaves it
    # unset (120): one width for every test, however the suite is run.
    monkeypatch.setenv("COLUMNS", "120")
    # `--lang` sets the process's language (tiketi_doctor.i18n): a test that invoked the CLI with
    # `--lang ko` must not leave the next test in the same worker speaking Korean.
    monkeypatch.setattr("tiketi_doctor.i18n._active", None)
