"""The doctor on small realistic repositories of shapes the corpus lacks (tests/fixtures/realworld/).

Each correct repository must produce no finding at all (any would be a false alarm); the one with
planted faults must produce exactly those. The repositories have no catalogue: the run discovers it,
as it does on a repository seen for the first time."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

REALWORLD = Path(__file__).parent / "fixtures" / "realworld"

EXPECTED = {
    "helm-chart": set(),  # Helm chart with _helpers.tpl, includes, toYaml blocks, values-filled ports
    "kustomize-overlays": set(),  # base + two overlays: configMapGenerator merge, JSON6902 and strategic patches, image rewrites
    "nest-turbo": set(),  # pnpm + Turborepo, NestJS in TypeScript, turbo prune Dockerfile, workspace package
    "compose-envfiles": set(),  # compose only, env_file, ${VAR:-default} ports, healthcheck-gated depends_on
    "compose-envfiles-faults": {
        ("DEP001", "api/src/server.js", 1),  # dotenv imported, never installed ...
        ("DEP006", "api/src/server.js", 1),  # ... nor declared
        ("HC004", "docker-compose.yml", 28),  # waits for redis to be healthy; redis has no healthcheck
        ("PORT004", "docker-compose.yml", 35),  # API_URL uses 4001, the api listens on 4000
        ("DKF004", "web/Dockerfile", 8),  # npm run serve: web/package.json has no such script
    },
}


def test_every_fixture_has_an_expectation() -> None:
    assert {p.name for p in REALWORLD.iterdir() if p.is_dir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_doctor_reports_exactly_the_real_faults(name: str, tmp_path: Path) -> None:
    repo = shutil.copytree(REALWORLD / name, tmp_path / name)  # a run may write nothing, but never into the fixture
    result = CliRunner().invoke(app, ["check", str(repo), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    found = {(f["code"], f["location"]["path"], f["location"]["line"]) for f in report["findings"]}
    messages = "\n".join(f"{f['code']} {f['location']['path']}:{f['location']['line']} {f['message']}" for f in report["findings"])
    assert found == EXPECTED[name], messages
