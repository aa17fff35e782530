"""DEP: what each image installs against what its package.json declares and its code requires."""
from __future__ import annotations

from dataclasses import field
from functools import cache
from typing import Iterable

import yaml

import manifests
from tiketi_doctor.analysis.image import ImageInstall, ImageManifest, image_install, package_json
from tiketi_doctor.analysis.resolution import ancestor_declaration, lockfile_for, workspace_packages
from tiketi_doctor.analysis.semver import intersects
from tiketi_doctor.analysis.source import requirements
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Literal, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.packagejson import PackageJson
from tiketi_doctor.remediation import rebuild_commands


@facts
class MissingModuleFacts(Facts):
    """DEP001: the module the code requires and how the image fails to install it."""

    module: str
    spec: str | None = None  # its range in the component's package.json, when declared there
    dockerfile: str = ""
    manifest_kind: str | None = None  # the image's package.json: "inline", "copied", or None
    local_package: str | None = None  # the catalogue's shared local package of that name


@facts
class DriftFacts(Facts):
    """DEP002: what package.json declares that the image lacks, and what the image adds."""

    missing: dict[str, str] = field(default_factory=dict)  # name -> package.json range
    extra: tuple[str, ...] = ()
    dockerfile: str = ""


@facts
class ConflictFacts(Facts):
    """DEP003: a package whose image range and package.json range share no version."""

    package: str
    image_range: str
    package_json_range: str


@facts
class DeprecatedFacts(Facts):
    """DEP004: the deprecated package and its successor (None when the fix is a rewrite)."""

    package: str
    replacement: str | None = None


@facts
class GeneratedFacts(Facts):
    """DEP005: the Dockerfile that writes a package.json, and the real one it should copy."""

    dockerfile: str
    package_json: str | None = None


@facts
class UndeclaredFacts(Facts):
    """DEP006: a required module package.json does not declare (or only in devDependencies)."""

    module: str
    package_json: str = ""
    dev_only: bool = False


@cache
def deprecated_table() -> dict[str, dict]:
    return yaml.safe_load(manifests.path("deprecated-packages.yaml").read_text(encoding="utf-8")) or {}


def _image(ctx: ScanContext, component: Component) -> ImageInstall | None:
    """The image analysis, or None after telling the engine why it cannot be used."""
    if not component.dockerfile:
        return None
    image = image_install(ctx, component)
    if image is None:
        ctx.undecided(Msg("{path} is missing or unreadable", path=component.dockerfile))
        return None
    if image.undecided:
        ctx.undecided("; ".join(image.undecided))
        return None
    if not image.npm_ran and not image.packages:
        ctx.undecided(Msg("{path} runs no npm/yarn/pnpm install, so what it installs is unknown", path=component.dockerfile))
        return None
    return image


def _hoisted_from(ctx: ScanContext, component: Component, image: ImageInstall, installed: dict, name: str) -> str | None:
    """The installed package through which the image's install also puts `name` where the code
    resolves it (the lockfile's dependency graph, when the package manager hoists)."""
    manifest = image.effective_manifest
    governing = manifest.source_path if manifest is not None and manifest.source_path else component.package_json
    if not governing:
        return None
    lock = lockfile_for(ctx, governing)
    return lock.via(installed, name) if lock is not None else None


def _manifest_phrase(manifest: ImageManifest | None, dockerfile: str) -> Msg:
    if manifest is None:
        return Msg("{dockerfile} installs no package.json", dockerfile=dockerfile)
    where = f"{dockerfile}:{manifest.location.line}"
    if manifest.kind == "inline":
        return Msg("the package.json that {where} writes itself", where=where)
    return Msg("{path}, copied by {where}", path=manifest.source_path, where=where)


class ModuleMissingInImage(Check):
    code = "DEP001"
    name = "module-missing-in-image"
    severity = Severity.ERROR
    fixable = True
    summary = "The code requires a package that the image will not install: the container crashes at start."
    why = (
        "Node resolves require() at start-up. A package missing from the image's node_modules makes the "
        "process exit with `Error: Cannot find module 'x'` and the pod loops in CrashLoopBackOff, although "
        "everything works on a developer machine where `npm install` used the real package.json."
    )
    example = (
        "services/auth-service/src/routes/auth.js: require('google-auth-library')\n"
        "services/auth-service/Dockerfile: RUN printf '{\"dependencies\":{\"express\":\"^4.21.2\"}}' > package.json"
    )
    fix = (
        "Install from the real package.json: `COPY services/<name>/package*.json ./` then "
        "`RUN npm ci --omit=dev` (or `npm install --omit=dev` without a lockfile); or add the package to "
        "the inline list. Then rebuild, `kind load docker-image`, and restart the rollout."
    )
    Facts = MissingModuleFacts
    crashes = True
    symptom = "CrashLoopBackOff: `Error: Cannot find module '{module}'`"
    fix_title = "Install {module} in the image from package.json"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        image = _image(ctx, component)
        if image is None:
            return
        pkg = package_json(ctx, component.package_json)
        # A frontend's source is bundled in a build stage; only the final stage runs node code.
        installed = image.build_packages if component.role == "frontend" else image.packages
        for name, requirement in requirements(ctx, component).items():
            if name in installed or _hoisted_from(ctx, component, image, installed, name):
                continue  # a transitive package npm/yarn hoist resolves (DEP006 says it works by accident)
            yield self._finding(ctx, component, image, pkg, name, requirement)

    def _finding(self, ctx, component, image, pkg: PackageJson | None, name, requirement) -> Finding:
        manifest = image.effective_manifest
        declared = pkg.declared(name) if pkg else None
        related = list(requirement.sites[1:])
        if manifest is not None:
            related.append(manifest.location)
        if declared is not None:
            related.append(Location(pkg.path, declared.line, label=f'"{name}": "{declared.spec}"'))
        shared = ctx.catalogue.shared_packages.get(name)
        replaced = [old for old, info in deprecated_table().items() if info.get("replacement") == name and old in image.packages]
        cause = [Msg("{site} requires {name!r}, but {manifest} does not list it",
                     site=str(requirement.first), name=name, manifest=_manifest_phrase(manifest, image.dockerfile))]
        if shared:
            cause.append(Msg("{name} is the local package {shared}; the Dockerfile never copies it into node_modules/{name}", name=name, shared=shared))
        elif declared is not None and manifest is not None and manifest.kind == "inline":
            cause.append(Msg(
                "the real {path} declares it ({section}, line {line}), "
                "but the Dockerfile does not copy that file — its inline copy has drifted",
                path=pkg.path, section=declared.section, line=declared.line,
            ))
        elif declared is None:
            cause.append(Msg("{path} does not declare it either", path=component.package_json or "package.json"))
        if replaced:
            cause.append(Msg("the image installs the deprecated {old!r} instead, the package's old name", old=replaced[0]))
        cause.append(Msg(
            "the container will exit with \"Error: Cannot find module '{name}'\" as soon as that file is loaded, "
            "and Kubernetes restarts it into CrashLoopBackOff",
            name=name,
        ))
        return self.finding(
            Msg("{component} requires {name!r} but its image will not install it (will crash with Cannot find module '{name}')",
                component=component.name, name=name),
            requirement.first,
            service=component.name,
            related=related,
            evidence={
                "module": name,
                "required_at": [str(s) for s in requirement.sites],
                "image_package_json": manifest.kind if manifest else None,
                "image_package_json_at": str(manifest.location) if manifest else None,
                "declared_in_package_json": declared.spec if declared else None,
                "installed_instead": replaced or None,
            },
            root_cause=Msg("{causes}.", causes=Joined(cause, "; ")),
            facts=MissingModuleFacts(
                module=name,
                spec=declared.spec if declared else None,
                dockerfile=image.dockerfile,
                manifest_kind=manifest.kind if manifest else None,
                local_package=shared,
            ),
            remediation=rebuild_commands(ctx.catalogue, component),
        )


class ImageDependencyDrift(Check):
    code = "DEP002"
    name = "image-dependency-drift"
    severity = Severity.WARNING
    fixable = True
    summary = "The image installs a different dependency list than the component's package.json."
    why = (
        "package.json is the single source of truth. When the image installs from another list, "
        "a dependency added to package.json never reaches production, and the difference shows up "
        "only when the code path that needs it runs."
    )
    example = "package.json declares \"uuid\" but the Dockerfile's inline package.json does not."
    fix = "Copy package.json (and the lockfile) into the image and install from it instead of keeping a second list."
    Facts = DriftFacts
    symptom = "the image runs other package versions than the ones tested"
    fix_title = "Install from package.json in {dockerfile}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        image = _image(ctx, component)
        pkg = package_json(ctx, component.package_json)
        if image is None or pkg is None:
            if component.package_json and pkg is None:
                ctx.undecided(Msg("{path} is missing or unreadable", path=component.package_json))
            return
        manifest = image.effective_manifest
        if manifest is not None and manifest.kind == "copied" and manifest.source_path == pkg.path:
            return
        required = requirements(ctx, component)
        deprecated = deprecated_table()
        missing = [
            dep
            for name, dep in pkg.dependencies.items()
            if name not in image.packages and name not in required and not dep.spec.startswith("file:")
        ]
        extra = [
            name
            for name, installed in image.packages.items()
            if installed.via != "copied local package" and pkg.declared(name) is None and name not in deprecated
        ]
        if not missing and not extra:
            return
        parts = []
        if missing:
            parts.append(Msg("lacks {packages}", packages=", ".join(f"{d.name} {d.spec}" for d in missing)))
        if extra:
            parts.append(Msg("adds {packages} that package.json does not declare", packages=", ".join(extra)))
        where = manifest.location if manifest else Location(image.dockerfile, 1)
        related = [Location(pkg.path, d.line, label=f'"{d.name}": "{d.spec}"') for d in missing]
        related += [image.packages[name].location for name in extra]
        yield self.finding(
            Msg("{component}'s image {differences} ({path} is not what the image installs)",
                component=component.name, differences=Joined(parts, N_(" and ")), path=pkg.path),
            where,
            service=component.name,
            related=related,
            evidence={"missing_from_image": [d.name for d in missing], "not_in_package_json": extra},
            root_cause=Msg(
                "The image installs from {manifest} rather than from {path}; the two lists have drifted apart.",
                manifest=_manifest_phrase(manifest, image.dockerfile), path=pkg.path,
            ),
            facts=DriftFacts({d.name: d.spec for d in missing}, tuple(extra), image.dockerfile),
            remediation=rebuild_commands(ctx.catalogue, component),
        )


class DependencyVersionConflict(Check):
    code = "DEP003"
    name = "dependency-version-conflict"
    severity = Severity.WARNING
    summary = "The image pins a version range that no version in package.json's range satisfies."
    why = (
        "The code was written and tested against package.json's range; the image installs a release "
        "outside it, often a different major version with another API."
    )
    example = "package.json: \"express\": \"^4.21.2\"; Dockerfile: npm install express@5"
    fix = "Install from package.json, or make both ranges the same."
    Facts = ConflictFacts
    symptom = "npm install fails or installs an untested version of {package}"
    fix_title = "Make the image's range for {package} the same as package.json's ({package_json_range})"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        image = _image(ctx, component)
        pkg = package_json(ctx, component.package_json)
        if image is None or pkg is None:
            return
        for name, installed in image.packages.items():
            declared = pkg.declared(name)
            if declared is None or installed.spec is None or installed.spec == declared.spec:
                continue
            if intersects(installed.spec, declared.spec) is not False:
                continue
            yield self.finding(
                Msg("{component}'s image installs {package} {image_range}, which never satisfies {path}'s {range}",
                    component=component.name, package=name, image_range=installed.spec, path=pkg.path, range=declared.spec),
                installed.location,
                service=component.name,
                related=[Location(pkg.path, declared.line, label=f'"{name}": "{declared.spec}"')],
                evidence={"package": name, "image_range": installed.spec, "package_json_range": declared.spec},
                root_cause=Msg(
                    "The ranges {image_range!r} and {range!r} have no version in common, so the "
                    "container runs a release the code was not written for.",
                    image_range=installed.spec, range=declared.spec,
                ),
                facts=ConflictFacts(name, installed.spec, declared.spec),
            )


class DeprecatedPackage(Check):
    code = "DEP004"
    name = "deprecated-package"
    severity = Severity.WARNING
    fixable = True
    summary = "A deprecated or renamed npm package is declared, installed or required."
    why = (
        "Renamed packages stop at their last old-name release and break against current peers; "
        "a Dockerfile that still installs the old name while the code requires the new one crashes."
    )
    example = "Dockerfile inline package.json: \"socket.io-redis\": \"^6.1.1\" (now @socket.io/redis-adapter)"
    fix = "Replace the package with its successor everywhere: package.json, the Dockerfile and the requires."
    Facts = DeprecatedFacts
    symptom = "{package} breaks against current peers"
    fix_title = "Replace {package} with its successor"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        table = deprecated_table()
        places: dict[str, list[Location]] = {}
        image = image_install(ctx, component) if component.dockerfile else None
        if image is not None:
            for name, installed in image.packages.items():
                if name in table:
                    places.setdefault(name, []).append(installed.location)
        pkg = package_json(ctx, component.package_json)
        if pkg is not None:
            for section in ("dependencies", "devDependencies"):
                for name, dep in pkg.section(section).items():
                    if name in table:
                        places.setdefault(name, []).append(Location(pkg.path, dep.line, label=f'"{name}": "{dep.spec}"'))
        for name, requirement in requirements(ctx, component).items():
            if name in table:
                places.setdefault(name, []).extend(requirement.sites)
        for name, locations in places.items():
            info = table[name]
            successor = info.get("replacement")
            instead = Msg("; use {successor}", successor=successor) if successor else ""
            yield self.finding(
                Msg("{component} uses the deprecated package {name!r}{instead}", component=component.name, name=name, instead=instead),
                locations[0],
                service=component.name,
                related=locations[1:],
                evidence={"package": name, "replacement": successor, "places": [str(x) for x in locations]},
                root_cause=Msg("{name}: {reason}.", name=name, reason=Literal(info["reason"]) if info.get("reason") else Msg("deprecated")),
                facts=DeprecatedFacts(name, successor),
            )


class GeneratedPackageJson(Check):
    code = "DEP005"
    name = "generated-package-json"
    severity = Severity.WARNING
    fixable = True
    summary = "The Dockerfile writes its own package.json instead of copying the real one."
    why = (
        "An inline `printf '{...}' > package.json` is a second dependency list that nobody updates: "
        "dependencies added to the real package.json never reach the image. This is how "
        "`Cannot find module` crashes happen in images whose code runs fine locally."
    )
    example = "RUN printf '{\"name\":\"auth-service\",\"dependencies\":{...}}' > package.json && npm install"
    fix = "Replace it with `COPY services/<name>/package*.json ./` and `RUN npm ci --omit=dev` (npm install without a lockfile)."
    Facts = GeneratedFacts
    symptom = "none yet: the image's dependency list drifts from package.json unnoticed"
    fix_title = "Copy the real package.json into the image in {dockerfile}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if not component.dockerfile:
            return
        image = image_install(ctx, component)
        if image is None:
            ctx.undecided(Msg("{path} is missing or unreadable", path=component.dockerfile))
            return
        for manifest in image.generated:
            yield self.finding(
                Msg("{dockerfile} writes its own package.json instead of copying {package_json}", dockerfile=image.dockerfile,
                    package_json=component.package_json or Msg("the real package.json")),
                manifest.location,
                service=component.name,
                evidence={"inline_dependencies": manifest.dependencies},
                root_cause=Msg(
                    "The image's dependency list is maintained by hand inside the Dockerfile, separately from "
                    "package.json, so the two drift apart."
                ),
                facts=GeneratedFacts(image.dockerfile, component.package_json),
            )


class UndeclaredModule(Check):
    code = "DEP006"
    name = "undeclared-module"
    severity = Severity.ERROR
    fixable = True
    summary = "The code requires a package that package.json does not declare as a dependency."
    why = (
        "It works only while something else happens to install the package (a hoisted workspace, a "
        "global install, a developer's leftover node_modules). A clean `npm ci` — in CI or in the "
        "image — does not install it, and the require fails."
    )
    example = "src/server.js: require('cors') with no \"cors\" in package.json dependencies"
    fix = "Add the package to `dependencies` with the range the code was tested against (`npm install <pkg>`)."
    Facts = UndeclaredFacts
    crashes = True
    symptom = "`Error: Cannot find module '{module}'` once the image installs from package.json"
    fix_title = "Declare {module} in {package_json}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if not component.package_json:
            return
        pkg = package_json(ctx, component.package_json)
        if pkg is None:
            ctx.undecided(Msg("{path} is missing or unreadable", path=component.package_json))
            return
        declared = {n for section in ("dependencies", "peerDependencies", "optionalDependencies") for n in pkg.section(section)}
        dev_deps = pkg.section("devDependencies")
        for name, requirement in requirements(ctx, component).items():
            if name in declared:
                continue
            dev = dev_deps.get(name)
            severity = None
            if dev is not None:
                message = Msg("{component} requires {name!r} at run time but {path} lists it only in devDependencies",
                              component=component.name, name=name, path=pkg.path)
                cause = Msg("Production installs (`npm ci --omit=dev`, NODE_ENV=production) leave devDependencies out.")
                related = [Location(pkg.path, dev.line, label=f'"{name}": "{dev.spec}"')]
            else:
                related = []
                accident = _resolves_by_accident(ctx, pkg, declared, name)
                if accident is not None:
                    severity = Severity.WARNING
                    message = Msg("{component} requires {name!r}, which {path} does not declare: it works by accident, {accident}",
                                  component=component.name, name=name, path=pkg.path, accident=accident)
                    cause = Msg(
                        "Nothing guarantees it: a new version of the package that brings it, or another package "
                        "manager or install layout, removes it and the require fails."
                    )
                else:
                    message = Msg("{component} requires {name!r} but {path} does not declare it", component=component.name, name=name, path=pkg.path)
                    cause = Msg("Nothing guarantees the package is installed; a clean install does not add it.")
            yield self.finding(
                message,
                requirement.first,
                service=component.name,
                severity=severity,
                related=related + requirement.sites[1:],
                evidence={"module": name, "required_at": [str(s) for s in requirement.sites]},
                root_cause=cause,
                facts=UndeclaredFacts(name, pkg.path, dev is not None),
            )
        # Tests and tooling run with the development install: only a package nothing installs is reported.
        everything = declared | set(dev_deps)
        for name, requirement in requirements(ctx, component, production=False).items():
            if name in everything or _resolves_by_accident(ctx, pkg, everything, name) is not None:
                continue
            yield self.finding(
                Msg("{component}'s test or tooling file requires {name!r}, which nothing in the project installs", component=component.name, name=name),
                requirement.first,
                service=component.name,
                severity=Severity.WARNING,
                related=requirement.sites[1:],
                evidence={"module": name, "required_at": [str(s) for s in requirement.sites]},
                root_cause=Msg(
                    "{path} does not declare it (not even in devDependencies), no package.json above it does, "
                    "and no lockfile installs it; the file runs only in development, so the image is not affected.",
                    path=pkg.path,
                ),
                facts=UndeclaredFacts(name, pkg.path, True),
            )


def _resolves_by_accident(ctx: ScanContext, pkg: PackageJson, direct: set[str], name: str) -> Msg | None:
    """How an undeclared package still resolves: hoisted by the lockfile, a workspace link, or a
    declaration in a package.json further up the tree; None when nothing installs it."""
    lock = lockfile_for(ctx, pkg.path)
    if lock is not None:
        via = lock.via(direct, name)
        if via is not None:
            return Msg("{manager} hoists it from {via!r} ({path} installs it as a dependency of {via})", manager=lock.manager, via=via, path=lock.path)
    workspace = workspace_packages(ctx).get(name)
    if workspace is not None:
        return Msg("it is the workspace package {folder}, linked into node_modules", folder=workspace.rsplit("/", 1)[0])
    above = ancestor_declaration(ctx, pkg.path, name)
    if above is not None:
        return Msg("{path} declares it, and the workspace install puts it in the top node_modules", path=above)
    return None


CHECKS = (
    ModuleMissingInImage,
    ImageDependencyDrift,
    DependencyVersionConflict,
    DeprecatedPackage,
    GeneratedPackageJson,
    UndeclaredModule,
)
