"""Secret masking for everything a report prints: messages, evidence, file excerpts, diffs, logs.

`mask(text)` replaces the values, never the names, so a reader still sees *which* secret is
involved. It masks:
- the values of a Kubernetes Secret's `data:` / `stringData:` (when the text shows `kind: Secret`);
- values assigned to names that look secret — PASSWORD, SECRET, TOKEN, KEY, CREDENTIAL, … —
  as `NAME=value`, `NAME: value`, `"NAME": "value"`, `ENV NAME value`, a k8s env entry
  (`- name: NAME` followed by `value: …`) and `process.env.NAME || 'default'`;
- JWTs anywhere, `Bearer …` / `Basic …` credentials, and passwords inside URLs (`user:pass@`).
Unified diffs are masked line by line, ignoring their +/-/space prefix.
"""
from __future__ import annotations

import re
from typing import Any

MASK = "****"

# Name words that mark a secret: DB_PASSWORD, JWT_SECRET, apiKey, TOSS_SECRET_KEY, x-auth-token.
_SECRET_WORDS = {
    "password", "passwd", "pwd", "pass", "secret", "secrets", "token", "tokens", "key", "apikey",
    "credential", "credentials", "privatekey", "salt",
}
# ...unless the name says the value only points at or describes one: JWT_SECRET_FILE, secretName, TOKEN_TTL.
_REFERENCE_WORDS = {
    "name", "ref", "file", "path", "url", "uri", "env", "length", "ttl", "expires", "expiry", "in",
    "algorithm", "header", "type", "kind", "mode", "id", "enabled", "required",
}
_WORD_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])")

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(Bearer|Basic|Token)(\s+)(?!\*{4})([A-Za-z0-9._~+/=:-]{6,})")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@'\"]+:)([^\s/@'\"]+)(@)")
# NAME= (env files, shell, ENV, --from-literal=NAME=value, -e, query strings); the value is read by hand
_ASSIGN = re.compile(r"(?<![A-Za-z0-9_.])(?P<name>[A-Za-z_][A-Za-z0-9_.]*)=")
_UNQUOTED_END = re.compile(r"[\s\"'&;,)]|$")
# NAME: (YAML), "NAME": (JSON); the value is read by hand
_COLON = re.compile(r"""(?<![A-Za-z0-9_.\-])(?P<q>["']?)(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)(?P=q)\s*:\s+""")
_COLON_END = re.compile(r"\s*(?:[,}#]|$)")
_DOCKER_ENV = re.compile(r"(?P<head>^\s*ENV\s+)(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>\s+)(?P<value>\S.*)$", re.IGNORECASE)
_ENV_DEFAULT = re.compile(r"""(process\.env\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\||\?\?)\s*)(?P<q>["'`])(?P<value>[^"'`]+)(?P=q)""")
_ENV_NAME_ENTRY = re.compile(r"""^\s*-?\s*name:\s*["']?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)["']?\s*$""")
_ENV_VALUE_ENTRY = re.compile(r"""^(?P<head>\s*-?\s*value:\s*)(?P<value>\S.*)$""")
_SECRET_KIND = re.compile(r"^\s*kind:\s*[\"']?Secret[\"']?\s*$", re.MULTILINE)
_DATA_KEY = re.compile(r"^(?P<indent>\s*)(data|stringData):\s*(?P<rest>.*)$")
_DIFF_START = re.compile(r"^(--- |\+\+\+ |@@ )")


def looks_secret(name: str) -> bool:
    """Does this variable or key name hold a secret (JWT_SECRET yes, AUTH_SERVICE_URL no)?"""
    words = [w.lower() for w in _WORD_SPLIT.split(name.strip("\"'")) if w]
    if not words or words[-1] in _REFERENCE_WORDS or words == ["key"]:  # `key: JWT_SECRET` names a Secret key
        return False
    return any(w in _SECRET_WORDS for w in words)


# Every rule needs one of these in the text (case-folded): a secret-looking name holds one of the
# _SECRET_WORDS, a JWT starts "eyJ", a credential follows Bearer/Basic/Token, a URL password ends
# at "@". A text without any is returned as it is, without running the rules (most messages).
_TRIGGERS = ("pass", "pwd", "secret", "token", "key", "credential", "salt", "eyj", "bearer", "basic", "@")


def mask(text: str) -> str:
    """`text` with every secret value replaced by ****; see the module docstring for what counts."""
    if not text:
        return text
    folded = text.casefold()
    if not any(trigger in folded for trigger in _TRIGGERS):
        return text
    return _mask_all(text)


def _mask_all(text: str) -> str:
    lines = text.split("\n")
    diff = any(_DIFF_START.match(line) for line in lines[:3])
    prefixes = [line[:1] if diff and line[:1] in "+- " and not _DIFF_START.match(line) else "" for line in lines]
    bodies = [line[len(p):] for line, p in zip(lines, prefixes)]
    bodies = _mask_secret_documents(bodies)
    bodies = _mask_env_entries(bodies)
    masked = [p + _mask_line(b) for p, b in zip(prefixes, bodies)]
    return "\n".join(masked)


def mask_data(value: Any) -> Any:
    """Mask every string inside a JSON-like value (evidence dicts), and values under secret-looking keys."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: (MASK if isinstance(k, str) and looks_secret(k) and isinstance(v, (str, int)) and v != "" else mask_data(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value


def _mask_line(line: str) -> str:
    line = _JWT.sub(MASK, line)
    line = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", line)
    line = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", line)
    line = _DOCKER_ENV.sub(lambda m: f"{m.group('head')}{m.group('name')}{m.group('sep')}{MASK}" if looks_secret(m.group("name")) else m.group(0), line)
    line = _ENV_DEFAULT.sub(lambda m: f"{m.group(1)}{m.group('q')}{MASK}{m.group('q')}" if looks_secret(m.group("name")) else m.group(0), line)
    line = _mask_assignments(line)
    line = _mask_colon_pairs(line)
    return line


def _mask_colon_pairs(line: str) -> str:
    spans: list[tuple[int, int]] = []
    for m in _COLON.finditer(line):
        if not looks_secret(m.group("name")):
            continue
        start = m.end()
        quote = line[start : start + 1]
        if quote in ("'", '"'):
            close = line.find(quote, start + 1)
            start, end = start + 1, (close if close != -1 else len(line))
        else:
            end = _COLON_END.search(line, start).start()
        value = line[start:end].strip()
        if value and value != MASK and not _is_reference(value):
            spans.append((start, start + len(line[start:end].rstrip())))
    for start, end in reversed(spans):
        line = line[:start] + MASK + line[end:]
    return line


def _mask_assignments(line: str) -> str:
    spans: list[tuple[int, int]] = []
    for m in _ASSIGN.finditer(line):
        if not looks_secret(m.group("name")):
            continue
        start = m.end()
        quote = line[start : start + 1]
        if quote in ("'", '"'):
            close = line.find(quote, start + 1)
            start, end = start + 1, (close if close != -1 else len(line))
        else:
            end = start + _UNQUOTED_END.search(line, start).start() - start
        value = line[start:end]
        if value and value != MASK and not _is_reference(value):
            spans.append((start, end))
    for start, end in reversed(spans):
        line = line[:start] + MASK + line[end:]
    return line


def _is_reference(value: str) -> bool:
    """`${JWT_SECRET}`, `$JWT_SECRET`, `{{ .Values.x }}`, `process.env.X`, `secretKeyRef`: names, not values."""
    value = value.strip().strip("\"'")
    return value.startswith(("$", "{{", "process.env", "<")) or value in ("", "|", ">", "null", "~")


def _mask_secret_documents(lines: list[str]) -> list[str]:
    """In YAML documents of kind Secret, mask every value under `data:` / `stringData:`."""
    out = list(lines)
    start = 0
    for end in [i for i, line in enumerate(lines) if line.strip() == "---"] + [len(lines)]:
        document = lines[start:end]
        if _SECRET_KIND.search("\n".join(document)):
            _mask_data_blocks(out, start, end)
        start = end + 1
    return out


def _mask_data_blocks(out: list[str], start: int, end: int) -> None:
    block_indent: int | None = None
    for i in range(start, end):
        line = out[i]
        head = _DATA_KEY.match(line)
        if head is not None:
            rest = head.group("rest").strip()
            if rest.startswith("{"):
                out[i] = line[: line.index(rest)] + "{" + MASK + "}"
                block_indent = None
            else:
                block_indent = len(head.group("indent"))
            continue
        if block_indent is None or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= block_indent:
            block_indent = None
            continue
        key, sep, value = line.partition(":")
        if sep and value.strip():
            out[i] = f"{key}: {MASK}"


def _mask_env_entries(lines: list[str]) -> list[str]:
    """Kubernetes env lists: `- name: DB_PASSWORD` then `value: "…"` on one of the next lines."""
    out = list(lines)
    for i, line in enumerate(lines):
        entry = _ENV_NAME_ENTRY.match(line)
        if entry is None or not looks_secret(entry.group("name")):
            continue
        for j in range(i + 1, min(i + 3, len(lines))):
            value = _ENV_VALUE_ENTRY.match(lines[j])
            if value is not None:
                if not _is_reference(value.group("value")):
                    out[j] = value.group("head") + MASK
                break
    return out
