"""files.ignoring_rule: git's .gitignore semantics, deeper files and `!` rules included."""
from __future__ import annotations

from tiketi_doctor.files import ignoring_rule



def test_rules_from_the_root_down_the_last_match_wins(tmp_path):
    from tiketi_doctor.repo import RepoView

    files = {
        ".gitignore": ".env*\n!.env.example\n",
        "api/.gitignore": "!.env.test\n",
        "api/.env": "A=1\n", "api/.env.test": "A=1\n", "api/.env.example": "A=\n",
        "web/secrets/.env": "A=1\n", "web/.gitignore": "secrets/\n", "config.env": "A=1\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)

    class Ctx:
        repo = RepoView(tmp_path)
        _memo: dict = {}

        def memo(self, key, make):
            if key not in self._memo:
                self._memo[key] = make()
            return self._memo[key]

    ctx = Ctx()
    assert ignoring_rule(ctx, "api/.env") == ".gitignore"
    assert ignoring_rule(ctx, "api/.env.test") is None  # re-included by the deeper file
    assert ignoring_rule(ctx, "api/.env.example") is None
    assert ignoring_rule(ctx, "web/secrets/.env") in (".gitignore", "web/.gitignore")
    assert ignoring_rule(ctx, "config.env") is None
