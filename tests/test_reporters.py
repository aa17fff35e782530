"""Every output format on one report that holds all the evidence a heal can attach.

The report is built by hand because live evidence (pods, logs, HTTP statuses) and fixes come from
other commands; it proves each section renders when its data exists.
"""
from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tiketi_doctor.model import (
    CheckRun,
    CommandRecord,
    Finding,
    FindingStatus,
    Fix,
    Location,
    PodRow,
    Report,
    RunStatus,
    Safety,
    Severity,
    Suppression,
    TextEdit,
)
from tiketi_doctor.reporters import FORMATS, render
from tiketi_doctor.reporters.checkdocs import DOCS_FOLDER, check_docs, docs_base_url, page_url

from .conftest import ROOT

SCHEMA = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl"
DOCKERFILE = """FROM node:20-alpine
WORKDIR /app
RUN printf '{"name":"auth-service","dependencies":{"express":"^4.21.2"}}' > package.json \\
    && npm install --omit=dev
COPY services/auth-service/src ./src
EXPOSE 3005
"""
SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: tiketi-secret
stringData:
  DB_PASSWORD: "hunter2-db"
  JWT_SECRET: "jwt-signing-key"
"""
DIFF = """--- a/services/auth-service/Dockerfile
+++ b/services/auth-service/Dockerfile
@@ -3,2 +3,2 @@
-RUN printf '{"name":"auth-service","dependencies":{"express":"^4.21.2"}}' > package.json \\
-    && npm install --omit=dev
+COPY services/auth-service/package*.json ./
+RUN npm ci --omit=dev
"""


def build_report(root: Path) -> Report:
    """auth-service crashed and was healed; the stats route was fixed but not verified; a secret leaks in a log."""
    (root / "services" / "auth-service").mkdir(parents=True)
    (root / "services" / "auth-service" / "Dockerfile").write_text(DOCKERFILE)
    (root / "k8s").mkdir()
    (root / "k8s" / "02-secret.yaml").write_text(SECRET)
    dockerfile = "services/auth-service/Dockerfile"
    fix = Fix(
        title="Copy package.json into the image and install from it",
        edits=(
            TextEdit(dockerfile, (3, 1), (4, 29), "COPY services/auth-service/package*.json ./\nRUN npm ci --omit=dev", old_text="RUN printf ..."),
        ),
        safety=Safety.SAFE,
        diff=DIFF,
    )
    crash = Finding(
        code="DEP001",
        name="module-missing-in-image",
        severity=Severity.ERROR,
        message="auth-service requires 'google-auth-library' but its image will not install it",
        location=Location(dockerfile, 3, 1),
        service="auth-service",
        related=[Location("k8s/02-secret.yaml", 6, 3, label="DB_PASSWORD: hunter2-db")],
        evidence={
            "module": "google-auth-library",
            "pod_status": ["auth-service-6f7c9d8b5-kx2lp   0/1   CrashLoopBackOff   5 (40s ago)   4m"],
            "log_excerpt": [
                "Error: Cannot find module 'google-auth-library'",
                "Require stack:",
                f"request headers: Authorization: Bearer {JWT}",
            ],
        },
        root_cause="The inline package.json does not list google-auth-library.",
        params={"module": "google-auth-library"},
        remediation=[
            "docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile .",
            "kind load docker-image tiketi-auth-service:local --name tiketi-local",
            "kubectl rollout restart deployment/auth-service -n tiketi",
        ],
        fix=fix,
        status=FindingStatus.VERIFIED,
        verification="auth-service-7d9f8c6b4-q2w3e 1/1 Running; GET /health → 200",
    )
    route = Finding(
        code="GW001",
        name="frontend-call-not-routed",
        severity=Severity.ERROR,
        message="GET /api/stats/overview has no gateway route",
        location=Location("frontend/src/pages/AdminStats.js", 16, 7),
        service="backend",
        evidence={"owner": "stats-service", "http": {"method": "GET", "url": "http://localhost:3001/api/stats/overview", "status": 404}},
        status=FindingStatus.FIXED,
    )
    hidden = Finding(
        code="DEP005",
        name="generated-package-json",
        severity=Severity.WARNING,
        message="services/payment-service/Dockerfile writes its own package.json",
        location=Location("services/payment-service/Dockerfile", 9, 1),
        service="payment-service",
        suppression=Suppression("inline", "kept until the base-image migration", Location("services/payment-service/Dockerfile", 8, 1)),
    )
    refused = Finding(
        code="PORT005",
        name="port-forward-mismatch",
        severity=Severity.ERROR,
        message="QUICK_START.md forwards to port 80; the frontend Service serves 3000",
        location=Location("QUICK_START.md", 35, 58),
        service="frontend",
        suppression=Suppression("catalogue", "guide rewrite pending", Location("tiketi-doctor.yaml", 12), accepted=False),
    )
    return Report(
        root=str(root),
        catalogue="tiketi-doctor.yaml",
        findings=[crash, route, refused],
        runs=[
            CheckRun("DEP001", "auth-service", RunStatus.FAILED, 0.01, 1),
            CheckRun("DEP001", "ticket-service", RunStatus.PASSED, 0.01),
            CheckRun("DEP005", "payment-service", RunStatus.FAILED, 0.01, 1),
            CheckRun("GW001", "repository", RunStatus.FAILED, 0.02, 1),
            CheckRun("PORT005", "repository", RunStatus.FAILED, 0.01, 1),
            CheckRun("PORT001", "stats-service", RunStatus.UNKNOWN, 0.0, reason="services/stats-service/src/server.js: no listen()"),
            CheckRun("PORT002", "auth-service", RunStatus.ERROR, 0.0, reason="RuntimeError: boom"),
        ],
        suppressed=[hidden],
        baseline_resolved=[{"fingerprint": "0123456789abcdef", "code": "PORT003", "path": "k8s/07-ticket-service.yaml", "message": "old port"}],
        pods=[
            PodRow("auth-service-7d9f8c6b4-q2w3e", "1/1", "Running", 0, "2m", "auth-service"),
            PodRow("ticket-service-5c8d7b9f6-z9x8c", "0/1", "CrashLoopBackOff", 7, "15m", "ticket-service"),
        ],
        commands=[
            CommandRecord("docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile .", 0, "auth-service"),
            CommandRecord("kind load docker-image tiketi-auth-service:local --name tiketi-local", 0, "auth-service"),
            CommandRecord("kubectl rollout restart deployment/auth-service -n tiketi", 1, "auth-service", output=f"error: token {JWT} rejected"),
        ],
    )


@pytest.fixture
def report(tmp_path) -> Report:
    return build_report(tmp_path / "repo")


def rendered(name: str, report: Report, lang: str = "en") -> str:
    out = io.StringIO()
    render(name, report, out, lang=lang)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_no_format_prints_a_secret(report, name):
    text = rendered(name, report)
    for secret in ("hunter2-db", "jwt-signing-key", JWT, JWT.split(".")[1]):
        assert secret not in text, f"{name} prints {secret}"


# -- Markdown and HTML ----------------------------------------------------------------------


def test_markdown_shows_live_evidence_fix_commands_and_verification(report):
    md = rendered("markdown", report)
    assert "| 1 | P0 | [auth-service crashes at start (CrashLoopBackOff)](#problem-1) | CrashLoopBackOff: Error: Cannot find module 'google-auth-library' | verified |" in md
    assert "| 2 | P1 | [Requests for stats-service fail at the gateway](#problem-2) | GET http://localhost:3001/api/stats/overview → 404 | fixed |" in md
    assert "auth-service-6f7c9d8b5-kx2lp   0/1   CrashLoopBackOff   5 (40s ago)   4m" in md
    assert "Log excerpt:\n\n```text\nError: Cannot find module 'google-auth-library'\nRequire stack:\nrequest headers: Authorization: Bearer ****\n```" in md
    assert "**Copy package.json into the image and install from it** (safety: safe)\n\n```diff\n" + DIFF in md
    assert "Commands run:" in md
    assert "docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile .  # exit 0" in md
    assert "kubectl rollout restart deployment/auth-service -n tiketi  # exit 1" in md
    assert "error: token **** rejected" in md
    assert "Verified.\n- auth-service-7d9f8c6b4-q2w3e 1/1 Running; GET /health → 200" in md
    assert "Fixed, not verified yet" in md
    assert "| ticket-service-5c8d7b9f6-z9x8c | 0/1 | CrashLoopBackOff | 7 | 15m |" in md


def test_markdown_root_cause_has_masked_file_excerpts(report):
    md = rendered("markdown", report)
    assert "     3 > RUN printf '{\"name\":\"auth-service\"" in md
    assert "     6 >   DB_PASSWORD: ****" in md  # the related Secret line, masked in the excerpt
    assert "`k8s/02-secret.yaml:6:3  DB_PASSWORD: ****`" in md


def test_markdown_appendix_lists_suppressed_refused_resolved_and_failed_checks(report):
    md = rendered("markdown", report)
    appendix = md.split("## Appendix", 1)[1]
    assert "| **DEP005** services/payment-service/Dockerfile writes its own package.json | `services/payment-service/Dockerfile:9:1` | inline (`services/payment-service/Dockerfile:8:1`) | kept until the base-image migration |" in appendix
    assert "### Ignores refused by --strict" in appendix and "guide rewrite pending" in appendix
    assert "- PORT003 k8s/07-ticket-service.yaml: old port" in appendix
    assert "- PORT001 on stats-service: services/stats-service/src/server.js: no listen()" in appendix
    assert "- PORT002 on auth-service: RuntimeError: boom" in appendix
    assert "1 more findings are suppressed" in md and "--strict refused 1 ignores" in md


def test_korean_status_words_and_headings(report):
    md = rendered("markdown", report, lang="ko")
    assert "| 검증됨 |" in md and "| 수정됨 |" in md and "| 미해결 |" in md
    assert "### 근본 원인" in md and "실행한 명령:" in md and "## 파드 상태" in md and "종료 코드 1" in md


def test_html_is_self_contained_and_escaped(report):
    report.findings[1].message = "<Link to=\"/news\"> & friends"
    html = rendered("html", report)
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    # Nothing is loaded from elsewhere: no external src, no <link> (stylesheets, icons); the only
    # external addresses are the navigation links of finding codes to their check's page.
    assert not re.search(r"""src=["'](https?:)?//""", html) and "<link" not in html, "no external resource"
    external = re.findall(r"""<a [^>]*href=["']((?:https?:)?//[^"']*)["']""", html)
    assert external and set(external) <= {page_url(code) for code in check_docs()}
    assert len(external) == len(re.findall(r"""href=["'](?:https?:)?//""", html))
    assert "<script" not in html
    assert "&lt;Link to=&#34;/news&#34;&gt; &amp; friends" in html
    assert '<table class="summary">' in html and 'data-code="DEP001"' in html
    assert '<span class="add">+COPY services/auth-service/package*.json ./</span>' in html
    assert '<td class="bad">CrashLoopBackOff</td>' in html and '<td class="ok">Running</td>' in html
    assert 'lang="ko"' in rendered("html", report, lang="ko")


def test_markdown_escapes_html_and_pipes(report):
    report.findings[1].message = "<Link to=\"/news\"> | `<code>` kept"
    md = rendered("markdown", report)
    assert "&lt;Link to=\"/news\"&gt; | `<code>` kept" in md


def test_report_of_a_clean_repository(tmp_path):
    md = rendered("markdown", Report(root=str(tmp_path), catalogue="x", findings=[], runs=[]))
    assert "No problems found: every check passed." in md and "| # |" not in md


# -- SARIF ----------------------------------------------------------------------------------


def _sarif(report: Report) -> dict:
    return json.loads(rendered("sarif", report))


def _validator():
    if not SCHEMA.is_file():
        pytest.skip(f"the SARIF 2.1.0 schema is not at {SCHEMA} (shared/data beside the repository)")
    from jsonschema import Draft7Validator

    return Draft7Validator(json.loads(SCHEMA.read_text()))


def test_sarif_validates_against_the_schema(report):
    errors = sorted(_validator().iter_errors(_sarif(report)), key=str)
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_sarif_rules_link_to_their_generated_page(report):
    rules = _sarif(report)["runs"][0]["tool"]["driver"]["rules"]
    base = docs_base_url()
    assert base.startswith("https://") and base.endswith("/")
    for rule in rules:
        assert rule["helpUri"].startswith(base), rule["id"]
        page = ROOT / DOCS_FOLDER / rule["helpUri"].removeprefix(base)
        assert page.is_file(), f"{rule['id']}: {page} (regenerate with `tiketi-doctor checks docs --output docs/checks`)"
        assert page.read_text(encoding="utf-8").startswith(f"# {rule['id']} {rule['name']}\n")


def test_html_report_links_each_finding_code_to_its_page(report):
    html = rendered("html", report)
    for finding in report.findings + report.suppressed:
        assert f'<a class="check-doc" href="{page_url(finding.code)}">{finding.code}</a>' in html, finding.code


def test_sarif_has_one_rule_per_check_with_help(report):
    run = _sarif(report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert set(check_docs()) <= set(ids)
    dep001 = rules[ids.index("DEP001")]
    assert dep001["name"] == "module-missing-in-image"
    assert dep001["defaultConfiguration"]["level"] == "error"
    assert "How to fix:" in dep001["help"]["text"] and "**How to fix:**" in dep001["help"]["markdown"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results_locations_fixes_and_suppressions(report):
    results = {r["ruleId"]: r for r in _sarif(report)["runs"][0]["results"]}
    crash = results["DEP001"]
    assert crash["level"] == "error"
    assert crash["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "services/auth-service/Dockerfile", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 1},
    }
    assert crash["relatedLocations"][0]["message"]["text"] == "DB_PASSWORD: ****"
    assert crash["fixes"] == [
        {
            "description": {"text": "Copy package.json into the image and install from it"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "services/auth-service/Dockerfile", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {"startLine": 3, "startColumn": 1, "endLine": 4, "endColumn": 29},
                            "insertedContent": {"text": "COPY services/auth-service/package*.json ./\nRUN npm ci --omit=dev"},
                        }
                    ],
                }
            ],
            "properties": {"safety": "safe"},
        }
    ]
    assert crash["partialFingerprints"] == {"tiketiDoctor/v1": report.findings[0].fingerprint}
    assert crash["properties"]["priority"] == "P0" and crash["properties"]["status"] == "verified"
    assert results["DEP005"]["suppressions"][0]["kind"] == "inSource"
    assert results["DEP005"]["suppressions"][0]["status"] == "accepted"
    assert results["PORT005"]["suppressions"][0] == {
        "kind": "external",
        "status": "rejected",
        "justification": "guide rewrite pending",
        "properties": {"source": "catalogue"},
        "location": {"physicalLocation": {"artifactLocation": {"uri": "tiketi-doctor.yaml", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 12}}},
    }
    assert {r["baselineState"] for r in results.values()} == {"new"}


def test_sarif_reports_failed_checks_as_notifications(report):
    invocation = _sarif(report)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = {n["descriptor"]["id"]: n["level"] for n in invocation["toolExecutionNotifications"]}
    assert levels == {"PORT002": "error", "PORT001": "note"}


def test_sarif_of_the_example_validates(tmp_path):
    from typer.testing import CliRunner

    from tiketi_doctor.cli.main import app

    from .conftest import EXAMPLE

    validator = _validator()
    out = tmp_path / "tiketi.sarif"
    result = CliRunner().invoke(app, ["check", str(EXAMPLE), "-f", "sarif", "-o", str(out)])
    assert result.exit_code == 1, result.output
    sarif = json.loads(out.read_text())
    assert [e.message for e in validator.iter_errors(sarif)] == []
    codes = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert {"DEP001", "PORT002", "PORT003", "PORT005", "GW001", "UI001"} <= codes


# -- JUnit, GitHub, JSON --------------------------------------------------------------------


def test_junit_one_suite_per_check_one_case_per_run(report):
    root = ET.fromstring(rendered("junit", report))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["DEP001", "DEP005", "GW001", "PORT001", "PORT002", "PORT005"]
    dep001 = {c.get("name"): c for c in suites["DEP001"].findall("testcase")}
    assert dep001["auth-service"].find("failure").get("type") == "error"
    assert "services/auth-service/Dockerfile:3:1: error DEP001" in dep001["auth-service"].find("failure").text
    assert len(list(dep001["ticket-service"])) == 0  # passed
    assert "suppressed (inline: kept until the base-image migration)" == suites["DEP005"].find("testcase/skipped").get("message")
    assert suites["PORT001"].find("testcase/skipped").get("message").endswith("no listen()")
    assert suites["PORT002"].find("testcase/error").get("message") == "RuntimeError: boom"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("7", "3", "1", "2")


def test_github_annotations(report):
    lines = rendered("github", report).splitlines()
    assert lines[0].startswith("::error file=services/auth-service/Dockerfile,line=3,col=1,title=DEP001 module-missing-in-image::auth-service requires")
    assert "%0A%0AThe inline package.json" in lines[0]
    assert lines[2].startswith("::error file=QUICK_START.md,line=35,col=58,title=PORT005 port-forward-mismatch::")
    assert "::error title=tiketi-doctor%3A PORT002 failed internally::RuntimeError: boom" in lines
    assert lines[-1] == "::notice title=tiketi-doctor::tiketi-doctor: 3 errors, 0 warnings, 0 info; 1 suppressed; 1 baseline entries resolved"
    assert not any("DEP005" in line for line in lines)


def test_github_escapes_newlines_percent_and_property_separators():
    from tiketi_doctor.reporters.github import annotation

    finding = Finding("X001", Severity.WARNING, "50% done\nsecond line", Location("a,b:c.md", 2), name="n")
    assert annotation(finding) == "::warning file=a%2Cb%3Ac.md,line=2,title=X001 n::50%25 done%0Asecond line"


def test_json_shows_suppressed_findings_and_heal_data(report):
    data = json.loads(rendered("json", report))
    assert [f["code"] for f in data["suppressed"]] == ["DEP005"]
    assert data["suppressed"][0]["suppression"]["kind"] == "inline"
    assert data["summary"]["suppressed"] == 1 and data["summary"]["refused_suppressions"] == 1
    assert data["findings"][0]["status"] == "verified"
    assert data["pods"][1] == {"name": "ticket-service-5c8d7b9f6-z9x8c", "ready": "0/1", "status": "CrashLoopBackOff", "restarts": 7, "age": "15m", "service": "ticket-service"}
    assert data["commands"][2]["returncode"] == 1 and data["commands"][2]["output"] == "error: token **** rejected"
    assert data["findings"][0]["evidence"]["log_excerpt"][2] == "request headers: Authorization: Bearer ****"


def test_port002_symptom_names_what_is_wrong():
    from tiketi_doctor.model import Finding, Location, Severity
    from tiketi_doctor.reporters.triage import predicted_symptom

    def finding(*kinds):
        return Finding(
            "PORT002", Severity.ERROR, "m", Location("Dockerfile", 3), service="orders",
            evidence={"expected": 4002, "found": {"4003": []}},
            params={"expected": 4002, "places": [{"kind": k, "value": 4003} for k in kinds]},
        )

    assert "HEALTHCHECK probes port 4003" in predicted_symptom(finding("EXPOSE", "HEALTHCHECK"), "en")
    assert predicted_symptom(finding("EXPOSE"), "en").startswith("the image advertises port 4003")
    assert predicted_symptom(finding("ENV PORT"), "en") == "the container listens on 4003; callers use 4002"


def test_every_source_suffix_excerpt_gets_a_code_fence_language():
    from tiketi_doctor.parsing.javascript import SOURCE_SUFFIXES, grammar_of
    from tiketi_doctor.reporters.document import LANGUAGES

    assert all(suffix in LANGUAGES for suffix in SOURCE_SUFFIXES)
    assert all(LANGUAGES[s] == grammar_of(s) for s in SOURCE_SUFFIXES if grammar_of(s) != "javascript")
