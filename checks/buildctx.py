"""CTX: COPY sources against the build contexts the scripts, CI workflows and compose files really use."""
from __future__ import annotations

import posixpath
import re
from typing import Iterable

from tiketi_doctor.analysis.build_context import Missing, check_sources
from tiketi_doctor.analysis.builds import BuildCommand, inventory
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Severity
from tiketi_doctor.parsing.dockerfile import parse_dockerfile


def catalogue_context(component: Component) -> str:
    return posixpath.normpath(component.build_context or posixpath.dirname(component.dockerfile or "") or ".")


def parsed_dockerfile(ctx: ScanContext, path: str):
    return ctx.repo.parsed("dockerfile", path, lambda f: parse_dockerfile(f.text, path))


def _describe(build: BuildCommand) -> str:
    place = f"{build.location.path}:{build.location.line}"
    if build.origin == "compose":
        return Msg("compose build {place}", place=place)
    if build.origin == "skaffold":
        return Msg("Skaffold artifact {place}", place=place)
    return place


def builds_by_context(ctx: ScanContext) -> dict[tuple[str, str], list[BuildCommand]]:
    """(Dockerfile, context) -> the builds that use it; catalogue components nobody builds use the catalogue's."""
    def collect():
        grouped: dict[tuple[str, str], list[BuildCommand]] = {}
        for build in inventory(ctx).builds:
            if build.dockerfile and build.context is not None and ctx.repo.exists(build.dockerfile):
                grouped.setdefault((build.dockerfile, build.context), []).append(build)
        built = {dockerfile for dockerfile, _ in grouped}
        for component in ctx.catalogue.components:
            if component.dockerfile and component.dockerfile not in built and ctx.repo.exists(component.dockerfile):
                grouped.setdefault((component.dockerfile, catalogue_context(component)), [])
        return grouped

    return ctx.memo("builds-by-context", collect)


def _component(ctx: ScanContext, dockerfile: str) -> Component | None:
    return next((c for c in ctx.catalogue.components if c.dockerfile == dockerfile), None)


@facts
class CopySourceFacts(Facts):
    """CTX001: the COPY/ADD source a build context lacks, why (missing, outside, ignored) and where."""

    dockerfile: str
    context: str
    source: str
    reason: str
    line: int | None = None


class CopySourceMissing(Check):
    code = "CTX001"
    name = "copy-source-missing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A COPY/ADD source does not exist in the build context a script, workflow or compose file builds with."
    why = (
        "COPY paths are relative to the build context, not to the Dockerfile. A Dockerfile written for the "
        "repository root (`COPY services/auth-service/src ./src`) fails with \"COPY failed: ... not found\" when a "
        "guide, CI job or compose file builds it from the service folder — or when .dockerignore leaves the "
        "path out of the context."
    )
    example = "docker build -t tiketi-auth-service:local services/auth-service  # Dockerfile copies services/auth-service/src"
    fix = (
        "Build with the context the Dockerfile is written for (the catalogue's build context, usually the "
        "repository root: `docker build -f services/x/Dockerfile .`), or change the COPY paths; un-ignore "
        "paths the image needs in .dockerignore."
    )
    Facts = CopySourceFacts
    symptom = "`docker build` of {dockerfile} stops: COPY failed: {source}: not found"
    fix_title = "Build {dockerfile} from the context its COPY paths are written for, or change the COPY of {source}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for (path, context), builds in sorted(builds_by_context(ctx).items()):
            dockerfile = parsed_dockerfile(ctx, path)
            if dockerfile is None:
                continue
            for problem in check_sources(ctx, dockerfile, context):
                yield self._finding(ctx, path, context, builds, problem)

    def _finding(self, ctx: ScanContext, path: str, context: str, builds: list[BuildCommand], problem: Missing) -> Finding:
        component = _component(ctx, path)
        used = (
            Joined([_describe(b) for b in builds], ", ") if builds
            else Msg("the catalogue's build of {name}", name=component.name if component else path)
        )
        source = problem.source
        expected = catalogue_context(component) if component else None
        note = ""
        if expected is not None and expected != context:
            if ctx.repo.exists(posixpath.join(expected, source.text)):
                note = Msg(" The catalogue builds {path} from {expected}, where the path exists.", path=path, expected=expected)
            else:
                note = Msg(" The catalogue builds {path} from {expected}, where the path is missing too.", path=path, expected=expected)
        if problem.reason == "outside":
            what = Msg("leaves the build context {context} (Docker refuses paths outside it)", context=context)
        elif problem.reason == "ignored":
            what = Msg(
                "is excluded from the build context {context} by {rule} ({pattern})",
                context=context, rule=f"{problem.rule.location.path}:{problem.rule.location.line}", pattern=problem.rule.pattern,
            )
        else:
            what = Msg(
                "does not exist in the build context {context} ({resolved})",
                context=context, resolved=posixpath.normpath(posixpath.join(context, source.text.lstrip("/"))),
            )
        cause = N_(
            "COPY/ADD sources are resolved inside the build context; {used} builds {path} with context {context}, "
            "so `docker build` stops with \"COPY failed: ... {source}: not found\".{note}"
        ) if len(builds) != 1 else N_(
            "COPY/ADD sources are resolved inside the build context; {used} build {path} with context {context}, "
            "so `docker build` stops with \"COPY failed: ... {source}: not found\".{note}"
        )
        return self.finding(
            Msg("{instruction} in {path} {what}; used by {used}", instruction=source.location.label, path=path, what=what, used=used),
            source.location,
            service=component.name if component else None,
            related=[b.location for b in builds],
            evidence={"source": source.text, "context": context, "builds": [str(b.location) for b in builds], "reason": problem.reason, "catalogue_context": expected},
            root_cause=Msg(cause, used=used, path=path, context=context, source=source.text, note=note),
            facts=CopySourceFacts(dockerfile=path, context=context, source=source.text, reason=problem.reason, line=source.location.line),
        )


@facts
class ContextFacts(Facts):
    """CTX002: the Dockerfile, the context a build uses and the one the catalogue gives."""

    dockerfile: str
    context: str
    catalogue_context: str


class BuildContextMismatch(Check):
    code = "CTX002"
    name = "build-context-mismatch"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A script, workflow or compose file builds a component from another context than the catalogue says."
    why = (
        "The same Dockerfile built from two contexts can produce two different images (COPY . picks up other "
        "files), and tiketi-doctor reads what an image contains — and rebuilds it — from the catalogue's context. "
        "When the builds disagree, one of them is not what was reviewed."
    )
    example = "compose: build: {context: services/auth-service}; catalogue: build context ."
    fix = "Use the same context everywhere, or correct the catalogue's `build.context` to the one the builds use."
    Facts = ContextFacts
    symptom = "the image built from {context} is not the one analysed and rebuilt from {catalogue_context}"
    fix_title = "Build {dockerfile} from one context everywhere ({catalogue_context} in the catalogue, {context} here)"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for (path, context), builds in sorted(builds_by_context(ctx).items()):
            component = _component(ctx, path)
            if component is None or not builds:
                continue
            expected = catalogue_context(component)
            if context == expected:
                continue
            dockerfile = parsed_dockerfile(ctx, path)
            if dockerfile is None or check_sources(ctx, dockerfile, context):
                continue  # CTX001 reports the build that fails
            first = builds[0]
            yield self.finding(
                Msg(
                    "{build} builds {path} with context {context}; the catalogue says {expected}",
                    build=_describe(first), path=path, context=context, expected=expected,
                ),
                first.location,
                service=component.name,
                related=[b.location for b in builds[1:]],
                evidence={"dockerfile": path, "context": context, "catalogue_context": expected, "builds": [str(b.location) for b in builds]},
                root_cause=Msg(
                    "Both contexts hold every COPY source of {path}, so both builds succeed, but they send different "
                    "files: the image built from {context} is not the one tiketi-doctor analyses and rebuilds (from {expected}).",
                    path=path, context=context, expected=expected,
                ),
                facts=ContextFacts(dockerfile=path, context=context, catalogue_context=expected),
            )


# What a missing build path is (the `what` fact), as a reader of a message names it.
# ("Dockerfile" is a name and stays as written.)
WHAT_WORDS = {
    "build context folder": N_("build context folder"),
}


@facts
class BuildPathFacts(Facts):
    """CTX003: the build path that does not exist, what it is, and the build (compose or workflow) that names it."""

    missing: str
    what: str
    origin: str
    file: str
    line: int | None = None

    @property
    def is_context(self) -> bool:
        return self.what.startswith("build context")


class BuildPathMissing(Check):
    code = "CTX003"
    name = "build-path-missing"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A compose `build:` or a workflow build names a context folder or Dockerfile that does not exist (Skaffold: SKF001)."
    why = (
        "Build paths are written once and forgotten: when a service folder is renamed or moved "
        "(`services/auth` → `apps/auth-service`) or a Dockerfile is renamed (`Dockerfile.prod`), the compose file "
        "and the CI workflow keep the old path. `docker compose build` stops with \"unable to prepare context: path "
        "... not found\" or \"failed to read dockerfile\", and the workflow's build (and every deploy after it) fails."
    )
    example = "docker-compose.yml: build: {context: ./services/auth} — the folder is now apps/auth-service"
    fix = "Point the build at the folder and Dockerfile that exist now (or restore the file that was moved)."
    Facts = BuildPathFacts
    symptom = "the build stops before its first step: \"unable to prepare context: path not found\" ({missing})"
    symptom_dockerfile = "the build stops before its first step: \"failed to read dockerfile: no such file\" ({missing})"
    fix_title = "Replace {missing} in {file} by the path that exists now"

    def which_symptom(self, finding):
        """A missing context folder and a missing Dockerfile fail with different errors."""
        facts = BuildPathFacts.of(finding)
        return self.symptom if facts is None or facts.is_context else self.symptom_dockerfile

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.analysis.builds import _PATH_VARIABLE

        seen: set[tuple] = set()
        for build in inventory(ctx).builds:
            if build.origin not in ("compose", "workflow") or build.context is None:
                continue
            if build.origin == "compose" and _inline_dockerfile(ctx, build):
                continue
            paths = [build.context] + ([build.dockerfile] if build.dockerfile else [])
            if any(_PATH_VARIABLE.search(p) or p.startswith(("/", "..")) for p in paths):
                continue  # computed, or outside the repository: not ours to judge
            if not ctx.repo.is_dir(build.context) and build.context != ".":
                missing, what = build.context, "build context folder"
            elif build.dockerfile and not ctx.repo.exists(build.dockerfile):
                missing, what = build.dockerfile, "Dockerfile"
            else:
                continue
            if build.origin == "workflow" and _workflow_makes_files(ctx, build, missing):
                continue
            key = (build.location.path, build.location.line, missing)
            if key in seen:
                continue
            seen.add(key)
            near = _nearest(ctx, missing, what)
            hint = Msg("; did it move to {near}?", near=near) if near else ""
            kind = Msg("compose service {name}", name=build.service or "?") if build.origin == "compose" else Msg("workflow build")
            what_word = Msg(WHAT_WORDS[what]) if what in WHAT_WORDS else what
            yield self.finding(
                Msg(
                    "{kind} at {place} builds from {what} {missing}, which does not exist{hint}",
                    kind=kind, place=f"{build.location.path}:{build.location.line}", what=what_word, missing=missing, hint=hint,
                ),
                build.location,
                evidence={"missing": missing, "what": what, "context": build.context, "dockerfile": build.dockerfile, "origin": build.origin, "candidate": near},
                root_cause=Msg(
                    "{missing} is not in the repository, so the build stops before its first step "
                    "(\"unable to prepare context: path not found\") and nothing after it in that build runs.", missing=missing,
                ) if what.startswith("build context") else Msg(
                    "{missing} is not in the repository, so the build stops before its first step "
                    "(\"failed to read dockerfile: no such file\") and nothing after it in that build runs.", missing=missing,
                ),
                facts=BuildPathFacts(missing=missing, what=what, origin=build.origin, file=build.location.path, line=build.location.line),
            )


def _inline_dockerfile(ctx: ScanContext, build: BuildCommand) -> bool:
    from tiketi_doctor.analysis.compose import compose_files

    for compose in compose_files(ctx):
        if compose.path != build.location.path:
            continue
        for service in compose.services:
            if service.name == build.service:
                value = service.data.get("build")
                return isinstance(value, dict) and "dockerfile_inline" in value
    return False


def _workflow_makes_files(ctx: ScanContext, build: BuildCommand, missing: str) -> bool:
    """The workflow may create the path itself: a checkout into a subfolder or of another repository, a
    downloaded artifact, or a command that writes, copies, moves, clones or unpacks something of that name."""
    from tiketi_doctor.analysis.workflows import workflows

    name = posixpath.basename(missing)
    for workflow in workflows(ctx):
        if workflow.path != build.location.path:
            continue
        for step in workflow.steps:
            action = step.action() if step.uses else ""
            if action == "actions/checkout" and (step.with_.get("path") or step.with_.get("repository")):
                return True
            if action.endswith("download-artifact"):
                return True
            for line in step.script:
                if line.number != build.location.line and name in line.text and _WRITES.search(line.text):
                    return True
    return False


_WRITES = re.compile(r">|\b(?:cp|mv|ln|mkdir|git\s+clone|curl|wget|tar|unzip|envsubst|sed|cat|tee|echo|printf|npx|npm|helm|kustomize)\b")


def _nearest(ctx: ScanContext, missing: str, what: str) -> str | None:
    """The one existing path with the same last name(s): where a moved folder or Dockerfile probably went."""
    name = posixpath.basename(missing)
    if what.startswith("build context"):
        found = [p for p in {posixpath.dirname(f) for f in ctx.repo.walk() if posixpath.basename(posixpath.dirname(f)) == name}]
    else:
        folder = posixpath.basename(posixpath.dirname(missing))
        found = [f for f in ctx.repo.walk() if posixpath.basename(f) == name and (not folder or posixpath.basename(posixpath.dirname(f)) == folder)]
    return found[0] if len(found) == 1 else None


CHECKS = (CopySourceMissing, BuildContextMismatch, BuildPathMissing)
