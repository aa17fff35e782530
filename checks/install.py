"""INS: how packages get installed — sections, production installs, lockfiles and local `file:` packages."""
from __future__ import annotations

import posixpath
import re
from typing import Iterable, Iterator

from tiketi_doctor.analysis.image import package_json
from tiketi_doctor.analysis.installs import LOCKFILES, NpmStep, npm_steps, script_call
from tiketi_doctor.analysis.semver import intersects
from tiketi_doctor.analysis.source import requirements
from tiketi_doctor.analysis.workflows import workflows
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.packagejson import PackageJson
from tiketi_doctor.parsing.shell import split_commands
from tiketi_doctor.remediation import rebuild_commands
from tiketi_doctor.parsing import load_json

# Command names whose package is not called the same.
BIN_PACKAGES = {
    "tsc": ("typescript",), "babel": ("@babel/cli",), "nest": ("@nestjs/cli",), "ng": ("@angular/cli",),
    "vue-cli-service": ("@vue/cli-service",), "webpack": ("webpack-cli", "webpack"), "sequelize": ("sequelize-cli",),
    "grunt": ("grunt-cli",), "craco": ("@craco/craco",), "swc": ("@swc/cli",), "pm2-runtime": ("pm2",),
    "vitest": ("vitest",), "tsup": ("tsup",),
}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _dev_only(pkg: PackageJson, name: str) -> bool:
    """npm treats a package listed in devDependencies as dev, even when dependencies lists it too."""
    return name in pkg.section("devDependencies")


def _image_package(ctx: ScanContext, step: NpmStep) -> PackageJson | None:
    source = step.files.repo_path(ctx, step.manifest)
    return package_json(ctx, source) if source and source.endswith("package.json") else None


# -- INS001 -------------------------------------------------------------------------------------
@facts
class BothSectionsFacts(Facts):
    """INS001: the package listed in both sections of one package.json, with both ranges."""

    package: str
    package_json: str
    dependencies: str
    devDependencies: str


class DependencyInBothSections(Check):
    code = "INS001"
    name = "dependency-in-both-sections"
    severity = Severity.WARNING
    summary = "A package is listed in both dependencies and devDependencies of one package.json."
    why = (
        "npm resolves the conflict in favour of devDependencies: its range is the one installed, and a "
        "production install (`npm ci --omit=dev`, NODE_ENV=production) leaves the package out altogether — "
        "the code that requires it then crashes with `Cannot find module` in the image only."
    )
    example = "\"dependencies\": {\"jsonwebtoken\": \"^9.0.2\"}, \"devDependencies\": {\"jsonwebtoken\": \"^8.5.1\"}"
    fix = "Keep the package in one section: dependencies when the running code requires it, devDependencies otherwise."
    Facts = BothSectionsFacts
    symptom = "npm installs {package} {devDependencies} as a devDependency; a production install leaves it out: Cannot find module '{package}'"
    fix_title = "Keep {package} in one section of {package_json}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        pkg = package_json(ctx, component.package_json)
        if pkg is None:
            return
        both = sorted(set(pkg.dependencies) & set(pkg.section("devDependencies")))
        if not both:
            return
        omitting = [s for s in npm_steps(ctx, component) if s.verb in ("install", "ci") and s.omit_dev and s.files.repo_path(ctx, s.manifest) == pkg.path]
        required = requirements(ctx, component)
        for name in both:
            prod, dev = pkg.dependencies[name], pkg.section("devDependencies")[name]
            crashes = bool(omitting) and name in required
            related = [Location(pkg.path, prod.line, label=f'"{name}": "{prod.spec}"')]
            if crashes:
                related += [omitting[0].location, required[name].first]
            ranges = Msg(" ({prod} vs {dev}; npm installs {dev})", prod=prod.spec, dev=dev.spec) if prod.spec != dev.spec else ""
            cause = Msg(
                "{path} lists {name} in dependencies (line {prod_line}) and devDependencies (line {dev_line}); npm keeps the devDependencies entry{ranges}.",
                path=pkg.path, name=name, prod_line=prod.line, dev_line=dev.line, ranges=ranges,
            )
            if crashes:
                cause = Joined([cause, Msg(
                    "{place} installs without devDependencies, so {name} is not in "
                    "the image although {requirer} requires it: the container exits with Cannot find module '{name}'.",
                    place=f"{omitting[0].location.path}:{omitting[0].location.line}", name=name, requirer=str(required[name].first),
                )], " ")
            template = (
                N_("{component}: {name} is in both dependencies and devDependencies of {path} — the production image will not install it")
                if crashes else N_("{component}: {name} is in both dependencies and devDependencies of {path}")
            )
            yield self.finding(
                Msg(template, component=component.name, name=name, path=pkg.path),
                Location(pkg.path, dev.line, label=f'"{name}": "{dev.spec}"'),
                service=component.name,
                severity=Severity.ERROR if crashes else Severity.WARNING,
                related=related,
                evidence={"package": name, "dependencies": prod.spec, "devDependencies": dev.spec, "production_install": bool(omitting)},
                root_cause=cause,
                facts=BothSectionsFacts(package=name, package_json=pkg.path, dependencies=prod.spec, devDependencies=dev.spec),
                remediation=rebuild_commands(ctx.catalogue, component) if crashes else [],
            )


# -- INS002 -------------------------------------------------------------------------------------
@facts
class DevToolFacts(Facts):
    """INS002: the devDependency a build step or CMD needs, the command it provides, and where it runs."""

    package: str
    tool: str
    dockerfile: str
    line: int | None = None


class DevDependencyNeededInImage(Check):
    code = "INS002"
    name = "dev-dependency-needed-in-image"
    severity = Severity.ERROR
    summary = "The image installs without devDependencies, then runs a tool (build step or CMD) that only devDependencies provide."
    why = (
        "`npm ci --omit=dev`, `--production` or NODE_ENV=production before the install leave devDependencies "
        "out. A later `npm run build` that calls tsc/esbuild/vite, or a CMD that starts nodemon or ts-node, then "
        "fails with `sh: tsc: not found` — the build breaks, or the container exits at start."
    )
    example = "ENV NODE_ENV=production / RUN npm ci / RUN npm run build  (build: \"tsc\", typescript in devDependencies)"
    fix = (
        "Build in a stage that installs everything (`npm ci`), then copy the output into a runtime stage that "
        "installs with `--omit=dev`; or move a tool the container runs into dependencies."
    )
    Facts = DevToolFacts
    symptom = "`{tool}: not found` in {dockerfile}: the image build fails, or the container exits at start"
    fix_title = "Install {package} where {tool} runs: a build stage with devDependencies, or move it to dependencies"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        steps = npm_steps(ctx, component)
        for step in steps:
            if step.verb in ("install", "ci") or not step.omit_dev or not step.installed:
                continue
            pkg = _image_package(ctx, step)
            if pkg is None:
                continue
            for tool, package, via in _tools(pkg, step):
                if not _dev_only(pkg, package):
                    continue
                install = next((s for s in reversed(steps) if s.verb in ("install", "ci") and s.stage == step.stage and s.location.line < step.location.line), None)
                dev = pkg.section("devDependencies")[package]
                at_start = step.tool == "CMD"
                effect = Msg("the container exits at start") if at_start else Msg("the image build fails")
                yield self.finding(
                    Msg(
                        "{component}: {step} needs {package} ({tool}{via}), a devDependency that the install before it leaves out — {effect}",
                        component=component.name, step=step.location.label, package=package, tool=tool, via=via, effect=effect,
                    ),
                    step.location,
                    service=component.name,
                    related=[l for l in (install.location if install else None, Location(pkg.path, dev.line, label=f'"{package}": "{dev.spec}"')) if l],
                    evidence={"tool": tool, "package": package, "stage": step.stage_name or step.stage, "install": install.location.label if install else None},
                    root_cause=Msg(
                        "{install} installs without devDependencies ({why}); {path} declares {package} only in devDependencies, so "
                        "`{tool}` is not in node_modules/.bin and {effect} with `{tool}: not found`.",
                        install=f"{install.location.path}:{install.location.line}" if install else Msg("The stage"),
                        why=_why_omitted(install), path=pkg.path, package=package, tool=tool, effect=effect,
                    ),
                    facts=DevToolFacts(package=package, tool=tool, dockerfile=step.location.path, line=step.location.line),
                    remediation=rebuild_commands(ctx.catalogue, component),
                )
                break


def _why_omitted(install: NpmStep | None) -> str:
    if install is None:
        return "NODE_ENV=production"
    flags = [w for w in install.words if w.startswith("--") and ("omit" in w or "prod" in w or "only" in w)]
    return " ".join(flags) if flags else Msg("NODE_ENV=production is set before it")


def _tools(pkg: PackageJson, step: NpmStep) -> Iterator[tuple[str, str, str]]:
    """(command, package providing it, how it is reached) for what the step runs."""
    scripts = pkg.data.get("scripts") if isinstance(pkg.data.get("scripts"), dict) else {}
    words = [w for w in step.words if not _ASSIGNMENT.match(w)]
    targets: list[tuple[str, str]] = []  # (command text, via)
    call = script_call(words) if step.tool in ("npm", "pnpm", "yarn", "CMD") else None
    if call is not None and not call.elsewhere:
        if isinstance(scripts.get(call.script), str):
            targets.append((scripts[call.script], Msg(", from the {script} script", script=repr(call.script))))
    elif step.tool not in ("npm", "pnpm", "yarn", "CMD") or words[:1] not in (["npm"], ["yarn"], ["pnpm"]):
        targets.append((" ".join(words), ""))
    for text, via in targets:
        for command in _script_commands(text, scripts):
            for tool in _command_tools(command):
                for package in BIN_PACKAGES.get(tool, (tool,)):
                    if package in pkg.section("devDependencies") or package in pkg.dependencies:
                        yield tool, package, via
                        break


def _script_commands(text: str, scripts: dict, depth: int = 0) -> list[list[str]]:
    try:
        commands = [c.words for c in split_commands(text)]
    except ValueError:
        return []
    found = []
    for words in commands:
        words = [w for w in words if not _ASSIGNMENT.match(w)]
        if depth < 2 and words[:2] in (["npm", "run"], ["yarn", "run"], ["pnpm", "run"]) and len(words) > 2 and isinstance(scripts.get(words[2]), str):
            found += _script_commands(scripts[words[2]], scripts, depth + 1)
        else:
            found.append(words)
    return found


def _command_tools(words: list[str]) -> list[str]:
    tools = []
    while words and words[0] in ("npx", "cross-env", "dotenv", "env"):
        if words[0] == "npx":
            tools.append("npx")
        words = [w for w in words[1:] if not w.startswith("-") and not _ASSIGNMENT.match(w)]
    if words:
        tools.append(words[0].rsplit("/", 1)[-1])
    return [t for t in tools if t not in ("npx", "node", "sh", "bash")]


# -- INS003 -------------------------------------------------------------------------------------
@facts
class LockFacts(Facts):
    """INS003: the package.json `npm ci` installs and its lockfile (None when there is none in the repository)."""

    package_json: str
    lockfile: str | None


@facts
class NoLockFacts(LockFacts):
    """INS003: ... `npm ci` runs without it, at this place."""

    path: str = ""
    line: int | None = None


@facts
class StaleLockFacts(LockFacts):
    """INS003: ... it is out of sync: the packages it does not satisfy."""

    differences: tuple[str, ...] = ()


class LockfileOutOfSync(Check):
    code = "INS003"
    name = "lockfile-out-of-sync"
    severity = Severity.ERROR
    summary = "`npm ci` runs with no lockfile, or with a package-lock.json that does not match package.json."
    why = (
        "`npm ci` installs exactly the lockfile and refuses to run when it is missing or out of sync with "
        "package.json (\"npm ci can only install packages when your package.json and package-lock.json are in "
        "sync\"). A dependency added to package.json without `npm install` breaks every image build and CI run."
    )
    example = "package.json adds \"google-auth-library\": \"^9.15.1\"; package-lock.json was not regenerated; the Dockerfile runs npm ci"
    fix = "Run `npm install` in the package's folder and commit the updated package-lock.json (and copy it into the image)."
    Facts = LockFacts
    symptom = "docker build fails: npm ci can only install packages when your package.json and package-lock.json are in sync"
    symptom_no_lock = "docker build fails: The `npm ci` command can only install with an existing package-lock.json"
    fix_title = "Run `npm install` next to {package_json}, commit package-lock.json and copy it into the image"

    def which_symptom(self, finding):
        """An out-of-sync lockfile and a missing one stop npm ci with different errors."""
        return self.symptom if "differences" in finding.params else self.symptom_no_lock

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for step in npm_steps(ctx, component):
            if step.verb != "ci" or step.tool != "npm":
                continue
            manifest = step.files.repo_path(ctx, step.manifest)
            if manifest is None:
                continue
            lock = next((step.files.repo_path(ctx, posixpath.join(step.workdir, name)) for name in LOCKFILES if step.files.repo_path(ctx, posixpath.join(step.workdir, name))), None)
            if lock is None:
                yield self._no_lock(ctx, component, step, manifest)
                continue
            yield from self._compare(ctx, component, manifest, lock, step.location, seen)
        for where, folder in _workflow_ci(ctx):
            manifest = posixpath.join(folder, "package.json") if folder != "." else "package.json"
            if component.package_json != manifest:
                continue
            lock = next((posixpath.join(folder, n) if folder != "." else n for n in LOCKFILES if ctx.repo.exists(posixpath.join(folder, n))), None)
            if lock is None:
                yield self._no_lock(ctx, component, None, manifest, where)
            else:
                yield from self._compare(ctx, component, manifest, lock, where, seen)

    def _no_lock(self, ctx, component, step: NpmStep | None, manifest: str, where: Location | None = None) -> Finding:
        where = where or step.location
        folder = posixpath.dirname(manifest)
        in_repo = next((posixpath.join(folder, n) for n in LOCKFILES if ctx.repo.exists(posixpath.join(folder, n))), None)
        place = f"{where.path}:{where.line}"
        if in_repo and step is not None:
            cause = Msg("{lockfile} exists, but no COPY puts it next to {manifest} before this RUN", lockfile=in_repo, manifest=step.manifest)
            message = Msg(
                "{component}: `npm ci` at {place} runs without the lockfile — {lockfile} is not copied into the image",
                component=component.name, place=place, lockfile=in_repo,
            )
        else:
            cause = Msg("{folder} has no package-lock.json", folder=folder or Msg("the repository root"))
            message = Msg(
                "{component}: `npm ci` at {place} needs a package-lock.json, and {folder} has none",
                component=component.name, place=place, folder=folder or ".",
            )
        return self.finding(
            message,
            where,
            service=component.name,
            evidence={"package_json": manifest, "lockfile_in_repository": in_repo},
            root_cause=Msg(
                "{cause}; npm ci stops with \"The `npm ci` command can only install with an existing package-lock.json\".", cause=cause,
            ),
            facts=NoLockFacts(package_json=manifest, lockfile=in_repo, path=where.path, line=where.line),
        )

    def _compare(self, ctx, component, manifest: str, lock_path: str, where: Location, seen) -> Iterator[Finding]:
        if (manifest, lock_path) in seen:
            return
        seen.add((manifest, lock_path))
        pkg = package_json(ctx, manifest)
        source = ctx.repo.text(lock_path)
        if pkg is None or source is None:
            return
        try:
            lock = load_json(source.text)
        except ValueError as exc:
            ctx.repo.problem("SRC002", lock_path, Msg("{path}: invalid JSON ({error})", path=lock_path, error=str(exc)))
            return
        problems = lock_differences(pkg, lock)
        if not problems:
            return
        elsewhere = posixpath.dirname(lock_path) != posixpath.dirname(manifest)
        origin = Msg(
            " (the image copies it from {source}, not from {folder})",
            source=posixpath.dirname(lock_path) or Msg("the repository root"), folder=posixpath.dirname(manifest) or Msg("the repository root"),
        ) if elsewhere else ""
        first_name = problems[0][0]
        declared = pkg.declared(first_name)
        at = Location(pkg.path, declared.line, label=f'"{first_name}": "{declared.spec}"') if declared else Location(pkg.path, 1)
        lock_line = _lock_line(source.text, problems[0][0])
        yield self.finding(
            Msg(
                "{component}: {lockfile} is out of sync with {path}{origin} ({differences}{more}) — `npm ci` at {place} will refuse to install",
                component=component.name, lockfile=lock_path, path=pkg.path, origin=origin,
                differences=Joined([p[1] for p in problems[:4]], "; "), more="; …" if len(problems) > 4 else "", place=f"{where.path}:{where.line}",
            ),
            at,
            service=component.name,
            related=[where, Location(lock_path, lock_line)],
            evidence={"differences": [p[1] for p in problems], "lockfile": lock_path, "lockfileVersion": lock.get("lockfileVersion"), "lockfile_from_other_folder": elsewhere},
            root_cause=Msg(
                "The image puts {lockfile} next to {path}: a lockfile of another package. npm ci compares the two and stops with "
                "\"npm ci can only install packages when your package.json and package-lock.json are in sync\".",
                lockfile=lock_path, path=pkg.path,
            ) if elsewhere else Msg(
                "package.json changed without regenerating {lockfile}. npm ci compares the two and stops with "
                "\"npm ci can only install packages when your package.json and package-lock.json are in sync\".",
                lockfile=lock_path,
            ),
            facts=StaleLockFacts(package_json=pkg.path, lockfile=lock_path, differences=tuple(p[0] for p in problems)),
            remediation=[f"cd {posixpath.dirname(pkg.path) or '.'} && npm install && git add package-lock.json"],
        )


def lock_differences(pkg: PackageJson, lock: dict) -> list[tuple[str, str]]:
    """(package, description) of every declared dependency the lockfile does not satisfy, and stale extras."""
    found = []
    root = (lock.get("packages") or {}).get("") if isinstance(lock.get("packages"), dict) else None
    sections = ("dependencies", "devDependencies", "optionalDependencies")
    declared = {name: dep for s in sections for name, dep in pkg.section(s).items()}
    if isinstance(root, dict):
        locked = {name: spec for s in sections for name, spec in (root.get(s) or {}).items()}
        for name, dep in declared.items():
            if name not in locked:
                found.append((name, Msg("{name} is missing from the lockfile", name=name)))
            elif str(locked[name]) != dep.spec and not _satisfied(lock, name, dep.spec):
                found.append((name, Msg("{name} is {spec} in package.json but {locked} in the lockfile", name=name, spec=dep.spec, locked=locked[name])))
        # Extra locked entries are not listed: npm ci prunes what package.json no longer declares and succeeds.
    elif isinstance(lock.get("dependencies"), dict):  # lockfileVersion 1
        entries = lock["dependencies"]
        for name, dep in declared.items():
            entry = entries.get(name)
            if not isinstance(entry, dict):
                found.append((name, Msg("{name} is missing from the lockfile", name=name)))
            elif not dep.spec.startswith(("file:", "git", "http", "link:")) and intersects(str(entry.get("version", "")), dep.spec) is False:
                found.append((name, Msg("{name} is locked at {version}, outside {spec}", name=name, version=entry.get("version"), spec=dep.spec)))
    return found


def _satisfied(lock: dict, name: str, spec: str) -> bool:
    entry = (lock.get("packages") or {}).get(f"node_modules/{name}")
    version = entry.get("version") if isinstance(entry, dict) else None
    if not version or spec.startswith(("file:", "git", "http", "link:", "npm:")):
        return False
    return intersects(str(version), spec) is True


def _lock_line(text: str, name: str) -> int | None:
    for pattern in (f'"node_modules/{name}"', f'"{name}"'):
        index = text.find(pattern)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return 1


def _workflow_ci(ctx: ScanContext) -> list[tuple[Location, str]]:
    """(location, folder) of `npm ci` in workflow run steps (working-directory and `cd X &&` followed)."""
    return ctx.memo("install.workflow_ci", lambda: _find_workflow_ci(ctx))  # once per run, not per component


def _find_workflow_ci(ctx: ScanContext) -> list[tuple[Location, str]]:
    found = []
    for workflow in workflows(ctx):
        for step in workflow.steps:
            for line in step.script:
                try:
                    commands = split_commands(line.text)
                except ValueError:
                    continue
                folder = step.working_directory
                for command in commands:
                    if command.program == "cd" and len(command.words) > 1:
                        folder = posixpath.normpath(posixpath.join(folder, command.words[1]))
                    elif command.program == "npm" and "ci" in command.words[1:2]:
                        prefix = next((w.split("=", 1)[1] for w in command.words if w.startswith("--prefix=")), None)
                        found.append((Location(workflow.path, line.number, line.column, label=line.text.strip()[:120]), posixpath.normpath(prefix or folder)))
    return found


# -- INS004 -------------------------------------------------------------------------------------
@facts
class LocalPackageFacts(Facts):
    """INS004: the `file:` dependency, where it points in the image, and the repository folder that holds it (if any)."""

    package: str
    spec: str
    image_path: str
    source: str | None
    dockerfile: str

    @property
    def relative(self) -> str:
        return self.spec.split(":", 1)[1] if ":" in self.spec else self.spec


class LocalPackageNotInImage(Check):
    code = "INS004"
    name = "local-package-not-in-image"
    severity = Severity.ERROR
    summary = "The image installs a package.json with a `file:` dependency whose folder the Dockerfile never copies there."
    why = (
        "`\"@tiketi/common\": \"file:../../packages/common\"` is resolved relative to package.json inside the "
        "image. Unless an earlier COPY puts the package exactly there, `npm install` fails (\"Could not install "
        "from ../../packages/common as it does not contain a package.json file\") — or, when the build context "
        "is the service folder, the package cannot even be copied."
    )
    example = "COPY services/auth-service/package.json ./ then RUN npm ci — packages/common never reaches /packages/common"
    fix = (
        "Build from the repository root and COPY each local package to where its `file:` path points from the "
        "image's package.json (e.g. `COPY packages/common /packages/common` for `file:../packages/common` in /app), before `npm install`."
    )
    Facts = LocalPackageFacts
    symptom = "the image build fails: Could not install from {relative} as it does not contain a package.json file"
    fix_title = "COPY the local package {package} to {image_path} before the install in {dockerfile}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        for step in npm_steps(ctx, component):
            if step.verb not in ("install", "ci"):
                continue
            pkg = _image_package(ctx, step)
            if pkg is None:
                continue
            sections = ["dependencies", "optionalDependencies"] + ([] if step.omit_dev else ["devDependencies"])
            for section in sections:
                for name, dep in pkg.section(section).items():
                    if not dep.spec.startswith(("file:", "link:")):
                        continue
                    relative = dep.spec.split(":", 1)[1]
                    target = posixpath.normpath(posixpath.join(step.workdir, relative))
                    if step.files.has(ctx, posixpath.join(target, "package.json")) or relative.endswith((".tgz", ".tar.gz")):
                        continue
                    source = posixpath.normpath(posixpath.join(posixpath.dirname(pkg.path), relative))
                    exists = ctx.repo.exists(posixpath.join(source, "package.json"))
                    yield self.finding(
                        Msg(
                            "{component}: `{step}` installs {name} from {spec}, i.e. {target} in the image, but no COPY puts {what} there first",
                            component=component.name, step=step.location.label, name=name, spec=dep.spec, target=target,
                            what=source if exists else Msg("the package"),
                        ),
                        step.location,
                        service=component.name,
                        related=[Location(pkg.path, dep.line, label=f'"{name}": "{dep.spec}"')],
                        evidence={"package": name, "spec": dep.spec, "image_path": target, "repository_path": source if exists else None},
                        root_cause=Msg(
                            "{path} is at {manifest} in the image, so {spec} points at {target}; nothing was "
                            "copied there before {place}, so npm stops with "
                            "\"Could not install from {relative} as it does not contain a package.json file\".{missing}",
                            path=pkg.path, manifest=step.manifest, spec=dep.spec, target=target, place=f"{step.location.path}:{step.location.line}",
                            relative=relative, missing="" if exists else Msg(" The repository has no package at {source} either.", source=source),
                        ),
                        facts=LocalPackageFacts(package=name, spec=dep.spec, image_path=target, source=source if exists else None, dockerfile=step.location.path),
                        remediation=rebuild_commands(ctx.catalogue, component),
                    )


# -- INS005 -------------------------------------------------------------------------------------
_LEGACY_PEERS = re.compile(r"^\s*(legacy-peer-deps|force)\s*=\s*true\s*$", re.MULTILINE | re.IGNORECASE)


@facts
class PeerConflictFacts(Facts):
    """INS005: the lockfile and its first peer conflict: the package, the peer it wants in which range, and what is installed."""

    lockfile: str
    package: str
    peer: str
    wanted: str
    installed: str


class PeerDependencyConflict(Check):
    code = "INS005"
    name = "peer-dependency-conflict"
    severity = Severity.ERROR
    summary = "The image runs `npm install`/`npm ci` over a lockfile whose peer dependencies conflict, without `--legacy-peer-deps`: npm 7+ stops with ERESOLVE."
    why = (
        "Since npm 7 a package's peerDependencies must be satisfied by the version installed beside it. A lockfile made "
        "with `npm install --legacy-peer-deps` (or `--force`) on a developer's machine records a tree where, say, a "
        "library wants react ^17 while react 18 is installed; the image's plain `npm ci` then stops with "
        "\"ERESOLVE could not resolve\" and the image is never built."
    )
    example = "package-lock.json: node_modules/react 18.2.0, node_modules/react-helmet peerDependencies react ^16 || ^17; Dockerfile: RUN npm ci"
    fix = (
        "Upgrade the package to a release whose peer range admits the installed version (or pin the peer), then regenerate "
        "the lockfile without the flag; or make the flag explicit where the image installs (`npm ci --legacy-peer-deps`, or an "
        "`.npmrc` with `legacy-peer-deps=true` copied next to package.json)."
    )
    Facts = PeerConflictFacts
    symptom = "the image build stops: npm error ERESOLVE could not resolve ({package} wants {peer} {wanted}, {installed} is installed)"
    fix_title = "Resolve the conflict of {package} on {peer} {wanted} in {lockfile}, or pass --legacy-peer-deps where the image installs"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        from tiketi_doctor.analysis.image import dockerfile_of
        from tiketi_doctor.analysis.lockfiles import peer_conflicts

        dockerfile = dockerfile_of(ctx, component)
        text = "\n".join(dockerfile.lines).lower() if dockerfile is not None else ""
        if dockerfile is None or "legacy-peer-deps" in text or "npm_config_force" in text:
            return  # a flag, an ENV npm_config_legacy_peer_deps or `npm config set` anywhere: npm is told to accept it
        seen: set[str] = set()
        for step in npm_steps(ctx, component):
            if step.tool != "npm" or step.verb not in ("install", "ci") or any(w in ("--force", "-f") or w.startswith("--legacy-peer-deps") for w in step.words):
                continue
            if len([w for w in step.words[1:] if not w.startswith("-")]) > 1:
                continue  # `npm install some-package`: adds a package, resolved afresh
            lock_path = step.files.repo_path(ctx, posixpath.join(step.workdir, "package-lock.json"))
            if lock_path is None or lock_path in seen or _npmrc_allows(ctx, step):
                continue
            seen.add(lock_path)
            source = ctx.repo.text(lock_path)
            try:
                lock = load_json(source.text) if source is not None else None
            except ValueError:
                continue  # INS003 reports an unreadable lockfile
            conflicts = peer_conflicts(lock) if isinstance(lock, dict) else []
            if not conflicts:
                continue
            first = conflicts[0]
            more = (
                "" if len(conflicts) < 2 else Msg(" (and 1 more conflict)") if len(conflicts) == 2
                else Msg(" (and {count} more conflicts)", count=len(conflicts) - 1)
            )
            yield self.finding(
                Msg(
                    "{component}: {package}@{version} wants {peer} {wanted}, but {lockfile} installs {peer}@{installed}{more} — "
                    "`{command}` at {place} stops with ERESOLVE (npm 7+)",
                    component=component.name, package=first.package, version=first.version, peer=first.peer, wanted=first.wanted,
                    lockfile=lock_path, installed=first.installed, more=more, command=" ".join(step.words),
                    place=f"{step.location.path}:{step.location.line}",
                ),
                step.location,
                service=component.name,
                related=[Location(lock_path, _lock_key_line(source.text, first.location), label=first.location)],
                evidence={"conflicts": [f"{c.package}@{c.version} peer {c.peer} {c.wanted} vs {c.installed}" for c in conflicts[:10]], "lockfile": lock_path},
                root_cause=Msg(
                    "{lockfile} records {package} with peerDependencies {peer} {wanted} next to "
                    "{peer} {installed} ({installed_at}): a tree only `--legacy-peer-deps` or `--force` accept. "
                    "Nothing in the image passes either, so npm refuses to install.",
                    lockfile=lock_path, package=first.package, peer=first.peer, wanted=first.wanted, installed=first.installed,
                    installed_at=first.installed_at,
                ),
                facts=PeerConflictFacts(lockfile=lock_path, package=first.package, peer=first.peer, wanted=first.wanted, installed=first.installed),
                remediation=rebuild_commands(ctx.catalogue, component),
            )


def _npmrc_allows(ctx: ScanContext, step: NpmStep) -> bool:
    """An .npmrc in the image (project folder, root's home, global) that sets legacy-peer-deps or force."""
    for place in (posixpath.join(step.workdir, ".npmrc"), "/root/.npmrc", "/home/node/.npmrc", "/usr/local/etc/npmrc"):
        repo_path = step.files.repo_path(ctx, place)
        source = ctx.repo.text(repo_path) if repo_path else None
        if source is not None and _LEGACY_PEERS.search(source.text):
            return True
    return False


def _lock_key_line(text: str, key: str) -> int:
    needle = f'"{key}"'
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 1


CHECKS = (DependencyInBothSections, DevDependencyNeededInImage, LockfileOutOfSync, LocalPackageNotInImage, PeerDependencyConflict)
