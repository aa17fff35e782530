"""What discovery found: catalogue values, each with where it was found and what is uncertain."""
from __future__ import annotations

from tiketi_doctor.deferred import dataclass
from dataclasses import field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def listed(items: list[str], limit: int = 4) -> str:
    """`a, b, c and 7 more`: a list a comment line can hold."""
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


@dataclass
class Fact(Generic[T]):
    """A discovered value, where it was found (`file:line (what stands there)`), and doubts.

    `doubts` become `# check:` comments in the written catalogue: discovery writes its best
    guess and says what a person should confirm instead of failing.
    """

    value: T
    source: str = ""
    doubts: list[str] = field(default_factory=list)


@dataclass
class Component:
    name: str
    role: Fact[str]
    description: str | None = None
    port: Fact[int] | None = None
    image: Fact[str] | None = None
    build: Fact[tuple[str, str]] | None = None  # (context, dockerfile)
    package_json: Fact[str] | None = None
    source: Fact[str] | None = None
    env_file: Fact[str] | None = None
    manifests: Fact[list[str]] | None = None
    deployment: Fact[str] | None = None
    k8s_service: Fact[str] | None = None
    health: Fact[str] | None = None
    readiness: Fact[str] | None = None
    url_env: Fact[str] | None = None
    url_default: Fact[str] | None = None
    routes: Fact[list[str]] | None = None
    depends_on: Fact[list[str]] | None = None
    # Values left out of the catalogue but written as comments: (key, value, why).
    commented: list[tuple[str, Any, str]] = field(default_factory=list)

    def facts(self) -> list[tuple[str, Fact]]:
        """(catalogue key, fact) in the order the catalogue writes them."""
        keys = (
            "role", "port", "image", "build", "package_json", "source", "env_file", "manifests", "deployment",
            "k8s_service", "health", "readiness", "url_env", "url_default", "routes", "depends_on",
        )
        return [(key, getattr(self, key)) for key in keys if getattr(self, key) is not None]

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        for key, fact in self.facts():
            if key == "build":
                context, dockerfile = fact.value
                data["build"] = {"context": context, "dockerfile": dockerfile}
            elif isinstance(fact.value, list):
                if fact.value:
                    data[key] = list(fact.value)
            else:
                data[key] = fact.value
        return data


@dataclass
class Discovery:
    name: str
    components: list[Component]
    kind_cluster: Fact[str]
    namespace: Fact[str]
    context: Fact[str]
    shared_packages: list[tuple[str, str, str]] = field(default_factory=list)  # (name, path, where)
    docs: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    config_files: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    # Files that could not be used as they are (not UTF-8, malformed): said, never fatal.
    warnings: list[str] = field(default_factory=list)
    # What was read, for the one-line summary: {"Dockerfiles": 6, "manifests": 12, ...}.
    read: dict[str, int] = field(default_factory=dict)
    target: Fact[dict] | None = None  # where heal deploys when not kind (discovery/target.py)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": 1,
            "name": self.name,
            "cluster": {
                "kind_cluster": self.kind_cluster.value,
                "namespace": self.namespace.value,
                "context": self.context.value,
            },
            "components": [c.to_data() for c in self.components],
        }
        if self.target is not None and self.target.value.get("type") != "kind":
            data["target"] = dict(self.target.value)
        if self.shared_packages:
            data["shared_packages"] = [{"name": n, "path": p} for n, p, _ in self.shared_packages]
        for key in ("docs", "scripts", "config_files", "exclude"):
            if getattr(self, key):
                data[key] = list(getattr(self, key))
        return data

    def summary(self) -> str:
        """`6 components (frontend, backend, ...) from 6 Dockerfiles, 11 manifests and 1 script`."""
        names = listed([c.name for c in self.components], 8)
        read = [f"{n} {what if n != 1 else what.rstrip('s')}" for what, n in self.read.items() if n]
        sources = (", ".join(read[:-1]) + " and " + read[-1]) if len(read) > 1 else "".join(read)
        count = len(self.components)
        text = f"{count} component{'s' if count != 1 else ''} ({names})"
        return text + (f" from {sources}" if sources else "")
