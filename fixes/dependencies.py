"""Fixes for the DEP family: install from the real package.json, add or rename dependencies."""
from __future__ import annotations

import posixpath
import re
import shlex

from tiketi_doctor.analysis.image import ImageManifest, dockerfile_of, image_install, package_json
from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import insert_at, replace_at, replace_lines
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix, Safety, TextEdit
from tiketi_doctor.parsing.dockerfile import Instruction
from tiketi_doctor.parsing.shell import SimpleCommand, split_commands

from . import render
from .versions import version_for

INSTALL_WORDS = {"install", "i", "ci", "clean-install", "add"}


def _component(ctx: FixContext, finding: Finding):
    return ctx.catalogue.component(finding.service or "")


def _generated_manifest(ctx: FixContext, component) -> tuple[ImageManifest, Instruction] | None:
    image = image_install(ctx, component)
    dockerfile = dockerfile_of(ctx, component)
    if image is None or dockerfile is None or not image.generated:
        return None
    manifest = image.generated[-1]
    inst = next((i for i in dockerfile.instructions if i.start_line == manifest.location.line), None)
    return (manifest, inst) if inst is not None else None


def install_from_package_json(ctx: FixContext, finding: Finding) -> Fix | None:
    """Replace the Dockerfile's hand-written package.json with a COPY of the real one (lesson 1)."""
    if ctx.options.minimal:  # keep the inline list; only add what is missing to it
        return add_to_inline_manifest(ctx, finding) if finding.code == "DEP001" else None
    component = _component(ctx, finding)
    if component is None or not component.package_json or not component.dockerfile:
        return None
    found = _generated_manifest(ctx, component)
    pkg = package_json(ctx, component.package_json)
    if found is None or pkg is None:
        return None
    manifest, inst = found
    context = component.build_context or "."
    package_dir = posixpath.dirname(component.package_json)
    workdir = _workdir(ctx, component, inst)
    sources = [_relative(posixpath.join(package_dir, "package*.json"), context)]
    if ctx.repo.exists(posixpath.join(package_dir, ".npmrc")):
        sources.append(_relative(posixpath.join(package_dir, ".npmrc"), context))
    local_packages = []
    for dep in pkg.dependencies.values():
        if dep.spec.startswith("file:"):
            repo_dir = posixpath.normpath(posixpath.join(package_dir, dep.spec[5:]))
            target = posixpath.normpath(posixpath.join(workdir, dep.spec[5:]))
            local_packages.append({"source": _relative(repo_dir, context), "target": target})
    run = _remaining_commands(inst, lockfile=ctx.repo.exists(posixpath.join(package_dir, "package-lock.json")))
    text = render(
        "install-from-package-json.j2",
        package_json=component.package_json,
        local_packages=local_packages,
        manifest_sources=sources,
        run=run,
    )
    current = ctx.current_text(component.dockerfile)
    if current is None:
        return None
    edit = replace_lines(component.dockerfile, current, inst.start_line, inst.end_line, text)
    return Fix(Msg("Install from {package_json} instead of a hand-written package.json", package_json=component.package_json), (edit,))


def _workdir(ctx: FixContext, component, inst: Instruction) -> str:
    dockerfile = dockerfile_of(ctx, component)
    workdir = "/"
    for other in dockerfile.stages[inst.stage].instructions:
        if other.start_line >= inst.start_line:
            break
        if other.cmd == "WORKDIR" and other.value:
            workdir = posixpath.normpath(posixpath.join(workdir, other.expand(other.value[0])))
    return workdir


def _relative(path: str, context: str) -> str:
    return posixpath.relpath(path, context) if context not in (".", "") else path


def _remaining_commands(inst: Instruction, lockfile: bool) -> str:
    """The RUN's other commands (npm install, cache clean...), with an install added if there was none."""
    commands: list[SimpleCommand] = []
    if inst.cmd == "RUN" and not inst.json:
        commands = [c for c in split_commands(inst.shell) if not any(posixpath.basename(t) == "package.json" for t in c.writes())]
    parts = []
    for command in commands:
        text = shlex.join(command.words) + "".join(f" {op} {shlex.quote(target)}" for op, target in command.redirects)
        if parts:
            joiner = command.joined_by if command.joined_by and command.joined_by != ";" else "&&"
            parts.append(joiner)
        parts.append(text)
    has_install = any(c.program in ("npm", "yarn", "pnpm") and any(w in INSTALL_WORDS for w in c.words[1:]) for c in commands)
    if not has_install:
        install = "npm ci --omit=dev" if lockfile else "npm install --omit=dev"
        parts = ([*parts, "&&"] if parts else []) + [install]
    return " ".join(parts)


def add_to_inline_manifest(ctx: FixContext, finding: Finding) -> Fix | None:
    """--minimal: add the missing dependency to the inline package.json the Dockerfile writes."""
    from checks.dependencies import MissingModuleFacts  # here: loading fixers imports no check family

    component = _component(ctx, finding)
    facts = MissingModuleFacts.of(finding)
    if component is None or facts is None or not facts.module or facts.local_package:
        return None
    name = facts.module
    found = _generated_manifest(ctx, component)
    current = ctx.current_text(component.dockerfile) if component.dockerfile else None
    if found is None or current is None:
        return None
    manifest, inst = found
    spec = facts.spec or (version_for(ctx, name, component.package_json) or (None,))[0]
    if not spec:
        return None
    lines = current.splitlines()
    for number in range(inst.start_line, inst.end_line + 1):
        match = re.search(r'"dependencies"\s*:\s*\{', lines[number - 1])
        if match:
            column = match.end() + 1
            rest = lines[number - 1][match.end():].lstrip()
            separator = "" if rest.startswith("}") else ","
            text = render("inline-dependency.j2", name=name, spec=spec, separator=separator).rstrip("\n")
            edit = insert_at(component.dockerfile, number, column, text)
            return Fix(Msg("Add {name} {spec} to the inline package.json", name=name, spec=spec), (edit,))
    return None


def add_to_package_json(ctx: FixContext, finding: Finding) -> Fix | None:
    """DEP006: declare the required module in package.json `dependencies`, in sorted position."""
    from checks.dependencies import UndeclaredFacts

    facts = UndeclaredFacts.of(finding)
    if facts is None or not facts.module or not facts.package_json or facts.dev_only:
        return None  # moving a devDependency is a judgement call: leave it to a person
    name, path = facts.module, facts.package_json
    resolved = version_for(ctx, name, path)
    edit = dependency_edit(ctx, path, name, resolved[0]) if resolved else None
    if edit is None:
        return None
    return Fix(Msg("Declare {name} {spec} in {path} (version from {source})", name=name, spec=resolved[0], path=path, source=resolved[1]), (edit,))


def dependency_edit(ctx: FixContext, path: str, name: str, spec: str) -> TextEdit | None:
    """Insert `"name": "spec"` into package.json `dependencies` where npm would sort it, in the file's indentation."""
    pkg = package_json(ctx, path)
    current = ctx.current_text(path)
    if pkg is None or current is None or not pkg.dependencies or name in pkg.dependencies:
        return None
    entries = sorted(pkg.dependencies.values(), key=lambda d: d.line)
    lines = current.splitlines()
    indent = re.match(r"\s*", lines[entries[0].line - 1]).group(0)
    after = [d for d in entries if d.name > name]
    if after:
        text = render("package-json-dependency.j2", indent=indent, name=name, spec=spec, separator=",")
        return insert_at(path, after[0].line, 1, text)
    last = entries[-1]
    entry = render("package-json-dependency.j2", indent=indent, name=name, spec=spec, separator="").rstrip("\n")
    return insert_at(path, last.line, len(lines[last.line - 1].rstrip()) + 1, ",\n" + entry)


def replace_deprecated(ctx: FixContext, finding: Finding) -> Fix | None:
    """DEP004: rename the package in package.json and Dockerfiles; requires in code only as an unsafe fix."""
    from checks.dependencies import DeprecatedFacts

    facts = DeprecatedFacts.of(finding)
    component = _component(ctx, finding)
    if facts is None or not facts.package or not facts.replacement or component is None:
        return None
    old, new = facts.package, facts.replacement
    resolved = version_for(ctx, new, component.package_json)
    if resolved is None:
        return None
    edits: list[TextEdit] = []
    code_edits = False
    for location in [finding.location, *finding.related]:
        text = ctx.current_text(location.path)
        if text is None or location.line is None:
            continue
        line = text.splitlines()[location.line - 1]
        entry = re.search(r'"%s"(\s*:\s*)"[^"]*"' % re.escape(old), line)
        if entry:
            replacement = f'"{new}"{entry.group(1)}"{resolved[0]}"'
            edits.append(replace_at(location.path, text, location.line, entry.start() + 1, entry.group(0), replacement))
            continue
        spec = re.search(r"""(['"`])%s\1""" % re.escape(old), line)
        if spec and ctx.options.unsafe:  # a require/import: the successor's API may differ
            quote = spec.group(1)
            edits.append(replace_at(location.path, text, location.line, spec.start() + 1, spec.group(0), f"{quote}{new}{quote}"))
            code_edits = True
    if not edits:
        return None
    safety = Safety.UNSAFE if code_edits else Safety.SAFE
    return Fix(Msg("Replace {old} with {new} {spec}", old=old, new=new, spec=resolved[0]), tuple(dict.fromkeys(edits)), safety)


FIXERS = {
    "DEP001": install_from_package_json,
    "DEP002": install_from_package_json,
    "DEP004": replace_deprecated,
    "DEP005": install_from_package_json,
    "DEP006": add_to_package_json,
}
