"""analysis.shellcheck: ShellCheck parse errors of several scripts in one run; no shellcheck, no answer."""
from __future__ import annotations

from tiketi_doctor.analysis import shellcheck


def test_parse_errors_per_script_and_dialect():
    scripts = [
        ("bash", "echo ok\nif [ -f x ]; then\n  echo hi\n"),
        ("bash", "docker build \\ \n  -t api .\n"),
        ("sh", "for f in *.js; do echo \"$f\"; done\n"),
        ("bash", "echo [[ $a == b ]]\nls -l | grep x\n"),  # style advice at most: not a parse error
    ]
    found = shellcheck.parse_errors(scripts)
    assert found is not None
    assert sorted(found) == [0, 1]
    assert shellcheck.first_cause(found[0]).code == 1046 and shellcheck.first_cause(found[0]).line == 2
    assert [e.code for e in found[1]] == [1101]


def test_without_the_binary_there_is_no_answer(monkeypatch):
    monkeypatch.setattr(shellcheck, "binary", lambda: None)
    assert shellcheck.parse_errors([("bash", "if\n")]) is None
