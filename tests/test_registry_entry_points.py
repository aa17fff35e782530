"""The registry reads entry points from the installed distributions' entry_points.txt; the values,
and their order, are what importlib.metadata gives."""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from tiketi_doctor.registry import GROUP, _group_values, entry_point_values


@pytest.mark.parametrize("group", [GROUP, "console_scripts", "pytest11", "no.such.group"])
def test_values_match_importlib_metadata(group):
    assert entry_point_values(group) == [ep.value for ep in entry_points(group=group)]


def test_the_check_families_are_found():
    assert "checks.dependencies" in entry_point_values(GROUP)


def test_entry_points_txt_sections():
    text = "[console_scripts]\ntool = pkg.cli:run\n\n# a comment\n[tiketi_doctor.checks]\nmine = my.checks\nother=more.checks \n"
    assert _group_values(text, "tiketi_doctor.checks") == ["my.checks", "more.checks"]
    assert _group_values(text, "absent") == []
    assert _group_values("[g]\nnot an entry point\n", "g") is None  # left to importlib.metadata
