"""Fixes for the GW family: route what the frontend calls, the way the gateway already does it."""
from __future__ import annotations

import posixpath
import re

from tiketi_doctor.analysis.express import express_app
from tiketi_doctor.fixing.context import FixContext
from tiketi_doctor.fixing.edits import insert_at
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Fix, TextEdit

from . import render
from .dependencies import dependency_edit
from .versions import version_for


def route_what_the_frontend_calls(ctx: FixContext, finding: Finding) -> Fix | None:
    from checks.gateway import UnroutedFacts

    facts = UnroutedFacts.of(finding)
    if facts is None:
        return None
    if facts.kind == "missing-handler":
        return _add_handler(ctx, facts)
    if facts.kind == "missing-mount":
        return _add_proxy(ctx, facts)
    if facts.kind == "nginx-unrouted":
        return _add_location(ctx, facts)
    return None


def _add_location(ctx: FixContext, facts) -> Fix | None:
    """An nginx gateway whose SPA location answers an API prefix: a proxying location for the prefix,
    to the owner's URL from the catalogue, above the location that answers it now."""
    prefix, owner, url = facts.prefix, facts.owner, facts.url_default
    path, line = (facts.answered_at.path, facts.answered_at.line) if facts.answered_at is not None else (None, None)
    if not (prefix and owner and url and path and line) or prefix == "/":
        return None
    match = re.match(r"^https?://[A-Za-z0-9.-]+(?::\d+)?$", url.rstrip("/"))
    text = ctx.current_text(path)
    if match is None or text is None or line > len(text.splitlines()):
        return None
    current = text.splitlines()[line - 1]
    if not current.lstrip().startswith("location"):
        return None
    indent = re.match(r"\s*", current).group(0)
    block = render("nginx-location.j2", indent=indent, prefix=prefix, upstream=url.rstrip("/"), owner=owner)
    return Fix(Msg("Proxy {prefix} to {owner} in {path}", prefix=prefix, owner=owner, path=path), (insert_at(path, line, 1, block),))


def _add_handler(ctx: FixContext, facts) -> Fix | None:
    """A missing method/path in a route file that already forwards to the owner: one more route line."""
    forwarding = facts.forwarding
    path, after = facts.route_file, facts.insert_after_line
    text = ctx.current_text(path) if path else None
    if text is None or not after or forwarding is None or not forwarding.handler or forwarding.component != facts.owner:
        return None
    caller = f"{facts.calls[0].file}:{facts.calls[0].line}" if facts.calls else None
    line = text.splitlines()[after - 1]
    block = render(
        "gateway-handler.j2",
        method=facts.method, path=facts.path, owner=facts.owner, caller=caller,
        route_path=facts.route_path, handler=forwarding.handler,
    ).rstrip("\n")
    edit = insert_at(path, after, len(line) + 1, block)
    return Fix(Msg("Forward {call} to {owner} in {path}", call=f"{facts.method} {facts.path}", owner=facts.owner, path=path), (edit,))


def _add_proxy(ctx: FixContext, facts) -> Fix | None:
    """No mount for the owner's prefix: a proxy route file, its mount, and (for axios) the dependency."""
    owner, prefix, server = facts.owner, facts.prefix, facts.server_file
    url_env, url_default, route_dir = facts.url_env, facts.url_default, facts.route_dir
    gateway = ctx.catalogue.component(facts.gateway or "")
    server_text = ctx.current_text(server) if server else None
    if not (owner and prefix and url_env and url_default and route_dir and gateway) or server_text is None:
        return None
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    route_file = posixpath.join(route_dir, f"{name}.js")
    if ctx.repo.exists(route_file):
        return None  # a file of that name exists but is not mounted: a person must decide
    calls = [f"{c.method} {c.path}" for c in facts.calls]
    style = facts.proxy_style
    example = ctx.catalogue.owner_of_route(style.example_route.path) if style is not None else None
    helper = _helper(ctx, style, route_file, example.url_env if example else None)
    edits: list[TextEdit] = []
    if helper is not None:
        content = render(
            "gateway-proxy-helper.j2", prefix=prefix, owner=owner, calls=calls, url_env=url_env,
            url_default=url_default, helper=helper[0], helper_module=helper[1],
            handler=_handler_like(ctx, style, url_env, owner),
        )
    else:
        content = render("gateway-proxy-axios.j2", prefix=prefix, owner=owner, calls=calls, url_env=url_env, url_default=url_default)
        version = version_for(ctx, "axios", gateway.package_json)
        dependency = dependency_edit(ctx, gateway.package_json, "axios", version[0]) if version and gateway.package_json else None
        if dependency is None and not _declares(ctx, gateway.package_json, "axios"):
            return None
        if dependency is not None:
            edits.append(dependency)
    edits.append(TextEdit(route_file, (1, 1), (1, 1), content, "", creates=True))
    edits.append(_mount_edit(ctx, gateway, facts, server, server_text, prefix, route_file))
    return Fix(Msg("Proxy {prefix} to {owner} through a new {file}", prefix=f"{prefix}/*", owner=owner, file=route_file), tuple(edits))


def _helper(ctx: FixContext, style, route_file: str, url_env_of_example: str | None) -> tuple[str, str] | None:
    """(function name, require path from the new file) of the gateway's own forwarding helper, when a
    new file can use it: the helper's module exports it, and the example call needs nothing but the
    URL variable (a call such as `proxyTo(upstreams.orders)` leans on names only its own file has)."""
    if style is None:
        return None
    match = re.match(r"(\w+) \((.+?):\d+\)", style.helper or "")
    handler = style.example_handler or ""
    if not match or not handler.startswith(match.group(1) + "("):
        return None
    name, module_path = match.group(1), match.group(2)
    source = ctx.current_text(module_path) or ""
    exported = re.search(r"module\.exports\s*=\s*\{[^}]*\b%s\b|exports\.%s\s*=|export\s+(?:async\s+)?function\s+%s\b|export\s*\{[^}]*\b%s\b"
                         % ((re.escape(name),) * 4), source)
    without_strings = re.sub(r"(['\"`])(?:\\.|(?!\1).)*\1", "", handler)
    names = set(re.findall(r"(?<![\w.])([A-Za-z_$][\w$]*)\b(?!\s*:)", without_strings))
    if not exported or names - {name, url_env_of_example}:
        return None
    module = posixpath.relpath(posixpath.splitext(module_path)[0], posixpath.dirname(route_file))
    return name, module if module.startswith(".") else "./" + module


def _handler_like(ctx: FixContext, style, url_env: str, owner: str) -> str:
    """The example proxy's handler expression, pointed at the new owner."""
    handler = style.example_handler
    example = ctx.catalogue.owner_of_route(style.example_route.path)
    if example is not None:
        if example.url_env:
            handler = handler.replace(example.url_env, url_env)
        handler = handler.replace(example.name, owner)
    return handler


def _mount_edit(ctx, gateway, facts, server, server_text, prefix, route_file) -> TextEdit:
    """Register the new router after the gateway's last proxy mount (else its last mount)."""
    app = express_app(ctx, gateway)
    after = facts.insert_after_line
    if app is not None:
        proxy_files = {route.file for route in app.proxies}
        lines = [m.location.line for m in app.mounts_in(server) if m.file in proxy_files and m.location.line]
        after = max(lines) if lines else after
    example = facts.mount_example or "app.use('/x', require('./x'))"
    quote = '"' if example.count('"') > example.count("'") else "'"
    module = posixpath.relpath(posixpath.splitext(route_file)[0], posixpath.dirname(server))
    module = module if module.startswith(".") else "./" + module
    line_text = server_text.splitlines()[after - 1]
    indent = re.match(r"\s*", line_text).group(0)
    mount = render("gateway-mount.j2", quote=quote, prefix=prefix, module=module).rstrip("\n")
    return insert_at(server, after, len(line_text) + 1, "\n" + indent + mount)


def _declares(ctx: FixContext, path: str | None, name: str) -> bool:
    from tiketi_doctor.analysis.image import package_json

    pkg = package_json(ctx, path)
    return bool(pkg and pkg.declared(name))


FIXERS = {"GW001": route_what_the_frontend_calls}
