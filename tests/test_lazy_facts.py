"""Facts classes (`@facts`) become frozen dataclasses when their first instance is made, however it
is made: a call, pickle (the run cache), copy, or rebuilding from `params` (JSON read back)."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Optional

import pytest

from tiketi_doctor.check import Facts, Span, dataclass_of, facts


_made = iter(range(10**6))


def _classes():
    """A fresh pair of facts classes (each test sees them before their first instance), at module
    level under new names so that pickle finds them."""

    @facts
    class Base(Facts):
        name: str
        ports: tuple[int, ...] = ()

    @facts
    class Derived(Base):
        span: Optional[Span] = None
        notes: list = dataclasses.field(default_factory=list)

    number = next(_made)
    for cls in (Base, Derived):
        cls.__qualname__ = cls.__name__ = f"{cls.__name__}{number}"
        globals()[cls.__name__] = cls
    return Base, Derived


def test_a_facts_class_is_a_frozen_dataclass_from_its_first_instance():
    base, derived = _classes()
    assert not dataclasses.is_dataclass(derived)  # nothing generated at import
    made = derived("api", (80,), Span("a.js", 3))
    assert dataclasses.is_dataclass(derived) and dataclasses.is_dataclass(base)
    assert made == derived(name="api", ports=(80,), span=Span("a.js", 3)) and made.notes == []
    assert repr(made).startswith(f"{derived.__name__}(name='api', ports=(80,)")  # the generated repr
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "other"
    assert made.params() == {"name": "api", "ports": [80], "span": {"path": "a.js", "line": 3, "column": None,
                             "end_line": None, "end_column": None, "text": None}, "notes": []}


@pytest.mark.parametrize("how", ["pickle", "copy", "from_params"])
def test_every_way_of_making_one_completes_the_class(how):
    _, derived = _classes()
    if how == "from_params":
        made = derived.from_params({"name": "api", "ports": [80], "span": {"path": "a.js", "line": 3}})
        assert made.span == Span("a.js", 3) and made.ports == (80,)
    else:
        # The original is made by hand (no __init__), as a class completed in another process is.
        raw = object.__new__(derived)
        raw.__dict__.update(name="api", ports=(80,), span=None, notes=[])
        made = pickle.loads(pickle.dumps(raw)) if how == "pickle" else copy.copy(raw)
        assert dataclasses.is_dataclass(derived)
    assert made.params()["name"] == "api"
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "other"


def test_dataclass_of_completes_a_class_without_an_instance():
    base, derived = _classes()
    assert [f.name for f in dataclasses.fields(dataclass_of(derived))] == ["name", "ports", "span", "notes"]
    assert dataclasses.is_dataclass(base)
