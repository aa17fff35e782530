"""Completeness rules for checks, and import hygiene."""
from __future__ import annotations

import ast
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from tiketi_doctor.registry import load_registry

from .conftest import CASES, ROOT


@lru_cache(maxsize=None)
def _tree(path: Path) -> ast.Module:
    """A module's syntax tree, parsed once for every test that reads it."""
    return ast.parse(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _imports(path: Path) -> tuple[ast.Import | ast.ImportFrom, ...]:
    """Every import statement of a module, lazy ones in functions included. Imports are statements,
    so only statement bodies are walked, not the expressions (most of a module's nodes)."""
    found: list = []
    pending: list = list(_tree(path).body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
            continue
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                pending.extend(children)
    return tuple(found)


def test_every_check_has_a_failing_and_a_passing_case():
    missing = []
    for check in load_registry().checks:
        if check.scope == "input":
            continue
        # Live checks have scenario cases for the fake API server (tests/live/README.md).
        folder = (ROOT / "tests" / "live" if check.live else CASES) / check.code
        cases = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        if not any(c.startswith("fail") for c in cases) or not any(c.startswith("pass") for c in cases):
            missing.append(check.code)
    assert missing == []


def test_every_check_is_documented_for_explain():
    for check in load_registry().checks:
        assert check.summary.endswith("."), check.code
        assert len(check.why) > 40 and check.example and check.fix, check.code


def test_core_never_imports_checks_or_fixes():
    offenders = []
    for path in (ROOT / "tiketi_doctor").rglob("*.py"):
        for node in _imports(path):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            if any(n.split(".")[0] in ("checks", "fixes") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.slow  # starts fresh interpreters (or kubectl): seconds of start-up
def test_static_commands_do_not_import_kubernetes_or_docker(tmp_path):
    # Nor jsonschema: the base repository's valid catalogue is validated by the compiled schema.
    # (KUBE004/KUBE005 validate manifests with jsonschema against the Kubernetes schemas: left out here.)
    # Nor importlib.metadata (some 50 ms): checks and fixers are found by the registry's own reader.
    code = (
        "import sys\nfrom tiketi_doctor.cli.main import app\n"
        f"sys.argv = ['tiketi-doctor', 'check', {str(CASES / '_base')!r}, '--ignore', 'KUBE004,KUBE005', '--format', 'json', '-o', {str(tmp_path / 'o.json')!r}]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('kubernetes', 'docker', 'jsonschema') or m == 'importlib.metadata')\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert (tmp_path / "o.json").is_file()


def test_builtin_catalogue_matches_its_schema():
    import manifests
    from tiketi_doctor.catalogue import load_catalogue

    catalogue = load_catalogue(manifests.builtin_catalogue("tiketi"))  # untrusted path: full validation
    ports = {c.name: c.port for c in catalogue.components}
    assert ports["auth-service"] == 3005 and ports["ticket-service"] == 3002 and ports["payment-service"] == 3003
    assert ports["stats-service"] == 3004 and ports["backend"] == 3001 and ports["frontend"] == 3000
    assert catalogue.cluster.context == "kind-tiketi-local" and catalogue.cluster.namespace == "tiketi"


def test_readme_check_table_is_current():
    from tiketi_doctor.cli.info_cmd import markdown_table

    table = markdown_table(load_registry().checks)
    assert table in (ROOT / "README.md").read_text(), "regenerate with `tiketi-doctor checks list --format markdown`"


def test_the_import_graph_has_no_cycle():
    """Every import between the project's modules, lazy ones inside functions included, goes one
    way: parsing below the analyses, the catalogue a leaf, discovery below the choice of catalogue.
    A cycle means two modules answer each other's questions."""
    import ast

    modules: dict[str, Path] = {}
    for package in ("tiketi_doctor", "checks", "fixes"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(path):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
                    break
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    assert cycles == [], "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.slow  # starts fresh interpreters (or kubectl): seconds of start-up
def test_help_and_version_import_no_check_analysis_or_parser():
    """`--help`, `--version` and a command's `--help` answer from the command line's own module:
    no check family, analysis, parser, YAML/JavaScript parser library or run cache is imported."""
    heavy = ("checks", "fixes", "tiketi_doctor.analysis", "tiketi_doctor.parsing", "tiketi_doctor.cache",
             "tiketi_doctor.engine", "tiketi_doctor.discovery", "yaml", "tree_sitter", "markdown_it", "jinja2")
    for argv in (["--help"], ["--version"], ["check", "--help"], ["report", "--help"]):
        code = (
            "import io, sys, contextlib\nfrom tiketi_doctor.cli.main import app\n"
            f"sys.argv = ['tiketi-doctor', *{argv!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        app()\n    except SystemExit:\n        pass\n"
            f"print(','.join(sorted(m for m in sys.modules if m.startswith({heavy!r}))))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "", f"{argv}: {out.stdout.strip()}"
