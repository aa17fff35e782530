"""The terminal report's layout: every finding's lines go out in one print, and a label longer
than the terminal wraps exactly as rich wraps any printed line."""
from __future__ import annotations

import io

from rich.console import Console

from tiketi_doctor.model import Finding, Location, Report, Severity
from tiketi_doctor.reporters import terminal


def _report(path: str) -> Report:
    finding = Finding("PORT002", Severity.ERROR, "the port is wrong " * 12, Location(path, 3, 7), service="api", root_cause="why " * 40)
    return Report(root="/repo", catalogue="c", findings=[finding], runs=[])


def _render(report: Report, color: bool = False) -> str:
    out = io.StringIO()
    terminal.render(report, out, color=color)
    return out.getvalue()


def test_a_label_longer_than_the_terminal_wraps_as_rich_wraps_it(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    path = "services/" + "/".join(["a-rather-long-folder-name"] * 5) + "/server.js"
    text = _render(_report(path))
    lines = text.splitlines()
    expected = io.StringIO()
    console = Console(file=expected, no_color=True, highlight=False, width=80)
    console.print(f" ERROR   PORT002 {path}:3:7")  # the label, printed on its own
    label_lines = expected.getvalue().splitlines()
    assert len(label_lines) > 1, "the label is longer than the terminal"
    assert lines[1:1 + len(label_lines)] == label_lines
    assert all(len(line) <= 80 for line in lines[:-1]), "messages wrap with a hanging indent"
    assert lines[1 + len(label_lines)].startswith("   the port is wrong")


def test_the_findings_are_printed_once_whatever_their_number(monkeypatch):
    calls = []
    real = Console.print

    def counted(self, *args, **kwargs):
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Console, "print", counted)
    many = Report(root="/repo", catalogue="c", findings=[
        Finding("DEP001", Severity.WARNING, f"finding {i}", Location(f"s{i % 3}/f.js", i, 1), service=f"s{i % 3}") for i in range(40)
    ], runs=[])
    text = _render(many, color=True)
    assert len(calls) == 2, "one print for the findings, one for the summary line"
    assert text.count("DEP001") == 40 and "\x1b[" in text


def test_plain_output_is_what_rich_writes_for_the_same_lines():
    findings = [
        Finding("PORT002", Severity.ERROR, "the port is wrong\r\x07 " * 12, Location("services/" + "x/" * 40 + "a.js", 3, 7), service="api",
                root_cause="why " * 40, related=[Location(f"k8s/{i}.yaml", i) for i in range(9)]),
        Finding("DOC001", Severity.INFO, "포트가 다릅니다 " * 20, Location("README.md", 1), service=None),
    ]
    outputs = []
    for terminal_like in (False, True):  # a terminal without a colour system: rich's pipeline, no styles
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal_like, color_system=None, no_color=True, highlight=False, soft_wrap=False, width=80)
        assert console.is_terminal is terminal_like
        terminal._print_lines(console, [line for f in findings for line in terminal._finding(console, f)])
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    assert "\r" not in outputs[0] and "\x07" not in outputs[0] and outputs[0].count("\n") > 10


def test_wrapping_places_words_as_textwrap_does():
    import random
    import textwrap

    rng = random.Random(11)
    vocabulary = ["a", "port", "svc-0222:4222", "ECONNREFUSED", "x" * 30, "x" * 90, "x" * 32, "x" * 33, "x" * 17, "x" * 18, "x" * 76, "x" * 77, "/api/v1/tickets", "it's", "well-known", "(3000)", ""]
    for _ in range(3000):
        separators = [rng.choice([" ", " ", " ", "  "]) for _ in range(12)]
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, 12))]
        text = "".join(w + s for w, s in zip(words, separators)).strip(" ") if rng.random() < 0.8 else " ".join(words)
        width, first, rest = rng.choice([(79, "   ", "   "), (40, "   why: ", "        "), (20, "   ", "   ")])
        expected = textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)
        assert terminal._wrap(text, width, first, rest) == expected, (text, width)
