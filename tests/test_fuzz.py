"""Seeded fuzzing of the examples: hostile and broken inputs never crash a check, never hang.

Each case mutates one YAML, JSON, Dockerfile, JavaScript or TypeScript file of a copy of an example
(truncation, binary bytes, BOMs, CRLF, anchors and aliases, alias bombs, self-referencing aliases,
Python tags, deep nesting, duplicate keys, spans spliced from another file...) and runs every
static check on it. A check that raises is a bug (its run is recorded as `error`), and so is a scan
over the time bound. A fuzz corpus is the `slow` tier: `-m slow` runs a sample of eight, `.ci/run`
runs several hundred (TIKETI_FUZZ_CASES).
"""
from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.engine import scan
from tiketi_doctor.model import RunStatus
from tiketi_doctor.registry import load_registry

from .conftest import ROOT

EXAMPLES = [ROOT / "examples" / "tiketi", ROOT / "examples" / "shop"]
SUFFIXES = (".yaml", ".yml", ".json", ".js", ".jsx", ".ts", ".tsx", ".mjs")
CASES = int(os.environ.get("TIKETI_FUZZ_CASES", "8"))
SECONDS = 20.0  # one scan of a small example, whatever the input


def _targets(example: Path) -> list[Path]:
    return sorted(p for p in example.rglob("*") if p.is_file() and (p.name.startswith("Dockerfile") or p.suffix in SUFFIXES))


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  " + "\n  ".join(lines) + "\n"


def _mutations(rng: random.Random, text: str, other: str) -> list:
    cut = rng.randrange(len(text) + 1) if text else 0
    span = rng.randrange(len(other) + 1) if other else 0
    return [
        lambda: text[:cut],  # truncated
        lambda: text[:cut] + "\x00\xff\xfe\x01" + text[cut:],  # binary bytes
        lambda: "\ufeff" + text,  # BOM
        lambda: text.replace("\n", "\r\n"),  # CRLF
        lambda: text[:cut] + other[span:span + rng.randrange(1, 400)] + text[cut:],  # a spliced span
        lambda: "x: &x {name: x, self: *x}\nmetadata: &m {name: m, self: *m}\n" + text,  # self-referencing aliases
        lambda: _alias_bomb(),  # billion laughs
        lambda: "!!python/object/apply:os.system ['echo pwned']\n" + text,  # a Python tag
        lambda: "[" * 50_000 + "]" * 50_000,  # deep nesting
        lambda: "kind: Service\nkind: Deployment\n" + text,  # duplicate keys
        lambda: "base: &base {PORT: '1'}\nmerged:\n  <<: *base\n  <<: [*base, *base]\n" + text,  # merge keys
        lambda: text * 3,  # the same document thrice
        lambda: text[:cut] + "\ud800" + text[cut:],  # a lone surrogate (written as replacement bytes)
        lambda: "\n".join(line[::-1] for line in text.splitlines()),  # reversed lines
        lambda: "",  # emptied
    ]


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", "surrogateescape") if "\ud800" not in text else text.encode("utf-8", "replace"))


@pytest.mark.slow  # a fuzz corpus: .ci/run's slow tier runs TIKETI_FUZZ_CASES of them
@pytest.mark.parametrize("seed", range(CASES))
def test_a_mutated_example_is_checked_without_a_crash_or_a_hang(seed, tmp_path):
    rng = random.Random(seed)
    example = EXAMPLES[seed % len(EXAMPLES)]
    repo = tmp_path / example.name
    shutil.copytree(example, repo)
    files = _targets(repo)
    target, donor = rng.choice(files), rng.choice(files)
    text = target.read_text(encoding="utf-8", errors="replace")
    mutate = rng.choice(_mutations(rng, text, donor.read_text(encoding="utf-8", errors="replace")))
    _write(target, mutate())
    where = f"{target.relative_to(repo)} (seed {seed})"
    outcome = _scan_in_a_child(repo)
    assert outcome is not None, f"{where}: no result within {SECONDS:.0f} s and {MEMORY >> 20} MB"
    kind, detail = outcome
    assert kind == "ok", f"{where}: {detail}"
    assert not detail, f"{where}: checks raised: {detail}"


MEMORY = 2 << 30  # address space of the child: an alias bomb must not take the machine with it


def _scan_in_a_child(repo: Path):
    """Scan in a forked child (the parent's imports are already loaded) with a memory limit and a
    deadline: a hang or a blow-up fails the case instead of the test run. ("ok", [errored runs])
    or ("raised", traceback), or None when it did not finish."""
    import multiprocessing
    import resource
    import traceback

    def child(conn):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        try:
            report = scan(repo, find_catalogue(repo), load_registry().runnable())
            conn.send(("ok", [f"{r.code} on {r.subject}: {r.reason}" for r in report.runs if r.status == RunStatus.ERROR]))
        except BaseException:
            conn.send(("raised", traceback.format_exc()[-2000:]))
        finally:
            conn.close()

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=child, args=(send,))
    process.start()
    send.close()
    started = time.monotonic()
    try:
        if receive.poll(SECONDS):
            return receive.recv()
        return None
    except EOFError:  # the child died (killed by the memory limit, a signal...)
        return ("raised", f"the scan died with exit code {process.exitcode} after {time.monotonic() - started:.1f} s")
    finally:
        process.kill()
        process.join()
