"""Environment.services_selecting answers what comparing the labels with every Service's selector
answers, through an index by selector pair (one workload is not compared with every Service)."""
from __future__ import annotations

import itertools
import random

import yaml

from tiketi_doctor.analysis.environments import environments, selector_matches
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.parsing.templates import OpenDict, Unknown
from tiketi_doctor.repo import RepoView


def _services(rng: random.Random) -> list[dict]:
    docs = []
    for i in range(60):
        keys = rng.sample(["app", "tier", "team", "version"], rng.randint(0, 3))
        selector = {k: rng.choice(["a", "b", "c", 1, "1"]) for k in keys}
        spec = {"ports": [{"port": 80 + i}]}
        if selector or rng.random() < 0.5:
            spec["selector"] = selector
        if i % 17 == 0:
            spec["selector"] = {"matchLabels": {"app": "a"}}  # not a Service's shape: always a candidate
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}"}, "spec": spec})
    return docs


def test_the_index_answers_what_every_selector_answers(tmp_path):
    rng = random.Random(7)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "services.yaml").write_text(yaml.safe_dump_all(_services(rng)))
    ctx = ScanContext(RepoView(tmp_path), find_catalogue(tmp_path))
    (env,) = environments(ctx)
    services = env.of_kind("Service")
    label_sets = [{}, OpenDict(app="a"), {"app": Unknown("{{ .Values.app }}")}, {"tier": "b", "app": Unknown("{{ x }}")}]
    for keys in itertools.chain.from_iterable(itertools.combinations(["app", "tier", "team", "version", "other"], n) for n in range(1, 4)):
        for _ in range(4):
            label_sets.append({k: rng.choice(["a", "b", "c", 1, "1"]) for k in keys})
    asked = 0
    for labels in label_sets:
        expected = []
        for service in services:
            selector = service.get("spec", "selector")
            if isinstance(selector, dict) and selector:
                matched = selector_matches(selector, labels)
                if matched is not False:
                    expected.append((service.name, matched))
        assert [(s.name, m) for s, m in env.services_selecting(labels)] == expected, labels
        asked += bool(expected)
    assert asked > 20  # the labels did select something, often
