"""Whether a file name is a Dockerfile: the one answer every reader of the repository uses.

Docker only defaults to `Dockerfile`; any other name is built with `-f`, and people name them
`Dockerfile.dev`, `Dockerfile-prod`, `DockerFile`, `api.Dockerfile` or `web.dockerfile`. Files
named like one that are not built (docs, templates, backups, BuildKit's per-Dockerfile ignore
file `Dockerfile.dockerignore`) are not Dockerfiles.
"""
from __future__ import annotations

import posixpath
import re

_NAME = re.compile(r"^(?:dockerfile(?:[.-][\w.-]+)?|[\w.-]+[.-]dockerfile)$", re.IGNORECASE)
NOT_A_DOCKERFILE = (".md", ".txt", ".j2", ".jinja", ".tmpl", ".tpl", ".template", ".bak", ".orig", ".dockerignore", ".swp")


def is_dockerfile(path: str) -> bool:
    name = posixpath.basename(path)
    return bool(_NAME.match(name)) and not name.lower().endswith(NOT_A_DOCKERFILE)
