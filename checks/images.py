"""IMG: the image each workload runs against what the repository builds, tags, loads into kind and rewrites."""
from __future__ import annotations

from typing import Iterable, Iterator

from tiketi_doctor.deferred import dataclass
from tiketi_doctor.analysis.builds import BuildInventory, inventory
from tiketi_doctor.analysis.environments import Environment, environments, main_container, workload_in
from tiketi_doctor.analysis.imageref import ImageRef, NameIndex, parse_image
from tiketi_doctor.analysis.kustomize import containers_of, kustomizations, render
from tiketi_doctor.catalogue import Component
from tiketi_doctor.check import Check, Facts, facts
from tiketi_doctor.context import ScanContext
from tiketi_doctor.i18n import Msg
from tiketi_doctor.model import Finding, Location, Severity
from tiketi_doctor.parsing.templates import is_unknown
from tiketi_doctor.remediation import rebuild_commands


@dataclass(frozen=True)
class RunImage:
    """The image a component's container runs in one environment."""

    environment: Environment
    image: ImageRef
    location: Location  # the `image:` line (or the kustomize `images:` entry that set it)
    policy: str | None
    policy_location: Location | None
    workload: str


@facts
class ImageFacts(Facts):
    """IMG001: the component, the image its workload runs, and the names the builds produce."""

    component: str
    image: str
    built: tuple[str, ...] = ()


@facts
class LoadFacts(Facts):
    """IMG002: the component, the local image its workload runs, and the kind cluster."""

    component: str
    image: str
    cluster: str | None = None


@facts
class PullPolicyFacts(Facts):
    """IMG003: the local-only image, its pull policy (None: implied by the tag) and where to change it."""

    component: str
    image: str
    policy: str | None = None
    path: str = ""
    line: int | None = None
    image_line: int | None = None  # the `image:` line in the same file, where a missing policy goes


@facts
class RewriteFacts(Facts):
    """IMG004: the kustomize `images:` entry that matches nothing, and the bare name when that is what is used."""

    kustomization: str
    name: str
    line: int | None = None
    candidates: tuple[str, ...] = ()
    bare: str | None = None


def run_images(ctx: ScanContext, component: Component) -> list[RunImage]:
    found = []
    for env in environments(ctx):
        placed = workload_in(ctx, env, component)
        main = main_container(placed, component) if placed is not None else None
        if main is None:
            continue
        path, container = main
        image = parse_image(str(container.get("image") or ""))
        if image is None:
            continue
        policy = container.get("imagePullPolicy")
        found.append(
            RunImage(
                env,
                image,
                placed.at(path + ("image",), label=f"image: {image}"),
                str(policy) if policy else None,
                placed.at(path + ("imagePullPolicy",), label=f"imagePullPolicy: {policy}") if policy else None,
                f"{placed.kind} {placed.name}",
            )
        )
    return found


def _unique(images: list[RunImage]) -> list[RunImage]:
    """One per place and image: a base seen through two overlays is reported once."""
    seen, kept = set(), []
    for item in images:
        key = (item.location.path, item.location.line, item.image.text)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _registry_computed(image: ImageRef) -> bool:
    """A template or variable computes the start of the name (`{{ include "chart.image" . }}`,
    `{{ .Values.image }}`, `${PREFIX}-api`): it may hold any registry, so no build can be said to differ."""
    from tiketi_doctor.analysis.imageref import WILDCARD

    return image.registry is None and image.repository.startswith(WILDCARD)


def produced_names(inv: BuildInventory, builds) -> list[tuple[ImageRef, Location]]:
    """Tags of these builds plus the names `docker tag` gives them afterwards."""
    names = [(t, b.location) for b in builds for t in b.tags]
    for action in inv.actions:
        if action.kind == "tag" and action.source is not None and any(action.source.matches(n) for n, _ in names):
            names.append((action.image, action.location))
    return names


def local_only(ctx: ScanContext, inv: BuildInventory, image: ImageRef) -> bool:
    """A name the repository builds (any tag), without a registry and never pushed: no registry has it.

    A placeholder account (`your-registry/app`) is a template's blank for a registry image, not a local one."""
    if image.has_registry or image.templated or image.placeholder:
        return False
    if any(p.matches(image) for p in inv.pushes()):
        return False
    return _local_names(ctx, inv).has_name(image)


def _local_names(ctx: ScanContext, inv: BuildInventory) -> NameIndex:
    """Names the repository builds: its build tags and `docker tag` targets, and catalogue images with a Dockerfile
    (a written catalogue's; a discovered catalogue copies the image from the manifest, which proves nothing)."""

    def collect() -> NameIndex:
        written = ctx.catalogue.origin != "discovered"
        catalogued = (parse_image(c.image) for c in ctx.catalogue.components if written and c.dockerfile and c.image)
        return NameIndex([name for name, _ in inv.produced()] + [ref for ref in catalogued if ref is not None])

    return ctx.memo(("local-image-names", id(inv)), collect)


# -- IMG001 ------------------------------------------------------------------------------------------
class DeployedImageNotBuilt(Check):
    code = "IMG001"
    name = "deployed-image-not-built"
    severity = Severity.ERROR
    summary = "A workload runs an image name or tag that none of the repository's builds produces."
    why = (
        "The Deployment names the image; the build scripts, CI workflows and compose files name what they build. "
        "When the two differ — `tiketi-auth:local` built, `tiketi-auth-service:local` deployed, or a kustomize "
        "`images:` rewrite to a registry nobody pushes to — the pod waits in ErrImageNeverPull or "
        "ImagePullBackOff, and a rebuild never changes what runs."
    )
    example = "scripts/build-and-load.sh: docker build -t tiketi-auth:local ...; k8s/06-auth-service.yaml: image: tiketi-auth-service:local"
    fix = "Use one name: change the Deployment's image (or the kustomize `images:` entry) or the build's `-t` so they match."
    Facts = ImageFacts
    symptom = "ErrImageNeverPull or ImagePullBackOff: {image} is never built"
    fix_title = "Make {component}'s workload and its build use one image name"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        if not component.dockerfile:
            return
        inv = inventory(ctx)
        builds = inv.of_dockerfile(component.dockerfile)
        if any(b.unknown_tags for b in builds):
            return
        names = produced_names(inv, builds)
        for run in _unique(run_images(ctx, component)):
            if any(name.matches(run.image) for name, _ in names) or _registry_computed(run.image):
                continue
            others = [b for b in inv.builds if b.dockerfile and b.tags and ctx.repo.exists(b.dockerfile)]
            if builds:
                yield self._mismatch(ctx, component, run, names)
            elif not others:
                yield from self._against_catalogue(ctx, component, run)
            elif not run.image.has_registry:
                yield self._never_built(ctx, component, run, others)

    def _mismatch(self, ctx, component, run: RunImage, names) -> Finding:
        built = list(dict.fromkeys(str(n) for n, _ in names))
        same_name = [str(n) for n, _ in names if n.same_name(run.image)]
        if same_name:
            what = Msg("builds {names}, never with the tag {tag}", names=", ".join(dict.fromkeys(same_name)), tag=run.image.effective_tag)
        else:
            what = Msg("builds {names}", names=", ".join(built))
        return self.finding(
            Msg("{component} runs {image} ({workload}, {environment}), but the repository {what}",
                component=component.name, image=str(run.image), workload=run.workload, environment=run.environment.describe(), what=what),
            run.location,
            service=component.name,
            related=[where for _, where in names][:6],
            evidence={"runs": str(run.image), "built": built, "environment": run.environment.name, "dockerfile": component.dockerfile},
            root_cause=Msg(
                "Every build of {dockerfile} names its image {built}; {image} is never built, {consequence}, "
                "and rebuilding never changes what the pod runs.",
                dockerfile=component.dockerfile, built=", ".join(built), image=str(run.image),
                consequence=Msg("so kind has no such image to start (ErrImageNeverPull/ImagePullBackOff)") if not run.image.has_registry
                else Msg("so {registry} has no such image unless someone pushes it by hand (ImagePullBackOff)", registry=run.image.registry),
            ),
            facts=ImageFacts(component.name, str(run.image), tuple(built)),
            remediation=rebuild_commands(ctx.catalogue, component),
        )

    def _against_catalogue(self, ctx, component, run: RunImage) -> Iterator[Finding]:
        if ctx.catalogue.origin == "discovered":
            return  # a discovered catalogue copies its image from one of these manifests: comparing proves nothing
        expected = parse_image(component.image) if component.image else None
        if expected is None or expected.matches(run.image):
            return
        yield self.finding(
            Msg("{component} runs {image} ({workload}, {environment}), but the catalogue builds it as {expected}",
                component=component.name, image=str(run.image), workload=run.workload, environment=run.environment.describe(),
                expected=str(expected)),
            run.location,
            service=component.name,
            evidence={"runs": str(run.image), "catalogue_image": str(expected), "environment": run.environment.name},
            root_cause=Msg(
                "No script, workflow or compose file builds images here, so the catalogue's `{expected}` is the name "
                "builds use (tiketi-doctor's redeploy commands too); the workload's {image} is never produced.",
                expected=str(expected), image=str(run.image),
            ),
            facts=ImageFacts(component.name, str(run.image), (str(expected),)),
            remediation=rebuild_commands(ctx.catalogue, component),
        )

    def _never_built(self, ctx, component, run: RunImage, builds) -> Finding:
        others = sorted({b.dockerfile for b in builds})
        return self.finding(
            Msg("{component} runs {image} ({workload}), but no script, workflow or compose file builds {dockerfile}",
                component=component.name, image=str(run.image), workload=run.workload, dockerfile=component.dockerfile),
            run.location,
            service=component.name,
            related=[builds[0].location],
            evidence={"runs": str(run.image), "dockerfile": component.dockerfile, "built_dockerfiles": others},
            root_cause=Msg(
                "The repository builds {others} but never {dockerfile}; {image} has no "
                "registry, so it exists only on a machine where someone built it by hand.",
                others=", ".join(others), dockerfile=component.dockerfile, image=str(run.image),
            ),
            facts=ImageFacts(component.name, str(run.image), ()),
            remediation=rebuild_commands(ctx.catalogue, component),
        )


# -- IMG002 ------------------------------------------------------------------------------------------
class ImageNotLoadedIntoKind(Check):
    code = "IMG002"
    name = "image-not-loaded-into-kind"
    severity = Severity.ERROR
    summary = "A locally built image that a workload runs is never loaded into the kind cluster."
    why = (
        "kind nodes do not see the host's Docker images: each one must be copied in with "
        "`kind load docker-image IMG --name CLUSTER`. A local-only image that the scripts build but do not "
        "load leaves the pod in ErrImageNeverPull (imagePullPolicy: Never) or ImagePullBackOff."
    )
    example = "scripts/build-and-load.sh builds tiketi-stats-service:local but has no `kind load docker-image tiketi-stats-service:local`"
    fix = "Add `kind load docker-image <image> --name <cluster>` after the build (for every image the cluster runs)."
    Facts = LoadFacts
    symptom = "ErrImageNeverPull or ImagePullBackOff: the kind nodes do not have {image}"
    fix_title = "Load {image} into the kind cluster {cluster} after the build"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        inv = inventory(ctx)
        loads = inv.loads()
        if not loads or not component.dockerfile:
            return
        cluster = ctx.catalogue.cluster.kind_cluster
        for run in _unique(run_images(ctx, component)):
            if not local_only(ctx, inv, run.image):
                continue
            # Which cluster a script loads into is its own business (the catalogue may name a test cluster).
            if any(a.image.repository.startswith("*") or a.image.matches(run.image) for a in loads):
                continue
            yield self.finding(
                Msg("{component} runs the local image {image}, but no `kind load docker-image` loads it", component=component.name, image=str(run.image)),
                run.location,
                service=component.name,
                related=[a.location for a in loads[:3]],
                evidence={"image": str(run.image), "loaded": sorted({str(a.image) for a in loads}), "cluster": cluster},
                root_cause=Msg(
                    "{image} is built on the host and never pushed; the repository loads {loaded} into kind but not this one, "
                    "so the node cannot find it (ErrImageNeverPull with imagePullPolicy Never, ImagePullBackOff otherwise).",
                    image=str(run.image), loaded=", ".join(dict.fromkeys(str(a.image) for a in loads[:6])),
                ),
                facts=LoadFacts(component.name, str(run.image), cluster),
                remediation=[f"kind load docker-image {run.image} --name {cluster}"],
            )


# -- IMG003 ------------------------------------------------------------------------------------------
class PullPolicyBreaksKind(Check):
    code = "IMG003"
    name = "pull-policy-breaks-kind"
    severity = Severity.ERROR
    fixable = True
    summary = "A local-only image is pulled with imagePullPolicy Always (set, or implied by a `:latest` or missing tag)."
    why = (
        "With Always, the kubelet contacts the registry on every start. An image that exists only on the "
        "host (and in kind after `kind load`) is not in any registry, so the pod fails with ErrImagePull / "
        "ImagePullBackOff although the image was loaded. Kubernetes defaults to Always when the tag is "
        "`latest` or missing."
    )
    example = "image: tiketi-auth-service (no tag) or imagePullPolicy: Always for an image built by scripts/build-and-load.sh"
    fix = "Give local images an explicit tag (`:local`) and `imagePullPolicy: Never` (or IfNotPresent)."
    Facts = PullPolicyFacts
    symptom = "ErrImagePull or ImagePullBackOff for {image}, although it was loaded into kind"
    fix_title = "Set imagePullPolicy to Never for the local image {image} in {path}"

    def check_component(self, ctx: ScanContext, component: Component) -> Iterable[Finding]:
        inv = inventory(ctx)
        for run in _unique(run_images(ctx, component)):
            if not local_only(ctx, inv, run.image) or is_unknown(run.policy):
                continue  # a template picks the policy: neither Always nor the tag's default is known
            if run.policy == "Always":
                why, where = "imagePullPolicy: Always", run.policy_location or run.location
            elif run.policy is None and run.image.latest:
                tag = Msg("is `latest`") if run.image.tag else Msg("is missing")
                why, where = Msg("no imagePullPolicy and the tag {tag} (Kubernetes then pulls Always)", tag=tag), run.location
            else:
                continue
            yield self.finding(
                Msg("{component} runs the local-only image {image} with {why}: kind cannot pull it", component=component.name, image=str(run.image), why=why),
                where,
                service=component.name,
                related=[run.location] if where != run.location else [],
                evidence={"image": str(run.image), "imagePullPolicy": run.policy, "environment": run.environment.name},
                root_cause=Msg(
                    "{image} is built on the host, has no registry and is never pushed, so a pull always fails; "
                    "the kubelet ignores the copy `kind load` put on the node when the policy is Always.",
                    image=str(run.image),
                ),
                facts=PullPolicyFacts(
                    component=component.name,
                    image=str(run.image),
                    policy=run.policy,
                    path=where.path,
                    line=where.line,
                    image_line=run.location.line if run.location.path == where.path else None,
                ),
            )


# -- IMG004 ------------------------------------------------------------------------------------------
class KustomizeImageRewriteUnmatched(Check):
    code = "IMG004"
    name = "kustomize-image-rewrite-unmatched"
    severity = Severity.WARNING
    fixable = True
    scope = "repository"
    summary = "A kustomize `images:` entry names an image that no resource of the kustomization uses."
    why = (
        "kustomize rewrites only containers whose image name equals `images[].name` exactly (registry and path "
        "included, tag excluded). A typo or a tag in `name` makes the rewrite a silent no-op: the overlay "
        "deploys the base's image, not the newName/newTag it says."
    )
    example = "images: [{name: tiketi-auth-service:local, newTag: v2}] — `name` must not carry the tag"
    fix = "Write `name` exactly as the image name appears in the resources (without tag), or remove the entry."
    Facts = RewriteFacts
    symptom = "the overlay deploys the base's image: the rewrite of {name} is never applied"
    fix_title = "Name the image {bare} (without tag) in {kustomization}"

    def check_repository(self, ctx: ScanContext) -> Iterable[Finding]:
        for k in kustomizations(ctx):
            rewrites = k.images
            if not rewrites:
                continue
            rendering = render(ctx, k)
            images = [
                ref for placed in rendering.objects for _, c in containers_of(placed.data)
                if (ref := parse_image(str(c.get("image") or ""))) is not None
            ]
            names = sorted({i.name for i in images})
            for rewrite in rewrites:
                target = rewrite.new_name or rewrite.name
                applied = any(i.name == target and (not rewrite.new_tag or i.tag == rewrite.new_tag) for i in images)
                if applied or rewrite.name in names:
                    continue
                bare = rewrite.name.split("@", 1)[0]
                if ":" in bare.rsplit("/", 1)[-1]:
                    bare = bare.rsplit(":", 1)[0]
                hint = ""
                if bare != rewrite.name:
                    hint = Msg(" (`name` carries a tag or digest; it must be the bare image name)")
                near = [n for n in names if n.rsplit("/", 1)[-1].split(":")[0] in rewrite.name or rewrite.name.split(":")[0].rsplit("/", 1)[-1] in n]
                yield self.finding(
                    Msg("{path}: images entry {name!r} matches no container image{hint}; the resources use {names}",
                        path=k.path, name=rewrite.name, hint=hint, names=", ".join(names) or Msg("no images")),
                    rewrite.location,
                    evidence={"entry": rewrite.describe(), "images_in_resources": names, "renderer": rendering.renderer},
                    root_cause=Msg(
                        "kustomize compares `name` with each container's image name; none is {name!r}, so "
                        "`{rewrite}` is never applied and the overlay runs {images} unchanged.",
                        name=rewrite.name, rewrite=rewrite.describe(),
                        images=", ".join(near) if near else Msg("the images of its resources"),
                    ),
                    facts=RewriteFacts(k.path, rewrite.name, rewrite.location.line, tuple(near), bare if bare in names else None),
                )


CHECKS = (DeployedImageNotBuilt, ImageNotLoadedIntoKind, PullPolicyBreaksKind, KustomizeImageRewriteUnmatched)
