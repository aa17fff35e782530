"""Guides and scripts as the DOC checks read them (real files: CRLF, Korean, cp949, fences)."""
from __future__ import annotations

from pathlib import Path

from tiketi_doctor.analysis.guide_paths import path_references, resolve_reference
from tiketi_doctor.analysis.guides import CODE, COMMENT, FENCE, PROSE, guides, port_forwards, scripts
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

CATALOGUE = """\
version: 1
name: t
components:
  - {name: api, role: service, port: 3005}
docs: ["*.md"]
scripts: ["scripts/*.ps1"]
"""

GUIDE = (
    "# 가이드\r\n"
    "\r\n"
    "Run `./scripts/go.ps1` first.\r\n"
    "\r\n"
    "````bash\r\n"
    "```\r\n"
    "cd api\r\n"
    "````\r\n"
    "<!-- kind create cluster -->\r\n"
    "Setup\r\n"
    "-----\r\n"
    "```sh\r\n"
    "node src/server.js\r\n"
    "```\r\n"
)


def _context(tmp_path: Path) -> ScanContext:
    (tmp_path / "tiketi-doctor.yaml").write_text(CATALOGUE)
    (tmp_path / "GUIDE.md").write_bytes(GUIDE.encode("utf-8"))
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "go.ps1").write_bytes(
        "# 한글 주석\r\nkubectl port-forward -n t svc/api 8080:3005\r\n".encode("cp949")
    )
    (tmp_path / "api" / "src").mkdir(parents=True)
    (tmp_path / "api" / "src" / "server.js").write_text("\n")
    return ScanContext(RepoView(tmp_path), find_catalogue(tmp_path))


def test_markdown_lines_know_fences_inline_code_comments_and_headings(tmp_path):
    ctx = _context(tmp_path)
    [guide] = guides(ctx)
    contexts = [(line.number, line.context, line.lang) for line in guide.lines]
    assert contexts[2] == (3, PROSE, "")
    assert guide.lines[2].code_spans == ((5, 21),)  # ./scripts/go.ps1, without the backticks
    assert [c for c in contexts[4:8]] == [(5, FENCE, "bash"), (6, CODE, "bash"), (7, CODE, "bash"), (8, FENCE, "bash")]
    assert contexts[8][1] == COMMENT
    assert [(h.level, h.text, h.line) for h in guide.headings] == [(1, "가이드", 1), (2, "Setup", 10)]
    assert guide.crlf and not guide.lines[0].text.endswith("\r")


def test_a_cd_lasts_until_the_end_of_its_code_block(tmp_path):
    ctx = _context(tmp_path)
    refs = {(r.location.line, r.target): r for r in path_references(ctx) if r.guide == "GUIDE.md"}
    assert resolve_reference(ctx, refs[(7, "api")]) == "api"
    assert resolve_reference(ctx, refs[(3, "scripts/go.ps1")]) == "scripts/go.ps1"
    assert resolve_reference(ctx, refs[(13, "src/server.js")]) is None  # the `cd api` was in another block


def test_non_utf8_crlf_powershell_scripts_are_read(tmp_path):
    ctx = _context(tmp_path)
    [script] = scripts(ctx)
    assert script.kind == "powershell" and script.crlf
    [forward] = port_forwards(ctx)
    assert (forward.local, forward.remote, forward.location.line) == (8080, 3005, 2)
    assert [p.code for p in ctx.repo.problems] == ["SRC003"]
