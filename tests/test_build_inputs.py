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
