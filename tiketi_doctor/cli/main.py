"""The `tiketi-doctor` command. Commands parse options and delegate; heavy imports happen inside them."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .. import __version__
from ..model import Severity
from ..reporters import FORMATS

OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


class ListFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    json = "json"


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
    output_format: OutputFormat = typer.Option("terminal", "--format", "-f", help="Output format."),  # type: ignore[valid-type]
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output to this file instead of standard output."),
    fail_on: Severity = typer.Option(Severity.ERROR, "--fail-on", help="Exit 1 when a finding has at least this severity."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Force or disable colours (default: when writing to a terminal)."),
) -> None:
    """Check a repository against the catalogue and report every disagreement with file:line evidence.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or catalogue error, 3 internal error.
    """
    from .check_cmd import run_check

    raise typer.Exit(run_check(path, catalogue, select, ignore, output_format.value, output, fail_on, color))


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
    catalogue: Optional[Path] = typer.Option(None, "--catalogue", "-c", help="Catalogue file (as for check)."),
    color: Optional[bool] = typer.Option(None, "--color/--no-color", help="Force or disable colours."),
) -> None:
    """Fix what the checks found: show the changes as a diff, write them with --apply, undo with --undo.

    Exit codes: 0 nothing (left) to fix, 1 changes shown but not applied or findings remain, 2 usage or
    catalogue error, 3 internal error (including fixes that do not converge).
    """
    from .fix_cmd import run_fix

    raise typer.Exit(
        run_fix(path, apply, select, ignore, minimal, unsafe_fixes, patch, undo, force, catalogue, color)
    )


@app.command()
def explain(code: str = typer.Argument(..., help="A check code (DEP001) or name (module-missing-in-image).")) -> None:
    """Explain a check: why it matters, an example, and how to fix it."""
    from .info_cmd import run_explain

    raise typer.Exit(run_explain(code))


@checks_app.command("list")
def checks_list(
    list_format: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="table, markdown (the README table) or json."),
) -> None:
    """List every check with its code, severity and summary."""
    from .info_cmd import run_list

    raise typer.Exit(run_list(list_format.value))


@catalogue_app.command("validate")
def catalogue_validate(
    file: Optional[Path] = typer.Argument(None, help="Catalogue file (default: the repository's tiketi-doctor.yaml, else the built-in one)."),
    repo: Path = typer.Option(Path("."), "--repo", help="Repository whose catalogue is validated when FILE is not given."),
) -> None:
    """Validate a catalogue against its JSON Schema and consistency rules; exit 2 listing each error."""
    from .info_cmd import run_validate

    raise typer.Exit(run_validate(file, repo))


def run() -> None:
    app()
