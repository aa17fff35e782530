"""The live analysis against the fake API server with large namespaces.

    python bench/live.py                 # 500 and 5,000 pods
    python bench/live.py --pods 500 2000 --repeat 3

For each size: wall time of the live part of `check --live` (connect, the five list calls, the
log reads of the failing containers, every CL check, correlation) with the `kubernetes` import
excluded (measured once, separately), and the API calls the fake server received, per kind.
Target: at most 2 s at 5,000 pods, the same number of list calls at every size.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakekube import FakeKube, large_namespace  # noqa: E402
from tests.live.support import EXAMPLE, live_registry  # noqa: E402
from tiketi_doctor.catalogue import find_catalogue  # noqa: E402
from tiketi_doctor.cluster.runner import LiveOptions, run_live  # noqa: E402
from tiketi_doctor.model import Report  # noqa: E402

TARGET_SECONDS = 2.0


def measure(pods: int, repeat: int) -> dict:
    catalogue = find_catalogue(EXAMPLE)
    checks = live_registry().runnable(live=True)
    times, findings, calls = [], 0, Counter()
    with FakeKube(large_namespace(pods, deployments=max(1, pods // 20))) as kube, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = kube.write_kubeconfig(Path(tmp) / "config", namespace="tiketi")
        options = LiveOptions(kubeconfig=str(kubeconfig), port_forward=False)
        for _ in range(repeat):
            kube.reset_requests()
            report = Report(str(EXAMPLE), catalogue.source, [], [])
            started = time.perf_counter()
            outcome = run_live(report, EXAMPLE, catalogue, checks, options)
            times.append(time.perf_counter() - started)
            assert outcome.ran, outcome.summary()
            findings = len(report.findings)
            calls = Counter(f"{r.verb or r.method.lower()} {r.resource_path}" for r in kube.requests)
        failing = sum(1 for p in kube.list("pods") for c in p["status"].get("containerStatuses", [])
                      if (c.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff")
    return {"pods": pods, "seconds": statistics.median(times), "best": min(times), "calls": calls, "findings": findings, "failing": failing}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    import kubernetes.client  # noqa: F401,E402  (paid once per process by every live command)
    print(f"import kubernetes.client: {time.perf_counter() - started:.2f} s (not counted below)\n")
    rows = [measure(n, args.repeat) for n in args.pods]
    kinds = sorted({k for row in rows for k in row["calls"]})
    header = ["pods", "failing containers", "live analysis (median)", "best", "findings"] + kinds
    table = [header] + [
        [str(r["pods"]), str(r["failing"]), f"{r['seconds']:.2f} s", f"{r['best']:.2f} s", str(r["findings"])]
        + [str(r["calls"].get(k, 0)) for k in kinds]
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print(" | ".join(cell.rjust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    lists = {sum(n for k, n in r["calls"].items() if k.startswith("list ")) for r in rows}
    slowest = max(r["seconds"] for r in rows)
    print(f"\nlist calls per run: {sorted(lists)} ({'constant' if len(lists) == 1 else 'NOT constant'}); "
          f"slowest median {slowest:.2f} s (target ≤ {TARGET_SECONDS:g} s: {'met' if slowest <= TARGET_SECONDS else 'MISSED'})")
    return 0 if len(lists) == 1 and slowest <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
