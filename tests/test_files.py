"""The file classifier: one role per repository file."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiketi_doctor import files
from tiketi_doctor.catalogue import Catalogue, Cluster
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView


def _ctx(root: Path, tree: dict[str, str], **repo_options) -> ScanContext:
    for rel, text in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return ScanContext(RepoView(root, **repo_options), Catalogue(name="t", cluster=Cluster(), components=()))


@pytest.mark.parametrize(
    "path, role",
    [
        ("api/src/server.js", files.PRODUCTION),
        ("api/src/routes/users.ts", files.PRODUCTION),
        ("api/bin/www", files.PRODUCTION),
        ("api/src/__tests__/users.js", files.TEST),
        ("api/test/plugins/support.test.js", files.TEST),
        ("api/src/users.spec.ts", files.TEST),
        ("web/e2e/home.ts", files.TEST),
        ("web/cypress/support/commands.js", files.TEST),
        ("api/src/fixtures/users.js", files.FIXTURE),
        ("api/seeds/01-users.js", files.FIXTURE),
        ("api/src/seed.js", files.FIXTURE),
        ("api/scripts/migrate-data.js", files.TOOLING),
        ("tools/release.mjs", files.TOOLING),
        ("web/vite.config.ts", files.TOOLING),
        ("api/jest.config.js", files.TOOLING),
        ("eslint.config.mjs", files.TOOLING),
        ("web/src/env.d.ts", files.TYPES),
        ("docs/guide.md", files.DOCS),
        ("README.md", files.DOCS),
        (".yarn/releases/yarn-4.1.0.cjs", files.GENERATED),
        ("web/dist/assets/index.js", files.GENERATED),
        ("web/public/vendor/jquery.js", files.GENERATED),
        ("web/public/app.min.js", files.GENERATED),
        ("web/public/app.js.map", files.GENERATED),
        ("api/package-lock.json", files.GENERATED),
    ],
)
def test_role_by_convention(path: str, role: str) -> None:
    assert files.path_role_of(path)[0] == role


def test_gitignore_and_jest_test_match(tmp_path: Path) -> None:
    ctx = _ctx(
        tmp_path,
        {
            ".gitignore": "*.local.js\n!keep.local.js\n",
            "api/package.json": '{"name": "api", "jest": {"testMatch": ["<rootDir>/src/**/*.check.js"]}}',
            "api/src/server.js": "",
            "api/src/db.check.js": "",
            "api/src/dev.local.js": "",
            "api/src/keep.local.js": "",
        },
    )
    table = files.file_roles(ctx)
    assert table.role("api/src/server.js") == files.PRODUCTION
    assert table.role("api/src/db.check.js") == files.TEST
    assert table.role("api/src/dev.local.js") == files.IGNORED
    assert table.role("api/src/keep.local.js") == files.PRODUCTION
    assert files.file_roles(ctx) is table  # computed once per run


def test_minified_by_content() -> None:
    assert files.minified("var a=1;" * 1000)
    assert not files.minified("const a = 1;\n" * 1000)
    assert not files.minified("x" * 100)  # short files are never called minified


def test_skipped_sources_are_reported_once(tmp_path: Path) -> None:
    from tiketi_doctor.analysis.source import js_module, source_files
    from tiketi_doctor.catalogue import Component

    ctx = _ctx(
        tmp_path,
        {
            "api/src/server.js": "require('express');\n",
            "api/src/bundle.js": "var a=require('x');" + "a();" * 2000,
            "api/src/app.min.js": "require('y')",
        },
    )
    component = Component(name="api", role="service", source="api/src")
    assert source_files(ctx, component) == ["api/src/bundle.js", "api/src/server.js"]
    assert js_module(ctx, "api/src/bundle.js") is None and js_module(ctx, "api/src/bundle.js") is None
    assert js_module(ctx, "api/src/server.js") is not None
    skipped = sorted((p.code, p.location.path, p.severity.value) for p in ctx.repo.problems)
    assert skipped == [("SRC005", "api/src/app.min.js", "info"), ("SRC005", "api/src/bundle.js", "info")]


def test_size_limit(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {"big.js": "x\n" * 600, "small.js": "x\n"}, max_bytes=1000)
    assert ctx.repo.text("big.js") is None
    assert ctx.repo.text("small.js") is not None
    [problem] = ctx.repo.problems
    assert (problem.code, problem.location.path) == ("SRC005", "big.js") and "limit" in problem.message
