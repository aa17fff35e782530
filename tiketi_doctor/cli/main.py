"""The `tiketi-doctor` command. Commands parse options and delegate; heavy imports happen inside them."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from .. import __version__
from ..severity import Severity
from ..reporters import FORMATS

OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


class ListFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"


class ReportLang(str, Enum):
    en = "en"
    ko = "ko"


def _language(lang: "ReportLang | str | None") -> str:
    """--lang, else the POSIX locale (LC_ALL, LC_MESSAGES, LANG), else en; it also becomes the process's language."""
    from ..i18n import language, set_language

    value = lang.value if isinstance(lang, Enum) else lang
    if value is not None and value not in [m.value for m in ReportLang]:
        raise typer.BadParameter(f"--lang is one of {', '.join(m.value for m in ReportLang)}")
    set_language(value)
    return language()


_LANG_HELP = "Language of the terminal output and the report (en or ko; default from LC_ALL/LC_MESSAGES/LANG, else en)."


class ReportFormat(str, Enum):
    markdown = "markdown"
    html = "html"


app = typer.Typer(
    name="tiketi-doctor",
    help="Diagnose and heal the TIKETI microservices: cross-layer checks with file:line evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich help formatting would double the start-up time.
    rich_markup_mode=None,
)
checks_app = typer.Typer(help="Inspect the available checks.", no_args_is_help=True, rich_markup_mode=None)
catalogue_app = typer.Typer(help="Work with the service catalogue.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(checks_app, name="checks")
app.add_typer(catalogue_app, name="catalogue")
baseline_app = typer.Typer(help="Accept today's findings so that CI reports only new ones.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(baseline_app, name="baseline")


def _size(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    from .common import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _max_file_size() -> Any:
    return typer.Option(
        None, "--max-file-size", callback=_size, metavar="SIZE",
        help="Do not read files larger than this (4MB by default, or the catalogue's max_file_bytes); each is one SRC005 info finding.",
    )


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tiketi-doctor {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Diagnose and heal the TIKETI microservices: cross-layer checks with file:line evidence."""


@app.command()
def check(
    path: Path = typer.Argument(Path("."), help="Repository to check (default: the current directory)."),
    catalogue: Optional[Path] = typer.Option(
        None, "--catalogue", "-c", help="Catalogue file to use instead of the repository's tiketi-doctor.yaml or the built-in one."
    ),
    select: List[str] = typer.Option([], "--select", "-s", help="Run only these codes or prefixes (repeat or comma-separate: DEP,PORT002)."),
    ignore: List[str] = typer.Option([], "--ignore", "-i", help="Skip these codes or prefixes (repeat or comma-separate)."),
    output_format: List[OutputFormat] = typer.Option(  # type: ignore[valid-type]
        [], "--format", "-f", help="Output format (default terminal). Repeat with --output for several: -f sarif -o a.sarif -f junit -o a.xml."
    ),
    output: List[str] = typer.Option([], "--output", "-o", help="File for the --format at the same position (- for standard output)."),
    fail_on: Severity = typer.Option(Severity.ERROR, "--fail-on", help="Exit 1 when a reported finding has at least this severity."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Hide the findings recorded by `baseline create`; report new ones and resolved entries."),
    strict: bool = typer.Option(False, "--strict", help="Refuse every ignore (catalogue, inline) and the baseline: their findings count, and are listed."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write the troubleshooting report to this .md or .html file."),
    lang: Optional[ReportLang] = typer.Option(None, "--lang", help=_LANG_HELP),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Force or disable colours (default: when writing to a terminal)."),
    live: bool = typer.Option(False, "--live", help="Also diagnose the running cluster: pods, logs, events, HTTP probes, tied to the static causes."),
    context: Optional[str] = typer.Option(None, "--context", help="kube context for --live (default: the catalogue's, kind-tiketi-local)."),
    kubeconfig: Optional[str] = typer.Option(None, "--kubeconfig", help="kubeconfig for --live (default: $KUBECONFIG, else ~/.kube/config)."),
    namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Namespace for --live (default: the catalogue's, tiketi)."),
    base_url: List[str] = typer.Option(
        [], "--base-url", help="With --live: the gateway's URL (http://localhost:3001), or NAME=URL for a component; others are reached by port-forward."
    ),
    live_deadline: float = typer.Option(60.0, "--live-deadline", min=1, help="With --live: seconds for all cluster API calls together; past it the live part is skipped with the reason."),
    kubectl_kustomize: bool = typer.Option(
        False, "--kubectl-kustomize", help="Render kustomize overlays with `kubectl kustomize` (kubectl on PATH) instead of the built-in reader: a cross-check, one process per overlay."
    ),
    max_file_size: Optional[str] = _max_file_size(),
    cache: bool = typer.Option(
        True, "--cache/--no-cache", help="Reuse the check runs and analyses of an earlier check whose files did not change, and the parsed catalogue (default on; live checks and fix planning always run)."
    ),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", help="Folder of the run cache (default: $TIKETI_DOCTOR_CACHE_DIR, else $XDG_CACHE_HOME/tiketi-doctor or ~/.cache/tiketi-doctor)."
    ),
) -> None:
    """Check a repository against the catalogue and report every disagreement with file:line evidence.

    Exit codes: 0 no reported finding at or above --fail-on, 1 such findings, 2 usage, catalogue or
    baseline error, 3 internal error (a check raised; the outputs are still written), 4 with --live:
    the live part could not run (no kubeconfig, cluster unreachable, forbidden, timeout, server
    error) and no finding reached --fail-on; the static findings are still reported.
    """
    from .check_cmd import CheckOptions, run_check

    live_options = None
    if live:
        from ..cluster.runner import LiveOptions

        live_options = LiveOptions(context=context, kubeconfig=kubeconfig, namespace=namespace, base_urls=list(base_url), deadline=live_deadline)
    options = CheckOptions(
        path, catalogue, select, ignore, baseline, strict,
        formats=[f.value for f in output_format], outputs=output, fail_on=fail_on, color=color, report=report, lang=_language(lang),
        live=live_options, max_file_bytes=max_file_size,  # type: ignore[arg-type]  # converted by _size
    )
    options.kubectl_kustomize = kubectl_kustomize
    options.cache, options.cache_dir = cache, cache_dir
    raise typer.Exit(run_check(options))


@app.command()
def init(
    path: Path = typer.Argument(Path("."), help="Repository to discover (default: the current directory)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Catalogue file to write (default: PATH/tiketi-doctor.yaml)."),
    stdout: bool = typer.Option(False, "--stdout", help="Print the catalogue instead of writing a file."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file (its exclude: list is kept)."),
    exclude: List[str] = typer.Option([], "--exclude", "-x", help="Also never read paths matching this glob (repeatable), e.g. 'legacy/**'."),
) -> None:
    """Discover the catalogue from the repository and write it as commented YAML to edit.

    Exit codes: 0 written, 1 no application or workload found, 2 usage error (the file exists
    without --force), 3 internal error (nothing written).
    """
    from .init_cmd import InitOptions, run_init

    raise typer.Exit(run_init(InitOptions(path, output, stdout, force, list(exclude))))


@app.command()
def status(
    path: Path = typer.Argument(Path("."), help="Repository whose catalogue names the components (default: the current directory)."),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", "-c", help="Catalogue file (as for check)."),
    context: Optional[str] = typer.Option(None, "--context", help="kube context (default: the catalogue's, kind-tiketi-local)."),
    kubeconfig: Optional[str] = typer.Option(None, "--kubeconfig", help="kubeconfig (default: $KUBECONFIG, else ~/.kube/config)."),
    namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Namespace (default: the catalogue's, tiketi)."),
) -> None:
    """Print the components' pods like `kubectl get pods`: name, ready, status, restarts, age.

    Exit codes: 0 every component pod Running and ready, 1 some are not (or a component has no pod),
    2 usage or catalogue error, 4 the cluster could not be read.
    """
    from ..cluster.runner import LiveOptions
    from .live_cmd import run_status

    raise typer.Exit(run_status(path, catalogue, LiveOptions(context=context, kubeconfig=kubeconfig, namespace=namespace)))


@app.command()
def report(
    path: Path = typer.Argument(Path("."), help="Repository to check (default: the current directory)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Report file (.md or .html); standard output when omitted."),
    report_format: Optional[ReportFormat] = typer.Option(None, "--format", "-f", help="markdown or html (default: from the file name, else markdown)."),
    lang: Optional[ReportLang] = typer.Option(None, "--lang", help=_LANG_HELP),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", "-c", help="Catalogue file (as for check)."),
    select: List[str] = typer.Option([], "--select", "-s", help="Run only these codes or prefixes."),
    ignore: List[str] = typer.Option([], "--ignore", "-i", help="Skip these codes or prefixes."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Leave out the findings recorded in this baseline."),
    strict: bool = typer.Option(False, "--strict", help="Refuse every ignore and the baseline."),
    max_file_size: Optional[str] = _max_file_size(),
) -> None:
    """Write the troubleshooting report: summary table, then per problem symptom, root cause, fix, commands, verification.

    Exit codes: 0 written (whatever it found), 2 usage, catalogue or baseline error, 3 internal error.
    """
    from .report_cmd import ReportOptions, run_report

    options = ReportOptions(
        path, catalogue, select, ignore, baseline, strict,
        output=output, report_format=report_format.value if report_format else None, lang=_language(lang),
        max_file_bytes=max_file_size,  # type: ignore[arg-type]
    )
    raise typer.Exit(run_report(options))


@baseline_app.command("create")
def baseline_create(
    path: Path = typer.Argument(Path("."), help="Repository to check (default: the current directory)."),
    output: Path = typer.Option(Path("tiketi-doctor-baseline.json"), "--output", "-o", help="Baseline file to write."),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", "-c", help="Catalogue file (as for check)."),
    select: List[str] = typer.Option([], "--select", "-s", help="Record only these codes or prefixes."),
    ignore: List[str] = typer.Option([], "--ignore", "-i", help="Skip these codes or prefixes."),
    max_file_size: Optional[str] = _max_file_size(),
) -> None:
    """Record the current findings (by fingerprint, stable across line shifts) as accepted.

    Exit codes: 0 written, 2 usage or catalogue error, 3 internal error (nothing written).
    """
    from .baseline_cmd import BaselineOptions, run_create

    raise typer.Exit(run_create(BaselineOptions(path, catalogue, select, ignore, output=output, max_file_bytes=max_file_size)))


@app.command()
def fix(
    path: Path = typer.Argument(Path("."), help="Repository to fix (default: the current directory)."),
    apply: bool = typer.Option(False, "--apply", help="Write the changes (default: only print them as a diff)."),
    select: List[str] = typer.Option([], "--select", "-s", help="Fix only findings of these codes or prefixes."),
    ignore: List[str] = typer.Option([], "--ignore", "-i", help="Leave findings of these codes or prefixes alone."),
    minimal: bool = typer.Option(False, "--minimal", help="Add a missing dependency to a Dockerfile's inline package.json instead of replacing it with a COPY of the real one."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes marked unsafe (they change code a reviewer should look at)."),
    patch: Optional[Path] = typer.Option(None, "--patch", help="Also write the changes as a unified diff to this file (git apply-able)."),
    undo: bool = typer.Option(False, "--undo", help="Restore the files changed by the last `fix --apply`, byte for byte."),
    force: bool = typer.Option(False, "--force", help="With --undo: restore even files edited after the fix."),
    overwrite_read_only: bool = typer.Option(False, "--overwrite-read-only", help="With --apply: also write files that are read-only (refused by default)."),
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", "-c", help="Catalogue file (as for check)."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Force or disable colours."),
    max_file_size: Optional[str] = _max_file_size(),
) -> None:
    """Fix what the checks found: show the changes as a diff, write them with --apply, undo with --undo.

    Exit codes: 0 nothing (left) to fix, 1 changes shown but not applied or findings remain, 2 usage or
    catalogue error, or a write refused (a file changed since it was read, is read-only or cannot be
    written: nothing is written then), 3 internal error (including fixes that do not converge).
    """
    from .fix_cmd import run_fix

    raise typer.Exit(
        run_fix(path, apply, select, ignore, minimal, unsafe_fixes, patch, undo, force, catalogue, color, overwrite_read_only,
                max_file_size)  # type: ignore[arg-type]
    )


def _cluster_options(context, kubeconfig, namespace, allow_context, yes, verbose, catalogue) -> dict:
    return {"context": context, "kubeconfig": kubeconfig, "namespace": namespace, "allow_context": allow_context,
            "yes": yes, "verbose": verbose, "catalogue": catalogue}


_CONTEXT = typer.Option(None, "--context", help="kube context (default: the catalogue's, kind-tiketi-local).")
_KUBECONFIG = typer.Option(None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
_NAMESPACE = typer.Option(None, "--namespace", "-n", help="Namespace (default: the catalogue's, tiketi).")
_ALLOW = typer.Option(None, "--allow-context", help="Allow changing this exact context although it is not a kind cluster.")
_YES = typer.Option(False, "--yes", "-y", help="Do not ask before changing files or the cluster.")
_VERBOSE = typer.Option(False, "--verbose", "-v", help="Show the build output as it happens.")
_CATALOGUE = typer.Option(None, "--catalogue", "-c", help="Catalogue file (as for check).")


@app.command()
def heal(
    path: Path = typer.Argument(Path("."), help="Repository to heal (default: the current directory)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the fixes and the steps; change nothing."),
    select: List[str] = typer.Option([], "--select", "-s", help="Fix only findings of these codes or prefixes."),
    ignore: List[str] = typer.Option([], "--ignore", "-i", help="Leave findings of these codes or prefixes alone."),
    strategy: str = typer.Option("set-image", "--strategy", help="set-image: point each Deployment at its build's own tag (exact rollback); restart: reload the catalogue tag and restart the rollout."),
    base_url: List[str] = typer.Option([], "--base-url", help="As for check --live: where the gateway (or NAME=URL) answers for the HTTP verification."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the troubleshooting report (.md or .html) with what was done and proven."),
    lang: Optional[str] = typer.Option(None, "--lang", help=_LANG_HELP),
    context: Optional[str] = _CONTEXT, kubeconfig: Optional[str] = _KUBECONFIG, namespace: Optional[str] = _NAMESPACE,
    allow_context: Optional[str] = _ALLOW, yes: bool = _YES, verbose: bool = _VERBOSE, catalogue: Optional[Path] = _CATALOGUE,
) -> None:
    """Fix, rebuild, load into kind, roll out, wait and verify — and roll back when verification fails.

    Exit codes: 0 healed and verified (or nothing to fix), 1 a step or the verification failed and the
    heal was rolled back, 2 usage error or refusal (not a kind context, not confirmed, no Docker),
    3 internal error, 4 the cluster could not be read, 130 interrupted (what was done is rolled back).
    """
    from .heal_cmd import run_heal

    if strategy not in ("set-image", "restart"):
        raise typer.BadParameter("--strategy is set-image or restart")
    options = _cluster_options(context, kubeconfig, namespace, allow_context, yes, verbose, catalogue)
    options.update(dry_run=dry_run, select=[s.upper() for v in select for s in v.split(",") if s],
                   ignore=[s.upper() for v in ignore for s in v.split(",") if s], strategy=strategy,
                   base_url=base_url, report=report, lang=_language(lang), fail_on=Severity.ERROR)
    raise typer.Exit(run_heal(path, options))


@app.command()
def rebuild(
    components: List[str] = typer.Argument(..., help="Components to rebuild (catalogue names)."),
    path: Path = typer.Option(Path("."), "--repo", help="Repository (default: the current directory)."),
    context: Optional[str] = _CONTEXT, kubeconfig: Optional[str] = _KUBECONFIG, namespace: Optional[str] = _NAMESPACE,
    allow_context: Optional[str] = _ALLOW, yes: bool = _YES, verbose: bool = _VERBOSE, catalogue: Optional[Path] = _CATALOGUE,
) -> None:
    """Build the components' images from the catalogue's context and Dockerfile and load them into kind."""
    from .heal_cmd import run_rebuild

    raise typer.Exit(run_rebuild(path, components, _cluster_options(context, kubeconfig, namespace, allow_context, yes, verbose, catalogue)))


@app.command()
def redeploy(
    components: List[str] = typer.Argument(..., help="Components to redeploy (catalogue names)."),
    path: Path = typer.Option(Path("."), "--repo", help="Repository (default: the current directory)."),
    context: Optional[str] = _CONTEXT, kubeconfig: Optional[str] = _KUBECONFIG, namespace: Optional[str] = _NAMESPACE,
    allow_context: Optional[str] = _ALLOW, yes: bool = _YES, verbose: bool = _VERBOSE, catalogue: Optional[Path] = _CATALOGUE,
) -> None:
    """Restart the components' rollouts and wait until they are available (or say why not)."""
    from .heal_cmd import run_redeploy

    raise typer.Exit(run_redeploy(path, components, _cluster_options(context, kubeconfig, namespace, allow_context, yes, verbose, catalogue)))


@app.command()
def explain(
    code: str = typer.Argument(..., help="A check code (DEP001) or name (module-missing-in-image)."),
    lang: Optional[ReportLang] = typer.Option(None, "--lang", help=_LANG_HELP),
) -> None:
    """Explain a check: why it matters, an example, and how to fix it."""
    from .info_cmd import run_explain

    _language(lang)
    raise typer.Exit(run_explain(code))


@checks_app.command("list")
def checks_list(
    list_format: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="table, markdown (the README table) or json."),
    lang: Optional[ReportLang] = typer.Option(None, "--lang", help="Language of the table's summaries (markdown and json stay English)."),
) -> None:
    """List every check with its code, severity and summary."""
    from .info_cmd import run_list

    _language(lang)
    raise typer.Exit(run_list(list_format.value))


@checks_app.command("docs")
def checks_docs(
    output: Path = typer.Option(Path("docs/checks"), "--output", "-o", help="Folder of the pages (docs/checks)."),
    check_only: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when a page is missing, stale or documents no check."),
) -> None:
    """Write one Markdown page per check (and an index) from the checks' own documentation."""
    from .info_cmd import run_docs

    raise typer.Exit(run_docs(output, check_only))


@catalogue_app.command("validate")
def catalogue_validate(
    file: Optional[Path] = typer.Argument(None, help="Catalogue file (default: the repository's tiketi-doctor.yaml, else the built-in one)."),
    repo: Path = typer.Option(Path("."), "--repo", help="Repository whose catalogue is validated when FILE is not given."),
) -> None:
    """Validate a catalogue against its JSON Schema and consistency rules; exit 2 listing each error."""
    from .info_cmd import run_validate

    raise typer.Exit(run_validate(file, repo))


def run() -> None:
    """The console entry point. An exception no command handled is a bug of tiketi-doctor: one line
    and exit 3 (exit 1 would read as "findings found" to CI). TIKETI_DOCTOR_TRACEBACK=1 shows it whole."""
    import gc
    import os
    import sys

    # One command is one short process: the cycle collector's passes over what a scan keeps alive
    # (syntax trees, analyses, a loaded run cache) cost a fifth of a re-check, and reference
    # counting frees nearly everything else. (The engine pauses it around scans run in-process.)
    gc.disable()
    try:
        app()
    except Exception as exc:
        if os.environ.get("TIKETI_DOCTOR_TRACEBACK"):
            raise
        from ..i18n import Msg
        from .common import error

        error(Msg("internal error: {reason}", reason=f"{type(exc).__name__}: {exc}"))
        sys.exit(3)
