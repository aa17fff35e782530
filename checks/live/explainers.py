"""The crash explainers: a Node.js log signature (module not found, EADDRINUSE, a missing variable, ...)
tied to the static root cause in the repository, or to what rules one out (an image older than the
repository, a dependency that is down)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tiketi_doctor.analysis.image import image_install
from tiketi_doctor.analysis.source import requirements
from tiketi_doctor.catalogue import Component
from tiketi_doctor.model import Finding, Location
from tiketi_doctor.remediation import rebuild_commands

from .base import HOST_PORT, Explanation, Symptom, availability, from_static, repo_definitions

if TYPE_CHECKING:
    from tiketi_doctor.cluster.context import LiveContext, Workload
    from tiketi_doctor.cluster.logsigs import LogMatch


def explain_crash(ctx: LiveContext, workload: Workload, symptom: Symptom) -> Explanation:
    diagnosis = symptom.diagnosis
    primary = diagnosis.primary
    if primary is None:
        term = symptom.container.last or symptom.container.current
        exit_text = term.describe() if term else "no termination record"
        detail = "the log tail is empty" if symptom.log is None or not symptom.log.lines else "no known Node.js failure appears in the log tail"
        return Explanation(
            headline=f"{exit_text}; {detail}",
            cause=(
                f"The container exits ({exit_text}) and {detail} (see log_excerpt). Run "
                f"`kubectl logs -n {ctx.snapshot.namespace} {symptom.pod.name} -c {symptom.container.name} --previous` "
                "for the whole log, and `kubectl describe pod` for the command it runs."
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
            why.cause += " See also " + ", ".join(f"{f.code} at {f.location}" for f in contributing) + "."
        why.params.update({"module": package})
        return why
    if component is None:
        return Explanation(
            headline="the module is not installed in the image",
            cause=f"Node could not resolve {module!r}; {workload.name} is not a catalogue component, so its Dockerfile is unknown.",
            params={"module": package},
        )
    image = image_install(ctx, component) if component.dockerfile else None
    required = requirements(ctx, component).get(package)
    remediation = rebuild_commands(ctx.catalogue, component)
    if image is not None and package in image.packages:
        installed = image.packages[package]
        return Explanation(
            headline=f"the repository's image installs it ({installed.location}): the image in the cluster was built from older files",
            cause=(
                f"Node could not resolve {module!r} in the running container, but the repository's {component.dockerfile} "
                f"installs {package} ({installed.via} at {installed.location}). The image running in the cluster "
                f"({symptom.container.image}) was therefore built before that change, or never rebuilt and loaded."
            ),
            location=installed.location,
            related=[required.first] if required else [],
            remediation=remediation,
            ruled_out=f"DEP001 and DEP006 found nothing for {service}: the repository's image installs {package!r}.",
            params={"module": package, "image_older_than_repository": True},
        )
    if required is None:
        return Explanation(
            headline="the repository's code does not require it: the image runs other code than the repository",
            cause=(
                f"The running container requires {module!r}, which nothing under {component.source} requires. The image "
                f"({symptom.container.image}) was built from other source files than the repository's."
            ),
            remediation=remediation,
            ruled_out=f"no require('{package}') in {component.source}; DEP001 has nothing to say about it.",
            params={"module": package, "image_older_than_repository": True},
        )
    undecided = "; ".join(image.undecided) if image is not None and image.undecided else "what the image installs could not be read"
    return Explanation(
        headline=f"{required.first} requires it and the image does not provide it",
        cause=f"{required.first} requires {package!r}; DEP001 could not decide for {service} ({undecided}).",
        location=required.first,
        remediation=remediation,
        params={"module": package},
    )


def _module_headline(lead: Finding) -> str:
    """"services/auth-service/Dockerfile:9 writes a package.json without it; src/routes/auth.js:6 requires it"."""
    at = str(lead.evidence.get("image_package_json_at") or "")
    place = ":".join(at.split(":")[:2]) if at else lead.params.get("dockerfile") or "the Dockerfile"
    kind = lead.params.get("manifest_kind")
    if lead.code == "DEP006":
        return f"{lead.location.path}:{lead.location.line} requires it but package.json does not declare it"
    if kind == "inline":
        image = f"{place} writes the image's package.json without it"
    elif kind == "copied":
        image = f"the package.json copied by {place} does not list it"
    else:
        image = f"{lead.params.get('dockerfile') or 'the Dockerfile'} does not install it"
    return f"{image}; {lead.location.path}:{lead.location.line} requires it"


def _module_fix(lead: Finding, component: Component | None) -> str:
    module, spec = lead.params.get("module"), lead.params.get("spec")
    dockerfile = lead.params.get("dockerfile") or "the Dockerfile"
    if lead.code == "DEP006":
        return f"add {module!r} to the dependencies of {lead.params.get('package_json') or 'package.json'} (npm install {module})"
    if lead.params.get("local_package"):
        return f"copy {lead.params['local_package']} into node_modules/{module} in {dockerfile}"
    real = component.package_json if component else None
    entry = f'"{module}": "{spec}"' if spec else f'"{module}"'
    if lead.params.get("manifest_kind") == "inline" and real:
        return f"install from the real {real} in {dockerfile} (COPY it, then npm install --omit=dev) instead of the inline list, or add {entry} to that list"
    return f"make {dockerfile} install {entry}"


def _explain_syntax(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    origin = symptom.diagnosis.origin
    component = workload.component
    if origin is None:
        return _explain_error(ctx, workload, symptom, match)
    path = ctx.repo_path(component, origin.file)
    if path is None:
        return Explanation(
            headline=f"{origin.file}:{origin.line} does not parse",
            cause=f"Node failed to parse {origin.file}:{origin.line} ({match.facts.get('error')}); no repository file matches it.",
            params={"file": origin.file, "line": origin.line},
        )
    location = Location(path, origin.line, label=origin.source or None)
    found = [f for f in ctx.static.find("SRC002") if f.location.path == path]
    if found:
        return from_static(found, f"{path} does not parse in the repository either")
    text = ctx.repo.text(path)
    repo_line = text.lines[origin.line - 1].strip() if text is not None and 0 < origin.line <= len(text.lines) else ""
    same = bool(origin.source) and repo_line == origin.source.strip()
    remediation = rebuild_commands(ctx.catalogue, component) if component else []
    if same:
        return Explanation(
            headline=f"{path}:{origin.line} does not parse",
            cause=f"Node stops at {path}:{origin.line} with {match.facts.get('error')}; the repository's line is the same.",
            location=location,
            remediation=remediation,
            params={"file": path, "line": origin.line},
        )
    return Explanation(
        headline=f"the image's {origin.file}:{origin.line} differs from the repository's {path}: the image is older than the repository",
        cause=(
            f"Node stops at {origin.file}:{origin.line} ({match.facts.get('error')}) on `{origin.source}`, but the repository's "
            f"{path}:{origin.line} reads `{repo_line}` and parses. The image in the cluster was built from other files."
        ),
        location=location,
        remediation=remediation,
        ruled_out=f"SRC002 finds no syntax error in {path}.",
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
            headline="a required setting is empty",
            cause=f"{match.title}: the secret it needs is empty or missing in the pod's environment.",
            related=related,
        )
    spec = symptom.pod.spec_container(symptom.container.name)
    direct = [e for e in spec.get("env") or [] if e.get("name") == variable]
    if direct:  # set in the pod spec itself, so it must be empty or come from a reference that resolved to nothing
        ref = direct[0].get("valueFrom") or {}
        origin_of = next((f"{k} {v.get('name')}/{v.get('key')}" for k, v in ref.items() if isinstance(v, dict)), "an empty value")
        return Explanation(
            headline=f"the pod sets {variable} from {origin_of}, which is empty",
            cause=f"The Deployment sets {variable} ({origin_of}) but the app finds it empty; give it a value and restart {workload.name}.",
            related=related,
            params={"variable": variable},
        )
    sources = [(kind, (ref or {}).get("name")) for e in spec.get("envFrom") or [] for kind, ref in e.items() if kind in ("secretRef", "configMapRef")]
    defined = repo_definitions(ctx, variable, component)
    where = ", ".join(f"{k.replace('Ref', '')} {n}" for k, n in sources) or "no envFrom source"
    if defined:
        loc = defined[0]
        return Explanation(
            headline=f"the repository sets it ({loc}) but the cluster's copy does not",
            cause=(
                f"The app requires {variable}, and {loc.path}:{loc.line} defines it, but the pod's environment "
                f"(env entries and {where}) does not contain it: the object in the cluster is older than the "
                f"repository's. Re-apply {loc.path} and restart {workload.name}."
            ),
            location=loc,
            related=related,
            remediation=[f"kubectl apply -f {loc.path}", f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}"],
            ruled_out="the repository defines the variable; the running objects lack it.",
            params={"variable": variable},
        )
    manifest = ctx.manifest_container(component, symptom.container.name)
    loc = manifest.workload.at(manifest.path + ("name",), label=f"container {manifest.name}") if manifest else None
    return Explanation(
        headline=f"{variable} is set nowhere: not in the pod's env, not in {where}, not in the repository's manifests",
        cause=(
            f"The app exits because {variable} is not set. The pod takes its environment from its env entries and {where}; "
            f"none of them and none of the repository's manifests or config files define {variable}. Add it to the Secret "
            "(or ConfigMap) the deployment reads, re-apply it and restart the deployment."
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
        return from_static(found, f"another component's app also defaults to {port}")
    origin = symptom.diagnosis.origin
    path = ctx.repo_path(component, origin.file) if origin else None
    location = Location(path, origin.line, label=origin.source or None) if path else None
    listening = [m for m in symptom.diagnosis.matches if m.kind == "listening"]
    already = f" The log shows the app already listening (\"{listening[0].quote[0].strip()}\") before the second listen." if listening else ""
    return Explanation(
        headline=f"the app binds port {port} twice" + (f" ({path}:{origin.line})" if path else ""),
        cause=(
            f"Inside one container nothing else binds {port}, so the process itself listens twice — typically "
            f"`app.listen(PORT)` and then `server.listen(PORT)` for Socket.IO.{already} Listen once, on the http server that "
            "Socket.IO is attached to."
        ),
        location=location,
        remediation=rebuild_commands(ctx.catalogue, component) if component else [],
        ruled_out=f"PORT006 finds no other component defaulting to {port}.",
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
    address = (f"Service {svc['metadata']['name']}, " if svc else "") + f"{host}:{port}"
    uncaught = (
        " The rejection is not caught, so Node 20 exits: await it inside try/catch (or add .catch) and retry or "
        "answer 503 instead of crashing." if rejection else ""
    )
    if target is None:
        return Explanation(
            headline=f"nothing in the catalogue answers at {address}",
            cause=f"The app connects to {address} at start-up and is refused; no catalogue component has that host or address.{uncaught}",
            params={"host": host, "port": port},
        )
    facts = {"host": host, "port": port, "target": target.name}
    if target.port and port != target.port:
        found = [f for f in ctx.static.find("PORT004", target.name)]
        if found:
            why = from_static(found, f"it meant {target.name}, which listens on {target.port}, not {port}")
            why.params.update(facts)
            return why
        return Explanation(
            headline=f"it meant {target.name}, which listens on {target.port}, not {port}",
            cause=f"{workload.service} connects to {target.name} on port {port}, but {target.name} serves {target.port}.{uncaught}",
            params=facts,
        )
    target_workload = ctx.workload_of(target)
    state = availability(ctx, target_workload) if target_workload else "is not deployed in the namespace"
    home = ctx.workload_location(target_workload) if target_workload else None
    return Explanation(
        headline=f"it meant {target.name} ({address}), which {state}",
        cause=(
            f"{workload.service} needs {target.name} at start-up and exits when the connection is refused; {target.name} "
            f"{state}. Start {target.name} first (see its own finding); {workload.service} recovers on its next restart.{uncaught}"
        ),
        location=None,
        related=[home] if home else [],
        remediation=[f"kubectl get pods -n {ctx.snapshot.namespace} -l app={target.deployment or target.name}"],
        ruled_out=f"{host}:{port} is {target.name}'s address and port, so the URL is right.",
        params=facts,
    )


def _explain_unresolved(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    host = match.facts["host"]
    services = sorted((s.get("metadata") or {}).get("name", "") for s in ctx.snapshot.services)
    return Explanation(
        headline=f"there is no Service {host} in namespace {ctx.snapshot.namespace}",
        cause=f"The app connects to {host}, which does not resolve; the namespace's Services are {', '.join(services) or 'none'}.",
        params={"host": host},
    )


def _explain_error(ctx: LiveContext, workload: Workload, symptom: Symptom, match: LogMatch) -> Explanation:
    origin = symptom.diagnosis.origin
    path = ctx.repo_path(workload.component, origin.file) if origin else None
    location = Location(path, origin.line, label=origin.source or None) if path else None
    where = f" at {path}:{origin.line}" if path else (f" at {origin.file}:{origin.line}" if origin else "")
    hints = {
        "db-auth-failed": "The database password in the Secret differs from the one postgres was initialised with.",
        "db-missing": "Create the database (or fix DB_NAME) before the service starts.",
        "heap-out-of-memory": "The JavaScript heap ran out: raise the memory limit and --max-old-space-size, or load less data at once.",
        "unhandled-rejection": "A promise rejection is not caught, so Node 20 exits: handle it (try/catch around await, .catch).",
    }
    return Explanation(
        headline=f"{match.title}{where}",
        cause=f"The process exits with \"{match.title}\"{where}. " + hints.get(match.kind, "The quoted log lines show the error."),
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

