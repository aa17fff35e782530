"""ORG: origins the browser deals with — hardcoded backend origins in frontend code that bypass the Ingress,
CORS allow-lists that leave out the host the frontend is served from."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from tiketi_doctor.analysis.environments import environments
from tiketi_doctor.analysis.envsources import container_envs
from tiketi_doctor.analysis.envvars import env_use
from tiketi_doctor.analysis.ingress import IngressRoute, route_for, routes
from tiketi_doctor.analysis.origins import CORS_KEY, allowed_origins, origin_host
from tiketi_doctor.analysis.source import js_module, source_files
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity

if TYPE_CHECKING:
    from tree_sitter import Node

_STRINGS = "[(string) (template_string)] @str"
_LOCAL_ORIGIN = re.compile(r"^(?:https?|wss?)://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d{2,5})(/[^\s?#]*)?")
# A branch taken only in development, or an origin that is only a fallback: the bundle that ships uses another.
_DEV_MARKERS = re.compile(r"process\.env|import\.meta\.env|NODE_ENV|__DEV__|\bisDev|\bDEV\b|development|window\.location|location\.(?:host|origin)")
_CONDITIONS = {"if_statement", "ternary_expression", "conditional_expression"}
_BRANCHES = {"if_statement": "condition", "ternary_expression": "condition", "conditional_expression": "condition"}


@facts
class OriginFacts(Facts):
    origin: str  # http://localhost:3005
    path: str  # the path the literal requests (/api/auth/login), "/" when none
    frontend: str
    backend: str  # the component that owns the port
    ingress: str
    ingress_path: str
    ingress_host: str | None = None
    read_path: str = ""
    read_line: int | None = None

    @property
    def served_at(self) -> str:
        return f"{self.ingress_host or ''}{self.ingress_path}"


class HardcodedBackendOrigin(Check):
    code = "ORG001"
    name = "frontend-hardcoded-backend-origin"
    severity = Severity.ERROR
    summary = "Frontend code sends requests to a hardcoded `http://localhost:PORT` of a backend that an Ingress serves on the same path."
    why = (
        "The frontend runs in the visitor's browser, where `localhost` is the visitor's own machine: a request to "
        "`http://localhost:3005/api/...` works on the developer's laptop and fails for everyone else "
        "(`net::ERR_CONNECTION_REFUSED`, or a mixed-content block on an https page). The Ingress already routes "
        "that path to the same backend, so a relative URL (or a build-time variable) reaches it from any host."
    )
    example = (
        "web/src/api.js: axios.create({ baseURL: 'http://localhost:3005/api' }) — k8s/ingress.yaml routes /api "
        "to Service api (port 3005)"
    )
    fix = (
        "Use a relative URL (`/api/...`) so the request goes to the host that served the page, or read the origin "
        "from a build-time variable (`import.meta.env.VITE_API_URL ?? ''`) that each environment sets."
    )
    Facts = OriginFacts
    symptom = "{origin}{path} → net::ERR_CONNECTION_REFUSED in every browser but the developer's"
    fix_title = "Request {path} relative to the page instead of {origin}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if component.role != "frontend":
            return
        for path in source_files(ctx, component):
            module = js_module(ctx, path)
            if module is None:
                continue
            for node in module.query(_STRINGS).get("str", []):
                text = node.text.decode("utf-8", "replace").strip("'\"`")
                match = _LOCAL_ORIGIN.match(text)
                if match is None or _dev_only(node):
                    continue
                found = self._bypass(ctx, component, int(match.group(1)), match.group(2) or "/")
                if found is None:
                    continue
                backend, route = found
                line, column = module.position(node)
                where = Location(path, line, column, label=text[:100])
                origin = text[: match.start(2)] if match.group(2) else text[: match.end(1)]
                yield self._finding(component, backend, route, where, origin, match.group(2) or "/")

    def _bypass(self, ctx: ScanContext, frontend: Component, port: int, path: str) -> tuple[Component, IngressRoute] | None:
        owners = [c for c in ctx.catalogue.by_port(port) if c.role != "frontend" and c.name != frontend.name]
        if len(owners) != 1:
            return None  # nobody, or several components on that port: which one is meant is not known
        backend = owners[0]
        service = backend.k8s_service or backend.name
        for env in environments(ctx):
            found = routes(env)
            host = next((r.host for r in found if r.service == (frontend.k8s_service or frontend.name) and not r.default), None)
            route = route_for(found, path, host)
            if route is not None and route.service == service and not route.default:
                return backend, route
        return None

    def _finding(self, frontend: Component, backend: Component, route: IngressRoute, where: Location, origin: str, path: str) -> Finding:
        facts = OriginFacts(origin, path, frontend.name, backend.name, route.ingress, route.path, route.host, where.path, where.line)
        return self.finding(
            Msg(
                "{frontend} requests {origin}{path} directly; in a browser that is the visitor's own machine, "
                "while Ingress {ingress} serves {served} from {backend}",
                frontend=frontend.name, origin=origin, path=path if path != "/" else "", ingress=route.ingress,
                served=facts.served_at, backend=backend.name,
            ),
            where,
            service=frontend.name,
            related=[route.location],
            evidence={"origin": origin, "path": path, "backend": backend.name, "ingress": route.ingress,
                      "ingress_path": route.path, "ingress_host": route.host, "ingress_at": str(route.location)},
            root_cause=Msg(
                "{origin} is the port {backend} listens on in local runs. The bundle runs in the visitor's browser, so the "
                "request goes to the visitor's machine, not to the cluster; Ingress {ingress} ({at}) already routes "
                "{route_path} to {backend} on the host that serves the page.",
                origin=origin, backend=backend.name, ingress=route.ingress, at=f"{route.location.path}:{route.location.line}",
                route_path=route.path,
            ),
            facts=facts,
        )


def _dev_only(node: "Node") -> bool:
    """A fallback (`env || 'http://localhost:3005'`, a default parameter) or a branch that only development takes."""
    child, parent = node, node.parent
    while parent is not None:
        if parent.type == "binary_expression":
            operator = parent.child_by_field_name("operator")
            if operator is not None and operator.type in ("||", "??") and parent.child_by_field_name("right") == child:
                return True
        if parent.type in ("assignment_pattern", "object_assignment_pattern", "required_parameter", "optional_parameter"):
            if parent.child_by_field_name("right") == child or parent.child_by_field_name("value") == child:
                return True
        if parent.type in _CONDITIONS:
            condition = parent.child_by_field_name(_BRANCHES[parent.type])
            if condition is not None and _DEV_MARKERS.search(condition.text.decode("utf-8", "replace")):
                return True
        if parent.type in ("function_declaration", "arrow_function", "function_expression", "method_definition", "program"):
            break
        child, parent = parent, parent.parent
    return False


@facts
class CorsFacts(Facts):
    variable: str
    allowed: tuple[str, ...]
    frontend_host: str
    api_host: str
    backend: str
    environment: str
    path: str = ""
    line: int | None = None

    @property
    def origin(self) -> str:
        return f"https://{self.frontend_host}"


class CorsMissesFrontendHost(Check):
    code = "ORG002"
    name = "cors-origin-misses-frontend-host"
    severity = Severity.ERROR
    summary = "A backend served on another Ingress host allows CORS origins that do not include the host the frontend is served from."
    why = (
        "When the page comes from one host (`shop.example.com`) and the API from another (`api.example.com`), every "
        "request is cross-origin and the browser sends it only if the API answers with the page's origin in "
        "`Access-Control-Allow-Origin`. An allow-list that still holds `http://localhost:3000` works in local runs "
        "and blocks every request in the cluster."
    )
    example = (
        "k8s/config.yaml: CORS_ORIGIN: http://localhost:3000 — k8s/ingress.yaml serves the frontend on shop.example.com "
        "and the api on api.example.com"
    )
    fix = "Add the frontend's origin (`https://shop.example.com`) to the allow-list of that environment, or serve the API on the frontend's host under a path."
    Facts = CorsFacts
    symptom = "Browser: blocked by CORS policy — {api_host} does not allow {origin}"
    fix_title = "Allow {origin} in {variable}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if component.role == "frontend":
            return
        use = env_use(ctx, component)
        frontends = [c for c in ctx.catalogue.components if c.role == "frontend"]
        service = component.k8s_service or component.name
        for ce in container_envs(ctx, component):
            found = routes(ce.environment)
            api_hosts = {r.host for r in found if r.service == service and not r.default}
            if not api_hosts or None in api_hosts:
                continue  # not published, or on every host (then the page's own host serves it too)
            page_hosts = {r.host for f in frontends for r in found if r.service == (f.k8s_service or f.name) and not r.default}
            if not page_hosts or None in page_hosts or page_hosts & api_hosts:
                continue  # the frontend is not published by host, or pages and API share a host: same origin
            settings = [(s.name, s.value, s.location, s.describe) for s in ce.sources
                        if CORS_KEY.search(s.name.upper()) and s.value is not None and s.name in use.reads]
            settings += _cors_literals(ctx, component)
            for name, value, location, describe in settings:
                allowed = allowed_origins(value)
                if allowed is None or not allowed:
                    continue  # any origin, or not a list of origins (a flag, a regular expression)
                hosts = {origin_host(o) for o in allowed}
                for page in sorted(page_hosts - hosts):
                    yield self._finding(component, ce.environment.describe(), name, location, describe, sorted(allowed), page, sorted(api_hosts)[0])

    def _finding(self, component: Component, environment: str, name: str, location: Location, describe: str,
                 allowed: list[str], page: str, api: str) -> Finding:
        facts = CorsFacts(name, tuple(allowed), page, api, component.name, environment, location.path, location.line)
        return self.finding(
            Msg(
                "{backend} is served on {api} and allows the origins {allowed} ({variable}), but the frontend is served "
                "from {page} in {environment}: the browser blocks its requests",
                backend=component.name, api=api, allowed=", ".join(allowed), variable=name, page=page,
                environment=environment,
            ),
            location,
            service=component.name,
            evidence={"variable": name, "allowed": allowed, "frontend_host": page, "api_host": api,
                      "set_in": describe, "environment": environment},
            root_cause=Msg(
                "The page and the API are on different hosts, so every request from {page} to {api} is cross-origin; "
                "{backend} answers only for {allowed}, so the browser refuses the response.",
                page=page, api=api, backend=component.name, allowed=", ".join(allowed),
            ),
            facts=facts,
        )


_CORS_CALLS = "(call_expression function: (identifier) @function arguments: (arguments . (object) @options)) @call"


def _cors_literals(ctx: ScanContext, component: Component) -> list[tuple[str, str, Location, str]]:
    """`cors({ origin: 'http://localhost:3000' })` or `origin: [...]` written as literals in the component's code."""
    def collect() -> list[tuple[str, str, Location, str]]:
        from tiketi_doctor.analysis.envvars import code_files
        from tiketi_doctor.analysis.jsbindings import object_property
        from tiketi_doctor.parsing.javascript import string_value

        found = []
        for path in code_files(ctx, component):
            module = js_module(ctx, path)
            if module is None:
                continue
            for match in module.matches(_CORS_CALLS):
                function, options = match.get("function", [None])[0], match.get("options", [None])[0]
                if function is None or function.text != b"cors":
                    continue
                origin = object_property(options, "origin")
                items = origin.named_children if origin is not None and origin.type == "array" else [origin]
                values = [string_value(item) for item in items if item is not None]
                if origin is None or not values or any(v is None for v in values):
                    continue  # a variable, a function or a regular expression: not known here
                line, column = module.position(origin)
                where = Location(path, line, column, label=origin.text.decode("utf-8", "replace")[:100])
                found.append(("cors({ origin })", ",".join(values), where, f"cors() in {path}"))
        return found

    return ctx.memo(("cors-literals", component.name), collect)


CHECKS = (HardcodedBackendOrigin, CorsMissesFrontendHost)
