"""ENV: environment variables the code needs, the ones nobody reads, values that disagree, committed secrets."""
from __future__ import annotations

import math
import posixpath
import re
from dataclasses import field
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis.environments import environments, workload_in
from tiketi_doctor.analysis.envsources import (
    PLATFORM,
    ContainerEnv,
    EnvSource,
    config_entries,
    container_envs,
    env_file_entries,
    env_file_paths,
    image_sources,
    local_sources,
    secret_values,
)
from tiketi_doctor.analysis.build_inputs import build_sources, is_input
from tiketi_doctor.analysis.compose import ComposeService, compose_files
from tiketi_doctor.analysis.envvars import env_use, local_packages
from tiketi_doctor.analysis.image import dockerfile_of, package_json
from tiketi_doctor.analysis.kustomize import Placed, containers_of
from tiketi_doctor.analysis.origins import CORS_KEY, allowed_origins
from tiketi_doctor.analysis.written_env import written_env_files
from tiketi_doctor.analysis.ports import URL, port_places
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.templates import is_unknown
from tiketi_doctor.remediation import reapply_commands
from tiketi_doctor.reporters.masking import looks_secret

# Read by Node, npm or common libraries rather than by the application's own code.
CONSUMED = re.compile(
    r"^(?:NODE_[A-Z_]+|npm_config_[a-z_]+|NPM_CONFIG_[A-Z_]+|DEBUG|TZ|LANG|LC_[A-Z]+|UV_THREADPOOL_SIZE|FORCE_COLOR|NO_COLOR|"
    r"PG(?:HOST|PORT|USER|PASSWORD|DATABASE|SSLMODE|APPNAME|OPTIONS)|AWS_[A-Z_]+|GOOGLE_APPLICATION_CREDENTIALS|OTEL_[A-Z_]+|"
    r"HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|SSL_CERT_(?:FILE|DIR)|GENERATE_SOURCEMAP|BROWSER|CHOKIDAR_[A-Z_]+|WDS_[A-Z_]+|"
    r"SENTRY_[A-Z_]+|ELASTIC_APM_[A-Z_]+|NEW_RELIC_[A-Z_]+|DD_[A-Z_]+|INSTANA_[A-Z_]+)$"
)
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal", "[::1]"}


def _without_none(params: dict, optional: tuple[str, ...]) -> dict:
    """The params of one kind of finding: optional facts it does not have are left out."""
    return {k: v for k, v in params.items() if v is not None or k not in optional}


@facts
class EnvVarFacts(Facts):
    """ENV001: the variable and the component that reads it; where it is read (nothing sets it), the key and
    object a valueFrom names (the object lacks the key), or the environments that do not set it."""

    variable: str
    component: str
    key: str | None = None
    object: str | None = None
    environments: tuple[str, ...] | None = None
    read_path: str | None = None
    read_line: int | None = None

    def params(self):
        return _without_none(super().params(), ("key", "object", "environments", "read_path", "read_line"))


@facts
class UnusedFacts(Facts):
    """ENV002: the variable nobody reads, where it is set, and the ConfigMap/Secret (Kind/name) that holds it."""

    variable: str
    path: str
    line: int | None = None
    object: str | None = None

    def params(self):
        return _without_none(super().params(), ("object",))


@facts
class ConflictFacts(Facts):
    """ENV003: the setting and its two values."""

    variable: str
    values: tuple[str, ...]

    @property
    def both(self) -> str:
        return " / ".join(repr(v) for v in self.values)


@facts
class SecretFacts(Facts):
    """ENV004: where a credential is committed: the file, and the key (or the Secret and its keys)."""

    path: str
    key: str | None = None
    object: str | None = None
    keys: tuple[str, ...] | None = None
    line: int | None = None

    def params(self):
        return _without_none(super().params(), ("key", "object", "keys", "line"))

    @property
    def names(self) -> str:
        return ", ".join(self.keys) if self.keys else self.key or ""


# -- ENV001 ---------------------------------------------------------------------------------------
class EnvVarNotProvided(Check):
    code = "ENV001"
    name = "env-var-not-provided"
    severity = Severity.ERROR
    summary = "The code reads an environment variable without a default that nothing sets for the component."
    why = (
        "`process.env.X` is `undefined` when nobody sets X. Used as a value — a JWT secret, a service URL, "
        "`.split(',')` — it throws or sends requests to `undefined/...` the first time that code runs, often "
        "long after the pod looked healthy. Variables must come from the Deployment (env, envFrom "
        "ConfigMap/Secret), the image (ENV) or, for local runs, .env.example. Each deployed environment is "
        "checked on its own: every kustomize overlay, and every compose file that runs the component's image "
        "(with its env_file, also one a CI workflow writes before it starts compose), so a variable set for one "
        "environment but not for another is named with both sides."
    )
    example = "src/routes/auth.js: jwt.sign(payload, process.env.JWT_SIGNING_KEY) — no ConfigMap, Secret, env entry or .env.example sets JWT_SIGNING_KEY"
    fix = (
        "Add the variable where the component gets its configuration (the ConfigMap or Secret its Deployment "
        "loads, or an env entry) and to .env.example, or give the read a safe default "
        "(`process.env.X || 'value'`) when one exists."
    )
    Facts = EnvVarFacts
    symptom = "{variable} is undefined in {component}: the code that uses it throws, or calls `undefined/...`"
    fix_title = "Set {variable} for {component}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        use = env_use(ctx, component)
        for ce in container_envs(ctx, component):
            yield from self._missing_keys(component, ce, use)
        runs = _run_files(ctx, component)
        required = {name: read for name, read in use.required(runs).items()}
        if not required:
            return
        image = {s.name: s for s in image_sources(ctx, component)}
        local = {s.name: s for s in local_sources(ctx, component)}
        cluster = container_envs(ctx, component)
        bundled = component.role == "frontend" and component.source
        for name, read in sorted(required.items()):
            if PLATFORM.match(name) or name in image:
                continue
            in_bundle = bool(bundled) and read.location.path.startswith(component.source.rstrip("/") + "/")
            targets = [] if in_bundle else cluster
            setting = [ce for ce in targets if name in ce.names()]
            lacking = [ce for ce in targets if ce.complete and name not in ce.names()]
            others = [r.location for r in use.reads[name] if r is not read][:5]
            if not setting and name not in local:
                if any(not ce.complete for ce in targets):
                    ctx.undecided(f"{name}: a ConfigMap or Secret that {component.name}'s Deployment loads is not (or not wholly) in the repository")
                    continue
                yield self._nothing(ctx, component, name, read, others, targets, in_bundle)
            elif lacking:
                yield self._cluster_lacks(ctx, component, name, read, others, lacking, local.get(name), setting)
            elif not in_bundle:
                missing = [run for run in _compose_runs(ctx, component) if run.complete and name not in run.names]
                provider = next((s for s in local_sources(ctx, component) if s.name == name and all(s.location.path not in r.files for r in missing)), None)
                if missing and (provider is not None or setting):
                    yield self._compose_lacks(ctx, component, name, read, others, missing, provider, setting)


    def _missing_keys(self, component: Component, ce: ContainerEnv, use) -> Iterator[Finding]:
        """`valueFrom: configMapKeyRef/secretKeyRef` naming a key its ConfigMap or Secret does not have: the
        kubelet refuses to start the container (CreateContainerConfigError) in that environment."""
        container = ce.workload.get(*ce.container_path) or {}
        for i, entry in enumerate(container.get("env") or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("valueFrom"), dict) or str(entry.get("name")) not in use.reads:
                continue
            name = str(entry["name"])
            for ref_key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = entry["valueFrom"].get(ref_key)
                if not isinstance(ref, dict) or ref.get("optional") or not isinstance(ref.get("key"), str) or is_unknown(ref.get("key")):
                    continue
                obj = ce.environment.find(kind, str(ref.get("name")), ce.workload.namespace)
                if obj is None or obj.partial:
                    continue  # a missing object is undecided above; a generated one may hold any key
                keys = [k for k, _, _ in config_entries(obj)]
                if ref["key"] in keys or any(is_unknown(k) for k in keys):
                    continue
                where = ce.workload.at(ce.container_path + ("env", i, "valueFrom", ref_key, "key"), label=f"{ref_key} {ref.get('name')}/{ref['key']}")
                defined = obj.at(("data",)) if obj.get("data") is not None else obj.at(())
                read = use.reads[name][0]
                yield self.finding(
                    Msg("{component}'s container takes {variable} from key {key} of {kind} {object}, which has no such key "
                        "in {environment} (it has: {keys})", component=component.name, variable=name, key=ref["key"], kind=kind,
                        object=obj.name, environment=ce.environment.describe(), keys=", ".join(sorted(keys)) or Msg("no keys")),
                    where,
                    service=component.name,
                    related=[defined, read.location],
                    evidence={"variable": name, "key": ref["key"], "object": f"{kind}/{obj.name}", "keys": sorted(keys),
                              "environment": ce.environment.name, "read_at": str(read.location)},
                    root_cause=Msg(
                        "The kubelet resolves {ref} before it starts the container; {kind} {object} ({path}) has no "
                        "key {key}, so the pod stays in CreateContainerConfigError and {location} never runs.",
                        ref=ref_key, kind=kind, object=obj.name, path=defined.path, key=ref["key"],
                        location=f"{read.location.path}:{read.location.line}",
                    ),
                    facts=EnvVarFacts(name, component.name, key=ref["key"], object=f"{kind}/{obj.name}", environments=(ce.environment.name,)),
                )

    def _where_looked(self, ctx: ScanContext, component: Component, targets: list[ContainerEnv], in_bundle: bool) -> list[str]:
        looked = []
        for ce in targets:
            loaded = ", ".join(f"{k} {n}" for k, n in ce.loaded) or Msg("no ConfigMap or Secret")
            block = _env_block(ce)
            looked.append(Msg(
                "the {kind} {name} in {environment} ({location}: env entries, envFrom: {loaded})", kind=ce.workload.kind,
                name=ce.workload.name, environment=ce.environment.describe(), location=f"{block.path}:{block.line}", loaded=loaded,
            ))
        if component.dockerfile:
            looked.append(f"{component.dockerfile} ({'ARG/ENV' if in_bundle else 'ENV'})")
        files = env_file_paths(ctx, component)
        looked.append(", ".join(files) if files else Msg("no .env.example"))
        return looked

    def _nothing(self, ctx, component, name, read, others, targets, in_bundle) -> Finding:
        looked = self._where_looked(ctx, component, targets, in_bundle)
        when = Msg("the bundle is built") if in_bundle else Msg("the code runs")
        if " requires " in (read.location.label or ""):
            use = Msg("{read} and stops the program without it", read=read.location.label)
        else:
            use = Msg("{read} is used as a value, so it is undefined when {when}", read=read.location.label or "process.env." + name, when=when)
        return self.finding(
            Msg("{component} reads {variable} without a default, but nothing sets it for {component}", component=component.name, variable=name),
            read.location,
            service=component.name,
            related=[_env_block(ce) for ce in targets] + others,
            evidence={"variable": name, "read_at": str(read.location), "looked_in": [str(x) for x in looked]},
            root_cause=Msg("{use}: nothing provides {variable} — not {looked}.", use=use, variable=name, looked=Joined(looked, N_("; not "))),
            facts=EnvVarFacts(name, component.name, read_path=read.location.path, read_line=read.location.line),
        )

    def _cluster_lacks(self, ctx, component, name, read, others, lacking: list[ContainerEnv], local: EnvSource | None, setting) -> Finding:
        first = lacking[0]
        loaded = ", ".join(f"{k} {n}" for k, n in first.loaded) or Msg("no ConfigMap or Secret")
        where = _env_block(first)
        provided = [_with_line(local)] if local else []
        provided += [ce.environment.describe() for ce in setting]
        related = [where] + ([local.location] if local else []) + others
        return self.finding(
            Msg("{component} reads {variable} without a default; {provided} set it, but the {kind} {name} in {environment} does not",
                component=component.name, variable=name, provided=Joined(provided, N_(" and ")) if provided else Msg("a local file"),
                kind=first.workload.kind, name=first.workload.name, environment=first.environment.describe()),
            read.location,
            service=component.name,
            severity=Severity.WARNING,
            related=related,
            evidence={
                "variable": name,
                "set_in": [str(p) for p in provided],
                "missing_in": [str(ce.environment.describe()) for ce in lacking],
                "envFrom": [f"{k} {n}" for k, n in first.loaded],
            },
            root_cause=Msg(
                "Runs that use {provided} work, but in the cluster the container gets "
                "only its env entries and envFrom ({loaded}), none of which sets {variable}: the value is undefined there.",
                provided=provided[0] if provided else Msg("that file"), loaded=loaded, variable=name,
            ),
            facts=EnvVarFacts(name, component.name, environments=tuple(ce.environment.name for ce in lacking)),
            remediation=reapply_commands(ctx.catalogue, component, first.workload.source) if first.workload.source else [],
        )


    def _compose_lacks(self, ctx, component, name, read, others, missing: list["_ComposeRun"], provider: EnvSource | None, setting) -> Finding:
        first = missing[0]
        service = first.service
        provided = [_with_line(provider)] if provider else []
        provided += [Msg("{environment} ({location})", environment=ce.environment.describe(),
                         location=f"{ce.of(name)[0].location.path}:{ce.of(name)[0].location.line}") for ce in setting]
        written = {w.path: w for w in first.written}
        env_files = Joined([
            Msg("{path}, written by {location}", path=p, location=f"{written[p].location.path}:{written[p].location.line}") if p in written else p
            for p in first.env_files
        ], ", ") if first.env_files else Msg("no env_file")
        return self.finding(
            Msg("{component} reads {variable} without a default; it is set in {provided}, but compose service {service} in {file} does not set it",
                component=component.name, variable=name, provided=Joined(provided, N_(" and ")), service=service.name, file=service.file),
            read.location,
            service=component.name,
            severity=Severity.WARNING,
            related=[service.location] + [w.location for w in first.written if w.location] + ([provider.location] if provider else []) + others,
            evidence={
                "variable": name,
                "set_in": [str(p) for p in provided],
                "missing_in": [f"compose service {r.service.name} ({r.service.file})" for r in missing],
                "env_file": list(first.env_files),
            },
            root_cause=Msg(
                "`{command}` starts {service} from {dockerfile} with only its "
                "environment entries and env_file ({env_files}), none of which sets {variable}, and the image has no ENV for it, "
                "so {variable} is undefined in that environment.",
                command=f"docker compose -f {service.file} up", service=service.name, dockerfile=component.dockerfile,
                env_files=env_files, variable=name,
            ),
            facts=EnvVarFacts(name, component.name, environments=tuple(f"{r.service.file}#{r.service.name}" for r in missing)),
        )


@dataclass
class _ComposeRun:
    """A compose service that runs the component's image, with every variable it hands the container."""

    service: ComposeService
    names: set[str]
    complete: bool  # False: an env_file the repository does not hold, or `extends:` another service
    env_files: tuple[str, ...]
    files: set[str]  # the compose and env files read for it
    written: list = field(default_factory=list)  # env files a CI workflow writes (WrittenEnv)


def _compose_runs(ctx: ScanContext, component: Component) -> list[_ComposeRun]:
    """Each compose service built from the component's Dockerfile. Files in one folder are often merged
    (`-f docker-compose.yml -f docker-compose.prod.yml`, the override file): a service is read as the union
    of the services of that name in its folder, so a variable counts as set when any of them sets it."""
    def collect() -> list[_ComposeRun]:
        if not component.dockerfile:
            return []
        files = compose_files(ctx)
        runs = []
        for compose in files:
            for service in compose.services:
                if service.build is None or service.build.dockerfile != component.dockerfile:
                    continue
                run = _ComposeRun(service, set(), True, (), set())
                for other in files:
                    if other.folder != compose.folder:
                        continue
                    for same in other.services:
                        if same.name != service.name:
                            continue
                        run.files.add(other.path)
                        run.complete = run.complete and "extends" not in same.data
                        run.names |= {v.name for v in same.environment}
                        for path in _env_file_paths(same):
                            run.env_files += (path,)
                            run.files.add(path)
                            if ctx.repo.exists(path):
                                run.names |= {e.name for e in env_file_entries(ctx, path)}
                                continue
                            written = written_env_files(ctx).get(path)
                            if written is None or not written.complete:
                                run.complete = False  # made at deploy time from something the repository does not show
                                continue
                            run.names |= written.names
                            run.written.append(written)
                runs.append(run)
        return runs

    return ctx.memo(("env-compose-runs", component.name), collect)


def _env_file_paths(service: ComposeService) -> list[str]:
    value = service.data.get("env_file")
    found = []
    for item in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
        rel = item.get("path") if isinstance(item, dict) else item
        if isinstance(rel, str):
            found.append(posixpath.normpath(posixpath.join(posixpath.dirname(service.file), rel)))
    return found


# -- ENV002 ---------------------------------------------------------------------------------------
class EnvVarUnused(Check):
    code = "ENV002"
    name = "env-var-unused"
    severity = Severity.INFO
    scope = "repository"
    summary = "A variable is set for a component (env entry, key of a ConfigMap/Secret it loads) but no code reads it."
    why = (
        "A setting nobody reads is either dead configuration or — more often — a sign that the code reads "
        "another name (a typo, a rename) or that the feature that should read it is missing, as when a "
        "ConfigMap carries STATS_SERVICE_URL but the gateway never proxies to the stats service."
    )
    example = "k8s/01-configmap.yaml: STATS_SERVICE_URL: http://stats-service:3004 — no component loading the ConfigMap reads it"
    fix = "Make the code read the variable it was meant for, or delete the setting."
    Facts = UnusedFacts
    symptom = "nothing fails: {variable} is set but nothing reads it (a typo of the name the code reads, or a missing feature)"
    fix_title = "Read {variable} in the code, or delete it from {path}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for component in ctx.catalogue.apps:
            yield from self._env_entries(ctx, component, seen)
        yield from self._loaded_keys(ctx, seen)

    def _read(self, ctx: ScanContext, component: Component, name: str) -> bool:
        """Whether some code of the component may read `name`: its JavaScript/TypeScript, or a reader this
        tool does not parse (code in another language, a shell entrypoint, a CLI that reads its options
        from the environment) — then "unused" cannot be claimed."""
        use = env_use(ctx, component)
        if use.reads_all or name in use.reads or name in use.writes or not use.files:
            return True
        return _other_readers(ctx, component) or _tool_reads(ctx, component, name)

    def _env_entries(self, ctx, component, seen) -> Iterator:
        for ce in container_envs(ctx, component):
            container = ce.workload.get(*ce.container_path) or {}
            expanded = _expansions(ce.workload)
            for source in ce.sources:
                if source.kind != "env" or _consumed(source.name) or source.name in expanded or is_unknown(source.name):
                    continue  # (a name a template fills, `{{ $k }}` in a range, could be any variable)
                if self._read(ctx, component, source.name):
                    continue
                key = (source.location.path, source.location.line, source.name)
                if key in seen:
                    continue
                seen.add(key)
                yield self.finding(
                    Msg("{component}'s container sets {variable}, but {component}'s code never reads it", component=component.name, variable=source.name),
                    source.location,
                    service=component.name,
                    evidence={"variable": source.name, "container": container.get("name"), "code_files": len(env_use(ctx, component).files)},
                    root_cause=_unused_cause(ctx, component, source.name),
                    facts=UnusedFacts(source.name, source.location.path, source.location.line),
                )

    def _loaded_keys(self, ctx, seen) -> Iterator:
        for env in environments(ctx):
            owners = {}
            for component in ctx.catalogue.components:
                placed = workload_in(ctx, env, component)
                if placed is not None:
                    owners[id(placed)] = component
            loaders: dict[tuple[str, str], list] = {}
            key_refs: set[tuple[str, str, str]] = set()
            expansions: set[str] = set()
            for workload in env.objects:
                expansions |= _expansions(workload)
                for _, container in containers_of(workload.data):
                    key_refs |= _key_refs(container)
                    for source in container.get("envFrom") or []:
                        for ref, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                            if isinstance(source, dict) and isinstance(source.get(ref), dict) and not source.get("prefix"):
                                loaders.setdefault((kind, str(source[ref].get("name"))), []).append(owners.get(id(workload)))
            for (kind, name), components in loaders.items():
                obj = env.find(kind, name)
                if obj is None or any(c is None or not c.is_app for c in components):
                    continue  # loaded by something whose code is not in the catalogue: it may read anything
                readers = sorted({c.name for c in components})
                name = obj.display_name
                for key, _, where in config_entries(obj):
                    if _consumed(key) or key in expansions or (kind, name, key) in key_refs or is_unknown(key):
                        continue
                    if any(self._read(ctx, c, key) for c in components):
                        continue
                    mark = (where.path, where.line, key)
                    if mark in seen:
                        continue
                    seen.add(mark)
                    fields = dict(kind=kind, name=name, readers=", ".join(readers), key=key, env=f"process.env.{key}")
                    reaches = (Msg("{kind} {name} is loaded with envFrom by {readers}, so {key} reaches their containers, but no code "
                                   "of theirs reads {env}.", **fields) if len(readers) > 1 else
                               Msg("{kind} {name} is loaded with envFrom by {readers}, so {key} reaches its container, but no code "
                                   "of it reads {env}.", **fields))
                    yield self.finding(
                        Msg("{kind} {name} sets {key}, but no component that loads it ({readers}) reads it", kind=kind, name=name, key=key,
                            readers=", ".join(readers)),
                        where,
                        evidence={"variable": key, kind.lower(): name, "loaded_by": readers, "environment": env.name},
                        root_cause=Msg(
                            "{reaches} Either the code that should use it is missing (a route, a proxy, a client) or it reads another name.{hints}",
                            reaches=reaches, hints=Joined([_spelling_hint([n for c in components for n in env_use(ctx, c).reads], key),
                                                           _url_env_hint(ctx, key)], ""),
                        ),
                        facts=UnusedFacts(key, where.path, where.line, f"{kind}/{name}"),
                    )


def _with_line(source: EnvSource) -> str:
    """`compose service api (docker-compose.yml:12)`: where a source is, with its line."""
    at = f"{source.location.path}:{source.location.line}"
    return source.describe.replace(source.location.path, at, 1) if source.location.path in source.describe else f"{source.describe} ({at})"


def _env_block(ce: ContainerEnv):
    """Where the container's environment is written: its `env:` block, else `envFrom:`, else the container."""
    container = ce.workload.get(*ce.container_path) or {}
    for key in ("env", "envFrom"):
        if key in container:
            return ce.workload.at(ce.container_path + (key,), label=f"{key} of container {container.get('name') or ce.workload.name}")
    return ce.workload.at(ce.container_path, label=f"container {ce.workload.name}")


def _run_files(ctx: ScanContext, component: Component):
    """Whether a file is code the component runs: its source, its local packages, what its image copies."""
    source = (component.source or "\0").rstrip("/") + "/"
    packages = [p.rstrip("/") + "/" for p in local_packages(ctx, component)]
    copied = build_sources(ctx, component) if component.dockerfile else None

    def runs(path: str) -> bool:
        if path.startswith(source) or any(path.startswith(p) for p in packages):
            return True
        return copied is None or is_input(path, copied[1:])

    return runs


def _consumed(name: str) -> bool:
    return bool(CONSUMED.match(name) or PLATFORM.match(name))


# Code in these languages (and shell scripts an image runs) reads the environment in ways not parsed here.
_OTHER_CODE = (".py", ".go", ".java", ".kt", ".scala", ".php", ".rb", ".rs", ".cs", ".sh", ".bash", ".ps1", ".pl", ".ex", ".exs", ".lua")
# Command-line tools that take options from environment variables with a prefix (`fastify start` reads FASTIFY_ADDRESS).
_TOOL_PREFIXES = {"fastify": "FASTIFY_", "next": "NEXT_", "nuxt": "NUXT_", "pm2": "PM2_", "prisma": "PRISMA_"}


def _component_folders(component: Component) -> list[str]:
    folders = [component.source, posixpath.dirname(component.package_json or "") or None, posixpath.dirname(component.dockerfile or "") or None]
    folders.append(component.build_context)
    return [f.rstrip("/") for f in dict.fromkeys(folders) if f and f not in (".", "./")]


def _other_readers(ctx: ScanContext, component: Component) -> bool:
    """Whether the component's folders hold code in another language or shell scripts."""
    def find() -> bool:
        return any(next(iter(ctx.repo.walk(folder, _OTHER_CODE)), None) is not None for folder in _component_folders(component))

    return ctx.memo(("env-other-readers", component.name), find)


def _tool_reads(ctx: ScanContext, component: Component, name: str) -> bool:
    """Whether a tool the component's scripts or image run reads `name`: a CLI's option prefix, `$NAME` in the Dockerfile."""
    pkg = package_json(ctx, component.package_json)
    scripts = pkg.data.get("scripts") if pkg is not None and isinstance(pkg.data, dict) else None
    for script in scripts.values() if isinstance(scripts, dict) else ():
        for tool, prefix in _TOOL_PREFIXES.items():
            if name.startswith(prefix) and re.search(rf"(?:^|[\s;&|]){tool}\b", str(script)):
                return True
    dockerfile = ctx.repo.text(component.dockerfile) if component.dockerfile else None
    return dockerfile is not None and re.search(rf"\$\{{?{re.escape(name)}\b", dockerfile.text) is not None


def _unused_cause(ctx: ScanContext, component: Component, name: str) -> Msg:
    return Msg(
        "None of the {count} JavaScript files of {component} (its source, package folder and local packages) reads {env}.{hint}",
        count=len(env_use(ctx, component).files), component=component.name, env=f"process.env.{name}",
        hint=_spelling_hint(list(env_use(ctx, component).reads), name),
    )


def _url_env_hint(ctx: ScanContext, name: str) -> Msg | str:
    target = next((c for c in ctx.catalogue.components if c.url_env == name), None)
    if target is None:
        return ""
    return Msg(" {variable} is how other components reach {target} (the catalogue's url_env), so no component calls {target} through it.",
               variable=name, target=target.name)


def _spelling_hint(read: list[str], name: str) -> Msg | str:
    similar = sorted({n for n in read if _similar(n, name)})
    return Msg(" The code reads {names} — another spelling of the same setting?", names=", ".join(similar)) if similar else ""


def _similar(a: str, b: str) -> bool:
    if a == b:
        return False
    strip = lambda s: re.sub(r"[^A-Z0-9]", "", s.upper())
    x, y = strip(a), strip(b)
    if x == y or (len(x) > 4 and (x in y or y in x)):
        return True
    return len(x) > 5 and abs(len(x) - len(y)) <= 1 and _distance(x, y) <= 1


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short names only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _expansions(workload: Placed) -> set[str]:
    """Names used as $(NAME) in command, args or env values: Kubernetes substitutes them."""
    text = str(workload.get("spec"))
    return set(re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", text))


def _key_refs(container: dict) -> set[tuple[str, str, str]]:
    refs = set()
    for entry in container.get("env") or []:
        value_from = entry.get("valueFrom") if isinstance(entry, dict) else None
        if isinstance(value_from, dict):
            for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = value_from.get(key)
                if isinstance(ref, dict):
                    refs.add((kind, str(ref.get("name")), str(ref.get("key"))))
    return refs


# -- ENV003 ---------------------------------------------------------------------------------------
class ConfigValueConflict(Check):
    code = "ENV003"
    name = "config-value-conflict"
    severity = Severity.WARNING
    summary = "A URL, CORS origin or port is given different values in the places that configure one component."
    why = (
        "Configuration is written in several places — ConfigMaps, env entries, overlays, .env.example — and "
        "they drift. A container that loads two ConfigMaps with the same key gets one of them silently; a "
        ".env.example that points TICKET_SERVICE_URL at another port makes local runs call the wrong service; "
        "a CORS origin that differs between local and cluster settings breaks the browser in one of them."
    )
    example = "k8s/01-configmap.yaml: CORS_ORIGIN: http://localhost:3000; services/auth-service/.env.example: CORS_ORIGIN=http://localhost:5173"
    fix = "Decide which value is right and write it in every place (better: keep one ConfigMap entry and derive the rest)."
    Facts = ConflictFacts
    symptom = "{variable} is {both} depending on where {service} runs: one of the setups calls the wrong place or is refused"
    fix_title = "Give {variable} one value everywhere"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        seen: set[tuple] = set()
        envs = container_envs(ctx, component)
        for ce in envs:
            yield from self._within(ctx, component, ce, seen)
        local = local_sources(ctx, component)
        for ce in envs:
            cluster = {}
            for source in ce.sources:
                if source.value is not None and not source.secret:
                    cluster[source.name] = source  # the last one wins, as in the container
            for entry in local:
                other = cluster.get(entry.name)
                if other is None or entry.value is None:
                    continue
                reason = _disagreement(ctx, entry.name, other.value, entry.value, cors=True)
                if reason and not _port_check_covers(ctx, other, entry):
                    yield from self._report(component, entry.name, other, entry, reason, seen, ce)
        if len(envs) > 1:
            yield from self._across(ctx, component, envs, seen)

    def _within(self, ctx, component, ce: ContainerEnv, seen) -> Iterator:
        by_name: dict[str, list[EnvSource]] = {}
        for source in ce.sources:
            if source.value is not None and not source.secret:
                by_name.setdefault(source.name, []).append(source)
        for name, sources in by_name.items():
            values = {s.value for s in sources}
            if len(values) < 2:
                continue
            wins = sources[-1]
            for loser in sources[:-1]:
                if loser.value != wins.value and not _port_check_covers(ctx, wins, loser):
                    reason = Msg("The container gets {value} from {source}; {other} says {other_value}.", value=repr(wins.value),
                                 source=wins.describe, other=loser.describe, other_value=repr(loser.value))
                    yield from self._report(component, name, wins, loser, reason, seen, ce)

    def _across(self, ctx, component, envs: list[ContainerEnv], seen) -> Iterator:
        base = envs[0]
        base_values = {s.name: s for s in base.sources if s.value is not None and not s.secret}
        for ce in envs[1:]:
            for source in ce.sources:
                other = base_values.get(source.name)
                if other is None or source.value is None or source.secret:
                    continue
                reason = _disagreement(ctx, source.name, other.value, source.value, cors=False)
                if reason and not _port_check_covers(ctx, source, other):
                    yield from self._report(component, source.name, source, other, reason, seen, ce)

    def _report(self, component, name, here: EnvSource, there: EnvSource, reason: Msg, seen, ce: ContainerEnv) -> Iterator:
        """`reason`: why the two values contradict each other, one sentence."""
        if looks_secret(name):
            return  # values of credentials are never compared in the open (ENV004 covers where they are written)
        key = tuple(sorted([(here.location.path, here.location.line), (there.location.path, there.location.line)])) + (name,)
        if key in seen or (here.location.path, here.location.line) == (there.location.path, there.location.line):
            return
        seen.add(key)
        yield self.finding(
            Msg("{variable} disagrees for {component}: {value} at {location}, {other_value} at {other_location}", variable=name,
                component=component.name, value=repr(here.value), location=f"{here.location.path}:{here.location.line}",
                other_value=repr(there.value), other_location=f"{there.location.path}:{there.location.line}"),
            here.location,
            service=component.name,
            related=[there.location],
            evidence={"variable": name, "values": {str(here.location): here.value, str(there.location): there.value}, "environment": ce.environment.name},
            root_cause=reason,
            facts=ConflictFacts(name, (here.value, there.value)),
        )


def _disagreement(ctx: ScanContext, name: str, a: str | None, b: str | None, cors: bool) -> Msg | None:
    """Why two values of one setting contradict each other (a sentence), or None when the difference is legitimate."""
    if a is None or b is None or a == b:
        return None
    if cors and CORS_KEY.search(name.upper()):
        left, right = _origins(a), _origins(b)
        if left and right and not left & right:
            return Msg("The allowed origins {left} and {right} have none in common, so the browser is refused in one of the two setups.",
                       left=str(sorted(left)), right=str(sorted(right)))
        return None
    if name.upper().endswith("_PORT") and name.upper() != "PORT" and cors and a.isdigit() and b.isdigit():
        return Msg("Port {a} in one place and {b} in the other.", a=a, b=b)
    first, second = _url_target(ctx, a), _url_target(ctx, b)
    if first and second and first != second:
        (c1, p1), (c2, p2) = first, second
        if c1 != c2:
            return Msg("One URL reaches {first} (port {first_port}), the other {second} (port {second_port}).",
                       first=c1, first_port=p1, second=c2, second_port=p2)
        return Msg("Both URLs mean {component}, but on ports {first_port} and {second_port}; {component} serves on {port}.",
                   component=c1, first_port=p1, second_port=p2, port=_port_of(ctx, c1))
    return None


def _port_check_covers(ctx: ScanContext, *sources: EnvSource) -> bool:
    """Whether PORT004 already reports one side: a URL to a component on a port that is not the component's."""
    wrong = {(p.location.path, p.location.line) for p in port_places(ctx) if p.category == URL and p.value != _catalogue_port(ctx, p.component)}
    return any((s.location.path, s.location.line) in wrong for s in sources)


def _catalogue_port(ctx: ScanContext, name: str) -> int | None:
    component = ctx.catalogue.component(name)
    return component.port if component else None


def _port_of(ctx: ScanContext, name: str) -> str:
    component = ctx.catalogue.component(name)
    return str(component.port) if component and component.port else Msg("its catalogue port")


def _url_target(ctx: ScanContext, value: str) -> tuple[str, int] | None:
    """(component, port) a URL reaches: by cluster DNS name, or a localhost port the catalogue assigns."""
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if port is None:
        port = 443 if parts.scheme in ("https", "wss") else 80
    target = ctx.catalogue.by_host(host)
    if target is not None:
        return target.name, port
    if host in _LOCAL_HOSTS:
        owners = ctx.catalogue.by_port(port)
        if len(owners) == 1:
            return owners[0].name, port
    return None


def _origins(value: str) -> set[str]:
    return allowed_origins(value) or set()  # any origin (`*`): nothing can contradict it


# -- ENV004 ---------------------------------------------------------------------------------------
_PLACEHOLDER_WORDS = {
    "change", "changeme", "placeholder", "example", "dummy", "sample", "fake", "local", "dev", "development",
    "todo", "replace", "your", "xxx", "xxxx", "redacted", "none", "null", "secret", "password", "test", "demo", "insecure",
}
_REAL_FORMATS = re.compile(
    r"AKIA[0-9A-Z]{16}|\b(?:sk|rk|pk)_live_[0-9A-Za-z]{10,}|\blive_(?:sk|ck|gck|gsk)_[0-9A-Za-z]{10,}|\bgh[pousr]_[0-9A-Za-z]{30,}|"
    r"\bglpat-[0-9A-Za-z_-]{20}|\bxox[abprs]-[0-9A-Za-z-]{10,}|\bAIza[0-9A-Za-z_-]{35}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
)


# Values that samples and quick starts use for credentials: well known, so not secret.
_DEMO_VALUES = {
    "username", "user", "admin", "administrator", "root", "guest", "pass", "passwd", "pwd", "letmein", "changeit",
    "qwerty", "123456", "12345678", "postgres", "mysql", "mongo", "mongodb", "redis", "rabbitmq", "default",
}
_DEMO_MARKERS = ("password", "secret", "changeme", "example", "placeholder", "dummy", "sample", "yourkey", "replaceme")


def secret_kind(value: str, key: str | None = None) -> str:
    """"real" for a value that looks like a credential, "placeholder" for obvious local/example values.

    A credential has a known token format, or is long and varied enough to have been generated;
    words, well-known demo values (`username`, `password`, base64-decoded or not) and a value that
    repeats its own key name are placeholders."""
    text = value.strip()
    if _REAL_FORMATS.search(text):
        return "real"
    if len(text) < 4 or text.startswith(("${", "$(", "{{", "<")) or set(text) <= set("x*.-_"):
        return "placeholder"
    words = {w for w in re.split(r"[^a-z0-9]+", text.lower()) if w}
    squashed = re.sub(r"[^a-z0-9]", "", text.lower())
    if words & _PLACEHOLDER_WORDS or squashed in _DEMO_VALUES or any(m in squashed for m in _DEMO_MARKERS):
        return "placeholder"
    if key is not None and squashed == re.sub(r"[^a-z0-9]", "", key.lower()):
        return "placeholder"
    if len(text) < 8 or _entropy(text) < 3.0:
        return "placeholder"  # a short or repetitive value is a name or a demo value, not a generated credential
    return "real"


def _entropy(text: str) -> float:
    counts = {c: text.count(c) for c in set(text)}
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


_LOCAL_ENV_NAME = re.compile(r"^\.env(\.[\w.-]+)?$")
_EXAMPLE_ENV_NAME = re.compile(r"example|sample|template|tmpl|dist|defaults|schema", re.IGNORECASE)



def _real_secret(name: str, value: str | None) -> bool:
    """A credential-named key holding a value that looks like a real credential (not a placeholder)."""
    return bool(value) and looks_secret(name) and secret_kind(value, name) == "real"


def _first_time(seen: set, where: Location, name: str) -> bool:
    """Whether this key at this place is reported for the first time (several readers see one entry)."""
    mark = (where.path, where.line, name)
    if mark in seen:
        return False
    seen.add(mark)
    return True


class SecretCommitted(Check):
    code = "ENV004"
    name = "secret-committed"
    severity = Severity.WARNING
    scope = "repository"
    summary = "A credential is committed in plain text: a Secret manifest, a ConfigMap, an env entry, an env file or a Dockerfile ENV/ARG."
    why = (
        "Anything committed is readable by everyone with the repository and stays in its history. A Secret's "
        "`data` is only base64, not encryption. Values that are obviously local placeholders "
        "(`change-me`, `local-dev-…`) are fine for a kind cluster; real-looking credentials are not."
    )
    example = "k8s/02-secret.yaml: stringData.TOSS_SECRET_KEY is a live-looking key (value not shown)"
    fix = (
        "Remove the value from the repository and rotate it; create the Secret from a local file that is not "
        "committed (`kubectl create secret generic --from-env-file=.env.local`), or use Sealed Secrets/SOPS/External Secrets."
    )
    Facts = SecretFacts
    symptom = "everyone who can read the repository (and its history) can read {names}"
    fix_title = "Remove {names} from {path} and rotate it"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        seen: set[tuple] = set()
        for env in environments(ctx):
            for obj in env.objects:
                if obj.kind == "Secret":
                    yield from self._secret(obj, seen)
                elif obj.kind == "ConfigMap":
                    yield from self._entries(obj, [(k, v, w) for k, v, w in config_entries(obj) if v is not None], f"ConfigMap {obj.display_name}", seen)
                for path, container in containers_of(obj.data):
                    entries = []
                    for i, entry in enumerate(container.get("env") or []):
                        if isinstance(entry, dict) and isinstance(entry.get("value"), str) and entry.get("name"):
                            entries.append((str(entry["name"]), entry["value"], obj.at(path + ("env", i, "value"), label=str(entry["name"]))))
                    yield from self._entries(obj, entries, Msg("an env entry of {kind} {name}", kind=obj.kind, name=obj.name), seen)
        for component in ctx.catalogue.apps:
            for path in env_file_paths(ctx, component):
                entries = [(e.name, e.value or "", e.location) for e in env_file_entries(ctx, path)]
                yield from self._file(path, entries, seen)
            yield from self._dockerfile(ctx, component, seen)
        yield from self._compose(ctx, seen)
        yield from self._committed_env_files(ctx, seen)

    def _committed_env_files(self, ctx: ScanContext, seen) -> Iterator:
        """`.env`, `.env.production`...: local files that no .gitignore rule keeps out of the repository."""
        from tiketi_doctor.files import ignoring_rule

        for path in ctx.repo.walk():
            name = posixpath.basename(path)
            if not _LOCAL_ENV_NAME.match(name) or _EXAMPLE_ENV_NAME.search(name) or ignoring_rule(ctx, path):
                continue
            gitignores = [p for p in (".gitignore", posixpath.join(posixpath.dirname(path), ".gitignore")) if ctx.repo.exists(p)]
            why = (Msg("no rule of {files} matches it", files=Joined(list(dict.fromkeys(gitignores)), N_(" or "))) if gitignores
                   else Msg("the repository has no .gitignore"))
            for entry in env_file_entries(ctx, path):
                name, value, where = entry.name, entry.value or "", entry.location
                if not _real_secret(name, value):
                    continue
                if not _first_time(seen, where, name):
                    continue
                yield self.finding(
                    Msg("{path} is committed with a real-looking {key} (value not shown): {why}", path=path, key=name, why=why),
                    where,
                    evidence={"key": name, "file": path, "gitignore": gitignores},
                    root_cause=Msg(
                        "{path} is a local environment file, and git tracks it because {why}; its credentials are "
                        "readable by everyone with the repository. Add `{name}` to .gitignore, "
                        "remove the file from the index (`git rm --cached`), and rotate the values.",
                        path=path, why=why, name=posixpath.basename(path),
                    ),
                    facts=SecretFacts(path, key=name, line=where.line),
                )

    def _compose(self, ctx: ScanContext, seen) -> Iterator:
        """Compose `environment:` values written out where `${VAR}` (read from the host or .env) was meant."""
        from tiketi_doctor.analysis.compose import compose_files

        for compose in compose_files(ctx):
            for service in compose.services:
                for variable in service.environment:
                    name, value, where = variable.name, variable.value, variable.location
                    if not _real_secret(name, value):
                        continue
                    if not _first_time(seen, where, name):
                        continue
                    yield self.finding(
                        Msg("{key} is committed in plain text in compose service {service} (value not shown)", key=name, service=service.name),
                        where,
                        evidence={"key": name, "file": compose.path, "service": service.name},
                        root_cause=Msg(
                            "{path} gives {key} a real-looking value instead of `{reference}`, which compose "
                            "reads from the shell or an uncommitted .env; the repository keeps the credential in its history.",
                            path=compose.path, key=name, reference=f"${{{name}}}",
                        ),
                        facts=SecretFacts(where.path, key=name, line=where.line),
                    )

    def _dockerfile(self, ctx: ScanContext, component: Component, seen) -> Iterator:
        """ENV (any stage) and ARG defaults: both stay readable in the image's history, not only in the repository."""
        dockerfile = dockerfile_of(ctx, component)
        for inst in dockerfile.instructions if dockerfile is not None else ():
            if inst.cmd == "ENV":
                pairs = list(zip(inst.value[::2], inst.value[1::2]))
            elif inst.cmd == "ARG":
                pairs = [(name, value) for name, eq, value in (item.partition("=") for item in inst.value) if eq]
            else:
                continue
            for name, value in pairs:
                if not _real_secret(name, value):
                    continue
                line, column = dockerfile.locate(name, inst)
                where = Location(dockerfile.path, line, column, label=f"{inst.cmd} {name}")
                if not _first_time(seen, where, name):
                    continue
                yield self.finding(
                    Msg("{path} bakes a real-looking {key} into the image with {instruction} (value not shown)", path=dockerfile.path,
                        key=name, instruction=inst.cmd),
                    where,
                    evidence={"key": name, "file": dockerfile.path, "instruction": inst.cmd},
                    root_cause=Msg(
                        "{instruction} {key} gives the credential a value in the Dockerfile: it is committed with the "
                        "repository and recorded in the image (`docker history`, `docker inspect`) for anyone who pulls it.",
                        instruction=inst.cmd, key=name,
                    ),
                    facts=SecretFacts(dockerfile.path, key=name, line=line),
                )

    def _secret(self, obj: Placed, seen) -> Iterator:
        real = [(key, where, section) for key, value, where, section in secret_values(obj) if value and secret_kind(value, key) == "real"]
        mark = (obj.identity, tuple(k for k, _, _ in real))
        if not real or mark in seen:
            return
        seen.add(mark)
        keys = [k for k, _, _ in real]
        sections = sorted({s for _, _, s in real})
        count = (Msg("{count} real-looking values", count=len(keys)) if len(keys) > 1 else Msg("1 real-looking value"))
        yield self.finding(
            Msg("Secret {name} commits {count} in plain text ({keys}; values not shown)", name=obj.name, count=count, keys=", ".join(keys)),
            real[0][1],
            related=[where for _, where, _ in real[1:]],
            evidence={"secret": obj.name, "keys": keys, "sections": sections},
            root_cause=Msg(
                "{path} is committed with the values under {sections}{base64}; they do not look like local placeholders, so treat them as leaked.",
                path=real[0][1].path, sections="/".join(sections),
                base64=Msg(" (base64 is an encoding, not encryption)") if "data" in sections else "",
            ),
            facts=SecretFacts(real[0][1].path, object=f"Secret/{obj.name}", keys=tuple(keys)),
        )

    def _entries(self, obj: Placed, entries, where_kind: str, seen) -> Iterator:
        for name, value, where in entries:
            if not _real_secret(name, value):
                continue
            if not _first_time(seen, where, name):
                continue
            yield self.finding(
                Msg("{key} is committed in plain text in {where} (value not shown)", key=name, where=where_kind),
                where,
                evidence={"key": name, "object": f"{obj.kind}/{obj.name}"},
                root_cause=Msg(
                    "{key} names a credential and its value does not look like a placeholder; {where} is "
                    "plain configuration, not a Secret, and the repository keeps it readable in its history.",
                    key=name, where=where_kind,
                ),
                facts=SecretFacts(where.path, key=name, object=f"{obj.kind}/{obj.name}", line=where.line),
            )

    def _file(self, path: str, entries, seen) -> Iterator:
        for name, value, where in entries:
            if not _real_secret(name, value):
                continue
            if not _first_time(seen, where, name):
                continue
            yield self.finding(
                Msg("{path} commits a real-looking {key} (value not shown)", path=path, key=name),
                where,
                evidence={"key": name, "file": path},
                root_cause=Msg("An example env file is copied by everyone who runs the component; it should hold a placeholder for {key}, not a credential.",
                               key=name),
                facts=SecretFacts(path, key=name, line=where.line),
            )


CHECKS = (EnvVarNotProvided, EnvVarUnused, ConfigValueConflict, SecretCommitted)
