"""Secret masking: values go, names and everything else stay."""
from __future__ import annotations

import pytest

from tiketi_doctor.reporters.masking import MASK, looks_secret, mask, mask_data

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMiLCJyb2xlIjoiYWRtaW4ifQ.Zm9vYmFyYmF6cXV4"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JWT_SECRET=abc123 PORT=3005", "JWT_SECRET=**** PORT=3005"),
        ('DB_PASSWORD="a b c" X=1', 'DB_PASSWORD="****" X=1'),
        ("export API_TOKEN=$API_TOKEN", "export API_TOKEN=$API_TOKEN"),
        ("kubectl create secret generic s --from-literal=JWT_SECRET=abc --from-literal=PORT=3", "kubectl create secret generic s --from-literal=JWT_SECRET=**** --from-literal=PORT=3"),
        ("ENV TOSS_SECRET_KEY test_sk_zXLkKEypNArWmo50", "ENV TOSS_SECRET_KEY ****"),
        ("ENV TOSS_SECRET_KEY=test_sk_zXLkKEypNArWmo50", "ENV TOSS_SECRET_KEY=****"),
        ("  JWT_SECRET: plain-value", "  JWT_SECRET: ****"),
        ("  JWT_SECRET: ${JWT_SECRET}", "  JWT_SECRET: ${JWT_SECRET}"),
        ('{"password": "pw", "name": "x", "apiKey": "k-123"}', '{"password": "****", "name": "x", "apiKey": "****"}'),
        ("const secret = process.env.JWT_SECRET || 'dev-secret-change-me';", "const secret = process.env.JWT_SECRET || '****';"),
        ("const port = process.env.PORT || 3005;", "const port = process.env.PORT || 3005;"),
        (f'curl -H "Authorization: Bearer {JWT}" http://x', 'curl -H "Authorization: Bearer ****" http://x'),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ****"),
        (f"token in a log line: {JWT} end", "token in a log line: **** end"),
        ("DATABASE_URL=postgres://tiketi:pw123@postgres:5432/tiketi", "DATABASE_URL=postgres://tiketi:****@postgres:5432/tiketi"),
        ("https://x/cb?token=abcd&x=1", "https://x/cb?token=****&x=1"),
        ("also: k8s/02-secret.yaml:6:3  DB_PASSWORD: hunter2", "also: k8s/02-secret.yaml:6:3  DB_PASSWORD: ****"),
        # Not secrets: names that only point at one, and ordinary settings.
        ("AUTH_SERVICE_URL=http://auth-service:3005", "AUTH_SERVICE_URL=http://auth-service:3005"),
        ("  sessionAffinity: ClientIP\n  private: true\n  secretName: tls-cert\n  key: JWT_SECRET", "  sessionAffinity: ClientIP\n  private: true\n  secretName: tls-cert\n  key: JWT_SECRET"),
        ("The Authorization header passes through: headers: { Authorization: req.headers.authorization }", "The Authorization header passes through: headers: { Authorization: req.headers.authorization }"),
        ("auth-service requires 'google-auth-library'", "auth-service requires 'google-auth-library'"),
    ],
)
def test_mask_line(text, expected):
    assert mask(text) == expected


def test_kubernetes_secret_data_is_masked_whatever_the_key():
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tiketi-secret\ntype: Opaque\n"
        "stringData:\n  DB_PASSWORD: \"tiketi_pass\"\n  GOOGLE_CLIENT_ID: \"1234.apps.googleusercontent.com\"\n"
        "data:\n  TOSS: dGVzdA==\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  GOOGLE_CLIENT_ID: visible\n"
    )
    masked = mask(text).splitlines()
    assert masked[6:10] == ["  DB_PASSWORD: ****", "  GOOGLE_CLIENT_ID: ****", "data:", "  TOSS: ****"]
    assert masked[-1] == "  GOOGLE_CLIENT_ID: visible"  # a ConfigMap is not a Secret
    assert masked[3] == "  name: tiketi-secret"


def test_secret_with_flow_style_data():
    assert mask("kind: Secret\ndata: {JWT: abc, DB: def}").splitlines()[1] == "data: {****}"


def test_kubernetes_env_entries():
    text = (
        "        env:\n        - name: DB_PASSWORD\n          value: \"hunter2\"\n"
        "        - name: PORT\n          value: \"3005\"\n"
        "        - name: JWT_SECRET\n          valueFrom:\n            secretKeyRef: {name: tiketi-secret, key: JWT_SECRET}\n"
    )
    masked = mask(text).splitlines()
    assert masked[2] == "          value: ****"
    assert masked[4] == '          value: "3005"'
    assert masked[7] == "            secretKeyRef: {name: tiketi-secret, key: JWT_SECRET}"


def test_unified_diff_lines_keep_their_prefix():
    diff = "--- a/k8s/02-secret.yaml\n+++ b/k8s/02-secret.yaml\n@@ -1,4 +1,4 @@\n kind: Secret\n stringData:\n-  DB_PASSWORD: old-one\n+  DB_PASSWORD: new-one\n"
    assert mask(diff).splitlines()[5:7] == ["-  DB_PASSWORD: ****", "+  DB_PASSWORD: ****"]


def test_mask_data_masks_strings_and_secret_keys():
    data = {"env": {"JWT_SECRET": "abc", "PORT": 3005}, "lines": [f"Bearer {JWT}"], "n": 3, "apiKey": ""}
    assert mask_data(data) == {"env": {"JWT_SECRET": MASK, "PORT": 3005}, "lines": ["Bearer ****"], "n": 3, "apiKey": ""}


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("JWT_SECRET", True), ("DB_PASSWORD", True), ("TOSS_SECRET_KEY", True), ("apiKey", True), ("x-auth-token", True),
        ("GOOGLE_CLIENT_SECRET", True), ("privateKey", True), ("password", True),
        ("AUTH_SERVICE_URL", False), ("PORT", False), ("key", False), ("secretName", False), ("JWT_SECRET_FILE", False),
        ("MONKEY", False), ("passport", False), ("TOKEN_TTL", False),
    ],
)
def test_looks_secret(name, secret):
    assert looks_secret(name) is secret


def test_empty_text():
    assert mask("") == ""


def test_the_trigger_words_cover_every_rule():
    """`mask` skips the rules for a text without a trigger: on texts made of names, values,
    separators and case variants (Unicode ones too), it answers what the rules answer."""
    import random

    from tiketi_doctor.reporters import masking

    assert all(any(t in w for t in masking._TRIGGERS) for w in masking._SECRET_WORDS)
    pieces = ["DB_PASSWORD", "apiKey", "x-auth-token", "Pwd", "SALT", "JWT_SECRET_FILE", "TOKEN_TTL", "PORT", "url", "Baſic", "Bearer",
              "BASIC", "eyJhbGciOi.eyJzdWIiOi.sig", "postgres://u:p4ss@db:5432/x", "https://a.b/c", "=", ": ", '"', "'", " ", "\n",
              "kind: Secret", "data:", "  k: dmFs", "- name: API_KEY", "  value: s3cr3tvalue", "ENV ", "process.env.TOKEN || 'abc'",
              "svc-0222:4222", "K8S_KEY", "ＫＥＹ", "monkey", "abcdefgh", "---"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        assert mask(text) == masking._mask_all(text), text
