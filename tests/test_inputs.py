"""Bad input gets a finding or a clear error, never a traceback, and loses nothing else."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import CASES

runner = CliRunner()


def _base(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    return repo


def _check(repo: Path, *args: str):
    result = runner.invoke(app, ["check", str(repo), "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result, (json.loads(result.stdout) if result.stdout.strip().startswith("{") else None)


def _codes(data) -> list[tuple[str, str, int | None]]:
    return [(f["code"], f["location"]["path"], f["location"]["line"]) for f in data["findings"]]


def test_binary_dockerfile_is_reported_and_other_checks_still_run(tmp_path):
    repo = _base(tmp_path)
    (repo / "api/Dockerfile").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00binary")
    (repo / "api/.env.example").write_text("PORT=3002\n")
    result, data = _check(repo)
    assert result.exit_code == 1
    codes = _codes(data)
    assert ("SRC001", "api/Dockerfile", None) in codes
    assert ("PORT001", "api/.env.example", 1) in codes  # unrelated checks still report
    unknown = {r["code"] for r in data["runs"] if r["status"] == "unknown" and r["subject"] == "api"}
    assert {"DEP001", "DEP005"} <= unknown


def test_broken_json_inside_printf(tmp_path):
    repo = _base(tmp_path)
    (repo / "api/Dockerfile").write_text(
        "FROM node:20-alpine\nWORKDIR /app\n"
        "RUN printf '{\"name\":\"api\",\"dependencies\":{\"express\":\"^4\",}' > package.json && npm install\n"
        "CMD [\"node\", \"src/server.js\"]\n"
    )
    result, data = _check(repo)
    src = [f for f in data["findings"] if f["code"] == "SRC002"]
    assert len(src) == 1 and src[0]["location"] == {"path": "api/Dockerfile", "line": 3}
    assert "not valid JSON" in src[0]["message"]
    assert not [f for f in data["findings"] if f["code"] == "DEP001"]  # undecided, not guessed


def test_broken_yaml_names_the_line(tmp_path):
    repo = _base(tmp_path)
    (repo / "k8s/api.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n spec: [\n")
    result, data = _check(repo)
    src = [f for f in data["findings"] if f["code"] == "SRC002"]
    assert src and src[0]["location"]["path"] == "k8s/api.yaml" and src[0]["location"]["line"] == 5


def test_broken_package_json(tmp_path):
    repo = _base(tmp_path)
    (repo / "api/package.json").write_text('{\n  "name": "api",\n  "dependencies": {\n    "express": "^4"\n  \n')
    result, data = _check(repo)
    src = [f for f in data["findings"] if f["code"] == "SRC002"]
    assert src and src[0]["location"]["path"] == "api/package.json" and src[0]["location"]["line"]


def test_non_utf8_file_is_read_and_flagged(tmp_path):
    repo = _base(tmp_path)
    text = "# 빠른 시작\n```bash\nkubectl port-forward -n mini svc/api 3005:3002\n```\n"
    (repo / "README.md").write_bytes(text.encode("cp949"))
    result, data = _check(repo)
    codes = _codes(data)
    assert ("SRC003", "README.md", 1) in codes
    assert ("PORT005", "README.md", 3) in codes  # still read, with replacement characters


def test_crlf_files_give_the_same_lines(tmp_path):
    repo = _base(tmp_path)
    for rel in ("api/Dockerfile", "k8s/api.yaml", "api/src/server.js"):
        path = repo / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    (repo / "api/Dockerfile").write_bytes((repo / "api/Dockerfile").read_bytes().replace(b"EXPOSE 3005", b"EXPOSE 3004"))
    result, data = _check(repo)
    assert _codes(data) == [("PORT002", "api/Dockerfile", 6)]


def test_missing_catalogue_paths_do_not_crash(tmp_path):
    repo = _base(tmp_path)
    shutil.rmtree(repo / "api")
    (repo / "k8s/api.yaml").unlink()
    result, data = _check(repo)
    assert result.exit_code in (0, 1)
    assert {r["status"] for r in data["runs"]} <= {"passed", "failed", "unknown"}


def test_catalogue_path_leaving_the_repository_is_rejected(tmp_path):
    repo = _base(tmp_path)
    cat = repo / "tiketi-doctor.yaml"
    cat.write_text(cat.read_text().replace("package_json: api/package.json", "package_json: ../../etc/passwd"))
    result = runner.invoke(app, ["check", str(repo)])
    assert result.exit_code == 2
    assert "tiketi-doctor.yaml:" in result.stderr and "$.components[0].package_json" in result.stderr
    assert "does not leave it" in result.stderr


def test_invalid_catalogue_lists_every_error_with_line_and_path(tmp_path):
    bad = tmp_path / "cat.yaml"
    bad.write_text(
        "version: 1\nname: x\ncomponents:\n"
        "  - name: a\n    role: service\n    port: 99999\n"
        "  - name: b\n    role: wizard\n    prot: 3000\n"
    )
    result = runner.invoke(app, ["catalogue", "validate", str(bad)])
    assert result.exit_code == 2
    err = result.stderr
    assert f"{bad}:6: $.components[0].port" in err
    assert f"{bad}:8: $.components[1].role" in err
    assert f"{bad}:7: $.components[1]" in err and "prot" in err
    assert "Traceback" not in err


def test_catalogue_semantic_errors(tmp_path):
    bad = tmp_path / "cat.yaml"
    bad.write_text(
        "version: 1\nname: x\ncomponents:\n"
        "  - {name: a, role: service, port: 3000, depends_on: [ghost]}\n"
        "  - {name: b, role: service, port: 3000}\n"
    )
    result = runner.invoke(app, ["catalogue", "validate", str(bad)])
    assert result.exit_code == 2
    assert "port 3000 is already claimed by a" in result.stderr
    assert "unknown component 'ghost'" in result.stderr


def test_malformed_catalogue_yaml(tmp_path):
    bad = tmp_path / "cat.yaml"
    bad.write_text("version: 1\nname: [x\n")
    result = runner.invoke(app, ["catalogue", "validate", str(bad)])
    assert result.exit_code == 2 and "invalid YAML" in result.stderr and "Traceback" not in result.stderr


def test_repository_catalogue_extends_the_builtin(tmp_path):
    (tmp_path / "tiketi-doctor.yaml").write_text(
        "version: 1\nname: tiketi\nextends: tiketi\ncomponents:\n  - name: auth-service\n    port: 3105\n"
        "  - {name: mailer, role: service, port: 3010}\n"
    )
    from tiketi_doctor.catalogue_choice import find_catalogue

    catalogue = find_catalogue(tmp_path)
    assert catalogue.component("auth-service").port == 3105
    assert catalogue.component("auth-service").image == "tiketi-auth-service:local"  # inherited
    assert catalogue.component("mailer").port == 3010
    assert catalogue.origin == "repository"


def test_extending_catalogue_errors_point_at_the_extending_file(tmp_path):
    (tmp_path / "tiketi-doctor.yaml").write_text(
        "version: 1\nname: tiketi\nextends: tiketi\ncomponents:\n  - name: auth-service\n    port: seventy\n"
    )
    result = runner.invoke(app, ["catalogue", "validate", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert "tiketi-doctor.yaml:6: $.components[5].port" in result.stderr


def test_a_folder_holding_nothing_to_check_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not a repository\n")
    for command in (["check"], ["report"], ["fix"], ["check", "--format", "json"]):
        result = runner.invoke(app, [*command, str(tmp_path)])
        assert result.exit_code == 2, command
        assert "holds none of the files the built-in tiketi catalogue names" in result.stderr
        assert "--catalogue FILE" in result.stderr and "Traceback" not in result.stderr


def test_one_file_of_the_builtin_catalogue_is_enough_to_check(tmp_path):
    (tmp_path / "services" / "auth-service").mkdir(parents=True)
    (tmp_path / "services" / "auth-service" / "package.json").write_text('{"name": "auth-service"}\n')
    result = runner.invoke(app, ["check", str(tmp_path), "--format", "json"])
    assert result.exit_code in (0, 1) and json.loads(result.stdout)["catalogue"] == "<builtin:tiketi>"


def test_not_a_directory(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "is not a directory" in result.stderr


def test_unknown_select_token_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["check", str(_base(tmp_path)), "--select", "XYZ"])
    assert result.exit_code == 2 and "matches no check" in result.stderr


def test_catalogue_exclude_globs_hide_backup_folders(tmp_path):
    repo = _base(tmp_path)
    (repo / "scripts" / "legacy.sh").write_text("kubectl port-forward svc/api 3005:3002\n")
    cat = repo / "tiketi-doctor.yaml"
    result, data = _check(repo)
    assert ("PORT005", "scripts/legacy.sh", 1) in _codes(data)
    cat.write_text(cat.read_text() + 'exclude: ["**/legacy.sh"]\n')
    result, data = _check(repo)
    assert ("PORT005", "scripts/legacy.sh", 1) not in _codes(data)
