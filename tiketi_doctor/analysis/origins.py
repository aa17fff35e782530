"""Allowed origins as configuration writes them: which settings hold CORS origins, and what they allow."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# Settings that hold allowed origins: CORS_ORIGIN, CORS_ALLOWED_ORIGINS, ALLOWED_ORIGINS, FRONTEND_ORIGIN...
CORS_KEY = re.compile(r"CORS|ALLOWED_ORIGINS?$|(?:^|_)ORIGINS?$")


def allowed_origins(value: str) -> set[str] | None:
    """`scheme://host:port` of each origin in a comma/space separated list; None when any origin is allowed (`*`)."""
    found = set()
    for item in re.split(r"[,\s]+", value.strip()):
        if item == "*":
            return None
        if not item:
            continue
        try:
            parts = urlsplit(item)
            port = parts.port
        except ValueError:
            continue
        if not parts.hostname:
            continue
        default = 443 if parts.scheme == "https" else 80
        found.add(f"{parts.scheme}://{parts.hostname.lower()}:{port or default}")
    return found


def origin_host(origin: str) -> str:
    """The host name of a normalised origin (`https://shop.example.com:443` → `shop.example.com`)."""
    return urlsplit(origin).hostname or ""
