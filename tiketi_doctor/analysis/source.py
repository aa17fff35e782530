"""What a component's source code requires, as npm package names with every requiring site."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from ..parsing.javascript import SOURCE_SUFFIXES, JsModule, parse_javascript

# Node 20's require('module').builtinModules (top-level names); `node:` specifiers are always builtin.
NODE_BUILTINS = frozenset(
    "_http_agent _http_client _http_common _http_incoming _http_outgoing _http_server _stream_duplex "
    "_stream_passthrough _stream_readable _stream_transform _stream_wrap _stream_writable _tls_common "
    "_tls_wrap assert async_hooks buffer child_process cluster console constants crypto dgram "
    "diagnostics_channel dns domain events fs http http2 https inspector module net os path perf_hooks "
    "process punycode querystring readline repl stream string_decoder sys timers tls trace_events tty "
    "url util v8 vm wasi worker_threads zlib".split()
)


def package_name(specifier: str) -> str | None:
    """npm package a specifier resolves to; None for builtins, relative and absolute paths."""
    if not specifier or specifier.startswith((".", "/", "node:")) or "${" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) >= 2 and parts[1] else None
    if parts[0] in NODE_BUILTINS:
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
    return ctx.repo.parsed("js", path, lambda f: parse_javascript(f.text, path))


def source_files(ctx: ScanContext, component: Component) -> list[str]:
    if not component.source:
        return []
    return ctx.memo(("source-files", component.name), lambda: list(ctx.repo.walk(component.source, SOURCE_SUFFIXES)))


def requirements(ctx: ScanContext, component: Component) -> dict[str, Requirement]:
    """Package name -> where the component's source requires or imports it."""
    return ctx.memo(("requirements", component.name), lambda: _collect(ctx, component))


def _collect(ctx: ScanContext, component: Component) -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    for path in source_files(ctx, component):
        module = js_module(ctx, path)
        if module is None:
            continue
        for ref in module.module_refs:
            name = package_name(ref.specifier)
            if name is None:
                continue
            label = f"{ref.kind} {ref.specifier!r}"
            found.setdefault(name, Requirement(name)).sites.append(Location(path, ref.line, ref.column, label=label))
    return dict(sorted(found.items()))
