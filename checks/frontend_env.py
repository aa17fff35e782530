"""FE: frontend variables that the bundler inlines at build time, missing when the image builds."""
from __future__ import annotations

import posixpath
import re
from typing import Iterable

from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg
from tiketi_doctor.model import Finding, Location, Severity

BUILD_TIME = re.compile(r"^(?:REACT_APP_|VITE_|NEXT_PUBLIC_)[A-Z0-9_]+$")
# The step that bundles: `npm run build`, `yarn build`, `pnpm run build:prod`, `vite build`, `next build`...
_BUILD_STEP = re.compile(r"\b(?:(?:npm|pnpm|yarn)\s+(?:run\s+)?build[\w:-]*|(?:vite|next|react-scripts)\s+build)\b")
# Files the bundlers (Vite, Create React App, Next.js) load in production builds.
DOTENV_FILES = (".env", ".env.production", ".env.local", ".env.production.local")
_BUNDLER_CONFIG = re.compile(r"^(?:vite|next|webpack|craco|rsbuild|rspack)\.config\.[cm]?[jt]s$")


@facts
class BuildEnvFacts(Facts):
    """FE001: the variable the bundle inlines, and the Dockerfile line that bundles without it."""

    variable: str
    dockerfile: str = ""
    line: int | None = None


class FrontendEnvNotAtBuild(Check):
    code = "FE001"
    name = "frontend-env-missing-at-build"
    severity = Severity.ERROR
    summary = (
        "The frontend reads a REACT_APP_/VITE_/NEXT_PUBLIC_ variable that is not set when its image runs "
        "`npm run build`: the shipped bundle has `undefined`."
    )
    why = (
        "Create React App, Vite and Next.js replace `process.env.REACT_APP_X`/`import.meta.env.VITE_X`/"
        "`process.env.NEXT_PUBLIC_X` with their value while bundling; the browser never sees an environment. "
        "When the Dockerfile's build stage has no `ARG`/`ENV` for it (a build arg passed without an `ARG` is "
        "dropped), no `.env`/`.env.production` it copies defines it and no bundler config injects it, the "
        "image ships `undefined` — API calls go to `undefined/api/...`. Setting the variable in the "
        "Deployment or compose `environment:` changes nothing: the bundle was built before the container starts."
    )
    example = (
        "src/api.js: `axios.create({ baseURL: import.meta.env.VITE_API_URL })`; Dockerfile: "
        "`RUN npm run build` with no `ARG VITE_API_URL`; k8s/web.yaml sets VITE_API_URL in `env:`"
    )
    fix = (
        "Declare `ARG VITE_API_URL` (and `ENV VITE_API_URL=$VITE_API_URL` if you like) in the build stage before "
        "`RUN npm run build` and pass it with `--build-arg`/compose `build.args`/`build-args:`, or commit a "
        "`.env.production` with the value; a value that must change per environment needs a runtime config "
        "file (`/config.js`) the page loads instead."
    )
    Facts = BuildEnvFacts
    symptom = "the browser's bundle has {variable} = undefined (requests to undefined/...)"
    fix_title = "Declare ARG {variable} in {dockerfile} before the build step"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        from tiketi_doctor.analysis.envvars import env_use
        from tiketi_doctor.analysis.image import dockerfile_of
        from tiketi_doctor.files import file_roles

        roles = file_roles(ctx)
        reads = {}
        for name, found in env_use(ctx, component).reads.items():
            inlined = [r for r in found if r.usage == "required" and roles.is_production(r.location.path) and _inlined(ctx, name, r.location.path)]
            if BUILD_TIME.match(name) and inlined:
                reads[name] = inlined
        if not reads:
            return
        dockerfile = dockerfile_of(ctx, component)
        if dockerfile is None:
            return  # no image of its own is built here: nothing says how the bundle is made
        build = next((i for i in dockerfile.instructions if i.cmd == "RUN" and _BUILD_STEP.search(_run_text(i))), None)
        if build is None:
            return  # the image does not bundle (it copies a prebuilt dist/)
        stage = dockerfile.stages[build.stage]
        before = [i for i in stage.instructions if i.start_line <= build.start_line]
        if any(i.cmd in ("COPY", "ADD") and _names_missing_dotenv(ctx, component, i) for i in before):
            ctx.undecided(Msg("{path} copies an env file the repository does not hold (written at deploy time)", path=dockerfile.path))
            return
        folder = posixpath.dirname(component.package_json or dockerfile.path) or "."
        known = set(dict(build.env)) | _dotenv_names(ctx, folder) | _bundler_mentions(ctx, folder)
        scripts = " ".join(_run_text(i) for i in before if i.cmd == "RUN")
        runtime = _runtime_sources(ctx, component)
        build_args = _compose_build_args(ctx, component)
        for name, found in sorted(reads.items()):
            if name in known or re.search(rf"\b{name}\b", scripts):
                continue
            first = found[0].location
            notes = []
            if name in build_args:
                notes.append(Msg(
                    " The build passes it as a build arg ({where}), but the Dockerfile declares no `ARG {name}`, so the build step never sees it.",
                    where=_at(build_args[name]), name=name,
                ))
            if name in runtime:
                notes.append(Msg(
                    " It is set at run time ({where}), which does not help: the bundle was built before the container starts.",
                    where=_at(runtime[name]),
                ))
            yield self.finding(
                Msg("{name} is read in {where} but `{command}` ({step}) runs without it: the bundle ships `undefined`.{notes}",
                    name=name, where=_at(first), command=_build_command(build), step=f"{dockerfile.path}:{build.start_line}",
                    notes=Joined(notes, "")),
                first,
                service=component.name,
                related=[Location(dockerfile.path, build.start_line)] + ([runtime[name]] if name in runtime else []),
                evidence={"variable": name, "build_step": f"{dockerfile.path}:{build.start_line}", "read_at": _at(first)},
                root_cause=Msg(
                    "The bundler inlines {name} while `{command}` runs; the build stage of {dockerfile} "
                    "has no ARG/ENV {name} and no env file it copies defines it.",
                    name=name, command=_build_command(build), dockerfile=dockerfile.path,
                ),
                facts=BuildEnvFacts(name, dockerfile.path, build.start_line),
            )


def _inlined(ctx: ScanContext, name: str, path: str) -> bool:
    """Whether the bundler inlines this read. Next.js server code (API routes, route handlers,
    middleware, server components) reads NEXT_PUBLIC_ variables at run time too."""
    if not name.startswith("NEXT_PUBLIC_"):
        return True
    base = posixpath.basename(path)
    if "/api/" in f"/{path}" or base.startswith(("route.", "middleware.", "server.")):
        return False
    source = ctx.repo.text(path)
    text = source.text if source else ""
    return "/app/" not in f"/{path}" or bool(re.match(r"\s*(?://[^\n]*\n\s*)*['\"]use client['\"]", text))


def _run_text(inst) -> str:
    return " ".join(inst.value) + "".join(h.content for h in inst.heredocs)


def _build_command(inst) -> str:
    match = _BUILD_STEP.search(_run_text(inst))
    return match.group(0) if match else "RUN"


def _at(location: Location) -> str:
    return f"{location.path}:{location.line}" if location.line else location.path


def _names_missing_dotenv(ctx: ScanContext, component: Component, inst) -> bool:
    """A COPY of a `.env*` file the repository does not hold: CI writes it before the build."""
    context = component.build_context or posixpath.dirname(component.dockerfile or "") or "."
    for source in inst.value[:-1]:
        if posixpath.basename(source).startswith(".env") and not inst.flag("from"):
            path = posixpath.normpath(posixpath.join(context, source))
            if not ctx.repo.exists(path):
                return True
    return False


def _dotenv_names(ctx: ScanContext, folder: str) -> set[str]:
    from tiketi_doctor.analysis.envsources import env_file_entries

    names: set[str] = set()
    for name in DOTENV_FILES:
        path = posixpath.join(folder, name) if folder != "." else name
        if ctx.repo.exists(path):
            names |= {entry.name for entry in env_file_entries(ctx, path) if entry.value}
    return names


def _bundler_mentions(ctx: ScanContext, folder: str) -> set[str]:
    """Variables a bundler config names (`define`, Next's `env`, webpack's DefinePlugin): it may inject them."""
    names: set[str] = set()
    for path in ctx.repo.glob(f"{folder}/*" if folder != "." else "*"):
        if _BUNDLER_CONFIG.match(posixpath.basename(path)):
            source = ctx.repo.text(path)
            if source is not None:
                names |= set(re.findall(r"\b(?:REACT_APP_|VITE_|NEXT_PUBLIC_)[A-Z0-9_]+\b", source.text))
    return names


def _runtime_sources(ctx: ScanContext, component: Component) -> dict[str, Location]:
    from tiketi_doctor.analysis.envsources import container_envs, local_sources

    found: dict[str, Location] = {}
    for container in container_envs(ctx, component):
        for source in container.sources:
            found.setdefault(source.name, source.location)
    for source in local_sources(ctx, component):
        if source.kind == "compose":
            found.setdefault(source.name, source.location)
    return found


def _compose_build_args(ctx: ScanContext, component: Component) -> dict[str, Location]:
    """Build args compose passes to the component's Dockerfile (`build.args`, a list or a mapping)."""
    from tiketi_doctor.analysis.compose import compose_files

    found: dict[str, Location] = {}
    for compose in compose_files(ctx):
        for service in compose.services:
            if service.build is None or service.build.dockerfile != component.dockerfile:
                continue
            build = service.data.get("build")
            args = build.get("args") if isinstance(build, dict) else None
            items = args.items() if isinstance(args, dict) else ((str(a).partition("=")[0], None) for a in args or [])
            for key, _ in items:
                where = service.path + ("build", "args")
                found.setdefault(str(key), Location(compose.path, compose.doc.line(where)))
    return found


CHECKS = (FrontendEnvNotAtBuild,)
