"""The troubleshooting report on examples/tiketi: the source report's six problems, in English and Korean."""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tiketi_doctor.cli.main import app

from .conftest import EXAMPLE

runner = CliRunner()

# (title, codes its root cause must show, a redeploy command it must list or None for docs) per problem.
SIX_PROBLEMS = {
    "en": [
        ("auth-service crashes at start (CrashLoopBackOff)", {"DEP001", "PORT002"}, "docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile ."),
        ("ticket-service crashes at start (CrashLoopBackOff)", {"DEP001", "PORT002", "PORT003"}, "kubectl apply -f k8s/07-ticket-service.yaml"),
        ("Requests for stats-service fail at the gateway", {"GW001"}, "kubectl rollout restart deployment/backend -n tiketi"),
        ("Requests for payment-service fail at the gateway", {"GW001"}, "docker build -t tiketi-backend:local -f backend/Dockerfile ."),
        ("frontend: a feature is unreachable from the UI", {"UI001"}, "kind load docker-image tiketi-frontend:local --name tiketi-local"),
        ("Setup guides and scripts disagree with the system", {"PORT005"}, None),
    ],
    "ko": [
        ("auth-service 시작 시 크래시 (CrashLoopBackOff)", {"DEP001", "PORT002"}, "docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile ."),
        ("ticket-service 시작 시 크래시 (CrashLoopBackOff)", {"DEP001", "PORT002", "PORT003"}, "kubectl apply -f k8s/07-ticket-service.yaml"),
        ("게이트웨이에서 stats-service 요청 실패", {"GW001"}, "kubectl rollout restart deployment/backend -n tiketi"),
        ("게이트웨이에서 payment-service 요청 실패", {"GW001"}, "docker build -t tiketi-backend:local -f backend/Dockerfile ."),
        ("frontend: UI에서 접근할 수 없는 기능", {"UI001"}, "kind load docker-image tiketi-frontend:local --name tiketi-local"),
        ("설치 가이드와 스크립트가 실제 시스템과 불일치", {"PORT005"}, None),
    ],
}
HEADINGS = {
    "en": ("## Summary", "### Symptom", "### Root cause", "### Fix", "### Redeploy", "### Verification", "## Lessons learned", "Commands to run:", "No redeploy needed"),
    "ko": ("## 요약", "### 증상", "### 근본 원인", "### 수정", "### 재배포", "### 검증", "## 교훈", "실행할 명령:", "재배포가 필요 없습니다"),
}


def _sections(markdown: str) -> dict[str, str]:
    """Problem title -> its section, split at the anchors the report writes."""
    sections = {}
    for part in re.split(r'<a id="problem-\d+"></a>\n', markdown)[1:]:
        heading, body = part.split("\n", 1)
        sections[re.match(r"## \d+\. (.+)", heading).group(1)] = body.split("\n## ", 1)[0]  # up to the pod table
    return sections


@pytest.fixture(scope="module", params=["en", "ko"])
def report(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / f"tiketi.{request.param}.md"
    result = runner.invoke(app, ["report", str(EXAMPLE), "--output", str(out), "--lang", request.param])
    assert result.exit_code == 0, result.output
    return request.param, out.read_text(encoding="utf-8")


def test_the_six_problems_are_in_the_summary_table(report):
    lang, markdown = report
    rows = re.findall(r"^\| (\d+) \| (P\d) \| \[(.+?)\]\(#problem-\1\) \| (.+?) \| (.+?) \|$", markdown, re.MULTILINE)
    titles = [row[2] for row in rows]
    for title, _, _ in SIX_PROBLEMS[lang]:
        assert title in titles, f"{title!r} not in the summary table {titles}"
    priorities = {row[2]: row[1] for row in rows}
    assert priorities[SIX_PROBLEMS[lang][0][0]] == priorities[SIX_PROBLEMS[lang][1][0]] == "P0"
    assert priorities[SIX_PROBLEMS[lang][2][0]] == priorities[SIX_PROBLEMS[lang][3][0]] == "P1"
    open_word = "open" if lang == "en" else "미해결"
    assert all(row[4] == open_word for row in rows)


def test_each_problem_has_cause_fix_and_commands(report):
    lang, markdown = report
    sections = _sections(markdown)
    heading = HEADINGS[lang]
    for title, codes, command in SIX_PROBLEMS[lang]:
        section = sections[title]
        for part in heading[1:6]:
            assert part in section, f"{title}: no {part}"
        shown = set(re.findall(r"^- \*\*([A-Z]+\d{3})\*\* ", section.split(heading[2], 1)[1], re.MULTILINE))
        assert codes <= shown, f"{title}: root cause shows {shown}"
        assert re.search(r"^\s+\d+ > ", section, re.MULTILINE), f"{title}: no file:line excerpt"
        fix = section.split(heading[3], 1)[1].split(heading[4], 1)[0]
        assert "```diff" in fix or any(f"- **{code}**:" in fix for code in codes), f"{title}: no fix"
        redeploy = section.split(heading[4], 1)[1]
        if command is None:
            assert heading[8] in redeploy
        else:
            assert heading[7] in redeploy and command in redeploy, f"{title}: no {command!r}"


def test_symptoms_say_what_a_person_sees(report):
    lang, markdown = report
    # The log line a person will see, as code (DEP001's own symptom template).
    assert "CrashLoopBackOff: `Error: Cannot find module 'google-auth-library'`" in markdown
    assert "CrashLoopBackOff: `Error: Cannot find module '@socket.io/redis-adapter'`" in markdown
    assert "GET /api/stats/overview → " in markdown
    assert "POST /api/payments/" in markdown


def test_lessons_come_from_the_checks_documentation(report):
    lang, markdown = report
    lessons = markdown.split(HEADINGS[lang][6], 1)[1]
    assert "**DEP001 module-missing-in-image**" in lessons and "**GW001 frontend-call-not-routed**" in lessons
    assert ("Node resolves require() at start-up" if lang == "en" else "Node는 시작할 때 require()를 해석합니다") in lessons


def test_korean_report_translates_its_texts_and_the_messages(tmp_path):
    result = runner.invoke(app, ["report", str(EXAMPLE), "--lang", "ko"])
    assert result.exit_code == 0, result.output
    markdown = result.stdout
    assert markdown.startswith("# TIKETI 트러블슈팅 보고서\n")
    for english in ("## Summary", "### Root cause", "Commands to run", "Lessons learned", "| open |"):
        assert english not in markdown
    # The checks' messages are translated from their own catalogue; names and code stay as written.
    assert "auth-service는 'google-auth-library'을(를) require하지만 이미지가 설치하지 않습니다" in markdown
