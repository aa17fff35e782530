"""NET: addresses in deployed config that reach nothing — a misspelt Service, localhost, the wrong scheme."""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity

_URL = re.compile(r"^([a-z][a-z0-9+.-]*)://(?:[^@/\s]*@)?([A-Za-z0-9_.-]+)(?::(\d+))?(?:[/?#]|$)", re.IGNORECASE)
_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")  # a DNS label: a Service or compose service name
_SUFFIX = re.compile(r"[-_](?:srv|svc|service|server)$")
_HOST_KEY = re.compile(r"(?:^|_)HOST(?:NAME)?$", re.IGNORECASE)
LOOPBACK = {"localhost", "127.0.0.1", "0.0.0.0", "::1"}
# Variables a browser or an outside client uses: localhost there is the user's machine, not the container.
_CLIENT_SIDE = re.compile(r"ORIGIN|CORS|CALLBACK|REDIRECT|PUBLIC|FRONTEND|CLIENT|BROWSER|HOMEPAGE|SITE|WEB|^UI_|_UI_|REACT_APP_|VITE_")
# Well-known ports of protocols that are not HTTP, and the URL schemes that speak them.
NON_HTTP_PORTS = {4222: "nats", 6222: "nats", 6379: "redis", 5672: "amqp", 5432: "postgres", 27017: "mongodb", 3306: "mysql", 9092: "kafka", 11211: "memcached"}
PROTOCOL_SCHEMES = {
    "nats": {"nats", "tls"}, "redis": {"redis", "rediss"}, "amqp": {"amqp", "amqps"},
    "postgres": {"postgres", "postgresql"}, "mongodb": {"mongodb"}, "mysql": {"mysql", "mysql2", "mariadb"},
    "kafka": {"kafka", "plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}, "memcached": {"memcached"},
}
HTTP_SCHEMES = {"http", "https", "ws", "wss"}


@dataclass(frozen=True)
class Target:
    """A name something answers to in one deployed environment, with the ports it serves."""

    name: str
    location: Location
    ports: dict[int, str]  # port -> its name ("" when unnamed)


@dataclass(frozen=True)
class Address:
    key: str  # the variable or ConfigMap key
    value: str
    location: Location
    owner_ports: frozenset[int]  # ports the container that reads it serves itself (its pod's, for k8s)
    client_side: bool  # read by a frontend or a browser-facing setting
    loopback_ok: bool  # compose network_mode host/service: localhost is shared


@facts
class AddressFacts(Facts):
    """NET001: the setting, the host it names, and what was meant: a name (misspelt host), a
    port (localhost), or a scheme (the wrong protocol). Unset ones are left out of the params."""

    host: str
    key: str
    meant: str | None = None
    port: int | None = None
    scheme: str | None = None

    def params(self):
        return {k: v for k, v in super().params().items() if v is not None or k in ("host", "key")}


class ServiceAddressWrong(Check):
    code = "NET001"
    name = "service-address-unreachable"
    severity = Severity.ERROR
    scope = "repository"
    summary = (
        "A URL or host in deployed config cannot reach its target: a near miss of a Service/compose service "
        "name, localhost for another container's port, or a scheme the target port does not speak."
    )
    why = (
        "Inside a cluster or a compose network, components find each other by Service or service name. A name "
        "one letter off (`order-servce`, `orders-svc` for `orders`) fails DNS (ENOTFOUND / getaddrinfo "
        "EAI_AGAIN); `localhost` inside a container is that container, so `http://localhost:5432` reaches "
        "nothing unless the port is its own (ECONNREFUSED); and `https://` to a plain HTTP or NATS/Redis port "
        "fails the TLS handshake (EPROTO wrong version number)."
    )
    example = "k8s/api.yaml env: `ORDERS_URL: http://order-servce:3000` while the Service is named `order-service`"
    fix = (
        "Use the exact Service/compose service name (and a port it exposes), the other component's name instead "
        "of localhost, and the scheme its port speaks (`nats://` for NATS, `http://` for a plain HTTP Service)."
    )
    Facts = AddressFacts
    symptom = "calls through {key} fail: {host} cannot be reached (ENOTFOUND, ECONNREFUSED or a failed handshake)"
    fix_title = "Correct the address in {key}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        everywhere = _all_names(ctx)
        for targets, addresses, open_names, makers in _deployments(ctx):
            closest: dict[str, list[Target]] = {}  # host -> near misses: one search per host, not per address
            for address in addresses:
                yield from self._judge(address, targets, everywhere, open_names, makers, closest)

    def _judge(self, address: Address, targets: dict[str, Target], everywhere: set[str], open_names: bool, makers: set[str],
               closest: dict[str, list[Target]]) -> Iterator[Finding]:
        for scheme, host, port in _hosts(address):
            if host in LOOPBACK:
                finding = self._loopback(address, scheme, host, port, targets)
            elif host in targets:
                finding = self._scheme(address, scheme, host, port, targets[host])
            elif not open_names and "." not in host and host not in everywhere and not any(m in host for m in makers):
                if host not in closest:
                    closest[host] = [t for name, t in sorted(targets.items()) if near_miss(host, name)]
                finding = self._near_miss(address, host, closest[host])
            else:
                finding = None
            if finding is not None:
                yield finding

    def _near_miss(self, address: Address, host: str, close: list[Target]) -> Finding | None:
        if len(close) != 1:
            return None  # none, or ambiguous: the name may come from elsewhere
        target = close[0]
        return self.finding(
            Msg("{key} names host {host!r}, which nothing here defines; did you mean {meant!r} (defined at {where})?",
                key=address.key, host=host, meant=target.name, where=f"{target.location.path}:{target.location.line}"),
            address.location,
            related=[target.location],
            evidence={"host": host, "meant": target.name, "value": address.value, "problem": "name"},
            root_cause=Msg("DNS has no {host!r} in this environment: the lookup fails (ENOTFOUND/EAI_AGAIN) and every call through {key} fails.",
                           host=host, key=address.key),
            facts=AddressFacts(host, address.key, meant=target.name),
        )

    def _loopback(self, address: Address, scheme: str, host: str, port: int | None, targets: dict[str, Target]) -> Finding | None:
        if address.client_side or address.loopback_ok or port is None or port in address.owner_ports:
            return None
        owners = [t for _, t in sorted(targets.items()) if port in t.ports]
        if not owners:
            return None
        target = owners[0]
        return self.finding(
            Msg("{key} sends {url} from inside a container, but port {port} belongs to {meant!r} (defined at {where}); "
                "localhost is the container itself",
                key=address.key, url=f"{scheme}://{host}:{port}", port=port, meant=target.name,
                where=f"{target.location.path}:{target.location.line}"),
            address.location,
            related=[target.location],
            evidence={"host": host, "meant": target.name, "value": address.value, "port": port, "problem": "localhost"},
            root_cause=Msg("Nothing in this container listens on {port}: the connection is refused; {meant!r} is reached as {address}.",
                           port=port, meant=target.name, address=f"{target.name}:{port}"),
            facts=AddressFacts(host, address.key, meant=target.name, port=port),
        )

    def _scheme(self, address: Address, scheme: str, host: str, port: int | None, target: Target) -> Finding | None:
        if port is None or port not in target.ports:
            return None  # the port itself is another check's business (PORT004)
        speaks = _protocol(port, target.ports[port])
        if speaks is None:
            return None
        if speaks == "http":
            wrong = scheme in ("https", "wss") or (scheme not in HTTP_SCHEMES and any(scheme in s for s in PROTOCOL_SCHEMES.values()))
            why = Msg("a plain HTTP port")
        else:
            wrong = scheme in HTTP_SCHEMES or (scheme not in PROTOCOL_SCHEMES[speaks] and any(scheme in s for s in PROTOCOL_SCHEMES.values()))
            why = Msg("a {protocol} port", protocol=speaks)
        if not wrong:
            return None
        return self.finding(
            Msg("{key} uses {scheme}:// for {address}, which is {why} ({where})",
                key=address.key, scheme=scheme, address=f"{host}:{port}", why=why, where=f"{target.location.path}:{target.location.line}"),
            address.location,
            related=[target.location],
            evidence={"host": host, "meant": target.name, "value": address.value, "port": port, "problem": "scheme", "scheme": scheme, "speaks": speaks},
            root_cause=Msg("{address} speaks {protocol}, not {scheme}: the client's handshake fails on the first bytes.",
                           address=f"{host}:{port}", protocol=speaks, scheme=scheme),
            facts=AddressFacts(host, address.key, port=port, scheme=scheme),
        )


def near_miss(host: str, name: str) -> bool:
    """`host` is probably a misspelling of `name`: a suffix difference (-svc, -service...) or edit distance 1-2."""
    if host == name:
        return False
    if _SUFFIX.sub("", host) == _SUFFIX.sub("", name):
        return True
    if abs(len(host) - len(name)) > 2:
        return False  # the edit distance is at least the difference in length
    distance = _distance(host, name)
    shortest = min(len(host), len(name))
    return (distance == 1 and shortest >= 4) or (distance == 2 and shortest >= 7)


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _protocol(port: int, port_name: str) -> str | None:
    name = port_name.lower()
    for protocol in PROTOCOL_SCHEMES:
        if name.startswith(protocol) or (protocol == "postgres" and name.startswith("pg")):
            return protocol
    if name in ("http", "http-web", "web") or port == 80:
        return "http"
    return NON_HTTP_PORTS.get(port)


def _hosts(address: Address) -> Iterator[tuple[str, str, int | None]]:
    """(scheme, host, port) of each URL in the value (comma-separated lists too); a bare name for *_HOST keys."""
    value = address.value.strip()
    if "://" in value:
        for part in value.split(","):
            match = _URL.match(part.strip())
            if match:
                yield match.group(1).lower(), match.group(2).lower(), int(match.group(3)) if match.group(3) else None
    elif _HOST_KEY.search(address.key) and _NAME.match(value):
        yield "", value, None


def _all_names(ctx: ScanContext) -> set[str]:
    """Every object and compose service name anywhere in the repository: a host that is one of them exists somewhere."""
    from tiketi_doctor.analysis.compose import compose_files
    from tiketi_doctor.analysis.environments import environments

    names = {str(o.name).lower() for env in environments(ctx) for o in env.objects}
    for compose in compose_files(ctx):
        for service in compose.services:
            names |= _compose_aliases(service)
    return names


def _compose_aliases(service) -> set[str]:
    names = {service.name.lower()}
    for key in ("container_name", "hostname"):
        if isinstance(service.data.get(key), str):
            names.add(service.data[key].lower())
    networks = service.data.get("networks")
    for network in networks.values() if isinstance(networks, dict) else []:
        for alias in network.get("aliases") or [] if isinstance(network, dict) else []:
            names.add(str(alias).lower())
    for link in service.data.get("links") or []:
        names.add(str(link).rpartition(":")[2].lower())
    return names


def _deployments(ctx: ScanContext) -> Iterator[tuple[dict[str, Target], list[Address], bool, set[str]]]:
    """Per Kubernetes environment and per compose file: the names it defines, the addresses its
    containers are given, and whether some names cannot be known (templated names, Helm dependencies,
    operator resources: a near miss may be one of them)."""
    yield from _kubernetes(ctx)
    yield from _compose(ctx)


def _kubernetes(ctx: ScanContext) -> Iterator[tuple[dict[str, Target], list[Address], bool, set[str]]]:
    from tiketi_doctor.analysis.environments import environments, pod_labels
    from tiketi_doctor.analysis.k8s import WORKLOAD_KINDS, partly_unknown
    from tiketi_doctor.parsing.templates import is_unknown

    frontends = {c.deployment or c.name for c in ctx.catalogue.components if c.role == "frontend"}
    for env in environments(ctx):
        targets: dict[str, Target] = {}
        open_names = False
        for service in env.of_kind("Service"):
            if is_unknown(service.name) or partly_unknown(service.get("spec", "ports")):
                open_names = True
                continue
            ports = {}
            for port in service.get("spec", "ports") or []:
                if isinstance(port, dict) and isinstance(port.get("port"), int):
                    ports[port["port"]] = str(port.get("name") or "")
            targets[service.name.lower()] = Target(service.name, service.at(("metadata", "name")), ports)
        # An operator's custom resource or a Helm dependency creates Services named after it.
        makers = {o.name.lower() for o in env.objects if _custom(o) and not is_unknown(o.name)}
        if env.chart is not None:
            makers |= _dependencies(ctx, env.chart)
        addresses: list[Address] = []
        config_maps = {c.name: c for c in env.of_kind("ConfigMap")}
        for workload in env.of_kind(*WORKLOAD_KINDS):
            spec = ("spec", "template", "spec")
            containers = workload.get(*spec, "containers") or []
            own = {p.get("containerPort") for c in containers if isinstance(c, dict) for p in c.get("ports") or [] if isinstance(p, dict)}
            labels = pod_labels(workload) or {}
            for service, _ in env.services_selecting(labels):
                own |= {p.get("port") for p in service.get("spec", "ports") or [] if isinstance(p, dict)}
            frontend = workload.name in frontends
            for i, container in enumerate(containers):
                if not isinstance(container, dict):
                    continue
                for j, entry in enumerate(container.get("env") or []):
                    if isinstance(entry, dict) and isinstance(entry.get("value"), str) and entry.get("name") and not is_unknown(entry["value"]):
                        where = workload.at(spec + ("containers", i, "env", j, "value"), label=str(entry["name"]))
                        addresses.append(_address(str(entry["name"]), entry["value"], where, own, frontend, False))
                for source in container.get("envFrom") or []:
                    ref = source.get("configMapRef") if isinstance(source, dict) else None
                    config = config_maps.pop(ref.get("name"), None) if isinstance(ref, dict) else None
                    if config is not None:
                        addresses += _config_addresses(config, own, frontend)
        for config in config_maps.values():  # loaded key by key, or by something else: no own ports known
            addresses += _config_addresses(config, set(), False, loopback_ok=True)
        yield targets, addresses, open_names, makers


def _config_addresses(config, own: set, frontend: bool, loopback_ok: bool = False) -> list[Address]:
    from tiketi_doctor.parsing.templates import is_unknown

    data = config.get("data")
    found = []
    for key, value in data.items() if isinstance(data, dict) else []:
        if isinstance(value, str) and "\n" not in value.strip() and not is_unknown(value):
            found.append(_address(str(key), value, config.at(("data", key), label=str(key)), own, frontend, loopback_ok))
    return found


def _address(key: str, value: str, where: Location, own: set, frontend: bool, loopback_ok: bool) -> Address:
    client = frontend or bool(_CLIENT_SIDE.search(key.upper()))
    return Address(key, value, where, frozenset(p for p in own if isinstance(p, int)), client, loopback_ok)


_BUILTIN_GROUPS = re.compile(r"^(?:v1|(?:apps|batch|autoscaling|policy|[a-z.]+\.k8s\.io)/\w+)$")


def _custom(obj) -> bool:
    return not _BUILTIN_GROUPS.match(str(obj.data.get("apiVersion", "")))


def _dependencies(ctx: ScanContext, chart: str) -> set[str]:
    """Names (and aliases) of a chart's dependencies in Chart.yaml."""
    from tiketi_doctor.analysis.k8s import yaml_documents

    docs = yaml_documents(ctx, "Chart.yaml" if chart == "." else f"{chart}/Chart.yaml") or []
    found = set()
    for doc in docs:
        deps = doc.data.get("dependencies") if isinstance(doc.data, dict) else None
        for dep in deps if isinstance(deps, list) else []:
            if isinstance(dep, dict):
                found |= {str(dep[k]).lower() for k in ("name", "alias") if dep.get(k)}
    return found


def _compose(ctx: ScanContext) -> Iterator[tuple[dict[str, Target], list[Address], bool, set[str]]]:
    from tiketi_doctor.analysis.compose import compose_files

    projects: dict[str, list] = {}
    for compose in compose_files(ctx):
        projects.setdefault(compose.project, []).append(compose)
    frontends = {c.dockerfile for c in ctx.catalogue.components if c.role == "frontend" and c.dockerfile}
    for files in projects.values():
        targets: dict[str, Target] = {}
        services = [s for f in files for s in f.services]
        for service in services:
            exposed = _compose_ports(service)
            for alias in _compose_aliases(service):
                targets.setdefault(alias, Target(service.name, service.location, exposed))
        addresses = []
        for service in services:
            mode = str(service.data.get("network_mode") or "")
            shared = mode == "host" or mode.startswith(("service:", "container:"))
            frontend = service.build is not None and service.build.dockerfile in frontends
            own = set(_compose_ports(service))
            for variable in service.environment:
                if variable.value:
                    addresses.append(_address(variable.name, variable.value, variable.location, own, frontend, shared))
        yield targets, addresses, False, set()


def _compose_ports(service) -> dict[int, str]:
    """Container ports a compose service serves: published ones and `expose:`."""
    ports = {m.container_start: "" for m in service.ports}
    for item in service.data.get("expose") or []:
        text = str(item).split("/", 1)[0]
        if text.isdigit():
            ports[int(text)] = ""
    return ports


CHECKS = (ServiceAddressWrong,)
