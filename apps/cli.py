"""`refapps`: the one console script. Every `apps/<app>/cli.py` is mounted as `refapps <app>`.

    refapps --help
    refapps titanic train
    refapps bench titanic --json
    refapps demo

Apps are discovered from the folders (`apps/registry.py` says what makes one), so a copied
app (`refapps new`) appears without a list to edit. Only Typer and the apps' CLI modules
are imported here: no torch.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from apps.registry import app_names
from apps.registry import discover_apps as describe_apps
from common.cli import JsonOpt, handle_user_errors
from common.errors import UserError

APPS_DIR = Path(__file__).parent

app = typer.Typer(
    help="PyTorch reference apps: tabular, images, text and time series.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def discover_apps() -> list[str]:
    """App names, as `apps.registry` defines an app (a sub-package with a `cli.py`)."""
    return app_names(APPS_DIR)


for _name in discover_apps():
    _module = importlib.import_module(f"apps.{_name}.cli")
    app.add_typer(_module.app, name=_name)


@app.command()
@handle_user_errors
def demo(
    port: Annotated[int, typer.Option(help="Port for the Streamlit server.")] = 8501,
) -> None:
    """Open the Streamlit hub: a home page and one page per app."""
    entry = APPS_DIR / "streamlit_app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(entry), "--server.port", str(port)]
    raise typer.Exit(subprocess.call(command))


@app.command()
@handle_user_errors
def bench(
    target: Annotated[str, typer.Argument(help="An app name, 'overhead', or 'all'.")] = "all",
    as_json: JsonOpt = False,
    out_dir: Annotated[Path, typer.Option(help="Where results.json and RESULTS.md go.")] = Path(
        "bench"
    ),
) -> None:
    """Measure an app's default configuration (and its baselines) on REFAPPS_DATA."""
    from apps.bench import run_benchmarks

    apps = describe_apps(APPS_DIR)
    names = [a.name for a in apps if a.has_bench]
    if target in {a.name for a in apps} - set(names):
        raise UserError(f"apps/{target} has no bench.py with run_bench(); nothing to measure.")
    if target not in (*names, "overhead", "all"):
        raise UserError(
            f"Unknown benchmark {target!r}; choose one of: {', '.join(names)}, overhead, all."
        )
    skipped = [a.name for a in apps if not a.has_bench]
    if target == "all" and skipped and not as_json:
        typer.echo(f"Skipped (no bench.py): {', '.join(skipped)}")
    results = run_benchmarks(target, names, out_dir, quiet=as_json)
    if as_json:
        for row in results:
            typer.echo(json.dumps(row))


@app.command()
@handle_user_errors
def new(
    name: Annotated[str, typer.Argument(help="Name of the new app (a Python identifier).")],
    source: Annotated[str, typer.Option("--from", help="The app to copy.")] = "titanic",
    with_extras: Annotated[
        bool, typer.Option("--with-extras", help="Also copy the app's extras/ (its options).")
    ] = False,
) -> None:
    """Start a new app as a renamed copy of an existing one: its reading path, front-ends, tests."""
    from apps.scaffold import copy_app

    created = copy_app(source, name, APPS_DIR.parent, with_extras=with_extras)
    typer.echo(f"Created {', '.join(str(p) for p in created)}.")
    if not with_extras and (APPS_DIR / source / "extras").is_dir():
        typer.echo(f"Left out apps/{source}/extras and tests/{source}/extras (--with-extras).")
    typer.echo(f"Next: refapps {name} --help; pytest tests/{name} -q; refapps demo")


def main() -> None:
    """The `refapps` entry point: the app behind the error boundary of `common.cli.run_app`."""
    from common.cli import run_app

    run_app(app)


if __name__ == "__main__":
    main()
