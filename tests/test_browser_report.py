"""The HTML report in a real browser: headless Chromium renders it, shows the summary table and a finding,
and takes a screenshot."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium); the HTML report was not rendered"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def html_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "tiketi-report.html"
    result = CliRunner().invoke(app, ["report", str(EXAMPLE), "--output", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_chromium_shows_the_summary_table_and_a_finding(html_report, tmp_path):
    dom = _chromium(tmp_path / "profile", "--dump-dom", html_report.as_uri()).stdout
    assert '<table class="summary">' in dom
    assert "auth-service crashes at start (CrashLoopBackOff)" in dom
    assert 'data-code="DEP001"' in dom and "google-auth-library" in dom
    assert dom.count('<tr id="summary-') >= 6


def test_chromium_screenshot(html_report, tmp_path):
    shot = tmp_path / "report.png"
    _chromium(tmp_path / "profile", "--window-size=1280,1600", f"--screenshot={shot}", html_report.as_uri())
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)
    assert len(data) > 50_000  # a blank page compresses to a few kilobytes
