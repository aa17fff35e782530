"""The port each component listens on: the application's own default first, then what others write.

The code's `process.env.PORT || 3005` (or a literal `listen(3005)`) is what the process does
when nothing overrides it, so it wins; the env file, the Dockerfile and the manifests come
after, in that order. Every place that disagrees with the chosen port is listed for review.
"""
from __future__ import annotations

import posixpath

from ..analysis import ports as port_places
from ..analysis.express import app_files
from ..analysis.image import package_json
from ..analysis.source import js_module
from ..catalogue import Component
from ..context import ScanContext
from ..model import Location
from .model import Fact

MAX_LISTED = 4


def code_ports(ctx: ScanContext, component: Component) -> list[tuple[int, Location]]:
    """(port, where) of every PORT default and literal listen() in the component's code, entry file first."""
    found: list[tuple[int, Location]] = []
    for path in app_files(ctx, component):
        module = js_module(ctx, path)
        if module is None:
            continue
        for default in module.env_defaults:
            if default.name == "PORT" and default.value.isdigit():
                found.append((int(default.value), Location(path, default.line, default.column, label=default.text)))
        for port, line, column in module.listen_literals:
            found.append((port, Location(path, line, column, label=f"listen({port})")))
    entry = _entry(ctx, component)
    found = [(port, where) for port, where in found if 0 < port < 65536]  # 0: a random port
    return sorted(found, key=lambda p: (p[1].path != entry, p[1].label.startswith("listen") if p[1].label else True))


def _entry(ctx: ScanContext, component: Component) -> str | None:
    pkg = package_json(ctx, component.package_json)
    main = pkg.data.get("main") if pkg is not None else None
    if isinstance(main, str):
        return posixpath.normpath(posixpath.join(posixpath.dirname(pkg.path), main))
    return None


def listen_port(ctx: ScanContext, component: Component) -> Fact[int] | None:
    code = code_ports(ctx, component)
    others = [
        (place.value, place.location, place.kind)
        for category in (port_places.APP, port_places.DOCKERFILE, port_places.MANIFEST)
        for place in port_places.places_of(ctx, component.name, category)
        if not (category == port_places.APP and place.kind != "env file PORT")
    ]
    if code:
        port, where = code[0]
        fact = Fact(port, _describe(where))
        places = [(p, loc, "code") for p, loc in code[1:]] + others
    elif others:
        port, where = _consensus(others)
        fact = Fact(port, _describe(where))
        if component.role != "infrastructure":
            fact.doubts.append("the application's code sets no default port; taken from " + (where.label or where.path))
        places = [o for o in others if o[1] is not where]
    else:
        return None
    disagree = [(p, loc) for p, loc, _ in places if p != port]
    if disagree:
        listed = ", ".join(f"{_describe(loc)}" for _, loc in disagree[:MAX_LISTED])
        more = f" and {len(disagree) - MAX_LISTED} more" if len(disagree) > MAX_LISTED else ""
        values = "/".join(str(v) for v in sorted({p for p, _ in disagree}))
        fact.doubts.append(f"others say {values}: {listed}{more}")
    return fact


def _consensus(places: list[tuple[int, Location, str]]) -> tuple[int, Location]:
    """Without a default in the code, the value the most deployment files agree on.

    A Dockerfile and each manifest are what runs; an env template only configures a local run,
    so it counts only between values the deployment files tie on: first more agreeing files, then
    more agreeing places in them, then the first place in the usual order (env file, Dockerfile, manifests).
    """
    votes: dict[int, list[tuple[Location, str]]] = {}
    for value, where, kind in places:
        votes.setdefault(value, []).append((where, kind))

    def rank(value: int) -> tuple:
        found = votes[value]
        deployed = [w.path for w, kind in found if kind != "env file PORT"]
        return (len(set(deployed)), len(deployed), len(found))

    order = list(votes)  # dicts keep the order in which values were first seen
    port = max(order, key=lambda v: (rank(v), -order.index(v)))
    return port, votes[port][0][0]


def _describe(where: Location) -> str:
    text = f"{where.path}:{where.line}" if where.line else where.path
    return f"{text} ({where.label})" if where.label else text
