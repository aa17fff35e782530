"""docs/checks: one page per check from the check's own documentation, current, and linked."""
from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from tiketi_doctor.cli.main import app
from tiketi_doctor.registry import load_registry
from tiketi_doctor.reporters import checkpages
from tiketi_doctor.reporters.checkdocs import DEFAULT_DOCS_URL, DOCS_FOLDER, check_docs, docs_base_url, page_url

from .conftest import ROOT

PAGES = ROOT / DOCS_FOLDER
REGENERATE = f"regenerate with `{checkpages.COMMAND}`"


def _wanted() -> dict[str, str]:
    return checkpages.pages(load_registry().checks)


def test_the_pages_in_the_repository_are_current():
    diff = checkpages.compare(PAGES, _wanted())
    assert diff.lines() == [], REGENERATE


def test_one_page_per_documented_code_and_the_index():
    wanted = _wanted()
    assert set(wanted) == {f"{code}.md" for code in check_docs()} | {"README.md"}
    # The suppression pseudo-check and the input problems are documented like the others.
    assert {"SRC001.md", "SRC002.md", "SRC003.md", "SRC004.md", "SRC005.md"} <= set(wanted)
    index = wanted["README.md"]
    for code in check_docs():
        assert f"| [{code}]({code}.md) |" in index


def test_a_page_says_what_the_check_says():
    check = load_registry().get("DEP001")
    page = checkpages.render_page(check)
    assert page.startswith("# DEP001 module-missing-in-image\n\n" + check.summary + "\n")
    assert "| error | yes: `tiketi-doctor fix` | statically, once per component |" in page
    why = page.split("## Why it matters\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert why == check.why
    assert "```text\n" + check.example.strip() + "\n```" in page
    assert page.split("## How to fix\n\n", 1)[1].startswith(check.fix + "\n")
    live = checkpages.render_page(load_registry().get("CL001"))
    assert "live, with `check --live`, on the running cluster" in live


def test_prose_that_looks_like_html_is_escaped_outside_code_spans():
    page = checkpages.render_page(load_registry().get("UI002"))
    # The summary names <Link>/<NavLink> outside a code span: shown as text, not parsed as HTML.
    assert "&lt;Link&gt;/&lt;NavLink&gt;" in page.split("\n")[2]


def test_generation_is_deterministic_and_the_command_keeps_the_folder_in_line(tmp_path):
    assert _wanted() == _wanted()
    folder = tmp_path / "checks"
    runner = CliRunner()
    result = runner.invoke(app, ["checks", "docs", "--check", "--output", str(folder)])
    assert result.exit_code == 1 and "missing: DEP001.md" in result.output and REGENERATE in result.output

    result = runner.invoke(app, ["checks", "docs", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} == _wanted()

    (folder / "DEP001.md").write_text("edited by hand\n")
    (folder / "XYZ999.md").write_text("# a check that is gone\n")
    (folder / "notes.txt").write_text("not a page\n")
    result = runner.invoke(app, ["checks", "docs", "--check", "--output", str(folder)])
    assert result.exit_code == 1
    assert "stale: DEP001.md" in result.output and "for no check: XYZ999.md" in result.output
    assert (folder / "DEP001.md").read_text() == "edited by hand\n", "--check writes nothing"

    result = runner.invoke(app, ["checks", "docs", "--output", str(folder)])
    assert result.exit_code == 0 and "1 written, removed 1 for no check" in result.output
    assert not (folder / "XYZ999.md").exists() and (folder / "notes.txt").read_text() == "not a page\n"
    assert runner.invoke(app, ["checks", "docs", "--check", "--output", str(folder)]).exit_code == 0


def test_an_output_that_is_a_file_is_a_usage_error(tmp_path):
    target = tmp_path / "pages.md"
    target.write_text("x")
    result = CliRunner().invoke(app, ["checks", "docs", "--output", str(target)])
    assert result.exit_code == 2 and "is not a folder" in result.output and "Traceback" not in result.output


def test_the_base_url_is_the_projects_checks_url():
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Checks"] == DEFAULT_DOCS_URL
    # Installed (editable or not), the distribution's metadata gives the same URL.
    assert docs_base_url() == DEFAULT_DOCS_URL
    assert page_url("DEP001") == DEFAULT_DOCS_URL + "DEP001.md"
    assert page_url("NOPE001") is None


def test_explain_names_the_page():
    result = CliRunner().invoke(app, ["explain", "PORT003"])
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("More: ") and page_url("PORT003") in last
    assert "docs/checks/PORT003.md" in last
