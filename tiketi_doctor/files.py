"""What each repository file is for: one answer for every analysis.

Roles: production source, test, fixture (fixtures, seeds, mocks), tooling (build/lint/test
configuration, scripts), types (`.d.ts`), docs, generated (build output, vendored releases,
minified bundles, source maps, lockfiles) and ignored (matched by a `.gitignore`). Dependency
checks look only at production source; a test that requires a devDependency is fine.

Conventions decide most roles from the path alone; the project's own test configuration
(`jest.testMatch`/`roots` in package.json or jest.config.json) adds test files, and a file's
content marks a minified bundle. The per-path answer is memoised for the run.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import ScanContext
    from .repo import RepoView

PRODUCTION = "production"
TEST = "test"
FIXTURE = "fixture"
TOOLING = "tooling"
TYPES = "types"
DOCS = "docs"
GENERATED = "generated"
IGNORED = "ignored"

# Files that are not read as source: never what people wrote for the image to run.
SKIP_ROLES = frozenset({GENERATED})

TEST_DIRS = frozenset({"__tests__", "__test__", "test", "tests", "e2e", "cypress", "playwright", "spec", "specs", "__snapshots__", "test-utils", "testing"})
FIXTURE_DIRS = frozenset({"fixtures", "fixture", "__fixtures__", "__mocks__", "mocks", "mock", "seeds", "seed", "seeders", "testdata", "stubs"})
TOOLING_DIRS = frozenset({"scripts", "tools", "tooling", ".github", ".husky", ".storybook", ".vscode", ".devcontainer"})
DOC_DIRS = frozenset({"docs", "doc"})
GENERATED_DIRS = frozenset({
    "dist", "build", "out", "coverage", "vendor", "node_modules", "bower_components", "jspm_packages",
    ".next", ".nuxt", ".output", ".svelte-kit", ".turbo", ".cache", ".parcel-cache", "storybook-static",
})
# Folders of a package manager's own files (`.yarn/releases/yarn-4.cjs`, `.yarn/cache`...).
GENERATED_PREFIXES = (".yarn/", ".pnpm-store/")
LOCKFILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb"})
_TEST_NAME = re.compile(r"\.(test|spec|e2e|e2e-spec|cy|stories|story|bench)\.[cm]?[jt]sx?$|^(setupTests|jest\.setup|vitest\.setup|test-setup)\.")
_FIXTURE_NAME = re.compile(r"^(seed|seeds|seeder|fixtures?|mock-?data)([._-]|$)", re.IGNORECASE)
_TOOLING_NAME = re.compile(
    r"(^|\.)(config|conf)\.[cm]?[jt]sx?$|^\.?(eslintrc|prettierrc|babelrc|stylelintrc|lintstagedrc|mocharc)(\.[cm]?[jt]s|\.json)?$"
    r"|^(gulpfile|gruntfile|webpack\..*|rollup\..*|karma\..*|protractor\..*)\.[cm]?[jt]s$",
    re.IGNORECASE,
)
_DOC_SUFFIXES = (".md", ".mdx", ".markdown", ".rst", ".adoc", ".txt")
_MINIFIED_SUFFIXES = (".min.js", ".min.mjs", ".min.cjs", ".min.css", ".bundle.min.js")
_SCRIPT_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
# A minified bundle: long, with very few line breaks. Hand-written code averages well under 100
# characters a line; bundlers put tens of kilobytes on one line.
MINIFIED_MIN_BYTES = 4_000
MINIFIED_AVG_LINE = 400


@dataclass
class FileRoles:
    """The classifier for one run: the repository's ignore files and test configuration, read once."""

    repo: "RepoView"
    ignores: list[tuple[str, object]] = field(default_factory=list)  # (folder, pathspec) per .gitignore
    test_specs: list[tuple[str, object]] = field(default_factory=list)  # (folder, pathspec) from jest config
    _roles: dict[str, tuple[str, str]] = field(default_factory=dict)

    def role(self, rel: str) -> str:
        return self.explain(rel)[0]

    def explain(self, rel: str) -> tuple[str, str]:
        """(role, why) for a repository-relative path."""
        known = self._roles.get(rel)
        if known is None:
            known = self._roles[rel] = self._classify(rel)
        return known

    def is_production(self, rel: str) -> bool:
        return self.role(rel) == PRODUCTION

    def _classify(self, rel: str) -> tuple[str, str]:
        path_role = path_role_of(rel)
        if path_role[0] != PRODUCTION:
            return path_role
        for folder, spec in self.test_specs:
            inner = _below(rel, folder)
            if inner is not None and spec.match_file(inner):
                return TEST, f"matched by the test patterns of {posixpath.join(folder, 'package.json')}"
        for folder, spec in self.ignores:
            inner = _below(rel, folder)
            if inner is not None and spec.match_file(inner):
                return IGNORED, f"ignored by {posixpath.join(folder, '.gitignore') if folder != '.' else '.gitignore'}"
        return path_role


def path_role_of(rel: str) -> tuple[str, str]:
    """The role conventions give a path (no file is read)."""
    parts = rel.split("/")
    name = parts[-1]
    folders = parts[:-1]
    lower = name.lower()
    if rel.startswith(GENERATED_PREFIXES) or "/.yarn/" in rel:
        return GENERATED, "a package manager's own files"
    if hit := next((f for f in folders if f in GENERATED_DIRS), None):
        return GENERATED, f"build output or vendored code ({hit}/)"
    if name in LOCKFILES:
        return GENERATED, "a lockfile"
    if lower.endswith(_MINIFIED_SUFFIXES) or lower.endswith(".map") or name in (".pnp.cjs", ".pnp.loader.mjs"):
        return GENERATED, "a minified bundle or source map"
    if hit := next((f for f in folders if f in TEST_DIRS), None):
        return TEST, f"in a test folder ({hit}/)"
    if _TEST_NAME.search(name):
        return TEST, "named as a test"
    if hit := next((f for f in folders if f in FIXTURE_DIRS), None):
        return FIXTURE, f"in a fixture or seed folder ({hit}/)"
    if lower.endswith(_SCRIPT_SUFFIXES) and _FIXTURE_NAME.match(name):
        return FIXTURE, "a seed or fixture file"
    if lower.endswith((".d.ts", ".d.mts", ".d.cts")):
        return TYPES, "type declarations"
    if hit := next((f for f in folders if f in TOOLING_DIRS), None):
        return TOOLING, f"in a scripts or tooling folder ({hit}/)"
    if _TOOLING_NAME.search(name):
        return TOOLING, "a build, lint or test configuration file"
    if lower.endswith(_DOC_SUFFIXES) or any(f in DOC_DIRS for f in folders):
        return DOCS, "documentation"
    return PRODUCTION, "production source"


def file_roles(ctx: "ScanContext") -> FileRoles:
    """The run's classifier (reads every .gitignore and jest configuration once)."""
    return ctx.memo(("file-roles",), lambda: _load(ctx.repo))


def _load(repo: "RepoView") -> FileRoles:
    import pathspec

    roles = FileRoles(repo)
    for path in repo.walk("."):
        name = posixpath.basename(path)
        folder = posixpath.dirname(path) or "."
        if name == ".gitignore":
            source = repo.text(path)
            if source is not None:
                roles.ignores.append((folder, pathspec.GitIgnoreSpec.from_lines(source.text.splitlines())))
        elif name == "package.json" and path_role_of(path)[0] == PRODUCTION:
            _jest_config(roles, repo, path, folder, json_key="jest")
        elif name == "jest.config.json":
            _jest_config(roles, repo, path, folder, json_key=None)
    return roles


def _jest_config(roles: FileRoles, repo: "RepoView", path: str, folder: str, json_key: str | None) -> None:
    import pathspec

    source = repo.text(path)
    if source is None:
        return
    try:
        data = json.loads(source.text)
    except ValueError:
        return  # package.json parse errors are reported by the package.json reader
    config = data.get(json_key) if json_key and isinstance(data, dict) else data
    if not isinstance(config, dict):
        return
    patterns = [p for p in config.get("testMatch") or [] if isinstance(p, str)]
    # `<rootDir>/src/**/*.test.js` is relative to the config's folder.
    patterns = [p.replace("<rootDir>/", "").lstrip("!") if p.startswith("<rootDir>") else p for p in patterns]
    if patterns:
        roles.test_specs.append((folder, pathspec.GitIgnoreSpec.from_lines(patterns)))


def _below(rel: str, folder: str) -> str | None:
    if folder in ("", "."):
        return rel
    return rel[len(folder) + 1:] if rel.startswith(folder + "/") else None


def minified(text: str) -> bool:
    """Whether source text is a bundler's output: long and with almost no line breaks."""
    if len(text) < MINIFIED_MIN_BYTES:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > MINIFIED_AVG_LINE
