"""The floor: read and parse the files tiketi-doctor reads, with the same parsers, and nothing else.

Run as a separate process, like the tool, so start-up and imports count on both sides.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

started = time.perf_counter()

from tiketi_doctor.parsing.dockerfile import parse_dockerfile  # noqa: E402
from tiketi_doctor.parsing.javascript import parse_javascript  # noqa: E402
from tiketi_doctor.parsing.yamldoc import parse_yaml_documents  # noqa: E402

SKIP = {"node_modules", ".git"}


def main(root: Path) -> None:
    counts = {"js": 0, "yaml": 0, "json": 0, "dockerfile": 0, "other": 0}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP]
        for name in filenames:
            path = Path(dirpath) / name
            text = path.read_text(encoding="utf-8", errors="replace")
            if name.endswith((".js", ".jsx", ".mjs", ".cjs")):
                parse_javascript(text, name)
                counts["js"] += 1
            elif name.endswith((".yaml", ".yml")):
                parse_yaml_documents(text)
                counts["yaml"] += 1
            elif name.endswith(".json"):
                json.loads(text)
                counts["json"] += 1
            elif name == "Dockerfile":
                parse_dockerfile(text, name)
                counts["dockerfile"] += 1
            else:
                counts["other"] += 1
    print(json.dumps({"files": counts, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
