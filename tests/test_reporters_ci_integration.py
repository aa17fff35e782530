"""The ready-made CI integration: the GitHub Actions gate and the pre-commit hook run real commands."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import CASES, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "tiketi-doctor.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
LOCAL_HOOK_EXAMPLE = ROOT / "examples" / "ci" / "pre-commit-config.yaml"
GITLAB_EXAMPLE = ROOT / "examples" / "ci" / "gitlab-ci.yml"


def _tiketi_doctor() -> str:
    """The installed console script (the one CI and pre-commit call)."""
    beside = Path(sys.executable).parent / "tiketi-doctor"
    found = str(beside) if beside.is_file() else shutil.which("tiketi-doctor")
    if found is None:
        pytest.skip("the tiketi-doctor console script is not installed (pip install -e .)")
    return found


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(_tiketi_doctor()).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _check_options() -> set[str]:
    check = get_command(app).commands["check"]  # type: ignore[attr-defined]
    return {opt for param in check.params for opt in (*param.opts, *param.secondary_opts)}


def _invocations(script: str) -> list[list[str]]:
    """The `tiketi-doctor ...` commands of a shell script, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [shlex.split(line.strip()) for line in joined.splitlines() if line.strip().startswith("tiketi-doctor ")]


def _assert_known_options(argv: list[str]) -> None:
    assert argv[:2] == ["tiketi-doctor", "check"]
    known = _check_options()
    used = {token for token in argv[2:] if token.startswith("-") and token != "-"}
    assert used <= known, f"unknown options {used - known}"


# The tests that run a workflow step, the hook or the Action's script as CI does: their point is the
# process boundary (the console script found on PATH, bash, the outputs files), so they start real
# processes and check the whole example; the slow tier runs them.
_END_TO_END = pytest.mark.slow


# -- GitHub Actions -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(workflow: dict) -> list[dict]:
    return workflow["jobs"]["gate"]["steps"]


def test_workflow_gates_with_sarif_and_junit(workflow):
    steps = _steps(workflow)
    check = next(s for s in steps if s.get("id") == "check")
    (argv,) = _invocations(check["run"])
    _assert_known_options(argv)
    formats = [argv[i + 1] for i, token in enumerate(argv) if token == "--format"]
    outputs = [argv[i + 1] for i, token in enumerate(argv) if token == "--output"]
    assert formats == ["github", "sarif", "junit"] and len(outputs) == 3
    sarif_file = outputs[formats.index("sarif")]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == sarif_file and upload["if"].startswith("always()")
    assert workflow["permissions"]["security-events"] == "write"
    assert workflow["env"]["FAIL_ON"] == "error"
    gate = steps[-1]
    assert gate["if"] == "steps.check.outputs.exit-code != '0'" and "exit ${{ steps.check.outputs.exit-code }}" in gate["run"]


@_END_TO_END
def test_workflow_check_step_runs(workflow, tmp_path):
    """Run the workflow's check step as the runner would, on the bundled example."""
    check = next(s for s in _steps(workflow) if s.get("id") == "check")
    outputs = tmp_path / "github-output"
    env = {**_env(), **{k: str(v) for k, v in workflow["env"].items()}, "GITHUB_OUTPUT": str(outputs)}
    env["CHECK_PATH"] = str(ROOT / workflow["env"]["CHECK_PATH"])
    result = subprocess.run(["bash", "-e", "-c", check["run"]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # the step records the exit code; the last step fails the job
    assert outputs.read_text() == "exit-code=1\n"
    assert re.search(r"^::error file=services/auth-service/src/routes/auth\.js,line=6,", result.stdout, re.MULTILINE)
    out = tmp_path / "tiketi-doctor-out"
    assert json.loads((out / "tiketi-doctor.sarif").read_text())["runs"][0]["results"]
    assert int(ET.parse(out / "tiketi-doctor.junit.xml").getroot().get("failures")) > 0
    assert (out / "tiketi-doctor-report.md").read_text().startswith("# TIKETI troubleshooting report")


def test_gitlab_example_uses_existing_options():
    job = yaml.safe_load(GITLAB_EXAMPLE.read_text())["tiketi-doctor"]
    (argv,) = [shlex.split(line) for line in job["script"] if line.strip().startswith("tiketi-doctor ")]
    _assert_known_options(argv)
    assert job["artifacts"]["reports"]["junit"] in argv


# -- pre-commit -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook() -> dict:
    (hook,) = yaml.safe_load(HOOKS.read_text())
    return hook


def test_hook_definition(hook):
    assert hook["id"] == "tiketi-doctor" and hook["language"] == "python" and hook["pass_filenames"] is False
    argv = shlex.split(hook["entry"])
    _assert_known_options(argv)
    files = re.compile(hook["files"])
    for path in ("services/auth-service/Dockerfile", "backend/package.json", "k8s/07-ticket-service.yaml", "frontend/src/components/Header.js", "QUICK_START.md", "scripts/port-forward-all.sh", "tiketi-doctor.yaml", "services/auth-service/.env.example",
                 "apps/api/src/main.ts", "apps/web/src/App.tsx", "apps/api/Dockerfile.prod", "docker/api.Dockerfile", "skaffold.yaml",
                 "package-lock.json", "pnpm-lock.yaml", "yarn.lock", "apps/api/tsconfig.app.json", "nginx/default.conf"):  # lockfiles decide what installs
        assert files.search(path), path
    for path in ("frontend/public/logo.png", "docs/diagram.svg", "src/data/countries.json.gz"):
        assert not files.search(path), path


def test_local_hook_example_matches_the_definition(hook):
    (local,) = yaml.safe_load(LOCAL_HOOK_EXAMPLE.read_text())["repos"][0]["hooks"]
    assert (local["id"], local["entry"], local["files"], local["pass_filenames"]) == (hook["id"], hook["entry"], hook["files"], hook["pass_filenames"])


def _run_hook(hook: dict, repo: Path) -> subprocess.CompletedProcess:
    # pre-commit runs the entry from the repository's root, without file names (pass_filenames: false).
    return subprocess.run(shlex.split(hook["entry"]), cwd=repo, env=_env(), capture_output=True, text=True, timeout=120)


@_END_TO_END
def test_hook_passes_a_clean_repository_and_blocks_a_fault(hook, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    clean = _run_hook(hook, repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    dockerfile = repo / "api" / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("EXPOSE 3005", "EXPOSE 3004"))
    broken = _run_hook(hook, repo)
    assert broken.returncode == 1
    assert "PORT002 api/Dockerfile:6" in broken.stdout


# -- the composite GitHub Action --------------------------------------------------------------

ACTION = ROOT / "action.yml"


def _action_step(action: dict, step_id: str) -> dict:
    return next(s for s in action["runs"]["steps"] if s.get("id") == step_id)


def _run_action_step(step: dict, inputs: dict, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict, str]:
    """Run a composite step's script as the runner does: bash, its env with the inputs in place."""
    expression = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
    env = {name: expression.sub(lambda m: inputs[m.group(1)], str(value)) for name, value in step.get("env", {}).items()}
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.touch()
    summary.touch()
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={**_env(), **env, "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)})
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return result, values, summary.read_text()


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def test_action_inputs_and_outputs(action):
    assert action["runs"]["using"] == "composite"
    assert {"path", "fail-on", "baseline", "install", "output-dir", "upload-sarif"} <= set(action["inputs"])
    assert set(action["outputs"]) == {"exit-code", "sarif", "report"}
    (argv,) = _invocations(_action_step(action, "check")["run"].replace('"${baseline[@]}" ', ""))
    _assert_known_options(argv)
    upload = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ inputs.output-dir }}/tiketi-doctor.sarif"
    fail = action["runs"]["steps"][-1]
    assert fail["if"] == "steps.check.outputs.exit-code != '0'" and 'exit "$CODE"' in fail["run"]


@_END_TO_END
def test_action_check_step_gates_the_example_and_writes_every_output(action, tmp_path):
    example = tmp_path / "tiketi"
    shutil.copytree(ROOT / "examples" / "tiketi", example)
    inputs = {"path": str(example), "fail-on": "error", "baseline": "", "output-dir": "out"}
    result, outputs, summary = _run_action_step(_action_step(action, "check"), inputs, tmp_path)
    assert result.returncode == 0, result.stderr  # the step records the exit code; the last step fails the job
    assert outputs["exit-code"] == "1"
    assert "::error file=services/auth-service/src/routes/auth.js" in result.stdout  # annotations in the log
    sarif = json.loads((tmp_path / outputs["sarif"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert ET.parse(tmp_path / "out" / "tiketi-doctor.junit.xml").getroot().tag in ("testsuites", "testsuite")
    assert summary == (tmp_path / outputs["report"]).read_text() and summary.startswith("# ")


@_END_TO_END
def test_action_with_a_baseline_passes_until_a_new_finding(action, tmp_path):
    example = tmp_path / "tiketi"
    shutil.copytree(ROOT / "examples" / "tiketi", example)
    baseline = tmp_path / "baseline.json"
    # The baseline is only the input here (the action's script is what runs as CI runs it): made in-process.
    created = CliRunner().invoke(app, ["baseline", "create", str(example), "-o", str(baseline)])
    assert created.exit_code == 0, created.output
    inputs = {"path": str(example), "fail-on": "error", "baseline": str(baseline), "output-dir": "out"}
    _, outputs, _ = _run_action_step(_action_step(action, "check"), inputs, tmp_path)
    assert outputs["exit-code"] == "0"
