"""GitHub Actions workflows: jobs, steps and their `run:` scripts with the line of every script line."""
from __future__ import annotations

import posixpath
import re
from dataclasses import field
from typing import Any

from ..deferred import dataclass
from ..context import ScanContext
from ..model import Location
from ..parsing.yamldoc import YamlDoc
from . import k8s

WORKFLOW_GLOBS = (".github/workflows/*.yml", ".github/workflows/*.yaml")


@dataclass(frozen=True)
class ScriptLine:
    number: int  # 1-based line in the workflow file
    column: int
    text: str


@dataclass
class Step:
    job: str
    index: int
    data: dict
    path: tuple  # JSON path of the step in the workflow document
    location: Location
    script: list[ScriptLine] = field(default_factory=list)  # the `run:` lines
    working_directory: str = "."  # repository-relative
    # The job's `strategy.matrix` as the combinations it runs ({"app": "edge"}, ...); [{}] without one.
    matrix: list[dict[str, str]] = field(default_factory=lambda: [{}])

    @property
    def uses(self) -> str:
        return str(self.data.get("uses") or "")

    @property
    def with_(self) -> dict:
        value = self.data.get("with")
        return value if isinstance(value, dict) else {}

    def action(self) -> str:
        """`docker/build-push-action` for `docker/build-push-action@v6`."""
        return self.uses.split("@", 1)[0].lower()


@dataclass
class Workflow:
    path: str
    doc: YamlDoc
    steps: list[Step]

    @property
    def data(self) -> dict:
        return self.doc.data if isinstance(self.doc.data, dict) else {}

    def at(self, path: tuple, label: str | None = None) -> Location:
        return Location(self.path, self.doc.line(path), self.doc.column(path), label=label)


def workflow_files(ctx: ScanContext) -> list[str]:
    return sorted({p for pattern in WORKFLOW_GLOBS for p in ctx.repo.glob(pattern)})


def workflows(ctx: ScanContext) -> list[Workflow]:
    return ctx.memo("workflows", lambda: [w for p in workflow_files(ctx) if (w := _read(ctx, p)) is not None])


def _read(ctx: ScanContext, path: str) -> Workflow | None:
    docs = k8s.yaml_documents(ctx, path)
    if not docs or not isinstance(docs[0].data, dict):
        return None
    doc = docs[0]
    source = ctx.repo.text(path)
    lines = source.lines if source else []
    workflow = Workflow(path, doc, [])
    jobs = doc.data.get("jobs")
    if not isinstance(jobs, dict):
        return workflow
    for job_name, job in jobs.items():
        if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
            continue
        job_dir = _working_dir(job.get("defaults"))
        combos = matrix_combinations(job.get("strategy"))
        for i, step in enumerate(job["steps"]):
            if not isinstance(step, dict):
                continue
            step_path = ("jobs", job_name, "steps", i)
            item = Step(str(job_name), i, step, step_path, workflow.at(step_path), working_directory=job_dir, matrix=combos)
            if isinstance(step.get("working-directory"), str):
                item.working_directory = _normal(step["working-directory"])
            if isinstance(step.get("run"), str):
                item.script = script_lines(doc, step_path + ("run",), step["run"], lines)
            workflow.steps.append(item)
    return workflow


MAX_COMBINATIONS = 64
_MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z_][\w-]*)\s*\}\}")


def matrix_combinations(strategy: Any) -> list[dict[str, str]]:
    """The combinations of `strategy.matrix` (lists of scalars, plus `include` entries)."""
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    if not isinstance(matrix, dict):
        return [{}]
    combos: list[dict[str, str]] = [{}]
    for key, values in matrix.items():
        if key in ("include", "exclude") or not isinstance(values, list):
            continue
        scalars = [str(v) for v in values if not isinstance(v, (dict, list))]
        combos = [{**c, str(key): v} for c in combos for v in scalars][:MAX_COMBINATIONS]
    for extra in matrix.get("include") or []:
        if isinstance(extra, dict):
            combos.append({str(k): str(v) for k, v in extra.items() if not isinstance(v, (dict, list))})
    return [c for c in combos if c] or [{}]


def with_matrix(text: str, combo: dict[str, str]) -> str:
    """`apps/${{ matrix.app }}` -> `apps/edge` for one combination; unknown keys stay as written."""
    return _MATRIX_REF.sub(lambda m: combo.get(m.group(1), m.group(0)), text)


def _working_dir(defaults: Any) -> str:
    if isinstance(defaults, dict) and isinstance(defaults.get("run"), dict):
        value = defaults["run"].get("working-directory")
        if isinstance(value, str):
            return _normal(value)
    return "."


def _normal(path: str) -> str:
    path = path.strip()
    for prefix in ("${{ github.workspace }}/", "$GITHUB_WORKSPACE/", "./"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    return posixpath.normpath(path) if path else "."


def script_lines(doc: YamlDoc, path: tuple, script: str, file_lines: list[str]) -> list[ScriptLine]:
    """The script's lines with their line numbers: a block scalar starts on the line after `|`."""
    position = doc.positions.get(path)
    if position is None:
        return [ScriptLine(doc.line(path) or 1, 1, text) for text in script.splitlines()]
    line, column = position
    raw = file_lines[line - 1] if 0 < line <= len(file_lines) else ""
    indicator = raw[column - 1: column] if column - 1 < len(raw) else ""
    texts = script.splitlines()
    if indicator in ("|", ">"):
        found = []
        number = line + 1
        for text in texts:
            # block scalars keep blank lines; find each text on the following lines in order
            while number <= len(file_lines) and text.strip() and text.strip() not in file_lines[number - 1]:
                number += 1
            col = file_lines[number - 1].find(text.strip()) + 1 if number <= len(file_lines) and text.strip() else 1
            found.append(ScriptLine(number, max(col, 1), text))
            number += 1
        return found
    return [ScriptLine(line + i, column if i == 0 else 1, text) for i, text in enumerate(texts)]
