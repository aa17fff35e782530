"""HTTP probes: a running component's health route, and the paths the frontend calls through the gateway."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis.frontend_calls import frontend_api
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import facts
from tiketi_doctor.i18n import Joined, Msg
from tiketi_doctor.model import Finding, Severity
from tiketi_doctor.remediation import rebuild_commands

from .base import UNSET, Explanation, LiveCheck, LiveFacts, from_static, mask

if TYPE_CHECKING:
    from tiketi_doctor.cluster.context import LiveContext


# -- CL009 / CL010: HTTP -------------------------------------------------------------------------------

@facts
class HealthFacts(LiveFacts):
    """CL009: the health route and the HTTP status it answered (None: no answer)."""

    path: str = UNSET
    status: int | None = UNSET


@dataclass(frozen=True)
class Call:
    method: str
    path: str


@facts
class RouteFacts(LiveFacts):
    """CL010: the frontend's calls the running gateway answers 404, and whether the repository routes them."""

    calls: tuple[Call, ...] = UNSET
    image_older_than_repository: bool = UNSET

    @property
    def listed(self) -> str:
        return ", ".join(f"{c.method} {c.path}" for c in self.calls or ())


def _reachable(ctx: LiveContext, component: Component) -> tuple[str, str] | None:
    """(base URL, via) of a component with a ready pod; records why not otherwise."""
    workload = ctx.workload_of(component)
    if ctx.prober is None:
        ctx.undecided(Msg("HTTP probes are off"))
        return None
    if component.name not in ctx.prober.base_urls and (workload is None or not any(
            p.ready.split("/")[0] == p.ready.split("/")[1] and p.phase == "Running" for p in workload.live_pods)):
        return None  # no ready pod: the pod finding explains it, a probe adds nothing
    svc = ctx.snapshot.service(component.k8s_service or component.name)
    ports = [p.get("port") for p in ((svc or {}).get("spec") or {}).get("ports") or []]
    port = component.port if component.port in ports else (ports[0] if ports else None)
    from tiketi_doctor.cluster.http import ProbeUnavailable

    try:
        return ctx.prober.base(component.name, component.k8s_service if svc else None, port)
    except ProbeUnavailable as exc:
        ctx.undecided(Msg("{component}: {reason}", component=component.name, reason=exc.reason))
        return None


def _request(result) -> str:
    """`ProbeResult.describe()`, with "no answer (...)" translatable."""
    if result.status is not None:
        return result.describe()
    return Msg("{method} {url} → no answer ({error})", method=result.method, url=result.url, error=result.error)


class HealthEndpointFailing(LiveCheck):
    code = "CL009"
    name = "health-endpoint-failing"
    severity = Severity.ERROR
    reads = LiveCheck.reads + ("services",)  # the port to reach comes from the Service
    summary = "A running component's health route does not answer 2xx over HTTP."
    why = (
        "A pod can be Running and even Ready (a TCP probe, or no probe) while its health route fails — the database "
        "or cache it depends on is down, or the route is not what the catalogue says. Asking the route itself is the "
        "check a user's request would make."
    )
    example = "GET http://127.0.0.1:43121/health (port-forward svc/payment-service 3003) → 503"
    fix = "Read the body of the answer and the component's log; fix the dependency it reports, or the health route."
    Facts = HealthFacts
    symptom = "{path} of {deployment} does not answer 2xx: requests that need it fail"
    fix_title = "Fix what the health route of {deployment} reports as failing"

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not self.can_decide(ctx):
            return
        from tiketi_doctor.cluster.context import Workload

        for component in ctx.catalogue.apps:
            if not component.health:
                continue
            reach = _reachable(ctx, component)
            if reach is None:
                continue
            result = ctx.prober.request(reach[0], reach[1], "GET", component.health)
            if result.ok:
                continue
            workload = ctx.workload_of(component) or Workload(component.name, component, None)
            answer = result.status if result.status is not None else Msg("no answer ({error})", error=result.error)
            why = Explanation(
                headline=Msg("its pods run, so the route itself or a dependency it checks fails"),
                cause=Msg(
                    "{component}'s health route {path} answers {answer}{body} (via {via}). Read the answer's body and the "
                    "component's log for the failing dependency.",
                    component=component.name, path=component.health, answer=answer, via=result.via,
                    body=Msg(" with {body}", body=repr(mask(result.body.strip()[:200]))) if result.body.strip() else "",
                ),
                params={"path": component.health, "status": result.status},
            )
            yield self.live_finding(ctx, None, workload, Msg("{component}'s health route fails ({request})", component=component.name,
                                                             request=_request(result)), why, evidence={"http": result.evidence()})


class GatewayRouteMissingLive(LiveCheck):
    code = "CL010"
    name = "gateway-route-404"
    severity = Severity.ERROR
    reads = LiveCheck.reads + ("services",)  # the port to reach comes from the Service
    summary = "A path the frontend calls answers 404 from the running gateway."
    why = (
        "The frontend talks only to the gateway; a 404 there is what the user's browser gets. When the repository's "
        "gateway does not route the path (GW001) the live 404 confirms it; when the repository does route it, the "
        "gateway running in the cluster is older than the repository."
    )
    example = "GET http://localhost:3001/api/stats/overview → 404 (backend/src/server.js mounts nothing at /api/stats)"
    fix = "Route the path in the gateway (see GW001's fix), then rebuild, load and restart the gateway; if the repository already routes it, just rebuild and roll out."
    Facts = RouteFacts
    symptom = "{listed} → 404 from the gateway"
    fix_title = "Route {listed} in the gateway, then rebuild and roll it out"

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not self.can_decide(ctx):
            return
        gateway = next((c for c in ctx.catalogue.components if c.role == "gateway"), None)
        if gateway is None:
            return
        reach = _reachable(ctx, gateway)
        if reach is None:
            return
        calls = [c for c in frontend_api(ctx).calls if ":" not in c.path and "*" not in c.path]
        if not calls:
            return
        missing: list[tuple] = []
        seen = set()
        for call in calls:
            if (call.method, call.path) in seen:
                continue
            seen.add((call.method, call.path))
            result = ctx.prober.request(reach[0], reach[1], call.method, call.path)
            if result.status == 404:
                missing.append((call, result))
        from tiketi_doctor.cluster.context import Workload

        workload = ctx.workload_of(gateway) or Workload(gateway.name, gateway, None)
        groups: dict[str, list[tuple]] = {}
        for call, result in missing:
            static = [f for f in ctx.static.find("GW001", gateway.name)
                      if any(p.get("method") == call.method and p.get("path") == call.path for p in f.params.get("calls", []))]
            groups.setdefault(static[0].fingerprint if static else f"{call.method} {call.path}", []).append((call, result, static))
        for key, members in groups.items():
            static = members[0][2]
            results = [r for _, r, _ in members]
            listed = ", ".join(f"{c.method} {c.path}" for c, _, _ in members)
            if static:
                why = from_static(static, Msg("{gateway} has no route for it in the repository either ({code} at {location})",
                                              gateway=gateway.name, code=static[0].code, location=str(static[0].location)))
            else:
                call = members[0][0]
                why = Explanation(
                    headline=Msg("the repository's {gateway} routes it: the gateway in the cluster is older than the repository", gateway=gateway.name),
                    cause=Msg(
                        "The running gateway answers 404 for {calls}, but the repository's gateway routes it (GW001 finds "
                        "nothing). The image in the cluster was built before the route was added: rebuild, load and restart {gateway}.",
                        calls=listed, gateway=gateway.name,
                    ),
                    location=call.location,
                    remediation=rebuild_commands(ctx.catalogue, gateway),
                    ruled_out=Msg("GW001 found {calls} routed in {source}.", calls=listed, source=gateway.source),
                    params={"image_older_than_repository": True},
                )
            why.params["calls"] = tuple(Call(c.method, c.path) for c, _, _ in members)
            text = Msg("the running gateway answers 404 for {calls} ({requests})", calls=listed,
                       requests=Joined([_request(r) for r in results[:3]], "; "))
            yield self.live_finding(ctx, None, workload, text, why, evidence={"http": [r.evidence() for r in results]})


