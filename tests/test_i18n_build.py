"""The build compiles the catalogues: a wheel carries a .mo next to every .po."""
from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # builds a wheel in an isolated environment


def test_the_wheel_carries_compiled_catalogues(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    if built.returncode != 0:
        pytest.skip(f"the wheel cannot be built here (build requirements unavailable): {built.stderr.strip()[-300:]}")
    (wheel,) = tmp_path.glob("tiketi_doctor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    catalogues = sorted(n for n in names if n.startswith("tiketi_doctor/locale/") and n.endswith(".po"))
    assert catalogues, "the .po files are packaged"
    assert all(n[:-3] + ".mo" in names for n in catalogues), "every .po has its compiled .mo in the wheel"
