"""ARCH: an image built for one CPU architecture, scheduled only on nodes of another."""
from __future__ import annotations

from typing import Iterable

from tiketi_doctor.analysis.environments import environments, workload_in
from tiketi_doctor.analysis.image import dockerfile_of
from tiketi_doctor.analysis.k8s import partly_unknown
from tiketi_doctor.analysis.kustomize import Placed
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.dockerfile import Dockerfile

ARCH_LABELS = ("kubernetes.io/arch", "beta.kubernetes.io/arch")
# Docker's platform names and the node label's values.
_ALIASES = {"x86_64": "amd64", "aarch64": "arm64", "arm64/v8": "arm64", "armhf": "arm", "arm/v7": "arm", "arm/v6": "arm"}


def image_arch(dockerfile: Dockerfile) -> tuple[str, Location] | None:
    """The architecture the final stage is pinned to by `FROM --platform=linux/<arch>` (following
    `FROM <stage>` to the stage it builds on); None when the Dockerfile leaves it to the builder
    (no flag, or `$BUILDPLATFORM`/`$TARGETPLATFORM`)."""
    stage = dockerfile.final
    for _ in range(len(dockerfile.stages)):
        first = next((i for i in stage.instructions if i.cmd == "FROM"), None)
        if first is None:
            return None
        platform = first.flag("platform")
        if platform:
            if "$" in platform or "/" not in platform:
                return None
            arch = _normal(platform.split("/", 1)[1])
            line, column = dockerfile.locate(platform, first)
            return arch, Location(dockerfile.path, line, column, label=first.original.strip())
        parent = dockerfile.stage(stage.base)
        if parent is None or parent.index >= stage.index:
            return None
        stage = parent
    return None


def _normal(arch: str) -> str:
    arch = arch.strip().lower()
    return _ALIASES.get(arch, arch.split("/", 1)[0])


def node_arches(workload: Placed) -> tuple[set[str], tuple] | None:
    """The architectures the pod may be scheduled on (nodeSelector, or required node affinity), with the
    JSON path that says so; None when the workload does not restrict it."""
    spec = ("spec",) if workload.kind == "Pod" else ("spec", "template", "spec")
    selector = workload.get(*spec, "nodeSelector")
    if isinstance(selector, dict):
        for label in ARCH_LABELS:
            value = selector.get(label)
            if isinstance(value, str) and value:
                if partly_unknown(value):
                    return None
                return {_normal(value)}, spec + ("nodeSelector", label)
    terms = workload.get(*spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    if not isinstance(terms, list) or not terms or partly_unknown(terms):
        return None
    allowed: set[str] = set()
    for i, term in enumerate(terms):  # terms are ORed: every term must restrict the architecture
        exprs = term.get("matchExpressions") if isinstance(term, dict) else None
        values = None
        for expr in exprs or []:
            if isinstance(expr, dict) and expr.get("key") in ARCH_LABELS and expr.get("operator") == "In":
                values = {_normal(str(v)) for v in expr.get("values") or []}
        if not values:
            return None
        allowed |= values
    return allowed, spec + ("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")


@facts
class ArchFacts(Facts):
    component: str
    image_arch: str
    node_arch: tuple[str, ...]
    dockerfile: str

    @property
    def nodes(self) -> str:
        return ", ".join(self.node_arch)


class ImageArchMismatch(Check):
    code = "ARCH001"
    name = "image-arch-mismatch"
    severity = Severity.ERROR
    summary = "An image pinned to one CPU architecture (`FROM --platform=linux/amd64`) runs only on nodes of another (nodeSelector/affinity on kubernetes.io/arch)."
    why = (
        "An image holds binaries for the architecture it was built for. When the Dockerfile pins the platform and the "
        "workload may only run on nodes of another architecture, the pull fails ('no match for platform in manifest') "
        "or the container exits at once with 'exec format error' — CrashLoopBackOff on every node it can use."
    )
    example = "api/Dockerfile: FROM --platform=linux/amd64 node:20-alpine; k8s/api.yaml: nodeSelector: {kubernetes.io/arch: arm64}"
    fix = "Build for the nodes' architecture (drop the pin and build with `docker buildx build --platform linux/arm64,linux/amd64`), or schedule the pods on nodes of the image's architecture."
    symptom = "`exec format error` (CrashLoopBackOff) or `no match for platform in manifest` on {nodes} nodes"
    fix_title = "Build {component}'s image for {nodes} instead of linux/{image_arch}"
    Facts = ArchFacts

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        dockerfile = dockerfile_of(ctx, component)
        pinned = image_arch(dockerfile) if dockerfile is not None and dockerfile.stages else None
        if pinned is None:
            return
        arch, where = pinned
        seen: set[tuple] = set()
        for env in environments(ctx):
            workload = workload_in(ctx, env, component)
            if workload is None:
                continue
            found = node_arches(workload)
            if found is None or arch in found[0]:
                continue
            nodes, path = found
            place = workload.at(path, label="/".join(str(p) for p in path[-2:]))
            if (place.path, place.line) in seen:
                continue
            seen.add((place.path, place.line))
            wanted = ", ".join(sorted(nodes))
            facts = ArchFacts(component.name, arch, tuple(sorted(nodes)), where.path)
            yield self.finding(
                Msg(
                    "{component}'s image is built for linux/{arch} ({place}), but {kind} {workload} runs only on {nodes} nodes",
                    component=component.name, arch=arch, place=f"{where.path}:{where.line}", kind=workload.kind,
                    workload=workload.name, nodes=wanted,
                ),
                place,
                service=component.name,
                related=[where],
                evidence={"image_arch": arch, "node_arch": sorted(nodes), "environment": env.name},
                root_cause=Msg(
                    "{dockerfile} pins the final image to linux/{arch}; {workload} may be scheduled only where "
                    "kubernetes.io/arch is {nodes}, so the pull finds no matching platform or the process fails with "
                    "`exec format error`.",
                    dockerfile=where.path, arch=arch, workload=workload.name, nodes=wanted,
                ),
                facts=facts,
            )


CHECKS = (ImageArchMismatch,)
