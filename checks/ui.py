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
from tiketi_doctor.check import Check
from tiketi_doctor.context import ScanContext
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import rebuild_commands


def _where(route: RoutePath) -> str:
    return f"{route.location.path}:{route.location.line}"


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

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        hidden = hidden_links(ctx, component)
        if not hidden:
            return
        routes = router(ctx, component).routes
        if not routes:
            ctx.undecided(f"no react-router routes found in {component.source}; cannot tell whether hidden links are routed")
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
        message = f"{shown} is commented out at {where}, but {_where(route)} routes {route.path} to {page.name}{page_file}"
        if item.todo:
            message += f"; the comment says \"{item.todo}\""
        others = [other for other in active if app_path(other.target) == path]
        pages = {r.page.file: r.path for r in routes if r.page is not None and r.page.file}
        other_notes = [
            f"{o.location.path}:{o.location.line}" + (f" (the page of {pages[o.location.path]})" if o.location.path in pages else "")
            for o in others
        ]
        cause = (
            f"The router defines {route.path} and its page {page.name} exists, so the feature is built and shipped, "
            f"but the navigation link to it is commented out: users can reach {path} only by typing the URL."
        )
        if item.todo:
            cause += f" The link was hidden behind \"{item.todo}\", which nobody revisited."
        if other_notes:
            cause += f" Elsewhere {path} is linked only from {', '.join(other_notes)}."
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
                "other_links": other_notes,
            },
            root_cause=cause,
            params={
                "target": link.target,
                "file": link.location.path,
                "link_source": link.source,  # as it stands in the file, comment markers included
                "restored": item.restored,  # what replaces `replace` to bring the link back
                "replace": (item.replace.span() if item.replace is not None else None),
                "comment": (item.comment.span() if item.comment is not None else None),
                "todo": item.todo,
                "todo_comment": (item.todo_comment.span() if item.todo_comment is not None else None),
                "route_path": route.path,
                "route_file": route.location.path,
                "route_line": route.location.line,
                "page": page.name,
                "page_file": page.file,
            },
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

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        links = [link for link in nav_links(ctx, component) if link.element in ("Link", "NavLink") and app_path(link.target)]
        if not links:
            return
        found = router(ctx, component)
        if not found.routes:
            ctx.undecided(f"no react-router routes found in {component.source}; cannot match {len(links)} link(s)")
            return
        if found.unresolved:
            where = ", ".join(f"{loc.path}:{loc.line}" for loc in found.unresolved[:3])
            ctx.undecided(f"some routes are not literal ({where}); links may match them")
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
        message = (
            f"{link.source.splitlines()[0]} at {link.location.path}:{link.location.line} leads to {path}, "
            f"which no route in {', '.join(files)} matches"
        )
        if close:
            message += f" (did you mean {close[0]}?)"
        outcome = (
            f"the click renders the catch-all {fallback.page.name if fallback and fallback.page else 'route'} "
            f"({_where(fallback)})" if fallback else "the click renders no page at all"
        )
        return self.finding(
            message,
            Location(link.location.path, link.location.line, link.location.column, link.location.end_line, link.location.end_column, label=link.source),
            service=component.name,
            related=[fallback.location] if fallback else [],
            evidence={"link": link.source, "target": path, "routes": known, "closest": close[0] if close else None},
            root_cause=f"The router defines {', '.join(known)}; none matches {path}, so {outcome}.",
            params={
                "target": link.target,
                "path": path,
                "link": (link.location.span() if link.location is not None else None),
                "closest_route": close[0] if close else None,
                "routes": known,
            },
            remediation=rebuild_commands(ctx.catalogue, component),
        )


CHECKS = (HiddenNavLink, LinkToUnroutedPath)
