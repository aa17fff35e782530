"""Exit codes and small helpers shared by the commands."""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator, TextIO

from ..catalogue import CatalogueError
from ..i18n import Msg, localize

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """Bad options or inputs: exit 2 with the message."""


class InternalError(Exception):
    """tiketi-doctor itself is broken (a check family does not load): exit 3."""


def exit_for(exc: Exception, writing: str = "the output") -> int:
    """Say what went wrong in one line and give the exit code for it (no traceback for user errors)."""
    if isinstance(exc, UsageError):
        if str(exc):
            error(exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc))
        return EXIT_USAGE
    if isinstance(exc, InternalError):
        error(Msg("internal error: {reason}", reason=exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], str) else str(exc)))
        return EXIT_INTERNAL
    error(Msg("cannot write {path}: {reason}", path=str(getattr(exc, "filename", None) or writing),
              reason=str(getattr(exc, "strerror", None) or exc)))
    return EXIT_USAGE


_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_size(text: str) -> int:
    """`4MB`, `500kb`, `2MiB` or plain bytes -> bytes; ValueError for anything else."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match and _UNITS.get(match.group(2).lower())
    if not match or unit is None or float(match.group(1)) * unit < 1:
        raise ValueError(f"{text!r} is not a size (bytes, or a number with KB, MB, GB, KiB, MiB)")
    return int(float(match.group(1)) * unit)


def error(message: str) -> None:
    """`tiketi-doctor: message` on standard error, in the process's language (a `Msg` is translated)."""
    print(f"tiketi-doctor: {localize(message)}", file=sys.stderr)


def print_catalogue_error(exc: CatalogueError) -> None:
    count = len(exc.problems)
    error(Msg("invalid catalogue (1 problem):") if count == 1 else Msg("invalid catalogue ({count} problems):", count=count))
    for problem in exc.problems:
        print(f"  {localize(problem)}", file=sys.stderr)


def split_codes(values: list[str]) -> list[str]:
    return [token.strip().upper() for value in values for token in value.split(",") if token.strip()]


@contextlib.contextmanager
def write_output(path: Path | None) -> Iterator[TextIO]:
    """Standard output, or a file replaced atomically once rendering succeeded."""
    if path is None:
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
