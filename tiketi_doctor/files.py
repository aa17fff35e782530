"""What each repository file is for: one answer for every analysis.

Roles: production source, test, fixture (fixtures, seeds, mocks), tooling (build/lint/test
configuration, scripts), types (`.d.ts`), docs, generated (build output, vendored releases,
minified bundles, source maps, lockfiles) and ignored (matched by a `.gitignore`). Dependency
checks look only at production source; a test that requires a devDependency is fine.

Conventions decide most roles from the path alone; the project's own test configuration
(`jest.testMatch`/`roots` in package.json or jest.config.json) adds test files, and a file's
content marks a minified bundle. Each answer is memoised for the run.
"""
from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING
from .i18n import Msg, N_
from .parsing import load_json
from .parsing.javascript import SOURCE_SUFFIXES

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
# What a YAML file is, by its name and its text: one answer for discovery and for the checks.
COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_KIND_LINE = re.compile(r"^kind:\s*\S", re.MULTILINE)
_API_LINE = re.compile(r"^apiVersion:\s*\S", re.MULTILINE)


def is_compose_file(path: str) -> bool:
    return bool(COMPOSE_NAME.match(posixpath.basename(path)))


def holds_kubernetes_objects(text: str) -> bool:
    """Whether YAML text holds Kubernetes-style objects (a top-level kind and apiVersion)."""
    return bool(_KIND_LINE.search(text) and _API_LINE.search(text))
# A minified bundle: long, with very few line breaks. Hand-written code averages well under 100
# characters a line; bundlers put tens of kilobytes on one line.
MINIFIED_MIN_BYTES = 4_000
MINIFIED_AVG_LINE = 400


class FileRoles:
    """The classifier for one run. A path's role depends on the path, and on the `.gitignore` and
    test configuration of the folders above it only: each folder's rules are read once (a memo per
    folder, so a run depends on the files it really consulted)."""

    def __init__(self, ctx: "ScanContext"):
        self.ctx = ctx

    def role(self, rel: str) -> str:
        return self.explain(rel)[0]

    def explain(self, rel: str) -> tuple[str, str]:
        """(role, why) for a repository-relative path."""
        return self.ctx.memo(("file-role", rel), lambda: self._classify(rel))

    def is_production(self, rel: str) -> bool:
        return self.role(rel) == PRODUCTION

    def _classify(self, rel: str) -> tuple[str, str]:
        path_role = path_role_of(rel)
        if path_role[0] != PRODUCTION:
            return path_role
        folder = posixpath.dirname(rel)
        chain = []
        while True:
            chain.append(folder or ".")
            if not folder:
                break
            folder = posixpath.dirname(folder)
        for folder in chain:
            ignore, tests, source = _folder_rules(self.ctx, folder)
            inner = _below(rel, folder)
            if tests is not None and tests.match_file(inner):
                return TEST, Msg("matched by the test patterns of {source}", source=source)
            if ignore is not None and ignore.match_file(inner):
                return IGNORED, Msg("ignored by {file}", file=posixpath.join(folder, ".gitignore") if folder != "." else ".gitignore")
        return path_role


def path_role_of(rel: str) -> tuple[str, str]:
    """The role conventions give a path (no file is read)."""
    parts = rel.split("/")
    name = parts[-1]
    folders = parts[:-1]
    lower = name.lower()
    if rel.startswith(GENERATED_PREFIXES) or "/.yarn/" in rel:
        return GENERATED, N_("a package manager's own files")
    if hit := next((f for f in folders if f in GENERATED_DIRS), None):
        return GENERATED, Msg("build output or vendored code ({folder})", folder=f"{hit}/")
    if name in LOCKFILES:
        return GENERATED, N_("a lockfile")
    if lower.endswith(_MINIFIED_SUFFIXES) or lower.endswith(".map") or name in (".pnp.cjs", ".pnp.loader.mjs"):
        return GENERATED, N_("a minified bundle or source map")
    if hit := next((f for f in folders if f in TEST_DIRS), None):
        return TEST, Msg("in a test folder ({folder})", folder=f"{hit}/")
    if _TEST_NAME.search(name):
        return TEST, N_("named as a test")
    if hit := next((f for f in folders if f in FIXTURE_DIRS), None):
        return FIXTURE, Msg("in a fixture or seed folder ({folder})", folder=f"{hit}/")
    if lower.endswith(SOURCE_SUFFIXES) and _FIXTURE_NAME.match(name):
        return FIXTURE, N_("a seed or fixture file")
    if lower.endswith((".d.ts", ".d.mts", ".d.cts")):
        return TYPES, N_("type declarations")
    if hit := next((f for f in folders if f in TOOLING_DIRS), None):
        return TOOLING, Msg("in a scripts or tooling folder ({folder})", folder=f"{hit}/")
    if _TOOLING_NAME.search(name):
        return TOOLING, N_("a build, lint or test configuration file")
    if lower.endswith(_DOC_SUFFIXES) or any(f in DOC_DIRS for f in folders):
        return DOCS, N_("documentation")
    return PRODUCTION, N_("production source")


def file_roles(ctx: "ScanContext") -> FileRoles:
    """The run's classifier."""
    return ctx.memo(("file-roles",), lambda: FileRoles(ctx))


def _folder_rules(ctx: "ScanContext", folder: str):
    """(.gitignore spec, jest testMatch spec, where the test patterns come from) of one folder."""
    return ctx.memo(("folder-rules", folder), lambda: _read_rules(ctx.repo, folder))


def _read_rules(repo: "RepoView", folder: str):
    import pathspec

    def path(name: str) -> str:
        return name if folder == "." else posixpath.join(folder, name)

    ignore = tests = source = None
    text = repo.text(path(".gitignore")) if repo.exists(path(".gitignore")) else None
    if text is not None:
        ignore = pathspec.GitIgnoreSpec.from_lines(text.text.splitlines())
    for name, key in (("package.json", "jest"), ("jest.config.json", None)):
        patterns = _test_match(repo, path(name), key) if repo.exists(path(name)) else []
        if patterns:
            tests, source = pathspec.GitIgnoreSpec.from_lines(patterns), path(name)
            break
    return ignore, tests, source


def _test_match(repo: "RepoView", path: str, key: str | None) -> list[str]:
    source = repo.text(path)
    if source is None:
        return []
    try:
        data = load_json(source.text)
    except ValueError:
        return []  # package.json parse errors are reported by the package.json reader
    config = data.get(key) if key and isinstance(data, dict) else data
    if not isinstance(config, dict):
        return []
    patterns = [p for p in config.get("testMatch") or [] if isinstance(p, str)]
    # `<rootDir>/src/**/*.test.js` is relative to the config's folder.
    return [p.replace("<rootDir>/", "/") for p in patterns]


def _below(rel: str, folder: str) -> str:
    return rel if folder in ("", ".") else rel[len(folder) + 1:]


def minified(text: str) -> bool:
    """Whether source text is a bundler's output: long and with almost no line breaks."""
    if len(text) < MINIFIED_MIN_BYTES:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > MINIFIED_AVG_LINE


def ignoring_rule(ctx: "ScanContext", rel: str) -> str | None:
    """The `.gitignore` that makes git leave `rel` untracked, or None when git would commit it.

    Git's semantics: every `.gitignore` from the root down to the file's folder applies to the paths
    below it, a deeper file's rules override a shallower one's, and within a file the last matching
    rule wins (`!` re-includes).
    """
    parts = rel.split("/")
    folders = ["."] + ["/".join(parts[:i]) for i in range(1, len(parts))]
    verdict: str | None = None
    for folder in folders:
        ignore = _folder_rules(ctx, folder)[0]
        if ignore is None:
            continue
        result = ignore.check_file(_below(rel, folder))
        if result.include is not None:
            verdict = (posixpath.join(folder, ".gitignore") if folder != "." else ".gitignore") if result.include else None
    return verdict
