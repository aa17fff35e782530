"""The test tiers: the README's command is the fast tier .ci/run runs, and .ci/run runs every test."""
from __future__ import annotations

import itertools
import re

from .conftest import _TIERS, ROOT

_PYTEST_M = re.compile(r"""python3? -m pytest -q (?:-n auto )?-m "([^"]+)\"""")
_FAST = re.compile(r"""python3? (-m pytest -q (?:-n auto )?-m "[^"]+")""")


def _tiers_of_ci() -> list[str]:
    return _PYTEST_M.findall((ROOT / ".ci" / "run").read_text())


def _selects(expression: str, marks: dict[str, bool]) -> bool:
    assert re.fullmatch(r"[a-z_ ()]+", expression), expression
    return bool(eval(expression, {"__builtins__": {}}, marks))  # noqa: S307 (and/or/not over marker names)


def test_the_readme_command_is_the_first_tier_of_ci():
    (readme,) = _PYTEST_M.findall((ROOT / "README.md").read_text())
    assert _tiers_of_ci()[0] == readme
    assert readme == "not docker and not browser and not slow"
    # the same options too: the fast tier in parallel, one worker per core
    assert _FAST.search((ROOT / "README.md").read_text()).group(1) == _FAST.search((ROOT / ".ci" / "run").read_text()).group(1)
    assert "-n auto" in _FAST.search((ROOT / "README.md").read_text()).group(1)


def test_ci_runs_every_test_once():
    tiers = _tiers_of_ci()
    names = sorted(_TIERS)
    for values in itertools.product((False, True), repeat=len(names)):
        marks = dict(zip(names, values))
        running = [t for t in tiers if _selects(t, marks)]
        assert len(running) == 1, (marks, running)
