"""The crash explainers: a Node.js log signature (module not found, EADDRINUSE, a missing variable, ...)
tied to the static root cause in the repository, or to what rules one out (an image older than the
repository, a dependency that is down)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tiketi_doctor.analysis.image import image_install
from tiketi_doctor.analysis.source import requirements
from tiketi_doctor.catalogue import Component
from tiketi_doctor.i18n import Msg, N_
from tiketi_doctor.model import Finding, Location
from tiketi_doctor.remediation import rebuild_commands

from .base import HOST_PORT, Explanation, Symptom, availability, from_static, not_deployed, repo_definitions, termination_words

if TYPE_CHECKING:
    from tiketi_doctor.cluster.context import LiveContext, Workload
    from tiketi_doctor.cluster.logsigs import LogMatch


def explain_crash(ctx: LiveContext, workload: Workload, symptom: Symptom) -> Explanation:
    diagnosis = symptom.diagnosis
    primary = diagnosis.primary
    if primary is None:
        term = symptom.container.last or symptom.container.current
        exit_text = termination_words(term) if term else Msg("no termination record")
        detail = Msg("the log tail is empty") if symptom.log is None or not symptom.log.lines else Msg("no known Node.js failure appears in the log tail")
        return Explanation(
            headline=Msg("{termination}; {detail}", termination=exit_text, detail=detail),
            cause=Msg(
                "The container exits ({termination}) and {detail} (see log_excerpt). Run `{command}` for the whole log, "
                "and `kubectl describe pod` for the command it runs.",
                termination=exit_text, detail=detail,
                command=f"kubectl logs -n {ctx.snapshot.namespace} {symptom.pod.name} -c {symptom.container.name} --previous",
            ),
            remediation=[f"kubectl logs -n {ctx.snapshot.namespace} {symptom.pod.name} -c {symptom.container.name} --previous"],
        )
    explain = _EXPLAINERS.get(primary.kind, _explain_error)
    return explain(ctx, workload, symptom, primary)


def _explain_module(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    module = match.facts["module"]
    component = workload.component
    package = _package_name(module)
    service = workload.service
    found = ctx.static.find("DEP001", service, module=package) or ctx.static.find("DEP006", service, module=package)
    if found:
        lead = found[0]
        why = from_static(found, _module_headline(lead))
        why.fix = _module_fix(lead, component)
        contributing = [f for code in ("DEP005", "DEP004") for f in ctx.static.find(code, service)]
        if contributing:
            why.cause = Msg("{cause} See also {findings}.", cause=why.cause, findings=", ".join(f"{f.code} at {f.location}" for f in contributing))
        why.params.update({"module": package})
        return why
    if component is None:
        return Explanation(
            headline=Msg("the module is not installed in the image"),
            cause=Msg("Node could not resolve {module}; {name} is not a catalogue component, so its Dockerfile is unknown.",
                      module=repr(module), name=workload.name),
            params={"module": package},
        )
    image = image_install(ctx, component) if component.dockerfile else None
    required = requirements(ctx, component).get(package)
    remediation = rebuild_commands(ctx.catalogue, component)
    if image is not None and package in image.packages:
        installed = image.packages[package]
        return Explanation(
            headline=Msg("the repository's image installs it ({location}): the image in the cluster was built from older files",
                         location=str(installed.location)),
            cause=Msg(
                "Node could not resolve {module} in the running container, but the repository's {dockerfile} "
                "installs {package} ({via} at {location}). The image running in the cluster "
                "({image}) was therefore built before that change, or never rebuilt and loaded.",
                module=repr(module), dockerfile=component.dockerfile, package=package, via=installed.via,
                location=str(installed.location), image=symptom.container.image,
            ),
            location=installed.location,
            related=[required.first] if required else [],
            remediation=remediation,
            ruled_out=Msg("DEP001 and DEP006 found nothing for {service}: the repository's image installs {package}.",
                          service=service, package=repr(package)),
            params={"module": package, "image_older_than_repository": True},
        )
    if required is None:
        return Explanation(
            headline=Msg("the repository's code does not require it: the image runs other code than the repository"),
            cause=Msg(
                "The running container requires {module}, which nothing under {source} requires. The image "
                "({image}) was built from other source files than the repository's.",
                module=repr(module), source=component.source, image=symptom.container.image,
            ),
            remediation=remediation,
            ruled_out=Msg("no {require} in {source}; DEP001 has nothing to say about it.",
                          require=f"require('{package}')", source=component.source),
            params={"module": package, "image_older_than_repository": True},
        )
    undecided = "; ".join(image.undecided) if image is not None and image.undecided else Msg("what the image installs could not be read")
    return Explanation(
        headline=Msg("{location} requires it and the image does not provide it", location=str(required.first)),
        cause=Msg("{location} requires {package}; DEP001 could not decide for {service} ({undecided}).",
                  location=str(required.first), package=repr(package), service=service, undecided=undecided),
        location=required.first,
        remediation=remediation,
        params={"module": package},
    )


def _module_headline(lead: Finding) -> Msg:
    """"services/auth-service/Dockerfile:9 writes a package.json without it; src/routes/auth.js:6 requires it"."""
    at = str(lead.evidence.get("image_package_json_at") or "")
    place = ":".join(at.split(":")[:2]) if at else lead.params.get("dockerfile") or Msg("the Dockerfile")
    kind = lead.params.get("manifest_kind")
    requires = f"{lead.location.path}:{lead.location.line}"
    if lead.code == "DEP006":
        return Msg("{location} requires it but package.json does not declare it", location=requires)
    if kind == "inline":
        image = Msg("{place} writes the image's package.json without it", place=place)
    elif kind == "copied":
        image = Msg("the package.json copied by {place} does not list it", place=place)
    else:
        image = Msg("{dockerfile} does not install it", dockerfile=lead.params.get("dockerfile") or Msg("the Dockerfile"))
    return Msg("{image}; {location} requires it", image=image, location=requires)


def _module_fix(lead: Finding, component: Component | None) -> Msg:
    module, spec = lead.params.get("module"), lead.params.get("spec")
    dockerfile = lead.params.get("dockerfile") or Msg("the Dockerfile")
    if lead.code == "DEP006":
        return Msg("add {module} to the dependencies of {package_json} ({command})", module=repr(module),
                   package_json=lead.params.get("package_json") or "package.json", command=f"npm install {module}")
    if lead.params.get("local_package"):
        return Msg("copy {local} into {target} in {dockerfile}", local=lead.params["local_package"], target=f"node_modules/{module}",
                   dockerfile=dockerfile)
    real = component.package_json if component else None
    entry = f'"{module}": "{spec}"' if spec else f'"{module}"'
    if lead.params.get("manifest_kind") == "inline" and real:
        return Msg("install from the real {package_json} in {dockerfile} ({copy}) instead of the inline list, or add {entry} to that list",
                   package_json=real, dockerfile=dockerfile, copy=Msg("COPY it, then {command}", command="npm install --omit=dev"), entry=entry)
    return Msg("make {dockerfile} install {entry}", dockerfile=dockerfile, entry=entry)


def _explain_syntax(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    origin = symptom.diagnosis.origin
    component = workload.component
    if origin is None:
        return _explain_error(ctx, workload, symptom, match)
    path = ctx.repo_path(component, origin.file)
    if path is None:
        return Explanation(
            headline=Msg("{location} does not parse", location=f"{origin.file}:{origin.line}"),
            cause=Msg("Node failed to parse {location} ({error}); no repository file matches it.",
                      location=f"{origin.file}:{origin.line}", error=match.facts.get("error")),
            params={"file": origin.file, "line": origin.line},
        )
    location = Location(path, origin.line, label=origin.source or None)
    found = [f for f in ctx.static.find("SRC002") if f.location.path == path]
    if found:
        return from_static(found, Msg("{path} does not parse in the repository either", path=path))
    text = ctx.repo.text(path)
    repo_line = text.lines[origin.line - 1].strip() if text is not None and 0 < origin.line <= len(text.lines) else ""
    same = bool(origin.source) and repo_line == origin.source.strip()
    remediation = rebuild_commands(ctx.catalogue, component) if component else []
    if same:
        return Explanation(
            headline=Msg("{location} does not parse", location=f"{path}:{origin.line}"),
            cause=Msg("Node stops at {location} with {error}; the repository's line is the same.",
                      location=f"{path}:{origin.line}", error=match.facts.get("error")),
            location=location,
            remediation=remediation,
            params={"file": path, "line": origin.line},
        )
    return Explanation(
        headline=Msg("the image's {image_location} differs from the repository's {path}: the image is older than the repository",
                     image_location=f"{origin.file}:{origin.line}", path=path),
        cause=Msg(
            "Node stops at {image_location} ({error}) on `{image_line}`, but the repository's "
            "{location} reads `{repo_line}` and parses. The image in the cluster was built from other files.",
            image_location=f"{origin.file}:{origin.line}", error=match.facts.get("error"), image_line=origin.source,
            location=f"{path}:{origin.line}", repo_line=repo_line,
        ),
        location=location,
        remediation=remediation,
        ruled_out=Msg("SRC002 finds no syntax error in {path}.", path=path),
        params={"file": path, "line": origin.line, "image_older_than_repository": True},
    )


def _explain_env(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    variable = match.facts.get("variable")
    component = workload.component
    origin = symptom.diagnosis.origin
    related = []
    path = ctx.repo_path(component, origin.file) if origin else None
    if path:
        related.append(Location(path, origin.line, label=origin.source or None))
    if not variable:
        return Explanation(
            headline=Msg("a required setting is empty"),
            cause=Msg("{title}: the secret it needs is empty or missing in the pod's environment.", title=match.title),
            related=related,
        )
    spec = symptom.pod.spec_container(symptom.container.name)
    direct = [e for e in spec.get("env") or [] if e.get("name") == variable]
    if direct:  # set in the pod spec itself, so it must be empty or come from a reference that resolved to nothing
        ref = direct[0].get("valueFrom") or {}
        origin_of = next((f"{k} {v.get('name')}/{v.get('key')}" for k, v in ref.items() if isinstance(v, dict)), None) or Msg("an empty value")
        return Explanation(
            headline=Msg("the pod sets {variable} from {source}, which is empty", variable=variable, source=origin_of),
            cause=Msg("The Deployment sets {variable} ({source}) but the app finds it empty; give it a value and restart {name}.",
                      variable=variable, source=origin_of, name=workload.name),
            related=related,
            params={"variable": variable},
        )
    sources = [(kind, (ref or {}).get("name")) for e in spec.get("envFrom") or [] for kind, ref in e.items() if kind in ("secretRef", "configMapRef")]
    defined = repo_definitions(ctx, variable, component)
    where = ", ".join(f"{k.replace('Ref', '')} {n}" for k, n in sources) or Msg("no envFrom source")
    if defined:
        loc = defined[0]
        return Explanation(
            headline=Msg("the repository sets it ({location}) but the cluster's copy does not", location=str(loc)),
            cause=Msg(
                "The app requires {variable}, and {location} defines it, but the pod's environment "
                "(env entries and {where}) does not contain it: the object in the cluster is older than the "
                "repository's. Re-apply {path} and restart {name}.",
                variable=variable, location=f"{loc.path}:{loc.line}", where=where, path=loc.path, name=workload.name,
            ),
            location=loc,
            related=related,
            remediation=[f"kubectl apply -f {loc.path}", f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}"],
            ruled_out=Msg("the repository defines the variable; the running objects lack it."),
            params={"variable": variable},
        )
    manifest = ctx.manifest_container(component, symptom.container.name)
    loc = manifest.workload.at(manifest.path + ("name",), label=f"container {manifest.name}") if manifest else None
    return Explanation(
        headline=Msg("{variable} is set nowhere: not in the pod's env, not in {where}, not in the repository's manifests",
                     variable=variable, where=where),
        cause=Msg(
            "The app exits because {variable} is not set. The pod takes its environment from its env entries and {where}; "
            "none of them and none of the repository's manifests or config files define {variable}. Add it to the Secret "
            "(or ConfigMap) the deployment reads, re-apply it and restart the deployment.",
            variable=variable, where=where,
        ),
        location=loc,
        related=related,
        remediation=[
            f"kubectl create secret generic <secret> -n {ctx.snapshot.namespace} --from-literal={variable}=... --dry-run=client -o yaml | kubectl apply -f -",
            f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}",
        ],
        params={"variable": variable},
    )


def _explain_port_in_use(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    port = int(match.facts["port"])
    component = workload.component
    found = [f for f in ctx.static.find("PORT006") if component and component.name in f.params.get("components", []) and f.params.get("port") == port]
    if found:
        return from_static(found, Msg("another component's app also defaults to {port}", port=port))
    origin = symptom.diagnosis.origin
    path = ctx.repo_path(component, origin.file) if origin else None
    location = Location(path, origin.line, label=origin.source or None) if path else None
    listening = [m for m in symptom.diagnosis.matches if m.kind == "listening"]
    already = Msg(" The log shows the app already listening (\"{line}\") before the second listen.", line=listening[0].quote[0].strip()) if listening else ""
    headline = Msg("the app binds port {port} twice", port=port)
    return Explanation(
        headline=Msg("{headline} ({location})", headline=headline, location=f"{path}:{origin.line}") if path else headline,
        cause=Msg(
            "Inside one container nothing else binds {port}, so the process itself listens twice — typically "
            "`app.listen(PORT)` and then `server.listen(PORT)` for Socket.IO.{already} Listen once, on the http server that "
            "Socket.IO is attached to.",
            port=port, already=already,
        ),
        location=location,
        remediation=rebuild_commands(ctx.catalogue, component) if component else [],
        ruled_out=Msg("PORT006 finds no other component defaulting to {port}.", port=port),
        params={"port": port},
    )


def _explain_refused(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    refused = match if match.kind == "econnrefused" else symptom.diagnosis.first("econnrefused")
    rejection = match.kind == "unhandled-rejection"
    if refused is None:
        return _explain_error(ctx, workload, symptom, match)
    host, port = refused.facts["host"].strip("[]"), int(refused.facts["port"])
    named = HOST_PORT.search(match.facts.get("reason", "")) if rejection else None
    target = ctx.component_by_host(host) or (ctx.catalogue.by_host(named.group("host")) if named else None)
    svc = ctx.snapshot.service_by_ip(host)
    address = Msg("Service {name}, {address}", name=svc["metadata"]["name"], address=f"{host}:{port}") if svc else f"{host}:{port}"
    uncaught = Msg(
        " The rejection is not caught, so Node 20 exits: await it inside try/catch (or add .catch) and retry or "
        "answer 503 instead of crashing.") if rejection else ""
    if target is None:
        return Explanation(
            headline=Msg("nothing in the catalogue answers at {address}", address=address),
            cause=Msg("The app connects to {address} at start-up and is refused; no catalogue component has that host or address.{uncaught}",
                      address=address, uncaught=uncaught),
            params={"host": host, "port": port},
        )
    facts = {"host": host, "port": port, "target": target.name}
    if target.port and port != target.port:
        found = [f for f in ctx.static.find("PORT004", target.name)]
        meant = Msg("it meant {target}, which listens on {expected}, not {port}", target=target.name, expected=target.port, port=port)
        if found:
            why = from_static(found, meant)
            why.params.update(facts)
            return why
        return Explanation(
            headline=meant,
            cause=Msg("{service} connects to {target} on port {port}, but {target} serves {expected}.{uncaught}",
                      service=workload.service, target=target.name, port=port, expected=target.port, uncaught=uncaught),
            params=facts,
        )
    target_workload = ctx.workload_of(target)
    state = availability(ctx, target_workload) if target_workload else not_deployed()
    home = ctx.workload_location(target_workload) if target_workload else None
    return Explanation(
        headline=Msg("it meant {target} ({address}), which {state}", target=target.name, address=address, state=state),
        cause=Msg(
            "{service} needs {target} at start-up and exits when the connection is refused; {target} "
            "{state}. Start {target} first (see its own finding); {service} recovers on its next restart.{uncaught}",
            service=workload.service, target=target.name, state=state, uncaught=uncaught,
        ),
        location=None,
        related=[home] if home else [],
        remediation=[f"kubectl get pods -n {ctx.snapshot.namespace} -l app={target.deployment or target.name}"],
        ruled_out=Msg("{address} is {target}'s address and port, so the URL is right.", address=f"{host}:{port}", target=target.name),
        params=facts,
    )


def _explain_unresolved(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    host = match.facts["host"]
    services = sorted((s.get("metadata") or {}).get("name", "") for s in ctx.snapshot.services)
    return Explanation(
        headline=Msg("there is no Service {host} in namespace {namespace}", host=host, namespace=ctx.snapshot.namespace),
        cause=Msg("The app connects to {host}, which does not resolve; the namespace's Services are {services}.",
                  host=host, services=", ".join(services) or Msg("none")),
        params={"host": host},
    )


# What the process should do about an error it exits with, by log signature.
_HINTS = {
    "db-auth-failed": N_("The database password in the Secret differs from the one postgres was initialised with."),
    "db-missing": N_("Create the database (or fix DB_NAME) before the service starts."),
    "heap-out-of-memory": N_("The JavaScript heap ran out: raise the memory limit and --max-old-space-size, or load less data at once."),
    "unhandled-rejection": N_("A promise rejection is not caught, so Node 20 exits: handle it (try/catch around await, .catch)."),
}


def _explain_error(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    origin = symptom.diagnosis.origin
    path = ctx.repo_path(workload.component, origin.file) if origin else None
    location = Location(path, origin.line, label=origin.source or None) if path else None
    at = f"{path}:{origin.line}" if path else (f"{origin.file}:{origin.line}" if origin else "")
    where = Msg(" at {location}", location=at) if at else ""
    hint = Msg(_HINTS[match.kind]) if match.kind in _HINTS else Msg("The quoted log lines show the error.")
    return Explanation(
        headline=Msg("{title}{where}", title=match.title, where=where),
        cause=Msg("The process exits with \"{title}\"{where}. {hint}", title=match.title, where=where, hint=hint),
        location=location,
        params={"error": match.title},
    )


_EXPLAINERS = {
    "module-not-found": _explain_module,
    "syntax-error": _explain_syntax,
    "missing-env": _explain_env,
    "eaddrinuse": _explain_port_in_use,
    "econnrefused": _explain_refused,
    "unhandled-rejection": lambda ctx, w, s, m: (_explain_refused if s.diagnosis.first("econnrefused") else _explain_error)(ctx, w, s, m),
    "enotfound": _explain_unresolved,
}


def _package_name(module: str) -> str:
    parts = module.split("/")
    return "/".join(parts[:2]) if module.startswith("@") and len(parts) > 1 else parts[0]

