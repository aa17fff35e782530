"""Reading a guide is linear in its size: a 400 KB README (or a 400 KB single line) costs four times
what 100 KB costs, counted in function calls (deterministic), not in seconds (bench/run.py times a
2 MB one). A per-lookup line table or a
scan of every heading per command makes the ratio grow with the size."""
from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

import pytest

from tiketi_doctor.analysis.guide_paths import path_references
from tiketi_doctor.analysis.guides import guides, local_urls, port_forwards
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

pytestmark = pytest.mark.slow  # the point is the size: profiled reads of 100 KB and 400 KB guides

CATALOGUE = 'version: 1\nname: big\ncomponents:\n  - {name: api, role: service, port: 3000}\ndocs: ["*.md"]\n'


def _sections(size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        i += 1
        part = (
            f"## Step {i}\n\nRun `kubectl apply -f k8s/a{i}.yaml`, open http://localhost:3000/x{i}, see [doc](docs/d{i}.md).\n\n"
            f"```bash\ncd services/s{i}\n./scripts/run{i}.sh --flag \\\n  --other\nkubectl port-forward svc/api 3000:3000\n"
            f"cat <<EOF > out{i}.txt\nhello\nEOF\n```\n\n```js\nrequire('./x{i}')\n```\n\n"
        )
        parts.append(part)
        total += len(part)
    return "".join(parts)


def _one_line(size: int) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        i += 1
        part = f"Run `bash scripts/s{i}.sh` and read [l](d{i}.md) at localhost:{3000 + i % 100}. "
        parts.append(part)
        total += len(part)
    return "".join(parts) + "\n"


def _calls(tmp_path: Path, name: str, text: str) -> int:
    root = tmp_path / name
    root.mkdir()
    (root / "tiketi-doctor.yaml").write_text(CATALOGUE)
    (root / "GUIDE.md").write_text(text)
    ctx = ScanContext(RepoView(root), find_catalogue(root))
    profile = cProfile.Profile()
    profile.enable()
    guides(ctx)
    path_references(ctx)
    local_urls(ctx)
    port_forwards(ctx)
    profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def test_a_guide_four_times_as_large_costs_four_times_as_much(tmp_path):
    small, large = _sections(100_000), _sections(400_000)
    ratio = _calls(tmp_path, "large", large) / _calls(tmp_path, "small", small)
    assert len(large) >= 400_000 and 3.6 < ratio < 4.4, ratio


def test_a_single_line_four_times_as_long_costs_four_times_as_much(tmp_path):
    small, large = _one_line(100_000), _one_line(400_000)
    assert large.count("\n") == 1
    ratio = _calls(tmp_path, "large", large) / _calls(tmp_path, "small", small)
    assert 3.6 < ratio < 4.4, ratio
