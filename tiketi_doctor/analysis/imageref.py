"""Container image references: `registry/repository:tag@digest`, compared the way Docker resolves them.

`tiketi-auth-service` and `docker.io/library/tiketi-auth-service:latest` are the same image;
`localhost:5001/tiketi-auth` lives in a registry (a kind local registry), `tiketi-auth:local`
exists only where it was built or loaded. Tags that a script or workflow computes
(`$TAG`, `${{ github.sha }}`) are wildcards: they match any tag.
"""
from __future__ import annotations

import fnmatch
import re
from tiketi_doctor.deferred import dataclass
from functools import cached_property, lru_cache
from typing import Iterable

DEFAULT_REGISTRY = "docker.io"
WILDCARD = "*"
# ${VAR}, $VAR, ${{ expr }}, $(cmd): parts of a name only known when the command runs.
_TEMPLATE = re.compile(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}")


_PLACEHOLDER = re.compile(
    r"^your[-_.]?\w*$|^my[-_.]?(?:registry|repo|repository|org|organization|company|account|user|username|namespace"
    r"|project|docker-?hub|docker-?id|acr|ecr|gcr)$|^<.*>$|(?:^|\.)example\.(?:com|org|net)(?::\d+)?$",
    re.IGNORECASE,
)
_UPPER_PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$")  # REGISTRY/app, DOCKER_USER/app


@dataclass(frozen=True)
class ImageRef:
    registry: str | None  # None for Docker Hub spelled without a registry
    repository: str  # "tiketi-auth-service", "library/postgres", "org/app"
    tag: str | None  # None: no tag written (Docker uses "latest")
    digest: str | None = None
    text: str = ""  # as written: `registry.example.com/app:${{ github.sha }}`

    @property
    def name(self) -> str:
        """The name as written, without tag or digest (what kustomize `images[].name` matches)."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @cached_property
    def canonical_name(self) -> str:
        registry = self.registry or DEFAULT_REGISTRY
        repository = self.repository
        if registry == DEFAULT_REGISTRY and "/" not in repository:
            repository = "library/" + repository
        return f"{registry}/{repository}"

    @property
    def effective_tag(self) -> str:
        return self.tag or "latest"

    @property
    def latest(self) -> bool:
        """Whether Kubernetes treats it as `:latest` (default pull policy Always)."""
        return self.digest is None and self.effective_tag == "latest"

    @property
    def has_registry(self) -> bool:
        return self.registry is not None

    @property
    def templated(self) -> bool:
        """Part of the name or tag is computed when the command runs (`app:$TAG`)."""
        return WILDCARD in self.canonical_name or WILDCARD in (self.tag or "")

    @property
    def placeholder(self) -> bool:
        """The registry or account is a template's blank to fill in (`your-registry/app`, `<registry>/app`,
        `registry.example.com/app`, `REGISTRY/app`): the image lives wherever the reader pushes it."""
        first = (self.registry or self.repository.split("/", 1)[0]) if (self.registry or "/" in self.repository) else ""
        return bool(first) and bool(_PLACEHOLDER.search(first) or _UPPER_PLACEHOLDER.match(first))

    def matches(self, other: "ImageRef") -> bool:
        """Same image; a templated name or tag on either side matches anything in its place."""
        if not _glob_equal(self.canonical_name, other.canonical_name):
            return False
        if self.digest and other.digest:
            return self.digest == other.digest
        return _glob_equal(self.effective_tag, other.effective_tag)

    def same_name(self, other: "ImageRef") -> bool:
        return _glob_equal(self.canonical_name, other.canonical_name)

    def __str__(self) -> str:
        return self.text


class NameIndex:
    """Image names to test `same_name` against many at once: exact names by set lookup, the few
    templated ones (`app-*`) one by one."""

    def __init__(self, images: Iterable[ImageRef]):
        self.exact: set[str] = set()
        self.templated: list[str] = []
        for image in images:
            name = image.canonical_name
            if WILDCARD in name:
                self.templated.append(name)
            else:
                self.exact.add(name)

    def has_name(self, image: ImageRef) -> bool:
        name = image.canonical_name
        if name in self.exact:
            return True
        if WILDCARD in name and any(fnmatch.fnmatchcase(e, name) for e in self.exact):
            return True
        return any(_glob_equal(name, t) for t in self.templated)


def _glob_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    if WILDCARD in a and fnmatch.fnmatchcase(b, a):
        return True
    return WILDCARD in b and fnmatch.fnmatchcase(a, b)


def templated(text: str) -> str:
    """`app:${TAG}` -> `app:*`: computed parts become wildcards."""
    return _TEMPLATE.sub(WILDCARD, text)


@lru_cache(maxsize=4096)
def parse_image(text: str) -> ImageRef | None:
    """Parse an image reference; None for empty or obviously not-an-image text (cached: the same
    names are read from every manifest, script and workflow, and an ImageRef never changes)."""
    raw = text.strip().strip("\"'")
    value = templated(raw)
    if not value or any(c.isspace() for c in value):
        return None
    digest = None
    if "@" in value:
        value, digest = value.split("@", 1)
    tag = None
    slash = value.rfind("/")
    colon = value.rfind(":")
    if colon > slash:
        value, tag = value[:colon], value[colon + 1:] or None
    registry = None
    first, _, rest = value.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost" or first == WILDCARD):
        registry, value = first, rest
    if not value:
        return None
    return ImageRef(registry, value, tag, digest, raw)


def with_rewrite(image: ImageRef, new_name: str | None, new_tag: str | None, digest: str | None) -> ImageRef:
    """What a kustomize `images:` entry turns `image` into."""
    name = new_name or image.name
    text = name
    if digest:
        text += "@" + digest
    elif new_tag:
        text += ":" + new_tag
    elif image.digest:
        text += (":" + image.tag if image.tag else "") + "@" + image.digest
    elif image.tag:
        text += ":" + image.tag
    return parse_image(text) or image
