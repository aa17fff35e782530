"""`check --live` (the live part after the static checks) and `tiketi-doctor status`.

Exit code 4 (EXIT_LIVE_SKIPPED) means the live part could not run — no kubeconfig, cluster
unreachable, permission denied, timeout or a server error — while no finding reached --fail-on;
the static findings are still reported.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from ..catalogue import Catalogue, CatalogueError
from ..catalogue_choice import find_catalogue
from ..i18n import Msg, localize
from ..model import Report
from ..registry import Registry
from .common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, error, print_catalogue_error, split_codes

EXIT_LIVE_SKIPPED = 4


def run_live_part(report: Report, options, catalogue: Catalogue, registry: Registry | None = None):
    """Run the selected live checks into `report` (options: CheckOptions with `live` set), with the
    catalogue the static part used (read or discovered once).

    Returns the LiveOutcome; when the cluster could not be used its `skipped` says why, and that
    reason is printed on standard error (the static findings are reported as usual).
    """
    from ..cluster.runner import run_live
    from ..registry import RegistryError, load_registry
    from .common import InternalError, UsageError

    if registry is None:
        try:
            registry = load_registry()
        except RegistryError as exc:
            raise InternalError(str(exc)) from None
    checks = registry.runnable(split_codes(options.select), split_codes(options.ignore), live=True)
    try:
        outcome = run_live(report, options.path, catalogue, checks, options.live)
    except ValueError as exc:  # a malformed --base-url
        raise UsageError(str(exc)) from None
    if outcome.skipped is not None:
        error(outcome.summary())
    return outcome


def live_exit_code(code: int, outcome) -> int:
    """Findings (1) and internal errors (3) say more than a skipped live part; otherwise 4 when it was skipped."""
    if outcome is not None and outcome.skipped is not None and code == EXIT_CLEAN:
        return EXIT_LIVE_SKIPPED
    return code


def run_status(path: Path, catalogue_file: Path | None, live_options, out: TextIO | None = None) -> int:
    """Print the components' pods like `kubectl get pods` (the report's final table).

    Exit codes: 0 every component pod Running and ready, 1 some are not (or a component has no pod),
    2 usage or catalogue error, 4 the cluster could not be used.
    """
    from ..cluster.access import ClusterError, connect
    from ..cluster.runner import pod_rows, resolve_target
    from ..cluster.snapshot import take_snapshot

    out = out or sys.stdout
    try:
        catalogue = find_catalogue(path, catalogue_file)
    except CatalogueError as exc:
        print_catalogue_error(exc)
        return EXIT_USAGE
    target = resolve_target(live_options, catalogue)
    try:
        with connect(target) as session:
            snapshot = take_snapshot(session)
    except ClusterError as exc:
        error(Msg("cannot read the cluster ({kind}): {reason} [{where}]", kind=exc.kind, reason=exc.reason,
                  where=Msg("context {context}, namespace {namespace}", context=target.context, namespace=target.namespace)))
        return EXIT_LIVE_SKIPPED
    rows = pod_rows(snapshot, catalogue)
    print(localize(Msg("context {context}, namespace {namespace}", context=target.context, namespace=target.namespace)), file=out)
    print_pod_table(rows, out)
    missing = _components_without_pods(catalogue, rows)
    for name in missing:
        print(localize(Msg("{name}: no pod", name=name)), file=out)
    healthy = all(_healthy(r) for r in rows) and not missing and rows
    return EXIT_CLEAN if healthy else EXIT_FINDINGS


def print_pod_table(rows, out: TextIO) -> None:
    header = ("NAME", "READY", "STATUS", "RESTARTS", "AGE")
    table = [header] + [(r.name, r.ready, r.status, str(r.restarts), r.age) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("   ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip(), file=out)


def _healthy(row) -> bool:
    ready, total = (row.ready.split("/") + ["0"])[:2]
    return row.status == "Running" and ready == total


def _components_without_pods(catalogue: Catalogue, rows) -> list[str]:
    with_pods = {r.service for r in rows if r.service}
    return [c.name for c in catalogue.components if c.deployment and c.name not in with_pods]
