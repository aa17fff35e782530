"""UI: the frontend's navigation against its router — hidden features and links that lead nowhere."""
from __future__ import annotations

import difflib
from typing import Iterable

from tiketi_doctor.analysis.frontend_routes import (
    DYNAMIC,
    HiddenLink,
    NavLink,
    RoutePath,
    app_path,
    hidden_links,
    match_route,
    nav_links,
    router,
)
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts, Span
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands


def _where(route: RoutePath) -> str:
    return f"{route.location.path}:{route.location.line}"


@facts
class HiddenLinkFacts(Facts):
    """UI001: the commented-out link, what brings it back, and the route and page it leads to."""

    target: str
    file: str
    link_source: str = ""  # as it stands in the file, comment markers included
    restored: str | None = None  # what replaces `replace` to bring the link back
    replace: Span | None = None
    comment: Span | None = None
    todo: str | None = None
    todo_comment: Span | None = None
    route_path: str = ""
    route_file: str = ""
    route_line: int | None = None
    page: str = ""
    page_file: str | None = None


@facts
class UnroutedLinkFacts(Facts):
    """UI002: an active link whose path no route matches, and the routes there are."""

    target: str
    path: str
    link: Span | None = None
    closest_route: str | None = None
    routes: tuple[str, ...] = ()


class FrontendCheck(Check):
    def applies_to(self, component: Component) -> bool:
        return component.role == "frontend"


class HiddenNavLink(FrontendCheck):
    code = "UI001"
    name = "hidden-nav-link"
    severity = Severity.WARNING
    fixable = True
    summary = "A navigation link is commented out although the router serves its path and the page exists."
    why = (
        "The page is built, routed and deployed, but no menu leads to it: a dead feature nobody can reach "
        "except by typing the URL. It usually happens when a link is hidden behind a TODO (\"enable after "
        "the API is ready\") and nobody comes back once the API ships."
    )
    example = (
        "frontend/src/components/Header.js: {/* TODO: 뉴스 API 연동 후 활성화 */} {/* <Link to=\"/news\">뉴스</Link> */}\n"
        "frontend/src/App.js: <Route path=\"/news\" element={<NewsList />} />"
    )
    fix = (
        "Restore the link (replace the `{/* ... */}` comment with the link element) and delete the stale TODO, "
        "then rebuild and redeploy the frontend. If the feature really is not ready, remove the route too, "
        "so the router and the navigation agree."
    )
    Facts = HiddenLinkFacts
    symptom = "no menu leads to {route_path}: the page is reachable only by typing its URL"
    fix_title = "Restore the {target} link in {file}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        hidden = hidden_links(ctx, component)
        if not hidden:
            return
        routes = router(ctx, component).routes
        if not routes:
            ctx.undecided(Msg("no react-router routes found in {source}; cannot tell whether hidden links are routed", source=component.source))
            return
        active = nav_links(ctx, component)
        for item in hidden:
            path = app_path(item.link.target)
            route = match_route(routes, item.link.target) if path else None
            if route is None or route.page is None or not route.page.exists or route.page.is_redirect:
                continue  # not routed, or the page is missing: the link is rightly hidden
            if any(app_path(link.target) == path and link.location.path == item.link.location.path for link in active):
                continue  # an active link to the same path sits in the same file: the comment is an old copy
            yield self._finding(ctx, component, item, path, route, active, routes)

    def _finding(self, ctx, component, item: HiddenLink, path: str, route: RoutePath, active: list[NavLink], routes) -> Finding:
        link = item.link
        page = route.page
        where = f"{link.location.path}:{link.location.line}"
        page_file = f" ({page.file})" if page.file and page.file != route.location.path else ""
        shown = " ".join(item.restored.split())
        message = Msg("{link} is commented out at {where}, but {routed_at} routes {route} to {page}{page_file}",
                      link=shown, where=where, routed_at=_where(route), route=route.path, page=page.name, page_file=page_file)
        if item.todo:
            message = Msg("{message}; the comment says \"{todo}\"", message=message, todo=item.todo)
        others = [other for other in active if app_path(other.target) == path]
        pages = {r.page.file: r.path for r in routes if r.page is not None and r.page.file}
        other_notes = [
            Msg("{where} (the page of {route})", where=f"{o.location.path}:{o.location.line}", route=pages[o.location.path])
            if o.location.path in pages else f"{o.location.path}:{o.location.line}"
            for o in others
        ]
        cause = Msg(
            "The router defines {route} and its page {page} exists, so the feature is built and shipped, "
            "but the navigation link to it is commented out: users can reach {path} only by typing the URL.",
            route=route.path, page=page.name, path=path,
        )
        if item.todo:
            cause = Msg("{cause} The link was hidden behind \"{todo}\", which nobody revisited.", cause=cause, todo=item.todo)
        if other_notes:
            cause = Msg("{cause} Elsewhere {path} is linked only from {places}.", cause=cause, path=path, places=Joined(other_notes, ", "))
        related = [Location(route.location.path, route.location.line, route.location.column, label=route.location.label)]
        if page.file and page.file != route.location.path:
            related.append(Location(page.file, 1, label=f"{page.name} ({page.reason})"))
        if item.todo_comment is not None:
            related.append(item.todo_comment)
        return self.finding(
            message,
            Location(link.location.path, link.location.line, link.location.column, link.location.end_line, link.location.end_column, label=shown),
            service=component.name,
            related=related,
            evidence={
                "link": shown,
                "commented_out_at": str(item.comment),
                "route": route.path,
                "routed_at": _where(route),
                "page": page.name,
                "page_file": page.file,
                "todo": item.todo,
                "other_links": [str(note) for note in other_notes],
            },
            root_cause=cause,
            facts=HiddenLinkFacts(
                target=link.target,
                file=link.location.path,
                link_source=link.source,
                restored=item.restored,
                replace=Span.of(item.replace),
                comment=Span.of(item.comment),
                todo=item.todo,
                todo_comment=Span.of(item.todo_comment),
                route_path=route.path,
                route_file=route.location.path,
                route_line=route.location.line,
                page=page.name,
                page_file=page.file,
            ),
            remediation=rebuild_commands(ctx.catalogue, component),
        )


class LinkToUnroutedPath(FrontendCheck):
    code = "UI002"
    name = "link-to-unrouted-path"
    severity = Severity.WARNING
    summary = "An active <Link>/<NavLink> points to a path that no router route matches."
    why = (
        "The mirror of a hidden link: the menu offers a page the router does not know, so the click shows the "
        "not-found page (or nothing). It happens when a route is renamed or removed and the links are not."
    )
    example = (
        "frontend/src/components/Header.js: <Link to=\"/notice\">공지</Link>\n"
        "frontend/src/App.js: no <Route path=\"/notice\"> (only /news, /events/:id, ...)"
    )
    fix = "Point the link at an existing route (or add the route and its page), then rebuild the frontend."
    Facts = UnroutedLinkFacts
    symptom = "the menu link to {path} shows the not-found page, or nothing"
    fix_title = "Point the link to {path} at an existing route"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        links = [link for link in nav_links(ctx, component) if link.element in ("Link", "NavLink") and app_path(link.target)]
        if not links:
            return
        found = router(ctx, component)
        if not found.routes:
            ctx.undecided(Msg("no react-router routes found in {source}; cannot match {count} link(s)", source=component.source, count=len(links)))
            return
        if found.unresolved:
            where = ", ".join(f"{loc.path}:{loc.line}" for loc in found.unresolved[:3])
            ctx.undecided(Msg("some routes are not literal ({where}); links may match them", where=where))
            return
        for link in links:
            if match_route(found.routes, link.target) is None:
                yield self._finding(ctx, component, link, found.routes)

    def _finding(self, ctx, component, link: NavLink, routes: list[RoutePath]) -> Finding:
        path = (app_path(link.target) or link.target).replace(DYNAMIC, "${…}")
        known = sorted({r.path for r in routes if not r.is_fallback})
        fallback = match_route(routes, link.target, fallback=True)
        close = difflib.get_close_matches(path.replace("${…}", ":param"), known, n=1, cutoff=0.6)
        files = sorted({r.location.path for r in routes})
        message = Msg(
            "{link} at {where} leads to {path}, which no route in {files} matches",
            link=link.source.splitlines()[0], where=f"{link.location.path}:{link.location.line}", path=path, files=", ".join(files),
        )
        if close:
            message = Msg("{message} (did you mean {route}?)", message=message, route=close[0])
        if fallback is None:
            outcome = Msg("the click renders no page at all")
        elif fallback.page:
            outcome = Msg("the click renders the catch-all {page} ({where})", page=fallback.page.name, where=_where(fallback))
        else:
            outcome = Msg("the click renders the catch-all route ({where})", where=_where(fallback))
        return self.finding(
            message,
            Location(link.location.path, link.location.line, link.location.column, link.location.end_line, link.location.end_column, label=link.source),
            service=component.name,
            related=[fallback.location] if fallback else [],
            evidence={"link": link.source, "target": path, "routes": known, "closest": close[0] if close else None},
            root_cause=Msg("The router defines {routes}; none matches {path}, so {outcome}.", routes=", ".join(known), path=path, outcome=outcome),
            facts=UnroutedLinkFacts(link.target, path, Span.of(link.location), close[0] if close else None, tuple(known)),
            remediation=rebuild_commands(ctx.catalogue, component),
        )


CHECKS = (HiddenNavLink, LinkToUnroutedPath)
