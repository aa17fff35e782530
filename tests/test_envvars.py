"""What code does with environment variables: default, guarded, required — and what provides them."""
from __future__ import annotations

import shutil
import textwrap

from tiketi_doctor.analysis.envsources import container_envs, image_sources, local_sources
from tiketi_doctor.analysis.envvars import env_use, file_reads
from tiketi_doctor.catalogue import load_builtin
from tiketi_doctor.catalogue_choice import find_catalogue
from tiketi_doctor.context import ScanContext
from tiketi_doctor.parsing.javascript import parse_javascript
from tiketi_doctor.repo import RepoView

from .conftest import CASES, EXAMPLE

SOURCE = textwrap.dedent("""\
    const port = process.env.PORT || 3000;
    const { LOG_LEVEL = 'info', REGION } = process.env;
    const limit = Number(process.env.LIMIT ?? 10);
    if (process.env.FEATURE_X === 'on') enable();
    const origins = process.env.CORS_ORIGIN.split(',');
    jwt.sign(payload, process.env['JWT_SECRET']);
    const dsn = process.env.SENTRY_DSN;
    if (dsn) Sentry.init({ dsn });
    if (process.env.SMTP_HOST) mailer(process.env.SMTP_HOST);
    const url = `${process.env.API_URL}/api`;
    process.env.TZ = 'Asia/Seoul';
    const flag = !process.env.DISABLED;
    const vite = import.meta.env.VITE_API;
    // process.env.IN_A_COMMENT
    const s = 'process.env.IN_A_STRING';
    """)


def test_reads_are_classified_by_what_the_code_does_with_them():
    reads = {(r.name, r.usage, r.location.line) for r in file_reads(parse_javascript(SOURCE, "src/x.js"))}
    assert reads == {
        ("PORT", "default", 1),
        ("LOG_LEVEL", "default", 2),
        ("REGION", "unknown", 2),
        ("LIMIT", "default", 3),
        ("FEATURE_X", "guarded", 4),
        ("CORS_ORIGIN", "required", 5),
        ("JWT_SECRET", "required", 6),
        ("SENTRY_DSN", "guarded", 7),
        ("SMTP_HOST", "guarded", 9),
        ("API_URL", "required", 10),
        ("TZ", "write", 11),
        ("DISABLED", "guarded", 12),
        ("VITE_API", "required", 13),
    }


def test_the_example_components_read_and_get_their_settings():
    ctx = ScanContext(RepoView(EXAMPLE), load_builtin("tiketi"))
    auth = ctx.catalogue.component("auth-service")
    use = env_use(ctx, auth)
    # the local packages count: @tiketi/database reads DB_*, @tiketi/common LOG_LEVEL
    assert {"DB_HOST", "DB_PASSWORD", "LOG_LEVEL", "GOOGLE_CLIENT_ID", "JWT_SECRET"} <= set(use.reads)
    assert "packages/database/index.js" in use.files and not any("node_modules" in f for f in use.files)
    assert set(use.required()) == {"GOOGLE_CLIENT_ID"}
    [cluster] = container_envs(ctx, auth)
    assert cluster.complete and cluster.loaded == [("ConfigMap", "tiketi-config"), ("Secret", "tiketi-secret")]
    google = cluster.of("GOOGLE_CLIENT_ID")[0]
    assert google.secret and google.value is None and google.location.path == "k8s/02-secret.yaml"
    assert cluster.of("PORT")[0].value == "3005" and cluster.of("PORT")[0].kind == "env"
    assert {s.name for s in image_sources(ctx, auth)} == {"NODE_ENV"}
    frontend = ctx.catalogue.component("frontend")
    assert {"REACT_APP_API_URL", "REACT_APP_GOOGLE_CLIENT_ID"} <= {s.name for s in image_sources(ctx, frontend)}
    assert ("CORS_ORIGIN", "http://localhost:3000") in {(s.name, s.value) for s in local_sources(ctx, auth)}


def test_compose_environment_counts_for_local_runs(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    (root / "docker-compose.yml").write_text(
        "services:\n  api:\n    build: {context: ., dockerfile: api/Dockerfile}\n    environment:\n      - SIGNING_KEY=${SIGNING_KEY:-dev-key}\n    env_file: [api/.env.example]\n"
    )
    ctx = ScanContext(RepoView(root), find_catalogue(root))
    found = {(s.name, s.value, s.kind, s.location.line) for s in local_sources(ctx, ctx.catalogue.component("api"))}
    assert ("SIGNING_KEY", "dev-key", "compose", 5) in found and ("JWT_SECRET", "change-me", "env-file", 2) in found
