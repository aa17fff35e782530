"""Which components a set of changed files requires to rebuild, re-apply or restart."""
from __future__ import annotations

from tiketi_doctor.analysis.build_inputs import build_sources, impact
from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.context import ScanContext
from tiketi_doctor.repo import RepoView

from .conftest import EXAMPLE


def _ctx() -> ScanContext:
    return ScanContext(RepoView(EXAMPLE), load_builtin("tiketi"))


def test_build_sources_follow_the_dockerfile_copies():
    ctx = _ctx()
    sources = build_sources(ctx, ctx.catalogue.component("auth-service"))
    assert sources[0] == "services/auth-service/Dockerfile"
    assert "packages/common" in sources and "services/auth-service/src" in sources


def test_impact_of_the_report_fixes():
    result = impact(
        _ctx(),
        [
            "services/auth-service/Dockerfile",
            "backend/src/routes/stats.js",
            "backend/package.json",
            "frontend/src/components/Header.js",
            "packages/common/logger.js",
            "k8s/07-ticket-service.yaml",
            "k8s/01-configmap.yaml",
            "QUICK_START.md",
            "scripts/port-forward-all.sh",
        ],
    )
    assert result.rebuild["auth-service"] == ["services/auth-service/Dockerfile", "packages/common/logger.js"]
    assert result.rebuild["backend"] == ["backend/src/routes/stats.js", "backend/package.json", "packages/common/logger.js"]
    assert result.rebuild["frontend"] == ["frontend/src/components/Header.js"]
    assert set(result.rebuild) == {"auth-service", "backend", "frontend", "ticket-service", "payment-service", "stats-service"}
    assert result.reapply == {"ticket-service": ["k8s/07-ticket-service.yaml"]}
    assert set(result.config["k8s/01-configmap.yaml"]) >= {"backend", "auth-service", "ticket-service"}
    assert result.untouched == ["QUICK_START.md", "scripts/port-forward-all.sh"]


def test_copy_sources_are_read_once_for_checks_inputs_and_discovery(tmp_path):
    from tiketi_doctor.analysis.build_context import copy_sources, find_source
    from tiketi_doctor.discovery.builds import copy_sources as discovered, unresolved_sources
    from tiketi_doctor.parsing.dockerfile import parse_dockerfile

    (tmp_path / "api" / "src").mkdir(parents=True)
    (tmp_path / "api" / "src" / "a.js").write_text("")
    (tmp_path / "api" / "Dockerfile").write_text(
        "FROM node:20 AS base\nARG REPO=https://example.com/x.tgz\nADD $REPO /tmp/\nADD git@github.com:o/r.git /r\n"
        "COPY <<EOF /x\nhi\nEOF\nCOPY src ./src\nCOPY --from=base /a /b\nCOPY dist ./dist\nCOPY ${FILE} /f\nCOPY lib ./lib\n"
    )
    repo = RepoView(tmp_path)
    parsed = parse_dockerfile((tmp_path / "api" / "Dockerfile").read_text(), "api/Dockerfile")
    assert [s.text for s in copy_sources(parsed)] == ["src", "dist", "${FILE}", "lib"]
    assert discovered(repo, "api/Dockerfile") == ["src", "dist", "lib"]  # a build argument cannot be looked up
    assert unresolved_sources(repo, "api/Dockerfile", "api") == ["lib"]  # dist/ is made before the build
    assert unresolved_sources(repo, "api/Dockerfile", ".") == ["src", "lib"]
    assert find_source(repo, "api", "../x") == ("outside", [])
    assert find_source(repo, "api", "src/*.js") == (None, ["api/src/a.js"])
