"""Lockfile readers, workspaces and tsconfig aliases: how a bare specifier resolves."""
from __future__ import annotations

import json
from pathlib import Path

from tiketi_doctor.analysis.lockfiles import parse_lockfile
from tiketi_doctor.analysis.resolution import aliases_for, lockfile_for, workspace_packages
from tiketi_doctor.catalogue import Catalogue, Cluster
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView


def _ctx(root: Path, tree: dict[str, str]) -> ScanContext:
    for rel, text in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return ScanContext(RepoView(root), Catalogue(name="t", cluster=Cluster(), components=()))


def test_package_lock_v3_hoists_top_level_packages_only() -> None:
    lock = parse_lockfile(json.dumps({"lockfileVersion": 3, "packages": {
        "": {"dependencies": {"a": "1"}},
        "node_modules/a": {"version": "1", "dependencies": {"b": "1", "c": "1"}},
        "node_modules/b": {"version": "1"},
        "node_modules/a/node_modules/c": {"version": "2"},
    }}), "package-lock.json")
    assert lock.via({"a"}, "b") == "a"
    assert lock.via({"a"}, "c") is None  # nested under a: not where the project's code resolves it
    assert lock.via({"a"}, "a") is None  # direct, not by accident
    assert lock.via({"x"}, "b") is None  # not installed through what the image installs


def test_package_lock_v1_tree() -> None:
    lock = parse_lockfile(json.dumps({"lockfileVersion": 1, "dependencies": {
        "a": {"version": "1", "requires": {"b": "^1"}, "dependencies": {"c": {"version": "2"}}},
        "b": {"version": "1"},
    }}), "npm-shrinkwrap.json")
    assert lock.manager == "npm" and lock.via({"a"}, "b") == "a" and lock.via({"a"}, "c") is None


PNPM = """lockfileVersion: '6.0'
importers:
  .:
    dependencies:
      a: {specifier: ^1, version: 1.0.0}
packages:
  /a@1.0.0(react@18.0.0):
    dependencies:
      '@scope/b': 1.0.0
  /@scope/b@1.0.0:
    resolution: {integrity: x}
"""


def test_pnpm_lock_hoists_only_when_npmrc_says_so() -> None:
    strict = parse_lockfile(PNPM, "pnpm-lock.yaml")
    assert strict.installs("@scope/b") and strict.via({"a"}, "@scope/b") is None
    hoisted = parse_lockfile(PNPM, "pnpm-lock.yaml", npmrc="node-linker=hoisted\n")
    assert hoisted.via({"a"}, "@scope/b") == "a"
    v5 = parse_lockfile("lockfileVersion: 5.4\ndependencies:\n  a: 1.0.0\npackages:\n  /a/1.0.0:\n    dependencies:\n      b: 2.0.0\n  /b/2.0.0: {}\n", "pnpm-lock.yaml", npmrc="shamefully-hoist=true")
    assert v5.via({"a"}, "b") == "a"


def test_yarn_classic_and_berry() -> None:
    classic = parse_lockfile(
        '# yarn lockfile v1\n\n"@scope/a@^1.0.0", "@scope/a@^1.1.0":\n  version "1.1.0"\n  dependencies:\n    b "^2.0.0"\n\nb@^2.0.0:\n  version "2.0.0"\n',
        "yarn.lock",
    )
    assert classic.via({"@scope/a"}, "b") == "@scope/a"
    berry_text = '__metadata:\n  version: 6\n\n"a@npm:^1.0.0":\n  version: 1.0.0\n  dependencies:\n    b: "npm:^2"\n\n"b@npm:^2":\n  version: 2.0.0\n'
    assert parse_lockfile(berry_text, "yarn.lock").via({"a"}, "b") is None  # Plug'n'Play is strict
    assert parse_lockfile(berry_text, "yarn.lock", yarnrc="nodeLinker: node-modules\n").via({"a"}, "b") == "a"


def test_lockfile_for_prefers_the_declared_package_manager(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {
        "package.json": '{"packageManager": "pnpm@9.0.0"}',
        "package-lock.json": '{"lockfileVersion": 3, "packages": {}}',
        "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
        "apps/api/package.json": '{"name": "api"}',
    })
    lock = lockfile_for(ctx, "apps/api/package.json")
    assert lock is not None and lock.path == "pnpm-lock.yaml" and lock.manager == "pnpm"


def test_workspace_packages_from_every_kind_of_root(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {
        "package.json": '{"workspaces": {"packages": ["libs/*"]}}',
        "libs/common/package.json": '{"name": "@org/common"}',
        "mono/pnpm-workspace.yaml": "packages:\n  - 'apps/*'\n",
        "mono/apps/web/package.json": '{"name": "web"}',
        "mono/apps/notes/README.md": "",
    })
    assert workspace_packages(ctx) == {"@org/common": "libs/common/package.json", "web": "mono/apps/web/package.json"}


def test_tsconfig_paths_through_extends_and_base_url(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {
        "tsconfig.base.json": '{\n  // shared\n  "compilerOptions": {"baseUrl": ".", "paths": {"@app/*": ["src/*"], "~config": ["src/config.ts"],},},\n}',
        "svc/tsconfig.json": '{"extends": "../tsconfig.base", "compilerOptions": {"outDir": "dist"}}',
        "svc/src/a.ts": "",
        "shared/util.ts": "",
        "web/tsconfig.json": '{"files": [], "references": [{"path": "./tsconfig.app.json"}]}',
        "web/tsconfig.app.json": '{"compilerOptions": {"paths": {"@/*": ["./src/*"]}}}',
        "web/src/main.ts": "",
    })
    svc = aliases_for(ctx, "svc/src/a.ts")
    assert svc.matches(ctx, "@app/routes") and svc.matches(ctx, "~config")
    assert svc.matches(ctx, "shared/util")  # baseUrl "." of the parent config: the repository root
    assert not svc.matches(ctx, "express") and not svc.matches(ctx, "@apple/pie")
    assert aliases_for(ctx, "web/src/main.ts").matches(ctx, "@/views/Home.vue")
    assert not aliases_for(ctx, "other/x.js").matches(ctx, "@app/routes")


def test_an_import_resolves_relative_then_paths_then_base_url_then_a_source_root(tmp_path: Path) -> None:
    from tiketi_doctor.analysis.resolution import resolve_import

    ctx = _ctx(tmp_path, {
        "api/tsconfig.json": '{"compilerOptions": {"baseUrl": "src", "paths": {"@lib/*": ["../lib/*", "vendor/*"], "#db": ["db/index.ts"]}}}',
        "api/src/routes/users.ts": "",
        "api/src/vendor/x/index.ts": "",
        "api/src/db/index.ts": "",
        "api/src/helpers.ts": "",
        "api/lib/log.mts": "",
        "web/src/pages/Home.jsx": "",
        "web/src/App.js": "",
    })
    assert resolve_import(ctx, "api/src/routes/users.ts", "../helpers.js") == "api/src/helpers.ts"
    assert resolve_import(ctx, "api/src/routes/users.ts", "@lib/log") == "api/lib/log.mts"
    assert resolve_import(ctx, "api/src/routes/users.ts", "@lib/x") == "api/src/vendor/x/index.ts"  # the second target
    assert resolve_import(ctx, "api/src/routes/users.ts", "#db") == "api/src/db/index.ts"
    assert resolve_import(ctx, "api/src/routes/users.ts", "routes/users") == "api/src/routes/users.ts"  # baseUrl
    assert resolve_import(ctx, "api/src/routes/users.ts", "express") is None
    assert resolve_import(ctx, "web/src/App.js", "pages/Home") is None  # no jsconfig: a package name
    assert resolve_import(ctx, "web/src/App.js", "pages/Home", ("web/src",)) == "web/src/pages/Home.jsx"
