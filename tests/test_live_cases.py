"""Every live check on its failing and passing cases (tests/live/<CODE>/<case>/case.yaml):
the fake API server in a scenario, the example repository, and only that check selected."""
from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import yaml

from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.cluster.runner import LiveOptions, run_live

from .fakekube import FakeKube, Scenario
from .fakekube.behaviour import Static
from .fakekube.podstate import ContainerState, PodState, Terminated
from .live.support import EXAMPLE, LIVE_CASES, Gateway, live_registry, static_report

CASES = sorted(p for p in LIVE_CASES.glob("CL*/*") if (p / "case.yaml").is_file())


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def scenario_of(case: Path, spec: dict) -> Scenario:
    scenario = Scenario.load(case / "scenario.yaml") if (case / "scenario.yaml").is_file() else Scenario.load(spec["scenario"])
    for name, state in (spec.get("states") or {}).items():
        containers = []
        for c in state["containers"]:
            c = dict(c)
            for key in ("last_terminated", "terminated"):
                if isinstance(c.get(key), dict):
                    c[key] = Terminated(**c[key])
            containers.append(ContainerState(**c))
        scenario.update(name, state=Static(PodState(containers=containers)))
    return scenario


def run_case(case: Path, tmp_path: Path):
    spec = yaml.safe_load((case / "case.yaml").read_text()) or {}
    code = case.parent.name
    report = static_report()
    before = {f.fingerprint: f.code for f in report.findings}
    catalogue = find_catalogue(EXAMPLE)
    gateway = Gateway(spec["gateway"]) if "gateway" in spec else None
    with FakeKube(scenario_of(case, spec)) as kube, (gateway or contextlib.nullcontext()):
        kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="tiketi")
        options = LiveOptions(kubeconfig=str(kubeconfig), port_forward=False, base_urls=[gateway.url] if gateway else [])
        outcome = run_live(report, EXAMPLE, catalogue, live_registry().runnable([code], live=True), options)
    return spec, code, report, before, outcome


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_live_case(case: Path, tmp_path: Path) -> None:
    spec, code, report, before, outcome = run_case(case, tmp_path)
    assert outcome.ran, outcome.summary()
    live = [f for f in report.findings if f.code == code]
    got = sorted((f.code, f.location.path, f.location.line, f.service) for f in live)
    want = sorted((i["code"], i["path"], i.get("line"), i.get("service")) for i in spec.get("findings") or [])
    assert got == want, "\n".join(f"{f.location}: {f.code} {f.message}" for f in live)
    text = " ".join(f"{f.message} {f.root_cause}" for f in live)
    for expected in spec.get("contains", []):
        assert expected in text, expected
    remaining = {f.fingerprint for f in report.findings}
    absorbed = sorted(c for fp, c in before.items() if fp not in remaining)
    assert absorbed == sorted(spec.get("absorbs", []))
    for finding in live:  # what a live finding always carries
        assert finding.evidence["symptom"] and finding.params["deployment"]
        assert finding.root_cause


def test_every_live_check_has_a_failing_and_a_passing_case() -> None:
    missing = []
    for check in live_registry().checks:
        if not check.live:
            continue
        names = [p.name for p in (LIVE_CASES / check.code).iterdir()] if (LIVE_CASES / check.code).is_dir() else []
        if not any(n.startswith("fail") for n in names) or not any(n.startswith("pass") for n in names):
            missing.append(check.code)
    assert missing == []
