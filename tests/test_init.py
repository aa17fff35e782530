"""`tiketi-doctor init`: the written file, its comments, refusal and --force, and `check` using it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE, ROOT

SHOP = ROOT / "examples" / "shop"
runner = CliRunner()


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def test_init_on_tiketi_writes_a_valid_commented_catalogue_that_check_uses(tmp_path):
    repo = _copy(EXAMPLE, tmp_path)
    result = runner.invoke(app, ["init", str(repo)])
    assert result.exit_code == 0, result.output
    written = repo / "tiketi-doctor.yaml"
    assert f"wrote {written}: 8 components (frontend, backend, auth-service" in result.stderr
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# tiketi-doctor catalogue for tiketi, written by `tiketi-doctor init`")
    assert "    port: 3005  # services/auth-service/src/server.js:10 (process.env.PORT || 3005)\n" in text
    assert "    build: {context: ., dockerfile: services/auth-service/Dockerfile}  # scripts/build-and-load.sh:13" in text
    assert "  kind_cluster: tiketi-local  # k8s/kind-config.yaml:6 (name: tiketi-local)\n" in text
    assert "    # check: others say 3004: services/ticket-service/Dockerfile:22 (EXPOSE 3004)" in text
    validated = runner.invoke(app, ["catalogue", "validate", str(written)])
    assert validated.exit_code == 0 and "valid (8 components, 6 applications)" in validated.stdout
    catalogue = find_catalogue(repo)
    assert catalogue.origin == "repository" and catalogue.source == "tiketi-doctor.yaml"
    assert [c.port for c in catalogue.components] == [load_builtin("tiketi").component(c.name).port for c in catalogue.components]
    checked = runner.invoke(app, ["check", str(repo), "--format", "json"])
    data = json.loads(checked.stdout)
    assert data["catalogue"] == "tiketi-doctor.yaml"
    builtin = json.loads(runner.invoke(app, ["check", str(EXAMPLE), "--format", "json"]).stdout)
    assert sorted((f["code"], f["message"]) for f in data["findings"]) == sorted((f["code"], f["message"]) for f in builtin["findings"])
    # the one place that differs: an unrouted prefix is shown where this catalogue gives it away
    routes_line = text.splitlines().index("    routes: [/api/stats]  # its own mounts (services/stats-service/src/server.js:31)") + 1
    assert [f["location"] for f in data["findings"] if f["code"] == "GW003"] == [
        {"path": "tiketi-doctor.yaml", "line": routes_line, "label": "stats-service routes: /api/stats"}
    ]


def test_init_refuses_to_overwrite_without_force(tmp_path):
    repo = _copy(SHOP, tmp_path)
    (repo / "tiketi-doctor.yaml").write_text("# mine\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(repo)])
    assert result.exit_code == 2
    assert "tiketi-doctor.yaml exists; use --force to overwrite it" in result.stderr
    assert (repo / "tiketi-doctor.yaml").read_text() == "# mine\n"


def test_force_keeps_the_exclude_list_of_the_file_it_replaces(tmp_path):
    repo = _copy(SHOP, tmp_path)
    shutil.copytree(repo / "apps" / "catalog", repo / "legacy" / "catalog")  # an old copy, not a backup spelling
    assert runner.invoke(app, ["init", str(repo)]).exit_code == 0
    first = yaml.safe_load((repo / "tiketi-doctor.yaml").read_text())
    names = [c["name"] for c in first["components"]]
    assert len(names) == 6  # the copy is discovered as another component
    edited = (repo / "tiketi-doctor.yaml").read_text().replace('exclude: ["**/*.backup/**"', 'exclude: ["legacy/**", "**/*.backup/**"')
    (repo / "tiketi-doctor.yaml").write_text(edited)
    result = runner.invoke(app, ["init", str(repo), "--force"])
    assert result.exit_code == 0, result.output
    again = yaml.safe_load((repo / "tiketi-doctor.yaml").read_text())
    assert [c["name"] for c in again["components"]] == ["web", "edge", "catalog", "orders", "redis"]
    assert again["exclude"][0] == "legacy/**"


def test_exclude_option_stdout_and_output(tmp_path):
    repo = _copy(SHOP, tmp_path)
    shutil.copytree(repo / "apps" / "catalog", repo / "old-apps" / "catalog")
    printed = runner.invoke(app, ["init", str(repo), "--stdout", "--exclude", "old-apps/**"])
    assert printed.exit_code == 0
    data = yaml.safe_load(printed.stdout)
    assert [c["name"] for c in data["components"]] == ["web", "edge", "catalog", "orders", "redis"]
    assert "old-apps/**" in data["exclude"]
    assert not (repo / "tiketi-doctor.yaml").exists()
    target = tmp_path / "out" / "shop.yaml"
    written = runner.invoke(app, ["init", str(repo), "--output", str(target), "-x", "old-apps/**"])
    assert written.exit_code == 0 and yaml.safe_load(target.read_text()) == data
    assert "values marked `# check:` are best guesses" in written.stderr


def test_init_without_anything_to_discover_writes_nothing(tmp_path):
    (tmp_path / "README.md").write_text("# notes\n")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "found no application" in result.stderr and not (tmp_path / "tiketi-doctor.yaml").exists()
    assert runner.invoke(app, ["init", str(tmp_path / "missing")]).exit_code == 2


def test_init_warns_about_files_it_could_not_read_exactly(tmp_path):
    repo = _copy(SHOP, tmp_path)
    (repo / "apps" / "catalog" / ".env.example").write_bytes("# 카탈로그\nPORT=4001\n".encode("cp949"))
    result = runner.invoke(app, ["init", str(repo), "--stdout"])
    assert result.exit_code == 0
    assert "warning: apps/catalog/.env.example:1: apps/catalog/.env.example is not valid UTF-8" in result.stderr
    assert yaml.safe_load(result.stdout)["components"][2]["env_file"] == "apps/catalog/.env.example"
