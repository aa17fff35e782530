"""How long discovery takes on generated monorepos without a catalogue (hundreds of manifests).

    python bench/discovery.py                # 50, 100, 200 and 400 services
    python bench/discovery.py --sizes 300

For each size: `discover()` alone (in process, the median of 3), then `tiketi-doctor check`
on the tree without its catalogue (discovery + checks) and with the generated one.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from generate import generate  # noqa: E402
from run import TOOL, run_measured, table  # noqa: E402

from tiketi_doctor.discovery import discover  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for n in args.sizes:
            with_catalogue = generate(Path(workdir) / f"with-{n}", n)
            without = generate(Path(workdir) / f"without-{n}", n)
            (without / "tiketi-doctor.yaml").unlink()
            walls = []
            for _ in range(3):
                started = time.perf_counter()
                found = discover(without)
                walls.append(time.perf_counter() - started)
            check_without, rss, _, out = run_measured([*TOOL, "check", str(without), "--format", "json"])
            check_with, _, _, _ = run_measured([*TOOL, "check", str(with_catalogue), "--format", "json"])
            rows.append([
                n, found.read["manifests"], len(found.components), f"{statistics.median(walls):.2f} s",
                f"{check_without:.2f} s", f"{check_with:.2f} s", f"{rss} MB", json.loads(out)["summary"]["total"],
            ])
    table(
        "Discovery on generated monorepos (no catalogue)",
        ["services", "manifests", "components", "discover()", "check, discovered", "check, with catalogue", "peak RSS", "findings"],
        rows,
    )


if __name__ == "__main__":
    main()
