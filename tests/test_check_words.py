"""Every check owns its words: docs, symptom and fix title, over typed facts, next to its code."""
from __future__ import annotations

import dataclasses
import re

import pytest

from tiketi_doctor.check import WORD_FIELDS, Facts, dataclass_of, template_fields
from tiketi_doctor.registry import load_registry

from .conftest import ROOT

# Families whose checks do not own all their words yet (module of the CHECKS tuple). Shrinks to
# nothing: a family listed here that is converted fails test_pending_is_up_to_date.
PENDING: set[str] = set()


def _checks():
    return load_registry().checks


def _converted():
    return [c for c in _checks() if type(c).__module__ not in PENDING]


def _known_fields(check) -> set[str]:
    facts = dataclass_of(check.Facts)
    names = {f.name for f in dataclasses.fields(facts)}
    names |= {n for n in dir(facts) if isinstance(getattr(facts, n, None), property)}
    return names | {"service"}


@pytest.mark.parametrize("check", _converted(), ids=lambda c: c.code)
def test_a_converted_check_owns_every_word(check):
    missing = [f for f in WORD_FIELDS if not isinstance(getattr(check, f, None), str) or not getattr(check, f).strip()]
    assert missing == [], f"{check.code} lacks {missing}"
    assert check.Facts is not None and issubclass(check.Facts, Facts) and dataclasses.is_dataclass(dataclass_of(check.Facts)), check.code


@pytest.mark.parametrize("check", _converted(), ids=lambda c: c.code)
def test_symptom_and_fix_title_use_only_the_facts(check):
    templates = [v for n in dir(type(check)) if (n in ("symptom", "fix_title") or n.startswith("symptom_")) and isinstance(v := getattr(check, n), str)]
    for template in templates:
        unknown = template_fields(template) - _known_fields(check)
        assert unknown == set(), f"{check.code}: {template!r} uses {unknown}, which {check.Facts.__name__} does not have"


def test_pending_is_up_to_date():
    modules = {type(c).__module__ for c in _checks()}
    assert PENDING <= modules, f"not a check family any more: {PENDING - modules}"
    done = [m for m in sorted(PENDING) if all(
        all(isinstance(getattr(c, f, None), str) for f in WORD_FIELDS) and c.Facts is not None
        for c in _checks() if type(c).__module__ == m
    )]
    assert done == [], f"converted, remove from PENDING: {done}"


def test_reporters_name_no_converted_check():
    """A converted check's words live in its module and catalogue, not in a reporter."""
    codes = {c.code for c in _converted()}
    offenders = []
    for path in sorted((ROOT / "tiketi_doctor" / "reporters").rglob("*")):
        if path.suffix in (".py", ".j2"):
            for code in sorted(set(re.findall(r"\b[A-Z]{2,5}\d{3}\b", path.read_text(encoding="utf-8"))) & codes):
                offenders.append(f"{path.relative_to(ROOT)}: {code}")
    assert offenders == []


def test_facts_serialise_to_the_params_they_replace():
    """params() is what fingerprints and JSON use; from_params reads it back to equal facts."""
    from checks.ports import CollisionFacts, Place, PortFacts

    facts = PortFacts(3005, (Place("EXPOSE", 3002, "Dockerfile", 21, 8, None),))
    params = facts.params()
    assert params == {"expected": 3005, "places": [
        {"kind": "EXPOSE", "value": 3002, "path": "Dockerfile", "line": 21, "column": 8, "via_name": None}]}
    assert PortFacts.from_params(params) == facts
    assert CollisionFacts.from_params(CollisionFacts(3000, ("api", "web")).params()) == CollisionFacts(3000, ("api", "web"))
