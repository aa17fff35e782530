"""`check --live` end to end: the report's broken state explained in one finding per crash, clean
degradation without a cluster (exit 4), `status`, and secrets masked in quoted logs."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tiketi_doctor.cli.check_cmd import CheckOptions, run_check
from tiketi_doctor.cli.live_cmd import EXIT_LIVE_SKIPPED, run_status
from tiketi_doctor.cluster.runner import LiveOptions
from tiketi_doctor.cluster.snapshot import RESOURCES

from .conftest import CASES, EXAMPLE
from .fakekube import FakeKube
from .live.support import live_registry


def _check(path: Path, tmp_path: Path, live: LiveOptions, fmt: str = "json", **extra):
    out = tmp_path / f"out.{fmt}"
    code = run_check(CheckOptions(path, formats=[fmt], outputs=[str(out)], live=live, **extra), registry=live_registry())
    return code, out.read_text()


def test_the_reports_broken_state_is_one_finding_per_crash(fake_kube, fake_kubeconfig, tmp_path):
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(fake_kubeconfig), port_forward=False))
    data = json.loads(text)
    assert code == 1
    crashes = {f["service"]: f for f in data["findings"] if f["code"] == "CL001"}
    assert sorted(crashes) == ["auth-service", "ticket-service"]
    auth, ticket = crashes["auth-service"], crashes["ticket-service"]
    # the symptom: what the pod shows
    assert "CrashLoopBackOff" in auth["evidence"]["symptom"] and auth["evidence"]["restarts"] == 5
    assert auth["evidence"]["last_termination"]["exit_code"] == 1
    assert auth["evidence"]["log_excerpt"][0] == "Error: Cannot find module 'google-auth-library'"
    # the cause: located at the static cause, with the Dockerfile line that omits the module
    assert (auth["location"]["path"], auth["location"]["line"]) == ("services/auth-service/src/routes/auth.js", 6)
    assert {"path": "services/auth-service/Dockerfile", "line": 9} in [{"path": r["path"], "line": r["line"]} for r in auth["related"]]
    assert "services/auth-service/Dockerfile:9 writes the image's package.json without it" in auth["message"]
    assert (ticket["location"]["path"], ticket["location"]["line"]) == ("services/ticket-service/src/server.js", 7)
    assert "Cannot find module '@socket.io/redis-adapter'" in ticket["message"]
    # the fix
    fix = auth["root_cause"].split(" Fix: ", 1)[1]
    assert "services/auth-service/package.json" in fix and "kind load docker-image" in fix
    assert auth["fix"]["diff"]  # the absorbed DEP001's planned fix comes along
    assert "kind load docker-image tiketi-auth-service:local --name tiketi-local" in auth["remediation"]
    # absorbed: DEP001 is not a second, unrelated line
    assert not [f for f in data["findings"] if f["code"] == "DEP001"]
    assert [a["code"] for a in auth["evidence"]["static_cause"]] == ["DEP001"]
    # the final pod table
    assert {p["name"].rsplit("-", 2)[0]: p["status"] for p in data["pods"]}["auth-service"] == "CrashLoopBackOff"
    assert fake_kube.calls(verb="list") == len(RESOURCES) and fake_kube.calls(resource="pods/log") == 2


def test_terminal_output_reads_as_one_block_per_crash(fake_kube, fake_kubeconfig, tmp_path):
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(fake_kubeconfig), port_forward=False), fmt="terminal",
                        select=["CL", "DEP001"])
    assert code == 1
    assert "CL001 services/auth-service/src/routes/auth.js:6:34" in text and "DEP001" not in text.split("why:")[0]
    assert "Cannot find module 'google-auth-library'" in text and "kind load docker-image" in text


def test_no_cluster_still_prints_the_static_findings(tmp_path, capsys):
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(tmp_path / "none")))
    data = json.loads(text)
    assert code == 1  # static findings decide
    assert any(f["code"] == "DEP001" for f in data["findings"])
    skipped = [r for r in data["runs"] if r["code"].startswith("CL")]
    assert skipped and all(r["status"] == "skipped" and r["reason"].startswith("no-config: no kubeconfig at") for r in skipped)
    assert "live checks skipped (no-config)" in capsys.readouterr().err


def test_the_live_part_uses_the_catalogue_the_static_part_found(tmp_path, monkeypatch):
    import tiketi_doctor.cli.check_cmd as check_cmd
    import tiketi_doctor.cli.live_cmd as live_cmd

    found = []
    real = check_cmd.find_catalogue
    for module in (check_cmd, live_cmd):
        monkeypatch.setattr(module, "find_catalogue", lambda *args: found.append(args) or real(*args))
    shop = EXAMPLE.parent / "shop"  # no catalogue file: discovered, once
    code, text = _check(shop, tmp_path, LiveOptions(kubeconfig=str(tmp_path / "none")))
    assert len(found) == 1 and code in (1, EXIT_LIVE_SKIPPED)
    assert any(r["code"].startswith("CL") for r in json.loads(text)["runs"])


def test_exit_4_when_only_the_live_part_failed(fake_kube, fake_kubeconfig, tmp_path, capsys):
    fake_kube.inject(403, resource="pods", verb="list")
    code, _ = _check(CASES / "_base", tmp_path, LiveOptions(kubeconfig=str(fake_kubeconfig), context="kind-tiketi-local", namespace="tiketi"))
    assert code == EXIT_LIVE_SKIPPED
    err = capsys.readouterr().err
    assert "live checks skipped (forbidden): cannot list pods in namespace tiketi: RBAC forbids 'list' on 'pods'" in err
    assert 'permission denied (403): pods is forbidden: User "kubernetes-admin"' in err  # the server's words too


def test_an_unreachable_cluster_is_exit_4_too(tmp_path):
    kube = FakeKube("healthy").start()
    path = kube.write_kubeconfig(tmp_path / "config")
    kube.stop()
    code, text = _check(CASES / "_base", tmp_path, LiveOptions(kubeconfig=str(path), context="kind-tiketi-local"))
    assert code == EXIT_LIVE_SKIPPED and json.loads(text)["findings"] == []


def test_a_malformed_base_url_is_a_usage_error(fake_kubeconfig, tmp_path):
    code = run_check(CheckOptions(EXAMPLE, formats=["json"], outputs=[str(tmp_path / "o.json")],
                                  live=LiveOptions(kubeconfig=str(fake_kubeconfig), base_urls=["backend=localhost"])), registry=live_registry())
    assert code == 2


def test_secrets_in_quoted_logs_are_masked(fake_kube, fake_kubeconfig, tmp_path):
    pod = fake_kube.pods("auth-service")[0]["metadata"]["name"]
    fake_kube.set_log(pod, "connecting to postgres://tiketi:hunter2@postgres-service:5432/tiketi\n"
                           "Error: connect ECONNREFUSED 10.96.45.12:5432 (JWT_SECRET=abc123)\n", previous=True)
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(fake_kubeconfig), port_forward=False), select=["CL001"])
    assert "hunter2" not in text and "abc123" not in text
    auth = next(f for f in json.loads(text)["findings"] if f["service"] == "auth-service")
    assert auth["evidence"]["log_excerpt"] == ["Error: connect ECONNREFUSED 10.96.45.12:5432 (JWT_SECRET=****)"]


def test_status_prints_the_pod_table(fake_kube, fake_kubeconfig):
    out = io.StringIO()
    code = run_status(EXAMPLE, None, LiveOptions(kubeconfig=str(fake_kubeconfig)), out)
    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[0] == "context kind-tiketi-local, namespace tiketi"
    assert lines[1].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    auth = next(line.split() for line in lines if line.startswith("auth-service-"))
    assert auth[1:4] == ["0/1", "CrashLoopBackOff", "5"]


def test_status_of_a_healthy_cluster_and_of_none(tmp_path):
    with FakeKube("healthy") as kube:
        path = kube.write_kubeconfig(tmp_path / "config")
        assert run_status(EXAMPLE, None, LiveOptions(kubeconfig=str(path)), io.StringIO()) == 0
    assert run_status(EXAMPLE, None, LiveOptions(kubeconfig=str(path), timeout=1), io.StringIO()) == EXIT_LIVE_SKIPPED


def test_the_live_family_imports_no_kubernetes():
    code = "import sys, checks.live, tiketi_doctor.cluster.runner\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'kubernetes'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("code", [f"CL{n:03d}" for n in range(1, 12)])
def test_explain_documents_every_live_check(code):
    check = live_registry().get(code)
    assert check is not None and check.live and check.summary.endswith(".")
    assert len(check.why) > 40 and check.example and check.fix


@pytest.mark.parametrize("body", [
    [1, 2, 3],  # not an object
    {"kind": "PodList", "items": "none"},  # items of the wrong type
    {"kind": "PodList", "items": [{"metadata": "x", "status": 7, "spec": []}]},  # pods of the wrong shape
])
def test_an_answer_of_the_wrong_shape_skips_the_live_part_and_keeps_the_static_report(fake_kube, fake_kubeconfig, tmp_path, capsys, body):
    fake_kube.inject(resource="pods", verb="list", body=body)
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(fake_kubeconfig), port_forward=False))
    assert code == 1  # the example's static errors, reported in full
    findings = json.loads(text)["findings"]
    assert {"DEP001", "PORT003", "GW001"} <= {f["code"] for f in findings}
    assert "live checks skipped (server-error): unexpected answer from" in capsys.readouterr().err


def test_a_kubeconfig_that_is_not_yaml_skips_the_live_part_with_the_reason(tmp_path, capsys):
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nclusters: [\n  - {name: a\n")
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(config)))
    assert code == 1 and json.loads(text)["findings"]
    assert f"live checks skipped (no-config): cannot read the kubeconfig {config}" in capsys.readouterr().err


def test_a_server_that_drips_its_answer_is_cut_off_by_the_live_deadline(fake_kube, fake_kubeconfig, tmp_path, capsys):
    import time

    fake_kube.inject(resource="pods", verb="list", trickle=0.25)  # headers at once, then a byte every quarter second
    started = time.monotonic()
    code, text = _check(EXAMPLE, tmp_path, LiveOptions(kubeconfig=str(fake_kubeconfig), port_forward=False, deadline=1.0))
    assert time.monotonic() - started < 15  # the per-read timeout (10 s) alone would wait for every byte
    assert code == 1 and json.loads(text)["findings"]  # the static report is whole
    assert "live checks skipped (timeout): the live phase used up its deadline of 1 s" in capsys.readouterr().err
