"""Node.js log signatures: the kind and the facts of every failure the scenarios log, plus real variants."""
from __future__ import annotations

import pytest
import yaml

from tiketi_doctor.cluster import logsigs
from tiketi_doctor.cluster.logsigs import Signature, diagnose

from .fakekube import SCENARIO_DIR


def _scenario_log(name: str, component: str) -> str:
    data = yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text())
    state = data["components"][component]["state"]
    return next(iter(state.values()))["log"]


@pytest.mark.parametrize(("scenario", "component", "kind", "facts", "quote"), [
    ("broken", "auth-service", "module-not-found", {"module": "google-auth-library"},
     ["Error: Cannot find module 'google-auth-library'", "Require stack:", "- /app/src/routes/auth.js", "- /app/src/server.js"]),
    ("broken", "ticket-service", "module-not-found", {"module": "@socket.io/redis-adapter"}, None),
    ("eaddrinuse", "ticket-service", "eaddrinuse", {"address": "::", "port": "3002"},
     ["Error: listen EADDRINUSE: address already in use :::3002"]),
    ("econnrefused-postgres", "auth-service", "econnrefused", {"host": "10.96.45.12", "port": "5432"},
     ["Error: connect ECONNREFUSED 10.96.45.12:5432"]),
    ("missing-env", "auth-service", "missing-env", {"variable": "JWT_SECRET"}, ["Error: JWT_SECRET environment variable is required"]),
    ("syntax-error", "payment-service", "syntax-error", {"error": "SyntaxError: Unexpected token ')'"}, None),
    ("unhandled-rejection", "stats-service", "unhandled-rejection",
     {"reason": "Redis connection to dragonfly-service:6379 failed - connect ECONNREFUSED 10.96.112.40:6379"}, None),
])
def test_scenario_logs(scenario, component, kind, facts, quote):
    diagnosis = diagnose(_scenario_log(scenario, component))
    assert diagnosis.primary.kind == kind and diagnosis.primary.facts == facts
    if quote is not None:
        assert list(diagnosis.primary.quote) == quote
    assert diagnosis.node_version == "v20.20.2"


def test_origin_is_the_uncaught_header_or_the_first_app_frame():
    syntax = diagnose(_scenario_log("syntax-error", "payment-service")).origin
    assert (syntax.file, syntax.line, syntax.source) == ("/app/src/routes/payments.js", 42, "const { orderId, amount, paymentKey } = req.body;;)")
    module = diagnose(_scenario_log("broken", "auth-service")).origin
    assert (module.file, module.line) == ("/app/src/routes/auth.js", 4)
    refused = diagnose(_scenario_log("econnrefused-postgres", "auth-service")).origin
    assert (refused.file, refused.line) == ("/app/src/config/database.js", 21)  # node_modules frames are skipped


def test_the_rejection_also_names_the_refused_connection():
    diagnosis = diagnose(_scenario_log("unhandled-rejection", "stats-service"))
    assert diagnosis.first("econnrefused").facts == {"host": "10.96.112.40", "port": "6379"}
    assert [m.kind for m in diagnosis.failures].count("unhandled-rejection") == 1


def test_the_port_the_app_says_it_listens_on_is_a_fact_not_a_failure():
    diagnosis = diagnose(_scenario_log("probe-failure", "stats-service"))
    assert diagnosis.primary is None and diagnosis.first("listening").facts == {"port": "3002"}


@pytest.mark.parametrize(("line", "kind", "facts"), [
    ("Error: Cannot find module 'express/lib/router'", "module-not-found", {"module": "express/lib/router"}),
    ("Missing required environment variable: DATABASE_URL", "missing-env", {"variable": "DATABASE_URL"}),
    ("Error: process.env.TOSS_SECRET_KEY is undefined", "missing-env", {"variable": "TOSS_SECRET_KEY"}),
    ("Error: secretOrPrivateKey must have a value", "missing-env", {"error": "secretOrPrivateKey must have a value"}),
    ("Error: getaddrinfo ENOTFOUND stats-servic", "enotfound", {"host": "stats-servic"}),
    ("Error: connect ETIMEDOUT 10.96.45.12:5432", "etimedout", {"host": "10.96.45.12", "port": "5432"}),
    ('error: password authentication failed for user "tiketi"', "db-auth-failed", {"user": "tiketi"}),
    ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", "heap-out-of-memory",
     {"error": "JavaScript heap out of memory"}),
    ("TypeError: Cannot read properties of undefined (reading 'query')", "uncaught-error",
     {"error": "TypeError: Cannot read properties of undefined (reading 'query')"}),
    ("Server listening on http://0.0.0.0:3005", "listening", {"port": "3005"}),
])
def test_single_lines(line, kind, facts):
    match = diagnose(line).matches[0]
    assert (match.kind, match.facts) == (kind, facts)


def test_an_unknown_log_has_no_diagnosis():
    assert diagnose("starting\nconnected\n").primary is None and diagnose("").matches == [] and diagnose(None).origin is None


def test_the_table_is_data_a_new_signature_is_one_entry(monkeypatch):
    import re

    extra = Signature("redis-auth", re.compile(r"NOAUTH Authentication required"), "Redis wants a password")
    monkeypatch.setattr(logsigs, "SIGNATURES", (extra,) + logsigs.SIGNATURES)
    monkeypatch.setattr(logsigs, "_SIGNATURE_BY_KIND", {s.kind: s for s in logsigs.SIGNATURES})
    monkeypatch.setattr(logsigs, "_PRIORITY", {s.kind: i for i, s in enumerate(logsigs.SIGNATURES)})
    assert diagnose("ReplyError: NOAUTH Authentication required.").primary.title == "Redis wants a password"
