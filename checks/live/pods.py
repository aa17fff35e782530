"""Pod-state checks: what the pods of a component show (crash loops, images, OOM, scheduling, init
containers, probes, container configuration, restarts), each explained by the repository."""
from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING, Iterable

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis import k8s
from tiketi_doctor.check import facts
from tiketi_doctor.i18n import Joined, Msg, N_
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.remediation import reapply_commands, rebuild_commands

from .base import (
    CONFIG_REASONS, CRASH_REASONS, HOST_PORT, IMAGE_REASONS, UNSET, Explanation, LiveCheck, LiveFacts, Symptom, availability,
    diagnose, from_static, log_excerpt, mask, pod_events, quoted, read_log, repo_definitions, termination_words,
)
from .explainers import explain_crash

if TYPE_CHECKING:
    from tiketi_doctor.cluster.context import LiveContext, Workload
    from tiketi_doctor.cluster.snapshot import ContainerView, PodView

RESTART_WARNING = 3
_PROBE_EVENT = re.compile(r"^(?P<probe>Liveness|Readiness|Startup) probe failed: (?P<detail>.*)$", re.DOTALL)
_PROBE_TARGET = re.compile(r"(?:https?://|dial tcp )?(?P<host>[\w.-]+|\[[0-9a-f:]+\]):(?P<port>\d+)")
_PROBE_STATUS = re.compile(r"statuscode: (?P<status>\d+)")
_MISSING_KEY = re.compile(r"couldn't find key (?P<key>\S+) in (?P<kind>Secret|ConfigMap) (?:(?P<namespace>[\w.-]+)/)?(?P<name>[\w.-]+)")
_MISSING_OBJECT = re.compile(r"(?P<kind>secret|configmap) \"(?P<name>[\w.-]+)\" not found", re.IGNORECASE)
_PROBE_WORDS = {"Liveness": N_("liveness"), "Readiness": N_("readiness"), "Startup": N_("startup")}
_NC_TARGET = re.compile(r"\b(?:nc|ncat|netcat)\b[^;|&]*?\s(?P<host>[a-z][\w.-]*)\s+(?P<port>\d{2,5})\b")


# -- the facts of each check (see base.LiveFacts) -----------------------------------------------------

@facts
class CrashFacts(LiveFacts):
    """CL001: the log signature and its facts, and what the explanation found (module, file, variable, address...)."""

    signature: str = UNSET
    module: str = UNSET
    error: str = UNSET
    variable: str = UNSET
    file: str = UNSET
    line: int = UNSET
    address: str = UNSET
    host: str = UNSET
    port: int | str = UNSET
    target: str = UNSET
    user: str = UNSET
    database: str = UNSET
    reason: str = UNSET
    image_older_than_repository: bool = UNSET


@facts
class ImageFacts(LiveFacts):
    """CL002: the image the pod asks for, its pull policy, the kind cluster and the catalogue's image."""

    image: str = UNSET
    pull_policy: str = UNSET
    kind_cluster: str | None = UNSET
    expected_image: str = UNSET


@facts
class PullFacts(LiveFacts):
    """CL012: the image, what the registry answered (unauthorized, not-found, platform) and the pull credentials."""

    image: str = UNSET
    pull_failure: str = UNSET
    registry: str = UNSET
    image_pull_secrets: tuple[str, ...] = UNSET
    service_account: str = UNSET


@facts
class OomFacts(LiveFacts):
    """CL003: the container's memory limit in the cluster."""

    memory_limit: str | None = UNSET


@facts
class SchedulingFacts(LiveFacts):
    """CL004: the container's resource requests and the scheduler's message."""

    requests: dict = UNSET
    scheduling_message: str = UNSET


@facts
class InitFacts(LiveFacts):
    """CL005: the address the init container waits for and the component behind it."""

    waits_for: str = UNSET
    dependency: str = UNSET


@facts
class ProbeFacts(LiveFacts):
    """CL006: the port the probe uses, the one the app says it listens on, env PORT and the catalogue's port."""

    probe_port: int | None = UNSET
    app_port: int | None = UNSET
    env_port: str | None = UNSET
    catalogue_port: int | None = UNSET


@facts
class ConfigErrorFacts(LiveFacts):
    """CL007: the missing key and the object (Kind/name) it should be in."""

    key: str = UNSET
    object: str = UNSET


@facts
class MissingObjectFacts(LiveFacts):
    """CL013: the missing object (Kind/name) and the Deployments that reference it."""

    object: str = UNSET
    workloads: tuple[str, ...] = UNSET


@facts
class RestartFacts(LiveFacts):
    """CL008: how often the container restarted."""

    restarts: int = UNSET


# -- CL001 -------------------------------------------------------------------------------------------

class ContainerCrashLoop(LiveCheck):
    code = "CL001"
    name = "container-crash-loop"
    severity = Severity.ERROR
    summary = "A component's container keeps exiting (CrashLoopBackOff/Error): its log says why, the repository says what to fix."
    why = (
        "A crash-looping pod serves nothing, and Kubernetes waits longer after each crash (up to five minutes). "
        "The reason is in the previous container's last log lines — `Cannot find module`, `EADDRINUSE`, a missing "
        "environment variable, a refused connection — and usually in the repository too: a Dockerfile that does not "
        "install a package, a port or URL that disagrees. This check reads that log and ties it to the static finding "
        "that explains it, so the crash and its cause are one finding."
    )
    example = (
        "auth-service-86c5d99cc6-ppx8j  0/1  CrashLoopBackOff  5\n"
        "  Error: Cannot find module 'google-auth-library'  (previous container)\n"
        "  services/auth-service/Dockerfile:9 writes a package.json without it"
    )
    fix = (
        "Fix the cause the finding names (often: install from the real package.json in the Dockerfile), then rebuild "
        "the image, `kind load docker-image` it and `kubectl rollout restart` the deployment. When the repository is "
        "already right, the image in the cluster is older than the repository: rebuild and load it."
    )
    Facts = CrashFacts
    symptom = '{deployment} exits again and again (CrashLoopBackOff) and serves nothing'
    fix_title = 'Fix what makes {deployment} exit, then rebuild and roll it out'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        for symptom in crash_symptoms(ctx, workload):
            read_log(ctx, symptom)
            symptom.events = [e for e in pod_events(ctx, [symptom.pod]) if e.reason in ("BackOff", "Failed")]
            why = explain_crash(ctx, workload, symptom)
            evidence = {"log_excerpt": log_excerpt(symptom)}
            primary = symptom.diagnosis.primary
            if primary is not None:
                evidence["log_signature"] = {"kind": primary.kind, **{k: mask(v) for k, v in primary.facts.items()}}
                why.params.setdefault("signature", primary.kind)
                why.params.update({k: v for k, v in primary.facts.items() if k not in why.params})
            if symptom.diagnosis.origin is not None:
                origin = symptom.diagnosis.origin
                evidence["log_origin"] = f"{origin.file}:{origin.line}"
            if symptom.diagnosis.node_version:
                evidence["node_version"] = symptom.diagnosis.node_version
            title = mask(primary.title) if primary is not None else Msg("exits without a known error in its log")
            text = Msg("{service} crash-loops ({pods}): {title}", service=workload.service, pods=symptom.describe(), title=title)
            yield self.live_finding(ctx, symptom, workload, text, why, evidence=evidence)


def crash_symptoms(ctx: LiveContext, workload: Workload) -> list[Symptom]:
    """One symptom per container name: the pods whose container crashes (not for OOM, images or config)."""
    groups: dict[str, list[tuple[PodView, ContainerView]]] = {}
    for pod in workload.live_pods:
        for c in pod.containers:
            last = c.last or c.current
            if last is not None and (last.reason == "OOMKilled" or last.exit_code == 137 and last.reason != "Error"):
                continue
            crashing = c.reason in CRASH_REASONS or (c.state == "terminated" and last is not None and last.exit_code not in (0, None))
            if crashing:
                groups.setdefault(c.name, []).append((pod, c))
    symptoms = []
    for name, members in groups.items():
        pod, c = max(members, key=lambda m: (m[1].restarts, m[0].name))
        state = c.reason or (f"ExitCode:{c.current.exit_code}" if c.current else "Error")
        symptoms.append(Symptom(workload, [p for p, _ in members], pod, c, state))
    return symptoms



# -- CL002 -------------------------------------------------------------------------------------------

class ImageNotAvailable(LiveCheck):
    code = "CL002"
    name = "image-not-available"
    severity = Severity.ERROR
    summary = "A container cannot start because its image cannot be pulled or was never loaded into kind."
    why = (
        "On kind, locally built images (`tiketi-auth-service:local`) exist in the cluster only after "
        "`kind load docker-image`; with imagePullPolicy Never the pod waits in ErrImageNeverPull, with Always (the "
        "default for :latest) containerd tries Docker Hub and ends in ImagePullBackOff. Nothing in the pod's log "
        "says so — the container never ran."
    )
    example = "stats-service-75464b579-h4ctt  0/1  ErrImageNeverPull: tiketi-stats-service:local was never loaded into kind"
    fix = (
        "Build the image and load it: `docker build -t IMAGE -f DOCKERFILE .` then `kind load docker-image IMAGE "
        "--name CLUSTER`, and restart the rollout. When the manifest names a tag nobody builds (`:latest`), use the "
        "catalogue's image and imagePullPolicy Never (or IfNotPresent)."
    )
    Facts = ImageFacts
    symptom = '{deployment} never starts: {state} for {image}'
    fix_title = 'Build and load {image}, or use the image the project builds'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        groups: dict[str, list[tuple[PodView, ContainerView]]] = {}
        for pod in workload.live_pods:
            for c in pod.init_containers + pod.containers:
                if c.reason in IMAGE_REASONS:
                    groups.setdefault(c.name, []).append((pod, c))
        for name, members in groups.items():
            pod, c = members[0]
            if pull_failure(ctx, pod, c) is not None:
                continue  # the registry said why: CL012
            symptom = Symptom(workload, [p for p, _ in members], pod, c, c.reason)
            symptom.events = [e for e in pod_events(ctx, symptom.pods) if e.reason in ("Failed", "ErrImageNeverPull", "BackOff")]
            image = pod.spec_container(c.name, c.init).get("image") or c.image
            policy = pod.spec_container(c.name, c.init).get("imagePullPolicy") or ("Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent")
            why = self._explain(ctx, workload, image, policy, c.reason)
            text = Msg("{service} cannot start ({pods}): image {image}", service=workload.service, pods=symptom.describe(), image=image)
            yield self.live_finding(ctx, symptom, workload, text, why, evidence={"image_pull_policy": policy})

    def _explain(self, ctx: LiveContext, workload: Workload, image: str, policy: str, reason: str) -> Explanation:
        component = workload.component
        expected = component.image if component else None
        manifest = ctx.manifest_container(component)
        image_at = manifest.workload.at(manifest.path + ("image",), label=f"image: {manifest.data.get('image')}") if manifest else None
        cluster = ctx.kind_cluster
        params = {"image": image, "pull_policy": policy, "kind_cluster": cluster}
        if expected and image != expected:
            return Explanation(
                headline=Msg("the catalogue's image is {expected}; nothing builds {image}", expected=expected, image=image),
                cause=Msg(
                    "The pod asks for {image} (imagePullPolicy {policy}), but the image the project builds and loads is "
                    "{expected}. No registry has {image}, so the pull fails. Use {expected} in the manifest (with "
                    "imagePullPolicy Never on kind), re-apply it.",
                    image=image, policy=policy, expected=expected,
                ),
                location=image_at,
                remediation=(reapply_commands(ctx.catalogue, component, manifest.workload.path) if manifest and component else []),
                params={**params, "expected_image": expected},
            )
        if cluster is not None:
            commands = rebuild_commands(ctx.catalogue, component) if component else []
            if not commands:
                commands = [f"kind load docker-image {image} --name {cluster}", f"kubectl rollout restart deployment/{workload.name} -n {ctx.snapshot.namespace}"]
            never = reason == "ErrImageNeverPull" or policy == "Never"
            load = f"kind load docker-image {image} --name {cluster}"
            return Explanation(
                headline=Msg("it was never loaded into the kind cluster {cluster}: run `{command}`", cluster=cluster, command=load),
                cause=Msg(
                    "{image} is a locally built image; kind nodes see it only after `{command}`. {pull}", image=image, command=load,
                    pull=Msg("With imagePullPolicy Never the kubelet does not even try to pull it.") if never else
                    Msg("With imagePullPolicy {policy} containerd tries a registry, which does not have it.", policy=policy),
                ),
                location=image_at,
                remediation=commands,
                params=params,
            )
        return Explanation(
            headline=Msg("the cluster cannot pull it"),
            cause=Msg("The node cannot pull {image} (imagePullPolicy {policy}); push it to a registry the cluster can reach, or fix the name.",
                      image=image, policy=policy),
            location=image_at,
            params=params,
        )


# -- CL012 -------------------------------------------------------------------------------------------

# What a registry answers, as containerd and the kubelet quote it in the Failed event. Docker Hub's
# "pull access denied, repository does not exist or may require authorization" says neither which
# of the two it is: it stays CL002's (an image nobody pushed, or a kind image never loaded).
_PULL_PLATFORM = re.compile(r"no match for platform in manifest|no matching manifest for (?P<platform>[\w/]+)", re.IGNORECASE)
_PULL_UNAUTHORIZED = re.compile(r"\b401 Unauthorized\b|unauthorized: (?:authentication required|incorrect username or password)|"
                                r"no basic auth credentials|\b403 Forbidden\b", re.IGNORECASE)
_PULL_NOT_FOUND = re.compile(r"manifest unknown|: not found\b|\b404 Not Found\b", re.IGNORECASE)


@dataclass(frozen=True)
class PullFailure:
    kind: str  # "unauthorized" | "not-found" | "platform"
    line: str  # the registry's answer as the event quotes it


def pull_failure(ctx: LiveContext, pod: PodView, c: ContainerView) -> PullFailure | None:
    """What the registry answered for this container's image, when the events or status say it plainly."""
    texts = [e.message for e in pod_events(ctx, [pod]) if e.reason == "Failed" and e.message.startswith("Failed to pull image")]
    texts.append(c.message)
    for text in texts:
        for kind, pattern in (("platform", _PULL_PLATFORM), ("unauthorized", _PULL_UNAUTHORIZED), ("not-found", _PULL_NOT_FOUND)):
            if pattern.search(text or ""):
                return PullFailure(kind, text.strip())
    return None


def _registry(image: str) -> str:
    first = image.split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first or first == "localhost") else "docker.io"


class ImagePullFailed(LiveCheck):
    code = "CL012"
    name = "image-pull-failed"
    severity = Severity.ERROR
    summary = "A registry refuses a container's image: credentials it does not accept, a tag it does not have, or no build for the node's CPU architecture."
    why = (
        "Past kind, images come from a registry, and a pod stuck in ErrImagePull/ImagePullBackOff shows only that it waits. "
        "The registry's answer is in the pod's Failed events: `401 Unauthorized` (no imagePullSecrets, or ones the "
        "registry does not accept), `not found`/`manifest unknown` (the tag was never pushed: the manifest or the "
        "overlay names a tag no build produced) or `no match for platform in manifest` (an image built on an arm64 "
        "laptop running on amd64 nodes). Each needs a different fix, none of them in the application."
    )
    example = (
        "payment-service  0/1  ImagePullBackOff — registry.example.com/tiketi/payment-service:1.4.2: "
        "the registry has no such tag (k8s/08-payment-service.yaml:22)"
    )
    fix = (
        "Unauthorized: create a docker-registry Secret and name it in imagePullSecrets (or the service account). "
        "Not found: push the tag, or point the manifest/overlay at a tag that was pushed. Platform: build for the "
        "nodes' architecture (`docker buildx build --platform linux/amd64,linux/arm64 --push`)."
    )
    Facts = PullFacts
    symptom = '{deployment} never starts: {registry} refuses {image} ({state})'
    fix_title = 'Make {registry} serve {image} to the nodes'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        seen: set[str] = set()
        for pod in workload.live_pods:
            for c in pod.init_containers + pod.containers:
                if c.reason not in IMAGE_REASONS or c.name in seen:
                    continue
                failure = pull_failure(ctx, pod, c)
                if failure is None:
                    continue
                seen.add(c.name)
                pods = [p for p in workload.live_pods if any(x.name == c.name and x.reason in IMAGE_REASONS for x in p.init_containers + p.containers)]
                symptom = Symptom(workload, pods, pod, c, c.reason)
                symptom.events = [e for e in pod_events(ctx, [pod]) if e.reason == "Failed"]
                image = pod.spec_container(c.name, c.init).get("image") or c.image
                why = self._explain(ctx, workload, pod, c, image, failure)
                text = Msg("{service} cannot pull {image} ({pods}): {what}", service=workload.service, image=image,
                           pods=symptom.describe(), what=self._what(failure, image))
                yield self.live_finding(ctx, symptom, workload, text, why, evidence={"registry_answer": mask(failure.line)})

    @staticmethod
    def _what(failure: PullFailure, image: str) -> Msg:
        return Msg({
            "unauthorized": N_("{registry} does not accept the node's credentials"),
            "not-found": N_("the registry has no such tag"),
            "platform": N_("the image has no build for the node's CPU architecture"),
        }[failure.kind], registry=_registry(image))

    def _explain(self, ctx: LiveContext, workload: Workload, pod: PodView, c: ContainerView, image: str, failure: PullFailure) -> Explanation:
        component = workload.component
        manifest = ctx.manifest_container(component, c.name)
        image_at = manifest.workload.at(manifest.path + ("image",), label=f"image: {manifest.data.get('image')}") if manifest else None
        ns = ctx.snapshot.namespace
        registry = _registry(image)
        params = {"image": image, "pull_failure": failure.kind, "registry": registry}
        if failure.kind == "unauthorized":
            spec = pod.raw.get("spec") or {}
            secrets = [s.get("name") for s in spec.get("imagePullSecrets") or [] if isinstance(s, dict)]
            account = spec.get("serviceAccountName") or "default"
            given = (Msg("the pod's imagePullSecrets ({secrets}) hold credentials {registry} does not accept", secrets=", ".join(secrets), registry=registry)
                     if secrets else Msg("the pod names no imagePullSecrets (nor does service account {account})", account=account))
            return Explanation(
                headline=Msg("{registry} refuses the pull (401 Unauthorized): {given}", registry=registry, given=given),
                cause=Msg("{registry} answered the pull of {image} with 401 Unauthorized: {given}. Create a docker-registry "
                          "Secret with a token that may pull from {registry}, name it in the Deployment's imagePullSecrets "
                          "(or in service account {account}'s), and restart {name}.",
                          registry=registry, image=image, given=given, account=account, name=workload.name),
                location=image_at,
                remediation=[
                    f"kubectl create secret docker-registry regcred -n {ns} --docker-server={registry} --docker-username=... --docker-password=...",
                    f"kubectl patch serviceaccount {account} -n {ns} -p '{{\"imagePullSecrets\": [{{\"name\": \"regcred\"}}]}}'",
                    f"kubectl rollout restart deployment/{workload.name} -n {ns}",
                ],
                params={**params, "image_pull_secrets": secrets, "service_account": account},
            )
        if failure.kind == "not-found":
            repo_image = manifest.data.get("image") if manifest else None
            same = repo_image == image
            where = (Msg("{location} names it", location=f"{image_at.path}:{image_at.line}") if image_at and same else
                     Msg("the repository's manifest says {repo_image} ({location}); an overlay or `kubectl set image` chose {image}",
                         repo_image=repo_image, location=str(image_at), image=image) if image_at else "")
            has_no = Msg("{registry} has no {image}", registry=registry, image=image)
            return Explanation(
                headline=Msg("{headline}; {where}", headline=has_no, where=where) if where else has_no,
                cause=Msg("{registry} answered that {image} does not exist (\"{answer}\"): the tag was never "
                          "pushed, or was deleted. Push the image under that tag, or change the image reference to a tag that was "
                          "pushed{where}, then restart {name}.",
                          registry=registry, image=image, answer=mask(failure.line)[:200], where=Msg(" ({where})", where=where) if where else "",
                          name=workload.name),
                location=image_at,
                remediation=[f"docker push {image}", f"kubectl rollout restart deployment/{workload.name} -n {ns}"],
                params=params,
            )
        found = ctx.static.find("ARCH001", workload.service)
        if found:
            why = from_static(found, Msg("the image is built for another CPU architecture than the node's"))
            why.params.update(params)
            return why
        return Explanation(
            headline=Msg("the image has no build for the node's CPU architecture"),
            cause=Msg("{registry} has {image}, but not for the node's platform (\"{answer}\"): it was built on "
                      "a machine of another architecture (an arm64 laptop for amd64 nodes, or the reverse). Build and push it "
                      "for the nodes' platform, or for both.", registry=registry, image=image, answer=mask(failure.line)[:200]),
            location=image_at,
            remediation=[f"docker buildx build --platform linux/amd64,linux/arm64 -t {image} --push ."],
            params=params,
        )


# -- CL003 -------------------------------------------------------------------------------------------

class ContainerOomKilled(LiveCheck):
    code = "CL003"
    name = "container-oom-killed"
    severity = Severity.ERROR
    summary = "A container was killed for exceeding its memory limit (OOMKilled, exit code 137)."
    why = (
        "The kernel kills the process the moment it passes the container's memory limit: no JavaScript error, no "
        "stack trace, just exit code 137 and reason OOMKilled in the last termination state. The log ends "
        "mid-work, typically while loading a large data set into memory."
    )
    example = "stats-service: lastState.terminated reason OOMKilled, exit code 137, limit 128Mi, 4 restarts"
    fix = "Raise resources.limits.memory in the manifest (and the request with it), or make the code stream/page the data; re-apply."
    Facts = OomFacts
    symptom = '{deployment} is killed with exit code 137 (OOMKilled) and restarts'
    fix_title = 'Raise the memory limit of {deployment} or make it use less memory'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        groups: dict[str, list[tuple[PodView, ContainerView]]] = {}
        for pod in workload.live_pods:
            for c in pod.containers:
                term = c.last or c.current
                if term is not None and (term.reason == "OOMKilled" or (term.exit_code == 137 and term.reason != "Error")):
                    groups.setdefault(c.name, []).append((pod, c))
        for name, members in groups.items():
            pod, c = max(members, key=lambda m: m[1].restarts)
            symptom = Symptom(workload, [p for p, _ in members], pod, c, "OOMKilled")
            read_log(ctx, symptom)
            limits = (pod.spec_container(c.name).get("resources") or {}).get("limits") or {}
            memory = limits.get("memory")
            manifest = ctx.manifest_container(workload.component, c.name)
            limit_at = None
            if manifest is not None:
                limit_at = manifest.workload.at(manifest.path + ("resources", "limits", "memory"), label=f"memory limit {manifest.data.get('resources', {}).get('limits', {}).get('memory')}")
            heap = symptom.diagnosis.first("heap-out-of-memory")
            repo_limit = ((manifest.data.get("resources") or {}).get("limits") or {}).get("memory") if manifest else None
            drift = (Msg(" The repository's manifest says {limit} ({location}): the Deployment in the cluster differs, "
                         "re-applying the manifest may be the whole fix.", limit=repo_limit, location=str(limit_at))
                     if repo_limit and memory and str(repo_limit) != str(memory) else "")
            why = Explanation(
                headline=Msg("it exceeded its memory limit {limit}", limit=memory or Msg("(none set: the node ran out)")),
                cause=Msg(
                    "The kernel killed {container} for using more than {limit} ({termination}). {log}"
                    "Raise the limit in the manifest or make the work use less memory (stream or page the data), then re-apply.{drift}",
                    container=c.name, limit=memory or Msg("the node’s free memory"), termination=termination_words(c.last or c.current),
                    log=Msg("The log shows the JavaScript heap running out first. ") if heap else
                    Msg("The log ends mid-work (see log_excerpt): the process was killed, it did not fail. "),
                    drift=drift,
                ),
                location=limit_at,
                remediation=reapply_commands(ctx.catalogue, workload.component, manifest.workload.path) if manifest and workload.component else [],
                params={"memory_limit": memory},
            )
            text = Msg("{service} is OOMKilled ({pods})", service=workload.service, pods=symptom.describe())
            yield self.live_finding(ctx, symptom, workload, text, why, evidence={"log_excerpt": log_excerpt(symptom, []), "memory_limit": memory})


# -- CL004 -------------------------------------------------------------------------------------------

class PodUnschedulable(LiveCheck):
    code = "CL004"
    name = "pod-unschedulable"
    severity = Severity.ERROR
    summary = "A pod stays Pending because the scheduler cannot place it (FailedScheduling)."
    why = (
        "A pod the scheduler cannot place never starts: no container, no log. The reason is only in the "
        "FailedScheduling event — most often a memory or CPU request larger than the kind node has, a node "
        "selector or taint nothing matches, or an unbound volume claim."
    )
    example = "payment-service-…  0/1  Pending: 0/1 nodes are available: 1 Insufficient memory. (requests 4Gi)"
    fix = "Lower the requests in the manifest to what the node can give (kind shares the laptop's memory), or fix the selector/taint; re-apply."
    Facts = SchedulingFacts
    symptom = '{deployment} stays Pending: no node can take it'
    fix_title = 'Lower the resource requests of {deployment} or fix its node selector'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        pending = [p for p in workload.live_pods if p.phase == "Pending" and (p.conditions.get("PodScheduled") or {}).get("status") == "False"]
        if not pending:
            return
        pod = pending[0]
        events = [e for e in pod_events(ctx, pending) if e.reason == "FailedScheduling"]
        condition = pod.conditions.get("PodScheduled") or {}
        message = events[0].message if events else condition.get("message") or condition.get("reason") or Msg("not scheduled")
        from tiketi_doctor.cluster.snapshot import ContainerView

        container = pod.containers[0] if pod.containers else ContainerView(
            ((pod.raw.get("spec") or {}).get("containers") or [{}])[0].get("name", ""), False, "", "", False, 0, "waiting", "Pending", "", None, None, None)
        symptom = Symptom(workload, pending, pod, container, "Pending", events=events)
        resources = (pod.spec_container(container.name).get("resources") or {}).get("requests") or {}
        manifest = ctx.manifest_container(workload.component, container.name)
        short = "memory" if "memory" in message.lower() else "cpu" if "cpu" in message.lower() else None
        location = None
        if manifest is not None and short:
            location = manifest.workload.at(manifest.path + ("resources", "requests", short), label=f"requests.{short}: {resources.get(short)}")
        repo_request = ((manifest.data.get("resources") or {}).get("requests") or {}).get(short) if manifest and short else None
        drift = (Msg("The repository's manifest requests {request} ({location}), the Deployment in the cluster "
                     "{live}: re-apply the manifest. ", request=repo_request, location=str(location), live=resources.get(short))
                 if repo_request and str(repo_request) != str(resources.get(short)) else "")
        why = Explanation(
            headline=message,
            cause=Msg(
                "The scheduler cannot place {pod}: \"{message}\". {drift}{request}Nothing runs until it is scheduled.",
                pod=pod.name, message=message, drift=drift,
                request=Msg("The container requests {resource} {amount}, more than any node can offer; lower the request in the manifest. ",
                            resource=short, amount=resources.get(short)) if short else "",
            ),
            location=location,
            remediation=reapply_commands(ctx.catalogue, workload.component, manifest.workload.path) if manifest and workload.component else [],
            params={"requests": resources, "scheduling_message": message},
        )
        age = ctx.snapshot.age(pod.created)
        text = (Msg("{service} is Pending for {age}, unscheduled", service=workload.service, age=age) if age
                else Msg("{service} is Pending, unscheduled", service=workload.service))
        yield self.live_finding(ctx, symptom, workload, text, why)


# -- CL005 -------------------------------------------------------------------------------------------

class InitContainerBlocked(LiveCheck):
    code = "CL005"
    name = "init-container-blocked"
    severity = Severity.ERROR
    summary = "A pod never gets past an init container (still waiting, or failing): the app container never starts."
    why = (
        "Init containers run to completion before the app starts. One that waits for a dependency (`until nc -z "
        "postgres-service 5432`) waits forever when that dependency is down or scaled to zero, and the pod stays "
        "in Init:0/1 with no app log at all."
    )
    example = "auth-service  0/1  Init:0/1 — wait-for-postgres: \"waiting for postgres\"; postgres is scaled to 0 replicas"
    fix = "Bring the dependency up (scale it, fix its own failure); if the init container's target is wrong, correct the host/port in the manifest."
    Facts = InitFacts
    symptom = '{deployment} stays in {state}: its app container never starts'
    fix_title = 'Bring up what the init container of {deployment} waits for'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        for pod in workload.live_pods:
            if not pod.status.startswith("Init:"):
                continue
            blocked = next((c for c in pod.init_containers if not (c.state == "terminated" and c.current and c.current.exit_code == 0)), None)
            if blocked is None:
                continue
            symptom = Symptom(workload, [pod], pod, blocked, pod.status)
            symptom.log = ctx.snapshot.log(pod.name, blocked.name, previous=bool(blocked.restarts))
            symptom.diagnosis = diagnose(symptom.log.text)
            spec = pod.spec_container(blocked.name, init=True)
            command = " ".join(str(x) for x in (spec.get("command") or []) + (spec.get("args") or []))
            target = _NC_TARGET.search(command) or HOST_PORT.search(command)
            why = self._explain(ctx, workload, blocked, command, target)
            lines = [l for l in symptom.log.lines if l.strip()][-3:]
            text = (Msg("{service} is stuck in {status}: init container {container} is still running",
                        service=workload.service, status=pod.status, container=blocked.name) if blocked.state == "running" else
                    Msg("{service} is stuck in {status}: init container {container} is {state}",
                        service=workload.service, status=pod.status, container=blocked.name, state=blocked.reason or blocked.state))
            yield self.live_finding(ctx, symptom, workload, text, why, evidence={"log_excerpt": quoted(lines), "init_command": mask(command)})
            return

    def _explain(self, ctx: LiveContext, workload: Workload, init: ContainerView, command: str, target) -> Explanation:
        obj = ctx.manifest_workload(workload.component)
        location = None
        if obj is not None:
            for i, c in enumerate(k8s.containers(obj, init=True)):
                if c.name == init.name:
                    location = obj.at(c.path + ("name",), label=f"initContainer {c.name}")
        if target is None:
            return Explanation(
                headline=Msg("it has not finished"),
                cause=Msg("The init container runs `{command}` and has not completed; the app container waits for it.", command=command),
                location=location,
            )
        host, port = target.group("host"), int(target.group("port"))
        dependency = ctx.component_by_host(host)
        dep_workload = ctx.workload_of(dependency) if dependency else None
        state = availability(ctx, dep_workload) if dep_workload else Msg("is not a known component (no Service {host})", host=host)
        related = [ctx.workload_location(dep_workload)] if dep_workload else []
        name = dependency.name if dependency else host
        remediation = []
        if dep_workload is not None and dep_workload.desired == 0:
            remediation = [f"kubectl scale deployment/{dep_workload.name} -n {ctx.snapshot.namespace} --replicas=1"]
        return Explanation(
            headline=Msg("it waits for {address}, and {name} {state}", address=f"{host}:{port}", name=name, state=state),
            cause=Msg(
                "The init container loops on `{command}` until {address} accepts connections; {name} {state}, "
                "so it never does. Start {name} and the pod continues by itself.",
                command=command, address=f"{host}:{port}", name=name, state=state,
            ),
            location=location,
            related=related,
            remediation=remediation,
            params={"waits_for": f"{host}:{port}", "dependency": name},
        )


# -- CL006 -------------------------------------------------------------------------------------------

class ProbeFailing(LiveCheck):
    code = "CL006"
    name = "probe-failing"
    severity = Severity.ERROR
    reads = LiveCheck.reads + ("events",)  # the Unhealthy events are the symptom
    summary = "Liveness or readiness probes fail (Unhealthy events): compared with the port and path the app really serves."
    why = (
        "A failing readiness probe keeps the pod out of its Service (callers get connection refused or 503); a "
        "failing liveness probe makes the kubelet kill a process that may be perfectly healthy. \"connection "
        "refused\" on a port usually means the app listens on another one — the log line where it says so and the "
        "pod's env PORT show which."
    )
    example = "stats-service: Readiness probe failed: dial tcp 10.244.0.12:3004: connect: connection refused — the app says \"running on port 3002\""
    fix = "Make the app's port, containerPort, env PORT and the probes' port agree (the catalogue's port), re-apply and restart."
    Facts = ProbeFacts
    symptom = '{deployment} fails its probes: it gets no traffic or is restarted'
    fix_title = 'Make the probes of {deployment} and its app port agree'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        events = [e for e in pod_events(ctx, workload.live_pods) if e.reason == "Unhealthy"]
        failed = [(e, _PROBE_EVENT.match(e.message)) for e in events]
        failed = [(e, m) for e, m in failed if m]
        if not failed:
            return
        pod = next((p for p in workload.live_pods if p.name == failed[0][0].name), workload.live_pods[0])
        container = pod.containers[0] if pod.containers else None
        if container is None:
            return
        symptom = Symptom(workload, [pod], pod, container, "Unhealthy" if container.ready else ("NotReady" if container.state == "running" else container.reason or container.state))
        symptom.events = [e for e, _ in failed]
        probes = sorted({m.group("probe") for _, m in failed})
        detail = failed[0][1].group("detail")
        target = _PROBE_TARGET.search(detail)
        status = _PROBE_STATUS.search(detail)
        probe_port = int(target.group("port")) if target else None
        symptom.log = ctx.snapshot.log(pod.name, container.name)
        symptom.diagnosis = diagnose(symptom.log.text)
        why = self._explain(ctx, workload, pod, container, probe_port, int(status.group("status")) if status else None, detail, symptom)
        listening = symptom.diagnosis.first("listening")
        evidence = {"log_excerpt": quoted(listening.quote) if listening else [], "probes": probes, "probe_port": probe_port}
        refused = "connection refused" in detail
        what = Msg("connection refused on :{port}", port=probe_port) if refused and probe_port else (f"HTTP {status.group('status')}" if status else detail.strip()[:120])
        kinds = Joined([Msg(_PROBE_WORDS[p]) for p in probes], N_(" and "))
        fields = dict(service=workload.service, probes=kinds, what=what, count=sum(e.count for e in symptom.events), restarts=container.restarts)
        text = (Msg("{service}'s {probes} probes fail ({what}; {count} times, {restarts} restarts)", **fields) if len(probes) > 1
                else Msg("{service}'s {probes} probe fail ({what}; {count} times, {restarts} restarts)", **fields))
        yield self.live_finding(ctx, symptom, workload, text, why, evidence=evidence)

    def _explain(self, ctx, workload: Workload, pod: PodView, container: ContainerView, probe_port, status, detail, symptom: Symptom) -> Explanation:
        component = workload.component
        service = workload.service
        listening = symptom.diagnosis.first("listening")
        log_port = int(listening.facts["port"]) if listening else None
        env_port = next((e.get("value") for e in pod.spec_container(container.name).get("env") or [] if e.get("name") == "PORT"), None)
        expected = component.port if component else None
        facts = {"probe_port": probe_port, "app_port": log_port, "env_port": env_port, "catalogue_port": expected}
        if status == 404:
            found = ctx.static.find("HC002", service)
            if found:
                return from_static(found, Msg("the probe path is not served by the app"))
            return Explanation(headline=Msg("the app answers 404 on the probe path"), cause=Msg("The probe gets 404: {detail}", detail=detail.strip()),
                               params=facts)
        found = ctx.static.find("PORT003", service) + ctx.static.find("PORT001", service)
        app_port = log_port or (int(env_port) if env_port and env_port.isdigit() else None)
        if found:
            why = from_static(found, Msg("the probes use {probe_port} but the app listens on {app_port}{catalogue}",
                                         probe_port=probe_port, app_port=app_port or "?",
                                         catalogue=Msg(" (catalogue: {port})", port=expected) if expected else ""))
            why.params.update(facts)
            return why
        if app_port and probe_port and app_port != probe_port:
            said = Msg("the log says \"{line}\"", line=listening.quote[0].strip()) if listening else f"env PORT={env_port}"
            manifest = ctx.manifest_container(component, container.name)
            repo_env = None
            env_at = None
            if manifest is not None:
                for i, entry in enumerate(manifest.data.get("env") or []):
                    if isinstance(entry, dict) and entry.get("name") == "PORT":
                        repo_env = str(entry.get("value"))
                        env_at = manifest.workload.at(manifest.path + ("env", i, "value"), label=f"PORT={repo_env}")
            drift = env_port is not None and repo_env is not None and str(env_port) != repo_env
            ruled_out = ""
            if drift:
                advice = Msg("The repository's manifest sets PORT={repo_env} ({location}): the Deployment in the cluster differs from it. "
                             "Re-apply the manifest.", repo_env=repo_env, location=str(env_at))
                ruled_out = Msg("PORT003 and PORT001 find the repository consistent on {port}; the drift is in the cluster only.", port=expected)
            else:
                advice = Msg("Make the app's port and the probes agree on {port}.", port=expected or probe_port)
            cause = Msg(
                "The kubelet probes port {probe_port}, but the app listens on {app_port} ({said}{live}). {advice}",
                probe_port=probe_port, app_port=app_port, said=said, advice=advice,
                live=Msg("; the live Deployment sets env PORT={port}", port=env_port) if env_port else "",
            )
            return Explanation(
                headline=Msg("the app listens on {app_port}, not {probe_port}", app_port=app_port, probe_port=probe_port),
                cause=cause,
                location=env_at,
                remediation=reapply_commands(ctx.catalogue, component, manifest.workload.path) if manifest and component else [],
                ruled_out=ruled_out,
                params=facts,
            )
        return Explanation(
            headline=detail.strip()[:160],
            cause=Msg(
                "The probe fails with \"{detail}\" although the app's port ({port}) matches. "
                "The app may be too slow to answer (raise timeoutSeconds/initialDelaySeconds) or its health route may "
                "depend on something that is down.", detail=detail.strip(), port=app_port or Msg("unknown"),
            ),
            params=facts,
        )


# -- CL007 -------------------------------------------------------------------------------------------

class ContainerConfigError(LiveCheck):
    code = "CL007"
    name = "container-config-error"
    severity = Severity.ERROR
    summary = "The kubelet cannot create a container: a Secret/ConfigMap or one of its keys that the pod references is missing."
    why = (
        "With `secretKeyRef`/`configMapKeyRef` (or envFrom of a missing object) the kubelet refuses to create the "
        "container at all: the pod sits in CreateContainerConfigError with no log, until the object or key exists."
    )
    example = "payment-service  0/1  CreateContainerConfigError: couldn't find key TOSS_SECRET_KEY in Secret tiketi/tiketi-secret"
    fix = "Create the missing key (re-apply the repository's Secret/ConfigMap, or `kubectl create secret ...`), then restart the deployment."
    Facts = ConfigErrorFacts
    symptom = '{deployment} stays in {state}: its container is never created'
    fix_title = 'Create the Secret/ConfigMap key that {deployment} references'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        for pod in workload.live_pods:
            c = next((x for x in pod.init_containers + pod.containers if x.reason in CONFIG_REASONS), None)
            if c is None:
                continue
            symptom = Symptom(workload, [p for p in workload.live_pods if any(x.reason in CONFIG_REASONS for x in p.containers)], pod, c, c.reason)
            symptom.events = [e for e in pod_events(ctx, [pod]) if e.reason == "Failed"]
            message = c.message or (symptom.events[0].message if symptom.events else "")
            key = _MISSING_KEY.search(message)
            missing = _MISSING_OBJECT.search(message)
            if key is None and missing is not None:
                return  # a whole Secret/ConfigMap is missing: CL013 names it once for every pod that needs it
            why = self._explain(ctx, workload, message, key, missing)
            text = Msg("{service} cannot create its container ({reason}): {message}", service=workload.service, reason=c.reason, message=mask(message))
            yield self.live_finding(ctx, symptom, workload, text, why)
            return

    def _explain(self, ctx: LiveContext, workload: Workload, message: str, key, missing) -> Explanation:
        ns = ctx.snapshot.namespace
        restart = f"kubectl rollout restart deployment/{workload.name} -n {ns}"
        if key is not None:
            name, kind, obj = key.group("key"), key.group("kind"), key.group("name")
            defined = [loc for loc in repo_definitions(ctx, name, workload.component) if obj in (loc.label or "")]
            if defined:
                loc = defined[0]
                return Explanation(
                    headline=Msg("the repository's {path} defines it: the {kind} in the cluster is older", path=loc.path, kind=kind),
                    cause=Msg("The pod references key {key} of {kind} {object}; {location} defines it but the object in the cluster lacks it. Re-apply {path}.",
                              key=name, kind=kind, object=obj, location=f"{loc.path}:{loc.line}", path=loc.path),
                    location=loc,
                    remediation=[f"kubectl apply -f {loc.path}", restart],
                    params={"key": name, "object": f"{kind}/{obj}"},
                )
            return Explanation(
                headline=Msg("{kind} {object} has no key {key}, neither in the cluster nor in the repository", kind=kind, object=obj, key=name),
                cause=Msg("The pod references key {key} of {kind} {object}, which defines no such key. Add it to the {kind} (and to its manifest, if it has one).",
                          key=name, kind=kind, object=obj),
                remediation=[f"kubectl create secret generic {obj} -n {ns} --from-literal={name}=... --dry-run=client -o yaml | kubectl apply -f -" if kind == "Secret" else f"kubectl edit configmap {obj} -n {ns}", restart],
                params={"key": name, "object": f"{kind}/{obj}"},
            )
        if missing is not None:
            kind, obj = missing.group("kind"), missing.group("name")
            return Explanation(
                headline=Msg("{kind} {object} does not exist in namespace {namespace}", kind=kind, object=obj, namespace=ns),
                cause=Msg("The pod references {kind} {object}, which is not in the namespace. Apply its manifest (or create it) before the deployment.",
                          kind=kind, object=obj),
                remediation=[restart],
                params={"object": f"{kind}/{obj}"},
            )
        return Explanation(headline=Msg("the container configuration is invalid"), cause=message)


# -- CL013 -------------------------------------------------------------------------------------------

_KINDS = {"secret": "Secret", "configmap": "ConfigMap"}
# Where a pod spec names a Secret/ConfigMap: (parent key, name key) for each kind.
_REFERENCES = {
    "Secret": (("secretRef", "name"), ("secretKeyRef", "name"), ("secret", "secretName")),
    "ConfigMap": (("configMapRef", "name"), ("configMapKeyRef", "name"), ("configMap", "name")),
}


def _references(data, kind: str, name: str, path: tuple = ()) -> Iterable[tuple]:
    """JSON paths in an object where `kind` `name` is referenced (env, envFrom, volumes, projected)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict) and any(key == parent and value.get(field) == name for parent, field in _REFERENCES[kind]):
                yield path + (key, next(f for p, f in _REFERENCES[kind] if p == key))
            yield from _references(value, kind, name, path + (key,))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _references(item, kind, name, path + (i,))


class ConfigObjectMissing(LiveCheck):
    code = "CL013"
    name = "config-object-missing"
    severity = Severity.ERROR
    summary = "Pods cannot start because a Secret or ConfigMap they reference does not exist in the namespace: named with the manifests that reference and define it."
    why = (
        "A pod whose envFrom, secretKeyRef or volume names a Secret/ConfigMap that is not in the namespace never starts: "
        "CreateContainerConfigError for environment references, ContainerCreating with FailedMount events for volumes. "
        "No log exists. With overlays per environment the object is often defined in one overlay and referenced from "
        "another, or lives only in a `.example` file that nobody copied; every component that reads it stops at once."
    )
    example = (
        "Secret tiketi-secret does not exist in namespace tiketi: payment-service, stats-service cannot start "
        "(k8s/08-payment-service.yaml:34 references it; k8s/02-secret.yaml defines it)"
    )
    fix = "Apply the manifest that defines it (or create it: `kubectl create secret generic NAME ...`) in the namespace, then restart the deployments."
    Facts = MissingObjectFacts
    symptom = '{object} is missing: the pods that reference it never start'
    fix_title = 'Apply or create {object} in the namespace'

    def check_repository(self, ctx) -> Iterable[Finding]:
        if not self.can_decide(ctx):
            return
        missing: dict[tuple[str, str], list[tuple[Workload, PodView, ContainerView, str]]] = {}
        for workload in ctx.workloads():
            for kind, name, pod, c, reason in self._missing(ctx, workload):
                members = missing.setdefault((kind, name), [])
                if not any(w is workload for w, *_ in members):
                    members.append((workload, pod, c, reason))
        for (kind, name), members in missing.items():
            yield self._finding(ctx, kind, name, members)

    def _missing(self, ctx: LiveContext, workload: Workload):
        for pod in workload.live_pods:
            for c in pod.init_containers + pod.containers:
                if c.reason in CONFIG_REASONS and _MISSING_KEY.search(c.message) is None:
                    found = _MISSING_OBJECT.search(c.message)
                    if found:
                        yield _KINDS[found.group("kind").lower()], found.group("name"), pod, c, c.reason
            for event in pod_events(ctx, [pod]):
                found = _MISSING_OBJECT.search(event.message) if event.reason == "FailedMount" else None
                if found and pod.containers:
                    yield _KINDS[found.group("kind").lower()], found.group("name"), pod, pod.containers[0], "FailedMount"

    def _finding(self, ctx: LiveContext, kind: str, name: str, members) -> Finding:
        ns = ctx.snapshot.namespace
        workload, pod, c, reason = members[0]
        services = [w.service for w, *_ in members]
        references, definitions, templates = self._repository(ctx, kind, name, [w for w, *_ in members])
        restart = [f"kubectl rollout restart deployment/{w.name} -n {ns}" for w, *_ in members]
        referenced = Msg("; {location} references it", location=f"{references[0].path}:{references[0].line}") if references else ""
        subject = (Msg("{services} references {kind} {name}", services=services[0], kind=kind, name=name) if len(services) == 1 else
                   Msg("{services} reference {kind} {name}", services=", ".join(services), kind=kind, name=name))
        fields = dict(subject=subject, namespace=ns)
        if definitions:
            where = definitions[0]
            headline = Msg("the repository defines it in {path} (line {line}), which was not applied to the namespace{referenced}",
                           path=where.path, line=where.line, referenced=referenced)
            cause = Msg("{subject}, which namespace {namespace} does not have; {location} "
                        "defines it. Apply {path} (the overlay or folder that includes it) before the deployments, then restart them.",
                        **fields, location=f"{where.path}:{where.line}", path=where.path)
            remediation = [f"kubectl apply -n {ns} -f {where.path}", *restart]
        else:
            where = references[0] if references else None
            copy = Msg(" Only {path} defines it: a template to fill in and apply, not applied by itself.", path=templates[0].path) if templates else ""
            headline = Msg("nothing in the repository creates it{referenced}", referenced=referenced)
            cause = Msg("{subject}, which namespace {namespace} does not have, and no manifest in the "
                        "repository defines it.{copy} Create it in {namespace} (with the keys the components read), then restart them.",
                        **fields, copy=copy)
            create = (f"kubectl create secret generic {name} -n {ns} --from-literal=KEY=..." if kind == "Secret"
                      else f"kubectl create configmap {name} -n {ns} --from-literal=KEY=...")
            remediation = [create, *restart]
        why = Explanation(
            headline=headline,
            cause=cause,
            location=where,
            related=[loc for loc in references if loc != where] + [loc for loc in templates if loc != where],
            remediation=remediation,
            params={"object": f"{kind}/{name}", "workloads": [w.name for w, *_ in members]},
        )
        symptom = Symptom(workload, [m[1] for m in members], pod, c, reason)
        symptom.events = [e for e in pod_events(ctx, [pod]) if e.reason in ("Failed", "FailedMount")]
        text = Msg("{kind} {name} does not exist in namespace {namespace}: {services} cannot start ({reason})",
                   kind=kind, name=name, namespace=ns, services=", ".join(services), reason=reason)
        return self.live_finding(ctx, symptom, workload, text, why, evidence={"missing_object": f"{kind}/{name}", "workloads": services})

    @staticmethod
    def _repository(ctx: LiveContext, kind: str, name: str, workloads) -> tuple[list[Location], list[Location], list[Location]]:
        """Where the repository references the object (the failing workloads' manifests first), defines it, and
        defines it only in a template (`*.example`)."""
        from tiketi_doctor.analysis.environments import manifest_files

        names = {w.name for w in workloads}
        own, others, definitions, templates = [], [], [], []
        paths = list(manifest_files(ctx))
        paths += [p for folder in {posixpath.dirname(p) for p in paths} for p in ctx.repo.walk(folder or ".", (".example",))
                  if posixpath.dirname(p) == folder]
        for path in dict.fromkeys(paths):
            for obj in k8s.objects(ctx, path):
                if obj.kind == kind and obj.name == name:
                    (templates if path.endswith(".example") else definitions).append(obj.at(("metadata", "name"), label=f"{kind} {name}"))
                elif not path.endswith(".example"):
                    for json_path in _references(obj.data, kind, name):
                        ref = obj.at(json_path, label=f"{obj.kind} {obj.name}: {json_path[-2]} {name}")
                        (own if obj.name in names else others).append(ref)
        return own + others, definitions, templates


# -- CL008 -------------------------------------------------------------------------------------------

class ContainerRestarting(LiveCheck):
    code = "CL008"
    name = "container-restarting"
    severity = Severity.WARNING
    summary = "A running container has restarted 3 or more times: it fails now and then."  # 3: RESTART_WARNING
    why = (
        "A container that runs now but has restarted several times is failing intermittently: a liveness probe that "
        "times out under load, a crash on some requests, memory growth. Every restart drops in-flight requests and "
        "WebSocket connections. The previous container's log shows the last failure."
    )
    example = "payment-service-86db46bfbd-zdqwt  1/1  Running  7 — last exit code 1: Error: connect ETIMEDOUT"
    fix = "Read the quoted previous log and the last termination reason; fix that failure (or the probe that kills a healthy process)."
    Facts = RestartFacts
    symptom = '{deployment} restarts now and then: in-flight requests and WebSocket connections drop'
    fix_title = 'Fix what makes {deployment} fail now and then'

    def check_workload(self, ctx: LiveContext, workload: Workload) -> Iterable[Finding]:
        restarting = [(p, c) for p in workload.live_pods for c in p.containers
                      if c.restarts >= RESTART_WARNING and c.state == "running" and c.ready]
        if not restarting:
            return
        pod, c = max(restarting, key=lambda m: m[1].restarts)
        symptom = Symptom(workload, [p for p, _ in restarting], pod, c, "Running")
        read_log(ctx, symptom)
        primary = symptom.diagnosis.primary
        term = c.last
        cause = Msg(
            "{container} runs, but has restarted {count} times{last}{after}.", container=c.name, count=c.restarts,
            last=Msg("; its last instance ended with {termination}", termination=termination_words(term)) if term else "",
            after=Msg(" after \"{title}\"", title=primary.title) if primary else "",
        )
        if any(e.reason == "Unhealthy" for e in pod_events(ctx, [pod])):
            cause = Joined([cause, Msg("A liveness probe killed it (see events).")], " ")
        why = Explanation(
            headline=(primary.title if primary else (Msg("last {termination}", termination=termination_words(term)) if term else Msg("no termination record"))),
            cause=cause,
            params={"restarts": c.restarts},
        )
        text = Msg("{service} keeps restarting ({count} restarts in {age}, running now)", service=workload.service, count=c.restarts,
                   age=ctx.snapshot.age(pod.created))
        yield self.live_finding(ctx, symptom, workload, text, why, evidence={"log_excerpt": log_excerpt(symptom)})


