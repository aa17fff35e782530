"""What a component's source code requires, as npm package names with every requiring site.

Generated, vendored and minified files are not read as source (each is reported once as SRC005);
requirements are split by the file's role (tiketi_doctor/files.py): what production code needs
is what the image must resolve, what tests and tooling need only the development install.
"""
from __future__ import annotations

import re
from dataclasses import field

from ..deferred import dataclass
from .. import files as roles
from ..catalogue import Component
from ..context import ScanContext
from ..i18n import Msg
from ..model import Location, Severity
from ..parsing.javascript import SOURCE_SUFFIXES, JsModule, parse_javascript
from ..repo import SKIPPED

# Node 20's require('module').builtinModules (top-level names); `node:` specifiers are always builtin.
NODE_BUILTINS = frozenset(
    "_http_agent _http_client _http_common _http_incoming _http_outgoing _http_server _stream_duplex "
    "_stream_passthrough _stream_readable _stream_transform _stream_wrap _stream_writable _tls_common "
    "_tls_wrap assert async_hooks buffer child_process cluster console constants crypto dgram "
    "diagnostics_channel dns domain events fs http http2 https inspector module net os path perf_hooks "
    "process punycode querystring readline repl stream string_decoder sys timers tls trace_events tty "
    "url util v8 vm wasi worker_threads zlib".split()
)


# What npm accepts as a package name (or a scope): `~/x` and `@/x` are bundler aliases, not packages.
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def package_name(specifier: str) -> str | None:
    """npm package a specifier resolves to; None for builtins, relative and absolute paths, and
    specifiers that cannot name a package (aliases such as `@/views` or `~/lib`)."""
    if not specifier or specifier.startswith((".", "/", "#", "node:", "bun:")) or "${" in specifier or ":" in specifier.split("/")[0]:
        return None  # relative, absolute, package-internal `#imports`, `data:`/`virtual:` URLs
    parts = specifier.split("/")
    if specifier.startswith("@"):
        if len(parts) < 2 or not _NAME_PART.match(parts[0][1:]) or not _NAME_PART.match(parts[1]):
            return None
        return "/".join(parts[:2])
    if parts[0] in NODE_BUILTINS or not _NAME_PART.match(parts[0]):
        return None
    return parts[0]


@dataclass
class Requirement:
    package: str
    sites: list[Location] = field(default_factory=list)

    @property
    def first(self) -> Location:
        return self.sites[0]


def js_module(ctx: ScanContext, path: str) -> JsModule | None:
    """The parsed module; None for a file that does not parse or is not source (generated, minified)."""
    if skipped(ctx, path):
        return None
    return ctx.repo.parsed("js", path, lambda f: parse_javascript(f.text, path))


def skipped(ctx: ScanContext, path: str) -> bool:
    """Whether `path` is generated rather than written (reported once as SRC005 when it is)."""
    role, why = roles.file_roles(ctx).explain(path)
    if role not in roles.SKIP_ROLES:
        source = ctx.repo.text(path)
        if source is None or not roles.minified(source.text):
            return False
        why = "a minified bundle (almost no line breaks)"
    ctx.repo.problem(SKIPPED, path, Msg("{path} was not read as source: {why}", path=path, why=_words(why)), severity=Severity.INFO)
    return True


def source_files(ctx: ScanContext, component: Component) -> list[str]:
    """The component's JavaScript/TypeScript files, without generated and vendored ones."""
    if not component.source:
        return []
    return ctx.memo(("source-files", component.name), lambda: _source_files(ctx, component.source))


def _source_files(ctx: ScanContext, folder: str) -> list[str]:
    table = roles.file_roles(ctx)
    found = []
    for path in ctx.repo.walk(folder, SOURCE_SUFFIXES):
        role, why = table.explain(path)
        if role in roles.SKIP_ROLES:
            ctx.repo.problem(SKIPPED, path, Msg("{path} was not read as source: {why}", path=path, why=_words(why)), severity=Severity.INFO)
        else:
            found.append(path)
    return found


def requirements(ctx: ScanContext, component: Component, production: bool = True) -> dict[str, Requirement]:
    """Package name -> where the component's production source (or, with production=False, its
    tests, fixtures and tooling files) requires or imports it. tsconfig/jsconfig aliases
    (`paths`, `baseUrl`) name project files, not packages, and are left out."""
    return ctx.memo(("requirements", component.name, production), lambda: _collect(ctx, component, production))


def _collect(ctx: ScanContext, component: Component, production: bool) -> dict[str, Requirement]:
    from .resolution import aliases_for

    table = roles.file_roles(ctx)
    found: dict[str, Requirement] = {}
    for path in source_files(ctx, component):
        role = table.role(path)
        if role in (roles.DOCS, roles.TYPES) or (role == roles.PRODUCTION) != production:
            continue
        module = js_module(ctx, path)
        if module is None:
            continue
        for ref in module.module_refs:
            name = package_name(ref.specifier)
            if name is None or aliases_for(ctx, path).matches(ctx, ref.specifier):
                continue
            label = f"{ref.kind} {ref.specifier!r}"
            found.setdefault(name, Requirement(name)).sites.append(Location(path, ref.line, ref.column, label=label))
    return dict(sorted(found.items()))


def _words(why):
    """A role's reason as a translatable text: a message already, or one of the fixed phrases."""
    from tiketi_doctor.i18n import Literal

    return why if isinstance(why, Msg) else Literal(str(why))
