"""--select/--ignore decide which check families are imported, from a table the families are checked against."""
from __future__ import annotations

import subprocess
import sys
from importlib import import_module

import pytest

from tiketi_doctor.registry import FAMILY_LETTERS, GROUP, entry_point_values, load_registry

from .conftest import CASES


def test_every_builtin_family_is_in_the_table_with_the_letters_of_its_codes():
    builtin = [m for m in entry_point_values(GROUP) if m.startswith("checks.")]
    actual = {m: tuple(sorted({c.code.rstrip("0123456789") for c in import_module(m).CHECKS})) for m in builtin}
    assert {m: tuple(sorted(FAMILY_LETTERS.get(m, ()))) for m in builtin} == actual, (
        "add or correct the family in tiketi_doctor/registry.py FAMILY_LETTERS"
    )


@pytest.mark.parametrize(
    "select, ignore",
    [(["DEP"], []), (["PORT002", "D"], []), ([], ["KUBE", "CL", "DOC001"]), (["CI"], ["CI001"]), (["ENV"], ["ENV"])],
)
def test_a_narrowed_registry_runs_the_same_checks(select, ignore):
    full = load_registry()
    narrowed = load_registry(select=select, ignore=ignore)
    assert narrowed.skipped
    assert [c.code for c in narrowed.runnable(select, ignore)] == [c.code for c in full.runnable(select, ignore)]
    assert [c.code for c in narrowed.runnable(select, ignore, live=True)] == [c.code for c in full.runnable(select, ignore, live=True)]


def _families_imported(*args: str) -> tuple[list[str], str]:
    code = (
        "import sys\nfrom tiketi_doctor.cli.main import app\n"
        f"sys.argv = ['tiketi-doctor', 'check', {str(CASES / '_base')!r}, *{list(args)!r}, '--format', 'json']\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    print('exit', exc.code, file=sys.stderr)\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('checks.'))), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    *_, exit_line, modules = out.stderr.strip().splitlines()
    return modules.split(","), exit_line


@pytest.mark.slow  # starts fresh interpreters (or kubectl): seconds of start-up
def test_select_imports_only_the_families_it_can_select():
    modules, exit_line = _families_imported("--select", "DEP001,DKF")
    assert modules == ["checks.dependencies", "checks.dockerfile"]
    assert exit_line in ("exit 0", "exit 1")


@pytest.mark.slow  # starts fresh interpreters (or kubectl): seconds of start-up
def test_a_token_of_an_unimported_family_is_still_known_and_an_unknown_one_refused():
    _, exit_line = _families_imported("--select", "DEP", "--ignore", "KUBE004")
    assert exit_line in ("exit 0", "exit 1")
    _, exit_line = _families_imported("--select", "DEP", "--ignore", "KUBE999")
    assert exit_line == "exit 2"


@pytest.mark.slow  # starts fresh interpreters (or kubectl): seconds of start-up
def test_a_static_check_imports_no_live_check_and_still_knows_their_codes():
    modules, exit_line = _families_imported()
    assert exit_line in ("exit 0", "exit 1")
    assert "checks.ports" in modules and not [m for m in modules if m.startswith("checks.live")]
    # A live code given to --select/--ignore is still known: the registry then imports every family
    # to find it (in-process here; the subprocess above is what proves the imports).
    from tiketi_doctor.cli.check_cmd import ScanOptions, scan_repository

    report = scan_repository(ScanOptions(path=CASES / "_base", ignore=["CL001"], cache=False))
    assert report.runs
