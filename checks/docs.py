"""DOC: guides and scripts against the repository — URLs, machine addresses, files, runnability."""
from __future__ import annotations

import difflib
import posixpath
import re
from typing import Iterable

from tiketi_doctor.analysis.guide_paths import PathReference, path_references, resolve_reference
from tiketi_doctor.analysis.guides import (
    commands,
    configured_host_names,
    host_urls,
    PROSE,
    Guide,
    guides,
    local_urls,
    private_addresses,
    published_ports,
    repository_files,
)
from tiketi_doctor.check import Check, Facts, facts, Span
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.javascript import SOURCE_SUFFIXES

NETWORK_NAMES = {
    "172.16.0.0/12": N_("the range Docker networks and the WSL2 virtual switch hand out"),
    "192.168.0.0/16": N_("a home/office LAN range handed out by DHCP"),
    "10.0.0.0/8": N_("a corporate, VPN or cloud VPC range"),
}
# What a guide does with a path (tiketi_doctor.analysis.guide_paths), as a message says it.
HOW_WORDS = {
    "runs": N_("runs"),
    "applies": N_("applies"),
    "changes into": N_("changes into"),
    "links to": N_("links to"),
    "reads": N_("reads"),
    "writes": N_("writes"),
    "uses": N_("uses"),
}


def _how(how: str) -> str:
    return Msg(HOW_WORDS[how]) if how in HOW_WORDS else how


def _either(items: list) -> str:
    """`a or b or c`, translatable."""
    if len(items) < 2:
        return items[0] if items else ""
    return Msg("{first} or {second}", first=_either(items[:-1]), second=items[-1])


@facts
class GuideUrlFacts(Facts):
    """DOC001: the URL a guide gives, its host and port, where it is written and the published port it probably meant."""

    url: str
    host: str | None
    port: int | None
    span: Span | None = None
    suggested_port: int | None = None


def _wildcard(pattern: str, host: str) -> bool:
    """`*.tiketi.local` covers `api.tiketi.local`."""
    return pattern.startswith("*.") and host.endswith(pattern[1:]) and host != pattern[2:]


def _ranges(ports: Iterable[int]) -> str:
    """3000, 3001, 3002, 5432 -> "3000-3002, 5432"."""
    ordered = sorted(set(ports))
    parts: list[str] = []
    start = previous = None
    for port in ordered + [None]:  # type: ignore[list-item]
        if port is not None and previous is not None and port == previous + 1:
            previous = port
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = port
    return ", ".join(parts)


class GuideUrlUnknownPort(Check):
    code = "DOC001"
    name = "guide-url-unknown-port"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A guide or script sends the reader to a localhost port, or a local host name, that nothing in the repository publishes."
    why = (
        "A URL in a guide is a promise: open it and the system answers. When its port is no component's port, "
        "no Service nodePort, no kind extraPortMappings hostPort and no port-forward's local port, the reader "
        "gets \"connection refused\" and cannot tell whether the system or the guide is broken. The same holds for a "
        "local host name (`http://tiketi.local`) when the Ingresses route by host and none names that one: the "
        "controller answers 404."
    )
    example = "QUICK_START.md: open http://localhost:8080  (the frontend is published on 3000)"
    fix = "Use the port the system really publishes (or add the port-forward/mapping the URL assumes)."
    Facts = GuideUrlFacts
    symptom = "whoever follows the guide to {url} gets \"connection refused\" (or 404 from the Ingress controller)"
    fix_title = "Point {url} at a port or host the system publishes"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        known = published_ports(ctx)
        for url in local_urls(ctx):
            if url.port in known:
                continue
            close = difflib.get_close_matches(str(url.port), [str(p) for p in known], n=1, cutoff=0.75)
            message = Msg(
                "{place} points to {url}, but nothing in the repository publishes port {port} on the host (known ports: {known})",
                place=f"{url.location.path}:{url.location.line}", url=url.url, port=url.port, known=_ranges(known),
            )
            if close:
                message = Msg("{message}; did you mean {port} ({why})?", message=message, port=close[0], why=known[int(close[0])][0])
            yield self.finding(
                message,
                url.location,
                evidence={"url": url.url, "port": url.port, "known_ports": {str(p): why for p, why in sorted(known.items())}},
                root_cause=Msg(
                    "Port {port} is not a catalogue port, a Service port or nodePort, a kind extraPortMappings "
                    "hostPort or the local side of a port-forward in the repository's guides and scripts, so "
                    "{url} answers \"connection refused\".",
                    port=url.port, url=url.url,
                ),
                facts=GuideUrlFacts(url.url, url.host, url.port, Span.of(url.location), int(close[0]) if close else None),
            )
        yield from self._unserved_hosts(ctx)

    def _unserved_hosts(self, ctx: ScanContext) -> Iterable[Finding]:
        """`http://tiketi.local/` in a guide when the repository's Ingresses route by host and none has that one."""
        from tiketi_doctor.analysis.environments import environments
        from tiketi_doctor.analysis.ingress import routes

        served: dict[str, Location] = {}
        for env in environments(ctx):
            for route in routes(env):
                if route.host is None:
                    return  # a rule without a host answers every host name
                served.setdefault(route.host.lower(), route.location)
        if not served:
            return
        for url in host_urls(ctx):
            if url.host in served or any(_wildcard(h, url.host) for h in served):
                continue
            configured = configured_host_names(ctx)  # read only when a guide names a host no rule serves
            if url.host in configured or any(_wildcard(h, url.host) for h in configured):
                continue
            close = difflib.get_close_matches(url.host, sorted(served), n=1, cutoff=0.6)
            hosts = ", ".join(sorted(served))
            message = Msg(
                "{place} points to {url}, but no Ingress in the repository serves host {host} (Ingress hosts: {hosts})",
                place=f"{url.location.path}:{url.location.line}", url=url.url, host=url.host, hosts=hosts,
            )
            if close:
                message = Msg("{message}; did you mean {host}?", message=message, host=close[0])
            yield self.finding(
                message,
                url.location,
                related=[served[close[0]]] if close else [],
                evidence={"url": url.url, "host": url.host, "ingress_hosts": {h: str(at) for h, at in sorted(served.items())}},
                root_cause=Msg(
                    "The repository's Ingress rules all name their host, and none is {host}; no manifest, values file, "
                    "compose file or proxy configuration mentions it either. Even with {host} in /etc/hosts, the "
                    "controller answers 404 for a host no rule names.",
                    host=url.host,
                ),
                facts=GuideUrlFacts(url.url, url.host, None, Span.of(url.location), None),
            )


@facts
class PrivateAddressFacts(Facts):
    """DOC002: the private address, its network, where it is written, and what replaces it."""

    address: str
    network: str
    span: Span | None = None
    url: str | None = None
    replacement: str = "localhost"
    suggested_url: str | None = None

    @property
    def path(self) -> str:
        return self.span.path if self.span is not None else ""


# Why a private address stops working, by network (WSL/Docker or another) and by who reads it (a bundle or a guide).
PRIVATE_CAUSES = {
    (True, True): N_(
        "{address} is in {network}, {name}: it identifies one machine and changes on every reboot (WSL2 and Docker renumber "
        "their virtual networks). In the frontend it is compiled into the bundle every browser downloads, and no browser but the author's reaches it."
    ),
    (True, False): N_(
        "{address} is in {network}, {name}: it identifies one machine and changes on every reboot (WSL2 and Docker renumber "
        "their virtual networks). Readers who follow the guide get a timeout instead of the page."
    ),
    (False, True): N_(
        "{address} is in {network}, {name}: it identifies one machine and changes when that machine changes network or its "
        "lease expires. In the frontend it is compiled into the bundle every browser downloads, and no browser but the author's reaches it."
    ),
    (False, False): N_(
        "{address} is in {network}, {name}: it identifies one machine and changes when that machine changes network or its "
        "lease expires. Readers who follow the guide get a timeout instead of the page."
    ),
}


class HardcodedPrivateIp(Check):
    code = "DOC002"
    name = "hardcoded-private-ip"
    severity = Severity.WARNING
    fixable = True
    scope = "repository"
    summary = "A guide, script or the frontend's code hardcodes a private IP address (WSL, Docker, LAN)."
    why = (
        "Addresses in 172.16.0.0/12, 192.168.0.0/16 and 10.0.0.0/8 belong to one machine at one moment: the "
        "WSL2 and Docker networks are renumbered on every reboot and DHCP leases expire. A guide or a bundle "
        "that contains one works for its author on the day it was written and for nobody else."
    )
    example = "QUICK_START.md: - 웹 (frontend): http://172.17.40.29:3000"
    fix = (
        "Use localhost (with the kind port mapping or `kubectl port-forward`), a placeholder such as "
        "`<your-host>`, or, in code, a configurable URL (REACT_APP_API_URL) or a relative path."
    )
    Facts = PrivateAddressFacts
    symptom = "the guide's address stops working after a reboot"
    fix_title = "Replace {address} with localhost in {path}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for found in private_addresses(ctx):
            where = f"{found.location.path}:{found.location.line}"
            suggested = found.url.replace(found.address, "localhost") if found.url else None
            in_source = found.service is not None and found.location.path.endswith(SOURCE_SUFFIXES)
            if in_source:
                advice = Msg("; read the URL from configuration (an environment variable) or use a relative path")
            else:
                advice = Msg("; use {url}", url=suggested) if suggested else Msg("; use localhost or a placeholder such as <your-host>")
            message = Msg(
                "{place} hardcodes the private address {address}{url}{advice}",
                place=where, address=found.address, url=f" ({found.url})" if found.url else "", advice=advice,
            )
            cause = Msg(
                PRIVATE_CAUSES[(found.network == "172.16.0.0/12", found.service is not None)],
                address=found.address, network=found.network, name=Msg(NETWORK_NAMES[found.network]),
            )
            yield self.finding(
                message,
                found.location,
                service=found.service,
                evidence={"address": found.address, "network": found.network, "url": found.url},
                root_cause=cause,
                facts=PrivateAddressFacts(found.address, found.network, Span.of(found.location), found.url, "localhost", suggested),
            )


@facts
class MissingFileFacts(Facts):
    """DOC003: the path a guide names, what it does with it, where it looked, and what it probably meant."""

    reference: str | None
    target: str
    kind: str
    how: str
    span: Span | None = None
    bases: tuple[str, ...] = ()
    suggestion: str | None = None


# What kind of path is missing, as a message names it.
KIND_WORDS = {"dir": N_("folder"), "file": N_("file")}


class GuideReferencesMissingFile(Check):
    code = "DOC003"
    name = "guide-references-missing-file"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A guide or script names a script, manifest or folder that does not exist in the repository."
    why = (
        "`bash scripts/setup.sh: No such file or directory` on step one ends a newcomer's setup. Files get "
        "renamed, split or deleted while the guides that run them stay as they were."
    )
    example = "QUICK_START.md: kubectl apply -f k8s/11-grafana.yaml  (no such file in k8s/)"
    fix = "Point the guide at the file's current name (or restore the file), and run the guide from scratch once."
    Facts = MissingFileFacts
    symptom = "whoever follows the guide stops at \"{target}: No such file or directory\""
    fix_title = "Point the guide at the current path of {target} (or restore it)"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for ref in path_references(ctx):
            if resolve_reference(ctx, ref) is not None:
                continue
            yield self._finding(ctx, ref)

    def _finding(self, ctx: ScanContext, ref: PathReference) -> Finding:
        what = Msg(KIND_WORDS.get(ref.kind, N_("path")))
        places = _either([f"{b}/" if b != "." else Msg("the repository root") for b in ref.bases])
        # Where the guide works elsewhere (a `cd`, "run from infra/"): a reader still there finds it.
        there = next(
            ((folder, why, found) for folder, why in ref.elsewhere
             if folder not in ref.bases and isinstance(found := resolve_reference(ctx, ref, (folder,)), str)),
            None,
        )
        if there is not None:
            folder, why, found = there
            message = Msg(
                "{place} {how} {reference}, which is not in {places} but is {found} relative to {folder}/, where the guide "
                "works elsewhere ({why}); this part does not say to run from there",
                place=f"{ref.location.path}:{ref.location.line}", how=_how(ref.how), reference=ref.location.label, places=places,
                found=found, folder=folder, why=why,
            )
            cause = Msg(
                "{guide} {how} {target} relative to {folder}/ without saying so here: a reader who starts "
                "this part from {places} stops at a \"No such file or directory\".",
                guide=ref.guide, how=_how(ref.how), target=ref.target, folder=folder, places=places,
            )
            return self.finding(
                message,
                ref.location,
                severity=Severity.WARNING,
                evidence={"reference": ref.location.label, "target": ref.target, "looked_in": list(ref.bases), "found_in": folder},
                root_cause=cause,
                facts=MissingFileFacts(ref.location.label, ref.target, ref.kind, ref.how, Span.of(ref.location), tuple(ref.bases), found),
            )
        suggestion = _closest(ctx, ref)
        message = Msg(
            "{place} {how} {reference}, but no such {what} exists (looked in {places})",
            place=f"{ref.location.path}:{ref.location.line}", how=_how(ref.how), reference=ref.location.label, what=what, places=places,
        )
        if suggestion:
            message = Msg("{message}; did you mean {suggestion}?", message=message, suggestion=suggestion)
        return self.finding(
            message,
            ref.location,
            evidence={"reference": ref.location.label, "target": ref.target, "looked_in": list(ref.bases), "closest": suggestion},
            root_cause=Msg(
                "{guide} {how} {target}, which is not in the repository{renamed}: whoever follows it stops at a \"No such file or directory\".",
                guide=ref.guide, how=_how(ref.how), target=ref.target,
                renamed=Msg(" (perhaps renamed to {suggestion})", suggestion=suggestion) if suggestion else "",
            ),
            facts=MissingFileFacts(ref.location.label, ref.target, ref.kind, ref.how, Span.of(ref.location), tuple(ref.bases), suggestion),
        )


def _closest(ctx: ScanContext, ref: PathReference) -> str | None:
    """An existing path the reference probably meant: the same name elsewhere, or a near spelling."""
    files = repository_files(ctx)
    if ref.kind == "dir":
        candidates = sorted({posixpath.dirname(f) for f in files if posixpath.dirname(f)})
    else:
        candidates = files
    target = posixpath.normpath(posixpath.join(ref.bases[-1], ref.target)).lstrip("./")
    name = posixpath.basename(target)
    same_name = [c for c in candidates if posixpath.basename(c) == name]
    if len(same_name) == 1:
        return same_name[0]
    suffix = posixpath.splitext(name)[1]
    similar = [
        c for c in candidates
        if posixpath.splitext(c)[1] == suffix and difflib.SequenceMatcher(None, name, posixpath.basename(c)).ratio() > 0.8
    ]
    close = difflib.get_close_matches(target, similar, n=1, cutoff=0.7)
    return close[0] if close else None


# -- DOC004 --------------------------------------------------------------------------------------
# Commands that create or apply things: what makes a guide a setup guide.
SETUP_COMMANDS = re.compile(
    r"^(?:sudo\s+)?(?:kind\s+create\s+cluster|kubectl(?:\.exe)?\s+(?:\S+\s+)*?(?:apply|create)\b|helm\s+(?:\S+\s+)*?(?:install|upgrade)\b"
    r"|minikube\s+start|k3d\s+cluster\s+create|skaffold\s+(?:run|dev|deploy)\b)"
)
PREREQ_HEADING = re.compile(
    r"prereq|pre-req|requirements?\b|before you (?:begin|start)|what you(?:'ll| will)? need|getting ready|getting started|"
    r"\bset\s*-?up\b|\binstall(?:ation|ing)?\b|dependencies|\btool(?:s|ing)\b|"
    r"사전\s*(?:준비|요구|조건)|준비물|요구\s*사항|필수\s*(?:조건|도구|요건)|준비\s*사항|필요한\s*(?:도구|것)|설치|시작하기",
    re.I,
)
PREREQ_WORDS = re.compile(r"prerequisite|install|require|need|must have|설치|필요|필수|요구", re.I)
TOOLS = re.compile(
    r"\b(docker|kind|kubectl|kubernetes|helm|node(?:\.js)?|npm|pnpm|yarn|wsl2?|colima|minikube|k3d|skaffold|git|"
    r"az|gcloud|aws|terraform|python|go|java)\b",
    re.I,
)
_MUST_HAVE = re.compile(r"\b(?:must|should|need to) have\b.*\binstalled\b|\brequires?\b.*\binstalled\b", re.I)
CLEANUP_HEADING = re.compile(
    r"clean\s*-?up|tear\s*-?down|uninstall|destroy|delet|remov|\bstop|\breset|정리|삭제|제거|종료|중지", re.I
)
CLEANUP_COMMANDS = re.compile(
    r"\bkind\s+delete\s+cluster\b|\bcleanup\.(?:sh|ps1|bat)\b|\bkubectl\s+(?:\S+\s+)*?delete\b|\bminikube\s+delete\b"
    r"|\bhelm\s+(?:uninstall|delete)\b|\bk3d\s+cluster\s+delete\b|\bskaffold\s+delete\b|\bdocker[- ]compose\b.*\bdown\b",
    re.I,
)
DURATION = re.compile(
    r"\b\d+\s*(?:[-–~]\s*\d+\s*)?(?:min(?:ute)?s?|hours?)\b|expected time|takes about|\d+\s*(?:[-–~]\s*\d+\s*)?분|소요\s*시간",
    re.I,
)


@facts
class UndefinedCommandFacts(Facts):
    kind: str  # npm-script | make-target | alias
    name: str
    runner: str
    command: str
    looked_in: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()

    @property
    def error(self) -> str:
        if self.kind == "npm-script":
            return f'npm error Missing script: "{self.name}"'
        if self.kind == "make-target":
            return f"make: *** No rule to make target '{self.name}'.  Stop."
        return f"{self.name}: command not found"

    @property
    def where(self) -> str:
        return ", ".join(self.looked_in) or "the repository"


class GuideCommandUndefined(Check):
    code = "DOC005"
    name = "guide-command-undefined"
    severity = Severity.ERROR
    scope = "repository"
    summary = "A guide runs an npm script, a make target or a shell alias that nothing in the repository defines."
    why = (
        "`npm run X` needs a script X in the package.json of the folder it runs in, `make X` a rule X in the "
        "Makefile there, and `k`/`dc` are aliases in someone's own shell. Scripts get renamed, targets dropped "
        "and aliases copied from a terminal: the reader stops at `Missing script`, `No rule to make target` "
        "or `command not found`."
    )
    example = 'README.md: cd frontend && npm run serve — frontend/package.json has scripts "dev", "build", "preview"'
    fix = (
        "Use the script or target that exists (or add the missing one); write `kubectl`/`docker compose` in full, "
        "or tell the reader to define the alias first."
    )
    Facts = UndefinedCommandFacts
    symptom = "{error}"
    fix_title = "Make the guide run a command that {where} defines instead of `{command}`"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        from tiketi_doctor.analysis.guide_commands import undefined_commands

        for found in undefined_commands(ctx):
            yield self._finding(found)

    def _finding(self, found) -> Finding:
        location = found.command.location(found.word)
        facts = UndefinedCommandFacts(found.kind, found.name, found.runner, found.text[:160], found.looked_in, found.elsewhere)
        severity = None
        if found.kind == "alias":
            message = Msg("{path}:{line} runs `{alias}`, a shell alias for `{meaning}` that the repository never defines",
                          path=location.path, line=location.line, alias=found.name, meaning=found.meaning)
            cause = Msg("`{alias}` is not a program: it is an alias in the author's shell. A reader who copies `{command}` "
                        "gets `{alias}: command not found`.", alias=found.name, command=facts.command)
        else:
            what = Msg("script") if found.kind == "npm-script" else Msg("target")
            known = ", ".join(found.known[:12]) or "none"
            message = Msg("{path}:{line} runs `{runner} {name}`, but {files} defines no {what} {name} (it has: {known})",
                          path=location.path, line=location.line, runner=found.runner, name=found.name,
                          files=facts.where, what=what, known=known)
            if found.elsewhere:
                severity = Severity.WARNING
                message = Msg("{message}; {others} defines it: the guide does not say to run it there",
                              message=message, others=", ".join(found.elsewhere[:3]))
            cause = Msg("The guide runs `{command}` in the folder of {files}, which has no {what} {name}: the reader stops at `{error}`.",
                        command=facts.command, files=facts.where, what=what, name=found.name, error=facts.error)
        return self.finding(
            message,
            location,
            severity=severity,
            evidence={"command": facts.command, "name": found.name, "looked_in": list(found.looked_in),
                      "defined": list(found.known), "defined_elsewhere": list(found.elsewhere)},
            root_cause=cause,
            facts=facts,
        )


@facts
class SectionsFacts(Facts):
    """DOC004: the setup guide, the sections it lacks, and where new sections go."""

    guide: str
    missing: tuple[str, ...] = ()
    states_duration: bool = False
    setup_line: int | None = None
    first_heading_line: int | None = None
    last_line: int | None = None
    crlf: bool = False

    @property
    def sections(self) -> str:
        return Msg(SECTION_TITLES[self.missing]) if self.missing in SECTION_TITLES else ", ".join(self.missing)


# The sections a guide lacks, as a fix title names them (fixes/docs.py).
SECTION_TITLES = {
    ("prerequisites",): N_("the prerequisites section"),
    ("cleanup",): N_("the cleanup section"),
    ("prerequisites", "cleanup"): N_("the prerequisites and cleanup sections"),
}
# What a guide without a section does to its readers.
SECTION_EFFECTS = {
    "prerequisites": N_("readers find out which tools (docker, kind, kubectl), versions and memory it needs one failure at a time"),
    "cleanup": N_("nothing tells readers how to remove the cluster, namespace and port-forwards, so the next run collides with the leftovers"),
}


class GuideNotRunnableFromScratch(Check):
    code = "DOC004"
    name = "guide-not-runnable-from-scratch"
    severity = Severity.WARNING
    fixable = True
    scope = "repository"
    summary = "A setup guide has no prerequisites section or no cleanup section."
    why = (
        "A guide must be runnable from scratch on a fresh machine: without prerequisites (tools, versions, "
        "memory, expected time) the reader discovers them one failure at a time; without cleanup, clusters, "
        "namespaces and port-forwards pile up and the next run collides with the leftovers."
    )
    example = "QUICK_START.md: `kind create cluster ...` with no prerequisites and no `kind delete cluster`"
    fix = (
        "Add a prerequisites section (docker, kind, kubectl with versions, memory, expected duration) before "
        "the first step and a cleanup section at the end (`./scripts/cleanup.sh`, `kind delete cluster --name ...`)."
    )
    Facts = SectionsFacts
    symptom = "newcomers cannot follow the guide from scratch"
    fix_title = "Add {sections} to {guide}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for guide in guides(ctx):
            said = [(c, " ".join(w.text for w in c.words)) for c in commands(ctx, guide)]
            setup = next(((c, m) for c, text in said if (m := SETUP_COMMANDS.match(text))), None)
            if setup is None:
                continue  # it tells the reader to create or apply nothing: not a setup guide
            missing = []
            if not _has_prerequisites(guide):
                missing.append("prerequisites")
            if not _has_cleanup(guide, [text for _, text in said]):
                missing.append("cleanup")
            if not missing:
                continue
            command, match = setup
            yield self._finding(ctx, guide, command.line.number, " ".join(match.group(0).split()[:3]), missing)

    def _finding(self, ctx: ScanContext, guide: Guide, setup_line: int, command: str, missing: list[str]) -> Finding:
        has_duration = any(DURATION.search(line.text) for line in guide.lines if line.context == PROSE)
        first = guide.headings[0] if guide.headings else None
        line = first.line if first else 1
        text = next((l.text for l in guide.lines if l.number == line), "")
        if len(missing) == 1:
            wanted = Msg("without a prerequisites section") if missing[0] == "prerequisites" else Msg("without a cleanup section")
        else:
            wanted = Msg("with neither a prerequisites nor a cleanup section")
        message = Msg(
            "{guide} is a setup guide (`{command}` at line {line}) {wanted}", guide=guide.path, command=command, line=setup_line, wanted=wanted,
        )
        if not has_duration:
            message = Msg("{message}; it does not say how long the setup takes either", message=message)
        return self.finding(
            message,
            Location(guide.path, line, 1, label=text.strip() or None),
            evidence={"setup_command": f"{guide.path}:{setup_line}: {command}", "missing": missing, "states_duration": has_duration},
            root_cause=Msg(
                "The guide cannot be run from scratch: {effects}.", effects=Joined([Msg(SECTION_EFFECTS[m]) for m in missing], "; "),
            ),
            facts=SectionsFacts(guide.path, tuple(missing), has_duration, setup_line, first.line if first else None, len(guide.lines), guide.crlf),
        )


def _has_prerequisites(guide: Guide) -> bool:
    """A Prerequisites/Setup/Installation/... section that names tools, or a sentence that says what to install."""
    prose = [line for line in guide.lines if line.context == PROSE]
    for heading in guide.headings:
        if PREREQ_HEADING.search(heading.text):
            body = guide.lines[heading.line - 1 : heading.end]
            if any(line.context == PROSE and TOOLS.search(line.text) for line in body):
                return True
    for line in prose:
        if re.search(r"prerequisite|사전\s*준비|requirements", line.text, re.I):
            return True
        tools = {m.group(1).lower() for m in TOOLS.finditer(line.text)}
        if len(tools) >= 2 and PREREQ_WORDS.search(line.text):
            return True
        if tools and _MUST_HAVE.search(line.text):  # "You must have Docker Desktop installed"
            return True
    return False


def _has_cleanup(guide: Guide, commands_said: list[str]) -> bool:
    """A Cleanup/Teardown/Destroy/... section, or a command that removes what the guide created."""
    if any(CLEANUP_HEADING.search(h.text) for h in guide.headings):
        return True
    return any(CLEANUP_COMMANDS.search(text) for text in commands_said)


CHECKS = (GuideUrlUnknownPort, HardcodedPrivateIp, GuideReferencesMissingFile, GuideNotRunnableFromScratch, GuideCommandUndefined)
