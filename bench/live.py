"""The live analysis against the fake API server with large namespaces.

    python bench/live.py                 # 500 and 5,000 pods
    python bench/live.py --pods 500 2000 --repeat 3

For each size: wall and CPU time of the live part of `check --live` (connect, the list calls, the
log reads of the failing containers, every CL check, correlation) with the `kubernetes` import
excluded (measured once, separately), the peak memory the live part allocates (one more run, traced
by tracemalloc, not timed), and the API calls
the fake server received, per kind. The fake server runs in a process of its own, as a real API
server would: in this process its threads would take the interpreter lock from the client being
measured. The wall time includes its work (the Python fake server builds and encodes every list it
serves, which a real API server answers from its cache); the CPU time is the tool's alone.
Target: at most 1 s of the tool's CPU at 5,000 pods, the same number of list calls at every size.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 1.0


def _serve(pods: int, conn) -> None:
    """The fake API server's process: seed, report the kubeconfig, answer the parent's requests."""
    from tests.fakekube import FakeKube, large_namespace

    with FakeKube(large_namespace(pods, deployments=max(1, pods // 20))) as kube, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = kube.write_kubeconfig(Path(tmp) / "config", namespace="tiketi")
        failing = sum(1 for p in kube.list("pods") for c in p["status"].get("containerStatuses", [])
                      if (c.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff")
        conn.send((str(kubeconfig), failing))
        while True:
            request = conn.recv()
            if request == "reset":
                kube.reset_requests()
                conn.send(None)
            elif request == "calls":
                conn.send(Counter(f"{r.verb or r.method.lower()} {r.resource_path}" for r in kube.requests))
            else:
                return


def measure(pods: int, repeat: int) -> dict:
    from tests.live.support import EXAMPLE, live_registry
    from tiketi_doctor.catalogue_choice import find_catalogue
    from tiketi_doctor.cluster.runner import LiveOptions, run_live
    from tiketi_doctor.model import Report

    catalogue = find_catalogue(EXAMPLE)
    checks = live_registry().runnable(live=True)
    times, cpu, findings, calls = [], [], 0, Counter()
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(pods, child), daemon=True)
    server.start()
    try:
        kubeconfig, failing = parent.recv()
        options = LiveOptions(kubeconfig=kubeconfig, port_forward=False)
        for _ in range(repeat):
            parent.send("reset")
            parent.recv()
            report = Report(str(EXAMPLE), catalogue.source, [], [])
            started, started_cpu = time.perf_counter(), time.process_time()
            outcome = run_live(report, EXAMPLE, catalogue, checks, options)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert outcome.ran, outcome.summary()
            findings = len(report.findings)
            parent.send("calls")
            calls = parent.recv()
        peak = _traced_peak(lambda: run_live(Report(str(EXAMPLE), catalogue.source, [], []), EXAMPLE, catalogue, checks, options))
    finally:
        parent.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    return {"pods": pods, "seconds": statistics.median(times), "best": min(times), "cpu": statistics.median(cpu), "peak_mb": peak,
            "calls": calls, "findings": findings, "failing": failing}


def _traced_peak(run) -> int:
    """The most memory (MB) Python objects took at once during `run`, over what they took before."""
    import tracemalloc

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run()
        return (tracemalloc.get_traced_memory()[1] - before) // 2**20
    finally:
        tracemalloc.stop()


def import_seconds() -> float:
    """What `import kubernetes.client` costs: paid once per process by every live command."""
    started = time.perf_counter()
    import kubernetes.client  # noqa: F401

    return time.perf_counter() - started


def rows_table(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the measurements, API calls per kind as columns."""
    kinds = sorted({k for row in rows for k in row["calls"]})
    header = ["pods", "failing containers", "live analysis, wall (median)", "best", "CPU (median)", "peak memory (live part)", "findings"] + [f"`{k}`" for k in kinds]
    body = [
        [str(r["pods"]), str(r["failing"]), f"{r['seconds']:.2f} s", f"{r['best']:.2f} s", f"{r['cpu']:.2f} s", f"{r['peak_mb']} MB", str(r["findings"])]
        + [str(r["calls"].get(k, 0)) for k in kinds]
        for r in rows
    ]
    return header, body


def verdict(rows: list[dict]) -> tuple[bool, str]:
    lists = {sum(n for k, n in r["calls"].items() if k.startswith("list ")) for r in rows}
    slowest = max(r["cpu"] for r in rows)
    met = len(lists) == 1 and slowest <= TARGET_SECONDS
    return met, (f"list calls per run: {', '.join(map(str, sorted(lists)))} ({'the same at every size' if len(lists) == 1 else 'NOT constant'}); "
                 f"slowest median CPU {slowest:.2f} s (target ≤ {TARGET_SECONDS:g} s: {'met' if slowest <= TARGET_SECONDS else 'missed'}), "
                 f"wall {max(r['seconds'] for r in rows):.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"import kubernetes.client: {import_seconds():.2f} s (not counted below)\n")
    rows = [measure(n, args.repeat) for n in args.pods]
    header, body = rows_table(rows)
    widths = [max(len(line[i]) for line in [header] + body) for i in range(len(header))]
    for i, line in enumerate([header] + body):
        print(" | ".join(cell.rjust(widths[j]) for j, cell in enumerate(line)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    met, summary = verdict(rows)
    print("\n" + summary)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
