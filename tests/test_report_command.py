"""`tiketi-doctor report` and `check --report`: where the troubleshooting report goes, in which format."""
from __future__ import annotations

import shutil

from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import CASES, EXAMPLE

runner = CliRunner()


def test_report_format_follows_the_file_name(tmp_path):
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    assert runner.invoke(app, ["report", str(EXAMPLE), "-o", str(html)]).exit_code == 0
    assert runner.invoke(app, ["report", str(EXAMPLE), "-o", str(md)]).exit_code == 0
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert md.read_text().startswith("# TIKETI troubleshooting report\n")


def test_report_title_names_the_catalogued_system(tmp_path):
    shop = EXAMPLE.parent / "shop"
    md = tmp_path / "shop.md"
    assert runner.invoke(app, ["report", str(shop), "-o", str(md)]).exit_code == 0
    assert md.read_text().startswith("# SHOP troubleshooting report\n")
    html = runner.invoke(app, ["report", str(shop), "--format", "html", "--lang", "ko"]).stdout
    assert "<title>SHOP 트러블슈팅 보고서</title>" in html and "TIKETI" not in html.split("</h1>")[0]


def test_report_to_standard_output_in_html(tmp_path):
    result = runner.invoke(app, ["report", str(EXAMPLE), "--format", "html", "--lang", "ko"])
    assert result.exit_code == 0
    assert '<html lang="ko">' in result.stdout and "트러블슈팅 보고서" in result.stdout


def test_report_exits_0_even_with_findings_and_says_where_it_wrote(tmp_path):
    out = tmp_path / "deep" / "report.md"
    result = runner.invoke(app, ["report", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"wrote {out} (markdown, en): ")


def test_report_usage_errors(tmp_path):
    assert runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "r.txt")]).exit_code == 2
    assert runner.invoke(app, ["report", str(EXAMPLE), "-o", str(tmp_path / "r.md"), "--format", "html"]).exit_code == 2
    assert runner.invoke(app, ["report", str(tmp_path / "missing")]).exit_code == 2


def test_check_writes_the_report_beside_its_other_outputs(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    out = tmp_path / "report.ko.md"
    result = runner.invoke(app, ["check", str(repo), "--report", str(out), "--lang", "ko"])
    assert result.exit_code == 0
    text = out.read_text()
    assert text.startswith("# MINI 트러블슈팅 보고서\n") and "문제가 없습니다" in text  # the catalogue names the system


def test_report_honours_the_baseline(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE, repo)
    baseline = tmp_path / "baseline.json"
    assert runner.invoke(app, ["baseline", "create", str(repo), "-o", str(baseline)]).exit_code == 0
    result = runner.invoke(app, ["report", str(repo), "--baseline", str(baseline)])
    assert result.exit_code == 0
    assert "No problems found" in result.stdout
    assert "more findings are suppressed" in result.stdout
