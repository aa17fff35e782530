"""kubeconfig files pointing at the fake, with a kind context and optionally
other (e.g. production-looking) contexts to exercise context safety."""

from __future__ import annotations

import json
from pathlib import Path

KIND_CONTEXT = "kind-tiketi-local"
DEFAULT_TOKEN = "fake-token-kind-tiketi-local"


def context_token(context: str) -> str:
    """Each context authenticates with its own token, so the request log shows which
    context a request came through (see RequestRecord.token)."""
    return DEFAULT_TOKEN if context == KIND_CONTEXT else f"fake-token-{context}"


def kubeconfig_dict(server: str, *, context: str = KIND_CONTEXT, namespace: str | None = None,
                    extra_contexts: dict | None = None, current_context: str | None = None) -> dict:
    """`extra_contexts` maps a context name to a server URL (or None: the fake's own
    URL, so a request through the wrong context is visible in the request log)."""
    contexts = {context: server}
    for name, url in (extra_contexts or {}).items():
        contexts[name] = url or server
    config = {"apiVersion": "v1", "kind": "Config", "preferences": {},
              "current-context": current_context or context,
              "clusters": [], "contexts": [], "users": []}
    for name, url in contexts.items():
        user = name if name != KIND_CONTEXT else KIND_CONTEXT
        config["clusters"].append({"name": name, "cluster": {"server": url}})
        ctx = {"cluster": name, "user": user}
        if namespace:
            ctx["namespace"] = namespace
        config["contexts"].append({"name": name, "context": ctx})
        config["users"].append({"name": user, "user": {"token": context_token(name)}})
    return config


def write_kubeconfig(path: str | Path, server: str, **options) -> Path:
    """Write a kubeconfig (JSON is valid YAML, so no YAML library is needed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kubeconfig_dict(server, **options), indent=2) + "\n", encoding="utf-8")
    return path
