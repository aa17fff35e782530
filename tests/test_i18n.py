"""gettext i18n: messages, catalogues, the language choice, and Korean output with no English left."""
from __future__ import annotations

import io
import json
import pickle
import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from tiketi_doctor import i18n, i18n_tools
from tiketi_doctor.cli.main import app
from tiketi_doctor.i18n import Joined, Msg, N_

from .conftest import ROOT
from .test_check_words import PENDING

EXAMPLE = ROOT / "examples" / "tiketi"
runner = CliRunner()


# --- messages -------------------------------------------------------------------------------


def test_a_message_is_its_english_text_and_renders_korean():
    count = Msg("{count} places", count=2)
    message = Msg("{path} gives {component} port {found} in {count} ({kinds}); the catalogue says {expected}{owner_note}",
                  path="Dockerfile", component="auth", found=3002, count=count, kinds=Joined([Msg("app default"), "EXPOSE"]),
                  expected=3005, owner_note="")
    assert isinstance(message, str)
    assert message == "Dockerfile gives auth port 3002 in 2 places (app default, EXPOSE); the catalogue says 3005"
    korean = message.render("ko")
    assert "2곳" in korean and "앱 기본값" in korean and "카탈로그" in korean
    assert message.render("en") == str(message)


def test_a_message_survives_pickle_and_json():
    message = Msg("{message} (the catalogue gives {port} to {owner})", message=Msg("1 place"), port=3000, owner="api")
    assert pickle.loads(pickle.dumps(message)).render("ko") == message.render("ko")
    back = Msg.from_data(json.loads(json.dumps(message.to_data())))
    assert back == message and back.render("ko") == message.render("ko")
    assert json.dumps({"m": message}) == json.dumps({"m": str(message)})


def test_an_unknown_message_falls_back_to_english():
    assert Msg("no such {thing} in any catalogue", thing="x").render("ko") == "no such x in any catalogue"
    assert N_("a {template}") == "a {template}"


@pytest.mark.parametrize("env, lang", [
    ({"LANG": "ko_KR.UTF-8"}, "ko"),
    ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
    ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),
    ({"LC_MESSAGES": "ko_KR", "LANG": "en_US"}, "ko"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({}, "en"),
])
def test_language_from_the_posix_locale(env, lang):
    assert i18n.language_from_env(env) == lang


def test_set_language_refuses_an_unknown_language():
    with pytest.raises(ValueError):
        i18n.set_language("xx")


# --- catalogues -------------------------------------------------------------------------------


PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "hello {name}"
msgstr "{name} 안녕"

#, fuzzy
msgid "fuzzy one"
msgstr "퍼지"

msgid "empty one"
msgstr ""
'''


def test_compiled_catalogue_and_stale_mo_fallback(tmp_path):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "demo.po"
    po.write_text(PO, encoding="utf-8")
    (mo,) = i18n_tools.compile_all(locale_dir=tmp_path)
    assert i18n._domain(folder, "demo") == {"hello {name}": "{name} 안녕"}  # read from the .mo, fuzzy and empty left out
    po.write_text(PO.replace("{name} 안녕", "{name} 반가워"), encoding="utf-8")
    import os

    os.utime(mo, (1, 1))  # the .mo is now older than the .po: the .po is read
    assert i18n._domain(folder, "demo") == {"hello {name}": "{name} 반가워"}


SOURCE = '''
from tiketi_doctor.i18n import Msg, N_
TABLE = {"a": N_("table entry {x}")}

class Base(Check):
    fix_title = "Set {thing}"
    def finding(self):
        return Msg("base message")

class One(Base):
    code = "ABC001"
    summary = "One."
    symptom = "it breaks"
    symptom_other = "it breaks otherwise"
    def run(self):
        return helper(), TABLE

class Two(Base):
    code = "ABC002"

def helper():
    return Msg("helper {x}", x=1)

FIXERS = {"ABC009": fixer}

def fixer():
    return Msg("fixer title")
'''


def test_extraction_finds_messages_and_the_codes_that_use_them():
    found = {message: codes for _, message, codes in i18n_tools.messages_of(SOURCE)}
    assert found == {
        "table entry {x}": ["ABC001"],
        "Set {thing}": ["ABC001", "ABC002"],
        "base message": ["ABC001", "ABC002"],
        "One.": ["ABC001"],
        "it breaks": ["ABC001"],
        "it breaks otherwise": ["ABC001"],
        "helper {x}": ["ABC001"],
        "fixer title": ["ABC009"],
    }


def test_extraction_refuses_an_f_string_template():
    with pytest.raises(SyntaxError, match="f-string"):
        i18n_tools.messages_of('x = 1\nMsg(f"port {x}")\n')


def test_the_extractor_is_a_babel_extraction_method():
    from babel.messages.extract import extract

    results = list(extract(i18n_tools.extract_words, io.BytesIO(SOURCE.encode())))
    assert ("One.", ["ABC001"]) in [(message, comments) for _, message, comments, _ in results]


def _domain_of(module: str) -> str:
    """checks.ports -> ports; checks.live.pods (a family split into a package) -> live."""
    return i18n_tools.PACKAGE if module.startswith("tiketi_doctor.") else module.split(".")[1]


def test_every_converted_message_has_a_korean_translation():
    """No missing, empty or fuzzy entry, and the same {fields} as the English (python -m tiketi_doctor.i18n_tools check)."""
    pending = {_domain_of(m) for m in PENDING if not m.startswith("tiketi_doctor.")}
    domains = [d for d in i18n_tools.domains() if d not in pending]
    assert i18n_tools.problems(domains) == []


def test_every_catalogue_entry_code_comment_names_real_checks():
    """`grep PORT001 tiketi_doctor/locale` finds the check's entries: the comments name codes that exist."""
    from tiketi_doctor.registry import load_registry

    codes = {c.code for c in load_registry().checks}
    text = (i18n.LOCALE_DIR / "ko" / "LC_MESSAGES" / "ports.po").read_text(encoding="utf-8")
    named = set(re.findall(r"^#\. (.+)$", text, re.M))
    assert {code for line in named for code in line.split()} <= codes
    assert "PORT001" in text and "PORT006" in text


# --- no English left in Korean output -----------------------------------------------------------


def english_runs(text: str, minimum: int = 4) -> list[str]:
    """Runs of `minimum` or more plain English words, outside code spans, quotes, paths and identifiers."""
    text = re.sub(r"`[^`\n]*`", " ¦ ", text)
    text = re.sub(r"'[^'\n]*'|\"[^\"\n]*\"|“[^”\n]*”", " ¦ ", text)
    runs, current = [], []
    for token in text.split():
        core = token.strip("()[]{},.;:!?…—–→*|#>=+")
        if re.fullmatch(r"[A-Za-z]+", core) and not core.isupper() and not re.search(r"[a-z][A-Z]", core):  # not FOO, not camelCase
            current.append(core)
            continue
        if len(current) >= minimum:
            runs.append(" ".join(current))
        current = []
    if len(current) >= minimum:
        runs.append(" ".join(current))
    return runs


class _Text(HTMLParser):
    """The visible text of an HTML document outside code, pre, style and script."""

    SKIP = {"code", "pre", "style", "script", "kbd", "samp"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1
        if tag in ("p", "li", "td", "th", "h1", "h2", "h3", "div", "section", "tr"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def markdown_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return html_text(MarkdownIt("commonmark").enable("table").render(markdown))


def _converted_codes() -> list[str]:
    from tiketi_doctor.registry import load_registry

    return sorted({c.code for c in load_registry().checks if type(c).__module__ not in PENDING})


def test_the_scanner_sees_english_and_not_code():
    assert english_runs("포트가 다릅니다: the app listens on 3002") == ["the app listens on"]
    assert english_runs("`kubectl port-forward svc/a 3000:80` 실패, 'Cannot find module x' 로그") == []
    assert english_runs("services/auth-service/Dockerfile:21 EXPOSE HEALTHCHECK 포트") == []


@pytest.mark.parametrize("suffix", ["md", "html"])
def test_korean_report_has_no_english_sentence(tmp_path, suffix):
    out = tmp_path / f"r.{suffix}"
    args = ["report", str(EXAMPLE), "--lang", "ko", "-o", str(out)]
    for code in _converted_codes():
        args += ["--select", code]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    body = out.read_text(encoding="utf-8")
    text = html_text(body) if suffix == "html" else markdown_text(body)
    assert "PORT002" in body  # the report holds the converted findings
    assert english_runs(text) == []


def test_korean_terminal_output_has_no_english_sentence():
    args = ["check", str(EXAMPLE), "--lang", "ko", "--no-color"]
    for code in _converted_codes():
        args += ["--select", code]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "PORT002" in result.output and "카탈로그" in result.output
    assert english_runs(result.output) == []


def test_lang_from_the_environment(monkeypatch):
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    try:
        result = runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--no-color"])
        assert "카탈로그" in result.output
        result = runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--no-color", "--lang", "en"])
        assert "the catalogue says" in result.output and "카탈로그" not in result.output
    finally:
        i18n.set_language(None)


def test_json_output_stays_english_whatever_the_language(tmp_path):
    try:
        runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--lang", "ko", "-f", "json", "-o", str(tmp_path / "k.json")])
        runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--lang", "en", "-f", "json", "-o", str(tmp_path / "e.json")])
    finally:
        i18n.set_language(None)
    korean, english = (json.loads((tmp_path / n).read_text())["findings"] for n in ("k.json", "e.json"))
    assert [f["message"] for f in korean] == [f["message"] for f in english]
    assert [f["fingerprint"] for f in korean] == [f["fingerprint"] for f in english]


def test_a_broken_mo_falls_back_to_the_po(tmp_path):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "demo.po").write_text(PO, encoding="utf-8")
    (mo,) = i18n_tools.compile_all(locale_dir=tmp_path)
    mo.write_bytes(mo.read_bytes()[:20])  # truncated, newer than the .po
    assert i18n._domain(folder, "demo") == {"hello {name}": "{name} 안녕"}


@pytest.mark.parametrize("code", ["PORT002", "DEP001", "SRC004"])
def test_explain_in_korean_has_no_english_sentence(code):
    try:
        result = runner.invoke(app, ["explain", code, "--lang", "ko"])
    finally:
        i18n.set_language(None)
    assert result.exit_code == 0, result.output
    assert "수정 방법" in result.output
    assert english_runs(result.output.split("자세히:")[0]) == []


def test_checks_list_markdown_stays_english_in_a_korean_locale(monkeypatch):
    """The README table is generated from it: the locale must not change it."""
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    try:
        result = runner.invoke(app, ["checks", "list", "--format", "markdown"])
    finally:
        i18n.set_language(None)
    assert "| PORT002 | dockerfile-port-mismatch |" in result.output and "카탈로그" not in result.output


def test_findings_from_the_run_cache_are_still_translated(tmp_path):
    """The cache stores findings pickled: their messages stay messages, so a warm Korean run is Korean."""
    cache = tmp_path / "cache"
    try:
        cold = runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--no-color", "--cache-dir", str(cache), "--lang", "en"])
        warm = runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--no-color", "--cache-dir", str(cache), "--lang", "ko"])
    finally:
        i18n.set_language(None)
    assert any(cache.rglob("*")), "the first run stored its runs"
    assert "the catalogue says" in cold.output and "카탈로그" in warm.output
    assert english_runs(warm.output) == []


# --- no English left in Korean heal, live and error output --------------------------------------

# A heal step line: `  <kind> <component> <command>`; the command is what the user runs (code), not prose.
_STEP_COMMAND = re.compile(r"^(\s+\S+\s+\S*\s+)((?:docker|kind|kubectl|git|argocd) .*)$", re.M)


def _without_commands(text: str) -> str:
    return _STEP_COMMAND.sub(lambda m: m.group(1) + "`" + m.group(2).replace("`", "") + "`", text)


def _ko(args: list[str], monkeypatch) -> "object":
    monkeypatch.setenv("COLUMNS", "2000")  # a quoted log line must not be wrapped across two lines
    try:
        return runner.invoke(app, [*args, "--lang", "ko"])
    finally:
        i18n.set_language(None)


def test_korean_heal_dry_run_has_no_english_sentence(tmp_path, fake_kube, fake_kubeconfig, monkeypatch):
    import shutil

    repo = tmp_path / "tiketi"
    shutil.copytree(EXAMPLE, repo)
    args = ["heal", str(repo), "--dry-run", "--kubeconfig", str(fake_kubeconfig)]
    result = _ko(args, monkeypatch)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "시험 실행: 아무것도 바꾸지 않았습니다" in out and "단계 (" in out and "  빌드" in out
    assert "kubectl rollout status deployment/ticket-service -n tiketi" in out  # commands stay as they are
    assert english_runs(_without_commands(out)) == []
    english = runner.invoke(app, [*args, "--lang", "en"])
    assert "dry run: nothing was changed" in english.stdout and "  build    auth-service" in english.stdout


def test_korean_live_check_has_no_english_sentence(fake_kube, fake_kubeconfig, monkeypatch):
    args = ["check", str(EXAMPLE), "--live", "--kubeconfig", str(fake_kubeconfig), "--no-color"]
    for code in _converted_codes():
        args += ["--select", code]
    result = _ko(args, monkeypatch)
    assert result.exit_code == 1, result.output
    assert "CL001" in result.output and "라이브 검사" in result.output and "오류 " in result.output
    # the log-signature title in CL001 and the could-not-decide reasons of CL009/CL010 are scanned too
    assert "모듈 '@socket.io/redis-adapter'을(를) 찾을 수 없음" in result.output
    assert re.search(r"\? CL009 .*판단할 수 없음 — frontend: `kubectl port-forward svc/frontend-service 3000` 실패: \"", result.output)
    assert english_runs(result.output) == [], result.output


def test_korean_severity_and_safety_words_and_english_unchanged(monkeypatch, tmp_path):
    korean = _ko(["check", str(EXAMPLE), "--select", "PORT", "--no-color"], monkeypatch)
    assert re.search(r"^ 오류 {4}PORT0\d\d ", korean.output, re.M)  # padded to the English column (7 cells)
    english = runner.invoke(app, ["check", str(EXAMPLE), "--select", "PORT", "--no-color", "--lang", "en"])
    assert re.search(r"^ ERROR {3}PORT0\d\d ", english.output, re.M)
    for lang, words in (("ko", "(안전도: 안전)"), ("en", "(safety: safe)")):
        out = tmp_path / f"r.{lang}.md"
        _ko(["report", str(EXAMPLE), "--select", "PORT", "-o", str(out)], monkeypatch) if lang == "ko" else \
            runner.invoke(app, ["report", str(EXAMPLE), "--select", "PORT", "-o", str(out), "--lang", "en"])
        assert words in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, expected", [
    (["check", "{missing}"], None),
    (["check", "{repo}", "--catalogue", "{missing}"], None),
    (["heal", "{missing}", "--dry-run"], "디렉터리가 아닙니다"),
    (["explain", "PORT02"], "찾으셨나요"),
    (["check", "{repo}", "--select", "NOPE"], "검사 코드가 없습니다"),
])
def test_korean_user_errors_have_no_english_sentence(tmp_path, monkeypatch, args, expected):
    missing = tmp_path / "no-such-place"
    args = [a.format(missing=missing, repo=EXAMPLE) for a in args]
    result = _ko(args, monkeypatch)
    assert result.exit_code == 2, result.output
    text = result.stderr if result.stderr_bytes is not None else result.output
    assert text.strip() and english_runs(text.replace(str(missing), "`path`")) == []
    if expected:
        assert expected in text


def test_runner_errors_keep_their_english_and_speak_korean():
    """Heal prints a failed step's headline and its output: the English is what it always was, the Korean has no English left."""
    from tiketi_doctor.runners.errors import BuildFailed, DockerUnavailable, ImageNotFound

    build = BuildFailed("services/a/Dockerfile", "exit 1", step="Step 5/12 : RUN npm ci", line=5, log_tail=["npm error x"], tags=["a:local"])
    assert str(build) == ("docker build of a:local failed at Step 5/12 : RUN npm ci (services/a/Dockerfile:5)\n"
                          "  exit 1\n  last 1 log lines:\n    | npm error x")
    assert str(build.headline()) == str(build).splitlines()[0] and str(build.message()) == str(build)
    missing = ImageNotFound("a:local")
    assert str(missing.message()) == str(missing) == (
        "no image 'a:local' in the local Docker engine\nbuild it first (docker build -t a:local ...) or check the name with `docker images`")
    daemon = DockerUnavailable("unix:///var/run/docker.sock", "connection refused")
    for error in (build, missing, daemon):
        korean = i18n.localize(error.message(), "ko")
        assert korean != str(error) and english_runs(korean.replace("Step 5/12 : RUN npm ci", "`step`")) == []
