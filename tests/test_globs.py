"""One glob language for repository paths (globs.py), used by repo.glob, excludes, COPY and .dockerignore."""
from __future__ import annotations

from pathlib import Path

from tiketi_doctor.globs import covers, matches
from tiketi_doctor.repo import RepoView


def test_star_stays_in_a_segment_and_double_star_crosses_folders():
    assert matches("src/*.js", "src/a.js") and not matches("src/*.js", "src/lib/a.js")
    assert matches("**/*.md", "README.md") and matches("**/*.md", "docs/a/b.md")
    assert matches("k8s/**", "k8s/a/b.yaml") and not matches("k8s/**", "k8sx/a.yaml")
    assert matches("a/?.ts", "a/b.ts") and not matches("a/?.ts", "a/bc.ts")
    assert matches("yarn.loc[k]", "yarn.lock") and not matches("[!a]pi", "api") and matches("[!a]pi", "spi")
    assert not matches("app.js", "appxjs")  # a dot is a dot


def test_a_pattern_that_matches_a_folder_covers_its_content():
    assert covers("src/*", "src/lib/a.js") and covers("node_modules", "node_modules/x/y.js")
    assert not covers("src/*.js", "src/lib/a.js") and not covers("node_modules", "web/node_modules/x.js")
    assert covers("**/*.backup/**", "old.backup/a.js") and covers("**/*.backup/**", "a/b.backup/c/d.js")


def test_repo_glob_and_excludes_read_the_same_language(tmp_path: Path):
    for rel in ("README.md", "docs/guide.md", "src/a.js", "src/lib/b.js", "old.backup/x.js"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    repo = RepoView(tmp_path, exclude=["**/*.backup/**"])
    assert repo.glob("**/*.md") == ["README.md", "docs/guide.md"]
    assert repo.glob("src/*.js") == ["src/a.js"]
    assert repo.glob("src/*") == ["src/a.js", "src/lib/b.js"]
    assert repo.excluded("old.backup/x.js") and not repo.excluded("src/a.js")
    assert repo.glob("**/*.js") == ["src/a.js", "src/lib/b.js"]  # the excluded backup is not listed
